"""Service names holding a slash (``cl/1``, ``914c/g``, ``EtherNet/IP-2``) are reachable: a real name wins."""

from __future__ import annotations

import json

import pytest

from cli_helpers import run
from ianaports.cli import EXIT_OK, EXIT_USAGE
from ianaports.errors import InvalidArgumentError
from ianaports.model import Protocol, split_protocol
from realdata import require_real

SLASH_NAMES = [("EtherNet/IP-1", 2222), ("EtherNet/IP-2", 44818), ("cl/1", 172), ("914c/g", 211)]


class TestSplitProtocol:
    """split_protocol reads X/Y as X on protocol Y only when Y is a protocol and X/Y is no name."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("80/tcp", ("80", Protocol.TCP)),
            (" http / UDP ", ("http", Protocol.UDP)),
            ("cl/1/tcp", ("cl/1", Protocol.TCP)),
            ("EtherNet/IP-2", ("EtherNet/IP-2", None)),
            ("914c/g", ("914c/g", None)),
            ("cl/1", ("cl/1", None)),
            ("ssh", ("ssh", None)),
        ],
    )
    def test_reading(self, text, expected):
        """A protocol suffix is split off; any other text after a slash is part of the name."""
        assert split_protocol(text) == expected

    def test_real_name_wins(self):
        """When X/Y is itself a name, it is read whole even though Y is a protocol."""
        assert split_protocol("odd/tcp", is_name=lambda text: text == "odd/tcp") == ("odd/tcp", None)
        assert split_protocol("other/tcp", is_name=lambda text: text == "odd/tcp") == ("other", Protocol.TCP)

    @pytest.mark.parametrize("text", ["80/tpc", "6000-6063/g", "/tcp", "ssh/"])
    def test_refused(self, text):
        """A port followed by no protocol, or a slash at either end, is refused."""
        with pytest.raises(InvalidArgumentError):
            split_protocol(text)


class TestOnTheNewestRelease:
    """show, explain, search and history reach every name with a slash in the newest real release."""

    @pytest.mark.parametrize(("name", "port"), SLASH_NAMES)
    def test_show(self, name, port):
        """show NAME lists the name's records on both protocols."""
        code, out, _ = run("show", name, "--json", "--file", str(require_real()))
        assert code == EXIT_OK
        records = json.loads(out)["records"]
        assert {(r["service_name"], r["port_start"], r["protocol"]) for r in records} == {
            (name, port, "tcp"),
            (name, port, "udp"),
        }

    def test_show_name_with_protocol_suffix(self):
        """show EtherNet/IP-2/udp is the name on udp only."""
        code, out, _ = run("show", "EtherNet/IP-2/udp", "--json", "--file", str(require_real()))
        assert code == EXIT_OK
        assert [(r["service_name"], r["protocol"]) for r in json.loads(out)["records"]] == [("EtherNet/IP-2", "udp")]

    def test_port_with_bad_protocol_still_refused(self):
        """80/g is a usage error: a port before a slash wants a protocol after it."""
        assert run("show", "80/g", "--file", str(require_real()))[0] == EXIT_USAGE

    @pytest.mark.parametrize(("name", "port"), SLASH_NAMES)
    def test_explain(self, name, port):
        """explain NAME explains the name's port."""
        code, out, _ = run("explain", name, "--json", "--file", str(require_real()))
        assert code == EXIT_OK
        data = json.loads(out)
        assert {r["service_name"] for r in data["records"]} >= {name}
        assert {r["port_start"] for r in data["records"]} == {port}

    def test_search(self):
        """search 914c/g finds the name exactly, first."""
        code, out, _ = run("search", "914c/g", "--json", "--file", str(require_real()))
        assert code == EXIT_OK
        assert json.loads(out)["records"][0]["service_name"] == "914c/g"

    def test_history(self, real_cache):
        """history EtherNet/IP-2 finds the name in the stored releases."""
        code, out, _ = run("history", "EtherNet/IP-2", "--json", "--cache-dir", str(real_cache))
        assert code == EXIT_OK
        events = json.loads(out)["events"]
        assert events
        assert {event["record"]["service_name"] for event in events} == {"EtherNet/IP-2"}
