"""The versions an index records in its ``meta`` table, in a module that imports nothing.

:mod:`.schema` and :mod:`.codec` re-export them; they live here so that the
quick read path (:mod:`.quick`) can tell an index it may read without loading
the codec (and with it the model and attrs).
"""

from __future__ import annotations

__all__ = ["CODEC_VERSION", "SCHEMA_VERSION"]

#: Bumped whenever a table changes; an index of another version is rebuilt from the archive.
#: Version 1 was ianaports 0.1's store, which kept no archive (see :mod:`.legacy`); version 3 added
#: the records' printed ``text_row`` and ``json`` columns (see :mod:`.quick`); version 4 the
#: ``history_forms`` table (see :mod:`.quick_history`); version 5 the ``jsonl`` column, and both
#: JSON columns compressed with a preset dictionary (:func:`ianaports.render.stored.compress_json`).
SCHEMA_VERSION = 5

#: Bumped whenever a record column's meaning or encoding changes (:mod:`.codec`); a store built by
#: another version is rebuilt.
CODEC_VERSION = 2
