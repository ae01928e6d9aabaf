"""Parse the newest real release and compare with a raw lxml parse of the same bytes.

Run: python benchmarks/parse.py   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Prints the median time of each (raw ``lxml.etree.fromstring`` is the floor: the
parser cannot be faster than building the tree it reads), their ratio, the same
ratio in CPU time (steadier when other jobs share the machine), and the
memory the parsed Registry holds (tracemalloc peak while parsing, and retained), and
the process's peak resident memory.
"""

from __future__ import annotations

import gc
import lzma
import resource
import sys
import time
import tracemalloc

from lxml import etree

from common import NEWEST, median_seconds, require
from ianaports.parser import parse_bytes


def newest_bytes() -> bytes:
    """The newest real release, uncompressed."""
    return lzma.decompress(require(NEWEST).read_bytes())


def measure_parse(data: bytes) -> dict[str, float]:
    """Median seconds of a raw lxml parse and of ours on the same bytes, in wall and CPU time."""
    return {
        "lxml": median_seconds(lambda: etree.fromstring(data)),
        "ours": median_seconds(lambda: parse_bytes(data)),
        "lxml_cpu": median_seconds(lambda: etree.fromstring(data), clock=time.process_time),
        "ours_cpu": median_seconds(lambda: parse_bytes(data), clock=time.process_time),
    }


def measure_memory(data: bytes) -> dict[str, float]:
    """Bytes the parsed Registry retains and the peak while parsing (Python objects, tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    registry = parse_bytes(data)
    gc.collect()
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del registry
    return {"retained": retained, "peak": peak}


def peak_rss() -> float:
    """This process's peak resident memory in bytes (Linux reports KiB, macOS bytes)."""
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def main() -> None:
    data = newest_bytes()
    times = measure_parse(data)
    memory = measure_memory(data)
    registry = parse_bytes(data)
    print(f"release                {registry.updated} ({len(registry)} records, {len(data) / 1e6:.1f} MB)")
    print(f"raw lxml fromstring    {times['lxml'] * 1000:8.1f} ms")
    print(f"ianaports parse        {times['ours'] * 1000:8.1f} ms")
    print(f"ratio                  {times['ours'] / times['lxml']:8.2f} x")
    print(
        f"ratio in CPU time      {times['ours_cpu'] / times['lxml_cpu']:8.2f} x"
        f"   ({times['ours_cpu'] * 1000:.1f} / {times['lxml_cpu'] * 1000:.1f} ms)"
    )
    print(
        f"registry retained      {memory['retained'] / 1e6:8.1f} MB (peak while parsing {memory['peak'] / 1e6:.1f} MB)"
    )
    # tracemalloc sees Python objects only; the process peak also counts lxml's C tree.
    print(f"process peak RSS       {peak_rss() / 1e6:8.1f} MB (interpreter, input bytes and lxml trees included)")


if __name__ == "__main__":
    main()
