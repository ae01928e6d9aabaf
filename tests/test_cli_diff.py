from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cli_helpers import run
from ianaports.cli import EXIT_CACHE, EXIT_NOT_FOUND, EXIT_OK, EXIT_SOURCE, EXIT_USAGE, resolve_release
from ianaports.errors import CacheError, InvalidArgumentError
from realdata import FIXTURES, require_real

OLD = str(FIXTURES / "diff-old.xml")
NEW = str(FIXTURES / "diff-new.xml")


class TestDiffCommand:
    def test_text(self):
        """diff OLD NEW prints the counts first."""
        code, out, _ = run("diff", OLD, NEW)
        assert code == EXIT_OK
        assert out.splitlines()[:2] == [
            "IANA port registry 2025-11-20 -> 2025-12-15",
            (
                "10 added, 8 removed, 4 changed (3 unchanged); "
                "1 port changes, 0 renamed, 2 unassigned spans split, 5 de-assigned"
            ),
        ]

    @pytest.mark.parametrize("flags", [["--json"], ["--format", "json"]])
    def test_json(self, flags):
        """--json and --format json print the same JSON document."""
        code, out, _ = run("diff", OLD, NEW, *flags)
        data = json.loads(out)
        assert code == EXIT_OK
        assert (data["old"]["updated"], data["new"]["updated"]) == ("2025-11-20", "2025-12-15")
        assert len(data["changed"]) == 4

    def test_markdown(self):
        """--format markdown prints release-notes markdown."""
        code, out, _ = run("diff", OLD, NEW, "--format", "markdown")
        assert code == EXIT_OK
        assert out.startswith("## IANA port registry")

    def test_port_filter(self):
        """--port keeps only changes about records holding that port."""
        data = json.loads(run("diff", OLD, NEW, "--json", "--port", "2306")[1])
        assert [(r["service_name"], r["protocol"]) for r in data["added"]] == [("newsvc", "tcp"), ("newsvc", "udp")]
        assert data["changed"] == []

    def test_filtered_summary_says_what_unchanged_counts(self):
        """With a filter, the summary says its unchanged count is the whole registry's."""
        out = run("diff", OLD, NEW, "--port", "2306")[1]
        assert out.splitlines()[1].startswith("2 added, 1 removed, 0 changed (3 unchanged in the whole registry); ")

    def test_name_and_protocol_filter(self):
        """--name matches any case and --protocol narrows it further."""
        data = json.loads(run("diff", OLD, NEW, "--json", "--name", "NEWSVC", "-p", "udp")[1])
        assert [(r["service_name"], r["protocol"]) for r in data["added"]] == [("newsvc", "udp")]

    def test_store_specs_need_the_store(self):
        """Without arguments (previous against latest) there is no store yet: exit 4."""
        code, out, err = run("diff")
        assert (code, out) == (EXIT_CACHE, "")
        assert err.count("\n") == 1
        assert run("diff", "2025-01-14", NEW)[0] == EXIT_CACHE

    def test_missing_file(self):
        """A file that cannot be read is a source error, exit 3."""
        code, _, err = run("diff", OLD, str(FIXTURES / "no-such-file.xml"))
        assert code == EXIT_SOURCE
        assert "Traceback" not in err

    def test_usage(self):
        """A bad port or both --json and --format are usage errors."""
        assert run("diff", OLD, NEW, "--port", "http")[0] == EXIT_USAGE
        assert run("diff", OLD, NEW, "--port", "70000")[0] == EXIT_USAGE
        assert run("diff", OLD, NEW, "--json", "--format", "text")[0] == EXIT_USAGE
        assert run("diff", "--help")[0] == EXIT_OK


class TestResolveRelease:
    def test_file(self):
        """A path names a registry file."""
        assert resolve_release(OLD).updated.isoformat() == "2025-11-20"

    @pytest.mark.parametrize("spec", ["latest", "previous", "2025-12-15"])
    def test_store_specs(self, spec):
        """Dates, latest and previous name stored releases, which need the store."""
        with pytest.raises(CacheError, match="no release stored"):
            resolve_release(spec)

    def test_stored_releases(self):
        """With both fixtures synced, diff with no arguments compares previous and latest like the two files."""
        assert run("sync", "--source", OLD, "--source", NEW, "--quiet")[0] == EXIT_OK
        assert run("sync", "--source", NEW, "--quiet")[0] == EXIT_OK
        assert resolve_release("2025-11-20") == resolve_release(OLD)
        assert run("diff", "--json") == run("diff", OLD, NEW, "--json")
        assert run("diff", "previous", "latest")[1] == run("diff", OLD, NEW)[1]

    def test_unknown_stored_release(self):
        """A date the store does not hold exits 1 and names the newest releases."""
        run("sync", "--source", OLD, "--quiet")
        code, _, err = run("diff", "2001-01-01")
        assert code == EXIT_NOT_FOUND
        assert "2025-11-20" in err

    @pytest.mark.parametrize("spec", ["2025-13-45", "2025-02-30", "\u0662\u0660\u0662\u0665-\u0661\u0661-\u0662\u0660"])
    def test_a_date_that_cannot_be_is_a_usage_error(self, spec):
        """A release date that is no calendar date is the user's mistake (exit 2), even before any sync."""
        code, out, err = run("diff", spec, "latest")
        assert (code, out) == (EXIT_USAGE, "")
        assert (
            err == f"ianaports: not a date: {spec!r} (a stored release is named YYYY-MM-DD, 'latest' or 'previous')\n"
        )
        with pytest.raises(InvalidArgumentError, match="not a date"):
            resolve_release(spec)


def test_diff_end_to_end():
    """python -m ianaports diff compares two real releases in a separate process."""
    old = require_real("service-names-port-numbers.20251120.xml.xz")
    result = subprocess.run(
        [sys.executable, "-m", "ianaports", "diff", str(old), str(require_real()), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["changed"]) == 10
