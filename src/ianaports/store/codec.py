"""The store's private record format: records and people as plain column values, and back.

This format is the store's own, versioned by :data:`CODEC_VERSION` and
independent of the public JSON schema (``docs/schema.md``): changing the JSON
output never changes what the store holds, and changing this format bumps
:data:`CODEC_VERSION`, which makes the store rebuild its index from the raw
archive on next use.  Nothing here does I/O.

A record is one row of scalar columns (:data:`RECORD_COLUMNS`): text as IANA
wrote it; the span as ``port_start``/``port_end`` (for queries) and as one
integer ``start * 65536 + end``, with IANA's text only where it is not the
canonical one; dates as integers ``YYYYMMDD`` (``DD`` 00 when IANA gave no day);
assignees and contacts as a people row id, or comma-separated ids for
several; references as a JSON list; NULL for every empty value.  Integers
and NULLs are what SQLite hands back cheapest, and the values that repeat
across records (people lists, references, dates, spans) are decoded once per
load: that is what makes loading a release cheaper than parsing it.

A whole release (used only for releases whose XML was never kept, see
``docs/store.md``) is one JSON document of the same values, people by value.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ianaports._canonical import canonical_person, canonical_record, canonical_span
from ianaports.model import (
    PartialDate,
    Person,
    PortRange,
    Protocol,
    Reference,
    ReferenceKind,
    ServiceRecord,
)

from .versions import CODEC_VERSION  # kept beside SCHEMA_VERSION, in a module that imports nothing

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from ianaports.registry import Registry

__all__ = [
    "CODEC_VERSION",
    "DECODED_COLUMNS",
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

#: Whole-release documents of these versions can be read (version 1 stored one URI a person; 2 all of them).
_READABLE_RELEASE_CODECS = (1, 2)

#: The stored columns of a record, in this order.
RECORD_COLUMNS = (
    "name",
    "protocol",
    "port_start",
    "port_end",
    "span",
    "port_written",
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
#: The columns a load reads back (after the row id): all but the port columns kept for queries.
DECODED_COLUMNS = tuple(column for column in RECORD_COLUMNS if column not in ("port_start", "port_end"))
#: The stored columns of a person, in this order.
PERSON_COLUMNS = ("person_id", "name", "org", "uri", "updated")

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)

# Decoding builds records by writing their slots, as the parser does (ianaports._canonical says why);
# tests/test_store.py checks that decoded records equal parsed ones.


def _partial_date_from_text(text: str) -> PartialDate:
    return PartialDate.from_text(text)


_PROTOCOLS: dict[str | None, Protocol | None] = {None: None, **{member.value: member for member in Protocol}}
_KINDS = {member.value: member for member in ReferenceKind}
_NO_PEOPLE: tuple[Person, ...] = ()
#: A span is stored as ``start * _SPAN_BASE + end``.
_SPAN_BASE = 65536
_NO_REFERENCES: tuple[Reference, ...] = ()


def _date_text(value: PartialDate | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_number(value: PartialDate | None) -> int | None:
    return None if value is None else value.year * 10000 + value.month * 100 + (value.day or 0)


def _people_value(ids: list[int]) -> int | str | None:
    if not ids:
        return None
    return ids[0] if len(ids) == 1 else ",".join(map(str, ids))


def person_row(person: Person) -> tuple[str, str | None, str | None, str | None, str | None]:
    """A person's stored columns (:data:`PERSON_COLUMNS`); several URIs share the ``uri`` column, one a line."""
    uri = "\n".join(person.uris) if person.other_uris else person.uri
    return (person.id, person.name, person.org, uri, _date_text(person.updated))


def _person(person_id: str, name: str | None, org: str | None, uri: str | None, updated: PartialDate | None) -> Person:
    if uri is None or "\n" not in uri:
        return canonical_person(person_id, name, org, uri, updated)
    first, *others = uri.split("\n")
    return canonical_person(person_id, name, org, first, updated, tuple(others))


def _references_text(references: Sequence[Reference]) -> str | None:
    if not references:
        return None
    return _ENCODER.encode([[reference.kind.value, reference.data, reference.text] for reference in references])


def record_row(record: ServiceRecord, person_id: Callable[[Person], int]) -> tuple[Any, ...]:
    """A record's stored columns (:data:`RECORD_COLUMNS`); *person_id* gives a person's row id."""
    ports = record.ports
    return (
        record.name,
        None if record.protocol is None else record.protocol.value,
        None if ports is None else ports.start,
        None if ports is None else ports.end,
        None if ports is None else ports.start * _SPAN_BASE + ports.end,
        None if ports is None else ports.written,
        record.description,
        _people_value([person_id(person) for person in record.assignees]),
        _people_value([person_id(person) for person in record.contacts]),
        _date_number(record.registered),
        _date_number(record.modified),
        _references_text(record.references),
        record.notes,
        record.unauthorized_use,
        record.service_code,
    )


def row_digest(row: Sequence[Any]) -> bytes:
    """The sha256 identifying stored columns (a record's or a person's) within one index."""
    import hashlib  # noqa: PLC0415 - on write: only storing rows digests them

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
        self._people_lists: dict[int | str, tuple[Person, ...]] = {}
        self._references: dict[str, tuple[Reference, ...]] = {}
        self._dates: dict[int, PartialDate] = {}
        self._person_dates: dict[str | None, PartialDate | None] = {None: None}
        self._ports: dict[int, PortRange] = {}

    def add_people(self, rows: Iterable[Sequence[Any]]) -> None:
        """Decode ``(row id, *PERSON_COLUMNS)`` rows into :attr:`people`."""
        dates = self._person_dates
        for row_id, person_id, name, org, uri, updated in rows:
            if updated not in dates:
                dates[updated] = PartialDate.from_text(updated)
            self.people[row_id] = _person(person_id, name, org, uri, dates[updated])

    def _date(self, number: int) -> PartialDate:
        year, rest = divmod(number, 10000)
        month, day = divmod(rest, 100)
        date = self._dates[number] = PartialDate(year, month, day or None)
        return date

    def _people_list(self, value: int | str) -> tuple[Person, ...]:
        if isinstance(value, int):
            person = self.people.get(value)
            if person is not None:
                single: tuple[Person, ...] = (person,)
                self._people_lists[value] = single
                return single
            ids = [value]
        else:
            ids = [int(item) for item in value.split(",")]
        missing = [row_id for row_id in ids if row_id not in self.people]
        if missing:
            self.add_people((row_id, *columns) for row_id, columns in self._fetch_people(missing).items())
        found = self._people_lists[value] = tuple(self.people[row_id] for row_id in ids)
        return found

    def _reference_list(self, text: str) -> tuple[Reference, ...]:
        found = self._references[text] = tuple(
            Reference(kind=_KINDS[kind], data=data, text=note) for kind, data, note in json.loads(text)
        )
        return found

    def _span(self, number: int, written: str | None) -> PortRange:
        start, end = divmod(number, _SPAN_BASE)
        span = canonical_span(start, end, written)
        if written is None:
            self._ports[number] = span
        return span

    def records(self, rows: Iterable[Sequence[Any]]) -> dict[int, ServiceRecord]:
        """Decode rows of a row id and :data:`DECODED_COLUMNS` (in that order); return them by row id."""
        people_lists, references, dates, spans = self._people_lists, self._references, self._dates, self._ports
        protocols = _PROTOCOLS
        out: dict[int, ServiceRecord] = {}
        for (
            row_id,
            name,
            protocol,
            span,
            written,
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
            out[row_id] = canonical_record(
                name,
                protocols[protocol],
                None if span is None else ((spans.get(span) if written is None else None) or self._span(span, written)),
                description,
                _NO_PEOPLE if assignees is None else (people_lists.get(assignees) or self._people_list(assignees)),
                _NO_PEOPLE if contacts is None else (people_lists.get(contacts) or self._people_list(contacts)),
                _NO_REFERENCES if refs is None else (references.get(refs) or self._reference_list(refs)),
                None if registered is None else (dates.get(registered) or self._date(registered)),
                None if modified is None else (dates.get(modified) or self._date(modified)),
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
    if document.get("codec") not in _READABLE_RELEASE_CODECS:
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
            found = self._people[key] = _person(
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
        return canonical_record(
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
