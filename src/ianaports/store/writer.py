"""The writer side of the store: the folder's lock, and adding a release (archive first, then index).

Writers hold the folder's lock; readers never lock.  A release is archived
(its file renamed into ``archive/``) and then indexed in one SQLite
transaction (:mod:`.write` writes its rows), so a reader sees it whole or not
at all.  An index that a writer could not finish (a crash, a full disk) only
lags the archive: the next writer to take the lock indexes what is missing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING

from ianaports.errors import CacheError

from . import codec, search
from .connection import reason
from .layout import LOCK_NAME, LOCK_TIMEOUT_SECONDS, TEMP_PREFIXES, notice
from .reader import Reader, ReleaseInfo, _release_info

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ianaports.parser import ReleaseParser
    from ianaports.registry import Registry

    from .archive import Entry

__all__ = ["Writer"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


class Writer(Reader):
    """The writer side of :class:`~ianaports.store.Store`: locking, adding releases, metadata."""

    def lock(self, *, timeout: float | None = None) -> contextlib.AbstractContextManager[None]:
        """Hold the inter-process writer lock of this folder (reentrant within one Store).

        Another writer's lock is waited for at most *timeout* seconds (default
        :data:`~ianaports.store.layout.LOCK_TIMEOUT_SECONDS`), then
        :class:`CacheError`.  Taking it sweeps temporary files a killed writer
        left and indexes releases a killed writer archived but did not index.
        """
        return self._locked(catch_up=True, timeout=timeout)

    @contextlib.contextmanager
    def _locked(self, *, catch_up: bool, timeout: float | None = None) -> Iterator[None]:
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        import filelock  # noqa: PLC0415 - writers only

        try:
            self.path.mkdir(parents=True, exist_ok=True)
            waited = LOCK_TIMEOUT_SECONDS if timeout is None else timeout
            lock = filelock.FileLock(self.path / LOCK_NAME, timeout=waited)
            lock.acquire()
        except filelock.Timeout as exc:
            raise CacheError(
                f"another ianaports process holds {self.path / LOCK_NAME}: gave up waiting for it after {waited:g} s"
                " (a long import or sync? try again when it ends)"
            ) from exc
        except OSError as exc:
            raise CacheError(f"cannot write the store at {self.path}: {reason(exc)}") from exc
        self._lock_depth = 1
        self.archive.keep_listing(keep=True)
        try:
            self._sweep_temp_files()
            if catch_up:
                self._index_pending()
            yield
        finally:
            self.archive.keep_listing(keep=False)
            self._lock_depth = 0
            lock.release()

    def _sweep_temp_files(self) -> None:
        """Remove temporary files a killed writer left behind; only lock holders make them, so none is live."""
        for folder in (self.path, self.archive.folder):
            with contextlib.suppress(OSError):
                for stale in folder.iterdir():
                    if stale.name.startswith(TEMP_PREFIXES) and stale.is_file():
                        stale.unlink(missing_ok=True)

    def _index_pending(self) -> None:
        """Index the archived releases the index lacks (a writer killed between the two steps)."""
        if not self.exists() and not self._has_archive():
            return
        pending = self._pending()
        for name in pending:
            entry, registry, xml = self._registry_of(name)
            self._insert(registry, entry, xml)

    def _pending(self) -> list[str]:
        """Archive entries of releases the index does not hold."""
        names = self.archive.names()
        if not names:
            return []
        with self._query() as connection:
            known = {
                (updated, sha256[:16]) for updated, sha256 in connection.execute("SELECT updated, sha256 FROM releases")
            }
        # A removed release stays archived, and out of the index.
        known.update((updated.isoformat(), sha256[:16]) for updated, sha256 in self.archive.removed())
        pending: dict[tuple[str, str], str] = {}
        for name in names:
            updated, sha16, kind = name.split(".")[:3]
            key = (updated, sha16)
            if key in known:
                continue
            # The original XML wins over a release kept as records.
            if key not in pending or kind == "xml":
                pending[key] = name
        return sorted(pending.values())

    def _registry_of(self, name: str, parser: ReleaseParser | None = None) -> tuple[Entry, Registry, bytes | None]:
        """An archived release, parsed (XML) or decoded (records), and its XML (None for records).

        *parser*, given the entries in date order, reuses the records of the one before.
        """
        entry, payload = self.archive.read(name)
        try:
            if entry.kind == "xml":
                from ianaports.parser import parse_bytes  # noqa: PLC0415 - lxml only when re-deriving

                registry = parse_bytes(payload) if parser is None else parser.parse(payload)
            else:
                registry = codec.decode_release(payload)
        except (ValueError, KeyError, TypeError) as exc:
            raise CacheError(f"the archive entry {self.archive.folder / name} cannot be read back: {exc}") from exc
        return entry, registry, payload if entry.kind == "xml" else None

    def set_meta(self, key: str, value: str) -> None:
        """Store one metadata value (HTTP validators, last check time...)."""
        with self._transaction() as connection:
            connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def add(
        self,
        registry: Registry,
        *,
        xml: bytes,
        source: str,
        fetched_at: dt.datetime | None = None,
        sha256: str | None = None,
    ) -> ReleaseInfo | None:
        """Archive and index one release; return it, or None when that release was already stored.

        *xml* is IANA's original file, which the archive keeps byte-exact;
        *registry* is what it parses to.  A release's entry is named by IANA's
        ``<updated>`` date plus the sha256 of *xml* (computed here unless
        given); a release of that date with other bytes but equal content (the
        same file re-encoded) is the same release, and None is returned.  The
        archive entry is written first (temporary file, fsync, rename), then
        the index rows in one transaction.  The caller should hold :meth:`lock`.

        A release removed from this store (:meth:`remove_release`) is not
        stored again: None, and a notice naming the removal.
        """
        import hashlib  # noqa: PLC0415 - on write: a read command does not fingerprint

        digest = sha256 or hashlib.sha256(xml).hexdigest()
        updated = registry.updated
        removal = self.archive.removed().get((updated, digest))
        if removal is not None:
            notice(
                "ianaports: not storing the release of %s again: it was removed from this store on %s (%s);"
                " 'ianaports remove-release %s --undo' brings it back",
                updated,
                removal.at.date(),
                removal.reason,
                updated,
            )
            return None
        with self._query_for_write() as connection:
            known = connection.execute(
                "SELECT kind FROM releases WHERE updated = ? AND sha256 = ?", (updated.isoformat(), digest)
            ).fetchone()
        if known is not None:
            if known[0] != "xml":
                self._attach_xml(registry, xml, digest, source=source, fetched_at=fetched_at)
            return None
        same = self._same_content(registry, digest)
        if same is not None:
            notice(
                "ianaports: %s holds the release of %s already stored (sha256 %s) in other bytes; keeping the first",
                source,
                updated,
                same.sha256[:16],
            )
            return None
        entry = self.archive.write(
            xml,
            kind="xml",
            updated=updated,
            sha256=digest,
            source=source,
            fetched_at=fetched_at or _now(),
            records=len(registry),
            payload_sha256=digest,
        )
        return self._insert(registry, entry, xml)

    def _same_content(self, registry: Registry, sha256: str) -> ReleaseInfo | None:
        """A stored release of *registry*'s date with other bytes but the same content, or None.

        A release's identity is its content (title, records, people,
        footnotes), not its bytes: the same file re-encoded (UTF-16, other
        namespace prefixes, other quoting) is not a second release of its date.
        """
        with self._query_for_write() as connection:
            rows = connection.execute(
                "SELECT updated, sha256, record_count, source, fetched_at, title, seq, kind FROM releases"
                " WHERE updated = ? AND sha256 != ? AND record_count = ? ORDER BY seq",
                (registry.updated.isoformat(), sha256, len(registry)),
            ).fetchall()
        with self._decoding():
            candidates = [_release_info(row) for row in rows]
        return next((info for info in candidates if self._load(info) == registry), None)

    def _attach_xml(
        self, registry: Registry, xml: bytes, sha256: str, *, source: str, fetched_at: dt.datetime | None
    ) -> None:
        """Archive the original XML of a release the index holds from records only, and point the index at it."""
        entry = self.archive.write(
            xml,
            kind="xml",
            updated=registry.updated,
            sha256=sha256,
            source=source,
            fetched_at=fetched_at or _now(),
            records=len(registry),
        )
        with self._transaction() as connection:
            connection.execute(
                "UPDATE releases SET archive = ?, kind = 'xml' WHERE updated = ? AND sha256 = ?",
                (entry.name, registry.updated.isoformat(), sha256),
            )

    def _insert(self, registry: Registry, entry: Entry, xml: bytes | None = None) -> ReleaseInfo:
        from . import write  # noqa: PLC0415 - on write: read commands never load the row writer

        try:
            with self._transaction() as connection:
                seq, fetched = write.insert_release(connection, registry, entry, interned=self._interned, xml=xml)
                search.fill(connection)  # the search index holds every record, in the same transaction
        except BaseException:
            self._interned.rollback()
            raise
        self._interned.commit()
        return ReleaseInfo(
            updated=registry.updated,
            sha256=entry.sha256,
            record_count=len(registry),
            source=entry.source,
            fetched_at=fetched,
            title=registry.title,
            seq=seq,
            has_raw=entry.kind == "xml",
        )
