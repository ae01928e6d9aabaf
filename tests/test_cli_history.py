"""History and stored-release diffs: Store.history, Store.diff, `ianaports history`, `ianaports diff [OLD] [NEW]`."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import pytest

from cli_helpers import run
from ianaports import diff, history, parse
from ianaports._sync import sync
from ianaports.changes import FIELD_NAMES
from ianaports.cli import EXIT_CACHE, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, resolve_release
from ianaports.errors import CacheError, NotFoundError
from ianaports.render import record_to_json
from ianaports.store import Store
from realdata import FIXTURES, parsed, real_release_paths
from synthetic import registry_xml

if TYPE_CHECKING:
    from pathlib import Path

OLD = FIXTURES / "diff-old.xml"
NEW = FIXTURES / "diff-new.xml"
OLD_DATE = dt.date(2025, 11, 20)
NEW_DATE = dt.date(2025, 12, 15)


@pytest.fixture
def two_releases(isolated_cache: Path) -> Path:
    """The default cache holding the two hand-written releases, older first."""
    sync(OLD, cache_dir=isolated_cache)
    sync(NEW, cache_dir=isolated_cache)
    return isolated_cache


@pytest.fixture
def one_release(isolated_cache: Path) -> Path:
    """The default cache holding only the older hand-written release."""
    sync(OLD, cache_dir=isolated_cache)
    return isolated_cache


def summary(found: object) -> list[tuple[str, str, str | None, str, tuple[str, ...]]]:
    """(date, change, name, ports, changed fields) of every event of a History."""
    return [
        (
            event.version.isoformat(),
            event.change,
            event.record.name,
            str(event.record.ports),
            tuple(field.name for field in event.fields),
        )
        for event in found.events  # type: ignore[attr-defined]
    ]


class TestStoreHistory:
    def test_every_field_change(self, two_releases):
        """A record changed in every field gives one added and one changed event naming each field."""
        with Store(two_releases) as store:
            found = store.history(name="changeme")
        assert summary(found) == [
            ("2025-11-20", "added", "changeme", "1500", ()),
            ("2025-12-15", "changed", "ChangeMe", "1500", FIELD_NAMES),
        ]
        description = found.events[1].fields[1]
        assert (description.old, description.new) == ("Old description", "New description")

    def test_whitespace_only_is_no_event(self, two_releases):
        """Port 80's description was only re-wrapped, so its history is its first appearance."""
        with Store(two_releases) as store:
            found = store.history(port=80)
        assert summary(found) == [("2025-11-20", "added", "http", "80", ())]
        assert found.versions == (OLD_DATE, NEW_DATE)

    def test_repeated_records_pair_in_file_order(self, two_releases):
        """Three equal rep records become rep and REP: one kept, one changed in case, one removed."""
        with Store(two_releases) as store:
            found = store.history(port=9100)
        assert summary(found) == [
            ("2025-11-20", "added", "rep", "9100", ()),
            ("2025-11-20", "added", "rep", "9100", ()),
            ("2025-11-20", "added", "rep", "9100", ()),
            ("2025-12-15", "changed", "REP", "9100", ("service_name",)),
            ("2025-12-15", "removed", "rep", "9100", ()),
        ]

    def test_port_move(self, two_releases):
        """A service that moved port is added on the new port and removed from the old one."""
        with Store(two_releases) as store:
            found = store.history(name="MoveSvc")
        assert summary(found) == [
            ("2025-11-20", "added", "movesvc", "5000", ()),
            ("2025-12-15", "added", "movesvc", "5001", ()),
            ("2025-12-15", "removed", "movesvc", "5000", ()),
        ]

    def test_protocol_narrows(self, two_releases):
        """With a protocol, the protocol-less unassigned span and the tcp assignment drop out."""
        with Store(two_releases) as store:
            found = store.history(port=2306, protocol="udp")
            everything = store.history(port=2306)
        assert summary(found) == [("2025-12-15", "added", "newsvc", "2306", ())]
        assert summary(everything) == [
            ("2025-11-20", "added", None, "2305-2310", ()),
            ("2025-12-15", "added", "newsvc", "2306", ()),
            ("2025-12-15", "added", "newsvc", "2306", ()),
            ("2025-12-15", "removed", None, "2305-2310", ()),
        ]

    def test_never_appeared_and_empty_store(self, two_releases, tmp_path):
        """A port no release lists, or an empty store, gives a history without events."""
        with Store(two_releases) as store:
            assert store.history(port=9).events == ()
        with Store(tmp_path / "empty") as store:
            assert (store.history(port=80).events, store.history(port=80).versions) == ((), ())

    def test_store_diff(self, two_releases):
        """Store.diff() compares previous with latest exactly as diff() of the parsed files does."""
        with Store(two_releases) as store:
            assert store.diff() == diff(parse(OLD), parse(NEW))
            assert store.diff("latest", "2025-11-20") == diff(parse(NEW), parse(OLD))


class TestStoreDiff:
    def test_shared_duplicate_pairs_as_in_full_diff(self, tmp_path):
        """A record shared unchanged still pairs with its whitespace-variant twin first, as diff() pairs them."""
        twin = (
            "<record><name>dup</name><protocol>tcp</protocol><number>9</number><description>{}</description></record>"
        )
        old, new = tmp_path / "old.xml", tmp_path / "new.xml"
        old.write_bytes(registry_xml("2025-01-01", extra=twin.format("Same  text") + twin.format("Same text")))
        new.write_bytes(registry_xml("2025-02-01", extra=twin.format("Same text")))
        sync(old, cache_dir=tmp_path / "cache")
        sync(new, cache_dir=tmp_path / "cache")
        expected = diff(parse(old), parse(new))
        with Store(tmp_path / "cache") as store:
            assert store.diff() == expected
        assert [record.description for record in expected.removed] == ["Same text"]
        assert expected.unchanged == 21

    def test_same_release(self, two_releases):
        """A release compared with itself has no changes and counts every record unchanged."""
        with Store(two_releases) as store:
            same = store.diff("latest", "latest")
        assert (bool(same), same.unchanged) == (False, 17)

    @pytest.mark.parametrize(("old_at", "new_at"), [(0, -1), (-1, 0), (-2, -1)])
    def test_equals_diff_of_parsed_releases(self, real_cache, old_at, new_at):
        """Between real releases near and far, in both directions, Store.diff equals diff() of the parsed files."""
        old, new = parsed(real_release_paths()[old_at]), parsed(real_release_paths()[new_at])
        with Store(real_cache) as store:
            assert store.diff(old.updated, new.updated) == diff(old, new)


class TestRealHistory:
    @pytest.mark.parametrize(("port", "name"), [(2304, None), (80, None), (None, "rdp"), (None, "HTTP")])
    def test_equals_history_of_parsed_releases(self, real_cache, port, name):
        """The store's history equals history() over every parsed real release."""
        expected = history(((parsed(p).updated, parsed(p).records) for p in real_release_paths()), port=port, name=name)
        with Store(real_cache) as store:
            assert store.history(port=port, name=name) == expected
        assert expected.events

    def test_diff_by_date(self, real_cache):
        """diff DATE latest from the store equals diff() of the parsed files."""
        old, new = real_release_paths()[-2:]
        code, out, _ = run("diff", parsed(old).updated.isoformat(), "latest", "--json", "--cache-dir", str(real_cache))
        assert code == EXIT_OK
        data = json.loads(out)
        expected = diff(parsed(old), parsed(new))
        assert (data["counts"]["changed"], data["counts"]["unchanged"]) == (len(expected.changed), expected.unchanged)
        assert data["changed"][0]["new"] == record_to_json(expected.changed[0].new)


class TestHistoryCommand:
    def test_text(self, two_releases):
        """The text timeline has one line per event and one line per changed field."""
        code, out, err = run("history", "dupsvc")
        assert (code, err) == (EXIT_OK, "")
        assert out.splitlines() == [
            "History of dupsvc (2 releases, 2025-11-20 to 2025-12-15)",
            "2025-11-20  added    dupsvc (no port)  First",
            "2025-11-20  added    dupsvc (no port)  Second",
            "2025-12-15  changed  dupsvc (no port)  First, revised",
            "      description: First -> First, revised",
        ]

    def test_json(self, two_releases):
        """--json gives events with version, change, the record in the record schema and old/new fields."""
        code, out, _ = run("history", "1501", "--json")
        data = json.loads(out)
        assert code == EXIT_OK
        assert data["query"] == {"port": 1501, "name": None, "protocol": None}
        assert (data["releases"], data["first"], data["last"]) == (2, "2025-11-20", "2025-12-15")
        assert [(e["version"], e["change"]) for e in data["events"]] == [
            ("2025-11-20", "added"),
            ("2025-12-15", "changed"),
        ]
        changed = data["events"][1]
        assert changed["record"] == record_to_json(parse(NEW).lookup(1501)[0])
        assert [field["name"] for field in changed["fields"]] == ["assignee", "contact"]
        assert changed["fields"][1]["old"][0]["uri"] == "mailto:dana&old.example"
        assert changed["fields"][1]["new"][0]["uri"] == "mailto:dana&new.example"
        assert run("history", "1501", "--format", "json")[1] == out

    def test_markdown(self, two_releases):
        """--format markdown gives a heading and one bullet per event, fields nested under it."""
        code, out, _ = run("history", "gonesvc", "--format", "markdown")
        assert code == EXIT_OK
        assert out.splitlines() == [
            "## History of `gonesvc` (2 releases, 2025-11-20 to 2025-12-15)",
            "",
            "- **2025-11-20** added `gonesvc 7000/tcp`: Port released and reserved, name kept",
            "- **2025-12-15** added `gonesvc (no port)/tcp`: Port released and reserved, name kept",
            "- **2025-12-15** removed `gonesvc 7000/tcp`: Port released and reserved, name kept",
        ]

    def test_protocol_and_case(self, two_releases):
        """A name matches in any case and --protocol narrows to that protocol."""
        data = json.loads(run("history", "NEWSVC", "-p", "tcp", "--json")[1])
        assert [(e["record"]["service_name"], e["record"]["protocol"]) for e in data["events"]] == [("newsvc", "tcp")]
        assert run("history", "NEWSVC/TCP", "--json")[1] == run("history", "NEWSVC", "-p", "TCP", "--json")[1]

    def test_never_appeared(self, two_releases):
        """A port no stored release lists exits 1 with one line on stderr, and JSON still prints."""
        code, out, err = run("history", "9")
        assert (code, out) == (EXIT_NOT_FOUND, "")
        assert err == "ianaports: 9 appears in none of the 2 stored releases (2025-11-20 to 2025-12-15)\n"
        code, out, _ = run("history", "no-such-name", "--json")
        assert (code, json.loads(out)["events"]) == (EXIT_NOT_FOUND, [])

    def test_empty_store(self, tmp_path):
        """Without a stored release, history exits 4 and says to sync."""
        code, out, err = run("history", "80", "--cache-dir", str(tmp_path / "nothing"))
        assert (code, out) == (EXIT_CACHE, "")
        assert err.count("\n") == 1
        assert "'ianaports sync'" in err

    def test_cache_dir(self, two_releases, monkeypatch, tmp_path):
        """--cache-dir chooses the store, whatever IANAPORTS_CACHE_DIR says."""
        monkeypatch.setenv("IANAPORTS_CACHE_DIR", str(tmp_path / "elsewhere"))
        assert run("history", "80")[0] == EXIT_CACHE
        assert run("history", "80", "--cache-dir", str(two_releases))[0] == EXIT_OK

    def test_usage(self, two_releases):
        """A port beyond 65535, an unknown protocol or two formats are usage errors."""
        assert run("history", "70000")[0] == EXIT_USAGE
        assert run("history", "80", "-p", "icmp")[0] == EXIT_USAGE
        assert run("history", "80", "--json", "--format", "text")[0] == EXIT_USAGE
        assert run("history")[0] == EXIT_USAGE


class TestDiffStored:
    def test_no_arguments_is_previous_against_latest(self, two_releases):
        """With no arguments, diff compares the previous stored release with the latest, as the files do."""
        code, out, err = run("diff", "--json")
        assert (code, err) == (EXIT_OK, "")
        assert out == run("diff", str(OLD), str(NEW), "--json")[1]

    @pytest.mark.parametrize(
        "specs",
        [
            ("2025-11-20", "2025-12-15"),
            ("previous", "latest"),
            ("2025-11-20", "latest"),
            ("previous", str(NEW)),
            (str(OLD), "2025-12-15"),
        ],
    )
    def test_dates_names_and_files(self, two_releases, specs):
        """Dates, latest, previous and file paths mix freely."""
        code, out, _ = run("diff", *specs, "--json")
        assert code == EXIT_OK
        assert out == run("diff", str(OLD), str(NEW), "--json")[1]

    def test_reversed(self, two_releases):
        """diff latest previous mirrors the forward diff."""
        forward = json.loads(run("diff", "--json")[1])["counts"]
        backward = json.loads(run("diff", "latest", "previous", "--json")[1])["counts"]
        assert (backward["added"], backward["removed"], backward["changed"]) == (
            forward["removed"],
            forward["added"],
            forward["changed"],
        )

    def test_one_release(self, one_release):
        """With one stored release there is no previous one: exit 1, naming sync --source FOLDER."""
        code, out, err = run("diff")
        assert (code, out) == (EXIT_NOT_FOUND, "")
        assert err.count("\n") == 1
        assert "holds one release (2025-11-20)" in err
        assert "'ianaports sync --source FOLDER'" in err
        assert run("diff", "latest", "latest")[0] == EXIT_OK

    def test_empty_store(self):
        """With nothing stored, diff without arguments exits 4 and says to sync."""
        code, out, err = run("diff")
        assert (code, out) == (EXIT_CACHE, "")
        assert err.count("\n") == 1
        assert "'ianaports sync'" in err

    def test_unknown_date(self, two_releases):
        """A date the store does not hold exits 1 and lists the dates it does hold."""
        code, _, err = run("diff", "2020-01-01", "latest")
        assert code == EXIT_NOT_FOUND
        assert "no release of 2020-01-01" in err
        assert "2025-12-15" in err

    def test_cache_dir(self, two_releases, monkeypatch, tmp_path):
        """--cache-dir chooses the store for diff too."""
        monkeypatch.setenv("IANAPORTS_CACHE_DIR", str(tmp_path / "elsewhere"))
        assert run("diff")[0] == EXIT_CACHE
        assert run("diff", "--cache-dir", str(two_releases))[0] == EXIT_OK


class TestResolveStored:
    def test_latest_and_previous(self, two_releases):
        """latest and previous name the newest stored release and the one before."""
        assert resolve_release("latest").updated == NEW_DATE
        assert resolve_release("previous", cache_dir=two_releases).updated == OLD_DATE
        assert resolve_release("2025-11-20") == parse(OLD)

    def test_errors(self, one_release, tmp_path):
        """An empty store raises CacheError; a release it lacks, NotFoundError."""
        with pytest.raises(CacheError, match="no release stored"):
            resolve_release("latest", cache_dir=tmp_path / "empty")
        with pytest.raises(NotFoundError, match="no previous"):
            resolve_release("previous")
        with pytest.raises(NotFoundError):
            resolve_release("2025-12-15")


class TestRenames:
    """diff and history of the stored real releases report pearldoc-xact's rename to panquest-xact."""

    def test_diff(self, real_cache):
        """diff 2025-11-14 2025-11-20 names the rename and de-assigns nothing."""
        code, out, _ = run("diff", "2025-11-14", "2025-11-20", "--json", "--cache-dir", str(real_cache))
        assert code == EXIT_OK
        data = json.loads(out)
        assert (data["counts"]["renamed"], data["counts"]["deassignments"]) == (2, 0)

    def test_history(self, real_cache):
        """history 1980/tcp: added in the first release, renamed on 2025-11-20, as one event."""
        code, out, _ = run("history", "1980/tcp", "--cache-dir", str(real_cache))
        assert code == EXIT_OK
        events = [line.split()[:3] for line in out.splitlines()[1:] if not line.startswith(" ")]
        assert events == [
            ["2017-03-10", "added", "pearldoc-xact"],
            ["2025-11-20", "renamed", "panquest-xact"],
        ]

    def test_history_of_the_old_name(self, real_cache):
        """history pearldoc-xact ends in the rename, not in a removal."""
        code, out, _ = run("history", "pearldoc-xact", "--json", "--cache-dir", str(real_cache))
        assert code == EXIT_OK
        events = [(e["version"], e["change"], e["record"]["service_name"]) for e in json.loads(out)["events"]]
        assert events[-2:] == [
            ("2025-11-20", "renamed", "panquest-xact"),
            ("2025-11-20", "renamed", "panquest-xact"),
        ]
