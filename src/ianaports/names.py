"""Service-name rules (RFC 6335 section 5.1) and ``check-name``: is a name valid, taken, or close to one.

:func:`name_problems` lists the syntax rules a name breaks; :func:`check_name`
adds what a release says about it (registered on which protocols, similar
registered names), free ports to ask for that avoid everything ``free``
avoids, and the fields IANA's application asks for (RFC 6335 section 8.1.1).
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

import attrs

from .freeports import find_free
from .model import PortRange, Protocol

if TYPE_CHECKING:
    from .model import ServiceRecord
    from .oslimits import OsPorts
    from .registry import Registry

__all__ = [
    "APPLICATION_URL",
    "NAME_RULES",
    "ApplicationField",
    "NameCheck",
    "NameRule",
    "check_name",
    "name_problems",
]


@attrs.frozen(kw_only=True)
class NameRule:
    """One syntax rule of RFC 6335 section 5.1, with a short id for scripts."""

    id: str
    text: str


MAX_NAME_LENGTH = 15

#: The rules, in the order RFC 6335 section 5.1 gives them.
NAME_RULES: tuple[NameRule, ...] = (
    NameRule(id="length", text=f"a service name is 1 to {MAX_NAME_LENGTH} characters long"),
    NameRule(id="characters", text="a service name holds only letters A-Z and a-z, digits 0-9 and hyphens"),
    NameRule(id="letter", text="a service name holds at least one letter"),
    NameRule(id="hyphen-ends", text="a service name does not begin or end with a hyphen"),
    NameRule(id="double-hyphen", text="a service name has no two hyphens next to each other"),
)
_RULES = {rule.id: rule for rule in NAME_RULES}
_ALLOWED = re.compile(r"[A-Za-z0-9-]*")
_LETTER = re.compile(r"[A-Za-z]")


def name_problems(name: str) -> tuple[NameRule, ...]:
    """The rules of RFC 6335 section 5.1 that *name* breaks; empty when it is valid.

    >>> [rule.id for rule in name_problems("my--svc-")]
    ['hyphen-ends', 'double-hyphen']
    >>> name_problems("http-alt")
    ()
    """
    broken = []
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        broken.append(_RULES["length"])
    if not _ALLOWED.fullmatch(name):
        broken.append(_RULES["characters"])
    if not _LETTER.search(name):
        broken.append(_RULES["letter"])
    if name.startswith("-") or name.endswith("-"):
        broken.append(_RULES["hyphen-ends"])
    if "--" in name:
        broken.append(_RULES["double-hyphen"])
    return tuple(broken)


@attrs.frozen(kw_only=True)
class ApplicationField:
    """One field of IANA's application for a service name or port (RFC 6335 section 8.1.1)."""

    field: str
    required: bool
    value: str


#: IANA's application form for service names and port numbers.
APPLICATION_URL = "https://www.iana.org/form/ports-services"


def _application(name: str, protocol: Protocol | None, ports: tuple[int, ...]) -> tuple[ApplicationField, ...]:
    port = f"{ports[0]} (or leave it out to register the name alone)" if ports else "leave it out: the name alone"
    return (
        ApplicationField(field="Service Name", required=True, value=name),
        ApplicationField(
            field="Transport Protocol(s)", required=True, value=str(protocol) if protocol else "tcp, udp, sctp or dccp"
        ),
        ApplicationField(field="Assignee", required=True, value="the person or organisation that will own the name"),
        ApplicationField(field="Contact", required=True, value="the person IANA writes to about it"),
        ApplicationField(field="Description", required=True, value="what the service does, in a short phrase"),
        ApplicationField(field="Reference", required=True, value="a public specification of the protocol"),
        ApplicationField(field="Port Number", required=False, value=port),
        ApplicationField(field="Service Code", required=protocol is Protocol.DCCP, value="DCCP only"),
        ApplicationField(field="Known Unauthorized Uses", required=False, value="other uses of the port you know of"),
        ApplicationField(field="Assignment Notes", required=False, value="anything else IANA should record"),
    )


@attrs.frozen(kw_only=True)
class NameCheck:
    """What ``check-name`` found about one name."""

    name: str
    protocol: Protocol | None
    broken: tuple[NameRule, ...]
    records: tuple[ServiceRecord, ...]
    similar: tuple[str, ...]
    suggested_ports: tuple[int, ...]
    application: tuple[ApplicationField, ...]

    @property
    def valid(self) -> bool:
        """True when the name follows every rule of RFC 6335 section 5.1."""
        return not self.broken

    @property
    def taken(self) -> bool:
        """True when the release registers the name (in any case, on any protocol)."""
        return bool(self.records)

    @property
    def taken_protocols(self) -> tuple[Protocol, ...]:
        """The protocols the name is registered on, in order."""
        return tuple(dict.fromkeys(record.protocol for record in self.records if record.protocol))


def check_name(
    registry: Registry,
    name: str,
    protocol: Protocol | str | None = None,
    *,
    machine: OsPorts | None = None,
    suggestions: int = 5,
) -> NameCheck:
    """Check *name* against RFC 6335's rules and *registry*; suggest ports that ``free`` would propose.

    Names compare case-insensitively, as RFC 6335 says; similar names are
    registered names :func:`difflib.get_close_matches` finds close.  The ports
    suggested come from the User range (1024-49151), which IANA assigns on
    request, avoiding everything :func:`ianaports.freeports.find_free` avoids.
    """
    wanted = None if protocol is None else Protocol(str(protocol).lower())
    key = name.lower()
    records = tuple(record for record in registry.records if record.name is not None and record.name.lower() == key)
    names = {record.name.lower(): record.name for record in registry.records if record.name}
    close = difflib.get_close_matches(key, [each for each in names if each != key], n=5, cutoff=0.75)
    found = find_free(registry, PortRange(1024, 49151), wanted, count=suggestions, machine=machine)
    return NameCheck(
        name=name,
        protocol=wanted,
        broken=name_problems(name),
        records=records,
        similar=tuple(names[each] for each in close),
        suggested_ports=found.ports,
        application=_application(name, wanted, found.ports),
    )
