from __future__ import annotations

import datetime as dt
import itertools

import attrs
import pytest

from ianaports import (
    DeassignmentStatus,
    FieldChange,
    NotFoundError,
    PartialDate,
    Person,
    PortRange,
    Reference,
    Registry,
    ServiceRecord,
    diff,
    history,
    parse,
)
from ianaports.changes import FIELD_NAMES, diff_records, record_matches
from realdata import FIXTURES, parsed, real_release_paths, require_real
from synthetic import registry_xml

OLD_DATE = dt.date(2025, 11, 20)
NEW_DATE = dt.date(2025, 12, 15)


def label(record: ServiceRecord) -> str:
    """A record as ``name port/protocol`` for compact expectations."""
    name = record.name or record.description
    where = str(record.ports) if record.ports else "-"
    return f"{name} {where}/{record.protocol}" if record.protocol else f"{name} {where}"


def labels(records) -> list[str]:
    return [label(record) for record in records]


def registry(*records: ServiceRecord, updated: dt.date = OLD_DATE) -> Registry:
    return Registry(title="test", updated=updated, records=records)


def record(name: str | None, port: int | None, protocol: str | None = "tcp", **fields) -> ServiceRecord:
    return ServiceRecord(name=name, protocol=protocol, ports=None if port is None else PortRange.single(port), **fields)


@pytest.fixture(scope="module")
def fixture_diff():
    return diff(parsed(FIXTURES / "diff-old.xml"), parsed(FIXTURES / "diff-new.xml"))


class TestFixturePair:
    def test_dates(self, fixture_diff):
        """The diff carries both releases' own dates."""
        assert (fixture_diff.old_updated, fixture_diff.new_updated) == (OLD_DATE, NEW_DATE)

    def test_respelled(self, fixture_diff):
        """A record re-spaced but not changed is no change, and is listed in respelled (its copy differs)."""
        assert labels(change.new for change in fixture_diff.respelled) == ["http 80/tcp"]
        assert fixture_diff.respelled[0].fields == ()
        assert "http 80/tcp" not in labels(change.new for change in fixture_diff.changed)
        assert fixture_diff.restricted(port=80).respelled == fixture_diff.respelled
        assert fixture_diff.restricted(port=22).respelled == ()

    def test_added(self, fixture_diff):
        """Added records are the new release's unpaired records, in its file order."""
        assert labels(fixture_diff.added) == [
            "Unassigned 2305",
            "newsvc 2306/tcp",
            "newsvc 2306/udp",
            "Unassigned 2307-2310",
            "Unassigned 5000",
            "movesvc 5001/tcp",
            "Reserved 7000/tcp",
            "Unassigned 7001",
            "renamed-new 7002/tcp",
            "gonesvc -/tcp",
        ]

    def test_removed(self, fixture_diff):
        """Removed records are the old release's unpaired records, in its file order."""
        assert labels(fixture_diff.removed) == [
            "Unassigned 2305-2310",
            "movesvc 5000/tcp",
            "Unassigned 5001",
            "gonesvc 7000/tcp",
            "oldsvc 7001/udp",
            "renamed-old 7002/tcp",
            "rep 9100/tcp",
            "nameonly -",
        ]

    def test_changed(self, fixture_diff):
        """Changed records list exactly the fields that differ, whitespace-only edits excluded."""
        assert [(label(change.new), change.field_names) for change in fixture_diff.changed] == [
            (
                "ChangeMe 1500/tcp",
                (
                    "service_name",
                    "description",
                    "assignee",
                    "contact",
                    "references",
                    "registered",
                    "modified",
                    "notes",
                    "unauthorized_use",
                    "service_code",
                ),
            ),
            ("detailsvc 1501/udp", ("assignee", "contact")),
            ("REP 9100/tcp", ("service_name",)),
            ("dupsvc -", ("description",)),
        ]
        assert fixture_diff.unchanged == 3

    def test_changed_values(self, fixture_diff):
        """Each changed field carries its old and new value."""
        fields = {field.name: (field.old, field.new) for field in fixture_diff.changed[0].fields}
        assert fields["service_name"] == ("changeme", "ChangeMe")
        assert fields["description"] == ("Old description", "New description")
        assert [person.id for person in fields["assignee"][0]] == ["Tom_Example"]
        assert [person.id for person in fields["assignee"][1]] == ["Jon_Postel"]
        assert [person.id for person in fields["contact"][1]] == ["Tom_Example"]
        assert [reference.data for reference in fields["references"][1]] == ["rfc2000"]
        assert fields["registered"] == (PartialDate(2001, 1, 1), PartialDate(2001, 1, 2))
        assert fields["modified"] == (PartialDate(2002, 2), PartialDate(2025, 12, 1))
        assert fields["notes"] == ("Old note", "New note")
        assert fields["unauthorized_use"] == ("Old report", "New report")
        assert fields["service_code"] == (100, 200)

    def test_contact_details_change_with_same_id(self, fixture_diff):
        """A person whose details changed under the same id is a contact change."""
        contact = fixture_diff.changed[1].fields[1]
        assert (contact.old[0].id, contact.new[0].id) == ("Dana_Example", "Dana_Example")
        assert (contact.old[0].email, contact.new[0].email) == ("dana@old.example", "dana@new.example")

    def test_port_change(self, fixture_diff):
        """A service with the same name and protocol on another port is a port change."""
        assert [(label(move.old), label(move.new)) for move in fixture_diff.port_changes] == [
            ("movesvc 5000/tcp", "movesvc 5001/tcp")
        ]

    def test_span_splits(self, fixture_diff):
        """Unassigned spans that new assignments took ports from are reported with what is left."""
        assert [
            (label(move.span), labels(move.assigned), labels(move.remainder)) for move in fixture_diff.span_splits
        ] == [
            (
                "Unassigned 2305-2310",
                ["newsvc 2306/tcp", "newsvc 2306/udp"],
                ["Unassigned 2305", "Unassigned 2307-2310"],
            ),
            ("Unassigned 5001", ["movesvc 5001/tcp"], []),
        ]

    def test_deassignments(self, fixture_diff):
        """Assignments that vanished without moving say what holds their ports now."""
        assert [(label(move.record), move.status, labels(move.now)) for move in fixture_diff.deassignments] == [
            ("gonesvc 7000/tcp", DeassignmentStatus.RESERVED, ["Reserved 7000/tcp"]),
            ("oldsvc 7001/udp", DeassignmentStatus.UNASSIGNED, ["Unassigned 7001"]),
            ("renamed-old 7002/tcp", DeassignmentStatus.REASSIGNED, ["renamed-new 7002/tcp"]),
            ("rep 9100/tcp", DeassignmentStatus.REMOVED, []),
            ("nameonly -", DeassignmentStatus.REMOVED, []),
        ]

    def test_repr_and_truth(self, fixture_diff):
        """A diff has a short repr and is true when anything changed."""
        assert repr(fixture_diff) == "<RegistryDiff 2025-11-20 -> 2025-12-15: 10 added, 8 removed, 4 changed>"
        assert fixture_diff


class TestRestricted:
    def test_by_port(self, fixture_diff):
        """Restricting to a port keeps the changes and moves whose records hold it."""
        only = fixture_diff.restricted(port=2306)
        assert labels(only.added) == ["newsvc 2306/tcp", "newsvc 2306/udp"]
        assert labels(only.removed) == ["Unassigned 2305-2310"]
        assert (only.changed, only.port_changes, only.deassignments) == ((), (), ())
        assert len(only.span_splits) == 1

    def test_by_name_any_case(self, fixture_diff):
        """Restricting to a name matches it case-insensitively on either side of a change."""
        only = fixture_diff.restricted(name="CHANGEME")
        assert [label(change.old) for change in only.changed] == ["changeme 1500/tcp"]
        assert (only.added, only.removed) == ((), ())

    def test_by_protocol(self, fixture_diff):
        """Restricting to a protocol drops records of other or no protocol."""
        only = fixture_diff.restricted(protocol="udp")
        assert labels(only.added) == ["newsvc 2306/udp"]
        assert labels(only.removed) == ["oldsvc 7001/udp"]

    def test_nothing_asked(self, fixture_diff):
        """Without a filter the diff is returned as is."""
        assert fixture_diff.restricted() is fixture_diff


class TestDiffRecords:
    base = record(
        "svc",
        1234,
        description="A service\n   wrapped",
        contacts=(Person(id="A", name="Ann"),),
        references=(Reference(kind="rfc", data="rfc1"),),
        notes="A note",
    )

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("description", "A service  wrapped "),
            ("description", "A service\nwrapped"),
            ("notes", "A\n  note"),
            ("contacts", (Person(id="A", name="Ann "),)),
        ],
    )
    def test_whitespace_is_not_a_change(self, field, value):
        """Text that differs only in whitespace or line breaks compares equal."""
        assert diff_records(self.base, attrs.evolve(self.base, **{field: value})) == ()

    def test_absent_and_empty_text_are_equal(self):
        """An absent note and an empty one are the same."""
        assert diff_records(attrs.evolve(self.base, notes=None), attrs.evolve(self.base, notes="  ")) == ()

    def test_field_order_follows_schema(self):
        """Changed fields come in the JSON schema's order whatever the cause."""
        new = attrs.evolve(self.base, service_code=7, name="SVC", notes="Other")
        assert [change.name for change in diff_records(self.base, new)] == ["service_name", "notes", "service_code"]
        assert set(FIELD_NAMES) >= {change.name for change in diff_records(self.base, new)}

    def test_values_are_as_written(self):
        """A change carries the record's own values, not folded ones."""
        new = attrs.evolve(self.base, description="Another\n service")
        assert diff_records(self.base, new) == (
            FieldChange("description", "A service\n   wrapped", "Another\n service"),
        )

    def test_identity_fields_are_not_compared(self):
        """Ports and protocol are identity, never a field change."""
        assert diff_records(self.base, attrs.evolve(self.base, ports=PortRange.single(1), protocol="udp")) == ()


class TestPairing:
    def test_identity_ignores_name_case(self):
        """A name that changed case only is the same record, changed."""
        result = diff(registry(record("ssh", 22)), registry(record("SSH", 22)))
        assert (result.added, result.removed) == ((), ())
        assert result.changed[0].field_names == ("service_name",)

    def test_protocol_and_span_are_identity(self):
        """The same name on another protocol or span is another record."""
        result = diff(registry(record("x", 1)), registry(record("x", 1, "udp"), record("x", 2)))
        assert labels(result.removed) == ["x 1/tcp"]
        assert labels(result.added) == ["x 1/udp", "x 2/tcp"]

    def test_equal_duplicates_pair_before_order(self):
        """Duplicates pair equal records first, so swapping two of them changes nothing."""
        first, second = record("d", None, None, description="one"), record("d", None, None, description="two")
        assert not diff(registry(first, second), registry(second, first))

    def test_remaining_duplicates_pair_in_order(self):
        """Duplicates without an equal partner pair in order of occurrence; extras are added or removed."""
        old = [record("d", 1, description=text) for text in ("a", "b", "c")]
        new = [record("d", 1, description=text) for text in ("x", "y")]
        result = diff(registry(*old), registry(*new))
        assert [(c.old.description, c.new.description) for c in result.changed] == [("a", "x"), ("b", "y")]
        assert [r.description for r in result.removed] == ["c"]

    def test_empty_registries(self):
        """Two empty releases differ in nothing."""
        assert not diff(registry(), registry())

    def test_port_change_needs_ports_on_both_sides(self):
        """A name losing its port is a de-assignment, not a port change."""
        result = diff(registry(record("n", 7)), registry(record("n", None)))
        assert result.port_changes == ()
        assert [move.status for move in result.deassignments] == [DeassignmentStatus.REMOVED]

    def test_moves_follow_occurrence_with_several_candidates(self):
        """Two ports of one name moving pair with the new ports in order."""
        result = diff(registry(record("m", 1), record("m", 2)), registry(record("m", 3), record("m", 4)))
        assert [(move.old.port_start, move.new.port_start) for move in result.port_changes] == [(1, 3), (2, 4)]


class TestRecordMatches:
    def test_span_holds_port(self):
        """A span matches every port inside it."""
        span = ServiceRecord(ports=PortRange(10, 20), description="Unassigned")
        assert record_matches(span, port=15)
        assert not record_matches(span, port=21)

    def test_protocol_needs_one(self):
        """A record without a protocol does not match a protocol query."""
        assert not record_matches(record("a", 1, None), protocol="tcp")
        assert record_matches(record("a", 1, "tcp"), protocol="TCP")

    def test_name_needs_one(self):
        """A nameless record does not match a name query."""
        assert not record_matches(record(None, 1), name="x")


def _date(day: int) -> dt.date:
    return dt.date(2024, 1, 1) + dt.timedelta(days=7 * day)


class TestHistorySynthetic:
    def test_lifecycle(self):
        """A record's appearance, change and disappearance are events in order."""
        v1 = record("svc", 9)
        v2 = attrs.evolve(v1, description="now described")
        result = history(
            [(_date(0), ()), (_date(1), (v1,)), (_date(2), (v2,)), (_date(3), (v2,)), (_date(4), ())], port=9
        )
        assert [(event.version, event.change) for event in result.events] == [
            (_date(1), "added"),
            (_date(2), "changed"),
            (_date(4), "removed"),
        ]
        assert result.events[1].fields == (FieldChange("description", "", "now described"),)
        assert result.events[2].record is v2
        assert result.versions == tuple(_date(day) for day in range(5))

    def test_whitespace_only_is_no_event(self):
        """A re-wrapped description is not a change in the history either."""
        v1 = record("svc", 9, description="a b")
        result = history([(_date(0), (v1,)), (_date(1), (attrs.evolve(v1, description="a\n  b"),))], port=9)
        assert [event.change for event in result.events] == ["added"]

    def test_query_filters_records(self):
        """Records not matching the query are left out even when given."""
        other = record("other", 10)
        result = history([(_date(0), (record("svc", 9, "udp"), other, record("svc", 9)))], name="SVC", protocol="tcp")
        assert [label(event.record) for event in result.events] == ["svc 9/tcp"]
        assert result.query_text == "SVC/tcp"

    def test_empty(self):
        """No snapshots give an empty history."""
        result = history([], port=1)
        assert (result.events, result.versions) == ((), ())
        assert repr(result) == "<History of 1: 0 events in 0 releases>"

    def test_four_hundred_snapshots(self):
        """Over 400 releases, two first appearances and each of 39 description changes are one event each."""
        records = [record("svc", 9, description=str(n // 10)) for n in range(400)]
        snapshots = [(_date(n), (records[n], record("svc", 9, "udp"))) for n in range(400)]
        result = history(snapshots, port=9)
        assert len(result.versions) == 400
        assert [event.change for event in result.events] == ["added", "added", *["changed"] * 39]


# --- real releases ---------------------------------------------------------


def _releases() -> list[Registry]:
    paths = real_release_paths()
    if len(paths) < 2:
        pytest.skip("real IANA releases not found (set IANAPORTS_TEST_REGISTRY)")
    return [parsed(path) for path in paths]


def _consecutive():
    paths = real_release_paths()
    return list(itertools.pairwise(paths)) or [pytest.param(None, None, marks=pytest.mark.skip("no real releases"))]


@pytest.mark.slow
class TestRealReleases:
    @pytest.mark.parametrize(("old_path", "new_path"), _consecutive(), ids=lambda path: path and path.name[27:35])
    def test_every_record_accounted_once(self, old_path, new_path):
        """Every old record is unchanged, changed or removed and every new one unchanged, changed or added, once."""
        old, new = parsed(old_path), parsed(new_path)
        result = diff(old, new)
        assert len(old) == result.unchanged + len(result.changed) + len(result.removed)
        assert len(new) == result.unchanged + len(result.changed) + len(result.added)
        old_seen = [id(r) for r in result.removed] + [id(change.old) for change in result.changed]
        new_seen = [id(r) for r in result.added] + [id(change.new) for change in result.changed]
        assert len(old_seen) == len(set(old_seen))
        assert len(new_seen) == len(set(new_seen))
        assert set(old_seen) <= {id(r) for r in old.records}
        assert set(new_seen) <= {id(r) for r in new.records}
        # What is left over on each side pairs up one to one as unchanged.
        old_rest = [r for r in old.records if id(r) not in set(old_seen)]
        new_rest = [r for r in new.records if id(r) not in set(new_seen)]
        assert len(old_rest) == len(new_rest) == result.unchanged
        assert all(change.fields for change in result.changed)

    def test_diff_with_itself_is_empty(self):
        """A release diffed against itself has no change."""
        release = _releases()[0]
        result = diff(release, release)
        assert not result
        assert result.unchanged == len(release)
        assert (result.port_changes, result.span_splits, result.deassignments) == ((), (), ())

    def test_mirror(self):
        """diff(a, b) and diff(b, a) mirror each other: added and removed swap, changes turn around."""
        releases = _releases()
        a, b = releases[0], releases[-1]
        forward, backward = diff(a, b), diff(b, a)
        assert [id(r) for r in forward.added] == [id(r) for r in backward.removed]
        assert [id(r) for r in forward.removed] == [id(r) for r in backward.added]
        assert {(id(c.old), id(c.new)) for c in forward.changed} == {(id(c.new), id(c.old)) for c in backward.changed}
        assert {tuple(f.name for f in c.fields) for c in forward.changed} == {
            tuple(f.name for f in c.fields) for c in backward.changed
        }
        assert forward.unchanged == backward.unchanged

    def test_long_range_moves(self):
        """From 2017 to 2025 unassigned spans were split and names de-assigned."""
        releases = _releases()
        result = diff(releases[0], releases[-1])
        splits = {str(move.span.ports): labels(move.assigned) for move in result.span_splits}
        assert splits["2259"] == ["bid-serv 2259/tcp", "bid-serv 2259/udp"]
        statuses = {label(move.record): move.status for move in result.deassignments}
        assert statuses["compressnet 2/tcp"] is DeassignmentStatus.RESERVED
        assert "pearldoc-xact 1980/tcp" not in statuses  # a rename, not a de-assignment
        renames = {label(move.old): move.new.name for move in result.renames}
        assert renames["pearldoc-xact 1980/tcp"] == "panquest-xact"

    def test_week_to_week(self):
        """The last weekly diff is the ten reference updates IANA made that week."""
        old = parsed(require_real("service-names-port-numbers.20251120.xml.xz"))
        result = diff(old, parsed(require_real()))
        assert (len(result.added), len(result.removed), len(result.changed)) == (0, 0, 10)
        assert {change.field_names for change in result.changed} == {("references",), ("notes",)}


def _port_snapshots(releases: list[Registry], port: int):
    return [(release.updated, release.lookup(port)) for release in releases]


def _name_snapshots(releases: list[Registry], name: str):
    snapshots = []
    for release in releases:
        try:
            snapshots.append((release.updated, release.service(name)))
        except NotFoundError:
            snapshots.append((release.updated, ()))
    return snapshots


def _events(result) -> list[tuple[str, str, str]]:
    return [(event.version.isoformat(), event.change, label(event.record)) for event in result.events]


@pytest.mark.slow
class TestRealHistory:
    def test_port_2304_never_changed(self):
        """attachmate-uts has been on 2304 unchanged since the first stored release."""
        releases = _releases()
        assert _events(history(_port_snapshots(releases, 2304), port=2304)) == [
            ("2017-03-10", "added", "attachmate-uts 2304/tcp"),
            ("2017-03-10", "added", "attachmate-uts 2304/udp"),
        ]

    def test_port_80_changes(self):
        """Port 80 gained IESG assignees in 2022 and RFC 9110 as its reference."""
        result = history(_port_snapshots(_releases(), 80), port=80, protocol="tcp")
        changes = [(v, c, r) for v, c, r in _events(result) if c == "changed"]
        assert changes == [
            ("2022-01-10", "changed", "http 80/tcp"),
            ("2022-01-10", "changed", "www 80/tcp"),
            ("2022-07-19", "changed", "http 80/tcp"),
            ("2022-07-19", "changed", "www 80/tcp"),
        ]
        last = result.events[-1].fields
        assert [field.name for field in last] == ["references"]
        assert [reference.data for reference in last[0].new] == ["rfc9110"]

    def test_newly_assigned_port(self):
        """Port 2259 went from unassigned to bid-serv in the 2024 release."""
        result = history(_port_snapshots(_releases(), 2259), port=2259)
        assert _events(result) == [
            ("2017-03-10", "added", "Unassigned 2259"),
            ("2024-01-05", "added", "bid-serv 2259/tcp"),
            ("2024-01-05", "added", "bid-serv 2259/udp"),
            ("2024-01-05", "removed", "Unassigned 2259"),
        ]

    def test_name_that_disappeared(self):
        """hp-rda was last listed in the 2018 release."""
        result = history(_name_snapshots(_releases(), "hp-rda"), name="hp-rda")
        assert _events(result) == [
            ("2017-03-10", "added", "hp-rda 2371/tcp"),
            ("2019-01-08", "removed", "hp-rda 2371/tcp"),
        ]


class TestRenames:
    """A service renamed on its port and protocol by the same people is a rename, not a de-assignment."""

    def person(self, id_: str) -> Person:
        return Person(id=id_)

    def test_same_assignee_is_a_rename(self):
        """Same port, protocol and assignee, another name: one rename, no de-assignment."""
        old = record("oldname", 4000, assignees=(self.person("Jane_Doe"),))
        new = record("newname", 4000, assignees=(self.person("Jane_Doe"),), description="New")
        result = diff(registry(old), registry(new, updated=NEW_DATE))
        assert [(move.old.name, move.new.name) for move in result.renames] == [("oldname", "newname")]
        assert [field.name for field in result.renames[0].fields] == ["service_name", "description"]
        assert result.deassignments == ()
        assert (labels(result.added), labels(result.removed)) == (["newname 4000/tcp"], ["oldname 4000/tcp"])

    def test_same_contact_is_a_rename(self):
        """A shared contact (any case) is enough."""
        old = record("oldname", 4000, contacts=(self.person("Jane_Doe"),))
        new = record("newname", 4000, contacts=(self.person("jane_doe"),))
        assert len(diff(registry(old), registry(new, updated=NEW_DATE)).renames) == 1

    @pytest.mark.parametrize(
        ("port", "protocol", "person"), [(4001, "tcp", "Jane_Doe"), (4000, "udp", "Jane_Doe"), (4000, "tcp", "Other")]
    )
    def test_not_a_rename(self, port, protocol, person):
        """Another port, another protocol or other people: a de-assignment, as before."""
        old = record("oldname", 4000, assignees=(self.person("Jane_Doe"),))
        new = record("newname", port, protocol, assignees=(self.person(person),))
        result = diff(registry(old), registry(new, updated=NEW_DATE))
        assert result.renames == ()
        assert labels(move.record for move in result.deassignments) == ["oldname 4000/tcp"]

    def test_restricted_keeps_renames_of_either_name(self):
        """--name oldname and --name newname both keep the rename."""
        old = record("oldname", 4000, assignees=(self.person("Jane_Doe"),))
        new = record("newname", 4000, assignees=(self.person("Jane_Doe"),))
        result = diff(registry(old), registry(new, updated=NEW_DATE))
        assert len(result.restricted(name="newname").renames) == 1
        assert len(result.restricted(name="OLDNAME").renames) == 1
        assert result.restricted(name="third").renames == ()

    def test_real_pearldoc_to_panquest(self):
        """2025-11-14 -> 2025-11-20: pearldoc-xact 1980 became panquest-xact, on tcp and udp, nothing de-assigned."""
        old = parsed(require_real("service-names-port-numbers.20251114.xml.xz"))
        new = parsed(require_real("service-names-port-numbers.20251120.xml.xz"))
        result = diff(old, new)
        assert [(label(move.old), label(move.new)) for move in result.renames] == [
            ("pearldoc-xact 1980/tcp", "panquest-xact 1980/tcp"),
            ("pearldoc-xact 1980/udp", "panquest-xact 1980/udp"),
        ]
        assert result.deassignments == ()

    def test_history_is_one_event(self):
        """In a port's history a rename is one 'renamed' event whose fields start with the name."""
        old = record("oldname", 4000, assignees=(self.person("Jane_Doe"),))
        new = record("newname", 4000, assignees=(self.person("Jane_Doe"),))
        found = history([(OLD_DATE, (old,)), (NEW_DATE, (new,))], port=4000)
        assert [(event.version, event.change, event.record.name) for event in found.events] == [
            (OLD_DATE, "added", "oldname"),
            (NEW_DATE, "renamed", "newname"),
        ]
        assert found.events[1].fields[0] == FieldChange("service_name", "oldname", "newname")


def test_diff_with_one_wide_span_stays_linear():
    """14,000 de-assigned ports beside a new 0-65535 span each find it alone (a widest-span window scanned all)."""
    count = 14_000
    old_records = "".join(
        f"<record><name>svc{index}</name><protocol>tcp</protocol><number>{40000 + index}</number></record>\n"
        for index in range(count)
    )
    new_records = "<record><name>wide</name><protocol>tcp</protocol><number>0-65535</number></record>\n" + "".join(
        f"<record><name>pair{index}</name><protocol>udp</protocol><number>{2000 + 2 * index}-{2001 + 2 * index}"
        "</number></record>\n"
        for index in range(count)
    )
    old = parse(registry_xml("2025-01-01", 0, extra=old_records))
    new = parse(registry_xml("2025-02-01", 0, extra=new_records))
    change = diff(old, new)
    assert len(change.deassignments) == count
    assert {tuple(record.name for record in move.now) for move in change.deassignments} == {("wide",)}
    assert {move.status for move in change.deassignments} == {DeassignmentStatus.REASSIGNED}
