"""ianaports.getservbyport/getservbyname against socket's, in-process, after the first call.

Run: python benchmarks/netdb.py   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Builds the index from the newest real release (the first call's cost, timed
once), then times a loop over the ports and names of this machine's
/etc/services with each function (median of 7 loops).  The target is at most
2x socket's time per call; a dict lookup is usually far below it, as glibc
reads the services file on every call.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import time
from pathlib import Path

from common import NEWEST, median_seconds, require
from ianaports import netdb, parse

SERVICES = Path("/etc/services")


def _questions() -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    ports, names = [], []
    for line in SERVICES.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and "/" in fields[1]:
            port, protocol = fields[1].split("/", 1)
            ports.append((int(port), protocol))
            names.append((fields[0], protocol))
    return ports, names


def _loop(getservbyport, getservbyname, ports, names):
    def run() -> None:
        for port, protocol in ports:
            with contextlib.suppress(OSError):
                getservbyport(port, protocol)
        for name, protocol in names:
            with contextlib.suppress(OSError):
                getservbyname(name, protocol)

    return run


def measure_netdb() -> dict[str, float]:
    """Seconds per call of socket's and ianaports' lookups, and the index build."""
    if not SERVICES.is_file():
        raise SystemExit(f"{SERVICES} not found: nothing to compare socket with")
    registry = parse(require(NEWEST))
    started = time.perf_counter()
    index = netdb.build_index(registry)
    built = time.perf_counter() - started
    netdb._index = index  # noqa: SLF001 - the store is not needed to time the lookups
    ports, names = _questions()
    calls = len(ports) + len(names)
    ours = median_seconds(_loop(netdb.getservbyport, netdb.getservbyname, ports, names)) / calls
    theirs = median_seconds(_loop(socket.getservbyport, socket.getservbyname, ports, names)) / calls
    return {"build": built, "ianaports": ours, "socket": theirs, "calls": calls}


def main() -> None:
    figures = measure_netdb()
    print(f"index build (first call)    {figures['build'] * 1000:8.1f} ms")
    print(f"socket      per call        {figures['socket'] * 1e6:8.2f} us")
    print(f"ianaports   per call        {figures['ianaports'] * 1e6:8.2f} us")
    print(f"ratio ianaports / socket    {figures['ianaports'] / figures['socket']:8.3f} x   (target <= 2.0)")


if __name__ == "__main__":
    sys.exit(main())
