"""ianaports: a typed, versioned local copy of IANA's service-name and port-number registry.

>>> import ianaports
>>> registry = ianaports.parse("service-names-port-numbers.xml")  # doctest: +SKIP
>>> registry.lookup(2304)  # doctest: +SKIP
(<ServiceRecord attachmate-uts 2304/tcp: 'Attachmate UTS'>, ...)
"""

from __future__ import annotations

from .errors import (
    CacheError,
    FetchError,
    IanaportsError,
    InvalidArgumentError,
    MissingDependencyError,
    NotesError,
    NotFoundError,
    ParseError,
    StaleDataWarning,
    SuspectReleaseError,
)

# Not typing.TYPE_CHECKING: importing typing costs more than the rest of this module (mypy reads the name).
TYPE_CHECKING = False


if TYPE_CHECKING:
    from typing import Any

    from ._sync import FileFailure, ImportProgress, SourceOutcome, SyncResult, load, sync, versions
    from .changes import (
        Deassignment,
        DeassignmentStatus,
        FieldChange,
        History,
        HistoryEvent,
        PortChange,
        RecordChange,
        RegistryDiff,
        Rename,
        SpanSplit,
        diff,
        history,
    )
    from .explainer import ExplainView, explain
    from .listen import AuditedListener, Flag, FlagCode, Listener, listening
    from .model import (
        PartialDate,
        Person,
        PortRange,
        Protocol,
        Reference,
        ReferenceKind,
        ServiceRecord,
        Status,
        record_status,
    )
    from .netdb import getservbyname, getservbyport
    from .notes import Note, NoteSet, load_notes
    from .parser import ParseWarning, parse
    from .ranges import PortClass, classify
    from .registry import RecordSource, Registry
    from .store import ReleaseInfo, Store

__version__ = "0.1.0"

__all__ = [
    "AuditedListener",
    "CacheError",
    "Deassignment",
    "DeassignmentStatus",
    "ExplainView",
    "FetchError",
    "FieldChange",
    "FileFailure",
    "Flag",
    "FlagCode",
    "History",
    "HistoryEvent",
    "IanaportsError",
    "ImportProgress",
    "InvalidArgumentError",
    "Listener",
    "MissingDependencyError",
    "NotFoundError",
    "Note",
    "NoteSet",
    "NotesError",
    "ParseError",
    "ParseWarning",
    "PartialDate",
    "Person",
    "PortChange",
    "PortClass",
    "PortRange",
    "Protocol",
    "RecordChange",
    "RecordSource",
    "Reference",
    "ReferenceKind",
    "Registry",
    "RegistryDiff",
    "ReleaseInfo",
    "Rename",
    "ServiceRecord",
    "SourceOutcome",
    "SpanSplit",
    "StaleDataWarning",
    "Status",
    "Store",
    "SuspectReleaseError",
    "SyncResult",
    "__version__",
    "classify",
    "diff",
    "explain",
    "getservbyname",
    "getservbyport",
    "history",
    "listening",
    "load",
    "load_notes",
    "parse",
    "record_status",
    "sync",
    "versions",
]

# Every name but the errors is loaded on first use: its module imports attrs, lxml, requests or
# sqlite3, or reads data files, and ``import ianaports`` (every command's first step) pays for none.
_LAZY = {
    "PartialDate": ".model",
    "Person": ".model",
    "PortRange": ".model",
    "Protocol": ".model",
    "Reference": ".model",
    "ReferenceKind": ".model",
    "ServiceRecord": ".model",
    "Status": ".model",
    "record_status": ".model",
    "PortClass": ".ranges",
    "classify": ".ranges",
    "RecordSource": ".registry",
    "Registry": ".registry",
    "Deassignment": ".changes",
    "DeassignmentStatus": ".changes",
    "FieldChange": ".changes",
    "History": ".changes",
    "HistoryEvent": ".changes",
    "PortChange": ".changes",
    "RecordChange": ".changes",
    "Rename": ".changes",
    "RegistryDiff": ".changes",
    "SpanSplit": ".changes",
    "diff": ".changes",
    "history": ".changes",
    "parse": ".parser",
    "ParseWarning": ".parser",
    "ReleaseInfo": ".store",
    "Store": ".store",
    "FileFailure": "._sync",
    "ImportProgress": "._sync",
    "SourceOutcome": "._sync",
    "SyncResult": "._sync",
    "load": "._sync",
    "sync": "._sync",
    "versions": "._sync",
    "getservbyname": ".netdb",
    "getservbyport": ".netdb",
    "ExplainView": ".explainer",
    "explain": ".explainer",
    "Note": ".notes",
    "NoteSet": ".notes",
    "load_notes": ".notes",
    "AuditedListener": ".listen",
    "Flag": ".listen",
    "FlagCode": ".listen",
    "Listener": ".listen",
    "listening": ".listen",
}


def __getattr__(name: str) -> Any:  # noqa: ANN401 - returns whatever the lazy name is
    module_name = _LAZY.get(name)
    if module_name is None:
        msg = f"module 'ianaports' has no attribute {name!r}"
        raise AttributeError(msg)
    import importlib  # noqa: PLC0415 - imported on use to keep start-up fast

    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value
