"""Whole-process `ianaports history 80` answered from a version store, against Python's own start-up.

Run: python benchmarks/history.py [--store DIR]   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

With --store, times an existing store (for example one holding 400 synthetic
weekly releases, made once with `python benchmarks/store.py --synthetic 400`
style imports; building it takes minutes, so it is not rebuilt here).  Without
it, imports every real release into a temporary folder first.  Reports the
median of 15 warm runs of `python -c pass`, `python -m ianaports history 80`
(and 2304, and a name), the ratio to `python -c pass`, and the in-process
Store.history times; then the same for `ianaports diff` (previous against
latest, and oldest against latest) and Store.diff against loading both
releases and diffing them; then the CPU time of the `history` forms the quick
path answers (issue 20), quick and with the full path forced.  The target is `history 80` well under a second as a
whole process (400 ms warm over 400 releases).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import REGISTRY_DIR, median_process_seconds, median_seconds, require
from ianaports import diff, sync
from ianaports.store import Store

#: Command-line arguments and the matching Store.history keywords.
QUERIES: tuple[tuple[list[str], dict[str, Any]], ...] = (
    (["80"], {"port": 80}),
    (["2304"], {"port": 2304}),
    (["http", "--protocol", "tcp"], {"name": "http", "protocol": "tcp"}),
)


def report(store_dir: Path) -> None:
    env = {**os.environ, "IANAPORTS_CACHE_DIR": str(store_dir)}
    with Store(store_dir) as store:
        releases = store.releases()
        print(f"store {store_dir}: {len(releases)} releases, {releases[0].updated} to {releases[-1].updated}")
        for argv, keywords in QUERIES:
            found = store.history(**keywords)
            seconds = median_seconds(functools.partial(store.history, **keywords))
            label = f"Store.history({' '.join(argv)})"
            print(f"  {label:<42} {seconds * 1000:7.1f} ms in-process  ({len(found.events)} events)")
        stored = median_seconds(store.diff, repeat=5)
        loaded = median_seconds(lambda: diff(store.load("previous"), store.load("latest")), repeat=3)
        print(f"  {'Store.diff() (previous, latest)':<42} {stored * 1000:7.1f} ms in-process")
        print(f"  {'diff(load(previous), load(latest))':<42} {loaded * 1000:7.1f} ms in-process")
    bare = median_process_seconds([sys.executable, "-c", "pass"], env)
    print(f"  {'python -c pass':<42} {bare * 1000:7.1f} ms")
    commands = [["history", *argv] for argv, _ in QUERIES]
    commands += [["diff"], ["diff", releases[0].updated.isoformat(), "latest", "--json"]]
    for command in commands:
        whole = median_process_seconds([sys.executable, "-m", "ianaports", *command], env)
        label = f"ianaports {' '.join(command)}"
        print(f"  {label:<42} {whole * 1000:7.1f} ms  ({whole / bare:5.1f}x python -c pass)")
    cpu_report(env)


#: The history forms the quick path answers (issue 20), timed quick and with the full path forced.
QUICK_FORMS = (["2304"], ["2304", "--json"], ["1980"], ["http", "--protocol", "tcp"], ["pearldoc-xact", "--json"])


def cpu_report(env: dict[str, str], runs: int = 7) -> None:
    """Median CPU time of whole `history` processes, quick and full path (``_IANAPORTS_FULL_PATH=1``)."""
    from startup import process_seconds  # noqa: PLC0415 - its CPU-timing runner

    _, bare = process_seconds([sys.executable, "-c", "pass"], env, runs)
    print(f"\n  CPU, median of {runs}: `python -c pass` {bare * 1000:.1f} ms")
    full_env = {**env, "_IANAPORTS_FULL_PATH": "1"}
    for argv in QUICK_FORMS:
        command = [sys.executable, "-m", "ianaports", "history", *argv]
        _, quick = process_seconds(command, env, runs)
        _, full = process_seconds(command, full_env, runs)
        label = f"history {' '.join(argv)}"
        print(
            f"  {label:<34} quick {quick * 1000:6.1f} ms ({quick / bare:4.2f}x)"
            f"   full path {full * 1000:6.1f} ms ({full / bare:4.2f}x)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, metavar="DIR", help="an existing store to time (default: build one)")
    args = parser.parse_args()
    if args.store is not None:
        report(require(args.store / "ianaports.sqlite3").parent)
        return
    with tempfile.TemporaryDirectory() as cache:
        sync(require(REGISTRY_DIR), cache_dir=cache)
        report(Path(cache))


if __name__ == "__main__":
    main()
