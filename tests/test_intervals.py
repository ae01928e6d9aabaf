"""The interval helpers against brute force, and their size on hostile nestings."""

from __future__ import annotations

import itertools
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from ianaports._intervals import SpanIndex, measure, overlap_depth, subtract, union

PORTS = st.integers(0, 200)
SPANS = st.lists(st.tuples(PORTS, PORTS).map(sorted).map(tuple), max_size=30)


def ports_of(spans) -> set[int]:
    return {port for start, end in spans for port in range(start, end + 1)}


class TestAgainstBruteForce:
    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(spans=SPANS, port=PORTS, other=PORTS)
    def test_span_index_answers_what_a_scan_answers(self, spans, port, other):
        """holding() and overlapping() find exactly the spans a scan finds, each once."""
        index = SpanIndex((start, end, key) for key, (start, end) in enumerate(spans))
        low, high = sorted((port, other))
        assert sorted(index.holding(port)) == [key for key, (s, e) in enumerate(spans) if s <= port <= e]
        assert sorted(index.overlapping(low, high)) == [
            key for key, (s, e) in enumerate(spans) if s <= high and e >= low
        ]

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(kept=SPANS, taken=SPANS, port=PORTS, other=PORTS)
    def test_union_subtract_measure_match_sets(self, kept, taken, port, other):
        """union, subtract and measure agree with the same sums done on sets of ports."""
        merged = union(kept)
        assert ports_of(merged) == ports_of(kept)
        assert all(a[1] + 1 < b[0] for a, b in itertools.pairwise(merged))
        assert ports_of(subtract(merged, union(taken))) == ports_of(kept) - ports_of(taken)
        low, high = sorted((port, other))
        assert measure(merged, low, high) == len({p for p in ports_of(kept) if low <= p <= high})

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(spans=SPANS)
    def test_overlap_depth_is_the_most_spans_on_one_port(self, spans):
        """overlap_depth gives the largest count of spans holding one port, and the lowest such port."""
        counts = {port: sum(1 for s, e in spans if s <= port <= e) for port in range(201)}
        deepest = max(counts.values(), default=0)
        expected = (deepest, min(p for p, c in counts.items() if c == deepest) if deepest else None)
        assert overlap_depth(spans) == expected


def test_nested_spans_are_stored_n_log_n_not_n_squared():
    """14,000 nested spans i-(65535-i) fill the index with under 2 n log2(2n) keys (a table of pieces held n²)."""
    count = 14_000
    index = SpanIndex((index, 65535 - index, index) for index in range(count))
    assert index.stored <= 2 * count * math.ceil(math.log2(2 * count))
    assert len(index.holding(30_000)) == count
    assert sorted(index.holding(count - 1)) == list(range(count))
    assert index.holding(65535) == [0]
