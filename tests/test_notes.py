"""Curated notes: shipped notes, validation, overlays, matching and checks against releases."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path

import attrs
import pytest

from ianaports import NotesError, ServiceRecord
from ianaports.explainer import explain
from ianaports.model import PortRange
from ianaports.notes import (
    NOTES_PATH_ENV,
    CheckStatus,
    Confidence,
    NoteStatus,
    builtin_notes_dir,
    check_notes,
    load_notes,
    notes_index_source,
    read_notes,
    records_fingerprint,
)
from realdata import PROJECT_ROOT, parsed, require_real

OLDER = "service-names-port-numbers.20250114.xml.xz"
UNASSIGNED_PORT = 28005

BASE = 'id = "x"\nsummary = "s"\n[note.match]\nnames = ["x"]\n'
MINIMAL = """
[[note]]
id = "demo"
summary = "A demo note."
[note.match]
names = ["demo"]
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_only(*paths):
    return load_notes(paths, builtin=False, environ={})


class TestShippedNotes:
    def test_load_and_validate(self):
        """The shipped notes load, one per TOML file, with the required seeds present."""
        notes = load_notes(environ={})
        ids = {note.id for note in notes}
        assert {"attachmate-uts", "taskmaster2000", "mpnjsosv", "ssh", "smtp", "domain", "http", "https"} <= ids
        assert {"ms-wbt-server"} <= ids
        assert len(notes.files) == len(list(builtin_notes_dir().glob("*.toml")))

    def test_every_note_has_sources_and_a_check(self):
        """Every shipped note cites at least one web source and records the release it was checked against."""
        for note in load_notes(environ={}):
            assert note.references, note.id
            assert note.checked_against is not None, note.id

    def test_seed_facts(self):
        """The seed notes carry the facts of the seed pages: years, confidence, status."""
        notes = load_notes(environ={})
        attachmate = notes.get("attachmate-uts")
        assert attachmate is not None
        assert [event.date for event in attachmate.timeline] == ["1982", "2005", "2014"]
        assert attachmate.status is NoteStatus.LEGACY
        mpnjsosv = notes.get("mpnjsosv")
        assert mpnjsosv is not None
        assert [use.confidence for use in mpnjsosv.unofficial_uses] == [Confidence.LOW]
        assert mpnjsosv.vendor is None
        assert mpnjsosv.product is None
        taskmaster = notes.get("taskmaster2000")
        assert taskmaster is not None
        assert [str(span) for span in taskmaster.match.ports] == ["2402", "2403"]

    def test_all_shipped_notes_current(self, newest):
        """Every shipped note matches unchanged records in the newest real release."""
        checks = check_notes(load_notes(environ={}), newest)
        assert [(check.note.id, check.status) for check in checks if check.needs_attention] == []


#: The ports chosen for curated notes by the rule in docs/notes.md, one row per port.
SELECTION = Path(__file__).parent / "data" / "notes_selection.tsv"
SELECTION_RULES = {"netbase-tcp-system", "netbase-udp-common", "issue-17"}
#: The explicit extras the rule names, each with its reason in docs/notes.md.
UDP_EXTRAS = {67, 68, 69, 123, 137, 138, 500}
ISSUE_EXTRAS = {5353, 6379, 8080}


def selection() -> list[tuple[int, str, list[str]]]:
    """(port, rule, netbase entries) for each selected port, in file order."""
    rows = []
    for line in SELECTION.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        port, rule, entries = line.split("\t")
        rows.append((int(port), rule, entries.split()))
    return rows


class TestCuratedSelection:
    def test_selection_follows_the_rule(self):
        """The committed list holds exactly what the documented rule picks, in ascending port order."""
        rows = selection()
        ports = [port for port, _, _ in rows]
        assert ports == sorted(set(ports))
        assert {rule for _, rule, _ in rows} == SELECTION_RULES
        by_rule = {rule: {port for port, r, _ in rows if r == rule} for rule in SELECTION_RULES}
        assert by_rule["issue-17"] == ISSUE_EXTRAS
        assert by_rule["netbase-udp-common"] == UDP_EXTRAS
        for port, rule, entries in rows:
            has_tcp = any(entry.endswith("/tcp") for entry in entries)
            if rule == "netbase-tcp-system":
                assert port < 1024, port
                assert has_tcp, port
            if rule == "netbase-udp-common":
                assert not has_tcp, port
                assert any(entry.endswith("/udp") for entry in entries), port
        assert len(by_rule["netbase-tcp-system"]) == 86
        assert len(rows) == 96

    def test_at_least_100_notes(self):
        """At least 100 curated notes ship (issue 17)."""
        assert len(load_notes(environ={})) >= 100

    def test_every_selected_port_has_a_note(self):
        """Each port the rule selects is named in the match of at least one shipped note."""
        notes = load_notes(environ={})
        missing = [
            port for port, _, _ in selection() if not any(port in span for note in notes for span in note.match.ports)
        ]
        assert missing == []

    def test_every_note_cites_a_web_source(self):
        """Every shipped note has at least one http(s) reference and every unofficial use a confidence and source."""
        for note in load_notes(environ={}):
            assert any(ref.url.startswith(("https://", "http://")) for ref in note.references), note.id
            for use in note.unofficial_uses:
                assert isinstance(use.confidence, Confidence), note.id
                assert use.source.strip(), note.id

    @pytest.mark.parametrize("port", [5353, 6379, 8080, 783, 15])
    def test_explain_finds_the_note(self, newest, port):
        """explain attaches a curated note to the pages issue 17 names and to ports IANA leaves unassigned."""
        view = explain(newest, port, load_notes(environ={}))
        assert view.notes, port
        assert all(any(port in span for span in note.match.ports) for note in view.notes)


class TestValidation:
    @pytest.mark.parametrize(
        ("body", "field", "problem"),
        [
            ('id = "x"\nsummary = "s"\nstatus = "alive"\n[note.match]\nnames = ["x"]', "status", "must be one of"),
            ('id = "x"\nsummary = ""\n[note.match]\nnames = ["x"]', "summary", "non-empty string"),
            ('id = "x"\nsummary = "s"\n[note.match]\nports = ["70000"]', "match.ports", "65535"),
            ('id = "x"\nsummary = "s"\n[note.match]\nprotocol = "icmp"', "match.protocol", "icmp"),
            ('id = "x"\nsummary = "s"\n[note.match]\nprotocol = "tcp"', "match", "at least one"),
            ('id = "x"\nsummary = "s"\ncolour = "red"\n[note.match]\nnames = ["x"]', "colour", "is not a note field"),
            (
                BASE + '[[note.timeline]]\ndate = "2014-13"\nevent = "e"',
                "timeline[0].date",
                "calendar",
            ),
            (
                BASE + '[[note.unofficial_uses]]\ndescription = "d"\nconfidence = "certain"\nsource = "s"',
                "unofficial_uses[0].confidence",
                "low, medium, high",
            ),
            (
                BASE + '[[note.references]]\ntitle = "t"\nurl = "javascript:alert(1)"',
                "references[0].url",
                "http(s) URL",
            ),
            (
                BASE + '[note.checked_against]\nrelease = "2025-12-15"\nfingerprint = "md5:1"',
                "checked_against.fingerprint",
                "sha256",
            ),
        ],
    )
    def test_errors_name_file_note_and_field(self, tmp_path, body, field, problem):
        """A malformed field is a NotesError naming the file, the note and the field."""
        path = write(tmp_path, "bad.toml", "[[note]]\n" + body + "\n")
        with pytest.raises(NotesError) as caught:
            load_only(path)
        message = str(caught.value)
        assert str(path) in message
        assert "note 'x'" in message
        assert f"field {field!r}" in message
        assert problem in message

    def test_bad_id(self, tmp_path):
        """A note without a usable id is named by its position in the file."""
        path = write(tmp_path, "bad.toml", '[[note]]\nid = "Has Spaces"\n')
        with pytest.raises(NotesError, match=r"bad\.toml: note '#0': field 'id'"):
            load_only(path)

    def test_duplicate_id_in_one_file(self, tmp_path):
        """The same id twice in one file is an error, not a silent override."""
        path = write(tmp_path, "dup.toml", MINIMAL + MINIMAL)
        with pytest.raises(NotesError, match="appears twice"):
            load_only(path)

    def test_missing_required_field(self, tmp_path):
        """A note that no source gives a match is an error naming the field."""
        path = write(tmp_path, "partial.toml", '[[note]]\nid = "lonely"\nsummary = "s"\n')
        with pytest.raises(NotesError, match=r"note 'lonely': field 'match': is required"):
            load_only(path)

    def test_not_toml(self, tmp_path):
        """A file that is not TOML is an error naming the file."""
        path = write(tmp_path, "broken.toml", "[[note]\n")
        with pytest.raises(NotesError, match=r"broken\.toml: not valid TOML"):
            load_only(path)

    def test_unknown_top_level_key(self, tmp_path):
        """Only [[note]] tables are allowed at the top level."""
        path = write(tmp_path, "top.toml", 'title = "x"\n')
        with pytest.raises(NotesError, match="unknown top-level key 'title'"):
            load_only(path)

    def test_missing_path(self, tmp_path):
        """A notes path that does not exist is an error naming it."""
        with pytest.raises(NotesError, match="no such notes file or folder"):
            load_only(tmp_path / "absent.toml")

    def test_toml_dates(self, tmp_path):
        """Unquoted TOML dates are accepted for timeline and checked_against."""
        path = write(
            tmp_path,
            "dates.toml",
            MINIMAL
            + "[[note.timeline]]\ndate = 2014-11-20\nevent = 'e'\n"
            + "[note.checked_against]\nrelease = 2025-12-15\nfingerprint = 'sha256:0123456789abcdef'\n",
        )
        note = load_only(path).get("demo")
        assert note is not None
        assert note.timeline[0].date == "2014-11-20"
        assert note.checked_against is not None
        assert note.checked_against.release == dt.date(2025, 12, 15)


class TestOverlays:
    def test_field_by_field(self, tmp_path):
        """A later source overrides only the fields it gives, keeping the rest."""
        overlay = write(tmp_path, "overlay.toml", '[[note]]\nid = "ssh"\nstatus = "legacy"\nvendor = "Us"\n')
        notes = load_notes([overlay], environ={})
        ssh = notes.get("ssh")
        shipped = load_notes(environ={}).get("ssh")
        assert ssh is not None
        assert shipped is not None
        assert (ssh.status, ssh.vendor) == (NoteStatus.LEGACY, "Us")
        assert (ssh.summary, ssh.timeline, ssh.match) == (shipped.summary, shipped.timeline, shipped.match)
        assert ssh.sources[-1] == str(overlay)
        assert len(ssh.sources) == 2

    def test_precedence_env_then_parameter(self, tmp_path):
        """Order is shipped notes, then IANAPORTS_NOTES_PATH entries in order, then the paths given."""
        first = write(tmp_path, "a.toml", '[[note]]\nid = "ssh"\nvendor = "first"\nproduct = "p1"\n')
        folder = tmp_path / "folder"
        folder.mkdir()
        write(folder, "b.toml", '[[note]]\nid = "ssh"\nvendor = "second"\n')
        last = write(tmp_path, "c.toml", '[[note]]\nid = "ssh"\nvendor = "third"\n')
        environ = {NOTES_PATH_ENV: os.pathsep.join([str(first), str(folder)])}
        assert load_notes(environ=environ).get("ssh").vendor == "second"  # type: ignore[union-attr]
        ssh = load_notes([last], environ=environ).get("ssh")
        assert ssh is not None
        assert (ssh.vendor, ssh.product) == ("third", "p1")

    def test_environment_variable(self, tmp_path, monkeypatch):
        """IANAPORTS_NOTES_PATH is read from the environment by default."""
        path = write(tmp_path, "mine.toml", MINIMAL)
        monkeypatch.setenv(NOTES_PATH_ENV, str(path))
        assert load_notes().get("demo") is not None

    def test_new_note_in_overlay(self, tmp_path):
        """An overlay may add a complete new note."""
        notes = load_notes([write(tmp_path, "new.toml", MINIMAL)], environ={})
        assert notes.get("demo") is not None
        assert len(notes) == len(load_notes(environ={})) + 1


class TestMatching:
    def note(self, tmp_path, match):
        path = write(tmp_path, "m.toml", f'[[note]]\nid = "m"\nsummary = "s"\n[note.match]\n{match}\n')
        note = load_only(path).get("m")
        assert note is not None
        return note

    def test_name_and_port_must_both_hold(self, tmp_path):
        """With names and ports, a record must carry one of the names on one of the ports."""
        note = self.note(tmp_path, 'names = ["ssh"]\nports = [22]')
        assert note.matches(ServiceRecord(name="SSH", protocol="tcp", ports=PortRange.single(22)))
        assert not note.matches(ServiceRecord(name="ssh", protocol="tcp", ports=PortRange.single(2222)))
        assert not note.matches(ServiceRecord(name="telnet", protocol="tcp", ports=PortRange.single(22)))

    def test_protocol_and_spans(self, tmp_path):
        """A protocol narrows the match; a port span matches records overlapping it."""
        note = self.note(tmp_path, 'ports = ["6000-6010"]\nprotocol = "udp"')
        assert note.matches(ServiceRecord(name="x11", protocol="udp", ports=PortRange(6000, 6063)))
        assert not note.matches(ServiceRecord(name="x11", protocol="tcp", ports=PortRange(6000, 6063)))
        assert note.match.covers_port(6005)
        assert not note.match.covers_port(6011)

    def test_explain_attaches_port_only_notes_to_unassigned_ports(self, tmp_path, newest):
        """A port-only note reaches the view of an unassigned port."""
        path = write(
            tmp_path,
            "port.toml",
            f'[[note]]\nid = "ours"\nsummary = "Ours."\n[note.match]\nports = [{UNASSIGNED_PORT}]\n',
        )
        view = explain(newest, UNASSIGNED_PORT, load_only(path))
        assert [note.id for note in view.notes] == ["ours"]

    def test_name_notes_do_not_leak_to_other_ports(self, newest):
        """The taskmaster2000 note is on 2402 and 2403 but not on a neighbour."""
        notes = load_notes(environ={})
        assert [note.id for note in explain(newest, 2403, notes).notes] == ["taskmaster2000"]
        assert explain(newest, 2405, notes).notes == ()


class TestReadingOnlyWhatIsNeeded:
    """read_notes answers as load_notes does, reading only the shipped files a question needs."""

    def test_committed_index_matches_the_notes(self):
        """src/ianaports/_notes_index.py is what the shipped TOML notes say (python -m ianaports.notes rewrites it)."""
        committed = (PROJECT_ROOT / "src" / "ianaports" / "_notes_index.py").read_text(encoding="utf-8")
        assert committed == notes_index_source()

    def test_each_shipped_note_lives_in_one_file(self):
        """No shipped note id is spread over files: read_notes reads a note's one file to have all of it."""
        notes = load_notes(environ={})
        assert [note.id for note in notes if len(note.sources) != 1] == []

    def test_index_of_a_folder(self, tmp_path):
        """The index lists every name, port span and id of the files, each with the files holding it."""
        write(tmp_path, "a.toml", '[[note]]\nid = "a"\nsummary = "s"\n[note.match]\nnames = ["SSH"]\nports = [22]\n')
        write(tmp_path, "b.toml", '[[note]]\nid = "a"\nvendor = "v"\n[[note]]\nid = "b"\nsummary = "s"\n'
              '[note.match]\nports = ["6000-6010", 22]\n')  # fmt: skip
        namespace: dict[str, object] = {}
        exec(notes_index_source(tmp_path), namespace)  # the generated module, read back
        assert namespace["NAMES"] == {"ssh": ("a.toml",)}
        assert namespace["SPANS"] == ((22, 22, "a.toml"), (22, 22, "b.toml"), (6000, 6010, "b.toml"))
        assert namespace["IDS"] == {"a": ("a.toml", "b.toml"), "b": ("b.toml",)}

    def test_every_matched_record_of_the_newest_release(self, newest):
        """For each record any shipped note matches, the lazily read notes are those of every note."""
        every = load_notes(environ={})
        lazily = read_notes(environ={})
        matched = [record for record in newest.records if any(note.matches(record) for note in every)]
        assert len(matched) > 200
        for record in matched:
            port = record.ports.start if record.ports is not None else None
            assert lazily.about([record], port) == every.about([record], port), record

    def test_every_port_a_note_names_and_its_neighbours(self):
        """Port-only notes are found by port at each end of their spans, and not beside them."""
        every = load_notes(environ={})
        lazily = read_notes(environ={})
        edges = {port for note in every for span in note.match.ports for port in (span.start, span.end)}
        ports = sorted({each for port in edges for each in (port - 1, port, port + 1) if 0 <= each <= 65535})
        for port in ports:
            assert lazily.about([], port) == every.about([], port), port

    def test_overlays_override_and_add(self, tmp_path, newest):
        """An overlay moving a shipped note to another name, and a new note, reach the pages they now match."""
        moved = write(tmp_path, "moved.toml", '[[note]]\nid = "attachmate-uts"\n[note.match]\nnames = ["ssh"]\n')
        added = write(tmp_path, "added.toml", MINIMAL.replace('"demo"]', '"http"]'))
        environ = {NOTES_PATH_ENV: str(added)}
        every = load_notes([moved], environ=environ)
        lazily = read_notes([moved], environ=environ)
        for port in (22, 80, 2304):
            records = newest.lookup(port)
            assert lazily.about(records, port) == every.about(records, port)
        assert [note.id for note in lazily.about(newest.lookup(22), 22)] == ["attachmate-uts", "ssh"]
        assert lazily.about(newest.lookup(2304), 2304) == ()
        assert lazily.load() == every

    def test_a_partial_overlay_fails_when_read(self, tmp_path):
        """An overlay note with no match anywhere fails in read_notes with load_notes' message."""
        path = write(tmp_path, "partial.toml", '[[note]]\nid = "nobody"\nvendor = "v"\n')
        with pytest.raises(NotesError) as expected:
            load_notes([path], environ={})
        with pytest.raises(NotesError) as found:
            read_notes([path], environ={})
        assert str(found.value) == str(expected.value)
        assert "field 'match': is required" in str(found.value)

    def test_explain_reads_lazily_by_default(self, newest):
        """explain without notes shows the notes load_notes gives."""
        for query in (2304, 2402, 22, "ssh", UNASSIGNED_PORT):
            assert explain(newest, query) == explain(newest, query, load_notes())


class TestNotesCheck:
    def test_changed_between_real_releases(self, tmp_path, newest):
        """A note checked against an older release is reported changed when its record changed since."""
        older = parsed(require_real(OLDER))
        fingerprint = records_fingerprint(older.service("smtp"))
        path = write(
            tmp_path,
            "smtp.toml",
            f"""
            [[note]]
            id = "smtp"
            [note.checked_against]
            release = "{older.updated.isoformat()}"
            fingerprint = "{fingerprint}"
            """,
        )
        notes = load_notes([path], environ={})
        smtp = notes.get("smtp")
        assert smtp is not None
        (check,) = check_notes([smtp], newest)
        assert check.status is CheckStatus.CHANGED
        assert check.needs_attention
        assert older.updated.isoformat() in check.explanation
        (same,) = check_notes([smtp], older)
        assert same.status is CheckStatus.OK

    def test_shipped_notes_against_an_older_release(self):
        """Checked against a release before IANA changed smtp's reference, the shipped smtp note is flagged."""
        older = parsed(require_real(OLDER))
        changed = {check.note.id for check in check_notes(load_notes(environ={}), older) if check.needs_attention}
        assert "smtp" in changed
        assert "attachmate-uts" not in changed

    def test_no_match_and_unchecked(self, tmp_path, newest):
        """A note matching nothing, and a note never checked, both need attention."""
        path = write(
            tmp_path,
            "x.toml",
            MINIMAL.replace('"demo"]', '"no-such-service-xyz"]') + '[[note]]\nid = "u"\nsummary = "s"\n'
            '[note.match]\nnames = ["ssh"]\n',
        )
        checks = {check.note.id: check for check in check_notes(load_only(path), newest)}
        assert checks["demo"].status is CheckStatus.NO_MATCH
        assert checks["u"].status is CheckStatus.UNCHECKED
        assert checks["u"].fingerprint is not None
        assert checks["u"].fingerprint in checks["u"].explanation

    def test_fingerprint_ignores_order_and_rewrapping(self):
        """The fingerprint ignores record order and IANA re-wrapping text, not content."""
        one = ServiceRecord(name="a", protocol="tcp", description="Some  text\n here")
        two = ServiceRecord(name="a", protocol="udp", description="Some text here")
        assert records_fingerprint([one, two]) == records_fingerprint(
            [two, attrs.evolve(one, description="Some text here")]
        )
        assert records_fingerprint([one]) != records_fingerprint([attrs.evolve(one, description="Other")])
