"""What a warm `explain PORT` cannot avoid importing, against `python -c pass` (issue 20's 3x target).

Run: python benchmarks/explain_floor.py [RUNS]

Times whole processes (median CPU of RUNS runs, default 15, after a warm-up)
that import only what a quick `explain` would need: sqlite3 (the index) and
textwrap (the text page wraps at 80 columns; it brings `re`), then the same
plus each module a quick path would have to leave out, one at a time, and the
command as it is.  The differences say which imports a 3x `explain` can afford:
the floor leaves about a third of the budget for ianaports' own modules and
the work.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import NEWEST, require

RUNS = 15
FLOOR = "import sqlite3, textwrap"
#: Each module a quick explain would leave out, imported on top of the floor.
EXTRAS = ["json", "html", "typing", "pathlib", "tomllib", "argparse", "attr", "ianaports.model", "ianaports.notes"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(argv: list[str], env: dict[str, str], runs: int) -> float:
    """Median CPU seconds of *runs* whole processes running *argv*, after one warm-up."""
    subprocess.run(argv, env=env, check=False, capture_output=True)
    samples = []
    for _ in range(runs):
        before = _children_cpu()
        subprocess.run(argv, env=env, check=False, capture_output=True)
        samples.append(_children_cpu() - before)
    return statistics.median(samples)


def main() -> None:
    """Print one row per measure: CPU and ratio to `python -c pass`."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    release = require(NEWEST)
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "IANAPORTS_DATA_DIR": folder, "IANAPORTS_CACHE_DIR": folder}
        # As after an install: the warm-up writes the bytecode cache (else every run recompiles ianaports).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        python = [sys.executable]
        subprocess.run(
            [*python, "-m", "ianaports", "sync", "--source", str(release)], env=env, check=True, capture_output=True
        )
        rows = [("python -c pass", [*python, "-c", "pass"]), (f"floor: {FLOOR}", [*python, "-c", FLOOR])]
        rows.extend((f"floor + {name}", [*python, "-c", f"{FLOOR}, {name}"]) for name in EXTRAS)
        rows.extend(
            (f"explain 2304 {' '.join(extra)}".strip(), [*python, "-m", "ianaports", "explain", "2304", *extra])
            for extra in ([], ["--json"])
        )
        floor = None
        print(f"{Path(release).name}, median CPU of {runs} processes")
        print("| measure | CPU | ratio to `python -c pass` |")
        print("| --- | ---: | ---: |")
        for label, argv in rows:
            seconds = process_cpu(argv, env, runs)
            floor = floor or seconds
            print(f"| `{label}` | {seconds * 1000:.1f} ms | {seconds / floor:.2f}x |")


if __name__ == "__main__":
    main()
