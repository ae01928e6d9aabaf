"""Warm start-up of `ianaports show 2304` and `search kerberos` from the cache, against Python's own start-up.

Run: python benchmarks/startup.py [RUNS]   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Builds a cache from the newest real release in a temporary folder, then times
whole processes (median of RUNS runs, default 15, after a warm-up): `python -c pass`,
`python -c "import ianaports"`, `python -m ianaports show 2304` and
`python -m ianaports search kerberos`.  The targets are show <= 3x the import,
and show and search well under 150 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from common import NEWEST, median_process_seconds, require

RUNS = 15


def measure_startup(runs: int = RUNS) -> dict[str, float]:
    """Median seconds of `python -c pass`, `import ianaports`, and warm `show 2304` and `search kerberos`."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "IANAPORTS_CACHE_DIR": cache}
        subprocess.run(
            [sys.executable, "-m", "ianaports", "sync", "--source", str(require(NEWEST)), "--quiet"],
            env=env,
            check=True,
        )
        return {
            "bare": median_process_seconds([sys.executable, "-c", "pass"], env, runs),
            "imported": median_process_seconds([sys.executable, "-c", "import ianaports"], env, runs),
            "show": median_process_seconds([sys.executable, "-m", "ianaports", "show", "2304"], env, runs),
            "search": median_process_seconds([sys.executable, "-m", "ianaports", "search", "kerberos"], env, runs),
        }


def main() -> None:
    figures = measure_startup(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
    bare, imported, show, search = figures["bare"], figures["imported"], figures["show"], figures["search"]
    print(f"python -c pass             {bare * 1000:7.1f} ms")
    print(f'python -c "import ianaports" {imported * 1000:5.1f} ms')
    print(f"ianaports show 2304 (cache) {show * 1000:6.1f} ms")
    print(f"ianaports search kerberos   {search * 1000:6.1f} ms")
    print(f"ratio to python -c pass     {show / bare:6.2f} x")
    print(f"ratio to import ianaports   {show / imported:6.2f} x   (target <= 3.0)")


if __name__ == "__main__":
    main()
