"""parser.ReleaseParser: one release after another, reusing what did not change, equal to parse_bytes."""

from __future__ import annotations

import lzma

import pytest

from ianaports import ParseWarning
from ianaports.parser import ReleaseParser, parse_bytes
from realdata import real_release_paths

_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">\n'
    "<title>Ports</title>\n<updated>{updated}</updated>\n"
)


def release(updated: str, records: list[str], people: str = "", *, head: str = _HEAD) -> bytes:
    """A registry of *records* (the inside of each ``<record>``) and a people section."""
    body = "".join(f"<record>{record}</record>\n" for record in records)
    section = f"<people>{people}</people>\n" if people else ""
    return (head.format(updated=updated) + body + section + "</registry>\n").encode()


def record(index: int, extra: str = "") -> str:
    """A simple record's inside: svcN/tcp on port 1000+N."""
    return (
        f"<name>svc{index}</name><protocol>tcp</protocol><number>{1000 + index}</number>"
        f"<description>Service {index}</description>{extra}"
    )


def person(person_id: str, name: str) -> str:
    return f'<person id="{person_id}"><name>{name}</name></person>\n'


class TestEqualsParseBytes:
    def test_every_real_release_in_turn(self):
        """Parsing the shared releases oldest first gives, for each, exactly what parse_bytes gives."""
        paths = real_release_paths()
        if not paths:
            pytest.skip("real IANA releases not found (set IANAPORTS_TEST_REGISTRY)")
        parser = ReleaseParser()
        for path in paths:
            data = lzma.decompress(path.read_bytes())
            expected = parse_bytes(data)
            got = parser.parse(data)
            assert got == expected
            assert dict(got.people) == dict(expected.people)
            assert got.footnotes == expected.footnotes

    def test_unchanged_records_are_the_same_objects(self):
        """A record whose bytes did not change is the object the previous release parsed to; a changed one is new."""
        parser = ReleaseParser()
        first = parser.parse(release("2025-01-01", [record(0), record(1), record(2)]))
        second = parser.parse(release("2025-02-01", [record(0), record(1, "<note>new</note>"), record(2)]))
        assert [a is b for a, b in zip(first.records, second.records, strict=True)] == [True, False, True]
        assert second.records[1].notes == "new"
        assert second == parse_bytes(release("2025-02-01", [record(0), record(1, "<note>new</note>"), record(2)]))


class TestWhatIsNotReused:
    def test_person_edited_under_an_unchanged_record(self):
        """A record naming a person whose entry changed is read again, and names the person as now written."""
        named = record(0, '<xref type="person" data="[Ann]"/>')
        parser = ReleaseParser()
        parser.parse(release("2025-01-01", [named], person("[Ann]", "Ann Old")))
        data = release("2025-02-01", [named], person("[Ann]", "Ann New"))
        got = parser.parse(data)
        assert got.records[0].contacts[0].name == "Ann New"
        assert got == parse_bytes(data)

    def test_person_added_for_a_stranger(self):
        """A record naming someone the people section lacked is read again once that person is listed."""
        named = record(0, '<xref type="person" data="[Bob]"/>')
        parser = ReleaseParser()
        assert parser.parse(release("2025-01-01", [named], person("[Ann]", "Ann"))).records[0].contacts[0].name is None
        data = release("2025-02-01", [named], person("[Ann]", "Ann") + person("[Bob]", "Bob"))
        assert parser.parse(data) == parse_bytes(data)

    def test_record_text_in_a_comment(self):
        """A comment holding "<record" makes the release read in full, and the answer stays parse_bytes's."""
        parser = ReleaseParser()
        parser.parse(release("2025-01-01", [record(0), record(1)]))
        data = release("2025-02-01", [record(0), record(1)]).replace(b"<record>", b"<!-- <record> --><record>", 1)
        got = parser.parse(data)
        assert got == parse_bytes(data)
        assert len(got) == 2

    def test_other_namespace_binding(self):
        """The same record bytes under another binding of their prefix are read again, as parse_bytes reads them."""
        iana = _HEAD.replace('id="', 'xmlns:p="http://www.iana.org/assignments" id="')
        other = _HEAD.replace('id="', 'xmlns:p="urn:other" id="')
        noted = record(0, "<p:note>a note</p:note>")
        parser = ReleaseParser()
        assert parser.parse(release("2025-01-01", [noted], head=iana)).records[0].notes == "a note"
        data = release("2025-02-01", [noted], head=other)
        got = parser.parse(data)
        assert got.records[0].notes is None
        assert got == parse_bytes(data)

    def test_lenient_mode_skips_as_parse_bytes(self):
        """In lenient mode a bad record is skipped with the same warning as parse_bytes gives."""
        bad = "<name>bad</name><protocol>tcp</protocol><number>99999</number>"
        parser = ReleaseParser()
        parser.parse(release("2025-01-01", [record(0), record(1)]))
        data = release("2025-02-01", [record(0), bad, record(1)])
        with pytest.warns(ParseWarning) as expected_warnings:
            expected = parse_bytes(data, mode="lenient")
        with pytest.warns(ParseWarning) as got_warnings:
            got = parser.parse(data, mode="lenient")
        assert got == expected
        assert [str(w.message) for w in got_warnings] == [str(w.message) for w in expected_warnings]
