"""Build model values by writing their slots, for readers that hold values already in canonical form.

attrs' ``__init__`` on a frozen class costs a bound ``object.__setattr__`` call
plus a converter per field, which for the 14,000 records and 5,000 people of a
release is a third of a parse or a load.  The parser and the store's codec hand
over values already in the form the converters produce (tuples, enum members,
checked ports), and these classes have no validators or post-init checks on
those fields, so writing the slots directly builds the very same objects.
``tests/test_parser.py`` and ``tests/test_store.py`` check that both paths stay
field-for-field identical.  One module serves both readers, so that loading from
the store never imports the parser (and lxml).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import PartialDate, Person, PortRange, Protocol, Reference, ServiceRecord

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["canonical_person", "canonical_record", "canonical_span"]


def _slot_writer(cls: type, field: str) -> Callable[[Any, Any], None]:
    writer: Callable[[Any, Any], None] = cls.__dict__[field].__set__
    return writer


_new = object.__new__
_set_name = _slot_writer(ServiceRecord, "name")
_set_protocol = _slot_writer(ServiceRecord, "protocol")
_set_ports = _slot_writer(ServiceRecord, "ports")
_set_description = _slot_writer(ServiceRecord, "description")
_set_assignees = _slot_writer(ServiceRecord, "assignees")
_set_contacts = _slot_writer(ServiceRecord, "contacts")
_set_references = _slot_writer(ServiceRecord, "references")
_set_registered = _slot_writer(ServiceRecord, "registered")
_set_modified = _slot_writer(ServiceRecord, "modified")
_set_notes = _slot_writer(ServiceRecord, "notes")
_set_unauthorized_use = _slot_writer(ServiceRecord, "unauthorized_use")
_set_service_code = _slot_writer(ServiceRecord, "service_code")
_set_start = _slot_writer(PortRange, "start")
_set_end = _slot_writer(PortRange, "end")
_set_written = _slot_writer(PortRange, "written")
_set_person_id = _slot_writer(Person, "id")
_set_person_name = _slot_writer(Person, "name")
_set_person_org = _slot_writer(Person, "org")
_set_person_uri = _slot_writer(Person, "uri")
_set_person_updated = _slot_writer(Person, "updated")
_set_person_other_uris = _slot_writer(Person, "other_uris")
_NO_URIS: tuple[str, ...] = ()


def canonical_record(  # noqa: PLR0917 - positional keeps the readers' hot loops cheap
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
    """A ServiceRecord from values already in the form its converters produce."""
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


def canonical_person(  # noqa: PLR0917 - positional keeps the readers' hot loops cheap
    person_id: str,
    name: str | None,
    org: str | None,
    uri: str | None,
    updated: PartialDate | None,
    other_uris: tuple[str, ...] = _NO_URIS,
) -> Person:
    """A Person built without attrs' keyword-argument __init__ (it has nothing to convert)."""
    person: Person = _new(Person)
    _set_person_id(person, person_id)
    _set_person_name(person, name)
    _set_person_org(person, org)
    _set_person_uri(person, uri)
    _set_person_updated(person, updated)
    _set_person_other_uris(person, other_uris)
    return person


def canonical_span(start: int, end: int, written: str | None) -> PortRange:
    """A PortRange from checked bounds (``start <= end``, both in 0-65535) and IANA's own text, if kept."""
    span: PortRange = _new(PortRange)
    _set_start(span, start)
    _set_end(span, end)
    _set_written(span, written)
    return span
