"""The ``ianaports`` command line: the only package that prints.

What it prints with ``--json`` it does not build: every document comes from
:mod:`ianaports.render.json`.  Where things are:

``__init__``
    :func:`main` (the one handler that turns every error into one stderr line
    and an exit code), :func:`run` (the console script) and
    :func:`build_parser`, which lists every command in ``--help`` order.
``_exit``
    the exit codes, their ``--help`` epilog, and which error gives which code.
``_common``
    :class:`Output`, :func:`add_command` (the one way a command is
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

Start-up: ``--help``, ``--version`` and ``import ianaports.cli`` load neither
lxml, requests, psutil nor sqlite3, and no command module.  A run imports
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

import argparse
import contextlib
import difflib
import errno
import importlib
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, NoReturn, TextIO

from ianaports import __version__
from ianaports.errors import IanaportsError

from ._common import DEBUG_HELP, CommandParser, Output, Parser, epilog
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
    UsageError,
    exit_code,
    hint,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ._common import Handler
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

#: Every command, in the order ``ianaports --help`` lists them: its name, the module of
#: ``ianaports.cli`` that registers it (with ``add_NAME``), and its line in ``--help``.
_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("show", "lookup", "show the records of a port, span or service name"),
    ("search", "lookup", "search service names and descriptions"),
    ("free", "lookup", "list ports IANA has not assigned, for an internal service"),
    ("check-name", "names", "check a service name before applying for it (RFC 6335 rules, taken, similar names)"),
    ("stats", "lookup", "count assignments per RFC 6335 range and protocol"),
    ("export", "cache", "write the registry as IANA's CSV, JSON, JSON Lines, /etc/services or its original XML"),
    ("listening", "audit", "audit what listens on this machine against IANA's registry"),
    ("completion", "completion", "print a shell completion script (bash, zsh, fish, tcsh, powershell)"),
    ("explain", "lookup", "explain a port or service name as a page (text, markdown, html, json)"),
    ("notes", "audit", "list the curated notes or check them against the registry"),
    ("diff", "changes", "show what changed between two releases"),
    ("history", "changes", "show when a port or name appeared, changed and disappeared across stored releases"),
    ("site", "site", "write a static website of every port, name and release, with feeds and JSON"),
    ("feed", "site", "write a feed of what changed at IANA, one entry per stored release"),
    ("sync", "cache", "refresh the local cache from IANA, a mirror, a file, a folder of releases or a git repository"),
    ("versions", "cache", "list the registry releases kept in the local store"),
    ("rebuild", "cache", "recreate the store's index from its archive (after damage, or to re-derive everything)"),
    (
        "remove-release",
        "cache",
        "take a stored release out of the store (a forged or broken one), keeping its bytes; --undo restores",
    ),
    ("backup", "cache", "write a consistent copy of the whole store to a tar file, even while a sync runs"),
    ("build-data", "data", "build the ianaports_data wheel of one release (for maintainers)"),
)
#: The commands whose run needs every command's options (completion prints a script of the whole parser).
_WHOLE_PARSER = frozenset({"completion"})


def __getattr__(name: str) -> object:
    """``resolve_release``, re-exported from :mod:`.changes` without importing it at start-up."""
    if name == "resolve_release":
        from .changes import resolve_release  # noqa: PLC0415 - loaded on first use

        return resolve_release
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``ianaports`` command (also used to document it).

    Without *command*, every command gets its options.  With one, only that
    command's module is imported and its options added; every other command
    is listed by its ``--help`` line alone, which is all ``ianaports --help``
    and argparse's choice of command need (``""`` lists them all that way).
    """
    parser = Parser(
        prog="ianaports",
        description="A typed, versioned local copy of IANA's service-name and port-number registry.",
        epilog=epilog(
            [
                "ianaports sync                 # keep the local copy current (cron: --quiet)",
                "ianaports show 2304",
                "ianaports search kerberos --json",
                "ianaports sync && ianaports diff   # what the newest release changed",
                "ianaports COMMAND --help        # every command has examples and --json (docs/schema.md)",
            ]
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ianaports {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name, module, help_line in _COMMANDS:
        if command is None or name == command:
            add = getattr(importlib.import_module(f".{module}", __name__), "add_" + name.replace("-", "_"))
            add(commands)
        else:
            commands.add_parser(name, help=help_line)
    # completion prints a script generated from this very parser; handing it over here
    # keeps the command modules from importing this package back.
    parser.set_defaults(root_parser=parser)
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line; return the exit code instead of exiting."""
    out = Output(stdout or sys.stdout, stderr or sys.stderr)
    arguments = list(sys.argv[1:] if argv is None else argv)
    with _sigterm_unwinds():
        return _run(arguments, out)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C, so that every cleanup of the command runs."""


def _raise_terminated(signum: int, frame: object) -> NoReturn:
    del signum, frame
    raise _Terminated


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While a command runs, SIGTERM unwinds it (transactions roll back, connections close) instead of killing it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a signal handler
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(arguments: list[str], out: Output) -> int:
    debug = "--debug" in arguments
    try:
        _refuse_undecodable(arguments)
        args = build_parser(_command_of(arguments)).parse_args(arguments)
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:
            raise UsageError("ianaports: a command is required (try 'ianaports --help')")
        code = handler(args, out)
        out.stdout.flush()  # a full stdout fails here, inside the handler below, not at exit
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except UsageError as exc:
        out.message(_usage_message(str(exc), arguments))
        return EXIT_USAGE
    except IanaportsError as exc:
        if debug:
            raise
        out.message(f"ianaports: {exc}{hint(exc)}")
        return exit_code(exc)
    except _Terminated:
        out.message("ianaports: terminated")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        out.message("ianaports: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, as Unix tools do.
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS or debug:
            raise
        # What the store and export write is wrapped in their own errors: a bare one is stdout (> /dev/full).
        _silence_stdout()
        out.message(f"ianaports: cannot write the output: {exc.strerror or exc}")
        return EXIT_OUTPUT
    except Exception as exc:
        # A bug, not bad input: still one line for the user, the traceback on request.
        if debug:
            raise
        out.message(f"ianaports: internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)")
        return EXIT_INTERNAL
    return code


#: A write that fails for want of room: a full disk or quota, a file too large, a device error.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _refuse_undecodable(arguments: Sequence[str]) -> None:
    """Refuse an argument that is not UTF-8 (Python holds its bad bytes as lone surrogates, which cannot be printed)."""
    for position, argument in enumerate(arguments, 1):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(argument).decode("utf-8", errors="backslashreplace")
            raise UsageError(
                f"argument {position} is not UTF-8 text: '{shown}' (ianaports takes UTF-8 arguments)"
            ) from None


def _command_of(arguments: Sequence[str]) -> str | None:
    """The command a run names, whose module alone :func:`build_parser` imports; None for the whole parser.

    Before the command, ``ianaports`` takes only options without a value
    (``--debug``, ``--help``, ``--version``), so the first other word is the
    command; ``""`` (no command, or an unknown one) imports no command module.
    """
    word = next((argument for argument in arguments if not argument.startswith("-")), "")
    if word in _WHOLE_PARSER:
        return None
    return word if any(word == name for name, _, _ in _COMMANDS) else ""


def _usage_message(message: str, arguments: Sequence[str]) -> str:
    """One line: the problem, then where to read how the command is used."""
    if not message.startswith("ianaports"):
        message = f"ianaports: {message}"
    if "--help" in message:
        return message
    known = {name for name, _, _ in _COMMANDS}
    commands = [word for word in arguments if not word.startswith("-")][:1]
    command = f"{commands[0]} " if commands and commands[0] in known else ""
    if commands and not command and "invalid choice" in message:
        # argparse lists every command; a close one is the likelier help.
        close = difflib.get_close_matches(commands[0], list(known), n=1)
        guess = f"; did you mean '{close[0]}'?" if close else ""
        message = f"ianaports: unknown command {commands[0]!r}{guess}"
    return f"{message} (see 'ianaports {command}--help')"


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def run() -> NoReturn:
    """Console-script entry point: run :func:`main` and exit with its code."""
    raise SystemExit(main())
