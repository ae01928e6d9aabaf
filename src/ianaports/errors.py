"""The exception hierarchy: every error ianaports raises derives from IanaportsError."""

from __future__ import annotations

__all__ = [
    "CacheError",
    "FetchError",
    "IanaportsError",
    "InvalidArgumentError",
    "MissingDependencyError",
    "NotFoundError",
    "NotesError",
    "ParseError",
    "StaleDataWarning",
    "SuspectReleaseError",
]


class IanaportsError(Exception):
    """Base class of every error raised by ianaports."""


class ParseError(IanaportsError, ValueError):
    """A registry document could not be parsed.

    ``location`` says where, as precisely as known: ``"line 412, record[87].number"``.
    """

    def __init__(self, message: str, *, location: str | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class InvalidArgumentError(IanaportsError, ValueError):
    """An argument to the API is out of range, of the wrong type or not a known value.

    A port above 65535 or that is no whole number (``lookup(80.5)``,
    ``lookup(True)``, ``lookup("80")``), protocol ``"xyz"``, ``search(None)``.
    It is a :class:`ValueError`, whatever the cause, so one ``except`` catches all.
    """


class NotFoundError(IanaportsError, LookupError):
    """The caller named one thing (a service, a release) that does not exist."""


class FetchError(IanaportsError):
    """A registry could not be fetched from any source (network, HTTP, file)."""


class SuspectReleaseError(FetchError):
    """A fetched release looks wrong (far fewer records than before) and was refused."""


class CacheError(IanaportsError):
    """The local cache or version store cannot be read or written."""


class NotesError(IanaportsError, ValueError):
    """A curated notes file is malformed; the message names the file, note and field."""


class MissingDependencyError(IanaportsError):
    """An optional dependency is not installed; the message says which extra to install."""


class StaleDataWarning(UserWarning):
    """The registry answering is not the store's fresh one.

    Either the cached registry is older than requested and could not be
    refreshed, or the store is empty and the data package (``ianaports_data``)
    answers: the message names its release and that ``ianaports sync`` brings
    the newest.
    """
