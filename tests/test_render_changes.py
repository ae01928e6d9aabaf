"""Diffs and histories as text for a terminal and as markdown."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from ianaports import PortRange, Protocol, ServiceRecord, diff, history
from ianaports.render.changes import diff_to_markdown, diff_to_text, history_to_text
from ianaports.render.json import diff_to_json, history_to_json
from realdata import FIXTURES, parsed, require_real


@pytest.fixture(scope="module")
def fixture_diff():
    return diff(parsed(FIXTURES / "diff-old.xml"), parsed(FIXTURES / "diff-new.xml"))


class TestText:
    def test_counts_first(self, fixture_diff):
        """The text starts with the two dates and the counts."""
        lines = diff_to_text(fixture_diff).splitlines()
        assert lines[0] == "IANA port registry 2025-11-20 -> 2025-12-15"
        assert lines[1].startswith("10 added, 8 removed, 4 changed (3 unchanged); 1 port changes")

    def test_each_change(self, fixture_diff):
        """Every change has a line, with one line per changed field."""
        text = diff_to_text(fixture_diff)
        assert "  * port changed: movesvc 5000/tcp -> 5001" in text
        assert "  * de-assigned: gonesvc 7000/tcp (port now reserved)" in text
        assert "  * de-assigned: renamed-old 7002/tcp (port now held by renamed-new 7002/tcp)" in text
        assert "  + newsvc 2306/tcp  Newly assigned inside an unassigned span" in text
        assert "  - nameonly (no port)  A service name without a port, withdrawn" in text
        assert "      service_code: 100 -> 200" in text
        assert "      description: First -> First, revised" in text

    def test_no_changes(self):
        """An empty diff says so."""
        release = parsed(FIXTURES / "diff-old.xml")
        assert diff_to_text(diff(release, release)).splitlines()[-1] == "no changes"


class TestMarkdown:
    def test_sections(self, fixture_diff):
        """Markdown has a heading, the summary, moves, tables of added and removed, and changes."""
        text = diff_to_markdown(fixture_diff)
        assert text.startswith("## IANA port registry: 2025-11-20 → 2025-12-15\n")
        for heading in ("### Moves", "### Added (10)", "### Removed (8)", "### Changed (4)"):
            assert f"\n{heading}\n" in text
        assert "| newsvc | 2306 | tcp | Newly assigned inside an unassigned span |" in text
        assert "  - service_name: `changeme` → `ChangeMe`" in text

    def test_table_cells_are_escaped(self):
        """A pipe in a description does not break the table."""
        old = parsed(FIXTURES / "diff-old.xml")
        new = old.__class__(
            title=old.title,
            updated=old.updated,
            records=(*old.records, ServiceRecord(name="pipe", description="a | b")),
        )
        assert "| pipe | - | - | a \\| b |" in diff_to_markdown(diff(old, new))


class TestHistory:
    def test_json_and_text(self):
        """A history renders as JSON events and as one line per event."""
        record = ServiceRecord(name="svc", description="x")
        changed = ServiceRecord(name="svc", description="y")
        result = history([(dt.date(2024, 1, 5), (record,)), (dt.date(2025, 1, 14), (changed,))], name="svc")
        data = history_to_json(result)
        assert data["query"] == {"port": None, "name": "svc", "protocol": None}
        assert [(event["version"], event["change"]) for event in data["events"]] == [
            ("2024-01-05", "added"),
            ("2025-01-14", "changed"),
        ]
        assert data["events"][1]["fields"] == [{"name": "description", "old": "x", "new": "y"}]
        assert data["events"][0]["record"]["service_name"] == "svc"
        assert history_to_text(result).splitlines() == [
            "History of svc (2 releases, 2024-01-05 to 2025-01-14)",
            "2024-01-05  added    svc (no port)  x",
            "2025-01-14  changed  svc (no port)  y",
            "      description: x -> y",
        ]

    def test_text_columns_align(self):
        """Descriptions start in one column whatever the width of each record's label."""
        tcp = ServiceRecord(name="ssh", protocol=Protocol.TCP, ports=PortRange.single(22), description="SSH")
        sctp = attrs.evolve(tcp, protocol=Protocol.SCTP)
        lines = history_to_text(history([(dt.date(2024, 1, 5), (tcp, sctp))], port=22)).splitlines()
        assert lines[1:] == ["2024-01-05  added    ssh 22/tcp   SSH", "2024-01-05  added    ssh 22/sctp  SSH"]

    def test_empty(self):
        """An empty history says there were no records."""
        assert history_to_text(history([], port=1)).splitlines() == ["History of 1 (no releases)", "no records"]
        assert history_to_json(history([], port=1))["first"] is None


class TestRenames:
    """Renames on the real 2025-11-14 -> 2025-11-20 pair, in text, markdown and JSON."""

    @pytest.fixture
    def renamed(self):
        return diff(
            parsed(require_real("service-names-port-numbers.20251114.xml.xz")),
            parsed(require_real("service-names-port-numbers.20251120.xml.xz")),
        )

    def test_text(self, renamed):
        """The summary counts renames and the moves name them; nothing is called de-assigned."""
        text = diff_to_text(renamed)
        assert "0 port changes, 2 renamed, 0 unassigned spans split, 0 de-assigned" in text
        assert "  * renamed: pearldoc-xact 1980/tcp -> panquest-xact (also description" in text
        assert "de-assigned:" not in text

    def test_markdown(self, renamed):
        """Markdown lists each rename under Moves."""
        assert "- renamed: pearldoc-xact 1980/udp -> panquest-xact" in diff_to_markdown(renamed)

    def test_json(self, renamed):
        """JSON has a renamed list of {old, new, fields} and its count."""
        data = diff_to_json(renamed)
        assert data["counts"]["renamed"] == 2
        assert data["counts"]["deassignments"] == 0
        assert [(m["old"]["service_name"], m["new"]["service_name"]) for m in data["moves"]["renamed"]] == [
            ("pearldoc-xact", "panquest-xact"),
            ("pearldoc-xact", "panquest-xact"),
        ]
        assert data["moves"]["renamed"][0]["fields"][0] == {
            "name": "service_name",
            "old": "pearldoc-xact",
            "new": "panquest-xact",
        }
