"""Refreshing the cache: sources in order -> fetch -> parse fully -> sanity guard -> store.

(The module is named ``_sync`` so that it never shadows the public
``ianaports.sync()`` function once imported.)

A source is an http(s) URL, a release file (``.xml``, ``.gz``, ``.xz``,
``.bz2``) or a folder of release files (every release in it is imported).
Sources are tried in order until one succeeds, so a mirror can stand behind
IANA's URL; each reports its own :class:`SourceOutcome`.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import re
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._collector import collector_paused
from ._urls import redact_url
from .errors import (
    CacheError,
    FetchError,
    InvalidArgumentError,
    NotFoundError,
    ParseError,
    StaleDataWarning,
    SuspectReleaseError,
)
from .registry import port_overlap
from .store import ReleaseInfo, Store, resolve_cache_dir
from .store.layout import LOCK_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    import requests

    from .fetch import Timeout, Validators
    from .registry import Registry
    from .sources import Candidate, LocalSource

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_URL",
    "FUTURE_MARGIN_DAYS",
    "RECENT_DAYS",
    "SUSPECT_FIRST_RECORDS",
    "SUSPECT_GROWTH",
    "SUSPECT_OVERLAP",
    "SUSPECT_RATIO",
    "FileFailure",
    "ImportProgress",
    "SourceOutcome",
    "SyncResult",
    "default_sources",
    "load",
    "sync",
    "versions",
]

DEFAULT_URL = "https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xml"
#: A release with fewer records than this share of the largest recent one is refused unless forced.
SUSPECT_RATIO = 0.9
#: The guard's "recent" releases: the newest stored and every one dated up to this many days before it.
RECENT_DAYS = 365
#: How many days after today an ``<updated>`` may be (time zones, a file published early); later is refused.
FUTURE_MARGIN_DAYS = 2
#: A release with more than this many times the records of the largest stored one is refused unless forced.
SUSPECT_GROWTH = 2.0
#: With nothing stored to compare with, a release of more records than this is refused unless forced (real: 14,496).
SUSPECT_FIRST_RECORDS = 100_000
#: A release where more spans than this hold one port is refused unless forced (every real one: 2).
SUSPECT_OVERLAP = 64
_LAST_CHECKED = "last_checked"
#: A file of the data folder whose modification time says when a source last answered 304 Not
#: Modified: touching it writes neither the index nor anything that would need an fsync.
_CHECKED_MARK = "last-checked"

logger = logging.getLogger("ianaports")

Status = Literal["added", "unchanged", "not-modified", "failed", "refused"]
SourceLike = str | os.PathLike[str]


@attrs.frozen(kw_only=True)
class FileFailure:
    """One release of a folder or repository that could not be imported, and why."""

    name: str
    error: str
    #: True when the sanity guard refused it as suspect (``--force`` accepts it).
    refused: bool = False

    def to_json(self) -> dict[str, Any]:
        """The failure as a JSON object."""
        return {"name": self.name, "error": self.error, "refused": self.refused}


@attrs.frozen(kw_only=True)
class ImportProgress:
    """Where a folder or repository import stands, given to the ``on_import`` callback after each release."""

    #: Releases handled so far (stored, already stored or failed) and in all.
    done: int
    total: int
    #: The release just handled: its name and ``<updated>`` date (None when unknown).
    name: str
    updated: dt.date | None
    #: Seconds since the import began.
    elapsed: float

    @property
    def eta(self) -> float | None:
        """Seconds left at the pace so far; None before the first release."""
        if self.done == 0:
            return None
        return self.elapsed / self.done * (self.total - self.done)


@attrs.frozen(kw_only=True)
class SourceOutcome:
    """What happened with one source.

    ``status`` is ``"added"`` (new releases stored), ``"unchanged"`` (the
    releases were already stored), ``"not-modified"`` (the server said so; nothing
    was downloaded), ``"failed"`` or ``"refused"`` (a suspect release).  A folder
    or repository keeps going past a release it cannot import: each is in
    ``failures``, the others are stored, and the status is ``"failed"`` (or
    ``"refused"`` when every failure is a suspect release).

    ``releases`` holds every release stored, in order; those older than the
    newest release stored before (``newest_before``, a stale mirror or a
    backfill) are also in ``history``: kept, but not news.
    """

    source: str
    status: Status
    releases: tuple[ReleaseInfo, ...] = ()
    error: str | None = None
    failures: tuple[FileFailure, ...] = ()
    #: Releases the source holds that were stored already (skipped by their sha256).
    already_stored: int = 0
    #: The newest release's date in the store when this source began.
    newest_before: dt.date | None = None

    @property
    def ok(self) -> bool:
        """True when the source answered with a good registry (new or not)."""
        return self.status in ("added", "unchanged", "not-modified")

    @property
    def history(self) -> tuple[ReleaseInfo, ...]:
        """The releases stored that are older than the newest one stored before: kept as history."""
        before = self.newest_before
        return () if before is None else tuple(release for release in self.releases if release.updated < before)

    @property
    def news(self) -> tuple[ReleaseInfo, ...]:
        """The releases stored that are not history: what is new."""
        history = self.history
        return tuple(release for release in self.releases if release not in history)

    def to_json(self) -> dict[str, Any]:
        """The outcome as a JSON object."""
        return {
            "source": self.source,
            "status": self.status,
            "added": [release.to_json() for release in self.releases],
            "history": [release.to_json() for release in self.history],
            "newest_before": None if self.newest_before is None else self.newest_before.isoformat(),
            "already_stored": self.already_stored,
            "failures": [failure.to_json() for failure in self.failures],
            "error": self.error,
        }


@attrs.frozen(kw_only=True)
class SyncResult:
    """What a sync did: one outcome per source tried, and the newest release now stored."""

    #: The store's folder.
    data_dir: Path
    outcomes: tuple[SourceOutcome, ...]
    latest: ReleaseInfo | None
    #: The release an empty store was seeded with from the data package, before the sources.
    seeded: ReleaseInfo | None = None

    @property
    def cache_dir(self) -> Path:
        """The store's folder under its deprecated name (:attr:`data_dir`)."""
        return self.data_dir

    @property
    def ok(self) -> bool:
        """True when one source succeeded."""
        return any(outcome.ok for outcome in self.outcomes)

    @property
    def added(self) -> tuple[ReleaseInfo, ...]:
        """Every release this sync stored, in the order stored (history included)."""
        return tuple(release for outcome in self.outcomes for release in outcome.releases)

    @property
    def history(self) -> tuple[ReleaseInfo, ...]:
        """The releases this sync stored as history: older than the newest already stored."""
        return tuple(release for outcome in self.outcomes for release in outcome.history)

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON object (``ianaports sync --json``)."""
        return {
            "data_dir": str(self.data_dir),
            # Keys are never removed from a document (docs/schema.md): the deprecated name stays beside it.
            "cache_dir": str(self.data_dir),
            "ok": self.ok,
            "latest": None if self.latest is None else self.latest.to_json(),
            "seeded": None if self.seeded is None else self.seeded.to_json(),
            "sources": [outcome.to_json() for outcome in self.outcomes],
        }


#: fetch.DEFAULT_TIMEOUT and DEFAULT_RETRIES, repeated here so that importing
#: this module does not import requests; a test keeps them equal.
DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRIES = 3
#: Seconds a whole sync may spend on the network: every attempt of every URL source, and the waits between.
DEFAULT_DEADLINE = 120.0
#: The environment variables that set sync's network settings when an argument does not.
TIMEOUT_ENV, RETRIES_ENV, DEADLINE_ENV = "IANAPORTS_TIMEOUT", "IANAPORTS_RETRIES", "IANAPORTS_DEADLINE"
LOCK_TIMEOUT_ENV = "IANAPORTS_LOCK_TIMEOUT"
#: Seconds a sync waits for another writer's lock (store.layout.LOCK_TIMEOUT_SECONDS); apart from the deadline.
DEFAULT_LOCK_TIMEOUT = LOCK_TIMEOUT_SECONDS


def _seconds_setting(value: float | None, variable: str, default: float, name: str, *, zero: bool = False) -> float:
    """*value*, else the number of seconds in $*variable*, else *default*; above 0 (or 0 with *zero*)."""
    if value is None:
        text = os.environ.get(variable, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            raise InvalidArgumentError(f"${variable} must be a number of seconds, not {text!r}") from None
        where = f"${variable}"
    else:
        where = name
    finite = not isinstance(value, bool) and isinstance(value, int | float) and value < float("inf")
    if not finite or not (value >= 0 if zero else value > 0):
        least = "0 or more" if zero else "above 0"
        raise InvalidArgumentError(f"{where} must be a number of seconds {least}, not {value!r}")
    return float(value)


def _retries_setting(value: int | None) -> int:
    """*value*, else $IANAPORTS_RETRIES, else :data:`DEFAULT_RETRIES`; 0 or more."""
    if value is None:
        text = os.environ.get(RETRIES_ENV, "").strip()
        if not text:
            return DEFAULT_RETRIES
        if not (text.isascii() and text.isdigit()):
            raise InvalidArgumentError(f"${RETRIES_ENV} must be a whole number of retries, not {text!r}")
        return int(text)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgumentError(f"retries must be a whole number, 0 or more, not {value!r}")
    return value


def default_sources() -> list[str]:
    """``$IANAPORTS_URL`` (several may be given, separated by spaces), else IANA's URL."""
    configured = os.environ.get("IANAPORTS_URL", "").split()
    return configured or [DEFAULT_URL]


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def sync(
    source: SourceLike | Sequence[SourceLike] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    session: requests.Session | None = None,
    timeout: Timeout | None = None,
    retries: int | None = None,
    deadline: float | None = None,
    lock_timeout: float | None = None,
    force: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    git_ref: str | None = None,
    git_path: str | None = None,
    on_import: Callable[[ImportProgress], None] | None = None,
    on_retry: Callable[[str, str, float], None] | None = None,
) -> SyncResult:
    """Refresh the cache from *source* (default: :func:`default_sources`); return what happened.

    Sources are tried in order until one succeeds.  ``force`` skips the
    conditional request and accepts a release the sanity guard finds suspect.
    ``progress`` hears of a download's bytes; ``on_import`` is called with an
    :class:`ImportProgress` after each release of a folder or repository.

    A git repository source (work tree or bare) imports every version of
    ``service-names-port-numbers.xml`` (or *git_path*) committed on its current
    branch (or *git_ref*).  Folders and repositories import in ``<updated>``
    order, keep going past a file that is not a registry, and commit each
    release on its own, so an interrupted import resumes where it stopped
    (a release already stored is known by its sha256, without parsing).

    *timeout* is the most one download attempt may take in seconds (connecting,
    the headers and the whole body; default ``$IANAPORTS_TIMEOUT``, else 60),
    *retries* how often a timeout, a reset connection, 429 or 5xx is tried
    again (default ``$IANAPORTS_RETRIES``, else 3), and *deadline* the most
    the whole sync may spend on the network, every attempt of every URL source
    and the waits between them included (default ``$IANAPORTS_DEADLINE``, else
    120).  A refused connection, a DNS or TLS failure and a protocol violation
    are not retried: the next source is tried at once.  ``on_retry`` hears of
    each retry: the source (its password hidden), why, and the seconds it
    waits first.  The writer lock is held only while a release is stored,
    never during a download; another writer's lock is waited for at most
    *lock_timeout* seconds (0: not at all; default ``$IANAPORTS_LOCK_TIMEOUT``,
    else 300), apart from the deadline.

    Raises :class:`FetchError` (or :class:`SuspectReleaseError`) when every
    source failed, :class:`CacheError` when the cache cannot be written (in
    both cases every release committed before stays stored), and
    :class:`InvalidArgumentError` for a timeout, retry count or deadline
    (or its environment variable) that is not one.
    """
    result = attempt_sync(
        source,
        cache_dir=cache_dir,
        session=session,
        timeout=timeout,
        retries=retries,
        deadline=deadline,
        lock_timeout=lock_timeout,
        force=force,
        progress=progress,
        sleep=sleep,
        git_ref=git_ref,
        git_path=git_path,
        on_import=on_import,
        on_retry=on_retry,
    )
    raise_for_failure(result)
    return result


@attrs.frozen(kw_only=True)
class _Options:
    """How to sync, handed down to each source."""

    session: requests.Session | None
    timeout: Timeout
    retries: int
    #: The time.monotonic() the sources began (after the first lock), and the seconds the network may take from then.
    started: float
    deadline: float
    lock_timeout: float
    force: bool
    progress: Callable[[int, int | None], None] | None
    sleep: Callable[[float], None]
    git_ref: str | None
    git_path: str | None
    on_import: Callable[[ImportProgress], None] | None
    on_retry: Callable[[str, str, float], None] | None


def attempt_sync(
    source: SourceLike | Sequence[SourceLike] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    session: requests.Session | None = None,
    timeout: Timeout | None = None,
    retries: int | None = None,
    deadline: float | None = None,
    lock_timeout: float | None = None,
    force: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    git_ref: str | None = None,
    git_path: str | None = None,
    on_import: Callable[[ImportProgress], None] | None = None,
    on_retry: Callable[[str, str, float], None] | None = None,
) -> SyncResult:
    """Do what :func:`sync` does, but return the outcomes when every source failed instead of raising.

    The CLI uses it to report failed sources as JSON before it reports the error.
    """
    if source is None:
        sources = default_sources()
    elif isinstance(source, str | os.PathLike):
        sources = [os.fspath(source)]
    else:
        sources = [os.fspath(item) for item in source]
    if not sources:
        raise FetchError("no source to sync from")
    limit = _seconds_setting(deadline, DEADLINE_ENV, DEFAULT_DEADLINE, "the deadline")
    if not isinstance(timeout, tuple):  # a (connect, attempt) pair goes to fetch as it is
        timeout = _seconds_setting(timeout, TIMEOUT_ENV, DEFAULT_TIMEOUT, "the timeout")
    options = _Options(
        session=session,
        timeout=timeout,
        retries=_retries_setting(retries),
        started=time.monotonic(),
        deadline=limit,
        lock_timeout=_seconds_setting(
            lock_timeout, LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT, "the lock timeout", zero=True
        ),
        force=force,
        progress=progress,
        sleep=sleep,
        git_ref=git_ref,
        git_path=git_path,
        on_import=on_import,
        on_retry=on_retry,
    )
    store = Store(cache_dir)
    outcomes: list[SourceOutcome] = []
    with store:
        # Taking the lock catches up on what a killed writer left; it is released again for the downloads.
        with store.lock(timeout=options.lock_timeout):
            if force:
                store.verify_index()
            seeded = _seed(store)
        options = attrs.evolve(options, started=time.monotonic())  # waiting for the lock is not network time
        for item in sources:
            outcome = _sync_source(store, item, options)
            outcomes.append(outcome)
            if outcome.status == "not-modified":
                _mark_checked(store.path)  # nothing changed: no database write, no fsync
                break
            if outcome.ok:
                with store.lock(timeout=options.lock_timeout):
                    store.set_meta(_LAST_CHECKED, _now().isoformat())
                break
        return SyncResult(data_dir=store.path, outcomes=tuple(outcomes), latest=store.latest(), seeded=seeded)


def _seed(store: Store) -> ReleaseInfo | None:
    """Store the data package's release in an empty store, so that its history starts there."""
    if store.latest() is not None:
        return None
    from .datapkg import installed  # noqa: PLC0415 - only an empty store looks for the package

    package = installed()
    if package is None:
        return None
    return store.add(package.registry(), xml=package.xml(), sha256=package.sha256, source=package.label)


def raise_for_failure(result: SyncResult) -> None:
    """Raise the error :func:`sync` raises when no source in *result* succeeded."""
    if result.ok:
        return
    outcomes = result.outcomes
    summary = "; ".join(_failure_text(outcome.source, outcome.error) for outcome in outcomes)
    if all(outcome.status == "refused" for outcome in outcomes):
        raise SuspectReleaseError(summary)
    if len(outcomes) > 1:
        prefix = "no source answered: "
    elif _is_url(outcomes[0].source):
        prefix = "could not fetch the registry from "
    else:
        prefix = "could not import from "
    raise FetchError(prefix + summary)


def _failure_text(source: str, error: str | None) -> str:
    """``SOURCE: reason``, without naming the source twice when the reason starts with it."""
    text = str(error)
    return text if text.startswith(f"{source}: ") else f"{source}: {text}"


def _mark_checked(folder: Path) -> None:
    """Record that the store was checked now, as the modification time of :data:`_CHECKED_MARK`."""
    mark = folder / _CHECKED_MARK
    with contextlib.suppress(OSError):  # a folder we cannot write: the next sync asks again
        try:
            os.utime(mark)
        except FileNotFoundError:
            mark.touch()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _sync_source(store: Store, source: str, options: _Options) -> SourceOutcome:
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", source) and not _is_url(source):
        # ftp://, file:// and the like would otherwise be misread as a missing file.
        return SourceOutcome(
            source=redact_url(source), status="failed", error="only http:// and https:// URLs can be fetched"
        )
    latest = store.latest()
    if _is_url(source):
        outcome = _sync_url(store, source, options)
    else:
        with store.lock(timeout=options.lock_timeout):
            outcome = _sync_local(store, source, options)
    return attrs.evolve(outcome, newest_before=None if latest is None else latest.updated)


#: How releases of a folder or repository are parsed: "serial" one after the other, "thread" the next
#: one while this one is stored.  With the archive store, the thread's GIL contention costs more than
#: the overlap gains (390 releases: 107-110 s serial, 116-119 s with the thread; docs/performance.md).
_PARSE_AHEAD: Literal["thread", "serial"] = "serial"


@attrs.define
class _Step:
    """One release of a local source on its way to the store."""

    candidate: Candidate
    data: bytes | None = None
    sha256: str | None = None
    #: The release as stored already (found by its hash), if it is.
    stored: ReleaseInfo | None = None
    error: ParseError | None = None
    #: The same content as a release before it in this source.
    duplicate: bool = False
    parsed: Callable[[], Registry] | None = None


def _sync_local(store: Store, source: str, options: _Options) -> SourceOutcome:
    from .sources import open_local_source  # noqa: PLC0415 - lxml only when importing

    started = time.monotonic()
    try:
        local = open_local_source(Path(source).expanduser(), git_ref=options.git_ref, git_path=options.git_path)
    except FetchError as exc:
        return SourceOutcome(source=source, status="failed", error=str(exc))
    with local:
        try:
            candidates = local.candidates()
        except FetchError as exc:
            return SourceOutcome(source=source, status="failed", error=str(exc))
        importer = _LocalImport(store, local, candidates, options)
        importer.run(started)
    return _local_outcome(source, importer.added, importer.failures, already=importer.already, total=len(candidates))


class _LocalImport:
    """Import a local source's releases in order: read, hash, skip the stored, parse (a release ahead), store."""

    def __init__(self, store: Store, local: LocalSource, candidates: list[Candidate], options: _Options) -> None:
        self.store = store
        self.local = local
        self.candidates = candidates
        self.options = options
        self.added: list[ReleaseInfo] = []
        self.failures: list[FileFailure] = []
        self.already = 0
        self.seen: set[str] = set()

    def run(self, started: float) -> None:
        from .parser import ReleaseParser  # noqa: PLC0415 - lxml only when importing

        # Releases are parsed in import order, each reusing the records of the one before that did not change.
        parse_bytes = ReleaseParser().parse

        # A release already stored is known by its hash alone: no need to read or parse it again.
        known = {candidate.key: self.store.find(candidate.sha256) for candidate in self.candidates if candidate.sha256}
        contents = self.local.read_many(
            [candidate for candidate in self.candidates if known.get(candidate.key) is None]
        )
        ahead = 1 if _PARSE_AHEAD == "thread" and len(self.candidates) > 1 else 0
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=1) if ahead else None
        steps: collections.deque[_Step] = collections.deque()
        done = 0
        try:
            for candidate in self.candidates:
                step = self._prepare(candidate, known.get(candidate.key), contents)
                if step.data is not None and step.stored is None and not step.duplicate:
                    if executor is None:
                        step.parsed = functools.partial(parse_bytes, step.data)
                    else:
                        step.parsed = executor.submit(parse_bytes, step.data).result
                steps.append(step)
                while len(steps) > ahead:
                    done += 1
                    with collector_paused():
                        self._finish(steps.popleft(), done, started)
            while steps:
                done += 1
                with collector_paused():
                    self._finish(steps.popleft(), done, started)
        finally:
            contents.close()
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    def _prepare(
        self,
        candidate: Candidate,
        stored: ReleaseInfo | None,
        contents: Iterator[tuple[Candidate, bytes | ParseError]],
    ) -> _Step:
        if stored is not None:
            return _Step(candidate=candidate, sha256=candidate.sha256, stored=stored)
        _, content = next(contents)
        if isinstance(content, ParseError):
            return _Step(candidate=candidate, error=content)
        sha256 = candidate.sha256 or hashlib.sha256(content).hexdigest()
        if sha256 in self.seen:  # the same release twice in one folder (plain and compressed, say)
            return _Step(candidate=candidate, data=content, sha256=sha256, duplicate=True)
        self.seen.add(sha256)
        stored = None if candidate.sha256 else self.store.find(sha256)
        return _Step(candidate=candidate, data=content, sha256=sha256, stored=stored)

    def _finish(self, step: _Step, done: int, started: float) -> None:
        candidate = step.candidate
        info = step.stored
        try:
            if step.error is not None:
                raise step.error
            if step.duplicate and step.sha256 is not None:
                info = self.store.find(step.sha256)
            if info is not None:
                self.already += 1
            elif step.parsed is not None and step.data is not None and step.sha256 is not None:
                info = _import_bytes(
                    self.store,
                    step.data,
                    sha256=step.sha256,
                    source=candidate.origin,
                    force=self.options.force,
                    registry=step.parsed(),
                )
                if info is not None:
                    self.added.append(info)
        except SuspectReleaseError as exc:
            self.failures.append(FileFailure(name=candidate.name, error=str(exc), refused=True))
        except (FetchError, ParseError) as exc:
            self.failures.append(FileFailure(name=candidate.name, error=str(exc)))
        if self.options.on_import is not None:
            self.options.on_import(
                ImportProgress(
                    done=done,
                    total=len(self.candidates),
                    name=candidate.name,
                    updated=candidate.updated,
                    elapsed=time.monotonic() - started,
                )
            )


def _local_outcome(
    source: str, added: list[ReleaseInfo], failures: list[FileFailure], *, already: int, total: int
) -> SourceOutcome:
    if not failures:
        status: Status = "added" if added else "unchanged"
        return SourceOutcome(source=source, status=status, releases=tuple(added), already_stored=already)
    shown = "; ".join(f"{failure.name}: {failure.error}" for failure in failures[:3])
    more = f"; and {len(failures) - 3} more" if len(failures) > 3 else ""  # noqa: PLR2004 - three named
    error = shown + more if total == 1 else f"{len(failures)} of {total} releases could not be imported: {shown}{more}"
    return SourceOutcome(
        source=source,
        status="refused" if all(failure.refused for failure in failures) else "failed",
        releases=tuple(added),
        error=error,
        failures=tuple(failures),
        already_stored=already,
    )


def _read_release(data: bytes) -> bytes:
    from .parser import read_source_bytes  # noqa: PLC0415 - lxml only when importing

    return read_source_bytes(data)


def _sync_url(store: Store, url: str, options: _Options) -> SourceOutcome:
    from .fetch import Validators, fetch  # noqa: PLC0415 - requests only when fetching

    # What is stored, shown and keyed never holds the URL's password.
    shown = redact_url(url)
    meta_key = f"validators:{shown}"
    stored = store.get_meta(meta_key)
    # Validators only ask "changed since the copy I have?": with no release stored there is no copy.
    have_copy = stored is not None and not options.force and store.latest() is not None
    validators = _stored_validators(stored, Validators) if have_copy else None
    if time.monotonic() >= options.started + options.deadline:
        return SourceOutcome(
            source=shown, status="failed", error=f"not tried: the sync's {options.deadline:g} s deadline had passed"
        )
    try:
        download = fetch(
            url,
            session=options.session,
            timeout=options.timeout,
            retries=options.retries,
            deadline=options.deadline,
            started=options.started,
            validators=validators,
            progress=options.progress,
            sleep=options.sleep,
            on_retry=None if options.on_retry is None else functools.partial(options.on_retry, shown),
        )
    except FetchError as exc:
        return SourceOutcome(source=shown, status="failed", error=_strip_url(str(exc), shown))
    if download.not_modified:
        return SourceOutcome(source=shown, status="not-modified")
    if download.data is None:  # pragma: no cover - fetch gives a body for every 200
        raise FetchError(f"{shown}: no body")
    from .parser import parse_bytes  # noqa: PLC0415 - lxml only when importing

    try:
        data = _read_release(download.data)
        registry = parse_bytes(data)
    except ParseError as exc:
        return SourceOutcome(
            source=shown, status="failed", error=f"the download is not a valid, complete registry: {exc}"
        )
    with store.lock(timeout=options.lock_timeout):
        newest = store.latest()
        try:
            info = _import_bytes(store, data, source=shown, force=options.force, registry=registry)
        except SuspectReleaseError as exc:
            return SourceOutcome(source=shown, status="refused", error=str(exc))
        except ParseError as exc:
            reason = f"the download is not a valid, complete registry: {exc}"
            return SourceOutcome(source=shown, status="failed", error=reason)
        store.set_meta(meta_key, json.dumps(download.validators.to_json()))
    _warn_if_older(shown, registry, newest)
    return SourceOutcome(
        source=shown, status="unchanged" if info is None else "added", releases=() if info is None else (info,)
    )


def _stored_validators(stored: str | None, kind: type[Validators]) -> Validators | None:
    """The validators stored for a URL; None when there are none or they do not read back (the fetch is then whole)."""
    if stored is None:
        return None
    try:
        data = json.loads(stored)
        return kind.from_json(data) if isinstance(data, dict) else None
    except ValueError:
        return None


def _strip_url(message: str, url: str) -> str:
    # The outcome already names its source; keep the reason only.
    for prefix in (f"cannot fetch {url}: ", f"{url} "):
        if message.startswith(prefix):
            return message.removeprefix(prefix)
    return message


def _import_bytes(
    store: Store,
    data: bytes,
    *,
    source: str,
    force: bool,
    sha256: str | None = None,
    registry: Registry | None = None,
) -> ReleaseInfo | None:
    from .parser import parse_bytes  # noqa: PLC0415 - lxml only when importing

    registry = parse_bytes(data) if registry is None else registry
    if not force:
        _guard(store, registry)
        _guard_shape(store, registry)
    digest = sha256 or hashlib.sha256(data).hexdigest()
    return store.add(registry, xml=data, sha256=digest, source=source)


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _guard(store: Store, registry: Registry) -> None:
    """Refuse a release that looks forged or broken (``force`` skips this); SuspectReleaseError says why.

    * Its ``<updated>`` is more than :data:`FUTURE_MARGIN_DAYS` after today:
      it would stay "latest" until that date, whatever IANA publishes.
    * It has fewer than :data:`SUSPECT_RATIO` of the records of the largest
      *recent* release (the newest stored, every release dated up to
      :data:`RECENT_DAYS` before it, and the one stored just before its own
      date), whatever its date: an old date does not escape the check, and a
      chain of releases each a little smaller cannot ratchet the registry down.
    * It has fewer records than a release of the same date already stored: a
      re-publication that drops records must not quietly replace the day's file.
    """
    today = _today()
    if registry.updated > today + dt.timedelta(days=FUTURE_MARGIN_DAYS):
        raise SuspectReleaseError(
            f"the release is dated {registry.updated}, after today ({today}); refused as suspect"
            " (use --force to accept it)"
        )
    releases = store.releases()
    if not releases:
        return
    since = releases[-1].updated - dt.timedelta(days=RECENT_DAYS)
    compared = [release for release in releases if release.updated >= since]
    compared += [release for release in releases if release.updated <= registry.updated][-1:]
    largest = max(compared, key=lambda release: (release.record_count, release.updated))
    if len(registry) < SUSPECT_RATIO * largest.record_count:
        raise SuspectReleaseError(
            f"the release of {registry.updated} has {len(registry)} records, far fewer than the"
            f" {largest.record_count} of {largest.updated}; refused as suspect (use --force to accept it)"
        )
    same_day = [release for release in releases if release.updated == registry.updated]
    if same_day and len(registry) < max(release.record_count for release in same_day):
        raise SuspectReleaseError(
            f"the release of {registry.updated} has {len(registry)} records, fewer than the"
            f" {max(release.record_count for release in same_day)} of the release of that date already stored;"
            " refused as suspect (use --force to accept it)"
        )


def _warn_if_older(url: str, registry: Registry, newest: ReleaseInfo | None) -> None:
    """Say so when a URL serves an older release than the newest stored (a stale or rolled-back mirror)."""
    if newest is not None and registry.updated < newest.updated:
        logger.warning(
            "ianaports: %s serves the release of %s, older than the newest stored (%s); is it a stale mirror?",
            url,
            registry.updated,
            newest.updated,
        )


def _guard_shape(store: Store, registry: Registry) -> None:
    # Valid but hostile: far more records than any stored release, or spans
    # nested far deeper than any real release, which makes every answer long.
    largest = max((release.record_count for release in store.releases()), default=None)
    if largest is not None and len(registry) > SUSPECT_GROWTH * largest:
        raise SuspectReleaseError(
            f"the release of {registry.updated} has {len(registry)} records, more than {SUSPECT_GROWTH:g} times"
            f" the {largest} of the largest stored release; refused as suspect (use --force to accept it)"
        )
    if largest is None and len(registry) > SUSPECT_FIRST_RECORDS:
        raise SuspectReleaseError(
            f"the release of {registry.updated} has {len(registry)} records, more than the {SUSPECT_FIRST_RECORDS}"
            " a first release may have (real ones have about 14,500); refused as suspect (use --force to accept it)"
        )
    depth, port = port_overlap(registry)
    if depth > SUSPECT_OVERLAP:
        raise SuspectReleaseError(
            f"the release of {registry.updated} has {depth} spans holding port {port}, where real releases have"
            f" at most 2 (limit {SUSPECT_OVERLAP}); refused as suspect (use --force to accept it)"
        )


def _bundled(version: str | dt.date | None, as_of: str | dt.date | None) -> Registry | None:
    """The data package's registry for an empty store, announced by a :class:`StaleDataWarning`."""
    from .datapkg import bundled_release, fallback_message  # noqa: PLC0415 - only for an empty store

    found = bundled_release(version, as_of)
    if found is None:
        return None
    warnings.warn(fallback_message(found[0]), StaleDataWarning, stacklevel=3)
    return found[1]


def versions(*, cache_dir: str | os.PathLike[str] | None = None) -> tuple[ReleaseInfo, ...]:
    """Every release in the cache, oldest first."""
    with Store(cache_dir) as store:
        return store.releases()


def _age(store: Store, latest: ReleaseInfo) -> dt.timedelta:
    checked = store.get_meta(_LAST_CHECKED)
    try:
        when = dt.datetime.fromisoformat(checked) if checked else latest.fetched_at
    except (ValueError, TypeError):  # a damaged value: as old as can be, so it is refreshed
        return dt.timedelta.max
    with contextlib.suppress(OSError):  # the newer of the index's time and the 304's mark
        marked = dt.datetime.fromtimestamp((store.path / _CHECKED_MARK).stat().st_mtime, dt.timezone.utc)
        when = max(when, marked)
    return _now() - when


def describe_age(age: dt.timedelta) -> str:
    """``"3 days"``, ``"5 hours"``, ``"12 minutes"``: how old a cache is, for people."""
    seconds = int(age.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


def load(
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    version: str | dt.date | None = None,
    max_age: dt.timedelta | float | None = None,
    session: requests.Session | None = None,
    as_of: str | dt.date | None = None,
) -> Registry:
    """The newest (or the named) release from the cache, as a :class:`Registry`.

    An empty cache is filled by :func:`sync` first, unless the data package
    (``pip install "ianaports[data]"``) holds the release asked for: then it
    answers, offline, with a :class:`StaleDataWarning` naming its release.  With *max_age* (a
    timedelta or seconds), a cache last checked longer ago is refreshed; when
    that fails the cached release is used with a :class:`StaleDataWarning`.
    *version* is a date, ``"latest"`` or ``"previous"``; *as_of* a date, naming
    the newest stored release on or before it.
    """
    folder = resolve_cache_dir(cache_dir)
    with Store(folder) as store:
        latest = store.latest()
        if latest is None:
            bundled = _bundled(version, as_of)
            if bundled is not None:
                return bundled
            if version not in (None, "latest") or as_of is not None:
                raise NotFoundError(f"the cache at {folder} holds no release yet")
            shown = " ".join(redact_url(source) for source in default_sources())
            logger.info("no registry in %s yet; syncing from %s", folder, shown)
            sync(cache_dir=folder, session=session)
        elif max_age is not None and version in (None, "latest") and as_of is None:
            limit = max_age if isinstance(max_age, dt.timedelta) else dt.timedelta(seconds=max_age)
            age = _age(store, latest)
            if age > limit:
                try:
                    sync(cache_dir=folder, session=session)
                except (FetchError, CacheError) as exc:
                    warnings.warn(
                        f"using the cached registry of {latest.updated}, last checked {describe_age(age)} ago,"
                        f" because it could not be refreshed: {exc}",
                        StaleDataWarning,
                        stacklevel=2,
                    )
        return store.load(version, as_of=as_of)
