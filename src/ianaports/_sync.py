"""Refreshing the cache: sources in order -> fetch -> parse fully -> sanity guard -> store.

(The module is named ``_sync`` so that it never shadows the public
``ianaports.sync()`` function once imported.)

A source is an http(s) URL, a release file (``.xml``, ``.gz``, ``.xz``,
``.bz2``) or a folder of release files (every release in it is imported).
Sources are tried in order until one succeeds, so a mirror can stand behind
IANA's URL; each reports its own :class:`SourceOutcome`.
"""

from __future__ import annotations

import datetime as dt
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

from .errors import CacheError, FetchError, NotFoundError, ParseError, StaleDataWarning, SuspectReleaseError
from .store import ReleaseInfo, Store, resolve_cache_dir

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import requests

    from .fetch import Timeout
    from .registry import Registry

__all__ = [
    "DEFAULT_URL",
    "RELEASE_SUFFIXES",
    "SUSPECT_RATIO",
    "SourceOutcome",
    "SyncResult",
    "default_sources",
    "load",
    "sync",
    "versions",
]

DEFAULT_URL = "https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.xml"
#: A release with fewer records than this share of the previous one is refused unless forced.
SUSPECT_RATIO = 0.9
RELEASE_SUFFIXES = (".xml", ".gz", ".xz", ".bz2")
_LAST_CHECKED = "last_checked"

logger = logging.getLogger("ianaports")

Status = Literal["added", "unchanged", "not-modified", "failed", "refused"]
SourceLike = str | os.PathLike[str]


@attrs.frozen(kw_only=True)
class SourceOutcome:
    """What happened with one source.

    ``status`` is ``"added"`` (new releases stored), ``"unchanged"`` (the
    releases were already stored), ``"not-modified"`` (the server said so; nothing
    was downloaded), ``"failed"`` or ``"refused"`` (a suspect release).
    """

    source: str
    status: Status
    releases: tuple[ReleaseInfo, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the source answered with a good registry (new or not)."""
        return self.status in ("added", "unchanged", "not-modified")

    def to_json(self) -> dict[str, Any]:
        """The outcome as a JSON object."""
        return {
            "source": self.source,
            "status": self.status,
            "added": [release.to_json() for release in self.releases],
            "error": self.error,
        }


@attrs.frozen(kw_only=True)
class SyncResult:
    """What a sync did: one outcome per source tried, and the newest release now stored."""

    cache_dir: Path
    outcomes: tuple[SourceOutcome, ...]
    latest: ReleaseInfo | None

    @property
    def ok(self) -> bool:
        """True when one source succeeded."""
        return any(outcome.ok for outcome in self.outcomes)

    @property
    def added(self) -> tuple[ReleaseInfo, ...]:
        """Every release this sync stored, in the order stored."""
        return tuple(release for outcome in self.outcomes for release in outcome.releases)

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON object (``ianaports sync --json``)."""
        return {
            "cache_dir": str(self.cache_dir),
            "ok": self.ok,
            "latest": None if self.latest is None else self.latest.to_json(),
            "sources": [outcome.to_json() for outcome in self.outcomes],
        }


#: fetch.DEFAULT_TIMEOUT (connect, read) in seconds, repeated here so that
#: importing this module does not import requests; a test keeps them equal.
DEFAULT_TIMEOUT = (10.0, 60.0)


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
    timeout: Timeout = DEFAULT_TIMEOUT,
    force: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncResult:
    """Refresh the cache from *source* (default: :func:`default_sources`); return what happened.

    Sources are tried in order until one succeeds.  ``force`` skips the
    conditional request and accepts a release the sanity guard finds suspect.
    Raises :class:`FetchError` (or :class:`SuspectReleaseError`) when every
    source failed, and :class:`CacheError` when the cache cannot be written; in
    both cases the store is left exactly as it was.
    """
    result = attempt_sync(
        source, cache_dir=cache_dir, session=session, timeout=timeout, force=force, progress=progress, sleep=sleep
    )
    raise_for_failure(result)
    return result


def attempt_sync(
    source: SourceLike | Sequence[SourceLike] | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    session: requests.Session | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    force: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
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
    store = Store(cache_dir)
    outcomes: list[SourceOutcome] = []
    with store, store.lock():
        for item in sources:
            outcome = _sync_source(
                store, item, session=session, timeout=timeout, force=force, progress=progress, sleep=sleep
            )
            outcomes.append(outcome)
            if outcome.ok:
                store.set_meta(_LAST_CHECKED, _now().isoformat())
                break
        return SyncResult(cache_dir=store.path, outcomes=tuple(outcomes), latest=store.latest())


def raise_for_failure(result: SyncResult) -> None:
    """Raise the error :func:`sync` raises when no source in *result* succeeded."""
    if result.ok:
        return
    outcomes = result.outcomes
    summary = "; ".join(f"{outcome.source}: {outcome.error}" for outcome in outcomes)
    if all(outcome.status == "refused" for outcome in outcomes):
        raise SuspectReleaseError(summary)
    prefix = "could not fetch the registry from " if len(outcomes) == 1 else "no source answered: "
    raise FetchError(prefix + summary)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _sync_source(
    store: Store,
    source: str,
    *,
    session: requests.Session | None,
    timeout: Timeout,
    force: bool,
    progress: Callable[[int, int | None], None] | None,
    sleep: Callable[[float], None],
) -> SourceOutcome:
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", source) and not _is_url(source):
        # ftp://, file:// and the like would otherwise be misread as a missing file.
        return SourceOutcome(source=source, status="failed", error="only http:// and https:// URLs can be fetched")
    if _is_url(source):
        return _sync_url(store, source, session=session, timeout=timeout, force=force, progress=progress, sleep=sleep)
    path = Path(source).expanduser()
    if path.is_dir():
        files = sorted(child for child in path.iterdir() if child.is_file() and child.name.endswith(RELEASE_SUFFIXES))
        if not files:
            return SourceOutcome(source=source, status="failed", error="the folder holds no release file")
    elif path.is_file():
        files = [path]
    else:
        return SourceOutcome(source=source, status="failed", error="no such file or folder")
    added: list[ReleaseInfo] = []
    try:
        for file in files:
            data = _read_release(file)
            sha256 = hashlib.sha256(data).hexdigest()
            # A file already stored is known by its hash alone: no need to parse it again.
            info = store.find(sha256)
            if info is None:
                info = _import_bytes(store, data, sha256=sha256, source=str(file.resolve()), force=force)
                if info is not None:
                    added.append(info)
    except SuspectReleaseError as exc:
        return SourceOutcome(source=source, status="refused", releases=tuple(added), error=f"{file.name}: {exc}")
    except (FetchError, ParseError) as exc:
        return SourceOutcome(source=source, status="failed", releases=tuple(added), error=f"{file.name}: {exc}")
    return SourceOutcome(source=source, status="added" if added else "unchanged", releases=tuple(added))


def _read_release(path: Path) -> bytes:
    from .parser import read_source_bytes  # noqa: PLC0415 - lxml only when importing

    return read_source_bytes(path)


def _sync_url(
    store: Store,
    url: str,
    *,
    session: requests.Session | None,
    timeout: Timeout,
    force: bool,
    progress: Callable[[int, int | None], None] | None,
    sleep: Callable[[float], None],
) -> SourceOutcome:
    from .fetch import Validators, fetch  # noqa: PLC0415 - requests only when fetching

    meta_key = f"validators:{url}"
    stored = store.get_meta(meta_key)
    validators = None if force or stored is None else Validators.from_json(json.loads(stored))
    try:
        download = fetch(
            url,
            store.path,
            session=session,
            timeout=timeout,
            validators=validators,
            progress=progress,
            sleep=sleep,
        )
    except FetchError as exc:
        return SourceOutcome(source=url, status="failed", error=_strip_url(str(exc), url))
    if download.not_modified:
        return SourceOutcome(source=url, status="not-modified")
    if download.path is None:  # pragma: no cover - fetch gives a path for every 200
        raise FetchError(f"{url}: no body")
    try:
        try:
            info = _import_bytes(store, _read_release(download.path), source=url, force=force)
        except SuspectReleaseError as exc:
            return SourceOutcome(source=url, status="refused", error=str(exc))
        except ParseError as exc:
            reason = f"the download is not a valid, complete registry: {exc}"
            return SourceOutcome(source=url, status="failed", error=reason)
    finally:
        download.path.unlink(missing_ok=True)
    store.set_meta(meta_key, json.dumps(download.validators.to_json()))
    return SourceOutcome(
        source=url, status="unchanged" if info is None else "added", releases=() if info is None else (info,)
    )


def _strip_url(message: str, url: str) -> str:
    # The outcome already names its source; keep the reason only.
    for prefix in (f"cannot fetch {url}: ", f"{url} "):
        if message.startswith(prefix):
            return message.removeprefix(prefix)
    return message


def _import_bytes(
    store: Store, data: bytes, *, source: str, force: bool, sha256: str | None = None
) -> ReleaseInfo | None:
    from .parser import parse_bytes  # noqa: PLC0415 - lxml only when importing

    registry = parse_bytes(data)
    if not force:
        _guard(store, registry)
    digest = sha256 or hashlib.sha256(data).hexdigest()
    return store.add(registry, xml=data, sha256=digest, source=source)


def _guard(store: Store, registry: Registry) -> None:
    earlier = [release for release in store.releases() if release.updated <= registry.updated]
    if not earlier:
        return
    previous = earlier[-1]
    if len(registry) < SUSPECT_RATIO * previous.record_count:
        raise SuspectReleaseError(
            f"the release of {registry.updated} has {len(registry)} records, far fewer than the"
            f" {previous.record_count} of {previous.updated}; refused as suspect (use --force to accept it)"
        )


def versions(*, cache_dir: str | os.PathLike[str] | None = None) -> tuple[ReleaseInfo, ...]:
    """Every release in the cache, oldest first."""
    with Store(cache_dir) as store:
        return store.releases()


def _age(store: Store, latest: ReleaseInfo) -> dt.timedelta:
    checked = store.get_meta(_LAST_CHECKED)
    when = dt.datetime.fromisoformat(checked) if checked else latest.fetched_at
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

    An empty cache is filled by :func:`sync` first.  With *max_age* (a
    timedelta or seconds), a cache last checked longer ago is refreshed; when
    that fails the cached release is used with a :class:`StaleDataWarning`.
    *version* is a date, ``"latest"`` or ``"previous"``; *as_of* a date, naming
    the newest stored release on or before it.
    """
    folder = resolve_cache_dir(cache_dir)
    with Store(folder) as store:
        latest = store.latest()
        if latest is None:
            if version not in (None, "latest") or as_of is not None:
                raise NotFoundError(f"the cache at {folder} holds no release yet")
            logger.info("no registry in %s yet; syncing from %s", folder, " ".join(default_sources()))
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
