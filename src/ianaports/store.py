"""The local cache and version store: every fact about disk lives here.

One cache folder holds:

``ianaports.sqlite3``
    A SQLite database (WAL mode) with every release ever imported.  Record
    contents are stored once (``records``, keyed by the sha256 of their
    canonical JSON); a release is its metadata plus the ordered list of its
    record ids (a zlib-compressed ``uint32`` array); ``presence`` keeps, per
    record, the runs of consecutive releases that contain it, so the history
    of one port or name is a few index lookups.
``raw/``
    The newest release's XML, xz-compressed, so a newer parser can re-derive
    everything.
``ianaports.lock``
    The inter-process lock every writer holds.

Readers never lock: a release is written in one SQLite transaction, so a
reader sees it whole or not at all.
"""

from __future__ import annotations

import array
import collections
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import lzma
import os
import sqlite3
import sys
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .errors import CacheError, InvalidArgumentError, NotFoundError
from .model import PORT_MAX, PortRange, Protocol, ServiceRecord

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from .changes import History, RegistryDiff
    from .model import Person
    from .registry import Registry

__all__ = [
    "DB_NAME",
    "LOCK_NAME",
    "RAW_DIR",
    "SCHEMA_VERSION",
    "ReleaseInfo",
    "ReleaseView",
    "Store",
    "default_cache_dir",
    "resolve_cache_dir",
]

SCHEMA_VERSION = 1
DB_NAME = "ianaports.sqlite3"
LOCK_NAME = "ianaports.lock"
RAW_DIR = "raw"
#: Temporary files (downloads, raw XML being written) start with this prefix.
TEMP_PREFIX = ".tmp-"
#: xz level of the kept XML: level 1 takes an eighth of level 6's time for a 20 % larger file.
RAW_XZ_PRESET = 1
#: How long a writer waits for another one before giving up.
LOCK_TIMEOUT_SECONDS = 300.0

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    name_lower TEXT,
    protocol TEXT,
    port_start INTEGER,
    port_end INTEGER,
    body TEXT NOT NULL
);
CREATE INDEX records_name ON records (name_lower);
CREATE INDEX records_port ON records (port_start, port_end);
CREATE TABLE people (id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    updated TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    source TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    title TEXT NOT NULL,
    footnotes TEXT NOT NULL,
    people BLOB NOT NULL,
    members BLOB NOT NULL,
    epoch INTEGER,
    UNIQUE (updated, sha256)
);
CREATE INDEX releases_seq ON releases (seq);
CREATE TABLE presence (
    record_id INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (record_id, first_seq)
) WITHOUT ROWID;
CREATE INDEX presence_first ON presence (first_seq);
CREATE TABLE order_keys (
    record_id INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    key REAL NOT NULL,
    PRIMARY KEY (record_id, epoch)
) WITHOUT ROWID;
CREATE INDEX presence_last ON presence (last_seq);
"""
#: Indexes added after schema version 1 first shipped: a writer creates them in an older store.
_LATER_INDEXES = (
    # A release is recognised by its file's hash before the file is parsed.
    "CREATE INDEX IF NOT EXISTS releases_sha256 ON releases (sha256)",
    # Read without touching the member lists stored in the same rows (history reads every release's epoch).
    "CREATE INDEX IF NOT EXISTS releases_epoch ON releases (seq, epoch)",
)


def default_cache_dir() -> Path:
    """``$IANAPORTS_CACHE_DIR``, else the platform's user cache folder for ianaports."""
    configured = os.environ.get("IANAPORTS_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # noqa: PLC0415 - only needed when no folder is configured

    return Path(platformdirs.user_cache_dir("ianaports", appauthor=False))


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None) -> Path:
    """The folder given, else :func:`default_cache_dir` (resolved now, never at import)."""
    return default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()


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

    def to_json(self) -> dict[str, Any]:
        """The release as a JSON object (used by ``ianaports versions --json``)."""
        return {
            "updated": self.updated.isoformat(),
            "sha256": self.sha256,
            "records": self.record_count,
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
            "title": self.title,
        }


#: One encoder for every call: ``json.dumps`` with options builds a new one each time.
_CANONICAL_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
#: Longer LIKE patterns are not sent to SQLite, whose default limit is 50,000 bytes (a build may set less).
_LIKE_PATTERN_MAX_BYTES = 10_000


def canonical_json(data: Any) -> str:  # noqa: ANN401 - any JSON value
    """Compact JSON in the schema's own key order: the form whose sha256 identifies a stored record."""
    return _CANONICAL_ENCODER.encode(data)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _pack_ids(ids: Sequence[int]) -> bytes:
    packed = array.array("I", ids)
    if sys.byteorder != "little":
        packed.byteswap()
    return zlib.compress(packed.tobytes(), 6)


def _unpack_ids(blob: bytes) -> array.array[int]:
    ids = array.array("I")
    ids.frombytes(zlib.decompress(blob))
    if sys.byteorder != "little":
        ids.byteswap()
    return ids


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _protocol_or_none(value: Protocol | str | None) -> str | None:
    return None if value is None else Protocol(str(value).lower()).value


class Store:
    """The version store in one cache folder.

    Open it with ``Store(cache_dir)``; a missing folder or database is created
    on the first write, not on open.  Reads work in a read-only folder.  Use it
    as a context manager (or call :meth:`close`) to release the database.
    """

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_cache_dir(cache_dir)
        self.db_path = self.path / DB_NAME
        self._connection: sqlite3.Connection | None = None
        self._read_only = False
        self._record_cache: dict[int, ServiceRecord] = {}
        self._interned = _Interned()

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
        # Another database may sit at the path when it is reopened.
        self._interned = _Interned()

    # -- opening ---------------------------------------------------------

    def exists(self) -> bool:
        """True when the folder holds a database (possibly still empty)."""
        return self.db_path.is_file()

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
                self._create_database()
            connection = sqlite3.connect(self.db_path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot write the cache at {self.path}: {_reason(exc)}") from exc
        try:
            connection.execute("PRAGMA foreign_keys = OFF")
            if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise CacheError(f"cannot use the cache at {self.path}: WAL mode is not available")
            self._ensure_schema(connection)
        except sqlite3.Error as exc:
            connection.close()
            raise CacheError(f"cannot write the cache database {self.db_path}: {_reason(exc, self.path)}") from exc
        except CacheError:
            connection.close()
            raise
        return connection

    def _create_database(self) -> None:
        """Create the database with its schema under a temporary name, then link it into place.

        A writer killed while creating it leaves a temporary file (swept by
        the next writer), never a database without tables that readers would
        take for a foreign file.  Linking fails if another writer won the race.
        """
        temp = self.path / f"{TEMP_PREFIX}{os.getpid()}.sqlite3"
        temp.unlink(missing_ok=True)
        connection = sqlite3.connect(temp, isolation_level=None)
        try:
            self._ensure_schema(connection)
        finally:
            connection.close()
        try:
            # Fails when another writer linked its database first, or on a file system
            # without hard links (the database is then created in place, as before).
            with contextlib.suppress(OSError):
                os.link(temp, self.db_path)
        finally:
            temp.unlink(missing_ok=True)

    def _open_for_reading(self) -> sqlite3.Connection:
        if not self.db_path.is_file():
            raise CacheError(f"there is no registry cache at {self.path} yet")
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
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error as exc:
                connection.close()
                error = exc
                if _is_busy(exc):
                    break  # a writer holds the database: reading around it could see a torn state
                continue
            self._check_schema(connection)
            self._read_only = "mode=rw" not in attempt
            return connection
        if isinstance(error, sqlite3.DatabaseError) and ("not a database" in str(error) or "malformed" in str(error)):
            raise CacheError(f"the cache database {self.db_path} is corrupt: {error}") from error
        raise CacheError(f"cannot read the cache database {self.db_path}: {_reason(error, self.path)}") from error

    def _check_schema(self, connection: sqlite3.Connection) -> None:
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            connection.close()
            if "no such table" in str(exc):
                raise CacheError(f"{self.db_path} is not an ianaports store (no meta table)") from exc
            raise CacheError(f"the cache database {self.db_path} is corrupt: {_reason(exc, self.path)}") from exc
        if row is None or int(row[0]) != SCHEMA_VERSION:
            found = "none" if row is None else row[0]
            raise CacheError(
                f"the cache database {self.db_path} has schema version {found}, this ianaports reads"
                f" {SCHEMA_VERSION}; delete the folder and sync again"
            )

    def _ensure_schema(self, connection: sqlite3.Connection) -> None:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" in tables:
            self._check_schema(connection)
            for statement in _LATER_INDEXES:
                connection.execute(statement)
            return
        if tables:
            raise CacheError(f"{self.db_path} is not an ianaports store (unexpected tables)")
        connection.execute("BEGIN IMMEDIATE")
        try:
            # executescript() would commit early; run the statements one by one.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            for statement in _LATER_INDEXES:
                connection.execute(statement)
            connection.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            connection.execute("COMMIT")
        except sqlite3.Error:
            connection.execute("ROLLBACK")
            raise

    def _read(self) -> sqlite3.Connection:
        return self._connect(write=False)

    @contextlib.contextmanager
    def _query(self) -> Iterator[sqlite3.Connection]:
        connection = self._read()
        try:
            yield connection
        except sqlite3.DatabaseError as exc:
            raise CacheError(f"cannot read the cache database {self.db_path}: {_reason(exc, self.path)}") from exc

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[None]:
        """Run the reads inside in one read transaction, so they see one state of the database.

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
        finally:
            if not outer and connection.in_transaction:
                connection.execute("COMMIT")

    # -- writing ---------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the inter-process writer lock of this cache folder."""
        import filelock  # noqa: PLC0415 - writers only

        try:
            self.path.mkdir(parents=True, exist_ok=True)
            lock = filelock.FileLock(self.path / LOCK_NAME, timeout=LOCK_TIMEOUT_SECONDS)
            lock.acquire()
        except filelock.Timeout as exc:
            raise CacheError(f"another ianaports process holds {self.path / LOCK_NAME}") from exc
        except OSError as exc:
            raise CacheError(f"cannot write the cache at {self.path}: {_reason(exc)}") from exc
        try:
            self._sweep_temp_files()
            yield
        finally:
            lock.release()

    def _sweep_temp_files(self) -> None:
        """Remove temporary files a killed writer left behind; only lock holders make them, so none is live."""
        for folder in (self.path, self.path / RAW_DIR):
            with contextlib.suppress(OSError):
                for stale in folder.glob(f"{TEMP_PREFIX}*"):
                    stale.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect(write=True)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise CacheError(f"cannot write the cache database {self.db_path}: {_reason(exc, self.path)}") from exc
        try:
            yield connection
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            connection.execute("ROLLBACK")
            raise CacheError(f"cannot write the cache database {self.db_path}: {_reason(exc, self.path)}") from exc
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def set_meta(self, key: str, value: str) -> None:
        """Store one metadata value (HTTP validators, last check time...)."""
        with self._transaction() as connection:
            connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        """One metadata value, or None (also when there is no database yet)."""
        if not self.exists():
            return None
        with self._query() as connection:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def add(
        self,
        registry: Registry,
        *,
        sha256: str,
        source: str,
        xml: bytes | None = None,
        fetched_at: dt.datetime | None = None,
    ) -> ReleaseInfo | None:
        """Store one release; return it, or None when that release was already stored.

        Identity is IANA's ``<updated>`` date plus *sha256* (of the uncompressed
        XML).  The rows go in one transaction; when the release is the newest,
        *xml* is kept xz-compressed under ``raw/`` (written to a temporary file,
        fsynced and renamed after the commit).  The caller should hold :meth:`lock`.
        """
        updated = registry.updated.isoformat()
        with self._query_for_write() as connection:
            known = connection.execute(
                "SELECT 1 FROM releases WHERE updated = ? AND sha256 = ?", (updated, sha256)
            ).fetchone()
        if known is not None:
            return None
        with self._query_for_write() as connection:
            newest_date = connection.execute("SELECT max(updated) FROM releases").fetchone()[0]
        becomes_newest = newest_date is None or updated >= newest_date
        # Compressing 4 MB of XML takes a second: only for the release that is kept.
        raw_temp = self._write_raw_temp(xml) if xml is not None and becomes_newest else None
        published: Path | None = None
        committed = False
        try:
            try:
                with self._transaction() as connection:
                    info = _insert_release(
                        connection,
                        registry,
                        sha256=sha256,
                        source=source,
                        fetched_at=fetched_at,
                        interned=self._interned,
                    )
                    newest = connection.execute("SELECT max(seq) FROM releases").fetchone()[0] == info.seq
                    if raw_temp is not None and newest:
                        # Renamed before the commit: a rename that fails (full or read-only disk)
                        # rolls the release back, so the newest release never lacks its XML.
                        published = self._rename_raw(raw_temp, info)
                        raw_temp = None
            except BaseException:
                self._interned.rollback()
                raise
            self._interned.commit()
            committed = True
        finally:
            if raw_temp is not None:
                raw_temp.unlink(missing_ok=True)
            if published is not None and not committed:
                published.unlink(missing_ok=True)
        if published is not None:
            _prune_raw(published)
        return info

    @contextlib.contextmanager
    def _query_for_write(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect(write=True)
        try:
            yield connection
        except sqlite3.DatabaseError as exc:
            raise CacheError(f"cannot read the cache database {self.db_path}: {_reason(exc, self.path)}") from exc

    def keep_raw(self, info: ReleaseInfo, xml: bytes) -> bool:
        """Keep *xml* (of the stored release *info*) under ``raw/`` if it is the newest; True if it is kept now."""
        latest = self.latest()
        if latest is None or (latest.updated, latest.sha256) != (info.updated, info.sha256):
            return False
        if self.raw_path() is not None:
            return True
        temp = self._write_raw_temp(xml)
        try:
            self._publish_raw(temp, latest)
        finally:
            temp.unlink(missing_ok=True)
        return True

    def _write_raw_temp(self, xml: bytes) -> Path:
        raw_dir = self.path / RAW_DIR
        temp = raw_dir / f"{TEMP_PREFIX}{os.getpid()}.xml.xz"
        try:
            raw_dir.mkdir(parents=True, exist_ok=True)
            with temp.open("wb") as handle:
                handle.write(lzma.compress(xml, preset=RAW_XZ_PRESET))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            # A full disk leaves a partial file: never keep it.
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
            raise CacheError(f"cannot write the cache at {raw_dir}: {_reason(exc)}") from exc
        return temp

    def _rename_raw(self, temp: Path, info: ReleaseInfo) -> Path:
        final = temp.parent / _raw_name(info)
        try:
            temp.replace(final)
        except OSError as exc:
            raise CacheError(f"cannot write the cache at {temp.parent}: {_reason(exc)}") from exc
        _fsync_dir(temp.parent)
        return final

    def _publish_raw(self, temp: Path, info: ReleaseInfo) -> None:
        _prune_raw(self._rename_raw(temp, info))

    def raw_path(self) -> Path | None:
        """The kept XML of the newest release (xz-compressed), or None."""
        latest = self.latest()
        if latest is None:
            return None
        path = self.path / RAW_DIR / _raw_name(latest)
        return path if path.is_file() else None

    # -- reading ---------------------------------------------------------

    def releases(self) -> tuple[ReleaseInfo, ...]:
        """Every stored release, oldest first (``()`` when the cache is empty)."""
        if not self.exists():
            return ()
        with self._query() as connection:
            rows = connection.execute(
                "SELECT updated, sha256, record_count, source, fetched_at, title, seq FROM releases ORDER BY seq"
            ).fetchall()
        return tuple(_release_info(row) for row in rows)

    def find(self, sha256: str) -> ReleaseInfo | None:
        """The stored release whose XML has this sha256, or None (cheaper than parsing the file to ask)."""
        if not self.exists():
            return None
        with self._query() as connection:
            row = connection.execute(
                "SELECT updated, sha256, record_count, source, fetched_at, title, seq FROM releases"
                " WHERE sha256 = ? ORDER BY seq DESC LIMIT 1",
                (sha256,),
            ).fetchone()
        return None if row is None else _release_info(row)

    def latest(self) -> ReleaseInfo | None:
        """The newest stored release, or None when the cache is empty."""
        releases = self.releases()
        return releases[-1] if releases else None

    def release(self, version: str | dt.date | None = "latest") -> ReleaseInfo:
        """The release named by *version*: a date (or ISO string), ``"latest"`` or ``"previous"``.

        Several releases may carry one date (IANA re-published a day's file);
        the last one stored for that date is returned.  Raises
        :class:`NotFoundError` when there is no such release.
        """
        releases = self.releases()
        if not releases:
            raise NotFoundError(f"the cache at {self.path} holds no release yet")
        if version is None or version == "latest":
            return releases[-1]
        if version == "previous":
            if len(releases) < 2:  # noqa: PLR2004 - the newest and the one before it
                raise NotFoundError(f"the cache at {self.path} holds only one release")
            return releases[-2]
        wanted = _parse_version(version)
        matching = [release for release in releases if release.updated == wanted]
        if not matching:
            known = ", ".join(release.updated.isoformat() for release in releases[-5:])
            raise NotFoundError(f"no release of {wanted.isoformat()} in the cache (newest: {known})")
        return matching[-1]

    def load(self, version: str | dt.date | None = "latest") -> Registry:
        """Rebuild the named release as a :class:`Registry` from the store (no XML parsing)."""
        from .registry import Registry  # noqa: PLC0415 - imported on use to keep start-up fast

        with self._snapshot():
            info = self.release(version)
            with self._query() as connection:
                row = connection.execute(
                    "SELECT members, people, footnotes FROM releases WHERE seq = ?", (info.seq,)
                ).fetchone()
                members = _unpack_ids(row[0])
                bodies = dict(
                    connection.execute(
                        "SELECT r.id, r.body FROM presence p JOIN records r ON r.id = p.record_id"
                        " WHERE p.last_seq >= ?1 AND p.first_seq <= ?1",
                        (info.seq,),
                    ).fetchall()
                )
                people = self._people(connection, _unpack_ids(row[1]))
        decoder = _RecordDecoder()
        records = {record_id: decoder.record(body) for record_id, body in bodies.items()}
        try:
            ordered = tuple(records[record_id] for record_id in members)
        except KeyError as exc:
            raise CacheError(f"the cache database {self.db_path} is inconsistent: record {exc} is missing") from exc
        return Registry(
            title=info.title,
            updated=info.updated,
            records=ordered,
            people={person.id: person for person in people},
            footnotes=json.loads(row[2]),
        )

    def _people(self, connection: sqlite3.Connection, ids: Iterable[int]) -> list[Person]:
        from .render import person_from_json  # noqa: PLC0415 - imported on use to keep start-up fast

        wanted = list(ids)
        bodies: dict[int, str] = {}
        for chunk in _chunks(wanted, 900):
            marks = ",".join("?" * len(chunk))
            bodies.update(connection.execute(f"SELECT id, body FROM people WHERE id IN ({marks})", chunk))  # noqa: S608 - only placeholders
        return [person_from_json(json.loads(bodies[person_id])) for person_id in wanted]

    def view(self, version: str | dt.date | None = "latest") -> ReleaseView:
        """A release answering lookups straight from the database, without loading it whole."""
        return ReleaseView(self, self.release(version))

    def _members(self, info: ReleaseInfo) -> array.array[int]:
        # By identity, not by seq: a release inserted before this one since *info* was read moves its seq.
        with self._query() as connection:
            row = connection.execute(
                "SELECT members FROM releases WHERE updated = ? AND sha256 = ? ORDER BY seq DESC LIMIT 1",
                (info.updated.isoformat(), info.sha256),
            ).fetchone()
        return _unpack_ids(row[0])

    def _records(self, record_ids: Iterable[int]) -> dict[int, ServiceRecord]:
        missing = [record_id for record_id in set(record_ids) if record_id not in self._record_cache]
        if missing:
            decoder = _RecordDecoder()
            with self._query() as connection:
                for chunk in _chunks(missing, 900):
                    marks = ",".join("?" * len(chunk))
                    query = f"SELECT id, body FROM records WHERE id IN ({marks})"  # noqa: S608 - only placeholders
                    for record_id, body in connection.execute(query, chunk):
                        self._record_cache[record_id] = decoder.record(body)
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

    def _search_candidates(self, needle: str) -> list[tuple[int, str]]:
        """Ids and bodies of records that may contain *needle* (lower case) in name or description.

        A superset, cheap to compute: the caller confirms each one.  SQLite's
        LIKE folds ASCII case only, so records with any non-ASCII text are
        always candidates; a needle JSON would escape cannot be found in the
        stored text, so then every record is.
        """
        pattern = "%" + needle.replace("%", "\\%").replace("_", "\\_") + "%"
        json_escaped = any(char in needle for char in '"\\') or any(ord(char) < 0x20 for char in needle)  # noqa: PLR2004 - JSON escapes control characters
        # SQLite refuses a LIKE pattern over 50,000 bytes ("pattern too complex"); a needle that long
        # is read by a full scan instead, which the caller's check narrows just the same.
        if json_escaped or len(pattern.encode("utf-8")) > _LIKE_PATTERN_MAX_BYTES:
            query, parameters = "SELECT id, body FROM records", {}
        else:
            # The whole body is searched (a needle like "port" also matches the JSON keys): scanning
            # it is cheaper than cutting out the description, and the caller confirms anyway.
            query = (
                "SELECT id, body FROM records WHERE body LIKE :pattern ESCAPE '\\'"
                " OR length(CAST(body AS BLOB)) != length(body)"
            )
            parameters = {"pattern": pattern}
        with self._query() as connection:
            return connection.execute(query, parameters).fetchall()

    def _runs(self, record_ids: Sequence[int]) -> list[tuple[int, int, int]]:
        runs: list[tuple[int, int, int]] = []
        with self._query() as connection:
            for chunk in _chunks(list(record_ids), 900):
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
            for chunk in _chunks(ids, 900):
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
        release's file order, rebuilt from the store without parsing any XML.
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
            for record_id, first, last in runs:
                for seq in range(first, last + 1):
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

        Built from :meth:`snapshots` by :func:`ianaports.diff.history`, so no
        release is parsed or loaded whole.  An empty store gives an empty history.
        """
        from .changes import history  # noqa: PLC0415 - the store does not need diff to open

        return history(self.snapshots(port=port, name=name, protocol=protocol), port=port, name=name, protocol=protocol)

    def diff(self, old: str | dt.date = "previous", new: str | dt.date = "latest") -> RegistryDiff:
        """What changed from stored release *old* to *new* (each a date, ``"latest"`` or ``"previous"``).

        Equal to ``diff(store.load(old), store.load(new))``, but records the two
        releases share (same stored content) are only counted: just the
        identities where something differs are rebuilt and compared.
        """
        from .changes import diff_subsets  # noqa: PLC0415 - the store does not need diff to open

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
            for chunk in _chunks(record_ids, 900):
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

    # -- integrity -------------------------------------------------------

    def check(self) -> list[str]:
        """Check the whole store; return the problems found (``[]`` when it is sound)."""
        if not self.exists():
            return []
        problems: list[str] = []
        with self._query() as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                return [f"SQLite integrity check: {verdict}"]
            problems += _check_records(connection)
            problems += _check_releases(connection)
        return problems + self._check_raw()

    def _check_raw(self) -> list[str]:
        # An import killed between its commit and the rename of the new XML
        # leaves the previous newest release's XML: older, but still sound.
        # Temporary files are a killed writer's, swept by the next one.
        raw_dir = self.path / RAW_DIR
        if not raw_dir.is_dir():
            return []
        releases = self.releases()
        stored = {_raw_name(release): release for release in releases}
        newest = releases[-1].updated.isoformat() if releases else None
        problems = []
        for path in sorted(raw_dir.glob("*.xml.xz")):
            if path.name.startswith(TEMP_PREFIX):
                continue
            release = stored.get(path.name)
            if release is None:
                # A writer killed between renaming the new XML and committing its
                # release leaves the XML of a would-be newest release: harmless, and
                # pruned by the next import.  Anything older does not belong here.
                if newest is None or path.name[:10] < newest:
                    problems.append(f"{path}: not the XML of a stored release")
                continue
            try:
                digest = hashlib.sha256(lzma.decompress(path.read_bytes())).hexdigest()
            except (OSError, lzma.LZMAError) as exc:
                problems.append(f"{path}: unreadable ({exc})")
                continue
            if digest != release.sha256:
                problems.append(f"{path}: sha256 {digest[:16]} does not match its release")
        return problems


class ReleaseView:
    """One stored release answering ``lookup``/``lookup_span``/``service`` by SQL, like a Registry.

    Loading 14,000 records to answer one port is wasteful; a view reads only
    the records asked for.  Use :meth:`Store.load` for a full Registry.
    """

    def __init__(self, store: Store, info: ReleaseInfo) -> None:
        self.store = store
        self.info = info
        self._positions: dict[int, int] | None = None

    @property
    def updated(self) -> dt.date:
        """IANA's release date of this release."""
        return self.info.updated

    @property
    def title(self) -> str:
        """The registry's title."""
        return self.info.title

    def __repr__(self) -> str:
        return f"<ReleaseView {self.info.record_count} records, updated {self.info.updated.isoformat()}>"

    def _members(self) -> array.array[int]:
        return self.store._members(self.info)  # noqa: SLF001 - the view is part of the store

    def _answer(self, candidates: list[int]) -> tuple[ServiceRecord, ...]:
        if not candidates:
            return ()
        wanted = set(candidates)
        chosen = [record_id for record_id in self._members() if record_id in wanted]
        records = self.store._records(chosen)  # noqa: SLF001
        return tuple(records[record_id] for record_id in chosen)

    def lookup(self, port: int, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record whose port or span holds *port*, in file order; ``()`` if none."""
        if not 0 <= port <= PORT_MAX:
            raise InvalidArgumentError(f"port must be within 0-{PORT_MAX}, not {port}")
        return self._answer(self.store._candidates(port=port, protocol=_protocol_or_none(protocol)))  # noqa: SLF001

    def lookup_span(self, span: PortRange, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record whose port or span overlaps *span*, in file order."""
        return self._answer(self.store._candidates(span=span, protocol=_protocol_or_none(protocol)))  # noqa: SLF001

    def service(self, name: str, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record of the service *name* (case-insensitive); NotFoundError when there is none."""
        found = self._answer(self.store._candidates(name=name, protocol=None))  # noqa: SLF001
        if not found:
            raise NotFoundError(f"no service named {name!r} in the registry of {self.updated.isoformat()}")
        wanted = _protocol_or_none(protocol)
        return tuple(record for record in found if wanted is None or record.protocol == wanted)

    def search(self, text: str) -> tuple[ServiceRecord, ...]:
        """Records whose name or description contains *text*, exact name matches first.

        The same answer, in the same order, as :meth:`Registry.search` on this release.
        """
        needle = text.strip().lower()
        if not needle:
            return ()
        matched: set[int] = set()
        for record_id, body in self.store._search_candidates(needle):  # noqa: SLF001
            data = json.loads(body)
            name = (data["service_name"] or "").lower()
            if needle in name or needle in data["description"].lower():
                matched.add(record_id)
        chosen = [record_id for record_id in self._members() if record_id in matched]
        records = self.store._records(chosen)  # noqa: SLF001
        exact: list[ServiceRecord] = []
        prefix: list[ServiceRecord] = []
        rest: list[ServiceRecord] = []
        for record_id in chosen:
            record = records[record_id]
            name = (record.name or "").lower()
            if name == needle:
                exact.append(record)
            elif name.startswith(needle):
                prefix.append(record)
            else:
                rest.append(record)
        return (*exact, *prefix, *rest)


class _RecordDecoder:
    """Turns stored JSON back into records, sharing equal people between records."""

    def __init__(self) -> None:
        from .render import record_from_json  # noqa: PLC0415 - render is not needed to open a store

        self._record_from_json = record_from_json
        self._people: dict[tuple[Any, ...], Person] = {}

    def record(self, body: str) -> ServiceRecord:
        return self._record_from_json(json.loads(body), people=self._people)


def _release_info(row: Sequence[Any]) -> ReleaseInfo:
    updated, sha256, count, source, fetched_at, title, seq = row
    return ReleaseInfo(
        updated=dt.date.fromisoformat(updated),
        sha256=sha256,
        record_count=count,
        source=source,
        fetched_at=dt.datetime.fromisoformat(fetched_at),
        title=title,
        seq=seq,
    )


def _parse_version(version: str | dt.date) -> dt.date:
    if isinstance(version, dt.date):
        return version
    try:
        return dt.date.fromisoformat(version.strip())
    except ValueError:
        raise NotFoundError(f"a version is a date (YYYY-MM-DD), 'latest' or 'previous', not {version!r}") from None


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # pragma: no cover - Python 3.10 has no sqlite_errorcode
        return "locked" in str(exc)
    return int(code) & 0xFF in _SQLITE_BUSY_CODES


def _disk_full(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        return False
    return stats.f_bavail == 0


def _raw_name(info: ReleaseInfo) -> str:
    """The file name under ``raw/`` of a release's kept XML."""
    return f"{info.updated.isoformat()}.{info.sha256[:16]}.xml.xz"


def _prune_raw(kept: Path) -> None:
    """Remove every kept XML but *kept*; one left behind is harmless and goes next time."""
    for old in kept.parent.glob("*.xml.xz"):
        if old != kept and not old.name.startswith(TEMP_PREFIX):
            with contextlib.suppress(OSError):
                old.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    # Makes a rename durable; not every platform can open a folder.
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# -- inserting a release ------------------------------------------------------


@attrs.define
class _Interned:
    """Record and person ids already stored, keyed by value, so an import encodes only what is new.

    Records compare equal when their JSON is equal, except for the port text
    IANA wrote (not part of a span's equality): the key carries it.  The ids
    of rows written by the open transaction wait in ``pending`` until it
    commits, since a rollback takes them back.
    """

    records: dict[tuple[ServiceRecord, str | None], int] = attrs.Factory(dict)
    people: dict[Person, int] = attrs.Factory(dict)
    pending_records: dict[tuple[ServiceRecord, str | None], int] = attrs.Factory(dict)
    pending_people: dict[Person, int] = attrs.Factory(dict)

    def commit(self) -> None:
        self.records.update(self.pending_records)
        self.people.update(self.pending_people)
        self.rollback()

    def rollback(self) -> None:
        self.pending_records.clear()
        self.pending_people.clear()


def _insert_release(
    connection: sqlite3.Connection,
    registry: Registry,
    *,
    sha256: str,
    source: str,
    fetched_at: dt.datetime | None,
    interned: _Interned,
) -> ReleaseInfo:
    member_ids = _intern_records(connection, registry.records, interned)
    updated = registry.updated.isoformat()
    epoch = _assign_order_keys(connection, member_ids, updated)
    people_ids = _intern_people(connection, list(registry.people.values()), interned)
    # The new release's place in date order; releases of one date keep import order.
    seq = connection.execute("SELECT count(*) FROM releases WHERE updated <= ?", (updated,)).fetchone()[0]
    connection.execute("UPDATE releases SET seq = seq + 1 WHERE seq >= ?", (seq,))
    fetched = fetched_at or _now()
    connection.execute(
        "INSERT INTO releases (seq, updated, sha256, record_count, source, fetched_at, title, footnotes, people,"
        " members, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq,
            updated,
            sha256,
            len(member_ids),
            source,
            fetched.isoformat(),
            registry.title,
            canonical_json(dict(registry.footnotes)),
            _pack_ids(people_ids),
            _pack_ids(member_ids),
            epoch,
        ),
    )
    _insert_presence(connection, seq, set(member_ids))
    return ReleaseInfo(
        updated=registry.updated,
        sha256=sha256,
        record_count=len(member_ids),
        source=source,
        fetched_at=fetched,
        title=registry.title,
        seq=seq,
    )


def _intern_records(connection: sqlite3.Connection, records: Sequence[ServiceRecord], interned: _Interned) -> list[int]:
    """The ids of *records*, inserting the new ones; only records not met before are encoded and hashed."""
    from .render import record_to_json  # noqa: PLC0415 - render is not needed to open a store

    # ``written`` is None when IANA wrote the span canonically; either way it fixes the JSON's port text.
    keys = [(record, None if record.ports is None else record.ports.written) for record in records]
    stored = interned.records
    ids = [stored.get(key, -1) for key in keys] if stored else [-1] * len(keys)
    missing = [position for position, record_id in enumerate(ids) if record_id < 0]
    if not missing:
        return ids
    bodies = [canonical_json(record_to_json(records[position])) for position in missing]
    digests = [_digest(body) for body in bodies]
    known = _known_ids(connection, "records", digests)
    new_rows = []
    for position, digest, body in zip(missing, digests, bodies, strict=True):
        if digest in known:
            continue
        known[digest] = -1  # a record repeated within the release is inserted once
        record = records[position]
        new_rows.append(
            (
                digest,
                record.name.lower() if record.name else None,
                None if record.protocol is None else record.protocol.value,
                record.port_start,
                record.port_end,
                body,
            )
        )
    connection.executemany(
        "INSERT INTO records (digest, name_lower, protocol, port_start, port_end, body) VALUES (?, ?, ?, ?, ?, ?)",
        new_rows,
    )
    if new_rows:
        known.update(_known_ids(connection, "records", [row[0] for row in new_rows]))
    pending = interned.pending_records
    for position, digest in zip(missing, digests, strict=True):
        ids[position] = pending[keys[position]] = known[digest]
    return ids


def _intern_people(connection: sqlite3.Connection, people: Sequence[Person], interned: _Interned) -> list[int]:
    """The ids of *people*, inserting the new ones; like :func:`_intern_records`."""
    from .render import person_to_json  # noqa: PLC0415 - imported on use to keep start-up fast

    seen = {**interned.people, **interned.pending_people}
    fresh: dict[Person, tuple[bytes, str]] = {}
    for person in people:
        if person not in seen and person not in fresh:
            body = canonical_json(person_to_json(person))
            fresh[person] = (_digest(body), body)
    known = _known_ids(connection, "people", [digest for digest, _ in fresh.values()])
    new_rows = {digest: body for digest, body in fresh.values() if digest not in known}
    connection.executemany("INSERT INTO people (digest, body) VALUES (?, ?)", new_rows.items())
    if new_rows:
        known.update(_known_ids(connection, "people", list(new_rows)))
    for person, (digest, _) in fresh.items():
        seen[person] = interned.pending_people[person] = known[digest]
    return [seen[person] for person in people]


def _known_ids(connection: sqlite3.Connection, table: str, digests: Sequence[bytes]) -> dict[bytes, int]:
    known: dict[bytes, int] = {}
    for start in range(0, len(digests), 900):
        chunk = digests[start : start + 900]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT digest, id FROM {table} WHERE digest IN ({marks})"  # noqa: S608 - table is ours
        known.update(connection.execute(query, chunk))
    return known


def _assign_order_keys(connection: sqlite3.Connection, member_ids: list[int], updated: str) -> int | None:
    """Choose the release's ordering epoch, giving new records keys between their neighbours'.

    IANA's file order changes rarely, so one real number per record and
    "epoch" (a stretch of releases sharing one order) reproduces each
    release's order, and a port's history is ordered without decoding every
    release.  The epochs of the releases next to this one in date order are
    tried; when neither fits, a new epoch starts from this release's order.
    None means the release repeats a record and has no key order at all.
    """
    if len(set(member_ids)) != len(member_ids):
        return None
    neighbours = connection.execute(
        "SELECT epoch FROM (SELECT epoch, seq FROM releases WHERE updated <= ?1 ORDER BY seq DESC LIMIT 1)"
        " UNION ALL SELECT epoch FROM (SELECT epoch, seq FROM releases WHERE updated > ?1 ORDER BY seq LIMIT 1)",
        (updated,),
    ).fetchall()
    for (epoch,) in neighbours:
        if epoch is None:
            continue
        stored: dict[int, float] = {}
        for chunk in _chunks(member_ids, 900):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT record_id, key FROM order_keys WHERE epoch = ? AND record_id IN ({marks})"  # noqa: S608
            stored.update(connection.execute(query, [epoch, *chunk]))
        keys = _fill_gaps([stored.get(record_id) for record_id in member_ids])
        if all(a < b for a, b in itertools.pairwise(keys)):
            new = [
                (record_id, epoch, key)
                for record_id, key in zip(member_ids, keys, strict=True)
                if record_id not in stored
            ]
            connection.executemany("INSERT INTO order_keys VALUES (?, ?, ?)", new)
            return int(epoch)
    epoch = connection.execute("SELECT coalesce(max(epoch), -1) + 1 FROM order_keys").fetchone()[0]
    connection.executemany(
        "INSERT INTO order_keys VALUES (?, ?, ?)",
        [(record_id, epoch, float(position)) for position, record_id in enumerate(member_ids)],
    )
    return int(epoch)


def _fill_gaps(keys: list[float | None]) -> list[float]:
    """Give every None an evenly spaced value between its known neighbours."""
    filled: list[float] = []
    position = 0
    while position < len(keys):
        known = keys[position]
        if known is not None:
            filled.append(known)
            position += 1
            continue
        gap_end = position
        while gap_end < len(keys) and keys[gap_end] is None:
            gap_end += 1
        count = gap_end - position
        high = keys[gap_end] if gap_end < len(keys) else None
        low_value = filled[-1] if filled else (high - count - 1 if high is not None else 0.0)
        high_value = high if high is not None else low_value + count + 1
        step = (high_value - low_value) / (count + 1)
        filled.extend(low_value + step * (offset + 1) for offset in range(count))
        position = gap_end
    return filled


def _insert_presence(connection: sqlite3.Connection, seq: int, members: set[int]) -> None:
    """Update the presence runs for a release inserted at *seq* (later releases moved up by one)."""
    connection.execute("UPDATE presence SET last_seq = last_seq + 1 WHERE last_seq >= ?", (seq,))
    # Runs are maximal, so one record's starts differ by two or more: no key clash while shifting.
    connection.execute("UPDATE presence SET first_seq = first_seq + 1 WHERE first_seq >= ?", (seq,))
    covering = {
        record_id: (first, last)
        for record_id, first, last in connection.execute(
            "SELECT record_id, first_seq, last_seq FROM presence WHERE last_seq >= ?1 AND first_seq <= ?1", (seq,)
        )
    }
    deletes: list[tuple[int, int]] = []
    inserts: list[tuple[int, int, int]] = []
    for record_id, (first, last) in covering.items():
        if record_id in members:
            continue
        # The run was stretched over the new release, which lacks the record: split it.
        deletes.append((record_id, first))
        if first <= seq - 1:
            inserts.append((record_id, first, seq - 1))
        if seq + 1 <= last:
            inserts.append((record_id, seq + 1, last))
    ending_before = dict(connection.execute("SELECT record_id, first_seq FROM presence WHERE last_seq = ?", (seq - 1,)))
    starting_after = dict(
        connection.execute("SELECT record_id, last_seq FROM presence WHERE first_seq = ?", (seq + 1,))
    )
    extends: list[tuple[int, int]] = []
    for record_id in members:
        if record_id in covering:
            continue
        first = last = seq
        if record_id in starting_after:
            last = starting_after[record_id]
            deletes.append((record_id, seq + 1))
        elif record_id in ending_before:
            # The common case, a record kept by the next release: stretch its run in place.
            extends.append((record_id, ending_before[record_id]))
            continue
        if record_id in ending_before:
            first = ending_before[record_id]
            deletes.append((record_id, first))
        inserts.append((record_id, first, last))
    connection.executemany(
        "UPDATE presence SET last_seq = ? WHERE record_id = ? AND first_seq = ?",
        [(seq, record_id, first) for record_id, first in extends],
    )
    connection.executemany("DELETE FROM presence WHERE record_id = ? AND first_seq = ?", deletes)
    connection.executemany("INSERT INTO presence VALUES (?, ?, ?)", inserts)


# -- checking -----------------------------------------------------------------


def _check_order(connection: sqlite3.Connection, updated: str, members: Sequence[int], epoch: int | None) -> list[str]:
    if epoch is None:
        return []
    keys = dict(connection.execute("SELECT record_id, key FROM order_keys WHERE epoch = ?", (epoch,)))
    ordered = [keys.get(record_id) for record_id in members]
    if None in ordered or not all(a < b for a, b in itertools.pairwise(ordered)):  # type: ignore[operator]  # None is ruled out first
        return [f"release {updated}: its order keys do not give its record order"]
    return []


def _check_records(connection: sqlite3.Connection) -> list[str]:
    problems = []
    for record_id, digest, body in connection.execute("SELECT id, digest, body FROM records"):
        if _digest(body) != digest:
            problems.append(f"record {record_id}: content does not match its sha256")
    return problems


def _check_releases(connection: sqlite3.Connection) -> list[str]:
    problems: list[str] = []
    rows = connection.execute(
        "SELECT seq, updated, record_count, members, people FROM releases ORDER BY seq"
    ).fetchall()
    if [row[0] for row in rows] != list(range(len(rows))):
        problems.append("releases: positions are not 0..n-1")
    if [row[1] for row in rows] != sorted(row[1] for row in rows):
        problems.append("releases: positions are not in date order")
    record_ids = {row[0] for row in connection.execute("SELECT id FROM records")}
    person_ids = {row[0] for row in connection.execute("SELECT id FROM people")}
    expected: dict[int, set[int]] = {}
    epochs = dict(connection.execute("SELECT seq, epoch FROM releases"))
    for seq, updated, count, members_blob, people_blob in rows:
        try:
            members = _unpack_ids(members_blob)
            people = _unpack_ids(people_blob)
        except zlib.error as exc:
            problems.append(f"release {updated}: member list unreadable ({exc})")
            continue
        if len(members) != count:
            problems.append(f"release {updated}: {len(members)} records stored, {count} expected")
        if not record_ids.issuperset(members):
            problems.append(f"release {updated}: refers to missing records")
        if not person_ids.issuperset(people):
            problems.append(f"release {updated}: refers to missing people")
        for record_id in members:
            expected.setdefault(record_id, set()).add(seq)
        problems += _check_order(connection, updated, members, epochs[seq])
    stored: dict[int, set[int]] = {}
    for record_id, first, last in connection.execute("SELECT record_id, first_seq, last_seq FROM presence"):
        seqs = stored.setdefault(record_id, set())
        if seqs & set(range(first, last + 1)) or seqs & {first - 1, last + 1}:
            problems.append(f"presence of record {record_id}: overlapping or adjacent runs")
        seqs.update(range(first, last + 1))
    if stored != expected:
        problems.append("presence runs do not match the releases' member lists")
    return problems
