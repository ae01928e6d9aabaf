"""Choosing free ports: IANA's records and notes, browser-blocked ports, OS ranges, NodePort, and the reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from ianaports import Registry
from ianaports.freeports import FreeRules, SkipKind, find_free, iana_objection, iana_objections
from ianaports.model import PortRange, ServiceRecord
from ianaports.oslimits import OsPorts, read_linux
from realdata import FIXTURES


def record(ports: str, description: str = "Unassigned", **fields) -> ServiceRecord:
    return ServiceRecord(ports=PortRange.from_text(ports), description=description, **fields)


def registry(*records: ServiceRecord) -> Registry:
    return Registry(title="test", updated=dt.date(2025, 12, 15), records=records)


NO_MACHINE = OsPorts(system="Linux", source="test", measured=True, ephemeral=(PortRange(60000, 60010),))


def kinds(found, port):
    """The skip kinds of *port* in *found*."""
    for item in found.skipped:
        if port in item.ports:
            return {reason.kind for reason in item.reasons}
    return set()


class TestIanaObjection:
    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"name": "ssh", "description": "SSH"}, "IANA assigns it to ssh"),
            ({"description": "Reserved"}, "IANA lists it as Reserved"),
            ({"description": "Unassigned [was netstat]"}, 'IANA\'s record says "Unassigned [was netstat]"'),
            ({"description": "De-registered"}, 'IANA\'s record says "De-registered"'),
            (
                {"description": "unassigned", "notes": "Microsoft (unoffically) using 1895"},
                'IANA notes on this unassigned port: "Microsoft (unoffically) using 1895"',
            ),
            ({"description": "Unassigned"}, None),
            ({"description": " unassigned "}, None),
        ],
    )
    def test_rules(self, fields, expected):
        """Only a bare Unassigned record with no note leaves its ports to free."""
        assert iana_objection(record("1895", **fields)) == expected

    def test_unauthorized_use_names_ports(self):
        """An unauthorized-use report objects to the ports it names inside the span, not the whole span."""
        report = "Unauthorized Use Known on ports 27018 and 27019"
        found = iana_objections(record("27018-27344", unauthorized_use=report))
        assert [span for span, _ in found] == [PortRange(27018, 27018), PortRange(27019, 27019)]
        spans = iana_objections(record("33436-33655", unauthorized_use="Known Unauthorized Use on ports 33436-33534"))
        assert [span for span, _ in spans] == [PortRange(33436, 33534)]

    def test_unauthorized_use_without_ports(self):
        """A report that names no port of its span ("yes") objects to the whole span."""
        assert [span for span, _ in iana_objections(record("8010-8012", unauthorized_use="yes"))] == [
            PortRange(8010, 8012)
        ]


class TestFindFree:
    def test_skips_with_reasons(self):
        """Assigned, noted and reported ports are skipped with IANA's words; the rest are proposed."""
        reg = registry(
            record("2000-2010"),
            record("2001", name="svc", description="A service", protocol="tcp"),
            record("2002", description="unassigned", notes="Compuserve (unoffically) is using port 2002"),
            record("2003", description="Reserved", protocol="udp"),
        )
        found = find_free(reg, PortRange(2000, 2010), count=3, machine=NO_MACHINE)
        assert found.ports == (2000, 2004, 2005)
        assert [(str(item.ports), [reason.text for reason in item.reasons]) for item in found.skipped] == [
            ("2001", ["IANA assigns it to svc"]),
            ("2002", ['IANA notes on this unassigned port: "Compuserve (unoffically) is using port 2002"']),
            ("2003", ["IANA lists it as Reserved"]),
        ]

    def test_protocol(self):
        """With a protocol, records of other protocols do not count; records without one always do."""
        reg = registry(record("2000-2010"), record("2003", description="Reserved", protocol="udp"))
        assert 2003 in find_free(reg, PortRange(2003, 2003), "tcp", machine=NO_MACHINE).ports
        assert find_free(reg, PortRange(2003, 2003), "udp", machine=NO_MACHINE).ports == ()

    def test_browser_blocked(self):
        """10080 is skipped as browser-blocked unless the rule is lifted."""
        reg = registry(record("10070-10090"))
        found = find_free(reg, PortRange(10079, 10081), machine=NO_MACHINE)
        assert found.ports == (10079, 10081)
        assert kinds(found, 10080) == {SkipKind.BROWSER_BLOCKED}
        lifted = find_free(reg, PortRange(10079, 10081), machine=NO_MACHINE, rules=FreeRules(browser_blocked=False))
        assert lifted.ports == (10079, 10080, 10081)

    def test_machine_ranges(self):
        """This machine's ephemeral range and its reserved ports are skipped, and say where they were read."""
        machine = read_linux(FIXTURES / "os" / "linux-custom")
        reg = registry(record("8000-21000"))
        found = find_free(reg, PortRange(8079, 8081), machine=machine)
        assert found.ports == (8079, 8081)
        assert kinds(found, 8080) == {SkipKind.OS_RESERVED}
        assert "/proc/sys/net/ipv4/ip_local_port_range" in found.skipped[0].reasons[0].text
        ephemeral = find_free(reg, PortRange(9995, 20005), machine=machine)
        assert ephemeral.ports == (9995, 9996, 9997, 9998, 9999, 20001, 20002, 20003, 20004, 20005)
        assert [str(item.ports) for item in ephemeral.skipped] == ["10000-10079", "10080", "10081-20000"]
        assert kinds(ephemeral, 10080) == {SkipKind.EPHEMERAL, SkipKind.BROWSER_BLOCKED}
        assert kinds(ephemeral, 15000) == {SkipKind.EPHEMERAL}
        allowed = find_free(reg, PortRange(15000, 15001), machine=machine, rules=FreeRules(ephemeral=False))
        assert allowed.ports == (15000, 15001)

    def test_common_defaults_and_nodeport(self):
        """Without a machine the common defaults still apply, and NodePort ports are skipped unless allowed."""
        reg = registry(record("29990-50000"))
        found = find_free(reg, PortRange(29999, 32768))
        assert found.ports == (29999,)
        assert kinds(found, 30000) == {SkipKind.KUBERNETES_NODEPORT}
        assert kinds(found, 32768) == {SkipKind.EPHEMERAL}
        assert find_free(reg, PortRange(30000, 30001), rules=FreeRules(kubernetes_nodeport=False)).ports == (
            30000,
            30001,
        )

    def test_skipped_stops_at_the_last_port(self):
        """Skipped candidates are reported only up to the last port proposed."""
        reg = registry(record("2000-2010"), record("2005", name="x", description="x"))
        found = find_free(reg, PortRange(2000, 2010), count=2, machine=NO_MACHINE)
        assert (found.ports, found.skipped) == ((2000, 2001), ())


class TestRealRelease:
    def test_iana_notes_are_heeded(self, newest):
        """1895 (Microsoft), 4144 (Compuserve), 27018-27019 and 2693 (removed) are never proposed; 27020 is."""
        found = find_free(newest, PortRange(1024, 32767), count=100_000, machine=NO_MACHINE)
        for port in (1895, 4144, 27018, 27019, 2693, 1491, 2194):
            assert port not in found.ports
            assert kinds(found, port) == {SkipKind.IANA}
        assert 27020 in found.ports
        assert set(found.ports) < set(newest.unassigned(1024, 32767))

    def test_every_proposed_port_is_plainly_unassigned(self, newest):
        """Every port free proposes is Unassigned at IANA, with no note or report on it."""
        found = find_free(newest, PortRange(1, 65535), count=100_000, machine=NO_MACHINE)
        assert found.ports
        for port in found.ports:
            assert all(port not in span for each in newest.lookup(port) for span, _ in iana_objections(each))
            assert all(each.is_unassigned for each in newest.lookup(port))
