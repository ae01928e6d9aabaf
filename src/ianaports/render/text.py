"""Plain-text tables: aligned for a terminal, tab-separated for a pipe."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["count_of", "format_table", "one_line"]


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, aligned: bool) -> str:
    """Rows as an aligned table (for a terminal) or tab-separated lines (for a pipe)."""
    if not aligned:
        return "\n".join("\t".join(one_line(cell) for cell in row) for row in (header, *rows))
    cells = [[one_line(cell) for cell in row] for row in (header, *rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def one_line(text: str) -> str:
    """*text* on one line: every run of blanks and line breaks becomes one space."""
    return " ".join(text.split())


def count_of(count: int, noun: str) -> str:
    """*count* and *noun*, plural unless one: ``1 release``, ``13 releases``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
