"""What ``history`` prints, from plain pieces: shared by the full path and the index's per-record history forms.

A history is assembled from two kinds of pieces:

* per record, what a history prints of it and compares of it, the same in
  every history it takes part in: its label (``ssh 22/tcp``), its description
  on one line, its people (for renames), and per compared field its name, a
  digest of what :func:`ianaports.changes.diff_records` compares, its value on
  one line and its value in JSON.  :func:`ianaports.render.changes.record_history_form`
  makes them (with the full path's own functions) when a record is indexed;
  the quick path reads them back with :func:`read_history_form`;
* per history, its query, its releases and its events, which
  :func:`ianaports._history_rule.step` decides on either path.

:func:`history_text` lays out the text of a history from these pieces; the
full path's :func:`ianaports.render.changes.history_to_text` calls it too, so
the two cannot drift.  :func:`history_document` writes the JSON document
``history_to_json`` gives, as ``Output.json`` writes it, without importing
:mod:`json` (``tests/test_cli_quick_history.py`` compares the two on the real
releases).

This module imports nothing at its top: the quick path loads it.
"""

from __future__ import annotations

from ._schema import JSON_SCHEMA_VERSION
from .text import count_of

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "FORM_DICTIONARY",
    "FORM_ITEM",
    "FORM_PART",
    "FieldForm",
    "HistoryForm",
    "compress_form",
    "decompress_form",
    "history_document",
    "history_span",
    "history_text",
    "read_history_form",
]

#: A changed field as a history prints it: name, old and new value on one line, old and new value in JSON.
PrintedField = tuple[str, str, str, str, str]
#: An event as a history prints it: release date (ISO), change, label, description, changed fields.
PrintedEvent = tuple[str, str, str, str, "Sequence[PrintedField]"]
#: An event as :func:`history_text` reads it: as :data:`PrintedEvent`, its fields' first three items at least.
TextEvent = tuple[str, str, str, str, "Sequence[Sequence[str]]"]
#: A compared field of a record: name, digest of what is compared, value on one line, value in JSON.
FieldForm = tuple[str, str, str, str]

#: Separators of a stored form (between pieces, and between a record's people): neither occurs in a
#: form's pieces (str.split() takes both for blanks, and JSON escapes them), which
#: :func:`ianaports.render.changes.record_history_form` checks.
FORM_PART, FORM_ITEM = "\x1e", "\x1f"

#: The zlib preset dictionary the forms are compressed with (``zdict``): what most forms share (the
#: field names, empty values, a person's JSON keys), so that a form of 1 KB stores in about 270 bytes.
#: Changing it changes every stored form: bump the schema version (``HISTORY_FORM_FINGERPRINTS`` covers it).
FORM_DICTIONARY = (
    FORM_PART.join(
        (
            "service_name",
            "description",
            "assignee",
            "contact",
            "references",
            "registered",
            "modified",
            "notes",
            "unauthorized_use",
            "service_code",
            "-",
            "null",
            "[]",
            "None",
            "''",
            "()",
        )
    )
    + FORM_PART
    + '[\n  {\n    "id": "",\n    "name": "",\n    "org": null,\n    "uri": "mailto:",\n    "uris": [\n'
    + '      "mailto:"\n    ],\n    "email": "",\n    "updated": null\n  }\n]'
).encode("utf-8")


def compress_form(form: str) -> bytes:
    """A history form as the index stores it: UTF-8, compressed with :data:`FORM_DICTIONARY`."""
    import zlib  # noqa: PLC0415 - at index time only

    packer = zlib.compressobj(9, zdict=FORM_DICTIONARY)
    return packer.compress(form.encode("utf-8", "surrogatepass")) + packer.flush()


def decompress_form(stored: bytes) -> str:
    """The text of a stored form (:func:`compress_form`); zlib.error (cut or overlong too) or UnicodeDecodeError."""
    import zlib  # noqa: PLC0415 - the quick path has it loaded already

    unpacker = zlib.decompressobj(zdict=FORM_DICTIONARY)
    text = unpacker.decompress(stored) + unpacker.flush()
    # decompressobj, unlike zlib.decompress, hands back a cut stream's start and drops what follows its end.
    if not unpacker.eof or unpacker.unused_data:
        raise zlib.error("a stored form is cut short or has bytes after its end")
    return text.decode("utf-8")


class HistoryForm:
    """A record's pieces of a history (see the module docstring), read back from the index."""

    def __init__(self, label: str, description: str, people: frozenset[str], fields: Sequence[FieldForm]) -> None:
        self.label = label
        self.description = description
        self.people = people
        self.fields = fields


def read_history_form(text: str) -> HistoryForm:
    """The pieces :func:`~ianaports.render.changes.record_history_form` wrote; ValueError when *text* is not one."""
    parts = text.split(FORM_PART)
    label, description, people, rest = parts[0], parts[1], parts[2], parts[3:]
    if len(rest) % 4:
        raise ValueError("not a history form")
    fields = [(rest[at], rest[at + 1], rest[at + 2], rest[at + 3]) for at in range(0, len(rest), 4)]
    return HistoryForm(label, description, frozenset(people.split(FORM_ITEM)) if people else frozenset(), fields)


def history_span(versions: Sequence[str]) -> str:
    """``13 releases, 2017-03-10 to 2025-12-15``: the releases a history looked at (ISO dates, oldest first)."""
    if versions:
        if len(versions) == 1:
            return f"1 release, {versions[0]}"
        return f"{count_of(len(versions), 'release')}, {versions[0]} to {versions[-1]}"
    return "no releases"


def history_text(query_text: str, versions: Sequence[str], events: Sequence[TextEvent]) -> str:
    """A history for a terminal: one line per event, with the changed fields under it.

    *events* hold (date, change, label, description, fields); only the first
    three items of each field (name, old and new value on one line) are printed.
    """
    lines = [f"History of {query_text} ({history_span(versions)})"]
    if not events:
        lines.append("no records")
    width = max((len(event[2]) for event in events), default=0)  # aligned, so 22/tcp and 22/sctp lines line up
    for version, change, label, description, fields in events:
        lines.append(f"{version}  {change:<8} {label:<{width}}  {description}")
        lines.extend(f"      {field[0]}: {field[1]} -> {field[2]}" for field in fields)
    return "\n".join(lines)


def history_document(
    query: tuple[int | None, str | None, str | None],
    versions: Sequence[str],
    events: Sequence[PrintedEvent],
    records: Sequence[str],
) -> str | None:
    """The text ``Output.json(history_to_json(...))`` writes, from the query (port, name, protocol) and pieces.

    *records* are the events' record objects as the index stores them
    (``records.json``, written at the top level); each field's JSON values are
    the last two items of its :data:`PrintedField`.  None when the name needs
    escaping in JSON (the full path writes that).
    """
    port, name, protocol = query
    name_json = _plain_json_string(name)
    protocol_json = _plain_json_string(protocol)
    if name_json is None or protocol_json is None:
        return None
    items = [
        _event_object(version, change, record, fields)
        for (version, change, _, _, fields), record in zip(events, records, strict=True)
    ]
    listed = "[\n" + ",\n".join(items) + "\n  ]" if items else "[]"
    return (
        f'{{\n  "schema_version": {JSON_SCHEMA_VERSION},\n  "query": {{\n'
        f'    "port": {"null" if port is None else port},\n    "name": {name_json},\n'
        f'    "protocol": {protocol_json}\n  }},\n  "releases": {len(versions)},\n'
        f'  "first": {_plain_json_string(versions[0]) if versions else "null"},\n'
        f'  "last": {_plain_json_string(versions[-1]) if versions else "null"},\n'
        f'  "events": {listed}\n}}\n'
    )


def _event_object(version: str, change: str, record: str, fields: Sequence[PrintedField]) -> str:
    """One event of the ``events`` list, at the depth ``json.dump(indent=2)`` puts it."""
    if fields:
        changed = ",\n".join(
            f'        {{\n          "name": "{name}",\n          "old": {_indented(old, 10)},\n'
            f'          "new": {_indented(new, 10)}\n        }}'
            for name, _, _, old, new in fields
        )
        fields_text = f"[\n{changed}\n      ]"
    else:
        fields_text = "[]"
    return (
        f'    {{\n      "version": "{version}",\n      "change": "{change}",\n'
        f'      "record": {_indented(record, 6)},\n      "fields": {fields_text}\n    }}'
    )


def _indented(text: str, depth: int) -> str:
    """JSON text written at the top level, re-indented to sit *depth* spaces deep."""
    return text.replace("\n", "\n" + " " * depth)


def _plain_json_string(text: str | None) -> str | None:
    """*text* as a JSON string when it needs no escaping (no quote, backslash, control character or surrogate)."""
    if text is None:
        return "null"
    if any(character in '"\\' or character < " " or "\ud800" <= character <= "\udfff" for character in text):
        return None
    return f'"{text}"'
