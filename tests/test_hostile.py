"""Hostile and broken input: every case ends in ParseError (or a harmless Registry), fast, small, offline.

Each hostile document is parsed in a fresh Python process so that its time and
its peak memory (``ru_maxrss``, which counts libxml2's C allocations too) can be
measured on their own. A canary file and a local HTTP server that records every
request prove that no entity, DTD or XInclude was ever fetched.

The property-based tests mutate real ``<record>`` blocks of the newest release.
``IANAPORTS_HYPOTHESIS_PROFILE=thorough`` runs many more examples than the
default profile (see docs/parser.md, "Hostile input").
"""

from __future__ import annotations

import ctypes
import functools
import json
import lzma
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from ianaports import ParseError, ParseWarning, Protocol, Registry, ServiceRecord, parse
from ianaports.registry import port_overlap, port_statistics
from realdata import FIXTURES, require_real

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# The function-scoped autouse cache fixture is irrelevant to parsing, so its health check is off.
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}
# CI: a fixed seed (derandomize) and 200 examples, so a red run replays exactly;
# "thorough": 5,000 fresh examples a property, a new draw each run.
settings.register_profile("default", max_examples=200, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=5000, **_COMMON)
settings.load_profile(os.environ.get("IANAPORTS_HYPOTHESIS_PROFILE", "default"))

SECONDS_ALLOWED = 1.0
EXTRA_MEGABYTES_ALLOWED = 200

PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>\n'
OPEN = (
    b'<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">\n'
    b"<title>Service Name and Transport Protocol Port Number Registry</title>\n<updated>2025-12-15</updated>\n"
)
CLOSE = b"</registry>\n"


def record(description: bytes) -> bytes:
    """One plain record whose description is *description* (raw XML)."""
    return (
        b"<record><name>x</name><protocol>tcp</protocol><number>7</number><description>%s</description></record>\n"
        % (description)
    )


def document(doctype: bytes, description: bytes) -> bytes:
    return PROLOG + doctype + OPEN + record(description) + CLOSE


# The child process: parse one input, report the outcome, the time and the peak memory growth.
CHILD = r"""
import io, json, resource, sys, time
from ianaports import ParseError, parse
from ianaports.render import record_to_json

class Gigabyte(io.RawIOBase):
    # 1 GiB of registry-shaped XML, made a slice at a time and never held whole.
    size = 1 << 30
    def __init__(self):
        self.position = 0
        self.head = sys.argv[2].encode()
        self.block = (b"<record><name>x</name><number>7</number></record>\n" * 25000)[: 1 << 20]
    def readable(self):
        return True
    def readinto(self, buffer):
        if self.position == 0:
            piece = self.head
        else:
            piece = self.block[: min(len(buffer), self.size - self.position)]
        piece = piece[: len(buffer)]
        buffer[: len(piece)] = piece
        self.position += len(piece)
        return len(piece)

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

source = Gigabyte() if sys.argv[1] == "gigabyte" else sys.argv[1]
before = peak_mib()
started = time.perf_counter()
try:
    registry = parse(source)
except ParseError as exc:
    outcome, text = "ParseError", str(exc)
except BaseException as exc:
    outcome, text = type(exc).__name__, str(exc)
else:
    outcome, text = "Registry", json.dumps([record_to_json(r) for r in registry])
elapsed = time.perf_counter() - started
print(json.dumps({"outcome": outcome, "text": text, "seconds": elapsed, "extra_mib": peak_mib() - before}))
"""


def parse_in_child(source: str, head: str = "") -> dict[str, object]:
    """Parse *source* (a path, or "gigabyte") in a fresh interpreter and return its report."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, source, head], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout)
    return report


class _SpyHandler(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b"<!ENTITY leak 'SERVED-BY-SPY'>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        del args


class _RecordingServer(ThreadingHTTPServer):
    """Records every TCP connection, so an ftp:// or https:// attempt counts as a hit too."""

    hits: list[str]

    def verify_request(self, request: object, client_address: object) -> bool:
        self.hits.append(f"connection from {client_address}")
        return True


@pytest.fixture
def spy() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []
    handler = type("Handler", (_SpyHandler,), {"hits": hits})
    server = _RecordingServer(("127.0.0.1", 0), handler)
    server.hits = hits
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def canary(tmp_path: Path) -> tuple[Path, str]:
    """A local file whose unique content must never show up anywhere."""
    secret = f"CANARY-{uuid.uuid4().hex}"
    path = tmp_path / "canary.txt"
    path.write_text(secret)
    return path, secret


class OpenWatch:
    """Linux inotify on one file: counts every open and read of it, by any process.

    Its content not showing up is not proof enough (libxml2 could read the
    file and drop it); the kernel telling that nobody opened it is.
    """

    IN_ACCESS = 0x001
    IN_OPEN = 0x020
    EVENT_SIZE = 16  # struct inotify_event without a name (a watch on a file has none)

    def __init__(self, path: Path) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        init = getattr(libc, "inotify_init1", None)
        if init is None:
            pytest.skip("inotify is Linux only; the canary's content is still checked elsewhere")
        self.fd = init(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(self.fd, os.fsencode(path), self.IN_OPEN | self.IN_ACCESS) < 0:
            pytest.skip(f"inotify is not available here: {os.strerror(ctypes.get_errno())}")

    def events(self) -> int:
        """How many opens and reads happened since the watch began."""
        count = 0
        while True:
            try:
                count += len(os.read(self.fd, 4096)) // self.EVENT_SIZE
            except BlockingIOError:
                return count

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def canary_watch(canary: tuple[Path, str]) -> Iterator[OpenWatch]:
    """An inotify watch on the canary file, begun after the file was written."""
    watch = OpenWatch(canary[0])
    try:
        yield watch
    finally:
        watch.close()


def hostile_inputs(canary_uri: str, url: str) -> dict[str, bytes]:
    """Every hostile document, by name; *url* is the spy server, *canary_uri* the canary file."""
    laughs = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (level, (b"&lol%d;" % (level - 1) if level > 1 else b"&lol;") * 10)
        for level in range(1, 10)
    )
    big = b"A" * 100_000
    canary = canary_uri.encode()
    spy = url.encode()
    return {
        "billion-laughs": document(b"<!DOCTYPE registry [" + laughs + b"]>\n", b"&lol9;"),
        "quadratic-blowup": document(b'<!DOCTYPE registry [<!ENTITY a "' + big + b'">]>\n', b"&a;" * 20_000),
        "external-entity-file": document(b'<!DOCTYPE registry [<!ENTITY x SYSTEM "' + canary + b'">]>\n', b"&x;"),
        "external-entity-http": document(b'<!DOCTYPE registry [<!ENTITY x SYSTEM "' + spy + b'/entity">]>\n', b"&x;"),
        "external-dtd-http": document(b'<!DOCTYPE registry SYSTEM "' + spy + b'/registry.dtd">\n', b"d"),
        "external-dtd-file": document(b'<!DOCTYPE registry SYSTEM "' + canary + b'">\n', b"d"),
        "parameter-entities": document(
            b'<!DOCTYPE registry [<!ENTITY % p SYSTEM "' + spy + b'/param"> %p;]>\n', b"&leak;"
        ),
        "parameter-entities-file": document(
            b'<!DOCTYPE registry [<!ENTITY % p SYSTEM "' + canary + b'"> %p;]>\n', b"&leak;"
        ),
        "external-entity-plain-path": document(
            b'<!DOCTYPE registry [<!ENTITY x SYSTEM "' + canary.removeprefix(b"file://") + b'">]>\n', b"&x;"
        ),
        "external-entity-ftp": document(
            b'<!DOCTYPE registry [<!ENTITY x SYSTEM "' + spy.replace(b"http://", b"ftp://") + b'/x">]>\n', b"&x;"
        ),
        # The same attacks where a byte scan for "<!DOCTYPE" cannot see them.
        "doctype-after-comment": PROLOG
        + b"<!-- <a -->\n"
        + b'<!DOCTYPE registry [<!ENTITY x SYSTEM "'
        + canary
        + b'">]>\n'
        + OPEN
        + record(b"&x;")
        + CLOSE,
        "billion-laughs-after-comment": PROLOG
        + b"<!-- <a -->\n<!DOCTYPE registry ["
        + laughs
        + b"]>\n"
        + OPEN
        + record(b"&lol9;")
        + CLOSE,
        "utf16-external-entity": document(b'<!DOCTYPE registry [<!ENTITY x SYSTEM "' + spy + b'/utf16">]>\n', b"&x;")
        .replace(b"UTF-8", b"UTF-16")
        .decode()
        .encode("utf-16"),
        "deep-nesting": document(b"", b"<a>" * 100_000 + b"</a>" * 100_000),
        "invalid-utf8": document(b"", b"caf\xc3\x28 \xff\xfe"),
        "every-field-malformed": (FIXTURES / "malformed-record.xml").read_bytes(),
    }


HOSTILE_NAMES = list(hostile_inputs("file:///c", "http://127.0.0.1:1"))


class TestHostileDocuments:
    @pytest.mark.parametrize("name", HOSTILE_NAMES)
    def test_ends_in_parse_error_quickly_small_and_offline(self, name, tmp_path, canary, canary_watch, spy):
        """The document is refused with ParseError within a second and 200 MB, reading no file and no URL."""
        canary_path, secret = canary
        url, hits = spy
        path = tmp_path / f"{name}.xml"
        path.write_bytes(hostile_inputs(canary_path.as_uri(), url)[name])
        report = parse_in_child(str(path))
        assert canary_watch.events() == 0
        assert report["outcome"] == "ParseError", report["text"]
        assert report["seconds"] < SECONDS_ALLOWED
        assert report["extra_mib"] < EXTRA_MEGABYTES_ALLOWED
        assert secret not in str(report["text"])
        assert "SERVED-BY-SPY" not in str(report["text"])
        assert hits == []

    @pytest.mark.parametrize("target", ["file", "http"])
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
    def test_xinclude_is_refused(self, target, encoding, tmp_path, canary, canary_watch, spy):  # noqa: PLR0917 - fixtures
        """An XInclude element, in any encoding, is a ParseError; nothing is included, read or fetched."""
        canary_path, secret = canary
        url, hits = spy
        href = canary_path.as_uri() if target == "file" else f"{url}/xinclude"
        include = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{href}" parse="text"/>'.encode()
        document = PROLOG + OPEN + record(b"before " + include + b" after") + include + CLOSE
        if encoding == "utf-16":
            document = document.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        path = tmp_path / "xinclude.xml"
        path.write_bytes(document)
        report = parse_in_child(str(path))
        assert canary_watch.events() == 0
        assert report["outcome"] == "ParseError", report["text"]
        assert "XInclude" in str(report["text"])
        assert report["seconds"] < SECONDS_ALLOWED
        assert secret not in str(report["text"])
        assert "SERVED-BY-SPY" not in str(report["text"])
        assert hits == []

    @pytest.mark.parametrize("spelling", ["character-reference", "utf-7", "old-namespace"])
    def test_xinclude_namespace_hidden_from_a_byte_search_is_refused(self, spelling, tmp_path, canary, canary_watch):
        """An XInclude namespace the bytes do not spell out (&#104;ttp, UTF-7, the 2003 URI) is still refused."""
        canary_path, secret = canary
        namespace = {
            "character-reference": "&#104;ttp://www.w3.org/2001/XInclude",
            "utf-7": "http://www.w3.org/2001/XInclude",
            "old-namespace": "http://www.w3.org/2003/XInclude",
        }[spelling]
        include = f'<xi:include xmlns:xi="{namespace}" href="{canary_path.as_uri()}" parse="text"/>'.encode()
        document = PROLOG + OPEN + record(b"before " + include + b" after") + CLOSE
        if spelling == "utf-7":
            # UTF-7 may write any character in base64: "+AGg-" is the "h" of "http".
            document = document.replace(b'encoding="UTF-8"', b'encoding="UTF-7"').replace(
                b'xi="http://www.w3.org/2001', b'xi="+AGg-ttp://www.w3.org/2001'
            )
        assert b"http://www.w3.org/2001/XInclude" not in document
        path = tmp_path / "xinclude.xml"
        path.write_bytes(document)
        report = parse_in_child(str(path))
        assert canary_watch.events() == 0
        assert report["outcome"] == "ParseError", report["text"]
        assert "XInclude" in str(report["text"])
        assert secret not in str(report["text"])

    def test_the_proofs_can_fail(self, canary, canary_watch, spy):
        """The canary watch sees a read and the spy sees a connection, so their silence above means something."""
        canary_path, _ = canary
        url, hits = spy
        canary_path.read_bytes()
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=5):
            pass
        assert canary_watch.events() >= 2  # an open and a read
        deadline = time.monotonic() + 5
        while not hits and time.monotonic() < deadline:
            time.sleep(0.01)
        assert hits

    def test_gigabyte_stream_is_cut_at_the_size_cap(self):
        """A 1 GB stream is refused by the size cap after reading just past it, within a second."""
        report = parse_in_child("gigabyte", head=(PROLOG + OPEN).decode())
        assert report["outcome"] == "ParseError", report["text"]
        assert "larger than the" in str(report["text"])
        assert report["seconds"] < SECONDS_ALLOWED
        assert report["extra_mib"] < EXTRA_MEGABYTES_ALLOWED


# Property-based tests: mutate real records and demand a Registry or a ParseError, nothing else.


@functools.cache
def real_record_blocks() -> tuple[bytes, ...]:
    """Every ``<record>`` block of the newest real release, as IANA wrote it."""
    data = lzma.decompress(require_real().read_bytes())
    return tuple(re.findall(rb"<record\b.*?</record>", data, flags=re.DOTALL))


def blocks() -> tuple[bytes, ...]:
    require_real()
    return real_record_blocks()


def assert_registry_or_parse_error(data: bytes) -> None:
    """Both modes either give a Registry of ServiceRecords or raise ParseError."""
    for mode in ("strict", "lenient"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ParseWarning)
            try:
                registry = parse(data, mode=mode)  # type: ignore[arg-type]
            except ParseError:
                continue
        assert isinstance(registry, Registry)
        assert all(isinstance(item, ServiceRecord) for item in registry.records)


def wrap(*records: bytes) -> bytes:
    return PROLOG + OPEN + b"\n".join(records) + b"\n" + CLOSE


def as_element(block: bytes) -> etree._Element:
    return etree.fromstring(block.replace(b"<record", b'<record xmlns="http://www.iana.org/assignments"', 1))


XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


class TestMutatedRealRecords:
    @given(data=st.data())
    def test_children_deleted_duplicated_or_swapped(self, data):
        """Deleting, duplicating and swapping a real record's children never escapes ParseError."""
        element = as_element(data.draw(st.sampled_from(blocks())))
        for _ in range(data.draw(st.integers(1, 4))):
            children = list(element)
            if not children:
                break
            first = data.draw(st.sampled_from(children))
            action = data.draw(st.sampled_from(["delete", "duplicate", "swap"]))
            if action == "delete":
                element.remove(first)
            elif action == "duplicate":
                first.addnext(etree.fromstring(etree.tostring(first)))
            else:
                second = data.draw(st.sampled_from(children))
                first.addprevious(etree.fromstring(etree.tostring(second)))
                element.remove(second)
        assert_registry_or_parse_error(wrap(etree.tostring(element)))

    @given(data=st.data())
    def test_random_text_and_attributes(self, data):
        """Any text in any child, and any date attributes, give a Registry or a ParseError."""
        element = as_element(data.draw(st.sampled_from(blocks())))
        for child in element.iter():
            if data.draw(st.booleans()):
                child.text = data.draw(XML_TEXT)
        for attribute in ("date", "updated"):
            if data.draw(st.booleans()):
                element.set(attribute, data.draw(XML_TEXT))
        assert_registry_or_parse_error(wrap(etree.tostring(element)))

    @given(data=st.data())
    def test_random_bytes_in_a_record(self, data):
        """Random bytes written over or into a real record never escape ParseError."""
        block = data.draw(st.sampled_from(blocks()))
        at = data.draw(st.integers(0, len(block)))
        junk = data.draw(st.binary(min_size=1, max_size=16))
        overwrite = data.draw(st.booleans())
        mutated = block[:at] + junk + block[at + len(junk) if overwrite else at :]
        assert_registry_or_parse_error(wrap(data.draw(st.sampled_from(blocks())), mutated))

    @given(data=st.data())
    def test_truncated_documents(self, data):
        """A document of real records cut anywhere gives a Registry or a ParseError."""
        chosen = data.draw(st.lists(st.sampled_from(blocks()), min_size=1, max_size=4))
        whole = wrap(*chosen)
        assert_registry_or_parse_error(whole[: data.draw(st.integers(0, len(whole)))])


# Numbers: <sc> and <number> written any way an attacker likes.

ASCII_DIGITS = st.text(st.sampled_from("0123456789"), min_size=1, max_size=6000)
OTHER_DIGITS = st.text(st.characters(whitelist_categories=("Nd",)), min_size=1, max_size=8)
BLANKS = st.sampled_from(["", " ", "\n", "\t "])
NUMBER_TEXT = st.one_of(
    ASCII_DIGITS,
    OTHER_DIGITS,
    st.integers(-10, 2**40).map(str),
    st.builds(lambda a, b, left, right: f"{left}{a}-{b}{right}", ASCII_DIGITS, ASCII_DIGITS, BLANKS, BLANKS),
    st.builds(lambda a, b: f"{a}-{b}", st.integers(0, 70_000), st.integers(0, 70_000)),
    XML_TEXT,
)


def one_record(number: str, sc: str) -> bytes:
    text = f"<record><name>x</name><protocol>dccp</protocol><number>{number}</number><sc>{sc}</sc></record>"
    return wrap(text.encode())


def plain_port(text: str) -> int | None:
    """What a port field must read as: ASCII digits only, blanks around, at most 65535; None when refused."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        return None
    value = value.lstrip("0") or "0"
    return int(value) if len(value) <= 5 and int(value) <= 65535 else None


class TestHostileNumbers:
    @given(number=NUMBER_TEXT, sc=NUMBER_TEXT)
    @example(number="7", sc="9" * 5000)  # past int()'s 4,300-digit limit: a bare ValueError before
    @example(number="1" * 5000 + "-2", sc="\u0668\u0660")  # a huge span start; Arabic-Indic 80
    @example(number="\u0668\u0660", sc="4294967296")
    def test_any_number_or_service_code_gives_a_record_or_a_located_parse_error(self, number, sc):
        """Huge, negative, non-ASCII or spanned numbers in <number> and <sc>: a checked value or a located error."""
        data = one_record(_xml_escape(number), _xml_escape(sc))
        registry = parse_or_error(data)
        if isinstance(registry, ParseError):
            assert registry.location is not None
            assert registry.location.endswith((".number", ".sc", "line 4"))  # line 4: text XML itself refuses
            if not registry.location.endswith("line 4"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ParseWarning)
                    assert len(parse(data, mode="lenient")) == 0
            return
        (record,) = registry.records
        if record.service_code is not None:
            assert 0 <= record.service_code <= 2**32 - 1
            assert sc.strip().isascii()
        if record.ports is not None:
            assert 0 <= record.ports.start <= record.ports.end <= 65535
            if "-" not in number:
                assert plain_port(number) == record.ports.start

    @settings(max_examples=100)
    @given(
        spans=st.lists(
            st.tuples(st.integers(0, 300), st.integers(0, 300), st.sampled_from(["tcp", "udp", ""])), max_size=60
        ),
        wide=st.integers(0, 3),
        ports=st.lists(st.integers(0, 65535), min_size=1, max_size=20),
    )
    def test_spans_of_any_nesting_answer_like_a_scan(self, spans, wide, ports):
        """Nested, repeated and wide spans: lookup, unassigned, statistics and overlap equal a port-by-port scan."""
        spans = [(min(a, b), max(a, b), protocol) for a, b, protocol in spans]
        spans += [(index, 65535 - index, "tcp") for index in range(wide)]
        records = [
            f"<record><name>s{index}</name>{f'<protocol>{p}</protocol>' if p else ''}<number>{a}-{b}</number>"
            "</record>".encode()
            for index, (a, b, p) in enumerate(spans)
        ]
        registry = parse(wrap(*records))
        for port in [*ports, *(a for a, _, _ in spans), *(b for _, b, _ in spans)]:
            expected = [f"s{index}" for index, (a, b, _) in enumerate(spans) if a <= port <= b]
            assert [record.name for record in registry.lookup(port)] == expected
        counts = {port: sum(1 for a, b, _ in spans if a < b and a <= port <= b) for port in range(302)}
        counts[65535] = min(wide, 1)
        depth = max(counts.values(), default=0)
        assert port_overlap(registry)[0] == depth
        for protocol in ("tcp", "udp"):
            taken = {p for a, b, q in spans if q in (protocol, "") for p in range(a, b + 1)}
            assert registry.unassigned(0, 400, protocol) == [p for p in range(401) if p not in taken]
        for row in port_statistics(registry).ports:
            assert row.assigned + row.reserved + row.unassigned == len(row.port_class.span)
            if row.protocol in (Protocol.SCTP, Protocol.DCCP) and row.port_class.span.start > 300:
                assert row.assigned == 0


def parse_or_error(data: bytes) -> Registry | ParseError:
    """The registry *data* gives in strict mode, or the ParseError it raises."""
    try:
        return parse(data)
    except ParseError as exc:
        return exc


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")
