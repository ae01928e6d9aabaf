"""The search index: a trigram FTS5 table over every record's name and description, derived from ``records``.

``search`` looks for any text inside a name or a description, so the index is
SQLite's trigram tokenizer (every three-character piece, case folded), which
answers "contains" for a needle of three characters or more.  It only
narrows: :meth:`~ianaports.store.view.ReleaseView.search` confirms every
candidate in Python, so the index may over-match but must never miss.  Records
with any non-ASCII name or description (where SQLite's case folding and
Python's ``str.lower`` may disagree) are flagged and always candidates.

The table is filled in the transaction that indexes a release
(:meth:`~ianaports.store.writer.Writer._insert`), from the records it lacks:
record ids only grow, so the highest id it holds says how far it goes.  A store
whose table is missing or behind (written before the table existed, or by an
SQLite without FTS5) is searched by a scan, as before; so is a needle under
three characters or with non-ASCII text.
"""

from __future__ import annotations

from ._sqlite import sqlite3

TYPE_CHECKING = False  # typing itself imports re, which the quick read path (.quick) does without
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["SEARCH_TABLE", "candidates", "fill"]

#: The FTS5 table (contentless: it holds the trigrams, not the text).
SEARCH_TABLE = "records_search"
_FLAG = "nonascii"
_CREATE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE}"
    " USING fts5(name, description, flag, content='', tokenize='trigram')"
)


def _flag(name: str | None, description: str) -> str:
    return "" if (name or "").isascii() and description.isascii() else _FLAG


def fill(connection: sqlite3.Connection) -> None:
    """Create the table if it is missing and index the records it lacks; nothing when FTS5 is unavailable.

    Run it inside the transaction that inserted the records.
    """
    try:
        connection.execute(_CREATE)
    except sqlite3.OperationalError:  # an SQLite built without FTS5 or its trigram tokenizer: scans only
        return
    through = _highest(connection, SEARCH_TABLE)
    rows: Iterable[tuple[int, str | None, str]] = connection.execute(
        "SELECT id, name, description FROM records WHERE id > ? ORDER BY id", (through,)
    )
    added = [(record_id, name or "", description, _flag(name, description)) for record_id, name, description in rows]
    if not added:
        return
    connection.executemany(
        f"INSERT INTO {SEARCH_TABLE} (rowid, name, description, flag) VALUES (?, ?, ?, ?)",  # noqa: S608 - fixed name
        added,
    )
    # Each fill leaves FTS5 one more segment, and every query reads every segment: after 13 releases a
    # word took 4-6x longer to find than in one merged segment.  Merging them all costs about 35 ms here.
    connection.execute(f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('optimize')")  # noqa: S608 - fixed name


def _highest(connection: sqlite3.Connection, table: str) -> int:
    row = connection.execute(f"SELECT rowid FROM {table} ORDER BY rowid DESC LIMIT 1").fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def candidates(connection: sqlite3.Connection, needle: str) -> list[tuple[int, str | None, str]] | None:
    """Ids, names and descriptions of the records that may contain *needle* (lower case); None: scan instead.

    None when the index cannot answer: a needle under three characters or not
    ASCII, or a store whose table is missing or behind its records.
    """
    if len(needle) < 3 or not needle.isascii():  # noqa: PLR2004 - a trigram is three characters
        return None
    try:
        if _highest(connection, SEARCH_TABLE) != _highest(connection, "records"):
            return None
        # One FTS5 string: the needle as a phrase (its double quotes doubled), searched in
        # name and description; or the flag of a record with non-ASCII text.
        phrase = '"' + needle.replace('"', '""') + '"'
        query = f"{{name description}} : {phrase} OR flag : {_FLAG}"
        # The rows in the same statement: a second query over the ids cost a third of a broad search.
        return connection.execute(
            f"SELECT id, name, description FROM records WHERE id IN "  # noqa: S608
            f"(SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?)",
            (query,),
        ).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such module" in str(exc):
            return None
        raise
