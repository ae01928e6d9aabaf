"""The SQLite index's tables: derived from the archive, rebuilt when this schema changes.

``records``
    Each distinct record once, as the codec's columns (:mod:`.codec`), keyed
    by the sha256 of those columns; ``name_lower`` and the port span are
    indexed for lookups.  ``text_row`` and ``json`` hold what ``show`` and
    ``search`` print of the record, and ``jsonl`` its line of ``export
    --format jsonl``, written when it was indexed
    (:mod:`ianaports.render.stored`; both JSON forms zlib-compressed with its
    preset dictionary), so that :mod:`.quick` answers without decoding it.
``people``
    Each distinct person once; records name their people by row id.
``releases``
    One row per release: its metadata, its archive entry, and the ordered
    list of its record ids (a zlib-compressed ``uint32`` array).
``presence``
    Per record, the runs of consecutive releases that contain it, so the
    history of one port or name is a few index lookups.
``order_keys``
    Per record and ordering epoch, a real number giving the record's place in
    the file, so a history is ordered without decoding every release.
``history_forms``
    Per record, what ``history`` prints and compares of it
    (:mod:`ianaports.render.stored_history`), so that :mod:`.quick_history`
    answers without decoding it; a record whose pieces hold a separator has no
    row (its histories take the full path).
"""

from __future__ import annotations

import sqlite3

from . import codec
from .versions import SCHEMA_VERSION

__all__ = ["INDEX_STATEMENTS", "SCHEMA_VERSION", "create", "versions_of"]


_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    person_id TEXT NOT NULL,
    name TEXT,
    org TEXT,
    uri TEXT,
    updated TEXT
);
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    name_lower TEXT,
    name TEXT,
    protocol TEXT,
    port_start INTEGER,
    port_end INTEGER,
    span INTEGER,
    port_written TEXT,
    description TEXT NOT NULL,
    text_row TEXT NOT NULL,  -- the record's row of a text table, cells tab-separated
    json BLOB NOT NULL,  -- the record's object in the JSON record schema as show --json prints it, compressed
    jsonl BLOB NOT NULL,  -- the same object on one line, as export --format jsonl writes it, compressed
    assignees BLOB,  -- BLOB affinity keeps values as given: one row id (integer) or "12,57" (text)
    contacts BLOB,
    registered INTEGER,
    modified INTEGER,
    refs TEXT,
    notes TEXT,
    unauthorized_use TEXT,
    service_code INTEGER
);
CREATE TABLE releases (
    id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    updated TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    source TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    stored_at INTEGER NOT NULL,
    title TEXT NOT NULL,
    footnotes TEXT NOT NULL,
    archive TEXT NOT NULL,
    kind TEXT NOT NULL,
    people BLOB NOT NULL,
    members BLOB NOT NULL,
    epoch INTEGER,
    UNIQUE (updated, sha256)
);
CREATE TABLE presence (
    record_id INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (record_id, first_seq)
) WITHOUT ROWID;
CREATE TABLE order_keys (
    record_id INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    key REAL NOT NULL,
    PRIMARY KEY (record_id, epoch)
) WITHOUT ROWID;
CREATE TABLE history_forms (
    record_id INTEGER PRIMARY KEY,
    form BLOB NOT NULL  -- what history prints and compares of the record (ianaports.render.stored_history)
)
"""
#: Indexes: created after a rebuild's bulk insert, where they cost least.
INDEX_STATEMENTS = (
    "CREATE INDEX IF NOT EXISTS records_name ON records (name_lower)",
    "CREATE INDEX IF NOT EXISTS records_port ON records (port_start, port_end)",
    "CREATE INDEX IF NOT EXISTS releases_seq ON releases (seq)",
    "CREATE INDEX IF NOT EXISTS releases_sha256 ON releases (sha256)",
    "CREATE INDEX IF NOT EXISTS releases_epoch ON releases (seq, epoch)",
    "CREATE INDEX IF NOT EXISTS presence_first ON presence (first_seq)",
    "CREATE INDEX IF NOT EXISTS presence_last ON presence (last_seq)",
)


def create(connection: sqlite3.Connection, *, indexes: bool = True) -> None:
    """Create the tables (and, unless told not to, the indexes) in an empty database, in one transaction."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        # executescript() would commit early; run the statements one by one.
        for statement in _TABLES.split(";"):
            connection.execute(statement)
        if indexes:
            for statement in INDEX_STATEMENTS:
                connection.execute(statement)
        connection.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("schema_version", str(SCHEMA_VERSION)), ("codec_version", str(codec.CODEC_VERSION))],
        )
        connection.execute("COMMIT")
    except sqlite3.Error:
        connection.execute("ROLLBACK")
        raise


def versions_of(connection: sqlite3.Connection) -> tuple[int | None, int | None] | None:
    """The (schema, codec) versions an index records; None when it is no ianaports index.

    Raises :class:`sqlite3.DatabaseError` when the file is not a readable database.
    """
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" not in tables:
        return None
    values = dict(connection.execute("SELECT key, value FROM meta WHERE key IN ('schema_version', 'codec_version')"))

    def number(key: str) -> int | None:
        try:
            return int(values[key])
        except (KeyError, ValueError):
            return None

    return number("schema_version"), number("codec_version")
