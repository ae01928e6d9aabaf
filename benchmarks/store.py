"""Import every real release into an empty store: time, store size, and query speed.

Run: python benchmarks/store.py [--synthetic N]   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

With --synthetic N, also import N weekly releases generated in a temporary
folder from the real ones (each a copy of the nearest real release with a few
record descriptions edited and its <updated> date moved), to check the store's
size target (400 releases <= 50 MB).  Generated files never leave the temporary folder.
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


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def report(label: str, source: Path) -> None:
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        result = sync(source, cache_dir=cache)
        elapsed = time.perf_counter() - started
        with Store(cache) as store:
            releases = store.releases()
            store.snapshots(port=80)
            started = time.perf_counter()
            store.snapshots(port=80)
            history = time.perf_counter() - started
            started = time.perf_counter()
            store.load(releases[0].updated)
            load = time.perf_counter() - started
        size = folder_size(Path(cache))
    print(
        f"{label}: {len(result.added)} releases imported in {elapsed:.1f} s ({elapsed / len(result.added):.2f} s each)"
    )
    print(f"  store size                  {size / 1e6:8.1f} MB")
    print(f"  snapshots(port=80)          {history * 1000:8.1f} ms")
    print(f"  load(oldest)                {load * 1000:8.1f} ms")


def synthesise(folder: Path, count: int) -> None:
    reals = sorted(REGISTRY_DIR.glob("service-names-port-numbers.*.xml.xz"))
    texts = [lzma.decompress(path.read_bytes()).decode() for path in reals]
    start = dt.date(2017, 3, 10)
    for week in range(count):
        base = texts[min(len(texts) - 1, week * len(texts) // count)]
        day = start + dt.timedelta(weeks=week)
        text = re.sub(r"<updated>[^<]*</updated>", f"<updated>{day.isoformat()}</updated>", base, count=1)
        # A few edits per week, like IANA's: some Unassigned spans get a description.
        edited = f"<description>Edited {week}</description>"
        text = re.sub(r"<description>Unassigned</description>", edited, text, count=5 + week % 7)
        (folder / f"release.{day:%Y%m%d}.xml").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=0, metavar="N")
    args = parser.parse_args()
    report("real releases", require(REGISTRY_DIR))
    if args.synthetic:
        with tempfile.TemporaryDirectory() as folder:
            synthesise(Path(folder), args.synthetic)
            report(f"{args.synthetic} synthetic weekly releases", Path(folder))


if __name__ == "__main__":
    main()
