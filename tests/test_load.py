"""Load: sixteen readers and four writers on one cache folder at once.

The run lasts ``IANAPORTS_LOAD_SECONDS`` seconds (10 by default).  Every
release offered is synthetic with *n* records ``svc0..svc{n-1}`` on ports
1000-1002, so a reader can tell a whole release from a partial one by its
shape alone: ``load()`` gives exactly the stored count, and port 1000 holds
``ceil(n / 3)`` records.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from typing import TYPE_CHECKING

import pytest

from ianaports.store import Store
from realdata import PROJECT_ROOT
from synthetic import registry_xml

if TYPE_CHECKING:
    from pathlib import Path

LOAD_SECONDS = float(os.environ.get("IANAPORTS_LOAD_SECONDS", "10"))
READERS = 16
WRITERS = 4

# Each worker prints one JSON object: what it did and every problem it saw.
WORKER = textwrap.dedent(
    """
    import json, random, subprocess, sys, time
    import ianaports
    from ianaports.store import Store

    role, cache, deadline, seed = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    problems, done = [], 0

    def read_once(seen):
        with Store(cache) as store:
            releases = store.releases()
            now = {(r.updated.isoformat(), r.sha256) for r in releases}
            if not seen <= now:
                problems.append(f"releases disappeared: {sorted(seen - now)}")
            seen |= now
            if not releases:
                return
            info = rng.choice(releases)
            view = store.view(info.updated)
            expected = (info.record_count + 2) // 3
            found = view.lookup(1000)
            if len(found) != expected:
                problems.append(f"{info.updated}: lookup(1000) gave {len(found)} records, not {expected}")
            if rng.random() < 0.3:
                registry = store.load(info.updated)
                if len(registry) != info.record_count or registry.updated != info.updated:
                    problems.append(f"{info.updated}: load() gave {len(registry)} records, not {info.record_count}")
            if rng.random() < 0.3:
                history = store.snapshots(port=1001)
                if len(history) < len(releases):
                    problems.append(f"snapshots() saw {len(history)} releases, fewer than {len(releases)}")

    def read_cli():
        shown = subprocess.run(
            [sys.executable, "-m", "ianaports", "show", "1000", "--json", "--cache-dir", cache],
            capture_output=True, text=True,
        )
        if shown.returncode != 0 or not json.loads(shown.stdout):
            problems.append(f"ianaports show exited {shown.returncode}: {shown.stderr.strip()}")

    try:
        if role == "writer":
            for folder in sys.argv[5:]:
                result = ianaports.sync(folder, cache_dir=cache, force=True)
                if not result.ok:
                    problems.append(f"sync of {folder} failed: {result.to_json()}")
                done += 1
        else:
            seen = set()
            # At least one read each, however busy the machine: the count asserted cannot hang on load.
            while time.time() < deadline or done == 0:
                read_cli() if role == "cli-reader" else read_once(seen)
                done += 1
    except Exception as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
    print(json.dumps({"role": role, "done": done, "problems": problems}))
    """
)


def offer_releases(root: Path, writers: int, rounds: int) -> list[list[Path]]:
    """For each writer, *rounds* folders of two new releases each, on dates no other writer uses."""
    plan = []
    for writer in range(writers):
        folders = []
        for round_ in range(rounds):
            folder = root / f"writer{writer}-round{round_}"
            folder.mkdir(parents=True)
            for index in range(2):
                day = f"{2000 + round_}-{writer + 1:02d}-{index + 1:02d}"
                count = 2000 + 97 * writer + 31 * round_ + index
                (folder / f"release.{day}.xml").write_bytes(registry_xml(day, count))
            folders.append(folder)
        plan.append(folders)
    return plan


@pytest.mark.slow
def test_readers_and_writers(tmp_path):
    """Readers never see an error or a partial release while writers import, and the store ends complete."""
    cache = tmp_path / "cache"
    first = tmp_path / "first"
    first.mkdir()
    (first / "release.xml").write_bytes(registry_xml("1999-12-31", 1999))
    subprocess.run(
        [sys.executable, "-m", "ianaports", "sync", "--source", str(first), "--cache-dir", str(cache)],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    # Enough rounds to keep the writers busy for most of the run on two cores.
    rounds = max(1, round(LOAD_SECONDS / 3))
    plan = offer_releases(tmp_path / "offered", WRITERS, rounds)
    deadline = time.time() + LOAD_SECONDS
    roles = ["writer"] * WRITERS + ["cli-reader"] * 2 + ["reader"] * (READERS - 2)
    processes = []
    for number, role in enumerate(roles):
        folders = [str(folder) for folder in plan[number]] if role == "writer" else []
        argv = [sys.executable, "-c", WORKER, role, str(cache), str(deadline), str(number), *folders]
        processes.append(subprocess.Popen(argv, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=LOAD_SECONDS + 300)
        assert process.returncode == 0, err.decode()
        reports.append(json.loads(out))
    problems = [f"{report['role']}: {problem}" for report in reports for problem in report["problems"]]
    assert problems == []
    reads = sum(report["done"] for report in reports if report["role"] != "writer")
    assert reads >= READERS, f"readers only managed {reads} reads"
    offered = {path.name.split(".")[1] for folders in plan for folder in folders for path in folder.iterdir()}
    with Store(cache) as store:
        assert store.check() == []
        stored = {release.updated.isoformat() for release in store.releases()}
    assert stored == offered | {"1999-12-31"}
    imports = sum(report["done"] for report in reports if report["role"] == "writer")
    print(f"load: {reads} reads and {imports} imports in {time.time() - deadline + LOAD_SECONDS:.1f} s")
