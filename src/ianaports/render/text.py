"""Plain-text tables: aligned for a terminal, tab-separated for a pipe."""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself imports re, which the quick read path does without
if TYPE_CHECKING:
    from collections.abc import Sequence

    from ianaports.model import ServiceRecord

__all__ = ["RECORD_HEADER", "count_of", "format_table", "one_line", "record_cells"]

#: The header of a table of records (``show``, ``search``): one cell per :func:`record_cells`.
RECORD_HEADER = ("NAME", "PORT", "PROTO", "DESCRIPTION")


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, aligned: bool) -> str:
    """Rows as an aligned table (for a terminal) or tab-separated lines (for a pipe)."""
    if not aligned:
        return "\n".join("\t".join(one_line(cell) for cell in row) for row in (header, *rows))
    cells = [[one_line(cell) for cell in row] for row in (header, *rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def record_cells(record: ServiceRecord) -> list[str]:
    """A record's cells under :data:`RECORD_HEADER`: name, port or span, protocol ("-" for none), description."""
    return [
        record.name or "-",
        str(record.ports) if record.ports else "-",
        str(record.protocol) if record.protocol else "-",
        record.description_text,
    ]


def one_line(text: str) -> str:
    """*text* on one line: every run of blanks and line breaks becomes one space."""
    return " ".join(text.split())


def count_of(count: int, noun: str) -> str:
    """*count* and *noun*, plural unless one: ``1 release``, ``13 releases``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
