"""Where the store lives and what its folder holds.

One data folder holds:

``archive/``
    Every release ever stored, byte-exact and compressed (:mod:`.archive`):
    the truth, never modified or deleted.
``ianaports.sqlite3``
    The SQLite index derived from the archive (WAL mode): what queries read.
    ``ianaports rebuild`` recreates it from the archive alone.
``ianaports.lock``
    The inter-process lock every writer holds.

The folder is ``data_dir=`` (or the deprecated ``cache_dir=``), else
``$IANAPORTS_DATA_DIR`` (or the deprecated ``$IANAPORTS_CACHE_DIR``), else
the platform's user *data* folder (``~/.local/share/ianaports`` on Linux): a
cache folder is for files that may be deleted, and the history is not.  A
store left in the platform's cache folder by ianaports 0.1 is moved once.
"""

from __future__ import annotations

import os

from ianaports.errors import CacheError

TYPE_CHECKING = False  # typing, pathlib and shutil each cost a quick answer more than it takes (store.quick)
if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "ARCHIVE_DIR",
    "DB_NAME",
    "LOCK_NAME",
    "TEMP_PREFIX",
    "TEMP_PREFIXES",
    "configured_data_dir",
    "default_data_dir",
    "legacy_cache_dir",
    "resolve_data_dir",
]

DB_NAME = "ianaports.sqlite3"
LOCK_NAME = "ianaports.lock"
ARCHIVE_DIR = "archive"
#: Where ianaports 0.1 kept the newest release's XML; read once when its store is converted.
LEGACY_RAW_DIR = "raw"
#: Temporary files the store itself names (downloads, index rebuilds) start with this prefix.
TEMP_PREFIX = ".tmp-"
#: The prefix of :func:`ianaports._files.atomic_write`'s temporary files (``tests/test_store.py`` checks they agree;
#: importing that module here would load tempfile and pathlib for every read).
ATOMIC_TEMP_PREFIX = ".ianaports-"
#: Every temporary file a writer may leave in the store: its own, and atomic_write's (archive entries).
TEMP_PREFIXES = (TEMP_PREFIX, ATOMIC_TEMP_PREFIX)
#: How long a writer waits for another one before giving up.
LOCK_TIMEOUT_SECONDS = 300.0


def notice(message: str, *args: object) -> None:
    """Say one line to the user: a warning of the ``ianaports`` logger.

    With no logging configured, Python prints a warning's bare message on
    stderr, so a command-line user sees the line as it is; a program that
    configures logging gets it like any other warning.
    """
    import logging  # noqa: PLC0415 - only when there is something to say

    logging.getLogger("ianaports").warning(message, *args)


def legacy_cache_dir() -> Path:
    """The platform's user cache folder, where ianaports 0.1 kept its store."""
    from pathlib import Path  # noqa: PLC0415 - a quick answer from a configured folder skips pathlib

    import platformdirs  # noqa: PLC0415 - only needed when no folder is configured

    return Path(platformdirs.user_cache_dir("ianaports", appauthor=False))


def default_data_dir() -> Path:
    """``$IANAPORTS_DATA_DIR``, else ``$IANAPORTS_CACHE_DIR`` (deprecated), else the user data folder.

    Resolved when called, never at import.  Using the platform's folder moves
    a store ianaports 0.1 left in the user cache folder there first (once).
    """
    return resolve_data_dir()


def resolve_data_dir(
    data_dir: str | os.PathLike[str] | None = None, cache_dir: str | os.PathLike[str] | None = None
) -> Path:
    """The folder given (*data_dir*, else the deprecated *cache_dir*), else :func:`default_data_dir`."""
    from pathlib import Path  # noqa: PLC0415 - a quick answer from a configured folder skips pathlib

    configured = configured_data_dir(data_dir, cache_dir)
    if configured is not None:
        return Path(configured).expanduser()
    import platformdirs  # noqa: PLC0415 - only needed when no folder is configured

    folder = Path(platformdirs.user_data_dir("ianaports", appauthor=False))
    move_legacy_store(legacy_cache_dir(), folder)
    return folder


def configured_data_dir(
    data_dir: str | os.PathLike[str] | None = None, cache_dir: str | os.PathLike[str] | None = None
) -> str | None:
    """The folder the caller or the environment names, as written (``~`` not expanded); None: the platform's.

    *data_dir*, else the deprecated *cache_dir*, else ``$IANAPORTS_DATA_DIR``,
    else the deprecated ``$IANAPORTS_CACHE_DIR`` (an empty variable is unset).
    CacheError for a blank one, which would name a folder called " ".  The
    one rule :func:`resolve_data_dir` and the quick read path (:mod:`.quick`)
    share; it imports nothing.
    """
    chosen = data_dir if data_dir is not None else cache_dir
    if chosen is not None:
        return _checked(os.fspath(chosen), "the data folder")
    for variable in ("IANAPORTS_DATA_DIR", "IANAPORTS_CACHE_DIR"):
        configured = os.environ.get(variable)
        if configured:
            return _checked(configured, f"${variable}")
    return None


def _checked(text: str, what: str) -> str:
    """*text*, unless it is blank: CacheError, since it would name a folder called " "."""
    if not text.strip():
        raise CacheError(f"{what} is blank ({text!r}); give a folder, or leave it unset for the default")
    return text


def move_legacy_store(old: Path, new: Path) -> bool:
    """Move the store in *old* to *new* when *new* holds none yet; True when it moved.

    One rename when both are on one file system (atomic: a reader sees the
    store in one place or the other).  Across file systems the folder is
    copied beside *new*, renamed into place, and only then removed from
    *old*.  The one-line notice goes to the ``ianaports`` logger (a warning,
    which Python prints on stderr when no logging is configured).
    """
    import contextlib  # noqa: PLC0415 - only when no folder is configured
    import errno  # noqa: PLC0415
    import shutil  # noqa: PLC0415

    if not (old / DB_NAME).is_file() or (new / DB_NAME).exists() or (new / ARCHIVE_DIR).exists():
        return False
    with contextlib.suppress(OSError):
        if old.resolve() == new.resolve():
            return False
    try:
        new.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            new.rmdir()  # an empty folder left by an earlier run is no store
        try:
            old.rename(new)
        except OSError as exc:
            if (new / DB_NAME).exists() and not (old / DB_NAME).exists():
                return False  # another process moved it first
            if exc.errno != errno.EXDEV:
                raise
            staging = new.with_name(f"{TEMP_PREFIX}{os.getpid()}-{new.name}")
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(old, staging, symlinks=True)
            staging.rename(new)
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise CacheError(f"cannot move the store from {old} to {new}: {exc.strerror or exc}") from exc
    notice("ianaports: moved the store from the cache folder %s to the data folder %s", old, new)
    return True
