"""Checking a store: every archive entry against its sha256, the index against itself and the archive."""

from __future__ import annotations

import itertools
import zlib
from typing import TYPE_CHECKING

import attrs

from ianaports.errors import CacheError

from . import codec
from .write import OPEN_RUN, unpack_ids

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Mapping, Sequence

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
        archive_bytes += (archive.folder / name).stat().st_size
    problems += [f"{archive.folder / name}: not an archive entry" for name in archive.strays()]
    releases = 0
    pending = 0
    index_bytes = store.db_path.stat().st_size if store.db_path.is_file() else 0
    if store.exists() or names:
        try:
            with store._query() as connection:  # noqa: SLF001 - the checks are part of the store
                problems += _check_index(connection, entries)
                releases = connection.execute("SELECT count(*) FROM releases").fetchone()[0]
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


def _check_index(connection: sqlite3.Connection, entries: Mapping[str, Entry]) -> list[str]:
    verdicts = [row[0] for row in connection.execute("PRAGMA integrity_check(5)")]
    if verdicts != ["ok"]:
        return [
            f"the index fails SQLite's integrity check: {verdicts[0]}" + (" (and more)" if len(verdicts) > 1 else "")
        ]
    problems = _check_records(connection)
    problems += _check_releases(connection)
    problems += _check_against_archive(connection, entries)
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


def _check_order(connection: sqlite3.Connection, updated: str, members: Sequence[int], epoch: int | None) -> list[str]:
    if epoch is None:
        return []
    keys = dict(connection.execute("SELECT record_id, key FROM order_keys WHERE epoch = ?", (epoch,)))
    ordered = [keys.get(record_id) for record_id in members]
    if None in ordered or not all(a < b for a, b in itertools.pairwise(ordered)):  # type: ignore[operator]  # None is ruled out first
        return [f"release {updated}: its order keys do not give its record order"]
    return []


def _check_records(connection: sqlite3.Connection) -> list[str]:
    problems = []
    columns = ", ".join(codec.RECORD_COLUMNS)
    for record_id, digest, *row in connection.execute(f"SELECT id, digest, {columns} FROM records"):  # noqa: S608 - fixed columns
        if codec.row_digest(row) != digest:
            problems.append(f"record {record_id}: content does not match its sha256")
    columns = ", ".join(codec.PERSON_COLUMNS)
    for person_id, digest, *row in connection.execute(f"SELECT id, digest, {columns} FROM people"):  # noqa: S608 - fixed columns
        if codec.row_digest(row) != digest:
            problems.append(f"person {person_id}: content does not match its sha256")
    return problems


def _check_releases(connection: sqlite3.Connection) -> list[str]:
    problems: list[str] = []
    rows = connection.execute(
        "SELECT seq, updated, record_count, members, people FROM releases ORDER BY seq"
    ).fetchall()
    if [row[0] for row in rows] != list(range(len(rows))):
        problems.append("releases: positions are not 0..n-1")
    if [row[1] for row in rows] != sorted(row[1] for row in rows):
        problems.append("releases: positions are not in date order")
    record_ids = {row[0] for row in connection.execute("SELECT id FROM records")}
    person_ids = {row[0] for row in connection.execute("SELECT id FROM people")}
    expected: dict[int, set[int]] = {}
    epochs = dict(connection.execute("SELECT seq, epoch FROM releases"))
    for seq, updated, count, members_blob, people_blob in rows:
        try:
            members = unpack_ids(members_blob)
            people = unpack_ids(people_blob)
        except zlib.error as exc:
            problems.append(f"release {updated}: member list unreadable ({exc})")
            continue
        if len(members) != count:
            problems.append(f"release {updated}: {len(members)} records stored, {count} expected")
        if not record_ids.issuperset(members):
            problems.append(f"release {updated}: refers to missing records")
        if not person_ids.issuperset(people):
            problems.append(f"release {updated}: refers to missing people")
        for record_id in members:
            expected.setdefault(record_id, set()).add(seq)
        problems += _check_order(connection, updated, members, epochs[seq])
    stored: dict[int, set[int]] = {}
    newest = len(rows) - 1
    for record_id, first, stored_last in connection.execute("SELECT record_id, first_seq, last_seq FROM presence"):
        if stored_last == newest:
            problems.append(f"presence of record {record_id}: a run reaching the newest release is not marked open")
        last = newest if stored_last == OPEN_RUN else stored_last
        seqs = stored.setdefault(record_id, set())
        if seqs & set(range(first, last + 1)) or seqs & {first - 1, last + 1}:
            problems.append(f"presence of record {record_id}: overlapping or adjacent runs")
        seqs.update(range(first, last + 1))
    if stored != expected:
        problems.append("presence runs do not match the releases' member lists")
    return problems
