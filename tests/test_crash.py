"""Crash safety: `ianaports sync` killed with SIGKILL at random moments never damages the store.

The loop runs for ``IANAPORTS_CRASH_SECONDS`` seconds (8 by default; set it
higher for a thorough run) and is seeded by ``IANAPORTS_CRASH_SEED`` (random
by default); every failure message names the seed, so a failing run can be
replayed exactly.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from ianaports._files import TEMP_PREFIX as FILES_PREFIX
from ianaports.store import ARCHIVE_DIR, TEMP_PREFIX, Store
from realdata import PROJECT_ROOT, real_release_paths
from synthetic import registry_xml

if TYPE_CHECKING:
    from pathlib import Path

CRASH_SECONDS = float(os.environ.get("IANAPORTS_CRASH_SECONDS", "8"))
CRASH_SEED = int(os.environ.get("IANAPORTS_CRASH_SEED", str(random.SystemRandom().randrange(2**32))))

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def temp_files(cache: Path) -> list[Path]:
    """Temporary files in the store folder and its archive/ folder."""
    return [
        path
        for folder in (cache, cache / ARCHIVE_DIR)
        for prefix in (TEMP_PREFIX, FILES_PREFIX)
        for path in folder.glob(f"{prefix}*")
    ]


def stored(cache: Path) -> set[tuple[str, str]]:
    """Every release in the store as (date, sha256), after checking the whole store."""
    with Store(cache) as store:
        problems = store.check()
        assert problems == [], problems
        return {(release.updated.isoformat(), release.sha256) for release in store.releases()}


def sync_command(source: Path, cache: Path) -> list[str]:
    # --force: synthetic releases are smaller than real ones and would be refused as suspect.
    return [sys.executable, "-m", "ianaports", "sync", "--source", str(source), "--cache-dir", str(cache), "--force"]


def write_batch(folder: Path, rng: random.Random, used_dates: set[str], reals: list[Path]) -> None:
    """One to three new synthetic releases on unused dates, now and then with a real release beside them."""
    folder.mkdir()
    for _ in range(rng.randint(1, 3)):
        while True:
            day = f"{rng.randint(2000, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if day not in used_dates:
                break
        used_dates.add(day)
        # Records overlap between releases, and some come in reverse order, as after IANA reorders.
        xml = registry_xml(day, rng.randint(3000, 5000), reverse=rng.random() < 0.2)
        (folder / f"release.{day}.xml").write_bytes(xml)
    if reals and rng.random() < 0.3:
        real = reals.pop(rng.randrange(len(reals)))
        (folder / real.name).symlink_to(real)


@pytest.mark.slow
def test_sigkill_loop(tmp_path):
    """A sync killed at any moment leaves a store that opens, passes check() and keeps every committed release."""
    rng = random.Random(CRASH_SEED)
    context = f"(IANAPORTS_CRASH_SEED={CRASH_SEED})"
    cache = tmp_path / "cache"
    everything = tmp_path / "everything"
    everything.mkdir()
    reals = real_release_paths()[-2:]
    used_dates: set[str] = set()
    committed: set[tuple[str, str]] = set()
    kills = completions = 0
    durations: list[float] = []
    deadline = time.monotonic() + CRASH_SECONDS
    iteration = 0
    while time.monotonic() < deadline:
        iteration += 1
        batch = tmp_path / f"batch{iteration}"
        write_batch(batch, rng, used_dates, reals)
        for release in batch.iterdir():
            (everything / release.name).symlink_to(release.resolve())
        process = subprocess.Popen(
            sync_command(everything, cache), cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # Kill at a random moment of a run as long as the last ones that finished: before, during
        # or between the writes (start-up alone takes a few tenths of a second).
        started = time.monotonic()
        kill_at = started + rng.uniform(0.1, 1.1 * max(durations[-5:], default=1.0))
        while time.monotonic() < kill_at and process.poll() is None:
            time.sleep(0.005)
        if process.poll() is not None:
            durations.append(time.monotonic() - started)
        process.kill()
        _, error = process.communicate()
        if process.returncode == -signal.SIGKILL:
            kills += 1
        else:
            completions += 1
            assert process.returncode == 0, f"iteration {iteration}: sync failed: {error.decode()} {context}"
        try:
            now = stored(cache)
        except AssertionError as exc:
            pytest.fail(f"iteration {iteration}: the store fails its check after a kill: {exc} {context}")
        lost = committed - now
        assert not lost, f"iteration {iteration}: releases lost after a kill: {sorted(lost)} {context}"
        # A killed writer may leave its own temporary files (named by its pid); the next writer sweeps them.
        leftovers = temp_files(cache)
        writers = {
            path.name.removeprefix(TEMP_PREFIX).split(".")[0] for path in leftovers if path.name.startswith(TEMP_PREFIX)
        }
        atomic = [path for path in leftovers if path.name.startswith(FILES_PREFIX)]
        assert len(writers) <= 1, f"iteration {iteration}: {leftovers} {context}"
        assert len(atomic) <= 1, f"iteration {iteration}: {leftovers} {context}"
        committed = now
    # Each run re-reads the whole folder (stored files are skipped by hash), as a user re-running an
    # interrupted import would; a last run, never killed, imports the rest and sweeps what kills left.
    finished = subprocess.run(
        sync_command(everything, cache), cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, f"{finished.stderr} {context}"
    assert temp_files(cache) == [], context
    assert len(stored(cache)) == len(list(everything.iterdir())), context
    check = subprocess.run(
        [sys.executable, "-m", "ianaports", "versions", "--check", "--cache-dir", str(cache)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, f"{check.stdout}{check.stderr} {context}"
    assert kills > 0, f"no sync was killed in {iteration} iterations {context}"
    print(f"crash loop: {iteration} iterations, {kills} killed, {completions} finished {context}")
