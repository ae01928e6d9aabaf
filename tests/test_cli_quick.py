"""The quick path (``ianaports.cli._quick``) prints exactly what the full path prints, or leaves the command line.

For each command line, the quick path's answer (computed by
``_quick.answer``, printing nothing) is compared with what the full path
(``_main.run_full``: argparse and the command's handler, decoding records)
prints: exit code, stdout and stderr, byte for byte.  The queries are real:
hundreds of ports and names of the newest release and of the oldest one
(its own store, so that it is the newest there), in text and JSON.  Each test
also says which command lines the quick path must answer itself, so that one
leaving everything to the full path cannot pass.

Then: ``main`` (the light wrapper that prints a quick answer) against the full
path forced with ``_IANAPORTS_FULL_PATH``; a whole ``python -m ianaports``
process importing none of attrs, the model, argparse, json, re or the store's
layers; fallbacks (not found, an index of another schema, an empty store);
and the fingerprint that makes a change to what a record prints bump the
schema version, so stores in use re-render their printed columns.
"""

from __future__ import annotations

import hashlib
import io
import re
import sqlite3
import subprocess
import sys

import pytest

from cli_helpers import quick_process_env
from ianaports import cli, parse
from ianaports._ranking import search_tier
from ianaports._sync import sync
from ianaports.cli import _main, _quick
from ianaports.cli._basics import Output
from ianaports.render.stored import JSON_DICTIONARY, record_json_line, record_json_text, record_text_row
from ianaports.store import DB_NAME, SCHEMA_VERSION
from realdata import FIXTURES, parsed, real_release_paths, require_real

#: Every one of these is a port, name or search of the real releases, chosen for what it exercises.
SEARCH_WORDS = [
    "kerberos",
    "ssh",
    "http",
    "remote desktop",
    "microsoft",
    "tcp",
    "udp",
    "unassigned",
    "reserved",
    "de-registered",
    "100%",
    "%",  # under three characters: the full path scans; the quick path leaves it
    "_",
    "a_b",
    "sql_",
    "o'r",
    "o'reilly",
    '"',
    'say "hi"',
    "x11",
    "X11",
    "  SSH  ",
    "3270",  # digits: the answer, then the hint to run show
    "ssh-",
    "-ssh",
    "kerb*",
    "(tm)",
    "ietf",
    "ipv6",
    "nfs",
    "zzzz-not-there",
]


def _quick_answer(argv: list[str], *, terminal: bool = False) -> tuple[int, str, str] | None:
    out = _Stream(terminal=terminal)
    return _quick.answer(argv, Output(out, io.StringIO()))


def _full_answer(argv: list[str], *, terminal: bool = False) -> tuple[int, str, str]:
    out, err = _Stream(terminal=terminal), io.StringIO()
    code = _main.run_full(list(argv), Output(out, err))
    return code, out.getvalue(), err.getvalue()


class _Stream(io.StringIO):
    """A StringIO that may say it is a terminal (aligned tables)."""

    def __init__(self, *, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def _compare(argv: list[str], *, terminal: bool = False) -> bool:
    """Assert the quick answer, if any, equals the full path's; True when the quick path answered."""
    quick = _quick_answer(argv, terminal=terminal)
    if quick is None:
        return False
    assert quick == _full_answer(argv, terminal=terminal), argv
    return True


@pytest.fixture(scope="module")
def oldest_store(tmp_path_factory: pytest.TempPathFactory):
    """A store holding only the oldest real release, which is then its newest."""
    paths = real_release_paths()
    if not paths:
        pytest.skip("real IANA releases not found (set IANAPORTS_TEST_REGISTRY)")
    folder = tmp_path_factory.mktemp("oldest-store")
    sync(paths[0], cache_dir=folder)
    return folder, parsed(paths[0])


@pytest.fixture(params=["newest", "oldest"])
def store_and_release(request, real_cache, oldest_store):
    if request.param == "newest":
        return real_cache, parsed(require_real())
    return oldest_store


def _ports(registry) -> list[int]:
    """A stride through the ports (closer below 1100), and the ends and middle of one span in eight.

    About 470 ports a release (450 of them answered): the same rules answer every
    port, so a wider stride mostly costs suite time (each is asked of both paths).
    """
    chosen = set(range(0, 1100, 8)) | set(range(1100, 65536, 937)) | {1, 53, 80, 443, 1023, 1024, 49151, 49152, 65535}
    spans = [record.ports for record in registry.records if record.ports is not None and not record.ports.is_single]
    for span in spans[::8]:
        chosen.update((span.start, span.end, (span.start + span.end) // 2))
    return sorted(chosen)


class TestShowPort:
    def test_text(self, store_and_release):
        """show PORT: the quick path answers every port the release holds, as the full path prints it."""
        folder, registry = store_and_release
        answered = 0
        for port in _ports(registry):
            found = bool(registry.lookup(port))
            quick = _compare(["show", str(port), "--data-dir", str(folder)])
            assert quick == found, port  # found: answered quickly; not found: the full path says so
            answered += quick
        assert answered > 400

    def test_json_and_protocol(self, store_and_release):
        """--json and -p/--protocol (any case, before or after the port) print the full path's document."""
        folder, registry = store_and_release
        for port in _ports(registry)[::5]:
            for protocol, options in (
                (None, ["--json"]),
                ("udp", ["-p", "udp"]),
                ("tcp", ["--protocol", "TCP", "--json"]),
            ):
                found = bool(registry.lookup(port, protocol))
                assert _compare(["show", *options, str(port), "--data-dir", str(folder)]) == found, (port, options)
                assert _compare(["show", str(port), *options, "--data-dir", str(folder)]) == found, (port, options)

    def test_spans_and_protocol_suffixes(self, store_and_release):
        """show A-B and show PORT/PROTO (services(5) style) answer as the full path reads them."""
        folder, registry = store_and_release
        spans = [record.ports for record in registry.records if record.ports is not None and not record.ports.is_single]
        queries = [f"{span.start}-{span.end}" for span in spans[::9]]
        queries += ["6000-6063", "0-10", "1020 - 1030", "00080-0081", "65530-65535", "80-80"]
        queries += [f"{port}/{protocol}" for port in (53, 80, 443, 2304, 6010) for protocol in ("tcp", "UDP", "sctp")]
        queries += ["6000-6063/tcp", "0-10/udp"]
        answered = 0
        for query in queries:
            for options in ([], ["--json"]):
                answered += _compare(["show", query, *options, "--data-dir", str(folder)])
        assert answered > 50

    def test_a_name_with_a_slash_wins_over_the_suffix(self, tmp_path):
        """Where a service name reads like PORT/PROTO it is that name (split_protocol): the quick path leaves it."""
        xml = (FIXTURES / "names-case-and-aliases.xml").read_text(encoding="utf-8")
        assert "<name>EtherNet/IP-1</name>" in xml
        source = tmp_path / "slash.xml"
        source.write_text(xml.replace("<name>EtherNet/IP-1</name>", "<name>2222/tcp</name>"), encoding="utf-8")
        folder = tmp_path / "store"
        sync(source, cache_dir=folder)
        argv = ["show", "2222/tcp", "--data-dir", str(folder)]
        assert _quick_answer(argv) is None  # whatever the full path makes of it, it says it
        assert _run_main(argv) == _full_answer(argv)
        assert _compare(["show", "80/tcp", "--data-dir", str(folder)])

    def test_aligned_on_a_terminal(self, real_cache):
        """On a terminal the table is aligned, on both paths alike."""
        for port in ("53", "80", "6010", "0", "1023"):
            assert _compare(["show", port, "--data-dir", str(real_cache)], terminal=True)

    def test_leading_zeros_and_blanks(self, real_cache):
        """ "0080" and " 80 " are port 80, as read_query reads them."""
        for query in ("0080", " 80 ", "00000"):
            assert _compare(["show", query, "--data-dir", str(real_cache)])


class TestShowName:
    def test_names(self, store_and_release):
        """show NAME, in its own case, upper case and lower case, on every protocol and on one."""
        folder, registry = store_and_release
        names = sorted({record.name for record in registry.records if record.name})
        answered = 0
        for name in names[::100] + [name for name in names if "/" in name or not name.isascii()]:
            for query in (name, name.upper(), name.lower()):
                quick = _compare(["show", query, "--data-dir", str(folder)])
                if "/" in name:
                    assert not quick, name  # a slash: split_protocol decides, on the full path
                else:
                    assert quick, name
                    answered += 1
            assert _compare(["show", name, "--json", "--data-dir", str(folder)]) == ("/" not in name)
            _compare(["show", name, "-p", "udp", "--data-dir", str(folder)])
        assert answered > 200

    def test_names_differing_in_case(self, tmp_path):
        """Names written in two cases (rep and REP, as in fixtures/diff-new.xml) answer with every record of both."""
        folder = tmp_path / "store"
        sync(FIXTURES / "diff-new.xml", cache_dir=folder)
        for name in ("rep", "REP", "Rep"):
            for options in ([], ["--json"]):
                assert _compare(["show", name, *options, "--data-dir", str(folder)])
        assert _quick_answer(["show", "rep", "--data-dir", str(folder)])[1].count("\n") == 3  # header and both

    def test_a_record_listed_several_times(self, tmp_path):
        """A release listing one record thrice (fixtures/diff-old.xml: rep 9100/tcp) prints it thrice on both paths."""
        folder = tmp_path / "store"
        sync(FIXTURES / "diff-old.xml", cache_dir=folder)
        for argv in (["show", "9100"], ["show", "rep"], ["search", "rep"], ["search", "rep", "--json", "-p", "tcp"]):
            assert _compare([*argv, "--data-dir", str(folder)]), argv
        assert _quick_answer(["show", "9100", "--data-dir", str(folder)])[1].count("\nrep\t9100\ttcp\t") == 3

    def test_not_found_is_left_to_the_full_path(self, real_cache):
        """A name or port with no record is the full path's: its message (with did-you-mean) and exit 1."""
        for words in (["show", "shh"], ["show", "no-such-service-xyz", "--json"], ["show", "65000", "-p", "dccp"]):
            argv = [*words, "--data-dir", str(real_cache)]
            assert _quick_answer(argv) is None
            code, _, err = _full_answer(argv)
            assert code == cli.EXIT_NOT_FOUND
            assert "nothing in the registry" in err


class TestSearch:
    @pytest.mark.parametrize("options", [[], ["--json"], ["-p", "udp"], ["--limit", "3"], ["--json", "--limit", "1"]])
    def test_words(self, store_and_release, options):
        """search prints the full path's ranking, with wildcards and quotes taken literally."""
        folder, registry = store_and_release
        answered = 0
        for word in SEARCH_WORDS:
            needle = word.strip().lower()
            found = [record for record in registry.search(word) if "-p" not in options or record.protocol == "udp"]
            quick = _compare(["search", word, *options, "--data-dir", str(folder)])
            # Under three characters the full path scans; a word starting with "-" reads as an option there.
            assert quick == (bool(found) and len(needle) >= 3 and not word.startswith("-")), word
            answered += quick
        assert answered >= 15

    def test_words_from_descriptions(self, real_cache):
        """Words taken from the release's own descriptions rank the same on both paths."""
        registry = parsed(require_real())
        words = sorted({word.lower() for record in registry.records[::40] for word in record.description.split()})
        answered = sum(_compare(["search", word, "--data-dir", str(real_cache)]) for word in words[::3])
        assert answered > 100

    def test_digits_say_to_run_show(self, real_cache):
        """search 2304 answers from names and descriptions, then says on stderr that show answers a port."""
        argv = ["search", "3270", "--data-dir", str(real_cache)]
        quick = _quick_answer(argv)
        assert quick == _full_answer(argv)
        assert quick[2] == "ianaports: search reads '3270' as text; for the port run 'ianaports show 3270'\n"
        assert "dsp3270" in quick[1]


class TestLeftToTheFullPath:
    @pytest.mark.parametrize(
        "argv",
        [
            ["show", "2304", "--debug"],
            ["--debug", "show", "2304"],
            ["show", "53/udp", "-p", "tcp"],
            ["show", "53 / udp"],
            ["show", "80/tpc"],
            ["show", "6063-6000"],
            ["show", "6000-"],
            ["show", "1-2-3"],
            ["show", "0-65536"],
            ["show", "65536"],
            ["show", "99999999999999999999"],
            ["show", ""],
            ["show", "-5"],
            ["show", "2304", "--as-of", "2020-01-01"],
            ["show", "2304", "--version", "latest"],
            ["show", "2304", "--js"],
            ["show", "2304", "--protocol=tcp"],
            ["show", "2304", "-p", "tcp", "-p", "udp"],
            ["show", "2304", "-p", "icmp"],
            ["show", "2304", "80"],
            ["show", "--", "2304"],
            ["show", "2304", "--help"],
            ["search", "   "],
            ["search", "ssh/tcp"],
            ["search", "ssh", "--limit", "0"],
            ["search", "ssh", "--limit", "x"],
            ["search", "ssh", "--limit", "0", "--limit", "2"],  # argparse checks every value, not the last
            ["search", "ssh", "--limit", "x", "--limit", "2"],
            ["search", "\u00e9t\u00e9"],
            ["history", "2304", "--format", "json"],
            ["explain", "2304"],
        ],
    )
    def test_forms_it_leaves(self, real_cache, argv):
        """Any other form is None: main() then runs the full path, which parses and answers it."""
        assert _quick_answer([*argv, "--data-dir", str(real_cache)]) is None

    def test_file_is_the_full_paths(self, real_cache):
        assert _quick_answer(["show", "2304", "--file", str(require_real())]) is None

    def test_empty_store(self, tmp_path):
        """An empty folder is the full path's: it reads the data package or syncs."""
        assert _quick_answer(["show", "2304", "--data-dir", str(tmp_path)]) is None

    def test_other_schema_is_rebuilt_then_answered(self, tmp_path, caplog):
        """An index of another schema version is left to the full path, which rebuilds it; then it is quick."""
        folder = tmp_path / "store"
        sync(FIXTURES / "names-case-and-aliases.xml", cache_dir=folder)
        argv = ["show", "80", "--data-dir", str(folder)]
        fresh = _full_answer(argv)
        connection = sqlite3.connect(folder / DB_NAME)
        with connection:
            connection.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
            # What schema 2 could not hold.
            connection.execute("UPDATE records SET text_row = 'stale', json = x'', jsonl = x''")
        connection.close()
        assert _quick_answer(argv) is None
        assert _full_answer(argv) == fresh
        assert "rebuilding the index" in caplog.text
        assert _quick_answer(argv) == fresh

    def test_damage_the_full_path_reads_is_its_to_name(self, real_cache, tmp_path):
        """An index whose people pages SQLite finds damaged is the full path's CacheError (exit 4), not a quick answer.

        The quick path prints stored columns, but reads the rows the full path
        decodes (the records' people), so that both see the same damage.
        """
        folder = _damaged_copy(real_cache, tmp_path, "SELECT rootpage FROM sqlite_master WHERE name = 'people'")
        self._assert_left_as_corrupt(folder)

    def test_damage_to_an_older_release_is_its_to_name(self, real_cache, tmp_path):
        """The full path reads every release's row (Reader.releases): damage to an older one's is exit 4 on both."""
        # The leaf holding the oldest releases' rows (dbstat names pages by their path in the tree).
        folder = _damaged_copy(
            real_cache,
            tmp_path,
            "SELECT pageno FROM dbstat WHERE name = 'releases' AND pagetype = 'leaf' ORDER BY path",
        )
        self._assert_left_as_corrupt(folder)

    def test_damage_to_the_release_epochs_is_its_to_name(self, real_cache, tmp_path):
        """history's full path reads the epochs through the releases_epoch index (Reader._epochs): damage is exit 4."""
        folder = _damaged_copy(real_cache, tmp_path, "SELECT rootpage FROM sqlite_master WHERE name = 'releases_epoch'")
        for words in (["history", "2304"], ["history", "http", "--json"]):
            argv = [*words, "--data-dir", str(folder)]
            assert _quick_answer(argv) is None, words
            code, out, err = _full_answer(argv)
            assert (code, out) == (cli.EXIT_CACHE, ""), words
            assert "is corrupt" in err

    def test_records_it_does_not_print_are_read_as_the_full_path_reads_them(self, real_cache, tmp_path):
        """A damaged record the full path decodes but does not print (past --limit, on another protocol) is exit 4 too.

        search decodes every match before --limit and -p, and show NAME every
        record of the name before -p; the quick path reads the same rows.
        """
        folder = tmp_path / "store"
        folder.mkdir()
        source, copy = sqlite3.connect(real_cache / DB_NAME), sqlite3.connect(folder / DB_NAME)
        source.backup(copy)
        with copy:  # kerberos-adm on udp names a people row that is not there
            copy.execute(
                "UPDATE records SET assignees = 99999999 WHERE name_lower = 'kerberos-adm' AND protocol = 'udp'"
            )
        source.close()
        copy.close()
        for words in (["search", "kerberos", "--limit", "1"], ["search", "kerberos", "-p", "tcp"]):
            argv = [*words, "--data-dir", str(folder)]
            assert _quick_answer(argv) is None, words
            assert _full_answer(argv)[0] == cli.EXIT_CACHE, words
        argv = ["show", "kerberos-adm", "-p", "tcp", "--data-dir", str(folder)]
        assert _quick_answer(argv) is None
        assert _full_answer(argv)[0] == cli.EXIT_CACHE
        assert _compare(["show", "749", "-p", "tcp", "--data-dir", str(folder)])  # a port's lookup filters in SQL

    @staticmethod
    def _assert_left_as_corrupt(folder):
        shown = (["show", "2304"], ["show", "ssh", "--json"], ["search", "kerberos"], ["show", "6000-6063"])
        for words in (*shown, ["history", "2304"], ["history", "http", "--json"]):
            argv = [*words, "--data-dir", str(folder)]
            assert _quick_answer(argv) is None, words
            code, out, err = _full_answer(argv)
            assert (code, out) == (cli.EXIT_CACHE, ""), words
            assert "is corrupt" in err


class TestMain:
    """main() prints a quick answer as the full path prints its own, and _IANAPORTS_FULL_PATH forces the full path."""

    @pytest.mark.parametrize(
        "argv",
        [
            ["show", "2304"],
            ["show", "ssh", "--json"],
            ["search", "kerberos", "--json"],
            ["search", "2304"],
            ["show", "shh"],
            ["show", "53/udp", "--json"],
        ],
    )
    def test_main_equals_the_full_path(self, real_cache, monkeypatch, argv):
        argv = [*argv, "--data-dir", str(real_cache)]
        quick = _run_main(argv)
        monkeypatch.setenv(cli.FULL_PATH_ENV, "1")
        assert quick == _run_main(argv)

    def test_full_stdout_is_exit_73(self, real_cache):
        """A stdout that fails for want of room is one line and exit 73, as on the full path."""

        class Full(io.StringIO):
            def write(self, text: str) -> int:
                raise OSError(28, "No space left on device")

        err = io.StringIO()
        code = cli.main(["show", "2304", "--data-dir", str(real_cache)], stdout=Full(), stderr=err)
        assert (code, err.getvalue()) == (
            cli.EXIT_OUTPUT,
            "ianaports: cannot write the output: No space left on device\n",
        )

    def test_closed_pipe_is_quiet(self, real_cache):
        class Closed(io.StringIO):
            def write(self, text: str) -> int:
                raise BrokenPipeError(32, "Broken pipe")

        err = io.StringIO()
        assert cli.main(["show", "2304", "--data-dir", str(real_cache)], stdout=Closed(), stderr=err) == cli.EXIT_OK
        assert err.getvalue() == ""

    def test_interrupt_while_reading(self, real_cache, monkeypatch):
        """Ctrl-C while the quick path reads is exit 130 with one line; nothing else is printed."""

        def interrupted(*args: object, **kwargs: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(_quick, "_show", interrupted)
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["show", "2304", "--data-dir", str(real_cache)], stdout=out, stderr=err)
        assert (code, out.getvalue(), err.getvalue()) == (cli.EXIT_INTERRUPTED, "", "ianaports: interrupted\n")

    def test_a_failure_while_reading_leaves_it_to_the_full_path(self, real_cache, monkeypatch):
        """A bug or surprise in the quick path prints nothing: the full path answers, once."""

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("surprise")

        monkeypatch.setattr(_quick, "_show", broken)
        assert _run_main(["show", "2304", "--data-dir", str(real_cache)]) == _full_answer(
            ["show", "2304", "--data-dir", str(real_cache)]
        )


def _damaged_copy(store, tmp_path, page_query: str):
    """A copy of *store*'s index (only) whose page *page_query* names is overwritten, as SQLite then finds it."""
    folder = tmp_path / "damaged"
    folder.mkdir()
    source, copy = sqlite3.connect(store / DB_NAME), sqlite3.connect(folder / DB_NAME)
    source.backup(copy)
    page = copy.execute(page_query).fetchone()[0]
    page_size = copy.execute("PRAGMA page_size").fetchone()[0]
    source.close()
    copy.close()
    with (folder / DB_NAME).open("r+b") as index:
        index.seek((page - 1) * page_size)
        index.write(b"\xff" * page_size)
    return folder


def _run_main(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


#: What a quick run may import of ianaports; and what it must not import at all.
_QUICK_MODULES = {
    "ianaports",
    "ianaports.errors",
    "ianaports._ranking",
    "ianaports.cli",
    "ianaports.cli._basics",
    "ianaports.cli._commands",
    "ianaports.cli._exit",
    "ianaports.cli._quick",
    "ianaports.render",
    "ianaports.render._schema",
    "ianaports.render.stored",
    "ianaports.render.text",
    "ianaports.store",
    "ianaports.store.layout",
    "ianaports.store.members",
    "ianaports.store._sqlite",
    "ianaports.store.quick",
    "ianaports.store.search",
    "ianaports.store.versions",
    "ianaports.store.where",
    # the quick history, tested in tests/test_cli_quick_history.py
    "ianaports._history_rule",
    "ianaports.render.stored_history",
    "ianaports.store.quick_history",
}
_NEVER = {"attr", "attrs", "argparse", "json", "re", "typing", "pathlib", "platformdirs", "lxml", "requests"}


#: How a process starts the command line: ``python -m ianaports``, and the console script's entry point.
_ENTRY_POINTS = {"-m": ["-m", "ianaports"], "script": ["-c", "from ianaports.cli import run; run()"]}


@pytest.mark.parametrize("entry", sorted(_ENTRY_POINTS))
@pytest.mark.parametrize(
    "argv",
    [
        ["show", "2304"],
        ["show", "ssh"],
        ["search", "kerberos", "--json"],
        ["history", "2304"],
        ["history", "2304", "--json"],
    ],
)
def test_a_quick_process_imports_little(real_cache, argv, entry):
    """``python -m ianaports show 2304`` loads _sqlite3 and the quick modules: no attrs, model, argparse, json, re.

    The console script (``ianaports.cli:run``) takes the same path.
    """
    env = quick_process_env(real_cache)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *_ENTRY_POINTS[entry], *argv],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert result.stdout
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.count("|") == 2}
    assert "_sqlite3" in imported
    assert sorted(name for name in imported if name.startswith("ianaports") and name not in _QUICK_MODULES) == []
    assert sorted(imported & _NEVER) == []
    # signal's enums and contextlib are about 3 ms of a quick answer (``_basics`` uses _signal and a class);
    # ``-m`` brings contextlib in itself, through runpy.
    assert sorted(imported & {"enum", "signal", *(["contextlib"] if entry == "script" else [])}) == []
    # The sqlite3 package's dbapi2 imports datetime for date adapters the quick path never uses (``store._sqlite``);
    # the lazy packages (store, render) import importlib, and with it warnings, only on a lazy name's first use
    # (``-m`` imports importlib itself, through runpy).
    lazy = ["importlib", "warnings"] if entry == "script" else []
    assert sorted(imported & {"sqlite3", "sqlite3.dbapi2", "datetime", *lazy}) == []
    if argv[0] != "search":  # the search index and ranking are imported by a search only
        assert sorted(imported & {"ianaports.store.search", "ianaports._ranking"}) == []


def test_ranking_without_re_is_the_regex_rule():
    """search_tier's whole-word test equals the regex (?<!\\w)NEEDLE(?!\\w) it replaced, on tricky text."""
    texts = ["ssh", "sshd", "open-ssh", "x_ssh", "ssh_", "ssh2", "the ssh ssh", "sshssh ssh", "\u00e9ssh", "ssh\u00e9"]
    texts += ["a%b", "100%", "o'reilly", 'say "hi"', "_", "__", "a__b", "\u0661ssh", "ss", "ssssh"]
    for needle in ["ssh", "%", "_", "o'r", '"', "ss", "h", "\u00e9", "a_b"]:
        pattern = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
        for text in texts:
            for name in (None, text, "ssh"):
                lowered, description = (name or "").lower(), text.lower()
                if lowered == needle or lowered.startswith(needle):
                    continue
                if needle not in lowered and needle not in description:
                    assert search_tier(needle, name, text) is None
                    continue
                expected = 2 if pattern.search(lowered) or pattern.search(description) else 3
                assert search_tier(needle, name, text) == expected, (needle, name, text)


#: sha256 of what show and search print of every record of the committed fixtures that parse, per schema version.
#: When it changes, what a stored record prints has changed: bump ianaports.store.versions.SCHEMA_VERSION
#: (stores in use then rebuild their text_row and json columns) and record the new fingerprint here.
#: Every fixture, so that a change only some records show (references, service codes, text breaks) counts too.
PRINTED_FINGERPRINTS = {
    3: "ff661bd2bc8849ff3148e4a5f54a208dc445ab391c056e7eeb9744d6fd83b620",
    4: "ff661bd2bc8849ff3148e4a5f54a208dc445ab391c056e7eeb9744d6fd83b620",  # version 4 added history_forms
    # Version 5 added the jsonl column and the JSON columns' preset dictionary: from it the digest covers both.
    5: "6ae94022f931c288c61025a5709ec44614584da4e2fccc4a044b6650ff74c610",
}
#: The fixtures it reads: each committed registry that parses (the others are refused by design).
_PRINTED_FIXTURES = (
    "child-order.xml",
    "diff-new.xml",
    "diff-old.xml",
    "mojibake-and-mailto.xml",
    "names-case-and-aliases.xml",
    "names-without-ports.xml",
    "ranges-and-no-protocol.xml",
    "references-footnotes-service-codes.xml",
    "site-newest.xml",
    "text-breaks-paragraphs-inline-xrefs.xml",
)


def test_what_a_record_prints_is_versioned():
    """A change to a record's text row or JSON object goes with a new SCHEMA_VERSION (see PRINTED_FINGERPRINTS)."""
    digest = hashlib.sha256(JSON_DICTIONARY + b"\0")
    for name in _PRINTED_FIXTURES:
        for record in parse(FIXTURES / name).records:
            printed = (record_text_row(record), record_json_text(record), record_json_line(record))
            digest.update(b"".join(form.encode() + b"\0" for form in printed))
    assert PRINTED_FINGERPRINTS.get(SCHEMA_VERSION) == digest.hexdigest(), (
        "what show/search print of a record changed: bump SCHEMA_VERSION and record the new fingerprint"
    )
