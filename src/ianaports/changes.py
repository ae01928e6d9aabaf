"""What changed between two releases of the registry, and the history of one entry.

Pure functions over model values: no I/O and no XML here.  The rules, in short
(``docs/diff.md`` has the long form):

* A record's identity is its service name compared case-insensitively, its
  protocol and its port range.  Records with the same identity in both releases
  are *paired*; an unpaired old record is *removed*, an unpaired new one *added*.
* Identity is almost always unique.  Where a release repeats one (``rdp`` has
  two name-only records), records that are equal field for field pair first, in
  order of occurrence; the rest pair in order of occurrence.
* A pair is *changed* when a compared field differs after whitespace folding,
  so re-wrapped text is not a change.
* On top of that exact accounting, :class:`RegistryDiff` names the moves a
  reader cares about: port changes, renames (same port and protocol, same
  assignee or contact, another name), unassigned spans split by new
  assignments, and de-assignments.

The pairing, the rename matching and the order of a history's events are
:mod:`ianaports._history_rule`, which the quick ``history`` runs on index
columns too; this module feeds it model values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias

import attrs

from . import _history_rule
from ._intervals import SpanIndex
from .model import PartialDate, Person, PortRange, Protocol, Reference, ServiceRecord, TextEnum

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable, Sequence

    from .registry import Registry

__all__ = [
    "FIELD_NAMES",
    "Deassignment",
    "DeassignmentStatus",
    "FieldChange",
    "History",
    "HistoryEvent",
    "PortChange",
    "RecordChange",
    "RegistryDiff",
    "Rename",
    "SpanSplit",
    "compared_fields",
    "diff",
    "diff_records",
    "diff_subsets",
    "history",
    "people_ids",
    "record_matches",
]

#: What a field of a record can hold (the values a :class:`FieldChange` carries).
FieldValue: TypeAlias = str | int | PartialDate | tuple[Person, ...] | tuple[Reference, ...] | None

_Key = tuple[str | None, Protocol | None, tuple[int, int] | None]


@attrs.frozen
class FieldChange:
    """One field of a record that differs: its name in the JSON record schema, old and new value."""

    name: str
    old: FieldValue
    new: FieldValue


@attrs.frozen(kw_only=True)
class RecordChange:
    """A record present in both releases whose fields differ."""

    old: ServiceRecord
    new: ServiceRecord
    fields: tuple[FieldChange, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        """The names of the changed fields, in schema order."""
        return tuple(change.name for change in self.fields)


@attrs.frozen(kw_only=True)
class PortChange:
    """A service (same name and protocol) that left one port for another."""

    old: ServiceRecord
    new: ServiceRecord

    @property
    def records(self) -> tuple[ServiceRecord, ...]:
        """Every record the move involves."""
        return (self.old, self.new)


@attrs.frozen(kw_only=True)
class Rename:
    """A service that took another name: same port and protocol, same assignee or contact.

    ``fields`` lists every field that differs, the name first.
    """

    old: ServiceRecord
    new: ServiceRecord
    fields: tuple[FieldChange, ...] = ()

    @property
    def records(self) -> tuple[ServiceRecord, ...]:
        """Every record the move involves."""
        return (self.old, self.new)


@attrs.frozen(kw_only=True)
class SpanSplit:
    """An unassigned span that new assignments took ports from.

    ``remainder`` holds the unassigned records now listed inside the old span;
    it is empty when the assignments filled the span.
    """

    span: ServiceRecord
    assigned: tuple[ServiceRecord, ...]
    remainder: tuple[ServiceRecord, ...]

    @property
    def records(self) -> tuple[ServiceRecord, ...]:
        """Every record the move involves."""
        return (self.span, *self.assigned, *self.remainder)


class DeassignmentStatus(TextEnum):
    """What became of the port (or name) of an assignment that disappeared."""

    UNASSIGNED = "unassigned"  #: its ports are listed as Unassigned
    RESERVED = "reserved"  #: its ports are listed as Reserved
    REASSIGNED = "reassigned"  #: another service holds its ports now
    REMOVED = "removed"  #: nothing new lists its ports (or it had none)


@attrs.frozen(kw_only=True)
class Deassignment:
    """An assignment that disappeared without moving to another port.

    ``now`` holds the new release's added records that cover its ports and
    protocol, which is how ``status`` was decided.
    """

    record: ServiceRecord
    status: DeassignmentStatus = attrs.field(converter=DeassignmentStatus)
    now: tuple[ServiceRecord, ...] = ()

    @property
    def records(self) -> tuple[ServiceRecord, ...]:
        """Every record the move involves."""
        return (self.record, *self.now)


@attrs.frozen(kw_only=True)
class RegistryDiff:
    """Everything that changed from one release to another.

    ``added``, ``removed`` and ``changed`` account for every record exactly
    once (with ``unchanged`` counting the rest); ``port_changes``,
    ``renames``, ``span_splits`` and ``deassignments`` re-read some of those
    added and removed records as the moves a reader cares about (a renamed
    record is no de-assignment).
    """

    old_updated: dt.date
    new_updated: dt.date
    added: tuple[ServiceRecord, ...] = ()
    removed: tuple[ServiceRecord, ...] = ()
    changed: tuple[RecordChange, ...] = ()
    unchanged: int = 0
    port_changes: tuple[PortChange, ...] = ()
    renames: tuple[Rename, ...] = ()
    span_splits: tuple[SpanSplit, ...] = ()
    deassignments: tuple[Deassignment, ...] = ()
    #: Records counted in ``unchanged`` whose text differs only where no field compares it (whitespace,
    #: a span's spelling): no change to report, but a copy of the record (``show --json``) differs.
    respelled: tuple[RecordChange, ...] = ()
    #: True for the part :meth:`restricted` keeps; ``unchanged`` then still counts the whole registry.
    is_restricted: bool = False

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def __repr__(self) -> str:
        return (
            f"<RegistryDiff {self.old_updated.isoformat()} -> {self.new_updated.isoformat()}: "
            f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed>"
        )

    def restricted(
        self, *, port: int | None = None, name: str | None = None, protocol: Protocol | str | None = None
    ) -> RegistryDiff:
        """The part of this diff about *port*, service *name* and/or *protocol*.

        A change is kept when its old or new record matches; a move is kept
        when any record it involves matches.  ``unchanged`` is kept as is (it
        counts the whole registry) and ``is_restricted`` is set, so a summary can say so.
        """
        if port is None and name is None and protocol is None:
            return self

        def keep(*records: ServiceRecord) -> bool:
            return any(record_matches(record, port=port, name=name, protocol=protocol) for record in records)

        return attrs.evolve(
            self,
            added=tuple(record for record in self.added if keep(record)),
            removed=tuple(record for record in self.removed if keep(record)),
            changed=tuple(change for change in self.changed if keep(change.old, change.new)),
            port_changes=tuple(move for move in self.port_changes if keep(*move.records)),
            renames=tuple(move for move in self.renames if keep(*move.records)),
            span_splits=tuple(move for move in self.span_splits if keep(*move.records)),
            deassignments=tuple(move for move in self.deassignments if keep(*move.records)),
            respelled=tuple(change for change in self.respelled if keep(change.old, change.new)),
            is_restricted=True,
        )


def record_matches(
    record: ServiceRecord,
    *,
    port: int | None = None,
    name: str | None = None,
    protocol: Protocol | str | None = None,
) -> bool:
    """True when *record* holds *port*, carries *name* (any case) and uses *protocol*; None matches all.

    >>> record_matches(ServiceRecord(name="SSH", ports=PortRange.single(22)), port=22, name="ssh")
    True
    """
    if port is not None and (record.ports is None or port not in record.ports):
        return False
    if name is not None and (record.name is None or record.name.lower() != name.strip().lower()):
        return False
    return protocol is None or (record.protocol is not None and record.protocol.value == str(protocol).lower())


# --- comparing two records -------------------------------------------------


def _fold(text: str | None) -> str:
    # Whitespace of any kind (wrapping, <br/>, indentation) carries no meaning here;
    # an absent text and an empty one are the same.
    return " ".join(text.split()) if text else ""


def _person_key(person: Person) -> tuple[object, ...]:
    return (person.id, _fold(person.name), _fold(person.org), _fold(person.uri), person.updated)


def _reference_key(reference: Reference) -> tuple[object, ...]:
    return (reference.kind, _fold(reference.data), _fold(reference.text))


#: The compared fields, in schema order: name, how to read it, how to compare it.
_FIELDS: tuple[tuple[str, Callable[[ServiceRecord], FieldValue], Callable[[ServiceRecord], object]], ...] = (
    ("service_name", lambda r: r.name, lambda r: r.name),
    ("description", lambda r: r.description, lambda r: _fold(r.description)),
    ("assignee", lambda r: r.assignees, lambda r: tuple(map(_person_key, r.assignees))),
    ("contact", lambda r: r.contacts, lambda r: tuple(map(_person_key, r.contacts))),
    ("references", lambda r: r.references, lambda r: tuple(map(_reference_key, r.references))),
    ("registered", lambda r: r.registered, lambda r: r.registered),
    ("modified", lambda r: r.modified, lambda r: r.modified),
    ("notes", lambda r: r.notes, lambda r: _fold(r.notes)),
    ("unauthorized_use", lambda r: r.unauthorized_use, lambda r: _fold(r.unauthorized_use)),
    ("service_code", lambda r: r.service_code, lambda r: r.service_code),
)

#: The names a :class:`FieldChange` can carry, in the order they are reported.
FIELD_NAMES = tuple(name for name, _, _ in _FIELDS)


def diff_records(old: ServiceRecord, new: ServiceRecord) -> tuple[FieldChange, ...]:
    r"""The fields that differ between two records, ignoring whitespace-only differences.

    Identity fields (protocol, ports) are not compared; only the spelling of
    the name is, since its case is not part of its identity.

    >>> old = ServiceRecord(name="ssh", description="The Secure\n   Shell")
    >>> diff_records(old, attrs.evolve(old, description="The Secure Shell"))
    ()
    >>> diff_records(old, attrs.evolve(old, name="SSH"))
    (FieldChange(name='service_name', old='ssh', new='SSH'),)
    """
    if old == new:
        return ()
    return tuple(
        FieldChange(name, read(old), read(new)) for name, read, compare in _FIELDS if compare(old) != compare(new)
    )


def compared_fields(record: ServiceRecord) -> tuple[tuple[str, FieldValue, object], ...]:
    """Each field :func:`diff_records` compares, in schema order: its name, its value and what is compared of it.

    The index keeps these per record (:mod:`ianaports.render.stored_history`), so that
    the quick read path finds the changed fields of two records without decoding them.
    """
    return tuple((name, read(record), compare(record)) for name, read, compare in _FIELDS)


def _same(old: ServiceRecord, new: ServiceRecord) -> bool:
    return not diff_records(old, new)


# --- pairing ---------------------------------------------------------------


def _identity(record: ServiceRecord) -> _Key:
    ports = record.ports
    return (
        record.name.lower() if record.name else None,
        record.protocol,
        None if ports is None else (ports.start, ports.end),
    )


def _pair(
    old_records: Sequence[ServiceRecord], new_records: Sequence[ServiceRecord]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair records by identity: (pairs of positions, unpaired old, unpaired new), each sorted.

    The rule is :func:`ianaports._history_rule.pair`, which the quick history runs too.
    """
    return _history_rule.pair(
        [_identity(record) for record in old_records],
        [_identity(record) for record in new_records],
        lambda old, new: _same(old_records[old], new_records[new]),
    )


# --- the diff --------------------------------------------------------------


def diff(old: Registry, new: Registry) -> RegistryDiff:
    """What changed from release *old* to release *new*.

    ``added`` is in the new release's file order, ``removed`` in the old
    one's, ``changed`` in the new one's.
    """
    return diff_subsets(old.updated, old.records, new.updated, new.records)


def diff_subsets(
    old_updated: dt.date,
    old_records: Sequence[ServiceRecord],
    new_updated: dt.date,
    new_records: Sequence[ServiceRecord],
    *,
    unchanged_elsewhere: int = 0,
) -> RegistryDiff:
    """:func:`diff` of two releases given only the records that may differ, each in file order.

    The version store knows which records two releases share unchanged; it
    passes the rest here, with *unchanged_elsewhere* counting the shared ones.
    Every identity (see :func:`diff`) must be passed whole or left out whole,
    so that duplicates pair exactly as in the full diff.
    """
    pairs, removed_at, added_at = _pair(old_records, new_records)
    changed: list[RecordChange] = []
    respelled: list[RecordChange] = []
    for old_at, new_at in pairs:
        before, after = old_records[old_at], new_records[new_at]
        if before == after:
            continue
        fields = diff_records(before, after)
        (changed if fields else respelled).append(RecordChange(old=before, new=after, fields=fields))
    added = tuple(new_records[position] for position in added_at)
    removed = tuple(old_records[position] for position in removed_at)
    port_changes = _port_changes(removed, added)
    moved = {id(move.old) for move in port_changes}
    renames = _renames([record for record in removed if id(record) not in moved], added)
    moved.update(id(move.old) for move in renames)
    added_spans = _SpanIndex(added)
    return RegistryDiff(
        old_updated=old_updated,
        new_updated=new_updated,
        added=added,
        removed=removed,
        changed=tuple(changed),
        unchanged=unchanged_elsewhere + len(pairs) - len(changed),
        port_changes=port_changes,
        renames=renames,
        span_splits=_span_splits(removed, added_spans),
        deassignments=_deassignments((record for record in removed if id(record) not in moved), added_spans),
        respelled=tuple(respelled),
    )


def _port_changes(removed: Sequence[ServiceRecord], added: Sequence[ServiceRecord]) -> tuple[PortChange, ...]:
    # Only records with a port on both sides: losing the port while keeping the
    # name is a de-assignment, gaining one is a new assignment.
    arrivals: dict[tuple[str, Protocol | None], list[ServiceRecord]] = {}
    for record in added:
        if record.name and record.ports is not None:
            arrivals.setdefault((record.name.lower(), record.protocol), []).append(record)
    moves: list[PortChange] = []
    for record in removed:
        if record.name and record.ports is not None:
            waiting = arrivals.get((record.name.lower(), record.protocol))
            if waiting:
                moves.append(PortChange(old=record, new=waiting.pop(0)))
    return tuple(moves)


def people_ids(record: ServiceRecord) -> frozenset[str]:
    """The lower-case ids of the record's assignees and contacts: a rename keeps one of them."""
    return frozenset(person.id.strip().lower() for person in (*record.assignees, *record.contacts) if person.id)


def _renaming(record: ServiceRecord) -> tuple[tuple[Protocol | None, tuple[int, int]] | None, frozenset[str]]:
    """What :func:`_history_rule.rename_pairs` reads of a record: its place (named, with a port) and people."""
    place = (
        None if not record.name or record.ports is None else (record.protocol, (record.ports.start, record.ports.end))
    )
    return place, people_ids(record)


def _renames(removed: Sequence[ServiceRecord], added: Sequence[ServiceRecord]) -> tuple[Rename, ...]:
    """Removed and added assignments of one port and protocol that share an assignee or a contact.

    Each record takes part in one rename at most, the first match in file order.
    """
    matches = _history_rule.rename_pairs(
        [_renaming(record) for record in removed], [_renaming(record) for record in added]
    )
    return tuple(
        Rename(old=removed[old], new=added[new], fields=diff_records(removed[old], added[new])) for old, new in matches
    )


class _SpanIndex:
    """The records of a release slice with ports, found by overlap with a span.

    An interval index: a window of starts as wide as the widest span scanned
    every record once any span was wide (a 0-65535 span made diff n²).
    """

    def __init__(self, records: Iterable[ServiceRecord]) -> None:
        self._records = [record for record in records if record.ports]
        self._index = SpanIndex(
            (record.ports.start, record.ports.end, position)
            for position, record in enumerate(self._records)
            if record.ports
        )

    def overlapping(self, span: PortRange, protocol: Protocol | None) -> tuple[ServiceRecord, ...]:
        """Records overlapping *span* whose protocol is *protocol*, or either one is unset, in their order."""
        records = self._records
        return tuple(
            records[position]
            for position in sorted(self._index.overlapping(span.start, span.end))
            if _protocols_meet(protocol, records[position].protocol)
        )


def _protocols_meet(one: Protocol | None, other: Protocol | None) -> bool:
    return one is None or other is None or one is other


def _span_splits(removed: Iterable[ServiceRecord], added: _SpanIndex) -> tuple[SpanSplit, ...]:
    splits: list[SpanSplit] = []
    for record in removed:
        if not record.is_unassigned or record.ports is None:
            continue
        inside = added.overlapping(record.ports, record.protocol)
        assigned = tuple(other for other in inside if other.is_assignment)
        if assigned:
            remainder = tuple(other for other in inside if other.is_unassigned)
            splits.append(SpanSplit(span=record, assigned=assigned, remainder=remainder))
    return tuple(splits)


def _deassignments(removed: Iterable[ServiceRecord], added: _SpanIndex) -> tuple[Deassignment, ...]:
    found: list[Deassignment] = []
    for record in removed:
        if not record.is_assignment:
            continue
        now = () if record.ports is None else added.overlapping(record.ports, record.protocol)
        found.append(Deassignment(record=record, status=_status(now), now=now))
    return tuple(found)


def _status(now: Sequence[ServiceRecord]) -> DeassignmentStatus:
    if any(record.is_reserved for record in now):
        return DeassignmentStatus.RESERVED
    if any(record.is_unassigned for record in now):
        return DeassignmentStatus.UNASSIGNED
    if now:
        return DeassignmentStatus.REASSIGNED
    return DeassignmentStatus.REMOVED


# --- history ---------------------------------------------------------------

Change = Literal["added", "changed", "renamed", "removed"]


@attrs.frozen(kw_only=True)
class HistoryEvent:
    """One thing that happened to a matching record in one release.

    ``record`` is the record as that release has it (for ``removed``, as the
    release before had it); ``fields`` lists what changed, for ``changed``
    and ``renamed`` (a ``renamed`` event's first field is ``service_name``).
    """

    version: dt.date
    change: Change
    record: ServiceRecord
    fields: tuple[FieldChange, ...] = ()


@attrs.frozen(kw_only=True)
class History:
    """Every release in which records matching a query appeared, changed or disappeared.

    Records already present in the first release given are reported as
    ``added`` in that release: the history cannot see further back.
    """

    port: int | None = None
    name: str | None = None
    protocol: Protocol | None = attrs.field(default=None, converter=attrs.converters.optional(Protocol))
    versions: tuple[dt.date, ...] = ()
    events: tuple[HistoryEvent, ...] = ()

    def __repr__(self) -> str:
        return f"<History of {self.query_text}: {len(self.events)} events in {len(self.versions)} releases>"

    @property
    def query_text(self) -> str:
        """The query as a person writes it: ``2304``, ``ssh/tcp``."""
        what = " ".join(str(part) for part in (self.port, self.name) if part is not None) or "everything"
        return f"{what}/{self.protocol}" if self.protocol else what


def history(
    snapshots: Iterable[tuple[dt.date, Sequence[ServiceRecord]]],
    *,
    port: int | None = None,
    name: str | None = None,
    protocol: Protocol | str | None = None,
) -> History:
    """The history of the records matching a query across releases, oldest first.

    *snapshots* gives, for each release in date order, its records (those
    matching the query are kept).  Consecutive releases are compared with the
    same pairing and whitespace rules as :func:`diff`.

    >>> import datetime as dt
    >>> ssh = ServiceRecord(name="ssh", protocol="tcp", ports=PortRange.single(22))
    >>> h = history([(dt.date(2024, 1, 5), ()), (dt.date(2025, 1, 14), (ssh,))], port=22)
    >>> [(event.version.isoformat(), event.change) for event in h.events]
    [('2025-01-14', 'added')]
    """
    wanted = None if protocol is None else Protocol(str(protocol).lower())
    events: list[HistoryEvent] = []
    versions: list[dt.date] = []
    previous: tuple[ServiceRecord, ...] = ()
    for version, records in snapshots:
        current = tuple(record for record in records if record_matches(record, port=port, name=name, protocol=wanted))
        versions.append(version)
        if current != previous:
            events.extend(_events(version, previous, current))
        previous = current
    return History(port=port, name=name, protocol=wanted, versions=tuple(versions), events=tuple(events))


def _events(version: dt.date, old: tuple[ServiceRecord, ...], new: tuple[ServiceRecord, ...]) -> Iterable[HistoryEvent]:
    steps = _history_rule.step(
        [_identity(record) for record in old],
        [_identity(record) for record in new],
        lambda old_at, new_at: _same(old[old_at], new[new_at]),
        [_renaming(record) for record in old],
        [_renaming(record) for record in new],
        [id(record) for record in old],
        [id(record) for record in new],
    )
    for change, old_at, new_at in steps:
        if change == "added":
            yield HistoryEvent(version=version, change="added", record=new[new_at])
        elif change == "removed":
            yield HistoryEvent(version=version, change="removed", record=old[old_at])
        else:
            fields = diff_records(old[old_at], new[new_at])
            if fields or change == "renamed":
                yield HistoryEvent(version=version, change=change, record=new[new_at], fields=fields)  # type: ignore[arg-type]
