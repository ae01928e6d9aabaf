"""A user's own nmap-services file: how often scans find each port open.

Nmap's ``nmap-services`` lists, per port and protocol, the fraction of scanned
hosts found with it open.  Its licence (the Nmap Public Source License) does
not let us bundle it, so ianaports never ships a copy: pass the path of the
file your nmap installation has (``--nmap-services PATH`` or the
``IANAPORTS_NMAP_SERVICES`` environment variable).  Each line reads::

    http	80/tcp	0.484143	# World Wide Web HTTP
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ._nmap_file import NMAP_SERVICES_ENV, chosen_nmap_file
from .errors import InvalidArgumentError
from .model import PORT_MAX

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

__all__ = ["NMAP_SERVICES_ENV", "NmapEntry", "NmapServices", "load_nmap_services", "parse_nmap_services"]


_LINE = re.compile(r"^(\S+)\s+(\d{1,5})/([A-Za-z]+)\s+(\d+(?:\.\d+)?|\.\d+)(?:\s.*)?$")


@attrs.frozen(kw_only=True)
class NmapEntry:
    """One port of nmap-services: its name, the open frequency, and its rank (1 is the most often open)."""

    name: str
    port: int
    protocol: str
    frequency: float
    rank: int


@attrs.frozen(kw_only=True)
class NmapServices:
    """The entries of one nmap-services file, found by port."""

    source: str
    entries: tuple[NmapEntry, ...]

    def about(self, port: int) -> tuple[NmapEntry, ...]:
        """The entries of *port*, one per protocol listed, in file order."""
        return tuple(entry for entry in self.entries if entry.port == port)

    def __len__(self) -> int:
        return len(self.entries)


def parse_nmap_services(text: str, source: str = "nmap-services") -> NmapServices:
    r"""Read nmap-services text; comments, blank lines and lines in another shape are skipped.

    Ranks are counted per protocol, the most often open first.

    >>> found = parse_nmap_services("http\t80/tcp\t0.48\nssh\t22/tcp\t0.18 # Secure Shell\n")
    >>> [(entry.name, entry.rank) for entry in found.about(22)]
    [('ssh', 2)]
    """
    raw: list[tuple[str, int, str, float]] = []
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        port = int(match.group(2))
        if port > PORT_MAX:
            continue
        raw.append((match.group(1), port, match.group(3).lower(), float(match.group(4))))
    ranks: dict[tuple[str, int], int] = {}
    for protocol in {item[2] for item in raw}:
        ordered = sorted((item for item in raw if item[2] == protocol), key=lambda item: (-item[3], item[1]))
        ranks.update({(protocol, item[1]): position for position, item in enumerate(ordered, start=1)})
    entries = tuple(
        NmapEntry(name=name, port=port, protocol=protocol, frequency=frequency, rank=ranks[protocol, port])
        for name, port, protocol, frequency in raw
    )
    return NmapServices(source=source, entries=entries)


def load_nmap_services(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> NmapServices | None:
    """The nmap-services file at *path*, else the one ``IANAPORTS_NMAP_SERVICES`` names, else None.

    Raises :class:`~ianaports.InvalidArgumentError` when the file cannot be read
    or holds no nmap-services line.
    """
    chosen = chosen_nmap_file(path, environ=environ)
    if chosen is None:
        return None
    where = Path(chosen)
    try:
        text = where.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        msg = f"cannot read the nmap-services file {str(where)!r}: {exc.strerror or exc}"
        raise InvalidArgumentError(msg) from exc
    found = parse_nmap_services(text, str(where))
    if not found.entries:
        msg = f"{str(where)!r} holds no nmap-services line (NAME PORT/PROTOCOL FREQUENCY)"
        raise InvalidArgumentError(msg)
    return found
