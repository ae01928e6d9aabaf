"""The full command line: argparse, every command's options, and the one handler of every error.

:func:`run_full` is what :func:`ianaports.cli.main` runs for every command line
the quick path (:mod:`._quick`) leaves: it builds the parser of the one
command named (:func:`build_parser`), runs its handler and turns every error
into one stderr line and an exit code (:mod:`._exit`).
"""

from __future__ import annotations

import argparse
import importlib
import os
from typing import TYPE_CHECKING

from ianaports import __version__
from ianaports.errors import IanaportsError

from ._basics import OUTPUT_ERRNOS, Terminated, silence_stdout
from ._commands import COMMANDS as _COMMANDS
from ._common import DEBUG_HELP, CommandParser, Parser, epilog
from ._exit import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUTPUT,
    EXIT_TERMINATED,
    EXIT_USAGE,
    UsageError,
    exit_code,
    hint,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._basics import Output
    from ._common import Handler


__all__ = ["build_parser", "run_full"]

#: The commands whose run needs every command's options (completion prints a script of the whole parser).
_WHOLE_PARSER = frozenset({"completion"})


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
            add = getattr(importlib.import_module(f".{module}", __package__), "add_" + name.replace("-", "_"))
            add(commands)
        else:
            commands.add_parser(name, help=help_line)
    # completion prints a script generated from this very parser; handing it over here
    # keeps the command modules from importing this package back.
    parser.set_defaults(root_parser=parser)
    return parser


def run_full(arguments: list[str], out: Output) -> int:
    """Parse *arguments* with argparse and run the command's handler: every command, every form, every error."""
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
    except Terminated:
        out.message("ianaports: terminated")
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        out.message("ianaports: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (head, less) went away: stop quietly, as Unix tools do.
        silence_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS or debug:
            raise
        # What the store and export write is wrapped in their own errors: a bare one is stdout (> /dev/full).
        silence_stdout()
        out.message(f"ianaports: cannot write the output: {exc.strerror or exc}")
        return EXIT_OUTPUT
    except Exception as exc:
        # A bug, not bad input: still one line for the user, the traceback on request.
        if debug:
            raise
        out.message(f"ianaports: internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)")
        return EXIT_INTERNAL
    return code


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
        import difflib  # noqa: PLC0415 - only a mistyped command needs it

        close = difflib.get_close_matches(commands[0], list(known), n=1)
        guess = f"; did you mean '{close[0]}'?" if close else ""
        message = f"ianaports: unknown command {commands[0]!r}{guess}"
    return f"{message} (see 'ianaports {command}--help')"
