"""Running the command line in-process, for the tests of every command."""

from __future__ import annotations

import io
import os

from ianaports.cli import FULL_PATH_ENV, main


def run(*argv: str) -> tuple[int, str, str]:
    """Run ``ianaports ARGV...`` in-process; return the exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def quick_process_env(data_dir: object) -> dict[str, str]:
    """This environment for a subprocess that takes the quick path on *data_dir*, its imports uncounted by coverage.

    A --cov run passes coverage's hooks to subprocesses, and coverage itself imports re and typing.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("COV_CORE_") and name not in ("COVERAGE_PROCESS_START", FULL_PATH_ENV)
    }
    env["IANAPORTS_DATA_DIR"] = str(data_dir)
    return env
