"""The one way a lookup selects records from the index: by span overlap, name and protocol.

Its own module, importing nothing, so that the full path's reader
(:mod:`.reader`), the quick path (:mod:`.quick`) and the quick history
(:mod:`.quick_history`) ask SQLite the same question.
"""

from __future__ import annotations

__all__ = ["records_where"]


def records_where(
    *, span: tuple[int, int] | None = None, name: str | None = None, protocol: str | None = None
) -> tuple[str, list[object]]:
    """A ``WHERE`` clause (without the word) and its bound values for the records asked for.

    *span* ``(start, end)`` selects records whose port or span overlaps it (a
    port is the span of one port), *name* those of the name in any case,
    *protocol* those on it; each given one narrows the others.  The clause is
    empty when none is given: the caller decides whether that is an error.
    """
    clauses: list[str] = []
    values: list[object] = []
    if span is not None:
        clauses.append("port_start <= ? AND port_end >= ?")
        values += [span[1], span[0]]
    if name is not None:
        clauses.append("name_lower = ?")
        values.append(name.strip().lower())
    if protocol is not None:
        clauses.append("protocol = ?")
        values.append(protocol)
    return " AND ".join(clauses), values
