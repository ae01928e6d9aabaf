from __future__ import annotations

import datetime as dt
import hashlib
import lzma
import os
import sqlite3
import time

import pytest

import ianaports.store
from ianaports import parse
from ianaports.errors import CacheError, NotFoundError
from ianaports.model import PortRange
from ianaports.parser import parse_bytes
from ianaports.store import DB_NAME, Store, _unpack_ids
from realdata import parsed, real_release_paths
from synthetic import registry_xml


def add(store: Store, xml: bytes, source: str = "test"):
    with store.lock():
        return store.add(parse_bytes(xml), sha256=hashlib.sha256(xml).hexdigest(), source=source, xml=xml)


class TestReleases:
    def test_empty(self, tmp_path):
        """A folder without a database has no releases, and naming one raises NotFoundError."""
        store = Store(tmp_path / "none")
        assert store.releases() == ()
        assert store.latest() is None
        with pytest.raises(NotFoundError):
            store.load()

    def test_same_release_twice(self, tmp_path):
        """Importing the same release twice stores it once."""
        with Store(tmp_path) as store:
            assert add(store, registry_xml()) is not None
            assert add(store, registry_xml()) is None
            assert len(store.releases()) == 1

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

    def test_raw_xml_kept_for_newest(self, tmp_path):
        """Only the newest release's XML is kept, xz-compressed."""
        with Store(tmp_path) as store:
            newest = registry_xml("2025-03-01")
            add(store, newest)
            add(store, registry_xml("2025-01-01"))
            raw = store.raw_path()
            assert raw is not None
            assert lzma.decompress(raw.read_bytes()) == newest
            assert len(list((tmp_path / "raw").iterdir())) == 1


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
    """The store's logical content, with row ids replaced by content digests so two stores compare."""
    connection = sqlite3.connect(folder / DB_NAME)
    try:
        digest = dict(connection.execute("SELECT id, hex(digest) FROM records"))
        person = dict(connection.execute("SELECT id, hex(digest) FROM people"))
        releases = [
            (seq, updated, sha, [digest[i] for i in _unpack_ids(members)], [person[i] for i in _unpack_ids(people)])
            for seq, updated, sha, members, people in connection.execute(
                "SELECT seq, updated, sha256, members, people FROM releases ORDER BY seq"
            )
        ]
        return {
            "records": sorted(
                connection.execute("SELECT hex(digest), name_lower, protocol, port_start, port_end, body FROM records")
            ),
            "people": sorted(connection.execute("SELECT hex(digest), body FROM people")),
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
        """Importing releases in one Store stores exactly what importing each in a fresh Store stores."""
        releases = [
            registry_xml("2025-03-01", 22),
            registry_xml("2025-01-01", 20),
            registry_xml("2025-02-01", 21, reverse=True),
            registry_xml("2025-04-01", 21),
        ]
        registries = [(parse_bytes(xml), hashlib.sha256(xml).hexdigest()) for xml in releases]
        # Real releases (parsed once per session) exercise shared people and repeated spans.
        registries += [(parsed(path), path.name) for path in real_release_paths()[-1:]]
        with Store(tmp_path / "warm") as store, store.lock():
            for registry, sha256 in registries:
                store.add(registry, sha256=sha256, source="same")
        for registry, sha256 in registries:
            with Store(tmp_path / "cold") as store, store.lock():
                store.add(registry, sha256=sha256, source="same")
        assert _dump(tmp_path / "warm") == _dump(tmp_path / "cold")

    def test_rolled_back_release_forgets_its_records(self, tmp_path, monkeypatch):
        """A release whose transaction fails leaves no remembered ids, so the next import stores its records."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01", 3))

            def fail(*args, **kwargs):
                raise sqlite3.OperationalError("disk I/O error")

            monkeypatch.setattr(ianaports.store, "_insert_presence", fail)
            with pytest.raises(CacheError):
                add(store, registry_xml("2025-02-01", 5))
            monkeypatch.undo()
            add(store, registry_xml("2025-02-01", 5))
            assert len(store.load("2025-02-01")) == 5
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
        """Temporary files a killed writer left are removed by the next writer's lock."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01"))
            stale = [tmp_path / ".tmp-123.download", tmp_path / "raw" / ".tmp-456.xml.xz"]
            for path in stale:
                path.write_bytes(b"half")
            assert store.check() == []
            with store.lock():
                assert not any(path.exists() for path in stale)

    def test_lagging_kept_xml_passes_check_and_is_mended(self, tmp_path):
        """After an import killed before it kept its XML, check() passes and the next sync of it keeps it."""
        older, newer = registry_xml("2025-01-01"), registry_xml("2025-02-01")
        with Store(tmp_path) as store:
            add(store, older)
            with store.lock():
                store.add(parse_bytes(newer), sha256=hashlib.sha256(newer).hexdigest(), source="test")
            assert store.raw_path() is None
            assert store.check() == []
        (tmp_path / "newer.xml").write_bytes(newer)
        ianaports.sync(tmp_path / "newer.xml", cache_dir=tmp_path)
        with Store(tmp_path) as store:
            raw = store.raw_path()
            assert raw is not None
            assert lzma.decompress(raw.read_bytes()) == newer
            assert store.check() == []

    def test_foreign_kept_xml_is_reported(self, tmp_path):
        """A file under raw/ that is no stored release's XML is reported by check()."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01"))
            (tmp_path / "raw" / "2020-01-01.0000000000000000.xml.xz").write_bytes(lzma.compress(b"<x/>"))
            assert any("not the XML of a stored release" in problem for problem in store.check())

    def test_kept_xml_of_an_interrupted_import_is_accepted(self, tmp_path):
        """XML dated after the newest release (a writer killed before its commit) is no problem; older is."""
        with Store(tmp_path) as store:
            add(store, registry_xml("2025-01-01"))
            orphan = tmp_path / "raw" / "2025-02-01.0000000000000000.xml.xz"
            orphan.write_bytes(lzma.compress(b"<x/>"))
            assert store.check() == []
            orphan.rename(tmp_path / "raw" / "2024-12-31.0000000000000000.xml.xz")
            assert any("not the XML of a stored release" in problem for problem in store.check())


class TestRealData:
    def test_load_equals_parse(self, real_cache):
        """Every stored release loads equal to parsing its file."""
        with Store(real_cache) as store:
            for path in real_release_paths():
                expected = parsed(path)
                assert store.load(expected.updated) == expected

    def test_snapshots_port(self, real_cache):
        """snapshots(port=2304) gives, per release, exactly what lookup(2304) gives on the parsed file."""
        with Store(real_cache) as store:
            snapshots = store.snapshots(port=2304)
        assert [date for date, _ in snapshots] == [parsed(p).updated for p in real_release_paths()]
        for path, (_, records) in zip(real_release_paths(), snapshots, strict=True):
            assert records == parsed(path).lookup(2304)

    def test_snapshots_span_member_and_name(self, real_cache):
        """A port inside a span and a name (any case) are matched like Registry.lookup and service."""
        with Store(real_cache) as store:
            by_port = dict(store.snapshots(port=6010, protocol="tcp"))
            by_name = dict(store.snapshots(name="HTTP"))
        for path in real_release_paths():
            registry = parsed(path)
            assert by_port[registry.updated] == registry.lookup(6010, "tcp")
            assert by_name[registry.updated] == registry.service("http")

    def test_snapshots_fast(self, real_cache):
        """A port's history across every stored release takes well under 100 ms."""
        with Store(real_cache) as store:
            store.snapshots(port=80)
            started = time.perf_counter()
            store.snapshots(port=80)
            assert time.perf_counter() - started < 0.1

    def test_view_matches_registry(self, real_cache):
        """The SQL view of the newest release answers like the parsed Registry."""
        newest = parsed(real_release_paths()[-1])
        with Store(real_cache) as store:
            view = store.view()
            assert view.updated == newest.updated
            assert view.lookup(80) == newest.lookup(80)
            assert view.lookup(2304, "udp") == newest.lookup(2304, "udp")
            assert view.service("SSH") == newest.service("ssh")
            assert view.lookup_span(PortRange(6000, 6001)) == newest.lookup_span(PortRange(6000, 6001))
            with pytest.raises(NotFoundError):
                view.service("no-such-service")

    def test_check_passes(self, real_cache):
        """The integrity check of a freshly imported store finds nothing."""
        with Store(real_cache) as store:
            assert store.check() == []

    def test_size(self, real_cache):
        """The thirteen real releases take well under 20 MB."""
        size = sum(path.stat().st_size for path in real_cache.rglob("*") if path.is_file())
        assert size < 20_000_000


class TestDamage:
    def test_corrupt_database(self, tmp_path):
        """A corrupt database file is a CacheError naming its path."""
        (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
        with pytest.raises(CacheError, match=str(tmp_path)):
            Store(tmp_path).releases()

    def test_foreign_database(self, tmp_path):
        """A SQLite file that is not a store is refused, naming its path."""
        connection = sqlite3.connect(tmp_path / DB_NAME)
        connection.execute("CREATE TABLE other (x)")
        connection.commit()
        connection.close()
        with pytest.raises(CacheError, match="not an ianaports store"):
            Store(tmp_path).releases()

    def test_check_finds_tampering(self, tmp_path):
        """check() reports a record whose content no longer matches its sha256."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
        connection = sqlite3.connect(tmp_path / DB_NAME)
        connection.execute("UPDATE records SET body = replace(body, 'Service 1', 'Service X') WHERE id = 2")
        connection.commit()
        connection.close()
        with Store(tmp_path) as store:
            assert any("sha256" in problem for problem in store.check())

    @pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only folders")
    def test_read_only_folder(self, tmp_path):
        """A read-only cache folder still answers reads; writes fail with a CacheError naming the path."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
        tmp_path.chmod(0o555)
        try:
            with Store(tmp_path) as store:
                assert len(store.load()) == 20
                with pytest.raises(CacheError, match=str(tmp_path)):
                    add(store, registry_xml("2026-01-01"))
        finally:
            tmp_path.chmod(0o755)

    def test_read_only_connection(self, tmp_path):
        """A database opened read-only (as in a read-only folder) still loads releases."""
        with Store(tmp_path) as store:
            add(store, registry_xml())
        store = Store(tmp_path)
        connection = sqlite3.connect(f"{(tmp_path / DB_NAME).as_uri()}?mode=ro", uri=True, isolation_level=None)
        store._connection = connection
        store._read_only = True
        assert len(store.load()) == 20
        store.close()


def test_parse_is_unaffected(tmp_path):
    """Parsing a file does not create a cache."""
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

    def test_matches_registry_search_on_real_releases(self, real_cache):
        """ReleaseView.search gives the same records in the same order as Registry.search on real releases."""
        with Store(real_cache) as store:
            for path in (real_release_paths()[0], real_release_paths()[-1]):
                registry = parsed(path)
                view = store.view(registry.updated)
                for needle in self.NEEDLES:
                    assert view.search(needle) == registry.search(needle), needle

    def test_matches_registry_search_on_edge_cases(self, tmp_path):
        """Non-ASCII case, JSON escapes and LIKE wildcards find what Registry.search finds."""
        xml = registry_xml(count=3, extra=_TRICKY)
        registry = parse_bytes(xml)
        with Store(tmp_path) as store:
            add(store, xml)
            view = store.view()
            needles = ("k", "\u00fcber", "\u00dcber", '"quoted"', "back\\slash", "%", "_", "100%", "kerb", "svc", "")
            for needle in needles:
                assert view.search(needle) == registry.search(needle), needle
            assert [record.name for record in view.search("kerb")] == ["Kerb", "plain"]

    def test_fast(self, real_cache):
        """A search of the newest of thirteen stored releases takes well under 100 ms."""
        with Store(real_cache) as store:
            view = store.view()
            view.search("kerberos")
            started = time.perf_counter()
            view.search("kerberos")
            assert time.perf_counter() - started < 0.1
