"""Build the static site of a 390-release store, then rebuild it after one more weekly release.

Run: python benchmarks/site.py [--store DIR] [--releases N]
(reads ../shared/registry or $IANAPORTS_TEST_REGISTRY to build the store)

The store is the one ``benchmarks/archive.py`` imports (the 13 real releases
with synthetic weekly releases between them), kept in --store (default
``ianaports-site-bench-N`` in the system's temporary folder) so later runs
reuse it; building it takes about ten minutes.

Printed, each phase in a fresh process (so peak memory is the build's own):
the full build into an empty folder (wall and CPU time, files, peak RSS;
targets 60 s and 500 MB), a rerun with nothing new (nothing to write), and
the rebuild after one weekly release added to a copy of the store (target
5 s), with how many files it rewrote.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REGISTRY_DIR, require

RELEASES = 390


def ensure_store(folder: Path, releases: int) -> None:
    """Build the store of *releases* synthetic weekly releases in *folder*, unless it is there."""
    from ianaports.store import DB_NAME  # noqa: PLC0415

    if (folder / DB_NAME).is_file():
        return
    require(REGISTRY_DIR)
    import archive  # noqa: PLC0415 - the repository builder, only when the store must be built
    from ianaports import sync  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="ianaports-site-bench-") as scratch:
        repository = Path(scratch) / "tracker.git"
        started = time.perf_counter()
        archive.build_repository(repository, releases)
        sync(repository, cache_dir=folder, force=True)
        print(f"built the store of {releases} releases in {time.perf_counter() - started:.0f} s (kept in {folder})")


def one_more_release(store: Path, scratch: Path) -> Path:
    """A release file one week after the newest stored one, with one description changed and one record added."""
    from ianaports.store import Store  # noqa: PLC0415

    with Store(store) as opened:
        info = opened.release("latest")
        text = opened.raw("latest").decode("utf-8")
    later = info.updated + dt.timedelta(days=7)
    text = re.sub(r"<updated>[^<]*</updated>", f"<updated>{later.isoformat()}</updated>", text, count=1)
    text = text.replace(
        "<description>Attachmate UTS</description>", "<description>Attachmate UTS (revised)</description>", 1
    )
    record = (
        "<record><name>site-bench-new</name><protocol>tcp</protocol>"
        "<description>A service added by the site benchmark</description><number>49151</number></record>\n"
    )
    at = text.index("<record")
    text = text[:at] + record + text[at:]
    path = scratch / f"weekly-{later.isoformat()}.xml"
    path.write_text(text, encoding="utf-8")
    return path


def phase(store: Path, output: Path) -> None:
    """Build once in this process and print one JSON line of figures."""
    from ianaports.site import build_site  # noqa: PLC0415
    from ianaports.store import Store  # noqa: PLC0415

    started, cpu = time.perf_counter(), time.process_time()
    with Store(store) as opened:
        result = build_site(opened, output)
    figures = result.to_json()
    figures["seconds"] = time.perf_counter() - started
    figures["cpu"] = time.process_time() - cpu
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def run_phase(store: Path, output: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", "--store", str(store), "--output", str(output)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, figures: dict[str, float], target: str) -> None:
    print(
        f"{label:<34} {figures['seconds']:7.1f} s (CPU {figures['cpu']:5.1f} s)  {figures['files']:6d} files, "
        f"{figures['written']:6d} written  peak {figures['peak_mb']:5.0f} MB  {target}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, default=RELEASES, metavar="N")
    parser.add_argument("--store", type=Path, metavar="DIR", help="the store to build from (built here if absent)")
    parser.add_argument("--phase", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    store = args.store or Path(tempfile.gettempdir()) / f"ianaports-site-bench-{args.releases}"
    if args.phase:
        phase(store, args.output)
        return
    ensure_store(store, args.releases)
    with tempfile.TemporaryDirectory(prefix="ianaports-site-") as scratch_name:
        scratch = Path(scratch_name)
        site = scratch / "site"
        full = run_phase(store, site)
        report(f"full site, {full['releases']} releases", full, "(targets <= 60 s, <= 500 MB)")
        again = run_phase(store, site)
        report("rerun, nothing new", again, "")
        copy = scratch / "store"
        shutil.copytree(store, copy)
        from ianaports import sync  # noqa: PLC0415

        sync(one_more_release(copy, scratch), cache_dir=copy)
        weekly = run_phase(copy, site)
        report("after one weekly release", weekly, "(target <= 5 s)")
    print(f"python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
