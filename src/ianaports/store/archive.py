"""The raw archive: every release kept as one immutable, compressed file.

An entry is ``archive/<updated>.<sha256[:16]>.<kind>[.full].zst``: a magic
line, one line of JSON metadata (the release's date, the sha256 of its
original bytes, where and when it was fetched...) and one zstd frame.  *kind*
is ``xml`` (IANA's original bytes, byte-exact) or ``records`` (a whole
release in the store's codec, for the releases an older ianaports stored
without their XML).

Releases a week apart differ by a few records, so most entries are *deltas*:
the frame is compressed with a nearby *keyframe* entry's payload as zstd's
raw-content prefix, and costs well under a kilobyte.  A keyframe
(``.full.zst``) is a standalone frame; a new one starts whenever a delta would
exceed an eighth of its keyframe, so reading any entry decodes at most one
keyframe and one delta.  Entries are written once (temporary file, fsync,
rename) and never modified or deleted.

A release removed from the store (``ianaports remove-release``) keeps its
entry: the archive's log of removals, ``archive/removed.jsonl``, names it
(date, sha256, reason, when), one JSON object per line, appended and never
rewritten; a later line restoring it undoes the removal.  Rebuilds, catching
up and imports all read that log, so a removed release stays removed.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import re
import sys
import time
from typing import TYPE_CHECKING, Any

import attrs

from ianaports._files import atomic_write, fsync_folder
from ianaports.errors import CacheError

from .layout import TEMP_PREFIXES

if TYPE_CHECKING:
    from pathlib import Path
    from types import ModuleType

__all__ = ["ARCHIVE_FORMAT", "REMOVALS_NAME", "Archive", "Entry", "Removal"]

#: The entry layout; an entry of another format is refused (never rewritten).
ARCHIVE_FORMAT = 1
_MAGIC = b"ianaports-archive\n"
#: zstd level of keyframes: 15 writes a 4 MB release in ~0.3 s; 19 saves 7 % for 4x the time.
KEYFRAME_LEVEL = 15
#: zstd level of deltas: 6 finds the long matches in the prefix (levels below 5 miss most of them).
DELTA_LEVEL = 6
#: A delta larger than 1/KEYFRAME_RATIO of its keyframe's file starts a new keyframe instead.
KEYFRAME_RATIO = 8
KINDS = ("xml", "records")
_NAME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})\.([0-9a-f]{16})\.(xml|records)(\.full)?\.zst")
#: The first bytes read of an entry: its magic and header lines fit.
_HEADER_READ = 8192
#: The archive's log of removed (and restored) releases: one JSON object per line, appended only.
REMOVALS_NAME = "removed.jsonl"
#: A removal log line's ``action``: a release leaves the store, or comes back.
REMOVE, RESTORE = "remove", "restore"


@attrs.frozen(kw_only=True)
class Removal:
    """One line of the removal log: a release taken out of the store (or put back), why and when."""

    updated: dt.date
    #: The sha256 of the release's original file (its identity with ``updated``).
    sha256: str
    reason: str
    #: When the line was written (UTC).
    at: dt.datetime
    #: :data:`REMOVE` or :data:`RESTORE`.
    action: str = REMOVE
    #: The release's record count when it was removed, for the record.
    records: int | None = None

    @property
    def key(self) -> tuple[dt.date, str]:
        """The release's identity: its date and sha256."""
        return self.updated, self.sha256

    def to_json(self) -> dict[str, Any]:
        """The line's JSON object."""
        return {
            "action": self.action,
            "updated": self.updated.isoformat(),
            "sha256": self.sha256,
            "records": self.records,
            "reason": self.reason,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Removal:
        """Invert :meth:`to_json`; raises KeyError, TypeError or ValueError on a line it cannot read."""
        action = data["action"]
        if action not in (REMOVE, RESTORE):
            raise ValueError(f"unknown action {action!r}")
        records = data.get("records")
        return cls(
            updated=dt.date.fromisoformat(data["updated"]),
            sha256=str(data["sha256"]),
            reason=str(data["reason"]),
            at=dt.datetime.fromisoformat(data["at"]),
            action=action,
            records=None if records is None else int(records),
        )


@attrs.frozen(kw_only=True)
class Entry:
    """One archived release, as its file's header describes it."""

    name: str
    kind: str
    updated: dt.date
    #: The sha256 of IANA's original file: the release's identity.
    sha256: str
    #: The sha256 of the payload the frame holds (equal to ``sha256`` for ``xml`` entries).
    payload_sha256: str
    size: int
    #: The keyframe entry this one is a delta against; None for a keyframe.
    base: str | None
    source: str
    fetched_at: dt.datetime
    #: When the entry was written (nanoseconds since the epoch): orders releases of one date.
    stored_at: int
    #: The number of records, as counted when the release was stored.
    records: int

    @property
    def keyframe(self) -> bool:
        """True when the frame decodes on its own."""
        return self.base is None

    def header(self) -> dict[str, Any]:
        """The header line's JSON object."""
        return {
            "format": ARCHIVE_FORMAT,
            "kind": self.kind,
            "updated": self.updated.isoformat(),
            "sha256": self.sha256,
            "payload_sha256": self.payload_sha256,
            "size": self.size,
            "base": self.base,
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
            "stored_at": self.stored_at,
            "records": self.records,
        }


def entry_name(updated: dt.date, sha256: str, kind: str, *, keyframe: bool) -> str:
    """The file name of an entry."""
    return f"{updated.isoformat()}.{sha256[:16]}.{kind}{'.full' if keyframe else ''}.zst"


@functools.lru_cache(maxsize=8192)
def _parse_name(name: str) -> tuple[dt.date, str, str, bool] | None:
    match = _NAME_RE.fullmatch(name)
    if match is None:
        return None
    try:
        updated = dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None
    return updated, match.group(2), match.group(3), match.group(4) is not None


def _zstd() -> ModuleType:
    """The zstd binding: the standard library's from Python 3.14, its backport before (imported on use)."""
    if sys.version_info >= (3, 14):  # pragma: no cover - the standard library's own binding
        from compression import zstd  # noqa: PLC0415 - only readers and writers of entries pay for it
    else:
        from backports import zstd  # noqa: PLC0415 - same

    return zstd


def _window_log(total: int) -> int:
    # The window must span prefix and content for matches into the prefix; 2**27 is what decoders accept by default.
    return min(27, max(20, total.bit_length()))


class Archive:
    """The ``archive/`` folder of a store."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._payloads: dict[str, bytes] = {}
        #: Keyframe name -> its zstd dictionary, digested once and reused for every delta of a long import.
        self._dictionaries: dict[str, Any] = {}
        #: The entries' names while this process holds the writer lock (no one else adds one then).
        self._listing: list[str] | None = None
        self._keep_listing = False

    def keep_listing(self, *, keep: bool) -> None:
        """Remember the listing from now on (the writer lock is held) or stop (it was released)."""
        self._keep_listing = keep
        self._listing = None

    # -- listing ---------------------------------------------------------------

    def names(self) -> list[str]:
        """Every entry's file name, in name order (date first); temporary files are left out."""
        if self._listing is not None:
            return list(self._listing)
        try:
            with os.scandir(self.folder) as listing:
                names = sorted(item.name for item in listing if _parse_name(item.name) is not None)
        except FileNotFoundError:
            names = []
        except OSError as exc:
            raise CacheError(f"cannot read the archive {self.folder}: {exc.strerror or exc}") from exc
        if self._keep_listing:
            self._listing = names
        return list(names)

    def strays(self) -> list[str]:
        """Files in the folder that are neither entries nor temporary files."""
        try:
            with os.scandir(self.folder) as listing:
                return sorted(
                    item.name
                    for item in listing
                    if _parse_name(item.name) is None
                    and not item.name.startswith(TEMP_PREFIXES)
                    and item.name != REMOVALS_NAME
                )
        except OSError:
            return []

    def find(self, updated: dt.date, sha256: str, kind: str) -> str | None:
        """The name of the entry of this release and kind, or None."""
        for keyframe in (False, True):
            name = entry_name(updated, sha256, kind, keyframe=keyframe)
            if (self.folder / name).is_file():
                return name
        return None

    def entry(self, name: str) -> Entry:
        """The header of entry *name*; CacheError when it cannot be read."""
        header, _ = self._read_file(name, whole=False)
        return _entry_from_header(name, header)

    def entries(self) -> list[Entry]:
        """Every entry's header, oldest release first (releases of one date in the order stored)."""
        found = [self.entry(name) for name in self.names()]
        return sorted(found, key=lambda entry: (entry.updated, entry.stored_at, entry.name))

    # -- the removal log --------------------------------------------------------

    @property
    def removals_path(self) -> Path:
        """The removal log's path (it exists once a release was removed)."""
        return self.folder / REMOVALS_NAME

    def log(self) -> list[Removal]:
        """Every line of the removal log, oldest first (``[]`` when nothing was ever removed)."""
        path = self.removals_path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise CacheError(f"cannot read the removal log {path}: {getattr(exc, 'strerror', None) or exc}") from exc
        lines = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                lines.append(Removal.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise CacheError(
                    f"the removal log {path} has an unreadable line {number} ({exc}); mend or delete that line"
                ) from exc
        return lines

    def removed(self) -> dict[tuple[dt.date, str], Removal]:
        """The releases removed now, by (date, sha256): the log replayed, a restore undoing a removal."""
        current: dict[tuple[dt.date, str], Removal] = {}
        for line in self.log():
            if line.action == REMOVE:
                current[line.key] = line
            else:
                current.pop(line.key, None)
        return current

    def append_to_log(self, line: Removal) -> None:
        """Append *line* to the removal log and flush it to disk (the caller holds the writer lock)."""
        path = self.removals_path
        data = json.dumps(line.to_json(), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            created = not path.exists()
            with path.open("ab") as handle:
                if handle.tell() and not _ends_with_newline(path):
                    data = b"\n" + data  # a line cut short by a crash stays on its own line
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise CacheError(f"cannot write the removal log {path}: {exc.strerror or exc}") from exc
        if created:
            fsync_folder(self.folder)

    # -- reading ---------------------------------------------------------------

    def _read_file(self, name: str, *, whole: bool) -> tuple[dict[str, Any], bytes]:
        path = self.folder / name
        try:
            with path.open("rb") as handle:
                data = handle.read() if whole else handle.read(_HEADER_READ)
        except FileNotFoundError as exc:
            raise CacheError(f"the archive entry {path} is missing; run 'ianaports versions --check'") from exc
        except OSError as exc:
            raise CacheError(f"cannot read the archive entry {path}: {exc.strerror or exc}") from exc
        if not data.startswith(_MAGIC):
            raise CacheError(f"{path} is not an ianaports archive entry")
        end = data.find(b"\n", len(_MAGIC))
        try:
            if end < 0:
                raise ValueError("no header line")
            header = json.loads(data[len(_MAGIC) : end])
            if header["format"] != ARCHIVE_FORMAT:
                raise ValueError(f"format {header['format']}, this ianaports reads {ARCHIVE_FORMAT}")
        except (ValueError, KeyError, TypeError) as exc:
            raise CacheError(f"the archive entry {path} has an unreadable header: {exc}") from exc
        return header, data[end + 1 :]

    def read(self, name: str) -> tuple[Entry, bytes]:
        """Entry *name* and its payload, checked against the sha256 its header records."""
        cached = self._payloads.get(name)
        header, frame = self._read_file(name, whole=True)
        entry = _entry_from_header(name, header)
        if cached is not None:
            return entry, cached
        path = self.folder / name
        zstd = _zstd()
        try:
            if entry.base is None:
                payload = zstd.decompress(frame)
            else:
                base_entry, base = self.read(entry.base)
                if not base_entry.keyframe:
                    raise CacheError(f"the archive entry {path} has a base that is not a keyframe")
                payload = zstd.decompress(frame, zstd_dict=zstd.ZstdDict(base, is_raw=True).as_prefix)
        except zstd.ZstdError as exc:
            raise CacheError(f"the archive entry {path} does not decompress: {exc}") from exc
        if hashlib.sha256(payload).hexdigest() != entry.payload_sha256:
            raise CacheError(f"the archive entry {path} does not match its sha256")
        if entry.keyframe:
            # A keyframe is read again for each delta on it: keep the last few.
            if len(self._payloads) >= 4:  # noqa: PLR2004 - a handful covers a rebuild's neighbourhood
                self._payloads.pop(next(iter(self._payloads)))
            self._payloads[name] = payload
        return entry, payload

    # -- writing ---------------------------------------------------------------

    def write(
        self,
        payload: bytes,
        *,
        kind: str,
        updated: dt.date,
        sha256: str,
        source: str,
        fetched_at: dt.datetime,
        records: int,
        stored_at: int | None = None,
        payload_sha256: str | None = None,
    ) -> Entry:
        """Archive *payload*; return its entry (the existing one when it is archived already).

        *payload_sha256* saves hashing the payload again when the caller already did.

        The caller holds the store's writer lock.  Raises :class:`CacheError`
        when the file cannot be written; nothing is left behind then.
        """
        existing = self.find(updated, sha256, kind)
        if existing is not None:
            return self.entry(existing)
        if payload_sha256 is None:
            payload_sha256 = hashlib.sha256(payload).hexdigest()
        frame, base = self._compress(payload, kind=kind, updated=updated)
        entry = Entry(
            name=entry_name(updated, sha256, kind, keyframe=base is None),
            kind=kind,
            updated=updated,
            sha256=sha256,
            payload_sha256=payload_sha256,
            size=len(payload),
            base=base,
            source=source,
            fetched_at=fetched_at,
            stored_at=time.time_ns() if stored_at is None else stored_at,
            records=records,
        )
        header = json.dumps(entry.header(), ensure_ascii=False, separators=(",", ":")).encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot write the archive {self.folder}: {exc.strerror or exc}") from exc
        atomic_write(self.folder / entry.name, _MAGIC + header + b"\n" + frame, what="the archive entry ")
        if self._listing is not None:
            bisect.insort(self._listing, entry.name)
        if base is None:
            self._payloads[entry.name] = payload
        return entry

    def _compress(self, payload: bytes, *, kind: str, updated: dt.date) -> tuple[bytes, str | None]:
        zstd = _zstd()
        keyframe = self._nearest_keyframe(kind, updated)
        if keyframe is not None:
            _, base = self.read(keyframe)
            options: dict[int, int] = {
                zstd.CompressionParameter.compression_level: DELTA_LEVEL,
                zstd.CompressionParameter.window_log: _window_log(len(base) + len(payload)),
                zstd.CompressionParameter.checksum_flag: 1,
            }
            dictionary = self._dictionaries.get(keyframe)
            if dictionary is None:
                dictionary = self._dictionaries[keyframe] = zstd.ZstdDict(base, is_raw=True)
            # A raw-content dictionary and a prefix make the same frame (read() decodes it with the prefix);
            # the digested dictionary is built once per keyframe, where a prefix is indexed again for each delta.
            compressor = zstd.ZstdCompressor(options=options, zstd_dict=dictionary.as_digested_dict)
            delta = compressor.compress(payload, mode=zstd.ZstdCompressor.FLUSH_FRAME)
            with contextlib.suppress(OSError):
                if len(delta) * KEYFRAME_RATIO <= (self.folder / keyframe).stat().st_size:
                    return delta, keyframe
        keyframe_options: dict[int, int] = {
            zstd.CompressionParameter.compression_level: KEYFRAME_LEVEL,
            zstd.CompressionParameter.checksum_flag: 1,
        }
        return zstd.compress(payload, options=keyframe_options), None

    def _nearest_keyframe(self, kind: str, updated: dt.date) -> str | None:
        """The keyframe of *kind* nearest in date to *updated* (the newer of two equally near)."""
        best: tuple[int, int, str] | None = None
        for name in self.names():
            parsed = _parse_name(name)
            if parsed is None or parsed[2] != kind or not parsed[3]:
                continue
            distance = abs((parsed[0] - updated).days)
            key = (distance, -parsed[0].toordinal(), name)
            if best is None or key < best:
                best = key
        return None if best is None else best[2]


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _entry_from_header(name: str, header: dict[str, Any]) -> Entry:
    try:
        entry = Entry(
            name=name,
            kind=header["kind"],
            updated=dt.date.fromisoformat(header["updated"]),
            sha256=header["sha256"],
            payload_sha256=header["payload_sha256"],
            size=int(header["size"]),
            base=header["base"],
            source=header["source"],
            fetched_at=dt.datetime.fromisoformat(header["fetched_at"]),
            stored_at=int(header["stored_at"]),
            records=int(header["records"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CacheError(f"the archive entry {name} has an unreadable header: {exc}") from exc
    parsed = _parse_name(name)
    if parsed is None or parsed[:3] != (entry.updated, entry.sha256[:16], entry.kind) or parsed[3] != entry.keyframe:
        raise CacheError(f"the archive entry {name} does not match its file name")
    return entry
