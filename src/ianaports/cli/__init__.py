"""The ``ianaports`` command line: the only package that prints.

What it prints with ``--json`` it does not build: every document comes from
:mod:`ianaports.render.json`.  Where things are:

``__init__``
    :func:`main` and :func:`run` (the console script), light: they try the
    quick path, and hand everything else to the full one; and
    :data:`_COMMANDS` (from :mod:`._commands`), every command in ``--help`` order.
``_quick``
    the quick path: the plain, common forms of ``show``, ``search``,
    ``history`` and ``export --format jsonl`` answered from the store's printed columns, importing neither argparse,
    attrs, the model nor the store's layers; anything else it leaves.
``_main``
    the full path: :func:`build_parser` and the one handler that turns every
    error into one stderr line and an exit code.
``_basics``
    :class:`Output`, signals and a failing stdout, which both paths share.
``_exit``
    the exit codes, their ``--help`` epilog, and which error gives which code.
``_common``
    :func:`add_command` (the one way a command is
    registered: name, help, description, examples, exit-code epilog), the
    options and argument types several commands share, query reading, and
    :func:`release`, the one way a command gets its registry (``--file``, else
    the store, synced on first use).
``lookup``
    ``show``, ``search``, ``explain``, ``free``, ``stats``.
``changes``
    ``diff``, ``history`` (and :func:`resolve_release`).
``cache``
    ``sync``, ``versions``, ``export``, ``rebuild``, ``backup``.
``audit``
    ``listening``, ``notes``.
``completion``
    ``completion``.

Start-up: ``import ianaports.cli`` loads only :mod:`._basics`,
:mod:`._commands` and :mod:`._exit`.  A command line :mod:`._quick` answers (``show 2304``,
``search kerberos --json``, see its docstring) loads sqlite3 and a few small
modules and nothing else (``tests/test_cli_quick.py`` checks both the
modules and that its answers equal the full path's, byte for byte).  For the
rest, ``--help`` and ``--version`` load neither lxml, requests, psutil nor
sqlite3, and no command module.  A run imports
the one module of the command it was given (:func:`build_parser` with
*command*); the other commands are listed in ``--help`` by the line kept for
each in :data:`_COMMANDS` (``tests/test_cli.py`` checks it against the line
its module registers).  ``completion``, the docs and ``build_parser()``
without a command get every command's options.  A command module imports at
its top only what its commands need to build their options; the modules that
would slow a start (the store and sqlite3, the lxml parser, the diff engine,
the curated notes, the socket audit, shtab) are imported inside the one
function that needs each, most of them behind
:func:`~ianaports.cli._common.release` and its neighbours.

The exit codes, what each means and which error gives which are in
:mod:`ianaports.cli._exit` (and at the end of every ``--help``).
"""

from __future__ import annotations

import os
import sys

from ._basics import OUTPUT_ERRNOS, Output, Terminated, sigterm_unwinds, silence_stdout, standard_stream
from ._commands import COMMANDS as _COMMANDS  # noqa: F401 - the list of commands, as before
from ._exit import (
    EXIT_CACHE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NEW_LISTENERS,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_SOURCE,
    EXIT_TERMINATED,
    EXIT_USAGE,
)

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn, TextIO

    from ._main import build_parser
    from .changes import resolve_release

__all__ = [
    "EXIT_CACHE",
    "EXIT_INTERNAL",
    "EXIT_NEW_LISTENERS",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_SOURCE",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "resolve_release",
    "run",
]

#: Set (to anything but empty) to send every command line to the full path: for tests comparing the two
#: paths, and to rule the quick path out when chasing a difference.  Not a user option.
FULL_PATH_ENV = "_IANAPORTS_FULL_PATH"


def __getattr__(name: str) -> object:
    """``build_parser`` and ``resolve_release``, from :mod:`._main` and :mod:`.changes` when first used."""
    if name == "build_parser":
        from ._main import build_parser  # noqa: PLC0415 - argparse only for the full path

        return build_parser
    if name == "resolve_release":
        from .changes import resolve_release  # noqa: PLC0415 - loaded on first use

        return resolve_release
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line; return the exit code instead of exiting."""
    out = Output(
        stdout or standard_stream(sys.stdout, "output"),
        stderr or standard_stream(sys.stderr, "error", swallow=True),
    )
    arguments = list(sys.argv[1:] if argv is None else argv)
    with sigterm_unwinds():
        code = _quick_answer(arguments, out)
        if code is not None:
            return code
        from ._main import run_full  # noqa: PLC0415 - argparse and every command only when needed

        return run_full(arguments, out)


def _quick_answer(arguments: list[str], out: Output) -> int | None:
    """The exit code of a command line the quick path answered and printed; None when it left it to the full path.

    The quick path only reads: it computes the whole answer and prints
    nothing, so whatever goes wrong while it computes (a store it does not
    know, a bug) leaves the command line to the full path, which then prints
    the one answer.  What goes wrong while printing is handled as the full
    path handles it (:func:`ianaports.cli._main.run_full`).
    """
    if os.environ.get(FULL_PATH_ENV):
        return None
    try:
        from ._quick import answer  # noqa: PLC0415 - only here, after the switch

        found = answer(arguments, out)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM (Terminated) while it reads
        return _interrupted(exc, out)
    except Exception:  # noqa: BLE001 - nothing is printed yet: the full path answers, or says what is wrong
        return None
    if found is None:
        return None
    return _print(found, out)


def _interrupted(exc: KeyboardInterrupt, out: Output) -> int:
    """Say so and give the exit code, as the full path does for SIGTERM (143) and Ctrl-C (130)."""
    if isinstance(exc, Terminated):
        out.message("ianaports: terminated")
        return EXIT_TERMINATED
    out.message("ianaports: interrupted")
    return EXIT_INTERRUPTED


def _print(found: tuple[int, str, str], out: Output) -> int:
    """Write a quick answer (exit code, stdout text, stderr text) with the full path's handling of a failing stdout."""
    code, printed, said = found
    try:
        out.stdout.write(printed)
        if said:
            out.stderr.write(said)
        out.stdout.flush()  # a full stdout fails here, not at exit
    except KeyboardInterrupt as exc:
        return _interrupted(exc, out)
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, as Unix tools do.
        silence_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            raise
        silence_stdout()
        out.message(f"ianaports: cannot write the output: {exc.strerror or exc}")
        return EXIT_OUTPUT
    except Exception as exc:  # noqa: BLE001 - a bug, not bad input: one line, as the full path says it
        out.message(f"ianaports: internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)")
        return EXIT_INTERNAL
    return code


def run() -> NoReturn:
    """Console-script entry point: run :func:`main` and exit with its code."""
    raise SystemExit(main())
