"""The Store: the archive and its index in one data folder, behind one API.

``Store`` is one class built in layers, one module each, lowest first:
:mod:`.connection` (opening the index, SQLite errors), :mod:`.reader` (every
read), :mod:`.writer` (the lock, adding releases) and :mod:`.maintenance`
(rebuilds, backups, checks).  Each layer uses only those below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .maintenance import Maintenance
from .reader import ReleaseInfo

if TYPE_CHECKING:
    from .check import CheckReport

__all__ = ["CheckReport", "ReleaseInfo", "Store"]


class Store(Maintenance):
    """The archive and index in one data folder.

    Open it with ``Store(data_dir)``; the folder, archive and index are
    created on the first write, not on open.  Reads work in a read-only
    folder.  Use it as a context manager (or call :meth:`close`) to release
    the database.  ``cache_dir`` is the deprecated name of ``data_dir``.
    """

    def __repr__(self) -> str:
        return f"<Store {str(self.path)!r}>"

    def __enter__(self) -> Store:  # noqa: PYI034 - Store is final; Self needs typing_extensions on 3.10
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def __getattr__(name: str) -> object:
    """``CheckReport``, re-exported without importing the checks for every read."""
    if name == "CheckReport":
        from .check import CheckReport  # noqa: PLC0415 - loaded on first use

        return CheckReport
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
