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
from .errors import CacheError, FetchError, IanaportsError, NotFoundError, ParseError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .model import ServiceRecord
    from .registry import Registry

__all__ = [
    "EXIT_CACHE",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_SOURCE",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "resolve_release",
    "run",
]

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


_STORE_SPECS = ("latest", "previous")


def _is_store_spec(spec: str) -> bool:
    import re  # noqa: PLC0415

    return spec in _STORE_SPECS or re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec) is not None


def resolve_release(spec: str) -> Registry:
    """The release a command-line argument names: a stored release (date, latest, previous) or a file.

    A date ``YYYY-MM-DD``, ``latest`` and ``previous`` name stored releases;
    anything else is a registry file (write ``./latest`` for a file of that name).
    """
    if _is_store_spec(spec):
        raise CacheError(f"no local store yet to find release {spec!r} in; give registry file paths instead")
    from .parser import parse  # noqa: PLC0415 - lxml only when a file is read

    return parse(spec)


def cmd_diff(args: argparse.Namespace, out: Output) -> int:
    """Show what changed between two releases."""
    from .diff import diff  # noqa: PLC0415
    from .render_diff import diff_to_json, diff_to_markdown, diff_to_text  # noqa: PLC0415

    fmt = "json" if args.json else args.format or "text"
    old = resolve_release(args.old)
    new = resolve_release(args.new)
    changes = diff(old, new).restricted(port=args.port, name=args.name, protocol=args.protocol)
    if fmt == "json":
        out.json(diff_to_json(changes))
    elif fmt == "markdown":
        out.line(diff_to_markdown(changes))
    else:
        out.line(diff_to_text(changes))
    return EXIT_OK


def _port_argument(text: str) -> int:
    port = _parse_port(text)
    if port is None:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return port


def _add_diff_command(commands: argparse._SubParsersAction[_Parser]) -> None:
    parser = commands.add_parser(
        "diff",
        help="show what changed between two releases",
        description="Show what changed between two releases: added, removed and changed records, and the moves "
        "a reader cares about (port changes, unassigned spans split, de-assignments). OLD and NEW are "
        "registry files (.xml, .gz, .xz, .bz2); stored releases (YYYY-MM-DD, latest, previous) need the "
        "local store.",
        epilog="examples:\n  ianaports diff old.xml new.xml\n  ianaports diff old.xml new.xml --format markdown\n"
        "  ianaports diff old.xml new.xml --port 2304 --json\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", metavar="OLD", nargs="?", default="previous", help="the older release")
    parser.add_argument("new", metavar="NEW", nargs="?", default="latest", help="the newer release")
    style = parser.add_mutually_exclusive_group()
    style.add_argument("--json", action="store_true", help="print JSON (same as --format json)")
    style.add_argument("--format", choices=["text", "markdown", "json"], help="output format (default: text)")
    parser.add_argument("--port", type=_port_argument, help="only changes about records holding this port")
    parser.add_argument("--name", help="only changes about this service name (any case)")
    parser.add_argument("-p", "--protocol", choices=["tcp", "udp", "sctp", "dccp"], help="only this protocol")
    parser.set_defaults(handler=cmd_diff)


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
    _add_diff_command(commands)
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
    if isinstance(exc, FetchError | ParseError):
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
