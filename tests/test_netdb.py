"""getservbyport/getservbyname: socket's arguments and errors, IANA's answers, one index built once."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ianaports import NotFoundError, netdb
from realdata import FIXTURES, PROJECT_ROOT, parsed

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SERVICES = Path("/etc/services")
DOCS = PROJECT_ROOT / "docs" / "api.md"

#: Every kind of difference to the OS's services file, as docs/api.md lists them.
KINDS = {
    "os-protocol": "the OS lists a protocol IANA's registry does not hold (ddp, AppleTalk)",
    "port-unassigned": "IANA assigns nothing at that port and protocol",
    "port-listed-later": "IANA registers the OS's name there too, but another name first",
    "port-other-name": "the OS's name is not IANA's at that port and protocol",
    "port-protocol-order": "no protocol given: the OS's first line for the port is not tcp",
    "name-unknown": "IANA registers no such name (an OS alias or local name)",
    "name-other-port": "IANA registers the name at another port",
    "name-other-protocol": "IANA registers the name, but not for that protocol",
    "name-protocol-order": "no protocol given: the OS's first line for the name is not tcp",
}


@pytest.fixture
def real_index(newest) -> Iterator[netdb.Index]:
    """The lookups answer from the newest real release, whatever the store holds."""
    index = netdb.build_index(newest)
    netdb.clear_cache()
    netdb._index = index
    yield index
    netdb.clear_cache()


def _services() -> list[tuple[str, int, str, list[str]]]:
    """The entries of this machine's services file: name, port, protocol, aliases."""
    if not SERVICES.is_file():
        pytest.skip(f"{SERVICES} is absent on this machine (a slim container?)")
    entries = []
    for line in SERVICES.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2 or "/" not in fields[1]:
            continue
        port, protocol = fields[1].split("/", 1)
        entries.append((fields[0], int(port), protocol, fields[2:]))
    return entries


def _answer(function: Callable[..., object], *args: object) -> object:
    try:
        return function(*args)
    except OSError as exc:
        return f"OSError: {exc}"


def _port_kind(registry, entries, port: int, protocol: str | None, os_answer: object) -> str:
    if protocol is None:
        first = next(entry for entry in entries if entry[1] == port)
        return "port-protocol-order" if first[2] != "tcp" else _port_kind(registry, entries, port, "tcp", os_answer)
    if protocol not in netdb.PROTOCOL_PREFERENCE:
        return "os-protocol"
    named = {record.name for record in registry.lookup(port, protocol) if record.name and record.is_assignment}
    if not named:
        return "port-unassigned"
    return "port-listed-later" if os_answer in named else "port-other-name"


def _name_kind(registry, entries, name: str, protocol: str | None, os_answer: object) -> str:
    if protocol is None:
        first = next(entry for entry in entries if name in (entry[0], *entry[3]))
        if first[2] != "tcp":
            return "name-protocol-order"
        protocol = "tcp"
    if protocol not in netdb.PROTOCOL_PREFERENCE:
        return "os-protocol"
    try:
        records = [record for record in registry.service(name) if record.ports is not None and record.is_assignment]
    except NotFoundError:
        records = []
    if not records:
        return "name-unknown"
    if any(record.ports.start == os_answer for record in records if record.ports is not None):
        return "name-other-protocol"
    return "name-other-port"


def _differences(registry) -> dict[str, list[str]]:
    """Every difference between socket and ianaports on this machine's services file, by kind."""
    entries = _services()
    found: dict[str, list[str]] = {}
    for name, port, protocol, aliases in entries:
        for wanted in (protocol, None):
            args = (port,) if wanted is None else (port, wanted)
            os_answer = _answer(socket.getservbyport, *args)
            if os_answer != _answer(netdb.getservbyport, *args):
                kind = _port_kind(registry, entries, port, wanted, os_answer)
                found.setdefault(kind, []).append("/".join(map(str, args)))
            for service in (name, *aliases):
                named = (service,) if wanted is None else (service, wanted)
                os_port = _answer(socket.getservbyname, *named)
                if os_port != _answer(netdb.getservbyname, *named):
                    kind = _name_kind(registry, entries, service, wanted, os_port)
                    found.setdefault(kind, []).append("/".join(named))
    return found


class TestAgainstSocket:
    def test_every_services_entry_is_equal_or_a_documented_difference(self, newest, real_index):
        """For every line of /etc/services, socket and ianaports agree, or differ in a kind the docs list."""
        entries = _services()
        found = _differences(newest)
        assert set(found) <= set(KINDS), found.keys() - KINDS.keys()
        compared = sum(2 * (1 + len(aliases)) + 2 for *_, aliases in entries)
        different = sum(len(items) for items in found.values())
        # Most of the OS file is IANA's own: the differences are the exceptions, not the rule.
        assert different < compared / 2

    def test_most_entries_agree(self, real_index):
        """The well-known ports answer as socket does on any glibc or BSD services file."""
        for port, protocol in ((22, "tcp"), (53, "udp"), (80, "tcp"), (443, "tcp")):
            assert netdb.getservbyport(port, protocol) == socket.getservbyport(port, protocol)
        assert netdb.getservbyname("ssh", "tcp") == socket.getservbyname("ssh", "tcp") == 22

    def test_the_docs_list_every_kind(self):
        """docs/api.md's table of differences names exactly the kinds the comparison knows."""
        text = DOCS.read_text(encoding="utf-8")
        section = text.split("### Differences to socket", 1)[1].split("\n#", 1)[0]
        documented = set(re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE))
        assert documented == set(KINDS)


class TestSemantics:
    def test_not_found_messages_are_socket_s(self, real_index):
        """A miss raises OSError with socket's own message."""
        with pytest.raises(OSError, match=r"^port/proto not found$") as port_miss:
            netdb.getservbyport(65000, "tcp")
        with pytest.raises(OSError, match=r"^service/proto not found$") as name_miss:
            netdb.getservbyname("no-such-service-here", "tcp")
        with pytest.raises(OSError) as socket_miss:
            socket.getservbyname("no-such-service-here", "tcp")
        assert str(name_miss.value) == str(socket_miss.value)
        assert type(port_miss.value) is OSError

    def test_bad_ports_raise_what_socket_raises(self, real_index):
        """A port outside 0-65535 is an OverflowError, a port that is not an int a TypeError."""
        for bad in (-1, 65536):
            with pytest.raises(OverflowError) as ours:
                netdb.getservbyport(bad)
            with pytest.raises(OverflowError) as theirs:
                socket.getservbyport(bad)
            assert str(ours.value) == str(theirs.value)
        with pytest.raises(TypeError):
            netdb.getservbyport("80")  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            netdb.getservbyname(80)  # type: ignore[arg-type]

    def test_names_and_protocols_match_in_any_case(self, real_index):
        """RFC 6335 service names are case-insensitive, and so is the protocol here (glibc's are not)."""
        assert netdb.getservbyname("SSH", "TCP") == 22
        assert netdb.getservbyport(22, "TCP") == "ssh"

    def test_tcp_answers_first_without_a_protocol(self, real_index):
        """With no protocol, the tcp answer wins, as the tcp line comes first in services(5) files."""
        tcp_only = netdb.getservbyport(623, "tcp")
        assert netdb.getservbyport(623) == tcp_only
        assert netdb.getservbyport(623, "udp") != tcp_only

    def test_udp_only_ports_answer_without_a_protocol(self, real_index):
        """A port IANA assigns on udp alone still answers when no protocol is named."""
        assert netdb.getservbyport(69) == "tftp"
        with pytest.raises(OSError):
            netdb.getservbyport(69, "dccp")

    def test_aligned_with_registry_getservbyport(self, newest, real_index):
        """On every port and protocol, the module-level lookup answers what Registry.getservbyport does."""
        for protocol in ("tcp", "udp", "sctp"):
            for port in range(0, 65536, 7):
                try:
                    expected: str | None = newest.getservbyport(port, protocol)
                except NotFoundError:
                    expected = None
                assert real_index[0].get((port, protocol)) == expected

    def test_aliases_answer_after_their_target(self):
        """An IANA alias names the port only when no other record does; its name still finds the port."""
        registry = parsed(FIXTURES / "names-case-and-aliases.xml")
        by_port, by_name = netdb.build_index(registry)
        aliases = [record for record in registry.records if record.alias_of and record.ports and record.protocol]
        assert aliases, "the fixture holds an alias"
        for record in aliases:
            assert record.name is not None
            assert record.ports is not None
            assert by_name[record.name.lower(), str(record.protocol)] == record.ports.start
            assert by_port[record.ports.start, str(record.protocol)] != record.name


class TestThreads:
    def test_many_threads_build_one_index_and_agree(self, newest, monkeypatch):
        """Sixty-four threads asking at once build the index once and all get the same answers."""
        netdb.clear_cache()
        builds = []

        def load():
            builds.append(1)
            return newest

        monkeypatch.setattr("ianaports._sync.load", load)
        barrier = threading.Barrier(64)
        answers: list[tuple[str, int]] = []
        errors: list[BaseException] = []

        def ask() -> None:
            try:
                barrier.wait()
                answers.extend(
                    (netdb.getservbyport(2304, "tcp"), netdb.getservbyname("attachmate-uts")) for _ in range(50)
                )
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=ask) for _ in range(64)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        netdb.clear_cache()
        assert errors == []
        assert builds == [1]
        assert set(answers) == {("attachmate-uts", 2304)}
        assert len(answers) == 64 * 50
