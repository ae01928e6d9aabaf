"""A user's own nmap-services file: parsing, ranks, and where it is found."""

from __future__ import annotations

import pytest

from ianaports.errors import InvalidArgumentError
from ianaports.nmap import NMAP_SERVICES_ENV, load_nmap_services, parse_nmap_services
from realdata import FIXTURES

TINY = FIXTURES / "nmap-services-tiny"


class TestParse:
    def test_tiny_fixture(self):
        """The hand-written fixture gives its six lines; comments and the malformed line are skipped."""
        found = load_nmap_services(TINY, environ={})
        assert found is not None
        assert len(found) == 6
        assert [(e.name, e.protocol, e.frequency) for e in found.about(10080)] == [
            ("amanda", "tcp", 0.000376),
            ("amanda", "udp", 0.000979),
        ]

    def test_ranks_per_protocol(self):
        """Ranks count per protocol, the most often open first."""
        found = load_nmap_services(TINY, environ={})
        ranks = {(e.port, e.protocol): e.rank for e in found.entries}
        assert ranks == {(80, "tcp"): 1, (22, "tcp"): 2, (10080, "tcp"): 3, (28005, "tcp"): 4, (53, "udp"): 1,
                         (10080, "udp"): 2}  # fmt: skip

    def test_odd_lines(self):
        """A port above 65535 and a line without a frequency are not entries."""
        assert parse_nmap_services("x\t70000/tcp\t0.1\ny\t80/tcp\n").entries == ()


class TestLoad:
    def test_environment(self):
        """IANAPORTS_NMAP_SERVICES names the file when no path is given; neither means no data."""
        assert load_nmap_services(environ={NMAP_SERVICES_ENV: str(TINY)}).source == str(TINY)
        assert load_nmap_services(environ={}) is None

    def test_unreadable(self, tmp_path):
        """A missing file or one with no nmap-services line is an InvalidArgumentError naming it."""
        with pytest.raises(InvalidArgumentError, match="cannot read"):
            load_nmap_services(tmp_path / "nope", environ={})
        empty = tmp_path / "empty"
        empty.write_text("# nothing\n")
        with pytest.raises(InvalidArgumentError, match="no nmap-services line"):
            load_nmap_services(empty, environ={})
