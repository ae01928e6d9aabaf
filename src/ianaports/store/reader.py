"""The read side of the store: releases, a release by date, loading, views, snapshots, history and diffs.

Every read runs on the index alone (no XML is parsed); :meth:`_snapshot`
keeps the reads that combine several queries inside one read transaction.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from ianaports._collector import collector_paused
from ianaports.errors import CacheError, InvalidArgumentError, NotFoundError
from ianaports.model import PORT_MAX, PortRange, Protocol, ServiceRecord

from . import codec, search
from .connection import REBUILD_HINT, IndexConnection
from .members import chunks, unpack_ids
from .quick_history import in_file_order, present_by_release
from .where import records_where

if TYPE_CHECKING:
    import array
    import sqlite3
    from collections.abc import Iterable, Sequence

    from ianaports.changes import History, RegistryDiff
    from ianaports.registry import Registry

    from .view import ReleaseView

__all__ = ["Reader", "ReleaseInfo"]


@attrs.frozen(kw_only=True)
class ReleaseInfo:
    """What the store knows about one release without loading its records."""

    updated: dt.date
    sha256: str
    record_count: int
    source: str
    fetched_at: dt.datetime
    title: str
    #: Position in date order, 0 for the oldest stored release.
    seq: int
    #: True when the store holds IANA's original bytes (see :meth:`Store.raw`).
    has_raw: bool = True

    def to_json(self) -> dict[str, Any]:
        """The release as a JSON object (used by ``ianaports versions --json``)."""
        return {
            "updated": self.updated.isoformat(),
            "sha256": self.sha256,
            "records": self.record_count,
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
            "title": self.title,
            "raw": self.has_raw,
        }


_RELEASE_COLUMNS = "updated, sha256, record_count, source, fetched_at, title, seq, kind"
_RECORD_SELECT = ", ".join(f"r.{column}" for column in codec.DECODED_COLUMNS)


def _protocol_or_none(value: Protocol | str | None) -> str | None:
    return None if value is None else Protocol(str(value).lower()).value


class Reader(IndexConnection):
    """The read side of :class:`~ianaports.store.Store` (see :mod:`.connection` for opening the index)."""

    def get_meta(self, key: str) -> str | None:
        """One metadata value, or None (also when there is no store yet)."""
        if not self.exists() and not self._has_archive():
            return None
        with self._query() as connection:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def releases(self) -> tuple[ReleaseInfo, ...]:
        """Every stored release, oldest first (``()`` when the store is empty)."""
        if not self.exists():
            if self._has_archive():
                raise self._missing_index()
            return ()
        with self._query() as connection:
            rows = connection.execute(f"SELECT {_RELEASE_COLUMNS} FROM releases ORDER BY seq").fetchall()  # noqa: S608 - fixed columns
            return tuple(_release_info(row) for row in rows)

    def find(self, sha256: str) -> ReleaseInfo | None:
        """The stored release whose archived XML has this sha256, or None (cheaper than parsing the file to ask).

        A release stored without its XML (by ianaports 0.1) is not found, so
        importing its file again archives the file.
        """
        if not self.exists():
            if self._has_archive():
                raise self._missing_index()
            return None
        with self._query() as connection:
            row = connection.execute(
                f"SELECT {_RELEASE_COLUMNS} FROM releases WHERE sha256 = ? AND kind = 'xml' ORDER BY seq DESC LIMIT 1",  # noqa: S608
                (sha256,),
            ).fetchone()
            return None if row is None else _release_info(row)

    def latest(self) -> ReleaseInfo | None:
        """The newest stored release, or None when the store is empty."""
        releases = self.releases()
        return releases[-1] if releases else None

    def release(self, version: str | dt.date | None = "latest", *, as_of: str | dt.date | None = None) -> ReleaseInfo:
        """The release named by *version* (a date or ISO string, ``"latest"`` or ``"previous"``) or *as_of*.

        ``as_of=DATE`` names the newest release on or before that date.
        Several releases may carry one date (IANA re-published a day's file);
        the last one stored for that date is returned.  Raises
        :class:`NotFoundError` when there is no such release (naming the
        stored ones nearest a date asked for).
        """
        releases = self.releases()
        if not releases:
            raise NotFoundError(f"the store at {self.path} holds no release yet")
        if as_of is not None:
            if version not in (None, "latest"):
                raise InvalidArgumentError("give a version or as_of, not both")
            day = _parse_version(as_of)
            earlier = [release for release in releases if release.updated <= day]
            if not earlier:
                raise NotFoundError(
                    f"no release stored on or before {day.isoformat()} (the oldest is {releases[0].updated})"
                )
            return earlier[-1]
        if version is None or version == "latest":
            return releases[-1]
        if version == "previous":
            if len(releases) < 2:  # noqa: PLR2004 - the newest and the one before it
                raise NotFoundError(f"the store at {self.path} holds only one release")
            return releases[-2]
        wanted = _parse_version(version)
        matching = [release for release in releases if release.updated == wanted]
        if not matching:
            raise NotFoundError(f"no release of {wanted.isoformat()} in the store ({_nearest(releases, wanted)})")
        return matching[-1]

    def raw(self, version: str | dt.date | None = "latest", *, as_of: str | dt.date | None = None) -> bytes:
        """The exact bytes IANA published for a stored release (checked against its sha256).

        Raises :class:`NotFoundError` for a release whose XML was never kept
        (stored by ianaports 0.1, which kept only the newest file).
        """
        with self._snapshot():
            info = self.release(version, as_of=as_of)
            with self._query() as connection:
                row = connection.execute(
                    "SELECT archive, kind FROM releases WHERE updated = ? AND sha256 = ? ORDER BY seq DESC LIMIT 1",
                    (info.updated.isoformat(), info.sha256),
                ).fetchone()
        if row is None:
            raise self._vanished(info)
        with self._decoding():
            name, kind = row
        if kind != "xml":
            raise NotFoundError(
                f"the original XML of the release of {info.updated} was not kept: ianaports 0.1 stored it"
                " without its file (import that file again to archive it)"
            )
        entry, payload = self.archive.read(name)
        if entry.sha256 != info.sha256:
            raise CacheError(f"the archive entry {self.archive.folder / name} is not the release it is indexed as")
        return payload

    def load(self, version: str | dt.date | None = "latest", *, as_of: str | dt.date | None = None) -> Registry:
        """Rebuild the named release as a :class:`Registry` from the index (no XML parsing)."""
        with self._snapshot():
            return self._load(self.release(version, as_of=as_of))

    def _load(self, info: ReleaseInfo) -> Registry:
        """The stored release *info* as a Registry (inside a snapshot or the writer lock, so its seq holds)."""
        from ianaports.registry import Registry  # noqa: PLC0415 - imported on use to keep start-up fast

        with collector_paused(), self._query() as connection:
            row = connection.execute(
                "SELECT members, people, footnotes FROM releases WHERE seq = ?", (info.seq,)
            ).fetchone()
            if row is None:
                raise self._vanished(info)
            members = unpack_ids(row[0])
            decoder = self._new_decoder()
            people_ids = unpack_ids(row[1])
            decoder.add_people(self._people_rows(connection, people_ids))
            rows = connection.execute(
                f"SELECT r.id, {_RECORD_SELECT} FROM presence p JOIN records r ON r.id = p.record_id"  # noqa: S608
                " WHERE p.last_seq >= ?1 AND p.first_seq <= ?1",
                (info.seq,),
            ).fetchall()
            records = decoder.records(rows)
        try:
            ordered = tuple([records[record_id] for record_id in members])
            people = {decoder.people[person].id: decoder.people[person] for person in people_ids}
        except KeyError as exc:
            raise CacheError(
                f"the index {self.db_path} is inconsistent (row {exc} is missing); {REBUILD_HINT}"
            ) from exc
        with self._decoding():
            footnotes = codec.decode_footnotes(row[2])
            if not isinstance(footnotes, dict):
                raise TypeError(f"footnotes are a {type(footnotes).__name__}, not an object")
            return Registry(
                title=info.title,
                updated=info.updated,
                records=ordered,
                people=people,
                footnotes=footnotes,
            )

    def _vanished(self, info: ReleaseInfo) -> CacheError:
        return CacheError(f"the release of {info.updated} is no longer in the index {self.db_path}")

    def _new_decoder(self) -> codec.Decoder:
        def fetch(ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
            with self._query() as connection:
                return {row[0]: row[1:] for row in self._people_rows(connection, ids)}

        return codec.Decoder(fetch)

    def _people_rows(self, connection: sqlite3.Connection, ids: Iterable[int]) -> list[tuple[Any, ...]]:
        wanted = list(ids)
        rows: list[tuple[Any, ...]] = []
        for chunk in chunks(wanted):
            marks = ",".join("?" * len(chunk))
            rows.extend(
                connection.execute(
                    f"SELECT id, person_id, name, org, uri, updated FROM people WHERE id IN ({marks})",  # noqa: S608 - only placeholders
                    chunk,
                )
            )
        return rows

    def view(self, version: str | dt.date | None = "latest", *, as_of: str | dt.date | None = None) -> ReleaseView:
        """A release answering lookups straight from the index, without loading it whole."""
        from .view import ReleaseView  # noqa: PLC0415 - the view needs the store, not the other way

        return ReleaseView(self, self.release(version, as_of=as_of))

    def _members(self, info: ReleaseInfo) -> array.array[int]:
        # By identity, not by seq: a release inserted before this one since *info* was read moves its seq.
        with self._query() as connection:
            row = connection.execute(
                "SELECT members FROM releases WHERE updated = ? AND sha256 = ? ORDER BY seq DESC LIMIT 1",
                (info.updated.isoformat(), info.sha256),
            ).fetchone()
            if row is None:
                raise self._vanished(info)
            return unpack_ids(row[0])

    def _records(self, record_ids: Iterable[int]) -> dict[int, ServiceRecord]:
        missing = [record_id for record_id in set(record_ids) if record_id not in self._record_cache]
        if missing:
            if self._decoder is None:
                self._decoder = self._new_decoder()
            with self._query() as connection:
                for chunk in chunks(missing):
                    marks = ",".join("?" * len(chunk))
                    query = f"SELECT r.id, {_RECORD_SELECT} FROM records r WHERE r.id IN ({marks})"  # noqa: S608 - only placeholders
                    self._record_cache.update(self._decoder.records(connection.execute(query, chunk)))
        return self._record_cache

    def _candidates(
        self, *, port: int | None = None, span: PortRange | None = None, name: str | None = None, protocol: str | None
    ) -> list[int]:
        if port is not None:
            span = PortRange(port, port)
        where, parameters = records_where(
            span=None if span is None else (span.start, span.end), name=name, protocol=protocol
        )
        if not where:
            raise InvalidArgumentError("name a port, a span or a name")
        query = f"SELECT id FROM records WHERE {where}"  # noqa: S608 - fixed clauses, values bound
        with self._query() as connection:
            return [row[0] for row in connection.execute(query, parameters)]

    def _search_candidates(self, needle: str) -> list[tuple[int, str | None, str]]:
        """Ids, names and descriptions of records that may contain *needle* (lower case) in either.

        A superset, cheap to compute: the caller confirms each one.  SQLite's
        LIKE folds ASCII case only, so records with any non-ASCII name or
        description are always candidates.
        """
        with self._query() as connection:
            indexed = search.candidates(connection, needle)
        if indexed is not None:
            return indexed
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        # SQLite refuses a LIKE pattern over 50,000 bytes ("pattern too complex"); a needle that long
        # is read by a full scan instead, which the caller's check narrows just the same.
        if len(pattern.encode("utf-8")) > _LIKE_PATTERN_MAX_BYTES:
            query, parameters = "SELECT id, name, description FROM records", {}
        else:
            query = (
                "SELECT id, name, description FROM records WHERE name LIKE :pattern ESCAPE '\\'"
                " OR description LIKE :pattern ESCAPE '\\'"
                " OR length(CAST(description AS BLOB)) != length(description)"
                " OR length(CAST(name AS BLOB)) != length(name)"
            )
            parameters = {"pattern": pattern}
        with self._query() as connection:
            return connection.execute(query, parameters).fetchall()

    def _runs(self, record_ids: Sequence[int]) -> list[tuple[int, int, int]]:
        runs: list[tuple[int, int, int]] = []
        with self._query() as connection:
            for chunk in chunks(list(record_ids)):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT record_id, first_seq, last_seq FROM presence WHERE record_id IN ({marks})"  # noqa: S608
                runs.extend(connection.execute(query, chunk))
        return runs

    def _epochs(self) -> dict[int, int | None]:
        with self._query() as connection:
            return dict(connection.execute("SELECT seq, epoch FROM releases").fetchall())

    def _order_keys(self, record_ids: Iterable[int]) -> dict[tuple[int, int], float]:
        ids = list(record_ids)
        keys: dict[tuple[int, int], float] = {}
        with self._query() as connection:
            for chunk in chunks(ids):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT record_id, epoch, key FROM order_keys WHERE record_id IN ({marks})"  # noqa: S608
                keys.update(((record_id, epoch), key) for record_id, epoch, key in connection.execute(query, chunk))
        return keys

    def _select(
        self, release: ReleaseInfo, matched: Iterable[int], *, epoch: int | None, keys: dict[tuple[int, int], float]
    ) -> list[int]:
        return in_file_order(matched, epoch=epoch, keys=keys, members=lambda: self._members(release))

    def snapshots(
        self, *, port: int | None = None, name: str | None = None, protocol: Protocol | str | None = None
    ) -> list[tuple[dt.date, tuple[ServiceRecord, ...]]]:
        """For every stored release, oldest first: its date and its records matching *port* or *name*.

        A record matches *port* when its span holds it, and *name*
        case-insensitively; *protocol* narrows further.  Records come in the
        release's file order, rebuilt from the index without parsing any XML.
        """
        if (port is None) == (name is None):
            raise InvalidArgumentError("give exactly one of port and name")
        if port is not None and not 0 <= port <= PORT_MAX:
            raise InvalidArgumentError(f"port must be within 0-{PORT_MAX}, not {port}")
        wanted = _protocol_or_none(protocol)
        with self._snapshot(), self._decoding():
            releases = self.releases()
            if not releases:
                return []
            candidates = self._candidates(port=port, name=name, protocol=wanted)
            runs = self._runs(candidates)
            keys = self._order_keys(candidates)
            epochs = self._epochs()
            present = present_by_release([release.seq for release in releases], runs)
            records = self._records(candidates)
            result = []
            for release in releases:
                chosen = self._select(release, present[release.seq], epoch=epochs[release.seq], keys=keys)
                result.append((release.updated, tuple(records[record_id] for record_id in chosen)))
        return result

    def history(
        self, *, port: int | None = None, name: str | None = None, protocol: Protocol | str | None = None
    ) -> History:
        """When the records holding *port* (or named *name*) appeared, changed and disappeared.

        Built from :meth:`snapshots` by :func:`ianaports.changes.history`, so no
        release is parsed or loaded whole.  An empty store gives an empty history.
        """
        from ianaports.changes import history  # noqa: PLC0415 - the store does not need diff to open

        return history(self.snapshots(port=port, name=name, protocol=protocol), port=port, name=name, protocol=protocol)

    def diff(self, old: str | dt.date = "previous", new: str | dt.date = "latest") -> RegistryDiff:
        """What changed from stored release *old* to *new* (each a date, ``"latest"`` or ``"previous"``).

        Equal to ``diff(store.load(old), store.load(new))``, but records the two
        releases share (same stored content) are only counted: just the
        identities where something differs are rebuilt and compared.
        """
        from ianaports.changes import diff_subsets  # noqa: PLC0415 - the store does not need diff to open

        with self._snapshot():
            old_info, new_info = self.release(old), self.release(new)
            old_members, new_members = self._members(old_info), self._members(new_info)
        old_counts, new_counts = collections.Counter(old_members), collections.Counter(new_members)
        differing = [
            record_id for record_id in old_counts | new_counts if old_counts[record_id] != new_counts[record_id]
        ]
        # Duplicates pair within their identity, so every record sharing an
        # identity with a differing one takes part, changed or not.
        involved = self._sharing_identity(differing)
        old_ids = [record_id for record_id in old_members if record_id in involved]
        new_ids = [record_id for record_id in new_members if record_id in involved]
        records = self._records([*old_ids, *new_ids])
        with self._decoding():
            old_records = [records[record_id] for record_id in old_ids]
            new_records = [records[record_id] for record_id in new_ids]
        return diff_subsets(
            old_info.updated,
            old_records,
            new_info.updated,
            new_records,
            unchanged_elsewhere=len(old_members) - len(old_ids),
        )

    def consecutive_diffs(self, releases: Sequence[ReleaseInfo]) -> list[RegistryDiff]:
        """``diff(a, b)`` for each consecutive pair of *releases* (stored releases, oldest first).

        Equal to calling :meth:`diff` pair by pair, but each release's member
        list is read once and compared as a set (a Counter only where a
        release repeats a record), so 390 weekly releases take seconds.
        """
        from ianaports.changes import diff_subsets  # noqa: PLC0415 - the store does not need diff to open

        found: list[RegistryDiff] = []
        previous: tuple[ReleaseInfo, array.array[int], set[int]] | None = None
        for info in releases:
            members = self._members(info)
            unique = set(members)
            if previous is not None:
                old_info, old_members, old_unique = previous
                if len(unique) == len(members) and len(old_unique) == len(old_members):
                    differing = list(unique ^ old_unique)
                else:
                    old_counts, new_counts = collections.Counter(old_members), collections.Counter(members)
                    differing = [key for key in old_counts | new_counts if old_counts[key] != new_counts[key]]
                involved = self._sharing_identity(differing)
                old_ids = [record_id for record_id in old_members if record_id in involved]
                new_ids = [record_id for record_id in members if record_id in involved]
                records = self._records([*old_ids, *new_ids])
                found.append(
                    diff_subsets(
                        old_info.updated,
                        [records[record_id] for record_id in old_ids],
                        info.updated,
                        [records[record_id] for record_id in new_ids],
                        unchanged_elsewhere=len(old_members) - len(old_ids),
                    )
                )
            previous = (info, members, unique)
        return found

    def _sharing_identity(self, record_ids: Sequence[int]) -> set[int]:
        """The ids of every stored record with the diff identity of one of *record_ids*.

        Identity is (lower-case name, protocol, first port, last port), read
        from the indexed columns; the answer spans all releases, so callers
        intersect it with a release's members.
        """
        identities: set[tuple[object, ...]] = set()
        found: set[int] = set()
        with self._query() as connection:
            for chunk in chunks(record_ids):
                marks = ",".join("?" * len(chunk))
                query = f"SELECT name_lower, protocol, port_start, port_end FROM records WHERE id IN ({marks})"  # noqa: S608 - only placeholders
                identities.update(connection.execute(query, chunk))
            for identity in identities:
                found.update(
                    row[0]
                    for row in connection.execute(
                        "SELECT id FROM records WHERE name_lower IS ? AND protocol IS ? AND port_start IS ?"
                        " AND port_end IS ?",
                        identity,
                    )
                )
        return found


# -- helpers --------------------------------------------------------------------

#: Longer LIKE patterns are not sent to SQLite, whose default limit is 50,000 bytes (a build may set less).
_LIKE_PATTERN_MAX_BYTES = 10_000


def _release_info(row: Sequence[Any]) -> ReleaseInfo:
    updated, sha256, count, source, fetched_at, title, seq, kind = row
    return ReleaseInfo(
        updated=dt.date.fromisoformat(updated),
        sha256=sha256,
        record_count=count,
        source=source,
        fetched_at=dt.datetime.fromisoformat(fetched_at),
        title=title,
        seq=seq,
        has_raw=kind == "xml",
    )


def _nearest(releases: Sequence[ReleaseInfo], day: dt.date) -> str:
    """The stored releases on either side of *day*, as a person reads them."""
    before = [release.updated for release in releases if release.updated < day]
    after = [release.updated for release in releases if release.updated > day]
    sides = ([f"{before[-1]} before"] if before else []) + ([f"{after[0]} after"] if after else [])
    newest = releases[-1].updated
    if not before and after and after[0] != newest:  # older than every release: say how far the store reaches
        sides.append(f"newest {newest}")
    return "nearest stored: " + ", ".join(sides)


def _parse_version(version: str | dt.date) -> dt.date:
    if isinstance(version, dt.date):
        return version
    try:
        return dt.date.fromisoformat(version.strip())
    except ValueError:
        raise NotFoundError(f"a version is a date (YYYY-MM-DD), 'latest' or 'previous', not {version!r}") from None
