"""Import 390 weekly releases (2017-2025) from a git repository into an empty store.

Run: python benchmarks/archive.py [--releases N] [--keep DIR]
(reads the 13 real releases of ../shared/registry or $IANAPORTS_TEST_REGISTRY)

The repository is built in a temporary folder, as a public tracker would hold
it: one commit per release of ``service-names-port-numbers.xml``.  The 13 real
releases are in it byte for byte; between each pair of consecutive real
releases, synthetic releases apply a growing share of the record-level changes
from the older to the newer (whole ``<record>`` blocks, taken in document
order, so each one parses), each with its own ``<updated>`` date, spread
evenly in time.

Printed: the whole import (``ianaports.sync(repository)``: listing, reading
from git, hashing, parsing, storing), the time to parse the same releases one
by one in the same process, their ratio (target at most 1.3), the store's size
on disk (target at most 30 MB, raw archive included) and the peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import itertools
import lzma
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from common import REGISTRY_DIR, require
from ianaports import _sync, sync
from ianaports.parser import parse_bytes
from ianaports.sources import DEFAULT_GIT_PATH, GitSource

if TYPE_CHECKING:
    from collections.abc import Iterator

RELEASES = 390
_UPDATED = re.compile(r"<updated>[^<]*</updated>")
_RECORD_END = "</record>\n"


def folder_size(folder: Path) -> int:
    """Bytes of every file under *folder*."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def split(text: str) -> tuple[str, list[str], str]:
    """A release's text as (head, record blocks, tail): the blocks joined between them give it back."""
    first = text.index("<record")
    start = text.rindex("\n", 0, first) + 1
    end = text.rindex(_RECORD_END) + len(_RECORD_END)
    body = text[start:end]
    blocks = [block + _RECORD_END for block in body.split(_RECORD_END)[:-1]]
    if "".join(blocks) != body:
        raise SystemExit("cannot split the release into record blocks")
    return text[:start], blocks, text[end:]


def between(older: str, newer: str, shares: list[float]) -> Iterator[str]:
    """For each share in *shares*, *older* with that share of its record changes towards *newer* applied."""
    head_a, blocks_a, tail_a = split(older)
    head_b, blocks_b, tail_b = split(newer)
    opcodes = difflib.SequenceMatcher(None, blocks_a, blocks_b, autojunk=False).get_opcodes()
    changes = sum(1 for tag, *_ in opcodes if tag != "equal")
    for share in shares:
        applied = round(share * changes)
        parts: list[str] = []
        change = 0
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                parts += blocks_a[i1:i2]
                continue
            parts += blocks_b[j1:j2] if change < applied else blocks_a[i1:i2]
            change += 1
        head, tail = (head_b, tail_b) if share >= 0.5 else (head_a, tail_a)
        yield head + "".join(parts) + tail


def plan(dates: list[dt.date], total: int) -> list[int]:
    """How many synthetic releases go between each pair of real ones: proportional to the days between."""
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(dates)]
    wanted = total - len(dates)
    exact = [wanted * gap / sum(gaps) for gap in gaps]
    counts = [min(int(share), gap - 1) for share, gap in zip(exact, gaps, strict=True)]
    order = sorted(range(len(gaps)), key=lambda index: exact[index] - counts[index], reverse=True)
    while sum(counts) < wanted:
        for index in order:
            if sum(counts) < wanted and counts[index] < gaps[index] - 1:
                counts[index] += 1
    return counts


def releases(total: int) -> Iterator[tuple[dt.date, bytes]]:
    """*total* releases, oldest first: the real ones byte for byte and synthetic ones between them."""
    paths = sorted(require(REGISTRY_DIR).glob("service-names-port-numbers.*.xml.xz"))
    texts = [lzma.decompress(path.read_bytes()) for path in paths]
    dates = [dt.date.fromisoformat(_UPDATED.search(text.decode()).group()[9:19]) for text in texts]  # type: ignore[union-attr]
    counts = plan(dates, total)
    for index, (text, day) in enumerate(zip(texts, dates, strict=True)):
        yield day, text
        if index == len(texts) - 1:
            break
        count, gap = counts[index], (dates[index + 1] - day).days
        shares = [(step + 1) / (count + 1) for step in range(count)]
        synthetic = between(text.decode(), texts[index + 1].decode(), shares)
        for share, body in zip(shares, synthetic, strict=True):
            when = day + dt.timedelta(days=round(share * gap))
            yield when, _UPDATED.sub(f"<updated>{when.isoformat()}</updated>", body, count=1).encode()


def build_repository(folder: Path, total: int) -> list[dt.date]:
    """A git repository at *folder* with one commit per release, oldest first (by git fast-import)."""
    subprocess.run(["git", "init", "--quiet", "--bare", str(folder)], check=True)
    importer = subprocess.Popen(
        ["git", "-C", str(folder), "fast-import", "--quiet"],
        stdin=subprocess.PIPE,
    )
    assert importer.stdin is not None
    days = []
    for day, data in releases(total):
        days.append(day)
        stamp = int(dt.datetime.combine(day, dt.time(12), dt.timezone.utc).timestamp())
        message = f"release {day}".encode()
        command = (
            b"commit refs/heads/main\n"
            + f"committer tracker <tracker@example.invalid> {stamp} +0000\n".encode()
            + f"data {len(message)}\n".encode()
            + message
            + b"\n"
            + f"M 100644 inline {DEFAULT_GIT_PATH}\ndata {len(data)}\n".encode()
        )
        importer.stdin.write(command + data + b"\n")
    importer.stdin.close()
    if importer.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(folder), "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    return days


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (git), user and system."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def parse_one_by_one(repository: Path) -> tuple[int, float, float]:
    """Parse every version in the repository once (reading it is not timed): count, wall and CPU seconds."""
    seconds = cpu = 0.0
    with GitSource(repository) as source:
        candidates = source.candidates()
        for candidate, data in source.read_many(candidates):
            assert isinstance(data, bytes)
            started, cpu_started = time.perf_counter(), time.process_time()
            registry = parse_bytes(data)
            seconds += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            del candidate, registry  # freed outside the timed part, as the import frees it after storing
    return len(candidates), seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--releases", type=int, default=RELEASES, metavar="N")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build (or reuse) the repository here and keep it")
    parser.add_argument(
        "--parse-ahead",
        choices=["thread", "serial"],
        default=_sync._PARSE_AHEAD,  # noqa: SLF001 - the pipeline's one setting, compared here
        help="parse the next release in a thread while this one is stored, or each in turn",
    )
    args = parser.parse_args()
    _sync._PARSE_AHEAD = args.parse_ahead  # noqa: SLF001 - see --parse-ahead
    with tempfile.TemporaryDirectory(prefix="ianaports-archive-") as scratch:
        repository = args.keep or Path(scratch) / "tracker.git"
        started = time.perf_counter()
        if not (repository / "HEAD").is_file():
            days = build_repository(repository, args.releases)
            print(f"built {len(days)} releases ({days[0]} to {days[-1]}) in {time.perf_counter() - started:.0f} s")
        count, parse_seconds, parse_cpu = parse_one_by_one(repository)
        store = Path(scratch) / "store"
        started, cpu = time.perf_counter(), cpu_seconds()
        result = sync(repository, cache_dir=store, force=True)
        import_seconds, import_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        added = len(result.added)
        size = folder_size(store)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"releases in the repository   {count:8d} (imported: {added})")
    each = f"{import_seconds / added:.3f} s each; CPU {import_cpu:.1f} s"
    print(f"import, whole                {import_seconds:8.1f} s  ({each})")
    each = f"{parse_seconds / count:.3f} s each; CPU {parse_cpu:.1f} s"
    print(f"parse, one by one            {parse_seconds:8.1f} s  ({each})")
    ratio = import_seconds / parse_seconds
    print(f"ratio import / parse         {ratio:8.2f}    (target <= 1.3; in CPU time {import_cpu / parse_cpu:.2f})")
    print(f"store size on disk           {size / 1e6:8.1f} MB (target <= 30, raw archive included)")
    print(f"peak memory (RSS)            {peak:8.0f} MB")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, parse ahead: {args.parse_ahead}")


if __name__ == "__main__":
    main()
