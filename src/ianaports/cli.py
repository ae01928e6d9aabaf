"""The ``ianaports`` command line: the only module that prints.

Exit codes (also in ``--help`` and the README):

====  ==========================================================
0     success
1     nothing found (no record for that port, name or span)
2     usage error (bad arguments, or a bad listening --baseline file)
3     network or source error (fetch failed, file unreadable or not a registry)
4     cache or store error (no cache yet, corrupt, read-only or full disk)
====  ==========================================================
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from . import __version__
from .errors import (
    CacheError,
    FetchError,
    IanaportsError,
    InvalidArgumentError,
    MissingDependencyError,
    NotesError,
    NotFoundError,
    ParseError,
)
from .ranges import EPHEMERAL_START, IANA_DYNAMIC, LINUX_EPHEMERAL
from .render import format_table

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from ._sync import SyncResult
    from .changes import RegistryDiff
    from .model import PortRange, ServiceRecord
    from .registry import Registry
    from .store import ReleaseInfo, ReleaseView, Store

__all__ = [
    "EXIT_CACHE",
    "EXIT_INTERNAL",
    "EXIT_NEW_LISTENERS",
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
EXIT_NEW_LISTENERS = 5
EXIT_INTERNAL = 70

#: The transport protocols --protocol and a ``PORT/PROTOCOL`` query accept.
PROTOCOL_CHOICES = ("tcp", "udp", "sctp", "dccp")

EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  nothing found
  2  usage error (bad arguments, or a bad listening --baseline file)
  3  network or source error (fetch failed, file unreadable or not a registry)
  4  cache or store error (no cache yet, corrupt, read-only or full disk)
  5  listening --baseline: something listens now that did not at the baseline
  70 internal error (a bug: please report it; --debug shows the traceback)
"""


class UsageError(IanaportsError):
    """The command line itself is wrong: exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


class _CommandParser(_Parser):
    """A subcommand's parser: it also takes --debug, so the option works after the command too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - argparse's own signature
        super().__init__(*args, **kwargs)
        self.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)


_DEBUG_HELP = "show a traceback when something fails"


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


def _path_argument(text: str) -> str:
    """A file or folder argument; an empty one is refused rather than read as "none given" or as ".".

    ``--baseline "$BASE"`` with BASE unset must not quietly skip the comparison.
    """
    if not text:
        raise argparse.ArgumentTypeError("an empty path (was a variable left unset?)")
    return text


def _add_registry_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--file",
        type=_path_argument,
        metavar="PATH",
        help="read this registry file (.xml, .gz, .xz, .bz2) instead of the local cache",
    )
    _add_cache_dir(parser)


def _add_cache_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache-dir",
        type=_path_argument,
        metavar="DIR",
        help="the cache folder (default: $IANAPORTS_CACHE_DIR, else the user cache folder)",
    )


def _open_store(args: argparse.Namespace, out: Output | None = None) -> Store:
    """The store of --cache-dir; an empty one is filled from the default source first."""
    from .store import Store  # noqa: PLC0415 - imported on use to keep start-up fast

    store = Store(getattr(args, "cache_dir", None))
    if store.latest() is not None:
        return store
    from ._sync import default_sources, sync  # noqa: PLC0415 - only to fill an empty cache

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


@contextlib.contextmanager
def _answering_source(args: argparse.Namespace, out: Output) -> Iterator[Registry | ReleaseView]:
    """The --file registry, else a SQL view of the newest stored release, closed afterwards."""
    from .registry import Registry  # noqa: PLC0415 - imported on use to keep start-up fast

    source = _lookup_source(args, out)
    try:
        yield source
    finally:
        if not isinstance(source, Registry):
            source.store.close()


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
    from .render import record_to_json  # noqa: PLC0415 - imported on use to keep start-up fast

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


def _answer_records(
    out: Output, records: Sequence[ServiceRecord], registry: Registry | ReleaseView, *, as_json: bool, nothing: str
) -> int:
    """Print *records* and exit 0; with none, say *nothing* on stderr (after empty JSON if asked) and exit 1."""
    if records or as_json:  # JSON answers even an empty result; a text table would be a bare header
        _print_records(out, records, registry, as_json=as_json)
    if records:
        return EXIT_OK
    out.message(f"ianaports: {nothing}")
    return EXIT_NOT_FOUND


def _read_query(text: str) -> int | PortRange | str:
    """The port, span or service name a query argument names; anything else is a usage error.

    show, explain, history and diff --port all read their argument through
    :func:`ianaports.model.read_query`, so they agree on what is a span.
    """
    from .model import read_query  # noqa: PLC0415 - imported on use to keep start-up fast

    try:
        return read_query(text)
    except InvalidArgumentError as exc:
        raise UsageError(str(exc)) from None


def _add_protocol_option(parser: argparse.ArgumentParser, help_text: str = "only this protocol") -> None:
    """-p/--protocol, in any case (``-p TCP``), as service names match in any case."""
    parser.add_argument("-p", "--protocol", type=str.lower, choices=PROTOCOL_CHOICES, help=help_text)


_PROTOCOL_SUFFIX_RE = re.compile(r"\s*(.+?)\s*/\s*([A-Za-z]+)\s*")


def _without_protocol(args: argparse.Namespace) -> str:
    """The query with a services(5)-style protocol suffix taken off (``80/tcp``, ``http/udp``).

    The suffix acts as --protocol, where the command has one; a suffix that
    disagrees with --protocol, or names no transport protocol, is a usage error.
    Service names never hold a slash (RFC 6335), so the reading is unambiguous.
    """
    if "/" not in args.query:
        return str(args.query)
    match = _PROTOCOL_SUFFIX_RE.fullmatch(args.query)
    if match is None or "/" in match.group(1):
        raise UsageError(f"not a port, a span A-B or a service name: {args.query!r}")
    query, protocol = match.group(1), match.group(2).lower()
    if protocol not in PROTOCOL_CHOICES:
        raise UsageError(
            f"not a transport protocol: {match.group(2)!r} in {args.query!r} (choose tcp, udp, sctp or dccp)"
        )
    given = getattr(args, "protocol", None)
    if given not in (None, protocol):
        raise UsageError(f"{args.query!r} names {protocol} but --protocol says {given}")
    if hasattr(args, "protocol"):
        args.protocol = protocol
    return query


def _port_or_name(text: str, command: str) -> int | str:
    """The port or name of a command that takes one (explain, history); a span points at show."""
    wanted = _read_query(text)
    if not isinstance(wanted, int | str):
        raise UsageError(f"{command} takes one port or name; for the span {wanted} run 'ianaports show {wanted}'")
    return wanted


def _add_output_options(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    """--format and --json, which :func:`_output_format` reconciles (the first format is the default)."""
    parser.add_argument("--format", choices=formats, help=f"output format (default {formats[0]})")
    parser.add_argument("--json", action="store_true", help="print JSON (same as --format json)")


def _output_format(args: argparse.Namespace, default: str) -> str:
    """The format that --format and --json ask for; a --format other than json beside --json is a usage error.

    --json means --format json, so giving both is fine only when they agree:
    explain, diff, history and export to stdout all refuse a conflict rather
    than silently prefer one of them.
    """
    chosen: str | None = args.format
    if not args.json:
        return chosen or default
    if chosen not in (None, "json"):
        raise UsageError(f"--json and --format {chosen} conflict (--json means --format json); give one of them")
    return "json"


def cmd_show(args: argparse.Namespace, out: Output) -> int:
    """Show the records of a port, a span of ports or a service name."""
    # Read the query first: a malformed one is a usage error even with no cache to answer from.
    wanted = _read_query(_without_protocol(args))
    with _answering_source(args, out) as registry:
        return _show(args, out, registry, wanted)


def _show(
    args: argparse.Namespace, out: Output, registry: Registry | ReleaseView, wanted: int | PortRange | str
) -> int:
    query: str = args.query.strip()
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
    nothing = f"nothing in the registry of {registry.updated} for {query!r}{protocol}"
    return _answer_records(out, records, registry, as_json=args.json, nothing=nothing)


def _add_notes_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--notes",
        type=_path_argument,
        metavar="PATH",
        action="append",
        default=[],
        help="also read curated notes from this TOML file or folder (repeatable; after IANAPORTS_NOTES_PATH)",
    )


def cmd_explain(args: argparse.Namespace, out: Output) -> int:
    """Explain a port or service name: IANA's entry, range facts and curated notes."""
    from .explainer import explain  # noqa: PLC0415 - imported on use to keep start-up fast
    from .notes import load_notes  # noqa: PLC0415 - imported on use to keep start-up fast
    from .render.explain import render_explain  # noqa: PLC0415 - imported on use to keep start-up fast

    fmt = _output_format(args, "text")
    query: str = args.query.strip()
    wanted = _port_or_name(_without_protocol(args), "explain")  # its page covers every protocol
    notes = load_notes(args.notes)
    with _answering_source(args, out) as registry:
        try:
            view = explain(registry, wanted, notes)
        except NotFoundError:
            if fmt == "json":  # every --json answers with a document, an empty one included
                out.json({"query": query, "updated": registry.updated.isoformat(), "records": []})
            out.message(f"ianaports: nothing in the registry of {registry.updated} for {query!r}")
            return EXIT_NOT_FOUND
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
    _add_output_options(explain, ["text", "markdown", "html", "json"])
    _add_registry_source(explain)
    _add_notes_source(explain)
    explain.set_defaults(handler=cmd_explain)


def cmd_notes(args: argparse.Namespace, out: Output) -> int:
    """List the curated notes in effect, or check them against the registry."""
    from .notes import check_notes, load_notes  # noqa: PLC0415 - imported on use to keep start-up fast
    from .render import format_table  # noqa: PLC0415 - imported on use to keep start-up fast
    from .render.json import note_to_json  # noqa: PLC0415 - imported on use to keep start-up fast

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


_STORE_SPECS = ("latest", "previous")


def _is_store_spec(spec: str) -> bool:
    import re  # noqa: PLC0415 - imported on use to keep start-up fast

    return spec in _STORE_SPECS or re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec) is not None


_SYNC_HINT = "run 'ianaports sync' (or 'ianaports sync --source FOLDER' to import archived releases)"


def resolve_release(spec: str, *, cache_dir: str | os.PathLike[str] | None = None) -> Registry:
    """The release a command-line argument names: a stored release (date, latest, previous) or a file.

    A date ``YYYY-MM-DD``, ``latest`` and ``previous`` name releases of the
    store in *cache_dir*, rebuilt without parsing XML; anything else is a
    registry file (write ``./latest`` for a file of that name).  A date that is
    not a calendar date (``2025-13-45``) raises :class:`InvalidArgumentError`;
    an empty store, :class:`CacheError`; a release it does not hold,
    :class:`NotFoundError`.
    """
    if not _is_store_spec(spec):
        from .parser import parse  # noqa: PLC0415 - lxml only when a file is read

        return parse(spec)
    from .store import Store  # noqa: PLC0415 - imported on use to keep start-up fast

    with Store(cache_dir) as store:
        _check_stored(store, spec)
        return store.load(spec)


def _check_stored(store: Store, spec: str) -> None:
    """Fail with a next step when *store* is empty, or holds one release and *spec* is ``previous``.

    A date that cannot be one (``2025-13-45``) is refused first, as the user's
    mistake (exit 2) rather than a release the store lacks (exit 1).
    """
    import datetime as dt  # noqa: PLC0415 - imported on use to keep start-up fast

    if spec not in _STORE_SPECS:
        try:
            dt.date.fromisoformat(spec)
        except ValueError:
            msg = f"not a date: {spec!r} (a stored release is named YYYY-MM-DD, 'latest' or 'previous')"
            raise InvalidArgumentError(msg) from None
    releases = store.releases()
    if not releases:
        raise CacheError(f"no release stored in {store.path} yet to take {spec!r} from; {_SYNC_HINT}")
    if spec == "previous" and len(releases) < 2:  # noqa: PLR2004 - the newest and the one before it
        raise NotFoundError(
            f"the cache at {store.path} holds one release ({releases[0].updated}), so there is no previous"
            f" one; {_SYNC_HINT}"
        )


def _diff_specs(old: str, new: str, cache_dir: str | None) -> RegistryDiff:
    from .changes import diff  # noqa: PLC0415 - imported on use to keep start-up fast

    if not (_is_store_spec(old) and _is_store_spec(new)):
        return diff(resolve_release(old, cache_dir=cache_dir), resolve_release(new, cache_dir=cache_dir))
    from .store import Store  # noqa: PLC0415 - imported on use to keep start-up fast

    # Two stored releases: the store compares only the records they do not share.
    with Store(cache_dir) as store:
        _check_stored(store, old)
        _check_stored(store, new)
        return store.diff(old, new)


def cmd_diff(args: argparse.Namespace, out: Output) -> int:
    """Show what changed between two releases."""
    from .render.changes import diff_to_markdown, diff_to_text  # noqa: PLC0415 - imported on use to keep start-up fast
    from .render.json import diff_to_json  # noqa: PLC0415 - imported on use to keep start-up fast

    fmt = _output_format(args, "text")
    changes = _diff_specs(args.old, args.new, args.cache_dir).restricted(
        port=args.port, name=args.name, protocol=args.protocol
    )
    if fmt == "json":
        out.json(diff_to_json(changes))
    elif fmt == "markdown":
        out.line(diff_to_markdown(changes))
    else:
        out.line(diff_to_text(changes))
    return EXIT_OK


def _port_argument(text: str) -> int:
    try:
        port = _read_query(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not isinstance(port, int):
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return port


def _add_diff_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    parser = commands.add_parser(
        "diff",
        help="show what changed between two releases",
        description="Show what changed between two releases: added, removed and changed records, and the moves "
        "a reader cares about (port changes, unassigned spans split, de-assignments). OLD and NEW are each a "
        "stored release (its date YYYY-MM-DD, latest or previous) or a registry file (.xml, .gz, .xz, .bz2); "
        "with no arguments, the previous stored release against the latest: after a sync that brought a new "
        "release, that is what changed at IANA. An empty store exits 4; a release it does not hold "
        "(or 'previous' when it holds one release) exits 1.",
        epilog="examples:\n  ianaports sync && ianaports diff     # what changed at IANA since the last release\n"
        "  ianaports diff 2017-03-10 latest --format markdown\n"
        "  ianaports diff old.xml new.xml --port 2304 --json\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "old", metavar="OLD", nargs="?", type=_path_argument, default="previous", help="the older release"
    )
    parser.add_argument(
        "new", metavar="NEW", nargs="?", type=_path_argument, default="latest", help="the newer release"
    )
    _add_output_options(parser, ["text", "markdown", "json"])
    parser.add_argument("--port", type=_port_argument, help="only changes about records holding this port")
    parser.add_argument("--name", help="only changes about this service name (any case)")
    _add_protocol_option(parser)
    _add_cache_dir(parser)
    parser.set_defaults(handler=cmd_diff)


def cmd_history(args: argparse.Namespace, out: Output) -> int:
    """Show when a port's or name's records appeared, changed and disappeared across stored releases."""
    from .render.changes import history_to_markdown, history_to_text  # noqa: PLC0415 - imported on use to keep start-up fast
    from .render.json import history_to_json  # noqa: PLC0415 - imported on use to keep start-up fast
    from .store import Store  # noqa: PLC0415 - imported on use to keep start-up fast

    fmt = _output_format(args, "text")
    wanted = _port_or_name(_without_protocol(args), "history")
    port = wanted if isinstance(wanted, int) else None
    with Store(args.cache_dir) as store:
        found = store.history(port=port, name=wanted if isinstance(wanted, str) else None, protocol=args.protocol)
    if not found.versions:
        raise CacheError(f"no release stored in {store.path} yet; {_SYNC_HINT}")
    if fmt == "json":
        out.json(history_to_json(found))
    elif found.events:
        out.line(history_to_markdown(found) if fmt == "markdown" else history_to_text(found))
    if not found.events:
        span = f"{found.versions[0]} to {found.versions[-1]}"
        out.message(
            f"ianaports: {found.query_text} appears in none of the {len(found.versions)} stored releases ({span})"
        )
        return EXIT_NOT_FOUND
    return EXIT_OK


def _add_history_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    parser = commands.add_parser(
        "history",
        help="show when a port or name appeared, changed and disappeared across stored releases",
        description="Across every release in the local store, oldest first: when the records holding PORT (or "
        "named NAME, any case) first appeared, each release where one changed (with the fields and their old and "
        "new values), and when one disappeared. Answered from the store without parsing any release; exits 1 "
        "when the port or name never appears, 4 when the store is empty.",
        epilog="examples:\n  ianaports history 2304\n  ianaports history ssh --protocol tcp\n"
        "  ianaports history 80 --json\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("query", metavar="PORT|NAME", help="a port number or a service name")
    _add_protocol_option(parser)
    _add_output_options(parser, ["text", "markdown", "json"])
    _add_cache_dir(parser)
    parser.set_defaults(handler=cmd_history)


def cmd_search(args: argparse.Namespace, out: Output) -> int:
    """Search service names and descriptions, exact name matches first."""
    with _answering_source(args, out) as registry:
        return _search(args, out, registry)


def _search(args: argparse.Namespace, out: Output, registry: Registry | ReleaseView) -> int:
    records = registry.search(args.text)
    if args.limit:
        records = records[: args.limit]
    nothing = f"nothing in the registry of {registry.updated} matches {args.text!r}"
    return _answer_records(out, records, registry, as_json=args.json, nothing=nothing)


def _add_search_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    search = commands.add_parser(
        "search",
        help="search service names and descriptions",
        description="Search service names and descriptions; exact name matches come first, then name prefixes.",
        epilog="examples:\n  ianaports search kerberos\n  ianaports search ssh --limit 5 --json\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    search.add_argument("text", help="text to look for (case-insensitive)")
    search.add_argument("--limit", type=_positive_int, default=0, metavar="N", help="show at most N records")
    search.add_argument("--json", action="store_true", help="print JSON (the record schema of docs/schema.md)")
    _add_registry_source(search)
    search.set_defaults(handler=cmd_search)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _port_span(text: str) -> tuple[int, int]:
    from .model import PortRange  # noqa: PLC0415 - imported on use to keep start-up fast

    # Only ASCII digits are a port, as read_query reads them for show ("١٢٣" is not 123).
    if not text.isascii():
        raise argparse.ArgumentTypeError(f"not a port or port range: {text!r}")
    try:
        span = PortRange.from_text(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return span.start, span.end


def cmd_free(args: argparse.Namespace, out: Output) -> int:
    """List ports with no IANA assignment in a span, for picking a quiet internal port."""
    registry = _load_registry(args)
    start, end = args.range
    ports = registry.unassigned(start, end, args.protocol)
    if not args.include_ephemeral:
        ports = [port for port in ports if port < EPHEMERAL_START]
    ports = ports[: args.count]
    if args.json:
        out.json(
            {
                "updated": registry.updated.isoformat(),
                "range": [start, end],
                "protocol": args.protocol,
                "ports": ports,
            }
        )
    else:
        for port in ports:
            out.line(str(port))
    if not ports:
        hint = ""
        if not args.include_ephemeral and end >= EPHEMERAL_START:
            # Say why ports in the span were left out, or it reads as if IANA had assigned them.
            hint = f" (ports from {EPHEMERAL_START} up are left out as OS ephemeral ports: add --include-ephemeral)"
        out.message(f"ianaports: no unassigned port in {start}-{end}{hint}")
        return EXIT_NOT_FOUND
    return EXIT_OK


def _add_free_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    free = commands.add_parser(
        "free",
        help="list ports IANA has not assigned, for an internal service",
        description="List ports that IANA lists as unassigned in a span (for every protocol unless --protocol). "
        f"Ports from {EPHEMERAL_START} up are left out unless --include-ephemeral: operating systems hand them "
        f"out to outgoing connections (Linux {LINUX_EPHEMERAL}, Windows and RFC 6335 {IANA_DYNAMIC}).",
        epilog="examples:\n  ianaports free --count 5\n  ianaports free --range 8000-8999 --protocol tcp --json\n\n"
        + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    free.add_argument(
        "--range", type=_port_span, default=(1024, EPHEMERAL_START - 1), metavar="A-B", help="span (1024-32767)"
    )
    free.add_argument("--count", type=_positive_int, default=10, metavar="N", help="how many ports to list (10)")
    _add_protocol_option(free, "free for this protocol only")
    free.add_argument("--include-ephemeral", action="store_true", help="also list ports in OS ephemeral ranges")
    free.add_argument("--json", action="store_true", help="print JSON")
    _add_registry_source(free)
    free.set_defaults(handler=cmd_free)


def cmd_stats(args: argparse.Namespace, out: Output) -> int:
    """Count assigned, reserved and unassigned ports per RFC 6335 range and protocol."""
    from .registry import port_statistics  # noqa: PLC0415 - imported on use to keep start-up fast

    registry = _load_registry(args)
    stats = port_statistics(registry)
    if args.json:
        out.json({"updated": registry.updated.isoformat(), **stats})
        return EXIT_OK
    rows = [
        [row["range"], row["protocol"], str(row["assigned"]), str(row["reserved"]), str(row["unassigned"])]
        for row in stats["ports"]
    ]
    out.line(f"IANA registry of {registry.updated}: {stats['records']} records, {stats['service_names']} names")
    out.line(format_table(["RANGE", "PROTO", "ASSIGNED", "RESERVED", "UNASSIGNED"], rows, aligned=out.is_terminal))
    out.line(f"service names without a port: {stats['names_without_port']}")
    return EXIT_OK


def _add_stats_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    stats = commands.add_parser(
        "stats",
        help="count assignments per RFC 6335 range and protocol",
        description="Count, per RFC 6335 range (system, user, dynamic) and protocol, the ports with an assignment, "
        "the reserved ports and the rest; and the service names registered without a port.",
        epilog="examples:\n  ianaports stats\n  ianaports stats --json\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    _add_registry_source(stats)
    stats.set_defaults(handler=cmd_stats)


EXPORT_FORMATS = ("iana-csv", "json", "jsonl", "services")


def cmd_export(args: argparse.Namespace, out: Output) -> int:
    """Write the whole registry as IANA's CSV, JSON, JSON Lines or a services(5) file."""
    to_stdout = args.output in (None, "-")
    # To stdout the export is the output, so --json can only mean the format;
    # to a file, --json reports what was written.
    fmt = _output_format(args, "json") if to_stdout else (args.format or "json")
    registry = _load_registry(args)
    if to_stdout:
        _export(registry, fmt, out.stdout, legacy=args.legacy_csv)
        return EXIT_OK
    _export_to_file(registry, fmt, args.output, legacy=args.legacy_csv)
    if args.json:
        from pathlib import Path  # noqa: PLC0415 - imported on use to keep start-up fast

        out.json(
            {
                "format": fmt,
                "output": str(Path(args.output).absolute()),
                "updated": registry.updated.isoformat(),
                "records": len(registry.records),
                "bytes": Path(args.output).stat().st_size,
            }
        )
    else:
        out.message(f"ianaports: wrote {fmt} of the {registry.updated} release to {args.output}")
    return EXIT_OK


def _export(registry: Registry, fmt: str, stream: TextIO, *, legacy: bool) -> None:
    from . import render  # noqa: PLC0415 - imported on use to keep start-up fast

    if fmt == "iana-csv":
        render.write_iana_csv(registry, stream, legacy=legacy)
    elif fmt == "services":
        render.write_services(registry, stream, generator=f"ianaports {__version__}")
    elif fmt == "jsonl":
        stream.writelines(
            json.dumps(render.record_to_json(record), ensure_ascii=False) + "\n" for record in registry.records
        )
    else:
        json.dump(render.registry_to_json(registry), stream, indent=2, ensure_ascii=False)
        stream.write("\n")


def _export_to_file(registry: Registry, fmt: str, path: str, *, legacy: bool) -> None:
    # Replaced atomically when PATH is a regular file; a device such as /dev/null is written in place.
    import io  # noqa: PLC0415 - imported on use to keep start-up fast

    from ._files import replacing  # noqa: PLC0415 - imported on use to keep start-up fast

    with replacing(path) as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        _export(registry, fmt, text, legacy=legacy)
        text.flush()
        text.detach()  # the handle is replacing()'s to close


def _add_export_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    export = commands.add_parser(
        "export",
        help="write the registry as IANA's CSV, JSON, JSON Lines or /etc/services",
        description="Write the whole registry. iana-csv reproduces IANA's own CSV byte for byte; services writes "
        "a services(5) file like /etc/services (one line per port and protocol, spans expanded, alias "
        "notes as aliases, names the format cannot hold left out).",
        epilog="examples:\n  ianaports export --format services -o services\n"
        "  ianaports export --format iana-csv --legacy-csv > ports.csv\n  ianaports export --format jsonl\n"
        "  ianaports export --format services -o services --json   # {format, output, updated, records, bytes}\n\n"
        + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("--format", choices=EXPORT_FORMATS, help="output format (default json)")
    export.add_argument(
        "-o", "--output", type=_path_argument, metavar="OUT", help="write to this file (atomically) instead of stdout"
    )
    export.add_argument(
        "--legacy-csv", action="store_true", help="iana-csv as IANA wrote it before 2025 (<br/> as space, CRLF)"
    )
    export.add_argument(
        "--json",
        action="store_true",
        help="with -o, print a JSON summary of what was written; to stdout, the same as --format json",
    )
    _add_registry_source(export)
    export.set_defaults(handler=cmd_export)


def cmd_listening(args: argparse.Namespace, out: Output) -> int:
    """Audit what listens on this machine against IANA's registry, or against a baseline."""
    from pathlib import Path  # noqa: PLC0415 - imported on use to keep start-up fast

    from . import listen  # noqa: PLC0415 - imported on use to keep start-up fast
    from .render.json import audited_to_json  # noqa: PLC0415 - imported on use to keep start-up fast

    # Read the baseline first: a wrong path fails at once, before any socket is listed.
    baseline = listen.load_baseline(Path(args.baseline)) if args.baseline else None
    listeners = listen.current_listeners()
    if args.save_baseline:
        listen.save_baseline(listeners, Path(args.save_baseline))
        noun = "listener" if len(listeners) == 1 else "listeners"
        out.message(f"ianaports: saved {len(listeners)} {noun} to {args.save_baseline}")
        return EXIT_OK
    if baseline is not None:
        return _report_baseline(out, listen.compare_baseline(baseline, listeners), args)
    from .notes import load_notes  # noqa: PLC0415 - imported on use to keep start-up fast

    notes = load_notes(args.notes)
    with _answering_source(args, out) as registry:
        audited = listen.audit(listeners, registry, note_for=listen.note_lookup(registry, notes))
    if not args.all:
        audited = tuple(
            item
            for item in audited
            if not (item.listener.protocol.value == "udp" and item.in_ephemeral_range and not item.flags)
        )
    if args.json:
        out.json({"updated": registry.updated.isoformat(), "listeners": [audited_to_json(a) for a in audited]})
        return EXIT_OK
    rows = [
        [
            item.listener.protocol.value,
            item.listener.address,
            str(item.listener.port),
            item.listener.process or ("?" if item.listener.pid is None else str(item.listener.pid)),
            ", ".join(item.service_names) or "-",
            item.port_class.everyday_name,
            "; ".join(flag.reason for flag in item.flags) or "-",
        ]
        for item in audited
    ]
    header = ["PROTO", "ADDRESS", "PORT", "PROCESS", "IANA SERVICE", "RANGE", "WORTH A SECOND LOOK"]
    out.line(format_table(header, rows, aligned=out.is_terminal))
    return EXIT_OK


def _report_baseline(out: Output, change: Any, args: argparse.Namespace) -> int:  # noqa: ANN401 - BaselineDiff
    from .render.json import listener_to_json  # noqa: PLC0415 - imported on use to keep start-up fast

    if args.json:
        out.json(
            {
                "new": [listener_to_json(item) for item in change.new],
                "gone": [listener_to_json(item) for item in change.gone],
                "changed_owner": [
                    {"before": listener_to_json(old), "now": listener_to_json(new)} for old, new in change.changed_owner
                ],
            }
        )
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


def _add_listening_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    listening = commands.add_parser(
        "listening",
        help="audit what listens on this machine against IANA's registry",
        description="List every listening TCP socket and bound UDP socket (needs the 'audit' extra: psutil), "
        "with IANA's assignment for its port and protocol, its RFC 6335 range, and a reason to look twice "
        "where there is one: no IANA assignment, an assignment for another protocol only, a registered "
        "service with no known current use, or an owner the OS does not reveal. UDP sockets in the ephemeral "
        "ranges with nothing to flag are clients and are hidden unless --all.",
        epilog="examples:\n  ianaports listening\n  ianaports listening --save-baseline /var/lib/ports.json\n"
        "  ianaports listening --baseline /var/lib/ports.json || alert 'new listener'\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listening.add_argument("--all", action="store_true", help="also show client UDP sockets in ephemeral ranges")
    group = listening.add_mutually_exclusive_group()
    group.add_argument(
        "--save-baseline", type=_path_argument, metavar="FILE", help="write what listens now as JSON and stop"
    )
    group.add_argument(
        "--baseline", type=_path_argument, metavar="FILE", help="report new, gone and re-owned listeners; exit 5 if new"
    )
    listening.add_argument("--json", action="store_true", help="print JSON")
    _add_registry_source(listening)
    _add_notes_source(listening)
    listening.set_defaults(handler=cmd_listening)


COMPLETION_SHELLS = ("bash", "zsh", "fish", "tcsh", "powershell")


def cmd_completion(args: argparse.Namespace, out: Output) -> int:
    """Print a shell completion script generated from this very parser."""
    import shtab  # noqa: PLC0415 - only needed here

    script = shtab.complete(build_parser(), shell=args.shell)
    if args.json:
        out.json({"shell": args.shell, "script": script})
    else:
        out.stdout.write(script if script.endswith("\n") else script + "\n")
    return EXIT_OK


def _add_completion_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh, fish, tcsh, powershell)",
        description="Print a completion script for your shell, generated from the command's own parser by shtab.",
        epilog="examples:\n  ianaports completion bash > ~/.local/share/bash-completion/completions/ianaports\n"
        "  ianaports completion zsh > ~/.zfunc/_ianaports\n"
        "  ianaports completion fish > ~/.config/fish/completions/ianaports.fish\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=COMPLETION_SHELLS, help="the shell to complete for")
    completion.add_argument("--json", action="store_true", help="print JSON: {shell, script}")
    completion.set_defaults(handler=cmd_completion)


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
    from ._sync import attempt_sync, describe_age, raise_for_failure  # noqa: PLC0415 - imported on use to keep start-up fast
    from .store import Store  # noqa: PLC0415 - imported on use to keep start-up fast

    result = attempt_sync(
        args.source or None,
        cache_dir=args.cache_dir,
        force=args.force,
        progress=_progress(out, quiet=args.quiet or args.json),
    )
    if args.json:
        # Failed sources are reported too ("ok": false), then the error line and exit 3.
        out.json(result.to_json())
    try:
        raise_for_failure(result)
    except FetchError as exc:
        with Store(args.cache_dir) as store:
            latest = store.latest()
        if latest is None:
            raise FetchError(f"{exc}; to import a local copy run 'ianaports sync --source FILE'") from exc
        import datetime as dt  # noqa: PLC0415 - imported on use to keep start-up fast

        age = describe_age(dt.datetime.now(dt.timezone.utc) - latest.fetched_at)
        raise type(exc)(f"{exc}; the cached registry of {latest.updated} (fetched {age} ago) stays in use") from exc
    if args.json:
        return EXIT_OK
    if not args.quiet:
        for line in _describe_outcome_lines(result):
            out.line(line)
        if result.latest is not None:
            out.line(
                f"newest release: {result.latest.updated} ({result.latest.record_count} records) in {result.cache_dir}"
            )
    return EXIT_OK


def _add_sync_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
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
        type=_path_argument,
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
    from .render import format_table  # noqa: PLC0415 - imported on use to keep start-up fast
    from .store import Store  # noqa: PLC0415 - imported on use to keep start-up fast

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
    if not releases:
        out.message(f"ianaports: no release in {store.path} yet; run 'ianaports sync'")
        return EXIT_NOT_FOUND
    if args.check:
        out.message(f"ianaports: the store at {store.path} is sound ({len(releases)} releases)")
    return EXIT_OK


def _add_versions_command(commands: argparse._SubParsersAction[_CommandParser]) -> None:
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
        epilog="examples:\n  ianaports sync                 # keep the local copy current (cron: --quiet)\n"
        "  ianaports show 2304\n  ianaports search kerberos --json\n"
        "  ianaports sync && ianaports diff   # what the newest release changed\n"
        "  ianaports COMMAND --help        # every command has examples and --json (docs/schema.md)\n\n"
        + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ianaports {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)

    show = commands.add_parser(
        "show",
        help="show the records of a port, span or service name",
        description="Show the registry's records for a port (2304), a span (2300-2310) or a name (ssh).",
        epilog="examples:\n  ianaports show 2304\n  ianaports show ssh --protocol tcp\n  ianaports show 53/udp\n"
        "  ianaports show 6000-6063 --json\n\n" + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("query", metavar="PORT|NAME|SPAN", help="a port number, a span A-B, or a service name")
    _add_protocol_option(show)
    show.add_argument("--json", action="store_true", help="print JSON (the record schema of docs/schema.md)")
    _add_registry_source(show)
    show.set_defaults(handler=cmd_show)
    _add_search_command(commands)
    _add_free_command(commands)
    _add_stats_command(commands)
    _add_export_command(commands)
    _add_listening_command(commands)
    _add_completion_command(commands)
    _add_explain_command(commands)
    _add_notes_command(commands)
    _add_diff_command(commands)
    _add_history_command(commands)
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
        out.message(_usage_message(str(exc), arguments))
        return EXIT_USAGE
    except IanaportsError as exc:
        if debug:
            raise
        out.message(f"ianaports: {exc}{_hint(exc)}")
        return _exit_code(exc)
    except KeyboardInterrupt:
        out.message("ianaports: interrupted")
        return 130
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, as Unix tools do.
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        # A bug, not bad input: still one line for the user, the traceback on request.
        if debug:
            raise
        out.message(f"ianaports: internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)")
        return EXIT_INTERNAL


def _usage_message(message: str, arguments: Sequence[str]) -> str:
    """One line: the problem, then where to read how the command is used."""
    if not message.startswith("ianaports"):
        message = f"ianaports: {message}"
    if "--help" in message:
        return message
    known = next(
        action.choices
        for action in build_parser()._actions  # noqa: SLF001 - argparse lists subcommands nowhere else
        if isinstance(action, argparse._SubParsersAction)  # noqa: SLF001
    )
    commands = [word for word in arguments if not word.startswith("-")][:1]
    command = f"{commands[0]} " if commands and commands[0] in known else ""
    return f"{message} (see 'ianaports {command}--help')"


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _exit_code(exc: IanaportsError) -> int:
    # A bad argument is the user's to fix (a --baseline file that is missing, say): a usage error.
    if isinstance(exc, MissingDependencyError | InvalidArgumentError):
        return EXIT_USAGE
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
