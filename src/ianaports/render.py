"""Output formats: the project's JSON record schema and plain-text tables.

The JSON record schema (documented in ``docs/schema.md``) is shared by every
JSON output of the CLI and by the version store, so ``record_from_json``
inverts ``record_to_json`` exactly.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from .model import PartialDate, Person, PortRange, Protocol, Reference, ReferenceKind, ServiceRecord, tidy_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from .registry import Registry

__all__ = [
    "IANA_CSV_HEADER",
    "JSON_SCHEMA_VERSION",
    "format_table",
    "iana_csv_row",
    "is_services_name",
    "person_from_json",
    "person_to_json",
    "record_from_json",
    "record_to_json",
    "registry_to_json",
    "services_lines",
    "write_iana_csv",
    "write_services",
]

#: Bumped when a key of the record schema changes meaning or disappears.
JSON_SCHEMA_VERSION = 1

JsonDict = dict[str, Any]


def person_to_json(person: Person) -> JsonDict:
    """A person or organisation as a JSON object."""
    return {
        "id": person.id,
        "name": person.name,
        "org": person.org,
        "uri": person.uri,
        "email": person.email,
        "updated": _date_to_json(person.updated),
    }


def person_from_json(data: Mapping[str, Any]) -> Person:
    """Invert :func:`person_to_json`."""
    return Person(
        id=data["id"],
        name=data.get("name"),
        org=data.get("org"),
        uri=data.get("uri"),
        updated=_date_from_json(data.get("updated")),
    )


def _reference_to_json(reference: Reference) -> JsonDict:
    return {"type": reference.kind.value, "data": reference.data, "text": reference.text}


def _reference_from_json(data: Mapping[str, Any]) -> Reference:
    return Reference(kind=ReferenceKind(data["type"]), data=data.get("data"), text=data.get("text"))


def _date_to_json(value: PartialDate | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_from_json(value: str | None) -> PartialDate | None:
    return None if value is None else PartialDate.from_text(value)


def record_to_json(record: ServiceRecord) -> JsonDict:
    """One record in the project's JSON record schema."""
    return {
        "service_name": record.name,
        "protocol": None if record.protocol is None else record.protocol.value,
        "port_start": record.port_start,
        "port_end": record.port_end,
        "port_text": None if record.ports is None else record.ports.as_written,
        "description": record.description,
        "assignee": [person_to_json(person) for person in record.assignees],
        "contact": [person_to_json(person) for person in record.contacts],
        "registered": _date_to_json(record.registered),
        "modified": _date_to_json(record.modified),
        "references": [_reference_to_json(reference) for reference in record.references],
        "notes": record.notes,
        "unauthorized_use": record.unauthorized_use,
        "service_code": record.service_code,
    }


def _ports_from_json(start: int | None, end: int | None, text: str | None) -> PortRange | None:
    if start is None:
        return None
    ports = PortRange(start, start if end is None else end)
    return ports if text in (None, str(ports)) else attrs.evolve(ports, written=text)


def record_from_json(data: Mapping[str, Any], *, people: dict[tuple[Any, ...], Person] | None = None) -> ServiceRecord:
    """Invert :func:`record_to_json`: ``record_from_json(record_to_json(r)) == r``.

    Pass the same *people* dict to many calls to share equal :class:`Person`
    values between records (the store does, to load a release quickly).
    """
    start, end = data.get("port_start"), data.get("port_end")
    protocol = data.get("protocol")

    def person(item: Mapping[str, Any]) -> Person:
        return person_from_json(item) if people is None else _shared_person(item, people)

    return ServiceRecord(
        name=data.get("service_name"),
        protocol=None if protocol is None else Protocol(protocol),
        ports=_ports_from_json(start, end, data.get("port_text")),
        description=data.get("description") or "",
        assignees=tuple(person(item) for item in data.get("assignee", ())),
        contacts=tuple(person(item) for item in data.get("contact", ())),
        references=tuple(_reference_from_json(reference) for reference in data.get("references", ())),
        registered=_date_from_json(data.get("registered")),
        modified=_date_from_json(data.get("modified")),
        notes=data.get("notes"),
        unauthorized_use=data.get("unauthorized_use"),
        service_code=data.get("service_code"),
    )


def _shared_person(data: Mapping[str, Any], people: dict[tuple[Any, ...], Person]) -> Person:
    key = (data["id"], data.get("name"), data.get("org"), data.get("uri"), data.get("updated"))
    person = people.get(key)
    if person is None:
        person = people[key] = person_from_json(data)
    return person


def registry_to_json(registry: Registry, records: Iterable[ServiceRecord] | None = None) -> JsonDict:
    """A release as JSON: its date, title and records (all, or the ones given)."""
    chosen = registry.records if records is None else records
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "updated": registry.updated.isoformat(),
        "title": registry.title,
        "records": [record_to_json(record) for record in chosen],
    }


#: The twelve columns of IANA's own CSV, in its order.
IANA_CSV_HEADER = (
    "Service Name",
    "Port Number",
    "Transport Protocol",
    "Description",
    "Assignee",
    "Contact",
    "Registration Date",
    "Modification Date",
    "Reference",
    "Service Code",
    "Unauthorized Use Reported",
    "Assignment Notes",
)


def iana_csv_row(record: ServiceRecord, *, legacy: bool = False) -> list[str]:
    """One record as a row of IANA's CSV (``legacy`` for the pre-2025 ``<br/>`` rendering)."""

    def tidy(text: str | None) -> str:
        return tidy_text(text, legacy=legacy) if text else ""

    return [
        record.name or "",
        "" if record.ports is None else record.ports.as_written,
        "" if record.protocol is None else record.protocol.value,
        tidy(record.description),
        "".join(person.token for person in record.assignees),
        "".join(person.token for person in record.contacts),
        "" if record.registered is None else record.registered.isoformat(),
        "" if record.modified is None else record.modified.isoformat(),
        "".join(reference.token for reference in record.references),
        "" if record.service_code is None else str(record.service_code),
        tidy(record.unauthorized_use),
        tidy(record.notes),
    ]


def write_iana_csv(registry: Registry, stream: TextIO, *, legacy: bool = False) -> None:
    r"""Write *registry* in IANA's CSV layout, byte for byte as IANA publishes it.

    Open *stream* with ``newline=""``.  IANA ends rows with ``\n`` today and
    ended them with ``\r\n`` before 2025; ``legacy=True`` reproduces that too.
    """
    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n" if legacy else "\n")
    writer.writerow(IANA_CSV_HEADER)
    writer.writerows(iana_csv_row(record, legacy=legacy) for record in registry.records)


def is_services_name(name: str) -> bool:
    """True when *name* can stand in a services(5) file.

    The format splits fields on blanks, starts comments at ``#`` and separates
    port from protocol with ``/``; IANA still lists names with spaces and
    slashes (``cl/1``, ``Apple Remote Desktop (Net Assistant)`` in 2024), which
    would corrupt a line, so they are left out.
    """
    return bool(name) and name.isascii() and name.isprintable() and not any(c in name for c in " \t#/")


@attrs.define
class _ServicesLine:
    name: str
    port: int
    protocol: str
    description: str
    aliases: list[str] = attrs.field(factory=list)


def services_lines(registry: Registry) -> list[_ServicesLine]:
    """The lines of a services(5) file: one per port and protocol, spans expanded.

    Aliases (records whose note says "This entry is an alias to X") join X's
    line at the same port and protocol.  Records without a protocol or port,
    unassigned and reserved spans, and names the format cannot hold are left out.
    """
    lines: list[_ServicesLine] = []
    by_key: dict[tuple[int, str, str], _ServicesLine] = {}
    aliases: list[tuple[ServiceRecord, str]] = []
    for record in registry.records:
        if record.name is None or record.ports is None or record.protocol is None or not record.is_assignment:
            continue
        if not is_services_name(record.name):
            continue
        target = record.alias_of
        if target is not None:
            aliases.append((record, target))
            continue
        for port in record.ports:
            _add_services_line(lines, by_key, record, port)
    for record, target in aliases:
        assert record.name is not None
        assert record.ports is not None
        assert record.protocol is not None
        for port in record.ports:
            primary = by_key.get((port, record.protocol.value, target.lower()))
            if primary is not None:
                if record.name.lower() not in (alias.lower() for alias in primary.aliases):
                    primary.aliases.append(record.name)
                continue
            _add_services_line(lines, by_key, record, port)
    lines.sort(key=lambda line: (line.port, _PROTOCOL_ORDER.get(line.protocol, 9)))
    return lines


def _add_services_line(
    lines: list[_ServicesLine], by_key: dict[tuple[int, str, str], _ServicesLine], record: ServiceRecord, port: int
) -> None:
    name, protocol = record.name or "", record.protocol.value if record.protocol else ""
    key = (port, protocol, name.lower())
    if key not in by_key:
        line = _ServicesLine(name, port, protocol, _single_line(tidy_text(record.description)))
        by_key[key] = line
        lines.append(line)


_PROTOCOL_ORDER = {"tcp": 0, "udp": 1, "sctp": 2, "dccp": 3}


def write_services(registry: Registry, stream: TextIO, *, generator: str = "ianaports") -> None:
    """Write *registry* as a services(5) file, like ``/etc/services``."""
    stream.write(
        f"# services(5) written by {generator} from IANA's {registry.title},\n"
        f"# release {registry.updated.isoformat()}: "
        "https://www.iana.org/assignments/service-names-port-numbers/\n"
        "# Format: name port/protocol [aliases...] [# description]\n"
    )
    for line in services_lines(registry):
        head = f"{line.name:<15} {f'{line.port}/{line.protocol}':<11}"
        if line.aliases:
            head = f"{head} {' '.join(line.aliases)}"
        stream.write(f"{head}  # {line.description}\n" if line.description else f"{head.rstrip()}\n")


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, aligned: bool) -> str:
    """Rows as an aligned table (for a terminal) or tab-separated lines (for a pipe)."""
    if not aligned:
        return "\n".join("\t".join(_single_line(cell) for cell in row) for row in (header, *rows))
    cells = [[_single_line(cell) for cell in row] for row in (header, *rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def _single_line(text: str) -> str:
    return " ".join(text.split())
