"""IANA's own CSV layout, byte for byte as IANA publishes it (today's and the pre-2025 one)."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, TextIO

from ianaports.errors import InvalidArgumentError
from ianaports.model import ServiceRecord, tidy_text

if TYPE_CHECKING:
    from ianaports.registry import Registry

__all__ = ["CSV_LINE_ENDINGS", "IANA_CSV_HEADER", "iana_csv_row", "write_iana_csv"]

#: The row endings IANA's files use: ``lf`` today (2025 on), ``crlf`` before.
CSV_LINE_ENDINGS = {"lf": "\n", "crlf": "\r\n"}


#: The twelve columns of IANA's own CSV, in its order.
IANA_CSV_HEADER = (
    "Service Name",
    "Port Number",
    "Transport Protocol",
    "Description",
    "Assignee",
    "Contact",
    "Registration Date",
    "Modification Date",
    "Reference",
    "Service Code",
    "Unauthorized Use Reported",
    "Assignment Notes",
)


def iana_csv_row(record: ServiceRecord, *, legacy: bool = False) -> list[str]:
    """One record as a row of IANA's CSV (``legacy`` for the pre-2025 ``<br/>`` rendering)."""

    def tidy(text: str | None) -> str:
        return tidy_text(text, legacy=legacy) if text else ""

    return [
        record.name or "",
        "" if record.ports is None else record.ports.as_written,
        "" if record.protocol is None else record.protocol.value,
        tidy(record.description),
        "".join(person.token for person in record.assignees),
        "".join(person.token for person in record.contacts),
        "" if record.registered is None else record.registered.isoformat(),
        "" if record.modified is None else record.modified.isoformat(),
        "".join(reference.token for reference in record.references),
        "" if record.service_code is None else str(record.service_code),
        tidy(record.unauthorized_use),
        tidy(record.notes),
    ]


def write_iana_csv(registry: Registry, stream: TextIO, *, legacy: bool = False, line_ending: str | None = None) -> None:
    r"""Write *registry* in IANA's CSV layout, byte for byte as IANA publishes it.

    Open *stream* with ``newline=""``.  IANA ends rows with ``\n`` today and
    ended them with ``\r\n`` before 2025 (a line break inside a quoted field
    is ``\n`` in both); ``legacy=True`` reproduces that too, and *line_ending*
    (``"\n"`` or ``"\r\n"``) chooses the row ending whatever the layout.
    """
    if line_ending is None:
        line_ending = "\r\n" if legacy else "\n"
    if line_ending not in CSV_LINE_ENDINGS.values():
        msg = f"a CSV row ends with LF or CRLF, not {line_ending!r}"
        raise InvalidArgumentError(msg)
    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL, lineterminator=line_ending)
    writer.writerow(IANA_CSV_HEADER)
    writer.writerows(iana_csv_row(record, legacy=legacy) for record in registry.records)
