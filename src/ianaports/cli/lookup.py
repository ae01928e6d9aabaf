"""Looking things up in one release: ``show``, ``search``, ``explain``, ``free`` and ``stats``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ianaports.errors import NotFoundError
from ianaports.model import PortRange, is_digits
from ianaports.ranges import EPHEMERAL_START, IANA_DYNAMIC, KUBERNETES_NODEPORT, LINUX_EPHEMERAL
from ianaports.render import format_table
from ianaports.render.text import RECORD_HEADER, record_cells

from ._common import (
    add_command,
    add_json_option,
    add_notes_source,
    add_output_options,
    add_protocol_option,
    add_registry_source,
    did_you_mean,
    output_format,
    path_argument,
    port_or_name,
    positive_int,
    read_query,
    release,
    without_protocol,
)
from ._exit import EXIT_NOT_FOUND, EXIT_OK, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ianaports.freeports import FreePorts
    from ianaports.model import ServiceRecord
    from ianaports.registry import RecordSource, Registry
    from ianaports.store import ReleaseView

    from ._common import Commands, Output

__all__ = [
    "EPHEMERAL_START",
    "add_explain",
    "add_free",
    "add_search",
    "add_show",
    "add_stats",
    "cmd_explain",
    "cmd_free",
    "cmd_search",
    "cmd_show",
    "cmd_stats",
]

_RECORDS_JSON_HELP = "print JSON (the record schema of docs/schema.md)"


def _answer_records(
    out: Output, records: Sequence[ServiceRecord], registry: RecordSource, *, as_json: bool, nothing: str
) -> int:
    """Print *records* and exit 0; with none, say *nothing* on stderr (after empty JSON if asked) and exit 1."""
    if as_json:  # JSON answers even an empty result; a text table would be a bare header
        from ianaports.render.json import records_to_json  # noqa: PLC0415 - only for --json

        out.json(records_to_json(registry, records))
    elif records:
        rows = [record_cells(record) for record in records]
        out.line(format_table(RECORD_HEADER, rows, aligned=out.is_terminal))
    if records:
        return EXIT_OK
    out.message(f"ianaports: {nothing}")
    return EXIT_NOT_FOUND


# --- show -----------------------------------------------------------------------------------------


def cmd_show(args: argparse.Namespace, out: Output) -> int:
    """Show the records of a port, a span of ports or a service name."""
    # Read the query first: a malformed one is a usage error even with no cache to answer from.
    read_query(without_protocol(args))
    with release(args, out) as registry:
        # Read again against the release: a name holding a slash (EtherNet/IP-2) wins over NAME/PROTOCOL.
        query = without_protocol(args, registry)
        return _show(args, out, registry, query, read_query(query))


def _show(
    args: argparse.Namespace, out: Output, registry: Registry | ReleaseView, query: str, wanted: int | PortRange | str
) -> int:
    if isinstance(wanted, int):
        records = registry.lookup(wanted, args.protocol)
    elif isinstance(wanted, str):
        try:
            records = registry.service(wanted, args.protocol)
        except NotFoundError:
            records = ()
    else:
        records = registry.lookup_span(wanted, args.protocol)
    protocol = f" on {args.protocol}" if args.protocol else ""
    nothing = f"nothing in the registry of {registry.updated} for {query.strip()!r}{protocol}"
    if isinstance(wanted, str) and not records and not _is_name(registry, wanted):
        nothing += did_you_mean(registry, wanted)
    return _answer_records(out, records, registry, as_json=args.json, nothing=nothing)


def add_show(commands: Commands) -> None:
    """Register ``show``."""
    show = add_command(
        commands,
        "show",
        cmd_show,
        help="show the records of a port, span or service name",
        description="Show the registry's records for a port (2304), a span (2300-2310) or a name (ssh).",
        examples=[
            "ianaports show 2304",
            "ianaports show ssh --protocol tcp",
            "ianaports show 53/udp",
            "ianaports show 6000-6063 --json",
        ],
    )
    show.add_argument("query", metavar="PORT|NAME|SPAN", help="a port number, a span A-B, or a service name")
    add_protocol_option(show)
    add_json_option(show, _RECORDS_JSON_HELP)
    add_registry_source(show)


# --- search ---------------------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace, out: Output) -> int:
    """Search service names and descriptions, exact name matches first."""
    if not args.text.strip():
        raise UsageError("search needs some text to look for; to list every record run 'ianaports export'")
    args.query = args.text
    without_protocol(args)  # a malformed NAME/PROTO is a usage error even with no cache to answer from
    with release(args, out) as registry:
        text = without_protocol(args, registry)  # a name with a slash (914c/g) is searched whole
        records = tuple(record for record in registry.search(text) if _on(record, args.protocol))
        if args.limit:
            records = records[: args.limit]
        protocol = f" on {args.protocol}" if args.protocol else ""
        nothing = f"nothing in the registry of {registry.updated} matches {text.strip()!r}{protocol}"
        code = _answer_records(out, records, registry, as_json=args.json, nothing=nothing)
    if is_digits(text.strip()):
        # search looks in names and descriptions; a port number is what show answers.
        out.message(f"ianaports: search reads {text.strip()!r} as text; for the port run 'ianaports show {args.text}'")
    return code


def _is_name(registry: Registry | ReleaseView, name: str) -> bool:
    try:
        return bool(registry.service(name))
    except NotFoundError:
        return False


def _on(record: ServiceRecord, protocol: str | None) -> bool:
    return protocol is None or (record.protocol is not None and record.protocol.value == protocol)


def add_search(commands: Commands) -> None:
    """Register ``search``."""
    search = add_command(
        commands,
        "search",
        cmd_search,
        help="search service names and descriptions",
        description="Search service names and descriptions (any text, case-insensitive): exact names come first,"
        " then name prefixes, then whole words of a name or description, then the rest, each in file order.",
        examples=[
            "ianaports search kerberos",
            "ianaports search kerberos -p udp",
            "ianaports search ssh/tcp --limit 5 --json",
        ],
    )
    search.add_argument("text", metavar="TEXT", help="text to look for (case-insensitive), or NAME/PROTOCOL")
    add_protocol_option(search, "only records of this protocol")
    search.add_argument("--limit", type=positive_int, default=0, metavar="N", help="show at most N records")
    add_json_option(search, _RECORDS_JSON_HELP)
    add_registry_source(search)


# --- explain --------------------------------------------------------------------------------------


def cmd_explain(args: argparse.Namespace, out: Output) -> int:
    """Explain a port or service name: IANA's entry, range facts and curated notes."""
    from ianaports._nmap_file import chosen_nmap_file  # noqa: PLC0415 - imported by the commands that use them
    from ianaports.explainer import explain  # noqa: PLC0415 - the notes only for the commands that read them
    from ianaports.notes import read_notes  # noqa: PLC0415 - the notes only for the commands that read them
    from ianaports.oslimits import machine_ports  # noqa: PLC0415
    from ianaports.render.explain import render_explain  # noqa: PLC0415 - the page renderer only for explain

    fmt = output_format(args, "text")
    query: str = args.query.strip()
    port_or_name(without_protocol(args), "explain")  # its page covers every protocol
    notes = read_notes(args.notes)  # the overlays now; of the shipped notes, those the page needs
    nmap = None
    if (nmap_file := chosen_nmap_file(args.nmap_services)) is not None:
        from ianaports.nmap import load_nmap_services  # noqa: PLC0415 - only when there is a file to read

        nmap = load_nmap_services(nmap_file)
    with release(args, out) as registry:
        wanted = port_or_name(without_protocol(args, registry), "explain")  # a name with a slash wins
        try:
            view = explain(registry, wanted, notes, machine=machine_ports(), nmap=nmap)
        except NotFoundError:
            if fmt == "json":  # every --json answers with a document, an empty one included
                from ianaports.render.json import no_explanation_to_json  # noqa: PLC0415 - only for this answer

                out.json(no_explanation_to_json(query, registry))
            guess = did_you_mean(registry, wanted) if isinstance(wanted, str) else ""
            out.message(f"ianaports: nothing in the registry of {registry.updated} for {query!r}{guess}")
            return EXIT_NOT_FOUND
    out.stdout.write(render_explain(view, fmt))
    return EXIT_OK


def add_explain(commands: Commands) -> None:
    """Register ``explain``."""
    explain = add_command(
        commands,
        "explain",
        cmd_explain,
        help="explain a port or service name as a page (text, markdown, html, json)",
        description="Explain a port or a service name: IANA's entry, the range it sits in, curated history, "
        "unofficial uses, how to check what listens on it, and why an unexpected listener matters.",
        examples=[
            "ianaports explain 2304",
            "ianaports explain ssh --format markdown",
            "ianaports explain 2402 --format html > port-2402.html",
        ],
    )
    explain.add_argument("query", metavar="PORT|NAME", help="a port number or a service name")
    add_output_options(explain, ["text", "markdown", "html", "json"])
    add_registry_source(explain)
    add_notes_source(explain)
    add_nmap_services_option(explain)


def add_nmap_services_option(parser: argparse.ArgumentParser) -> None:
    """--nmap-services: the user's own nmap-services file (never shipped with ianaports: its licence)."""
    from ianaports._nmap_file import NMAP_SERVICES_ENV  # noqa: PLC0415 - only the commands that take the option

    parser.add_argument(
        "--nmap-services",
        type=path_argument,
        metavar="PATH",
        help=f"show how often scans find the port open, from your nmap-services file (or {NMAP_SERVICES_ENV})",
    )


# --- free -----------------------------------------------------------------------------------------


def _port_span(text: str) -> tuple[int, int]:
    # Only ASCII digits are a port, as read_query reads them for show ("١٢٣" is not 123).
    if not text.isascii():
        raise argparse.ArgumentTypeError(f"not a port or port range: {text!r}")
    try:
        span = PortRange.from_text(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return span.start, span.end


def cmd_free(args: argparse.Namespace, out: Output) -> int:
    """List ports nothing speaks against in a span, for picking a quiet internal port."""
    from ianaports.freeports import FreeRules, find_free  # noqa: PLC0415 - imported by the command that uses them
    from ianaports.oslimits import machine_ports  # noqa: PLC0415
    from ianaports.render.json import free_ports_to_json  # noqa: PLC0415

    start, end = args.range
    rules = FreeRules(
        browser_blocked=not args.allow_browser_blocked,
        ephemeral=not args.include_ephemeral,
        kubernetes_nodeport=not args.allow_nodeport,
    )
    with release(args, out, whole=True) as registry:
        found = find_free(
            registry, PortRange(start, end), args.protocol, count=args.count, machine=machine_ports(), rules=rules
        )
    ports = found.ports
    if args.json:
        out.json(
            free_ports_to_json(
                registry,
                args.range,
                args.protocol,
                ports,
                skipped=found.skipped if args.explain else None,
                machine=found.machine,
                rules=rules,
            )
        )
    elif args.explain:
        _explain_free(out, found)
    else:
        for port in ports:
            out.line(str(port))
    if not ports:
        hint = ""
        if not args.include_ephemeral and end >= EPHEMERAL_START:
            # Say why ports in the span were left out, or it reads as if IANA had assigned them.
            hint = f" (ports from {EPHEMERAL_START} up are left out as OS ephemeral ports: add --include-ephemeral)"
        elif not args.explain:
            hint = " (--explain says why each port was skipped)"
        out.message(f"ianaports: no free port in {start}-{end}{hint}")
        return EXIT_NOT_FOUND
    return EXIT_OK


def _explain_free(out: Output, found: FreePorts) -> None:
    """Each candidate in port order: proposed, or skipped with every reason."""
    machine = found.machine
    if machine is not None:
        how = "read from" if machine.measured else "not readable here; using the"
        spans = ", ".join(str(span) for span in machine.ephemeral)
        reserved = ", ".join(str(span) for span in machine.reserved) or "none"
        out.line(f"this machine: {machine.system}, ephemeral {spans}, reserved {reserved} ({how} {machine.source})")
    rows: list[tuple[int, list[str]]] = [(port, [str(port), "free"]) for port in found.ports]
    for item in found.skipped:
        reasons = "; ".join(reason.text for reason in item.reasons)
        rows.append((item.ports.start, [str(item.ports), f"skipped: {reasons}"]))
    rows.sort(key=lambda row: row[0])
    out.line(format_table(["PORTS", "VERDICT"], [row for _, row in rows], aligned=out.is_terminal))


def add_free(commands: Commands) -> None:
    """Register ``free``."""
    free = add_command(
        commands,
        "free",
        cmd_free,
        help="list ports IANA has not assigned, for an internal service",
        description="List ports in a span (for every protocol unless --protocol) that nothing speaks against: "
        "IANA has not assigned or reserved them and notes no use of them, browsers do not block them "
        "(the Fetch standard's bad ports), and they are outside this machine's ephemeral range and reserved "
        f"ports and Kubernetes' NodePort range ({KUBERNETES_NODEPORT}). Ports from {EPHEMERAL_START} up are "
        "left out unless --include-ephemeral: operating systems hand them out to outgoing connections "
        f"(Linux {LINUX_EPHEMERAL}, Windows and RFC 6335 {IANA_DYNAMIC}). --explain says why each skipped "
        "port was skipped.",
        examples=[
            "ianaports free --count 5",
            "ianaports free --range 8000-8999 --protocol tcp --json",
            "ianaports free --range 10070-10090 --explain",
        ],
    )
    free.add_argument(
        "--range", type=_port_span, default=(1024, EPHEMERAL_START - 1), metavar="A-B", help="span (1024-32767)"
    )
    free.add_argument("--count", type=positive_int, default=10, metavar="N", help="how many ports to list (10)")
    add_protocol_option(free, "free for this protocol only")
    free.add_argument("--include-ephemeral", action="store_true", help="also list ports in OS ephemeral ranges")
    free.add_argument(
        "--allow-browser-blocked", action="store_true", help="also list ports browsers refuse (Fetch bad ports)"
    )
    free.add_argument(
        "--allow-nodeport",
        action="store_true",
        help=f"also list ports in Kubernetes' NodePort range ({KUBERNETES_NODEPORT})",
    )
    free.add_argument("--explain", action="store_true", help="say why each skipped candidate was skipped")
    add_json_option(free)
    add_registry_source(free)


# --- stats ----------------------------------------------------------------------------------------


def cmd_stats(args: argparse.Namespace, out: Output) -> int:
    """Count assigned, reserved and unassigned ports per RFC 6335 range and protocol."""
    from ianaports.registry import port_statistics  # noqa: PLC0415 - imported by the command that uses them
    from ianaports.render.json import statistics_to_json  # noqa: PLC0415

    with release(args, out, whole=True) as registry:
        stats = port_statistics(registry)
    if args.json:
        out.json(statistics_to_json(stats))
        return EXIT_OK
    rows = [
        [
            row.port_class.value,
            row.protocol.value,
            *(str(count) for count in (row.assigned, row.reserved, row.private_use, row.withdrawn, row.unassigned)),
        ]
        for row in stats.ports
    ]
    out.line(f"IANA registry of {stats.updated}: {stats.records} records, {stats.service_names} names")
    header = ["RANGE", "PROTO", "ASSIGNED", "RESERVED", "PRIVATE-USE", "WITHDRAWN", "UNASSIGNED"]
    out.line(format_table(header, rows, aligned=out.is_terminal))
    out.line(f"service names without a port: {stats.names_without_port}")
    return EXIT_OK


def add_stats(commands: Commands) -> None:
    """Register ``stats``."""
    stats = add_command(
        commands,
        "stats",
        cmd_stats,
        help="count assignments per RFC 6335 range and protocol",
        description="Count, per RFC 6335 range (system, user, dynamic) and protocol, the ports with an assignment, "
        "the reserved, private-use and withdrawn ports and the rest (each port counted once, under its strongest "
        "status); and the service names registered without a port.",
        examples=["ianaports stats", "ianaports stats --json"],
    )
    add_json_option(stats)
    add_registry_source(stats)
