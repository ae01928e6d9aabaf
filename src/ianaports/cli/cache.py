"""The local copy and what leaves it: ``sync``, ``versions``, ``export``, ``rebuild`` and ``backup``."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
from typing import TYPE_CHECKING, TextIO

from ianaports import __version__, render
from ianaports.errors import CacheError, FetchError
from ianaports.render import format_table
from ianaports.render.json import (
    backup_to_json,
    export_summary_to_json,
    json_lines_text,
    rebuild_to_json,
    registry_json_text,
    removal_to_json,
    sync_to_json,
    versions_to_json,
    xml_export_summary_to_json,
)
from ianaports.render.text import count_of

from ._common import (
    add_cache_dir,
    add_command,
    add_json_option,
    add_registry_source,
    date_argument,
    open_store,
    output_format,
    path_argument,
    progress,
    release,
    release_choice,
)
from ._exit import EXIT_CACHE, EXIT_OK, OutputError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from ianaports._sync import ImportProgress, SourceOutcome, SyncResult
    from ianaports.registry import Registry
    from ianaports.store import ReleaseInfo

    from ._common import Commands, Output

__all__ = [
    "EXPORT_FORMATS",
    "add_backup",
    "add_export",
    "add_rebuild",
    "add_remove_release",
    "add_sync",
    "add_versions",
    "cmd_backup",
    "cmd_export",
    "cmd_rebuild",
    "cmd_remove_release",
    "cmd_sync",
    "cmd_versions",
]


# --- sync -----------------------------------------------------------------------------------------


def _dates(releases: Sequence[ReleaseInfo]) -> str:
    dates = ", ".join(release.updated.isoformat() for release in releases[-3:])
    more = f" and {len(releases) - 3} more" if len(releases) > 3 else ""  # noqa: PLR2004 - three named
    return dates + more


def _describe_outcome_lines(result: SyncResult) -> list[str]:
    return [line for outcome in result.outcomes for line in _outcome_lines(outcome)]


def _outcome_lines(outcome: SourceOutcome) -> list[str]:
    source = outcome.source
    if outcome.status == "not-modified":
        return [f"{source}: up to date (not modified since the last sync)"]
    if outcome.status == "unchanged":
        return [f"{source}: up to date (already stored)"]
    lines = []
    news, history = outcome.news, outcome.history
    if news:
        lines.append(f"{source}: added {len(news)} release(s): {_dates(news)}")
    if len(history) == 1:
        lines.append(
            f"{source}: {history[0].updated} is older than the newest stored release {outcome.newest_before}:"
            " kept as history"
        )
    elif history:
        lines.append(
            f"{source}: {len(history)} releases ({_dates(history)}) are older than the newest stored release"
            f" {outcome.newest_before}: kept as history"
        )
    if outcome.already_stored or outcome.failures:
        counts = [f"{len(outcome.releases)} added", f"{outcome.already_stored} already stored"]
        if outcome.failures:
            counts.append(f"{len(outcome.failures)} could not be imported")
        lines.append(f"{source}: {', '.join(counts)}")
    if not lines:
        lines.append(f"{source}: {outcome.status}: {outcome.error}")
    return lines


def _import_progress(out: Output, *, quiet: bool) -> Callable[[ImportProgress], None] | None:
    """A one-line import progress on stderr (count, release date, time left), only on a terminal."""
    if quiet or not out.messages_to_terminal:
        return None

    def show(progress: ImportProgress) -> None:
        eta = progress.eta
        left = "" if eta is None or eta < 1 or progress.done == progress.total else f", about {_duration(eta)} left"
        updated = progress.updated.isoformat() if progress.updated is not None else "undated"
        end = "\n" if progress.done == progress.total else ""
        out.stderr.write(f"\r\033[K  importing {progress.done}/{progress.total}: {updated}{left}{end}")
        out.stderr.flush()

    return show


def _retry_notice(out: Output, *, quiet: bool) -> Callable[[str, str, float], None] | None:
    """A stderr line before each retry's wait, only on a terminal: a slow sync says what it waits for."""
    if quiet or not out.messages_to_terminal:
        return None

    def show(source: str, reason: str, delay: float) -> None:
        out.stderr.write(f"\r\033[K  {source}: {reason}; trying again in {delay:g} s\n")
        out.stderr.flush()

    return show


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def _is_batch(outcome: SourceOutcome) -> bool:
    """True for a folder or repository of several releases (a single file's failure is the error line itself)."""
    return len(outcome.releases) + outcome.already_stored + len(outcome.failures) > 1


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _local_failure(outcome: SourceOutcome) -> str:
    """The error line of a failed file, folder or repository import: what was imported and what was not."""
    if _is_batch(outcome):
        counts = [f"{len(outcome.releases)} release(s) imported"]
        if outcome.already_stored:
            counts.append(f"{outcome.already_stored} already stored")
        counts.append(f"{len(outcome.failures)} could not be imported (see the lines above)")
        return f"{outcome.source}: {', '.join(counts)}"
    reason = outcome.failures[0].error if outcome.failures else outcome.error
    return f"could not import {outcome.source}: {reason}"


def _report_failures(result: SyncResult, out: Output) -> None:
    """Name each release a folder or repository could not import, one stderr line each."""
    for outcome in result.outcomes:
        if _is_batch(outcome):
            for failure in outcome.failures:
                out.message(f"ianaports: not imported: {failure.name}: {failure.error}")


def cmd_sync(args: argparse.Namespace, out: Output) -> int:
    """Refresh the local cache from IANA (or the sources given) and report what happened."""
    from ianaports._sync import attempt_sync, describe_age, raise_for_failure  # noqa: PLC0415 - sqlite3 only for the store

    quiet = args.quiet or args.json
    result = attempt_sync(
        args.source or None,
        cache_dir=args.cache_dir,
        force=args.force,
        timeout=args.timeout,
        retries=args.retries,
        deadline=args.deadline,
        lock_timeout=args.lock_timeout,
        progress=progress(out, quiet=quiet),
        git_ref=args.git_ref,
        git_path=args.git_path,
        on_import=_import_progress(out, quiet=quiet),
        on_retry=_retry_notice(out, quiet=quiet),
    )
    if args.json:
        # Failed sources are reported too ("ok": false), then the error line and exit 3.
        out.json(sync_to_json(result))
    try:
        raise_for_failure(result)
    except FetchError as exc:
        if not quiet:
            # A folder or repository may have stored releases before it failed: say which, and count.
            for outcome in result.outcomes:
                if _is_batch(outcome):
                    for line in _outcome_lines(outcome):
                        out.line(line)
        _report_failures(result, out)
        message = str(exc)
        local = not any(_is_url(outcome.source) for outcome in result.outcomes)
        if local:
            # A file, folder or repository: say what was imported and what was not, not that a fetch failed.
            message = "; ".join(_local_failure(outcome) for outcome in result.outcomes)
            if any(_is_batch(outcome) for outcome in result.outcomes):
                raise type(exc)(message) from exc
        with open_store(args.cache_dir) as store:
            latest = store.latest()
        if latest is None:
            # A local copy, or a source the user named: the hint would only repeat the command.
            hint = "" if local or args.source else "; to import a local copy run 'ianaports sync --source FILE'"
            raise FetchError(message + hint) from exc
        if result.seeded is not None:
            raise type(exc)(
                f"{message}; the store was seeded from the data package ({result.seeded.source}) with the registry"
                f" of {result.seeded.updated}, which stays in use"
            ) from exc
        age = describe_age(dt.datetime.now(dt.timezone.utc) - latest.fetched_at)
        raise type(exc)(f"{message}; the cached registry of {latest.updated} (fetched {age} ago) stays in use") from exc
    if args.json:
        return EXIT_OK
    if not args.quiet:
        if result.seeded is not None:
            out.line(f"seeded the empty store with the registry of {result.seeded.updated} from {result.seeded.source}")
        for line in _describe_outcome_lines(result):
            out.line(line)
        if result.latest is not None:
            out.line(
                f"newest release: {result.latest.updated} ({result.latest.record_count} records) in {result.data_dir}"
            )
    return EXIT_OK


def _seconds(text: str) -> float:
    """A number of seconds above 0, for ``--timeout`` and ``--deadline``."""
    return _read_seconds(text, zero_ok=False)


def _wait_seconds(text: str) -> float:
    """A number of seconds, 0 or more, for ``--lock-timeout`` (0: do not wait)."""
    return _read_seconds(text, zero_ok=True)


def _read_seconds(text: str, *, zero_ok: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    low_enough = value >= 0 if zero_ok else value > 0  # NaN is neither
    if not (low_enough and value < float("inf")):
        wanted = "a number of seconds, 0 or more" if zero_ok else "a number of seconds above 0"
        raise argparse.ArgumentTypeError(f"must be {wanted}, not {text}")
    return value


def _retry_count(text: str) -> int:
    """A whole number of retries, 0 or more."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"not a whole number of retries (0 or more): {text!r}")
    return int(text)


def add_sync(commands: Commands) -> None:
    """Register ``sync``."""
    sync = add_command(
        commands,
        "sync",
        cmd_sync,
        help="refresh the local cache from IANA, a mirror, a file, a folder of releases or a git repository",
        description="Fetch the registry (conditionally: nothing is downloaded when IANA says it has not changed),"
        " parse it fully, check it and store it as a new release. Sources are tried in order until one succeeds;"
        " a folder source imports every release file in it, and a git repository (work tree or bare) every version"
        " of service-names-port-numbers.xml committed on its current branch, both in release-date order, going"
        " on past a file that is not a registry. A release older than the newest stored is kept as history.",
        examples=[
            "ianaports sync",
            "ianaports sync --source https://mirror.example/ports.xml",
            "ianaports sync --timeout 20 --retries 1   # give up on a slow network sooner",
            "ianaports sync --source ../shared/registry   # import every archived release",
            "ianaports sync --source iana-etc.git   # every version a tracker committed",
        ],
    )
    sync.add_argument(
        "--source",
        action="append",
        type=path_argument,
        metavar="URL|PATH",
        help="an http(s) URL, a release file, a folder of them or a git repository; repeat to give fallbacks"
        " (default: $IANAPORTS_URL, else IANA's URL)",
    )
    sync.add_argument(
        "--git-ref",
        metavar="REF",
        help="with a git repository source: the branch, tag or commit to read (default: its current branch)",
    )
    sync.add_argument(
        "--git-path",
        metavar="PATH",
        help="with a git repository source: the registry file's path in the tree"
        " (default: service-names-port-numbers.xml)",
    )
    sync.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="the most one download attempt may take: connecting, the headers and the whole body"
        " (default: $IANAPORTS_TIMEOUT, else 60)",
    )
    sync.add_argument(
        "--retries",
        type=_retry_count,
        metavar="N",
        help="how often to try again after a timeout, a reset connection, HTTP 429 or 5xx; a refused connection,"
        " a DNS or TLS failure or a broken answer moves on to the next source at once"
        " (default: $IANAPORTS_RETRIES, else 3)",
    )
    sync.add_argument(
        "--deadline",
        type=_seconds,
        metavar="SECONDS",
        help="the most the whole sync may spend on the network: every attempt of every URL source and the waits"
        " between them (default: $IANAPORTS_DEADLINE, else 120)",
    )
    sync.add_argument(
        "--lock-timeout",
        type=_wait_seconds,
        metavar="SECONDS",
        help="how long to wait for another ianaports process writing the store, 0 not to wait"
        " (default: $IANAPORTS_LOCK_TIMEOUT, else 300)",
    )
    add_cache_dir(sync)
    sync.add_argument(
        "--force", action="store_true", help="download even if unchanged, and accept a release that looks suspect"
    )
    sync.add_argument("-q", "--quiet", action="store_true", help="print nothing unless something fails")
    add_json_option(sync, "print what happened as JSON")


# --- versions -------------------------------------------------------------------------------------


def cmd_versions(args: argparse.Namespace, out: Output) -> int:
    """List the releases in the store; with --check, verify the whole store and sum it up in one line."""
    with open_store(args.cache_dir) as store:
        try:
            releases = store.releases()
        except CacheError:
            if not args.check:
                raise
            releases = ()
        report = store.check_report() if args.check else None
        if report is not None and not releases and not report.releases:
            # The index cannot be opened at all: that one line says it all (and names the repair).
            store.releases()
    problems = list(report.problems) if report is not None else []
    if args.json:
        out.json(versions_to_json(store.path, releases, problems if args.check else None))
    elif releases:
        rows = [
            [
                release.updated.isoformat(),
                str(release.record_count),
                release.fetched_at.strftime("%Y-%m-%d %H:%M"),
                release.source,
            ]
            for release in releases
        ]
        out.line(format_table(["UPDATED", "RECORDS", "FETCHED (UTC)", "SOURCE"], rows, aligned=out.is_terminal))
    for problem in problems:
        out.message(f"ianaports: {problem}")
    if report is not None and problems:
        out.message(f"ianaports: the store at {store.path} has problems ({report.summary()}); run 'ianaports rebuild'")
        return EXIT_CACHE
    if not releases:
        out.message(f"ianaports: no release in {store.path} yet; run 'ianaports sync'")
        return EXIT_CACHE  # no store yet is exit 4, for every command
    if report is not None:
        out.message(f"ianaports: the store at {store.path} is sound ({report.summary()})")
    return EXIT_OK


def add_versions(commands: Commands) -> None:
    """Register ``versions``."""
    versions = add_command(
        commands,
        "versions",
        cmd_versions,
        help="list the registry releases kept in the local store",
        description="List every release in the store: IANA's date, record count, when and where it was fetched."
        " --check verifies every archived release against its sha256 and the index against the archive.",
        examples=["ianaports versions", "ianaports versions --check --json"],
    )
    versions.add_argument(
        "--check",
        action="store_true",
        help="verify the archive and the index; one summary line (exit 4 on problems)",
    )
    add_cache_dir(versions)
    add_json_option(versions)


# --- export ---------------------------------------------------------------------------------------

EXPORT_FORMATS = ("iana-csv", "json", "jsonl", "services", "xml")


def cmd_export(args: argparse.Namespace, out: Output) -> int:
    """Write the whole registry as IANA's CSV, JSON, JSON Lines or a services(5) file."""
    to_stdout = args.output in (None, "-")
    # To stdout the export is the output, so --json can only mean the format;
    # to a file, --json reports what was written.
    from ianaports._files import replacing  # noqa: PLC0415 - pathlib and tempfile only for an export

    fmt = output_format(args, "json") if to_stdout else (args.format or "json")
    if fmt == "xml":
        return _export_xml(args, out)
    with release(args, out, whole=True) as registry:
        if to_stdout:
            _export(registry, fmt, out.stdout, legacy=args.legacy_csv, line_ending=args.line_ending)
            return EXIT_OK
        # Replaced atomically when OUT is a regular file; a device such as /dev/null is written in place.
        with _output_file(), replacing(args.output) as handle:
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
            _export(registry, fmt, text, legacy=args.legacy_csv, line_ending=args.line_ending)
            text.flush()
            text.detach()  # the handle is replacing()'s to close
    if args.json:
        from pathlib import Path  # noqa: PLC0415 - pathlib only once a file is written

        written = Path(args.output).absolute()
        out.json(export_summary_to_json(registry, fmt=fmt, output=written, size=written.stat().st_size))
    else:
        out.message(f"ianaports: wrote {fmt} of the {registry.updated} release to {args.output}")
    return EXIT_OK


@contextlib.contextmanager
def _output_file() -> Iterator[None]:
    """A file the user named that cannot be written is an output error (exit 73), not the store's."""
    try:
        yield
    except CacheError as exc:
        raise OutputError(str(exc)) from exc


def _check_output_folder(path: str) -> None:
    from pathlib import Path  # noqa: PLC0415 - only for a command that writes a file

    folder = Path(path).absolute().parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: there is no folder {folder}")


def _export_xml(args: argparse.Namespace, out: Output) -> int:
    """IANA's original bytes of a stored release (or of --file, decompressed), exactly as published."""
    from ianaports._files import atomic_write  # noqa: PLC0415 - only for an export to a file

    version, as_of = release_choice(args)
    if args.file:
        from ianaports.parser import read_source_bytes  # noqa: PLC0415 - only to read a file

        data = read_source_bytes(args.file)
        info = None
    else:
        with open_store(args.cache_dir) as store:
            if store.latest() is None:
                raise CacheError(f"no release in {store.path} yet; run 'ianaports sync'")  # exit 4, as everywhere
            info = store.release(version, as_of=as_of)
            data = store.raw(info.updated)
    if args.output in (None, "-"):
        buffer = getattr(out.stdout, "buffer", None)
        if buffer is None:
            out.stdout.write(data.decode("utf-8"))
        else:
            out.stdout.flush()
            buffer.write(data)
            buffer.flush()
        return EXIT_OK
    with _output_file():
        atomic_write(args.output, data)
    if args.json:
        from pathlib import Path  # noqa: PLC0415 - only once a file is written

        out.json(xml_export_summary_to_json(info, output=Path(args.output).absolute(), size=len(data)))
    else:
        what = args.file if info is None else f"the {info.updated} release"
        out.message(f"ianaports: wrote the original XML of {what} to {args.output}")
    return EXIT_OK


def _export(registry: Registry, fmt: str, stream: TextIO, *, legacy: bool, line_ending: str | None) -> None:
    if fmt == "iana-csv":
        ending = None if line_ending is None else render.CSV_LINE_ENDINGS[line_ending]
        render.write_iana_csv(registry, stream, legacy=legacy, line_ending=ending)
    elif fmt == "services":
        render.write_services(registry, stream, generator=f"ianaports {__version__}")
    elif fmt == "jsonl":
        stream.write(json_lines_text(registry.records))
    else:
        # One write: json.dump's million small ones cost a system call each on an unbuffered stdout.
        stream.write(registry_json_text(registry))


def add_export(commands: Commands) -> None:
    """Register ``export``."""
    export = add_command(
        commands,
        "export",
        cmd_export,
        help="write the registry as IANA's CSV, JSON, JSON Lines, /etc/services or its original XML",
        description="Write the whole registry. iana-csv reproduces IANA's own CSV byte for byte; services writes "
        "a services(5) file like /etc/services (one line per port and protocol, spans expanded, alias "
        "notes as aliases, names the format cannot hold left out); xml writes the bytes IANA published for "
        "the release, exactly as archived.",
        examples=[
            "ianaports export --format services -o services",
            "ianaports export --format iana-csv --legacy-csv > ports.csv",
            "ianaports export --format iana-csv --legacy-csv --line-ending lf -o ports.csv",
            "ianaports export --format jsonl",
            "ianaports export --format xml --version 2025-11-20 -o ports.xml   # IANA's original bytes",
            "ianaports export --format services -o services --json   # {format, output, updated, records, bytes}",
        ],
    )
    export.add_argument("--format", choices=EXPORT_FORMATS, help="output format (default json)")
    export.add_argument(
        "-o", "--output", type=path_argument, metavar="OUT", help="write to this file (atomically) instead of stdout"
    )
    export.add_argument(
        "--legacy-csv", action="store_true", help="iana-csv as IANA wrote it before 2025 (<br/> as space, CRLF rows)"
    )
    export.add_argument(
        "--line-ending",
        choices=("lf", "crlf"),
        help="iana-csv row ending (default: crlf with --legacy-csv, as IANA's pre-2025 files; lf otherwise, as "
        "today's); line breaks inside a field stay LF, as in both",
    )
    add_json_option(export, "with -o, print a JSON summary of what was written; to stdout, the same as --format json")
    add_registry_source(export)


# --- rebuild and backup ---------------------------------------------------------------------------


def _rebuild_progress(out: Output, *, quiet: bool) -> Callable[[int, int], None] | None:
    """On a terminal, a progress line for a rebuild (None when quiet or not on a terminal)."""
    if quiet or not out.messages_to_terminal:
        return None

    def show(done: int, total: int) -> None:
        out.stderr.write(f"\r  indexed {done} of {total} releases" + ("\n" if done == total else ""))
        out.stderr.flush()

    return show


def cmd_rebuild(args: argparse.Namespace, out: Output) -> int:
    """Recreate the index from the archive alone."""
    show = _rebuild_progress(out, quiet=args.quiet or args.json)
    with open_store(args.cache_dir) as store:
        # A folder with neither index nor archive is left as it is: no empty index is made in it.
        empty = not store.db_path.exists() and not store.archive.names()
        count = 0 if empty else store.rebuild(progress=show)
        path = store.path
    if args.json:
        out.json(rebuild_to_json(path, count))
    elif args.quiet:
        pass
    elif count == 0:
        out.message(f"ianaports: nothing to rebuild: the archive of {path} holds no release")
    else:
        out.message(f"ianaports: rebuilt the index of {path} from its archive ({count_of(count, 'release')})")
    return EXIT_OK


def add_rebuild(commands: Commands) -> None:
    """Register ``rebuild``."""
    rebuild = add_command(
        commands,
        "rebuild",
        cmd_rebuild,
        help="recreate the store's index from its archive (after damage, or to re-derive everything)",
        description="Re-read every archived release and build the SQLite index anew, then put it in place of the "
        "old one in one step (a reader sees the old index or the new one). The archive is only read. Run it when "
        "a command says the index is corrupt or missing.",
        examples=["ianaports rebuild", "ianaports rebuild --data-dir /backup/ianaports --json"],
    )
    add_cache_dir(rebuild)
    rebuild.add_argument("-q", "--quiet", action="store_true", help="print nothing unless something fails")
    add_json_option(rebuild, "print the folder and the number of releases indexed as JSON")


def cmd_remove_release(args: argparse.Namespace, out: Output) -> int:
    """Take a stored release out of the store (kept in the archive, logged), or with --undo put it back."""
    with open_store(args.cache_dir) as store:
        if args.undo:
            removal = store.restore_release(args.date, reason=args.reason or "", sha256=args.sha256)
        else:
            if not args.reason:
                raise UsageError("remove-release: say why with --reason TEXT (it is logged with the release)")
            show = _rebuild_progress(out, quiet=args.json)
            removal = store.remove_release(args.date, reason=args.reason, sha256=args.sha256, progress=show)
        releases = store.releases()
        path = store.path
    if args.json:
        out.json(removal_to_json(path, removal, releases=len(releases)))
    elif args.undo:
        out.message(f"ianaports: restored the release of {removal.updated} ({removal.sha256[:16]}) in {path}")
    else:
        newest = f"; the newest is now {releases[-1].updated}" if releases else ""
        out.message(
            f"ianaports: removed the release of {removal.updated} ({removal.sha256[:16]}) from {path}{newest};"
            f" its bytes stay in the archive ('ianaports remove-release {removal.updated} --undo' restores it)"
        )
    return EXIT_OK


def add_remove_release(commands: Commands) -> None:
    """Register ``remove-release``."""
    remove = add_command(
        commands,
        "remove-release",
        cmd_remove_release,
        help="take a stored release out of the store (a forged or broken one), keeping its bytes; --undo restores",
        description="Remove the release of DATE from what every command sees: the index is rebuilt without it, and"
        " the archive's log (archive/removed.jsonl) records its date, sha256, the reason and when, so rebuild,"
        " later syncs and imports keep it out. Its archive entry is kept: nothing is lost, and --undo brings it"
        " back.",
        examples=[
            "ianaports remove-release 9999-12-31 --reason 'forged: dated in the future'",
            "ianaports remove-release 2025-11-20 --sha256 3f1c2a9b --reason 'truncated mirror copy'",
            "ianaports remove-release 9999-12-31 --undo",
        ],
    )
    remove.add_argument("date", metavar="DATE", type=date_argument, help="the release's <updated> date (YYYY-MM-DD)")
    remove.add_argument("--reason", metavar="TEXT", help="why it is removed (required; logged with it)")
    remove.add_argument(
        "--sha256", metavar="HEX", help="the release's sha256 or a prefix of it, when several share the date"
    )
    remove.add_argument("--undo", action="store_true", help="restore a removed release instead")
    add_cache_dir(remove)
    add_json_option(remove, "print the line logged and the number of releases left as JSON")


def cmd_backup(args: argparse.Namespace, out: Output) -> int:
    """Write a consistent copy of the whole store to one tar file."""
    from pathlib import Path  # noqa: PLC0415 - only for a backup

    _check_output_folder(args.output)  # before the store is read: exit 73, not 4
    with open_store(args.cache_dir) as store:
        releases = len(store.releases())
        if not releases and not store.archive.names():
            # A tar of nothing would pass for a backup; a store whose releases were all removed still has its archive.
            raise CacheError(f"nothing to back up: no release in {store.path} yet; run 'ianaports sync'")
        target = store.backup(args.output)
        path = store.path
    size = Path(target).stat().st_size
    if args.json:
        out.json(backup_to_json(path, output=Path(target).absolute(), releases=releases, size=size))
    else:
        out.message(
            f"ianaports: wrote a backup of {path} ({count_of(releases, 'release')}, {size / 1e6:.1f} MB) to {target}"
        )
    return EXIT_OK


def add_backup(commands: Commands) -> None:
    """Register ``backup``."""
    backup = add_command(
        commands,
        "backup",
        cmd_backup,
        help="write a consistent copy of the whole store to a tar file, even while a sync runs",
        description="Copy the index with SQLite's backup API and every archive entry (they never change) into "
        "one tar file. Extract it into an empty folder to restore: 'tar -xf FILE -C DIR'. Copying the store's "
        "folder is a complete backup too; at worst its index needs 'ianaports rebuild'.",
        examples=["ianaports backup ianaports-backup.tar", "ianaports backup /mnt/usb/ports.tar --json"],
    )
    backup.add_argument("output", metavar="FILE", type=path_argument, help="the tar file to write (atomically)")
    add_cache_dir(backup)
    add_json_option(backup, "print what was written as JSON")
