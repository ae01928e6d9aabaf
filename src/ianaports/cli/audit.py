"""Checking against the registry: ``listening`` (this machine's sockets) and ``notes`` (the curated notes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ianaports.render import format_table
from ianaports.render.json import audit_to_json, baseline_diff_to_json, note_checks_to_json, note_set_to_json

from ._common import add_command, add_json_option, add_notes_source, add_registry_source, path_argument, release
from ._exit import EXIT_NEW_LISTENERS, EXIT_NOT_FOUND, EXIT_OK

if TYPE_CHECKING:
    import argparse

    from ianaports.listen import BaselineDiff

    from ._common import Commands, Output

__all__ = ["add_listening", "add_notes", "cmd_listening", "cmd_notes"]


# --- listening ------------------------------------------------------------------------------------


def cmd_listening(args: argparse.Namespace, out: Output) -> int:
    """Audit what listens on this machine against IANA's registry, or against a baseline."""
    from pathlib import Path  # noqa: PLC0415 - imported with the socket audit, which needs it

    from ianaports import listen  # noqa: PLC0415 - the socket audit only for this command
    from ianaports.notes import load_notes  # noqa: PLC0415 - the notes only for the commands that read them

    # Read the baseline first: a wrong path fails at once, before any socket is listed.
    baseline = listen.load_baseline(Path(args.baseline)) if args.baseline else None
    listeners = listen.current_listeners()
    if args.save_baseline:
        listen.save_baseline(listeners, Path(args.save_baseline))
        noun = "listener" if len(listeners) == 1 else "listeners"
        out.message(f"ianaports: saved {len(listeners)} {noun} to {args.save_baseline}")
        return EXIT_OK
    if baseline is not None:
        return _report_baseline(out, listen.compare_baseline(baseline, listeners), as_json=args.json)
    notes = load_notes(args.notes)
    with release(args, out) as registry:
        audited = listen.audit(
            listeners,
            registry,
            note_for=listen.note_lookup(registry, notes),
            aliases_for=listen.process_aliases(registry, notes),
        )
    if not args.all:
        audited = tuple(
            item
            for item in audited
            if not (item.listener.protocol.value == "udp" and item.in_ephemeral_range and not item.flags)
        )
    if args.json:
        out.json(audit_to_json(registry, audited))
        return EXIT_OK
    rows = [
        [
            item.listener.protocol.value,
            item.listener.address,
            str(item.listener.port),
            "?" if item.listener.pid is None else str(item.listener.pid),
            item.listener.process or "?",
            ", ".join(item.service_names) or "-",
            item.port_class.everyday_name,
            "; ".join(flag.reason for flag in item.flags) or "-",
        ]
        for item in audited
    ]
    header = ["PROTO", "ADDRESS", "PORT", "PID", "PROCESS", "IANA SERVICE", "RANGE", "WORTH A SECOND LOOK"]
    out.line(format_table(header, rows, aligned=out.is_terminal))
    return EXIT_OK


def _report_baseline(out: Output, change: BaselineDiff, *, as_json: bool) -> int:
    if as_json:
        out.json(baseline_diff_to_json(change))
    else:
        for item in change.new:
            out.line(f"new      {item.protocol.value} {item.address}:{item.port} {item.process or '?'}")
        for item in change.gone:
            out.line(f"gone     {item.protocol.value} {item.address}:{item.port} {item.process or '?'}")
        for old, new in change.changed_owner:
            out.line(f"owner    {new.protocol.value} {new.address}:{new.port} {old.process} -> {new.process}")
        if not (change.new or change.gone or change.changed_owner):
            out.line("no change since the baseline")
    return EXIT_NEW_LISTENERS if change.has_new else EXIT_OK


def add_listening(commands: Commands) -> None:
    """Register ``listening``."""
    listening = add_command(
        commands,
        "listening",
        cmd_listening,
        help="audit what listens on this machine against IANA's registry",
        description="List every listening TCP socket and bound UDP socket (needs the 'audit' extra: psutil), "
        "with IANA's assignment for its port and protocol, its RFC 6335 range, and a reason to look twice "
        "where there is one: no IANA assignment, an assignment for another protocol only, a registered "
        "service with no known current use, a process that does not match what the port is registered for "
        "(python3 on 3389/ms-wbt-server), or an owner the OS does not reveal. UDP sockets in the ephemeral "
        "ranges with nothing to flag are clients and are hidden unless --all.",
        examples=[
            "ianaports listening",
            "ianaports listening --save-baseline /var/lib/ports.json",
            "ianaports listening --baseline /var/lib/ports.json || alert 'new listener'",
        ],
    )
    listening.add_argument("--all", action="store_true", help="also show client UDP sockets in ephemeral ranges")
    group = listening.add_mutually_exclusive_group()
    group.add_argument(
        "--save-baseline", type=path_argument, metavar="FILE", help="write what listens now as JSON and stop"
    )
    group.add_argument(
        "--baseline", type=path_argument, metavar="FILE", help="report new, gone and re-owned listeners; exit 5 if new"
    )
    add_json_option(listening)
    add_registry_source(listening)
    add_notes_source(listening)


# --- notes ----------------------------------------------------------------------------------------


def cmd_notes(args: argparse.Namespace, out: Output) -> int:
    """List the curated notes in effect, or check them against the registry."""
    from ianaports.notes import check_notes, load_notes  # noqa: PLC0415 - the notes only for the commands that read them

    notes = load_notes(args.notes)
    if args.action == "list":
        if args.json:
            out.json(note_set_to_json(notes))
            return EXIT_OK
        rows = [
            [
                note.id,
                note.match.describe(),
                str(note.status),
                note.checked_against.release.isoformat() if note.checked_against else "-",
                note.sources[-1],
            ]
            for note in notes
        ]
        out.line(format_table(["ID", "MATCHES", "STATUS", "CHECKED", "SOURCE"], rows, aligned=out.is_terminal))
        return EXIT_OK
    with release(args, out, whole=True) as registry:
        checks = check_notes(notes, registry)
    attention = [check for check in checks if check.needs_attention]
    if args.json:
        out.json(note_checks_to_json(registry, checks))
    else:
        for check in attention:
            out.line(f"{check.note.id}\t{check.status}\t{check.explanation}\t{check.note.sources[-1]}")
        out.message(
            f"ianaports: {len(checks)} notes checked against the registry of {registry.updated}; "
            f"{len(attention)} need attention"
        )
    return EXIT_NOT_FOUND if attention else EXIT_OK


def add_notes(commands: Commands) -> None:
    """Register ``notes``."""
    notes = add_command(
        commands,
        "notes",
        cmd_notes,
        help="list the curated notes or check them against the registry",
        description="List the curated notes in effect (shipped, IANAPORTS_NOTES_PATH, --notes), or check that "
        "each still matches records unchanged since it was checked (exit 1 when one needs attention).",
        examples=["ianaports notes list", "ianaports notes check --file registry.xml --json"],
    )
    notes.add_argument("action", choices=["list", "check"], help="list the notes, or check them")
    add_json_option(notes)
    add_registry_source(notes)
    add_notes_source(notes)
