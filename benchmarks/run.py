"""Every benchmark in one run, printed as one Markdown table of ratios with the machine it ran on.

Run: python benchmarks/run.py [--quick] [--releases N] [--store-dir DIR]
(reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

The store of N synthetic weekly releases (400 by default, 40 with --quick) used
for the history figures is built once and kept in --store-dir (default: a
folder in the system's temporary directory) for later runs; its build is the
"import of N releases" figure, so a later run reports the time of the build
it reuses, and says so.  Delete the folder, or pass --rebuild, to measure again.
Nothing generated is ever written inside the project.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import attrs
from lxml import etree

import ianaports
from commands import COMMANDS, measure_commands
from common import REGISTRY_DIR, median_process_seconds, median_seconds, require
from diff import measure_diff
from ianaports import history
from ianaports.parser import parse_bytes
from ianaports.store import SCHEMA_VERSION, Store
from parse import measure_memory, measure_parse, newest_bytes
from startup import measure_startup
from store import BATCH, build_synthetic_store, measure_import

SIZE_TARGET = 50e6
TARGET_RELEASES = 400
BUILD_NOTE = "bench.json"


def machine() -> str:
    """CPU model, cores, OS, and the versions that matter to these figures."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    lxml_version = ".".join(map(str, etree.LXML_VERSION[:3]))
    libxml2 = ".".join(map(str, etree.LIBXML_VERSION))
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"CPython {platform.python_version()}, lxml {lxml_version} (libxml2 {libxml2}), "
        f"SQLite {sqlite3.sqlite_version}, attrs {attrs.__version__}, ianaports {ianaports.__version__}"
    )


def synthetic_store(folder: Path, count: int, *, rebuild: bool) -> dict[str, float]:
    """The store of *count* synthetic releases in *folder*, built unless a matching one is kept there."""
    note = folder / BUILD_NOTE
    if not rebuild and note.is_file():
        kept = json.loads(note.read_text())
        if kept.get("count") == count and kept.get("schema") == SCHEMA_VERSION:
            return {**kept, "reused": True}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    cache = folder / "cache"
    # The first batch alone gives a second point for extrapolating the size to 400 releases.
    first = build_synthetic_store(cache, count, weeks=range(min(BATCH, count)))
    figures = {"count": count, "schema": SCHEMA_VERSION, "first_count": first["count"], "first_size": first["size"]}
    rest = build_synthetic_store(cache, count, weeks=range(min(BATCH, count), count))
    figures |= {"seconds": first["seconds"] + rest["seconds"], "size": rest["size"]}
    note.write_text(json.dumps(figures))
    return {**figures, "reused": False}


def history_seconds(cache: Path, **query: object) -> tuple[float, int]:
    """Median seconds of opening the store, reading a query's snapshots and computing its history."""

    def run() -> int:
        with Store(cache) as store:
            return len(history(store.snapshots(**query), **query).events)  # type: ignore[arg-type]

    return median_seconds(run, repeat=5), run()


def process_peak_rss(code: str, env: dict[str, str]) -> float:
    """Peak resident bytes of a fresh interpreter running *code* (median of three runs).

    Linux's VmHWM belongs to the new program; ``ru_maxrss`` would carry over
    the benchmark process's own peak across fork and exec.
    """
    script = (
        f"{code}\nimport pathlib, resource, sys\n"
        "status = pathlib.Path('/proc/self/status')\n"
        "hwm = [l for l in status.read_text().splitlines() if l.startswith('VmHWM')] if status.exists() else []\n"
        "scale = 1 if sys.platform == 'darwin' else 1024\n"
        "print(int(hwm[0].split()[1]) * 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale)"
    )
    samples = [
        int(subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True).stdout)
        for _ in range(3)
    ]
    return statistics.median(samples)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def megabytes(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="use 40 synthetic releases instead of 400")
    parser.add_argument("--releases", type=int, metavar="N", help="synthetic releases in the history store")
    parser.add_argument("--store-dir", type=Path, metavar="DIR", help="where the synthetic store is kept")
    parser.add_argument("--rebuild", action="store_true", help="build the synthetic store even if one is kept")
    args = parser.parse_args()
    count = args.releases or (40 if args.quick else TARGET_RELEASES)
    store_dir = args.store_dir or Path(tempfile.gettempdir()) / f"ianaports-bench-{count}"
    rows: list[tuple[str, str, str, str, str]] = []

    def row(measure: str, ours: float, base_label: str, base: float, target: str = "", *, unit=ms) -> None:
        rows.append((measure, unit(ours), f"{base_label} {unit(base)}", f"{ours / base:.2f}x", target))

    print(f"machine: {machine()}", file=sys.stderr)
    data = newest_bytes()
    newest = parse_bytes(data)
    parse_times = measure_parse(data)
    parse_one = parse_times["ours"]
    row(
        f"parse {newest.updated} ({len(newest):,} records, {len(data) / 1e6:.1f} MB)",
        parse_one,
        "raw `lxml.etree.fromstring`",
        parse_times["lxml"],
    )
    print("parse done", file=sys.stderr)

    startup = measure_startup()
    row("warm `ianaports show 2304`, whole process", startup["show"], "`python -c pass`", startup["bare"])
    row(
        "warm `ianaports show 2304`, whole process",
        startup["show"],
        '`python -c "import ianaports"`',
        startup["imported"],
        "3.0x",
    )
    row("warm `ianaports search kerberos`, whole process", startup["search"], "`python -c pass`", startup["bare"])
    print("start-up done", file=sys.stderr)

    commands = measure_commands()
    for label, _ in COMMANDS:
        measured = commands[label]
        row(
            f"`ianaports {label}`, whole process CPU",
            measured["cpu"],
            "the command in-process, registry decoded",
            measured["base_cpu"],
            "0.3 s or 2.0x",
        )
    print("commands done", file=sys.stderr)

    diffed = measure_diff()
    label = f"diff {diffed['old'].updated} vs {diffed['new'].updated}"
    row(f"{label}, in-process", diffed["diff"], "parse both", diffed["parse_both"], "0.5x")
    row(f"{label}, whole `ianaports diff --json` process", diffed["whole"], "parse both", diffed["parse_both"])
    print("diff done", file=sys.stderr)

    with tempfile.TemporaryDirectory() as cache:
        real = measure_import(require(REGISTRY_DIR), Path(cache))
    real_count = int(real["count"])
    row(
        f"import of the {real_count} real releases, per release (empty store)",
        real["seconds"] / real_count,
        "parse one",
        parse_one,
    )
    print("real import done", file=sys.stderr)

    built = synthetic_store(store_dir, count, rebuild=args.rebuild)
    how = f"kept from an earlier run in {store_dir}" if built["reused"] else "built now"
    row(
        f"import of {count} synthetic weekly releases, per release ({how})",
        built["seconds"] / count,
        "parse one",
        parse_one,
    )
    if count >= TARGET_RELEASES:
        size_label, size = f"store size, {count} releases", built["size"]
    else:
        slope = (built["size"] - built["first_size"]) / max(1, count - built["first_count"])
        size = built["size"] + slope * (TARGET_RELEASES - count)
        size_label = f"store size, {TARGET_RELEASES} releases (extrapolated from {count}: {megabytes(built['size'])})"
    row(size_label, size, "target", SIZE_TARGET, "1.0x", unit=megabytes)
    cache = store_dir / "cache"
    for query in ({"port": 2304}, {"port": 80}, {"name": "http"}):
        seconds, events = history_seconds(cache, **query)
        text = ", ".join(f"{key}={value}" for key, value in query.items())
        row(f"history({text}) over {count} releases from the store ({events} events)", seconds, "parse one", parse_one)
    env = {**os.environ, "IANAPORTS_CACHE_DIR": str(cache)}
    whole = median_process_seconds([sys.executable, "-m", "ianaports", "history", "80"], env, 10)
    row(f"`ianaports history 80` over {count} releases, whole process", whole, "`python -c pass`", startup["bare"])
    print("history done", file=sys.stderr)

    memory = measure_memory(data)
    row(
        "Python memory retained by a parsed Registry (tracemalloc)",
        memory["retained"],
        "XML",
        len(data),
        unit=megabytes,
    )
    env = {**os.environ, "IANAPORTS_CACHE_DIR": str(cache)}
    loaded = process_peak_rss("import ianaports\nregistry = ianaports.load()", env)
    imported = process_peak_rss("import ianaports", env)
    row("peak RSS of a process holding `ianaports.load()`", loaded, "`import ianaports`", imported, unit=megabytes)

    print(f"\nMachine: {machine()}\n")
    print("| measure | ianaports | baseline | ratio | target |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for cells in rows:
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
