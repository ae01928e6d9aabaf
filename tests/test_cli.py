from __future__ import annotations

import io
import json
import subprocess
import sys

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

    def test_no_cache(self):
        """Without --file and without a cache, exit 4 and name --file."""
        code, _, err = run("show", "22")
        assert code == EXIT_CACHE
        assert "--file" in err

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
