"""Plain-text tables for a terminal and for a pipe."""

from __future__ import annotations

from ianaports.render.text import format_table, one_line


class TestTable:
    def test_aligned(self):
        """On a terminal, columns are padded to line up."""
        assert format_table(["A", "B"], [["xx", "y"]], aligned=True) == "A   B\nxx  y"

    def test_piped_is_tab_separated(self):
        """Piped output is tab-separated with line breaks folded."""
        assert format_table(["A", "B"], [["x\ny", "z"]], aligned=False) == "A\tB\nx y\tz"

    def test_one_line(self):
        """Line breaks and runs of blanks fold into single spaces."""
        assert one_line("  a\n\tb  c ") == "a b c"
