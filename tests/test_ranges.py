"""Range facts: RFC 6335 classes, binding rules and the common ephemeral ranges."""

from __future__ import annotations

import pytest

from ianaports import PortClass, classify
from ianaports.ranges import (
    BROWSER_BLOCKED,
    BROWSER_BLOCKED_AS_OF,
    BROWSER_BLOCKED_SOURCE,
    EPHEMERAL_START,
    KUBERNETES_NODEPORT,
    browser_blocked,
    in_ephemeral_range,
    internal_use,
    range_facts,
)


class TestClassify:
    @pytest.mark.parametrize(
        ("port", "expected"),
        [
            (0, PortClass.SYSTEM),
            (1023, PortClass.SYSTEM),
            (1024, PortClass.USER),
            (49151, PortClass.USER),
            (49152, PortClass.DYNAMIC),
            (65535, PortClass.DYNAMIC),
        ],
    )
    def test_rfc6335_ranges(self, port, expected):
        """Ports fall into RFC 6335's System, User and Dynamic ranges at the documented edges."""
        assert classify(port) is expected

    def test_everyday_names(self):
        """Each class has the name people use for it."""
        assert [c.everyday_name for c in PortClass] == ["well-known", "registered", "dynamic/private"]


class TestRangeFacts:
    def test_classes_and_names(self):
        """Each port gets its RFC 6335 class and everyday name."""
        assert (range_facts(22).port_class, range_facts(22).everyday_name) == (PortClass.SYSTEM, "well-known")
        assert range_facts(2304).everyday_name == "registered"
        assert range_facts(50000).port_class is PortClass.DYNAMIC

    def test_privileges(self):
        """Below 1024 binding needs privileges on Linux and FreeBSD, never on Windows."""
        low = {rule.system: rule.needs_privilege for rule in range_facts(80).binding}
        high = {rule.system: rule.needs_privilege for rule in range_facts(1024).binding}
        assert low == {"Linux": True, "macOS": False, "FreeBSD": True, "Windows": False}
        assert not any(high.values())
        assert "CAP_NET_BIND_SERVICE" in range_facts(1023).binding[0].detail
        assert "ephemeral" in range_facts(0).binding[0].detail

    @pytest.mark.parametrize(
        ("port", "linux", "others"),
        [(32767, False, False), (32768, True, False), (60999, True, True), (61000, False, True), (49151, True, False)],
    )
    def test_ephemeral_edges(self, port, linux, others):
        """Linux's default ephemeral range is 32768-60999; Windows, macOS and FreeBSD use 49152-65535."""
        contains = {item.system: item.contains for item in range_facts(port).ephemeral}
        assert contains == {"Linux": linux, "Windows": others, "macOS and FreeBSD": others}

    def test_out_of_range(self):
        """A number that is not a port is a ValueError."""
        with pytest.raises(ValueError, match="65535"):
            range_facts(65536)


class TestEphemeral:
    def test_ephemeral_ranges(self):
        """Linux's and Windows' ephemeral ranges are recognised."""
        assert (in_ephemeral_range(32767), in_ephemeral_range(32768), in_ephemeral_range(65535)) == (False, True, True)

    def test_start_is_the_lowest_default(self):
        """EPHEMERAL_START is the first port any common system hands out, and the one before it is in none."""
        assert (in_ephemeral_range(EPHEMERAL_START - 1), in_ephemeral_range(EPHEMERAL_START)) == (False, True)


class TestBrowserBlocked:
    def test_dated_entries(self):
        """The Fetch standard's additions carry their dates: 10080 in 2021, 4190 and 6679 in 2024, 0 in 2025."""
        added = {port: BROWSER_BLOCKED[port].added for port in (10080, 4190, 6679, 0)}
        years = {port: when.year for port, when in added.items() if when}
        assert years == {10080: 2021, 4190: 2024, 6679: 2024, 0: 2025}
        assert max(entry.added for entry in BROWSER_BLOCKED.values() if entry.added) == BROWSER_BLOCKED_AS_OF
        assert BROWSER_BLOCKED_SOURCE == "https://fetch.spec.whatwg.org/#port-blocking"

    def test_list_as_of_2025(self):
        """The list holds the 83 ports of the Fetch standard as of 2025, 6665-6669 among them, and no web ports."""
        assert len(BROWSER_BLOCKED) == 83
        assert {6000, 6665, 6666, 6667, 6668, 6669, 6697, 1719, 989, 990} <= set(BROWSER_BLOCKED)
        assert not {80, 443, 8080, 3000, 5000, 8000, 6670} & set(BROWSER_BLOCKED)
        assert list(BROWSER_BLOCKED) == sorted(BROWSER_BLOCKED)

    def test_in_range_facts(self):
        """range_facts names the blocked entry, or None for a port browsers load."""
        assert range_facts(10080).browser_blocked == browser_blocked(10080)
        assert browser_blocked(10080).service == "amanda"
        assert range_facts(10081).browser_blocked is None

    def test_internal_use_advice(self):
        """An unassigned blocked or NodePort port is not advised for an internal service, and says why."""
        facts = range_facts(6679)
        advice = internal_use(assigned=False, facts=facts)
        assert not advice.sensible
        assert any("http://host:6679/" in reason for reason in advice.reasons)
        assert any("NodePort" in reason for reason in internal_use(assigned=False, facts=range_facts(31000)).reasons)
        assert internal_use(assigned=False, facts=range_facts(28005)).sensible


class TestKubernetes:
    @pytest.mark.parametrize(("port", "inside"), [(29999, False), (30000, True), (32767, True), (32768, False)])
    def test_nodeport_edges(self, port, inside):
        """Kubernetes' default NodePort range is 30000-32767."""
        assert range_facts(port).kubernetes_nodeport is inside
        assert (port in KUBERNETES_NODEPORT) is inside


class TestInternalUse:
    def test_internal_use_with_iana_objections(self):
        """IANA's objections become reasons against the port."""
        advice = internal_use(assigned=False, facts=range_facts(28005), iana_objections=("IANA says no",))
        assert (advice.sensible, advice.reasons) == (False, ("IANA says no.",))
