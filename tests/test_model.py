from __future__ import annotations

import re

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
)
from ianaports.model import (
    STATUS_ORDER,
    Status,
    check_port,
    is_digits,
    read_port,
    read_query,
    record_status,
    tidy_text,
    xref_token,
)
from realdata import PROJECT_ROOT, parsed, real_release_paths, require_real


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


class TestReadPort:
    @pytest.mark.parametrize(("text", "expected"), [("0", 0), ("2304", 2304), ("00080", 80), ("000065535", 65535)])
    def test_ascii_digits_are_a_port(self, text, expected):
        """ASCII digits, leading zeros allowed, read as the port they write."""
        assert expected == read_port(text)

    @pytest.mark.parametrize(
        ("text", "says"),
        [
            ("65536", "port must be within 0-65535, not 65536"),
            ("123456", "port must be within 0-65535, not 123456"),
            (" 80", "not a port number: ' 80'"),
            ("\u0668\u0660", "not a port number"),
            ("\u00b2", "not a port number"),
            ("-1", "not a port number"),
            ("", "not a port number"),
        ],
    )
    def test_refuses_anything_else(self, text, says):
        """Blanks, signs, non-ASCII digits and numbers above 65535 are refused with what was wrong."""
        with pytest.raises(InvalidArgumentError, match=re.escape(says)):
            read_port(text)

    def test_one_rule_for_every_reader(self):
        """PortRange.from_text and read_query refuse the Arabic-Indic digits read_port refuses."""
        with pytest.raises(InvalidArgumentError):
            PortRange.from_text("\u0668\u0660")
        with pytest.raises(InvalidArgumentError):
            read_query("\u0668\u0660")

    def test_check_port_names_what_it_checks(self):
        """check_port passes 0-65535 through and names the checked value in its message."""
        assert (check_port(0), check_port(65535)) == (0, 65535)
        with pytest.raises(InvalidArgumentError, match=r"^end must be within 0-65535, not -1$"):
            check_port(-1, what="end")

    def test_is_digits(self):
        """Only non-empty ASCII digit strings are digits."""
        assert [is_digits(text) for text in ("0", "080", "", "8a", "\u00b2")] == [True, True, False, False, False]


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


class TestStatus:
    """The one status rule, on IANA's own descriptions and on every record of every real release."""

    @pytest.mark.parametrize(
        ("named", "description", "expected"),
        [
            (False, "Unassigned", Status.UNASSIGNED),
            (False, "unassigned", Status.UNASSIGNED),
            (False, "Unassigned [was netstat]", Status.UNASSIGNED),
            (False, "Unassigned (FRP-Released 12/7/00)", Status.UNASSIGNED),
            (False, "(unassigned) Possibly assigned", Status.UNASSIGNED),
            (False, "Possibly used by Sun Solaris????", Status.UNASSIGNED),
            (False, "Reserved", Status.RESERVED),
            (False, "IANA Reserved", Status.RESERVED),
            (False, "Reserved - IANA", Status.RESERVED),
            (False, "any private mail system", Status.PRIVATE_USE),
            (False, "any private terminal link", Status.PRIVATE_USE),
            (False, "De-registered", Status.WITHDRAWN),
            (False, "Removed", Status.WITHDRAWN),
            (False, "Deprecated", Status.WITHDRAWN),
            (False, "De-Commissioned Port", Status.WITHDRAWN),
            (False, "Decomissioned Port 04/14/00, ms", Status.WITHDRAWN),
            (True, "De-Registered", Status.WITHDRAWN),
            (True, "RemoteWare Unassigned", Status.ASSIGNED),
            (True, "Reserved for a future enhancement of STUN-BEHAVIOR", Status.ASSIGNED),
            (True, "BoKS Admin Private Port", Status.ASSIGNED),
        ],
    )
    def test_rule(self, named, description, expected):
        """Each description IANA writes gets the status docs/model.md gives it."""
        assert record_status(named, description) is expected

    def test_private_use_rows_are_not_assignments(self, newest):
        """RFC 1700's "any private" rows (24, 35, 57, 59, 75, 77, 87) are private-use, not assignments."""
        private = sorted({r.ports.start for r in newest.records if r.status is Status.PRIVATE_USE and r.ports})
        assert private == [24, 35, 57, 59, 75, 77, 87]
        assert not any(record.is_assignment for record in newest.lookup(24))

    def test_585_is_withdrawn(self, newest):
        """585's "De-registered" record is withdrawn, not an assignment to an unnamed service."""
        assert [record.status for record in newest.lookup(585)] == [Status.WITHDRAWN]

    def test_every_record_of_every_release_has_a_status_and_the_docs_count_them(self):
        """No record of a shared release is without a status, and docs/model.md holds each release's counts."""
        paths = real_release_paths()
        if not paths:
            pytest.skip("no real releases")
        documented = _documented_status_counts()
        for path in paths:
            registry = parsed(path)
            counts = dict.fromkeys(STATUS_ORDER, 0)
            for record in registry.records:
                counts[record.status] += 1
            assert sum(counts.values()) == len(registry.records)
            row = [*(counts[status] for status in STATUS_ORDER), len(registry.records)]
            assert documented[registry.updated.isoformat()] == row

    def test_docs_list_every_description_that_needed_a_rule(self):
        """Every nameless or non-assigned description of the newest release is in docs/model.md with its status."""
        documented = _documented_rules()
        registry = parsed(require_real())
        needed = {
            (" ".join(record.description_text.split()), record.name is not None, record.status)
            for record in registry.records
            if record.name is None or record.status is not Status.ASSIGNED
        }
        assert needed <= documented


def _model_doc() -> str:
    return (PROJECT_ROOT / "docs" / "model.md").read_text(encoding="utf-8")


def _documented_status_counts() -> dict[str, list[int]]:
    found = {}
    for match in re.finditer(r"^\| (\d{4}-\d{2}-\d{2}) \| ([\d |]+) \|$", _model_doc(), re.MULTILINE):
        found[match.group(1)] = [int(cell) for cell in match.group(2).split(" | ")]
    return found


def _documented_rules() -> set[tuple[str, bool, Status]]:
    found = set()
    for match in re.finditer(r"^\| (.+) \| (yes|no) \| ([a-z-]+) \| \d+ \|$", _model_doc(), re.MULTILINE):
        found.add((match.group(1), match.group(2) == "yes", Status(match.group(3))))
    return found
