"""The store's commands: rebuild, backup, export --format xml, --as-of/--version, --data-dir, versions --check."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pathlib
import sqlite3
import subprocess
import sys
import tarfile

import pytest

from cli_helpers import run
from ianaports.cli import EXIT_CACHE, EXIT_OK, EXIT_USAGE
from ianaports.store import DB_NAME, Store, schema
from realdata import FIXTURES, PROJECT_ROOT
from synthetic import registry_xml

JANUARY, FEBRUARY = registry_xml("2025-01-01", 20), registry_xml("2025-02-01", 23)


@pytest.fixture
def two_releases(isolated_cache, tmp_path):
    """The test's store, holding a January and a February release."""
    for name, xml in (("jan.xml", JANUARY), ("feb.xml", FEBRUARY)):
        (tmp_path / name).write_bytes(xml)
        code, _, err = run("sync", "--source", str(tmp_path / name), "-q")
        assert code == EXIT_OK, err
    return isolated_cache


def one_line(err: str) -> str:
    """The only line of *err* (a failing command says one line)."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


#: Every command that reads the store, as a user would type it.
READERS = [
    ("show", "1000"),
    ("search", "svc"),
    ("explain", "1000"),
    ("free",),
    ("stats",),
    ("export", "--format", "json"),
    ("export", "--format", "xml"),
    ("history", "1000"),
    ("diff",),
    ("versions",),
    ("versions", "--check"),
    ("notes", "check"),
]


class TestDamagedIndex:
    @pytest.mark.parametrize("argv", READERS, ids=" ".join)
    def test_every_reader_exits_4_naming_rebuild(self, two_releases, argv):
        """A corrupt index is one line naming 'ianaports rebuild', exit 4, on every command that reads it."""
        (two_releases / DB_NAME).write_bytes(b"garbage" * 1000)
        code, out, err = run(*argv)
        assert (code, out) == (EXIT_CACHE, "")
        assert "ianaports rebuild" in one_line(err)

    def test_sync_force_does_not_say_up_to_date(self, two_releases, tmp_path):
        """sync --force into a corrupt index fails with exit 4 naming rebuild, never 'up to date'."""
        (two_releases / DB_NAME).write_bytes(b"garbage" * 1000)
        code, out, err = run("sync", "--source", str(tmp_path / "feb.xml"), "--force")
        assert (code, out) == (EXIT_CACHE, "")
        assert "ianaports rebuild" in one_line(err)
        assert "up to date" not in err

    def test_sync_force_finds_damage_its_queries_miss(self, two_releases, tmp_path):
        """sync --force checks every page: damage past the header, which a lookup by hash may never read, is exit 4."""
        index = two_releases / DB_NAME
        size = index.stat().st_size
        with index.open("r+b") as handle:
            handle.seek(size // 2)
            handle.write(b"\xa5" * (size - size // 2))
        code, out, err = run("sync", "--source", str(tmp_path / "feb.xml"), "--force")
        assert (code, out) == (EXIT_CACHE, "")
        assert "ianaports rebuild" in one_line(err)
        assert run("rebuild")[0] == EXIT_OK
        assert run("sync", "--source", str(tmp_path / "feb.xml"), "--force")[0] == EXIT_OK

    def test_rebuild_restores_every_answer(self, two_releases):
        """After 'ianaports rebuild' every command answers exactly as before the damage."""
        before = [run(*argv, "--json") for argv in (("show", "1000"), ("history", "1001"), ("diff",), ("versions",))]
        (two_releases / DB_NAME).unlink()
        assert run("show", "1000")[0] == EXIT_CACHE
        code, out, err = run("rebuild")
        assert (code, out) == (EXIT_OK, "")
        assert "2 releases" in one_line(err)
        after = [run(*argv, "--json") for argv in (("show", "1000"), ("history", "1001"), ("diff",), ("versions",))]
        assert after == before

    def test_rebuild_json(self, two_releases):
        """rebuild --json prints the folder and the number of releases indexed."""
        code, out, _ = run("rebuild", "--json")
        assert code == EXIT_OK
        assert json.loads(out) == {"schema_version": 1, "data_dir": str(two_releases), "releases": 2}

    def test_schema_change_rebuilds_with_one_line(self, two_releases):
        """An index of another schema version is rebuilt on the next command, which prints one notice line."""
        connection = sqlite3.connect(two_releases / DB_NAME)
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(schema.SCHEMA_VERSION + 7),))
        connection.commit()
        connection.close()
        command = [sys.executable, "-m", "ianaports", "show", "1000", "--data-dir", str(two_releases)]
        done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=120)
        assert done.returncode == EXIT_OK, done.stderr
        assert "rebuilding the index" in one_line(done.stderr)
        assert "svc0" in done.stdout


#: Stored values damaged one at a time, as anyone able to write the index could.
DAMAGED_ROWS = {
    "member list": "UPDATE releases SET members = X'0011'",
    "footnotes": "UPDATE releases SET footnotes = '{'",
    "protocol": "UPDATE records SET protocol = 'xyz'",
    "release date": "UPDATE releases SET updated = 'garbage' WHERE seq = 1",
    "fetch time": "UPDATE releases SET fetched_at = 5",
    "references": "UPDATE records SET refs = '[1]'",
    "span": "UPDATE records SET span = 'abc'",
    "registration date": "UPDATE records SET registered = 'x'",
}


def damage(folder, sql: str) -> None:
    """Run *sql* on the index in *folder*, as an attacker (or a bad disk) would."""
    connection = sqlite3.connect(folder / DB_NAME)
    connection.execute(sql)
    connection.commit()
    connection.close()


class TestDamagedRows:
    @pytest.mark.parametrize("sql", DAMAGED_ROWS.values(), ids=DAMAGED_ROWS)
    def test_readers_exit_4_naming_rebuild_and_check_finds_it(self, two_releases, sql):
        """A stored value that cannot be decoded is exit 4 naming rebuild (never 70), and the check finds it."""
        damage(two_releases, sql)
        failed = 0
        readers = (("show", "1000"), ("search", "svc"), ("export", "--format", "json"), ("history", "1000"), ("diff",))
        for argv in readers:
            code, _, err = run(*argv)
            assert code in (EXIT_OK, EXIT_CACHE), (argv, err)
            if code == EXIT_CACHE:
                failed += 1
                assert "ianaports rebuild" in one_line(err)
        assert failed
        code, _, err = run("versions", "--check")
        assert code == EXIT_CACHE, err
        assert "Traceback" not in err
        assert err.splitlines()[-1].endswith("run 'ianaports rebuild'")

    def test_check_finds_a_damaged_person(self, isolated_cache):
        """versions --check reads every person's digest: a person row of the wrong type is a problem, not a crash."""
        assert run("sync", "--source", str(FIXTURES / "diff-old.xml"), "-q")[0] == EXIT_OK
        assert run("versions", "--check")[0] == EXIT_OK
        damage(isolated_cache, "UPDATE people SET updated = X'00' WHERE id = 2")
        code, _, err = run("versions", "--check")
        assert code == EXIT_CACHE
        assert "person 2: content does not match its sha256" in err


class TestVersionsCheck:
    def test_sound_store_is_one_summary_line(self, two_releases):
        """versions --check on a sound store says so in one line with the counts."""
        code, _, err = run("versions", "--check")
        assert code == EXIT_OK
        line = one_line(err)
        assert "is sound" in line
        assert "2 releases, 2 archive entries" in line

    def test_damaged_archive_entry_is_reported_briefly(self, two_releases):
        """A damaged archive entry gives a few short lines and exit 4, not pages of SQLite text."""
        entry = max((two_releases / "archive").iterdir())
        data = bytearray(entry.read_bytes())
        data[-10] ^= 0xFF
        entry.write_bytes(bytes(data))
        code, _, err = run("versions", "--check")
        assert code == EXIT_CACHE
        assert 1 < len(err.splitlines()) <= 5
        assert entry.name in err
        assert err.splitlines()[-1].endswith("run 'ianaports rebuild'")


class TestExportXml:
    def test_original_bytes_of_a_version(self, two_releases, tmp_path):
        """export --format xml --version DATE -o FILE writes that release's original bytes."""
        code, _, err = run("export", "--format", "xml", "--version", "2025-01-01", "-o", str(tmp_path / "out.xml"))
        assert code == EXIT_OK, err
        assert (tmp_path / "out.xml").read_bytes() == JANUARY

    def test_to_stdout_and_as_of(self, two_releases):
        """export --format xml --as-of DATE writes the newest release on or before the date to stdout."""
        code, out, _ = run("export", "--format", "xml", "--as-of", "2025-01-31")
        assert (code, out) == (EXIT_OK, JANUARY.decode())
        assert run("export", "--format", "xml")[1] == FEBRUARY.decode()

    def test_json_summary(self, two_releases, tmp_path):
        """export --format xml -o FILE --json says what was written."""
        code, out, _ = run("export", "--format", "xml", "-o", str(tmp_path / "out.xml"), "--json")
        assert code == EXIT_OK
        data = json.loads(out)
        assert (data["format"], data["updated"], data["records"], data["bytes"]) == (
            "xml",
            "2025-02-01",
            23,
            len(FEBRUARY),
        )


class TestAsOf:
    @pytest.mark.parametrize("command", ["show", "explain"])
    def test_show_and_explain_answer_from_the_past(self, two_releases, command):
        """--as-of and --version make show and explain answer from an older release."""
        newest = json.loads(run(command, "1000", "--json")[1])
        past = json.loads(run(command, "1000", "--json", "--as-of", "2025-01-15")[1])
        exact = json.loads(run(command, "1000", "--json", "--version", "2025-01-01")[1])
        assert past == exact != newest
        assert past["updated"] == "2025-01-01"

    def test_search_as_of(self, two_releases):
        """search --as-of counts the records of the older release."""
        assert len(json.loads(run("search", "svc", "--json", "--as-of", "2025-01-01")[1])["records"]) == 20
        assert len(json.loads(run("search", "svc", "--json")[1])["records"]) == 23

    def test_before_the_oldest_release(self, two_releases):
        """--as-of before every stored release finds nothing, naming the oldest one."""
        code, _, err = run("show", "1000", "--as-of", "2024-12-31")
        assert code == 1
        assert "2025-01-01" in one_line(err)

    def test_bad_date_and_file_are_usage_errors(self, two_releases, tmp_path):
        """A malformed date, or --as-of beside --file, is a usage error."""
        assert run("show", "1000", "--as-of", "yesterday")[0] == EXIT_USAGE
        assert run("show", "1000", "--as-of", "2025-01-01", "--file", str(tmp_path / "jan.xml"))[0] == EXIT_USAGE
        assert run("show", "1000", "--as-of", "2025-01-01", "--version", "2025-01-01")[0] == EXIT_USAGE


class TestBackup:
    def test_backup_file_restores(self, two_releases, tmp_path):
        """backup FILE writes a tar that, extracted, answers like the store."""
        code, _, err = run("backup", str(tmp_path / "b.tar"))
        assert code == EXIT_OK, err
        assert "2 releases" in one_line(err)
        with tarfile.open(tmp_path / "b.tar") as tar:
            tar.extractall(tmp_path / "restored", filter="data")
        restored = ("--data-dir", str(tmp_path / "restored"))
        assert run("show", "1000", "--json", *restored) == run("show", "1000", "--json")
        assert run("versions", "--check", *restored)[0] == EXIT_OK

    def test_backup_json(self, two_releases, tmp_path):
        """backup --json says where, how many releases and how many bytes."""
        code, out, _ = run("backup", str(tmp_path / "b.tar"), "--json")
        assert code == EXIT_OK
        data = json.loads(out)
        assert (data["releases"], data["bytes"]) == (2, (tmp_path / "b.tar").stat().st_size)


class TestEmptyStore:
    """backup and rebuild of a folder that holds no release (docs/cli.md, "An empty store")."""

    def test_backup_refuses_with_exit_4(self, isolated_cache, tmp_path):
        """A backup of an empty store is "nothing to back up", exit 4 as every reader's "no store yet"; no tar."""
        code, _, err = run("backup", str(tmp_path / "b.tar"))
        assert code == EXIT_CACHE
        assert one_line(err).startswith("ianaports: nothing to back up: no release in ")
        assert not (tmp_path / "b.tar").exists()
        assert not isolated_cache.exists() or not any(isolated_cache.iterdir())

    def test_backup_of_a_store_whose_releases_were_all_removed(self, isolated_cache, tmp_path):
        """Removed releases stay in the archive: that store is backed up."""
        (tmp_path / "jan.xml").write_bytes(JANUARY)
        assert run("sync", "--source", str(tmp_path / "jan.xml"), "-q")[0] == EXIT_OK
        assert run("remove-release", "2025-01-01", "--reason", "test")[0] == EXIT_OK
        code, _, err = run("backup", str(tmp_path / "b.tar"))
        assert code == EXIT_OK, err
        assert "0 releases" in one_line(err)

    def test_rebuild_is_nothing_to_do(self, isolated_cache):
        """rebuild of an empty store says there was nothing to rebuild, exits 0 and makes no index."""
        code, _, err = run("rebuild")
        assert code == EXIT_OK
        assert one_line(err) == f"ianaports: nothing to rebuild: the archive of {isolated_cache} holds no release"
        assert not (isolated_cache / DB_NAME).exists()
        code, out, _ = run("rebuild", "--json")
        assert (code, json.loads(out)["releases"]) == (EXIT_OK, 0)


class TestDataDir:
    def test_data_dir_and_its_deprecated_name(self, two_releases, tmp_path):
        """--data-dir and --cache-dir name the same store."""
        other = tmp_path / "other"
        assert run("sync", "--source", str(tmp_path / "jan.xml"), "-q", "--data-dir", str(other))[0] == EXIT_OK
        with Store(other) as store:
            assert len(store.releases()) == 1
        assert run("versions", "--json", "--cache-dir", str(other)) == run(
            "versions", "--json", "--data-dir", str(other)
        )

    @pytest.mark.parametrize("variable", ["IANAPORTS_DATA_DIR", "IANAPORTS_CACHE_DIR"])
    def test_blank_folder_setting_is_refused(self, isolated_cache, tmp_path, monkeypatch, variable):
        """A blank $IANAPORTS_DATA_DIR (or --data-dir " ") is refused in one line; no folder named " " appears."""
        monkeypatch.delenv("IANAPORTS_CACHE_DIR")
        monkeypatch.setenv(variable, " ")
        monkeypatch.chdir(tmp_path)
        for argv in (("versions",), ("sync", "--source", "nothing.xml"), ("show", "80")):
            code, out, err = run(*argv)
            assert (code, out) == (EXIT_CACHE, "")
            assert f"${variable} is blank" in one_line(err)
        code, _, err = run("versions", "--data-dir", " ")
        assert code == EXIT_CACHE
        assert "blank" in one_line(err)
        assert list(tmp_path.iterdir()) == []


def broken_store(kind: str, tmp_path) -> str:
    """A --data-dir that cannot be a store, of *kind*."""
    folder = tmp_path / "store"
    if kind == "a file":
        folder.write_text("not a folder")
    elif kind == "a symlink loop":
        folder.symlink_to(folder)
    elif kind == "inside a file":
        (tmp_path / "file").write_text("not a folder")
        folder = tmp_path / "file" / "store"
    else:  # the index's path is a folder
        (folder / DB_NAME).mkdir(parents=True)
    return str(folder)


class TestBrokenStorePath:
    @pytest.mark.parametrize("kind", ["a file", "a symlink loop", "inside a file", "an index that is a folder"])
    def test_every_command_exits_4_offline(self, tmp_path, monkeypatch, kind):
        """A store path that cannot hold a store is one line and exit 4 on every command, none of which fetches."""
        from ianaports import fetch  # noqa: PLC0415 - only to forbid the network here

        def no_network(*args: object, **kwargs: object) -> None:
            raise AssertionError("a broken store must not send anyone to the network")

        monkeypatch.setattr(fetch, "fetch", no_network)
        folder = broken_store(kind, tmp_path)
        (tmp_path / "feb.xml").write_bytes(FEBRUARY)
        for argv in [*READERS, ("sync",), ("sync", "--source", str(tmp_path / "feb.xml")), ("rebuild",)]:
            code, out, err = run(*argv, "--data-dir", folder)
            assert (code, out) == (EXIT_CACHE, ""), (argv, err)
            assert str(tmp_path) in one_line(err), argv


def _refuse_inside(folder):
    """An os.stat that fails with EACCES inside *folder*, as for a folder of mode 000 read by a non-root user.

    Path.stat calls it too, so the quick path (os.path) and the full one (pathlib) both meet it.
    """
    real = os.stat

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if os.fspath(path).startswith(f"{folder}{os.sep}"):  # type: ignore[call-overload]
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    return stat


class TestUnreadableFolder:
    @pytest.mark.parametrize("argv", READERS, ids=" ".join)
    def test_eacces_inside_the_store_is_exit_4(self, two_releases, monkeypatch, argv):
        """EACCES on what the store holds (a folder of mode 000) is exit 4 and one line on every reader."""
        refused = _refuse_inside(two_releases)
        monkeypatch.setattr(os, "stat", refused)
        if hasattr(pathlib, "_NormalAccessor"):  # Python 3.10's Path.stat took os.stat when pathlib was imported
            monkeypatch.setattr(pathlib._NormalAccessor, "stat", staticmethod(refused))
        code, out, err = run(*argv)
        assert (code, out) == (EXIT_CACHE, "")
        assert "Permission denied" in one_line(err)

    @pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a folder of mode 000")
    def test_a_folder_of_mode_000(self, two_releases):
        """A store folder of mode 000 is exit 4 on every reader (needs a user other than root)."""
        two_releases.chmod(0)
        try:
            for argv in READERS:
                code, _, err = run(*argv)
                assert code == EXIT_CACHE, (argv, err)
                one_line(err)
        finally:
            two_releases.chmod(0o755)


class TestRemoveRelease:
    def test_a_forged_release_is_removed_kept_and_stays_removed(self, two_releases, tmp_path):
        """remove-release hides a release from every answer, keeps its bytes, logs why and outlives rebuild and sync."""
        forged = tmp_path / "forged.xml"
        forged.write_bytes(registry_xml("9999-12-31", 23))
        assert run("sync", "--source", str(forged), "--force", "-q")[0] == EXIT_OK
        assert "9999-12-31" in run("versions")[1]
        code, out, err = run("remove-release", "9999-12-31", "--reason", "forged: dated in the future")
        assert (code, out) == (EXIT_OK, "")
        assert "removed the release of 9999-12-31" in one_line(err)
        assert "--undo" in err
        [line] = (two_releases / "archive" / "removed.jsonl").read_text().splitlines()
        logged = json.loads(line)
        assert (logged["action"], logged["updated"], logged["reason"], logged["records"]) == (
            "remove",
            "9999-12-31",
            "forged: dated in the future",
            23,
        )
        assert logged["sha256"] == hashlib.sha256(forged.read_bytes()).hexdigest()
        assert list((two_releases / "archive").glob("9999-12-31.*"))
        for _ in range(2):
            versions = json.loads(run("versions", "--json")[1])["releases"]
            assert [release["updated"] for release in versions] == ["2025-01-01", "2025-02-01"]
            assert json.loads(run("show", "1000", "--json")[1])["updated"] == "2025-02-01"
            assert run("sync", "--source", str(forged), "--force", "-q")[0] == EXIT_OK  # not stored again
            assert run("rebuild", "-q")[0] == EXIT_OK
        code, _, err = run("versions", "--check")
        assert code == EXIT_OK, err
        code, out, _ = run("remove-release", "9999-12-31", "--undo", "--json")
        assert code == EXIT_OK
        document = json.loads(out)
        assert (document["action"], document["updated"], document["releases"]) == ("restore", "9999-12-31", 3)
        assert json.loads(run("show", "1000", "--json")[1])["updated"] == "9999-12-31"
        assert run("versions", "--check")[0] == EXIT_OK

    def test_usage_and_unknown_release(self, two_releases):
        """A removal needs a reason (exit 2); a date with no release is exit 1; nothing is logged."""
        code, _, err = run("remove-release", "2025-02-01")
        assert code == EXIT_USAGE
        assert "--reason" in one_line(err)
        code, _, err = run("remove-release", "2024-06-01", "--reason", "x")
        assert code == 1
        assert "no release of 2024-06-01" in one_line(err)
        assert not (two_releases / "archive" / "removed.jsonl").exists()

    def test_check_finds_a_removed_release_still_indexed(self, two_releases, tmp_path):
        """An index restored from before a removal still holds the release: the check says so, rebuild mends it."""
        saved = (two_releases / DB_NAME).read_bytes()
        assert run("remove-release", "2025-02-01", "--reason", "test")[0] == EXIT_OK
        (two_releases / DB_NAME).write_bytes(saved)
        for suffix in ("-wal", "-shm"):
            (two_releases / f"{DB_NAME}{suffix}").unlink(missing_ok=True)
        code, _, err = run("versions", "--check")
        assert code == EXIT_CACHE
        assert "release 2025-02-01: removed on" in err
        assert run("rebuild", "-q")[0] == EXIT_OK
        assert run("versions", "--check")[0] == EXIT_OK

    def test_backup_keeps_the_removal_log(self, two_releases, tmp_path):
        """A backup carries the removal log, so a restored store keeps the release removed."""
        assert run("remove-release", "2025-02-01", "--reason", "test")[0] == EXIT_OK
        assert run("backup", str(tmp_path / "b.tar"))[0] == EXIT_OK
        with tarfile.open(tmp_path / "b.tar") as tar:
            assert "archive/removed.jsonl" in tar.getnames()
