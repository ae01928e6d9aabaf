"""Warm read commands from the store as whole processes, against Python's own start-up (issue 20).

Run: python benchmarks/startup.py [RUNS]   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Builds a store from the newest real release in a temporary folder, then times
whole processes (median of RUNS runs, default 15, after a warm-up), wall time
and the child's CPU time: `python -c pass`, `python -c "import ianaports"`,
`--version`, `--help`, and `show 2304`, `show ssh`, `search kerberos`,
`history 2304` and `explain 2304`, each in text and with --json; then `sync`
of a local HTTP source that answers 304 Not Modified; then `search` in-process
on a warm view.  Processes run with a bytecode cache (in the temporary
folder, whatever PYTHONDONTWRITEBYTECODE says), as after an install.
whatportis is timed answering `whatportis 2304` when it is
installed beside this Python (its database built offline from our IANA CSV
export); otherwise its row says why it is absent.  Targets: each read command
at most 3x `python -c pass`, the 304 sync at most 2x `show`, search under 1 ms
in-process.
"""

from __future__ import annotations

import http.server
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import NEWEST, median_seconds, require

RUNS = 15
#: The console script pip writes, timed beside ``python -m`` when it is installed next to this Python.
SCRIPT_SHOW = "ianaports show 2304 (console script)"
#: The read commands of the issue's first target, as (label, argv after `ianaports`).
COMMANDS = [
    ("show 2304", ["show", "2304"]),
    ("show ssh", ["show", "ssh"]),
    ("search kerberos", ["search", "kerberos"]),
    ("history 2304", ["history", "2304"]),
    ("explain 2304", ["explain", "2304"]),
]
SEARCH_WORDS = ["kerberos", "ssh", "http", "remote", "microsoft"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_seconds(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall and median CPU seconds of *runs* whole processes running *argv*, after one warm-up."""
    subprocess.run(argv, env=env, check=False, capture_output=True)
    walls, cpus = [], []
    for _ in range(runs):
        cpu = _children_cpu()
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=False, capture_output=True)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def interleaved_seconds(
    commands: list[tuple[str, list[str]]], env: dict[str, str], runs: int
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each labelled command, run in turns (one of each per round).

    Turns, not one command's runs in a row: the first commands of a run would
    otherwise pay for a machine still settling (seen here: `python -c pass`
    measured first came out slower than `import ianaports`), which flatters
    every ratio to it.
    """
    for _, argv in commands:
        subprocess.run(argv, env=env, check=False, capture_output=True)
    walls: dict[str, list[float]] = {label: [] for label, _ in commands}
    cpus: dict[str, list[float]] = {label: [] for label, _ in commands}
    for _ in range(runs):
        for label, argv in commands:
            cpu = _children_cpu()
            started = time.perf_counter()
            subprocess.run(argv, env=env, check=False, capture_output=True)
            walls[label].append(time.perf_counter() - started)
            cpus[label].append(_children_cpu() - cpu)
    return {label: (statistics.median(walls[label]), statistics.median(cpus[label])) for label, _ in commands}


class _ConditionalHandler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        if self.headers.get("If-None-Match") == '"bench"':
            self.send_response(304)
            self.send_header("ETag", '"bench"')
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", '"bench"')
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        del args


#: Builds whatportis' TinyDB file from a local IANA CSV: its own --update downloads IANA's CSV.
_WHATPORTIS_BUILD = """
import sys, requests, whatportis.cli
data = open(sys.argv[1], "rb").read()
requests.get = lambda url, **options: type("Answer", (), {"content": data})()
whatportis.cli.populate_db()
"""


def _whatportis(folder: Path, env: dict[str, str]) -> tuple[list[str], dict[str, str]] | str:
    """The argv and env of `whatportis 2304` with its database built from our CSV, or why it cannot run.

    whatportis is looked for beside this Python, else at $WHATPORTIS (a virtual
    environment's ``bin/whatportis``); its database is built with that
    environment's Python from ``ianaports export --format iana-csv``.
    """
    found = shutil.which("whatportis", path=str(Path(sys.executable).parent)) or os.environ.get("WHATPORTIS")
    if not found:
        return "not installed beside this Python nor at $WHATPORTIS (pip install whatportis)"
    home = folder / "home"
    home.mkdir()
    csv_path = folder / "ports.csv"
    subprocess.run(
        [sys.executable, "-m", "ianaports", "export", "--format", "iana-csv", "-o", str(csv_path)], env=env, check=True
    )
    wp_env = {**env, "HOME": str(home)}
    wp_python = str(Path(found).parent / "python")
    built = subprocess.run(
        [wp_python, "-c", _WHATPORTIS_BUILD, str(csv_path)], env=wp_env, capture_output=True, text=True, check=False
    )
    probe = subprocess.run([found, "2304"], env=wp_env, capture_output=True, text=True, check=False)
    if "attachmate" not in probe.stdout.lower():
        return f"whatportis found but its database could not be built offline ({built.stderr.strip()[-120:]})"
    return [found, "2304"], wp_env


def measure_startup(runs: int = RUNS) -> dict[str, float | str]:
    """Median seconds of each process (wall, and CPU under ``cpu:``), the 304 sync and in-process search."""
    figures: dict[str, float | str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cache = folder / "store"
        env = {**os.environ, "IANAPORTS_DATA_DIR": str(cache), "IANAPORTS_CACHE_DIR": str(cache)}
        # Warm means with a bytecode cache, as after any install: kept in the temporary folder (nothing is
        # written inside the project), and written even where PYTHONDONTWRITEBYTECODE is set (CI, this
        # project's shells), which would otherwise recompile every module on every run (about +25 ms).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        subprocess.run(
            [sys.executable, "-m", "ianaports", "sync", "--source", str(require(NEWEST)), "--quiet"],
            env=env,
            check=True,
        )
        python = [sys.executable]
        plain = [
            ("bare", [*python, "-c", "pass"]),
            ("imported", [*python, "-c", "import ianaports"]),
            ("--version", [*python, "-m", "ianaports", "--version"]),
            ("--help", [*python, "-m", "ianaports", "--help"]),
        ]
        for label, command in COMMANDS:
            plain.append((label, [*python, "-m", "ianaports", *command]))
            plain.append((f"{label} --json", [*python, "-m", "ianaports", *command, "--json"]))
        # The console script pip writes (``ianaports show 2304`` as a user types it): its wrapper imports re,
        # and it skips the runpy of ``-m``.
        script = Path(sys.executable).with_name("ianaports")
        if script.exists():
            plain.append((SCRIPT_SHOW, [str(script), "show", "2304"]))
        for label, (wall, cpu) in interleaved_seconds(plain, env, runs).items():
            figures[label], figures[f"cpu:{label}"] = wall, cpu
        figures["show"], figures["search"] = figures["show 2304"], figures["search kerberos"]

        # sync against a source that answers 304 (the store was filled from it once, with its ETag).
        _ConditionalHandler.body = _xml(require(NEWEST))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ConditionalHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            remote = folder / "remote"
            remote_env = {**env, "IANAPORTS_DATA_DIR": str(remote), "IANAPORTS_CACHE_DIR": str(remote)}
            url = f"http://127.0.0.1:{server.server_address[1]}/ports.xml"
            sync = [*python, "-m", "ianaports", "sync", "--source", url, "--quiet"]
            subprocess.run(sync, env=remote_env, check=True)
            figures["sync 304"], figures["cpu:sync 304"] = process_seconds(sync, remote_env, runs)
        finally:
            server.shutdown()

        figures.update(_search_in_process(cache))
        whatportis = _whatportis(folder, env)
        if isinstance(whatportis, str):
            figures["whatportis"] = whatportis
        else:
            argv, wp_env = whatportis
            figures["whatportis 2304"], figures["cpu:whatportis 2304"] = process_seconds(argv, wp_env, runs)
    return figures


def _xml(path: Path) -> bytes:
    import lzma  # noqa: PLC0415 - only to serve the release

    return lzma.decompress(path.read_bytes()) if path.suffix == ".xz" else path.read_bytes()


def _search_in_process(cache: Path) -> dict[str, float | str]:
    """Median seconds of one search on a warm view of the newest release, per word and their median."""
    from ianaports.store import Store  # noqa: PLC0415 - after the store is filled

    found: dict[str, float | str] = {}
    with Store(cache) as store:
        view = store.view("latest")
        for word in SEARCH_WORDS:
            found[f"search {word} in-process"] = median_seconds(lambda word=word: view.search(word), 50)
    return found


def main() -> None:
    figures = measure_startup(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
    bare, cpu_bare = float(figures["bare"]), float(figures["cpu:bare"])
    print("| measure | wall | ratio to `python -c pass` | CPU | CPU ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    labels = ["bare", "imported", "--version", "--help"]
    labels += [name for label, _ in COMMANDS for name in (label, f"{label} --json")]
    if SCRIPT_SHOW in figures:
        labels.append(SCRIPT_SHOW)
    labels += ["sync 304"] + (["whatportis 2304"] if "whatportis 2304" in figures else [])
    for label in labels:
        wall, cpu = float(figures[label]), float(figures[f"cpu:{label}"])
        name = {"bare": "`python -c pass`", "imported": '`python -c "import ianaports"`'}.get(label, f"`{label}`")
        print(f"| {name} | {wall * 1000:.1f} ms | {wall / bare:.2f}x | {cpu * 1000:.1f} ms | {cpu / cpu_bare:.2f}x |")
    print(f"\nsync 304 / show 2304: {float(figures['sync 304']) / float(figures['show']):.2f}x (target <= 2x)")
    if "whatportis 2304" in figures:
        ratio = float(figures["show"]) / float(figures["whatportis 2304"])
        print(f"show 2304 / whatportis 2304: {ratio:.3f}x (target <= 0.15x)")
        if SCRIPT_SHOW in figures:
            ratio = float(figures[SCRIPT_SHOW]) / float(figures["whatportis 2304"])
            print(f"{SCRIPT_SHOW} / whatportis 2304: {ratio:.3f}x (target <= 0.15x)")
    else:
        print(f"whatportis: {figures['whatportis']}")
    for word in SEARCH_WORDS:
        print(f"search {word!r} in-process, warm view: {float(figures[f'search {word} in-process']) * 1000:.3f} ms")


if __name__ == "__main__":
    main()
