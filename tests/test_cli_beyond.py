"""The command line for what IANA's registry does not say: free --explain, check-name, --nmap-services."""

from __future__ import annotations

import json
import sys

import pytest

from cli_helpers import run
from ianaports import oslimits
from ianaports.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE
from ianaports.oslimits import read_linux
from realdata import FIXTURES, require_real

NMAP = str(FIXTURES / "nmap-services-tiny")


@pytest.fixture
def custom_machine(monkeypatch):
    """Make free and explain see the fake /proc of fixtures/os/linux-custom (10000-20000, 8080 and 9000-9010)."""
    machine = read_linux(FIXTURES / "os" / "linux-custom")
    monkeypatch.setattr(oslimits, "machine_ports", lambda: machine)  # the commands import it on use
    return machine


class TestFree:
    @pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads this Linux machine's /proc")
    def test_this_machine_skips_linux_ephemeral_and_10080(self):
        """On this machine free skips the Linux ephemeral range and 10080, and --explain says why."""
        path = str(require_real())
        code, out, _ = run("free", "--range", "10075-10085", "--count", "20", "--file", path)
        assert code == EXIT_OK
        assert "10080" not in out.split()
        assert "10079" in out.split()
        code, out, _ = run("free", "--range", "10078-10082", "--explain", "--file", path)
        assert (
            "10080\tskipped: IANA assigns it to amanda; browsers refuse to load http://host:10080/"
            " (Fetch standard bad port: amanda)\n"
        ) in out
        assert out.startswith("this machine: Linux, ephemeral ")
        assert "(read from /proc/sys/net/ipv4/ip_local_port_range)" in out.splitlines()[0]
        assert json.loads(run("free", "--range", "40001-40005", "--json", "--file", path)[1])["skipped"] is None
        data = json.loads(run("free", "--range", "40001-40005", "--explain", "--json", "--file", path)[1])
        assert data["machine"]["measured"] is True
        assert data["ports"] == []
        texts = [reason["text"] for item in data["skipped"] for reason in item["reasons"]]
        assert any(text.startswith("in this machine's ephemeral range (Linux ") for text in texts)

    def test_machine_reserved_and_ephemeral(self, custom_machine):
        """The machine's reserved ports and ephemeral range are skipped; --include-ephemeral lifts only the range."""
        path = str(require_real())
        code, out, _ = run("free", "--range", "9990-20010", "--count", "100", "--json", "--file", path)
        ports = json.loads(out)["ports"]
        assert code == EXIT_OK
        assert not [port for port in ports if 9000 <= port <= 9010 or 10000 <= port <= 20000]
        lifted = json.loads(
            run("free", "--range", "15000-15100", "--include-ephemeral", "--count", "100", "--json", "--file", path)[1]
        )
        assert lifted["ports"]

    def test_explain_lists_iana_reasons(self, custom_machine):
        """free --explain quotes IANA's note on 1895 and names each assignment it skipped."""
        code, out, err = run("free", "--range", "1894-1896", "--explain", "--file", str(require_real()))
        assert (code, err) == (EXIT_NOT_FOUND, "ianaports: no free port in 1894-1896\n")
        lines = out.splitlines()
        assert lines[1:] == [
            "PORTS\tVERDICT",
            "1894\tskipped: IANA assigns it to o2server-port",
            '1895\tskipped: IANA notes on this unassigned port: "Microsoft (unoffically) using 1895"',
            "1896\tskipped: IANA assigns it to b-novative-ls",
        ]

    def test_allow_browser_blocked_and_nodeport(self, custom_machine):
        """--allow-browser-blocked drops that reason (IANA assigns every blocked port); --allow-nodeport lists 30005."""
        path = str(require_real())
        blocked = run("free", "--range", "6679", "--explain", "--file", path)[1]
        allowed = run("free", "--range", "6679", "--explain", "--allow-browser-blocked", "--file", path)[1]
        assert "browsers refuse" in blocked
        assert "browsers refuse" not in allowed
        assert "6679\tskipped: IANA assigns it to osaut" in allowed
        assert run("free", "--range", "30005-30007", "--file", path)[0] == EXIT_NOT_FOUND
        code, out, _ = run("free", "--range", "30005-30007", "--allow-nodeport", "--file", path)
        assert (code, out) == (EXIT_OK, "30005\n30006\n30007\n")


class TestCheckName:
    def test_valid_and_free(self, custom_machine):
        """A valid unregistered name exits 0 and lists ports and the application's fields."""
        code, out, _ = run("check-name", "my-service", "-p", "tcp", "--file", str(require_real()))
        assert code == EXIT_OK
        assert "follows the service-name rules" in out
        assert "Service Name (required): my-service" in out
        assert "Transport Protocol(s) (required): tcp" in out

    def test_taken(self, custom_machine):
        """A registered name, in any case, exits 1 and says on which protocols."""
        code, out, _ = run("check-name", "SSH", "--file", str(require_real()))
        assert code == EXIT_NOT_FOUND
        assert "taken in the registry of 2025-12-15: ssh on tcp, udp, sctp." in out

    def test_invalid(self, custom_machine):
        """A name that breaks a rule exits 2 and names the rule, in text and JSON."""
        path = str(require_real())
        code, out, _ = run("check-name", "my--svc", "--file", path)
        assert code == EXIT_USAGE
        assert "double-hyphen" in out
        code, out, _ = run("check-name", "EtherNet/IP-2", "--json", "--file", path)
        data = json.loads(out)
        assert code == EXIT_USAGE
        assert (data["valid"], data["taken"], [rule["id"] for rule in data["broken_rules"]]) == (
            False,
            True,
            ["characters"],
        )

    def test_json_free(self, custom_machine):
        """--json gives the documented keys, the ports suggested and the similar names."""
        code, out, _ = run("check-name", "my-service", "--json", "--file", str(require_real()))
        data = json.loads(out)
        assert code == EXIT_OK
        assert (data["valid"], data["taken"], data["taken_protocols"], data["records"]) == (True, False, [], [])
        assert data["suggested_ports"]
        assert "td-service" in data["similar"]


class TestNmapServices:
    def test_explain_with_file(self, custom_machine):
        """explain --nmap-services shows the frequencies; JSON carries them under nmap."""
        path = str(require_real())
        code, out, _ = run("explain", "10080", "--nmap-services", NMAP, "--file", path)
        assert code == EXIT_OK
        assert "How often scans find it open" in out
        data = json.loads(run("explain", "10080", "--nmap-services", NMAP, "--json", "--file", path)[1])
        assert data["nmap_source"] == NMAP
        assert [(entry["protocol"], entry["rank"]) for entry in data["nmap"]] == [("tcp", 3), ("udp", 2)]
        assert data["ranges"][0]["browser_blocked"]["added"] == "2021-04-13"

    def test_environment(self, custom_machine, monkeypatch):
        """IANAPORTS_NMAP_SERVICES is read when --nmap-services is not given."""
        monkeypatch.setenv("IANAPORTS_NMAP_SERVICES", NMAP)
        assert "How often scans find it open" in run("explain", "22", "--file", str(require_real()))[1]

    def test_unreadable_file(self, custom_machine, tmp_path):
        """A missing nmap-services file is a usage error in one line."""
        code, out, err = run("explain", "22", "--nmap-services", str(tmp_path / "x"), "--file", str(require_real()))
        assert (code, out) == (EXIT_USAGE, "")
        assert len(err.splitlines()) == 1
