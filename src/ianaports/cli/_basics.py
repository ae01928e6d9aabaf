"""What every run of the command line needs, quick or full: output, signals and a failing stdout.

This module imports only the standard library's lightest modules (no typing,
re, json or argparse at its top), because the quick path
(:mod:`ianaports.cli._quick`) runs on it as well as the full one
(:mod:`ianaports.cli._main`).
"""

from __future__ import annotations

import errno
import os
import sys

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    import signal as signals
    from typing import Any, NoReturn, TextIO
else:
    try:
        # The C half of `signal`, loaded with the interpreter: `signal` itself adds enum
        # and functools, about 3 ms of a 23 ms quick answer, for names we do not use.
        import _signal as signals
    except ImportError:  # an interpreter without it
        import signal as signals

__all__ = [
    "OUTPUT_ERRNOS",
    "PROTOCOL_CHOICES",
    "ClosedStream",
    "Output",
    "Terminated",
    "is_terminal",
    "sigterm_unwinds",
    "silence_stdout",
    "standard_stream",
]

#: The transport protocols --protocol and a ``PORT/PROTOCOL`` query accept.
PROTOCOL_CHOICES = ("tcp", "udp", "sctp", "dccp")

#: A write that fails for want of room (a full disk or quota, a file too large), a device error,
#: or a stream the shell closed (``>&-``, see :class:`ClosedStream`).
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF})


class ClosedStream:
    """Stands in for a standard stream the shell closed (``show 2304 >&-``), which Python sets to None.

    Without it the first write is an AttributeError, an "internal error" (exit 70);
    with it, writing results is the output error (exit 73) a full disk gets, and a
    command with nothing to print (``sync --quiet``) runs as usual.  A closed stderr
    swallows messages: there is nowhere left to say them.
    """

    def __init__(self, name: str, *, swallow: bool = False) -> None:
        self.name = name
        self.swallow = swallow

    def write(self, text: str) -> int:
        """Fail as a write to a closed descriptor does, or drop *text* when swallowing."""
        if self.swallow:
            return len(text)
        raise OSError(errno.EBADF, f"standard {self.name} is closed")

    def flush(self) -> None:
        """Nothing is buffered."""

    def isatty(self) -> bool:
        """A closed stream is no terminal."""
        return False

    @property
    def buffer(self) -> ClosedStream:
        """The binary side, for commands that write bytes (export): closed alike."""
        return self


def standard_stream(stream: TextIO | None, name: str, *, swallow: bool = False) -> TextIO:
    """*stream* (``sys.stdout``, ``sys.stderr``), or a :class:`ClosedStream` where the shell closed it."""
    if stream is not None:
        return stream
    return ClosedStream(name, swallow=swallow)  # type: ignore[return-value]  # has the calls a command makes


class Output:
    """Where a command writes: stdout for results, stderr for messages."""

    def __init__(self, stdout: TextIO, stderr: TextIO) -> None:
        self.stdout = stdout
        self.stderr = stderr

    @property
    def is_terminal(self) -> bool:
        """True when stdout is an interactive terminal (aligned tables, colour allowed)."""
        return is_terminal(self.stdout)

    @property
    def messages_to_terminal(self) -> bool:
        """True when stderr is an interactive terminal (progress and chatter allowed)."""
        return is_terminal(self.stderr)

    @property
    def use_colour(self) -> bool:
        """Colour only on a terminal and never when NO_COLOR is set (https://no-color.org)."""
        return self.is_terminal and not os.environ.get("NO_COLOR")

    def line(self, text: str = "") -> None:
        """Write one line of results."""
        self.stdout.write(text + "\n")

    def json(self, data: Any) -> None:  # noqa: ANN401 - any JSON-serialisable value
        """Write a JSON document, in one write (``json.dump`` makes one per piece, slow on an unbuffered stdout)."""
        from ianaports.render.jsontext import dumps_indented  # noqa: PLC0415 - a quick answer never loads json

        self.stdout.write(dumps_indented(data) + "\n")

    def message(self, text: str) -> None:
        """Write one line to stderr."""
        self.stderr.write(text + "\n")


def is_terminal(stream: TextIO) -> bool:
    """True when *stream* is an interactive terminal."""
    return bool(getattr(stream, "isatty", lambda: False)())


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C, so that every cleanup of the command runs."""


def _raise_terminated(signum: int, frame: object) -> NoReturn:
    del signum, frame
    raise Terminated


class sigterm_unwinds:  # noqa: N801 - used as the function it was: with sigterm_unwinds(): ...
    """While a command runs, SIGTERM unwinds it (transactions roll back, connections close) instead of killing it.

    A class rather than ``contextlib.contextmanager``, which a quick answer would import for this alone.
    """

    def __init__(self) -> None:
        self.previous: Any = None
        self.installed = False

    def __enter__(self) -> None:
        try:
            self.previous = signals.signal(signals.SIGTERM, _raise_terminated)
        except ValueError:  # only the main thread may set a signal handler
            return
        self.installed = True

    def __exit__(self, *exc_info: object) -> None:
        if self.installed:
            # None: the handler was not set from Python (an embedding program); the default is what it had.
            signals.signal(signals.SIGTERM, signals.SIG_DFL if self.previous is None else self.previous)
            self.installed = False


def silence_stdout() -> None:
    """Point stdout at the null device, so that Python's flush at exit fails no more (a closed pipe, a full disk)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
