"""The search index (ianaports.store.search): the same answers as a scan, any text read literally."""

from __future__ import annotations

import sqlite3

import pytest

import ianaports
from ianaports.store import Store, search
from synthetic import registry_xml

#: Needles for every path: under three characters (scan), SQL wildcards and quotes, non-ASCII, case.
NEEDLES = [
    "kerberos",
    "KERBEROS",
    "ssh",
    "http",
    "remote desktop",
    "%",
    "_",
    '"',
    "'",
    "10%",
    "a_b",
    '"ab"',
    "o'r",
    "x-",
    "é",
    "zürich",
    "nothing-like-this",
    "\\",
]

LITERAL = (
    "<record><name>literal-one</name><protocol>tcp</protocol><number>4100</number>"
    "<description>50%_off &quot;quoted&quot; o'reilly</description></record>\n"
    "<record><name>literal-two</name><protocol>tcp</protocol><number>4101</number>"
    "<description>5000 of anything</description></record>\n"
    "<record><name>accent</name><protocol>udp</protocol><number>4102</number>"
    "<description>Zürich Kelvin \u212a</description></record>\n"
)


def _store(folder, xml: bytes) -> Store:
    path = folder / "r.xml"
    path.write_bytes(xml)
    ianaports.sync(path, cache_dir=folder / "store")
    return Store(folder / "store")


class TestRealReleases:
    @pytest.mark.parametrize("needle", NEEDLES)
    def test_same_as_registry_search(self, real_cache, needle):
        """On the newest stored release the indexed search answers exactly what Registry.search answers."""
        with Store(real_cache) as store:
            registry = store.load("latest")
            assert store.view("latest").search(needle) == registry.search(needle)

    def test_word_queries_use_the_index(self, real_cache):
        """A word of three letters or more is answered by the index, without a scan."""
        with Store(real_cache) as store, store._query() as connection:
            found = search.candidates(connection, "kerberos")
            assert found is not None
            texts = [f"{name or ''} {description}" for _, name, description in found]
            assert all("kerberos" in text.lower() or not text.isascii() for text in texts)
            assert sum("kerberos" in text.lower() for text in texts) >= 13  # every kerberos record of every release
            assert search.candidates(connection, "ss") is None  # under a trigram: the scan answers


class TestLiteralText:
    @pytest.mark.parametrize(
        ("needle", "names"),
        [
            ("%_o", ["literal-one"]),
            ("50%", ["literal-one"]),
            ('"quoted"', ["literal-one"]),
            ("o'reilly", ["literal-one"]),
            ("%", ["literal-one"]),
            ("_", ["literal-one"]),
            ('"', ["literal-one"]),
            ("'", ["literal-one"]),
            ("500", ["literal-two"]),
            ("50", ["literal-one", "literal-two"]),
            ("zürich", ["accent"]),
            ("kelvin k", ["accent"]),
            ("OR svc1", []),
            ("svc1*", []),
            ("NEAR(", []),
        ],
    )
    def test_wildcards_quotes_and_query_syntax_are_literal(self, tmp_path, needle, names):
        """SQL wildcards, quotes and FTS5 syntax in a query are plain text; the index agrees with the scan."""
        with _store(tmp_path, registry_xml(extra=LITERAL)) as store:
            view = store.view("latest")
            assert [record.name for record in view.search(needle)] == names
            assert view.search(needle) == store.load("latest").search(needle)

    def test_index_is_filled_with_every_release(self, tmp_path):
        """Each stored release's records are in the index, so a later release's new record is found by it."""
        with _store(tmp_path, registry_xml()) as store:
            (tmp_path / "r2.xml").write_bytes(registry_xml("2025-12-20", extra=LITERAL))
            ianaports.sync(tmp_path / "r2.xml", cache_dir=store.path)
            with store._query() as connection:
                found = search.candidates(connection, "reilly")
            assert [name for _, name, _ in found or []] == ["literal-one", "accent"]  # accent: flagged non-ASCII
            assert [record.name for record in store.view("latest").search("reilly")] == ["literal-one"]

    def test_index_is_one_segment_after_each_release(self, tmp_path):
        """Each fill merges the index into one FTS5 segment: a query reads every segment, one per fill otherwise."""
        with _store(tmp_path, registry_xml()) as store:
            for number, date in enumerate(["2025-12-20", "2025-12-27", "2026-01-03"]):
                (tmp_path / "r2.xml").write_bytes(registry_xml(date, 20 + number, extra=LITERAL))
                ianaports.sync(tmp_path / "r2.xml", cache_dir=store.path)
                with store._query() as connection:
                    segments = connection.execute(f"SELECT count(DISTINCT segid) FROM {search.SEARCH_TABLE}_idx")
                    assert segments.fetchone()[0] == 1
            assert [record.name for record in store.view("latest").search("reilly")] == ["literal-one"]

    def test_store_without_the_index_is_scanned(self, tmp_path):
        """A store whose index lacks the table (written before it existed) still answers, by a scan."""
        with _store(tmp_path, registry_xml(extra=LITERAL)) as store:
            db_path = store.db_path
        with sqlite3.connect(db_path) as connection:
            connection.execute(f"DROP TABLE {search.SEARCH_TABLE}")
        connection.close()
        with Store(db_path.parent) as store:
            with store._query() as reading:
                assert search.candidates(reading, "reilly") is None
            assert [record.name for record in store.view("latest").search("reilly")] == ["literal-one"]
