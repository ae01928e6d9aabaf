"""The explainer page as a format-neutral document, built from an :class:`~ianaports.explainer.ExplainView`.

The page is built once as a small document (sections of paragraphs, lists,
fields and commands); :mod:`ianaports.render.explain` writes it as text,
markdown or HTML and :func:`ianaports.render.json.explain_to_json` takes its
title and sections, so every format carries the same facts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ianaports.model import PortRange, Protocol, read_query
from ianaports.ranges import BROWSER_BLOCKED_AS_OF, BROWSER_BLOCKED_SOURCE, KUBERNETES_NODEPORT, PortClass

from .blocks import Block, Bullets, Commands, Fields, Link, Page, Paragraph, Section
from .text import one_line

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from ianaports.explainer import ExplainView
    from ianaports.model import Person, ServiceRecord
    from ianaports.notes import Note
    from ianaports.oslimits import PortOnMachine
    from ianaports.ranges import RangeFacts

__all__ = [
    "Block",
    "Bullets",
    "Commands",
    "Fields",
    "Link",
    "Page",
    "Paragraph",
    "Section",
    "build_page",
    "check_commands",
]


# --- building the page from a view ---


def _people_text(people: Iterable[Person]) -> str:
    def one(person: Person) -> str:
        names = person.display_name
        if person.name and person.org:
            names = f"{person.name} ({person.org})"
        return " ".join([names, *(f"<{email}>" for email in person.emails)])

    return "; ".join(one(person) for person in people) or "-"


def _group_records(records: Sequence[ServiceRecord]) -> list[tuple[ServiceRecord, list[Protocol]]]:
    # Records that say the same thing for several protocols read better as one entry.
    groups: dict[object, tuple[ServiceRecord, list[Protocol]]] = {}
    for record in records:
        key = attrs.evolve(record, protocol=None)
        if key in groups:
            if record.protocol is not None:
                groups[key][1].append(record.protocol)
        else:
            groups[key] = (record, [record.protocol] if record.protocol else [])
    return list(groups.values())


def _record_fields(record: ServiceRecord, protocols: Sequence[Protocol]) -> Fields:
    rows = [
        ("Service name", record.name or "-"),
        ("Port", record.ports.as_written if record.ports else "-"),
        ("Protocols", ", ".join(str(protocol) for protocol in protocols) or "-"),
        ("Status", str(record.status)),
        ("Description", record.description_text or "-"),
        ("Assignee", _people_text(record.assignees)),
        ("Contact", _people_text(record.contacts)),
        ("Registered", record.registered.isoformat() if record.registered else "not recorded"),
        ("Modified", record.modified.isoformat() if record.modified else "not recorded"),
        ("References", ", ".join(reference.label for reference in record.references) or "-"),
    ]
    if record.notes_text:
        rows.append(("IANA notes", one_line(record.notes_text)))
    if record.unauthorized_use_text:
        rows.append(("Unauthorized use", one_line(record.unauthorized_use_text)))
    return Fields(tuple(rows))


def _span_fields(record: ServiceRecord, protocols: Sequence[Protocol]) -> Fields:
    """An entry that assigns nothing: its status and every word IANA wrote on it."""
    rows = [
        ("Port", record.ports.as_written if record.ports else "-"),
        ("Protocols", ", ".join(str(protocol) for protocol in protocols) or "-"),
        ("Status", str(record.status)),
        ("Description", record.description_text or "-"),
    ]
    if record.assignees:
        rows.append(("Assignee", _people_text(record.assignees)))
    if record.modified:
        rows.append(("Modified", record.modified.isoformat()))
    if record.references:
        rows.append(("References", ", ".join(reference.label for reference in record.references)))
    if record.notes_text:
        rows.append(("IANA notes", one_line(record.notes_text)))
    if record.unauthorized_use_text:
        rows.append(("Unauthorized use", one_line(record.unauthorized_use_text)))
    return Fields(tuple(rows))


def _record_links(records: Iterable[ServiceRecord]) -> tuple[Link, ...]:
    links: dict[str, Link] = {}
    for record in records:
        for reference in record.references:
            url = reference.url
            if url and url.startswith(("https://", "http://")):
                links.setdefault(url, Link(reference.label, url))
    return tuple(links.values())


def _record_spans(view: ExplainView) -> list[PortRange]:
    return sorted({record.ports for record in view.records if record.ports is not None})


def _is_port_query(view: ExplainView) -> bool:
    return bool(view.ports) and isinstance(read_query(view.query), int)


def _where(view: ExplainView) -> str:
    """The port or spans a page is about, as IANA assigns them (x11 is 6000-6063, not 6000)."""
    spans = _record_spans(view)
    if _is_port_query(view):
        wider = [str(span) for span in spans if not span.is_single]
        return f"{view.ports[0]} (within {', '.join(wider)})" if wider else str(view.ports[0])
    return ", ".join(str(span) for span in spans) or ", ".join(str(port) for port in view.ports) or "no port"


def _port_word(view: ExplainView) -> str:
    """The word for the page's subject: Ports for a span or several ports, else Port."""
    if _is_port_query(view):
        return "Port"
    spans = _record_spans(view) or [PortRange.single(port) for port in view.ports]
    return "Ports" if len(spans) > 1 or not spans[0].is_single else "Port"


def _what_section(view: ExplainView) -> Section:
    blocks: list[Block] = []
    where = _where(view)
    if view.records:
        names = ", ".join(view.names) or "an unnamed service"
        blocks.append(Paragraph(f"IANA assigns {where} to {names}. The registry's entry, as of {view.release}:"))
        blocks.extend(_record_fields(record, protocols) for record, protocols in _group_records(view.records))
        links = _record_links(view.records)
        if links:
            blocks.append(Paragraph("The references of the entry:"))
            blocks.append(Bullets(links))
    else:
        blocks.append(Paragraph(_no_assignment_text(view, where)))
        blocks.extend(_span_fields(record, protocols) for record, protocols in _group_records(view.spans))
    if view.records and view.spans:
        blocks.append(Paragraph("The registry also lists here:"))
        blocks.extend(_span_fields(record, protocols) for record, protocols in _group_records(view.spans))
    blocks.extend(Paragraph(note.summary) for note in view.notes)
    return Section("what", _what_title(view), tuple(blocks))


def _no_assignment_text(view: ExplainView, where: str) -> str:
    head = f"Port {where} has no assignment in the IANA registry of {view.release}"
    if not view.spans:
        dynamic = any(facts.port_class is PortClass.DYNAMIC for facts in view.ranges)
        why = ": it is in the Dynamic range (49152-65535), which IANA never assigns." if dynamic else "."
        return f"{head}, which does not list it at all{why}"
    return f"{head}: IANA lists it as {' and '.join(str(status) for status in view.statuses)}."


def _what_title(view: ExplainView) -> str:
    if len(view.ports) == 1:
        word = _port_word(view)
        return f"What {word.lower()} {_where(view)} {'are' if word == 'Ports' else 'is'}"
    return f"What {view.query} is"


_CLASS_MEANING = {
    PortClass.SYSTEM: (
        "The well-known ports carry the internet's core "
        "protocols. IANA assigns them only through IETF review, and most Unix-like "
        "systems reserve them for privileged processes."
    ),
    PortClass.USER: (
        "The registered ports are assigned by IANA to "
        "whoever asks for one for their application, from large vendors to single "
        "products long gone. Any program may bind them, and nothing stops software "
        "from using a port registered to someone else: the registry only prevents "
        "collisions among those who follow it."
    ),
    PortClass.DYNAMIC: (
        "The dynamic ports, also called private or ephemeral, are never "
        "assigned by IANA. Systems hand them out as the local end of outgoing "
        "connections, and they are free for private, temporary use."
    ),
}


def _range_blocks(facts: RangeFacts) -> list[Block]:
    blocks: list[Block] = [
        Paragraph(
            f"Port {facts.port} is in the {facts.port_class.value.capitalize()} range of RFC 6335 "
            f"({facts.span}), whose everyday name is {facts.everyday_name}. "
            f"{_CLASS_MEANING[facts.port_class]}"
        ),
        Paragraph("Binding it as an ordinary user:"),
        Bullets(tuple(f"{rule.system}: {rule.detail}" for rule in facts.binding)),
    ]
    inside = [item for item in facts.ephemeral if item.contains]
    if inside:
        systems = "; ".join(f"{item.system} ({item.span})" for item in inside)
        blocks.append(
            Paragraph(
                f"It falls in the default ephemeral range of {systems}: the system may use it "
                "for the local end of an outgoing connection, so seeing it in use is not "
                "by itself a sign of a server."
            )
        )
    else:
        systems = "; ".join(f"{item.system} {item.span}" for item in facts.ephemeral)
        blocks.append(Paragraph(f"It is outside the common default ephemeral ranges ({systems})."))
    return blocks


def _section(key: str, title: str, blocks: Iterable[Block], otherwise: str) -> Section:
    """A section of *blocks*, or of one paragraph saying *otherwise* when there are none."""
    found = tuple(blocks)
    return Section(key, title, found or (Paragraph(otherwise),))


def _range_section(view: ExplainView) -> Section:
    blocks = (block for facts in view.ranges for block in _range_blocks(facts))
    return _section("range", "The range it sits in", blocks, f"{view.query} has no port number, so no range applies.")


# --- beyond IANA: browsers, this machine, Kubernetes, nmap ---


def _browser_block(facts: RangeFacts) -> Paragraph:
    blocked = facts.browser_blocked
    as_of = f"the Fetch standard's bad ports list as of {BROWSER_BLOCKED_AS_OF}, {BROWSER_BLOCKED_SOURCE}"
    if blocked is None:
        return Paragraph(f"Browsers load http://host:{facts.port}/ normally: the port is not on {as_of}.")
    added = f", added on {blocked.added} ({blocked.change})" if blocked.added and blocked.change else ""
    return Paragraph(
        f"Browsers refuse to load http://host:{facts.port}/ (and fetch() from it fails): port {facts.port} "
        f"({blocked.service}) is on {as_of}{added}. A web server or dev server here is unreachable from a browser."
    )


def _machine_block(found: PortOnMachine) -> Paragraph:
    machine = found.machine
    where = f"this machine ({machine.system}, {'read from ' if machine.measured else ''}{machine.source})"
    if found.reserved is not None:
        return Paragraph(
            f"On {where} port {found.port} is reserved ({found.reserved}): the system keeps it out of "
            "automatic assignment, usually for a service an administrator or Hyper-V set aside."
        )
    if found.ephemeral is not None:
        return Paragraph(
            f"On {where} port {found.port} is in the ephemeral range {found.ephemeral}: the system may "
            "hand it to an outgoing connection at any time, so a server that binds it may find it taken."
        )
    spans = ", ".join(str(span) for span in machine.ephemeral)
    return Paragraph(f"On {where} port {found.port} is outside the ephemeral range ({spans}) and not reserved.")


def _nodeport_block(facts: RangeFacts) -> Paragraph:
    if facts.kubernetes_nodeport:
        return Paragraph(
            f"It is in Kubernetes' default NodePort range ({KUBERNETES_NODEPORT}): a cluster may open it on "
            "every node for a NodePort service."
        )
    return Paragraph(f"It is outside Kubernetes' default NodePort range ({KUBERNETES_NODEPORT}).")


def _platforms_section(view: ExplainView) -> Section:
    blocks: list[Block] = []
    machine = {found.port: found for found in view.machine}
    for facts in view.ranges:
        blocks.append(_browser_block(facts))
        if facts.port in machine:
            blocks.append(_machine_block(machine[facts.port]))
        blocks.append(_nodeport_block(facts))
    return _section(
        "platforms", "Browsers, this machine and Kubernetes", blocks, f"{view.query} has no port number to check."
    )


def _nmap_section(view: ExplainView) -> Section | None:
    if view.nmap_source is None:
        return None
    items = tuple(
        f"{entry.port}/{entry.protocol} ({entry.name}): found open on {entry.frequency:.6f} of scanned hosts, "
        f"rank {entry.rank} among {entry.protocol} ports"
        for entry in view.nmap
    )
    blocks: list[Block] = [Paragraph(f"From your nmap-services file ({view.nmap_source}):")]
    blocks.append(Bullets(items) if items else Paragraph("It does not list this port."))
    return Section("nmap", "How often scans find it open", tuple(blocks))


def _note_blocks(note: Note) -> list[Block]:
    rows = [(label, value) for label, value in (("Vendor", note.vendor), ("Product", note.product)) if value]
    rows.append(("Status", str(note.status)))
    blocks: list[Block] = [Fields(tuple(rows))]
    if note.timeline:
        blocks.append(Bullets(tuple(f"{event.date}: {event.event}" for event in note.timeline)))
    if note.references:
        blocks.append(Paragraph("Sources:"))
        blocks.append(Bullets(tuple(Link(reference.title, reference.url) for reference in note.references)))
    return blocks


def _history_section(view: ExplainView) -> Section:
    blocks = (block for note in view.notes for block in _note_blocks(note))
    none = (
        "There are no curated notes for this port yet. You can add your own in a "
        "TOML file named by IANAPORTS_NOTES_PATH (see the notes documentation)."
    )
    return _section("history", "Curated history", blocks, none)


def _unofficial_section(view: ExplainView) -> Section:
    where: dict[str, list[str]] = {}
    for record, text in view.reported_uses:
        labels = where.setdefault(one_line(text), [])
        if _entry_label(record) not in labels:
            labels.append(_entry_label(record))
    reported = [f"{text} (reported by IANA on {', '.join(labels)})" for text, labels in where.items()]
    uses = [use for note in view.notes for use in note.unofficial_uses]
    curated = (f"{use.description} (confidence: {use.confidence}; source: {use.source})" for use in uses)
    items = (*reported, *curated)
    blocks = (Bullets(items),) if items else ()
    return _section("unofficial", "Known unofficial uses", blocks, "None recorded by IANA or in the curated notes.")


def _entry_label(record: ServiceRecord) -> str:
    """The port and protocol of an entry, as ``1895/tcp`` or ``4144``."""
    where = record.ports.as_written if record.ports else (record.name or "-")
    return f"{where}/{record.protocol}" if record.protocol else where


def check_commands(port: int) -> tuple[Commands, ...]:
    """The shell commands that show what listens on *port*, on Linux, macOS and Windows."""
    return (
        Commands(
            "Linux (ss; run with sudo to see other users' processes):",
            (f"sudo ss -tlnp 'sport = :{port}'", f"sudo ss -ulnp 'sport = :{port}'"),
        ),
        Commands(
            "Linux or macOS (lsof):",
            (f"sudo lsof -nP -iTCP:{port} -sTCP:LISTEN", f"sudo lsof -nP -i :{port}"),
        ),
        Commands(
            "Windows (Command Prompt as administrator; the last column is the PID):",
            (f"netstat -ano | findstr :{port}", 'tasklist /FI "PID eq <pid>"'),
        ),
    )


def _check_section(view: ExplainView) -> Section:
    blocks: list[Block] = []
    for port in view.ports:
        blocks.extend(check_commands(port))
    if not blocks:
        blocks.append(Paragraph("This service has no port number to check."))
    elif any(protocol not in (Protocol.TCP, Protocol.UDP) for protocol in view.protocols):
        blocks.append(Paragraph("These commands cover TCP and UDP; SCTP and DCCP need other tools."))
    return Section("check", "How to check what is listening", tuple(blocks))


def _second_look_section(view: ExplainView) -> Section:
    expected = ", ".join(view.names) if view.records else None
    remarks: list[Block] = []
    if expected is None:
        remarks.append(
            Paragraph(
                "Nothing is registered here, so no standard software expects this port. A "
                "listener you did not set up yourself is unexplained until you find the "
                "process behind it."
            )
        )
        if view.reported_uses:
            remarks.append(
                Paragraph(
                    "IANA's own notes report software using it (see Known unofficial uses): "
                    "such a listener may be that software, or something posing as it."
                )
            )
    else:
        remarks.append(
            Paragraph(
                f"A listener here is expected only where {expected} really runs. Malware and "
                "intruders like obscure ports because few people watch them, and a port that "
                "is normally quiet makes any activity stand out: know what usually listens on "
                "your machines, and treat a new listener on a rarely used port as a signal "
                "worth a second look."
            )
        )
    security = tuple(remark for note in view.notes for remark in note.security)
    if security:
        remarks.append(Bullets(security))
    return Section("second-look", "Why an unexpected listener deserves a second look", tuple(remarks))


def _internal_use_section(view: ExplainView) -> Section | None:
    advice = view.internal_use
    if advice is None:
        return None
    verdict = "a sensible" if advice.sensible else "not a good"
    return Section(
        "internal-use",
        "Using it for an internal service",
        (Paragraph(f"Port {view.ports[0]} is {verdict} choice for an internal service."), Bullets(advice.reasons)),
    )


def build_page(view: ExplainView) -> Page:
    """The explainer page of *view*, independent of the output format."""
    if len(view.ports) == 1 and view.records:
        title = f"{_port_word(view)} {_where(view)}: {', '.join(view.names) or 'assigned'}"
    elif len(view.ports) == 1:
        title = f"Port {view.ports[0]}: {view.status}"
    elif view.ports:
        title = f"{view.query}: ports {', '.join(str(port) for port in view.ports)}"
    else:
        title = f"{view.query}: a service name with no port"
    classes = ", ".join(f"{facts.everyday_name} ({facts.port_class.value})" for facts in view.ranges)
    protocols = ", ".join(str(protocol) for protocol in view.protocols)
    lead = "; ".join(part for part in (classes, protocols and f"protocols {protocols}") if part)
    sections = [
        _what_section(view),
        _range_section(view),
        _history_section(view),
        _unofficial_section(view),
        _check_section(view),
        _second_look_section(view),
    ]
    internal = _internal_use_section(view)
    if internal is not None:
        sections.insert(2, internal)
    beyond = [section for section in (_platforms_section(view), _nmap_section(view)) if section is not None]
    sections[2:2] = beyond
    checked = sorted({note.checked_against.release.isoformat() for note in view.notes if note.checked_against})
    footer = f"IANA registry of {view.release}."
    if view.notes:
        footer += f" Curated notes: {', '.join(note.id for note in view.notes)}"
        footer += f" (checked against {', '.join(checked)})." if checked else "."
    return Page(title=title, lead=lead or "no port", sections=tuple(sections), footer=footer)
