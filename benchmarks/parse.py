"""Parse the newest real release and compare with a raw lxml parse of the same bytes.

Run: python benchmarks/parse.py   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Prints the median time of each, their ratio (target <= 2.0, stretch 1.5), the same
ratio in CPU time (steadier when other jobs share the machine), and the
memory the parsed Registry holds (tracemalloc peak while parsing, and retained), and
the process's peak resident memory.
"""

from __future__ import annotations

import gc
import io
import lzma
import resource
import time
import tracemalloc

from lxml import etree

from common import NEWEST, median_seconds, require
from ianaports.parser import parse_bytes


def main() -> None:
    data = lzma.decompress(require(NEWEST).read_bytes())
    floor = median_seconds(lambda: etree.parse(io.BytesIO(data)))
    ours = median_seconds(lambda: parse_bytes(data))
    floor_cpu = median_seconds(lambda: etree.parse(io.BytesIO(data)), clock=time.process_time)
    ours_cpu = median_seconds(lambda: parse_bytes(data), clock=time.process_time)
    gc.collect()
    tracemalloc.start()
    registry = parse_bytes(data)
    gc.collect()
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"release                {registry.updated} ({len(registry)} records, {len(data) / 1e6:.1f} MB)")
    print(f"raw lxml.etree.parse   {floor * 1000:8.1f} ms")
    print(f"ianaports parse        {ours * 1000:8.1f} ms")
    print(f"ratio                  {ours / floor:8.2f} x   (target <= 2.0, stretch 1.5)")
    print(f"ratio in CPU time      {ours_cpu / floor_cpu:8.2f} x   ({ours_cpu * 1000:.1f} / {floor_cpu * 1000:.1f} ms)")
    print(f"registry retained      {retained / 1e6:8.1f} MB (peak while parsing {peak / 1e6:.1f} MB)")
    # tracemalloc sees Python objects only; the process peak also counts lxml's C tree.
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"process peak RSS       {peak_rss:8.1f} MB (interpreter, input bytes and lxml trees included)")


if __name__ == "__main__":
    main()
