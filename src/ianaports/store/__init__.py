"""The store: every release kept byte-exact in an archive, and a SQLite index derived from it.

Every fact about disk lives in this package: :mod:`.layout` (where the folder
is and what it holds), :mod:`.archive` (the raw releases), :mod:`.codec` (the
private record format), :mod:`.schema` (the index's tables), :mod:`.write`
(indexing a release), :mod:`.search` (the search index), :mod:`.where` (the one
record selection every lookup asks), :mod:`.view` (lookups by SQL), :mod:`.check`
(integrity checks) and :mod:`.legacy` (converting an ianaports 0.1 store).
:class:`Store` is built in layers, lowest first: :mod:`.connection`,
:mod:`.reader`, :mod:`.writer` and :mod:`.maintenance`, put together in
:mod:`.core`.  :mod:`.quick` reads the newest release's printed rows without
any of those layers, for the command line's quick path.  ``docs/store.md``
describes the design.

Importing the package imports none of its modules: each name below is loaded
from its module on first use, so a quick answer pays only for what it reads.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself imports re, which the quick read path (:mod:`.quick`) does without
if TYPE_CHECKING:
    from .archive import ARCHIVE_FORMAT, REMOVALS_NAME, Removal
    from .check import CheckReport
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
    from .layout import default_data_dir as default_cache_dir
    from .layout import resolve_data_dir as resolve_cache_dir
    from .schema import SCHEMA_VERSION
    from .view import ReleaseView

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

#: Where each name is defined: the package imports a layer when one of its names is first used, so that
#: reading a store (:mod:`.quick`) does not load the writer, maintenance and archive layers.
_LAZY = {
    "ARCHIVE_FORMAT": ".archive",
    "REMOVALS_NAME": ".archive",
    "Removal": ".archive",
    "CheckReport": ".check",
    "CODEC_VERSION": ".versions",
    "ReleaseInfo": ".core",
    "Store": ".core",
    "ARCHIVE_DIR": ".layout",
    "DB_NAME": ".layout",
    "LOCK_NAME": ".layout",
    "TEMP_PREFIX": ".layout",
    "default_data_dir": ".layout",
    "legacy_cache_dir": ".layout",
    "resolve_data_dir": ".layout",
    "SCHEMA_VERSION": ".versions",
    "ReleaseView": ".view",
    # Deprecated names of default_data_dir and resolve_data_dir (the store was a cache in 0.1).
    "default_cache_dir": ".layout:default_data_dir",
    "resolve_cache_dir": ".layout:resolve_data_dir",
}


def __getattr__(name: str) -> object:
    """Every public name, imported from its layer on first use (see :data:`_LAZY`)."""
    where = _LAZY.get(name)
    if where is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    module_name, _, attribute = where.partition(":")
    import importlib  # noqa: PLC0415 - on use: the quick path reaches its modules directly, without it

    value = getattr(importlib.import_module(module_name, __name__), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
