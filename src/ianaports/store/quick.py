"""The newest release's printed rows, read straight from the index: the store side of the quick path.

:mod:`ianaports.cli._quick` answers ``show`` and ``search`` from here without
the :class:`~ianaports.store.Store` layers (and so without attrs, the model
and the codec): :func:`open_newest` opens the index read-only (``mode=ro``),
checks its schema and codec versions against :mod:`.versions`, and takes the
newest release, as :meth:`Store.view` with ``"latest"`` does (the highest
``seq``; a removed release has no row).  :class:`Newest` then finds record
ids the way :class:`~ianaports.store.view.ReleaseView` does (the same SQL, the
same file order, the same search ranking) and reads their ``text_row`` and
``json`` columns, which the writer filled from the full path's own functions
(:mod:`ianaports.render.stored`).

Anything out of the ordinary is None, for the caller to leave to the full
path: no index file, an index of another version (the full path rebuilds it),
an empty store (the full path syncs or reads the data package), any SQLite
error, a search the FTS5 index cannot answer.  A read-only folder is read as
the full path reads it: ``immutable=1`` when ``mode=ro`` cannot open the file
and no WAL file holds pages.  It never writes and never raises :class:`sqlite3.Error` past
:func:`open_newest` and the methods below (they return None instead).
"""

from __future__ import annotations

import os
import zlib

from ._sqlite import sqlite3
from .layout import DB_NAME
from .members import unpack_ids
from .versions import CODEC_VERSION, SCHEMA_VERSION
from .where import records_where

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    import array
    from collections.abc import Sequence

__all__ = ["Newest", "open_newest"]

#: SQLite's result code for a file it cannot open (sqlite3.h).
_SQLITE_CANTOPEN = 14
_CANTOPEN_TEXT = "unable to open database file"


class Newest:
    """The newest stored release of one index, answering with record ids in file order and their printed forms."""

    def __init__(self, connection: sqlite3.Connection, updated: str, members: array.array[int]) -> None:
        self.connection = connection
        #: IANA's release date, ISO text, as the index holds it.
        self.updated = updated
        self.members = members
        #: The release's own people (its people section, packed row ids) and footnotes, as stored.
        self.release_people: object = None
        self.footnotes: object = None

    def close(self) -> None:
        """End the read transaction and close the connection."""
        self.connection.close()

    def _in_file_order(self, found: set[int]) -> list[int]:
        """The ids in *found* in the release's file order (an id the release lists twice comes twice)."""
        return [record_id for record_id in self.members if record_id in found] if found else []

    def span(self, start: int, end: int, protocol: str | None) -> list[int] | None:
        """The records whose port or span overlaps *start*-*end* (on *protocol*, when given), as ``lookup_span``.

        A port is the span of one port, as ``ReleaseView.lookup`` asks for it.
        """
        where, parameters = records_where(span=(start, end), protocol=protocol)
        return self._decodable(self._ids(f"SELECT id FROM records WHERE {where}", parameters))  # noqa: S608 - fixed clauses

    def name(self, name: str, protocol: str | None) -> list[int] | None:
        """The records named *name* (case-insensitive) on *protocol*, when given, as ``ReleaseView.service``.

        Like it, it reads every record of the name, then keeps those on *protocol*.
        """
        where, parameters = records_where(name=name)
        found = self._decodable(self._ids(f"SELECT id FROM records WHERE {where}", parameters))  # noqa: S608 - fixed clauses
        return found if protocol is None else self._on(found, protocol)

    def _ids(self, query: str, parameters: list[object]) -> list[int] | None:
        """The record ids *query* selects, in file order; None when SQLite fails."""
        try:
            found = {row[0] for row in self.connection.execute(query, parameters)}
        except sqlite3.Error:
            return None
        return self._in_file_order(found)

    def search(self, needle: str, protocol: str | None) -> list[int] | None:
        """The records matching *needle* (stripped, lower case), ranked as ``ReleaseView.search``, on *protocol*.

        Ranked by tier, then in file order: a stable sort by tier of the
        matches in file order, which is what ``ReleaseView._search`` gives
        both when the release lists every record once (its sort by tier and
        place) and when it lists one twice (answered twice).  None when the
        FTS5 index cannot answer (a needle under three characters, non-ASCII,
        an index behind its records): the full path scans instead.
        """
        # Here, not at the top: show and history need neither (about 0.4 ms of their start-up).
        from ianaports._ranking import search_tier  # noqa: PLC0415

        from . import search  # noqa: PLC0415

        try:
            candidates = search.candidates(self.connection, needle)
        except sqlite3.Error:
            return None
        if candidates is None:
            return None
        tiers: dict[int, int] = {}
        for record_id, name, description in candidates:
            tier = search_tier(needle, name, description)
            if tier is not None:
                tiers[record_id] = tier
        # Every match, as the full path decodes them all before --protocol and --limit.
        chosen = self._decodable(sorted(self._in_file_order(set(tiers)), key=tiers.__getitem__))
        return chosen if protocol is None else self._on(chosen, protocol)

    def _on(self, record_ids: list[int] | None, protocol: str) -> list[int] | None:
        """The records of *record_ids* on *protocol*, in their order."""
        on = None if record_ids is None else self._column(record_ids, "protocol")
        if record_ids is None or on is None:
            return None
        return [record_id for record_id in record_ids if on[record_id] == protocol]

    def text_rows(self, record_ids: Sequence[int]) -> list[str] | None:
        """The stored text rows of *record_ids*, in that order (see :func:`ianaports.render.stored.table_rows`)."""
        found = self._column(record_ids, "text_row")
        if found is None:
            return None
        rows: list[str] = []
        for record_id in record_ids:
            row = found[record_id]
            if not isinstance(row, str):
                return None  # a damaged index: the full path names it
            rows.append(row)
        return rows

    def json_objects(self, record_ids: Sequence[int]) -> list[str] | None:
        """The stored JSON objects of *record_ids*, in that order, as text."""
        found = self._column(record_ids, "json")
        if found is None:
            return None
        return _decompressed(found, record_ids)

    def json_lines(self, record_ids: Sequence[int]) -> list[str] | None:
        """The stored one-line JSON objects of *record_ids* (``export --format jsonl``), in that order, as text."""
        found = self._column(record_ids, "jsonl")
        return None if found is None else _decompressed(found, record_ids)

    def release_read(self) -> bool:
        """True when what loading the whole release reads beside its records reads: its people and footnotes.

        ``Reader._load`` decodes the release's people section and its
        footnotes (the ``export`` answer needs neither): a value not of the
        stored form, or a people row missing or damaged, is its to name.
        """
        if not isinstance(self.release_people, bytes) or not isinstance(self.footnotes, str):
            return False
        try:
            people = unpack_ids(self.release_people)
        except (zlib.error, ValueError, TypeError):
            return False
        return self._rows(list(people), "person_id, name, org, uri, updated", table="people") is not None

    def people_read(self, record_ids: Sequence[int]) -> bool:
        """True when the people rows of *record_ids* read as the full path reads them (see :meth:`_people_read`)."""
        return self._people_read(record_ids)

    def _decodable(self, record_ids: list[int] | None) -> list[int] | None:
        """*record_ids*, once the rows the full path decodes for them read (see :meth:`_people_read`); else None."""
        return record_ids if record_ids is not None and self._people_read(record_ids) else None

    def _people_read(self, record_ids: Sequence[int]) -> bool:
        """True when the people rows of *record_ids* read: the pages the full path decodes besides the records'.

        The printed columns already hold each record's people, but the full
        path reads their rows, and says so when SQLite finds them damaged or
        missing (exit 4): reading them too leaves it that answer.  A people row
        is read whole, as ``Reader._people_rows`` reads it (so SQLite walks the
        same pages); a people value not of the stored form is damage too.  The
        finders read them for every record the full path decodes for the same
        answer, which may be more than it prints (past --limit, on another protocol).
        """
        # Through the row's last column, as the full path decodes it: SQLite reads an overflowing row that far.
        listed = self._rows(record_ids, "assignees, contacts, service_code")
        if listed is None:
            return False
        wanted: set[int] = set()
        for value in (value for row in listed.values() for value in row[:2]):
            if isinstance(value, int):
                wanted.add(value)
            elif isinstance(value, str) and value.replace(",", "").isdigit():
                wanted.update(int(person) for person in value.split(","))
            elif value is not None:
                return False
        return self._rows(list(wanted), "person_id, name, org, uri, updated", table="people") is not None

    def _column(self, record_ids: Sequence[int], column: str) -> dict[int, object] | None:
        rows = self._rows(record_ids, column)
        return None if rows is None else {row_id: row[0] for row_id, row in rows.items()}

    def _rows(
        self, row_ids: Sequence[int], columns: str, *, table: str = "records"
    ) -> dict[int, tuple[object, ...]] | None:
        """The *columns* of the rows *row_ids* of *table*, by id; None when one is missing or SQLite fails."""
        wanted = sorted(set(row_ids))
        found: dict[int, tuple[object, ...]] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT id, {columns} FROM {table} WHERE id IN ({marks})"  # noqa: S608 - fixed names
                found.update((row[0], row[1:]) for row in self.connection.execute(query, chunk))
        except sqlite3.Error:
            return None
        return found if len(found) == len(wanted) else None


def _decompressed(found: dict[int, object], record_ids: Sequence[int]) -> list[str] | None:
    """The stored JSON forms of *record_ids*, decompressed; None when one is damaged (the full path names it)."""
    from ianaports.render.stored import decompress_json  # noqa: PLC0415 - after the store answered

    try:
        return [decompress_json(found[record_id]) for record_id in record_ids]  # type: ignore[arg-type]
    except (zlib.error, UnicodeDecodeError, TypeError):
        return None


def open_newest(folder: str) -> Newest | None:
    """The newest release of the index in *folder*, read-only; None when the full path should answer instead."""
    # os.path, not pathlib: pathlib imports re and more, which a quick answer does without.
    path = os.path.join(os.path.abspath(folder), DB_NAME)  # noqa: PTH118, PTH100
    if not os.path.isfile(path):  # noqa: PTH113
        return None
    for mode in _read_modes(path):
        try:
            connection = sqlite3.connect(_read_only_uri(path, mode), uri=True, isolation_level=None)
        except sqlite3.Error:
            return None
        try:
            # One read transaction: a rebuild committing meanwhile (it renumbers records) cannot mix two states.
            connection.execute("BEGIN")
            newest = _newest(connection)
        except sqlite3.Error as exc:
            connection.close()
            if _cannot_open(exc):
                continue
            return None
        except (zlib.error, ValueError, TypeError):
            newest = None
        if newest is None:
            connection.close()
        return newest
    return None


def _read_modes(path: str) -> list[str]:
    """How to open *path* read-only, in turn, as the full path does (:mod:`.connection`).

    A read-only folder cannot hold WAL's ``-shm`` file, so ``mode=ro`` fails
    at the first read there; ``immutable=1`` reads without it, and is safe
    only when no WAL file holds pages the main file lacks.
    """
    try:
        wal_size = os.stat(path + "-wal").st_size  # noqa: PTH116 - os, not pathlib, on the quick path
    except FileNotFoundError:
        wal_size = 0
    except OSError:
        wal_size = -1
    return ["mode=ro", "immutable=1"] if wal_size == 0 else ["mode=ro"]


def _cannot_open(error: sqlite3.Error) -> bool:
    """True for SQLITE_CANTOPEN, what a WAL database in a read-only folder answers to ``mode=ro``."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        # Python 3.10's exceptions carry no code, only SQLite's own text for it (sqlite3_errstr).
        return str(error) == _CANTOPEN_TEXT
    return bool(code == _SQLITE_CANTOPEN)


def _newest(connection: sqlite3.Connection) -> Newest | None:
    versions = dict(connection.execute("SELECT key, value FROM meta WHERE key IN ('schema_version', 'codec_version')"))
    if versions != {"schema_version": str(SCHEMA_VERSION), "codec_version": str(CODEC_VERSION)}:
        return None
    # As Reader.releases and Reader._members read them, so that SQLite walks the pages the full path
    # does (and a damaged one is its to name): every release's row to ``kind``, its last column read
    # there; then the newest's members, by date and sha256.
    releases = connection.execute("SELECT updated, sha256, kind FROM releases ORDER BY seq").fetchall()
    if not releases:
        return None
    updated, sha256, _ = releases[-1]
    row = connection.execute(
        "SELECT members, people, footnotes FROM releases WHERE updated = ? AND sha256 = ? ORDER BY seq DESC LIMIT 1",
        (updated, sha256),
    ).fetchone()
    if row is None:
        return None
    newest = Newest(connection, str(updated), unpack_ids(row[0]))
    newest.release_people, newest.footnotes = row[1], row[2]
    return newest


def _read_only_uri(path: str, mode: str = "mode=ro") -> str:
    """An SQLite URI opening *path* read-only with *mode* (the characters a URI reserves escaped)."""
    escaped = path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{escaped}?{mode}"
