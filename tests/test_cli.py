from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from ianaports.cli import EXIT_CACHE, EXIT_NOT_FOUND, EXIT_OK, EXIT_SOURCE, EXIT_USAGE, main
from realdata import FIXTURES, require_real


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


class TestShow:
    def test_port(self):
        """show PORT prints the records of that port, tab-separated when piped."""
        code, out, _ = run("show", "6010", "--file", str(FIXTURES / "ranges-and-no-protocol.xml"))
        assert code == EXIT_OK
        assert out.splitlines() == [
            "NAME\tPORT\tPROTO\tDESCRIPTION",
            "x11\t6000-6063\ttcp\tX Window System",
            "x11\t6000-6063\tudp\tX Window System",
        ]

    def test_name_and_json(self):
        """show NAME --json prints the record schema with the release date."""
        code, out, _ = run("show", "SMTP", "--json", "-p", "udp", "--file", str(FIXTURES / "child-order.xml"))
        data = json.loads(out)
        assert code == EXIT_OK
        assert data["updated"] == "2025-12-15"
        assert [(r["service_name"], r["protocol"]) for r in data["records"]] == [("smtp", "udp")]

    def test_span(self):
        """show A-B lists every record overlapping the span."""
        code, out, _ = run("show", "6400-6401", "--file", str(FIXTURES / "ranges-and-no-protocol.xml"))
        assert code == EXIT_OK
        assert len(out.splitlines()) == 3

    def test_not_found(self):
        """Nothing found exits 1 with one line on stderr."""
        code, out, err = run("show", "nosuch", "--file", str(FIXTURES / "child-order.xml"))
        assert (code, out) == (EXIT_NOT_FOUND, "")
        assert len(err.splitlines()) == 1

    def test_hostile_file(self):
        """A hostile file exits 3 with one line and no traceback."""
        code, _, err = run("show", "1", "--file", str(FIXTURES / "billion-laughs.xml"))
        assert code == EXIT_SOURCE
        assert err.count("\n") == 1
        assert "Traceback" not in err

    def test_offline_first_use(self, monkeypatch):
        """Without --file, an empty cache and no network: exit 3, one line saying why and how to import a file."""
        monkeypatch.setenv("IANAPORTS_URL", "http://127.0.0.1:9/ports.xml")
        monkeypatch.setattr("ianaports.fetch.DEFAULT_RETRIES", 0)
        code, _, err = run("show", "22")
        assert code == EXIT_SOURCE
        assert err.count("\n") == 1
        assert "connection refused" in err
        assert "ianaports sync --source FILE" in err

    def test_usage(self):
        """A bad option or port is a usage error, exit 2."""
        assert run("show")[0] == EXIT_USAGE
        assert run("show", "70000", "--file", str(FIXTURES / "child-order.xml"))[0] == EXIT_USAGE
        assert run()[0] == EXIT_USAGE

    def test_help_and_version(self):
        """--help and --version exit 0."""
        assert run("--version")[0] == EXIT_OK
        assert run("show", "--help")[0] == EXIT_OK


def test_console_script_end_to_end():
    """python -m ianaports runs as a separate process against a real release."""
    path = require_real()
    result = subprocess.run(
        [sys.executable, "-m", "ianaports", "show", "2304", "--file", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "attachmate-uts" in result.stdout


class TestSyncAndVersions:
    def test_sync_file_then_show_from_cache(self, tmp_path):
        """sync --source FILE stores the release; show then answers from the cache without --file."""
        code, out, _ = run("sync", "--source", str(FIXTURES / "ranges-and-no-protocol.xml"))
        assert code == EXIT_OK
        assert "added 1 release(s): 2025-12-15" in out
        code, out, _ = run("show", "6010")
        assert code == EXIT_OK
        assert out.splitlines()[1:] == ["x11\t6000-6063\ttcp\tX Window System", "x11\t6000-6063\tudp\tX Window System"]

    def test_sync_json_and_quiet(self):
        """sync --json reports each source's outcome; --quiet prints nothing."""
        source = str(FIXTURES / "child-order.xml")
        code, out, _ = run("sync", "--source", source, "--json")
        data = json.loads(out)
        assert code == EXIT_OK
        assert [s["status"] for s in data["sources"]] == ["added"]
        assert data["latest"]["updated"] == "2025-12-15"
        assert run("sync", "--source", source, "--quiet")[:2] == (EXIT_OK, "")

    def test_sync_failure_with_cache(self, monkeypatch):
        """A failed sync with a cache exits 3 and says which release stays in use."""
        run("sync", "--source", str(FIXTURES / "child-order.xml"))
        monkeypatch.setattr("ianaports.fetch.DEFAULT_RETRIES", 0)
        code, _, err = run("sync", "--source", "http://127.0.0.1:9/ports.xml")
        assert code == EXIT_SOURCE
        assert "the cached registry of 2025-12-15" in err

    def test_versions(self, tmp_path):
        """versions lists releases; --check --json reports no problems; an empty cache exits 1."""
        assert run("versions")[0] == EXIT_NOT_FOUND
        run("sync", "--source", str(FIXTURES / "child-order.xml"))
        code, out, _ = run("versions")
        assert code == EXIT_OK
        assert out.splitlines()[1].startswith("2025-12-15\t3\t")
        code, out, _ = run("versions", "--check", "--json")
        assert code == EXIT_OK
        assert json.loads(out)["problems"] == []

    def test_corrupt_store(self, isolated_cache):
        """A corrupt store exits 4 naming its path."""
        isolated_cache.mkdir(parents=True)
        (isolated_cache / "ianaports.sqlite3").write_bytes(b"garbage" * 1000)
        code, _, err = run("show", "22")
        assert code == EXIT_CACHE
        assert str(isolated_cache) in err


def test_console_script_from_real_cache(real_cache):
    """The installed console script answers show 2304 from a cache built from the real releases."""
    script = Path(sys.executable).with_name("ianaports")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ianaports"]
    result = subprocess.run(
        [*command, "show", "2304", "--cache-dir", str(real_cache), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["updated"] == "2025-12-15"
    assert [(r["service_name"], r["protocol"]) for r in data["records"]] == [
        ("attachmate-uts", "tcp"),
        ("attachmate-uts", "udp"),
    ]
