"""The JSON documents: the record schema round trip, diffs, histories and explainer pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ianaports import Protocol, diff, history
from ianaports.explainer import explain
from ianaports.listen import Listener
from ianaports.notes import load_notes
from ianaports.render.explain import render_explain
from ianaports.render.json import (
    BASELINE_SCHEMA_VERSION,
    JSON_SCHEMA_VERSION,
    baseline_to_json,
    diff_to_json,
    explain_to_json,
    field_change_to_json,
    history_to_json,
    listener_to_json,
    record_from_json,
    record_to_json,
    registry_to_json,
)
from realdata import FIXTURES, parsed

LISTENER = Listener(protocol=Protocol.TCP, address="::", port=22, pid=7, process="sshd")


@pytest.fixture(scope="module")
def fixture_diff():
    return diff(parsed(FIXTURES / "diff-old.xml"), parsed(FIXTURES / "diff-new.xml"))


@pytest.fixture
def views(newest):
    notes = load_notes(environ={})
    return {port: explain(newest, port, notes) for port in (2304, 28005)}


class TestJson:
    def test_round_trip_every_real_record(self, newest):
        """record_from_json inverts record_to_json for every record of the newest release."""
        for record in newest.records:
            assert record_from_json(record_to_json(record)) == record

    def test_schema_keys(self, newest):
        """Every record object has the documented keys."""
        keys = set(record_to_json(newest.records[0]))
        assert {
            "service_name",
            "protocol",
            "port_start",
            "port_end",
            "description",
            "assignee",
            "contact",
            "registered",
            "modified",
            "references",
            "notes",
            "unauthorized_use",
            "service_code",
        } <= keys

    def test_no_port_is_null(self, newest):
        """A record without a port has null port_start and port_end."""
        data = record_to_json(newest.service("rdp")[0])
        assert (data["port_start"], data["port_end"], data["protocol"]) == (None, None, None)


class TestDiffJson:
    def test_shape(self, fixture_diff):
        """The JSON has both dates, counts, record lists, changes and moves."""
        data = diff_to_json(fixture_diff)
        assert data["old"] == {"updated": "2025-11-20"}
        assert data["new"] == {"updated": "2025-12-15"}
        assert data["counts"] == {
            "added": 10,
            "removed": 8,
            "changed": 4,
            "unchanged": 3,
            "port_changes": 1,
            "span_splits": 2,
            "deassignments": 5,
        }
        assert (len(data["added"]), len(data["removed"]), len(data["changed"])) == (10, 8, 4)
        assert set(data["moves"]) == {"port_changes", "span_splits", "deassignments"}
        json.dumps(data)

    def test_records_use_the_record_schema(self, fixture_diff):
        """Every record object reads back into the record it came from."""
        data = diff_to_json(fixture_diff)
        assert [record_from_json(item) for item in data["added"]] == list(fixture_diff.added)
        assert record_from_json(data["changed"][0]["new"]) == fixture_diff.changed[0].new

    def test_field_values(self, fixture_diff):
        """Field values are written as the record schema writes them."""
        fields = {field["name"]: field for field in diff_to_json(fixture_diff)["changed"][0]["fields"]}
        assert fields["modified"] == {"name": "modified", "old": "2002-02", "new": "2025-12-01"}
        assert fields["references"]["new"] == [{"type": "rfc", "data": "rfc2000", "text": None}]
        assert fields["contact"]["new"][0]["email"] == "tom@example.com"
        assert fields["service_code"]["new"] == 200

    def test_field_change_to_json(self, fixture_diff):
        """A field change is an object with name, old and new."""
        assert field_change_to_json(fixture_diff.changed[2].fields[0]) == {
            "name": "service_name",
            "old": "rep",
            "new": "REP",
        }

    def test_moves(self, fixture_diff):
        """Moves name their records and, for de-assignments, the status."""
        moves = diff_to_json(fixture_diff)["moves"]
        assert moves["port_changes"][0]["new"]["port_start"] == 5001
        assert [item["port_start"] for item in moves["span_splits"][0]["remainder"]] == [2305, 2307]
        assert [item["status"] for item in moves["deassignments"]] == [
            "reserved",
            "unassigned",
            "reassigned",
            "removed",
            "removed",
        ]


class TestExplainJson:
    def test_structure(self, views):
        """The JSON view holds records in the record schema, range facts, notes and check commands."""
        data = json.loads(render_explain(views[2304], "json"))
        assert data["ports"] == [2304]
        assert {record["protocol"] for record in data["records"]} == {"tcp", "udp"}
        assert data["ranges"][0]["class"] == "user"
        assert data["notes"][0]["id"] == "attachmate-uts"
        assert "netstat -ano | findstr :2304" in data["check_commands"]["2304"]
        assert data["internal_use"] is None

    def test_unassigned(self, views):
        """The JSON of an unassigned port says so and carries the advice."""
        data = json.loads(render_explain(views[28005], "json"))
        assert data["assigned"] is False
        assert data["records"] == []
        assert data["internal_use"]["sensible"] is True


class TestSchemaVersion:
    def test_every_whole_document_says_its_version(self, newest, fixture_diff, views):
        """A release, a diff, a history, an explainer page and a baseline each carry schema_version."""
        documents = [
            registry_to_json(newest, newest.records[:1]),
            diff_to_json(fixture_diff),
            history_to_json(history([], port=22)),
            explain_to_json(views[2304]),
            baseline_to_json([LISTENER], host="h", saved=dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc)),
        ]
        assert [document["schema_version"] for document in documents] == [JSON_SCHEMA_VERSION] * 4 + [
            BASELINE_SCHEMA_VERSION
        ]


class TestListenerJson:
    def test_listener_and_baseline(self):
        """A listener is its five fields; a baseline leaves out pids, which change from run to run."""
        saved = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
        assert listener_to_json(LISTENER) == {
            "protocol": "tcp",
            "address": "::",
            "port": 22,
            "pid": 7,
            "process": "sshd",
        }
        baseline = baseline_to_json([LISTENER], host="h", saved=saved)
        assert (baseline["saved"], baseline["listeners"]) == (
            "2025-01-02T03:04:05+00:00",
            [{"protocol": "tcp", "address": "::", "port": 22, "process": "sshd"}],
        )
