"""Time the diff of two real releases and a history over about 400 synthetic weekly releases.

Run: python benchmarks/diff.py   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

1. diff of 2017-03-10 vs 2025-12-15 in-process, as a ratio to parsing both files
   (target <= 0.5x), and the whole ``ianaports diff --json`` process.
2. history of a few queries over 400 synthetic weekly releases made in memory from
   the newest real one (target < 100 ms in-process per query).  Each synthetic week
   makes a few realistic edits: a new assignment splitting an unassigned span,
   modified dates, a changed contact.  Nothing generated is written to disk.
"""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
import time

import attrs

from common import NEWEST, REGISTRY_DIR, median_seconds, require
from ianaports import Person, PortRange, ServiceRecord, diff, history
from ianaports.changes import record_matches
from ianaports.model import PartialDate
from ianaports.parser import parse_bytes, read_source_bytes

OLDEST = REGISTRY_DIR / "service-names-port-numbers.20170310.xml.xz"
WEEKS = 400


def measure_diff() -> dict[str, object]:
    """Median seconds of parsing both releases and of diffing them, and one whole `ianaports diff` process."""
    old_bytes = read_source_bytes(require(OLDEST))
    new_bytes = read_source_bytes(require(NEWEST))
    old, new = parse_bytes(old_bytes), parse_bytes(new_bytes)
    parse_both = median_seconds(lambda: (parse_bytes(old_bytes), parse_bytes(new_bytes)), repeat=5)
    diffing = median_seconds(lambda: diff(old, new), repeat=7)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "ianaports", "diff", str(OLDEST), str(NEWEST), "--json"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    whole = time.perf_counter() - started
    return {"result": diff(old, new), "old": old, "new": new, "parse_both": parse_both, "diff": diffing, "whole": whole}


def bench_diff() -> None:
    figures = measure_diff()
    parse_both, diffing = figures["parse_both"], figures["diff"]
    print(f"diff {figures['old'].updated} -> {figures['new'].updated}: {figures['result']!r}")
    print(f"parse both releases       {parse_both * 1000:8.1f} ms")
    print(f"diff in-process           {diffing * 1000:8.1f} ms")
    print(f"ratio diff / parse        {diffing / parse_both:8.2f} x   (target <= 0.5)")
    print(f"whole process (--json)    {figures['whole'] * 1000:8.1f} ms")


def synthetic_weeks(records: tuple[ServiceRecord, ...], start: dt.date, weeks: int, seed: int = 4):
    """Yield (date, records) for *weeks* weekly releases, each a few edits after the last."""
    rng = random.Random(seed)
    current = list(records)
    splittable = [i for i, r in enumerate(current) if r.is_unassigned and r.ports and len(r.ports) >= 3]
    assigned = [i for i, r in enumerate(current) if r.name and r.ports]
    hot = [i for i, r in enumerate(current) if r.ports and 2304 in r.ports]
    for week in range(weeks):
        when = start + dt.timedelta(weeks=week)
        stamp = PartialDate(when.year, when.month, when.day)
        current = list(current)
        # A new assignment in the middle of an unassigned span splits it in three.
        position = splittable.pop(rng.randrange(len(splittable)))
        span = current[position].ports
        port = rng.randrange(span.start + 1, span.end)
        current[position] = attrs.evolve(current[position], ports=PortRange(span.start, port - 1))
        name = f"synthetic-{week}"
        current.extend(
            ServiceRecord(name=name, protocol=protocol, ports=PortRange.single(port), registered=stamp)
            for protocol in ("tcp", "udp")
        )
        current.append(attrs.evolve(current[position], ports=PortRange(port + 1, span.end)))
        splittable.extend(piece for piece in (position, len(current) - 1) if len(current[piece].ports) >= 3)
        # Two modified dates and one changed contact elsewhere; port 2304 now and then.
        for index in rng.sample(assigned, 2):
            current[index] = attrs.evolve(current[index], modified=stamp)
        index = rng.choice(assigned)
        current[index] = attrs.evolve(current[index], contacts=(Person(id=f"Person_{week}", name=f"Person {week}"),))
        if week % 25 == 0:
            for index in hot:
                current[index] = attrs.evolve(current[index], modified=stamp)
        yield when, tuple(current)


def filtered(weeks, **query):
    """What the store would hand history(): each release's records matching the query."""
    verdicts: dict[int, bool] = {}
    snapshots = []
    for when, records in weeks:
        kept = []
        for record in records:
            verdict = verdicts.get(id(record))
            if verdict is None:
                verdict = verdicts[id(record)] = record_matches(record, **query)
            if verdict:
                kept.append(record)
        snapshots.append((when, tuple(kept)))
    return snapshots


def bench_history() -> None:
    newest = parse_bytes(read_source_bytes(require(NEWEST)))
    started = time.perf_counter()
    weeks = list(synthetic_weeks(newest.records, newest.updated, WEEKS))
    print(f"\n{WEEKS} synthetic weekly releases made in {time.perf_counter() - started:.1f} s")
    queries = [{"port": 2304}, {"port": 80}, {"name": "synthetic-200"}, {"port": 1021, "protocol": "tcp"}]
    for query in queries:
        snapshots = filtered(weeks, **query)
        result = history(snapshots, **query)
        elapsed = median_seconds(lambda snapshots=snapshots, query=query: history(snapshots, **query))
        figures = f"{len(result.events):4d} events   {elapsed * 1000:7.2f} ms"
        print(f"history {result.query_text:<16} {figures}   (target < 100)")


if __name__ == "__main__":
    bench_diff()
    bench_history()
