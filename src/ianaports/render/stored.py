"""What ``show`` and ``search`` print of a record, rendered once when the record is indexed.

The store keeps, beside each record's columns, its row of a text table
(:func:`record_text_row`) and its object in the JSON record schema
(:func:`record_json_text`), both made by the very functions the full path
prints with (:func:`ianaports.render.text.record_cells`,
:func:`ianaports.render.json.record_to_json`).  The quick read path
(:mod:`ianaports.cli._quick`) prints from them without decoding a record:
:func:`table_rows` turns stored rows back into cells for
:func:`~ianaports.render.text.format_table`, and :func:`records_document`
assembles the document ``records_to_json`` would give, byte for byte, as
``Output.json`` writes it (``json.dump(..., indent=2, ensure_ascii=False)``),
without importing :mod:`json`.  ``tests/test_cli_quick.py`` compares the two
paths on the real releases.

This module imports nothing heavy at its top: the quick path loads it.
"""

from __future__ import annotations

from ._schema import JSON_SCHEMA_VERSION

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ianaports.model import ServiceRecord

__all__ = [
    "JSON_DICTIONARY",
    "compress_json",
    "decompress_json",
    "record_json_line",
    "record_json_text",
    "record_text_row",
    "records_document",
    "table_rows",
]

#: ``json.dump(..., indent=2)`` puts an item of a list inside the document's top object at this depth.
_RECORD_INDENT = "    "


def record_text_row(record: ServiceRecord) -> str:
    """The record's cells of a text table, each on one line, joined by tabs (a cell never holds one)."""
    from .text import one_line, record_cells  # noqa: PLC0415 - at index time only

    return "\t".join(one_line(cell) for cell in record_cells(record))


def table_rows(stored: Sequence[str]) -> list[list[str]]:
    """Stored text rows (:func:`record_text_row`) as the cells :func:`~ianaports.render.text.format_table` takes."""
    return [row.split("\t") for row in stored]


def record_json_text(record: ServiceRecord) -> str:
    """The record's JSON object as ``json.dump(indent=2, ensure_ascii=False)`` writes it at the top level."""
    import json  # noqa: PLC0415 - at index time only

    from .json import record_to_json  # noqa: PLC0415

    return json.dumps(record_to_json(record), indent=2, ensure_ascii=False)


def record_json_line(record: ServiceRecord) -> str:
    """The record's line of ``export --format jsonl``, without its newline, by the full path's own encoder."""
    from .json import record_json_line as line  # noqa: PLC0415 - at index time only

    return line(record)


#: The zlib preset dictionary (``zdict``) both stored JSON forms are compressed with: what most records
#: share, indented (``json``) and on one line (``jsonl``), so that a short record compresses well alone.
#: Changing it changes every stored object: bump the schema version (``PRINTED_FINGERPRINTS`` covers it).
JSON_DICTIONARY = (
    b'"unauthorized_use": null, "service_code": null, "raw_text": null}'
    b'"references": [], "notes": null, "registered": null, "modified": null, '
    b'"assignee": [], "contact": [], "status": "assigned", "description": "Reserved", '
    b'"port_text": null, "protocol": "tcp", "protocol": "udp", "port_start": , "port_end": , '
    b'{"service_name": null, '
    b'{"id": "", "name": "", "org": null, "uri": "mailto:", "uris": ["mailto:"], "email": "", "updated": null}'
    b'\n  "unauthorized_use": null,\n  "service_code": null,\n  "raw_text": null\n}'
    b'\n  "references": [],\n  "notes": null,\n  "registered": null,\n  "modified": null,'
    b'\n  "assignee": [],\n  "contact": [],\n  "status": "assigned",\n  "description": "Reserved",'
    b'\n  "port_text": null,\n  "protocol": "tcp",\n  "protocol": "udp",\n  "port_start": ,\n  "port_end": ,'
    b'{\n  "service_name": null,'
    b'\n    {\n      "id": "",\n      "name": "",\n      "org": null,\n      "uri": "mailto:",'
    b'\n      "uris": [\n        "mailto:"\n      ],\n      "email": "",\n      "updated": null\n    }\n  ],'
)


def compress_json(text: str) -> bytes:
    """A stored JSON form (:func:`record_json_text`, :func:`record_json_line`): UTF-8, zlib with the dictionary."""
    import zlib  # noqa: PLC0415 - at index time only

    packer = zlib.compressobj(9, zdict=JSON_DICTIONARY)
    return packer.compress(text.encode("utf-8")) + packer.flush()


def decompress_json(stored: bytes) -> str:
    """The text of a stored JSON form (:func:`compress_json`).

    Raises zlib.error for a stream cut short or followed by other bytes (damage
    that ``zlib.decompress`` would not all name), UnicodeDecodeError for text
    not in UTF-8, TypeError for a value that is no bytes.
    """
    import zlib  # noqa: PLC0415 - the quick path has it loaded already

    unpacker = zlib.decompressobj(zdict=JSON_DICTIONARY)
    data = unpacker.decompress(stored) + unpacker.flush()
    if not unpacker.eof or unpacker.unused_data:
        raise zlib.error("a stored JSON form is cut short or followed by other bytes")
    return data.decode("utf-8")


def records_document(updated: str, records: Sequence[str]) -> str:
    """The text of ``records_to_json`` for a release of date *updated* (ISO) and these stored record objects.

    Ends with the newline :meth:`ianaports.cli._common.Output.json` adds.
    """
    if records:
        inner = ",\n".join(_RECORD_INDENT + record.replace("\n", "\n" + _RECORD_INDENT) for record in records)
        listed = f"[\n{inner}\n  ]"
    else:
        listed = "[]"
    return f'{{\n  "schema_version": {JSON_SCHEMA_VERSION},\n  "updated": "{updated}",\n  "records": {listed}\n}}\n'
