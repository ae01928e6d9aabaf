from __future__ import annotations

import json

import pytest

from cli_helpers import run
from ianaports.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_SOURCE, EXIT_USAGE
from ianaports.explainer import explain
from ianaports.nmap import NMAP_SERVICES_ENV
from ianaports.notes import load_notes
from ianaports.oslimits import machine_ports
from ianaports.render.explain import FORMATS, render_explain
from realdata import parsed, require_real

OLDER = "service-names-port-numbers.20250114.xml.xz"


class TestExplain:
    def test_text_default(self):
        """explain PORT prints the text page."""
        code, out, _ = run("explain", "2304", "--file", str(require_real()))
        assert code == EXIT_OK
        assert out.startswith("Port 2304: attachmate-uts\n")

    def test_formats(self):
        """--format picks markdown or html; --json is the JSON format."""
        path = str(require_real())
        assert run("explain", "ssh", "--format", "markdown", "--file", path)[1].startswith("# ")
        assert run("explain", "2402", "--format", "html", "--file", path)[1].startswith("<!DOCTYPE html>")
        data = json.loads(run("explain", "2684", "--json", "--file", path)[1])
        assert data["notes"][0]["id"] == "mpnjsosv"

    def test_unknown_name(self):
        """An unknown name exits 1 with one line on stderr."""
        code, out, err = run("explain", "no-such-service-xyz", "--file", str(require_real()))
        assert (code, out) == (EXIT_NOT_FOUND, "")
        assert len(err.splitlines()) == 1

    def test_port_slash_protocol(self):
        """explain 2304/tcp explains port 2304, whose page covers every protocol."""
        path = str(require_real())
        with_suffix = run("explain", "2304/tcp", "--json", "--file", path)
        assert with_suffix == run("explain", "2304", "--json", "--file", path)

    def test_unknown_name_as_json(self):
        """With --json an unknown name still prints a JSON document, empty, and exits 1."""
        code, out, err = run("explain", "no-such-service-xyz", "--json", "--file", str(require_real()))
        assert code == EXIT_NOT_FOUND
        assert json.loads(out) == {
            "schema_version": 1,
            "query": "no-such-service-xyz",
            "updated": "2025-12-15",
            "records": [],
        }
        assert len(err.splitlines()) == 1

    def test_usage(self):
        """A number above 65535 or an unknown format is a usage error."""
        path = str(require_real())
        assert run("explain", "70000", "--file", path)[0] == EXIT_USAGE
        assert run("explain", "22", "--format", "pdf", "--file", path)[0] == EXIT_USAGE

    def test_span_is_a_usage_error(self):
        """A span is not a name: explain says to use show for it, in one line, exit 2."""
        code, out, err = run("explain", "6000-6003", "--file", str(require_real()))
        assert (code, out) == (EXIT_USAGE, "")
        assert err.startswith("ianaports: explain takes one port or name; for the span 6000-6003 run 'ianaports show")
        assert err.count("\n") == 1

    def test_notes_option(self, tmp_path):
        """--notes adds an overlay whose fields appear on the page."""
        overlay = tmp_path / "mine.toml"
        overlay.write_text('[[note]]\nid = "ssh"\nvendor = "Our own SSH team"\n', encoding="utf-8")
        _, out, _ = run("explain", "22", "--notes", str(overlay), "--file", str(require_real()))
        assert "Our own SSH team" in out

    def test_bad_notes_file(self, tmp_path):
        """A malformed notes file exits 3 with one line naming the file."""
        overlay = tmp_path / "bad.toml"
        overlay.write_text('[[note]]\nid = "ssh"\nstatus = "alive"\n', encoding="utf-8")
        code, _, err = run("explain", "22", "--notes", str(overlay), "--file", str(require_real()))
        assert code == EXIT_SOURCE
        assert str(overlay) in err
        assert len(err.splitlines()) == 1


class TestNotes:
    def test_list(self):
        """notes list prints one row per note; --json gives the notes and files."""
        code, out, _ = run("notes", "list")
        assert code == EXIT_OK
        assert "attachmate-uts" in out
        data = json.loads(run("notes", "list", "--json")[1])
        assert {"ssh", "mpnjsosv"} <= {note["id"] for note in data["notes"]}

    def test_check_current(self):
        """notes check against the release the notes were checked against exits 0."""
        code, out, err = run("notes", "check", "--file", str(require_real()))
        assert (code, out) == (EXIT_OK, "")
        assert "0 need attention" in err

    def test_check_after_registry_change(self):
        """Against an older release where smtp's record differs, notes check lists it and exits 1."""
        code, out, _ = run("notes", "check", "--file", str(require_real(OLDER)))
        assert code == EXIT_NOT_FOUND
        assert any(line.startswith("smtp\tchanged\t") for line in out.splitlines())
        data = json.loads(run("notes", "check", "--json", "--file", str(require_real(OLDER)))[1])
        smtp = next(check for check in data["checks"] if check["id"] == "smtp")
        assert (smtp["status"], smtp["needs_attention"]) == ("changed", True)

    def test_check_no_match(self, tmp_path):
        """A note matching no record is reported by notes check."""
        overlay = tmp_path / "gone.toml"
        overlay.write_text(
            '[[note]]\nid = "gone"\nsummary = "s"\n[note.match]\nnames = ["gone-xyz"]\n', encoding="utf-8"
        )
        code, out, _ = run("notes", "check", "--notes", str(overlay), "--file", str(require_real()))
        assert code == EXIT_NOT_FOUND
        assert out.startswith("gone\tno-match\t")


# Reserved, unassigned, several records, with notes, browser-blocked, in the ephemeral and NodePort
# ranges, a span's ports, names: the pages the command prints (reading few notes) against the pages
# of the whole path (every note parsed, the whole release decoded).
PAGE_QUERIES = [
    "0", "1", "7", "15", "22", "53", "80", "104", "443", "585", "750", "783", "1023", "1024", "1895", "2304", "2402",
    "2684", "3389", "4490", "4495", "6000", "6003", "6665", "10080", "28005", "30000", "40000", "49152", "65535",
    "ssh", "x11", "sua", "http", "attachmate-uts",
]  # fmt: skip
PAGE_RELEASES = [None, "service-names-port-numbers.20170310.xml.xz"]


class TestPagesAsTheWholePath:
    @pytest.mark.parametrize("name", PAGE_RELEASES, ids=["newest", "2017"])
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_every_page_byte_for_byte(self, real_cache, monkeypatch, name, fmt):
        """explain prints, in every format and from two real releases, the page the whole path renders."""
        monkeypatch.delenv(NMAP_SERVICES_ENV, raising=False)
        path = require_real(name) if name else require_real()
        registry = parsed(path)
        notes, machine = load_notes(environ={}), machine_ports()
        as_of = ["--as-of", registry.updated.isoformat()]
        for query in PAGE_QUERIES:
            code, out, err = run("explain", query, "--format", fmt, "--data-dir", str(real_cache), *as_of)
            assert (code, err) == (EXIT_OK, ""), query
            assert out == render_explain(explain(registry, query, notes, machine=machine), fmt), query
