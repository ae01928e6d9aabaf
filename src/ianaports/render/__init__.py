"""Output formats: JSON documents, text tables, IANA's CSV, services(5), explainer pages, diffs.

One module a format: :mod:`~ianaports.render.json` (every JSON document;
:mod:`~ianaports.render.jsontext` writes the indented text of a whole release fast),
:mod:`~ianaports.render.text` (tables), :mod:`~ianaports.render.csv` (IANA's
CSV), :mod:`~ianaports.render.services` (services(5)),
:mod:`~ianaports.render.page` and :mod:`~ianaports.render.explain`
(explainer pages) and :mod:`~ianaports.render.changes` (diffs and histories).
The names below are re-exported for the callers that read and write records.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself imports re, which the quick read path (render.stored, .text) does without
if TYPE_CHECKING:
    from typing import Any

    from .csv import CSV_LINE_ENDINGS, IANA_CSV_HEADER, iana_csv_row, write_iana_csv
    from .json import (
        JSON_SCHEMA_VERSION,
        person_from_json,
        person_to_json,
        record_from_json,
        record_to_json,
        registry_to_json,
    )
    from .services import is_services_name, services_lines, write_services
    from .text import format_table

__all__ = [
    "CSV_LINE_ENDINGS",
    "IANA_CSV_HEADER",
    "JSON_SCHEMA_VERSION",
    "format_table",
    "iana_csv_row",
    "is_services_name",
    "person_from_json",
    "person_to_json",
    "record_from_json",
    "record_to_json",
    "registry_to_json",
    "services_lines",
    "write_iana_csv",
    "write_services",
]

# Loaded on first use: a command that prints a text table does not pay for the JSON, CSV and
# services(5) writers.
_LAZY = {
    "CSV_LINE_ENDINGS": ".csv",
    "IANA_CSV_HEADER": ".csv",
    "iana_csv_row": ".csv",
    "write_iana_csv": ".csv",
    "JSON_SCHEMA_VERSION": ".json",
    "person_from_json": ".json",
    "person_to_json": ".json",
    "record_from_json": ".json",
    "record_to_json": ".json",
    "registry_to_json": ".json",
    "is_services_name": ".services",
    "services_lines": ".services",
    "write_services": ".services",
    "format_table": ".text",
}


def __getattr__(name: str) -> Any:  # noqa: ANN401 - returns whatever the lazy name is
    module_name = _LAZY.get(name)
    if module_name is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib  # noqa: PLC0415 - on use: the quick path reaches its modules directly, without it

    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value
