"""`ianaports versions --check` on a store: wall and CPU time, and the peak memory of the process.

Run: python benchmarks/check.py STORE [--source SRC]

STORE is a data folder (for 390 releases, keep the one `benchmarks/archive.py`
imports: build its repository with `--keep DIR`, then
`ianaports sync --source DIR --data-dir STORE`).  The check runs in a fresh
process, so its peak RSS is the check's own; `--source SRC` runs it with
another checkout's `src/` first on the path, to compare against the code
before a change.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, resource, sys, time
from ianaports.store import Store
wall, cpu = time.perf_counter(), time.process_time()
with Store(sys.argv[1]) as store:
    report = store.check_report()
print(json.dumps({
    "wall": time.perf_counter() - wall,
    "cpu": time.process_time() - cpu,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "summary": report.summary(),
    "problems": len(report.problems),
}))
"""


def measure(store: Path, source: Path | None) -> dict[str, object]:
    """One check of *store* in a fresh process (with *source* first on the path when given)."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(store)], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path, metavar="STORE")
    parser.add_argument("--source", type=Path, metavar="SRC", help="another checkout's src/ folder to run instead")
    args = parser.parse_args()
    figures = measure(args.store, args.source)
    print(f"versions --check    {figures['wall']:6.2f} s wall, {figures['cpu']:6.2f} s CPU")
    print(f"peak memory (RSS)   {figures['peak_mb']:6.0f} MB")
    print(f"summary             {figures['summary']} ({figures['problems']} problems)")


if __name__ == "__main__":
    main()
