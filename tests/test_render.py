from __future__ import annotations

import io

import pytest

from ianaports.render import format_table, record_from_json, record_to_json, write_iana_csv
from realdata import REGISTRY_DIR, parsed, require_real

CSV_PAIRS = [("20220719", True), ("20251114", False)]


class TestIanaCsv:
    @pytest.mark.parametrize(("stamp", "legacy"), CSV_PAIRS)
    def test_reproduces_iana_csv_byte_for_byte(self, stamp, legacy):
        """The export equals the CSV IANA published for the same release, byte for byte."""
        registry = parsed(require_real(f"service-names-port-numbers.{stamp}.xml.xz"))
        csv_path = REGISTRY_DIR / "iana-csv" / f"service-names-port-numbers.{stamp}.csv"
        if not csv_path.is_file():
            pytest.skip(f"IANA's CSV {csv_path} not found")
        buffer = io.StringIO(newline="")
        write_iana_csv(registry, buffer, legacy=legacy)
        ours = buffer.getvalue().encode("utf-8").split(b"\n")
        theirs = csv_path.read_bytes().split(b"\n")
        mismatched = [(a, b) for a, b in zip(ours, theirs, strict=False) if a != b]
        assert mismatched[:3] == []
        assert len(ours) == len(theirs)


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


class TestTable:
    def test_aligned(self):
        """On a terminal, columns are padded to line up."""
        assert format_table(["A", "B"], [["xx", "y"]], aligned=True) == "A   B\nxx  y"

    def test_piped_is_tab_separated(self):
        """Piped output is tab-separated with line breaks folded."""
        assert format_table(["A", "B"], [["x\ny", "z"]], aligned=False) == "A\tB\nx y\tz"
