"""IANA's CSV, reproduced byte for byte from the parsed releases."""

from __future__ import annotations

import io

import pytest

from ianaports.render.csv import write_iana_csv
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
