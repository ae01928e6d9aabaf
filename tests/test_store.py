from __future__ import annotations

import datetime as dt
import errno
import hashlib
import itertools
import json
import logging
import lzma
import os
import random
import re
import shutil
import sqlite3
import tarfile
from pathlib import Path

import platformdirs
import pytest

import ianaports
from ianaports import parse
from ianaports.changes import diff
from ianaports.errors import CacheError, InvalidArgumentError, NotFoundError
from ianaports.model import PortRange
from ianaports.parser import parse_bytes
from ianaports.render.json import person_to_json, record_to_json
from ianaports.store import ARCHIVE_DIR, DB_NAME, Store, codec, layout, schema
from ianaports.store import connection as store_connection
from ianaports.store import write as store_write
from ianaports.store.archive import KEYFRAME_RATIO
from ianaports.store.maintenance import Maintenance
from ianaports.store.write import unpack_ids
from realdata import FIXTURES, REGISTRY_DIR, parsed, real_release_paths
from synthetic import registry_xml


def add(store: Store, xml: bytes, source: str = "test"):
    with store.lock():
        return store.add(parse_bytes(xml), xml=xml, source=source)


def original(path) -> bytes:
    """A shared release's original bytes."""
    return lzma.decompress(path.read_bytes()) if path.suffix == ".xz" else path.read_bytes()


def answers(store: Store) -> dict[str, object]:
    """What a user can ask a store, in one comparable value: versions, lookups, history, diff."""
    releases = store.releases()
    found: dict[str, object] = {
        "versions": [(r.updated, r.sha256, r.record_count, r.source, r.fetched_at, r.title) for r in releases],
        "history": [store.history(port=port) for port in (80, 2304, 6010)],
        "history_name": store.history(name="http"),
        "snapshots": store.snapshots(port=443),
    }
    for release in (releases[0], releases[-1]):
        view = store.view(release.updated)
        found[f"lookup {release.updated}"] = [view.lookup(port) for port in (22, 80, 2304, 6010)]
        found[f"service {release.updated}"] = view.service("ssh" if view.lookup(22) else "svc1")
        found[f"search {release.updated}"] = view.search("kerberos")
    if len(releases) > 1:
        found["diff"] = store.diff(releases[0].updated, releases[-1].updated)
        found["load"] = store.load()
    return found


class TestReleases:
    def test_empty(self, tmp_path):
        """A folder without a store has no releases, and naming one raises NotFoundError."""
        store = Store(tmp_path / "none")
        assert store.releases() == ()
        assert store.latest() is None
        with pytest.raises(NotFoundError):
            store.load()

    def test_same_release_twice(self, tmp_path):
        """Importing the same release twice stores and archives it once."""
        with Store(tmp_path) as store:
            assert add(store, registry_xml()) is not None
            assert add(store, registry_xml()) is None
            assert len(store.releases()) == 1
        assert len(list((tmp_path / ARCHIVE_DIR).iterdir())) == 1

    def test_same_release_in_other_bytes(self, tmp_path):
        """The same release re-encoded (UTF-16, prefixes, quoting) is one release; the archive keeps its first bytes."""
        first = (FIXTURES / "diff-old.xml").read_bytes()
        text = first.decode()
        utf16 = text.replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16")
        requoted = text.replace("<?xml version='1.0' encoding='UTF-8'?>", '<?xml version="1.0" encoding="utf-8"?>')
        prefixed = re.sub(r"<(/?)([a-zA-Z])", r"<\1p:\2", text).replace("<p:registry xmlns=", "<p:registry xmlns:p=")
        assert len({first, utf16, requoted.encode(), prefixed.encode()}) == 4
        with Store(tmp_path) as store:
            assert add(store, first) is not None
            assert add(store, utf16) is None
            assert add(store, requoted.encode()) is None
            assert add(store, prefixed.encode()) is None
            assert len(store.releases()) == 1
            assert store.raw() == first
            edited = requoted.replace("<description>", "<description>Changed: ", 1).encode()
            assert add(store, edited) is not None  # other content of the same date is another release
            assert len(store.releases()) == 2
        assert len(list((tmp_path / ARCHIVE_DIR).iterdir())) == 2

    def test_date_order_and_names(self, tmp_path):
        """Releases imported out of order are listed by date; 'latest' and 'previous' name the last two."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-03-01", 22))
            add(store, registry_xml("2025-01-01", 20))
            add(store, registry_xml("2025-02-01", 21))
            assert [r.updated.isoformat() for r in store.releases()] == ["2025-01-01", "2025-02-01", "2025-03-01"]
            assert store.release("latest").record_count == 22
            assert store.release("previous").record_count == 21
            assert len(store.load("2025-02-01")) == 21
            assert len(store.load(dt.date(2025, 1, 1))) == 20
            assert store.check() == []

    def test_unknown_version(self, tmp_path):
        """An unknown date or a malformed version raises NotFoundError."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
            with pytest.raises(NotFoundError, match="no release of 2001-01-01"):
                store.load("2001-01-01")
            with pytest.raises(NotFoundError, match="'latest' or 'previous'"):
                store.load("yesterday")

    def test_data_dir_and_deprecated_cache_dir(self, tmp_path, monkeypatch):
        """data_dir= wins over the deprecated cache_dir=, which wins over the environment."""
        monkeypatch.setenv("IANAPORTS_DATA_DIR", str(tmp_path / "env"))
        assert Store().path == tmp_path / "env"
        assert Store(cache_dir=tmp_path / "old").path == tmp_path / "old"
        assert Store(tmp_path / "new", cache_dir=tmp_path / "old").path == tmp_path / "new"
        monkeypatch.delenv("IANAPORTS_DATA_DIR")
        monkeypatch.setenv("IANAPORTS_CACHE_DIR", str(tmp_path / "cache-env"))
        assert Store().path == tmp_path / "cache-env"


class TestRemoveRelease:
    def test_several_releases_of_one_date_need_their_sha256(self, tmp_path):
        """Of two releases of one date, remove_release needs a sha256 prefix; the other stays; restore undoes it."""
        first, second = registry_xml("2025-01-01", 20), registry_xml("2025-01-01", 21)
        with Store(tmp_path) as store:
            add(store, first)
            add(store, second)
            with pytest.raises(InvalidArgumentError, match=r"2 releases of 2025-01-01.*--sha256"):
                store.remove_release("2025-01-01", reason="test")
            with pytest.raises(InvalidArgumentError, match="reason"):
                store.remove_release("2025-01-01", reason=" ")
            with pytest.raises(NotFoundError, match="no release of 2024-01-01"):
                store.remove_release("2024-01-01", reason="test")
            digest = hashlib.sha256(second).hexdigest()
            removal = store.remove_release("2025-01-01", reason="a  bad\ncopy", sha256=digest[:8])
            assert (removal.sha256, removal.reason, removal.records) == (digest, "a bad copy", 21)
            assert [release.record_count for release in store.releases()] == [20]
            assert store.removed() == (removal,)
            assert add(store, second) is None
            restored = store.restore_release("2025-01-01")
            assert (restored.action, restored.sha256) == ("restore", digest)
            assert [release.record_count for release in store.releases()] == [20, 21]
            assert store.removed() == ()
            assert store.check() == []


class TestAsOf:
    def test_newest_on_or_before(self, tmp_path):
        """as_of names the newest release on or before the date, for load, view and raw."""
        xmls = {day: registry_xml(day, count) for day, count in (("2025-01-01", 20), ("2025-02-01", 21))}
        with Store(tmp_path) as store:
            for xml in xmls.values():
                add(store, xml)
            assert store.release(as_of="2025-01-31").updated == dt.date(2025, 1, 1)
            assert store.release(as_of=dt.date(2025, 2, 1)).updated == dt.date(2025, 2, 1)
            assert len(store.load(as_of="2030-01-01")) == 21
            assert store.view(as_of="2025-01-15").updated == dt.date(2025, 1, 1)
            assert store.raw(as_of="2025-01-15") == xmls["2025-01-01"]
            with pytest.raises(NotFoundError, match="on or before 2024-12-31"):
                store.load(as_of="2024-12-31")
            with pytest.raises(InvalidArgumentError):
                store.load("2025-01-01", as_of="2025-02-01")

    def test_api_load(self, tmp_path):
        """ianaports.load(as_of=...) answers from the past release."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01", 20))
            add(store, registry_xml("2025-02-01", 21))
        assert len(ianaports.load(cache_dir=tmp_path, as_of="2025-01-20")) == 20


class TestArchive:
    def test_raw_is_the_original(self, tmp_path):
        """raw() gives back the exact bytes stored, for every release, and their sha256 is the release's."""
        xmls = [registry_xml(f"2025-0{month}-01", 20 + month) for month in range(1, 6)]
        with Store(tmp_path) as store:
            for xml in xmls:
                add(store, xml)
            for xml, release in zip(xmls, store.releases(), strict=True):
                assert store.raw(release.updated) == xml
                assert hashlib.sha256(xml).hexdigest() == release.sha256

    def test_weekly_neighbours_are_small_deltas(self, tmp_path):
        """Releases a week apart after the first are stored as deltas of a few hundred bytes on one keyframe."""
        paths = [REGISTRY_DIR / f"service-names-port-numbers.{day}.xml.xz" for day in ("20251114", "20251120")]
        if not all(path.is_file() for path in paths):
            pytest.skip(f"real releases not found in {REGISTRY_DIR}")
        with Store(tmp_path) as store:
            for path in paths:
                add(store, original(path))
        names = sorted((tmp_path / ARCHIVE_DIR).iterdir())
        keyframes = [path for path in names if path.name.endswith(".full.zst")]
        deltas = [path for path in names if not path.name.endswith(".full.zst")]
        assert len(keyframes) == len(deltas) == 1
        assert deltas[0].stat().st_size < 2000

    def test_new_keyframe_when_the_delta_grows(self, tmp_path):
        """A release too different from every keyframe becomes a keyframe itself."""
        rng = random.Random(7)
        first = registry_xml("2025-01-01", 200)
        noise = "".join(f"<record><name>n{rng.getrandbits(64):x}</name></record>\n" for _ in range(400))
        other = registry_xml("2025-02-01", 200, extra=noise)
        with Store(tmp_path) as store:
            add(store, first)
            add(store, other)
            assert store.raw("2025-02-01") == other
        full = [path for path in (tmp_path / ARCHIVE_DIR).iterdir() if path.name.endswith(".full.zst")]
        assert len(full) == 2
        assert KEYFRAME_RATIO > 1

    def test_entries_are_never_rewritten(self, tmp_path):
        """Storing a release again leaves its archive entry's bytes and time stamps as they were."""
        xml = registry_xml()
        with Store(tmp_path) as store:
            add(store, xml)
            entry = next((tmp_path / ARCHIVE_DIR).iterdir())
            before = (entry.read_bytes(), entry.stat().st_mtime_ns)
            store.rebuild()
            add(store, xml)
        assert (entry.read_bytes(), entry.stat().st_mtime_ns) == before

    def test_store_does_not_import_the_json_renderer(self):
        """The store's record format is its own: the store reaches ianaports.render only through render.stored.

        render.stored renders what show and search print of a record into the records' text_row and json
        columns (for the quick read path), and render.changes.record_history_form what history prints
        of it into history_forms; the codec's columns never depend on the JSON schema.
        """
        for path in Path(layout.__file__).parent.glob("*.py"):
            text = path.read_text(encoding="utf-8").replace("ianaports.render.stored", "")
            text = text.replace("ianaports.render.changes import record_history_form", "")
            assert "render" not in text.replace("record_text_row", "").replace("record_json_text", ""), path.name


class TestOrder:
    def test_reordered_release(self, tmp_path):
        """When IANA reorders records, each release's snapshot keeps that release's own order."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01", 9))
            add(store, registry_xml("2025-02-01", 9, reverse=True))
            add(store, registry_xml("2025-03-01", 10))
            snapshots = store.snapshots(port=1001)
            assert store.check() == []
        names = [[record.name for record in records] for _, records in snapshots]
        assert names == [["svc1", "svc4", "svc7"], ["svc7", "svc4", "svc1"], ["svc1", "svc4", "svc7"]]

    def test_repeated_record(self, tmp_path):
        """A release listing the same record twice is stored and rebuilt with the repeat."""
        xml = registry_xml(
            "2025-01-01",
            3,
            extra="<record><name>svc0</name><protocol>tcp</protocol>"
            "<number>1000</number><description>Service 0</description></record>\n",
        )
        with Store(tmp_path) as store:
            add(store, xml)
            assert len(store.load()) == 4
            assert store.load() == parse_bytes(xml)
            assert store.snapshots(name="svc0")[0][1] == parse_bytes(xml).service("svc0")
            assert store.check() == []


def _dump(folder) -> dict[str, list[tuple]]:
    """The index's logical content, with row ids replaced by content digests so two indexes compare."""
    connection = sqlite3.connect(folder / DB_NAME)
    try:
        digest = dict(connection.execute("SELECT id, hex(digest) FROM records"))
        person = dict(connection.execute("SELECT id, hex(digest) FROM people"))
        releases = [
            (seq, updated, sha, [digest[i] for i in unpack_ids(members)], [person[i] for i in unpack_ids(people)])
            for seq, updated, sha, members, people in connection.execute(
                "SELECT seq, updated, sha256, members, people FROM releases ORDER BY seq"
            )
        ]
        columns = ", ".join(codec.RECORD_COLUMNS[:5])
        return {
            "records": sorted(connection.execute(f"SELECT hex(digest), {columns}, description FROM records")),
            "people": sorted(connection.execute("SELECT hex(digest), person_id, name FROM people")),
            "releases": releases,
            "presence": sorted((digest[r], f, last) for r, f, last in connection.execute("SELECT * FROM presence")),
        }
    finally:
        connection.close()


class TestImportCache:
    """One Store importing many releases skips records it already stored; the result must not change."""

    def test_written_port_text_kept_apart(self, tmp_path):
        """Two records equal but for how IANA wrote the span keep their own port text."""
        plain = registry_xml("2025-01-01", 2)
        written = registry_xml("2025-02-01", 2).replace(b"<number>1000</number>", b"<number>1000-1000</number>")
        with Store(tmp_path) as store:
            add(store, plain)
            add(store, written)
            assert store.load("2025-02-01").records[0].ports.as_written == "1000-1000"
            assert store.load("2025-01-01").records[0].ports.as_written == "1000"
            assert store.check() == []

    def test_warm_import_equals_cold_imports(self, tmp_path):
        """Importing releases in one Store indexes exactly what importing each in a fresh Store does."""
        releases = [
            registry_xml("2025-03-01", 22),
            registry_xml("2025-01-01", 20),
            registry_xml("2025-02-01", 21, reverse=True),
            registry_xml("2025-04-01", 21),
        ]
        # Real releases (parsed once per session) exercise shared people and repeated spans.
        releases += [original(path) for path in real_release_paths()[-1:]]
        registries = [(parse_bytes(xml), xml) for xml in releases]
        with Store(tmp_path / "warm") as store, store.lock():
            for registry, xml in registries:
                store.add(registry, xml=xml, source="same")
        for registry, xml in registries:
            with Store(tmp_path / "cold") as store, store.lock():
                store.add(registry, xml=xml, source="same")
        assert _dump(tmp_path / "warm") == _dump(tmp_path / "cold")

    def test_rolled_back_release_forgets_its_records(self, tmp_path, monkeypatch):
        """A release whose transaction fails leaves no remembered ids, and the next writer indexes it."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01", 3))

            def fail(*args, **kwargs):
                raise sqlite3.OperationalError("disk I/O error")

            with monkeypatch.context() as patch:
                patch.setattr(store_write, "_append_presence", fail)
                with pytest.raises(CacheError):
                    add(store, registry_xml("2025-02-01", 5))
            assert [r.updated.isoformat() for r in store.releases()] == ["2025-01-01"]
            assert store.check_report().pending == 1
            with store.lock():
                pass
            assert len(store.load("2025-02-01")) == 5
            assert store.check() == []


def _people_xml(updated: str, name: str, *, comment: str = "") -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">\n'
        f"<title>T</title><updated>{updated}</updated>\n{comment}"
        '<record><name>a</name><protocol>tcp</protocol><xref type="person" data="P1"/>'
        "<description>A</description><number>1</number></record>\n"
        '<record><name>b</name><protocol>tcp</protocol><xref type="person" data="Stub"/>'
        "<description>B</description><number>2</number></record>\n"
        f'<people><person id="P1"><name>{name}</name></person></people>\n</registry>\n'
    ).encode()


class TestRecordBytes:
    """Records met before are found by their bytes; what the bytes do not say must still count."""

    def test_person_edited_under_an_unchanged_record(self, tmp_path):
        """A record whose bytes are unchanged but whose person was edited is stored with the new person."""
        releases = [_people_xml("2025-01-01", "Old Name"), _people_xml("2025-02-01", "New Name")]
        with Store(tmp_path) as store, store.lock():
            for xml in releases:
                store.add(parse_bytes(xml), xml=xml, source="t")
            for xml in releases:
                expected = parse_bytes(xml)
                assert store.load(expected.updated) == expected
            assert store.load("2025-02-01").records[0].contacts[0].name == "New Name"

    def test_record_text_in_a_comment(self, tmp_path):
        """A '<record' inside a comment does not pair bytes with the wrong record."""
        releases = [
            _people_xml("2025-01-01", "N"),
            _people_xml("2025-02-01", "N", comment="<!-- <record> -->\n"),
        ]
        with Store(tmp_path) as store, store.lock():
            for xml in releases:
                store.add(parse_bytes(xml), xml=xml, source="t")
            for xml in releases:
                expected = parse_bytes(xml)
                assert store.load(expected.updated) == expected
            assert store.check() == []


class TestInterruptions:
    def test_view_survives_an_older_release_arriving(self, tmp_path):
        """A view made before an older release is inserted still answers from its own release."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-02-01", 30))
            view = store.view()
            with Store(tmp_path) as writer:
                add(writer, registry_xml("2025-01-01", 9))
            assert len(view.lookup(1000)) == 10
            assert len(store.load("2025-02-01")) == 30

    def test_stale_temporary_files_are_swept(self, tmp_path):
        """Temporary files a killed writer left are removed by the next writer's lock, and check() ignores them."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01"))
            stale = [tmp_path / ".tmp-123.download", tmp_path / ARCHIVE_DIR / ".ianaports-456"]
            for path in stale:
                path.write_bytes(b"half")
            assert store.check() == []
            with store.lock():
                assert not any(path.exists() for path in stale)

    def test_archived_but_not_indexed_is_pending_then_indexed(self, tmp_path):
        """An entry a killed writer archived but did not index is no problem, and the next writer indexes it."""
        other = tmp_path / "other"
        with Store(other) as store:
            add(store, registry_xml("2025-02-01", 25))
        with Store(tmp_path / "main") as store:
            add(store, registry_xml("2025-01-01", 20))
            entry = next((other / ARCHIVE_DIR).iterdir())
            shutil.copy(entry, tmp_path / "main" / ARCHIVE_DIR / entry.name)
            report = store.check_report()
            assert (report.problems, report.pending) == ((), 1)
            with store.lock():
                pass
            assert [r.record_count for r in store.releases()] == [20, 25]

    def test_foreign_file_in_the_archive_is_reported(self, tmp_path):
        """A file under archive/ that is no entry is reported by check()."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01"))
            (tmp_path / ARCHIVE_DIR / "notes.txt").write_text("mine")
            assert any("not an archive entry" in problem for problem in store.check())


@pytest.fixture(scope="session")
def real_store(real_cache):
    """The session's store of every real release."""
    return real_cache


class TestRealData:
    def test_every_release_is_byte_exact(self, real_store):
        """Every shared release's original bytes come back from the archive, with the sha256 the index records."""
        with Store(real_store) as store:
            for path in real_release_paths():
                expected = original(path)
                info = store.release(parsed(path).updated)
                assert store.raw(info.updated) == expected
                assert info.sha256 == hashlib.sha256(expected).hexdigest()
                assert info.has_raw

    def test_load_equals_parse(self, real_store):
        """Every stored release loads equal to parsing its file."""
        with Store(real_store) as store:
            for path in real_release_paths():
                expected = parsed(path)
                assert store.load(expected.updated) == expected

    def test_consecutive_diffs_equal_pairwise_diffs(self, real_store):
        """consecutive_diffs gives, pair by pair, exactly what diff gives for each two consecutive releases."""
        with Store(real_store) as store:
            releases = store.releases()
            found = store.consecutive_diffs(releases)
            expected = [store.diff(old.updated, new.updated) for old, new in itertools.pairwise(releases)]
        assert len(found) == len(releases) - 1
        assert found == expected

    def test_snapshots_port(self, real_store):
        """snapshots(port=2304) gives, per release, exactly what lookup(2304) gives on the parsed file."""
        with Store(real_store) as store:
            snapshots = store.snapshots(port=2304)
        assert [date for date, _ in snapshots] == [parsed(p).updated for p in real_release_paths()]
        for path, (_, records) in zip(real_release_paths(), snapshots, strict=True):
            assert records == parsed(path).lookup(2304)

    def test_snapshots_span_member_and_name(self, real_store):
        """A port inside a span and a name (any case) are matched like Registry.lookup and service."""
        with Store(real_store) as store:
            by_port = dict(store.snapshots(port=6010, protocol="tcp"))
            by_name = dict(store.snapshots(name="HTTP"))
        for path in real_release_paths():
            registry = parsed(path)
            assert by_port[registry.updated] == registry.lookup(6010, "tcp")
            assert by_name[registry.updated] == registry.service("http")

    def test_view_matches_registry(self, real_store):
        """The SQL view of the newest release answers like the parsed Registry."""
        newest = parsed(real_release_paths()[-1])
        with Store(real_store) as store:
            view = store.view()
            assert view.updated == newest.updated
            assert view.lookup(80) == newest.lookup(80)
            assert view.lookup(2304, "udp") == newest.lookup(2304, "udp")
            assert view.service("SSH") == newest.service("ssh")
            assert view.lookup_span(PortRange(6000, 6001)) == newest.lookup_span(PortRange(6000, 6001))
            with pytest.raises(NotFoundError):
                view.service("no-such-service")

    def test_diff_matches_parsed_diff(self, real_store):
        """Store.diff of two stored releases equals diff() of the parsed files."""
        old, new = parsed(real_release_paths()[-3]), parsed(real_release_paths()[-1])
        with Store(real_store) as store:
            assert store.diff(old.updated, new.updated) == diff(old, new)

    def test_check_passes(self, real_store):
        """The check of a freshly imported store finds nothing and sums it up in one line."""
        with Store(real_store) as store:
            report = store.check_report()
        assert report.problems == ()
        assert report.releases == report.entries == len(real_release_paths())
        assert "\n" not in report.summary()
        assert report.summary().startswith(f"{len(real_release_paths())} releases, ")

    def test_size(self, real_store):
        """The thirteen real releases take well under 20 MB, the archive well under 2 MB."""
        size = sum(path.stat().st_size for path in real_store.rglob("*") if path.is_file())
        archive = sum(path.stat().st_size for path in (real_store / ARCHIVE_DIR).iterdir())
        assert size < 20_000_000
        assert archive < 2_000_000


def _damage(folder, how: str) -> None:
    db = folder / DB_NAME
    if how == "truncated":
        with db.open("r+b") as handle:
            handle.truncate(db.stat().st_size // 3)
    elif how == "overwritten":
        rng = random.Random(14)
        data = bytearray(db.read_bytes())
        for _ in range(64):
            start = rng.randrange(100, len(data) - 4096)
            data[start : start + 4096] = rng.randbytes(4096)
        db.write_bytes(bytes(data))
    else:
        db.unlink()
    for suffix in ("-wal", "-shm"):
        (folder / f"{DB_NAME}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def real_answers(real_cache):
    """The answers of the untouched real store, computed once."""
    with Store(real_cache) as store:
        return answers(store)


class TestRebuild:
    @pytest.mark.parametrize("how", ["truncated", "overwritten", "deleted"])
    def test_damaged_index_is_refused_then_rebuilt_identically(self, real_cache, real_answers, tmp_path, how):
        """A truncated, overwritten or deleted index is a CacheError naming rebuild; rebuild restores every answer."""
        folder = tmp_path / "copy"
        shutil.copytree(real_cache, folder)
        _damage(folder, how)
        with Store(folder) as store:
            with pytest.raises(CacheError, match="ianaports rebuild") as raised:
                answers(store)
            assert "\n" not in str(raised.value)
            assert store.rebuild() == len(real_release_paths())
            assert answers(store) == real_answers
            assert store.check() == []

    @pytest.mark.parametrize(
        ("error", "corrupt"),
        [
            (sqlite3.DatabaseError("vtable constructor failed: records_search"), True),
            (sqlite3.DatabaseError("database disk image is malformed"), True),
            (sqlite3.OperationalError("no such module: fts5"), False),
        ],
    )
    def test_damage_is_known_without_an_error_code(self, error, corrupt):
        """Python 3.10's errors carry no sqlite_errorcode: a damaged index is then known by SQLite's text."""
        assert getattr(error, "sqlite_errorcode", None) is None
        assert store_connection.is_corrupt(error) is corrupt

    def test_rebuild_keeps_metadata(self, tmp_path):
        """HTTP validators and the last check time survive a rebuild of a readable index."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
            store.set_meta("validators:x", '{"etag": "1"}')
            store.rebuild()
            assert store.get_meta("validators:x") == '{"etag": "1"}'

    def test_schema_version_change_rebuilds_automatically(self, tmp_path, monkeypatch, caplog):
        """An index of another schema version is rebuilt on open, with one warning line, and answers the same."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01", 20))
            add(store, registry_xml("2025-02-01", 21))
            before = answers(store)
        monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
        with caplog.at_level(logging.WARNING, logger="ianaports"), Store(tmp_path) as store:
            assert answers(store) == before
        assert [record.getMessage().count("\n") for record in caplog.records] == [0]
        assert "rebuilding" in caplog.records[0].getMessage()
        connection = sqlite3.connect(tmp_path / DB_NAME)
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(
            schema.SCHEMA_VERSION
        )
        connection.close()

    def test_codec_version_change_rebuilds_automatically(self, tmp_path, monkeypatch):
        """A change of the private record format alone also rebuilds the index from the archive."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
        monkeypatch.setattr(codec, "CODEC_VERSION", codec.CODEC_VERSION + 1)
        with Store(tmp_path) as store:
            assert len(store.load()) == 20


class TestDamage:
    def test_corrupt_database(self, tmp_path):
        """A file that is not SQLite is a CacheError naming its path and 'ianaports rebuild'."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
        (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
        for call in (Store.releases, Store.load, Store.latest, Store.raw, Store.view, Store.check):
            with Store(tmp_path) as store:
                if call is Store.check:
                    assert any("ianaports rebuild" in problem for problem in store.check())
                    continue
                with pytest.raises(CacheError, match=f"{tmp_path}.*ianaports rebuild"):
                    call(store)
        with Store(tmp_path) as store, pytest.raises(CacheError, match="ianaports rebuild"):
            store.history(port=1000)

    def test_check_finds_order_keys_and_presence_runs_that_disagree(self, tmp_path):
        """The streaming check still finds swapped order keys and a presence run cut short."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01", 20))
            add(store, registry_xml("2025-02-01", 21))
            assert store.check() == []
        connection = sqlite3.connect(tmp_path / DB_NAME)
        (first, a), (second, b) = connection.execute("SELECT record_id, key FROM order_keys LIMIT 2").fetchall()
        connection.execute("UPDATE order_keys SET key = ? WHERE record_id = ?", (b, first))
        connection.execute("UPDATE order_keys SET key = ? WHERE record_id = ?", (a, second))
        connection.execute("UPDATE presence SET last_seq = 0 WHERE record_id = (SELECT min(record_id) FROM presence)")
        connection.commit()
        connection.close()
        with Store(tmp_path) as store:
            problems = store.check()
        assert "release 2025-01-01: its order keys do not give its record order" in problems
        assert "release 2025-02-01: presence runs do not match its member list" in problems

    def test_foreign_database(self, tmp_path):
        """A SQLite file that is not an index is refused, naming rebuild."""
        connection = sqlite3.connect(tmp_path / DB_NAME)
        connection.execute("CREATE TABLE other (x)")
        connection.commit()
        connection.close()
        with pytest.raises(CacheError, match=r"not an ianaports index.*ianaports rebuild"):
            Store(tmp_path).releases()

    def test_sync_into_a_corrupt_index_fails_naming_rebuild(self, tmp_path):
        """A sync into a corrupt index is a CacheError naming rebuild, never 'up to date'."""
        (tmp_path / "r.xml").write_bytes(registry_xml())
        ianaports.sync(tmp_path / "r.xml", cache_dir=tmp_path / "s")
        (tmp_path / "s" / DB_NAME).write_bytes(b"garbage" * 1000)
        with pytest.raises(CacheError, match="ianaports rebuild"):
            ianaports.sync(tmp_path / "r.xml", cache_dir=tmp_path / "s", force=True)

    def test_check_finds_tampering(self, tmp_path):
        """check() reports an index record and an archive entry whose content no longer match their sha256."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
        connection = sqlite3.connect(tmp_path / DB_NAME)
        connection.execute("UPDATE records SET description = 'Service X' WHERE id = 2")
        connection.commit()
        connection.close()
        entry = next((tmp_path / ARCHIVE_DIR).iterdir())
        data = bytearray(entry.read_bytes())
        data[-20] ^= 0xFF
        entry.chmod(0o644)
        entry.write_bytes(bytes(data))
        with Store(tmp_path) as store:
            problems = store.check()
        assert any("record 2" in problem for problem in problems)
        assert any(entry.name in problem for problem in problems)

    def test_read_only_connection(self, tmp_path):
        """An index opened read-only (as in a read-only folder) still loads releases."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
        store = Store(tmp_path)
        connection = sqlite3.connect(f"{(tmp_path / DB_NAME).as_uri()}?mode=ro", uri=True, isolation_level=None)
        store._connection = connection
        store._read_only = True
        assert len(store.load()) == 20
        store.close()


class TestBackup:
    def test_backup_restores_every_answer(self, tmp_path):
        """A backup tar extracted into an empty folder answers like the store, byte-exact raw releases included."""
        xmls = [registry_xml("2025-01-01", 20), registry_xml("2025-02-01", 21)]
        with Store(tmp_path / "s") as store:
            for xml in xmls:
                add(store, xml)
            before = answers(store)
            assert store.backup(tmp_path / "b.tar") == tmp_path / "b.tar"
        with tarfile.open(tmp_path / "b.tar") as tar:
            tar.extractall(tmp_path / "restored", filter="data")
        with Store(tmp_path / "restored") as store:
            assert answers(store) == before
            assert [store.raw(day) for day in ("2025-01-01", "2025-02-01")] == xmls
            assert store.check() == []

    def test_backup_while_a_writer_is_mid_transaction(self, tmp_path):
        """A backup taken while another connection holds an unfinished write leaves that write out."""
        with Store(tmp_path / "s") as store:
            add(store, registry_xml("2025-01-01", 20))
        writer = sqlite3.connect(tmp_path / "s" / DB_NAME, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO meta VALUES ('half', 'written')")
        try:
            with Store(tmp_path / "s") as store:
                store.backup(tmp_path / "b.tar")
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        with tarfile.open(tmp_path / "b.tar") as tar:
            tar.extractall(tmp_path / "restored", filter="data")
        with Store(tmp_path / "restored") as store:
            assert store.get_meta("half") is None
            assert store.check() == []


# -- ianaports 0.1 stores ---------------------------------------------------------------

_LEGACY_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, name_lower TEXT, protocol TEXT,
    port_start INTEGER, port_end INTEGER, body TEXT NOT NULL);
CREATE TABLE people (id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE releases (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, updated TEXT NOT NULL, sha256 TEXT NOT NULL,
    record_count INTEGER NOT NULL, source TEXT NOT NULL, fetched_at TEXT NOT NULL, title TEXT NOT NULL,
    footnotes TEXT NOT NULL, people BLOB NOT NULL, members BLOB NOT NULL, epoch INTEGER, UNIQUE (updated, sha256));
"""


def canonical_json_for_tests(data) -> str:
    """Compact JSON, as ianaports 0.1 stored its records."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def write_legacy_store(folder, xmls: list[bytes]) -> list[str]:
    """An ianaports 0.1 store of *xmls* (oldest first): its database, and raw/ holding only the newest XML."""
    folder.mkdir(parents=True)
    connection = sqlite3.connect(folder / DB_NAME)
    connection.executescript(_LEGACY_SCHEMA)
    connection.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    record_ids: dict[str, int] = {}
    person_ids: dict[str, int] = {}

    def intern(table: str, ids: dict[str, int], body: str) -> int:
        if body not in ids:
            digest = hashlib.sha256(body.encode()).digest()
            extra = ", name_lower, protocol, port_start, port_end" if table == "records" else ""
            values = ", NULL, NULL, NULL, NULL" if table == "records" else ""
            cursor = connection.execute(
                f"INSERT INTO {table} (digest, body{extra}) VALUES (?, ?{values})", (digest, body)
            )
            ids[body] = cursor.lastrowid
        return ids[body]

    shas = []
    for seq, xml in enumerate(xmls):
        registry = parse_bytes(xml)
        sha = hashlib.sha256(xml).hexdigest()
        shas.append(sha)
        members = [intern("records", record_ids, canonical_json_for_tests(record_to_json(r))) for r in registry]
        people = [
            intern("people", person_ids, canonical_json_for_tests(person_to_json(p))) for p in registry.people.values()
        ]
        connection.execute(
            "INSERT INTO releases (seq, updated, sha256, record_count, source, fetched_at, title, footnotes, people,"
            " members) VALUES (?, ?, ?, ?, 'old', '2025-06-01T00:00:00+00:00', ?, '{}', ?, ?)",
            (seq, registry.updated.isoformat(), sha, len(members), registry.title,
             store_write.pack_ids(people), store_write.pack_ids(members)),
        )  # fmt: skip
    connection.commit()
    connection.close()
    newest = parse_bytes(xmls[-1]).updated.isoformat()
    (folder / "raw").mkdir()
    (folder / "raw" / f"{newest}.{shas[-1][:16]}.xml.xz").write_bytes(lzma.compress(xmls[-1]))
    return shas


class TestLegacyStore:
    XMLS = (
        registry_xml("2025-01-01", 20),
        registry_xml("2025-02-01", 21, reverse=True),
        registry_xml("2025-03-01", 22),
    )

    def test_moved_from_the_cache_folder_once(self, tmp_path, monkeypatch, caplog):
        """A 0.1 store in the user cache folder is moved to the data folder with one notice, history kept."""
        old, new = tmp_path / "cache" / "ianaports", tmp_path / "data" / "ianaports"
        monkeypatch.setattr(platformdirs, "user_cache_dir", lambda *a, **k: str(old))
        monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(new))
        monkeypatch.delenv("IANAPORTS_CACHE_DIR", raising=False)
        monkeypatch.delenv("IANAPORTS_DATA_DIR", raising=False)
        write_legacy_store(old, list(self.XMLS))
        with caplog.at_level(logging.WARNING, logger="ianaports"):
            store = Store()
            assert store.path == new
            assert [len(store.load(r.updated)) for r in store.releases()] == [20, 21, 22]
        assert not old.exists()
        messages = [record.getMessage() for record in caplog.records]
        assert any("moved the store" in message for message in messages)
        assert all("\n" not in message for message in messages)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="ianaports"):
            assert Store().path == new
        assert caplog.records == []

    def test_moved_across_file_systems(self, tmp_path, monkeypatch):
        """When the cache and data folders are on different file systems the store is copied, then removed."""
        old, new = tmp_path / "cache" / "ianaports", tmp_path / "data" / "ianaports"
        write_legacy_store(old, list(self.XMLS))
        real_rename = Path.rename

        def rename(self, target):
            if self == old:
                raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
            return real_rename(self, target)

        with monkeypatch.context() as patch:
            patch.setattr(Path, "rename", rename)
            assert layout.move_legacy_store(old, new)
        assert not old.exists()
        assert not list(new.parent.glob(".tmp-*"))
        with Store(new) as store:
            assert [r.record_count for r in store.releases()] == [20, 21, 22]

    def test_history_survives_conversion_and_rebuild(self, tmp_path):
        """Every release of a 0.1 store keeps its answers after conversion and after a later rebuild."""
        folder = tmp_path / "old"
        shas = write_legacy_store(folder, list(self.XMLS))
        expected = [parse_bytes(xml) for xml in self.XMLS]
        with Store(folder) as store:
            assert [store.load(r.updated) for r in store.releases()] == expected
            assert [r.sha256 for r in store.releases()] == shas
            assert [r.has_raw for r in store.releases()] == [False, False, True]
            assert store.raw() == self.XMLS[-1]
            with pytest.raises(NotFoundError, match="not kept"):
                store.raw("2025-01-01")
            store.rebuild()
            assert [store.load(r.updated) for r in store.releases()] == expected
            assert store.check() == []

    def test_raw_folder_removed_once_converted(self, tmp_path):
        """Once the conversion is in place, 0.1's raw/ is gone and its XML is served from the archive."""
        folder = tmp_path / "old"
        write_legacy_store(folder, list(self.XMLS))
        with Store(folder) as store:
            assert len(store.releases()) == 3
            assert store.raw() == self.XMLS[-1]
        assert not (folder / "raw").exists()
        with Store(folder) as store:
            assert store.check() == []

    def test_raw_folder_keeps_what_is_not_archived(self, tmp_path):
        """A file in raw/ that the archive does not hold stays, and so does the folder."""
        folder = tmp_path / "old"
        write_legacy_store(folder, list(self.XMLS))
        (folder / "raw" / "notes.txt").write_text("mine")
        with Store(folder) as store:
            assert len(store.releases()) == 3
        assert [path.name for path in (folder / "raw").iterdir()] == ["notes.txt"]

    def test_raw_folder_kept_when_conversion_fails(self, tmp_path, monkeypatch):
        """A conversion that fails before its index is in place leaves raw/ as it was."""
        folder = tmp_path / "old"
        write_legacy_store(folder, list(self.XMLS))
        kept = sorted(path.name for path in (folder / "raw").iterdir())

        def fail(self, temp):
            raise CacheError("disk full")

        monkeypatch.setattr(Maintenance, "_install", fail)
        with pytest.raises(CacheError, match="disk full"), Store(folder) as store:
            store.releases()
        assert sorted(path.name for path in (folder / "raw").iterdir()) == kept

    def test_importing_the_original_file_archives_it(self, tmp_path):
        """A release kept without its XML gets its original bytes archived when its file is imported again."""
        folder = tmp_path / "old"
        write_legacy_store(folder, list(self.XMLS))
        (tmp_path / "first.xml").write_bytes(self.XMLS[0])
        ianaports.sync(tmp_path / "first.xml", cache_dir=folder)
        with Store(folder) as store:
            assert store.raw("2025-01-01") == self.XMLS[0]
            assert store.release("2025-01-01").has_raw
            store.rebuild()
            assert store.raw("2025-01-01") == self.XMLS[0]
            assert len(store.releases()) == 3


def test_parse_is_unaffected(tmp_path):
    """Parsing a file does not create a store."""
    path = tmp_path / "r.xml"
    path.write_bytes(registry_xml())
    parse(path)
    assert not (tmp_path / "cache").exists()


#: Descriptions that test the SQL pre-filter's edges: case outside ASCII, JSON escapes, LIKE wildcards.
_TRICKY = "".join(
    f"<record><name>{name}</name><protocol>tcp</protocol><number>{2000 + index}</number>"
    f"<description>{description}</description></record>\n"
    for index, (name, description) in enumerate(
        [
            ("kelvin", "Temperature in \u212a units"),
            ("umlaut", "\u00dcBER Service"),
            ("quoted", "The &quot;quoted&quot; back\\slash service"),
            ("wild", "100% under_score"),
            ("plain", "Kerberos-like PORT service"),
            ("Kerb", "Short name"),
        ]
    )
)


class TestViewSearch:
    NEEDLES = ("kerberos", "KERBEROS", "ssh", "port", "x11", "nfs", "time", "a", "-", "  Kerb ", "zzzz-none")

    def test_matches_registry_search_on_real_releases(self, real_store):
        """ReleaseView.search gives the same records in the same order as Registry.search on real releases."""
        with Store(real_store) as store:
            for path in (real_release_paths()[0], real_release_paths()[-1]):
                registry = parsed(path)
                view = store.view(registry.updated)
                for needle in self.NEEDLES:
                    assert view.search(needle) == registry.search(needle), needle

    def test_matches_registry_search_on_edge_cases(self, tmp_path):
        """Non-ASCII case, quotes, backslashes and LIKE wildcards find what Registry.search finds."""
        xml = registry_xml(count=3, extra=_TRICKY)
        registry = parse_bytes(xml)
        with Store(tmp_path) as store:
            add(store, xml)
            view = store.view()
            needles = ("k", "\u00fcber", "\u00dcber", '"quoted"', "back\\slash", "%", "_", "100%", "kerb", "svc", "")
            for needle in needles:
                assert view.search(needle) == registry.search(needle), needle
            assert [record.name for record in view.search("kerb")] == ["Kerb", "plain"]


def test_atomic_temp_prefix_is_files_own():
    """layout keeps atomic_write's temporary prefix without importing ianaports._files (tempfile, pathlib)."""
    from ianaports import _files  # noqa: PLC0415 - the module the constant mirrors

    assert layout.ATOMIC_TEMP_PREFIX == _files.TEMP_PREFIX
    assert _files.TEMP_PREFIX in layout.TEMP_PREFIXES
