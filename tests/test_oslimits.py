"""Reading this machine's ephemeral range and reserved ports: fake /proc trees and captured sysctl and netsh output."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ianaports import oslimits
from ianaports.model import PortRange
from ianaports.oslimits import (
    OS_DEFAULTS,
    machine_ports,
    parse_linux_port_range,
    parse_linux_reserved_ports,
    parse_netsh_dynamicport,
    parse_netsh_excluded,
    parse_sysctl_portrange,
    port_on_machine,
    read_bsd,
    read_linux,
    read_windows,
    run_command,
)
from realdata import FIXTURES

OS = FIXTURES / "os"


def captured(**outputs: str):
    """A runner answering each command (keyed by its last argument) with the captured fixture file."""
    calls: list[list[str]] = []

    def run(argv):
        calls.append(list(argv))
        name = outputs.get(argv[-1])
        return None if name is None else (OS / name).read_text(encoding="utf-8")

    run.calls = calls  # type: ignore[attr-defined]
    return run


class TestLinux:
    def test_custom_range_and_reserved(self):
        """A fake /proc with a lowered range and reserved ports is read as it says."""
        found = read_linux(OS / "linux-custom")
        assert found is not None
        assert (found.system, found.measured) == ("Linux", True)
        assert found.ephemeral == (PortRange(10000, 20000),)
        assert found.reserved == (PortRange(8080, 8080), PortRange(9000, 9010))
        assert found.source == "/proc/sys/net/ipv4/ip_local_port_range"

    def test_default_range(self):
        """The stock kernel's files give 32768-60999 and no reserved port."""
        found = read_linux(OS / "linux-default")
        assert found is not None
        assert (found.ephemeral, found.reserved) == ((PortRange(32768, 60999),), ())

    def test_missing_proc(self, tmp_path):
        """Without /proc there is nothing to read, and machine_ports falls back to Linux's documented default."""
        assert read_linux(tmp_path) is None
        fallback = machine_ports("Linux", root=tmp_path)
        assert fallback == OS_DEFAULTS["Linux"]
        assert not fallback.measured

    def test_missing_reserved_file(self, tmp_path):
        """An old kernel without ip_local_reserved_ports still gives its range, with nothing reserved."""
        folder = tmp_path / "proc/sys/net/ipv4"
        folder.mkdir(parents=True)
        (folder / "ip_local_port_range").write_text("1024 65535\n")
        assert read_linux(tmp_path).ephemeral == (PortRange(1024, 65535),)

    @pytest.mark.parametrize("text", ["", "32768", "60999 32768", "a b", "1 2 3", "1 70000"])
    def test_unreadable_range(self, text):
        """Text that is not two ports in order is no range."""
        assert parse_linux_port_range(text) is None

    def test_reserved_list_forms(self):
        """Single ports, spans and junk in ip_local_reserved_ports: the junk is skipped."""
        assert parse_linux_reserved_ports("1,3-5,x,7-6,\n") == (PortRange(1, 1), PortRange(3, 5))
        assert parse_linux_reserved_ports("\n") == ()

    @pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads this Linux machine's /proc")
    def test_this_machine(self):
        """On this Linux machine the range comes from /proc, as the kernel reports it."""
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        found = machine_ports()
        assert found.measured
        assert found.ephemeral == (parse_linux_port_range(text),)


class TestBsd:
    def test_macos(self):
        """Captured macOS sysctl output gives 49152-65535 once (first-last and hifirst-hilast agree)."""
        run = captured(**{"net.inet.ip.portrange.hilast": "sysctl-macos.txt"})
        found = read_bsd("macOS", run)
        assert found is not None
        assert found.ephemeral == (PortRange(49152, 65535),)
        assert run.calls == [
            [
                "sysctl",
                "net.inet.ip.portrange.first",
                "net.inet.ip.portrange.last",
                "net.inet.ip.portrange.hifirst",
                "net.inet.ip.portrange.hilast",
            ]
        ]

    def test_freebsd(self):
        """FreeBSD's 10000-65535 and its high range 49152-65535 are both kept."""
        found = machine_ports("FreeBSD", run=captured(**{"net.inet.ip.portrange.hilast": "sysctl-freebsd.txt"}))
        assert found.ephemeral == (PortRange(10000, 65535), PortRange(49152, 65535))
        assert found.measured

    def test_sysctl_forms(self):
        """Both "name: value" and "name = value" lines are read; other lines are not."""
        text = "net.inet.ip.portrange.first = 1000\nnet.inet.ip.portrange.last: 2000\nkern.x: 5\n"
        assert parse_sysctl_portrange(text) == {"first": 1000, "last": 2000}

    def test_unreadable(self):
        """No sysctl answer means the documented macOS default, marked as not measured."""
        found = machine_ports("Darwin", run=lambda argv: None)
        assert found == OS_DEFAULTS["macOS"]
        assert found.ephemeral == (PortRange(49152, 65535),)


class TestWindows:
    def test_captured_netsh(self):
        """Captured netsh output (CRLF) gives the dynamic range and the Hyper-V/administered exclusions."""
        run = captured(tcp="netsh-dynamicport-tcp.txt", **{"protocol=tcp": "netsh-excludedportrange-tcp.txt"})
        found = read_windows(run)
        assert found is not None
        assert found.ephemeral == (PortRange(49152, 65535),)
        assert found.reserved == (
            PortRange(1433, 1433),
            PortRange(5357, 5357),
            PortRange(50000, 50059),
            PortRange(50060, 50159),
        )
        assert run.calls == [
            ["netsh", "int", "ipv4", "show", "dynamicport", "tcp"],
            ["netsh", "int", "ipv4", "show", "excludedportrange", "protocol=tcp"],
        ]

    def test_custom_dynamic_range(self):
        """A lowered start and count give the span they describe."""
        text = "Start Port      : 10000\nNumber of Ports : 1000\n"
        assert parse_netsh_dynamicport(text) == PortRange(10000, 10999)
        assert parse_netsh_dynamicport("Start Port : 65000\nNumber of Ports : 16384\n") is None
        assert parse_netsh_excluded("no table here\n") == ()

    def test_unreadable(self):
        """Without netsh the documented Windows default answers."""
        assert machine_ports("Windows", run=lambda argv: None) == OS_DEFAULTS["Windows"]


class TestMachine:
    def test_unknown_system(self):
        """A system we do not know, with no sysctl answer, gets RFC 6335's Dynamic range."""
        found = machine_ports("Plan9", run=lambda argv: None)
        assert (found.system, found.ephemeral, found.measured) == ("Plan9", (PortRange(49152, 65535),), False)

    def test_port_on_machine(self):
        """port_on_machine says which ephemeral or reserved range holds a port."""
        machine = read_linux(OS / "linux-custom")
        assert port_on_machine(15000, machine).ephemeral == PortRange(10000, 20000)
        assert port_on_machine(9005, machine).reserved == PortRange(9000, 9010)
        outside = port_on_machine(30000, machine)
        assert (outside.ephemeral, outside.reserved) == (None, None)


class TestRunCommand:
    def test_runs_an_argument_list(self):
        """run_command runs a real program without a shell and returns its output."""
        assert run_command([sys.executable, "-c", "print('a b; echo c')"]) == "a b; echo c\n"

    def test_failures_are_none(self, tmp_path):
        """A missing program or a failing one with no output is None, never an exception."""
        assert run_command([str(tmp_path / "no-such-program")]) is None
        assert run_command([sys.executable, "-c", "raise SystemExit(3)"]) is None

    def test_timeout_is_none(self, monkeypatch):
        """A command that outlives the timeout is given up and answers None."""
        monkeypatch.setattr(oslimits, "COMMAND_TIMEOUT", 0.2)
        assert run_command([sys.executable, "-c", "import time; time.sleep(30)"]) is None
