"""IANA's own CSV layout, byte for byte as IANA publishes it (today's and the pre-2025 one)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, TextIO

from ianaports._collector import collector_paused
from ianaports.errors import InvalidArgumentError
from ianaports.model import ServiceRecord, tidy_text

if TYPE_CHECKING:
    from ianaports.model import Person, Reference
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
    return _Rows(legacy=legacy).row(record)


class _Rows:
    """Rows of one release's CSV, each cell of people or references joined once per shared tuple.

    The store and the parser hand the records that name the same people or
    references the very same tuple, so its text is looked up by identity
    (safe while the records that hold the tuples live, as they do for a write).
    """

    def __init__(self, *, legacy: bool) -> None:
        self.legacy = legacy
        self.tokens: dict[int, str] = {}

    def _tokens(self, items: tuple[Person, ...] | tuple[Reference, ...]) -> str:
        found = self.tokens.get(id(items))
        if found is None:
            found = self.tokens[id(items)] = "".join(item.token for item in items)
        return found

    def _tidy(self, text: str | None) -> str:
        return tidy_text(text, legacy=self.legacy) if text else ""

    def row(self, record: ServiceRecord) -> list[str]:
        """The row of *record*."""
        ports, protocol, registered, modified = record.ports, record.protocol, record.registered, record.modified
        return [
            record.name or "",
            "" if ports is None else ports.as_written,
            "" if protocol is None else protocol.value,
            self._tidy(record.description),
            self._tokens(record.assignees),
            self._tokens(record.contacts),
            "" if registered is None else registered.isoformat(),
            "" if modified is None else modified.isoformat(),
            self._tokens(record.references),
            "" if record.service_code is None else str(record.service_code),
            self._tidy(record.unauthorized_use),
            self._tidy(record.notes),
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
    # Built in memory and written at once: a write per row is a system call each on an unbuffered stdout.
    text = io.StringIO(newline="")
    writer = csv.writer(text, quoting=csv.QUOTE_MINIMAL, lineterminator=line_ending)
    writer.writerow(IANA_CSV_HEADER)
    with collector_paused():  # a row of strings a record, all acyclic: see ianaports._collector
        writer.writerows(map(_Rows(legacy=legacy).row, registry.records))
    stream.write(text.getvalue())
