"""The Store: the archive and its index in one data folder, behind one API.

Writers hold the folder's lock; readers never lock.  A release is archived
(its file renamed into ``archive/``) and then indexed in one SQLite
transaction, so a reader sees it whole or not at all.  An index that a writer
could not finish (a crash, a full disk) only lags the archive: the next
writer indexes what is missing.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import gc
import hashlib
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ianaports._files import fsync_folder, replacing
from ianaports.errors import CacheError, InvalidArgumentError, NotFoundError
from ianaports.model import PORT_MAX, PortRange, Protocol, ServiceRecord

from . import codec, schema
from .archive import Archive, Entry
from .check import CheckReport, check_store
from .layout import ARCHIVE_DIR, DB_NAME, LOCK_NAME, LOCK_TIMEOUT_SECONDS, TEMP_PREFIX, notice, resolve_data_dir
from .write import Interned, chunks, insert_release, unpack_ids

if TYPE_CHECKING:
    import array
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from ianaports.changes import History, RegistryDiff
    from ianaports.registry import Registry

    from .view import ReleaseView

__all__ = ["CheckReport", "ReleaseInfo", "Store"]


#: What every message about a damaged index tells the user to run.
REBUILD_HINT = "run 'ianaports rebuild' to recreate it from the archive"


@attrs.frozen(kw_only=True)
class ReleaseInfo:
    """What the store knows about one release without loading its records."""

    updated: dt.date
    sha256: str
    record_count: int
    source: str
    fetched_at: dt.datetime
    title: str
    #: Position in date order, 0 for the oldest stored release.
    seq: int
    #: True when the store holds IANA's original bytes (see :meth:`Store.raw`).
    has_raw: bool = True

    def to_json(self) -> dict[str, Any]:
        """The release as a JSON object (used by ``ianaports versions --json``)."""
        return {
            "updated": self.updated.isoformat(),
            "sha256": self.sha256,
            "records": self.record_count,
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
            "title": self.title,
            "raw": self.has_raw,
        }


_RELEASE_COLUMNS = "updated, sha256, record_count, source, fetched_at, title, seq, kind"
_RECORD_SELECT = ", ".join(f"r.{column}" for column in codec.DECODED_COLUMNS)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _protocol_or_none(value: Protocol | str | None) -> str | None:
    return None if value is None else Protocol(str(value).lower()).value


class Store:
    """The archive and index in one data folder.

    Open it with ``Store(data_dir)``; the folder, archive and index are
    created on the first write, not on open.  Reads work in a read-only
    folder.  Use it as a context manager (or call :meth:`close`) to release
    the database.  ``cache_dir`` is the deprecated name of ``data_dir``.
    """

    def __init__(
        self, data_dir: str | os.PathLike[str] | None = None, *, cache_dir: str | os.PathLike[str] | None = None
    ) -> None:
        self.path = resolve_data_dir(data_dir, cache_dir)
        self.db_path = self.path / DB_NAME
        self.archive = Archive(self.path / ARCHIVE_DIR)
        self._connection: sqlite3.Connection | None = None
        self._read_only = False
        self._record_cache: dict[int, ServiceRecord] = {}
        self._decoder: codec.Decoder | None = None
        self._interned = Interned()
        self._lock_depth = 0

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}>"

    def __enter__(self) -> Store:  # noqa: PYI034 - Store is final; Self needs typing_extensions on 3.10
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database connection (a later call reopens it)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        # Another index may sit at the path when it is reopened.
        self._interned = Interned()
        self._record_cache = {}
        self._decoder = None

    # -- opening ---------------------------------------------------------

    def exists(self) -> bool:
        """True when the folder holds an index (possibly still empty)."""
        return self.db_path.is_file()

    def _has_archive(self) -> bool:
        return bool(self.archive.names())

    def _missing_index(self) -> CacheError:
        return CacheError(f"the index {self.db_path} is missing but the archive holds releases; {REBUILD_HINT}")

    def _connect(self, *, write: bool) -> sqlite3.Connection:
        if self._connection is not None and not (write and self._read_only):
            return self._connection
        self.close()
        if write:
            self._connection = self._open_for_writing()
            self._read_only = False
        else:
            self._connection = self._open_for_reading()
        return self._connection

    def _open_for_writing(self) -> sqlite3.Connection:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if not self.db_path.exists():
                if self._has_archive():
                    raise self._missing_index()
                self._create_index(self.db_path)
            connection = sqlite3.connect(self.db_path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot write the store at {self.path}: {_reason(exc)}") from exc
        try:
            connection.execute("PRAGMA foreign_keys = OFF")
            if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise CacheError(f"cannot use the store at {self.path}: WAL mode is not available")
            if self._versions(connection) != (schema.SCHEMA_VERSION, codec.CODEC_VERSION):
                connection.close()
                self._upgrade()
                return self._open_for_writing()
        except sqlite3.Error as exc:
            connection.close()
            raise self._damaged(exc) from exc
        except CacheError:
            connection.close()
            raise
        return connection

    def _create_index(self, path: Path, *, indexes: bool = True) -> None:
        """Create an empty index under a temporary name, then link it into place.

        A writer killed while creating it leaves a temporary file (swept by
        the next writer), never a database without tables that readers would
        take for a foreign file.  Linking fails if another writer won the race.
        """
        temp = path.with_name(f"{TEMP_PREFIX}{os.getpid()}.create.sqlite3")
        temp.unlink(missing_ok=True)
        connection = sqlite3.connect(temp, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            schema.create(connection, indexes=indexes)
        finally:
            connection.close()
        try:
            # Fails when another writer linked its index first, or on a file system
            # without hard links (the index is then created in place).
            with contextlib.suppress(OSError):
                os.link(temp, path)
        finally:
            temp.unlink(missing_ok=True)

    def _open_for_reading(self) -> sqlite3.Connection:
        if not self.db_path.is_file():
            if self._has_archive():
                raise self._missing_index()
            raise CacheError(f"there is no registry store at {self.path} yet")
        uri = self.db_path.resolve().as_uri()
        # A read-only folder or a full disk cannot hold WAL's -shm file; mode=ro
        # still reads a checkpointed database there, and immutable=1 is the last
        # resort, safe only when no WAL holds pages the main file lacks.
        attempts = [f"{uri}?mode=rw"] if os.access(self.path, os.W_OK) else []
        attempts.append(f"{uri}?mode=ro")
        if _file_size(self.db_path.with_name(self.db_path.name + "-wal")) == 0:
            attempts.append(f"{uri}?immutable=1")
        error: sqlite3.Error | None = None
        for attempt in attempts:
            try:
                connection = sqlite3.connect(attempt, uri=True, timeout=30.0, isolation_level=None)
            except sqlite3.Error as exc:
                error = exc
                continue
            try:
                # Opening is lazy: the first read is what fails in a read-only folder (no -shm file).
                found = self._versions(connection)
            except sqlite3.Error as exc:
                connection.close()
                error = exc
                if _is_busy(exc):
                    break  # a writer holds the database: reading around it could see a torn state
                if _is_corrupt(exc):
                    raise self._damaged(exc) from exc
                continue
            if found != (schema.SCHEMA_VERSION, codec.CODEC_VERSION):
                connection.close()
                self._upgrade()
                return self._open_for_reading()
            self._read_only = "mode=rw" not in attempt
            return connection
        if error is not None and _is_corrupt(error):
            raise self._damaged(error) from error
        raise CacheError(f"cannot read the index {self.db_path}: {_reason(error, self.path)}") from error

    def _versions(self, connection: sqlite3.Connection) -> tuple[int | None, int | None]:
        """The index's (schema, codec) versions; CacheError naming rebuild when it is no ianaports index."""
        found = schema.versions_of(connection)
        if found is None:
            raise CacheError(f"{self.db_path} is not an ianaports index; {REBUILD_HINT}")
        return found

    def _damaged(self, exc: BaseException) -> CacheError:
        if isinstance(exc, sqlite3.Error) and _is_corrupt(exc):
            return CacheError(f"the index {self.db_path} is corrupt ({exc}); {REBUILD_HINT}")
        return CacheError(f"cannot use the index {self.db_path}: {_reason(exc, self.path)}")

    def _upgrade(self) -> None:
        """Rebuild an index another version of ianaports wrote (the one-line notice goes to the logger)."""
        from . import legacy  # noqa: PLC0415 - only for stores of other versions

        if not os.access(self.path, os.W_OK):
            raise CacheError(
                f"the index {self.db_path} was written by another version of ianaports and the folder is"
                f" read-only; run 'ianaports rebuild' where it can be written"
            )
        kind = "converting" if legacy.is_legacy(self.db_path) else "rebuilding"
        notice(
            "ianaports: %s the index %s, written by another version of ianaports, from the archive", kind, self.db_path
        )
        self.rebuild()

    def _read(self) -> sqlite3.Connection:
        return self._connect(write=False)

    @contextlib.contextmanager
    def _query(self) -> Iterator[sqlite3.Connection]:
        connection = self._read()
        try:
            yield connection
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Run the reads inside in one read transaction, so they see one state of the index.

        A writer inserting an older release renumbers the ``seq`` of later
        ones; reads that combine a release's ``seq`` with other rows must not
        straddle such a commit.  Nested use joins the outer snapshot.
        """
        if not self.exists():
            yield
            return
        with self._query() as connection:
            if connection.in_transaction:
                outer = True
            else:
                outer = False
                connection.execute("BEGIN")
        try:
            yield
        except BaseException:
            if not outer and connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("COMMIT")
            raise
        if not outer and connection.in_transaction:
            try:
                connection.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise self._damaged(exc) from exc

    # -- writing ---------------------------------------------------------

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Hold the inter-process writer lock of this folder (reentrant within one Store).

        Taking it sweeps temporary files a killed writer left and indexes
        releases a killed writer archived but did not index.
        """
        return self._locked(catch_up=True)

    @contextlib.contextmanager
    def _locked(self, *, catch_up: bool) -> Iterator[None]:
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
            lock = filelock.FileLock(self.path / LOCK_NAME, timeout=LOCK_TIMEOUT_SECONDS)
            lock.acquire()
        except filelock.Timeout as exc:
            raise CacheError(f"another ianaports process holds {self.path / LOCK_NAME}") from exc
        except OSError as exc:
            raise CacheError(f"cannot write the store at {self.path}: {_reason(exc)}") from exc
        self._lock_depth = 1
        try:
            self._sweep_temp_files()
            if catch_up:
                self._index_pending()
            yield
        finally:
            self._lock_depth = 0
            lock.release()

    def _sweep_temp_files(self) -> None:
        """Remove temporary files a killed writer left behind; only lock holders make them, so none is live."""
        for folder in (self.path, self.archive.folder):
            with contextlib.suppress(OSError):
                for stale in folder.iterdir():
                    if stale.name.startswith((TEMP_PREFIX, ".ianaports-")) and stale.is_file():
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

    def _registry_of(self, name: str) -> tuple[Entry, Registry, bytes | None]:
        """An archived release, parsed (XML) or decoded (records), and its XML (None for records)."""
        entry, payload = self.archive.read(name)
        try:
            if entry.kind == "xml":
                from ianaports.parser import parse_bytes  # noqa: PLC0415 - lxml only when re-deriving

                registry = parse_bytes(payload)
            else:
                registry = codec.decode_release(payload)
        except (ValueError, KeyError, TypeError) as exc:
            raise CacheError(f"the archive entry {self.archive.folder / name} cannot be read back: {exc}") from exc
        return entry, registry, payload if entry.kind == "xml" else None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect(write=True)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._write_error(exc) from exc
        try:
            yield connection
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            connection.execute("ROLLBACK")
            raise self._write_error(exc) from exc
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _write_error(self, exc: sqlite3.Error) -> CacheError:
        if _is_corrupt(exc):
            return self._damaged(exc)
        return CacheError(f"cannot write the index {self.db_path}: {_reason(exc, self.path)}")

    def set_meta(self, key: str, value: str) -> None:
        """Store one metadata value (HTTP validators, last check time...)."""
        with self._transaction() as connection:
            connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        """One metadata value, or None (also when there is no store yet)."""
        if not self.exists() and not self._has_archive():
            return None
        with self._query() as connection:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

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
        *registry* is what it parses to.  Identity is IANA's ``<updated>``
        date plus the sha256 of *xml* (computed here unless given).  The
        archive entry is written first (temporary file, fsync, rename), then
        the index rows in one transaction.  The caller should hold :meth:`lock`.
        """
        digest = sha256 or hashlib.sha256(xml).hexdigest()
        updated = registry.updated
        with self._query_for_write() as connection:
            known = connection.execute(
                "SELECT kind FROM releases WHERE updated = ? AND sha256 = ?", (updated.isoformat(), digest)
            ).fetchone()
        if known is not None:
            if known[0] != "xml":
                self._attach_xml(registry, xml, digest, source=source, fetched_at=fetched_at)
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
        try:
            with self._transaction() as connection:
                seq, fetched = insert_release(connection, registry, entry, interned=self._interned, xml=xml)
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

    @contextlib.contextmanager
    def _query_for_write(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect(write=True)
        try:
            yield connection
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc

    # -- rebuilding --------------------------------------------------------

    def rebuild(self, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Recreate the whole index from the archive alone; return the number of releases indexed.

        The new index is built beside the old one and then copied into it in
        one transaction (readers see the old index or the new one), or put
        in its place when the old one is unreadable.  Metadata the old index
        held (HTTP validators, the last check time) is kept when it can be
        read.  An index of ianaports 0.1, which kept no archive, first has its
        releases archived (see ``docs/store.md``).  *progress* is called with
        (done, total) after each release.
        """
        from . import legacy  # noqa: PLC0415 - only for stores of other versions

        with self._locked(catch_up=False):
            self.close()
            if legacy.is_legacy(self.db_path):
                legacy.archive_releases(self.db_path, self.archive)
            meta = _readable_meta(self.db_path)
            temp = self.path / f"{TEMP_PREFIX}{os.getpid()}.rebuild.sqlite3"
            try:
                count = self._build_index(temp, meta, progress)
                self._install(temp)
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{temp}{suffix}").unlink(missing_ok=True)
        return count

    def _build_index(self, temp: Path, meta: dict[str, str], progress: Callable[[int, int], None] | None) -> int:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)
        self._create_index(temp)
        builder = Store(self.path)
        builder.db_path = temp
        builder._lock_depth = 1
        try:
            connection = builder._connect(write=True)
            connection.execute("PRAGMA synchronous = OFF")
            connection.executemany(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                [(key, value) for key, value in meta.items() if key not in ("schema_version", "codec_version")],
            )
            entries = self._entries_to_index()
            for done, name in enumerate(entries, start=1):
                entry, registry, xml = self._registry_of(name)
                builder._insert(registry, entry, xml)
                if progress is not None:
                    progress(done, len(entries))
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise CacheError(f"cannot write the index {temp}: {_reason(exc, self.path)}") from exc
        finally:
            builder.close()
        return len(entries)

    def _entries_to_index(self) -> list[str]:
        """One archive entry per release (its XML where kept), in date order."""
        chosen: dict[tuple[str, str], Entry] = {}
        for entry in self.archive.entries():
            key = (entry.updated.isoformat(), entry.sha256)
            if key not in chosen or (entry.kind == "xml" and chosen[key].kind != "xml"):
                chosen[key] = entry
        ordered = sorted(chosen.values(), key=lambda entry: (entry.updated, entry.stored_at, entry.name))
        return [entry.name for entry in ordered]

    def _install(self, temp: Path) -> None:
        """Put the index built at *temp* in place of the live one."""
        if self.db_path.is_file():
            try:
                source = sqlite3.connect(temp)
                try:
                    target = sqlite3.connect(self.db_path, timeout=LOCK_TIMEOUT_SECONDS)
                    try:
                        source.backup(target)
                    finally:
                        target.close()
                finally:
                    source.close()
            except sqlite3.DatabaseError as exc:
                if not _is_corrupt(exc):
                    raise CacheError(f"cannot write the index {self.db_path}: {_reason(exc, self.path)}") from exc
            else:
                return
        # No index, or one too damaged to write into: nothing can read it anyway.
        try:
            for suffix in ("-wal", "-shm", ""):
                Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
            temp.replace(self.db_path)
            fsync_folder(self.path)
        except OSError as exc:
            raise CacheError(f"cannot write the index {self.db_path}: {_reason(exc)}") from exc

    # -- reading ---------------------------------------------------------

    def releases(self) -> tuple[ReleaseInfo, ...]:
        """Every stored release, oldest first (``()`` when the store is empty)."""
        if not self.exists():
            if self._has_archive():
                raise self._missing_index()
            return ()
        with self._query() as connection:
            rows = connection.execute(f"SELECT {_RELEASE_COLUMNS} FROM releases ORDER BY seq").fetchall()  # noqa: S608 - fixed columns
        return tuple(_release_info(row) for row in rows)

    def find(self, sha256: str) -> ReleaseInfo | None:
        """The stored release whose archived XML has this sha256, or None (cheaper than parsing the file to ask).

        A release stored without its XML (by ianaports 0.1) is not found, so
        importing its file again archives the file.
        """
        if not self.exists():
            if self._has_archive():
                raise self._missing_index()
            return None
        with self._query() as connection:
            row = connection.execute(
                f"SELECT {_RELEASE_COLUMNS} FROM releases WHERE sha256 = ? AND kind = 'xml' ORDER BY seq DESC LIMIT 1",  # noqa: S608
                (sha256,),
            ).fetchone()
        return None if row is None else _release_info(row)

    def latest(self) -> ReleaseInfo | None:
        """The newest stored release, or None when the store is empty."""
        releases = self.releases()
        return releases[-1] if releases else None

    def release(self, version: str | dt.date | None = "latest", *, as_of: str | dt.date | None = None) -> ReleaseInfo:
        """The release named by *version* (a date or ISO string, ``"latest"`` or ``"previous"``) or *as_of*.

        ``as_of=DATE`` names the newest release on or before that date.
        Several releases may carry one date (IANA re-published a day's file);
        the last one stored for that date is returned.  Raises
        :class:`NotFoundError` when there is no such release.
        """
        releases = self.releases()
        if not releases:
            raise NotFoundError(f"the store at {self.path} holds no release yet")
        if as_of is not None:
            if version not in (None, "latest"):
                raise InvalidArgumentError("give a version or as_of, not both")
            day = _parse_version(as_of)
            earlier = [release for release in releases if release.updated <= day]
            if not earlier:
                raise NotFoundError(
                    f"no release stored on or before {day.isoformat()} (the oldest is {releases[0].updated})"
                )
            return earlier[-1]
        if version is None or version == "latest":
            return releases[-1]
        if version == "previous":
            if len(releases) < 2:  # noqa: PLR2004 - the newest and the one before it
                raise NotFoundError(f"the store at {self.path} holds only one release")
            return releases[-2]
        wanted = _parse_version(version)
        matching = [release for release in releases if release.updated == wanted]
        if not matching:
            known = ", ".join(release.updated.isoformat() for release in releases[-5:])
            raise NotFoundError(f"no release of {wanted.isoformat()} in the store (newest: {known})")
        return matching[-1]

    def raw(self, version: str | dt.date | None = "latest", *, as_of: str | dt.date | None = None) -> bytes:
        """The exact bytes IANA published for a stored release (checked against its sha256).

        Raises :class:`NotFoundError` for a release whose XML was never kept
        (stored by ianaports 0.1, which kept only the newest file).
        """
        with self._snapshot():
            info = self.release(version, as_of=as_of)
            with self._query() as connection:
                row = connection.execute(
                    "SELECT archive, kind FROM releases WHERE updated = ? AND sha256 = ? ORDER BY seq DESC LIMIT 1",
                    (info.updated.isoformat(), info.sha256),
                ).fetchone()
        name, kind = row
        if kind != "xml":
            raise NotFoundError(
                f"the original XML of the release of {info.updated} was not kept: ianaports 0.1 stored it"
                " without its file (import that file again to archive it)"
            )
        entry, payload = self.archive.read(name)
        if entry.sha256 != info.sha256:
            raise CacheError(f"the archive entry {self.archive.folder / name} is not the release it is indexed as")
        return payload

    def load(self, version: str | dt.date | None = "latest", *, as_of: str | dt.date | None = None) -> Registry:
        """Rebuild the named release as a :class:`Registry` from the index (no XML parsing)."""
        from ianaports.registry import Registry  # noqa: PLC0415 - imported on use to keep start-up fast

        with self._snapshot(), _collector_paused():
            info = self.release(version, as_of=as_of)
            with self._query() as connection:
                row = connection.execute(
                    "SELECT members, people, footnotes FROM releases WHERE seq = ?", (info.seq,)
                ).fetchone()
                members = unpack_ids(row[0])
                decoder = self._new_decoder()
                people_ids = unpack_ids(row[1])
                decoder.add_people(self._people_rows(connection, people_ids))
                rows = connection.execute(
                    f"SELECT r.id, {_RECORD_SELECT} FROM presence p JOIN records r ON r.id = p.record_id"  # noqa: S608
                    " WHERE p.last_seq >= ?1 AND p.first_seq <= ?1",
                    (info.seq,),
                ).fetchall()
                records = decoder.records(rows)
        try:
            ordered = tuple([records[record_id] for record_id in members])
            people = {decoder.people[person].id: decoder.people[person] for person in people_ids}
        except KeyError as exc:
            raise CacheError(
                f"the index {self.db_path} is inconsistent (row {exc} is missing); {REBUILD_HINT}"
            ) from exc
        return Registry(
            title=info.title,
            updated=info.updated,
            records=ordered,
            people=people,
            footnotes=codec.decode_footnotes(row[2]),
        )

    def _new_decoder(self) -> codec.Decoder:
        def fetch(ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
            with self._query() as connection:
                return {row[0]: row[1:] for row in self._people_rows(connection, ids)}

        return codec.Decoder(fetch)

    def _people_rows(self, connection: sqlite3.Connection, ids: Iterable[int]) -> list[tuple[Any, ...]]:
        wanted = list(ids)
        rows: list[tuple[Any, ...]] = []
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows.extend(
                connection.execute(
                    f"SELECT id, person_id, name, org, uri, updated FROM people WHERE id IN ({marks})",  # noqa: S608 - only placeholders
                    chunk,
                )
            )
        return rows

    def view(self, version: str | dt.date | None = "latest", *, as_of: str | dt.date | None = None) -> ReleaseView:
        """A release answering lookups straight from the index, without loading it whole."""
        from .view import ReleaseView  # noqa: PLC0415 - the view needs the store, not the other way

        return ReleaseView(self, self.release(version, as_of=as_of))

    def _members(self, info: ReleaseInfo) -> array.array[int]:
        # By identity, not by seq: a release inserted before this one since *info* was read moves its seq.
        with self._query() as connection:
            row = connection.execute(
                "SELECT members FROM releases WHERE updated = ? AND sha256 = ? ORDER BY seq DESC LIMIT 1",
                (info.updated.isoformat(), info.sha256),
            ).fetchone()
        if row is None:
            raise CacheError(f"the release of {info.updated} is no longer in the index {self.db_path}")
        return unpack_ids(row[0])

    def _records(self, record_ids: Iterable[int]) -> dict[int, ServiceRecord]:
        missing = [record_id for record_id in set(record_ids) if record_id not in self._record_cache]
        if missing:
            if self._decoder is None:
                self._decoder = self._new_decoder()
            with self._query() as connection:
                for chunk in chunks(missing):
                    marks = ",".join("?" * len(chunk))
                    query = f"SELECT r.id, {_RECORD_SELECT} FROM records r WHERE r.id IN ({marks})"  # noqa: S608 - only placeholders
                    self._record_cache.update(self._decoder.records(connection.execute(query, chunk)))
        return self._record_cache

    def _candidates(
        self, *, port: int | None = None, span: PortRange | None = None, name: str | None = None, protocol: str | None
    ) -> list[int]:
        clauses: list[str] = []
        parameters: list[object] = []
        if port is not None:
            span = PortRange(port, port)
        if span is not None:
            clauses.append("port_start <= ? AND port_end >= ?")
            parameters += [span.end, span.start]
        if name is not None:
            clauses.append("name_lower = ?")
            parameters.append(name.strip().lower())
        if protocol is not None:
            clauses.append("protocol = ?")
            parameters.append(protocol)
        if not clauses:
            raise InvalidArgumentError("name a port, a span or a name")
        query = f"SELECT id FROM records WHERE {' AND '.join(clauses)}"  # noqa: S608 - fixed clauses, values bound
        with self._query() as connection:
            return [row[0] for row in connection.execute(query, parameters)]

    def _search_candidates(self, needle: str) -> list[tuple[int, str | None, str]]:
        """Ids, names and descriptions of records that may contain *needle* (lower case) in either.

        A superset, cheap to compute: the caller confirms each one.  SQLite's
        LIKE folds ASCII case only, so records with any non-ASCII name or
        description are always candidates.
        """
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # SQLite refuses a LIKE pattern over 50,000 bytes ("pattern too complex"); a needle that long
        # is read by a full scan instead, which the caller's check narrows just the same.
        if len(pattern.encode("utf-8")) > _LIKE_PATTERN_MAX_BYTES:
            query, parameters = "SELECT id, name, description FROM records", {}
        else:
            query = (
                "SELECT id, name, description FROM records WHERE name LIKE :pattern ESCAPE '\\'"
                " OR description LIKE :pattern ESCAPE '\\'"
                " OR length(CAST(description AS BLOB)) != length(description)"
                " OR length(CAST(name AS BLOB)) != length(name)"
            )
            parameters = {"pattern": pattern}
        with self._query() as connection:
            return connection.execute(query, parameters).fetchall()

    def _runs(self, record_ids: Sequence[int]) -> list[tuple[int, int, int]]:
        runs: list[tuple[int, int, int]] = []
        with self._query() as connection:
            for chunk in chunks(list(record_ids)):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT record_id, first_seq, last_seq FROM presence WHERE record_id IN ({marks})"  # noqa: S608
                runs.extend(connection.execute(query, chunk))
        return runs

    def _epochs(self) -> dict[int, int | None]:
        with self._query() as connection:
            return dict(connection.execute("SELECT seq, epoch FROM releases").fetchall())

    def _order_keys(self, record_ids: Iterable[int]) -> dict[tuple[int, int], float]:
        ids = list(record_ids)
        keys: dict[tuple[int, int], float] = {}
        with self._query() as connection:
            for chunk in chunks(ids):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT record_id, epoch, key FROM order_keys WHERE record_id IN ({marks})"  # noqa: S608
                keys.update(((record_id, epoch), key) for record_id, epoch, key in connection.execute(query, chunk))
        return keys

    def _select(
        self, release: ReleaseInfo, matched: Iterable[int], *, epoch: int | None, keys: dict[tuple[int, int], float]
    ) -> list[int]:
        ids = set(matched)
        if epoch is None:
            # A release repeating a record has no key order: read its own member list.
            return [record_id for record_id in self._members(release) if record_id in ids] if ids else []
        if len(ids) < 2:  # noqa: PLR2004 - one record has no order to find
            return list(ids)
        return sorted(ids, key=lambda record_id: keys[record_id, epoch])

    def snapshots(
        self, *, port: int | None = None, name: str | None = None, protocol: Protocol | str | None = None
    ) -> list[tuple[dt.date, tuple[ServiceRecord, ...]]]:
        """For every stored release, oldest first: its date and its records matching *port* or *name*.

        A record matches *port* when its span holds it, and *name*
        case-insensitively; *protocol* narrows further.  Records come in the
        release's file order, rebuilt from the index without parsing any XML.
        """
        if (port is None) == (name is None):
            raise InvalidArgumentError("give exactly one of port and name")
        if port is not None and not 0 <= port <= PORT_MAX:
            raise InvalidArgumentError(f"port must be within 0-{PORT_MAX}, not {port}")
        with self._snapshot():
            releases = self.releases()
            if not releases:
                return []
            candidates = self._candidates(port=port, name=name, protocol=_protocol_or_none(protocol))
            runs = self._runs(candidates)
            keys = self._order_keys(candidates)
            epochs = self._epochs()
            present: dict[int, list[int]] = {release.seq: [] for release in releases}
            newest = len(releases) - 1
            for record_id, first, last in runs:
                for seq in range(first, min(last, newest) + 1):
                    present[seq].append(record_id)
            records = self._records(candidates)
            result = []
            for release in releases:
                chosen = self._select(release, present[release.seq], epoch=epochs[release.seq], keys=keys)
                result.append((release.updated, tuple(records[record_id] for record_id in chosen)))
        return result

    def history(
        self, *, port: int | None = None, name: str | None = None, protocol: Protocol | str | None = None
    ) -> History:
        """When the records holding *port* (or named *name*) appeared, changed and disappeared.

        Built from :meth:`snapshots` by :func:`ianaports.changes.history`, so no
        release is parsed or loaded whole.  An empty store gives an empty history.
        """
        from ianaports.changes import history  # noqa: PLC0415 - the store does not need diff to open

        return history(self.snapshots(port=port, name=name, protocol=protocol), port=port, name=name, protocol=protocol)

    def diff(self, old: str | dt.date = "previous", new: str | dt.date = "latest") -> RegistryDiff:
        """What changed from stored release *old* to *new* (each a date, ``"latest"`` or ``"previous"``).

        Equal to ``diff(store.load(old), store.load(new))``, but records the two
        releases share (same stored content) are only counted: just the
        identities where something differs are rebuilt and compared.
        """
        from ianaports.changes import diff_subsets  # noqa: PLC0415 - the store does not need diff to open

        with self._snapshot():
            old_info, new_info = self.release(old), self.release(new)
            old_members, new_members = self._members(old_info), self._members(new_info)
        old_counts, new_counts = collections.Counter(old_members), collections.Counter(new_members)
        differing = [
            record_id for record_id in old_counts | new_counts if old_counts[record_id] != new_counts[record_id]
        ]
        # Duplicates pair within their identity, so every record sharing an
        # identity with a differing one takes part, changed or not.
        involved = self._sharing_identity(differing)
        old_ids = [record_id for record_id in old_members if record_id in involved]
        new_ids = [record_id for record_id in new_members if record_id in involved]
        records = self._records([*old_ids, *new_ids])
        return diff_subsets(
            old_info.updated,
            [records[record_id] for record_id in old_ids],
            new_info.updated,
            [records[record_id] for record_id in new_ids],
            unchanged_elsewhere=len(old_members) - len(old_ids),
        )

    def _sharing_identity(self, record_ids: Sequence[int]) -> set[int]:
        """The ids of every stored record with the diff identity of one of *record_ids*.

        Identity is (lower-case name, protocol, first port, last port), read
        from the indexed columns; the answer spans all releases, so callers
        intersect it with a release's members.
        """
        identities: set[tuple[object, ...]] = set()
        found: set[int] = set()
        with self._query() as connection:
            for chunk in chunks(record_ids):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT name_lower, protocol, port_start, port_end FROM records WHERE id IN ({marks})"  # noqa: S608 - only placeholders
                identities.update(connection.execute(query, chunk))
            for identity in identities:
                found.update(
                    row[0]
                    for row in connection.execute(
                        "SELECT id FROM records WHERE name_lower IS ? AND protocol IS ? AND port_start IS ?"
                        " AND port_end IS ?",
                        identity,
                    )
                )
        return found

    # -- backup and checks -------------------------------------------------

    def backup(self, path: str | os.PathLike[str]) -> Path:
        """Write a complete, consistent copy of the store to *path* (a tar file); return its path.

        The index is copied with SQLite's backup API, so the copy is
        consistent even while another process syncs; archive entries are
        immutable and copied as they are.  Extract the tar into an empty data
        folder to restore.
        """
        import tarfile  # noqa: PLC0415 - only backups need it
        import tempfile  # noqa: PLC0415 - same

        target = Path(path).expanduser()
        with tempfile.TemporaryDirectory(prefix="ianaports-backup-") as scratch:
            snapshot = Path(scratch) / DB_NAME
            has_index = self.exists()
            if has_index:
                with self._query() as connection:
                    copy = sqlite3.connect(snapshot)
                    try:
                        connection.backup(copy)
                        # A copy reads as a plain database: no -wal file travels with it.
                        copy.execute("PRAGMA journal_mode = DELETE")
                    finally:
                        copy.close()
            # Listed after the index was copied: every entry the copy names is already archived.
            names = self.archive.names()
            with replacing(target, what="the backup ") as handle, tarfile.open(fileobj=handle, mode="w") as tar:
                if has_index:
                    tar.add(snapshot, arcname=DB_NAME)
                for name in names:
                    tar.add(self.archive.folder / name, arcname=f"{ARCHIVE_DIR}/{name}")
        return target

    def check(self) -> list[str]:
        """Check the whole store; return the problems found (``[]`` when it is sound)."""
        return list(self.check_report().problems)

    def check_report(self) -> CheckReport:
        """Check every archive entry's sha256, the index's own consistency and its agreement with the archive."""
        return check_store(self)


# -- helpers --------------------------------------------------------------------

#: Longer LIKE patterns are not sent to SQLite, whose default limit is 50,000 bytes (a build may set less).
_LIKE_PATTERN_MAX_BYTES = 10_000


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a release's ~40,000 acyclic objects are built.

    Each allocation burst would otherwise trigger collections that walk the
    whole heap; they find nothing here (records hold no cycles) and cost a
    third of a load.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _release_info(row: Sequence[Any]) -> ReleaseInfo:
    updated, sha256, count, source, fetched_at, title, seq, kind = row
    return ReleaseInfo(
        updated=dt.date.fromisoformat(updated),
        sha256=sha256,
        record_count=count,
        source=source,
        fetched_at=dt.datetime.fromisoformat(fetched_at),
        title=title,
        seq=seq,
        has_raw=kind == "xml",
    )


def _readable_meta(db_path: Path) -> dict[str, str]:
    """The meta table of the index at *db_path*, or ``{}`` when it cannot be read."""
    if not db_path.is_file():
        return {}
    try:
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return {str(key): str(value) for key, value in connection.execute("SELECT key, value FROM meta")}
        finally:
            connection.close()
    except sqlite3.Error:
        return {}


def _parse_version(version: str | dt.date) -> dt.date:
    if isinstance(version, dt.date):
        return version
    try:
        return dt.date.fromisoformat(version.strip())
    except ValueError:
        raise NotFoundError(f"a version is a date (YYYY-MM-DD), 'latest' or 'previous', not {version!r}") from None


def _reason(exc: BaseException | None, folder: Path | None = None) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    # SQLite says "disk I/O error" when it cannot grow its -shm file: name the real cause.
    if isinstance(exc, sqlite3.Error) and folder is not None and _disk_full(folder):
        return f"{exc} (the disk holding it is full)"
    return str(exc)


def _file_size(path: Path) -> int:
    """The size of *path*: 0 when it does not exist, -1 when it cannot be known."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
    except OSError:
        return -1


_SQLITE_BUSY_CODES = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_SQLITE_CORRUPT_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # pragma: no cover - Python 3.10 has no sqlite_errorcode
        return "locked" in str(exc)
    return int(code) & 0xFF in _SQLITE_BUSY_CODES


def _is_corrupt(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and int(code) & 0xFF in _SQLITE_CORRUPT_CODES:
        return True
    text = str(exc)
    return "not a database" in text or "malformed" in text


def _disk_full(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        return False
    return stats.f_bavail == 0
