"""Exit codes and messages a user trips on (issue 15, item 7), each through the command line."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cli_helpers import run
from ianaports.cli import EXIT_CACHE, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, _basics, lookup, main
from ianaports.cli._basics import Terminated, sigterm_unwinds
from ianaports.cli._exit import EXIT_CODES_HELP, EXIT_INTERRUPTED, EXIT_OUTPUT
from realdata import FIXTURES, require_real

SMALL = str(FIXTURES / "child-order.xml")


class TestNoStoreYet:
    """An empty store is exit 4 for every command that reads it without syncing."""

    @pytest.mark.parametrize(
        "argv",
        [
            ["versions"],
            ["versions", "--check"],
            ["history", "22"],
            ["diff"],
            ["diff", "latest"],
            ["export", "--format", "xml"],
        ],
    )
    def test_exit_4(self, argv, tmp_path):
        """versions (which exited 1), history, diff and export --format xml all exit 4 with one line."""
        code, _, err = run(*argv, "--data-dir", str(tmp_path / "empty"))
        assert code == EXIT_CACHE
        assert err.count("\n") == 1


class TestOutput:
    """What cannot be written is an output error (exit 73) in one line, not a cache error or a crash."""

    def test_export_to_missing_folder(self, tmp_path):
        """export -o into a folder that does not exist exits 73, naming the path."""
        target = tmp_path / "no-such-folder" / "x.json"
        code, out, err = run("export", "-o", str(target), "--file", SMALL)
        assert (code, out) == (EXIT_OUTPUT, "")
        assert err.startswith(f"ianaports: cannot write {target}")
        assert err.count("\n") == 1

    def test_export_xml_to_missing_folder(self, tmp_path):
        """export --format xml -o into a missing folder exits 73 too."""
        code, _, _ = run("export", "--format", "xml", "-o", str(tmp_path / "nope" / "x.xml"), "--file", SMALL)
        assert code == EXIT_OUTPUT

    def test_backup_to_missing_folder(self, tmp_path):
        """backup into a missing folder exits 73 before the store is read."""
        run("sync", "--source", SMALL)
        code, _, err = run("backup", str(tmp_path / "nope" / "b.tar"))
        assert code == EXIT_OUTPUT
        assert "there is no folder" in err

    def test_full_stdout(self):
        """A stdout that reports a full device gives one line and exit 73, not an internal error."""

        class Full(io.StringIO):
            def write(self, text: str) -> int:
                raise OSError(errno.ENOSPC, "No space left on device")

        err = io.StringIO()
        code = main(["show", "smtp", "--file", SMALL], stdout=Full(), stderr=err)
        assert code == EXIT_OUTPUT
        assert err.getvalue() == "ianaports: cannot write the output: No space left on device\n"

    @pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
    def test_dev_full(self):
        """ianaports show smtp > /dev/full: one line on stderr, exit 73."""
        with open("/dev/full", "w") as full:  # noqa: PTH123 - a device, handed to a child process
            done = subprocess.run(
                [sys.executable, "-m", "ianaports", "show", "smtp", "--file", SMALL],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
        assert done.returncode == EXIT_OUTPUT
        assert done.stderr == "ianaports: cannot write the output: No space left on device\n"

    @pytest.mark.parametrize("path", ["quick", "full"])
    def test_closed_stdout(self, tmp_path, path):
        """show smtp >&- (sys.stdout is None): one line and exit 73 on both paths; sync --quiet still exits 0."""
        store = ["--data-dir", str(tmp_path / "store")]
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        if path == "full":
            env["_IANAPORTS_FULL_PATH"] = "1"

        def closed(*argv: str) -> subprocess.CompletedProcess[str]:
            command = [sys.executable, "-m", "ianaports", *argv]
            return subprocess.run(
                ["sh", "-c", '"$@" >&-', "sh", *command], capture_output=True, text=True, check=False, env=env
            )

        synced = closed("sync", "--source", SMALL, "--quiet", *store)
        assert (synced.returncode, synced.stderr) == (EXIT_OK, "")
        done = closed("show", "smtp", *store)
        assert done.returncode == EXIT_OUTPUT
        assert done.stderr == "ianaports: cannot write the output: standard output is closed\n"


class TestInterrupted:
    def test_ctrl_c(self, monkeypatch):
        """Ctrl-C is one line and exit 130, and the exit-code table lists 130 and 73."""

        def interrupted(*_args: object) -> int:
            raise KeyboardInterrupt

        monkeypatch.setattr(lookup, "cmd_show", interrupted)
        assert run("show", "smtp", "--file", SMALL) == (EXIT_INTERRUPTED, "", "ianaports: interrupted\n")
        assert "130 interrupted (Ctrl-C)" in EXIT_CODES_HELP
        assert "73 output error" in EXIT_CODES_HELP


class TestSigtermUnwinds:
    """SIGTERM raises Terminated inside the block (so cleanups run) and the previous handler is back after it."""

    def test_raises_then_restores(self):
        if threading.current_thread() is not threading.main_thread():
            pytest.skip("signal handlers are set from the main thread only")
        before = signal.getsignal(signal.SIGTERM)
        with sigterm_unwinds():
            assert signal.getsignal(signal.SIGTERM) is not before
            with pytest.raises(Terminated):
                signal.raise_signal(signal.SIGTERM)
        assert signal.getsignal(signal.SIGTERM) == before

    def test_a_handler_python_did_not_set_comes_back_as_the_default(self, monkeypatch):
        """signal() answers None for a handler set outside Python: the block restores SIG_DFL, not a TypeError."""
        calls = []
        monkeypatch.setattr(_basics.signals, "signal", lambda number, handler: calls.append(handler))
        with sigterm_unwinds():
            pass
        assert calls[1:] == [_basics.signals.SIG_DFL]


class TestSearch:
    """search: empty text refused, -p and NAME/PROTO filter, a number points at show."""

    @pytest.mark.parametrize("text", ["", "  "])
    def test_empty_text(self, text):
        """search "" is a usage error, not every record."""
        code, out, err = run("search", text, "--file", SMALL)
        assert (code, out) == (EXIT_USAGE, "")
        assert "search needs some text" in err

    def test_protocol_option_and_suffix(self):
        """search kerberos -p udp and search kerberos/udp list the same udp records only."""
        path = str(require_real())
        code, out, _ = run("search", "kerberos", "-p", "udp", "--json", "--file", path)
        assert code == EXIT_OK
        records = json.loads(out)["records"]
        assert records
        assert {record["protocol"] for record in records} == {"udp"}
        assert run("search", "kerberos/udp", "--json", "--file", path)[1] == out

    def test_number_hints_at_show(self):
        """search 22 still searches text, and says on stderr that show answers a port."""
        _, _, err = run("search", "22", "--file", str(require_real()))
        assert "for the port run 'ianaports show 22'" in err


class TestDates:
    """diff reads 20251114 and 2025-1-14 as dates, diff latest alone, and names the nearest releases."""

    @pytest.fixture
    def stored(self, real_cache):
        return ("--data-dir", str(real_cache))

    @pytest.mark.parametrize("spec", ["20251114", "2025-11-14", "2025-11-14 "])
    def test_compact_date(self, stored, spec):
        """diff 20251114 is the stored release of 2025-11-14 against latest."""
        code, out, _ = run("diff", spec, *stored)
        assert code == EXIT_OK
        assert out.splitlines()[0] == "IANA port registry 2025-11-14 -> 2025-12-15"

    def test_unpadded_date(self, stored):
        """diff 2025-1-14 2025-11-20 reads 2025-01-14."""
        code, out, _ = run("diff", "2025-1-14", "2025-11-20", *stored)
        assert code == EXIT_OK
        assert out.splitlines()[0] == "IANA port registry 2025-01-14 -> 2025-11-20"

    def test_version_option_reads_the_same_forms(self, stored):
        """show --version 20251114 answers from the release of 2025-11-14."""
        assert run("show", "1980", "--version", "20251114", *stored)[1].count("pearldoc-xact") == 2

    def test_latest_alone(self, stored):
        """diff latest compares the latest release with the one before it, not with itself."""
        code, out, _ = run("diff", "latest", *stored)
        assert code == EXIT_OK
        assert out.splitlines()[0] == "IANA port registry 2025-11-20 -> 2025-12-15"

    def test_nearest_releases(self, stored):
        """A date with no release names the stored ones on either side of it."""
        code, _, err = run("diff", "2025-11-15", *stored)
        assert code == EXIT_NOT_FOUND
        assert err == (
            "ianaports: no release of 2025-11-15 in the store (nearest stored: 2025-11-14 before, 2025-11-20 after)\n"
        )


class TestDidYouMean:
    """Mistyped commands and service names get a close suggestion."""

    def test_command(self):
        """ianaports shwo 22 suggests show."""
        code, _, err = run("shwo", "22")
        assert code == EXIT_USAGE
        assert err == "ianaports: unknown command 'shwo'; did you mean 'show'? (see 'ianaports --help')\n"

    def test_unlike_any_command(self):
        """A word like no command gets no guess."""
        assert "did you mean" not in run("xyzzy")[2]

    @pytest.mark.parametrize(("typed", "meant"), [("sshh", "'ssh'"), ("postgress", "'postgresql'")])
    def test_service_name(self, typed, meant):
        """show and explain of a mistyped name suggest the real one."""
        path = str(require_real())
        for command in ("show", "explain"):
            code, _, err = run(command, typed, "--file", path)
            assert code == EXIT_NOT_FOUND
            assert f"(did you mean {meant}" in err

    def test_history_name(self, real_cache):
        """history of a mistyped name suggests a name of the newest stored release."""
        code, _, err = run("history", "postgress", "--data-dir", str(real_cache))
        assert code == EXIT_NOT_FOUND
        assert err.endswith("(did you mean 'postgresql'?)\n")

    def test_no_guess_for_a_name_on_another_protocol(self):
        """smtp on dccp exists as a name, so no guess is offered."""
        assert "did you mean" not in run("show", "smtp", "-p", "dccp", "--file", SMALL)[2]


class TestWording:
    """Messages that repeated themselves, or miscounted, read right."""

    def test_protocol_said_once(self):
        """show 7/sctp says '7' on sctp, not '7/sctp' on sctp."""
        _, _, err = run("show", "7/sctp", "--file", str(require_real()))
        assert err == "ianaports: nothing in the registry of 2025-12-15 for '7' on sctp\n"

    def test_source_named_once(self, tmp_path):
        """A sync of a broken file names it once, and does not suggest the --source just used."""
        broken = tmp_path / "small.xml"
        broken.write_text("abc")
        _, _, err = run("sync", "--source", str(broken))
        assert err.count(str(broken)) == 1
        assert "to import a local copy" not in err

    def test_one_release(self):
        """A history over one stored release says '1 release'."""
        run("sync", "--source", SMALL)
        code, out, _ = run("history", "smtp")
        assert code == EXIT_OK
        assert out.splitlines()[0] == "History of smtp (1 release, 2025-12-15)"
        assert "the one stored release" in run("history", "no-such-name")[2]


class TestRepeatedProtocol:
    """-p given twice: the same protocol is fine, two different ones are refused."""

    def test_two_protocols_refused(self):
        """show 22 -p tcp -p udp is a usage error in one line."""
        code, out, err = run("show", "smtp", "-p", "tcp", "-p", "udp", "--file", SMALL)
        assert (code, out) == (EXIT_USAGE, "")
        assert err.startswith("ianaports: --protocol tcp and --protocol udp conflict")
        assert err.count("\n") == 1

    def test_same_protocol_twice(self):
        """-p tcp -p TCP is tcp."""
        assert run("show", "smtp", "-p", "tcp", "-p", "TCP", "--file", SMALL)[0] == EXIT_OK
