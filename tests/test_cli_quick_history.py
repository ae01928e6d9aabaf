"""The quick ``history`` (``ianaports.cli._quick._history``) prints exactly what the full path prints, or leaves it.

Every comparison is the quick answer (exit code, stdout, stderr) against the
full path's (``_main.run_full``: argparse, ``Store.history`` decoding records,
``ianaports.changes.history``), byte for byte, on the store of the 13 real
releases (``real_cache``) and on the committed diff fixtures: hundreds of
ports and names, text and ``--json``, with and without a protocol; ports with
renames (1980 from 2025-11-14 to 2025-11-20), de-assignments, spans, ports no
one was ever assigned, names in several cases.  Each test also says which
command lines the quick path must answer itself.
"""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from ianaports import cli, parse
from ianaports._sync import sync
from ianaports.render.changes import record_history_form
from ianaports.render.stored_history import FORM_DICTIONARY
from ianaports.store import DB_NAME, SCHEMA_VERSION, Store
from realdata import FIXTURES, parsed, real_release_paths, require_real
from test_cli_quick import _compare, _full_answer, _ports, _quick_answer


def _history_of(folder, **query):
    with Store(folder) as store:
        return store.history(**query)


@pytest.fixture(scope="module")
def newest_and_oldest():
    paths = real_release_paths()
    if not paths:
        pytest.skip("real IANA releases not found (set IANAPORTS_TEST_REGISTRY)")
    return parsed(require_real()), parsed(paths[0])


class TestPorts:
    def test_text(self, real_cache, newest_and_oldest):
        """history PORT: answered quickly whenever some release holds the port, as the full path prints it."""
        newest, oldest = newest_and_oldest
        ports = sorted(
            set(_ports(newest)[::2]) | set(_ports(oldest)[::5]) | {1980, 2304, 22, 80, 2, 3, 47, 49152, 65535}
        )
        answered = 0
        for port in ports:
            argv = ["history", str(port), "--data-dir", str(real_cache)]
            found = _history_of(real_cache, port=port)
            assert _compare(argv) == bool(found.events), port
            answered += bool(found.events)
        assert answered > 300

    def test_json_and_protocol(self, real_cache, newest_and_oldest):
        """--json and -p/--protocol (any case, before or after the port) print the full path's document."""
        newest, _ = newest_and_oldest
        for port in [*_ports(newest)[::12], 1980, 2, 47]:
            for protocol, options in (
                (None, ["--json"]),
                ("udp", ["-p", "udp"]),
                ("tcp", ["--protocol", "TCP", "--json"]),
            ):
                found = bool(_history_of(real_cache, port=port, protocol=protocol).events)
                assert _compare(["history", *options, str(port), "--data-dir", str(real_cache)]) == found, port
                assert _compare(["history", str(port), *options, "--data-dir", str(real_cache)]) == found, port

    def test_a_rename(self, real_cache):
        """1980: pearldoc-xact became panquest-xact on both protocols between 2025-11-14 and 2025-11-20."""
        for options in ([], ["--json"], ["-p", "udp"]):
            assert _compare(["history", "1980", *options, "--data-dir", str(real_cache)])
        text = _quick_answer(["history", "1980", "--data-dir", str(real_cache)])[1]
        assert text.count("2025-11-20  renamed  panquest-xact 1980/") == 2
        assert "      service_name: pearldoc-xact -> panquest-xact" in text

    def test_spans_and_ports_no_one_had(self, real_cache):
        """A port inside an unassigned or reserved span has that span's history; the span itself is the full path's."""
        for port in ("0", "1023", "1024", "49151", "6010", "0080", " 80 ", "4"):
            assert _compare(["history", port, "--data-dir", str(real_cache)]), port
        for port in ("49152", "65535"):  # the dynamic ports: no release lists them
            argv = ["history", port, "--data-dir", str(real_cache)]
            assert _quick_answer(argv) is None
            assert _full_answer(argv)[0] == cli.EXIT_NOT_FOUND
        for query in ("6000-6063", "65536", "53/udp", "-5", ""):
            assert _quick_answer(["history", query, "--data-dir", str(real_cache)]) is None


class TestNames:
    def test_names(self, real_cache, newest_and_oldest):
        """history NAME in its own case, upper and lower case, text and --json, with and without a protocol."""
        newest, oldest = newest_and_oldest
        names = sorted({record.name for registry in (newest, oldest) for record in registry.records if record.name})
        chosen = [name for name in names[::40] if "/" not in name]
        chosen += ["pearldoc-xact", "panquest-xact", "compressnet", "ni-ftp", "ssh", "http"]
        answered = 0
        for name in chosen:
            expected = bool(_history_of(real_cache, name=name).events)
            for query in (name, name.upper(), name.lower()):
                assert _compare(["history", query, "--data-dir", str(real_cache)]) == expected, query
            assert _compare(["history", name, "--json", "--data-dir", str(real_cache)]) == expected, name
            on_udp = bool(_history_of(real_cache, name=name, protocol="udp").events)
            assert _compare(["history", name, "-p", "udp", "--data-dir", str(real_cache)]) == on_udp, name
            answered += expected
        assert answered == len(chosen)  # every name some release holds

    def test_renamed_and_deassigned_names(self, real_cache):
        """pearldoc-xact's records left with their port: its history shows the rename, found in 1980's history."""
        for name in ("pearldoc-xact", "panquest-xact", "compressnet", "ni-ftp"):
            for options in ([], ["--json"], ["-p", "udp"]):
                assert _compare(["history", name, *options, "--data-dir", str(real_cache)]), name
        text = _quick_answer(["history", "pearldoc-xact", "--data-dir", str(real_cache)])[1]
        assert text.count("2025-11-20  renamed  panquest-xact 1980/") == 2
        assert "removed" not in text

    def test_not_found_is_left_to_the_full_path(self, real_cache):
        """No event: the full path's message (with its did-you-mean) and exit 1."""
        for words in (["history", "shh"], ["history", "no-such-service-xyz", "--json"]):
            argv = [*words, "--data-dir", str(real_cache)]
            assert _quick_answer(argv) is None
            assert _full_answer(argv)[0] == cli.EXIT_NOT_FOUND


@pytest.fixture(scope="module")
def diff_store(tmp_path_factory):
    """diff-old.xml then diff-new.xml: rep/REP in two cases, a record listed thrice, renames and moves."""
    folder = tmp_path_factory.mktemp("diff-store")
    sync(FIXTURES / "diff-old.xml", cache_dir=folder)
    sync(FIXTURES / "diff-new.xml", cache_dir=folder)
    return folder


class TestFixtures:
    def test_every_port_and_name(self, diff_store):
        """Every port and name of both fixtures, every form: equal to the full path, and answered where it should be."""
        records = [*parse(FIXTURES / "diff-old.xml").records, *parse(FIXTURES / "diff-new.xml").records]
        ports = sorted({port for record in records if record.ports for port in (record.ports.start, record.ports.end)})
        names = sorted({record.name for record in records if record.name and "/" not in record.name})
        answered = 0
        for query in [*map(str, ports), *names, *(name.upper() for name in names)]:
            for options in ([], ["--json"], ["-p", "tcp"]):
                answered += _compare(["history", query, *options, "--data-dir", str(diff_store)])
        assert answered > len(ports) + len(names)
        for name in ("rep", "REP", "Rep"):
            assert _compare(["history", name, "--data-dir", str(diff_store)])

    def test_a_record_without_a_form_is_the_full_paths(self, tmp_path):
        """A record the index holds no history form for (a separator in a piece): its histories take the full path."""
        folder, argv = _answered_store(tmp_path)
        connection = sqlite3.connect(folder / DB_NAME)
        with connection:
            connection.execute("DELETE FROM history_forms")
        connection.close()
        assert _quick_answer(argv) is None
        assert _full_answer(argv)[0] == cli.EXIT_OK

    @pytest.mark.parametrize(
        "damage",
        [
            lambda form: form[:-4],  # the stream's checksum cut off: the text itself is whole
            lambda form: form + b"\0",  # a byte after the stream's end
        ],
        ids=["cut", "overlong"],
    )
    def test_a_cut_or_overlong_form_is_damage(self, tmp_path, damage):
        """A history form whose zlib stream is cut or has trailing bytes is index damage: the full path answers."""
        folder, argv = _answered_store(tmp_path)
        connection = sqlite3.connect(folder / DB_NAME)
        with connection:
            rows = connection.execute("SELECT record_id, form FROM history_forms").fetchall()
            connection.executemany(
                "UPDATE history_forms SET form = ? WHERE record_id = ?",
                [(damage(bytes(form)), record_id) for record_id, form in rows],
            )
        connection.close()
        assert _quick_answer(argv) is None
        assert _full_answer(argv)[0] == cli.EXIT_OK


#: sha256 of the history forms of every record of three committed fixtures, per schema version.  When it
#: changes, what a history prints or compares of a record has changed: bump SCHEMA_VERSION (stores in use
#: then rebuild their history_forms) and record the new fingerprint here.
HISTORY_FORM_FINGERPRINTS = {
    4: "7547fc124bead87c89d051e95bdfc817c4dad064194e5c62bd376c524d6b9a1d",
    5: "7547fc124bead87c89d051e95bdfc817c4dad064194e5c62bd376c524d6b9a1d",  # version 5 changed no history form
}


def test_what_a_history_prints_of_a_record_is_versioned():
    """A change to a record's history form goes with a new SCHEMA_VERSION (see HISTORY_FORM_FINGERPRINTS)."""
    digest = hashlib.sha256(FORM_DICTIONARY)
    for name in ("names-case-and-aliases.xml", "mojibake-and-mailto.xml", "ranges-and-no-protocol.xml"):
        for record in parse(FIXTURES / name).records:
            digest.update(str(record_history_form(record)).encode("utf-8", "surrogatepass") + b"\0")
    assert HISTORY_FORM_FINGERPRINTS.get(SCHEMA_VERSION) == digest.hexdigest(), (
        "what history prints of a record changed: bump SCHEMA_VERSION and record the new fingerprint"
    )


def _answered_store(tmp_path):
    """A store of diff-old.xml and a history of it that both paths answer alike, before a test damages the store."""
    folder = tmp_path / "store"
    sync(FIXTURES / "diff-old.xml", cache_dir=folder)
    argv = ["history", "9100", "--data-dir", str(folder)]
    assert _compare(argv)
    return folder, argv
