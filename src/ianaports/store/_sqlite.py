"""sqlite3 for the quick path: the C module itself, without the package around it.

``import sqlite3`` runs ``sqlite3.dbapi2``, which imports ``datetime`` and
``time`` to register the default date adapters (about 1.5 ms of a 25 ms
answer); the quick path stores no dates and reads only text, integers and
blobs, so it takes ``_sqlite3``, whose ``connect`` and exception classes are
the very objects ``sqlite3`` re-exports.  An interpreter without that name
falls back to the package.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
else:
    try:
        import _sqlite3 as sqlite3
    except ImportError:  # pragma: no cover - CPython has it; another interpreter may not
        import sqlite3

__all__ = ["sqlite3"]
