"""Write a file so that a reader sees the old bytes or the new ones, never half of either.

Every file ianaports writes outside its SQLite index goes through here: exports,
listening baselines and the store's own files.  A regular file (or a path that
does not exist yet) is written beside its target, flushed to disk and renamed
over it.  Anything else at the path is not ours to replace: a device such as
``/dev/null``, a FIFO or a terminal is written in place, a symlink is followed
to what it names, and a folder is refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .errors import CacheError

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["TEMP_PREFIX", "atomic_write", "file_kind", "fsync_folder", "replacing"]

#: Temporary files start with this, so a crash leaves names a cleanup can recognise.
TEMP_PREFIX = ".ianaports-"


def atomic_write(path: str | os.PathLike[str], data: bytes, *, what: str = "", durable: bool = True) -> None:
    """Write *data* to *path* atomically; *what* names the file in errors ("baseline ").

    With ``durable=False`` the file and its folder are not flushed to disk:
    a reader still sees the old bytes or the new ones, but a power cut may
    lose the write (the static site, which a rerun rewrites, takes that for speed).
    """
    with replacing(path, what=what, durable=durable) as handle:
        handle.write(data)


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str], *, what: str = "", durable: bool = True) -> Iterator[IO[bytes]]:
    """A binary handle whose bytes replace *path* when the block ends without an exception.

    Raises :class:`~ianaports.CacheError` ("cannot write PATH: reason") on any
    OS error; on failure the old file, if any, is left as it was.
    """
    target = Path(os.path.realpath(path))
    try:
        existing = target.stat()
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise CacheError(f"cannot write {what}{path}: {_reason(exc)}") from exc
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise CacheError(f"cannot write {what}{path}: it is a folder")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        # A device, FIFO or socket: renaming over it would destroy it (as root, /dev/null).
        try:
            with target.open("wb") as handle:
                yield handle
        except OSError as exc:
            raise CacheError(f"cannot write {what}{path}: {_reason(exc)}") from exc
        return
    yield from _replace_regular(target, existing, shown=f"{what}{path}", durable=durable)


def _replace_regular(
    target: Path, existing: os.stat_result | None, *, shown: str, durable: bool = True
) -> Iterator[IO[bytes]]:
    try:
        descriptor, temporary_name = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX)
    except OSError as exc:
        raise CacheError(f"cannot write {shown}: {_reason(exc)}") from exc
    temporary = Path(temporary_name)
    try:
        # mkstemp makes the file private (0600); keep the mode the target had, or
        # the one a new file gets under the umask, since exports are meant to be read.
        mode = stat.S_IMODE(existing.st_mode) if existing is not None else _new_file_mode()
        os.chmod(descriptor, mode)  # noqa: PTH101 - a descriptor, not a path
        with open(descriptor, "wb") as handle:  # noqa: PTH123 - a descriptor, not a path
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        temporary.replace(target)
        if durable:
            fsync_folder(target.parent)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise CacheError(f"cannot write {shown}: {_reason(exc)}") from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words: ``"a FIFO (named pipe)"``, ``"a character device"``...

    >>> file_kind(stat.S_IFCHR)
    'a character device'
    """
    kinds = (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk where the platform allows it."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
