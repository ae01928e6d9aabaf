"""The store: archive compression, raw bytes, load() against parse(), and importing releases.

Run: python benchmarks/store.py [--synthetic N] [--skip-import]   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

The compression table measures, on the weekly neighbours 2025-11-14 ->
2025-11-20 -> 2025-12-15, what one release costs on disk and to read back under
each candidate: xz alone, zstd alone, and zstd with the previous release as a
raw-content prefix (what the archive does), at a few levels.  The load figure
is ``ianaports.load()`` of the newest release against ``ianaports.parse()`` of
the same release's XML, both in this process, best of interleaved runs.

With --synthetic N, also import N weekly releases generated in a temporary
folder from the real ones (each a copy of the nearest real release with a few
record descriptions edited and its <updated> date moved), to check the store's
size target (400 releases <= 50 MB).  Generated files never leave the temporary
folder, and at most one batch of them exists at a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import lzma
import re
import sys
import tempfile
import time
from pathlib import Path

import ianaports
from common import REGISTRY_DIR, require
from ianaports import sync
from ianaports.parser import parse_bytes
from ianaports.store import Store

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

WEEKLY = ("20251114", "20251120", "20251215")

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


def best(function, repeat: int = 5, *, clock=time.perf_counter) -> tuple[object, float]:
    """The result of *function* and its best time by *clock* over *repeat* calls."""
    times = []
    result = None
    for _ in range(repeat):
        started = clock()
        result = function()
        times.append(clock() - started)
    return result, min(times)


#: load() against parse() and add() against parse() are timed in this process's CPU time: on a shared
#: machine other jobs stretch wall time by 2-4x, unevenly, but leave a process's CPU time nearly alone.
CPU = time.process_time


def weekly_texts() -> list[bytes]:
    return [
        lzma.decompress(require(REGISTRY_DIR / f"service-names-port-numbers.{day}.xml.xz").read_bytes())
        for day in WEEKLY
    ]


def compression_table() -> None:
    """Size of one weekly release and its read time under each way of compressing it."""
    base, _, newest = weekly_texts()
    previous = weekly_texts()[1]
    print(f"compression of the {WEEKLY[-1]} release ({len(newest) / 1e6:.2f} MB of XML), neighbours {WEEKLY}")
    print(f"  {'method':40} {'bytes':>9} {'write ms':>9} {'read ms':>9}   (CPU time)")

    def row(label, compress, decompress) -> None:
        frame, write = best(compress, 1, clock=CPU)
        back, read = best(lambda: decompress(frame), clock=CPU)
        assert back == newest
        print(f"  {label:40} {len(frame):9,d} {write * 1000:9.1f} {read * 1000:9.1f}")

    for preset in (1, 6):
        row(f"xz -{preset} alone", lambda p=preset: lzma.compress(newest, preset=p), lzma.decompress)
    for level in (3, 9, 15, 19):
        row(f"zstd {level} alone", lambda lv=level: zstd.compress(newest, level=lv), zstd.decompress)
    for label, prefix in (("previous week", previous), ("a month before", base)):
        for level in (3, 6, 9, 19):
            options = {zstd.CompressionParameter.compression_level: level, zstd.CompressionParameter.window_log: 24}

            def compress(lv=level, pf=prefix, op=options):
                del lv
                return zstd.compress(newest, options=op, zstd_dict=zstd.ZstdDict(pf, is_raw=True).as_prefix)

            def decompress(frame, pf=prefix):
                return zstd.decompress(frame, zstd_dict=zstd.ZstdDict(pf, is_raw=True).as_prefix)

            row(f"zstd {level}, {label} as prefix", compress, decompress)
    # What the archive does during an import: the keyframe digested once, then reused for every delta.
    dictionary = zstd.ZstdDict(previous, is_raw=True)
    options = {zstd.CompressionParameter.compression_level: 6, zstd.CompressionParameter.window_log: 24}

    def digested() -> bytes:
        compressor = zstd.ZstdCompressor(options=options, zstd_dict=dictionary.as_digested_dict)
        return compressor.compress(newest, mode=zstd.ZstdCompressor.FLUSH_FRAME)

    digested()
    row(
        "zstd 6, previous week, digested once",
        digested,
        lambda frame: zstd.decompress(frame, zstd_dict=zstd.ZstdDict(previous, is_raw=True).as_prefix),
    )


def raw_and_load() -> None:
    """raw() of every stored release, and load() against parse() of the newest, in one process."""
    texts = weekly_texts()
    with tempfile.TemporaryDirectory() as folder:
        with Store(folder) as store, store.lock():
            for xml in texts:
                store.add(parse_bytes(xml), xml=xml, source="benchmark")
        with Store(folder) as store:
            raws = []
            for release in store.releases():
                data, seconds = best(lambda r=release: Store(folder).raw(r.updated))
                assert hashlib.sha256(data).hexdigest() == release.sha256
                raws.append(seconds)
        print(f"  raw bytes of a stored release (fresh Store, worst of {len(raws)})  {max(raws) * 1000:8.1f} ms")
        loads, parses = [], []
        for _ in range(15):
            _, seconds = best(lambda: ianaports.load(cache_dir=folder), 1, clock=CPU)
            loads.append(seconds)
            _, seconds = best(lambda: parse_bytes(texts[-1]), 1, clock=CPU)
            parses.append(seconds)
        load, parse = min(loads), min(parses)
        print(f"  load() of the newest release (CPU)          {load * 1000:8.1f} ms")
        print(f"  parse() of the same XML (CPU)               {parse * 1000:8.1f} ms")
        print(f"  load / parse                                {load / parse:8.2f}x (target 0.5x)")


def import_cost() -> None:
    """What storing one weekly release costs beside parsing it, in one Store (as a folder import)."""
    texts = weekly_texts()
    with tempfile.TemporaryDirectory() as folder, Store(folder) as store, store.lock():
        store.add(parse_bytes(texts[0]), xml=texts[0], source="benchmark")
        for xml in texts[1:]:
            registry, parse = best(lambda x=xml: parse_bytes(x), 3, clock=CPU)
            digest = hashlib.sha256(xml).hexdigest()
            _, add = best(lambda r=registry, x=xml, d=digest: store.add(r, xml=x, sha256=d, source="b"), 1, clock=CPU)
            print(f"  store.add of {registry.updated} (weekly, CPU) {add * 1000:6.1f} ms = {add / parse:.2f}x parse")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=0, metavar="N")
    parser.add_argument("--skip-import", action="store_true", help="skip the import of every real release")
    args = parser.parse_args()
    compression_table()
    print("archive and index")
    raw_and_load()
    import_cost()
    if not args.skip_import:
        report("real releases", require(REGISTRY_DIR))
    if args.synthetic:
        with tempfile.TemporaryDirectory() as cache:
            figures = build_synthetic_store(Path(cache), args.synthetic)
            count, elapsed = int(figures["count"]), figures["seconds"]
            print(f"{count} synthetic weekly releases imported in {elapsed:.1f} s ({elapsed / count:.2f} s each)")
            print(f"  store size                  {figures['size'] / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
