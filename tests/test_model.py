from __future__ import annotations

import attrs
import pytest

from ianaports import (
    InvalidArgumentError,
    PartialDate,
    Person,
    PortRange,
    Protocol,
    Reference,
    ReferenceKind,
    ServiceRecord,
    model,
)
from ianaports.model import read_query, tidy_text, xref_token


class TestPortRange:
    def test_single_port_is_a_range_of_one(self):
        """A single port reads as a span whose start and end are equal."""
        assert PortRange.from_text("80") == PortRange(80, 80)
        assert len(PortRange(80, 80)) == 1

    def test_span_is_inclusive(self):
        """Both ends of a span belong to it."""
        span = PortRange.from_text("6000-6063")
        assert (6000 in span, 6063 in span, 6064 in span) == (True, True, False)
        assert len(span) == 64

    @pytest.mark.parametrize("text", ["65536", "-1", "80-79", "http", "1-2-3", ""])
    def test_rejects_what_is_not_a_port(self, text):
        """Out-of-range, reversed and non-numeric spans are a ValueError."""
        with pytest.raises(ValueError):
            PortRange.from_text(text)

    def test_keeps_iana_spelling_without_changing_identity(self):
        """A degenerate span written 4748-4748 equals port 4748 but remembers how it was written."""
        written = PortRange.from_text("4748-4748")
        assert written == PortRange(4748, 4748)
        assert (str(written), written.as_written) == ("4748", "4748-4748")

    def test_overlaps(self):
        """Spans that share a port overlap; adjacent ones do not."""
        assert PortRange(1, 5).overlaps(PortRange(5, 9))
        assert not PortRange(1, 4).overlaps(PortRange(5, 9))


class TestReadQuery:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2304", 2304),
            (" 0080 ", 80),
            ("6000-6063", PortRange(6000, 6063)),
            ("6000 - 6063", PortRange(6000, 6063)),
            ("x11", "x11"),
            ("z39.50", "z39.50"),
        ],
    )
    def test_port_span_or_name(self, text, expected):
        """Digits are a port, digits-hyphen-digits (blanks allowed) a span, text with a letter a name."""
        assert expected == read_query(text)

    @pytest.mark.parametrize(
        "text", ["6000-", "-5", "1-2-3", "6000 6003", "", "  ", "\u00b2", "65536", "80-79", "9" * 5000]
    )
    def test_refuses_what_is_none_of_them(self, text):
        """Hyphen-and-digit text that is no span, non-ASCII digits and out-of-range ports are refused."""
        with pytest.raises(InvalidArgumentError):
            read_query(text)

    def test_long_number_is_shortened(self):
        """A number of thousands of digits is named by its first digits and its length, not echoed whole."""
        with pytest.raises(InvalidArgumentError, match=r"not 999999999999\.\.\. \(5000 digits\)$"):
            read_query("9" * 5000)


class TestPartialDate:
    def test_keeps_year_month_precision(self):
        """A year-month date stays without a day."""
        date = PartialDate.from_text("2006-12")
        assert (date.day, date.isoformat(), date.has_day) == (None, "2006-12", False)

    def test_full_date(self):
        """A full date round-trips through isoformat."""
        assert PartialDate.from_text("2017-06-05").isoformat() == "2017-06-05"

    @pytest.mark.parametrize("text", ["2020-13-45", "2020-02-30", "2020-12-00", "2020-00", "June 2009", "2020"])
    def test_rejects_impossible_dates(self, text):
        """A date that is not on the calendar is a ValueError."""
        with pytest.raises(ValueError):
            PartialDate.from_text(text)

    def test_orders_chronologically(self):
        """Dates compare in calendar order."""
        assert PartialDate.from_text("2006-12") < PartialDate.from_text("2007-01-01")


class TestPersonAndReference:
    def test_mailto_ampersand_becomes_at(self):
        """IANA's anti-spam '&' in mailto URIs is turned back into '@'."""
        person = Person(id="Tom", uri="mailto:tom&example.com")
        assert person.email == "tom@example.com"

    def test_display_name_falls_back_to_org_then_id(self):
        """A person without a name shows the organisation, then the id."""
        assert Person(id="IESG", org="IESG Org").display_name == "IESG Org"
        assert Person(id="ddt").display_name == "ddt"

    def test_reference_labels_and_urls(self):
        """An RFC reference is labelled RFC1234 and links to the RFC editor."""
        reference = Reference(kind="rfc", data="rfc6335")
        assert (reference.label, reference.token) == ("RFC6335", "[RFC6335]")
        assert reference.url == "https://www.rfc-editor.org/rfc/rfc6335"
        assert reference.kind is ReferenceKind.RFC

    def test_reference_text_wins_in_token(self):
        """A reference with text is written as that text in brackets."""
        assert Reference(kind="uri", data="https://x", text="TR-352").token == "[TR-352]"


class TestServiceRecord:
    def test_is_frozen(self):
        """Records cannot be changed in place; attrs.evolve makes a new one."""
        record = ServiceRecord(name="ssh", protocol="tcp", ports=PortRange(22, 22))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            record.name = "x"  # type: ignore[misc]
        assert attrs.evolve(record, name="x").name == "x"

    def test_protocol_is_converted(self):
        """A protocol given as text becomes the enum."""
        assert ServiceRecord(protocol="udp").protocol is Protocol.UDP

    def test_unassigned_and_reserved(self):
        """Unassigned and reserved spans are recognised by their nameless description."""
        assert ServiceRecord(description="Unassigned").is_unassigned
        assert ServiceRecord(description="Reserved").is_reserved
        assert ServiceRecord(name="x", description="Reserved").is_assignment


class TestTidyText:
    def test_soft_wrap_becomes_space(self):
        """A line break with blanks on both sides is layout and becomes one space."""
        assert tidy_text("(CT) \n      comprising") == "(CT) comprising"

    def test_break_kept_as_line(self):
        """Blank lines from <br/><br/> fold to one line break in today's rendering."""
        assert tidy_text("whois++\n\n\nIANA assigned") == "whois++\nIANA assigned"

    def test_legacy_rendering(self):
        """Before 2025 a double break followed by a newline became a space."""
        assert tidy_text("whois++\n\n\nIANA assigned", legacy=True) == "whois++ IANA assigned"

    def test_xref_token(self):
        """Tokens prefer text, then upper-case RFC names, then the data."""
        assert xref_token("rfc", "rfc959", None) == "[RFC959]"
        assert xref_token("person", "Jon_Postel", " ") == "[Jon_Postel]"
        assert xref_token("uri", "https://x", "TR-\n  352") == "[TR-\n  352]"


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
            " 80",
            "6000-6063",
            "4748-4748",
            "80-79",
            "",
        ],
    )
    def test_port_range_from_text_matches_public_constructor(self, text):
        """The quick span reader agrees with PortRange.from_text, spelling and errors included."""
        assert _outcome(model._port_range_from_text, text) == _outcome(PortRange.from_text, text)

    @pytest.mark.parametrize(
        "text",
        ["2006-12", "2006-12-05", "2020-02-30", "2020-13", "2020-12-00", " 2006-12", "2020-W01-1", "20201215", "x"],
    )
    def test_partial_date_from_text_matches_public_constructor(self, text):
        """The quick date reader agrees with PartialDate.from_text, errors included."""
        assert _outcome(model._partial_date_from_text, text) == _outcome(PartialDate.from_text, text)

    def test_canonical_record_sets_every_field(self):
        """A record built by the parser's constructor equals one built by attrs, field for field."""
        person = Person(id="Jon_Postel", name="Jon Postel")
        fields = {
            "name": "discard",
            "protocol": Protocol.TCP,
            "ports": PortRange(9, 9),
            "description": "Discard",
            "assignees": (person,),
            "contacts": (person,),
            "references": (Reference(kind=ReferenceKind.RFC, data="rfc863"),),
            "registered": PartialDate(2004, 1),
            "modified": PartialDate(2017, 6, 5),
            "notes": "a note",
            "unauthorized_use": "reported",
            "service_code": 42,
        }
        assert [field.name for field in attrs.fields(ServiceRecord)] == list(fields)
        quick = model._canonical_record(*fields.values())
        assert attrs.asdict(quick, recurse=False) == attrs.asdict(ServiceRecord(**fields), recurse=False)

    def test_canonical_person_sets_every_field(self):
        """A person built by the parser's constructor equals one built by attrs, field for field."""
        fields = {"id": "T", "name": "Tom", "org": "Example", "uri": "mailto:t&example.com", "updated": None}
        assert [field.name for field in attrs.fields(Person)] == list(fields)
        assert model._canonical_person(*fields.values()) == Person(**fields)
