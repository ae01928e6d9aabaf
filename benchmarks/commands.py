"""Whole-registry commands as whole processes, against writing their bytes from a decoded registry (issue 20).

Run: python benchmarks/commands.py [RUNS] [--as-is]   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Builds a store from the newest real release in a temporary folder, then for
`free`, `stats` and `export --format json|jsonl|iana-csv|services` times:

* the whole process (median of RUNS runs, default 7, after a warm-up), wall
  time and the child's CPU time, its output going where a user would send it
  (`export -o /dev/null`; `free` and `stats` to stdout, here /dev/null);
* the baseline, in this process and in the same run: the release loaded once
  from the store, then only the command itself, its output into an
  io.StringIO.  The processes run as after an install (bytecode cached, in a
  temporary folder) with stdout buffered: PYTHONDONTWRITEBYTECODE and
  PYTHONUNBUFFERED are removed from their environment (``--as-is`` keeps the
  environment as inherited, to measure a shell that sets them).  The baseline runs the very command the process runs
  (``ianaports.cli.main``), the store read replaced by the registry already
  in memory, so both write the same bytes (checked here) by the same code.
  The baseline forces the full path (``_IANAPORTS_FULL_PATH=1``): a command
  the quick path answers (``export --format jsonl``) is thus timed against
  the full path's own rendering of the decoded registry.

Target: each whole process at most 0.3 s, or at most 2x its baseline.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from common import NEWEST, median_seconds, require

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ianaports.registry import Registry

RUNS = 7
TARGET_SECONDS = 0.3
TARGET_RATIO = 2.0
#: The commands of the issue's third target, as (label, argv after `ianaports`).
COMMANDS = [
    ("free", ["free"]),
    ("stats", ["stats"]),
    ("export json", ["export", "--format", "json"]),
    ("export jsonl", ["export", "--format", "jsonl"]),
    ("export iana-csv", ["export", "--format", "iana-csv"]),
    ("export services", ["export", "--format", "services"]),
]


def _process_argv(command: list[str]) -> list[str]:
    """The command as a user runs it: an export writes its file with -o."""
    return [*command, "-o", os.devnull] if command[0] == "export" else command


def _cpu() -> float:
    return time.process_time()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_seconds(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of *runs* processes running *argv*, stdout to /dev/null, after a warm-up."""
    samples: list[tuple[float, float]] = []
    for _ in range(runs + 1):
        cpu = _children_cpu()
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append((time.perf_counter() - started, _children_cpu() - cpu))
    measured = samples[1:]  # the first run warms the disk cache and the bytecode
    return statistics.median(wall for wall, _ in measured), statistics.median(cpu for _, cpu in measured)


@contextlib.contextmanager
def _decoded(registry: Registry) -> Iterator[None]:
    """Every command's store read answers with *registry*, already decoded."""
    import ianaports.cli.cache  # noqa: PLC0415 - the modules whose `release` is replaced
    import ianaports.cli.lookup  # noqa: PLC0415

    @contextlib.contextmanager
    def release(*_args: object, **_options: object) -> Iterator[Registry]:
        yield registry

    modules = (ianaports.cli.cache, ianaports.cli.lookup)
    kept = [module.release for module in modules]
    for module in modules:
        module.release = release  # type: ignore[assignment]
    # The baseline is the full path's command: the quick path (export jsonl) would read the store instead.
    forced = os.environ.get(ianaports.cli.FULL_PATH_ENV)
    os.environ[ianaports.cli.FULL_PATH_ENV] = "1"
    try:
        yield
    finally:
        for module, original in zip(modules, kept, strict=False):
            module.release = original  # type: ignore[method-assign]
        if forced is None:
            del os.environ[ianaports.cli.FULL_PATH_ENV]
        else:
            os.environ[ianaports.cli.FULL_PATH_ENV] = forced


def _in_process(command: list[str]) -> str:
    from ianaports.cli import main  # noqa: PLC0415 - after the store is filled

    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(command, stdout=stdout, stderr=stderr)
    if code != 0:
        raise SystemExit(f"ianaports {' '.join(command)} failed in-process: {stderr.getvalue()}")
    return stdout.getvalue()


def _user_env(folder: Path, cache: Path, *, as_is: bool) -> dict[str, str]:
    """This environment as a user's shell has it: bytecode cached (outside the project), stdout buffered."""
    if as_is:
        return {**os.environ, "IANAPORTS_DATA_DIR": str(cache)}
    env = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")
    }
    return {**env, "PYTHONPYCACHEPREFIX": str(folder / "pycache"), "IANAPORTS_DATA_DIR": str(cache)}


def measure_commands(runs: int = RUNS, *, as_is: bool = False) -> dict[str, dict[str, float]]:
    """Per command: whole-process wall and CPU seconds, and the in-process baseline's wall and CPU seconds."""
    from ianaports.store import Store  # noqa: PLC0415 - imported once the benchmark runs

    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "store"
        env = _user_env(Path(tmp), cache, as_is=as_is)
        python = [sys.executable, "-m", "ianaports"]
        subprocess.run([*python, "sync", "--source", str(require(NEWEST)), "--quiet"], env=env, check=True)
        with Store(cache) as store:
            registry = store.load()
        for label, command in COMMANDS:
            wall, cpu = process_seconds([*python, *_process_argv(command)], env, runs)
            written = subprocess.run([*python, *command], env=env, check=True, capture_output=True).stdout
            with _decoded(registry):
                if _in_process(command).encode() != written:
                    raise SystemExit(f"{label}: the in-process baseline does not write the process's bytes")
                base_wall = median_seconds(lambda command=command: _in_process(command), runs)
                base_cpu = median_seconds(lambda command=command: _in_process(command), runs, clock=_cpu)
            figures[label] = {
                "wall": wall,
                "cpu": cpu,
                "base_wall": base_wall,
                "base_cpu": base_cpu,
                "bytes": len(written),
            }
    return figures


def verdict(cpu: float, base_cpu: float) -> str:
    """Whether a command meets the target (0.3 s, or 2x its baseline), and by which of the two."""
    if cpu <= TARGET_SECONDS:
        return "yes (<= 0.3 s)"
    if cpu <= TARGET_RATIO * base_cpu:
        return "yes (<= 2x)"
    return "no"


def main() -> None:
    numbers = [argument for argument in sys.argv[1:] if argument.isdigit()]
    figures = measure_commands(int(numbers[0]) if numbers else RUNS, as_is="--as-is" in sys.argv[1:])
    print("| command | bytes | process wall | process CPU | baseline wall | baseline CPU | CPU ratio | meets |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for label, _ in COMMANDS:
        row = figures[label]
        cells = [
            f"`{label}`",
            f"{int(row['bytes']):,}",
            *(f"{row[key] * 1000:,.0f} ms" for key in ("wall", "cpu", "base_wall", "base_cpu")),
            f"{row['cpu'] / row['base_cpu']:.2f}x",
            verdict(row["cpu"], row["base_cpu"]),
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
