"""The store's private record format: records and people as plain column values, and back.

This format is the store's own, versioned by :data:`CODEC_VERSION` and
independent of the public JSON schema (``docs/schema.md``): changing the JSON
output never changes what the store holds, and changing this format bumps
:data:`CODEC_VERSION`, which makes the store rebuild its index from the raw
archive on next use.  Nothing here does I/O.

A record is one row of scalar columns (:data:`RECORD_COLUMNS`): text as IANA
wrote it, ports as ``port_start``/``port_end`` plus the written text, dates as
ISO text, assignees and contacts as comma-separated people row ids, and
references as a JSON list.  Reading columns straight from SQLite, with the
values that repeat across records (people lists, references, dates, spans)
decoded once per load, is what makes loading a release cheaper than parsing it.

A whole release (used only for releases whose XML was never kept, see
``docs/store.md``) is one JSON document of the same values, people by value.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from ianaports.model import (
    PartialDate,
    Person,
    PortRange,
    Protocol,
    Reference,
    ReferenceKind,
    ServiceRecord,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from ianaports.registry import Registry

__all__ = [
    "CODEC_VERSION",
    "PERSON_COLUMNS",
    "RECORD_COLUMNS",
    "Decoder",
    "decode_footnotes",
    "decode_release",
    "encode_footnotes",
    "encode_release",
    "person_row",
    "record_row",
    "row_digest",
]

#: Bumped whenever a column's meaning or encoding changes; a store built by another version is rebuilt.
CODEC_VERSION = 1

#: The stored columns of a record, in this order.
RECORD_COLUMNS = (
    "name",
    "protocol",
    "port_start",
    "port_end",
    "port_text",
    "description",
    "assignees",
    "contacts",
    "registered",
    "modified",
    "refs",
    "notes",
    "unauthorized_use",
    "service_code",
)
#: The stored columns of a person, in this order.
PERSON_COLUMNS = ("person_id", "name", "org", "uri", "updated")

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

# Decoding builds records by writing their slots, as the parser does: attrs' keyword __init__ on a
# frozen class costs a converter and a bound __setattr__ per field, and stored values are already
# in canonical form (tuples, enum members).  The store keeps its own writers so that loading never
# imports the parser (and lxml).  tests/test_store.py checks that decoded records equal parsed ones.
_new = object.__new__


def _slot_writer(cls: type, field: str) -> Callable[[Any, Any], None]:
    writer: Callable[[Any, Any], None] = cls.__dict__[field].__set__
    return writer


(
    _set_name,
    _set_protocol,
    _set_ports,
    _set_description,
    _set_assignees,
    _set_contacts,
    _set_references,
    _set_registered,
    _set_modified,
    _set_notes,
    _set_unauthorized_use,
    _set_service_code,
) = (
    _slot_writer(ServiceRecord, field)
    for field in (
        "name",
        "protocol",
        "ports",
        "description",
        "assignees",
        "contacts",
        "references",
        "registered",
        "modified",
        "notes",
        "unauthorized_use",
        "service_code",
    )
)
_set_person_id, _set_person_name, _set_person_org, _set_person_uri, _set_person_updated = (
    _slot_writer(Person, field) for field in ("id", "name", "org", "uri", "updated")
)
_set_start = _slot_writer(PortRange, "start")
_set_end = _slot_writer(PortRange, "end")
_set_written = _slot_writer(PortRange, "written")


def _canonical_record(  # noqa: PLR0917 - positional keeps the decoding loop cheap
    name: str | None,
    protocol: Protocol | None,
    ports: PortRange | None,
    description: str,
    assignees: tuple[Person, ...],
    contacts: tuple[Person, ...],
    references: tuple[Reference, ...],
    registered: PartialDate | None,
    modified: PartialDate | None,
    notes: str | None,
    unauthorized_use: str | None,
    service_code: int | None,
) -> ServiceRecord:
    record: ServiceRecord = _new(ServiceRecord)
    _set_name(record, name)
    _set_protocol(record, protocol)
    _set_ports(record, ports)
    _set_description(record, description)
    _set_assignees(record, assignees)
    _set_contacts(record, contacts)
    _set_references(record, references)
    _set_registered(record, registered)
    _set_modified(record, modified)
    _set_notes(record, notes)
    _set_unauthorized_use(record, unauthorized_use)
    _set_service_code(record, service_code)
    return record


def _canonical_person(
    person_id: str, name: str | None, org: str | None, uri: str | None, updated: PartialDate | None
) -> Person:
    person: Person = _new(Person)
    _set_person_id(person, person_id)
    _set_person_name(person, name)
    _set_person_org(person, org)
    _set_person_uri(person, uri)
    _set_person_updated(person, updated)
    return person


def _partial_date_from_text(text: str) -> PartialDate:
    return PartialDate.from_text(text)


_PROTOCOLS: dict[str | None, Protocol | None] = {None: None, **{member.value: member for member in Protocol}}
_KINDS = {member.value: member for member in ReferenceKind}
_NO_PEOPLE: tuple[Person, ...] = ()
_NO_REFERENCES: tuple[Reference, ...] = ()


def _date_text(value: PartialDate | None) -> str | None:
    return None if value is None else value.isoformat()


def person_row(person: Person) -> tuple[str, str | None, str | None, str | None, str | None]:
    """A person's stored columns (:data:`PERSON_COLUMNS`)."""
    return (person.id, person.name, person.org, person.uri, _date_text(person.updated))


def _references_text(references: Sequence[Reference]) -> str:
    if not references:
        return ""
    return _ENCODER.encode([[reference.kind.value, reference.data, reference.text] for reference in references])


def record_row(record: ServiceRecord, person_id: Callable[[Person], int]) -> tuple[Any, ...]:
    """A record's stored columns (:data:`RECORD_COLUMNS`); *person_id* gives a person's row id."""
    ports = record.ports
    return (
        record.name,
        None if record.protocol is None else record.protocol.value,
        None if ports is None else ports.start,
        None if ports is None else ports.end,
        None if ports is None else ports.as_written,
        record.description,
        ",".join(str(person_id(person)) for person in record.assignees),
        ",".join(str(person_id(person)) for person in record.contacts),
        _date_text(record.registered),
        _date_text(record.modified),
        _references_text(record.references),
        record.notes,
        record.unauthorized_use,
        record.service_code,
    )


def row_digest(row: Sequence[Any]) -> bytes:
    """The sha256 identifying stored columns (a record's or a person's) within one index."""
    return hashlib.sha256(_ENCODER.encode(list(row)).encode()).digest()


class Decoder:
    """Turns stored rows back into records, decoding each repeated value once.

    *people* maps people row ids to their decoded :class:`Person`; ids a
    record names that are missing are asked of *fetch_people* (row id ->
    person columns) in one batch.
    """

    def __init__(self, fetch_people: Callable[[Sequence[int]], Mapping[int, Sequence[Any]]]) -> None:
        self._fetch_people = fetch_people
        self.people: dict[int, Person] = {}
        self._people_lists: dict[str, tuple[Person, ...]] = {"": _NO_PEOPLE}
        self._references: dict[str, tuple[Reference, ...]] = {"": _NO_REFERENCES}
        self._dates: dict[str | None, PartialDate | None] = {None: None}
        self._ports: dict[str, PortRange] = {}

    def add_people(self, rows: Iterable[Sequence[Any]]) -> None:
        """Decode ``(row id, *PERSON_COLUMNS)`` rows into :attr:`people`."""
        for row_id, person_id, name, org, uri, updated in rows:
            self.people[row_id] = _canonical_person(person_id, name, org, uri, self._date(updated))

    def _date(self, text: str | None) -> PartialDate | None:
        try:
            return self._dates[text]
        except KeyError:
            date = self._dates[text] = _partial_date_from_text(text)  # type: ignore[arg-type]  # None is cached
            return date

    def _people_list(self, text: str) -> tuple[Person, ...]:
        if "," not in text:
            person = self.people.get(int(text))
            if person is not None:
                single: tuple[Person, ...] = (person,)
                self._people_lists[text] = single
                return single
        ids = [int(item) for item in text.split(",")]
        missing = [row_id for row_id in ids if row_id not in self.people]
        if missing:
            self.add_people((row_id, *columns) for row_id, columns in self._fetch_people(missing).items())
        found = self._people_lists[text] = tuple(self.people[row_id] for row_id in ids)
        return found

    def _reference_list(self, text: str) -> tuple[Reference, ...]:
        found = self._references[text] = tuple(
            Reference(kind=_KINDS[kind], data=data, text=note) for kind, data, note in json.loads(text)
        )
        return found

    def _span(self, start: int, end: int, text: str) -> PortRange:
        span: PortRange = _new(PortRange)
        _set_start(span, start)
        _set_end(span, end)
        _set_written(span, None if text == (str(start) if start == end else f"{start}-{end}") else text)
        self._ports[text] = span
        return span

    def records(self, rows: Iterable[Sequence[Any]]) -> dict[int, ServiceRecord]:
        """Decode rows of a row id and :data:`RECORD_COLUMNS` (in that order); return them by row id."""
        people_lists, references, dates, spans = self._people_lists, self._references, self._dates, self._ports
        protocols = _PROTOCOLS
        out: dict[int, ServiceRecord] = {}
        for (
            row_id,
            name,
            protocol,
            start,
            end,
            port_text,
            description,
            assignees,
            contacts,
            registered,
            modified,
            refs,
            notes,
            unauthorized_use,
            service_code,
        ) in rows:
            out[row_id] = _canonical_record(
                name,
                protocols[protocol],
                None if port_text is None else (spans.get(port_text) or self._span(start, end, port_text)),
                description,
                (people_lists.get(assignees) or self._people_list(assignees)) if assignees else _NO_PEOPLE,
                (people_lists.get(contacts) or self._people_list(contacts)) if contacts else _NO_PEOPLE,
                (references.get(refs) or self._reference_list(refs)) if refs else _NO_REFERENCES,
                dates[registered] if registered in dates else self._date(registered),
                dates[modified] if modified in dates else self._date(modified),
                notes,
                unauthorized_use,
                service_code,
            )
        return out


def encode_footnotes(footnotes: Mapping[str, str]) -> str:
    """A release's footnotes as stored."""
    return _ENCODER.encode(dict(footnotes))


def decode_footnotes(text: str) -> dict[str, str]:
    """Invert :func:`encode_footnotes`."""
    found: dict[str, str] = json.loads(text)
    return found


# -- whole releases (kept when their XML is not) ---------------------------------


def _person_value(person: Person) -> list[str | None]:
    return list(person_row(person))


def _record_value(record: ServiceRecord) -> list[Any]:
    ports = record.ports
    return [
        record.name,
        None if record.protocol is None else record.protocol.value,
        None if ports is None else ports.as_written,
        record.description,
        [_person_value(person) for person in record.assignees],
        [_person_value(person) for person in record.contacts],
        _date_text(record.registered),
        _date_text(record.modified),
        [[reference.kind.value, reference.data, reference.text] for reference in record.references],
        record.notes,
        record.unauthorized_use,
        record.service_code,
    ]


def encode_release(registry: Registry) -> bytes:
    """A whole release as one JSON document of this codec (UTF-8)."""
    document = {
        "codec": CODEC_VERSION,
        "title": registry.title,
        "updated": registry.updated.isoformat(),
        "footnotes": dict(registry.footnotes),
        "people": [_person_value(person) for person in registry.people.values()],
        "records": [_record_value(record) for record in registry.records],
    }
    return _ENCODER.encode(document).encode()


def decode_release(data: bytes) -> Registry:
    """Invert :func:`encode_release`; raises ValueError (or KeyError) on a document it cannot read."""
    import datetime as dt  # noqa: PLC0415 - only this reader needs it

    from ianaports.registry import Registry  # noqa: PLC0415 - the codec does not need the registry to encode rows

    document = json.loads(data)
    if document.get("codec") != CODEC_VERSION:
        raise ValueError(f"release document of codec version {document.get('codec')}, not {CODEC_VERSION}")
    decoder = _ValueDecoder()
    people = [decoder.person(value) for value in document["people"]]
    return Registry(
        title=document["title"],
        updated=dt.date.fromisoformat(document["updated"]),
        records=tuple(decoder.record(value) for value in document["records"]),
        people={person.id: person for person in people},
        footnotes=document["footnotes"],
    )


class _ValueDecoder:
    def __init__(self) -> None:
        self._people: dict[tuple[Any, ...], Person] = {}

    def person(self, value: Sequence[Any]) -> Person:
        key = tuple(value)
        found = self._people.get(key)
        if found is None:
            person_id, name, org, uri, updated = value
            found = self._people[key] = _canonical_person(
                person_id, name, org, uri, None if updated is None else _partial_date_from_text(updated)
            )
        return found

    def record(self, value: Sequence[Any]) -> ServiceRecord:
        (
            name,
            protocol,
            port_text,
            description,
            assignees,
            contacts,
            registered,
            modified,
            refs,
            notes,
            unauth,
            code,
        ) = value
        return _canonical_record(
            name,
            _PROTOCOLS[protocol],
            None if port_text is None else PortRange.from_text(port_text),
            description,
            tuple(self.person(item) for item in assignees),
            tuple(self.person(item) for item in contacts),
            tuple(Reference(kind=_KINDS[kind], data=data, text=text) for kind, data, text in refs),
            None if registered is None else _partial_date_from_text(registered),
            None if modified is None else _partial_date_from_text(modified),
            notes,
            unauth,
            code,
        )
