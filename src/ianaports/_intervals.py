"""Port spans as intervals: which spans hold a port, unions and overlap depth, near-linear however spans nest.

Real releases hold about 750 spans that barely overlap (no port lies in more
than 7 records), but a valid hostile release can nest 14,000 spans
``i-(65535-i)``.  Anything that cut the port line at every boundary and listed
each piece's spans, or expanded spans port by port, then cost n² or 65,536 times n.
Everything here is O(n log n) to build and O(log n + k) to answer k spans.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["SpanIndex", "measure", "overlap_depth", "subtract", "union"]

#: A span of ports, both ends included.
Span = tuple[int, int]


class SpanIndex:
    """Spans, each with an int key, answering which hold a port or overlap a span.

    A segment tree over the spans' boundaries: each span is stored in at most
    2 log₂ m of its nodes (m boundaries), so the index holds O(n log n)
    entries where a table of every piece's spans held O(n²).

    >>> index = SpanIndex([(6000, 6063, 0), (6010, 6020, 1)])
    >>> sorted(index.holding(6015)), sorted(index.overlapping(6021, 7000))
    ([0, 1], [0])
    """

    def __init__(self, spans: Iterable[tuple[int, int, int]]) -> None:
        listed = list(spans)
        self._breaks = sorted({start for start, _, _ in listed} | {end + 1 for _, end, _ in listed})
        self._size = size = len(self._breaks)
        # A list, not a dict: a lookup walks about 11 nodes, and indexing is the cheaper step.
        nodes: list[list[int] | None] = [None] * (2 * size)
        breaks = self._breaks
        for start, end, key in listed:
            low = bisect.bisect_left(breaks, start) + size
            high = bisect.bisect_left(breaks, end + 1) + size
            while low < high:
                if low & 1:
                    _add(nodes, low, key)
                    low += 1
                if high & 1:
                    high -= 1
                    _add(nodes, high, key)
                low >>= 1
                high >>= 1
        self._nodes = nodes
        by_start = sorted((start, key) for start, _, key in listed)
        self._starts = [start for start, _ in by_start]
        self._start_keys = [key for _, key in by_start]
        #: How many keys the tree holds: the measure of its memory (tests bound it).
        self.stored = sum(len(keys) for keys in nodes if keys)

    def __len__(self) -> int:
        return len(self._starts)

    def holding(self, port: int) -> list[int]:
        """The keys of the spans that hold *port*, in no particular order."""
        piece = bisect.bisect_right(self._breaks, port) - 1
        if piece < 0:
            return []
        found: list[int] = []
        node = piece + self._size
        nodes = self._nodes
        while node:
            keys = nodes[node]
            if keys:
                found.extend(keys)
            node >>= 1
        return found

    def overlapping(self, start: int, end: int) -> list[int]:
        """The keys of the spans that share a port with ``start..end``, in no particular order.

        Those holding *start*, and those starting after it, up to *end*: the
        two sets are apart, so nothing is found twice.
        """
        found = self.holding(start)
        first = bisect.bisect_right(self._starts, start)
        last = bisect.bisect_right(self._starts, end)
        found.extend(self._start_keys[first:last])
        return found


def _add(nodes: list[list[int] | None], node: int, key: int) -> None:
    keys = nodes[node]
    if keys is None:
        nodes[node] = [key]
    else:
        keys.append(key)


def union(spans: Iterable[Span]) -> list[Span]:
    """The ports of *spans* as sorted spans that neither overlap nor touch.

    >>> union([(5, 9), (1, 3), (4, 4), (20, 30), (25, 26)])
    [(1, 9), (20, 30)]
    """
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(kept: list[Span], taken: list[Span]) -> list[Span]:
    """The ports of *kept* that are not in *taken*, both given as :func:`union` gives them.

    >>> subtract([(1, 10)], [(3, 4), (8, 20)])
    [(1, 2), (5, 7)]
    """
    left: list[Span] = []
    index = 0
    for start, end in kept:
        while index < len(taken) and taken[index][1] < start:
            index += 1
        cursor = start
        probe = index
        while probe < len(taken) and taken[probe][0] <= end:
            if taken[probe][0] > cursor:
                left.append((cursor, taken[probe][0] - 1))
            cursor = max(cursor, taken[probe][1] + 1)
            probe += 1
        if cursor <= end:
            left.append((cursor, end))
    return left


def measure(spans: list[Span], low: int, high: int) -> int:
    """How many ports of ``low..high`` lie in *spans* (as :func:`union` gives them).

    >>> measure([(1, 9), (20, 30)], 5, 25)
    11
    """
    return sum(max(0, min(end, high) - max(start, low) + 1) for start, end in spans)


def overlap_depth(spans: Iterable[Span]) -> tuple[int, int | None]:
    """The most spans that hold one port, and the lowest such port (None when there are no spans).

    >>> overlap_depth([(1, 10), (5, 6), (6, 8)])
    (3, 6)
    """
    events: list[tuple[int, int]] = []
    for start, end in spans:
        events.append((start, 1))
        events.append((end + 1, -1))
    # At one port the ends (-1) sort before the starts (+1): a span ending at
    # 5 and one starting at 6 never count as overlapping.
    events.sort()
    depth = deepest = 0
    where: int | None = None
    for port, step in events:
        depth += step
        if depth > deepest:
            deepest, where = depth, port
    return deepest, where
