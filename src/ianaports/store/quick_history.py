"""The history of a port or a name read straight from the index: the store side of the quick ``history``.

The full path (:meth:`ianaports.store.Store.history`) decodes the matching
records of every release and runs :func:`ianaports.changes.history`.  Here the
same steps run on what the index holds, without decoding a record:

* which records each release lists, in file order: :func:`present_by_release`
  and :func:`in_file_order`, which :meth:`Store.snapshots` calls too (the
  presence runs, the order keys, a release's member list where it has no
  ordering epoch);
* what happened from one release to the next: :func:`ianaports._history_rule.step`,
  the rule :func:`ianaports.changes.history` runs, fed with each record's
  identity columns and its stored history form (:mod:`ianaports.render.stored_history`):
  two records are the same when their ids are, or when every compared
  field's digest is; a changed field is one whose digest differs.

:func:`history` returns None for anything out of the ordinary (a record
without a form, any SQLite error, a damaged column), for the caller to leave
to the full path.
"""

from __future__ import annotations

import zlib

from ianaports import _history_rule

from ._sqlite import sqlite3
from .members import unpack_ids
from .where import records_where

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from typing import Any

    from ianaports.render.stored_history import HistoryForm, PrintedEvent

__all__ = ["QuickEvent", "QuickHistory", "history", "in_file_order", "present_by_release"]

_CHUNK = 500


def present_by_release(seqs: Sequence[int], runs: Iterable[tuple[int, int, int]]) -> dict[int, list[int]]:
    """For each release *seq*, the records whose presence runs (record id, first seq, last seq) cover it."""
    present: dict[int, list[int]] = {seq: [] for seq in seqs}
    newest = len(seqs) - 1
    for record_id, first, last in runs:
        for seq in range(first, min(last, newest) + 1):
            present[seq].append(record_id)
    return present


def in_file_order(
    matched: Iterable[int],
    *,
    epoch: int | None,
    keys: Mapping[tuple[int, int], float],
    members: Callable[[], Sequence[int]],
) -> list[int]:
    """The records *matched* of one release in its file order: by order key, or by its *members* without an epoch."""
    ids = set(matched)
    if epoch is None:
        # A release repeating a record has no key order: read its own member list.
        return [record_id for record_id in members() if record_id in ids] if ids else []
    if len(ids) < 2:  # noqa: PLR2004 - one record has no order to find
        return list(ids)
    return sorted(ids, key=lambda record_id: keys[record_id, epoch])


class QuickEvent:
    """One event of a quick history: what it prints, its record, and what a rename is matched by."""

    def __init__(
        self, printed: PrintedEvent, record_id: int, row: tuple[object, ...], renamed_from: str | None
    ) -> None:
        self.printed = printed
        #: The id of the event's record (its stored JSON object is the event's ``record``).
        self.record_id = record_id
        #: The record's name, name in lower case, protocol, first and last port (index columns).
        self.row = row
        #: For a 'renamed' event, its first field's old value, when that field is the name; else None.
        self.renamed_from = renamed_from


class QuickHistory:
    """A history read from the index: the releases' dates and the events, as a history prints them."""

    def __init__(self, versions: list[str], events: list[QuickEvent]) -> None:
        #: The releases' dates (ISO), oldest first.
        self.versions = versions
        self.events = events


class _Unanswerable(Exception):  # noqa: N818 - not an error: the full path answers instead
    """Raised inside a quick history when the full path has to answer."""


def history(
    connection: sqlite3.Connection, *, port: int | None, name: str | None, protocol: str | None
) -> QuickHistory | None:
    """The history of *port* or *name* (on *protocol*) over every release of the index; None: ask the full path.

    A name's history has its records' renames put in, as the full path's
    ``cmd_history`` does (:func:`ianaports._history_rule.with_renames`).
    """
    try:
        found = _history(connection, port=port, name=name, protocol=protocol)
        if found is None or name is None:
            return found
        found.events = _history_rule.with_renames(
            found.events,
            removed_from=_removed_from,
            renamed_from=_renamed_from,
            around=lambda start, on: _around(connection, start, on),  # type: ignore[arg-type]
        )
    except (sqlite3.Error, zlib.error, KeyError, ValueError, TypeError, UnicodeDecodeError, IndexError, _Unanswerable):
        return None
    return found


def _removed_from(event: QuickEvent) -> tuple[object, int, object, object, str] | None:
    row_name, _, protocol, start, end = event.row
    if event.printed[1] != "removed" or start is None:
        return None
    return event.printed[0], start, protocol, (start, end), str(row_name).lower()  # type: ignore[return-value]


def _renamed_from(event: QuickEvent) -> tuple[object, object, str] | None:
    if event.printed[1] != "renamed":
        return None
    if event.renamed_from is None:
        raise _Unanswerable  # a rename whose first changed field is not the name: the full path compares that
    _, _, _, start, end = event.row
    return event.printed[0], (start, end), event.renamed_from.lower()


def _around(connection: sqlite3.Connection, start: int, protocol: str | None) -> list[QuickEvent]:
    found = _history(connection, port=start, name=None, protocol=protocol)
    if found is None:
        raise _Unanswerable
    return found.events


def _history(
    connection: sqlite3.Connection, *, port: int | None, name: str | None, protocol: str | None
) -> QuickHistory | None:
    from ianaports.render.stored_history import decompress_form, read_history_form  # noqa: PLC0415 - after the index answered

    releases = connection.execute("SELECT seq, updated FROM releases ORDER BY seq").fetchall()
    # Reader._epochs' own statement, which SQLite answers from the releases_epoch index: damage there is the
    # full path's to name, so the quick path must walk the same pages.
    epochs = dict(connection.execute("SELECT seq, epoch FROM releases").fetchall())
    where, parameters = records_where(span=None if port is None else (port, port), name=name, protocol=protocol)
    query = f"SELECT id, name, name_lower, protocol, port_start, port_end FROM records WHERE {where}"  # noqa: S608 - fixed clauses
    rows = {row[0]: row[1:] for row in connection.execute(query, parameters)}
    if not releases or not rows:
        return None
    candidates = sorted(rows)
    runs = _select(connection, "SELECT record_id, first_seq, last_seq FROM presence WHERE record_id IN", candidates)
    keys = {
        (record_id, epoch): key
        for record_id, epoch, key in _select(
            connection, "SELECT record_id, epoch, key FROM order_keys WHERE record_id IN", candidates
        )
    }
    forms: dict[int, HistoryForm] = {}
    for record_id, form in _select(
        connection, "SELECT record_id, form FROM history_forms WHERE record_id IN", candidates
    ):
        forms[record_id] = read_history_form(decompress_form(form))
    if len(forms) != len(rows):
        return None  # a record without a form (one a separator would break): the full path answers
    identities = {
        record_id: (name_lower if row_name else None, row_protocol, None if start is None else (start, end))
        for record_id, (row_name, name_lower, row_protocol, start, end) in rows.items()
    }
    places = {
        record_id: (None if not row[0] or row[3] is None else identities[record_id][1:], forms[record_id].people)
        for record_id, row in rows.items()
    }
    present = present_by_release([seq for seq, _ in releases], runs)
    versions: list[str] = []
    events: list[QuickEvent] = []
    previous: tuple[int, ...] = ()
    for seq, updated in releases:
        epoch = epochs[seq]

        def members(seq: int = seq) -> Sequence[int]:
            return _members(connection, seq)

        current = tuple(in_file_order(present[seq], epoch=epoch, keys=keys, members=members))
        version = str(updated)
        versions.append(version)
        if current != previous:
            for change, old_id, record_id, fields in _steps(previous, current, identities, places, forms):
                form = forms[record_id]
                renamed_from = None
                if change == "renamed" and fields and fields[0][0] == "service_name":
                    renamed_from = str(rows[old_id][0])
                printed = (version, change, form.label, form.description, fields)
                events.append(QuickEvent(printed, record_id, rows[record_id], renamed_from))
        previous = current
    return QuickHistory(versions, events)


def _steps(
    old: tuple[int, ...],
    new: tuple[int, ...],
    identities: Mapping[int, object],
    places: Mapping[int, tuple[object, frozenset[str]]],
    forms: Mapping[int, HistoryForm],
) -> list[tuple[str, int, int, list[tuple[str, str, str, str, str]]]]:
    """The events from *old* to *new* (record ids in file order), as ``ianaports.changes._events`` yields them.

    Each is (change, the old record's id or -1, the event's record id, the changed fields).
    """

    def fields(old_id: int, new_id: int) -> list[tuple[str, str, str, str, str]]:
        if old_id == new_id:
            return []
        return [
            (name, old_text, new_text, old_json, new_json)
            for (name, old_digest, old_text, old_json), (_, new_digest, new_text, new_json) in zip(
                forms[old_id].fields, forms[new_id].fields, strict=True
            )
            if old_digest != new_digest
        ]

    steps = _history_rule.step(
        [identities[record_id] for record_id in old],
        [identities[record_id] for record_id in new],
        lambda old_at, new_at: not fields(old[old_at], new[new_at]),
        [places[record_id] for record_id in old],
        [places[record_id] for record_id in new],
        old,
        new,
    )
    found: list[tuple[str, int, int, list[tuple[str, str, str, str, str]]]] = []
    for change, old_at, new_at in steps:
        if change == "added":
            found.append((change, -1, new[new_at], []))
        elif change == "removed":
            found.append((change, old[old_at], old[old_at], []))
        else:
            changed = fields(old[old_at], new[new_at])
            if changed or change == "renamed":
                found.append((change, old[old_at], new[new_at], changed))
    return found


def _members(connection: sqlite3.Connection, seq: int) -> Sequence[int]:
    row = connection.execute("SELECT members FROM releases WHERE seq = ?", (seq,)).fetchone()
    return unpack_ids(row[0])


def _select(connection: sqlite3.Connection, query: str, ids: Sequence[int]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.extend(connection.execute(f"{query} ({','.join('?' * len(chunk))})", chunk))
    return found
