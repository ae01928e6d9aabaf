"""What a port's number alone says: its RFC 6335 class, and how common systems treat it.

The one home of range knowledge (sources in ``docs/ranges.md``): the explainer,
the listening audit and ``ianaports free`` all read it from here.
"""

from __future__ import annotations

import attrs

from .model import PORT_MAX, PortRange, TextEnum, check_port

__all__ = [
    "EPHEMERAL_DEFAULTS",
    "EPHEMERAL_START",
    "IANA_DYNAMIC",
    "LINUX_EPHEMERAL",
    "BindRule",
    "EphemeralRange",
    "InternalUse",
    "PortClass",
    "RangeFacts",
    "classify",
    "in_ephemeral_range",
    "internal_use",
    "range_facts",
]

SYSTEM_PORTS_END = 1023
USER_PORTS_END = 49151


class PortClass(TextEnum):
    """The three port ranges of RFC 6335, section 6."""

    SYSTEM = "system"
    USER = "user"
    DYNAMIC = "dynamic"

    @property
    def span(self) -> PortRange:
        """The ports this class covers."""
        return {
            PortClass.SYSTEM: PortRange(0, SYSTEM_PORTS_END),
            PortClass.USER: PortRange(SYSTEM_PORTS_END + 1, USER_PORTS_END),
            PortClass.DYNAMIC: PortRange(USER_PORTS_END + 1, PORT_MAX),
        }[self]

    @property
    def everyday_name(self) -> str:
        """The name people use: well-known, registered, or dynamic/private (ephemeral)."""
        return {
            PortClass.SYSTEM: "well-known",
            PortClass.USER: "registered",
            PortClass.DYNAMIC: "dynamic/private",
        }[self]


def classify(port: int) -> PortClass:
    """Return the RFC 6335 range of *port*.

    >>> classify(22), classify(2304), classify(50000)
    (<PortClass.SYSTEM: 'system'>, <PortClass.USER: 'user'>, <PortClass.DYNAMIC: 'dynamic'>)
    """
    if check_port(port) <= SYSTEM_PORTS_END:
        return PortClass.SYSTEM
    if port <= USER_PORTS_END:
        return PortClass.USER
    return PortClass.DYNAMIC


#: Linux's default ephemeral range (``net.ipv4.ip_local_port_range``).
LINUX_EPHEMERAL = PortRange(32768, 60999)
#: RFC 6335's Dynamic range, which Windows (since Vista), macOS and FreeBSD use as their ephemeral range.
IANA_DYNAMIC = PortClass.DYNAMIC.span


@attrs.frozen(kw_only=True)
class BindRule:
    """Whether an ordinary (unprivileged) process may bind the port on one system."""

    system: str
    needs_privilege: bool
    detail: str


@attrs.frozen(kw_only=True)
class EphemeralRange:
    """A system's default range for automatically chosen (ephemeral) local ports."""

    system: str
    span: PortRange
    contains: bool


@attrs.frozen(kw_only=True)
class RangeFacts:
    """What the number alone says about a port: its RFC 6335 range and how systems treat it."""

    port: int
    port_class: PortClass
    binding: tuple[BindRule, ...]
    ephemeral: tuple[EphemeralRange, ...]

    @property
    def everyday_name(self) -> str:
        """well-known, registered or dynamic/private."""
        return self.port_class.everyday_name

    @property
    def span(self) -> PortRange:
        """The ports of the RFC 6335 range."""
        return self.port_class.span

    @property
    def in_any_ephemeral_range(self) -> bool:
        """True when some common system may hand this port out to outgoing connections."""
        return any(item.contains for item in self.ephemeral)


#: Each common system's default range for ephemeral (automatically chosen) local ports.
EPHEMERAL_DEFAULTS: tuple[tuple[str, PortRange], ...] = (
    ("Linux", LINUX_EPHEMERAL),
    ("Windows", IANA_DYNAMIC),
    ("macOS and FreeBSD", IANA_DYNAMIC),
)
#: The lowest port a common system hands out as ephemeral.
EPHEMERAL_START = min(span.start for _, span in EPHEMERAL_DEFAULTS)


def in_ephemeral_range(port: int) -> bool:
    """True when some common system may hand *port* out as the local end of an outgoing connection.

    >>> in_ephemeral_range(40000), in_ephemeral_range(2304)
    (True, False)
    """
    return any(port in span for _, span in EPHEMERAL_DEFAULTS)


def _binding(port: int) -> tuple[BindRule, ...]:
    low = port < PortClass.USER.span.start
    if port == 0:
        zero = "Binding port 0 asks the system to choose a free ephemeral port instead."
        return (BindRule(system="any system", needs_privilege=False, detail=zero),)
    linux = (
        "Below 1024 a process needs CAP_NET_BIND_SERVICE (root has it), unless "
        "the sysctl net.ipv4.ip_unprivileged_port_start was lowered (Linux 4.11+)."
        if low
        else "Any user may bind it; only ports below 1024 are privileged by default."
    )
    macos = (
        "Since macOS 10.14 (Mojave) an ordinary user may listen on it on all "
        "interfaces; binding it to one specific address still needs root."
        if low
        else "Any user may bind it."
    )
    freebsd = (
        "Needs root unless net.inet.ip.portrange.reservedhigh was lowered (default 1023)."
        if low
        else "Any user may bind it."
    )
    windows = "Windows has no privileged ports: any process may bind it; the firewall decides who can reach it."
    return (
        BindRule(system="Linux", needs_privilege=low, detail=linux),
        BindRule(system="macOS", needs_privilege=False, detail=macos),
        BindRule(system="FreeBSD", needs_privilege=low, detail=freebsd),
        BindRule(system="Windows", needs_privilege=False, detail=windows),
    )


def range_facts(port: int) -> RangeFacts:
    """The range facts of *port*.

    >>> facts = range_facts(2304)
    >>> facts.everyday_name, facts.in_any_ephemeral_range
    ('registered', False)
    >>> range_facts(40000).in_any_ephemeral_range
    True
    """
    port_class = classify(port)
    ephemeral = tuple(
        EphemeralRange(system=system, span=span, contains=port in span) for system, span in EPHEMERAL_DEFAULTS
    )
    return RangeFacts(port=port, port_class=port_class, binding=_binding(port), ephemeral=ephemeral)


@attrs.frozen(kw_only=True)
class InternalUse:
    """Whether a port is a sensible choice for an internal service, and why."""

    sensible: bool
    reasons: tuple[str, ...]


def internal_use(assigned: bool, facts: RangeFacts) -> InternalUse:
    """Judge the port of *facts* as a home for an internal service."""
    reasons = []
    if assigned:
        reasons.append("IANA has assigned it; software for that service may expect it.")
    if facts.port_class is PortClass.SYSTEM:
        reasons.append("It is a System (well-known) port: binding it needs privileges on Linux and FreeBSD.")
    if facts.port_class is PortClass.DYNAMIC:
        reasons.append("It is in the Dynamic range, which IANA never assigns and systems use for outgoing connections.")
    if facts.port_class is not PortClass.DYNAMIC:
        reasons.extend(
            f"It falls in the default ephemeral range of {item.system} ({item.span})."
            for item in facts.ephemeral
            if item.contains
        )
    sensible = not reasons
    if sensible:
        reasons.append(
            "It is unassigned, in the User (registered) range and outside the common "
            "ephemeral ranges; registering it with IANA is the way to claim it for good."
        )
    return InternalUse(sensible=sensible, reasons=tuple(reasons))
