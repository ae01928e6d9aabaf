"""Range facts: RFC 6335 classes, binding rules and the common ephemeral ranges."""

from __future__ import annotations

import pytest

from ianaports import PortClass, classify
from ianaports.ranges import EPHEMERAL_START, in_ephemeral_range, range_facts


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
