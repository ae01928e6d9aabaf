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

import ianaports
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
        code = "import ianaports.parser as p; print(p.ACCELERATED, p.READER)"
        env = {**os.environ, "IANAPORTS_PURE_PYTHON": "1"}
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert result.stdout.strip() == "False pure Python (IANAPORTS_PURE_PYTHON is set)"

    @pytest.mark.parametrize(
        ("value", "pure"), [("1", True), ("yes", True), ("0", False), ("false", False), ("", False)]
    )
    def test_the_switch_reads_like_a_switch(self, monkeypatch, value, pure):
        """IANAPORTS_PURE_PYTHON=0 (or false, or empty) leaves the compiled reader on."""
        monkeypatch.setenv("IANAPORTS_PURE_PYTHON", value)
        assert (parser._compiled_reader()[0] is None) == pure

    def test_another_lxml_major_version_is_refused(self, monkeypatch):
        """An extension compiled against another lxml major version is not trusted with its structs."""
        monkeypatch.setattr(parser._treewalk, "BUILT_WITH_LXML", "1.0.0")
        reader, status = parser._compiled_reader()
        assert reader is None
        assert status.startswith("pure Python (the compiled reader was built with lxml 1.0.0, not ")

    @pytest.mark.parametrize("error", [ImportError, TypeError, ValueError, RuntimeWarning])
    def test_an_incompatible_lxml_c_api_is_refused(self, monkeypatch, error):
        """Whatever loading the module raises for a changed lxml C API, the parser falls back to Python."""

        class Refuse:
            def find_spec(self, name, path=None, target=None):
                if name == "ianaports._treewalk":
                    raise error("C function lxml.etree.elementFactory has wrong signature")

        monkeypatch.delitem(sys.modules, "ianaports._treewalk")
        monkeypatch.delattr(ianaports, "_treewalk")
        monkeypatch.setattr(sys, "meta_path", [Refuse(), *sys.meta_path])
        reader, status = parser._compiled_reader()
        assert reader is None
        assert status.endswith("elementFactory has wrong signature)")

    def test_a_missing_build_is_named(self, monkeypatch):
        """With no compiled module at all, the status says it was not built."""

        class Absent:
            def find_spec(self, name, path=None, target=None):
                if name == "ianaports._treewalk":
                    raise ModuleNotFoundError(name)

        monkeypatch.delitem(sys.modules, "ianaports._treewalk")
        monkeypatch.delattr(ianaports, "_treewalk")
        monkeypatch.setattr(sys, "meta_path", [Absent(), *sys.meta_path])
        assert parser._compiled_reader() == (None, "pure Python (the compiled reader was not built)")

    def test_a_model_of_another_shape_is_refused(self, monkeypatch):
        """A model class whose fields the reader does not know makes the parser keep to Python."""

        @attrs.frozen
        class Stranger:
            name: str

        monkeypatch.setattr(parser, "PortRange", Stranger)
        reader, status = parser._compiled_reader()
        assert reader is None
        assert status.startswith("pure Python (the model does not match the compiled reader: Stranger has fields")
        assert parser.parse(document(record(PLAIN))).records[0].ports == ianaports.PortRange(1234, 1234)

    def test_version_names_the_reader(self):
        """ianaports --version says which record reader parses."""
        result = subprocess.run(
            [sys.executable, "-m", "ianaports", "--version"], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == f"ianaports {ianaports.__version__}; record reader: {parser.READER}"
        assert parser.READER.startswith("compiled (built with lxml ")

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
            '<name>s</name><xref type="person" data="a&#45;b"/>',
            '<xref type="rfc" data="rfc&amp;1">x</xref>',
            '<xref type="rfc&#x20;" data="r">x</xref>',
            '<xref type="person" data="Ann&#95;One"/>',
            '<assignee><xref type="person" data="Ann&amp;One"/></assignee>',
            '<i:name xmlns:i="http://www.iana.org/assignments">pref</i:name>',
            '<name xmlns="http://www.iana.org/assignments">redecl</name>',
            '<name xmlns="">nons</name>',
            '<description xml:lang="en">d</description>',
            '<xref xmlns:o="urn:o" o:type="person" data="Ann_One"/>',
            '<xref xmlns:o="urn:o" type="rfc" o:data="x" data="y">t</xref>',
            "<record><name>nested</name></record>",
            '<assignee/><xref type="person" data="Ann_One"/><assignee><xref type="person" data="Bob_Two"/></assignee>',
            '<assignee>  </assignee><xref type="person" data="Ann_One"/>',
            '<assignee><![CDATA[x]]><xref type="person" data="Bob_Two"/></assignee>',
            '<assignee><xref type="person"/></assignee>',
            '<assignee><xref data="Bob_Two"/><xref type="rfc" data="Ann_One"/></assignee>',
            '<assignee><o:xref xmlns:o="urn:o" data="Bob_Two"/></assignee>',
            '<assignee><xref data="Bob_Two"><b/></xref></assignee>',
            '<description>a<br a="1"/>b</description>',
            '<description>a<br xmlns="urn:x"/>b</description>',
            '<description>a<i:br xmlns:i="http://www.iana.org/assignments"/>b</description>',
            "<description>   </description><name> </name><note> </note>",
            (
                "<description><![CDATA[ ]]></description><name><![CDATA[]]></name>"
                "<note><![CDATA[]]></note><number><![CDATA[]]></number>"
            ),
            "<protocol><![CDATA[]]></protocol><sc><![CDATA[]]></sc>",
            "<name><![CDATA[a]]><![CDATA[b]]>c</name><number><![CDATA[1]]>2</number>",
            "<name>" + "x" * 100_000 + "</name>",
            "<description>" + "y" * 20_000 + "<br/>" + "z" * 20_000 + "</description>",
            "<name>\U0001f600svc</name><description>\U00010348</description>",
            "<number>00080</number>",
            "<number>+80</number>",
            "<number>080000</number>",
            "<number>99999999999999999999999999999999999999999999999999</number>",
            "<number>\u0661\u0662\u0663</number>",
            "<number>\uff11\uff12</number>",
            "<number>1\xa0</number>",
            "<number>\xb2</number>",
            "<number> 80</number>",
            "<number>80 </number>",
            "<number>\t80</number>",
            "<number>0</number>",
            "<number>65535</number>",
            "<number>65536</number>",
            "<number>1-65535</number>",
            "<number>5-5</number>",
            "<number>-</number>",
            "<protocol>TCP</protocol>",
            "<protocol>Udp</protocol>",
            "<protocol>SCTP</protocol>",
            "<protocol>DCCP</protocol>",
            "<protocol>tcp </protocol>",
            "<protocol>\u0130cp</protocol>",
            "<protocol>\u017fctp</protocol>",
            "<protocol>K</protocol>",
            "<sc>\xb2</sc>",
            "<sc>\u0661</sc>",
            "<sc>0042</sc>",
            "<sc> 7 </sc>",
            "<sc>999999999999999999999999999999</sc>",
            "<sc>-1</sc>",
            "<unauthorized><br/></unauthorized>",
            "<note>a<br/></note>",
            "<note><br/>a</note>",
            '<xref type="person" data=""/>',
            '<xref type="person"/>',
            '<xref type="" data="x"/>',
            '<xref type="PERSON" data="Ann_One"/>',
            '<xref type="rfc" data="x"><![CDATA[ c ]]></xref>',
            '<xref type="rfc" data="x"> </xref>',
            '<xref type="rfc" data="x">a<br/>b</xref>',
            '<xref type="rfc" data="x"/><xref type="rfc" data="x"></xref>',
            "\n  <name>ws</name>\n  ",
            "<![CDATA[in record]]><name>c</name>",
            '<name>a</name><o:x xmlns:o="urn:o"><![CDATA[q]]></o:x>',
            "<paragraph>p</paragraph>",
            "<br/>",
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
            'date="2020&#45;01-01"',
            'date="2020-01&#45;01"',
            'date="&#50;020-01"',
            'date="2020-01-01&amp;"',
            'date="2020-02-30"',
            'date="2021-02-29"',
            'date="2000-02-29"',
            'date="2100-02-29"',
            'date="9999-12-31"',
            'date="0001-01-01"',
            'date="2020-00-10"',
            'date="2020-12-00"',
            'date="2020-12-32"',
            'date="2020-01-01" xml:updated="x"',
            'xml:lang="en" date="2020-01"',
            'date="\t2020-01"',
            'date="2020-01-01\n"',
            'date="2020-01-01&#13;"',
            'date="2020-01-01&#x9;"',
            'date="2020/01/01"',
            'date="2020-01-1a"',
            'date="20a0-01"',
            'date="\uff12020-01"',
            'updated="2020-01-01T00:00"',
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
            (
                b'<people><person id="A"><name>A</name></person></people><people>'
                b'<person id="B"><name>B</name></person></people>'
            ),
            b'<people><person id="B"><name>B1</name></person></people>',
            b'<people><person id="A"><name><![CDATA[ cd ]]></name><org><![CDATA[]]></org><uri></uri></person></people>',
            b'<people><person id="A"><![CDATA[x]]><name>A</name></person></people>',
            b'<people><person id="A">text<name>A</name>tail</person></people>',
            b'<people><person id="A"><name>A</name><updated>2020&#45;01</updated></person></people>',
            b'<people><person id="A"><updated>2020-02-30</updated></person></people>',
            b'<people><person id="A"><updated></updated></person></people>',
            b'<people><person id="A"><updated> </updated></person></people>',
            b'<people><person id="A"><updated>\xef\xbc\x92020-01</updated></person></people>',
            (
                b'<people><person id="A"><updated>2020-01</updated></person><person id="B">'
                b"<updated>2020-01</updated></person></people>"
            ),
            b'<people><person id="A&#95;"><name>x</name></person></people>',
            b'<people><person id=" A "><name>x</name></person></people>',
            b'<people><person xmlns:o="urn:o" o:id="A" id="B"><name>x</name></person></people>',
            b'<people><person xml:id="A"><name>x</name></person></people>',
            (
                b'<people><i:person xmlns:i="http://www.iana.org/assignments" id="A">'
                b"<i:name>pref</i:name></i:person></people>"
            ),
            b'<i:people xmlns:i="http://www.iana.org/assignments"><person id="A"><name>pref</name></person></i:people>',
            b'<o:people xmlns:o="urn:o"><person id="A"><name>other ns section</name></person></o:people>',
            b'<people xmlns=""><person id="A"><name>no ns</name></person></people>',
            b'<people><person id="A"><people><person id="B"/></people></person></people>',
            b'<people><person id="A"><name>\xf0\x9f\x98\x80</name><org>' + b"o" * 50_000 + b"</org></person></people>",
            b'<people><person id="A"><name/><name>n</name><name/></person></people>',
            b'<people><person id="A"><name>n</name><name> </name></person></people>',
            b'<people><person id="A"><NAME>n</NAME><Uri>u</Uri></person></people>',
            (
                b'<people><person id="A"><name a="1">n</name><o:org xmlns:o="urn:o">o</o:org>'
                b'<x:uri xmlns:x="http://www.iana.org/assignments">u</x:uri></person></people>'
            ),
            b'<people><person id="A"><name>a<br/>b</name></person></people>',
            b'<people>text<![CDATA[c]]><person id="A"><name>n</name></person></people>',
            b'<people><person id="A"/><person id="A"><name>dup</name></person><person id="A"/></people>',
            (
                b'<people><person id="A"><updated>2020-01</updated></person><person>'
                b"<name>no id later</name></person></people>"
            ),
            b'<people><person id="A"><updated>bad</updated></person></people>',
        ],
    )
    def test_people_sections(self, people):
        """The people section, odd or malformed, is read or refused alike."""
        body = PLAIN + '<xref type="person" data="A"/><assignee><xref type="person" data="B"/></assignee>'
        assert_same_both_ways(document(record(body), people=people))

    @pytest.mark.parametrize(
        "middle",
        [
            (
                '<people><person id="A"><name>first</name></person></people>{record}'
                '<people><person id="B"><name>second</name></person></people>'
            ),
            '{record}<people><person id="A"><name>A</name></person></people>{record}',
            '<o:record xmlns:o="urn:o">{record}</o:record><other>{record}</other>',
            '<i:record xmlns:i="http://www.iana.org/assignments" date="2001-02"><i:name>prefixed</i:name></i:record>',
        ],
    )
    def test_section_order(self, middle):
        """People before, between or after the records, and records nested elsewhere, end alike."""
        body = PLAIN + '<xref type="person" data="A"/><assignee><xref type="person" data="B"/></assignee>'
        assert_same_both_ways(PROLOG + middle.format(record=record(body)).encode() + b"</registry>\n")

    @pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16", "UTF-8-SIG"])
    def test_other_encodings(self, encoding):
        """A document in another encoding, with non-ASCII text, tags and ids, ends alike."""
        body = (
            "<name>caf\u00e9</name><description>na\u00efve<br/>\u00fc</description>"
            '<xref type="person" data="J\u00fcrgen"/><n\u00e4me>x</n\u00e4me>'
        )
        text = document(record(body), record(PLAIN)).decode()
        declared = encoding.removesuffix("-SIG")
        data = text.replace('encoding="UTF-8"', f'encoding="{declared}"').encode(encoding)
        assert both_ways(data)[0][0] == "ok"
        assert_same_both_ways(data)


@functools.cache
def real_record_blocks() -> tuple[str, ...]:
    data = lzma.decompress(require_real().read_bytes()).decode()
    return tuple(re.findall(r"<record\b.*?</record>", data, flags=re.DOTALL))


DATE_LIKE = st.from_regex(r"\A[0-9\u0660-\u0669 ]{1,4}-[0-9]{1,2}(-[0-9]{1,3})?\s?\Z")
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


IANA_NS = "http://www.iana.org/assignments"
#: How a child element may be spelled: inheriting the IANA namespace, redeclaring it, through
#: a prefix, in no namespace, or in another one (prefix, namespace declaration).
SPELLINGS = st.sampled_from(
    [
        ("", ""),
        ("", ""),
        ("", ""),
        ("", f' xmlns="{IANA_NS}"'),
        ("i:", f' xmlns:i="{IANA_NS}"'),
        ("", ' xmlns=""'),
        ("o:", ' xmlns:o="urn:o"'),
    ]
)
FIELD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "svc",
        " a  b ",
        "80",
        "0080",
        " 6000-6063 ",
        "tcp",
        "UDP",
        "Sctp",
        "x&amp;y",
        "&#45;",
        "&#x1F600;",
        "2020-01-01",
        "2021-02-29",
        "42",
        "\u00b2",
        "\u0661\u0662",
        "&#10;",
        "Ann_One",
        "Bob_Two",
        "<![CDATA[ 7 ]]>",
    ]
) | XML_TEXT.map(escape)
RECORD_FIELDS = (
    "name",
    "protocol",
    "number",
    "description",
    "xref",
    "assignee",
    "note",
    "unauthorized",
    "sc",
    "br",
    "paragraph",
    "record",
    "other",
)
INLINE_TAGS = ("br", "br", "xref", "paragraph", "b", "name")
PERSON_FIELDS = ("name", "org", "uri", "updated", "other", "br")
ATTRIBUTE_VALUES = st.sampled_from(["person", "rfc", "uri", "text", "PERSON", "", "Ann_One", "2020-01"]) | FIELD_TEXT


@st.composite
def xml_element(draw: st.DrawFn, tags: tuple[str, ...], depth: int) -> str:
    """One element of *tags*, in any spelling, with odd attributes and text or markup inside."""
    tag = draw(st.sampled_from(tags))
    prefix, declaration = draw(SPELLINGS)
    names = st.sampled_from(["type", "data", "date", "updated", "id", "o:data", "xml:lang"])
    attributes = draw(st.dictionaries(names, ATTRIBUTE_VALUES.filter(lambda text: "<" not in text), max_size=3))
    if "o:data" in attributes and "xmlns:o" not in declaration:
        declaration += ' xmlns:o="urn:o"'
    written = "".join(f' {name}="{value}"' for name, value in attributes.items())
    inside = xml_element(INLINE_TAGS, depth - 1) if depth > 0 else st.nothing()
    content = "".join(draw(st.lists(FIELD_TEXT | inside, max_size=3)))
    return f"<{prefix}{tag}{declaration}{written}>{content}</{prefix}{tag}>"


@st.composite
def person_element(draw: st.DrawFn) -> str:
    person_id = draw(st.sampled_from(['id="Ann_One"', 'id="A"', 'id="A"', 'id=""', "", 'id="Bob&#95;Two"']))
    fields = "".join(draw(st.lists(xml_element(PERSON_FIELDS, 1), max_size=4)))
    return f"<person {person_id}>{fields}</person>"


RECORD_DATES = st.sampled_from(
    ['date="2001-02-03" updated="2010-11"', "", 'date="2020&#45;01-01"', 'updated="2021-02-29"', 'date=" 2020-02 "']
)


@needs_compiled
class TestProperties:
    @given(
        fields=st.lists(xml_element(RECORD_FIELDS, 2), max_size=6),
        dates=RECORD_DATES,
        people=st.lists(person_element(), max_size=3),
    )
    def test_any_record_of_known_tags(self, fields, dates, people):
        """Any arrangement of the tags the readers know, in any namespace spelling, ends alike both ways."""
        section = f"<people>{''.join(people)}</people>".encode()
        assert_same_both_ways(document(record("".join(fields), dates), record(PLAIN), people=section))

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
                # A function, not a template: the drawn text may hold backslashes.
                block = re.sub(rf"<{tag}>[^<]*</{tag}>", lambda _, tag=tag, text=text: f"<{tag}>{text}</{tag}>", block)
        assert_same_both_ways(document(block))
