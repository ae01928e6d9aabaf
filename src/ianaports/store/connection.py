"""Opening the index: connections for reading and writing, transactions, and SQLite errors as CacheError.

Readers never lock and fall back to read-only modes in a folder they cannot
write; writers open in WAL mode.  An index that another version of ianaports
wrote, or that is not an ianaports index at all, is found here and named in
the error (the rebuild itself is :mod:`.maintenance`'s job).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import zlib
from typing import TYPE_CHECKING

from ianaports.errors import CacheError, IanaportsError

from . import codec, schema
from .layout import ARCHIVE_DIR, DB_NAME, LOCK_TIMEOUT_SECONDS, TEMP_PREFIX, resolve_data_dir

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ianaports.model import ServiceRecord

    from .archive import Archive
    from .write import Interned

__all__ = ["REBUILD_HINT", "STORED_DATA_ERRORS", "IndexConnection", "is_corrupt", "is_full", "reason"]


#: What every message about a damaged index tells the user to run.
REBUILD_HINT = "run 'ianaports rebuild' to recreate it from the archive"
#: What decoding a damaged stored value raises (a bad zlib blob, JSON, date, type or a missing row):
#: every one of them reaches the caller as a CacheError naming the repair.
STORED_DATA_ERRORS: tuple[type[Exception], ...] = (
    zlib.error,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    OverflowError,
)


class IndexConnection:
    """The bottom layer of :class:`~ianaports.store.Store`: its folder, and the index's connection.

    The layers above it add the read side (:mod:`.reader`), the writer side
    (:mod:`.writer`) and maintenance (:mod:`.maintenance`); ``Store`` is the
    one public class made of them.
    """

    def __init__(
        self, data_dir: str | os.PathLike[str] | None = None, *, cache_dir: str | os.PathLike[str] | None = None
    ) -> None:
        self.path = resolve_data_dir(data_dir, cache_dir)
        self.db_path = self.path / DB_NAME
        self._archive: Archive | None = None
        self._connection: sqlite3.Connection | None = None
        self._read_only = False
        self._record_cache: dict[int, ServiceRecord] = {}
        self._decoder: codec.Decoder | None = None
        self._interned_ids: Interned | None = None
        self._lock_depth = 0

    @property
    def archive(self) -> Archive:
        """The archive of raw releases, opened on first use (a read command that finds its rows never loads it)."""
        if self._archive is None:
            from .archive import Archive  # noqa: PLC0415 - on use: it imports json, hashlib and the file helpers

            self._archive = Archive(self.path / ARCHIVE_DIR)
        return self._archive

    @property
    def _interned(self) -> Interned:
        """The ids already stored, made on the first write (the row writer is not a read command's)."""
        if self._interned_ids is None:
            from .write import Interned  # noqa: PLC0415 - on write only

            self._interned_ids = Interned()
        return self._interned_ids

    def close(self) -> None:
        """Close the database connection (a later call reopens it)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        # Another index may sit at the path when it is reopened.
        self._interned_ids = None
        self._record_cache = {}
        self._decoder = None

    # -- opening ---------------------------------------------------------

    def exists(self) -> bool:
        """True when the folder holds an index (possibly still empty).

        Raises :class:`CacheError` when the answer cannot be known or the
        path cannot be a store: the folder is a file, a symlink loop or
        unreadable, or the index's path is a folder.  Every command then says
        one line and exits 4, and none goes to the network to fill a store
        it could not read.
        """
        folder = _kind_of(self.path, what="the store")
        if folder is None:
            return False
        if not stat.S_ISDIR(folder):
            raise CacheError(f"the store {self.path} is not a folder; give another with --data-dir")
        index = _kind_of(self.db_path, what="the index")
        if index is None:
            return False
        if not stat.S_ISREG(index):
            raise CacheError(f"the index {self.db_path} is not a file; move it away and run 'ianaports rebuild'")
        return True

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
        exists = self.exists()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if not exists:
                if self._has_archive():
                    raise self._missing_index()
                self._create_index(self.db_path)
            connection = sqlite3.connect(self.db_path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise CacheError(f"cannot write the store at {self.path}: {reason(exc)}") from exc
        try:
            connection.execute("PRAGMA foreign_keys = OFF")
            if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise CacheError(f"cannot use the store at {self.path}: WAL mode is not available")
            # In WAL mode NORMAL keeps every commit atomic and the index consistent after a crash; only
            # the last commits may be lost on power loss, and the archive (fsynced before each commit)
            # still holds their releases, which the next writer indexes again.  FULL would add an fsync
            # per release to an import.
            connection.execute("PRAGMA synchronous = NORMAL")
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
        try:
            connection = sqlite3.connect(temp, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode = WAL")
                schema.create(connection, indexes=indexes)
            finally:
                connection.close()
            # Fails when another writer linked its index first, or on a file system
            # without hard links (the index is then created in place).
            with contextlib.suppress(OSError):
                os.link(temp, path)
        finally:
            # Also when the disk is full: no empty temporary index is left behind.
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    temp.with_name(temp.name + suffix).unlink(missing_ok=True)

    def _open_for_reading(self) -> sqlite3.Connection:
        if not self.exists():
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
                if is_corrupt(exc):
                    raise self._damaged(exc) from exc
                continue
            if found != (schema.SCHEMA_VERSION, codec.CODEC_VERSION):
                connection.close()
                self._upgrade()
                return self._open_for_reading()
            self._read_only = "mode=rw" not in attempt
            return connection
        if error is not None and is_corrupt(error):
            raise self._damaged(error) from error
        raise CacheError(f"cannot read the index {self.db_path}: {reason(error, self.path)}") from error

    def _versions(self, connection: sqlite3.Connection) -> tuple[int | None, int | None]:
        """The index's (schema, codec) versions; CacheError naming rebuild when it is no ianaports index."""
        found = schema.versions_of(connection)
        if found is None:
            raise CacheError(f"{self.db_path} is not an ianaports index; {REBUILD_HINT}")
        return found

    def _damaged(self, exc: BaseException) -> CacheError:
        if isinstance(exc, sqlite3.Error) and is_corrupt(exc):
            return CacheError(f"the index {self.db_path} is corrupt ({exc}); {REBUILD_HINT}")
        return CacheError(f"cannot use the index {self.db_path}: {reason(exc, self.path)}")

    def _unreadable(self, exc: BaseException) -> CacheError:
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return CacheError(f"the index {self.db_path} holds a value that cannot be read ({detail}); {REBUILD_HINT}")

    @contextlib.contextmanager
    def _decoding(self) -> Iterator[None]:
        """Turn an error decoding stored values (see :data:`STORED_DATA_ERRORS`) into a CacheError."""
        try:
            yield
        except IanaportsError:
            raise
        except STORED_DATA_ERRORS as exc:
            raise self._unreadable(exc) from exc

    def _upgrade(self) -> None:
        """Rebuild an index another version of ianaports wrote (see :class:`.maintenance.Maintenance`)."""
        raise NotImplementedError  # pragma: no cover - Store always inherits it from Maintenance

    # -- queries and transactions ------------------------------------------

    def _read(self) -> sqlite3.Connection:
        return self._connect(write=False)

    @contextlib.contextmanager
    def _query(self) -> Iterator[sqlite3.Connection]:
        connection = self._read()
        try:
            yield connection
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc
        except IanaportsError:
            raise
        except STORED_DATA_ERRORS as exc:
            raise self._unreadable(exc) from exc

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
            _roll_back(connection)
            raise self._write_error(exc) from exc
        except BaseException:
            _roll_back(connection)
            raise

    def _write_error(self, exc: sqlite3.Error) -> CacheError:
        if is_corrupt(exc):
            return self._damaged(exc)
        if is_full(exc):
            return CacheError(f"cannot write the index {self.db_path}: disk full ({exc}); free some space and retry")
        return CacheError(f"cannot write the index {self.db_path}: {reason(exc, self.path)}")

    @contextlib.contextmanager
    def _query_for_write(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect(write=True)
        try:
            yield connection
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from exc


# -- SQLite errors ---------------------------------------------------------------


def reason(exc: BaseException | None, folder: Path | None = None) -> str:
    """What went wrong, in words for a CacheError message (*folder* names a full disk as the cause)."""
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    # SQLite says "disk I/O error" when it cannot grow its -shm file: name the real cause.
    if isinstance(exc, sqlite3.Error) and folder is not None and _disk_full(folder):
        return f"{exc} (the disk holding it is full)"
    return str(exc)


def _roll_back(connection: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already (it does on SQLITE_FULL, say)."""
    if connection.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")


def _kind_of(path: Path, *, what: str) -> int | None:
    """The ``st_mode`` of *path* (symlinks followed), None when nothing is there; CacheError when unknowable."""
    try:
        return path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise CacheError(f"{what} {path} is inside a file, not a folder; give another with --data-dir") from exc
        raise CacheError(f"cannot read {what} at {path}: {exc.strerror or exc}") from exc


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
_SQLITE_FULL = 13


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # pragma: no cover - Python 3.10 has no sqlite_errorcode
        return "locked" in str(exc)
    return int(code) & 0xFF in _SQLITE_BUSY_CODES


def is_corrupt(exc: sqlite3.Error) -> bool:
    """True when SQLite says the database is damaged or is no database."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and int(code) & 0xFF in _SQLITE_CORRUPT_CODES:
        return True
    text = str(exc)
    if "not a database" in text or "malformed" in text:
        return True
    # Python 3.10's errors carry no code: a damaged FTS5 table (SQLITE_CORRUPT_VTAB) is known by its text.
    return code is None and text.startswith("vtable constructor failed")


def is_full(exc: sqlite3.Error) -> bool:
    """True when SQLite says the disk (or the database's page limit) is full."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF == _SQLITE_FULL
    return "disk is full" in str(exc)  # pragma: no cover - Python 3.10 has no sqlite_errorcode


def _disk_full(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        return False
    return stats.f_bavail == 0
