"""The documentation agrees with the code: JSON keys, the public API, README's examples."""

from __future__ import annotations

import argparse
import doctest
import importlib
import importlib.util
import io
import json
import re
import socket
import sys
from typing import Any

import pytest

import ianaports
from cli_helpers import run
from ianaports import errors
from ianaports.cli import build_parser, main
from realdata import FIXTURES, PROJECT_ROOT, require_real

DOCS = PROJECT_ROOT / "docs"


def run_json(*argv: str) -> Any:
    code, out, err = run(*argv, "--json")
    assert code in {0, 1}, err
    return json.loads(out)


def documented_tables() -> dict[str, list[set[str]]]:
    """Heading of docs/schema.md -> the key sets of the tables under it, in order."""
    tables: dict[str, list[set[str]]] = {}
    heading, in_table = "", False
    for line in (DOCS / "schema.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading, in_table = line.lstrip("#").strip().replace("`", ""), False
            continue
        match = re.match(r"\| `([a-z0-9_]+)` \|", line)
        if match is None:
            in_table = False
            continue
        if not in_table:
            tables.setdefault(heading, []).append(set())
            in_table = True
        tables[heading][-1].add(match.group(1))
    return tables


@pytest.fixture(scope="module")
def schema() -> dict[str, list[set[str]]]:
    return documented_tables()


def keys(data: dict[str, Any]) -> set[str]:
    return set(data)


class TestSchemaDoc:
    """Every table in docs/schema.md lists exactly the keys the command prints for a real release."""

    def test_records_and_lookups(self, schema, real_cache):
        """show and search print the documented top level, Record, Person and Reference keys."""
        cache = ("--cache-dir", str(real_cache))
        shown = run_json("show", "2304", *cache)
        found = run_json("search", "kerberos", *cache)
        assert keys(shown) == keys(found) == schema["show, search"][0]
        assert keys(shown["records"][0]) == schema["Record"][0]
        assert keys(shown["records"][0]["assignee"][0]) == schema["Person"][0]
        references = [ref for record in found["records"] for ref in record["references"]]
        assert {frozenset(ref) for ref in references} == {frozenset(schema["Reference"][0])}

    def test_free_stats_export(self, schema, real_cache, tmp_path):
        """free, stats (with its rows) and export's written-file summary match the doc."""
        cache = ("--cache-dir", str(real_cache))
        free = run_json("free", "--explain", *cache)
        assert keys(free) == schema["free"][0]
        assert keys(free["machine"]) == schema["Machine"][0]
        assert keys(free["skipped"][0]) == schema["Skipped run"][0]
        assert keys(run_json("check-name", "my-service", *cache)) == schema["check-name"][0]
        stats = run_json("stats", *cache)
        assert keys(stats) == schema["stats"][0]
        assert keys(stats["ports"][0]) == schema["Port counts"][0]
        summary = run_json("export", "--format", "jsonl", "-o", str(tmp_path / "out.jsonl"), *cache)
        assert keys(summary) == schema["export"][0]
        assert keys(run_json("export", *cache)) == schema["Release document"][0]

    def test_store_commands(self, schema, real_cache, tmp_path):
        """sync, its source outcomes and releases, and versions --check match the doc."""
        synced = run_json("sync", "--source", str(FIXTURES / "child-order.xml"), "--cache-dir", str(tmp_path / "c"))
        assert keys(synced) == schema["sync"][0]
        assert keys(synced["latest"]) == schema["Release"][0]
        assert keys(synced["sources"][0]) == schema["Source outcome"][0]
        versions = run_json("versions", "--check", "--cache-dir", str(real_cache))
        assert keys(versions) == schema["versions"][0]
        built = run_json("build-data", str(FIXTURES / "child-order.xml"), "-o", str(tmp_path / "wheels"))
        assert keys(built) == schema["build-data"][0]
        assert keys(versions["releases"][0]) == schema["Release"][0]
        removed = run_json("remove-release", "2025-12-15", "--reason", "test", "--cache-dir", str(tmp_path / "c"))
        assert keys(removed) == schema["remove-release"][0]

    def test_diff(self, schema, real_cache):
        """diff of two stored real releases prints the documented keys down to field changes."""
        changes = run_json("diff", "2025-11-20", "2025-12-15", "--cache-dir", str(real_cache))
        assert keys(changes) == schema["diff"][0]
        assert keys(changes["counts"]) == schema["Diff counts"][0]
        assert keys(changes["changed"][0]) == schema["Changed record"][0]
        assert keys(changes["changed"][0]["fields"][0]) == schema["Field change"][0]
        assert keys(changes["moves"]) == {"port_changes", "renamed", "span_splits", "deassignments"}

    def test_explain_and_notes(self, schema, real_cache):
        """explain, notes list, notes check and the Note objects match the doc."""
        cache = ("--cache-dir", str(real_cache))
        page = run_json("explain", "2304", *cache)
        assert keys(page) == schema["explain"][0]
        assert keys(page["ranges"][0]) == schema["Range facts"][0]
        assert keys(page["machine"][0]) == schema["Port on this machine"][0]
        assert keys(page["machine"][0]["machine"]) == schema["Machine"][0]
        blocked = run_json("explain", "10080", "--nmap-services", str(FIXTURES / "nmap-services-tiny"), *cache)
        assert keys(blocked["ranges"][0]["browser_blocked"]) == schema["Blocked port"][0]
        assert keys(blocked["nmap"][0]) == schema["nmap entry"][0]
        assert keys(run_json("explain", "no-such-service-xyz", *cache)) == schema["explain"][1]
        assert keys(page["notes"][0]) == schema["Note"][0]
        listed = run_json("notes", "list")
        assert keys(listed) == schema["notes"][0]
        assert {frozenset(note) for note in listed["notes"]} == {frozenset(schema["Note"][0])}
        checked = run_json("notes", "check", *cache)
        assert keys(checked) == schema["notes"][1]
        assert keys(checked["checks"][0]) == schema["Note check"][0]

    def test_listening(self, schema, real_cache, tmp_path):
        """listening, its flags and the baseline comparison match the doc."""
        pytest.importorskip("psutil")
        cache = ("--cache-dir", str(real_cache))
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            audit = run_json("listening", "--all", *cache)
            baseline = tmp_path / "baseline.json"
            assert main(["listening", "--save-baseline", str(baseline)], stderr=io.StringIO()) == 0
            # Exit 5 when another process started listening meanwhile: the keys are the same.
            code, out, err = run("listening", "--baseline", str(baseline), "--json")
            assert code in {0, 5}, err
            compared = json.loads(out)
        saved = json.loads(baseline.read_text(encoding="utf-8"))
        assert keys(audit) == schema["listening"][0]
        assert {frozenset(item) for item in audit["listeners"]} == {frozenset(schema["Audited listener"][0])}
        flags = [flag for item in audit["listeners"] for flag in item["flags"]]
        assert {frozenset(flag) for flag in flags} <= {frozenset(schema["Flag"][0])}
        assert keys(compared) == schema["Baseline comparison"][0]
        assert keys(saved) == schema["Baseline file"][0]
        assert {frozenset(item) for item in saved["listeners"]} == {
            frozenset({"protocol", "address", "port", "process"})
        }

    def test_completion(self, schema):
        """completion --json prints the shell and the script."""
        assert keys(run_json("completion", "fish")) == schema["completion"][0]


class TestSchemaVersion:
    def test_every_command_says_its_schema_version_first(self, real_cache, tmp_path):
        """Every command's --json document, found or not, starts with "schema_version": 1, as docs/schema.md says."""
        cache = ("--cache-dir", str(real_cache))
        answers = {
            "show": [("show", "2304", *cache), ("show", "no-such-service-xyz", *cache)],
            "search": [("search", "kerberos", *cache)],
            "free": [("free", *cache)],
            "check-name": [("check-name", "my-service", *cache), ("check-name", "ssh", *cache)],
            "stats": [("stats", *cache)],
            "export": [("export", *cache), ("export", "--format", "services", "-o", str(tmp_path / "s"), *cache)],
            "listening": [("listening", *cache)],
            "completion": [("completion", "zsh")],
            "explain": [("explain", "2304", *cache), ("explain", "no-such-service-xyz", *cache)],
            "notes": [("notes", "list"), ("notes", "check", *cache)],
            "diff": [("diff", "2025-11-20", "2025-12-15", *cache)],
            "history": [("history", "2304", *cache)],
            "sync": [("sync", "--source", str(FIXTURES / "child-order.xml"), "--cache-dir", str(tmp_path / "c"))],
            # From the one-release store "sync" fills (before remove-release empties it); the real site takes a minute.
            "site": [("site", "-o", str(tmp_path / "site"), "--cache-dir", str(tmp_path / "c"))],
            "feed": [("feed", "-o", str(tmp_path / "feed.atom"), "--cache-dir", str(tmp_path / "c"))],
            "versions": [("versions", "--check", *cache)],
            "rebuild": [("rebuild", "--cache-dir", str(tmp_path / "c"))],
            "remove-release": [("remove-release", "2025-12-15", "--reason", "x", "--cache-dir", str(tmp_path / "c"))],
            "backup": [("backup", str(tmp_path / "b.tar"), *cache)],
            "build-data": [("build-data", str(FIXTURES / "child-order.xml"), "-o", str(tmp_path / "w"))],
        }
        (commands,) = [action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)]
        assert set(answers) == set(commands.choices)
        if importlib.util.find_spec("psutil") is None:  # the audit extra is optional
            del answers["listening"]
        firsts = {argv: next(iter(run_json(*argv).items())) for argvs in answers.values() for argv in argvs}
        assert firsts == dict.fromkeys(firsts, ("schema_version", 1))


class TestApiDoc:
    def test_every_public_name_is_documented(self):
        """Every name in ianaports.__all__ appears in docs/api.md or in the errors module it documents."""
        text = (DOCS / "api.md").read_text(encoding="utf-8")
        assert ".. automodule:: ianaports.errors" in text
        missing = [
            name
            for name in ianaports.__all__
            if name not in errors.__all__ and re.search(rf"ianaports\.{re.escape(name)}\b", text) is None
        ]
        assert missing == []

    def test_every_page_is_in_the_toctree(self):
        """Every page in docs/ is reachable from the index."""
        index = (DOCS / "index.md").read_text(encoding="utf-8")
        pages = {path.relative_to(DOCS).with_suffix("").as_posix() for path in DOCS.rglob("*.md")} - {"index"}
        assert {page for page in pages if page not in index} == set()


class TestArchitectureDoc:
    TEXT = (DOCS / "architecture.md").read_text(encoding="utf-8")

    def test_every_dotted_name_exists(self):
        """Every ``ianaports.X`` the architecture page names is a module, or a name in one, that imports."""
        names = set(re.findall(r"\bianaports(?:\.[A-Za-z_]\w*)+", self.TEXT))
        assert len(names) >= 3
        missing = []
        for name in sorted(names):
            parts = name.split(".")
            # The longest prefix that imports is the module; the rest are attributes of it.
            for cut in range(len(parts), 0, -1):
                try:
                    found: Any = importlib.import_module(".".join(parts[:cut]))
                except ImportError:
                    continue
                for attribute in parts[cut:]:
                    found = getattr(found, attribute, None)
                break
            if found is None:
                missing.append(name)
        assert missing == []

    def test_every_file_named_exists(self):
        """Every ``*.py`` file the architecture page names is in src/ianaports or the project (tests, globs)."""
        files = set(re.findall(r"`([\w/*.-]+\.py)`", self.TEXT))
        assert len(files) >= 10
        package = PROJECT_ROOT / "src" / "ianaports"
        missing = sorted(name for name in files if not any(package.glob(name)) and not any(PROJECT_ROOT.glob(name)))
        assert missing == []


class TestTutorials:
    def test_library_tutorial_runs_as_shown(self, real_cache, monkeypatch):
        """Every >>> example in the library tutorial prints what the page shows, for the newest real release."""
        monkeypatch.setenv("IANAPORTS_CACHE_DIR", str(real_cache))
        result = doctest.testfile(
            str(DOCS / "tutorials" / "library.md"),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        )
        assert (result.failed, result.attempted > 10) == (0, True)


def readme_python_blocks() -> list[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


class TestReadme:
    def test_library_example_runs(self, tmp_path, monkeypatch):
        """README's library example, run as written on a cache synced from a real release, prints what README shows."""
        newest = require_real()
        previous = require_real("service-names-port-numbers.20251120.xml.xz")
        monkeypatch.chdir(tmp_path)
        (tmp_path / previous.name).symlink_to(previous)
        monkeypatch.setenv("IANAPORTS_URL", str(newest))
        (block,) = readme_python_blocks()
        printed = io.StringIO()
        monkeypatch.setattr(sys, "stdout", printed)
        exec(compile(block, "README.md", "exec"), {})
        readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
        shown = readme.split("```python\n", 1)[1].split("prints\n\n```text\n", 1)[1].split("```", 1)[0]
        assert printed.getvalue() == shown

    def test_test_command_is_what_ci_runs(self):
        """The one-line test command README gives is the line .ci/run runs."""
        command = 'pip install -e ".[test]" && python -m pytest'
        assert f"\n{command}\n" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
        assert f"\n{command}\n" in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")

    def test_cli_session_is_real(self, real_cache):
        """The console session in README prints what the commands print for the newest real release."""
        text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
        session = text.split("<!-- session -->")[1].split("<!-- /session -->")[0]
        commands = re.findall(r"^\$ (ianaports [^\n#]*?)\s*$", session, flags=re.MULTILINE)
        assert len(commands) >= 3
        for command in commands:
            shown = session.split(f"$ {command}\n", 1)[1].split("\n$ ", 1)[0].split("\n```", 1)[0]
            out = io.StringIO()
            main([*command.split()[1:], "--cache-dir", str(real_cache)], stdout=out, stderr=io.StringIO())
            # Aligned on a terminal, tab-separated here: compare the cells.
            assert [line.split() for line in out.getvalue().splitlines()] == [
                line.split() for line in shown.splitlines()
            ], command
