"""The listening audit, against real sockets opened by the test on 127.0.0.1."""

from __future__ import annotations

import io
import json
import socket

import pytest

from ianaports import InvalidArgumentError, PortClass, Protocol
from ianaports.cli import EXIT_NEW_LISTENERS, EXIT_OK, EXIT_USAGE, main
from ianaports.listen import (
    BASELINE_MAX_BYTES,
    FlagCode,
    Listener,
    audit,
    compare_baseline,
    current_listeners,
    load_baseline,
    note_lookup,
    process_aliases,
    save_baseline,
)
from ianaports.notes import load_notes
from realdata import parsed, require_real

pytest.importorskip("psutil", reason="the listening audit needs the 'audit' extra (psutil)")


def _bind_first(kind: int, registry, *, assigned: bool) -> socket.socket:
    """Bind 127.0.0.1 on the first free User port that is (or is not) assigned for TCP and UDP."""
    for port in range(20000, 32000):
        records = [r for r in registry.lookup(port) if r.is_assignment]
        protocols = {r.protocol for r in records}
        if assigned and not {Protocol.TCP, Protocol.UDP} <= protocols:
            continue
        if not assigned and records:
            continue
        sock = socket.socket(socket.AF_INET, kind)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        if kind == socket.SOCK_STREAM:
            sock.listen()
        return sock
    pytest.fail("no free port found")  # pragma: no cover


@pytest.fixture
def registry():
    return parsed(require_real())


@pytest.fixture
def sockets(registry):
    opened = {
        "tcp_assigned": _bind_first(socket.SOCK_STREAM, registry, assigned=True),
        "tcp_unassigned": _bind_first(socket.SOCK_STREAM, registry, assigned=False),
        "udp_assigned": _bind_first(socket.SOCK_DGRAM, registry, assigned=True),
        "udp_unassigned": _bind_first(socket.SOCK_DGRAM, registry, assigned=False),
    }
    yield opened
    for sock in opened.values():
        sock.close()


def _find(audited, sock, protocol):
    port = sock.getsockname()[1]
    matches = [a for a in audited if a.listener.port == port and a.listener.protocol is protocol]
    assert len(matches) == 1, f"{protocol} {port} not found among {len(audited)} listeners"
    return matches[0]


class TestAudit:
    def test_finds_real_sockets_with_annotations(self, registry, sockets):
        """Listening sockets opened by the test are found, annotated and flagged as the registry says."""
        audited = audit(current_listeners(), registry)
        tcp = _find(audited, sockets["tcp_assigned"], Protocol.TCP)
        udp = _find(audited, sockets["udp_assigned"], Protocol.UDP)
        for item in (tcp, udp):
            assert item.service_names
            assert item.port_class is PortClass.USER
            assert FlagCode.UNASSIGNED not in {f.code for f in item.flags}
        for key, protocol in (("tcp_unassigned", Protocol.TCP), ("udp_unassigned", Protocol.UDP)):
            item = _find(audited, sockets[key], protocol)
            assert item.records == ()
            assert FlagCode.UNASSIGNED in {f.code for f in item.flags}

    def test_owner_is_this_process_when_visible(self, registry, sockets):
        """Where the OS reveals owners, the test's own sockets belong to this process; else the owner is unknown."""
        item = _find(audit(current_listeners(), registry), sockets["tcp_assigned"], Protocol.TCP)
        if item.listener.pid is None:
            assert FlagCode.UNKNOWN_OWNER in {f.code for f in item.flags}
        else:
            assert item.listener.process

    def test_other_protocol_flag(self, registry):
        """A listener on a port assigned only for another protocol is flagged."""
        port = next(
            p
            for p in range(1024, 49152)
            if {r.protocol for r in registry.lookup(p) if r.is_assignment} == {Protocol.TCP}
        )
        (item,) = audit([Listener(protocol=Protocol.UDP, address="0.0.0.0", port=port, pid=1)], registry)
        assert [f.code for f in item.flags] == [FlagCode.OTHER_PROTOCOL]

    def test_no_known_use_from_notes(self, registry):
        """A curated note saying the service is defunct raises the no-known-use flag."""
        listener = Listener(protocol=Protocol.TCP, address="0.0.0.0", port=2304, pid=1, process="x")
        (item,) = audit([listener], registry, note_for=lambda port, protocol: ("Attachmate UTS", "legacy"))
        assert [f.code for f in item.flags] == [FlagCode.NO_KNOWN_USE]
        assert item.note == "Attachmate UTS"

    def test_shipped_notes_feed_the_audit(self, registry):
        """The shipped note for 2304 gives the audit its summary."""
        listener = Listener(protocol=Protocol.TCP, address="0.0.0.0", port=2304, pid=1, process="x")
        (item,) = audit([listener], registry, note_for=note_lookup(registry, load_notes()))
        assert item.note is not None
        assert "Attachmate" in item.note


class TestBaseline:
    def test_round_trip_detects_new_listener(self, registry, tmp_path, sockets):
        """A listener opened after the baseline was saved is reported as new (exit 5), and not once it closed."""
        path = tmp_path / "baseline.json"
        save_baseline(current_listeners(), path)
        assert load_baseline(path)
        extra = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        extra.bind(("127.0.0.1", 0))
        extra.listen()
        port = extra.getsockname()[1]
        # Other processes on a shared machine may open sockets meanwhile: look for this one only.
        try:
            change = compare_baseline(load_baseline(path), current_listeners())
            assert port in [listener.port for listener in change.new]
            out, err = io.StringIO(), io.StringIO()
            code = main(["listening", "--baseline", str(path), "--json"], stdout=out, stderr=err)
            assert code == EXIT_NEW_LISTENERS
            assert port in [item["port"] for item in json.loads(out.getvalue())["new"]]
        finally:
            extra.close()
        out = io.StringIO()
        main(["listening", "--baseline", str(path), "--json"], stdout=out, stderr=io.StringIO())
        assert port not in [item["port"] for item in json.loads(out.getvalue())["new"]]

    def test_baseline_is_stable(self, tmp_path):
        """The same listeners give the same baseline bytes (sorted, no pids), so it diffs cleanly."""
        listeners = [
            Listener(protocol=Protocol.UDP, address="::", port=53, pid=9, process="dns"),
            Listener(protocol=Protocol.TCP, address="0.0.0.0", port=22, pid=1, process="sshd"),
        ]
        first, second = tmp_path / "a.json", tmp_path / "b.json"
        save_baseline(listeners, first)
        save_baseline(list(reversed(listeners)), second)
        strip = [line for line in first.read_text().splitlines() if '"saved"' not in line]
        assert strip == [line for line in second.read_text().splitlines() if '"saved"' not in line]
        assert '"pid"' not in first.read_text()

    def test_changed_owner(self):
        """A socket now held by another process is reported as an owner change."""
        old = Listener(protocol=Protocol.TCP, address="0.0.0.0", port=22, process="sshd")
        new = Listener(protocol=Protocol.TCP, address="0.0.0.0", port=22, process="nc")
        change = compare_baseline([old], [new])
        assert (change.new, change.gone, change.changed_owner) == ((), (), ((old, new),))

    @pytest.mark.parametrize(
        ("name", "content", "says"),
        [
            ("missing.json", None, "cannot read baseline {path}: No such file or directory"),
            ("folder", "", "cannot read baseline {path}: Is a directory"),
            ("bad.json", "{nope", "baseline {path} is not an ianaports baseline: "),
            ("list.json", "[]", "baseline {path} is not an ianaports baseline: "),
            *(
                (
                    f"typed{index}.json",
                    '{"listeners": [' + entry + "]}",
                    "baseline {path} is not an ianaports baseline: ",
                )
                for index, entry in enumerate(
                    [
                        '{"protocol": "tcp", "address": "::", "port": 1.5, "process": null}',
                        '{"protocol": "tcp", "address": "::", "port": true, "process": null}',
                        '{"protocol": "tcp", "address": "::", "port": 70000, "process": null}',
                        '{"protocol": "tcp", "address": ["::"], "port": 22, "process": null}',
                        '{"protocol": "tcp", "address": "::", "port": 22, "process": {}}',
                    ]
                )
            ),
        ],
    )
    def test_bad_baseline_is_a_usage_error(self, tmp_path, name, content, says):
        """A missing, unreadable or foreign --baseline, or one with mistyped fields, is bad input: exit 2, one line."""
        path = tmp_path / name
        if content == "":
            path.mkdir()
        elif content is not None:
            path.write_text(content)
        out, err = io.StringIO(), io.StringIO()
        assert main(["listening", "--baseline", str(path)], stdout=out, stderr=err) == EXIT_USAGE
        assert out.getvalue() == ""
        assert err.getvalue().startswith("ianaports: " + says.format(path=path))
        assert err.getvalue().count("\n") == 1
        with pytest.raises(InvalidArgumentError, match="baseline"):
            load_baseline(path)


def test_cli_listening_json(registry, sockets):
    """listening --json lists the test's sockets with their IANA services."""
    out = io.StringIO()
    code = main(["listening", "--json", "--file", str(require_real())], stdout=out, stderr=io.StringIO())
    assert code == EXIT_OK
    ports = {(item["protocol"], item["port"]) for item in json.loads(out.getvalue())["listeners"]}
    assert ("tcp", sockets["tcp_assigned"].getsockname()[1]) in ports


def test_api_listening_from_the_cache(sockets):
    """ianaports.listening() with no registry audits against the newest release in the cache."""
    import ianaports  # noqa: PLC0415 - the public entry point is what is tested

    ianaports.sync(str(require_real()))
    audited = ianaports.listening()
    found = _find(audited, sockets["tcp_assigned"], Protocol.TCP)
    assert found.records
    assert all(isinstance(item, ianaports.AuditedListener) for item in audited)


class TestProcessMatch:
    """A known process that does not match what its port is registered for is worth a look."""

    def listener(self, port: int, process: str | None, protocol: Protocol = Protocol.TCP, pid: int | None = 4242):
        return Listener(protocol=protocol, address="0.0.0.0", port=port, pid=pid, process=process)

    def flags(self, registry, listener, *, notes: bool = True):
        aliases = process_aliases(registry, load_notes()) if notes else None
        (item,) = audit([listener], registry, aliases_for=aliases)
        return [flag for flag in item.flags if flag.code is FlagCode.UNEXPECTED_PROCESS]

    def test_python_on_rdp(self, registry):
        """python3 listening on 3389/tcp (ms-wbt-server) is flagged, naming the process and the service."""
        (flag,) = self.flags(registry, self.listener(3389, "python3"))
        assert flag.reason == "python3 is not what IANA registers 3389/tcp for (ms-wbt-server)"

    @pytest.mark.parametrize(
        ("port", "process"),
        [
            (22, "sshd"),  # a prefix of the service name
            (5432, "postgres"),  # the service name's prefix
            (3306, "mysqld"),
            (3389, "svchost.exe"),  # a curated alias, .exe dropped
            (3389, "xrdp"),
            (80, "nginx"),
            (443, "caddy"),
            (53, "systemd-resolved"),
            (25, "master"),  # postfix's master, a curated alias
            (2304, "attachmate-uts"),
        ],
    )
    def test_expected_processes(self, registry, port, process):
        """The programs that serve a port (by name, description word or curated alias) are not flagged."""
        assert self.flags(registry, self.listener(port, process)) == []

    def test_aliases_come_from_notes(self, registry):
        """Without the curated notes' processes, nginx on 80 is flagged; with them it is not."""
        assert self.flags(registry, self.listener(80, "nginx"), notes=False)
        assert self.flags(registry, self.listener(80, "nginx")) == []

    @pytest.mark.parametrize(
        "listener",
        [
            Listener(protocol=Protocol.TCP, address="::", port=3389, pid=None, process=None),  # owner unknown
            Listener(protocol=Protocol.TCP, address="::", port=3389, pid=7, process="x"),  # no word to judge
            Listener(protocol=Protocol.UDP, address="::", port=50000, pid=7, process="python3"),  # ephemeral
        ],
    )
    def test_not_judged(self, registry, listener):
        """An unknown owner, a name too short to judge, or an ephemeral port raises no unexpected-process flag."""
        assert self.flags(registry, listener) == []

    def test_unassigned_port_is_not_also_unexpected(self, registry):
        """On a port IANA assigned to nothing only the unassigned flag is raised."""
        port = next(p for p in range(1024, 32768) if not [r for r in registry.lookup(p) if r.is_assignment])
        (item,) = audit([self.listener(port, "python3")], registry)
        assert [flag.code for flag in item.flags] == [FlagCode.UNASSIGNED]

    def test_table_and_json_show_pid_and_process(self, registry, monkeypatch):
        """listening prints PID and PROCESS columns and the flag; --json carries pid, process and the flag code."""
        import ianaports.listen  # noqa: PLC0415 - the module whose socket list is replaced

        fake = (self.listener(3389, "python3", pid=31337), self.listener(22, "sshd", pid=812))
        monkeypatch.setattr(ianaports.listen, "current_listeners", lambda: fake)
        path = str(require_real())
        out = io.StringIO()
        assert main(["listening", "--file", path], stdout=out, stderr=io.StringIO()) == EXIT_OK
        header, *rows = [line.split("\t") for line in out.getvalue().splitlines()]
        assert header[:5] == ["PROTO", "ADDRESS", "PORT", "PID", "PROCESS"]
        by_port = {row[2]: row for row in rows}
        assert by_port["3389"][3:5] == ["31337", "python3"]
        assert "python3 is not what IANA registers 3389/tcp for (ms-wbt-server)" in by_port["3389"][-1]
        assert by_port["22"][3:5] == ["812", "sshd"]
        assert by_port["22"][-1] == "-"
        out = io.StringIO()
        assert main(["listening", "--json", "--file", path], stdout=out, stderr=io.StringIO()) == EXIT_OK
        items = {item["port"]: item for item in json.loads(out.getvalue())["listeners"]}
        assert (items[3389]["pid"], items[3389]["process"]) == (31337, "python3")
        assert [flag["code"] for flag in items[3389]["flags"]] == ["unexpected-process"]
        assert items[22]["flags"] == []


class TestHostileBaselines:
    def test_endless_baseline_is_cut_at_the_cap(self):
        """--baseline /dev/zero reads just past the size cap and exits 2 saying so (it read 20 GB before)."""
        err = io.StringIO()
        assert main(["listening", "--baseline", "/dev/zero"], stdout=io.StringIO(), stderr=err) == EXIT_USAGE
        assert err.getvalue() == (
            f"ianaports: baseline /dev/zero is larger than the {BASELINE_MAX_BYTES}-byte limit;"
            " it is no ianaports baseline\n"
        )

    def test_deeply_nested_baseline_is_a_usage_error(self, tmp_path):
        """100,000 '[' is a clear one-line error and exit 2, not a RecursionError and exit 70."""
        path = tmp_path / "deep.json"
        path.write_text("[" * 100_000)
        err = io.StringIO()
        assert main(["listening", "--baseline", str(path)], stdout=io.StringIO(), stderr=err) == EXIT_USAGE
        assert err.getvalue() == f"ianaports: baseline {path} is not an ianaports baseline: its JSON nests too deep\n"

    def test_save_baseline_ignores_a_symlink_at_the_old_temporary_name(self, tmp_path):
        """A symlink planted at the predictable .P.tmp is neither followed nor written: the temp file is private."""
        victim = tmp_path / "victim.txt"
        victim.write_text("precious\n")
        target = tmp_path / "ports.json"
        (tmp_path / ".ports.json.tmp").symlink_to(victim)
        listener = Listener(protocol=Protocol.TCP, address="0.0.0.0", port=22, process="sshd")
        save_baseline([listener], target)
        assert victim.read_text() == "precious\n"
        assert (tmp_path / ".ports.json.tmp").is_symlink()
        assert load_baseline(target) == (listener,)
        assert sorted(path.name for path in tmp_path.iterdir()) == [".ports.json.tmp", "ports.json", "victim.txt"]
