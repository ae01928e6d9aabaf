"""What a port's number alone says: its RFC 6335 class, and how common systems treat it.

The one home of range knowledge (sources in ``docs/ranges.md``): the explainer,
the listening audit and ``ianaports free`` all read it from here.
"""

from __future__ import annotations

import datetime as dt

import attrs

from .model import PORT_MAX, PortRange, TextEnum, check_port

__all__ = [
    "BROWSER_BLOCKED",
    "BROWSER_BLOCKED_AS_OF",
    "BROWSER_BLOCKED_SOURCE",
    "EPHEMERAL_DEFAULTS",
    "EPHEMERAL_START",
    "IANA_DYNAMIC",
    "KUBERNETES_NODEPORT",
    "LINUX_EPHEMERAL",
    "BindRule",
    "BlockedPort",
    "EphemeralRange",
    "InternalUse",
    "PortClass",
    "RangeFacts",
    "browser_blocked",
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


#: Kubernetes' default range for NodePort services (kube-apiserver ``--service-node-port-range``).
KUBERNETES_NODEPORT = PortRange(30000, 32767)


@attrs.frozen(kw_only=True)
class BlockedPort:
    """One port of the WHATWG Fetch standard's "bad ports" list: browsers refuse to fetch from it.

    ``added`` is the date of the Fetch change that added it, where we recorded
    one (``None``: on the list before the changes recorded here).
    """

    port: int
    service: str
    added: dt.date | None = None
    change: str | None = None


#: Where the list comes from.
BROWSER_BLOCKED_SOURCE = "https://fetch.spec.whatwg.org/#port-blocking"
#: The newest change to the list recorded here (port 0, whatwg/fetch, August 2025); checked December 2026.
BROWSER_BLOCKED_AS_OF = dt.date(2025, 8, 11)

_AFP_2018 = (dt.date(2018, 5, 30), "https://github.com/whatwg/fetch/pull/738")
_AMANDA_2021 = (dt.date(2021, 4, 13), "https://github.com/whatwg/fetch/pull/1214")
_SIEVE_OSAUT_2024 = (dt.date(2024, 4, 2), "https://github.com/whatwg/fetch/pull/1743")
_ZERO_2025 = (dt.date(2025, 8, 11), "https://github.com/web-platform-tests/wpt/pull/54227")
_BAD_PORTS: tuple[tuple[int, str, tuple[dt.date, str] | None], ...] = (
    (0, "(port 0)", _ZERO_2025),
    (1, "tcpmux", None),
    (7, "echo", None),
    (9, "discard", None),
    (11, "systat", None),
    (13, "daytime", None),
    (15, "netstat", None),
    (17, "qotd", None),
    (19, "chargen", None),
    (20, "ftp-data", None),
    (21, "ftp", None),
    (22, "ssh", None),
    (23, "telnet", None),
    (25, "smtp", None),
    (37, "time", None),
    (42, "name", None),
    (43, "nicname", None),
    (53, "domain", None),
    (69, "tftp", None),
    (77, "priv-rjs", None),
    (79, "finger", None),
    (87, "ttylink", None),
    (95, "supdup", None),
    (101, "hostname", None),
    (102, "iso-tsap", None),
    (103, "gppitnp", None),
    (104, "acr-nema", None),
    (109, "pop2", None),
    (110, "pop3", None),
    (111, "sunrpc", None),
    (113, "auth", None),
    (115, "sftp", None),
    (117, "uucp-path", None),
    (119, "nntp", None),
    (123, "ntp", None),
    (135, "epmap", None),
    (137, "netbios-ns", None),
    (139, "netbios-ssn", None),
    (143, "imap", None),
    (161, "snmp", None),
    (179, "bgp", None),
    (389, "ldap", None),
    (427, "svrloc (afp)", _AFP_2018),
    (465, "submissions", None),
    (512, "exec", None),
    (513, "login", None),
    (514, "shell", None),
    (515, "printer", None),
    (526, "tempo", None),
    (530, "courier", None),
    (531, "chat", None),
    (532, "netnews", None),
    (540, "uucp", None),
    (548, "afp", _AFP_2018),
    (554, "rtsp", None),
    (556, "remotefs", None),
    (563, "nntps", None),
    (587, "submission", None),
    (601, "syslog-conn", None),
    (636, "ldaps", None),
    (989, "ftps-data", None),
    (990, "ftps", None),
    (993, "imaps", None),
    (995, "pop3s", None),
    (1719, "h323gatestat", None),
    (1720, "h323hostcall", None),
    (1723, "pptp", None),
    (2049, "nfs", None),
    (3659, "apple-sasl", None),
    (4045, "npp (lockd)", None),
    (4190, "sieve", _SIEVE_OSAUT_2024),
    (5060, "sip", None),
    (5061, "sips", None),
    (6000, "x11", None),
    (6566, "sane-port", None),
    (6665, "irc (alternate)", None),
    (6666, "irc (alternate)", None),
    (6667, "irc", None),
    (6668, "irc (alternate)", None),
    (6669, "irc (alternate)", None),
    (6679, "osaut", _SIEVE_OSAUT_2024),
    (6697, "ircs-u", None),
    (10080, "amanda", _AMANDA_2021),
)
#: The Fetch standard's bad ports, by port (as of :data:`BROWSER_BLOCKED_AS_OF`).
BROWSER_BLOCKED: dict[int, BlockedPort] = {
    port: BlockedPort(
        port=port,
        service=service,
        added=None if when is None else when[0],
        change=None if when is None else when[1],
    )
    for port, service, when in _BAD_PORTS
}


def browser_blocked(port: int) -> BlockedPort | None:
    """The Fetch standard's entry for *port* when browsers refuse to load ``http://host:port/``.

    >>> browser_blocked(10080).added, browser_blocked(8080)
    (datetime.date(2021, 4, 13), None)
    """
    return BROWSER_BLOCKED.get(port)


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
    #: The Fetch standard's entry when browsers refuse to load ``http://host:PORT/``, else None.
    browser_blocked: BlockedPort | None = None
    #: True inside Kubernetes' default NodePort range (30000-32767).
    kubernetes_nodeport: bool = False

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
    return RangeFacts(
        port=port,
        port_class=port_class,
        binding=_binding(port),
        ephemeral=ephemeral,
        browser_blocked=browser_blocked(port),
        kubernetes_nodeport=port in KUBERNETES_NODEPORT,
    )


@attrs.frozen(kw_only=True)
class InternalUse:
    """Whether a port is a sensible choice for an internal service, and why."""

    sensible: bool
    reasons: tuple[str, ...]


def internal_use(assigned: bool, facts: RangeFacts, iana_objections: tuple[str, ...] = ()) -> InternalUse:
    """Judge the port of *facts* as a home for an internal service.

    *iana_objections* are what IANA's records say against it beyond an
    assignment (a note on use, an unauthorized-use report), as
    :func:`ianaports.freeports.iana_objections` words them.
    """
    reasons = []
    if assigned:
        reasons.append("IANA has assigned it; software for that service may expect it.")
    reasons.extend(f"{objection}." for objection in iana_objections)
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
    if facts.browser_blocked is not None:
        reasons.append(
            f"Browsers refuse to load http://host:{facts.port}/: it is on the Fetch standard's bad ports list."
        )
    if facts.kubernetes_nodeport:
        reasons.append(f"It is in Kubernetes' default NodePort range ({KUBERNETES_NODEPORT}).")
    sensible = not reasons
    if sensible:
        reasons.append(
            "It is unassigned, in the User (registered) range, outside the common "
            "ephemeral ranges and not blocked by browsers; registering it with IANA is the way to claim it for good."
        )
    return InternalUse(sensible=sensible, reasons=tuple(reasons))
