"""Reading the store of ianaports 0.1 (index schema 1), once, to archive what it held.

That store kept only the newest release's XML (``raw/``); every other
release existed only as rows of its database, in the public JSON record
schema of the time.  Converting it archives the kept XML as an ``xml`` entry
and every other release as a ``records`` entry (the release in the store's
codec), so the history survives this and every later rebuild.  The JSON
reading here is frozen: it reads what 0.1 wrote, whatever the JSON output
becomes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import lzma
import sqlite3
from typing import TYPE_CHECKING, Any

from ianaports.errors import CacheError
from ianaports.model import PartialDate, Person, PortRange, Protocol, Reference, ReferenceKind, ServiceRecord

from . import codec
from .layout import LEGACY_RAW_DIR
from .write import unpack_ids

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from .archive import Archive

__all__ = ["archive_releases", "is_legacy", "remove_kept_xml"]

LEGACY_SCHEMA_VERSION = 1


def is_legacy(db_path: Path) -> bool:
    """True when *db_path* is the database of an ianaports 0.1 store."""
    if not db_path.is_file():
        return False
    try:
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == str(LEGACY_SCHEMA_VERSION)


def archive_releases(db_path: Path, archive: Archive) -> int:
    """Archive every release of the 0.1 store at *db_path* not archived yet; return how many were written."""
    written = 0
    try:
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise CacheError(f"cannot read the old index {db_path}: {exc}") from exc
    try:
        rows = connection.execute(
            "SELECT seq, updated, sha256, source, fetched_at, title, footnotes, people, members FROM releases"
            " ORDER BY seq"
        ).fetchall()
        raw = _kept_xml(db_path.parent / LEGACY_RAW_DIR)
        reader = _Reader(connection)
        for seq, updated, sha256, source, fetched_at, title, footnotes, people, members in rows:
            day = dt.date.fromisoformat(updated)
            fetched = dt.datetime.fromisoformat(fetched_at)
            if archive.find(day, sha256, "xml") is not None or archive.find(day, sha256, "records") is not None:
                continue
            xml = raw.get(sha256)
            if xml is not None:
                archive.write(
                    xml, kind="xml", updated=day, sha256=sha256, source=source, fetched_at=fetched,
                    records=len(unpack_ids(members)), stored_at=seq,
                )  # fmt: skip
            else:
                registry = reader.registry(title, day, footnotes, people, members)
                archive.write(
                    codec.encode_release(registry), kind="records", updated=day, sha256=sha256, source=source,
                    fetched_at=fetched, records=len(registry), stored_at=seq,
                )  # fmt: skip
            written += 1
    except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
        raise CacheError(f"cannot read the old index {db_path}: {exc}") from exc
    finally:
        connection.close()
    return written


def remove_kept_xml(folder: Path, archive: Archive) -> None:
    """Remove 0.1's ``raw/`` from the store *folder* once the converted index is in place.

    Only the files whose bytes the archive holds as an ``xml`` entry go; the
    folder goes when nothing else is left in it (a file that is not ours, or
    one that could not be read, stays, and so does the folder then).
    """
    raw = folder / LEGACY_RAW_DIR
    if not raw.is_dir():
        return
    archived = {entry.sha256 for entry in archive.entries() if entry.kind == "xml"}
    for sha256, path in _kept_files(raw):
        if sha256 in archived:
            with contextlib.suppress(OSError):
                path.unlink()
    with contextlib.suppress(OSError):
        raw.rmdir()


def _kept_files(folder: Path) -> list[tuple[str, Path]]:
    """The XML files 0.1 kept under ``raw/``: (the sha256 of the XML, the file), for those that can be read."""
    kept: list[tuple[str, Path]] = []
    with contextlib.suppress(OSError):
        for path in sorted(folder.glob("*.xml.xz")):
            with contextlib.suppress(OSError, lzma.LZMAError):
                kept.append((hashlib.sha256(lzma.decompress(path.read_bytes())).hexdigest(), path))
    return kept


def _kept_xml(folder: Path) -> dict[str, bytes]:
    """The XML files 0.1 kept under ``raw/``, by the sha256 of their bytes."""
    kept: dict[str, bytes] = {}
    with contextlib.suppress(OSError):
        for path in folder.glob("*.xml.xz"):
            with contextlib.suppress(OSError, lzma.LZMAError):
                data = lzma.decompress(path.read_bytes())
                kept[hashlib.sha256(data).hexdigest()] = data
    return kept


class _Reader:
    """Rebuilds 0.1's releases from its rows, decoding each stored record once."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._records: dict[int, ServiceRecord] = {}
        self._people: dict[int, Person] = {}

    def registry(self, title: str, updated: dt.date, footnotes: str, people: bytes, members: bytes) -> Any:  # noqa: ANN401 - a Registry
        from ianaports.registry import Registry  # noqa: PLC0415 - only when converting

        member_ids = list(unpack_ids(members))
        person_ids = list(unpack_ids(people))
        self._load("records", member_ids, self._records, _record)
        self._load("people", person_ids, self._people, _person)
        return Registry(
            title=title,
            updated=updated,
            records=tuple(self._records[record_id] for record_id in member_ids),
            people={self._people[person_id].id: self._people[person_id] for person_id in person_ids},
            footnotes=json.loads(footnotes),
        )

    def _load(self, table: str, ids: list[int], cache: dict[int, Any], decode: Any) -> None:  # noqa: ANN401
        missing = sorted({row_id for row_id in ids if row_id not in cache})
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            marks = ",".join("?" * len(chunk))
            for row_id, body in self._connection.execute(
                f"SELECT id, body FROM {table} WHERE id IN ({marks})",  # noqa: S608 - table is ours
                chunk,
            ):
                cache[row_id] = decode(json.loads(body))


def _date(value: str | None) -> PartialDate | None:
    return None if value is None else PartialDate.from_text(value)


def _person(data: Mapping[str, Any]) -> Person:
    return Person(
        id=data["id"],
        name=data.get("name"),
        org=data.get("org"),
        uri=data.get("uri"),
        updated=_date(data.get("updated")),
    )


def _record(data: Mapping[str, Any]) -> ServiceRecord:
    start, end, text = data.get("port_start"), data.get("port_end"), data.get("port_text")
    ports = None
    if start is not None:
        ports = PortRange(start, start if end is None else end)
        if text not in (None, str(ports)):
            ports = PortRange(ports.start, ports.end, written=text)
    protocol = data.get("protocol")
    return ServiceRecord(
        name=data.get("service_name"),
        protocol=None if protocol is None else Protocol(protocol),
        ports=ports,
        description=data.get("description") or "",
        assignees=tuple(_person(item) for item in data.get("assignee", ())),
        contacts=tuple(_person(item) for item in data.get("contact", ())),
        references=tuple(
            Reference(kind=ReferenceKind(item["type"]), data=item.get("data"), text=item.get("text"))
            for item in data.get("references", ())
        ),
        registered=_date(data.get("registered")),
        modified=_date(data.get("modified")),
        notes=data.get("notes"),
        unauthorized_use=data.get("unauthorized_use"),
        service_code=data.get("service_code"),
    )
