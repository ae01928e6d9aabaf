"""Output formats: JSON documents, text tables, IANA's CSV, services(5), explainer pages, diffs.

One module a format: :mod:`~ianaports.render.json` (every JSON document),
:mod:`~ianaports.render.text` (tables), :mod:`~ianaports.render.csv` (IANA's
CSV), :mod:`~ianaports.render.services` (services(5)),
:mod:`~ianaports.render.page` and :mod:`~ianaports.render.explain`
(explainer pages) and :mod:`~ianaports.render.changes` (diffs and histories).
The names below are re-exported for the callers that read and write records.
"""

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
