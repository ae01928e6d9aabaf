"""Writing the index: one release's rows in one transaction, records and people stored once."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import attrs

from ianaports.render.stored import compress_json, record_json_line, record_json_text, record_text_row

from . import codec
from .members import chunks, pack_ids, unpack_ids

if TYPE_CHECKING:
    import datetime as dt
    import sqlite3
    from collections.abc import Iterable, Sequence

    from ianaports.model import Person, ServiceRecord
    from ianaports.registry import Registry

    from .archive import Entry

__all__ = ["OPEN_RUN", "Interned", "chunks", "insert_release", "pack_ids", "unpack_ids"]


@attrs.define
class Interned:
    """Record and person ids already stored, so an import encodes only what is new.

    Records compare equal when their stored columns are equal, except for the port
    text IANA wrote (not part of a span's equality): the key carries it.  The ids
    of rows written by the open transaction wait in ``pending`` until it
    commits, since a rollback takes them back.

    ``blocks`` is the fast path of a long import: a record's ``<record>`` element
    as IANA's bytes, with the row ids of the people it names as they were
    then.  The same bytes naming the same people parse to the same record, so
    most records of a weekly release are found without hashing a value.
    """

    records: dict[tuple[ServiceRecord, str | None], int] = attrs.Factory(dict)
    people: dict[Person, int] = attrs.Factory(dict)
    blocks: dict[bytes, _Block] = attrs.Factory(dict)
    #: The same for ``<person>`` elements: their bytes -> (people row id, person id).
    person_blocks: dict[bytes, tuple[int, str]] = attrs.Factory(dict)
    pending_records: dict[tuple[ServiceRecord, str | None], int] = attrs.Factory(dict)
    pending_people: dict[Person, int] = attrs.Factory(dict)
    pending_blocks: dict[bytes, _Block] = attrs.Factory(dict)
    pending_person_blocks: dict[bytes, tuple[int, str]] = attrs.Factory(dict)
    #: Order keys known per epoch (epoch -> record id -> key), so the next release's are not read back.
    order_keys: dict[int, dict[int, float]] = attrs.Factory(dict)
    pending_order_keys: dict[int, dict[int, float]] = attrs.Factory(dict)
    #: The fastest path: records and people by object identity (``id()`` -> row id).
    #: :class:`ianaports.parser.ReleaseParser` hands the same objects back for what did not change,
    #: and an object holds the same values, so the same row.  ``kept`` holds every such object, so that
    #: no ``id()`` in these maps can be another object's.
    objects: dict[int, int] = attrs.Factory(dict)
    person_objects: dict[int, int] = attrs.Factory(dict)
    kept: list[object] = attrs.Factory(list)
    pending_objects: dict[int, int] = attrs.Factory(dict)
    pending_person_objects: dict[int, int] = attrs.Factory(dict)
    pending_kept: list[object] = attrs.Factory(list)

    def commit(self) -> None:
        """Keep the ids of the transaction that just committed."""
        self.records.update(self.pending_records)
        self.people.update(self.pending_people)
        self.blocks.update(self.pending_blocks)
        self.person_blocks.update(self.pending_person_blocks)
        for epoch, keys in self.pending_order_keys.items():
            self.order_keys.setdefault(epoch, {}).update(keys)
        self.objects.update(self.pending_objects)
        self.person_objects.update(self.pending_person_objects)
        self.kept.extend(self.pending_kept)
        self.rollback()

    def rollback(self) -> None:
        """Forget the ids of the transaction that was rolled back."""
        self.pending_records.clear()
        self.pending_people.clear()
        self.pending_blocks.clear()
        self.pending_person_blocks.clear()
        self.pending_order_keys.clear()
        self.pending_objects.clear()
        self.pending_person_objects.clear()
        self.pending_kept.clear()


#: A known ``<record>`` element: its row id, the ids of the people it names and their people row ids
#: then (None for a person the people section lacked), its name and its description.
_Block = tuple[int, tuple[str, ...], tuple["int | None", ...], "str | None", str]


#: Below this share of objects met before, an import also looks records and people up by their bytes.
_IDENTITY_SHARE = 0.875


def _ids_by_object(items: Sequence[Any], known: dict[int, int], pending: dict[int, int]) -> list[int]:
    """The row id of each item met before as this very object, else -1."""
    ids = list(map(known.get, map(id, items), itertools.repeat(-1)))  # one C loop: most items hit
    if pending:
        for position, row_id in enumerate(ids):
            if row_id < 0:
                ids[position] = pending.get(id(items[position]), -1)
    return ids


def _remember_objects(
    items: Sequence[Any], ids: list[int], found: list[int], interned: Interned, *, people: bool
) -> None:
    """Keep the row ids of *items* not found by identity (*found* holds -1 for them)."""
    pending = interned.pending_person_objects if people else interned.pending_objects
    for item, row_id, before in zip(items, ids, found, strict=True):
        if before < 0:
            pending[id(item)] = row_id
            interned.pending_kept.append(item)


def record_blocks(xml: bytes | None, count: int, tag: bytes = b"<record") -> list[bytes] | None:
    """The bytes of each ``<record>`` (or *tag*) element of *xml* in order, or None when they do not number *count*."""
    if xml is None:
        return None
    blocks = xml.split(tag)[1:]
    return blocks if len(blocks) == count else None


def _people_ids(connection: sqlite3.Connection, registry: Registry, interned: Interned, xml: bytes | None) -> list[int]:
    """The people row ids of the release's people section, found by their bytes where met before."""
    people = list(registry.people.values())
    found = _ids_by_object(people, interned.person_objects, interned.pending_person_objects)
    ids = _people_ids_by_bytes(connection, people, found, interned, xml)
    _remember_objects(people, ids, found, interned, people=True)
    return ids


def _people_ids_by_bytes(
    connection: sqlite3.Connection, people: list[Person], found: list[int], interned: Interned, xml: bytes | None
) -> list[int]:
    """The people row ids of *people*, given those *found* by identity: the few others by value, else by bytes."""
    missing = [position for position, row_id in enumerate(found) if row_id < 0]
    if not missing:
        return found
    if len(missing) <= (1 - _IDENTITY_SHARE) * len(people):
        ids = list(found)
        rows = _intern_people(connection, [people[position] for position in missing], interned)
        for position, row_id in zip(missing, rows, strict=True):
            ids[position] = row_id
        return ids
    blocks = record_blocks(xml, len(people), b"<person")
    if blocks is None:
        return _intern_people(connection, people, interned)
    known, pending = interned.person_blocks.get, interned.pending_person_blocks.get
    ids = []
    for person, block in zip(people, blocks, strict=True):
        hit = known(block) or pending(block)
        ids.append(hit[0] if hit is not None and hit[1] == person.id else -1)
    missing = [position for position, row_id in enumerate(ids) if row_id < 0]
    if missing:
        rows = _intern_people(connection, [people[position] for position in missing], interned)
        for position, row_id in zip(missing, rows, strict=True):
            ids[position] = row_id
            interned.pending_person_blocks[blocks[position]] = (row_id, people[position].id)
    return ids


def insert_release(
    connection: sqlite3.Connection, registry: Registry, entry: Entry, *, interned: Interned, xml: bytes | None = None
) -> tuple[int, dt.datetime]:
    """Insert the rows of *registry*, archived as *entry*; return its position in date order and fetch time.

    *xml*, the release's original bytes when at hand, lets records met before be found by their bytes.
    """
    people_ids = _people_ids(connection, registry, interned, xml)
    current = dict(zip(registry.people, people_ids, strict=True))
    records = registry.records
    found = _ids_by_object(records, interned.objects, interned.pending_objects)
    misses = found.count(-1)
    if not misses:
        member_ids = found
    else:
        # Mostly known by identity: the few others by value; else by their bytes, then by value.
        blocks = None if misses <= (1 - _IDENTITY_SHARE) * len(records) else record_blocks(xml, len(registry))
        member_ids = _intern_records(connection, records, interned, blocks, current, found)
        _remember_objects(records, member_ids, found, interned, people=False)
    updated = registry.updated.isoformat()
    epoch = _assign_order_keys(connection, member_ids, updated, interned)
    # The new release's place in date order; releases of one date keep the order they were stored in.
    seq = connection.execute(
        "SELECT count(*) FROM releases WHERE updated < ?1 OR (updated = ?1 AND stored_at <= ?2)",
        (updated, entry.stored_at),
    ).fetchone()[0]
    count_before = connection.execute("SELECT count(*) FROM releases").fetchone()[0]
    connection.execute("UPDATE releases SET seq = seq + 1 WHERE seq >= ?", (seq,))
    connection.execute(
        "INSERT INTO releases (seq, updated, sha256, record_count, source, fetched_at, stored_at, title, footnotes,"
        " archive, kind, people, members, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq,
            updated,
            entry.sha256,
            len(member_ids),
            entry.source,
            entry.fetched_at.isoformat(),
            entry.stored_at,
            registry.title,
            codec.encode_footnotes(registry.footnotes),
            entry.name,
            entry.kind,
            pack_ids(people_ids),
            pack_ids(member_ids),
            epoch,
        ),
    )
    if seq == count_before:
        _append_presence(connection, seq, set(member_ids))
    else:
        # Out of date order: spell the open runs out, insert, and mark the runs reaching the newest again.
        connection.execute("UPDATE presence SET last_seq = ? WHERE last_seq = ?", (count_before - 1, OPEN_RUN))
        _insert_presence(connection, seq, set(member_ids))
        connection.execute("UPDATE presence SET last_seq = ? WHERE last_seq = ?", (OPEN_RUN, count_before))
    return seq, entry.fetched_at


def _intern_records(  # noqa: PLR0917 - a private step of insert_release
    connection: sqlite3.Connection,
    records: Sequence[ServiceRecord],
    interned: Interned,
    blocks: list[bytes] | None,
    current: dict[str, int],
    found: list[int],
) -> list[int]:
    """The ids of *records*, inserting the new ones; only records not met before are encoded and hashed.

    *blocks* are the records' ``<record>`` bytes (or None); *current* maps the
    release's person ids to their people row ids; *found* holds the ids known
    by identity already (-1 for the others).
    """
    ids = list(found) if blocks is None else _ids_by_block(records, blocks, interned, current)
    # ``written`` is None when IANA wrote the span canonically; either way it fixes the stored port text.
    stored = interned.records
    keys: dict[int, tuple[ServiceRecord, str | None]] = {}
    for position, record_id in enumerate(ids):
        if record_id < 0:
            record = records[position]
            key = keys[position] = (record, None if record.ports is None else record.ports.written)
            ids[position] = stored.get(key, -1)
    if blocks is not None:
        _remember_blocks(records, blocks, ids, keys, interned, current)
    missing = [position for position, record_id in enumerate(ids) if record_id < 0]
    if not missing:
        return ids
    # People a new record names but the people section lacks (IANA's stubs) get their row too.
    named = {
        person: None for position in missing for person in (*records[position].assignees, *records[position].contacts)
    }
    if named:
        _intern_people(connection, list(named), interned)
    people = {**interned.people, **interned.pending_people}
    rows = [codec.record_row(records[position], people.__getitem__) for position in missing]
    digests = [codec.row_digest(row) for row in rows]
    known = _known_ids(connection, "records", digests)
    new_rows = []
    fresh: list[tuple[bytes, ServiceRecord]] = []
    for position, digest, row in zip(missing, digests, rows, strict=True):
        if digest in known:
            continue
        known[digest] = -1  # a record repeated within the release is inserted once
        name = row[0]
        record = records[position]
        # What show and search print of it, for the quick read path (ianaports.render.stored says why).
        printed = (
            record_text_row(record),
            compress_json(record_json_text(record)),
            compress_json(record_json_line(record)),
        )
        new_rows.append((digest, None if name is None else name.lower(), *printed, *row))
        fresh.append((digest, record))
    marks = ", ".join("?" * (len(codec.RECORD_COLUMNS) + 5))
    connection.executemany(
        f"INSERT INTO records (digest, name_lower, text_row, json, jsonl, {', '.join(codec.RECORD_COLUMNS)})"  # noqa: S608 - fixed columns
        f" VALUES ({marks})",
        new_rows,
    )
    if new_rows:
        known.update(_known_ids(connection, "records", [row[0] for row in new_rows]))
        _insert_history_forms(connection, [(known[digest], record) for digest, record in fresh])
    pending = interned.pending_records
    for position, digest in zip(missing, digests, strict=True):
        ids[position] = pending[keys[position]] = known[digest]
    if blocks is not None:
        _remember_blocks(records, blocks, ids, {position: keys[position] for position in missing}, interned, current)
    return ids


def _insert_history_forms(connection: sqlite3.Connection, records: Sequence[tuple[int, ServiceRecord]]) -> None:
    """Store what ``history`` prints and compares of each new record (see :mod:`ianaports.render.stored_history`)."""
    from ianaports.render.changes import record_history_form  # noqa: PLC0415 - imports the diff engine
    from ianaports.render.stored_history import compress_form  # noqa: PLC0415

    rows = []
    for record_id, record in records:
        form = record_history_form(record)
        if form is not None:  # a piece holding a separator: that record's histories take the full path
            rows.append((record_id, compress_form(form)))
    connection.executemany("INSERT INTO history_forms VALUES (?, ?)", rows)


def _ids_by_block(
    records: Sequence[ServiceRecord], blocks: list[bytes], interned: Interned, current: dict[str, int]
) -> list[int]:
    known, pending, person_row = interned.blocks.get, interned.pending_blocks.get, current.get
    ids: list[int] = []
    append = ids.append
    for record, block in zip(records, blocks, strict=True):
        hit = known(block) or pending(block)
        if hit is None:
            append(-1)
            continue
        record_id, persons, rows, name, description = hit
        # The name and description catch a block paired with the wrong record (a "<record" in a
        # comment, a record a lenient parse skipped); the people rows, a person edited since.
        if record.name != name or record.description != description:  # noqa: SIM114 - two reasons, each explained
            append(-1)
        elif persons and tuple(map(person_row, persons)) != rows:
            append(-1)
        else:
            append(record_id)
    return ids


def _remember_blocks(  # noqa: PLR0917 - a private step of _intern_records, called twice
    records: Sequence[ServiceRecord],
    blocks: list[bytes],
    ids: list[int],
    positions: Iterable[int],
    interned: Interned,
    current: dict[str, int],
) -> None:
    for position in positions:
        record_id = ids[position]
        if record_id < 0:
            continue
        record = records[position]
        persons = tuple(person.id for person in (*record.assignees, *record.contacts))
        rows = tuple(map(current.get, persons))
        interned.pending_blocks[blocks[position]] = (record_id, persons, rows, record.name, record.description)


def _intern_people(connection: sqlite3.Connection, people: Sequence[Person], interned: Interned) -> list[int]:
    """The ids of *people* and of every person a record of the release names, inserting the new ones."""
    seen = {**interned.people, **interned.pending_people}
    fresh: dict[Person, tuple[bytes, tuple[Any, ...]]] = {}
    for person in people:
        if person not in seen and person not in fresh:
            row = codec.person_row(person)
            fresh[person] = (codec.row_digest(row), row)
    known = _known_ids(connection, "people", [digest for digest, _ in fresh.values()])
    new_rows = {digest: row for digest, row in fresh.values() if digest not in known}
    connection.executemany(
        "INSERT INTO people (digest, person_id, name, org, uri, updated) VALUES (?, ?, ?, ?, ?, ?)",
        [(digest, *row) for digest, row in new_rows.items()],
    )
    if new_rows:
        known.update(_known_ids(connection, "people", list(new_rows)))
    for person, (digest, _) in fresh.items():
        seen[person] = interned.pending_people[person] = known[digest]
    return [seen[person] for person in people]


def _known_ids(connection: sqlite3.Connection, table: str, digests: Sequence[bytes]) -> dict[bytes, int]:
    known: dict[bytes, int] = {}
    for start in range(0, len(digests), 900):
        chunk = digests[start : start + 900]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT digest, id FROM {table} WHERE digest IN ({marks})"  # noqa: S608 - table is ours
        known.update(connection.execute(query, chunk))
    return known


def _assign_order_keys(
    connection: sqlite3.Connection, member_ids: list[int], updated: str, interned: Interned
) -> int | None:
    """Choose the release's ordering epoch, giving new records keys between their neighbours'.

    IANA's file order changes rarely, so one real number per record and
    "epoch" (a stretch of releases sharing one order) reproduces each
    release's order, and a port's history is ordered without decoding every
    release.  The epochs of the releases next to this one in date order are
    tried; when neither fits, a new epoch starts from this release's order.
    None means the release repeats a record and has no key order at all.
    """
    if len(set(member_ids)) != len(member_ids):
        return None
    neighbours = connection.execute(
        "SELECT epoch FROM (SELECT epoch, seq FROM releases WHERE updated <= ?1 ORDER BY seq DESC LIMIT 1)"
        " UNION ALL SELECT epoch FROM (SELECT epoch, seq FROM releases WHERE updated > ?1 ORDER BY seq LIMIT 1)",
        (updated,),
    ).fetchall()
    for (epoch,) in neighbours:
        if epoch is None:
            continue
        known = {**interned.order_keys.get(epoch, {}), **interned.pending_order_keys.get(epoch, {})}
        stored = {record_id: known[record_id] for record_id in member_ids if record_id in known}
        # Ids the cache lacks may still have a key of this epoch, from a release this Store did not write.
        unknown = [record_id for record_id in member_ids if record_id not in stored]
        for chunk in chunks(unknown, 900):
            marks = ",".join("?" * len(chunk))
            query = f"SELECT record_id, key FROM order_keys WHERE epoch = ? AND record_id IN ({marks})"  # noqa: S608
            stored.update(connection.execute(query, [epoch, *chunk]))
        keys = _fill_gaps([stored.get(record_id) for record_id in member_ids])
        if all(a < b for a, b in itertools.pairwise(keys)):
            new = [
                (record_id, epoch, key)
                for record_id, key in zip(member_ids, keys, strict=True)
                if record_id not in stored
            ]
            connection.executemany("INSERT INTO order_keys VALUES (?, ?, ?)", new)
            pending = interned.pending_order_keys.setdefault(epoch, {})
            pending.update((record_id, key) for record_id, key in stored.items() if record_id not in known)
            pending.update((record_id, key) for record_id, _, key in new)
            return int(epoch)
    epoch = connection.execute("SELECT coalesce(max(epoch), -1) + 1 FROM order_keys").fetchone()[0]
    fresh = [(record_id, epoch, float(position)) for position, record_id in enumerate(member_ids)]
    connection.executemany("INSERT INTO order_keys VALUES (?, ?, ?)", fresh)
    interned.pending_order_keys.setdefault(epoch, {}).update((record_id, key) for record_id, _, key in fresh)
    return int(epoch)


def _fill_gaps(keys: list[float | None]) -> list[float]:
    """Give every None an evenly spaced value between its known neighbours."""
    filled: list[float] = []
    position = 0
    while position < len(keys):
        known = keys[position]
        if known is not None:
            filled.append(known)
            position += 1
            continue
        gap_end = position
        while gap_end < len(keys) and keys[gap_end] is None:
            gap_end += 1
        count = gap_end - position
        high = keys[gap_end] if gap_end < len(keys) else None
        low_value = filled[-1] if filled else (high - count - 1 if high is not None else 0.0)
        high_value = high if high is not None else low_value + count + 1
        step = (high_value - low_value) / (count + 1)
        filled.extend(low_value + step * (offset + 1) for offset in range(count))
        position = gap_end
    return filled


#: The ``last_seq`` of a run that reaches the newest release, so adding the next one rewrites only what changed.
OPEN_RUN = (1 << 31) - 1


def _append_presence(connection: sqlite3.Connection, seq: int, members: set[int]) -> None:
    """Update the presence runs for a release that is the newest, at *seq*."""
    running = {row[0] for row in connection.execute("SELECT record_id FROM presence WHERE last_seq = ?", (OPEN_RUN,))}
    connection.executemany(
        "UPDATE presence SET last_seq = ? WHERE record_id = ? AND last_seq = ?",
        [(seq - 1, record_id, OPEN_RUN) for record_id in running - members],
    )
    connection.executemany(
        "INSERT INTO presence VALUES (?, ?, ?)", [(record_id, seq, OPEN_RUN) for record_id in members - running]
    )


def _insert_presence(connection: sqlite3.Connection, seq: int, members: set[int]) -> None:
    """Update the presence runs for a release inserted at *seq* (later releases moved up by one)."""
    connection.execute("UPDATE presence SET last_seq = last_seq + 1 WHERE last_seq >= ?", (seq,))
    # Runs are maximal, so one record's starts differ by two or more: no key clash while shifting.
    connection.execute("UPDATE presence SET first_seq = first_seq + 1 WHERE first_seq >= ?", (seq,))
    covering = {
        record_id: (first, last)
        for record_id, first, last in connection.execute(
            "SELECT record_id, first_seq, last_seq FROM presence WHERE last_seq >= ?1 AND first_seq <= ?1", (seq,)
        )
    }
    deletes: list[tuple[int, int]] = []
    inserts: list[tuple[int, int, int]] = []
    for record_id, (first, last) in covering.items():
        if record_id in members:
            continue
        # The run was stretched over the new release, which lacks the record: split it.
        deletes.append((record_id, first))
        if first <= seq - 1:
            inserts.append((record_id, first, seq - 1))
        if seq + 1 <= last:
            inserts.append((record_id, seq + 1, last))
    ending_before = dict(connection.execute("SELECT record_id, first_seq FROM presence WHERE last_seq = ?", (seq - 1,)))
    starting_after = dict(
        connection.execute("SELECT record_id, last_seq FROM presence WHERE first_seq = ?", (seq + 1,))
    )
    extends: list[tuple[int, int]] = []
    for record_id in members:
        if record_id in covering:
            continue
        first = last = seq
        if record_id in starting_after:
            last = starting_after[record_id]
            deletes.append((record_id, seq + 1))
        elif record_id in ending_before:
            # The common case, a record kept by the next release: stretch its run in place.
            extends.append((record_id, ending_before[record_id]))
            continue
        if record_id in ending_before:
            first = ending_before[record_id]
            deletes.append((record_id, first))
        inserts.append((record_id, first, last))
    connection.executemany(
        "UPDATE presence SET last_seq = ? WHERE record_id = ? AND first_seq = ?",
        [(seq, record_id, first) for record_id, first in extends],
    )
    connection.executemany("DELETE FROM presence WHERE record_id = ? AND first_seq = ?", deletes)
    connection.executemany("INSERT INTO presence VALUES (?, ?, ?)", inserts)
