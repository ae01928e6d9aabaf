"""A services(5) file, like ``/etc/services``, written from a release."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

import attrs

from ianaports._collector import collector_paused
from ianaports.errors import SuspectReleaseError
from ianaports.model import ServiceRecord, tidy_text

from .text import one_line

if TYPE_CHECKING:
    from ianaports.registry import Registry

__all__ = ["SERVICES_MAX_LINES", "is_services_name", "services_lines", "write_services"]

#: Real releases give about 11,700 lines; spans nested far beyond any real
#: release would give billions (14,000 nested spans: 460 million), so past
#: this many the file is refused before a line is made.
SERVICES_MAX_LINES = 1_000_000


def is_services_name(name: str) -> bool:
    """True when *name* can stand in a services(5) file.

    The format splits fields on blanks, starts comments at ``#`` and separates
    port from protocol with ``/``; IANA still lists names with spaces and
    slashes (``cl/1``, ``Apple Remote Desktop (Net Assistant)`` in 2024), which
    would corrupt a line, so they are left out.
    """
    return bool(name) and name.isascii() and name.isprintable() and not any(c in name for c in " \t#/")


@attrs.define
class _ServicesLine:
    name: str
    port: int
    protocol: str
    description: str
    aliases: list[str] = attrs.field(factory=list)


def services_lines(registry: Registry) -> list[_ServicesLine]:
    """The lines of a services(5) file: one per port and protocol, spans expanded.

    Aliases (records whose note says "This entry is an alias to X") join X's
    line at the same port and protocol.  Records without a protocol or port,
    unassigned and reserved spans, and names the format cannot hold are left out.
    Raises :class:`~ianaports.SuspectReleaseError` rather than list more than
    :data:`SERVICES_MAX_LINES` lines.
    """
    lines: list[_ServicesLine] = []
    by_key: dict[tuple[int, str, str], _ServicesLine] = {}
    aliases: list[tuple[ServiceRecord, str]] = []
    listed = [
        record
        for record in registry.records
        if record.name is not None
        and record.ports is not None
        and record.protocol is not None
        and record.is_assignment
        and is_services_name(record.name)
    ]
    at_most = sum(len(record.ports) for record in listed if record.ports is not None)
    if at_most > SERVICES_MAX_LINES:
        msg = (
            f"a services(5) file of the release of {registry.updated} would have up to {at_most} lines, over the"
            f" {SERVICES_MAX_LINES} limit (real releases give about 11,700): its spans overlap far beyond any real one"
        )
        raise SuspectReleaseError(msg)
    for record in listed:
        assert record.name is not None
        assert record.ports is not None
        target = record.alias_of
        if target is not None:
            aliases.append((record, target))
            continue
        for port in record.ports:
            _add_services_line(lines, by_key, record, port)
    for record, target in aliases:
        assert record.name is not None
        assert record.ports is not None
        assert record.protocol is not None
        for port in record.ports:
            primary = by_key.get((port, record.protocol.value, target.lower()))
            if primary is not None:
                if record.name.lower() not in (alias.lower() for alias in primary.aliases):
                    primary.aliases.append(record.name)
                continue
            _add_services_line(lines, by_key, record, port)
    lines.sort(key=lambda line: (line.port, _PROTOCOL_ORDER.get(line.protocol, 9)))
    return lines


def _add_services_line(
    lines: list[_ServicesLine], by_key: dict[tuple[int, str, str], _ServicesLine], record: ServiceRecord, port: int
) -> None:
    name, protocol = record.name or "", record.protocol.value if record.protocol else ""
    key = (port, protocol, name.lower())
    if key not in by_key:
        line = _ServicesLine(name, port, protocol, one_line(tidy_text(record.description)))
        by_key[key] = line
        lines.append(line)


_PROTOCOL_ORDER = {"tcp": 0, "udp": 1, "sctp": 2, "dccp": 3}


def write_services(registry: Registry, stream: TextIO, *, generator: str = "ianaports") -> None:
    """Write *registry* as a services(5) file, like ``/etc/services``."""
    with collector_paused():  # a line object a port, all acyclic: see ianaports._collector
        lines = services_lines(registry)  # first: a refused release writes nothing
    header = (
        f"# services(5) written by {generator} from IANA's {registry.title},\n"
        f"# release {registry.updated.isoformat()}: "
        "https://www.iana.org/assignments/service-names-port-numbers/\n"
        "# Format: name port/protocol [aliases...] [# description]\n"
    )
    text = [header]
    for line in lines:
        head = f"{line.name:<15} {f'{line.port}/{line.protocol}':<11}"
        if line.aliases:
            head = f"{head} {' '.join(line.aliases)}"
        text.append(f"{head}  # {line.description}\n" if line.description else f"{head.rstrip()}\n")
    # One write: a write per line is a system call each on an unbuffered stdout.
    stream.write("".join(text))
