"""IANA's CSV, reproduced byte for byte from the parsed releases."""

from __future__ import annotations

import io

import pytest

from ianaports.errors import InvalidArgumentError
from ianaports.render.csv import iana_csv_row, write_iana_csv
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


class TestLegacyAndLineEndings:
    """--legacy-csv keeps paragraph breaks; the row ending is a choice, as IANA's two files differ."""

    def test_legacy_keeps_the_wot_paragraph_breaks(self):
        """The wot notes keep their four paragraphs as lines in the legacy layout too."""
        registry = parsed(require_real())
        wot = registry.service("wot", "tcp")[0]
        legacy = iana_csv_row(wot, legacy=True)[-1]
        assert legacy.startswith("Defined TXT keys:\n              td: Absolute pathname")
        assert legacy.count("\n              ") == 3
        assert legacy == iana_csv_row(wot)[-1]

    @pytest.mark.parametrize(
        ("legacy", "ending", "expected"),
        [(True, None, b"\r\n"), (False, None, b"\n"), (True, "\n", b"\n"), (False, "\r\n", b"\r\n")],
    )
    def test_row_ending(self, legacy, ending, expected):
        """Rows end in CRLF for the legacy layout and LF today, unless line_ending says otherwise."""
        registry = parsed(require_real())
        buffer = io.StringIO(newline="")
        write_iana_csv(registry, buffer, legacy=legacy, line_ending=ending)
        data = buffer.getvalue().encode()
        assert data.split(b"\n", 1)[0].endswith(b"Assignment Notes" + expected.rstrip(b"\n"))
        assert data.count(b"\r\n") == (len(registry.records) + 1 if expected == b"\r\n" else 0)

    def test_iana_2022_csv_has_lf_inside_fields(self):
        """IANA's 2022-07-19 CSV ends rows in CRLF but breaks lines inside a field with a bare LF."""
        path = REGISTRY_DIR / "iana-csv" / "service-names-port-numbers.20220719.csv"
        if not path.is_file():
            pytest.skip(f"IANA's CSV {path} not found")
        data = path.read_bytes()
        assert data.count(b"\r\n") == 14374
        assert data.count(b"\n") - data.count(b"\r\n") == 634

    def test_refuses_another_ending(self):
        """A row ending other than LF or CRLF is refused."""
        with pytest.raises(InvalidArgumentError):
            write_iana_csv(parsed(require_real()), io.StringIO(), line_ending="\r")
