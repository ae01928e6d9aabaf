from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import run
from ianaports import ParseError, cli
from ianaports.cli import EXIT_CACHE, EXIT_NOT_FOUND, EXIT_OK, EXIT_SOURCE, EXIT_USAGE, build_parser, main
from ianaports.cli import _main as cli_main
from ianaports.cli._exit import EXIT_OUTPUT
from realdata import FIXTURES, PROJECT_ROOT, parsed, real_release_paths, require_real


class TestShow:
    def test_port(self):
        """show PORT prints the records of that port, tab-separated when piped."""
        code, out, _ = run("show", "6010", "--file", str(FIXTURES / "ranges-and-no-protocol.xml"))
        assert code == EXIT_OK
        assert out.splitlines() == [
            "NAME\tPORT\tPROTO\tDESCRIPTION",
            "x11\t6000-6063\ttcp\tX Window System",
            "x11\t6000-6063\tudp\tX Window System",
        ]

    def test_name_and_json(self):
        """show NAME --json prints the record schema with the release date."""
        code, out, _ = run("show", "SMTP", "--json", "-p", "udp", "--file", str(FIXTURES / "child-order.xml"))
        data = json.loads(out)
        assert code == EXIT_OK
        assert data["updated"] == "2025-12-15"
        assert [(r["service_name"], r["protocol"]) for r in data["records"]] == [("smtp", "udp")]

    def test_span(self):
        """show A-B lists every record overlapping the span."""
        code, out, _ = run("show", "6400-6401", "--file", str(FIXTURES / "ranges-and-no-protocol.xml"))
        assert code == EXIT_OK
        assert len(out.splitlines()) == 3

    def test_not_found(self):
        """Nothing found exits 1 with one line on stderr."""
        code, out, err = run("show", "nosuch", "--file", str(FIXTURES / "child-order.xml"))
        assert (code, out) == (EXIT_NOT_FOUND, "")
        assert len(err.splitlines()) == 1

    def test_protocol_in_any_case(self):
        """--protocol takes TCP as tcp, as names match in any case; an unknown protocol stays a usage error."""
        path = str(FIXTURES / "child-order.xml")
        assert (
            run("show", "smtp", "-p", "UDP", "--file", path)[:2] == run("show", "smtp", "-p", "udp", "--file", path)[:2]
        )
        assert run("show", "smtp", "-p", "quic", "--file", path)[0] == EXIT_USAGE

    @pytest.mark.parametrize(("query", "protocol"), [("80/tcp", "tcp"), (" 80 / UDP ", "udp"), ("http/udp", "udp")])
    def test_port_slash_protocol(self, query, protocol):
        """PORT/PROTOCOL, as services(5) and nmap write it, answers as the port or name with --protocol."""
        path = str(require_real())
        bare = query.split("/")[0].strip()
        assert run("show", query, "--file", path)[:2] == run("show", bare, "-p", protocol, "--file", path)[:2]

    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["80/quic"], "not a transport protocol: 'quic' in '80/quic'"),
            (["80/tcp", "-p", "udp"], "'80/tcp' names tcp but --protocol says udp"),
            (["/tcp"], "not a port, a span A-B or a service name: '/tcp'"),
            (["80/"], "not a port, a span A-B or a service name: '80/'"),
        ],
    )
    def test_port_slash_protocol_refused(self, argv, message):
        """An unknown or contradicted protocol suffix is a usage error in one line."""
        code, out, err = run("show", *argv, "--file", str(FIXTURES / "child-order.xml"))
        assert (code, out) == (EXIT_USAGE, "")
        assert err.startswith(f"ianaports: {message}")
        assert err.count("\n") == 1

    def test_not_found_on_protocol(self):
        """A name that exists but not on the protocol asked for says which protocol, in one plain sentence."""
        code, out, err = run("show", "smtp", "-p", "dccp", "--file", str(FIXTURES / "child-order.xml"))
        assert (code, out) == (EXIT_NOT_FOUND, "")
        assert err == "ianaports: nothing in the registry of 2025-12-15 for 'smtp' on dccp\n"

    def test_hostile_file(self):
        """A hostile file exits 3 with one line and no traceback."""
        code, _, err = run("show", "1", "--file", str(FIXTURES / "billion-laughs.xml"))
        assert code == EXIT_SOURCE
        assert err.count("\n") == 1
        assert "Traceback" not in err

    def test_offline_first_use(self, monkeypatch):
        """Without --file, an empty cache and no network: exit 3, one line saying why and how to import a file."""
        monkeypatch.setenv("IANAPORTS_URL", "http://127.0.0.1:9/ports.xml")
        monkeypatch.setattr("ianaports.fetch.DEFAULT_RETRIES", 0)
        code, _, err = run("show", "22")
        assert code == EXIT_SOURCE
        assert err.count("\n") == 1
        assert "connection refused" in err
        assert "ianaports sync --source FILE" in err

    def test_usage(self):
        """A bad option or port is a usage error, exit 2."""
        assert run("show")[0] == EXIT_USAGE
        assert run("show", "70000", "--file", str(FIXTURES / "child-order.xml"))[0] == EXIT_USAGE
        assert run()[0] == EXIT_USAGE

    def test_help_and_version(self):
        """--help and --version exit 0."""
        assert run("--version")[0] == EXIT_OK
        assert run("show", "--help")[0] == EXIT_OK


def test_console_script_end_to_end():
    """python -m ianaports runs as a separate process against a real release."""
    path = require_real()
    result = subprocess.run(
        [sys.executable, "-m", "ianaports", "show", "2304", "--file", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "attachmate-uts" in result.stdout


class TestSyncAndVersions:
    def test_sync_file_then_show_from_cache(self, tmp_path):
        """sync --source FILE stores the release; show then answers from the cache without --file."""
        code, out, _ = run("sync", "--source", str(FIXTURES / "ranges-and-no-protocol.xml"))
        assert code == EXIT_OK
        assert "added 1 release(s): 2025-12-15" in out
        code, out, _ = run("show", "6010")
        assert code == EXIT_OK
        assert out.splitlines()[1:] == ["x11\t6000-6063\ttcp\tX Window System", "x11\t6000-6063\tudp\tX Window System"]

    def test_sync_json_and_quiet(self):
        """sync --json reports each source's outcome; --quiet prints nothing."""
        source = str(FIXTURES / "child-order.xml")
        code, out, _ = run("sync", "--source", source, "--json")
        data = json.loads(out)
        assert code == EXIT_OK
        assert [s["status"] for s in data["sources"]] == ["added"]
        assert data["latest"]["updated"] == "2025-12-15"
        assert run("sync", "--source", source, "--quiet")[:2] == (EXIT_OK, "")

    def test_sync_failure_with_cache(self, monkeypatch):
        """A failed sync with a cache exits 3 and says which release stays in use."""
        run("sync", "--source", str(FIXTURES / "child-order.xml"))
        monkeypatch.setattr("ianaports.fetch.DEFAULT_RETRIES", 0)
        code, _, err = run("sync", "--source", "http://127.0.0.1:9/ports.xml")
        assert code == EXIT_SOURCE
        assert "the cached registry of 2025-12-15" in err

    def test_sync_failure_json(self, tmp_path):
        """A failed sync --json still prints each source's outcome with "ok": false, then one error line and exit 3."""
        run("sync", "--source", str(FIXTURES / "child-order.xml"))
        missing = str(tmp_path / "no-such-release.xml")
        code, out, err = run("sync", "--source", missing, "--json")
        data = json.loads(out)
        assert code == EXIT_SOURCE
        assert data["ok"] is False
        assert [(s["source"], s["status"]) for s in data["sources"]] == [(missing, "failed")]
        assert data["latest"]["updated"] == "2025-12-15"
        assert len(err.splitlines()) == 1
        assert "the cached registry of 2025-12-15" in err

    def test_versions(self, tmp_path):
        """versions lists releases; --check --json reports no problems; an empty cache exits 4, as everywhere."""
        assert run("versions")[0] == EXIT_CACHE
        code, _, err = run("versions", "--check")
        assert code == EXIT_CACHE
        assert "sound" not in err
        assert err.count("\n") == 1
        run("sync", "--source", str(FIXTURES / "child-order.xml"))
        code, out, _ = run("versions")
        assert code == EXIT_OK
        assert out.splitlines()[1].startswith("2025-12-15\t3\t")
        code, out, _ = run("versions", "--check", "--json")
        assert code == EXIT_OK
        assert json.loads(out)["problems"] == []

    def test_corrupt_store(self, isolated_cache):
        """A corrupt store exits 4 naming its path."""
        isolated_cache.mkdir(parents=True)
        (isolated_cache / "ianaports.sqlite3").write_bytes(b"garbage" * 1000)
        code, _, err = run("show", "22")
        assert code == EXIT_CACHE
        assert str(isolated_cache) in err


def console(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (or python -m ianaports) in a subprocess."""
    script = Path(sys.executable).with_name("ianaports")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ianaports"]
    return subprocess.run([*command, *argv], capture_output=True, text=True, check=False, timeout=60)


class TestConsoleScript:
    """The installed ianaports command, in a subprocess, on a cache built from the real releases."""

    def test_show(self, real_cache):
        """show 2304 --json answers from the newest stored release."""
        result = console("show", "2304", "--cache-dir", str(real_cache), "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["updated"] == "2025-12-15"
        assert [(r["service_name"], r["protocol"]) for r in data["records"]] == [
            ("attachmate-uts", "tcp"),
            ("attachmate-uts", "udp"),
        ]

    def test_search(self, real_cache):
        """search answers from the store exactly as Registry.search on the parsed file, exact names first."""
        result = console("search", "kerberos", "--cache-dir", str(real_cache), "--json")
        assert result.returncode == 0, result.stderr
        names = [record["service_name"] for record in json.loads(result.stdout)["records"]]
        assert names == [record.name for record in parsed(require_real()).search("kerberos")]
        assert names[:2] == ["kerberos", "kerberos"]
        missing = console("search", "zzzz-no-such", "--cache-dir", str(real_cache))
        assert (missing.returncode, missing.stdout) == (EXIT_NOT_FOUND, "")
        assert missing.stderr.count("\n") == 1

    def test_versions(self, real_cache):
        """versions lists every real release, oldest first, and --check finds the store sound."""
        result = console("versions", "--check", "--json", "--cache-dir", str(real_cache))
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["problems"] == []
        dates = [release["updated"] for release in data["releases"]]
        assert len(dates) == len(real_release_paths())
        assert dates == sorted(dates)
        assert (dates[0], dates[-1]) == ("2017-03-10", "2025-12-15")

    def test_usage_error_is_one_line(self, real_cache):
        """A bad argument exits 2 with one line on stderr and no traceback."""
        result = console("show", "70000", "--cache-dir", str(real_cache))
        assert (result.returncode, result.stdout) == (EXIT_USAGE, "")
        assert result.stderr == "ianaports: port must be within 0-65535, not 70000 (see 'ianaports show --help')\n"


def newest_file() -> str:
    return str(require_real())


def test_schema_page_example_finds_nothing():
    """The not-found example on the JSON page prints an empty records list and exits 1 on a real release."""
    import re  # noqa: PLC0415 - only this test reads the page

    page = (PROJECT_ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"`ianaports (show [^`]+)` prints\s+an empty", page)
    code, out, _ = run(*example.split(), "--file", newest_file())
    assert (code, json.loads(out)["records"]) == (EXIT_NOT_FOUND, [])


class TestSearchFreeStats:
    def test_search_exact_first(self):
        """search ranks the exact name first and honours --limit."""
        code, out, _ = run("search", "kerberos", "--limit", "2", "--file", newest_file())
        assert code == EXIT_OK
        assert [line.split("\t")[0] for line in out.splitlines()[1:]] == ["kerberos", "kerberos"]

    def test_search_nothing(self):
        """search with no match exits 1."""
        assert run("search", "zzzz-no-such", "--file", newest_file())[0] == EXIT_NOT_FOUND

    def test_free_avoids_assigned_and_ephemeral(self):
        """free lists only unassigned ports below the ephemeral ranges by default."""
        code, out, _ = run("free", "--range", "2300-40000", "--count", "500", "--json", "--file", newest_file())
        ports = json.loads(out)["ports"]
        registry = parsed(require_real())
        assert code == EXIT_OK
        assert ports
        assert all(2300 <= p < 32768 for p in ports)
        assert all(all(r.is_unassigned for r in registry.lookup(p)) for p in ports)

    def test_free_in_ephemeral_span_says_why(self):
        """free over a span of ephemeral ports exits 1 and names --include-ephemeral, not IANA, as the reason."""
        code, out, err = run("free", "--range", "50000-50010", "--file", newest_file())
        assert (code, out) == (EXIT_NOT_FOUND, "")
        assert "--include-ephemeral" in err
        assert len(err.splitlines()) == 1
        code, out, _ = run(
            "free", "--range", "50000-50010", "--include-ephemeral", "--count", "2", "--file", newest_file()
        )
        assert (code, out) == (EXIT_OK, "50000\n50001\n")

    def test_free_usage(self):
        """A malformed --range is a usage error."""
        assert run("free", "--range", "9-1", "--file", newest_file())[0] == EXIT_USAGE

    def test_stats_json(self):
        """stats counts add up to the size of each RFC 6335 range."""
        code, out, _ = run("stats", "--json", "--file", newest_file())
        data = json.loads(out)
        assert code == EXIT_OK
        sizes = {"system": 1024, "user": 48128, "dynamic": 16384}
        for row in data["ports"]:
            counted = ("assigned", "reserved", "private_use", "withdrawn", "unassigned")
            assert sum(row[key] for key in counted) == sizes[row["range"]]
        assert data["names_without_port"] == 1055


class TestExport:
    def test_services_to_file(self, tmp_path):
        """export --format services -o writes a services(5) file naming the release."""
        target = tmp_path / "services"
        code, _, err = run("export", "--format", "services", "-o", str(target), "--file", newest_file())
        assert code == EXIT_OK
        assert "2025-12-15" in err
        text = target.read_text()
        assert "release 2025-12-15" in text.splitlines()[1]
        assert any(line.startswith("attachmate-uts  2304/tcp") for line in text.splitlines())

    def test_jsonl(self):
        """export --format jsonl writes one record object per line."""
        code, out, _ = run("export", "--format", "jsonl", "--file", str(FIXTURES / "child-order.xml"))
        assert code == EXIT_OK
        assert [json.loads(line)["service_name"] for line in out.splitlines()] == ["smtp", "smtp", "discard"]

    def test_iana_csv_legacy(self):
        """export --format iana-csv --legacy-csv ends rows with CRLF."""
        code, out, _ = run(
            "export", "--format", "iana-csv", "--legacy-csv", "--file", str(FIXTURES / "child-order.xml")
        )
        assert code == EXIT_OK
        assert out.startswith("Service Name,Port Number,")
        assert out.count("\r\n") == 4

    def test_json_summary(self, tmp_path):
        """export -o FILE --json prints what was written; to stdout --json is the JSON export itself."""
        target = tmp_path / "services"
        fixture = str(FIXTURES / "child-order.xml")
        code, out, err = run("export", "--format", "services", "-o", str(target), "--json", "--file", fixture)
        assert (code, err) == (EXIT_OK, "")
        assert json.loads(out) == {
            "schema_version": 1,
            "format": "services",
            "output": str(target),
            "updated": "2025-12-15",
            "records": 3,
            "bytes": target.stat().st_size,
        }
        code, out, _ = run("export", "--json", "--file", fixture)
        assert [record["service_name"] for record in json.loads(out)["records"]] == ["smtp", "smtp", "discard"]

    def test_output_file_mode(self, tmp_path):
        """export -o gives a new file the umask's mode and keeps an existing file's mode, not mkstemp's 0600."""
        target = tmp_path / "services"
        fixture = str(FIXTURES / "child-order.xml")
        previous = os.umask(0o022)
        try:
            assert run("export", "--format", "services", "-o", str(target), "--file", fixture)[0] == EXIT_OK
            assert stat.S_IMODE(target.stat().st_mode) == 0o644
            target.chmod(0o640)
            assert run("export", "--format", "services", "-o", str(target), "--file", fixture)[0] == EXIT_OK
            assert stat.S_IMODE(target.stat().st_mode) == 0o640
        finally:
            os.umask(previous)

    def test_unwritable_output(self, tmp_path):
        """An output path in a missing folder is an output error (exit 73, not the cache's 4); nothing left behind."""
        code, _, err = run("export", "-o", str(tmp_path / "no" / "x.json"), "--file", str(FIXTURES / "child-order.xml"))
        assert code == EXIT_OUTPUT
        assert not (tmp_path / "no").exists()
        assert "cannot write" in err


class TestCompletion:
    def test_bash_script_is_valid_bash(self, tmp_path):
        """completion bash prints a script bash accepts, naming every command."""
        code, out, _ = run("completion", "bash")
        assert code == EXIT_OK
        script = tmp_path / "ianaports.bash"
        script.write_text(out)
        assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0
        for command in ("show", "search", "free", "stats", "export", "listening", "completion"):
            assert command in out

    def test_fish_and_zsh(self):
        """completion fish and zsh print scripts for those shells."""
        assert "complete -c ianaports" in run("completion", "fish")[1]
        assert "#compdef ianaports" in run("completion", "zsh")[1]

    def test_unknown_shell(self):
        """An unsupported shell is a usage error."""
        assert run("completion", "cmd.exe")[0] == EXIT_USAGE


def test_internal_error_is_one_line(monkeypatch):
    """An unexpected exception (a bug) prints one line and exits 70; --debug re-raises it."""
    from ianaports.cli import EXIT_INTERNAL  # noqa: PLC0415

    def explode(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("ianaports.cli.lookup._show", explode)
    monkeypatch.setattr(
        "ianaports.cli.lookup.release", lambda *_args: contextlib.nullcontext(parsed(FIXTURES / "child-order.xml"))
    )
    code, out, err = run("show", "25")
    assert (code, out) == (EXIT_INTERNAL, "")
    assert err == "ianaports: internal error: RuntimeError: boom (rerun with --debug and report it)\n"
    with pytest.raises(RuntimeError, match="boom"):
        run("--debug", "show", "25")


class TestAnswersFromTheCache:
    """Commands answering by SQL from the store say exactly what they say on the parsed file."""

    def test_explain(self, real_cache):
        """explain gives the same page from the cache as from the release file, for ports and names."""
        for query in ("2304", "ssh", "6010", "8011"):
            from_cache = run("explain", query, "--json", "--cache-dir", str(real_cache))
            from_file = run("explain", query, "--json", "--file", newest_file())
            assert from_cache == from_file
            assert from_cache[0] == EXIT_OK
        assert run("explain", "no-such-service", "--cache-dir", str(real_cache))[0] == EXIT_NOT_FOUND

    @pytest.mark.parametrize("length", [49_990, 60_000])
    def test_search_takes_a_needle_longer_than_sqlite_likes(self, length):
        """A search text over SQLite's 50,000-byte LIKE limit finds nothing (exit 1), not a cache error."""
        assert run("sync", "--source", RANGES, "--quiet")[0] == EXIT_OK
        code, out, err = run("search", "x" * length, "--json")
        assert (code, json.loads(out)["records"]) == (EXIT_NOT_FOUND, [])
        assert err.startswith("ianaports: nothing in the registry of ")
        assert run("search", "window", "--json") == run("search", "window", "--json", "--file", RANGES)

    def test_listening(self, real_cache):
        """listening annotates a listener the same from the cache as from the release file."""
        pytest.importorskip("psutil")
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            port = server.getsockname()[1]
            answers = [
                json.loads(run("listening", "--all", "--json", *source)[1])
                for source in (("--cache-dir", str(real_cache)), ("--file", newest_file()))
            ]
        mine = [[item for item in answer["listeners"] if item["port"] == port] for answer in answers]
        assert mine[0] == mine[1]
        assert len(mine[0]) == 1


class TestHelp:
    def test_every_command_has_examples_and_json(self):
        """Every command's --help shows examples and the exit codes, and the command takes --json."""
        parser = build_parser()
        (commands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
        assert len(commands.choices) >= 12
        for name, command in commands.choices.items():
            text = command.format_help()
            examples = text.split("examples:\n", 1)[1]
            assert examples.startswith("  ianaports "), name
            assert f"ianaports {name}" in examples, name
            assert "exit codes:" in text, name
            assert any("--json" in action.option_strings for action in command._actions), name


RANGES = str(FIXTURES / "ranges-and-no-protocol.xml")
NEITHER = "not a port, a span A-B or a service name"


class TestQueryReading:
    @pytest.mark.parametrize("query", ["6000-6003", "6000 - 6003", " 6000-6003 "])
    def test_show_reads_a_span_with_or_without_blanks(self, query):
        """show reads a span with blanks around its hyphen as the same span."""
        code, out, _ = run("show", query, "--file", RANGES)
        assert code == EXIT_OK
        assert out.splitlines()[1:] == ["x11\t6000-6063\ttcp\tX Window System", "x11\t6000-6063\tudp\tX Window System"]

    @pytest.mark.parametrize("query", ["6000-6003", "6000 - 6003"])
    def test_explain_refuses_the_same_spans(self, query):
        """explain refuses every text show reads as a span, in one line naming the span and the show command."""
        code, out, err = run("explain", query, "--file", RANGES)
        assert (code, out) == (EXIT_USAGE, "")
        assert err.startswith("ianaports: explain takes one port or name; for the span 6000-6003 run 'ianaports show")
        assert err.count("\n") == 1

    @pytest.mark.parametrize("command", ["show", "explain", "history"])
    @pytest.mark.parametrize(
        ("query", "reason"),
        [
            ("6000-", NEITHER),
            ("-5", NEITHER),
            ("1-2-3", NEITHER),
            ("6000 6003", NEITHER),
            ("", NEITHER),
            ("\u00b2", NEITHER),
            ("70000", "port must be within 0-65535, not 70000"),
            ("6003-6000", "port range ends before it starts: 6003-6000"),
            ("6000-70000", "port must be within 0-65535, not 70000"),
        ],
    )
    def test_neither_port_span_nor_name_is_a_usage_error(self, command, query, reason):
        """show, explain and history refuse the same malformed queries, exit 2, one line saying why."""
        code, out, err = run(command, query, "--file", RANGES) if command != "history" else run(command, query)
        assert (code, out) == (EXIT_USAGE, "")
        assert err.startswith(f"ianaports: {reason}")
        assert err.count("\n") == 1

    @pytest.mark.parametrize("command", ["show", "explain", "history"])
    def test_refusal_quotes_the_argument_as_given(self, command):
        """show, explain and history quote a refused argument as typed, blanks and all."""
        code, _, err = run(command, " - ", "--file", RANGES) if command != "history" else run(command, " - ")
        assert code == EXIT_USAGE
        assert err.startswith(f"ianaports: {NEITHER}: ' - ' (see 'ianaports {command} --help')")

    def test_show_reads_the_query_before_the_cache(self, monkeypatch):
        """A malformed query is a usage error at once, even with an empty cache and no network."""
        monkeypatch.setenv("IANAPORTS_URL", "http://127.0.0.1:9/ports.xml")
        code, out, err = run("show", "6000-")
        assert (code, out) == (EXIT_USAGE, "")
        assert err.startswith(f"ianaports: {NEITHER}: '6000-'")

    def test_history_refuses_a_span(self):
        """history takes one port or name: a span is a usage error naming it and pointing at show, as explain does."""
        code, _, err = run("history", "6000 - 6003")
        assert code == EXIT_USAGE
        assert err.startswith("ianaports: history takes one port or name; for the span 6000-6003 run 'ianaports show")

    def test_diff_port_reads_ports_alike(self):
        """diff --port refuses a span and a non-ASCII digit as usage errors."""
        assert run("diff", "--port", "6000-6003")[0] == EXIT_USAGE
        assert run("diff", "--port", "\u00b2")[0] == EXIT_USAGE


class TestOutputOptions:
    @pytest.mark.parametrize(
        ("argv", "chosen"),
        [
            (["explain", "6010", "--file", RANGES, "--format", "html"], "html"),
            (["explain", "6010", "--file", RANGES, "--format", "text"], "text"),
            (["diff", "--format", "markdown"], "markdown"),
            (["history", "22", "--format", "text"], "text"),
            (["export", "--file", RANGES, "--format", "services"], "services"),
        ],
    )
    def test_json_beside_another_format_is_a_usage_error(self, argv, chosen):
        """--json with a --format other than json is refused alike by every command, exit 2, one line."""
        command = argv[0]
        code, out, err = run(*argv, "--json")
        assert (code, out) == (EXIT_USAGE, "")
        assert err == (
            f"ianaports: --json and --format {chosen} conflict (--json means --format json); give one of them"
            f" (see 'ianaports {command} --help')\n"
        )

    @pytest.mark.parametrize("command", ["explain", "export"])
    def test_json_beside_format_json_agrees(self, command):
        """--json beside --format json asks for one thing, so it is accepted."""
        query = ["6010"] if command == "explain" else []
        code, out, _ = run(command, *query, "--file", RANGES, "--json", "--format", "json")
        assert code == EXIT_OK
        assert json.loads(out)

    def test_export_to_file_keeps_json_as_summary(self, tmp_path):
        """With -o, --json reports what was written, so any --format goes with it."""
        target = tmp_path / "services"
        code, out, _ = run("export", "--file", RANGES, "--format", "services", "-o", str(target), "--json")
        assert code == EXIT_OK
        assert json.loads(out)["format"] == "services"


class TestUsageErrors:
    def test_hint_names_the_command(self):
        """A usage error is one line that points at the command's --help, or the main --help."""
        assert run("free", "--range", "x")[2] == (
            "ianaports free: argument --range: not a port or port range: 'x' (see 'ianaports free --help')\n"
        )
        code, out, err = run("bogus")
        assert (code, out) == (EXIT_USAGE, "")
        assert err.endswith("(see 'ianaports --help')\n")
        assert err.count("\n") == 1

    def test_free_range_takes_ascii_digits_only(self):
        """free --range refuses non-ASCII digits, as show does, rather than reading "١٢٣" as port 123."""
        assert run("free", "--range", "\u0661\u0662\u0663-\u0661\u0662\u0664")[2] == (
            "ianaports free: argument --range: not a port or port range: '\u0661\u0662\u0663-\u0661\u0662\u0664'"
            " (see 'ianaports free --help')\n"
        )

    def test_debug_after_the_command(self, tmp_path):
        """--debug works after the command as before it: a normal run, and a traceback on failure."""
        fixture = str(FIXTURES / "ranges-and-no-protocol.xml")
        assert run("show", "6010", "--file", fixture, "--debug")[0] == EXIT_OK
        broken = tmp_path / "broken.xml"
        broken.write_text("<registry")
        with pytest.raises(ParseError):
            main(["show", "80", "--file", str(broken), "--debug"], stdout=io.StringIO(), stderr=io.StringIO())
        assert run("show", "80", "--file", str(broken))[0] == EXIT_SOURCE


class TestStartup:
    def test_import_ianaports_skips_heavy_modules(self):
        """``import ianaports`` loads no lxml, requests, psutil, sqlite3, attrs nor store; its names still resolve."""
        code = (
            "import sys, ianaports; "
            "heavy = ('lxml', 'requests', 'psutil', 'sqlite3', 'attr', 'attrs', 'ianaports.store', 'ianaports.model'); "
            "print(sorted(m for m in heavy if m in sys.modules)); "
            "print(ianaports.ServiceRecord.__module__, ianaports.Registry.__module__, ianaports.classify(80).value)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        assert result.stdout.splitlines() == ["[]", "ianaports.model ianaports.registry system"]

    def test_cache_path_skips_heavy_modules(self):
        """Importing the CLI loads neither lxml, requests nor the diff engine."""
        code = (
            "import sys, ianaports.cli; "
            "print(sorted(m for m in ('lxml', 'requests', 'ianaports.changes') if m in sys.modules))"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        assert result.stdout.strip() == "[]"

    def test_show_imports_its_command_module_alone(self, real_cache):
        """On the full path, show imports cli.lookup and no other command module, nor what show does not print with.

        (The quick path imports no command module at all: tests/test_cli_quick.py.)
        """
        code = (
            "import sys; from ianaports.cli import main; "
            f"main(['show', '2304', '--data-dir', {str(real_cache)!r}]); "
            "others = ('audit', 'cache', 'changes', 'completion', 'names'); "
            "heavy = [f'ianaports.cli.{name}' for name in others] + "
            "['ianaports.freeports', 'ianaports.nmap', 'ianaports.oslimits', 'ianaports.registry', "
            "'ianaports.render.json', 'ianaports.store.check', 'lxml', 'requests', 'psutil']; "
            "print('ianaports.cli.lookup' in sys.modules, sorted(m for m in heavy if m in sys.modules))"
        )
        env = {**os.environ, cli.FULL_PATH_ENV: "1"}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60, env=env
        )
        assert result.stdout.splitlines()[-1] == "True []"

    def test_explain_imports_no_writer_code(self, real_cache):
        """A full-path read (explain) loads neither the row writer, the archive, the file helpers nor hashlib.

        Nor the nmap-services parser when no file is named.
        """
        code = (
            "import sys; from ianaports.cli import main; "
            f"main(['explain', '2304', '--data-dir', {str(real_cache)!r}]); "
            "writer = ('ianaports.store.write', 'ianaports.store.archive', 'ianaports._files', 'hashlib', "
            "'difflib', 'ianaports.nmap'); "
            "print(sorted(m for m in writer if m in sys.modules))"
        )
        env = {**os.environ, cli.FULL_PATH_ENV: "1"}
        env.pop("IANAPORTS_NMAP_SERVICES", None)
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60, env=env
        )
        assert result.stdout.splitlines()[-1] == "[]"

    def test_model_import_compiles_no_tokenize_patterns(self):
        """attrs reads no builtin converter's signature (inspect would compile tokenize's regexes to parse it)."""
        code = (
            "import sys; import ianaports.model, ianaports.registry, ianaports.changes; "
            "tokenize = sys.modules.get('tokenize'); "
            "print(0 if tokenize is None else tokenize._compile.cache_info().currsize)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        assert result.stdout.strip() == "0"

    def test_command_lines_in_help_are_the_registered_ones(self):
        """Each command's --help line kept in cli._COMMANDS is the one its module registers, in order."""
        (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
        registered = [(action.dest, action.help) for action in commands._choices_actions]
        assert registered == [(name, line) for name, _, line in cli._COMMANDS]

    def test_help_without_command_modules_is_the_whole_help(self):
        """``ianaports --help`` built from the kept lines is the help of the whole parser, word for word."""
        assert build_parser("").format_help() == build_parser().format_help()

    @pytest.mark.parametrize(
        ("argv", "expected"),
        [
            (["show", "80"], "show"),
            (["--debug", "check-name", "x"], "check-name"),
            (["--help"], ""),
            (["nonsense", "80"], ""),
            (["completion", "bash"], None),
            ([], ""),
        ],
    )
    def test_command_of(self, argv, expected):
        """The first word that is no option names the command whose module is imported (completion: all)."""
        assert cli_main._command_of(argv) == expected

    @pytest.mark.parametrize("flag", ["--help", "--version"])
    def test_help_and_version_skip_heavy_modules(self, flag):
        """--help and --version load neither lxml, requests, psutil, sqlite3 nor attrs (no command module either)."""
        code = (
            "import sys; from ianaports.cli import main; "
            f"main([{flag!r}]); "
            "heavy = ('lxml', 'requests', 'psutil', 'sqlite3', 'attr', 'ianaports.model', 'ianaports.cli.lookup'); "
            "print(sorted(m for m in heavy if m in sys.modules))"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        assert result.stdout.splitlines()[-1] == "[]"

    def test_diff_stays_the_function(self):
        """ianaports.diff is the diff() function, before and after its module ianaports.changes is imported."""
        code = (
            "import ianaports; before = ianaports.diff; import ianaports.changes, ianaports.cli; "
            "print(before is ianaports.diff, callable(ianaports.diff), ianaports.diff.__module__)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        assert result.stdout.split() == ["True", "True", "ianaports.changes"]


class TestEmptyPaths:
    @pytest.mark.parametrize(
        ("argv", "option"),
        [
            (["listening", "--baseline", ""], "--baseline"),
            (["listening", "--save-baseline", ""], "--save-baseline"),
            (["show", "80", "--file", ""], "--file"),
            (["explain", "80", "--file", RANGES, "--notes", ""], "--notes"),
            (["export", "--file", RANGES, "-o", ""], "-o/--output"),
            (["sync", "--source", ""], "--source"),
            (["versions", "--cache-dir", ""], "--data-dir/--cache-dir"),
            (["versions", "--data-dir", ""], "--data-dir/--cache-dir"),
            (["diff", "", "latest"], "OLD"),
        ],
    )
    def test_an_empty_path_is_a_usage_error(self, argv, option):
        """An empty path (an unset shell variable) is refused in one line, not skipped or read as the cwd."""
        code, out, err = run(*argv)
        assert (code, out) == (EXIT_USAGE, "")
        assert err.startswith(f"ianaports {argv[0]}: argument {option}: an empty path")
        assert err.count("\n") == 1


class TestHostileArguments:
    @pytest.mark.parametrize("argv", [["search", "caf\udcff"], ["search", "--json", "\udcff"], ["show", "\udcff"]])
    def test_non_utf8_argument_is_a_usage_error(self, argv):
        """An argument of non-UTF-8 bytes (held as lone surrogates) exits 2 naming it, not 70 on printing it."""
        code, out, err = run(*argv)
        assert (code, out) == (EXIT_USAGE, "")
        assert err.startswith(f"ianaports: argument {len(argv)} is not UTF-8 text: '")
        assert "\\xff" in err
        assert err.count("\n") == 1

    def test_non_utf8_argument_from_a_real_command_line(self):
        """Bytes 0xff on a real command line exit 2 with one line on stderr."""
        done = subprocess.run(
            [sys.executable, "-m", "ianaports", "search", os.fsdecode(b"caf\xff")],
            capture_output=True,
            check=False,
            timeout=60,
        )
        assert done.returncode == EXIT_USAGE
        assert done.stderr.decode().startswith("ianaports: argument 2 is not UTF-8 text: 'caf\\xff'")
