"""Checking a store: every archive entry against its sha256, the index against itself and the archive."""

from __future__ import annotations

import collections
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import attrs

from ianaports.errors import CacheError

from . import codec
from .connection import STORED_DATA_ERRORS
from .write import OPEN_RUN, unpack_ids

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from .archive import Entry
    from .writer import Writer

__all__ = ["MAX_PROBLEMS", "CheckReport", "check_store"]

#: At most this many problem lines are reported; the rest are counted.
MAX_PROBLEMS = 20


@attrs.frozen(kw_only=True)
class CheckReport:
    """What :meth:`Store.check_report` found: counts for a summary, and the problems."""

    releases: int
    entries: int
    keyframes: int
    archive_bytes: int
    index_bytes: int
    #: Archived releases the index does not hold yet (a writer was interrupted); the next writer adds them.
    pending: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def summary(self) -> str:
        """What was checked, in one line: ``13 releases, 13 archive entries (2 keyframes, 1.0 MB), index 5.5 MB``."""
        pending = f", {self.pending} archived release(s) waiting to be indexed" if self.pending else ""
        problems = f", {len(self.problems)} problem(s)" if self.problems else ""
        return (
            f"{self.releases} releases, {self.entries} archive entries ({self.keyframes} keyframes,"
            f" {self.archive_bytes / 1e6:.1f} MB), index {self.index_bytes / 1e6:.1f} MB{pending}{problems}"
        )


def check_store(store: Writer) -> CheckReport:
    """Check *store* (see :meth:`Store.check_report`)."""
    problems: list[str] = []
    archive = store.archive
    names = archive.names()
    entries: dict[str, Entry] = {}
    keyframes = 0
    archive_bytes = 0
    for name in names:
        try:
            entry, _ = archive.read(name)
        except CacheError as exc:
            problems.append(str(exc))
            continue
        entries[name] = entry
        keyframes += entry.keyframe
        archive_bytes += _size(archive.folder / name)
    problems += [f"{archive.folder / name}: not an archive entry" for name in archive.strays()]
    releases = 0
    pending = 0
    index_bytes = _size(store.db_path)
    try:
        present = store.exists() or bool(names)
    except CacheError as exc:
        problems.append(str(exc))
        present = False
    if present:
        try:
            removed = archive.removed()
            with store._query() as connection:  # noqa: SLF001 - the checks are part of the store
                problems += _check_index(connection, entries)
                releases = connection.execute("SELECT count(*) FROM releases").fetchone()[0]
                problems += [
                    f"release {updated}: removed on {removed[key].at.date()} but still in the index"
                    for updated, sha256 in connection.execute("SELECT updated, sha256 FROM releases")
                    if (key := (_day(updated), sha256)) in removed
                ]
            pending = len(store._pending())  # noqa: SLF001
        except CacheError as exc:
            problems.append(str(exc))
    if len(problems) > MAX_PROBLEMS:
        problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more problems"]
    return CheckReport(
        releases=releases,
        entries=len(names),
        keyframes=keyframes,
        archive_bytes=archive_bytes,
        index_bytes=index_bytes,
        pending=pending,
        problems=tuple(problems),
    )


def _day(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _size(path: Path) -> int:
    """The size of the file at *path*, 0 when it cannot be read (the check reports why elsewhere)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _check_index(connection: sqlite3.Connection, entries: Mapping[str, Entry]) -> list[str]:
    verdicts = [row[0] for row in connection.execute("PRAGMA integrity_check(5)")]
    if verdicts != ["ok"]:
        verdict = " ".join(str(verdicts[0]).split())
        return [f"the index fails SQLite's integrity check: {verdict}" + (" (and more)" if len(verdicts) > 1 else "")]
    problems = _check_meta(connection)
    record_ids, person_ids, record_problems = _check_records(connection)
    problems += record_problems
    problems += _check_releases(connection, record_ids, person_ids)
    problems += _check_against_archive(connection, entries)
    return problems


def _check_meta(connection: sqlite3.Connection) -> list[str]:
    """The metadata's values: versions are numbers, the check time a timestamp, validators JSON."""
    problems = []
    for key, value in connection.execute("SELECT key, value FROM meta"):
        try:
            if key in ("schema_version", "codec_version"):
                int(value)
            elif key == "last_checked":
                dt.datetime.fromisoformat(value)
            elif str(key).startswith("validators:"):
                json.loads(value)
        except STORED_DATA_ERRORS as exc:
            problems.append(f"meta {key}: unreadable value ({type(exc).__name__})")
    return problems


def _check_against_archive(connection: sqlite3.Connection, entries: Mapping[str, Entry]) -> list[str]:
    problems = []
    for updated, sha256, count, name, kind in connection.execute(
        "SELECT updated, sha256, record_count, archive, kind FROM releases ORDER BY seq"
    ):
        entry = entries.get(name)
        if entry is None:
            problems.append(f"release {updated}: its archive entry {name} is missing or unreadable")
            continue
        if (entry.updated.isoformat(), entry.sha256, entry.kind) != (updated, sha256, kind):
            problems.append(f"release {updated}: its archive entry {name} holds another release")
        elif entry.records != count:
            problems.append(f"release {updated}: {count} records indexed, {entry.records} archived")
    return problems


class _OrderKeys:
    """The order keys of one epoch at a time: consecutive releases share an epoch, so each is read once."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._epoch: int | None = None
        self._keys: dict[int, float] = {}

    def of(self, epoch: int) -> dict[int, float]:
        if epoch != self._epoch:
            self._keys = {}  # let the previous epoch's keys go before the next ones are read
            self._keys = dict(
                self._connection.execute("SELECT record_id, key FROM order_keys WHERE epoch = ?", (epoch,))
            )
            self._epoch = epoch
        return self._keys


def _check_order(keys: _OrderKeys, updated: str, members: Sequence[int], epoch: int | None) -> list[str]:
    if epoch is None:
        return []
    known = keys.of(epoch)
    ordered = list(map(known.get, members))
    # Strictly increasing keys, compared in C: sorted already, and no key twice.
    if None in ordered or ordered != sorted(ordered) or len(set(ordered)) != len(ordered):  # type: ignore[type-var]  # None is ruled out first
        return [f"release {updated}: its order keys do not give its record order"]
    return []


def _check_records(connection: sqlite3.Connection) -> tuple[set[int], set[int], list[str]]:
    """Every record's and person's columns against their sha256; also their row ids, for the releases' check."""
    problems = []
    record_ids: set[int] = set()
    person_ids: set[int] = set()
    for table, columns, ids in (
        ("records", codec.RECORD_COLUMNS, record_ids),
        ("people", codec.PERSON_COLUMNS, person_ids),
    ):
        what = "record" if table == "records" else "person"
        selected = ", ".join(columns)
        for row_id, digest, *row in connection.execute(f"SELECT id, digest, {selected} FROM {table}"):  # noqa: S608 - fixed names
            ids.add(row_id)
            try:
                sound = codec.row_digest(row) == digest
            except STORED_DATA_ERRORS:
                sound = False
            if not sound:
                problems.append(f"{what} {row_id}: content does not match its sha256")
    return record_ids, person_ids, problems


def _presence_events(
    connection: sqlite3.Connection, newest: int
) -> tuple[dict[int, list[int]], dict[int, list[int]], list[str]]:
    """The presence runs as the record ids entering and leaving at each position, and the runs' own problems."""
    problems: list[str] = []
    enter: dict[int, list[int]] = collections.defaultdict(list)
    leave: dict[int, list[int]] = collections.defaultdict(list)
    previous: tuple[int, int] | None = None
    for record_id, first, stored_last in connection.execute(
        "SELECT record_id, first_seq, last_seq FROM presence ORDER BY record_id, first_seq"
    ):
        if stored_last == newest:
            problems.append(f"presence of record {record_id}: a run reaching the newest release is not marked open")
        last = newest if stored_last == OPEN_RUN else stored_last
        if last < first:
            problems.append(f"presence of record {record_id}: a run ends before it starts")
        if previous is not None and previous[0] == record_id and first <= previous[1] + 1:
            problems.append(f"presence of record {record_id}: overlapping or adjacent runs")
        previous = (record_id, last)
        enter[first].append(record_id)
        if stored_last != OPEN_RUN and last < newest:
            leave[last + 1].append(record_id)
    return enter, leave, problems


def _check_release_row(row: Sequence[Any]) -> str | None:
    """Why a release row cannot be read back (its date, fetch time, hash, title or footnotes), or None."""
    _, updated, fetched_at, sha256, title, footnotes = row[:6]
    try:
        dt.date.fromisoformat(updated)
        dt.datetime.fromisoformat(fetched_at)
        if not isinstance(title, str) or not isinstance(sha256, str) or len(sha256) != 64:  # noqa: PLR2004 - hex sha256
            raise TypeError("title or sha256")
        if not isinstance(json.loads(footnotes), dict):
            raise TypeError("footnotes")
    except STORED_DATA_ERRORS as exc:
        return f"release {updated!r}: unreadable row ({type(exc).__name__}: {exc})"
    return None


def _check_releases(connection: sqlite3.Connection, record_ids: set[int], person_ids: set[int]) -> list[str]:
    """Each release row, its member lists against the records, people, order keys and presence runs.

    Streams: one release's members at a time, beside the set of records
    whose presence runs cover it (kept up to date as runs enter and leave),
    so memory stays bounded by one release whatever the history's length.
    """
    problems: list[str] = []
    newest = connection.execute("SELECT count(*) FROM releases").fetchone()[0] - 1
    enter, leave, problems = _presence_events(connection, newest)
    keys = _OrderKeys(connection)
    active: set[int] = set()
    expected_seq = 0
    previous_date: str | None = None
    positions_ok = dates_ok = True
    for row in connection.execute(
        "SELECT seq, updated, fetched_at, sha256, title, footnotes, record_count, members, people, epoch"
        " FROM releases ORDER BY seq"
    ):
        seq, updated, _, _, _, _, count, members_blob, people_blob, epoch = row
        positions_ok = positions_ok and seq == expected_seq
        expected_seq += 1
        unreadable = _check_release_row(row)
        if unreadable is not None:
            problems.append(unreadable)
            continue
        if previous_date is not None and updated < previous_date:
            dates_ok = False
        previous_date = updated
        active.difference_update(leave.pop(seq, ()))
        active.update(enter.pop(seq, ()))
        try:
            members = unpack_ids(members_blob)
            people = unpack_ids(people_blob)
        except STORED_DATA_ERRORS as exc:
            problems.append(f"release {updated}: member list unreadable ({exc})")
            continue
        if len(members) != count:
            problems.append(f"release {updated}: {len(members)} records stored, {count} expected")
        member_set = set(members)
        if not member_set <= record_ids:
            problems.append(f"release {updated}: refers to missing records")
        if not person_ids.issuperset(people):
            problems.append(f"release {updated}: refers to missing people")
        if member_set != active:
            problems.append(f"release {updated}: presence runs do not match its member list")
        problems += _check_order(keys, updated, members, epoch)
    if not positions_ok:
        problems.append("releases: positions are not 0..n-1")
    if not dates_ok:
        problems.append("releases: positions are not in date order")
    if any(enter.values()) or any(leave.values()):
        problems.append("presence runs name positions no release holds")
    return problems
