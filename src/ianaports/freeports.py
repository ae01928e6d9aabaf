"""Choosing free ports for an internal service, and saying why every other candidate was skipped.

A port is proposed only when nothing speaks against it: IANA has not
assigned or reserved it and notes no use of it (:func:`iana_objection`),
browsers do not block it, and it is outside the ephemeral ranges (this
machine's and the common systems' defaults), this machine's reserved ports
and Kubernetes' default NodePort range.  :func:`find_free` returns the ports
with every skipped candidate and its reasons.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs

from .model import PortRange, Protocol, TextEnum, tidy_text
from .ranges import EPHEMERAL_DEFAULTS, KUBERNETES_NODEPORT, browser_blocked

if TYPE_CHECKING:
    from .model import ServiceRecord
    from .oslimits import OsPorts
    from .registry import Registry

__all__ = [
    "FreePorts",
    "FreeRules",
    "SkipKind",
    "SkipReason",
    "Skipped",
    "find_free",
    "iana_objection",
    "iana_objections",
]


class SkipKind(TextEnum):
    """Why a candidate port was skipped."""

    IANA = "iana"
    BROWSER_BLOCKED = "browser-blocked"
    EPHEMERAL = "ephemeral"
    OS_RESERVED = "os-reserved"
    KUBERNETES_NODEPORT = "kubernetes-nodeport"


@attrs.frozen(kw_only=True)
class SkipReason:
    """One reason not to propose a port."""

    kind: SkipKind
    text: str


@attrs.frozen(kw_only=True)
class Skipped:
    """A run of consecutive candidate ports skipped for the same reasons."""

    ports: PortRange
    reasons: tuple[SkipReason, ...]


@attrs.frozen(kw_only=True)
class FreeRules:
    """Which of the avoidable lists ``free`` avoids (all by default); IANA's records are always heeded."""

    browser_blocked: bool = True
    ephemeral: bool = True
    kubernetes_nodeport: bool = True


@attrs.frozen(kw_only=True)
class FreePorts:
    """The ports proposed in a span, and the candidates skipped before the last of them."""

    span: PortRange
    protocol: Protocol | None
    ports: tuple[int, ...]
    skipped: tuple[Skipped, ...]
    machine: OsPorts | None
    rules: FreeRules


def _quoted(text: str) -> str:
    return '"' + " ".join(tidy_text(text).split()) + '"'


def iana_objection(record: ServiceRecord) -> str | None:
    """Why IANA's *record* speaks against proposing its ports, or None when it is plainly unassigned.

    Anything but a bare "Unassigned" description objects: an assignment, a
    reservation, and text such as "Unassigned [was netstat]" or
    "De-registered"; so does a note on an unassigned port ("Microsoft
    (unoffically) using 1895"), since it records a use or a past assignment.
    IANA's reports of unauthorized use object too, for the ports they name
    (see :func:`iana_objections`).  This is the one place that decides; a
    record status, when records carry one, feeds it.
    """
    if record.name:
        return f"IANA assigns it to {record.name}"
    if record.is_reserved:
        note = f" ({_quoted(record.notes)})" if record.notes else ""
        return f"IANA lists it as Reserved{note}"
    if not record.is_unassigned or " ".join(record.description.split()).lower() != "unassigned":
        # "Unassigned [was netstat]" is unassigned by status, yet its words recall a use.
        return f"IANA's record says {_quoted(record.description)}"
    if record.notes:
        return f"IANA notes on this unassigned port: {_quoted(record.notes)}"
    return None


_PORTS_IN_TEXT = re.compile(r"(?<![\d.])(\d{1,5})(?:\s*-\s*(\d{1,5}))?(?![\d.])")


def _named_ports(text: str, span: PortRange) -> tuple[PortRange, ...]:
    """The ports or spans *text* names inside *span*; all of *span* when it names none there."""
    found = []
    for match in _PORTS_IN_TEXT.finditer(text):
        start = int(match.group(1))
        end = int(match.group(2) or start)
        if start <= end and span.start <= start and end <= span.end:
            found.append(PortRange(start, end))
    return tuple(found) or (span,)


def iana_objections(record: ServiceRecord) -> tuple[tuple[PortRange, str], ...]:
    """The ports of *record* that ``free`` must not propose, each with IANA's reason.

    An unauthorized-use report on an unassigned span ("Unauthorized Use Known
    on ports 27018 and 27019" in 27018-27344) objects only to the ports it
    names; the rest of the span stays free.
    """
    if record.ports is None:
        return ()
    found: list[tuple[PortRange, str]] = []
    objection = iana_objection(record)
    if objection is not None:
        found.append((record.ports, objection))
    if record.unauthorized_use:
        why = f"IANA records unauthorized use: {_quoted(record.unauthorized_use)}"
        found.extend((span, why) for span in _named_ports(record.unauthorized_use, record.ports))
    return tuple(found)


def _iana_reasons(registry: Registry, span: PortRange, protocol: Protocol | None) -> dict[int, list[str]]:
    reasons: dict[int, list[str]] = {}
    for record in registry.lookup_span(span):
        if protocol is not None and record.protocol not in (protocol, None):
            continue
        for ports, why in iana_objections(record):
            for port in range(max(ports.start, span.start), min(ports.end, span.end) + 1):
                listed = reasons.setdefault(port, [])
                if why not in listed:
                    listed.append(why)
    return reasons


def _other_reasons(port: int, machine: OsPorts | None, rules: FreeRules) -> list[SkipReason]:
    found: list[SkipReason] = []
    blocked = browser_blocked(port)
    if rules.browser_blocked and blocked is not None:
        text = f"browsers refuse to load http://host:{port}/ (Fetch standard bad port: {blocked.service})"
        found.append(SkipReason(kind=SkipKind.BROWSER_BLOCKED, text=text))
    if machine is not None:
        reserved = machine.reserved_span(port)
        if reserved is not None:
            text = f"reserved on this machine ({machine.system} {reserved}, {machine.source})"
            found.append(SkipReason(kind=SkipKind.OS_RESERVED, text=text))
    if rules.ephemeral:
        mine = None if machine is None else machine.ephemeral_span(port)
        if mine is not None and machine is not None:
            text = f"in this machine's ephemeral range ({machine.system} {mine}, {machine.source})"
            found.append(SkipReason(kind=SkipKind.EPHEMERAL, text=text))
        found.extend(
            SkipReason(kind=SkipKind.EPHEMERAL, text=f"in the default ephemeral range of {system} ({span})")
            for system, span in EPHEMERAL_DEFAULTS
            if port in span and not (mine is not None and machine is not None and machine.system == system)
        )
    if rules.kubernetes_nodeport and port in KUBERNETES_NODEPORT:
        text = f"in Kubernetes' default NodePort range ({KUBERNETES_NODEPORT})"
        found.append(SkipReason(kind=SkipKind.KUBERNETES_NODEPORT, text=text))
    return found


def find_free(
    registry: Registry,
    span: PortRange,
    protocol: Protocol | str | None = None,
    *,
    count: int = 10,
    machine: OsPorts | None = None,
    rules: FreeRules | None = None,
) -> FreePorts:
    """Up to *count* ports of *span* that nothing speaks against, lowest first, and why the others were skipped.

    *machine* is this machine's ranges (:func:`ianaports.oslimits.machine_ports`);
    without it only the common systems' defaults are avoided.  ``skipped``
    covers the candidates below the last port proposed (all of *span* when
    fewer than *count* were found), consecutive ports with the same reasons
    in one run.
    """
    rules = FreeRules() if rules is None else rules
    wanted = None if protocol is None else Protocol(str(protocol).lower())
    iana = _iana_reasons(registry, span, wanted)
    ports: list[int] = []
    skipped: list[Skipped] = []
    for port in span:
        if len(ports) >= count:
            break
        reasons = [SkipReason(kind=SkipKind.IANA, text=text) for text in iana.get(port, ())]
        reasons.extend(_other_reasons(port, machine, rules))
        if not reasons:
            ports.append(port)
            continue
        key = tuple(reasons)
        last = skipped[-1] if skipped else None
        if last is not None and last.reasons == key and last.ports.end == port - 1:
            skipped[-1] = Skipped(ports=PortRange(last.ports.start, port), reasons=key)
        else:
            skipped.append(Skipped(ports=PortRange(port, port), reasons=key))
    return FreePorts(
        span=span, protocol=wanted, ports=tuple(ports), skipped=tuple(skipped), machine=machine, rules=rules
    )
