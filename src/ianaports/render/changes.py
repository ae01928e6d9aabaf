"""Diffs and histories for people: plain text for a terminal, and markdown for release notes.

Their JSON is :func:`ianaports.render.json.diff_to_json` and
:func:`~ianaports.render.json.history_to_json`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from ianaports.changes import Deassignment, DeassignmentStatus, PortChange, Rename, SpanSplit
from ianaports.model import Person

from .stored_history import FORM_ITEM, FORM_PART, history_span, history_text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ianaports.changes import FieldChange, FieldValue, History, RegistryDiff
    from ianaports.model import Reference, ServiceRecord

__all__ = [
    "diff_to_markdown",
    "diff_to_text",
    "history_to_markdown",
    "history_to_text",
    "record_history_form",
    "record_label",
    "value_text",
]


# --- words shared by text and markdown -------------------------------------


def _label(record: ServiceRecord) -> str:
    """``ssh 22/tcp``, ``Unassigned 288-307``, ``rdp (no port)``."""
    name = record.name or " ".join(record.description.split()) or "-"
    where = "(no port)" if record.ports is None else str(record.ports)
    return f"{name} {where}/{record.protocol}" if record.protocol else f"{name} {where}"


def _person_text(person: Person) -> str:
    details = [part for part in (person.name, person.org, person.email or person.uri) if part]
    if person.updated is not None:
        details.append(f"updated {person.updated}")
    return f"{person.id} ({', '.join(details)})" if details else person.id


def _value_text(value: FieldValue) -> str:
    if value is None or value in ("", ()):
        return "-"
    if isinstance(value, tuple):
        return "; ".join(_person_text(item) if isinstance(item, Person) else _reference_text(item) for item in value)
    return " ".join(str(value).split())


def _reference_text(reference: Reference) -> str:
    return reference.token if reference.url is None else f"{reference.token} {reference.url}"


def _summary(diff: RegistryDiff) -> str:
    counts = f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
    moves = (
        f"{len(diff.port_changes)} port changes, {len(diff.renames)} renamed, "
        f"{len(diff.span_splits)} unassigned spans split, "
        f"{len(diff.deassignments)} de-assigned"
    )
    scope = " in the whole registry" if diff.is_restricted else ""
    return f"{counts} ({diff.unchanged} unchanged{scope}); {moves}"


def _move_text(move: PortChange | Rename | SpanSplit | Deassignment) -> str:
    if isinstance(move, PortChange):
        return f"port changed: {_label(move.old)} -> {move.new.ports}"
    if isinstance(move, Rename):
        also = [field.name for field in move.fields if field.name != "service_name"]
        return f"renamed: {_label(move.old)} -> {move.new.name}" + (f" (also {', '.join(also)})" if also else "")
    if isinstance(move, SpanSplit):
        assigned = ", ".join(_label(record) for record in move.assigned)
        left = ", ".join(str(record.ports) for record in move.remainder) or "none"
        return f"span split: {_label(move.span)} -> assigned {assigned}; still unassigned: {left}"
    return f"de-assigned: {_label(move.record)} ({_deassignment_outcome(move)})"


def _deassignment_outcome(move: Deassignment) -> str:
    if move.status is DeassignmentStatus.RESERVED:
        return "port now reserved"
    if move.status is DeassignmentStatus.UNASSIGNED:
        return "port now unassigned"
    if move.status is DeassignmentStatus.REASSIGNED:
        return f"port now held by {', '.join(_label(record) for record in move.now)}"
    return "removed"


def _moves(diff: RegistryDiff) -> list[PortChange | Rename | SpanSplit | Deassignment]:
    return [*diff.port_changes, *diff.renames, *diff.span_splits, *diff.deassignments]


# --- text ------------------------------------------------------------------


def diff_to_text(diff: RegistryDiff) -> str:
    """A diff a person can scan in a terminal: counts first, then moves, then each change."""
    lines = [f"IANA port registry {diff.old_updated} -> {diff.new_updated}", _summary(diff)]
    if not diff:
        lines.append("no changes")
        return "\n".join(lines)
    moves = _moves(diff)
    sections: list[tuple[str, int, list[str]]] = [
        ("Moves", len(moves), [f"  * {_move_text(move)}" for move in moves]),
        (
            "Added",
            len(diff.added),
            [f"  + {_label(record)}  {_value_text(record.description)}" for record in diff.added],
        ),
        (
            "Removed",
            len(diff.removed),
            [f"  - {_label(record)}  {_value_text(record.description)}" for record in diff.removed],
        ),
        (
            "Changed",
            len(diff.changed),
            [line for change in diff.changed for line in _change_lines(change.new, change.fields)],
        ),
    ]
    for title, count, body in sections:
        if count:
            lines.extend(["", f"{title} ({count}):", *body])
    return "\n".join(lines)


def _change_lines(record: ServiceRecord, fields: Iterable[FieldChange]) -> list[str]:
    return [f"  ~ {_label(record)}", *_field_lines(fields)]


def _field_lines(fields: Iterable[FieldChange]) -> list[str]:
    """One indented text line per changed field, shared by diff and history."""
    return [f"      {field.name}: {_value_text(field.old)} -> {_value_text(field.new)}" for field in fields]


def _field_bullets(fields: Iterable[FieldChange]) -> list[str]:
    """One nested markdown bullet per changed field, shared by diff and history."""
    return [f"  - {field.name}: {_code(_value_text(field.old))} → {_code(_value_text(field.new))}" for field in fields]


def _history_span(history: History) -> str:
    return history_span([version.isoformat() for version in history.versions])


def history_to_text(history: History) -> str:
    """A history for a terminal: one line per event, with the changed fields under it (see :func:`history_text`)."""
    return history_text(
        history.query_text,
        [version.isoformat() for version in history.versions],
        [
            (
                event.version.isoformat(),
                event.change,
                _label(event.record),
                _value_text(event.record.description),
                [(field.name, _value_text(field.old), _value_text(field.new)) for field in event.fields],
            )
            for event in history.events
        ],
    )


def record_history_form(record: ServiceRecord) -> str | None:
    """The record's history form (see :mod:`ianaports.render.stored_history`), or None when a piece holds a separator.

    Written when the record is indexed; a record without a form leaves its histories to the full path.
    """
    from ianaports.changes import compared_fields, people_ids  # noqa: PLC0415 - at index time only

    parts = [_label(record), _value_text(record.description), FORM_ITEM.join(sorted(people_ids(record)))]
    for name, value, compared in compared_fields(record):
        digest = _compared_digest(repr(compared))
        parts.extend((name, digest, _value_text(value), _field_json(name, value)))
    if any(FORM_PART in part for part in parts) or any(FORM_ITEM in part for part in parts[3:]):
        return None
    return FORM_PART.join(parts)


@functools.lru_cache(maxsize=8192)
def _field_json(name: str, value: FieldValue) -> str:
    """A field's value as a changed field's JSON writes it, at the top level (cached: people and empty values repeat).

    ``json.dumps`` with an indent runs in Python, not C; most values recur across records.
    """
    import json  # noqa: PLC0415 - at index time only

    from .json import field_value_to_json  # noqa: PLC0415

    return json.dumps(field_value_to_json(name, value), indent=2, ensure_ascii=False)


def _compared_digest(written: str) -> str:
    """What a form keeps of a compared value's repr: itself when short, else ``#`` and 64 bits of its sha256.

    Short: ``None``, ``''``, ``()`` (most empty fields).  No repr starts with ``#``, so the two never meet.
    """
    import hashlib  # noqa: PLC0415 - at index time only

    if len(written) <= _LITERAL_DIGEST:
        return written
    return "#" + hashlib.sha256(written.encode("utf-8", "surrogatepass")).hexdigest()[:16]


#: A compared value's repr up to this long is kept as it is (most empty fields).
_LITERAL_DIGEST = 16


def record_label(record: ServiceRecord) -> str:
    """How a diff or a history names a record: ``ssh 22/tcp``, ``Unassigned 288-307``, ``rdp (no port)``."""
    return _label(record)


def value_text(value: FieldValue) -> str:
    """A field's value as a diff or a history prints it on one line (``-`` when empty)."""
    return _value_text(value)


# --- markdown --------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "-"


def _code(text: str) -> str:
    quoted = text.replace("`", "'")
    return f"`{quoted}`"


def diff_to_markdown(diff: RegistryDiff) -> str:
    """A diff ready to paste into release notes: a summary, moves, tables of added and removed, changes."""
    lines = [f"## IANA port registry: {diff.old_updated} → {diff.new_updated}", "", f"{_summary(diff)}."]
    if not diff:
        return "\n".join(lines)
    moves = _moves(diff)
    if moves:
        lines.extend(["", "### Moves", ""])
        lines.extend(f"- {_move_text(move)}" for move in moves)
    for title, records in (("Added", diff.added), ("Removed", diff.removed)):
        if records:
            lines.extend(["", f"### {title} ({len(records)})", "", "| Service | Port | Protocol | Description |"])
            lines.append("| --- | --- | --- | --- |")
            lines.extend(
                f"| {_cell(record.name or '')} | {record.ports or '-'} | {record.protocol or '-'} "
                f"| {_cell(record.description)} |"
                for record in records
            )
    if diff.changed:
        lines.extend(["", f"### Changed ({len(diff.changed)})", ""])
        for change in diff.changed:
            lines.append(f"- **{_label(change.new)}**")
            lines.extend(_field_bullets(change.fields))
    return "\n".join(lines)


def history_to_markdown(history: History) -> str:
    """A history as markdown: a heading, then one bullet per event with the changed fields under it."""
    lines = [f"## History of {_code(history.query_text)} ({_history_span(history)})", ""]
    if not history.events:
        lines.append("No records.")
    for event in history.events:
        description = _cell(event.record.description)
        lines.append(f"- **{event.version}** {event.change} {_code(_label(event.record))}: {description}")
        lines.extend(_field_bullets(event.fields))
    return "\n".join(lines)
