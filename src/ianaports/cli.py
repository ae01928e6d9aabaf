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
from .errors import FetchError, IanaportsError, NotFoundError, ParseError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ._sync import SyncResult
    from .model import ServiceRecord
    from .registry import Registry
    from .store import ReleaseInfo, ReleaseView, Store

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
    _add_cache_dir(parser)


def _add_cache_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="the cache folder (default: $IANAPORTS_CACHE_DIR, else the user cache folder)",
    )


def _open_store(args: argparse.Namespace, out: Output | None = None) -> Store:
    """The store of --cache-dir; an empty one is filled from the default source first."""
    from ._sync import default_sources, sync  # noqa: PLC0415 - _sync itself imports neither lxml nor requests
    from .store import Store  # noqa: PLC0415

    store = Store(getattr(args, "cache_dir", None))
    if store.latest() is not None:
        return store
    sources = default_sources()
    # On a terminal say what is happening; in scripts, failures stay one line.
    chatty = out is not None and bool(getattr(out.stderr, "isatty", lambda: False)())
    if out is not None and chatty:
        out.message(f"ianaports: no local registry in {store.path} yet; fetching {' '.join(sources)}")
    store.close()
    try:
        result = sync(cache_dir=store.path, progress=_progress(out) if out is not None else None)
    except FetchError as exc:
        raise FetchError(
            f"{exc}; to import a local copy run 'ianaports sync --source FILE' (or read one file with --file PATH)"
        ) from exc
    if out is not None and result.latest is not None:
        latest = result.latest
        out.message(
            f"ianaports: stored the registry of {latest.updated} ({latest.record_count} records) in {store.path}"
        )
    return store


def _load_registry(args: argparse.Namespace, out: Output | None = None) -> Registry:
    """The registry a command works on: --file, else the newest release in the cache."""
    if args.file:
        from .parser import parse  # noqa: PLC0415 - lxml only when a file is read

        return parse(args.file)
    with _open_store(args, out) as store:
        return store.load()


def _lookup_source(args: argparse.Namespace, out: Output) -> Registry | ReleaseView:
    # From the cache, answer by SQL instead of loading 14,000 records for one port.
    if args.file:
        return _load_registry(args, out)
    return _open_store(args, out).view()


def _progress(out: Output | None, *, quiet: bool = False) -> Callable[[int, int | None], None] | None:
    """A one-line download progress on stderr, only on a terminal."""
    if out is None or quiet or not getattr(out.stderr, "isatty", lambda: False)():
        return None

    def show(received: int, total: int | None) -> None:
        of = f" of {total / 1e6:.1f}" if total else ""
        done = total is not None and received >= total
        out.stderr.write(f"\r  downloading {received / 1e6:.1f}{of} MB" + ("\n" if done else ""))
        out.stderr.flush()

    return show


def _record_row(record: ServiceRecord) -> list[str]:
    return [
        record.name or "-",
        str(record.ports) if record.ports else "-",
        str(record.protocol) if record.protocol else "-",
        record.description,
    ]


def _print_records(
    out: Output, records: Sequence[ServiceRecord], registry: Registry | ReleaseView, *, as_json: bool
) -> None:
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
    from .registry import Registry  # noqa: PLC0415

    registry = _lookup_source(args, out)
    try:
        return _show(args, out, registry)
    finally:
        if not isinstance(registry, Registry):
            registry.store.close()


def _show(args: argparse.Namespace, out: Output, registry: Registry | ReleaseView) -> int:
    from .model import PortRange  # noqa: PLC0415

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


def _describe_outcome_lines(result: SyncResult) -> list[str]:
    lines = []
    for outcome in result.outcomes:
        if outcome.status == "added":
            dates = ", ".join(release.updated.isoformat() for release in outcome.releases[-3:])
            more = f" and {len(outcome.releases) - 3} more" if len(outcome.releases) > 3 else ""  # noqa: PLR2004
            lines.append(f"{outcome.source}: added {len(outcome.releases)} release(s): {dates}{more}")
        elif outcome.status == "not-modified":
            lines.append(f"{outcome.source}: up to date (not modified since the last sync)")
        elif outcome.status == "unchanged":
            lines.append(f"{outcome.source}: up to date (already stored)")
        else:
            lines.append(f"{outcome.source}: {outcome.status}: {outcome.error}")
    return lines


def cmd_sync(args: argparse.Namespace, out: Output) -> int:
    """Refresh the local cache from IANA (or the sources given) and report what happened."""
    from ._sync import describe_age, sync  # noqa: PLC0415
    from .store import Store  # noqa: PLC0415

    try:
        result = sync(
            args.source or None,
            cache_dir=args.cache_dir,
            force=args.force,
            progress=_progress(out, quiet=args.quiet or args.json),
        )
    except FetchError as exc:
        with Store(args.cache_dir) as store:
            latest = store.latest()
        if latest is None:
            raise FetchError(f"{exc}; to import a local copy run 'ianaports sync --source FILE'") from exc
        import datetime as dt  # noqa: PLC0415

        age = describe_age(dt.datetime.now(dt.timezone.utc) - latest.fetched_at)
        raise type(exc)(f"{exc}; the cached registry of {latest.updated} (fetched {age} ago) stays in use") from exc
    if args.json:
        out.json(result.to_json())
        return EXIT_OK
    if not args.quiet:
        for line in _describe_outcome_lines(result):
            out.line(line)
        if result.latest is not None:
            out.line(
                f"newest release: {result.latest.updated} ({result.latest.record_count} records) in {result.cache_dir}"
            )
    return EXIT_OK


def _add_sync_command(commands: argparse._SubParsersAction[_Parser]) -> None:
    sync = commands.add_parser(
        "sync",
        help="refresh the local cache from IANA, a mirror, a file or a folder of releases",
        description="Fetch the registry (conditionally: nothing is downloaded when IANA says it has not changed),"
        " parse it fully, check it and store it as a new release. Sources are tried in order until one succeeds;"
        " a folder source imports every release file in it.",
        epilog="examples:\n  ianaports sync\n  ianaports sync --source https://mirror.example/ports.xml"
        "\n  ianaports sync --source ../shared/registry   # import every archived release\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sync.add_argument(
        "--source",
        action="append",
        metavar="URL|PATH",
        help="an http(s) URL, a release file or a folder of them; repeat to give fallbacks"
        " (default: $IANAPORTS_URL, else IANA's URL)",
    )
    _add_cache_dir(sync)
    sync.add_argument(
        "--force", action="store_true", help="download even if unchanged, and accept a release that looks suspect"
    )
    sync.add_argument("-q", "--quiet", action="store_true", help="print nothing unless something fails")
    sync.add_argument("--json", action="store_true", help="print what happened as JSON")
    sync.set_defaults(handler=cmd_sync)


def _release_row(release: ReleaseInfo) -> list[str]:
    return [
        release.updated.isoformat(),
        str(release.record_count),
        release.fetched_at.strftime("%Y-%m-%d %H:%M"),
        release.source,
    ]


def cmd_versions(args: argparse.Namespace, out: Output) -> int:
    """List the releases in the cache; with --check, verify the whole store."""
    from .render import format_table  # noqa: PLC0415
    from .store import Store  # noqa: PLC0415

    with Store(args.cache_dir) as store:
        releases = store.releases()
        problems = store.check() if args.check else []
    if args.json:
        data: dict[str, Any] = {"cache_dir": str(store.path), "releases": [r.to_json() for r in releases]}
        if args.check:
            data["problems"] = problems
        out.json(data)
    elif releases:
        rows = [_release_row(release) for release in releases]
        out.line(format_table(["UPDATED", "RECORDS", "FETCHED (UTC)", "SOURCE"], rows, aligned=out.is_terminal))
    for problem in problems:
        out.message(f"ianaports: {problem}")
    if problems:
        return EXIT_CACHE
    if args.check:
        out.message(f"ianaports: the store at {store.path} is sound ({len(releases)} releases)")
    if not releases:
        out.message(f"ianaports: no release in {store.path} yet; run 'ianaports sync'")
        return EXIT_NOT_FOUND
    return EXIT_OK


def _add_versions_command(commands: argparse._SubParsersAction[_Parser]) -> None:
    versions = commands.add_parser(
        "versions",
        help="list the registry releases kept in the local cache",
        description="List every release in the cache: IANA's date, record count, when and where it was fetched.",
        epilog="examples:\n  ianaports versions\n  ianaports versions --check --json\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    versions.add_argument("--check", action="store_true", help="verify the store's integrity (exit 4 on problems)")
    _add_cache_dir(versions)
    versions.add_argument("--json", action="store_true", help="print JSON")
    versions.set_defaults(handler=cmd_versions)


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
    _add_sync_command(commands)
    _add_versions_command(commands)
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
