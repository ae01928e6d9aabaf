"""The quick ``export --format jsonl`` writes exactly what the full path writes, or leaves the command line.

Each real release gets a store of its own (built once per session), where it
is the newest: the quick answer (``_quick.answer``) and the full path's
(``_main.run_full``) are compared byte for byte, to stdout and with ``-o``
(exit code, stdout, stderr and the file's bytes).  Then the forms left to the
full path, damage (a people page, a stored line cut short or followed by other
bytes), and a process importing none of attrs, the model, argparse or json.
"""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from cli_helpers import quick_process_env
from ianaports import cli
from ianaports._sync import sync
from ianaports.cli import _main, _quick
from ianaports.cli._basics import Output
from ianaports.render.json import json_lines_text
from ianaports.render.stored import compress_json, decompress_json, record_json_line
from ianaports.store import DB_NAME
from realdata import parsed, real_release_paths

_RELEASES = real_release_paths()


def _quick_answer(argv: list[str]) -> tuple[int, str, str] | None:
    return _quick.answer(argv, Output(io.StringIO(), io.StringIO()))


def _full_answer(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = _main.run_full(list(argv), Output(out, err))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def release_stores(tmp_path_factory: pytest.TempPathFactory):
    """Per real release, a store holding only it (built on first use, then shared by the session's tests)."""
    built: dict[int, object] = {}

    def store(index: int):
        if index not in built:
            folder = tmp_path_factory.mktemp(f"release-{index}")
            sync(_RELEASES[index], cache_dir=folder)
            built[index] = folder
        return built[index]

    return store


def _newest_store(release_stores):
    if not _RELEASES:
        pytest.skip("real IANA releases not found (set IANAPORTS_TEST_REGISTRY)")
    return release_stores(len(_RELEASES) - 1)


#: The oldest and newest real releases, each synced into a store of its own (a sync is the cost of this
#: file); every release's lines are checked in-process against the full path's by the test after this one.
_ENDS = sorted({0, len(_RELEASES) - 1}) if _RELEASES else []


@pytest.mark.parametrize("index", _ENDS, ids=[_RELEASES[index].name for index in _ENDS])
def test_every_release_exports_as_the_full_path(release_stores, tmp_path, index):
    """To stdout and to a file: the same exit code, stdout, stderr and bytes, on the oldest and newest release."""
    folder = release_stores(index)
    argv = ["export", "--format", "jsonl", "--data-dir", str(folder)]
    quick = _quick_answer(argv)
    assert quick is not None
    full = _full_answer(argv)
    assert quick == full
    assert full[1].count("\n") > 1000
    quick_file, full_file = tmp_path / "quick.jsonl", tmp_path / "full.jsonl"
    quick = _quick_answer(["export", "-o", str(quick_file), "--cache-dir", str(folder), "--format", "jsonl"])
    full = _full_answer(["export", "-o", str(full_file), "--cache-dir", str(folder), "--format", "jsonl"])
    assert quick is not None
    assert quick[0] == full[0] == cli.EXIT_OK
    assert quick[1:] == (full[1], full[2].replace(str(full_file), str(quick_file)))
    assert quick_file.read_bytes() == full_file.read_bytes()
    assert stat.S_IMODE(quick_file.stat().st_mode) == stat.S_IMODE(full_file.stat().st_mode)


@pytest.mark.parametrize("path", _RELEASES, ids=[path.name for path in _RELEASES])
def test_stored_lines_are_the_full_paths_on_every_release(path):
    """What the index stores of each record (record_json_line, a newline after each) is json_lines_text's text."""
    records = parsed(path).records
    assert "".join(record_json_line(record) + "\n" for record in records) == json_lines_text(records)


def test_output_replaces_a_file_and_writes_a_device_in_place(release_stores, tmp_path):
    """-o OUT goes through the full path's replacing(): an existing file replaced whole, /dev/null written."""
    folder = _newest_store(release_stores)
    target = tmp_path / "out.jsonl"
    target.write_text("old and longer than nothing\n" * 10)
    answer = _quick_answer(["export", "--format", "jsonl", "--output", str(target), "--data-dir", str(folder)])
    assert answer is not None
    whole = _full_answer(["export", "--format", "jsonl", "--data-dir", str(folder)])[1]
    assert target.read_text(encoding="utf-8") == whole
    answer = _quick_answer(["export", "--format", "jsonl", "-o", os.devnull, "--data-dir", str(folder)])
    assert answer == _full_answer(["export", "--format", "jsonl", "-o", os.devnull, "--data-dir", str(folder)])


@pytest.mark.parametrize(
    "words",
    [
        ["export"],  # json, the default
        ["export", "--format", "json"],
        ["export", "--format", "iana-csv"],
        ["export", "--format", "jsonl", "--json"],
        ["export", "--format", "jsonl", "--version", "latest"],
        ["export", "--format", "jsonl", "--format", "jsonl"],
        ["export", "--format=jsonl"],
        ["export", "--format", "jsonl", "-o", "-"],
        ["export", "--format", "jsonl", "-o"],
        ["export", "--format", "jsonl", "extra"],
    ],
)
def test_other_forms_are_the_full_paths(release_stores, words):
    folder = _newest_store(release_stores)
    assert _quick_answer([*words, "--data-dir", str(folder)]) is None


def test_unwritable_output_is_the_full_paths(release_stores, tmp_path):
    """A file that cannot be written leaves the command line to the full path, which says why (exit 73)."""
    folder = _newest_store(release_stores)
    argv = ["export", "--format", "jsonl", "-o", str(tmp_path / "no-such-folder" / "out"), "--data-dir", str(folder)]
    assert _quick_answer(argv) is None
    assert _full_answer(argv)[0] == cli.EXIT_OUTPUT


def _copy(store, tmp_path):
    folder = tmp_path / "copy"
    folder.mkdir()
    source, copy = sqlite3.connect(store / DB_NAME), sqlite3.connect(folder / DB_NAME)
    source.backup(copy)
    source.close()
    return folder, copy


@pytest.mark.parametrize("how", ["cut short", "trailing bytes", "not zlib", "not bytes"])
def test_a_damaged_line_is_the_full_paths(release_stores, tmp_path, how):
    """A stored line that does not decompress whole and alone is damage: the quick path leaves it."""
    folder, copy = _copy(_newest_store(release_stores), tmp_path)
    (stored,) = copy.execute("SELECT jsonl FROM records WHERE name_lower = 'ssh' AND protocol = 'tcp'").fetchone()
    damaged = {
        "cut short": stored[:-3],
        "trailing bytes": stored + b"\0",
        "not zlib": b"not zlib",
        "not bytes": 12,
    }[how]
    with copy:
        copy.execute("UPDATE records SET jsonl = ? WHERE name_lower = 'ssh' AND protocol = 'tcp'", (damaged,))
    copy.close()
    assert _quick_answer(["export", "--format", "jsonl", "--data-dir", str(folder)]) is None


def test_missing_people_row_is_the_full_paths(release_stores, tmp_path):
    """A record naming a people row that is not there: exit 4 on the full path, so no quick answer."""
    folder, copy = _copy(_newest_store(release_stores), tmp_path)
    with copy:
        copy.execute("UPDATE records SET assignees = 99999999 WHERE name_lower = 'ssh' AND protocol = 'tcp'")
    copy.close()
    argv = ["export", "--format", "jsonl", "--data-dir", str(folder)]
    assert _quick_answer(argv) is None
    assert _full_answer(argv)[0] == cli.EXIT_CACHE


def test_damaged_people_page_is_the_full_paths(release_stores, tmp_path):
    """A people page SQLite finds corrupt is the full path's CacheError (exit 4), not a quick answer."""
    folder, copy = _copy(_newest_store(release_stores), tmp_path)
    page = copy.execute("SELECT rootpage FROM sqlite_master WHERE name = 'people'").fetchone()[0]
    page_size = copy.execute("PRAGMA page_size").fetchone()[0]
    copy.close()
    with (folder / DB_NAME).open("r+b") as index:
        index.seek((page - 1) * page_size)
        index.write(b"\xff" * page_size)
    argv = ["export", "--format", "jsonl", "--data-dir", str(folder)]
    assert _quick_answer(argv) is None
    code, out, err = _full_answer(argv)
    assert (code, out) == (cli.EXIT_CACHE, "")
    assert "is corrupt" in err


def test_compressed_forms_must_end_where_the_stream_ends():
    """decompress_json reads its own output, and refuses a stream cut short or with bytes after its end."""
    import zlib  # noqa: PLC0415

    stored = compress_json('{"service_name": "ssh", "é": 1}')
    assert decompress_json(stored) == '{"service_name": "ssh", "é": 1}'
    for damaged in (stored[:-1], stored[:5], stored + b"x", stored + stored):
        with pytest.raises(zlib.error):
            decompress_json(damaged)


def test_a_quick_export_imports_little(release_stores):
    """``python -m ianaports export --format jsonl`` loads no attrs, model, argparse, json or re."""
    folder = _newest_store(release_stores)
    env = quick_process_env(folder)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ianaports", "export", "--format", "jsonl"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert result.stdout.count("\n") > 1000
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.count("|") == 2}
    assert "_sqlite3" in imported
    never = {"attr", "attrs", "argparse", "json", "re", "typing", "ianaports.model", "ianaports.store.reader"}
    assert sorted(imported & never) == []
