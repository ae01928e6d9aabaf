"""The Registry: one release of IANA's port registry, with its lookup indexes."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Protocol as TypingProtocol

import attrs

from ._intervals import SpanIndex, measure, overlap_depth, subtract, union
from ._ranking import search_tier
from .errors import NotFoundError
from .model import (
    PORT_MAX,
    STATUS_ORDER,
    Person,
    PortRange,
    Protocol,
    ServiceRecord,
    Status,
    check_port,
    check_text,
    strongest_status,
)
from .ranges import PortClass, classify

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Iterator, Mapping

__all__ = [
    "PortCounts",
    "PortStatistics",
    "RecordSource",
    "Registry",
    "port_overlap",
    "port_statistics",
    "search_tier",
]


class RecordSource(TypingProtocol):
    """What answers a port or a name: a parsed :class:`Registry`, or a stored release's view.

    Code that asks only these (the explainer, the listening audit) works on
    either, so the CLI can answer from the cache by SQL without loading a
    whole release.
    """

    @property
    def updated(self) -> dt.date:
        """IANA's release date."""
        ...

    def lookup(self, port: int, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record whose port or span holds *port*, in file order."""
        ...

    def service(self, name: str, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record of the service *name*, case-insensitively; NotFoundError when none."""
        ...


def _protocol_or_none(value: Protocol | str | None) -> Protocol | None:
    return None if value is None else Protocol(str(value).lower())


def _tuple_of_records(records: Iterable[ServiceRecord]) -> tuple[ServiceRecord, ...]:
    return tuple(records)


@attrs.frozen
class _Indexes:
    single: dict[int, list[int]]
    spans: SpanIndex
    by_name: dict[str, list[int]]


def _build_indexes(records: tuple[ServiceRecord, ...]) -> _Indexes:
    single: dict[int, list[int]] = {}
    spans: list[tuple[int, int, int]] = []
    by_name: dict[str, list[int]] = {}
    for position, record in enumerate(records):
        ports = record.ports
        if ports is not None:
            if ports.start == ports.end:
                single.setdefault(ports.start, []).append(position)
            else:
                spans.append((ports.start, ports.end, position))
        if record.name:
            by_name.setdefault(record.name.lower(), []).append(position)
    # An interval index, not a table of every piece's spans: 14,000 nested
    # spans made that table 200 million entries.
    return _Indexes(single=single, spans=SpanIndex(spans), by_name=by_name)


@attrs.frozen(kw_only=True)
class Registry:
    """One release of the registry: its records in file order, people and release date.

    ``updated`` is IANA's own ``<updated>`` date: the version of the data,
    distinct from the version of this package.
    """

    title: str
    updated: dt.date
    records: tuple[ServiceRecord, ...] = attrs.field(converter=_tuple_of_records)
    people: Mapping[str, Person] = attrs.field(factory=dict, hash=False)
    footnotes: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    _indexes: list[_Indexes] = attrs.field(factory=list, init=False, eq=False, hash=False, repr=False)

    def _index(self) -> _Indexes:
        # Built on first use so that loading a release stays cheap.
        if not self._indexes:
            self._indexes.append(_build_indexes(self.records))
        return self._indexes[0]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[ServiceRecord]:
        return iter(self.records)

    def __repr__(self) -> str:
        return f"<Registry {len(self.records)} records, updated {self.updated.isoformat()}>"

    def lookup(self, port: int, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record whose port or span holds *port*, in file order; ``()`` if none.

        Raises :class:`~ianaports.InvalidArgumentError` for a port outside
        0-65535 or that is not an ``int`` (``80.5``, ``True``, ``"80"``).
        """
        check_port(port)
        wanted = _protocol_or_none(protocol)
        index = self._index()
        positions = list(index.single.get(port, ()))
        positions.extend(index.spans.holding(port))
        return self._select(sorted(positions), wanted)

    def lookup_span(self, span: PortRange, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record whose port or span overlaps *span*, in file order."""
        wanted = _protocol_or_none(protocol)
        return tuple(
            record
            for record in self.records
            if record.ports is not None
            and record.ports.overlaps(span)
            and (wanted is None or record.protocol is wanted)
        )

    def service(self, name: str, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record of the service *name* (case-insensitive, as RFC 6335 says).

        Raises :class:`NotFoundError` when no record carries that name.
        """
        positions = self._index().by_name.get(check_text(name, what="a service name").strip().lower())
        if not positions:
            msg = f"no service named {name!r} in the registry of {self.updated.isoformat()}"
            raise NotFoundError(msg)
        return self._select(positions, _protocol_or_none(protocol))

    def search(self, text: str) -> tuple[ServiceRecord, ...]:
        """Records whose name or description contains *text*, ranked as :func:`search_tier` says, then in file order."""
        needle = check_text(text, what="search text").strip().lower()
        if not needle:
            return ()
        exact = self._index().by_name.get(needle, [])
        exact_set = set(exact)
        tiers: tuple[list[ServiceRecord], ...] = ([], [], [], [])
        for position, record in enumerate(self.records):
            if position in exact_set:
                continue
            tier = search_tier(needle, record.name, record.description)
            if tier is not None:
                tiers[tier].append(record)
        return (*(self.records[position] for position in exact), *tiers[1], *tiers[2], *tiers[3])

    def getservbyport(self, port: int, protocol: Protocol | str = "tcp") -> str:
        """The service name for *port*, like :func:`socket.getservbyport` but from IANA.

        The first named assignment at that port and protocol that is not an
        alias wins, which is the line a services(5) file lists first.  Raises
        :class:`NotFoundError` when nothing is assigned there.
        """
        named = [r for r in self.lookup(port, protocol) if r.name and r.is_assignment]
        for record in sorted(named, key=lambda r: r.alias_of is not None):
            assert record.name is not None
            return record.name
        msg = f"no service assigned to {port}/{Protocol(str(protocol).lower())}"
        raise NotFoundError(msg)

    def getservbyname(self, name: str, protocol: Protocol | str | None = None) -> int:
        """The port of service *name*, like :func:`socket.getservbyname` but from IANA.

        Raises :class:`NotFoundError` when the name has no port (for that protocol).
        """
        for record in self.service(name, protocol):
            if record.ports is not None:
                return record.ports.start
        where = f" for {protocol}" if protocol else ""
        msg = f"service {name!r} has no port{where}"
        raise NotFoundError(msg)

    def classify(self, port: int) -> PortClass:
        """The RFC 6335 range of *port* (System, User or Dynamic)."""
        return classify(port)

    def port_status(self, port: int, protocol: Protocol | str | None = None) -> Status:
        """The standing of *port* (for *protocol*, or any): the strongest status of the records covering it.

        ``assigned`` beats ``reserved``, then ``private-use``, ``withdrawn`` and
        ``unassigned`` (see :data:`ianaports.model.STATUS_ORDER`); a port no record covers (the
        Dynamic range, 49152-65535) is ``unassigned``.
        """
        wanted = _protocol_or_none(protocol)
        found = [record.status for record in self.lookup(port) if wanted is None or record.protocol in (wanted, None)]
        return strongest_status(found)

    def unassigned(self, start: int = 0, end: int = PORT_MAX, protocol: Protocol | str | None = None) -> list[int]:
        """Ports within ``start..end`` that IANA lists as unassigned (for *protocol*, or all).

        A port is unassigned when every record covering it has the status
        ``unassigned`` (or none covers it); an assigned, reserved, private-use
        or withdrawn entry takes it.
        """
        span = PortRange(start, end)
        wanted = _protocol_or_none(protocol)
        # The union of what is taken, then its gaps: never port by port per record.
        taken = union(
            (max(record.ports.start, start), min(record.ports.end, end))
            for record in self.lookup_span(span)
            if record.ports is not None
            and record.status is not Status.UNASSIGNED
            and (wanted is None or record.protocol in (wanted, None))
        )
        free: list[int] = []
        for low, high in subtract([(start, end)], taken):
            free.extend(range(low, high + 1))
        return free

    def _select(self, positions: Iterable[int], protocol: Protocol | None) -> tuple[ServiceRecord, ...]:
        records = self.records
        return tuple(
            records[position] for position in positions if protocol is None or records[position].protocol is protocol
        )


_STATISTICS_PROTOCOLS = (Protocol.TCP, Protocol.UDP, Protocol.SCTP, Protocol.DCCP)


@attrs.frozen(kw_only=True)
class PortCounts:
    """The ports of one RFC 6335 range for one protocol, each counted once under its strongest status."""

    port_class: PortClass
    protocol: Protocol
    assigned: int
    reserved: int
    unassigned: int
    private_use: int = 0
    withdrawn: int = 0


@attrs.frozen(kw_only=True)
class PortStatistics:
    """What :func:`port_statistics` counts in one release."""

    updated: dt.date
    records: int
    service_names: int
    names_without_port: int
    ports: tuple[PortCounts, ...]


def port_statistics(registry: Registry) -> PortStatistics:
    """Counts per RFC 6335 range and protocol of the ports of each :class:`~ianaports.model.Status`.

    A port counts once for a protocol, under the strongest status
    (:data:`ianaports.model.STATUS_ORDER`) of the records covering it for that protocol or for
    no stated protocol: *assigned* when a named entry covers it, then
    *reserved*, *private-use* and *withdrawn*; *unassigned* otherwise.  Rows
    come range by range (system, user, dynamic), each in the order TCP, UDP,
    SCTP, DCCP.
    """
    claimed_spans: dict[Status, dict[Protocol, list[tuple[int, int]]]] = {
        status: {protocol: [] for protocol in _STATISTICS_PROTOCOLS} for status in STATUS_ORDER[:-1]
    }
    for record in registry.records:
        status = record.status
        if record.ports is None or status is Status.UNASSIGNED:
            continue
        protocols = _STATISTICS_PROTOCOLS if record.protocol is None else (record.protocol,)
        for protocol in protocols:
            claimed_spans[status][protocol].append((record.ports.start, record.ports.end))
    # Unions of spans, each status less the stronger ones: the cost follows the records, not the ports they span.
    claimed: dict[Status, dict[Protocol, list[tuple[int, int]]]] = {}
    for protocol in _STATISTICS_PROTOCOLS:
        stronger: list[tuple[int, int]] = []
        for status in STATUS_ORDER[:-1]:
            own = union(claimed_spans[status][protocol])
            claimed.setdefault(status, {})[protocol] = subtract(own, stronger)
            stronger = union([*stronger, *own])
    rows = []
    for port_class in PortClass:
        span = port_class.span
        for protocol in _STATISTICS_PROTOCOLS:
            counts = {status: measure(claimed[status][protocol], span.start, span.end) for status in STATUS_ORDER[:-1]}
            rows.append(
                PortCounts(
                    port_class=port_class,
                    protocol=protocol,
                    assigned=counts[Status.ASSIGNED],
                    reserved=counts[Status.RESERVED],
                    private_use=counts[Status.PRIVATE_USE],
                    withdrawn=counts[Status.WITHDRAWN],
                    unassigned=len(span) - sum(counts.values()),
                )
            )
    names = {record.name.lower() for record in registry.records if record.name}
    return PortStatistics(
        updated=registry.updated,
        records=len(registry.records),
        service_names=len(names),
        names_without_port=sum(1 for record in registry.records if record.name and record.ports is None),
        ports=tuple(rows),
    )


def port_overlap(registry: Registry) -> tuple[int, int | None]:
    """The most spans (records of two ports or more) holding one port, and the lowest such port (None for none).

    Every real release from 2017 to 2025 gives 2, at port 6000: x11's tcp and
    udp records for 6000-6063.  A release far beyond that (14,000 nested
    spans give 14,000) makes every answer about a port long, so the sync
    guard refuses it as suspect.  Single ports do not count: many records on
    one port cost only their own answer.
    """
    return overlap_depth(
        (record.ports.start, record.ports.end)
        for record in registry.records
        if record.ports is not None and record.ports.start != record.ports.end
    )
