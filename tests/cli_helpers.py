"""Running the command line in-process, for the tests of every command."""

from __future__ import annotations

import io

from ianaports.cli import main


def run(*argv: str) -> tuple[int, str, str]:
    """Run ``ianaports ARGV...`` in-process; return the exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()
