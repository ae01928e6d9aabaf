"""The JSON documents: the record schema round trip, diffs, histories, explainer pages and every command's document."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from ianaports import PortClass, Protocol, ReleaseInfo, SyncResult, diff, history
from ianaports.explainer import explain
from ianaports.listen import Listener, audit, compare_baseline
from ianaports.notes import CheckStatus, NoteCheck, load_notes
from ianaports.registry import PortCounts, PortStatistics
from ianaports.render.explain import render_explain
from ianaports.render.json import (
    BASELINE_SCHEMA_VERSION,
    JSON_SCHEMA_VERSION,
    audit_to_json,
    audited_to_json,
    baseline_diff_to_json,
    baseline_to_json,
    completion_to_json,
    diff_to_json,
    explain_to_json,
    export_summary_to_json,
    field_change_to_json,
    free_ports_to_json,
    history_to_json,
    listener_to_json,
    no_explanation_to_json,
    note_check_to_json,
    note_checks_to_json,
    note_set_to_json,
    note_to_json,
    person_from_json,
    person_to_json,
    record_from_json,
    record_to_json,
    records_to_json,
    registry_to_json,
    statistics_to_json,
    sync_to_json,
    versions_to_json,
)
from realdata import FIXTURES, parsed

LISTENER = Listener(protocol=Protocol.TCP, address="::", port=22, pid=7, process="sshd")
RELEASE = ReleaseInfo(
    updated=dt.date(2025, 12, 15),
    sha256="ab" * 32,
    record_count=3,
    source="child-order.xml",
    fetched_at=dt.datetime(2025, 12, 16, 8, 0, tzinfo=dt.timezone.utc),
    title="Service Name and Transport Protocol Port Number Registry",
    seq=0,
)
STATS = PortStatistics(
    updated=dt.date(2025, 12, 15),
    records=3,
    service_names=2,
    names_without_port=1,
    ports=(PortCounts(port_class=PortClass.SYSTEM, protocol=Protocol.TCP, assigned=2, reserved=1, unassigned=1021),),
)


@pytest.fixture(scope="module")
def child():
    return parsed(FIXTURES / "child-order.xml")


@pytest.fixture(scope="module")
def notes():
    return load_notes(environ={})


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
            "renamed": 0,
            "span_splits": 2,
            "deassignments": 5,
        }
        assert (len(data["added"]), len(data["removed"]), len(data["changed"])) == (10, 8, 4)
        assert set(data["moves"]) == {"port_changes", "renamed", "span_splits", "deassignments"}
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
    def test_every_whole_document_says_its_version_first(self, newest, fixture_diff, views, child, notes):
        """Every whole document (a release, a diff, a page, each command's answer) starts with its schema_version."""
        documents = [
            registry_to_json(newest, newest.records[:1]),
            diff_to_json(fixture_diff),
            history_to_json(history([], port=22)),
            explain_to_json(views[2304]),
            records_to_json(child, child.records),
            no_explanation_to_json("nosuch", child),
            free_ports_to_json(child, (1, 2), None, [1]),
            statistics_to_json(STATS),
            export_summary_to_json(child, fmt="json", output=Path("/x"), size=1),
            versions_to_json(Path("/c"), [RELEASE], None),
            sync_to_json(SyncResult(data_dir=Path("/c"), outcomes=(), latest=None)),
            note_set_to_json(notes),
            note_checks_to_json(child, []),
            audit_to_json(child, []),
            baseline_diff_to_json(compare_baseline([], [])),
            completion_to_json("bash", ""),
        ]
        assert [next(iter(document.items())) for document in documents] == [
            ("schema_version", JSON_SCHEMA_VERSION)
        ] * len(documents)
        baseline = baseline_to_json([LISTENER], host="h", saved=dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))
        assert next(iter(baseline.items())) == ("schema_version", BASELINE_SCHEMA_VERSION)


class TestCommandDocuments:
    def test_records(self, child):
        """show and search answer with the release date and the records in the record schema."""
        assert records_to_json(child, child.records[:1]) == {
            "schema_version": 1,
            "updated": "2025-12-15",
            "records": [record_to_json(child.records[0])],
        }

    def test_no_explanation(self, child):
        """explain of nothing answers with the query, the release date and no records."""
        assert no_explanation_to_json("nosuch", child) == {
            "schema_version": 1,
            "query": "nosuch",
            "updated": "2025-12-15",
            "records": [],
        }

    def test_free_ports(self, child):
        """free answers with the span as a list, the protocol asked and the ports."""
        assert free_ports_to_json(child, (1024, 1030), "tcp", (1024, 1025)) == {
            "schema_version": 1,
            "updated": "2025-12-15",
            "range": [1024, 1030],
            "protocol": "tcp",
            "ports": [1024, 1025],
            "avoids": ["iana", "os-reserved", "browser-blocked", "ephemeral", "kubernetes-nodeport"],
            "machine": None,
            "skipped": None,
        }

    def test_statistics(self):
        """stats writes the counts, and each row's range and protocol as their names."""
        assert statistics_to_json(STATS) == {
            "schema_version": 1,
            "updated": "2025-12-15",
            "records": 3,
            "service_names": 2,
            "names_without_port": 1,
            "ports": [
                {
                    "range": "system",
                    "protocol": "tcp",
                    "assigned": 2,
                    "reserved": 1,
                    "private_use": 0,
                    "withdrawn": 0,
                    "unassigned": 1021,
                }
            ],
        }

    def test_export_summary(self, child):
        """export -o FILE --json says the format, the file, the release, its record count and the bytes written."""
        assert export_summary_to_json(child, fmt="services", output=Path("/tmp/services"), size=42) == {
            "schema_version": 1,
            "format": "services",
            "output": "/tmp/services",
            "updated": "2025-12-15",
            "records": 3,
            "bytes": 42,
        }

    def test_versions(self):
        """versions lists the releases; problems appear only when the store was checked."""
        unchecked = versions_to_json(Path("/c"), [RELEASE], None)
        assert unchecked == {
            "schema_version": 1,
            "data_dir": "/c",
            "cache_dir": "/c",
            "releases": [RELEASE.to_json()],
        }
        assert versions_to_json(Path("/c"), [], ["bad"]) == {
            "schema_version": 1,
            "data_dir": "/c",
            "cache_dir": "/c",
            "releases": [],
            "problems": ["bad"],
        }

    def test_sync(self):
        """sync's document is the result's own object, its schema_version added; the folder is data_dir."""
        result = SyncResult(data_dir=Path("/c"), outcomes=(), latest=RELEASE)
        assert result.cache_dir == result.data_dir  # the deprecated attribute
        assert sync_to_json(result) == {
            "schema_version": 1,
            "data_dir": "/c",
            "cache_dir": "/c",
            "ok": False,
            "latest": RELEASE.to_json(),
            "seeded": None,
            "sources": [],
        }

    def test_note_set(self, notes):
        """notes list writes the files read and every note in the note schema."""
        assert note_set_to_json(notes) == {
            "schema_version": 1,
            "files": list(notes.files),
            "notes": [note_to_json(note) for note in notes],
        }

    def test_note_check(self, notes, child):
        """A note check names the note, the outcome, the record count and the file the note came from."""
        note = next(note for note in notes if note.id == "attachmate-uts")
        check = NoteCheck(note=note, status=CheckStatus.NO_MATCH, records=(), fingerprint=None)
        assert note.checked_against is not None
        expected = {
            "id": "attachmate-uts",
            "status": "no-match",
            "needs_attention": True,
            "explanation": check.explanation,
            "records": 0,
            "fingerprint": None,
            "checked_against": note.checked_against.release.isoformat(),
            "source": note.sources[-1],
        }
        assert note_check_to_json(check) == expected
        assert note_checks_to_json(child, [check]) == {
            "schema_version": 1,
            "updated": "2025-12-15",
            "checks": [expected],
        }

    def test_audit(self, child):
        """listening writes the release date and every audited listener."""
        audited = audit([LISTENER], child)
        assert audit_to_json(child, audited) == {
            "schema_version": 1,
            "updated": "2025-12-15",
            "listeners": [audited_to_json(audited[0])],
        }

    def test_baseline_diff(self):
        """A baseline comparison lists new and gone listeners, and owner changes as before/now pairs."""
        moved = Listener(protocol=Protocol.TCP, address="::", port=22, pid=8, process="dropbear")
        web = Listener(protocol=Protocol.TCP, address="::", port=80, pid=9, process="nginx")
        assert baseline_diff_to_json(compare_baseline([LISTENER], [moved, web])) == {
            "schema_version": 1,
            "new": [listener_to_json(web)],
            "gone": [],
            "changed_owner": [{"before": listener_to_json(LISTENER), "now": listener_to_json(moved)}],
        }

    def test_completion(self):
        """completion --json writes the shell and the script."""
        assert completion_to_json("fish", "complete -c x\n") == {
            "schema_version": 1,
            "shell": "fish",
            "script": "complete -c x\n",
        }


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


class TestStatusAndText:
    """Every record carries its status and IANA's normalised text; the raw form round-trips."""

    def test_every_record_has_a_status(self, newest):
        """The JSON key status is on every record of the newest release, one of the five."""
        statuses = {record_to_json(record)["status"] for record in newest.records}
        assert statuses == {"assigned", "unassigned", "reserved", "private-use", "withdrawn"}

    def test_description_is_normalised_and_the_raw_form_kept(self, newest):
        """whoispp's blank lines fold as IANA's CSV shows them; raw_text keeps the XML's text and round-trips."""
        record = newest.service("whoispp", "tcp")[0]
        data = record_to_json(record)
        assert (
            data["description"]
            == 'whois++\nIANA assigned this well-formed service name as a replacement for "whois++".'
        )
        assert data["raw_text"]["description"] == record.description != data["description"]
        assert record_from_json(data) == record

    def test_plain_text_has_no_raw_text(self, newest):
        """A record whose text is already normalised has raw_text null."""
        assert record_to_json(newest.service("ssh", "tcp")[0])["raw_text"] is None

    def test_every_record_round_trips(self, newest):
        """record_from_json inverts record_to_json for every record of the newest release."""
        assert all(record_from_json(record_to_json(record)) == record for record in newest.records)

    def test_person_keeps_every_uri(self, newest):
        """WAP_Forum's two <uri> are both in the JSON person, and read back."""
        person = newest.people["WAP_Forum"]
        data = person_to_json(person)
        assert data["uris"] == ["mailto:wap-feedback&mail.wapforum.org", "mailto:pg&uplanet.com"]
        assert data["uri"] == "mailto:wap-feedback&mail.wapforum.org"
        assert person_from_json(data) == person

    def test_no_json_text_keeps_xml_layout(self, newest):
        """No description, note or report of the newest release keeps a source line wrap with its indentation."""
        texts = [
            value
            for record in newest.records
            for key, value in record_to_json(record).items()
            if key in ("description", "notes", "unauthorized_use") and value
        ]
        wrapped = [text for text in texts if re.search(r"\s\n\s", text)]
        assert len(texts) > 13000
        # Only the wot notes keep their paragraph indentation, as IANA's CSV does.
        assert {text.split(":")[0] for text in wrapped} <= {"Defined TXT keys"}
