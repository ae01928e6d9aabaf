"""Warm start-up of `ianaports show 2304` answered from the cache, against Python's own start-up.

Run: python benchmarks/startup.py   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Builds a cache from the newest real release in a temporary folder, then times
whole processes (median of 15 runs after a warm-up): `python -c pass`,
`python -c "import ianaports"` and `python -m ianaports show 2304`.  The target
is show <= 3x the import.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from common import NEWEST, require

RUNS = 15


def median_process_seconds(argv: list[str], env: dict[str, str]) -> float:
    subprocess.run(argv, env=env, check=True, capture_output=True)
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure_startup() -> dict[str, float]:
    """Median seconds of `python -c pass`, `python -c "import ianaports"` and a warm `ianaports show 2304`."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "IANAPORTS_CACHE_DIR": cache}
        subprocess.run(
            [sys.executable, "-m", "ianaports", "sync", "--source", str(require(NEWEST)), "--quiet"],
            env=env,
            check=True,
        )
        return {
            "bare": median_process_seconds([sys.executable, "-c", "pass"], env),
            "imported": median_process_seconds([sys.executable, "-c", "import ianaports"], env),
            "show": median_process_seconds([sys.executable, "-m", "ianaports", "show", "2304"], env),
        }


def main() -> None:
    figures = measure_startup()
    bare, imported, show = figures["bare"], figures["imported"], figures["show"]
    print(f"python -c pass             {bare * 1000:7.1f} ms")
    print(f'python -c "import ianaports" {imported * 1000:5.1f} ms')
    print(f"ianaports show 2304 (cache) {show * 1000:6.1f} ms")
    print(f"ratio to python -c pass     {show / bare:6.2f} x")
    print(f"ratio to import ianaports   {show / imported:6.2f} x   (target <= 3.0)")


if __name__ == "__main__":
    main()
