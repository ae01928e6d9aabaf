"""The store: every release kept byte-exact in an archive, and a SQLite index derived from it.

Every fact about disk lives in this package: :mod:`.layout` (where the folder
is and what it holds), :mod:`.archive` (the raw releases), :mod:`.codec` (the
private record format), :mod:`.schema` (the index's tables), :mod:`.write`
(indexing a release), :mod:`.search` (the search index), :mod:`.view` (lookups by SQL), :mod:`.check`
(integrity checks) and :mod:`.legacy` (converting an ianaports 0.1 store).
:class:`Store` is built in layers, lowest first: :mod:`.connection`,
:mod:`.reader`, :mod:`.writer` and :mod:`.maintenance`, put together in
:mod:`.core`.  ``docs/store.md`` describes the design.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .archive import ARCHIVE_FORMAT, REMOVALS_NAME, Removal
from .codec import CODEC_VERSION
from .core import ReleaseInfo, Store
from .layout import (
    ARCHIVE_DIR,
    DB_NAME,
    LOCK_NAME,
    TEMP_PREFIX,
    default_data_dir,
    legacy_cache_dir,
    resolve_data_dir,
)
from .schema import SCHEMA_VERSION
from .view import ReleaseView

if TYPE_CHECKING:
    from .check import CheckReport

__all__ = [
    "ARCHIVE_DIR",
    "ARCHIVE_FORMAT",
    "CODEC_VERSION",
    "DB_NAME",
    "LOCK_NAME",
    "REMOVALS_NAME",
    "SCHEMA_VERSION",
    "TEMP_PREFIX",
    "CheckReport",
    "ReleaseInfo",
    "ReleaseView",
    "Removal",
    "Store",
    "default_cache_dir",
    "default_data_dir",
    "legacy_cache_dir",
    "resolve_cache_dir",
    "resolve_data_dir",
]

#: Deprecated names of :func:`default_data_dir` and :func:`resolve_data_dir` (the store was a cache in 0.1).
default_cache_dir = default_data_dir
resolve_cache_dir = resolve_data_dir


def __getattr__(name: str) -> object:
    """``CheckReport``, re-exported without importing the checks for every read."""
    if name == "CheckReport":
        from .check import CheckReport  # noqa: PLC0415 - loaded on first use

        return CheckReport
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
