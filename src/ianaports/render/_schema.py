"""The version of every JSON document's keys, in a module that imports nothing.

:mod:`.json` writes it into every document; :mod:`.stored` into the documents
the quick path assembles from stored records, without importing :mod:`.json`.
"""

from __future__ import annotations

__all__ = ["JSON_SCHEMA_VERSION"]

#: Bumped when a key of a document (the record schema included) changes meaning or disappears.
JSON_SCHEMA_VERSION = 1
