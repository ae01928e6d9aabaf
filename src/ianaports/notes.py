"""Curated notes beside IANA's bare records: their types, reading and checking.

Notes are data (``notes/*.toml`` inside the package, plus user overlays), read
and validated here; records are never changed, views are built beside them
(:mod:`ianaports.explainer`).  :func:`check_notes` says which notes IANA's
records have moved away from since a curator last checked them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .errors import NotesError
from .model import PortRange, Protocol, ServiceRecord, TextEnum

if TYPE_CHECKING:
    import enum
    from collections.abc import Iterable, Iterator, Mapping

    from .registry import Registry

__all__ = [
    "NOTES_PATH_ENV",
    "CheckStatus",
    "CheckedAgainst",
    "Confidence",
    "Note",
    "NoteCheck",
    "NoteFiles",
    "NoteMatch",
    "NoteReference",
    "NoteSet",
    "NoteStatus",
    "TimelineEvent",
    "UnofficialUse",
    "builtin_notes_dir",
    "check_notes",
    "load_notes",
    "notes_index",
    "notes_index_source",
    "read_notes",
    "records_fingerprint",
]

#: Extra note files or folders, separated by ``os.pathsep``; later ones win.
NOTES_PATH_ENV = "IANAPORTS_NOTES_PATH"

# --- the typed values ---


class NoteStatus(TextEnum):
    """Whether the product behind a port is still around."""

    ACTIVE = "active"
    LEGACY = "legacy"
    DEFUNCT = "defunct"
    UNKNOWN = "unknown"


class Confidence(TextEnum):
    """How far a claimed unofficial use can be trusted."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@attrs.frozen(kw_only=True)
class NoteMatch:
    """Which records a note speaks about: names and/or ports, optionally protocols.

    Every given criterion must hold: ``names=("ssh",), ports=(22,)`` matches
    ssh on 22 in any protocol, not ssh elsewhere nor other names on 22.
    """

    names: tuple[str, ...] = ()
    ports: tuple[PortRange, ...] = ()
    protocols: tuple[Protocol, ...] = ()

    def matches(self, record: ServiceRecord) -> bool:
        """True when *record* is one this note speaks about."""
        if self.names and (record.name or "").lower() not in self.names:
            return False
        if self.ports and (record.ports is None or not any(span.overlaps(record.ports) for span in self.ports)):
            return False
        return not self.protocols or record.protocol in self.protocols

    def covers_port(self, port: int) -> bool:
        """True for a port-only note whose ports hold *port* (it speaks even of unassigned ports)."""
        return not self.names and any(port in span for span in self.ports)

    def describe(self) -> str:
        """A short human form: ``ssh 22 tcp``."""
        parts = [*self.names, *(str(span) for span in self.ports), *(str(p) for p in self.protocols)]
        return " ".join(parts)


@attrs.frozen(kw_only=True)
class TimelineEvent:
    """A dated event: ``date`` is ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

    date: str
    event: str


@attrs.frozen(kw_only=True)
class UnofficialUse:
    """A use of the port that IANA did not assign, with how sure we are and who says so."""

    description: str
    confidence: Confidence
    source: str


@attrs.frozen(kw_only=True)
class NoteReference:
    """A source a reader can follow."""

    title: str
    url: str


@attrs.frozen(kw_only=True)
class CheckedAgainst:
    """The release a note was last checked against and the fingerprint of its records then."""

    release: dt.date
    fingerprint: str


@attrs.frozen(kw_only=True)
class Note:
    """Curated knowledge about one service or port, beside IANA's record."""

    id: str
    match: NoteMatch
    summary: str
    vendor: str | None = None
    product: str | None = None
    status: NoteStatus = NoteStatus.UNKNOWN
    timeline: tuple[TimelineEvent, ...] = ()
    unofficial_uses: tuple[UnofficialUse, ...] = ()
    security: tuple[str, ...] = ()
    #: Names of the programs that usually serve it (``sshd``, ``nginx``): the listening audit's aliases.
    processes: tuple[str, ...] = ()
    references: tuple[NoteReference, ...] = ()
    checked_against: CheckedAgainst | None = None
    #: The files that contributed fields, earliest first.
    sources: tuple[str, ...] = ()

    def matches(self, record: ServiceRecord) -> bool:
        """True when this note speaks about *record*."""
        return self.match.matches(record)


# --- reading and validating ---

_ID_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
_EVENT_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_FINGERPRINT_RE = re.compile(r"sha256:[0-9a-f]{16}")
_NOTE_FIELDS = frozenset(
    {
        "id",
        "match",
        "summary",
        "vendor",
        "product",
        "status",
        "timeline",
        "unofficial_uses",
        "security",
        "processes",
        "references",
        "checked_against",
    }
)
_REQUIRED_FIELDS = ("match", "summary")


@attrs.frozen
class _Where:
    """Where a value came from, for error messages: file, note and field."""

    file: str
    note: str | None = None

    def fail(self, field: str | None, problem: str) -> NotesError:
        parts = [self.file]
        if self.note is not None:
            parts.append(f"note {self.note!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        return NotesError(": ".join([*parts, problem]))


def _text(where: _Where, field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.fail(field, f"must be a non-empty string, not {value!r}")
    return " ".join(value.split())


def _table(where: _Where, field: str, value: object, allowed: Iterable[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.fail(field, f"must be a table, not {type(value).__name__}")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise where.fail(field, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    return value


def _list(where: _Where, field: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        raise where.fail(field, f"must be a list, not {type(value).__name__}")
    return value


def _url(where: _Where, field: str, value: object) -> str:
    url = _text(where, field, value)
    # Only web links: a note must never smuggle javascript: or file: into a page.
    if not url.startswith(("https://", "http://")) or " " in url:
        raise where.fail(field, f"must be an http(s) URL, not {url!r}")
    return url


def _event_date(where: _Where, field: str, value: object) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else value
    if not isinstance(text, str) or (found := _EVENT_DATE_RE.fullmatch(text)) is None:
        raise where.fail(field, f"must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
    year, month, day = found.groups()
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise where.fail(field, f"not a calendar date: {text!r}") from None
    return text


def _match(where: _Where, value: object) -> NoteMatch:
    table = _table(where, "match", value, ("names", "ports", "protocol"))
    names = tuple(
        _text(where, "match.names", name).lower() for name in _list(where, "match.names", table.get("names", []))
    )
    spans: list[PortRange] = []
    for item in _list(where, "match.ports", table.get("ports", [])):
        try:
            spans.append(PortRange.single(item) if isinstance(item, int) else PortRange.from_text(str(item)))
        except (TypeError, ValueError) as exc:
            raise where.fail("match.ports", str(exc)) from None
    raw_protocols = table.get("protocol", [])
    raw_protocols = [raw_protocols] if isinstance(raw_protocols, str) else _list(where, "match.protocol", raw_protocols)
    try:
        protocols = tuple(Protocol(str(item).lower()) for item in raw_protocols)
    except ValueError as exc:
        raise where.fail("match.protocol", str(exc)) from None
    if not names and not spans:
        raise where.fail("match", "needs at least one of 'names' or 'ports'")
    return NoteMatch(names=names, ports=tuple(spans), protocols=protocols)


def _enum(where: _Where, field: str, value: object, kind: type[enum.Enum]) -> Any:  # noqa: ANN401 - the enum member
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(str(member.value) for member in kind)
        raise where.fail(field, f"must be one of {choices}, not {value!r}") from None


def _tables(where: _Where, name: str, value: object, allowed: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The tables of the list field *name*, each with its own field name (``timeline[2]``) for errors."""
    for index, item in enumerate(_list(where, name, value)):
        field = f"{name}[{index}]"
        yield field, _table(where, field, item, allowed)


def _timeline(where: _Where, value: object) -> tuple[TimelineEvent, ...]:
    events = [
        TimelineEvent(
            date=_event_date(where, f"{field}.date", table.get("date")),
            event=_text(where, f"{field}.event", table.get("event")),
        )
        for field, table in _tables(where, "timeline", value, ("date", "event"))
    ]
    return tuple(sorted(events, key=lambda event: event.date))


def _unofficial_uses(where: _Where, value: object) -> tuple[UnofficialUse, ...]:
    return tuple(
        UnofficialUse(
            description=_text(where, f"{field}.description", table.get("description")),
            confidence=_enum(where, f"{field}.confidence", table.get("confidence"), Confidence),
            source=_text(where, f"{field}.source", table.get("source")),
        )
        for field, table in _tables(where, "unofficial_uses", value, ("description", "confidence", "source"))
    )


def _references(where: _Where, value: object) -> tuple[NoteReference, ...]:
    return tuple(
        NoteReference(
            title=_text(where, f"{field}.title", table.get("title")),
            url=_url(where, f"{field}.url", table.get("url")),
        )
        for field, table in _tables(where, "references", value, ("title", "url"))
    )


def _checked_against(where: _Where, value: object) -> CheckedAgainst:
    table = _table(where, "checked_against", value, ("release", "fingerprint"))
    release = table.get("release")
    if isinstance(release, str):
        try:
            release = dt.date.fromisoformat(release)
        except ValueError:
            raise where.fail("checked_against.release", f"must be a YYYY-MM-DD date, not {release!r}") from None
    if not isinstance(release, dt.date) or isinstance(release, dt.datetime):
        raise where.fail("checked_against.release", f"must be a YYYY-MM-DD date, not {release!r}")
    fingerprint = table.get("fingerprint")
    if not isinstance(fingerprint, str) or not _FINGERPRINT_RE.fullmatch(fingerprint):
        raise where.fail("checked_against.fingerprint", f"must look like 'sha256:<16 hex digits>', not {fingerprint!r}")
    return CheckedAgainst(release=release, fingerprint=fingerprint)


def _note_fields(where: _Where, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The validated, converted fields a note table gives (any subset: overlays may be partial)."""
    converters: dict[str, Any] = {
        "match": lambda value: _match(where, value),
        "summary": lambda value: _text(where, "summary", value),
        "vendor": lambda value: _text(where, "vendor", value),
        "product": lambda value: _text(where, "product", value),
        "status": lambda value: _enum(where, "status", value, NoteStatus),
        "timeline": lambda value: _timeline(where, value),
        "unofficial_uses": lambda value: _unofficial_uses(where, value),
        "security": lambda value: tuple(_text(where, "security", item) for item in _list(where, "security", value)),
        "processes": lambda value: tuple(_text(where, "processes", item) for item in _list(where, "processes", value)),
        "references": lambda value: _references(where, value),
        "checked_against": lambda value: _checked_against(where, value),
    }
    return {field: converters[field](value) for field, value in raw.items() if field != "id"}


def _read_note_file(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """The (id, fields) pairs of one TOML notes file, each field validated."""
    # Imported here: a page that needs no note file (most unassigned ports) never loads the TOML parser.
    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # noqa: PLC0415

    where = _Where(str(path))
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise where.fail(None, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise where.fail(None, f"not UTF-8: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise where.fail(None, f"not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"note"})
    if unknown:
        raise where.fail(None, f"unknown top-level key {unknown[0]!r} (notes are [[note]] tables)")
    notes = []
    seen: set[str] = set()
    for index, raw in enumerate(_list(where, "note", document.get("note", []))):
        entry = _Where(str(path), f"#{index}")
        if not isinstance(raw, dict):
            raise entry.fail(None, f"must be a table, not {type(raw).__name__}")
        note_id = raw.get("id")
        if not isinstance(note_id, str) or not _ID_RE.fullmatch(note_id):
            raise entry.fail("id", f"must be lower-case letters, digits, '.', '_' or '-', not {note_id!r}")
        where = _Where(str(path), note_id)
        unknown = sorted(set(raw) - _NOTE_FIELDS)
        if unknown:
            raise where.fail(unknown[0], f"is not a note field (allowed: {', '.join(sorted(_NOTE_FIELDS))})")
        if note_id in seen:
            raise where.fail("id", "appears twice in this file")
        seen.add(note_id)
        notes.append((note_id, _note_fields(where, raw)))
    return notes


def builtin_notes_dir() -> Path:
    """The folder of notes shipped inside the package."""
    # Beside this module, as importlib.resources would say for an installed package, without importing it.
    return Path(__file__).with_name("notes")


def _note_files(source: Path) -> list[Path]:
    if source.is_dir():
        return sorted(source.glob("*.toml"))
    if source.is_file():
        return [source]
    raise NotesError(f"{source}: no such notes file or folder")


def _sources(
    paths: Iterable[str | os.PathLike[str]] | None, *, builtin: bool, environ: Mapping[str, str]
) -> list[Path]:
    sources = [builtin_notes_dir()] if builtin else []
    sources.extend(Path(entry) for entry in environ.get(NOTES_PATH_ENV, "").split(os.pathsep) if entry.strip())
    sources.extend(Path(path) for path in paths or ())
    return sources


@attrs.frozen
class NoteSet:
    """The notes in effect after every source was read, in id order."""

    notes: tuple[Note, ...]
    #: The files read, in the order they were applied.
    files: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Note]:
        return iter(self.notes)

    def __len__(self) -> int:
        return len(self.notes)

    def __repr__(self) -> str:
        return f"<NoteSet {len(self.notes)} notes from {len(self.files)} files>"

    def get(self, note_id: str) -> Note | None:
        """The note with this id, or None."""
        return next((note for note in self.notes if note.id == note_id), None)

    def about(self, records: Iterable[ServiceRecord], port: int | None = None) -> tuple[Note, ...]:
        """Notes speaking about any of *records*, or (port-only notes) about *port*."""
        chosen = tuple(records)
        return tuple(
            note
            for note in self.notes
            if any(note.matches(record) for record in chosen) or (port is not None and note.match.covers_port(port))
        )


def load_notes(
    paths: Iterable[str | os.PathLike[str]] | None = None,
    *,
    builtin: bool = True,
    environ: Mapping[str, str] | None = None,
) -> NoteSet:
    """Read the shipped notes, then ``IANAPORTS_NOTES_PATH``, then *paths*.

    Each source is a ``.toml`` file or a folder of them (read in name order).
    A note whose id was seen before overrides the earlier one field by field,
    so an overlay may give only ``id`` and the fields it changes. Raises
    :class:`NotesError` naming the file, note and field of the first problem.
    """
    sources = _sources(paths, builtin=builtin, environ=os.environ if environ is None else environ)
    return _merge([(str(path), _read_note_file(path)) for source in sources for path in _note_files(source)])


def _merge(files: Iterable[tuple[str, list[tuple[str, dict[str, Any]]]]]) -> NoteSet:
    """The notes of the (file, its notes) pairs, applied in order: a later note with an id overrides field by field."""
    merged: dict[str, dict[str, Any]] = {}
    origins: dict[str, list[str]] = {}
    read: list[str] = []
    for path, entries in files:
        read.append(path)
        for note_id, fields in entries:
            merged.setdefault(note_id, {}).update(fields)
            origins.setdefault(note_id, []).append(path)
    notes = []
    for note_id, fields in sorted(merged.items()):
        for required in _REQUIRED_FIELDS:
            if required not in fields:
                where = _Where(origins[note_id][-1], note_id)
                raise where.fail(required, "is required (and no earlier source gives it)")
        notes.append(Note(id=note_id, sources=tuple(origins[note_id]), **fields))
    return NoteSet(tuple(notes), tuple(read))


# --- reading only the notes a page needs ---
#
# A page speaks of a few records, yet the shipped notes are about a hundred TOML
# files: parsing them all cost more than the rest of ``explain``.  The committed
# ``_notes_index`` says which shipped files hold a note matching each name or port
# span; a file is read when its names or spans could match (a superset: a note
# needing a name and a port is listed under both), and the notes read are then
# chosen by the one rule, :meth:`NoteSet.about`.


def notes_index(folder: Path) -> dict[str, Any]:
    """What ``_notes_index`` holds for the note files in *folder*: names, port spans and ids, each to its files."""
    names: dict[str, list[str]] = {}
    spans: list[tuple[int, int, str]] = []
    ids: dict[str, list[str]] = {}
    for path in _note_files(folder):
        for note_id, fields in _read_note_file(path):
            ids.setdefault(note_id, []).append(path.name)
            match: NoteMatch | None = fields.get("match")
            if match is not None:
                for name in match.names:
                    names.setdefault(name, []).append(path.name)
                spans.extend((span.start, span.end, path.name) for span in match.ports)
    return {
        "NAMES": {name: tuple(dict.fromkeys(files)) for name, files in sorted(names.items())},
        "SPANS": tuple(sorted(set(spans))),
        "IDS": {note_id: tuple(files) for note_id, files in sorted(ids.items())},
    }


def notes_index_source(folder: Path | None = None) -> str:
    """The text of ``src/ianaports/_notes_index.py`` for the shipped notes (or those in *folder*)."""
    index = notes_index(builtin_notes_dir() if folder is None else folder)

    def mapping(values: dict[str, tuple[str, ...]]) -> list[str]:
        # As ruff formats them: a one-item tuple keeps its comma, a longer one has none at the end.
        return [
            f"    {json.dumps(key)}: ({', '.join(json.dumps(file) for file in files)}{',' if len(files) == 1 else ''}),"
            for key, files in values.items()
        ]

    lines = [
        '"""Which shipped note files hold a note about each name, port span and id (generated; do not edit).',
        "",
        "Written by ``python -m ianaports.notes`` from ``notes/*.toml``; tests/test_notes.py",
        "checks that it matches them.  :func:`ianaports.notes.read_notes` reads it.",
        '"""',
        "",
        "NAMES: dict[str, tuple[str, ...]] = {",
        *mapping(index["NAMES"]),
        "}",
        "SPANS: tuple[tuple[int, int, str], ...] = (",
        *(f"    ({start}, {end}, {json.dumps(name)})," for start, end, name in index["SPANS"]),
        ")",
        "IDS: dict[str, tuple[str, ...]] = {",
        *mapping(index["IDS"]),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _shipped_files(names: Iterable[str], spans: Iterable[tuple[int, int]], ids: Iterable[str]) -> list[str]:
    """The shipped note files that could speak of *names* or *spans*, or hold a note of *ids*, in name order.

    Each shipped note lives in one file (tests/test_notes.py checks it), so a
    file read whole holds the whole note.
    """
    from . import _notes_index as index  # noqa: PLC0415 - only the commands that read notes lazily

    chosen = {file for name in names for file in index.NAMES.get(name, ())}
    wanted = tuple(spans)
    chosen.update(file for start, end, file in index.SPANS if any(a <= end and start <= b for a, b in wanted))
    chosen.update(file for note_id in ids for file in index.IDS.get(note_id, ()))
    return sorted(chosen)


class NoteFiles:
    """The notes :func:`load_notes` would read, reading of the shipped files only those a question needs.

    Made by :func:`read_notes`.  :meth:`about` answers as ``load_notes(...).about``
    does; :meth:`load` reads every note.
    """

    __slots__ = ("_environ", "_overlays", "_paths")

    def __init__(
        self,
        overlays: list[tuple[str, list[tuple[str, dict[str, Any]]]]],
        paths: tuple[str | os.PathLike[str], ...],
        environ: Mapping[str, str] | None,
    ) -> None:
        self._overlays = overlays
        self._paths = paths
        self._environ = environ

    def __repr__(self) -> str:
        return f"<NoteFiles shipped notes and {len(self._overlays)} overlay files>"

    def _read(self, names: Iterable[str], spans: Iterable[tuple[int, int]]) -> NoteSet:
        overlay_ids = (note_id for _, entries in self._overlays for note_id, _ in entries)
        folder = builtin_notes_dir()
        shipped = _shipped_files(names, spans, overlay_ids)
        return _merge([*((str(folder / name), _read_note_file(folder / name)) for name in shipped), *self._overlays])

    def about(self, records: Iterable[ServiceRecord], port: int | None = None) -> tuple[Note, ...]:
        """Notes speaking about any of *records*, or (port-only notes) about *port*: as :meth:`NoteSet.about`."""
        chosen = tuple(records)
        names = {(record.name or "").lower() for record in chosen}
        spans = [(record.ports.start, record.ports.end) for record in chosen if record.ports is not None]
        if port is not None:
            spans.append((port, port))
        return self._read(names, spans).about(chosen, port)

    def load(self) -> NoteSet:
        """Every note, as :func:`load_notes` reads them."""
        return load_notes(self._paths, environ=self._environ)


def read_notes(
    paths: Iterable[str | os.PathLike[str]] | None = None, *, environ: Mapping[str, str] | None = None
) -> NoteFiles:
    """The notes of ``load_notes(paths, environ=environ)``, the shipped ones read as they are needed.

    The overlays (``IANAPORTS_NOTES_PATH``, then *paths*) are read and checked
    now, with the shipped notes they override, so a broken overlay fails here as
    it fails in :func:`load_notes`.
    """
    given = tuple(paths or ())
    sources = _sources(given, builtin=False, environ=os.environ if environ is None else environ)
    overlays = [(str(path), _read_note_file(path)) for source in sources for path in _note_files(source)]
    found = NoteFiles(overlays, given, environ)
    if overlays:
        found._read((), ())  # noqa: SLF001 - the overlays' own notes must be whole, as load_notes checks
    return found


# --- staying honest as IANA changes ---


def _record_essence(record: ServiceRecord) -> dict[str, Any]:
    # What a curator vouched for; whitespace is folded so IANA's re-wrapping is not a change.
    def fold(text: str | None) -> str | None:
        return None if text is None else " ".join(text.split())

    return {
        "name": record.name,
        "protocol": None if record.protocol is None else record.protocol.value,
        "ports": None if record.ports is None else str(record.ports),
        "description": fold(record.description),
        "assignees": [person.id for person in record.assignees],
        "contacts": [person.id for person in record.contacts],
        "references": [reference.token for reference in record.references],
        "registered": None if record.registered is None else record.registered.isoformat(),
        "modified": None if record.modified is None else record.modified.isoformat(),
        "notes": fold(record.notes),
        "unauthorized_use": fold(record.unauthorized_use),
        "service_code": record.service_code,
    }


def records_fingerprint(records: Iterable[ServiceRecord]) -> str:
    """A short digest of what IANA says in *records*, independent of their order.

    >>> from ianaports.model import ServiceRecord
    >>> records_fingerprint([ServiceRecord(name="x")]) == records_fingerprint([ServiceRecord(name="x")])
    True
    """
    import hashlib  # noqa: PLC0415 - on use: reading the notes does not fingerprint

    essences = sorted(json.dumps(_record_essence(record), sort_keys=True) for record in records)
    digest = hashlib.sha256("\n".join(essences).encode("utf-8")).hexdigest()
    return f"sha256:{digest[:16]}"


class CheckStatus(TextEnum):
    """The outcome of checking one note against a release."""

    OK = "ok"
    NO_MATCH = "no-match"
    CHANGED = "changed"
    UNCHECKED = "unchecked"


@attrs.frozen(kw_only=True)
class NoteCheck:
    """One note checked against one release."""

    note: Note
    status: CheckStatus
    records: tuple[ServiceRecord, ...]
    fingerprint: str | None

    @property
    def needs_attention(self) -> bool:
        """True unless the note still matches records unchanged since it was checked."""
        return self.status is not CheckStatus.OK

    @property
    def explanation(self) -> str:
        """One sentence saying what was found."""
        checked = self.note.checked_against
        if self.status is CheckStatus.NO_MATCH:
            return f"matches no record ({self.note.match.describe()})"
        if self.status is CheckStatus.UNCHECKED:
            return f"has no checked_against; its records now fingerprint {self.fingerprint}"
        if self.status is CheckStatus.CHANGED and checked is not None:
            return (
                f"records differ from the {checked.release.isoformat()} records it was checked against "
                f"(fingerprint {checked.fingerprint}, now {self.fingerprint})"
            )
        return f"{len(self.records)} records unchanged"


def check_notes(notes: Iterable[Note], registry: Registry) -> tuple[NoteCheck, ...]:
    """Check every note against *registry*: still matching, and its records unchanged."""
    checks = []
    for note in notes:
        records = tuple(record for record in registry.records if note.matches(record))
        fingerprint = records_fingerprint(records) if records else None
        if not records:
            status = CheckStatus.NO_MATCH
        elif note.checked_against is None:
            status = CheckStatus.UNCHECKED
        elif note.checked_against.fingerprint != fingerprint:
            status = CheckStatus.CHANGED
        else:
            status = CheckStatus.OK
        checks.append(NoteCheck(note=note, status=status, records=records, fingerprint=fingerprint))
    return tuple(checks)


if __name__ == "__main__":  # pragma: no cover - the maintainers' command, checked by tests/test_notes.py
    Path(__file__).with_name("_notes_index.py").write_text(notes_index_source(), encoding="utf-8")
