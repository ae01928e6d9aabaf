"""Import every real release into an empty store: time, store size, and query speed.

Run: python benchmarks/store.py [--synthetic N]   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

With --synthetic N, also import N weekly releases generated in a temporary
folder from the real ones (each a copy of the nearest real release with a few
record descriptions edited and its <updated> date moved), to check the store's
size target (400 releases <= 50 MB).  Generated files never leave the temporary
folder, and at most one batch of them exists at a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import lzma
import re
import tempfile
import time
from pathlib import Path

from common import REGISTRY_DIR, require
from ianaports import sync
from ianaports.store import Store

#: Synthetic releases are written and imported this many at a time, to keep the disk use small.
BATCH = 25


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def measure_import(source: Path, cache: Path) -> dict[str, float]:
    """Import *source* into the store at *cache*: releases added, seconds, and the folder's size after."""
    started = time.perf_counter()
    result = sync(source, cache_dir=cache, force=True)
    elapsed = time.perf_counter() - started
    return {"count": len(result.added), "seconds": elapsed, "size": folder_size(cache)}


def report(label: str, source: Path) -> None:
    with tempfile.TemporaryDirectory() as cache:
        figures = measure_import(source, Path(cache))
        with Store(cache) as store:
            releases = store.releases()
            store.snapshots(port=80)
            started = time.perf_counter()
            store.snapshots(port=80)
            history = time.perf_counter() - started
            started = time.perf_counter()
            store.load(releases[0].updated)
            load = time.perf_counter() - started
    count, elapsed = int(figures["count"]), figures["seconds"]
    print(f"{label}: {count} releases imported in {elapsed:.1f} s ({elapsed / count:.2f} s each)")
    print(f"  store size                  {figures['size'] / 1e6:8.1f} MB")
    print(f"  snapshots(port=80)          {history * 1000:8.1f} ms")
    print(f"  load(oldest)                {load * 1000:8.1f} ms")


def real_texts() -> list[str]:
    """The real releases' XML text, oldest first."""
    reals = sorted(require(REGISTRY_DIR).glob("service-names-port-numbers.*.xml.xz"))
    return [lzma.decompress(path.read_bytes()).decode() for path in reals]


def synthesise(folder: Path, weeks: range, count: int, texts: list[str]) -> None:
    """Write the synthetic weekly releases *weeks* (of *count* in all) into *folder*."""
    start = dt.date(2017, 3, 10)
    for week in weeks:
        base = texts[min(len(texts) - 1, week * len(texts) // count)]
        day = start + dt.timedelta(weeks=week)
        text = re.sub(r"<updated>[^<]*</updated>", f"<updated>{day.isoformat()}</updated>", base, count=1)
        # A few edits per week, like IANA's: some Unassigned spans get a description.
        edited = f"<description>Edited {week}</description>"
        text = re.sub(r"<description>Unassigned</description>", edited, text, count=5 + week % 7)
        (folder / f"release.{day:%Y%m%d}.xml").write_text(text)


def build_synthetic_store(cache: Path, count: int, *, weeks: range | None = None) -> dict[str, float]:
    """Import synthetic weekly releases (*weeks* of *count*, all by default) into *cache*, a batch at a time.

    Returns the releases added, the seconds spent importing (not generating) and the store's size after.
    """
    texts = real_texts()
    weeks = range(count) if weeks is None else weeks
    seconds = 0.0
    added = 0
    for first in range(weeks.start, weeks.stop, BATCH):
        with tempfile.TemporaryDirectory() as folder:
            synthesise(Path(folder), range(first, min(first + BATCH, weeks.stop)), count, texts)
            figures = measure_import(Path(folder), cache)
        seconds += figures["seconds"]
        added += int(figures["count"])
    return {"count": added, "seconds": seconds, "size": folder_size(cache)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=0, metavar="N")
    args = parser.parse_args()
    report("real releases", require(REGISTRY_DIR))
    if args.synthetic:
        with tempfile.TemporaryDirectory() as cache:
            figures = build_synthetic_store(Path(cache), args.synthetic)
            count, elapsed = int(figures["count"]), figures["seconds"]
            print(f"{count} synthetic weekly releases imported in {elapsed:.1f} s ({elapsed / count:.2f} s each)")
            print(f"  store size                  {figures['size'] / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
