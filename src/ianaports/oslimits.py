"""This machine's ephemeral port range and reserved ports, read from the operating system.

Linux is read from ``/proc`` (a *root* parameter lets tests point at fake
files); macOS and the BSDs from ``sysctl net.inet.ip.portrange``; Windows from
``netsh int ipv4 show dynamicport`` and ``show excludedportrange``.  Every
command runs with an argument list and a timeout, never through a shell.  When
the machine cannot be read, :func:`machine_ports` answers with the system's
documented defaults (:data:`OS_DEFAULTS`) and says so.  The parsers are pure
functions over text, so captured outputs test them.
"""

from __future__ import annotations

import platform
import re
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from .model import PORT_MAX, PortRange
from .ranges import IANA_DYNAMIC, LINUX_EPHEMERAL

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = [
    "COMMAND_TIMEOUT",
    "OS_DEFAULTS",
    "OsPorts",
    "PortOnMachine",
    "machine_ports",
    "parse_linux_port_range",
    "parse_linux_reserved_ports",
    "parse_netsh_dynamicport",
    "parse_netsh_excluded",
    "parse_sysctl_portrange",
    "port_on_machine",
    "read_bsd",
    "read_linux",
    "read_windows",
    "run_command",
]

#: Seconds a ``sysctl`` or ``netsh`` call may take before it is given up.
COMMAND_TIMEOUT = 5.0


@attrs.frozen(kw_only=True)
class OsPorts:
    """One system's ephemeral range(s) and reserved ports, read from the machine or documented.

    ``reserved`` are ports the system keeps out of automatic assignment:
    Linux's ``ip_local_reserved_ports``, Windows' excluded port ranges
    (Hyper-V, WinNAT, Docker and administrators reserve these).
    """

    system: str
    source: str
    measured: bool
    ephemeral: tuple[PortRange, ...]
    reserved: tuple[PortRange, ...] = ()

    def ephemeral_span(self, port: int) -> PortRange | None:
        """The ephemeral range holding *port*, or None."""
        return next((span for span in self.ephemeral if port in span), None)

    def reserved_span(self, port: int) -> PortRange | None:
        """The reserved (excluded) range holding *port*, or None."""
        return next((span for span in self.reserved if port in span), None)


#: Documented defaults per system, used when the machine cannot be read (sources in docs/ranges.md).
OS_DEFAULTS: dict[str, OsPorts] = {
    "Linux": OsPorts(
        system="Linux", source="documented default (net.ipv4.ip_local_port_range)", measured=False,
        ephemeral=(LINUX_EPHEMERAL,),
    ),
    "macOS": OsPorts(
        system="macOS", source="documented default (net.inet.ip.portrange)", measured=False,
        ephemeral=(IANA_DYNAMIC,),
    ),
    "FreeBSD": OsPorts(
        system="FreeBSD", source="documented default (net.inet.ip.portrange)", measured=False,
        ephemeral=(PortRange(10000, PORT_MAX),),
    ),
    "Windows": OsPorts(
        system="Windows", source="documented default (netsh int ipv4 show dynamicport)", measured=False,
        ephemeral=(IANA_DYNAMIC,),
    ),
}  # fmt: skip


def run_command(argv: Sequence[str]) -> str | None:
    """Run *argv* (no shell) with :data:`COMMAND_TIMEOUT`; its stdout, or None when it could not answer."""
    import subprocess  # noqa: PLC0415 - Linux reads /proc: only macOS, the BSDs and Windows run a command

    try:
        done = subprocess.run(  # noqa: S603 - a fixed argument list, never a shell
            list(argv), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    # sysctl exits 1 when one of several names is unknown yet prints the others: keep what it printed.
    return done.stdout if done.returncode == 0 or done.stdout.strip() else None


# --- parsers over captured text -------------------------------------------------------------------


def _span(start: int, end: int) -> PortRange | None:
    try:
        return PortRange(start, end)
    except ValueError:
        return None


def parse_linux_port_range(text: str) -> PortRange | None:
    """``ip_local_port_range`` ("32768 60999", tab-separated), or None when it is not two ports in order."""
    fields = text.split()
    if len(fields) != 2 or not all(field.isdigit() for field in fields):  # noqa: PLR2004 - start and end
        return None
    return _span(int(fields[0]), int(fields[1]))


def parse_linux_reserved_ports(text: str) -> tuple[PortRange, ...]:
    """``ip_local_reserved_ports`` ("8080,9000-9010"; empty by default); unreadable items are skipped."""
    spans = []
    for item in text.replace("\n", ",").split(","):
        start, _, end = item.strip().partition("-")
        if start.isdigit() and (not end or end.isdigit()):
            span = _span(int(start), int(end or start))
            if span is not None:
                spans.append(span)
    return tuple(spans)


_SYSCTL_LINE = re.compile(r"^\s*net\.inet\.ip\.portrange\.(\w+)\s*[:=]\s*(\d+)\s*$", re.MULTILINE)


def parse_sysctl_portrange(text: str) -> dict[str, int]:
    """``sysctl net.inet.ip.portrange.first ...`` output as ``{"first": 49152, ...}``."""
    return {match.group(1): int(match.group(2)) for match in _SYSCTL_LINE.finditer(text)}


_NETSH_START = re.compile(r"Start Port\s*:\s*(\d+)")
_NETSH_COUNT = re.compile(r"Number of Ports\s*:\s*(\d+)")
_NETSH_ROW = re.compile(r"^\s*(\d+)\s+(\d+)\s*\*?\s*$", re.MULTILINE)


def parse_netsh_dynamicport(text: str) -> PortRange | None:
    """``netsh int ipv4 show dynamicport tcp`` ("Start Port : 49152", "Number of Ports : 16384")."""
    start, count = _NETSH_START.search(text), _NETSH_COUNT.search(text)
    if start is None or count is None or int(count.group(1)) < 1:
        return None
    first = int(start.group(1))
    return _span(first, first + int(count.group(1)) - 1)


def parse_netsh_excluded(text: str) -> tuple[PortRange, ...]:
    """``netsh int ipv4 show excludedportrange protocol=tcp``: one "start end" row per range."""
    spans = (_span(int(match.group(1)), int(match.group(2))) for match in _NETSH_ROW.finditer(text))
    return tuple(span for span in spans if span is not None)


# --- readers --------------------------------------------------------------------------------------

_LINUX_RANGE = Path("proc/sys/net/ipv4/ip_local_port_range")
_LINUX_RESERVED = Path("proc/sys/net/ipv4/ip_local_reserved_ports")


def read_linux(root: Path = Path("/")) -> OsPorts | None:
    """Linux's ephemeral range and reserved ports from ``/proc`` under *root*; None when unreadable."""
    try:
        span = parse_linux_port_range((root / _LINUX_RANGE).read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError):
        return None
    if span is None:
        return None
    try:
        reserved = parse_linux_reserved_ports((root / _LINUX_RESERVED).read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError):
        reserved = ()
    return OsPorts(system="Linux", source=f"/{_LINUX_RANGE}", measured=True, ephemeral=(span,), reserved=reserved)


_SYSCTL_NAMES = tuple(f"net.inet.ip.portrange.{key}" for key in ("first", "last", "hifirst", "hilast"))


def read_bsd(system: str = "macOS", run: Callable[[Sequence[str]], str | None] = run_command) -> OsPorts | None:
    """Read macOS or a BSD: ``first``-``last`` (and ``hifirst``-``hilast``) from sysctl; None when unreadable."""
    output = run(["sysctl", *_SYSCTL_NAMES])
    values = parse_sysctl_portrange(output or "")
    spans = []
    for low, high in (("first", "last"), ("hifirst", "hilast")):
        if low in values and high in values:
            span = _span(min(values[low], values[high]), max(values[low], values[high]))
            if span is not None and span not in spans:
                spans.append(span)
    if not spans:
        return None
    return OsPorts(system=system, source="sysctl net.inet.ip.portrange", measured=True, ephemeral=tuple(spans))


def read_windows(run: Callable[[Sequence[str]], str | None] = run_command) -> OsPorts | None:
    """Windows' TCP dynamic port range and excluded ranges from netsh; None when unreadable."""
    span = parse_netsh_dynamicport(run(["netsh", "int", "ipv4", "show", "dynamicport", "tcp"]) or "")
    if span is None:
        return None
    excluded = parse_netsh_excluded(run(["netsh", "int", "ipv4", "show", "excludedportrange", "protocol=tcp"]) or "")
    return OsPorts(
        system="Windows", source="netsh int ipv4 show dynamicport tcp", measured=True, ephemeral=(span,),
        reserved=excluded,
    )  # fmt: skip


_PLATFORMS = {"Linux": "Linux", "Darwin": "macOS", "Windows": "Windows", "FreeBSD": "FreeBSD"}


def machine_ports(
    system: str | None = None,
    *,
    root: Path = Path("/"),
    run: Callable[[Sequence[str]], str | None] = run_command,
) -> OsPorts:
    """This machine's ranges (*system* as :func:`platform.system` names it), else its documented defaults.

    A system we do not know (OpenBSD, AIX...) is read like macOS through
    sysctl, and falls back to RFC 6335's Dynamic range.
    """
    raw = platform.system() if system is None else system
    name = _PLATFORMS.get(raw, raw)
    found: OsPorts | None
    if name == "Linux":
        found = read_linux(root)
    elif name == "Windows":
        found = read_windows(run)
    else:
        found = read_bsd(name, run)
    if found is not None:
        return found
    fallback = OS_DEFAULTS.get(name)
    if fallback is not None:
        return fallback
    return OsPorts(system=name or "unknown", source="RFC 6335 Dynamic range", measured=False, ephemeral=(IANA_DYNAMIC,))


@attrs.frozen(kw_only=True)
class PortOnMachine:
    """How this machine treats one port: in its ephemeral range, or reserved (excluded)."""

    port: int
    machine: OsPorts
    ephemeral: PortRange | None
    reserved: PortRange | None


def port_on_machine(port: int, machine: OsPorts) -> PortOnMachine:
    """Where *port* falls on *machine*."""
    return PortOnMachine(
        port=port, machine=machine, ephemeral=machine.ephemeral_span(port), reserved=machine.reserved_span(port)
    )
