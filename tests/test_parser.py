from __future__ import annotations

import bz2
import contextlib
import datetime as dt
import gzip
import io
import lzma
import os
import re
import threading
import time

import attrs
import pytest

from ianaports import (
    InvalidArgumentError,
    ParseError,
    ParseWarning,
    PartialDate,
    PortRange,
    Protocol,
    ReferenceKind,
    parse,
    parser,
)
from realdata import FIXTURES, parsed, real_release_paths, require_real


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class TestInputs:
    @pytest.mark.parametrize(
        "compress", [lambda b: b, gzip.compress, lzma.compress, bz2.compress], ids=["xml", "gz", "xz", "bz2"]
    )
    def test_reads_plain_and_compressed_bytes(self, compress):
        """Plain, gzip, xz and bzip2 input are recognised by content."""
        registry = parse(compress(fixture("child-order.xml")))
        assert [record.name for record in registry] == ["smtp", "smtp", "discard"]

    def test_reads_path_and_binary_file(self, tmp_path):
        """A path and an open binary file give the same registry."""
        path = tmp_path / "r.xml.gz"
        path.write_bytes(gzip.compress(fixture("child-order.xml")))
        with path.open("rb") as handle:
            assert parse(path) == parse(handle) == parse(str(path))

    def test_missing_file_is_parse_error(self, tmp_path):
        """A path that does not exist is a ParseError that names it."""
        with pytest.raises(ParseError, match="cannot read"):
            parse(tmp_path / "nope.xml")

    def test_size_cap(self):
        """Input larger than the cap is refused before parsing."""
        with pytest.raises(ParseError, match="larger than"):
            parse(fixture("child-order.xml"), max_bytes=100)

    def test_decompression_cap(self):
        """A small compressed input that inflates past the cap is refused."""
        bomb = gzip.compress(b"<" + b" " * 5_000_000)
        with pytest.raises(ParseError, match="decompressed input is larger"):
            parse(bomb, max_bytes=1_000_000)

    def test_corrupt_compression(self):
        """A truncated xz stream is a ParseError."""
        with pytest.raises(ParseError, match="corrupt"):
            parse(lzma.compress(fixture("child-order.xml"))[:200])


class TestOddities:
    def test_child_order_does_not_matter(self):
        """Two records with the same children in different order parse alike (but for protocol)."""
        tcp, udp, _ = parse(fixture("child-order.xml"))
        assert (tcp.name, tcp.ports, tcp.description) == (udp.name, udp.ports, udp.description)
        assert [p.id for p in udp.assignees] == ["IESG"]
        assert [p.id for p in udp.contacts] == ["IETF_Chair"]

    def test_assignee_block_versus_bare_person(self):
        """An <assignee> block names the assignee; a bare person xref is the contact, and both without a block."""
        smtp, _, discard = parse(fixture("child-order.xml"))
        assert ([p.id for p in smtp.assignees], [p.id for p in smtp.contacts]) == (["IESG"], ["IETF_Chair"])
        assert discard.assignees == discard.contacts
        assert discard.assignees[0].name == "Jon Postel"

    def test_dates_keep_precision(self):
        """Registration and modification dates keep a missing day missing."""
        smtp = parse(fixture("child-order.xml")).records[0]
        assert (smtp.registered, smtp.modified) == (PartialDate(2004, 1), PartialDate(2017, 6, 5))

    def test_ranges_and_missing_protocol(self):
        """Ranges parse as spans and an assignment may have no protocol."""
        unassigned, boe, x11, _ = parse(fixture("ranges-and-no-protocol.xml"))
        assert unassigned.ports == PortRange(6400, 6410)
        assert unassigned.is_unassigned
        assert (boe.protocol, boe.ports, boe.is_assignment) == (None, PortRange(6400, 6400), True)
        assert (x11.ports, x11.protocol) == (PortRange(6000, 6063), Protocol.TCP)

    def test_names_without_ports_and_empty_names(self):
        """Names without a port have no ports; an empty <name/> is no name."""
        rdp1, rdp2, reserved_tcp, reserved_udp = parse(fixture("names-without-ports.xml"))
        assert (rdp1.ports, rdp1.protocol, rdp2.name) == (None, None, "rdp")
        assert reserved_tcp.name is None
        assert reserved_udp.name is None
        assert reserved_tcp.is_reserved

    def test_text_breaks_paragraphs_and_inline_xrefs(self):
        """<br/> becomes a line break, paragraphs are indented lines, inline xrefs become tokens."""
        whoispp, wot, finger = parse(fixture("text-breaks-paragraphs-inline-xrefs.xml"))
        assert whoispp.description.startswith("whois++\n\n\nIANA assigned")
        assert whoispp.summary == 'whois++\nIANA assigned this well-formed service name as a replacement for "whois++".'
        assert wot.summary == "W3C WoT Thing Description\n      or Directory"
        assert wot.notes is not None
        assert wot.notes.startswith("<paragraph>") is False
        assert "Defined TXT keys:\n" in wot.notes
        assert finger.notes == "Obsoleted by [RFC1288] for most uses.\nSee also [Jon_Postel]."
        assert finger.unauthorized_use == "Unauthorized use by some mail users (see [RFC4146] for details)"
        assert [p.id for p in finger.contacts] == ["Jon_Postel"]

    def test_references_footnotes_service_codes(self):
        """Every xref type becomes a reference; footnotes are kept; a DCCP service code is an int."""
        registry = parse(fixture("references-footnotes-service-codes.xml"))
        exp1, ltp, ictp = registry
        assert [r.kind for r in exp1.references] == [ReferenceKind.NOTE, ReferenceKind.RFC]
        assert registry.footnotes["1"].startswith("It is only appropriate")
        assert ltp.service_code == 7107696
        assert [(r.kind, r.token) for r in ictp.references] == [
            (ReferenceKind.URI, "[TR-352]"),
            (ReferenceKind.TEXT, "[n/a]"),
            (ReferenceKind.DRAFT, "[draft-ietf-example-00]"),
        ]

    def test_mojibake_kept_and_mailto_resolved(self):
        """IANA's mojibake stays as IANA has it; mailto '&' addresses resolve to '@'."""
        xadmin, mailer = parse(fixture("mojibake-and-mailto.xml"))
        assert xadmin.references[0].text is not None
        assert "Ari√´n" in xadmin.references[0].text  # noqa: RUF001 - IANA's own mojibake
        assert mailer.contacts[0].email == "tom@example.com"
        assert mailer.contacts[0].updated == PartialDate(2006, 12)

    def test_aliases_and_mixed_case(self):
        """Mixed-case names and alias notes are kept as IANA wrote them."""
        registry = parse(fixture("names-case-and-aliases.xml"))
        assert [r.name for r in registry.service("ethernet/ip-1")] == ["EtherNet/IP-1"]
        assert registry.service("www")[0].notes == 'This entry is an alias to "http".'


class TestHostileInput:
    @pytest.mark.parametrize("name", ["billion-laughs.xml", "external-entity.xml", "external-dtd.xml"])
    def test_dtds_are_refused_before_parsing(self, name, monkeypatch):
        """Any DTD (entity bombs, external entities, external DTDs) is refused before lxml reads a byte."""
        calls = []
        monkeypatch.setattr(parser, "_parse_tree", calls.append)
        with pytest.raises(ParseError, match="DOCTYPE"):
            parse(fixture(name))
        assert calls == []

    def test_deep_nesting(self):
        """100,000 nested elements are a ParseError, not a crash."""
        depth = 100_000
        body = b"<a>" * depth + b"</a>" * depth
        data = b'<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">' + body
        with pytest.raises(ParseError, match="not well-formed"):
            parse(data + b"</registry>")

    def test_syntax_error_location_said_once(self):
        """A syntax error names its line and column once, in the location, not again in the message."""
        with pytest.raises(ParseError) as caught:
            parse(b'<?xml version="1.0"?>\n<registry><a></b></registry>')
        assert caught.value.location == "line 2, column 17"
        assert "column" not in caught.value.message

    def test_other_registry(self):
        """A valid XML of another IANA registry is rejected by its root id."""
        with pytest.raises(ParseError, match="protocol-numbers"):
            parse(fixture("other-registry.xml"))

    def test_html_page(self):
        """An HTML error page is a ParseError, not a registry."""
        with pytest.raises(ParseError):
            parse(b"<!doctype html><html><body>503 Service Unavailable</body></html>")

    def test_invalid_utf8(self):
        """Invalid UTF-8 is a ParseError with a line number."""
        data = fixture("child-order.xml").replace(b"Discard", b"Disc\xff\xfeard")
        with pytest.raises(ParseError, match=r"line \d+"):
            parse(data)

    def test_truncated_document(self):
        """A truncated body is a ParseError."""
        with pytest.raises(ParseError):
            parse(fixture("child-order.xml")[:-200])

    def test_malformed_record_strict(self):
        """In strict mode a malformed record fails the parse, naming its line, index and field."""
        with pytest.raises(ParseError, match=r"line \d+, record\[1\]\.protocol"):
            parse(fixture("malformed-record.xml"))

    def test_malformed_record_lenient(self):
        """In lenient mode the bad record is skipped with a warning and the rest is kept."""
        with pytest.warns(ParseWarning, match=r"record\[1\]"):
            registry = parse(fixture("malformed-record.xml"), mode="lenient")
        assert [r.name for r in registry] == ["good"]

    def test_no_raw_lxml_exception(self):
        """Garbage bytes of every kind end in ParseError."""
        for data in (b"", b"\x00\x01", b"<registry", b"<?xml version='1.0'?>"):
            with pytest.raises(ParseError):
                parse(data)


RELEASES = real_release_paths()


@pytest.mark.skipif(not RELEASES, reason="no real IANA releases found (set IANAPORTS_TEST_REGISTRY)")
class TestRealReleases:
    @pytest.mark.parametrize("path", RELEASES, ids=lambda p: p.name.split(".")[1])
    def test_every_record_is_parsed(self, path):
        """The record count equals the number of <record> elements, and the date matches the file name."""
        raw = lzma.decompress(path.read_bytes())
        registry = parsed(path)
        assert len(registry) == len(re.findall(rb"<record[ >]", raw))
        assert abs((registry.updated - _file_date(path)).days) <= 7
        assert registry.lookup(2304)[0].name == "attachmate-uts"

    def test_newest_release_oddities(self, newest):
        """The 2025-12-15 release has the oddities the issue lists, counted exactly."""
        records = newest.records
        assert len(records) == 14496
        assert sum(r.ports is None for r in records) == 1055
        assert sum(r.protocol is None for r in records) == 1463
        assert sum(r.ports is not None and "-" in r.ports.as_written for r in records) == 761
        assert sum(r.ports is not None and not r.ports.is_single for r in records) == 755  # 6 are "N-N"
        assert sum(r.name is None for r in records) == 1709 + 9
        assert {(r.protocol, r.name) for r in newest.lookup(2304)} == {
            (Protocol.TCP, "attachmate-uts"),
            (Protocol.UDP, "attachmate-uts"),
        }
        assert {r.name for r in newest.lookup(2402)} == {"taskmaster2000"}
        assert {r.name for r in newest.lookup(2684)} == {"mpnjsosv"}
        assert [r.name for r in newest.lookup(80, "tcp")] == ["http", "www", "www-http"]
        assert [r.ports for r in newest.service("rdp")] == [None, None]
        aliases = [r for r in records if r.notes and "This entry is an alias to" in r.notes]
        assert 150 <= len(aliases) <= 220


def _file_date(path):
    stamp = path.name.split(".")[1]
    return dt.date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))


def test_binary_file_object_is_read_once():
    """A file object is read from its current position."""
    handle = io.BytesIO(b"junk" + fixture("child-order.xml"))
    handle.seek(4)
    assert len(parse(handle)) == 3


def _outcome(function, text):
    """What a text constructor gives: the value with every slot, or the error message."""
    try:
        value = function(text)
    except ValueError as exc:
        return ("error", str(exc))
    return ("value", attrs.asdict(value, recurse=False), getattr(value, "written", None))


class TestParserConstructors:
    """The parser's quick constructors must build exactly what the public ones build."""

    @pytest.mark.parametrize(
        "text",
        [
            "80",
            "080",
            "0",
            "00000",
            "65535",
            "65536",
            "123456",
            "\u0668\u0660",
            "²",
            "80 ",
            " 6000 - 6063 ",
            "6000-",
            " 80",
            "6000-6063",
            "4748-4748",
            "80-79",
            "",
        ],
    )
    def test_port_range_from_text_matches_public_constructor(self, text):
        """The quick span reader agrees with PortRange.from_text, spelling and errors included."""
        assert _outcome(parser._port_range, text) == _outcome(PortRange.from_text, text)


class TestPeopleFidelity:
    """Every <uri> of a person is kept, and near-miss person ids resolve."""

    def test_two_uris_are_both_kept(self, newest):
        """The seven people with two <uri> keep both, in IANA's order."""
        two = {person_id for person_id, person in newest.people.items() if len(person.uris) == 2}
        assert two == {
            "David_Walend",
            "Huang_Neng-geng",
            "Ian_Bradley",
            "Joon_Radley_2",
            "Klaus_Fellner",
            "Oracle_Corp",
            "WAP_Forum",
        }
        assert newest.people["WAP_Forum"].emails == ("wap-feedback@mail.wapforum.org", "pg@uplanet.com")

    def test_ids_differing_by_case_or_blanks_resolve(self):
        """Cisco_systems_3 and "Andrew_Beekhof " name their <people> entries in the 2017-03-10 release."""
        registry = parsed(require_real("service-names-port-numbers.20170310.xml.xz"))
        found = {
            person.id: person
            for record in registry.records
            for person in (*record.assignees, *record.contacts)
            if person.id in ("Cisco_systems_3", "Andrew_Beekhof")
        }
        assert found["Cisco_systems_3"].org == "Cisco Systems"
        assert found["Andrew_Beekhof"].name == "Andrew Beekhof"

    def test_near_miss_on_a_fixture(self):
        """A reference whose id differs only by case from a <people> id gets that person's details."""
        xml = (
            b'<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">'
            b"<updated>2025-01-01</updated>"
            b"<record><name>x</name><protocol>tcp</protocol><number>1</number>"
            b'<xref type="person" data="jon_postel"/></record>'
            b'<people><person id="Jon_Postel "><name>Jon Postel</name><uri>mailto:a&amp;b</uri>'
            b"<uri>mailto:c&amp;d</uri></person></people></registry>"
        )
        contact = parser.parse_bytes(xml).records[0].contacts[0]
        assert (contact.id, contact.name, contact.uris) == ("jon_postel", "Jon Postel", ("mailto:a&b", "mailto:c&d"))


def one_record(record: str, *, updated: str = "2025-12-15", declaration: str = "UTF-8") -> bytes:
    """A registry document of one record (raw XML) under an XML declaration naming *declaration*."""
    return (
        f'<?xml version="1.0" encoding="{declaration}"?>\n'
        '<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">\n'
        f"<title>t</title><updated>{updated}</updated>\n{record}\n</registry>\n"
    ).encode()


def sc_record(code: str) -> str:
    return f"<record><name>x</name><protocol>dccp</protocol><number>7</number><sc>{code}</sc></record>"


class TestHostileNumbersAndDates:
    def test_service_code_of_5000_digits_is_a_parse_error_with_location(self):
        """A <sc> past int()'s 4,300-digit limit is a ParseError naming the field, not a bare ValueError."""
        with pytest.raises(ParseError) as caught:
            parse(one_record(sc_record("9" * 5000)))
        assert caught.value.location == "line 4, record[0].sc"
        assert "(5000 characters)" in caught.value.message

    def test_service_code_of_5000_digits_is_skipped_in_lenient_mode(self):
        """In lenient mode the record with a huge <sc> is skipped with a ParseWarning."""
        with pytest.warns(ParseWarning, match=r"record\[0\]\.sc"):
            registry = parse(one_record(sc_record("1" * 5000)), mode="lenient")
        assert len(registry) == 0

    @pytest.mark.parametrize("code", ["4294967296", "٨٠", "\uff18\uff10", "-1"])
    def test_service_code_out_of_range_or_in_other_digits_is_refused(self, code):
        """A service code above 32 bits, or written in non-ASCII digits, is refused (int() reads '٨٠' as 80)."""
        with pytest.raises(ParseError, match="service code"):
            parse(one_record(sc_record(code)))

    def test_largest_service_code_is_read(self):
        """The largest 32-bit service code, leading zeros and all, is a number."""
        (record,) = parse(one_record(sc_record("004294967295")))
        assert record.service_code == 4294967295

    @pytest.mark.parametrize(
        "record",
        [
            "<record><name>x</name><protocol>tcp</protocol><number>٨٠</number></record>",
            "<record><name>x</name><protocol>tcp</protocol><number>٨٠-٩٠</number></record>",
            '<record date="٢٠٢٠-01-01"><name>x</name><protocol>tcp</protocol><number>80</number></record>',
            '<record updated="2020-\u0660\u0661"><name>x</name><protocol>tcp</protocol><number>80</number></record>',
        ],
        ids=["port", "span", "date", "month"],
    )
    def test_non_ascii_digits_are_refused_in_ports_and_dates(self, record):
        """Ports and record dates are read in ASCII digits only: '٨٠' is no port, '٢٠٢٠' no year."""
        with pytest.raises(ParseError):
            parse(one_record(record))

    @pytest.mark.parametrize("updated", ["2025-W51-1", "20251215", "2025-349", "٢٠٢٥-12-15", "2025-12-15T00:00"])
    def test_updated_takes_one_explicit_form(self, updated):
        """<updated> is YYYY-MM-DD only, on every Python: no week dates or compact forms from fromisoformat."""
        with pytest.raises(ParseError, match="not a YYYY-MM-DD date"):
            parse(one_record(sc_record("1"), updated=updated))
        assert parser.read_updated(one_record(sc_record("1"), updated=updated)) is None

    def test_updated_with_blanks_is_read(self):
        """Blanks around the date are layout, as IANA's own files have them."""
        data = one_record(sc_record("1"), updated=" 2025-12-15\n")
        assert parse(data).updated == dt.date(2025, 12, 15) == parser.read_updated(data)


class TestDeclaredEncoding:
    @pytest.mark.parametrize("declaration", ["ISO-8859-1", "latin1", "windows-1252"])
    def test_utf8_bytes_declared_latin1_are_refused(self, declaration):
        """UTF-8 bytes under a Latin-1 declaration are refused, not stored as mojibake ('Ã©' for 'é')."""
        data = one_record("<record><name>x</name><description>café</description></record>", declaration=declaration)
        with pytest.raises(ParseError, match=r"declares .* but its bytes are UTF-8"):
            parse(data)

    def test_real_latin1_bytes_are_read_as_declared(self):
        """A document really in Latin-1 reads as such: 'é' is one byte, 0xe9, no valid UTF-8."""
        data = one_record("<record><name>x</name><description>café</description></record>", declaration="ISO-8859-1")
        (record,) = parse(data.decode().encode("latin-1"))
        assert record.description == "café"

    def test_ascii_under_latin1_is_fine(self):
        """A Latin-1 declaration over ASCII bytes is read, there being nothing to garble."""
        (record,) = parse(one_record(sc_record("1"), declaration="ISO-8859-1"))
        assert record.service_code == 1


class TestSizeCap:
    def test_default_cap_is_16_mib_near_real_releases(self):
        """The cap is 16 MiB (real releases are under 4 MB): a 17 MiB document is refused by default."""
        assert parser.DEFAULT_MAX_BYTES == 16 * 1024 * 1024
        padded = fixture("child-order.xml") + b"<!-- padding -->\n" * (17 * 1024 * 1024 // 17)
        with pytest.raises(ParseError, match=f"larger than the {16 * 1024 * 1024}-byte limit"):
            parse(padded)

    def test_environment_variable_overrides_the_cap(self, monkeypatch):
        """IANAPORTS_MAX_BYTES raises the cap for every reader, or lowers it."""
        padded = fixture("child-order.xml") + b"<!-- padding -->\n" * (17 * 1024 * 1024 // 17)
        monkeypatch.setenv("IANAPORTS_MAX_BYTES", str(32 * 1024 * 1024))
        assert len(parse(padded)) == 3
        monkeypatch.setenv("IANAPORTS_MAX_BYTES", "100")
        with pytest.raises(ParseError, match="larger than the 100-byte limit"):
            parse(fixture("child-order.xml"))

    @pytest.mark.parametrize("value", ["16M", "-1", "0", "9" * 5000, "\u0661\u0660"])
    def test_bad_override_is_an_invalid_argument(self, monkeypatch, value):
        """A value that is no whole number of bytes is refused by name, not read as something else."""
        monkeypatch.setenv("IANAPORTS_MAX_BYTES", value)
        with pytest.raises(InvalidArgumentError, match="IANAPORTS_MAX_BYTES must be a whole number"):
            parse(fixture("child-order.xml"))


class TestNotAFile:
    def test_fifo_without_a_writer_is_refused_at_once(self, tmp_path):
        """parse(FIFO) with no one writing ends at once in a ParseError naming a FIFO (it blocked forever)."""
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        with pytest.raises(ParseError, match=r"it is a FIFO \(named pipe\) and nothing was written to it"):
            parse(fifo)

    def test_fifo_with_a_writer_is_read(self, tmp_path):
        """A FIFO someone writes a release into (as --file <(xz -dc ...) gives) is read whole."""
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)

        done = threading.Event()

        def write() -> None:
            # A reader that opened before this writer may close with the bytes
            # unread, so write again until the reader says it has them.
            while not done.is_set():
                with contextlib.suppress(BrokenPipeError):
                    fifo.write_bytes(fixture("child-order.xml"))

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        found = None
        deadline = time.monotonic() + 30
        while found is None and time.monotonic() < deadline:
            # Until the writer's open() is in, the FIFO reads as empty: try again.
            with contextlib.suppress(ParseError):
                found = parse(fifo)
        done.set()
        release = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a writer waiting for a reader goes on
        writer.join(timeout=10)
        os.close(release)
        assert found is not None
        assert len(found) == 3

    def test_character_device_is_named(self):
        """parse('/dev/zero') says it is a character device, not 'larger than the limit' after reading 16 MiB."""
        with pytest.raises(ParseError, match="cannot read /dev/zero: it is a character device, not a file"):
            parse("/dev/zero")
