from __future__ import annotations

import math

import pytest

from ianaports import (
    IanaportsError,
    InvalidArgumentError,
    NotFoundError,
    PortClass,
    PortRange,
    Protocol,
    classify,
    parse,
)
from ianaports.model import STATUS_ORDER, Status
from ianaports.parser import parse_bytes
from ianaports.registry import PortCounts, PortStatistics, port_overlap, port_statistics, search_tier
from realdata import FIXTURES
from synthetic import nested_ranges_xml, registry_xml


@pytest.fixture
def small():
    return parse(FIXTURES / "ranges-and-no-protocol.xml")


class TestLookup:
    def test_port_inside_a_range(self, small):
        """A port inside a span finds the span's records, in file order."""
        assert [(r.name, r.protocol) for r in small.lookup(6010)] == [("x11", Protocol.TCP), ("x11", Protocol.UDP)]

    def test_single_and_range_together(self, small):
        """A port that is both a single record and inside a span finds both, in file order."""
        assert [r.name for r in small.lookup(6400)] == [None, "boe-cms"]

    def test_protocol_filter(self, small):
        """A protocol filter keeps only records of that protocol."""
        assert [r.protocol for r in small.lookup(6010, protocol="udp")] == [Protocol.UDP]

    def test_nothing_is_an_empty_tuple(self, small):
        """A port with no record is an empty answer, not an error."""
        assert small.lookup(1) == ()

    def test_out_of_range_port(self, small):
        """A port outside 0-65535 is a ValueError."""
        with pytest.raises(ValueError):
            small.lookup(70000)

    def test_lookup_span(self, small):
        """A span finds every record that overlaps it."""
        assert [r.name for r in small.lookup_span(PortRange(6063, 6400))] == [None, "boe-cms", "x11", "x11"]

    def test_lookup_agrees_with_scan_on_real_data(self, newest):
        """The index answers exactly what a full scan answers, for every port."""
        expected: dict[int, list[int]] = {}
        for position, record in enumerate(newest.records):
            if record.ports is not None:
                for port in record.ports:
                    expected.setdefault(port, []).append(position)
        for port in range(65536):
            found = newest.lookup(port)
            assert [id(r) for r in found] == [id(newest.records[p]) for p in expected.get(port, [])]


class TestServiceAndSearch:
    def test_service_is_case_insensitive(self):
        """Service names match case-insensitively, as RFC 6335 says."""
        registry = parse(FIXTURES / "names-case-and-aliases.xml")
        assert [r.name for r in registry.service("ETHERNET/IP-1")] == ["EtherNet/IP-1"]

    def test_unknown_service_raises(self, small):
        """Naming a service that does not exist raises NotFoundError."""
        with pytest.raises(NotFoundError, match="nosuch"):
            small.service("nosuch")

    def test_search_ranks_exact_names_first(self, newest):
        """An exact name match comes before prefix and description matches."""
        results = newest.search("ssh")
        assert results[0].name == "ssh"
        assert all(r.name == "ssh" for r in results[:3])
        assert any("ssh" in r.description.lower() and r.name != "ssh" for r in results)

    def test_search_ranks_names_then_whole_words(self):
        """Exact name, then name prefix, then the text as a whole word, then anywhere; file order within each."""
        rows = [
            ("subnetd", "Subnetwork daemon"),  # anywhere (3)
            ("foo-net", "Foo"),  # whole word of the name (2)
            ("netfoo", "Foo over Net"),  # name prefix (1)
            ("bar", "A NET bridge"),  # whole word of the description (2)
            ("NET", "The net"),  # exact name, any case (0)
            ("baz", "nothing"),  # no match
        ]
        records = "".join(
            f"<record><name>{name}</name><protocol>tcp</protocol><number>{5000 + index}</number>"
            f"<description>{description}</description></record>"
            for index, (name, description) in enumerate(rows)
        )
        registry = parse_bytes(registry_xml(count=0, extra=records))
        assert [record.name for record in registry.search(" Net ")] == ["NET", "netfoo", "foo-net", "bar", "subnetd"]
        assert [search_tier("net", name, description) for name, description in rows] == [3, 2, 1, 2, 0, None]

    def test_empty_search(self, small):
        """An empty search text finds nothing."""
        assert small.search("  ") == ()


class TestClassification:
    def test_unassigned_in_span(self, newest):
        """Unassigned ports are the ones IANA lists as Unassigned (2684 is taken, 2685 is not neighbouring)."""
        free = newest.unassigned(6400, 6420)
        assert 6405 not in free
        assert all(not any(r.is_assignment for r in newest.lookup(p)) for p in free)

    def test_repr(self, newest):
        """The repr names the record count and release date."""
        assert repr(newest) == "<Registry 14496 records, updated 2025-12-15>"


class TestPortStatistics:
    def test_counts_of_a_small_release(self, small):
        """Spans count every port, a record with no protocol counts for all four, Unassigned entries as free."""
        user = {"tcp": 64 + 1, "udp": 64 + 1, "sctp": 1, "dccp": 1}
        expected = tuple(
            PortCounts(
                port_class=port_class,
                protocol=protocol,
                assigned=user[protocol.value] if port_class is PortClass.USER else 0,
                reserved=0,
                unassigned=len(port_class.span) - (user[protocol.value] if port_class is PortClass.USER else 0),
            )
            for port_class in PortClass
            for protocol in (Protocol.TCP, Protocol.UDP, Protocol.SCTP, Protocol.DCCP)
        )
        assert port_statistics(small) == PortStatistics(
            updated=small.updated, records=4, service_names=2, names_without_port=0, ports=expected
        )

    def test_reserved_is_apart_from_assigned(self, newest):
        """Each row's five counts add up to its range, and TCP system ports include Reserved ones."""
        stats = port_statistics(newest)
        assert all(
            row.assigned + row.reserved + row.private_use + row.withdrawn + row.unassigned == len(row.port_class.span)
            for row in stats.ports
        )
        system_tcp = next(
            row for row in stats.ports if (row.port_class, row.protocol) == (PortClass.SYSTEM, Protocol.TCP)
        )
        assert system_tcp.reserved >= 1


class TestInvalidArguments:
    @pytest.mark.parametrize(
        "call",
        [
            lambda registry: registry.lookup(70000),
            lambda registry: registry.lookup(22, "xyz"),
            lambda registry: registry.unassigned(10, 5),
            lambda registry: registry.service("smtp", "xyz"),
            lambda _registry: classify(-1),
            lambda _registry: PortRange.from_text("80-79"),
            lambda registry: registry.lookup(80.5),
            lambda registry: registry.lookup(True),  # noqa: FBT003 - the wrong type is the point
            lambda registry: registry.lookup("80"),
            lambda registry: registry.search(None),
            lambda registry: registry.service(None),
            lambda registry: registry.getservbyport(25.0),
        ],
        ids=[
            "70000",
            "xyz",
            "reversed",
            "service-xyz",
            "classify",
            "from_text",
            "float",
            "bool",
            "str",
            "search-none",
            "service-none",
            "getservbyport-float",
        ],
    )
    def test_are_ianaports_errors_and_value_errors(self, call):
        """Out-of-range ports, unknown protocols and reversed spans raise InvalidArgumentError, a ValueError."""
        registry = parse(FIXTURES / "child-order.xml")
        with pytest.raises(InvalidArgumentError) as caught:
            call(registry)
        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, IanaportsError)


@pytest.mark.parametrize(
    "call", [lambda view: view.lookup(80.5), lambda view: view.lookup("80"), lambda view: view.search(None)]
)
def test_stored_release_view_refuses_wrong_types_alike(tmp_path, call):
    """A stored release's view refuses a non-int port or non-str text as a Registry does."""
    from ianaports import Store  # noqa: PLC0415 - loaded lazily by the package
    from ianaports.parser import parse_bytes  # noqa: PLC0415 - as above

    xml = (FIXTURES / "child-order.xml").read_bytes()
    with Store(tmp_path) as store:
        with store.lock():
            release = store.add(parse_bytes(xml), xml=xml, source="test")
        assert release is not None
        with pytest.raises(InvalidArgumentError):
            call(store.view(release.updated))


def test_store_rejects_bad_history_arguments(tmp_path):
    """Store.history with a port above 65535 raises InvalidArgumentError."""
    from ianaports import Store  # noqa: PLC0415 - loaded lazily by the package

    with Store(tmp_path) as store, pytest.raises(InvalidArgumentError, match="65535"):
        store.history(port=70000)


class TestStatusCounts:
    """stats, unassigned() and port_status() go by each record's status."""

    def test_system_tcp_assigned_is_the_independent_count(self, newest):
        """The System range has 682 assigned TCP ports in 2025-12-15 (692 when any description was an assignment)."""
        stats = port_statistics(newest)
        row = next(r for r in stats.ports if (r.port_class, r.protocol) == (PortClass.SYSTEM, Protocol.TCP))
        assert (row.assigned, row.private_use) == (682, 7)

    def test_unassigned_takes_every_unassigned_description(self, newest):
        """15/tcp "Unassigned [was netstat]" and 2925 "Unassigned (FRP-Released ...)" are unassigned ports."""
        assert 15 in newest.unassigned(15, 15, "tcp")
        assert newest.unassigned(2925, 2925) == [2925]

    def test_unassigned_leaves_out_private_reserved_and_withdrawn(self, newest):
        """24 (any private mail system), 2 (Reserved) and 585 (De-registered) are not unassigned."""
        assert newest.unassigned(0, 100, "tcp")[:3] == [4, 6, 8]
        assert newest.unassigned(585, 585) == []

    def test_port_status(self, newest):
        """A port's status is the strongest of its records'; an unlisted port is unassigned."""
        answers = {port: newest.port_status(port) for port in (22, 2, 24, 585, 1895, 49152)}
        assert answers == {
            22: Status.ASSIGNED,
            2: Status.RESERVED,
            24: Status.PRIVATE_USE,
            585: Status.WITHDRAWN,
            1895: Status.UNASSIGNED,
            49152: Status.UNASSIGNED,
        }


NESTED = 14_000


@pytest.fixture(scope="module")
def nested():
    """A valid but hostile release: 14,000 tcp spans i-(65535-i), each inside the one before."""
    return parse(nested_ranges_xml(NESTED))


class TestHostileNesting:
    def test_lookup_index_stays_n_log_n(self, nested):
        """The lookup index of 14,000 nested spans holds O(n log n) keys, where a table of pieces held 98 million."""
        assert nested._index().spans.stored <= 2 * NESTED * math.ceil(math.log2(2 * NESTED))

    def test_lookup_answers_every_span_holding_the_port(self, nested):
        """Port 30000 is inside all 14,000 spans, port 13999 too, port 65535 only in 0-65535: in file order."""
        assert [record.name for record in nested.lookup(30_000)] == [f"nest{index}" for index in range(NESTED)]
        assert len(nested.lookup(NESTED - 1)) == NESTED
        assert [record.name for record in nested.lookup(65_535)] == ["nest0"]

    def test_statistics_and_unassigned_are_exact(self, nested):
        """Counting by span unions gives every tcp port assigned and none for udp, as expanding ports did."""
        stats = port_statistics(nested)
        tcp = {row.port_class: row.assigned for row in stats.ports if row.protocol is Protocol.TCP}
        assert tcp == {port_class: len(port_class.span) for port_class in PortClass}
        assert all(row.assigned == row.reserved == 0 for row in stats.ports if row.protocol is not Protocol.TCP)
        assert nested.unassigned(protocol="tcp") == []
        assert nested.unassigned(30_000, 30_010, protocol="udp") == list(range(30_000, 30_011))

    def test_overlap_depth_is_measured(self, nested):
        """port_overlap finds the 14,000 spans on one port (the lowest such is 13999)."""
        assert port_overlap(nested) == (NESTED, NESTED - 1)


class TestUnionsAgreeWithPortByPort:
    def test_statistics_match_a_port_by_port_count_on_the_newest_release(self, newest):
        """On the real newest release, the union-based counts equal a port-by-port count, strongest status first."""
        protocols = (Protocol.TCP, Protocol.UDP, Protocol.SCTP, Protocol.DCCP)
        claimed = {status: {protocol: set() for protocol in protocols} for status in STATUS_ORDER[:-1]}
        for record in newest.records:
            if record.ports is None or record.status is Status.UNASSIGNED:
                continue
            for protocol in protocols if record.protocol is None else (record.protocol,):
                claimed[record.status][protocol].update(record.ports)
        expected = []
        for port_class in PortClass:
            for protocol in protocols:
                stronger: set[int] = set()
                counts = []
                for status in STATUS_ORDER[:-1]:
                    own = {port for port in claimed[status][protocol] if port in port_class.span} - stronger
                    counts.append(len(own))
                    stronger |= own
                expected.append((port_class, protocol, *counts))
        rows = port_statistics(newest).ports
        got = [(r.port_class, r.protocol, r.assigned, r.reserved, r.private_use, r.withdrawn) for r in rows]
        assert got == expected

    def test_unassigned_matches_a_port_by_port_scan(self, newest):
        """unassigned() lists exactly the ports no assignment or reservation holds, per protocol."""
        for protocol in (None, "tcp", "dccp"):
            taken = {
                port
                for record in newest.records
                if record.ports is not None
                and not record.is_unassigned
                and (protocol is None or record.protocol in (Protocol(protocol), None))
                for port in record.ports
            }
            assert newest.unassigned(1000, 9000, protocol) == [p for p in range(1000, 9001) if p not in taken]
