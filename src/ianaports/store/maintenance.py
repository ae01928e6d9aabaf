"""Maintaining the store: rebuilding the index from the archive (also after an upgrade), backups and checks."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from ianaports.errors import CacheError, InvalidArgumentError, NotFoundError

from .connection import REBUILD_HINT, is_corrupt, reason
from .layout import ARCHIVE_DIR, DB_NAME, LOCK_TIMEOUT_SECONDS, TEMP_PREFIX, notice
from .reader import ReleaseInfo
from .writer import Writer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .archive import Entry, Removal
    from .check import CheckReport

__all__ = ["Maintenance"]


class Maintenance(Writer):
    """Rebuilds, backups and checks of :class:`~ianaports.store.Store`."""

    def _upgrade(self) -> None:
        """Rebuild an index another version of ianaports wrote (the one-line notice goes to the logger)."""
        from . import legacy  # noqa: PLC0415 - only for stores of other versions

        if not os.access(self.path, os.W_OK):
            raise CacheError(
                f"the index {self.db_path} was written by another version of ianaports and the folder is"
                f" read-only; run 'ianaports rebuild' where it can be written"
            )
        kind = "converting" if legacy.is_legacy(self.db_path) else "rebuilding"
        notice(
            "ianaports: %s the index %s, written by another version of ianaports, from the archive", kind, self.db_path
        )
        self.rebuild()

    def rebuild(self, *, progress: Callable[[int, int], None] | None = None) -> int:
        """Recreate the whole index from the archive alone; return the number of releases indexed.

        The new index is built beside the old one and then copied into it in
        one transaction (readers see the old index or the new one), or put
        in its place when the old one is unreadable.  Metadata the old index
        held (HTTP validators, the last check time) is kept when it can be
        read.  An index of ianaports 0.1, which kept no archive, first has its
        releases archived (see ``docs/store.md``).  *progress* is called with
        (done, total) after each release.
        """
        from . import legacy  # noqa: PLC0415 - only for stores of other versions

        with self._locked(catch_up=False):
            self.close()
            converting = legacy.is_legacy(self.db_path)
            if converting:
                legacy.archive_releases(self.db_path, self.archive)
            meta = _readable_meta(self.db_path)
            temp = self.path / f"{TEMP_PREFIX}{os.getpid()}.rebuild.sqlite3"
            try:
                count = self._build_index(temp, meta, progress)
                self._install(temp)
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{temp}{suffix}").unlink(missing_ok=True)
            if converting:
                # The converted index is in place and the kept XML archived: 0.1's raw/ has served.
                legacy.remove_kept_xml(self.path, self.archive)
        return count

    def _build_index(self, temp: Path, meta: dict[str, str], progress: Callable[[int, int], None] | None) -> int:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{temp}{suffix}").unlink(missing_ok=True)
        self._create_index(temp)
        builder = type(self)(self.path)
        builder.db_path = temp
        builder._lock_depth = 1  # noqa: SLF001 - the builder is a Store of this folder, under this lock
        try:
            connection = builder._connect(write=True)  # noqa: SLF001 - same
            connection.execute("PRAGMA synchronous = OFF")
            connection.executemany(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                [(key, value) for key, value in meta.items() if key not in ("schema_version", "codec_version")],
            )
            from ianaports.parser import ReleaseParser  # noqa: PLC0415 - lxml only when re-deriving

            parser = ReleaseParser()  # the entries come in date order: each reuses the unchanged records of the last
            entries = self._entries_to_index()
            for done, name in enumerate(entries, start=1):
                entry, registry, xml = self._registry_of(name, parser)
                builder._insert(registry, entry, xml)  # noqa: SLF001 - same
                if progress is not None:
                    progress(done, len(entries))
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise CacheError(f"cannot write the index {temp}: {reason(exc, self.path)}") from exc
        finally:
            builder.close()
        return len(entries)

    def _entries_to_index(self) -> list[str]:
        """One archive entry per release (its XML where kept), in date order."""
        chosen: dict[tuple[str, str], Entry] = {}
        removed = self.archive.removed()
        for entry in self.archive.entries():
            if (entry.updated, entry.sha256) in removed:
                continue  # kept in the archive, out of the index
            key = (entry.updated.isoformat(), entry.sha256)
            if key not in chosen or (entry.kind == "xml" and chosen[key].kind != "xml"):
                chosen[key] = entry
        ordered = sorted(chosen.values(), key=lambda entry: (entry.updated, entry.stored_at, entry.name))
        return [entry.name for entry in ordered]

    def _install(self, temp: Path) -> None:
        """Put the index built at *temp* in place of the live one."""
        from ianaports._files import fsync_folder  # noqa: PLC0415 - on write: read commands never load it

        if self.db_path.is_file():
            try:
                source = sqlite3.connect(temp)
                try:
                    target = sqlite3.connect(self.db_path, timeout=LOCK_TIMEOUT_SECONDS)
                    try:
                        source.backup(target)
                    finally:
                        target.close()
                finally:
                    source.close()
            except sqlite3.DatabaseError as exc:
                if not is_corrupt(exc):
                    raise CacheError(f"cannot write the index {self.db_path}: {reason(exc, self.path)}") from exc
            else:
                return
        # No index, or one too damaged to write into: nothing can read it anyway.
        try:
            for suffix in ("-wal", "-shm", ""):
                Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
            temp.replace(self.db_path)
            fsync_folder(self.path)
        except OSError as exc:
            raise CacheError(f"cannot write the index {self.db_path}: {reason(exc)}") from exc

    # -- removing a release --------------------------------------------------------

    def removed(self) -> tuple[Removal, ...]:
        """The releases removed from this store (and not restored), oldest removal first."""
        return tuple(sorted(self.archive.removed().values(), key=lambda removal: removal.at))

    def remove_release(
        self,
        version: str | dt.date,
        *,
        reason: str,
        sha256: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Removal:
        """Take the release of date *version* out of the store; return the line logged for it.

        Its archive entry stays (nothing is lost), the archive's removal log
        records the release, *reason* and when, and the index is rebuilt
        without it, so no command sees it and neither ``rebuild``, a writer
        catching up nor a new import brings it back.  *sha256* (a prefix is
        enough) chooses among several releases of that date.
        :meth:`restore_release` undoes it.  Raises :class:`NotFoundError`
        when no such release is stored.
        """
        from .archive import REMOVE, Removal  # noqa: PLC0415 - on use: read commands never load the archive

        if not reason.strip():
            raise InvalidArgumentError("say why the release is removed (a reason is logged with it)")
        with self._locked(catch_up=True):
            info = self._one_release(self.releases(), version, sha256)
            removal = Removal(
                updated=info.updated,
                sha256=info.sha256,
                reason=" ".join(reason.split()),
                at=_now(),
                action=REMOVE,
                records=info.record_count,
            )
            self.archive.append_to_log(removal)
            self.rebuild(progress=progress)
        return removal

    def restore_release(self, version: str | dt.date, *, reason: str = "", sha256: str | None = None) -> Removal:
        """Undo :meth:`remove_release`: log the release as restored and index it again; return that line."""
        from .archive import RESTORE, Removal  # noqa: PLC0415 - on use: read commands never load the archive

        with self._locked(catch_up=False):
            removed = sorted(self.archive.removed().values(), key=lambda removal: removal.at)
            candidates = [_as_release(removal) for removal in removed]
            chosen = self._one_release(candidates, version, sha256, what="removed release")
            restored = Removal(
                updated=chosen.updated,
                sha256=chosen.sha256,
                reason=" ".join(reason.split()) or "restored",
                at=_now(),
                action=RESTORE,
                records=chosen.record_count,
            )
            self.archive.append_to_log(restored)
            self._index_pending()
        return restored

    def _one_release(
        self, releases: Sequence[ReleaseInfo], version: str | dt.date, sha256: str | None, *, what: str = "release"
    ) -> ReleaseInfo:
        day = version if isinstance(version, dt.date) else _parse_day(version)
        matching = [release for release in releases if release.updated == day]
        if sha256:
            prefix = sha256.strip().lower()
            matching = [release for release in matching if release.sha256.startswith(prefix)]
        if not matching:
            raise NotFoundError(
                f"no {what} of {day.isoformat()}{f' with sha256 {sha256}' if sha256 else ''} in {self.path}"
            )
        if len(matching) > 1:
            hashes = ", ".join(release.sha256[:16] for release in matching)
            raise InvalidArgumentError(
                f"{len(matching)} {what}s of {day.isoformat()} ({hashes}): choose one with --sha256"
            )
        return matching[0]

    def backup(self, path: str | os.PathLike[str]) -> Path:
        """Write a complete, consistent copy of the store to *path* (a tar file); return its path.

        The index is copied with SQLite's backup API, so the copy is
        consistent even while another process syncs; archive entries are
        immutable and copied as they are.  Extract the tar into an empty data
        folder to restore.
        """
        import tarfile  # noqa: PLC0415 - only backups need it
        import tempfile  # noqa: PLC0415 - same

        from ianaports._files import replacing  # noqa: PLC0415 - on write: read commands never load it

        from .archive import REMOVALS_NAME  # noqa: PLC0415 - same

        target = Path(path).expanduser()
        with tempfile.TemporaryDirectory(prefix="ianaports-backup-") as scratch:
            snapshot = Path(scratch) / DB_NAME
            has_index = self.exists()
            if has_index:
                with self._query() as connection:
                    copy = sqlite3.connect(snapshot)
                    try:
                        connection.backup(copy)
                        # A copy reads as a plain database: no -wal file travels with it.
                        copy.execute("PRAGMA journal_mode = DELETE")
                    finally:
                        copy.close()
            # Listed after the index was copied: every entry the copy names is already archived.
            names = self.archive.names()
            with replacing(target, what="the backup ") as handle, tarfile.open(fileobj=handle, mode="w") as tar:
                if has_index:
                    tar.add(snapshot, arcname=DB_NAME)
                for name in names:
                    tar.add(self.archive.folder / name, arcname=f"{ARCHIVE_DIR}/{name}")
                if self.archive.removals_path.is_file():
                    tar.add(self.archive.removals_path, arcname=f"{ARCHIVE_DIR}/{REMOVALS_NAME}")
        return target

    def verify_index(self) -> None:
        """Raise :class:`~ianaports.CacheError` naming ``ianaports rebuild`` unless SQLite finds the index sound.

        ``PRAGMA quick_check`` reads every page (tens of milliseconds on a store of
        hundreds of releases), so ``sync --force`` runs it: a forced sync must not
        call a damaged index up to date just because its queries missed the damage.
        A folder with no index yet is sound.
        """
        if not self.exists():
            if self._has_archive():
                raise self._missing_index()
            return
        with self._query() as connection:
            verdicts = [row[0] for row in connection.execute("PRAGMA quick_check(1)")]
        if verdicts != ["ok"]:
            verdict = " ".join(str(verdicts[0]).split())  # SQLite's verdict spans lines; the error is one
            raise CacheError(f"the index {self.db_path} is corrupt ({verdict}); {REBUILD_HINT}")

    def check(self) -> list[str]:
        """Check the whole store; return the problems found (``[]`` when it is sound)."""
        return list(self.check_report().problems)

    def check_report(self) -> CheckReport:
        """Check every archive entry's sha256, the index's own consistency and its agreement with the archive."""
        from .check import check_store  # noqa: PLC0415 - a read does not pay for the checks

        return check_store(self)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgumentError(f"a release is named by its date (YYYY-MM-DD), not {text!r}") from None


def _as_release(removal: Removal) -> ReleaseInfo:
    """A removed release as a ReleaseInfo, to choose among them like among stored ones."""
    return ReleaseInfo(
        updated=removal.updated,
        sha256=removal.sha256,
        record_count=removal.records or 0,
        source="",
        fetched_at=removal.at,
        title="",
        seq=-1,
    )


def _readable_meta(db_path: Path) -> dict[str, str]:
    """The meta table of the index at *db_path*, or ``{}`` when it cannot be read."""
    if not db_path.is_file():
        return {}
    try:
        connection = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return {str(key): str(value) for key, value in connection.execute("SELECT key, value FROM meta")}
        finally:
            connection.close()
    except sqlite3.Error:
        return {}
