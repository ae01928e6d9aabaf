"""Shared helpers for the benchmark scripts: where releases are, and timing."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REGISTRY_DIR = Path(os.environ.get("IANAPORTS_TEST_REGISTRY", PROJECT_ROOT.parent / "shared" / "registry"))
NEWEST = REGISTRY_DIR / "service-names-port-numbers.20251215.xml.xz"


def require(path: Path) -> Path:
    """Exit with a clear reason when a benchmark input is absent."""
    if not path.exists():
        raise SystemExit(f"benchmark input {path} not found (set IANAPORTS_TEST_REGISTRY)")
    return path


def median_seconds(
    function: Callable[[], object], repeat: int = 7, *, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Median time of *repeat* calls by *clock* (wall time unless told), after one warm-up call."""
    function()
    samples = []
    for _ in range(repeat):
        started = clock()
        function()
        samples.append(clock() - started)
    return statistics.median(samples)


def median_process_seconds(argv: list[str], env: dict[str, str], runs: int = 15) -> float:
    """Median wall time of *runs* whole processes running *argv*, after one warm-up run."""
    subprocess.run(argv, env=env, check=True, capture_output=True)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
