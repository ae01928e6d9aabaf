"""The exit codes of the ``ianaports`` command, what each means, and which error gives which.

What each code means is written once, in :data:`EXIT_CODES_HELP`, the epilog
that ends every ``--help``; :func:`exit_code` says which error gives which.
"""

from __future__ import annotations

from ianaports.errors import (
    FetchError,
    IanaportsError,
    InvalidArgumentError,
    MissingDependencyError,
    NotesError,
    NotFoundError,
    ParseError,
)

__all__ = [
    "EXIT_CACHE",
    "EXIT_CODES_HELP",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_NEW_LISTENERS",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_SOURCE",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "OutputError",
    "UsageError",
    "exit_code",
    "hint",
]

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_SOURCE = 3
EXIT_CACHE = 4
EXIT_NEW_LISTENERS = 5
EXIT_INTERNAL = 70
#: The output could not be written (sysexits' EX_CANTCREAT): ``export -o`` to a missing folder, a full stdout.
EXIT_OUTPUT = 73
#: Ctrl-C, as shells report a process ended by SIGINT.
EXIT_INTERRUPTED = 130
#: SIGTERM (``kill``, a service manager stopping a timer), as shells report it: 128 + 15.
EXIT_TERMINATED = 143

#: The epilog of ``ianaports --help`` and of every command's ``--help``.
EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  nothing found
  2  usage error (bad arguments, or a bad listening --baseline file)
  3  network or source error (fetch failed, file unreadable or not a registry)
  4  cache or store error (no store yet, corrupt, read-only or full disk)
  5  listening --baseline: something listens now that did not at the baseline
  70 internal error (a bug: please report it; --debug shows the traceback)
  73 output error (export -o or backup to a missing folder, a full disk, stdout full)
  130 interrupted (Ctrl-C)
  143 terminated by SIGTERM (the store is left as it was)
"""


class UsageError(IanaportsError):
    """The command line itself is wrong: exit code 2."""


class OutputError(IanaportsError):
    """The command's output (a file it was told to write, or stdout) cannot be written: exit code 73."""


def exit_code(exc: IanaportsError) -> int:
    """The exit code of a library error that reached the command line."""
    # A bad argument is the user's to fix (a --baseline file that is missing, say): a usage error.
    if isinstance(exc, UsageError | MissingDependencyError | InvalidArgumentError):
        return EXIT_USAGE
    if isinstance(exc, FetchError | ParseError | NotesError):
        return EXIT_SOURCE
    if isinstance(exc, NotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(exc, OutputError):
        return EXIT_OUTPUT
    return EXIT_CACHE


def hint(exc: IanaportsError) -> str:
    """A few words after the error's own message that point at the likely cause, or nothing."""
    if isinstance(exc, ParseError) and exc.location is not None:
        return " (is this IANA's service-names-port-numbers.xml?)"
    return ""
