"""Every JSON document the library and the command line write, as free functions over model values.

The record schema (``docs/schema.md``) is shared by every JSON output of the
CLI and by the version store, so ``record_from_json`` inverts
``record_to_json`` exactly.  Two kinds of function live here: the ``*_to_json``
of a value (a record, a person, a note, a listener) builds an object that sits
inside documents; the ``*_to_json`` of a whole document (a release, a diff, a
history, an explainer page, a baseline, and what each command prints with
``--json``) puts ``schema_version`` first.  docs/schema.md lists the keys of
every one.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import attrs

from ianaports._collector import collector_paused
from ianaports.model import (
    PartialDate,
    Person,
    PortRange,
    Protocol,
    Reference,
    ReferenceKind,
    ServiceRecord,
    tidy_text,
)
from ianaports.ranges import BROWSER_BLOCKED_AS_OF, BROWSER_BLOCKED_SOURCE

from ._schema import JSON_SCHEMA_VERSION  # in a module that imports nothing, for render.stored
from .jsontext import dumps_indented

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from pathlib import Path

    from ianaports._sync import SyncResult
    from ianaports.changes import FieldChange, FieldValue, History, RegistryDiff
    from ianaports.datapkg import BuiltWheel
    from ianaports.explainer import ExplainView
    from ianaports.freeports import FreeRules, Skipped
    from ianaports.listen import AuditedListener, BaselineDiff, Listener
    from ianaports.names import NameCheck
    from ianaports.nmap import NmapEntry
    from ianaports.notes import Note, NoteCheck, NoteSet
    from ianaports.oslimits import OsPorts, PortOnMachine
    from ianaports.ranges import BlockedPort, RangeFacts
    from ianaports.registry import PortCounts, PortStatistics, RecordSource, Registry
    from ianaports.site import SiteResult
    from ianaports.store import ReleaseInfo, Removal

__all__ = [
    "BASELINE_SCHEMA_VERSION",
    "JSON_SCHEMA_VERSION",
    "audit_to_json",
    "audited_to_json",
    "backup_to_json",
    "baseline_diff_to_json",
    "baseline_to_json",
    "blocked_port_to_json",
    "build_data_to_json",
    "check_name_to_json",
    "completion_to_json",
    "diff_to_json",
    "explain_to_json",
    "export_summary_to_json",
    "feed_summary_to_json",
    "field_change_to_json",
    "field_value_to_json",
    "free_ports_to_json",
    "history_to_json",
    "json_lines_text",
    "listener_to_json",
    "nmap_entry_to_json",
    "no_explanation_to_json",
    "note_check_to_json",
    "note_checks_to_json",
    "note_set_to_json",
    "note_to_json",
    "os_ports_to_json",
    "person_from_json",
    "person_to_json",
    "port_counts_to_json",
    "port_on_machine_to_json",
    "range_facts_to_json",
    "rebuild_to_json",
    "record_from_json",
    "record_json_line",
    "record_to_json",
    "records_to_json",
    "reference_to_json",
    "registry_json_text",
    "registry_to_json",
    "removal_to_json",
    "site_to_json",
    "skipped_to_json",
    "statistics_to_json",
    "sync_to_json",
    "versions_to_json",
    "xml_export_summary_to_json",
]


JsonDict = dict[str, Any]
#: Bumped when a key of the listening baseline changes meaning or disappears.
BASELINE_SCHEMA_VERSION = 1


def person_to_json(person: Person) -> JsonDict:
    """A person or organisation as a JSON object."""
    return {
        "id": person.id,
        "name": person.name,
        "org": person.org,
        "uri": person.uri,
        "uris": list(person.uris),
        "email": person.email,
        "updated": _date_to_json(person.updated),
    }


def person_from_json(data: Mapping[str, Any]) -> Person:
    """Invert :func:`person_to_json`."""
    uri = data.get("uri")
    uris = data.get("uris") or ([] if uri is None else [uri])
    return Person(
        id=data["id"],
        name=data.get("name"),
        org=data.get("org"),
        uri=uri,
        other_uris=tuple(uris[1:]) if uri is not None else tuple(uris),
        updated=_date_from_json(data.get("updated")),
    )


def reference_to_json(reference: Reference) -> JsonDict:
    """A reference as a JSON object."""
    return {"type": reference.kind.value, "data": reference.data, "text": reference.text}


def _reference_from_json(data: Mapping[str, Any]) -> Reference:
    return Reference(kind=ReferenceKind(data["type"]), data=data.get("data"), text=data.get("text"))


def _date_to_json(value: PartialDate | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_from_json(value: str | None) -> PartialDate | None:
    return None if value is None else PartialDate.from_text(value)


def _raw_text_to_json(
    record: ServiceRecord, description: str, notes: str | None, unauthorized_use: str | None
) -> JsonDict | None:
    """IANA's text fields as written, when any differs from its normalised form (given); else None."""
    if record.description == description and record.notes == notes and record.unauthorized_use == unauthorized_use:
        return None
    return {"description": record.description, "notes": record.notes, "unauthorized_use": record.unauthorized_use}


def record_to_json(record: ServiceRecord) -> JsonDict:
    """One record in the project's JSON record schema: text normalised, as IANA's current CSV shows it.

    ``raw_text`` holds the three text fields as IANA wrote them (``<br/>`` and
    line wraps alike) when one of them differs from its normalised form, so that
    :func:`record_from_json` still inverts this exactly.
    """
    return _record_json(record, person_to_json)


def _record_json(record: ServiceRecord, person_json: Callable[[Person], JsonDict]) -> JsonDict:
    """:func:`record_to_json`, each person's object made by *person_json*."""
    description, notes, unauthorized_use = record.description_text, record.notes_text, record.unauthorized_use_text
    ports = record.ports
    protocol = record.protocol
    return {
        "service_name": record.name,
        "protocol": None if protocol is None else protocol.value,
        "port_start": None if ports is None else ports.start,
        "port_end": None if ports is None else ports.end,
        "port_text": None if ports is None else ports.as_written,
        "status": record.status.value,
        "description": description,
        "assignee": [person_json(person) for person in record.assignees],
        "contact": [person_json(person) for person in record.contacts],
        "registered": _date_to_json(record.registered),
        "modified": _date_to_json(record.modified),
        "references": [reference_to_json(reference) for reference in record.references],
        "notes": notes,
        "unauthorized_use": unauthorized_use,
        "service_code": record.service_code,
        "raw_text": _raw_text_to_json(record, description, notes, unauthorized_use),
    }


def _records_sharing_people(records: Iterable[ServiceRecord]) -> Iterator[JsonDict]:
    """Each record's :func:`record_to_json`, a person who recurs given one shared object.

    Only for text written at once (the objects are never handed to a caller,
    who could change one record's person for all): a release names about
    5,000 people 22,000 times, so each is built once and, by
    :func:`~ianaports.render.jsontext.dumps_indented`, written once per depth.
    People are told apart by identity, which is safe while the records that
    hold them live; the store and the parser share equal people anyway.
    """
    made: dict[int, JsonDict] = {}

    def person_json(person: Person) -> JsonDict:
        found = made.get(id(person))
        if found is None:
            found = made[id(person)] = person_to_json(person)
        return found

    return (_record_json(record, person_json) for record in records)


def registry_json_text(registry: Registry) -> str:
    r"""``json.dumps(registry_to_json(registry), indent=2, ensure_ascii=False) + "\n"``, built several times faster.

    What ``export --format json`` writes; ``tests/test_render_jsontext.py``
    checks it against that expression on every real release.
    """
    with collector_paused():  # some 300,000 acyclic objects and strings: see ianaports._collector
        document = registry_to_json(registry, ())
        document["records"] = list(_records_sharing_people(registry.records))
        return dumps_indented(document) + "\n"


def json_lines_text(records: Iterable[ServiceRecord]) -> str:
    r"""Each record's :func:`record_to_json` on a line of its own, as ``export --format jsonl`` writes them.

    The same text as ``json.dumps(record_to_json(record), ensure_ascii=False) + "\n"``
    per record, each person's object built once.
    """
    encode = _LINE_ENCODER.encode
    with collector_paused():  # a release's worth of acyclic objects: see ianaports._collector
        return "".join([encode(item) + "\n" for item in _records_sharing_people(records)])


def record_json_line(record: ServiceRecord) -> str:
    """One record's line of :func:`json_lines_text`, without its newline (what the index stores of it)."""
    return _LINE_ENCODER.encode(record_to_json(record))


#: json.dumps(value, ensure_ascii=False), without its per-call look at the options.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _ports_from_json(start: int | None, end: int | None, text: str | None) -> PortRange | None:
    if start is None:
        return None
    ports = PortRange(start, start if end is None else end)
    return ports if text in (None, str(ports)) else attrs.evolve(ports, written=text)


def record_from_json(data: Mapping[str, Any], *, people: dict[tuple[Any, ...], Person] | None = None) -> ServiceRecord:
    """Invert :func:`record_to_json`: ``record_from_json(record_to_json(r)) == r``.

    Pass the same *people* dict to many calls to share equal :class:`Person`
    values between records (the store does, to load a release quickly).
    """
    start, end = data.get("port_start"), data.get("port_end")
    protocol = data.get("protocol")

    def person(item: Mapping[str, Any]) -> Person:
        return person_from_json(item) if people is None else _shared_person(item, people)

    text = data.get("raw_text") or data
    return ServiceRecord(
        name=data.get("service_name"),
        protocol=None if protocol is None else Protocol(protocol),
        ports=_ports_from_json(start, end, data.get("port_text")),
        description=text.get("description") or "",
        assignees=tuple(person(item) for item in data.get("assignee", ())),
        contacts=tuple(person(item) for item in data.get("contact", ())),
        references=tuple(_reference_from_json(reference) for reference in data.get("references", ())),
        registered=_date_from_json(data.get("registered")),
        modified=_date_from_json(data.get("modified")),
        notes=text.get("notes"),
        unauthorized_use=text.get("unauthorized_use"),
        service_code=data.get("service_code"),
    )


def _shared_person(data: Mapping[str, Any], people: dict[tuple[Any, ...], Person]) -> Person:
    key = (
        data["id"],
        data.get("name"),
        data.get("org"),
        data.get("uri"),
        tuple(data.get("uris", ())),
        data.get("updated"),
    )
    person = people.get(key)
    if person is None:
        person = people[key] = person_from_json(data)
    return person


def _records(records: Iterable[ServiceRecord]) -> list[JsonDict]:
    return [record_to_json(record) for record in records]


def registry_to_json(registry: Registry, records: Iterable[ServiceRecord] | None = None) -> JsonDict:
    """A release as JSON: its date, title and records (all, or the ones given)."""
    chosen = registry.records if records is None else records
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "updated": registry.updated.isoformat(),
        "title": registry.title,
        "records": _records(chosen),
    }


# --- lookups, counts and the store ---


def records_to_json(source: RecordSource, records: Iterable[ServiceRecord]) -> JsonDict:
    """The records found (``show``, ``search``) and the release they come from."""
    return {"schema_version": JSON_SCHEMA_VERSION, "updated": source.updated.isoformat(), "records": _records(records)}


def os_ports_to_json(machine: OsPorts) -> JsonDict:
    """A system's ephemeral and reserved ports, and whether they were read from the machine."""
    return {
        "system": machine.system,
        "source": machine.source,
        "measured": machine.measured,
        "ephemeral": [str(span) for span in machine.ephemeral],
        "reserved": [str(span) for span in machine.reserved],
    }


def skipped_to_json(skipped: Skipped) -> JsonDict:
    """A run of ports ``free`` skipped, with each reason's kind and text."""
    return {
        "start": skipped.ports.start,
        "end": skipped.ports.end,
        "reasons": [{"kind": reason.kind.value, "text": reason.text} for reason in skipped.reasons],
    }


def free_ports_to_json(
    source: RecordSource,
    span: tuple[int, int],
    protocol: str | None,
    ports: Sequence[int],
    *,
    skipped: Sequence[Skipped] | None = None,
    machine: OsPorts | None = None,
    rules: FreeRules | None = None,
) -> JsonDict:
    """The free ports listed (``free``), the span and protocol asked, what was avoided, and what was skipped."""
    avoids = ["iana", "os-reserved"]
    if rules is None or rules.browser_blocked:
        avoids.append("browser-blocked")
    if rules is None or rules.ephemeral:
        avoids.append("ephemeral")
    if rules is None or rules.kubernetes_nodeport:
        avoids.append("kubernetes-nodeport")
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "updated": source.updated.isoformat(),
        "range": list(span),
        "protocol": protocol,
        "ports": list(ports),
        "avoids": avoids,
        "machine": None if machine is None else os_ports_to_json(machine),
        "skipped": None if skipped is None else [skipped_to_json(item) for item in skipped],
    }


def port_counts_to_json(counts: PortCounts) -> JsonDict:
    """One row of the statistics: a range, a protocol and its three counts."""
    return {
        "range": counts.port_class.value,
        "protocol": counts.protocol.value,
        "assigned": counts.assigned,
        "reserved": counts.reserved,
        "private_use": counts.private_use,
        "withdrawn": counts.withdrawn,
        "unassigned": counts.unassigned,
    }


def statistics_to_json(stats: PortStatistics) -> JsonDict:
    """:func:`ianaports.registry.port_statistics` as a document (``stats``)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "updated": stats.updated.isoformat(),
        "records": stats.records,
        "service_names": stats.service_names,
        "names_without_port": stats.names_without_port,
        "ports": [port_counts_to_json(row) for row in stats.ports],
    }


def export_summary_to_json(registry: Registry, *, fmt: str, output: Path, size: int) -> JsonDict:
    """What ``export -o FILE`` wrote: the format, the file (*output*, absolute) and its *size* in bytes."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "format": fmt,
        "output": str(output),
        "updated": registry.updated.isoformat(),
        "records": len(registry.records),
        "bytes": size,
    }


def versions_to_json(cache_dir: Path, releases: Iterable[ReleaseInfo], problems: Sequence[str] | None) -> JsonDict:
    """The stored releases (``versions``); with ``--check``, the *problems* found too (``None`` leaves them out)."""
    data: JsonDict = {
        "schema_version": JSON_SCHEMA_VERSION,
        "data_dir": str(cache_dir),
        "cache_dir": str(cache_dir),  # the deprecated name, kept: keys are never removed
        "releases": [release.to_json() for release in releases],
    }
    if problems is not None:
        data["problems"] = list(problems)
    return data


def xml_export_summary_to_json(release: ReleaseInfo | None, *, output: Path, size: int) -> JsonDict:
    """What ``export --format xml -o FILE`` wrote: a stored *release*'s original bytes (None: a --file's)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "format": "xml",
        "output": str(output),
        "updated": None if release is None else release.updated.isoformat(),
        "records": None if release is None else release.record_count,
        "bytes": size,
    }


def rebuild_to_json(data_dir: Path, releases: int) -> JsonDict:
    """What ``rebuild`` did: the store's folder and the number of releases indexed from its archive."""
    return {"schema_version": JSON_SCHEMA_VERSION, "data_dir": str(data_dir), "releases": releases}


def removal_to_json(data_dir: Path, removal: Removal, *, releases: int) -> JsonDict:
    """What ``remove-release`` did: the line it logged (removed or restored) and the releases the store now holds."""
    return {"schema_version": JSON_SCHEMA_VERSION, "data_dir": str(data_dir), **removal.to_json(), "releases": releases}


def backup_to_json(data_dir: Path, *, output: Path, releases: int, size: int) -> JsonDict:
    """What ``backup FILE`` wrote: the store's folder, the tar file (absolute), its releases and size."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "data_dir": str(data_dir),
        "output": str(output),
        "releases": releases,
        "bytes": size,
    }


def build_data_to_json(built: BuiltWheel) -> JsonDict:
    """What ``build-data`` did: the wheel's path and version, the release's date, whether it was written."""
    return {"schema_version": JSON_SCHEMA_VERSION, **built.to_json()}


def sync_to_json(result: SyncResult) -> JsonDict:
    """What a sync did (``sync``): the object of :meth:`~ianaports.SyncResult.to_json`, as a document."""
    return {"schema_version": JSON_SCHEMA_VERSION, **result.to_json()}


# --- diffs and histories ---


def _value_to_json(value: FieldValue) -> Any:  # noqa: ANN401 - any JSON value
    if isinstance(value, PartialDate):
        return value.isoformat()
    if isinstance(value, tuple):
        return [person_to_json(item) if isinstance(item, Person) else reference_to_json(item) for item in value]
    return value


_TEXT_FIELDS = frozenset({"description", "notes", "unauthorized_use"})


def field_change_to_json(change: FieldChange) -> JsonDict:
    """A changed field as ``{"name", "old", "new"}``, values as the record schema writes them (text normalised)."""
    return {
        "name": change.name,
        "old": field_value_to_json(change.name, change.old),
        "new": field_value_to_json(change.name, change.new),
    }


def field_value_to_json(name: str, value: FieldValue) -> Any:  # noqa: ANN401 - any JSON value
    """The value of field *name* as a changed field's ``old`` or ``new`` writes it (text normalised)."""
    found = _value_to_json(value)
    return tidy_text(found) if name in _TEXT_FIELDS and isinstance(found, str) else found


def diff_to_json(diff: RegistryDiff) -> JsonDict:
    """A diff as JSON: both release dates, counts, the changes and the moves."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "old": {"updated": diff.old_updated.isoformat()},
        "new": {"updated": diff.new_updated.isoformat()},
        "counts": _counts(diff),
        "added": _records(diff.added),
        "removed": _records(diff.removed),
        "changed": [
            {
                "old": record_to_json(change.old),
                "new": record_to_json(change.new),
                "fields": [field_change_to_json(field) for field in change.fields],
            }
            for change in diff.changed
        ],
        "moves": {
            "port_changes": [
                {"old": record_to_json(move.old), "new": record_to_json(move.new)} for move in diff.port_changes
            ],
            "renamed": [
                {
                    "old": record_to_json(move.old),
                    "new": record_to_json(move.new),
                    "fields": [field_change_to_json(field) for field in move.fields],
                }
                for move in diff.renames
            ],
            "span_splits": [
                {
                    "span": record_to_json(move.span),
                    "assigned": _records(move.assigned),
                    "remainder": _records(move.remainder),
                }
                for move in diff.span_splits
            ],
            "deassignments": [
                {"record": record_to_json(move.record), "status": move.status.value, "now": _records(move.now)}
                for move in diff.deassignments
            ],
        },
    }


def _counts(diff: RegistryDiff) -> dict[str, int]:
    return {
        "added": len(diff.added),
        "removed": len(diff.removed),
        "changed": len(diff.changed),
        "unchanged": diff.unchanged,
        "port_changes": len(diff.port_changes),
        "renamed": len(diff.renames),
        "span_splits": len(diff.span_splits),
        "deassignments": len(diff.deassignments),
    }


def history_to_json(history: History) -> JsonDict:
    """A history as JSON: the query, the releases looked at, and the events oldest first."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "query": {
            "port": history.port,
            "name": history.name,
            "protocol": None if history.protocol is None else history.protocol.value,
        },
        "releases": len(history.versions),
        "first": history.versions[0].isoformat() if history.versions else None,
        "last": history.versions[-1].isoformat() if history.versions else None,
        "events": [
            {
                "version": event.version.isoformat(),
                "change": event.change,
                "record": record_to_json(event.record),
                "fields": [field_change_to_json(field) for field in event.fields],
            }
            for event in history.events
        ],
    }


# --- notes and explainer pages ---


def note_to_json(note: Note) -> JsonDict:
    """One curated note as JSON (the TOML schema, plus the files it came from)."""
    checked = note.checked_against
    return {
        "id": note.id,
        "match": {
            "names": list(note.match.names),
            "ports": [str(span) for span in note.match.ports],
            "protocols": [protocol.value for protocol in note.match.protocols],
        },
        "summary": note.summary,
        "vendor": note.vendor,
        "product": note.product,
        "status": note.status.value,
        "timeline": [{"date": event.date, "event": event.event} for event in note.timeline],
        "unofficial_uses": [
            {"description": use.description, "confidence": use.confidence.value, "source": use.source}
            for use in note.unofficial_uses
        ],
        "security": list(note.security),
        "processes": list(note.processes),
        "references": [{"title": reference.title, "url": reference.url} for reference in note.references],
        "checked_against": None
        if checked is None
        else {"release": checked.release.isoformat(), "fingerprint": checked.fingerprint},
        "sources": list(note.sources),
    }


def range_facts_to_json(facts: RangeFacts) -> JsonDict:
    """The range facts of one port as JSON."""
    return {
        "port": facts.port,
        "class": facts.port_class.value,
        "everyday_name": facts.everyday_name,
        "class_span": str(facts.span),
        "binding": [
            {"system": rule.system, "needs_privilege": rule.needs_privilege, "detail": rule.detail}
            for rule in facts.binding
        ],
        "ephemeral": [
            {"system": item.system, "span": str(item.span), "contains": item.contains} for item in facts.ephemeral
        ],
        "browser_blocked": None if facts.browser_blocked is None else blocked_port_to_json(facts.browser_blocked),
        "kubernetes_nodeport": facts.kubernetes_nodeport,
    }


def check_name_to_json(source: RecordSource, found: NameCheck) -> JsonDict:
    """``check-name``: the rules a name breaks, where it is registered, similar names and ports to ask for."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "updated": source.updated.isoformat(),
        "name": found.name,
        "protocol": None if found.protocol is None else found.protocol.value,
        "valid": found.valid,
        "broken_rules": [{"id": rule.id, "text": rule.text} for rule in found.broken],
        "taken": found.taken,
        "taken_protocols": [protocol.value for protocol in found.taken_protocols],
        "records": _records(found.records),
        "similar": list(found.similar),
        "suggested_ports": list(found.suggested_ports),
        "application": [
            {"field": item.field, "required": item.required, "value": item.value} for item in found.application
        ],
    }


def blocked_port_to_json(blocked: BlockedPort) -> JsonDict:
    """One entry of the Fetch standard's bad ports, with the date it was added where known."""
    return {
        "port": blocked.port,
        "service": blocked.service,
        "added": None if blocked.added is None else blocked.added.isoformat(),
        "change": blocked.change,
        "source": BROWSER_BLOCKED_SOURCE,
        "list_as_of": BROWSER_BLOCKED_AS_OF.isoformat(),
    }


def port_on_machine_to_json(found: PortOnMachine) -> JsonDict:
    """How this machine treats one port: the ephemeral or reserved range holding it, if any."""
    return {
        "port": found.port,
        "machine": os_ports_to_json(found.machine),
        "ephemeral": None if found.ephemeral is None else str(found.ephemeral),
        "reserved": None if found.reserved is None else str(found.reserved),
    }


def nmap_entry_to_json(entry: NmapEntry) -> JsonDict:
    """One line of the user's nmap-services file: name, port, protocol and open frequency."""
    return {
        "name": entry.name,
        "port": entry.port,
        "protocol": entry.protocol,
        "frequency": entry.frequency,
        "rank": entry.rank,
    }


def _remark_to_json(record: ServiceRecord, text: str) -> JsonDict:
    """One of IANA's remarks with the entry it is on: ``{service_name, port_text, protocol, status, text}``."""
    return {
        "service_name": record.name,
        "port_text": None if record.ports is None else record.ports.as_written,
        "protocol": None if record.protocol is None else record.protocol.value,
        "status": record.status.value,
        "text": text,
    }


def explain_to_json(view: ExplainView) -> JsonDict:
    """The view as JSON: records in the record schema, range facts, notes, and the page's sections."""
    from .page import build_page, check_commands  # noqa: PLC0415 - the page model only when a page is printed

    page = build_page(view)
    advice = view.internal_use
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "query": view.query,
        "updated": view.release.isoformat(),
        "ports": list(view.ports),
        "assigned": view.is_assigned,
        "status": view.status.value,
        "iana_remarks": [_remark_to_json(record, text) for record, text in view.iana_remarks],
        "reported_uses": [_remark_to_json(record, text) for record, text in view.reported_uses],
        "records": _records(view.records),
        "spans": _records(view.spans),
        "people": [person_to_json(person) for person in view.people],
        "ranges": [range_facts_to_json(facts) for facts in view.ranges],
        "notes": [note_to_json(note) for note in view.notes],
        "internal_use": None if advice is None else {"sensible": advice.sensible, "reasons": list(advice.reasons)},
        "machine": [port_on_machine_to_json(found) for found in view.machine],
        "nmap_source": view.nmap_source,
        "nmap": [nmap_entry_to_json(entry) for entry in view.nmap],
        "check_commands": {
            str(port): [line for commands in check_commands(port) for line in commands.lines] for port in view.ports
        },
        "title": page.title,
        "sections": [section.title for section in page.sections],
    }


def no_explanation_to_json(query: str, source: RecordSource) -> JsonDict:
    """The answer of ``explain`` when the release holds nothing for *query*: no records."""
    return {"schema_version": JSON_SCHEMA_VERSION, "query": query, "updated": source.updated.isoformat(), "records": []}


def note_set_to_json(notes: NoteSet) -> JsonDict:
    """The notes in effect and the files they come from (``notes list``)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "files": list(notes.files),
        "notes": [note_to_json(note) for note in notes],
    }


def note_check_to_json(check: NoteCheck) -> JsonDict:
    """One note checked against a release."""
    checked = check.note.checked_against
    return {
        "id": check.note.id,
        "status": check.status.value,
        "needs_attention": check.needs_attention,
        "explanation": check.explanation,
        "records": len(check.records),
        "fingerprint": check.fingerprint,
        "checked_against": None if checked is None else checked.release.isoformat(),
        "source": check.note.sources[-1],
    }


def note_checks_to_json(source: RecordSource, checks: Iterable[NoteCheck]) -> JsonDict:
    """Every note checked against the release *source* (``notes check``)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "updated": source.updated.isoformat(),
        "checks": [note_check_to_json(check) for check in checks],
    }


# --- the listening audit and its baselines ---


def listener_to_json(listener: Listener) -> JsonDict:
    """A listener as a JSON object (the baseline's entry)."""
    return {
        "protocol": listener.protocol.value,
        "address": listener.address,
        "port": listener.port,
        "pid": listener.pid,
        "process": listener.process,
    }


def audited_to_json(item: AuditedListener) -> JsonDict:
    """An audited listener as a JSON object."""
    return {
        **listener_to_json(item.listener),
        "range": item.port_class.value,
        "in_ephemeral_range": item.in_ephemeral_range,
        "services": list(item.service_names),
        "records": _records(item.records),
        "note": item.note,
        "flags": [{"code": flag.code.value, "reason": flag.reason} for flag in item.flags],
    }


def baseline_to_json(listeners: Sequence[Listener], *, host: str, saved: dt.datetime) -> JsonDict:
    """A listening baseline: stable and diffable (sorted; pids left out, they change)."""
    return {
        "schema_version": BASELINE_SCHEMA_VERSION,
        "host": host,
        "saved": saved.isoformat(timespec="seconds"),
        "listeners": [
            {key: value for key, value in listener_to_json(listener).items() if key != "pid"}
            for listener in sorted(listeners)
        ],
    }


def audit_to_json(source: RecordSource, audited: Iterable[AuditedListener]) -> JsonDict:
    """Every socket audited against the release *source* (``listening``)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "updated": source.updated.isoformat(),
        "listeners": [audited_to_json(item) for item in audited],
    }


def baseline_diff_to_json(change: BaselineDiff) -> JsonDict:
    """The new, gone and re-owned listeners since a baseline (``listening --baseline``)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "new": [listener_to_json(item) for item in change.new],
        "gone": [listener_to_json(item) for item in change.gone],
        "changed_owner": [
            {"before": listener_to_json(old), "now": listener_to_json(new)} for old, new in change.changed_owner
        ],
    }


# --- shell completion ---


def completion_to_json(shell: str, script: str) -> JsonDict:
    """A completion script and the shell it is for (``completion``)."""
    return {"schema_version": JSON_SCHEMA_VERSION, "shell": shell, "script": script}


# --- the site and the feed ---


def site_to_json(result: SiteResult) -> JsonDict:
    """What ``ianaports site`` wrote: the folder, the release, and files written, unchanged and removed."""
    return {"schema_version": JSON_SCHEMA_VERSION, **result.to_json()}


def site_latest_to_json(
    updated: dt.date, *, title: str, records: int, releases: int, previous: dt.date | None
) -> JsonDict:
    """The site's ``api/latest.json``: the newest release it shows, and where that release's diff is."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "updated": updated.isoformat(),
        "title": title,
        "records": records,
        "releases": releases,
        "previous": None if previous is None else previous.isoformat(),
        "diff": None if previous is None else f"releases/{updated.isoformat()}.json",
    }


def feed_summary_to_json(fmt: str, output: Path | str, *, entries: int, size: int) -> JsonDict:
    """What ``ianaports feed -o FILE --json`` wrote: the format, the file, its entries and bytes."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "format": fmt,
        "output": str(output),
        "entries": entries,
        "size": size,
    }
