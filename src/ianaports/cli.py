"""The ``ianaports`` command line: the only module that prints.

Exit codes (also in ``--help`` and the README):

====  ==========================================================
0     success
1     nothing found (no record for that port, name or span)
2     usage error (bad arguments)
3     network or source error (fetch failed, file unreadable or not a registry)
4     cache or store error (no cache yet, corrupt, read-only or full disk)
====  ==========================================================
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from . import __version__
from .errors import CacheError, FetchError, IanaportsError, NotesError, NotFoundError, ParseError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .model import ServiceRecord
    from .registry import Registry

__all__ = ["EXIT_CACHE", "EXIT_NOT_FOUND", "EXIT_OK", "EXIT_SOURCE", "EXIT_USAGE", "build_parser", "main", "run"]

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_SOURCE = 3
EXIT_CACHE = 4

EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  nothing found
  2  usage error
  3  network or source error (fetch failed, file unreadable or not a registry)
  4  cache or store error (no cache yet, corrupt, read-only or full disk)
"""


class UsageError(IanaportsError):
    """The command line itself is wrong: exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


class Output:
    """Where a command writes: stdout for results, stderr for messages."""

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        self.stdout = stdout
        self.stderr = stderr

    @property
    def is_terminal(self) -> bool:
        """True when stdout is an interactive terminal (aligned tables, colour allowed)."""
        return bool(getattr(self.stdout, "isatty", lambda: False)())

    @property
    def use_colour(self) -> bool:
        """Colour only on a terminal and never when NO_COLOR is set (https://no-color.org)."""
        return self.is_terminal and not os.environ.get("NO_COLOR")

    def line(self, text: str = "") -> None:
        """Write one line of results."""
        self.stdout.write(text + "\n")

    def json(self, data: Any) -> None:  # noqa: ANN401 - any JSON-serialisable value
        """Write a JSON document."""
        json.dump(data, self.stdout, indent=2, ensure_ascii=False)
        self.stdout.write("\n")

    def message(self, text: str) -> None:
        """Write one line to stderr."""
        self.stderr.write(text + "\n")


def _add_registry_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        metavar="PATH",
        help="read this registry file (.xml, .gz, .xz, .bz2) instead of the local cache",
    )


def _load_registry(args: argparse.Namespace) -> Registry:
    if args.file:
        from .parser import parse  # noqa: PLC0415 - lxml only when a file is read

        return parse(args.file)
    msg = "there is no local cache yet; read a file with --file PATH"
    raise CacheError(msg)


def _record_row(record: ServiceRecord) -> list[str]:
    return [
        record.name or "-",
        str(record.ports) if record.ports else "-",
        str(record.protocol) if record.protocol else "-",
        record.description,
    ]


def _print_records(out: Output, records: Sequence[ServiceRecord], registry: Registry, *, as_json: bool) -> None:
    from .render import format_table, record_to_json  # noqa: PLC0415

    if as_json:
        out.json(
            {
                "updated": registry.updated.isoformat(),
                "records": [record_to_json(record) for record in records],
            }
        )
        return
    rows = [_record_row(record) for record in records]
    out.line(format_table(["NAME", "PORT", "PROTO", "DESCRIPTION"], rows, aligned=out.is_terminal))


def _parse_port(text: str) -> int | None:
    if text.isdigit():
        port = int(text)
        if port > 65535:  # noqa: PLR2004 - the largest port number
            raise UsageError(f"port must be within 0-65535, not {port}")
        return port
    return None


def cmd_show(args: argparse.Namespace, out: Output) -> int:
    """Show the records of a port, a span of ports or a service name."""
    from .model import PortRange  # noqa: PLC0415

    registry = _load_registry(args)
    query: str = args.query.strip()
    port = _parse_port(query)
    if port is not None:
        records = registry.lookup(port, args.protocol)
    elif "-" in query and query.replace("-", "").isdigit():
        try:
            span = PortRange.from_text(query)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        records = registry.lookup_span(span, args.protocol)
    else:
        try:
            records = registry.service(query, args.protocol)
        except NotFoundError:
            records = ()
    if not records:
        protocol = f" for {args.protocol}" if args.protocol else ""
        if args.json:
            _print_records(out, (), registry, as_json=True)
        out.message(f"ianaports: nothing in the registry of {registry.updated} for {query!r}{protocol}")
        return EXIT_NOT_FOUND
    _print_records(out, records, registry, as_json=args.json)
    return EXIT_OK


def _add_notes_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--notes",
        metavar="PATH",
        action="append",
        default=[],
        help="also read curated notes from this TOML file or folder (repeatable; after IANAPORTS_NOTES_PATH)",
    )


def cmd_explain(args: argparse.Namespace, out: Output) -> int:
    """Explain a port or service name: IANA's entry, range facts and curated notes."""
    from .enrich import explain, load_notes  # noqa: PLC0415
    from .explain_render import render_explain  # noqa: PLC0415

    query: str = args.query.strip()
    _parse_port(query)  # a usage error for numbers above 65535
    notes = load_notes(args.notes)
    registry = _load_registry(args)
    try:
        view = explain(registry, query, notes)
    except NotFoundError:
        out.message(f"ianaports: nothing in the registry of {registry.updated} for {query!r}")
        return EXIT_NOT_FOUND
    fmt = "json" if args.json else args.format
    out.stdout.write(render_explain(view, fmt))
    return EXIT_OK


def _add_explain_command(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    explain = commands.add_parser(
        "explain",
        help="explain a port or service name as a page (text, markdown, html, json)",
        description="Explain a port or a service name: IANA's entry, the range it sits in, curated history, "
        "unofficial uses, how to check what listens on it, and why an unexpected listener matters.",
        epilog="examples:\n  ianaports explain 2304\n  ianaports explain ssh --format markdown\n"
        "  ianaports explain 2402 --format html > port-2402.html\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("query", metavar="PORT|NAME", help="a port number or a service name")
    explain.add_argument(
        "--format", choices=["text", "markdown", "html", "json"], default="text", help="output format (default text)"
    )
    explain.add_argument("--json", action="store_true", help="same as --format json")
    _add_registry_source(explain)
    _add_notes_source(explain)
    explain.set_defaults(handler=cmd_explain)


def cmd_notes(args: argparse.Namespace, out: Output) -> int:
    """List the curated notes in effect, or check them against the registry."""
    from .enrich import check_notes, load_notes  # noqa: PLC0415
    from .explain_render import note_to_json  # noqa: PLC0415
    from .render import format_table  # noqa: PLC0415

    notes = load_notes(args.notes)
    if args.action == "list":
        if args.json:
            out.json({"files": list(notes.files), "notes": [note_to_json(note) for note in notes]})
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
    registry = _load_registry(args)
    checks = check_notes(notes, registry)
    attention = [check for check in checks if check.needs_attention]
    if args.json:
        out.json(
            {
                "updated": registry.updated.isoformat(),
                "checks": [
                    {
                        "id": check.note.id,
                        "status": check.status.value,
                        "needs_attention": check.needs_attention,
                        "explanation": check.explanation,
                        "records": len(check.records),
                        "fingerprint": check.fingerprint,
                        "checked_against": None
                        if check.note.checked_against is None
                        else check.note.checked_against.release.isoformat(),
                        "source": check.note.sources[-1],
                    }
                    for check in checks
                ],
            }
        )
    else:
        for check in attention:
            out.line(f"{check.note.id}\t{check.status}\t{check.explanation}\t{check.note.sources[-1]}")
        out.message(
            f"ianaports: {len(checks)} notes checked against the registry of {registry.updated}; "
            f"{len(attention)} need attention"
        )
    return EXIT_NOT_FOUND if attention else EXIT_OK


def _add_notes_command(commands: Any) -> None:  # noqa: ANN401 - argparse's subparsers action is private
    notes = commands.add_parser(
        "notes",
        help="list the curated notes or check them against the registry",
        description="List the curated notes in effect (shipped, IANAPORTS_NOTES_PATH, --notes), or check that "
        "each still matches records unchanged since it was checked (exit 1 when one needs attention).",
        epilog="examples:\n  ianaports notes list\n  ianaports notes check --file registry.xml --json\n\n"
        + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    notes.add_argument("action", choices=["list", "check"], help="list the notes, or check them")
    notes.add_argument("--json", action="store_true", help="print JSON")
    _add_registry_source(notes)
    _add_notes_source(notes)
    notes.set_defaults(handler=cmd_notes)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ianaports`` command (also used to document it)."""
    parser = _Parser(
        prog="ianaports",
        description="A typed, versioned local copy of IANA's service-name and port-number registry.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback when something fails")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    show = commands.add_parser(
        "show",
        help="show the records of a port, span or service name",
        description="Show the registry's records for a port (2304), a span (2300-2310) or a name (ssh).",
        epilog="examples:\n  ianaports show 2304\n  ianaports show ssh --protocol tcp\n"
        "  ianaports show 6000-6063 --json\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("query", metavar="PORT|NAME|SPAN", help="a port number, a span A-B, or a service name")
    show.add_argument("-p", "--protocol", choices=["tcp", "udp", "sctp", "dccp"], help="only this protocol")
    show.add_argument("--json", action="store_true", help="print JSON (the record schema of docs/schema.md)")
    _add_registry_source(show)
    show.set_defaults(handler=cmd_show)
    _add_explain_command(commands)
    _add_notes_command(commands)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line; return the exit code instead of exiting."""
    out = Output(stdout or sys.stdout, stderr or sys.stderr)
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    try:
        args = build_parser().parse_args(arguments)
        handler: Callable[[argparse.Namespace, Output], int] | None = getattr(args, "handler", None)
        if handler is None:
            raise UsageError("ianaports: a command is required (try 'ianaports --help')")
        return handler(args, out)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except UsageError as exc:
        out.message(str(exc))
        return EXIT_USAGE
    except IanaportsError as exc:
        if debug:
            raise
        out.message(f"ianaports: {exc}{_hint(exc)}")
        return _exit_code(exc)
    except KeyboardInterrupt:
        out.message("ianaports: interrupted")
        return 130


def _exit_code(exc: IanaportsError) -> int:
    if isinstance(exc, FetchError | ParseError | NotesError):
        return EXIT_SOURCE
    if isinstance(exc, NotFoundError):
        return EXIT_NOT_FOUND
    return EXIT_CACHE


def _hint(exc: IanaportsError) -> str:
    if isinstance(exc, ParseError) and exc.location is not None:
        return " (is this IANA's service-names-port-numbers.xml?)"
    return ""


def run() -> NoReturn:
    """Console-script entry point: run :func:`main` and exit with its code."""
    raise SystemExit(main())
