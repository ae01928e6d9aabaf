"""Every JSON document the command line builds itself, one function each (docs/schema.md lists their keys).

The documents of ``sync``, ``diff``, ``history``, ``explain`` and ``export``
come from the library (``SyncResult.to_json``, ``ianaports.render_diff``,
``ianaports.explain_render``, ``ianaports.render``); these are the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ianaports.render import record_to_json

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ianaports.enrich import NoteCheck, NoteSet
    from ianaports.listen import AuditedListener, BaselineDiff
    from ianaports.model import ServiceRecord
    from ianaports.registry import RecordSource, Registry
    from ianaports.store import ReleaseInfo

JsonDict = dict[str, Any]

__all__ = [
    "baseline_change_document",
    "completion_document",
    "export_summary_document",
    "free_ports_document",
    "listeners_document",
    "no_explanation_document",
    "note_checks_document",
    "notes_document",
    "records_document",
    "stats_document",
    "versions_document",
]


def records_document(registry: RecordSource, records: Sequence[ServiceRecord]) -> JsonDict:
    """``show`` and ``search``: the records found, and the release they come from."""
    return {"updated": registry.updated.isoformat(), "records": [record_to_json(record) for record in records]}


def no_explanation_document(query: str, registry: RecordSource) -> JsonDict:
    """``explain`` when the release holds nothing for *query*."""
    return {"query": query, "updated": registry.updated.isoformat(), "records": []}


def free_ports_document(registry: Registry, span: tuple[int, int], protocol: str | None, ports: list[int]) -> JsonDict:
    """``free``: the unassigned ports listed, from the span and protocol asked."""
    return {"updated": registry.updated.isoformat(), "range": list(span), "protocol": protocol, "ports": ports}


def stats_document(registry: Registry, stats: JsonDict) -> JsonDict:
    """``stats``: :func:`ianaports.registry.port_statistics`, with the release date."""
    return {"updated": registry.updated.isoformat(), **stats}


def export_summary_document(fmt: str, output: str, registry: Registry) -> JsonDict:
    """``export -o FILE --json``: what was written where."""
    from pathlib import Path  # noqa: PLC0415 - pathlib only once a file is written

    path = Path(output)
    return {
        "format": fmt,
        "output": str(path.absolute()),
        "updated": registry.updated.isoformat(),
        "records": len(registry.records),
        "bytes": path.stat().st_size,
    }


def versions_document(cache_dir: Path, releases: Sequence[ReleaseInfo], problems: list[str] | None) -> JsonDict:
    """``versions``: the stored releases; with ``--check``, also the problems found (*problems* not None)."""
    data: JsonDict = {"cache_dir": str(cache_dir), "releases": [release.to_json() for release in releases]}
    if problems is not None:
        data["problems"] = problems
    return data


def notes_document(notes: NoteSet) -> JsonDict:
    """``notes list``: the notes in effect and the files they come from."""
    from ianaports.explain_render import note_to_json  # noqa: PLC0415 - the page renderer only for this document

    return {"files": list(notes.files), "notes": [note_to_json(note) for note in notes]}


def note_checks_document(registry: Registry, checks: Sequence[NoteCheck]) -> JsonDict:
    """``notes check``: one entry per note checked against *registry*."""
    return {
        "updated": registry.updated.isoformat(),
        "checks": [
            {
                "id": check.note.id,
                "status": check.status.value,
                "needs_attention": check.needs_attention,
                "explanation": check.explanation,
                "records": len(check.records),
                "fingerprint": check.fingerprint,
                "checked_against": None
                if check.note.checked_against is None
                else check.note.checked_against.release.isoformat(),
                "source": check.note.sources[-1],
            }
            for check in checks
        ],
    }


def listeners_document(registry: RecordSource, audited: Sequence[AuditedListener]) -> JsonDict:
    """``listening``: every socket audited against *registry*."""
    from ianaports.listen import audited_to_json  # noqa: PLC0415 - the socket audit only for its documents

    return {"updated": registry.updated.isoformat(), "listeners": [audited_to_json(item) for item in audited]}


def baseline_change_document(change: BaselineDiff) -> JsonDict:
    """``listening --baseline``: new, gone and re-owned listeners."""
    from ianaports.listen import listener_to_json  # noqa: PLC0415 - the socket audit only for its documents

    return {
        "new": [listener_to_json(item) for item in change.new],
        "gone": [listener_to_json(item) for item in change.gone],
        "changed_owner": [
            {"before": listener_to_json(old), "now": listener_to_json(new)} for old, new in change.changed_owner
        ],
    }


def completion_document(shell: str, script: str) -> JsonDict:
    """``completion --json``: the script and its shell."""
    return {"shell": shell, "script": script}
