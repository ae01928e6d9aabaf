"""The services(5) export, read back by a strict parser and, where possible, by the C library."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest

from ianaports import NotFoundError, SuspectReleaseError, parse
from ianaports.render.services import SERVICES_MAX_LINES, is_services_name, services_lines, write_services
from realdata import FIXTURES, parsed, require_real
from synthetic import nested_ranges_xml

# services(5): name, port/protocol, optional aliases, optional comment; fields split on blanks.
LINE_RE = re.compile(
    r"^(?P<name>[^\s#/]+)\s+(?P<port>\d{1,5})/(?P<proto>[a-z]+)(?P<aliases>(?:\s+[^\s#]+)*)\s*(?:#.*)?$"
)


def strict_parse(text: str) -> list[tuple[str, int, str, list[str]]]:
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = LINE_RE.match(line)
        assert match, f"line {number} is not services(5): {line!r}"
        port = int(match["port"])
        assert 0 <= port <= 65535
        entries.append((match["name"], port, match["proto"], match["aliases"].split()))
    return entries


def services_text(registry) -> str:
    buffer = io.StringIO()
    write_services(registry, buffer)
    return buffer.getvalue()


class TestServicesFile:
    def test_aliases_join_their_service(self):
        """An entry noted as an alias of another becomes an alias on that service's line."""
        entries = strict_parse(services_text(parse(FIXTURES / "names-case-and-aliases.xml")))
        assert ("http", 80, "tcp", ["www"]) in entries
        assert all(name != "www" for name, *_ in entries)

    def test_names_the_format_cannot_hold_are_left_out(self):
        """Names with a slash or a blank are skipped; the well-formed alias stays."""
        entries = strict_parse(services_text(parse(FIXTURES / "names-case-and-aliases.xml")))
        names = {name for name, *_ in entries}
        assert "EtherNet/IP-1" not in names
        assert "EtherNet-IP-1" in names
        assert not is_services_name("Apple Remote Desktop (Net Assistant)")

    def test_ranges_expanded_and_protocolless_skipped(self):
        """A span becomes one line per port; records without a protocol are left out."""
        entries = strict_parse(services_text(parse(FIXTURES / "ranges-and-no-protocol.xml")))
        assert len([e for e in entries if e[0] == "x11"]) == 128
        assert all(e[0] != "boe-cms" for e in entries)

    def test_real_release_is_strictly_valid(self, newest):
        """Every line of the newest release's services file parses strictly, one per port and protocol."""
        entries = strict_parse(services_text(newest))
        keys = [(name.lower(), port, proto) for name, port, proto, _ in entries]
        assert len(keys) == len(set(keys))
        assert ("attachmate-uts", 2304, "tcp") in keys
        assert len(services_lines(newest)) == len(entries)


class TestDropInHelpers:
    def test_getservbyport(self, newest):
        """getservbyport answers like the C library's, from IANA."""
        assert newest.getservbyport(22) == "ssh"
        assert newest.getservbyport(80, "udp") == "http"
        with pytest.raises(NotFoundError):
            newest.getservbyport(65000)

    def test_getservbyname(self, newest):
        """getservbyname finds the port of a name, case-insensitively."""
        assert newest.getservbyname("SSH") == 22
        assert newest.getservbyname("attachmate-uts", "udp") == 2304
        with pytest.raises(NotFoundError):
            newest.getservbyname("rdp")


def _can_bind_mount() -> bool:
    if shutil.which("unshare") is None or shutil.which("getent") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind /etc/hostname /etc/hostname"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_bind_mount(), reason="needs unshare and mount to show the file to getent")
def test_glibc_getent_reads_the_export(tmp_path):
    """The C library's getent finds services by name, alias and port in the exported file."""
    registry = parsed(require_real())
    path = tmp_path / "services"
    path.write_text(services_text(registry))
    script = (
        f"mount --bind {path} /etc/services && getent services attachmate-uts && "
        "getent services 2402/udp && getent services whois++ && getent services 6010/tcp"
    )
    result = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert lines[0][:2] == ["attachmate-uts", "2304/tcp"]
    assert lines[1][:2] == ["taskmaster2000", "2402/udp"]
    assert lines[2][:3] == ["whoispp", "63/tcp", "whois++"]
    assert lines[3][:2] == ["x11", "6010/tcp"]


def test_nested_spans_are_refused_before_a_line_is_written():
    """14,000 nested spans would list 721 million lines: refused as suspect, and nothing at all is written."""
    registry = parse(nested_ranges_xml(14_000))
    stream = io.StringIO()
    with pytest.raises(SuspectReleaseError, match="up to 721518000 lines, over the 1000000 limit"):
        write_services(registry, stream)
    assert stream.getvalue() == ""


def test_real_release_is_far_below_the_line_limit():
    """The newest real release lists about 11,700 lines, a hundredth of SERVICES_MAX_LINES."""
    assert 11_000 < len(services_lines(parsed(require_real()))) < SERVICES_MAX_LINES / 80
