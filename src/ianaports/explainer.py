"""The explain view: everything known about one port or service name, IANA's and ours.

:func:`explain` gathers a release's records, the range facts of
:mod:`ianaports.ranges` and the curated notes of :mod:`ianaports.notes` into
one :class:`ExplainView`; :mod:`ianaports.render.page` and :mod:`ianaports.render.explain`
turn it into pages.
This module does not import lxml: explaining from the cache stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .errors import InvalidArgumentError
from .model import PortRange, Protocol, ServiceRecord, Status, is_digits, read_query, strongest_status
from .oslimits import PortOnMachine, port_on_machine
from .ranges import InternalUse, RangeFacts, internal_use, range_facts

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from .model import Person
    from .nmap import NmapEntry, NmapServices
    from .notes import Note, NoteFiles, NoteSet
    from .oslimits import OsPorts
    from .registry import RecordSource

__all__ = ["ExplainView", "explain"]


@attrs.frozen(kw_only=True)
class ExplainView:
    """Everything known about a port or a service name in one release, IANA's and ours.

    ``records`` are the assignments; ``spans`` the unassigned or reserved
    entries covering the port. ``ranges`` holds one :class:`RangeFacts` per port
    (browser blocking and Kubernetes' NodePort range among them); ``machine``
    how this machine treats each port, when it was asked; ``nmap`` the lines
    of the user's nmap-services file for the ports, and ``nmap_source`` that
    file (None without one).
    """

    query: str
    release: dt.date
    ports: tuple[int, ...]
    records: tuple[ServiceRecord, ...]
    spans: tuple[ServiceRecord, ...]
    people: tuple[Person, ...]
    ranges: tuple[RangeFacts, ...]
    notes: tuple[Note, ...]
    internal_use: InternalUse | None
    machine: tuple[PortOnMachine, ...] = ()
    nmap: tuple[NmapEntry, ...] = ()
    nmap_source: str | None = None

    @property
    def is_assigned(self) -> bool:
        """True when IANA assigns something here."""
        return bool(self.records)

    @property
    def status(self) -> Status:
        """The strongest status of every record covered (``unassigned`` when IANA lists nothing)."""
        return strongest_status(record.status for record in (*self.records, *self.spans))

    @property
    def statuses(self) -> tuple[Status, ...]:
        """The distinct statuses of the records covered, strongest first."""
        found = {record.status for record in (*self.records, *self.spans)}
        return tuple(status for status in Status if status in found)

    @property
    def iana_remarks(self) -> tuple[tuple[ServiceRecord, str], ...]:
        """Every IANA note and unauthorized-use report of the records covered, with its record."""
        return tuple((record, text) for record in (*self.records, *self.spans) for text in record.iana_remarks)

    @property
    def reported_uses(self) -> tuple[tuple[ServiceRecord, str], ...]:
        """IANA's own reports of a use of the port (see :attr:`ServiceRecord.reported_uses`), with the record.

        For a port asked by number, only the reports that concern it
        (:meth:`ServiceRecord.reported_uses_of`).
        """
        port = self.ports[0] if is_digits(self.query) and self.ports else None
        return tuple(
            (record, text)
            for record in (*self.records, *self.spans)
            for text in (record.reported_uses if port is None else record.reported_uses_of(port))
        )

    @property
    def names(self) -> tuple[str, ...]:
        """The distinct service names of the records, in order."""
        return tuple(dict.fromkeys(record.name for record in self.records if record.name))

    @property
    def protocols(self) -> tuple[Protocol, ...]:
        """The distinct protocols of the records, in order."""
        return tuple(dict.fromkeys(record.protocol for record in self.records if record.protocol))


def _people(records: Iterable[ServiceRecord]) -> tuple[Person, ...]:
    found: dict[str, Person] = {}
    for record in records:
        for person in (*record.assignees, *record.contacts):
            found.setdefault(person.id, person)
    return tuple(found.values())


def _as_port(query: int | str) -> int | None:
    """The port *query* names, or None for a name; a span, or text that is neither, is refused."""
    if isinstance(query, int):
        return query
    found = read_query(query)
    if isinstance(found, PortRange):
        msg = f"explain takes one port or a service name, not the span {found}"
        raise InvalidArgumentError(msg)
    return found if isinstance(found, int) else None


def _objections(spans: tuple[ServiceRecord, ...], port: int) -> tuple[str, ...]:
    """What IANA's unassigned or reserved records covering *port* say against using it, as ``free`` reads them."""
    from .freeports import iana_objections  # noqa: PLC0415 - only a page without an assignment weighs them

    found = (why for record in spans for covered, why in iana_objections(record) if port in covered)
    return tuple(dict.fromkeys(found))


def explain(
    registry: RecordSource,
    port_or_name: int | str,
    notes: NoteSet | NoteFiles | None = None,
    *,
    machine: OsPorts | None = None,
    nmap: NmapServices | None = None,
) -> ExplainView:
    """The enriched view of a port (``2304``, ``"2304"``) or a service name (``"ssh"``).

    Unassigned ports get a view too; an unknown name raises
    :class:`~ianaports.NotFoundError`; a span (``"6000-6063"``) or text that is
    neither a port nor a name (``"1-2-3"``) raises
    :class:`~ianaports.InvalidArgumentError`, read as
    :func:`ianaports.model.read_query` reads it. *notes* defaults to the notes
    of :func:`~ianaports.notes.load_notes`, of which only the files that can
    speak of the port are read (:func:`~ianaports.notes.read_notes`).
    *machine* (:func:`ianaports.oslimits.machine_ports`) adds how this machine
    treats the port; *nmap* (:func:`ianaports.nmap.load_nmap_services`) how
    often scans find it open.
    """
    if notes is None:
        from .notes import read_notes  # noqa: PLC0415 - the notes module only when no notes are given

        notes = read_notes()
    port = _as_port(port_or_name)
    if port is not None:
        found = registry.lookup(port)
        ports: tuple[int, ...] = (port,)
    else:
        found = registry.service(str(port_or_name))
        ports = tuple(sorted({record.ports.start for record in found if record.ports is not None}))
    records = tuple(record for record in found if record.is_assignment)
    spans = tuple(record for record in found if not record.is_assignment)
    facts = tuple(range_facts(each) for each in ports)
    single = port is not None and facts
    return ExplainView(
        query=str(port_or_name).strip(),
        release=registry.updated,
        ports=ports,
        records=records,
        spans=spans,
        people=_people(records),
        ranges=facts,
        notes=notes.about(records, port),
        internal_use=internal_use(bool(records), facts[0], _objections(spans, ports[0]))
        if single and not records
        else None,
        machine=() if machine is None else tuple(port_on_machine(each, machine) for each in ports),
        nmap=() if nmap is None else tuple(entry for each in ports for entry in nmap.about(each)),
        nmap_source=None if nmap is None else nmap.source,
    )
