"""The compiled record reader (_treewalk.pyx) against the pure-Python loop it speeds up.

Every test parses the same bytes both ways and demands the same outcome: the
same records field by field (types included), the same people, the same
ParseError or the same lenient-mode warnings.
"""

from __future__ import annotations

import functools
import lzma
import os
import re
import subprocess
import sys
import warnings
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ianaports import ParseError, parser
from realdata import FIXTURES, real_release_paths, require_real

if TYPE_CHECKING:
    from ianaports import Registry

needs_compiled = pytest.mark.skipif(
    not parser.ACCELERATED, reason="the compiled reader is not built or is switched off"
)


def fingerprint(registry: Registry) -> str:
    """Every value the parse produced, with its type (a str is not a Protocol member)."""
    return repr(
        (
            registry.title,
            registry.updated,
            registry.footnotes,
            sorted((key, attrs.astuple(person)) for key, person in registry.people.items()),
            [attrs.astuple(record) for record in registry.records],
        )
    )


def outcome(data: bytes, mode: str) -> tuple[str, str, list[str]]:
    """("ok", fingerprint, warnings) or ("error", message and location, [])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            registry = parser.parse(data, mode=mode)  # type: ignore[arg-type]
        except ParseError as exc:
            return ("error", str(exc), [])
    return ("ok", fingerprint(registry), [str(warning.message) for warning in caught])


def both_ways(data: bytes, mode: str = "strict") -> tuple[tuple[str, str, list[str]], tuple[str, str, list[str]]]:
    compiled = outcome(data, mode)
    saved = parser._treewalk
    parser._treewalk = None
    try:
        pure = outcome(data, mode)
    finally:
        parser._treewalk = saved
    return compiled, pure


def assert_same_both_ways(data: bytes) -> None:
    for mode in ("strict", "lenient"):
        compiled, pure = both_ways(data, mode)
        assert compiled == pure, f"{mode} mode differs"


PROLOG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">\n'
    b"<title>Service Name and Transport Protocol Port Number Registry</title>\n"
    b"<updated>2025-12-15</updated>\n"
)
PEOPLE = (
    b'<people><person id="Ann_One"><name>Ann One</name><uri>mailto:ann&amp;example.com</uri>'
    b"<updated>2020-02-29</updated></person>"
    b'<person id="Bob_Two"><org>Bob Corp</org><name> Bob Two </name></person></people>\n'
)


def document(*records: str, people: bytes = PEOPLE) -> bytes:
    return PROLOG + "\n".join(records).encode() + b"\n" + people + b"</registry>\n"


def record(body: str, attributes: str = 'date="2001-02-03" updated="2010-11"') -> str:
    return f"<record {attributes}>{body}</record>"


PLAIN = "<name>svc</name><protocol>tcp</protocol><number>1234</number><description>A service</description>"


@needs_compiled
class TestBuild:
    def test_compiled_reader_is_built_and_used(self):
        """CI builds the extension, so a failed compile fails here rather than passing slowly."""
        assert parser.ACCELERATED, "ianaports._treewalk did not build; see setup.py"

    def test_environment_switches_it_off(self):
        """IANAPORTS_PURE_PYTHON=1 makes a new process use the pure-Python loop."""
        code = "import ianaports.parser as p; print(p.ACCELERATED)"
        env = {**os.environ, "IANAPORTS_PURE_PYTHON": "1"}
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert result.stdout.strip() == "False"

    def test_another_lxml_major_version_is_refused(self, monkeypatch):
        """An extension compiled against another lxml major version is not trusted with its structs."""
        monkeypatch.setattr(parser._treewalk, "BUILT_WITH_LXML", "1.0.0")
        assert parser._compiled_reader() is None

    def test_records_rarely_go_back_to_python(self, monkeypatch):
        """On the newest release under 2% of records (those with markup inside a field) take the Python loop."""
        calls = []
        read = parser._RecordReader.read
        monkeypatch.setattr(parser._RecordReader, "read", lambda self, element: calls.append(1) or read(self, element))
        monkeypatch.setattr(parser, "_people_slowly", lambda root: pytest.fail("people went to Python"))
        registry = parser.parse(require_real())
        assert 0 < len(calls) < 0.02 * len(registry)


@needs_compiled
class TestSameResults:
    @pytest.mark.parametrize("path", real_release_paths(), ids=lambda path: path.name.split(".")[1])
    def test_every_real_release(self, path):
        """Every real release gives the very same registry both ways."""
        compiled, pure = both_ways(lzma.decompress(path.read_bytes()))
        assert compiled[0] == "ok"
        assert compiled == pure

    @pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.xml")), ids=lambda path: path.stem)
    def test_every_fixture(self, path):
        """Every committed fixture, hostile and broken ones included, ends alike in both modes."""
        assert_same_both_ways(path.read_bytes())

    @pytest.mark.parametrize(
        "body",
        [
            PLAIN,
            "<name/><protocol></protocol><number/><description/>",
            "<name> svc </name><protocol> TCP </protocol><number> 0080 </number><description> x </description>",
            "<name><![CDATA[svc]]></name><description>a &amp; b &lt;c&gt;</description>",
            "<name>svc</name><description>line one<br/>line two</description>",
            "<description> a<br/>b<br/><br/>c <br/></description>",
            "<description><br/></description><note><br/> x </note>",
            "<description>a<br>inside a break</br>b</description>",
            '<description>a<o:br xmlns:o="urn:o"/>b</description>',
            "<note>n<br/>m</note><unauthorized>u<br/><![CDATA[v]]></unauthorized>",
            "<name>a<br/>b</name><number>1<br/>2</number><protocol>t<br/>cp</protocol>",
            '<description>see <xref type="rfc" data="rfc1234"/> now</description>',
            '<name>a<b xmlns="urn:other">x</b>b</name><description>d</description>',
            '<other xmlns="urn:other"><name>not this one</name></other><name>svc</name>',
            "<name>first</name><name>second</name><number>1</number><number>6000-6063</number>",
            '<xref type="person" data="Ann_One"/><xref type="person" data="Nobody_Known"/>',
            (
                '<assignee><xref type="person" data="Bob_Two"/><x/><xref type="person" data="Stranger"/></assignee>'
                '<contact><xref type="person" data="Ann_One"/></contact>'
            ),
            "<assignee/>",
            (
                '<xref type="rfc" data="rfc793"/><xref type="uri" data="https://example.com">  Example  </xref>'
                '<xref data="no-type"/><xref type="text">plain</xref><xref type="rfc" data="rfc1"><b/></xref>'
            ),
            '<xref type="person" data="Ann_One" xmlns:o="urn:o" o:data="Bob_Two"/>',
            "<note>This entry is an alias to &quot;www-http&quot;.</note><unauthorized> used by x </unauthorized>",
            "<note><paragraph>one</paragraph><paragraph>two</paragraph></note>",
            "<sc>42</sc><number>12345</number>",
            "<sc>x</sc>",
            "<protocol>quic</protocol>",
            "<number>70000</number>",
            "<number>\u0661\u0662</number>",
            "<number>9-1</number>",
            "<number>1 - 2</number>",
            "plain text inside the record<name>svc</name>",
        ],
    )
    def test_crafted_records(self, body):
        """Plain, hand-over and malformed records all end alike, errors and warnings included."""
        assert_same_both_ways(document(record(body), record(PLAIN)))

    @pytest.mark.parametrize(
        "attributes",
        [
            "",
            'date="" updated=""',
            'date="2024-02-29"',
            'date="2023-02-29"',
            'date="1900-02-29" updated="2000-02-29"',
            'date="2020-13"',
            'date="0000-01"',
            'date="2020-04-31"',
            'date=" 2020-01-01 "',
            'date="2020-1-1"',
            'date="\u0662\u0660\u0662\u0660-01-01"',
            'date="2020-01-01&#10;"',
            'xmlns:o="urn:o" o:date="1999-01-01" date="2001-01"',
        ],
    )
    def test_record_dates(self, attributes):
        """Record dates, valid, impossible and odd, are read or refused alike."""
        assert_same_both_ways(document(record(PLAIN, attributes)))

    @pytest.mark.parametrize(
        "people",
        [
            b"",
            b"<people/>",
            b'<people><person id="A"><name>A</name><updated>2021-02-29</updated></person></people>',
            b'<people><person id="A"><updated>  2021-02  </updated></person></people>',
            b"<people><person><name>no id</name></person></people>",
            b'<people><person id=""><name>empty id</name></person></people>',
            b'<people><person id="A"><name>A <b>bold</b> B</name></person></people>',
            b'<people><person id="A"><name>first</name><name>second</name><org/></person></people>',
            b'<people><person id="A" xmlns:o="urn:o"><o:name>other namespace</o:name></person></people>',
            b'<people><o:person xmlns:o="urn:o" id="A"><name>skipped</name></o:person></people>',
            b'<people><person id="A"><name>one</name></person><person id="A"><name>two</name></person></people>',
        ],
    )
    def test_people_sections(self, people):
        """The people section, odd or malformed, is read or refused alike."""
        body = PLAIN + '<xref type="person" data="A"/>'
        assert_same_both_ways(document(record(body), people=people))


@functools.cache
def real_record_blocks() -> tuple[str, ...]:
    data = lzma.decompress(require_real().read_bytes()).decode()
    return tuple(re.findall(r"<record\b.*?</record>", data, flags=re.DOTALL))


DATE_LIKE = st.from_regex(r"\A[0-9\u0660-\u0669 ]{1,4}-[0-9]{1,2}(-[0-9]{1,3})?\s?\Z")
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@needs_compiled
class TestProperties:
    @given(registered=DATE_LIKE | XML_TEXT, modified=DATE_LIKE | XML_TEXT)
    def test_any_record_dates(self, registered, modified):
        """Any date-like or random text in the date attributes ends alike both ways."""
        attributes = f'date="{escape(registered)}" updated="{escape(modified)}"'
        assert_same_both_ways(document(record(PLAIN, attributes)))

    @given(data=st.data())
    def test_real_records_with_fields_rewritten(self, data):
        """A real record with any of its fields' text replaced ends alike both ways."""
        require_real()
        block = data.draw(st.sampled_from(real_record_blocks()))
        for tag in ("name", "protocol", "number", "description", "note", "sc"):
            if data.draw(st.booleans()):
                text = escape(data.draw(DATE_LIKE | XML_TEXT | st.from_regex(r"\A\s?[0-9]{1,6}(-[0-9]{1,6})?\s?\Z")))
                block = re.sub(rf"<{tag}>[^<]*</{tag}>", f"<{tag}>{text}</{tag}>", block)
        assert_same_both_ways(document(block))
