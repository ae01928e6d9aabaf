"""What the commands share: output, registration, common options, query reading, and their registry.

:class:`Output` is where a command writes; :func:`add_command` is how one is
registered; then the options and argument types several commands take, how a
query is read, and :func:`release`, the one way a command gets its registry.
"""

from __future__ import annotations

import argparse
import contextlib
import re
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeAlias, overload

from ianaports.errors import FetchError, InvalidArgumentError, NotFoundError

from ._basics import PROTOCOL_CHOICES, Output
from ._exit import EXIT_CODES_HELP, UsageError

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterator, Sequence

    from ianaports.model import PortRange
    from ianaports.registry import RecordSource, Registry
    from ianaports.store import ReleaseView, Store

    Commands: TypeAlias = "argparse._SubParsersAction[CommandParser]"  # noqa: SLF001 - argparse names it nowhere else
    Handler: TypeAlias = "Callable[[argparse.Namespace, Output], int]"

__all__ = [
    "DEBUG_HELP",
    "PROTOCOL_CHOICES",
    "CommandParser",
    "Output",
    "Parser",
    "add_cache_dir",
    "add_command",
    "add_json_option",
    "add_notes_source",
    "add_output_options",
    "add_protocol_option",
    "add_registry_source",
    "add_release_choice",
    "date_argument",
    "date_text",
    "did_you_mean",
    "epilog",
    "open_store",
    "output_format",
    "path_argument",
    "port_or_name",
    "positive_int",
    "progress",
    "query_and_protocol",
    "read_file",
    "read_query",
    "release",
    "release_choice",
    "without_protocol",
]


DEBUG_HELP = "show a traceback when something fails"


# --- parsers and the one way a command is registered -------------------------------------------


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors reach the one handler in :func:`ianaports.cli.main` (exit 2)."""

    def error(self, message: str) -> NoReturn:
        """Raise a :class:`UsageError` instead of printing usage and exiting."""
        raise UsageError(f"{self.prog}: {message}")


class CommandParser(Parser):
    """A subcommand's parser: it also takes --debug, so the option works after the command too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - argparse's own signature
        super().__init__(*args, **kwargs)
        self.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)


def epilog(examples: Sequence[str]) -> str:
    """The end of a ``--help``: the examples, then what every exit code means."""
    return "examples:\n" + "".join(f"  {example}\n" for example in examples) + "\n" + EXIT_CODES_HELP


def add_command(
    commands: Commands,
    name: str,
    handler: Handler,
    *,
    help: str,  # noqa: A002 - argparse's own name for a command's line in --help
    description: str,
    examples: Sequence[str],
) -> CommandParser:
    """Add the command *name*, run by *handler*; the caller adds its options to the parser returned.

    *help* is its line in ``ianaports --help``; *description* and *examples*
    open and close its own ``--help``, which ends with the exit codes.
    """
    parser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog(examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


# --- argument types -----------------------------------------------------------------------------


def path_argument(text: str) -> str:
    """A file or folder argument; an empty one is refused rather than read as "none given" or as ".".

    ``--baseline "$BASE"`` with BASE unset must not quietly skip the comparison.
    """
    if not text:
        raise argparse.ArgumentTypeError("an empty path (was a variable left unset?)")
    return text


def positive_int(text: str) -> int:
    """A whole number of at least 1 (--limit, --count)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# --- options several commands share -------------------------------------------------------------


def add_json_option(parser: argparse.ArgumentParser, help_text: str = "print JSON") -> None:
    """--json, on every command."""
    parser.add_argument("--json", action="store_true", help=help_text)


def add_cache_dir(parser: argparse.ArgumentParser) -> None:
    """--data-dir (and --cache-dir, its deprecated name): the store a command reads or fills."""
    parser.add_argument(
        "--data-dir",
        "--cache-dir",
        dest="cache_dir",
        type=path_argument,
        metavar="DIR",
        help="the store's folder (default: $IANAPORTS_DATA_DIR, else the user data folder);"
        " --cache-dir is its deprecated name",
    )


_DATE_FORMS = (re.compile(r"(\d{4})(\d{2})(\d{2})"), re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"))


def date_text(text: str) -> str | None:
    """``YYYY-MM-DD`` for text written as a date (``2025-11-14``, ``20251114``, ``2025-1-14``), else None.

    Only the form is read: whether it is a calendar date is the caller's to check.
    """
    for form in _DATE_FORMS:
        match = form.fullmatch(text.strip())
        if match is not None and not text.isascii():
            return text.strip()  # a date in other digits: named as one, and refused as no calendar date
        if match is not None:
            year, month, day = match.groups()
            return f"{year}-{int(month):02d}-{int(day):02d}"
    return None


def date_argument(text: str) -> str:
    """A release date ``YYYY-MM-DD``, ``YYYYMMDD`` or ``YYYY-M-D`` (--version also takes ``latest``, ``previous``)."""
    import datetime as dt  # noqa: PLC0415 - only when a date is given

    if text in ("latest", "previous"):
        return text
    try:
        return dt.date.fromisoformat(date_text(text) or text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def add_release_choice(parser: argparse.ArgumentParser) -> None:
    """--version and --as-of: which stored release a command answers from (default: the newest)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--version",
        type=date_argument,
        metavar="DATE",
        help="answer from the stored release of this date (or 'latest', 'previous')",
    )
    group.add_argument(
        "--as-of",
        type=date_argument,
        metavar="DATE",
        help="answer from the newest stored release on or before this date",
    )


def add_registry_source(parser: argparse.ArgumentParser) -> None:
    """--file, --data-dir, --version and --as-of: where :func:`release` reads the registry from."""
    parser.add_argument(
        "--file",
        type=path_argument,
        metavar="PATH",
        help="read this registry file (.xml, .gz, .xz, .bz2) instead of the local store",
    )
    add_cache_dir(parser)
    add_release_choice(parser)


def release_choice(args: argparse.Namespace) -> tuple[str, str | None]:
    """The (version, as_of) a command's --version and --as-of name; a usage error beside --file."""
    version, as_of = getattr(args, "version", None), getattr(args, "as_of", None)
    if getattr(args, "file", None) and (version or as_of):
        raise UsageError("--version and --as-of choose a stored release; they do not apply to --file")
    return version or "latest", as_of


def add_notes_source(parser: argparse.ArgumentParser) -> None:
    """--notes: more curated notes on top of the shipped ones."""
    parser.add_argument(
        "--notes",
        type=path_argument,
        metavar="PATH",
        action="append",
        default=[],
        help="also read curated notes from this TOML file or folder (repeatable; after IANAPORTS_NOTES_PATH)",
    )


class _OneProtocol(argparse.Action):
    """--protocol given twice must agree: ``-p tcp -p udp`` is refused rather than one silently winning."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,  # noqa: ARG002 - argparse's own signature
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,  # noqa: ARG002 - argparse's own signature
    ) -> None:
        earlier = getattr(namespace, self.dest, None)
        if earlier is not None and earlier != values:
            raise UsageError(
                f"--protocol {earlier} and --protocol {values} conflict: give one (leave it out for every protocol)"
            )
        setattr(namespace, self.dest, values)


def add_protocol_option(parser: argparse.ArgumentParser, help_text: str = "only this protocol") -> None:
    """-p/--protocol, in any case (``-p TCP``), as names match in any case; once (``-p tcp -p udp`` is refused)."""
    parser.add_argument(
        "-p", "--protocol", type=str.lower, choices=PROTOCOL_CHOICES, action=_OneProtocol, help=help_text
    )


def add_output_options(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    """--format and --json, which :func:`output_format` reconciles (the first format is the default)."""
    parser.add_argument("--format", choices=formats, help=f"output format (default {formats[0]})")
    add_json_option(parser, "print JSON (same as --format json)")


def output_format(args: argparse.Namespace, default: str) -> str:
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


# --- reading a query ----------------------------------------------------------------------------


def read_query(text: str) -> int | PortRange | str:
    """The port, span or service name a query argument names; anything else is a usage error.

    show, explain, history and diff --port all read their argument through
    :func:`ianaports.model.read_query`, so they agree on what is a span.
    """
    from ianaports.model import read_query as _library_read_query  # noqa: PLC0415 - --help and --version skip attrs

    try:
        return _library_read_query(text)
    except InvalidArgumentError as exc:
        raise UsageError(str(exc)) from None


def query_and_protocol(args: argparse.Namespace, source: RecordSource | None = None) -> tuple[str, str | None]:
    """The query and the protocol it names: a services(5)-style suffix (``80/tcp``), else --protocol.

    ``X/Y`` is read as *X* on protocol *Y* only when *Y* is a transport
    protocol and, where *source* can tell, ``X/Y`` is not itself a service
    name: ``cl/1``, ``914c/g`` and ``EtherNet/IP-2`` are names
    (:func:`ianaports.model.split_protocol`).  A suffix that disagrees with
    --protocol, or a port followed by no transport protocol, is a usage error.
    """
    from ianaports.model import split_protocol  # noqa: PLC0415 - --help and --version skip attrs

    given: str | None = getattr(args, "protocol", None)
    try:
        query, suffix = split_protocol(args.query, is_name=None if source is None else _names_in(source))
    except InvalidArgumentError as exc:
        raise UsageError(str(exc)) from None
    if suffix is None:
        return args.query, given  # as typed: read_query quotes it so in a refusal
    if given not in (None, suffix.value):
        raise UsageError(f"{args.query!r} names {suffix} but --protocol says {given}")
    return query, suffix.value


def did_you_mean(source: Registry | ReleaseView, name: str) -> str:
    """`` (did you mean 'ssh'?)`` for a mistyped service name, from names sharing its first or last letters; or ``""``.

    Candidates come from a search for the name's first and last three
    letters (cheap in the store's index); :func:`difflib.get_close_matches`
    picks up to three.
    """
    import difflib  # noqa: PLC0415 - only when a name was not found

    needle = name.strip().lower()
    parts = {part for part in (needle[:3], needle[-3:]) if len(part) >= 2}  # noqa: PLR2004 - two letters at least
    names = {record.name.lower(): record.name for part in parts for record in source.search(part) if record.name}
    close = difflib.get_close_matches(needle, list(names), n=3, cutoff=0.75)
    if not close:
        return ""
    quoted = [repr(names[found]) for found in close]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f" (did you mean {listed}?)"


def _names_in(source: RecordSource) -> Callable[[str], bool]:
    def is_name(text: str) -> bool:
        try:
            return bool(source.service(text))
        except NotFoundError:
            return False

    return is_name


def without_protocol(args: argparse.Namespace, source: RecordSource | None = None) -> str:
    """The query with its protocol suffix taken off; the suffix is set as ``args.protocol`` where there is one.

    See :func:`query_and_protocol`.  Called again with the *source* a command
    answers from, a name holding a slash wins over the earlier reading.
    """
    if not hasattr(args, "query_protocol"):
        args.query_protocol = getattr(args, "protocol", None)  # what --protocol said, before any suffix
    if hasattr(args, "protocol"):
        args.protocol = args.query_protocol
    query, protocol = query_and_protocol(args, source)
    if hasattr(args, "protocol"):
        args.protocol = protocol
    return query


def port_or_name(text: str, command: str) -> int | str:
    """The port or name of a command that takes one (explain, history); a span points at show."""
    wanted = read_query(text)
    if not isinstance(wanted, int | str):
        raise UsageError(f"{command} takes one port or name; for the span {wanted} run 'ianaports show {wanted}'")
    return wanted


# --- the registry a command works on ------------------------------------------------------------


def progress(out: Output, *, quiet: bool = False) -> Callable[[int, int | None], None] | None:
    """A one-line download progress on stderr, only on a terminal."""
    if quiet or not out.messages_to_terminal:
        return None

    def show(received: int, total: int | None) -> None:
        of = f" of {total / 1e6:.1f}" if total else ""
        done = total is not None and received >= total
        out.stderr.write(f"\r  downloading {received / 1e6:.1f}{of} MB" + ("\n" if done else ""))
        out.stderr.flush()

    return show


def open_store(cache_dir: str | os.PathLike[str] | None) -> Store:
    """The store in *cache_dir* (default: $IANAPORTS_DATA_DIR, else the user data folder), as it is."""
    from ianaports.store import Store  # noqa: PLC0415 - sqlite3 only for commands that read the store

    return Store(cache_dir)


def read_file(path: str) -> Registry:
    """The registry in the release file *path* (.xml, .gz, .xz, .bz2)."""
    from ianaports.parser import parse  # noqa: PLC0415 - lxml only when a file is read

    return parse(path)


@overload
def release(
    args: argparse.Namespace, out: Output, *, whole: Literal[True]
) -> contextlib.AbstractContextManager[Registry]: ...


@overload
def release(
    args: argparse.Namespace, out: Output, *, whole: Literal[False] = False
) -> contextlib.AbstractContextManager[Registry | ReleaseView]: ...


def release(
    args: argparse.Namespace, out: Output, *, whole: bool = False
) -> contextlib.AbstractContextManager[Registry | ReleaseView]:
    """The registry a command answers from: the --file registry, else the newest stored release.

    From the store, a :class:`~ianaports.store.ReleaseView` answers lookups by
    SQL without loading 14,000 records for one port; *whole* loads the release
    as a :class:`~ianaports.registry.Registry` for the commands that read every
    record (free, stats, export, notes check).  An empty store is filled by a
    first sync.  Use it as ``with release(args, out) as registry: ...``: the
    store is closed afterwards.
    """
    return _release(args, out, whole=whole)


@contextlib.contextmanager
def _release(args: argparse.Namespace, out: Output, *, whole: bool) -> Iterator[Registry | ReleaseView]:
    version, as_of = release_choice(args)
    if args.file:
        yield read_file(args.file)
        return
    filled = _filled_store(args.cache_dir, out, version=version, as_of=as_of)
    from ianaports.store import Store  # noqa: PLC0415 - loaded already by _filled_store; show skips the registry module

    if not isinstance(filled, Store):  # the data package's registry, the store being empty
        yield filled
        return
    with filled as store:
        if not whole:
            yield store.view(version, as_of=as_of)  # it reads the store as the command runs
            return
        registry = store.load(version, as_of=as_of)
    yield registry


def _filled_store(
    cache_dir: str | None, out: Output, *, version: str = "latest", as_of: str | None = None
) -> Store | Registry:
    """The store of --cache-dir; an empty one is filled from the default sources first.

    Unless the data package (``ianaports_data``) is installed and holds the
    release asked for: then its registry answers, offline, and stderr says so
    (and that ``ianaports sync`` brings the newest).

    The library's ``_sync.load`` fills an empty cache too, but it returns the
    whole release (lookups here answer by SQL), shows no download progress and
    says nothing on stderr, and its failure names no next step; so the command
    line keeps this one small variant over ``_sync.sync``.
    """
    store = open_store(cache_dir)
    if store.latest() is not None:
        return store
    store.close()
    from ianaports import datapkg  # noqa: PLC0415 - only an empty store looks for the data package

    bundled = datapkg.bundled_release(version, as_of)
    if bundled is not None:
        out.message("ianaports: " + datapkg.fallback_message(bundled[0], store.path))
        return bundled[1]
    from ianaports import _sync  # noqa: PLC0415 - only to fill an empty cache

    # On a terminal say what is happening; in scripts, failures stay one line.
    if out.messages_to_terminal:
        sources = " ".join(_sync.default_sources())
        out.message(f"ianaports: no local registry in {store.path} yet; fetching {sources}")
    try:
        result = _sync.sync(cache_dir=store.path, progress=progress(out))
    except FetchError as exc:
        raise FetchError(
            f"{exc}; to import a local copy run 'ianaports sync --source FILE' (or read one file with --file PATH)"
        ) from exc
    if result.latest is not None:
        latest = result.latest
        out.message(
            f"ianaports: stored the registry of {latest.updated} ({latest.record_count} records) in {store.path}"
        )
    return store
