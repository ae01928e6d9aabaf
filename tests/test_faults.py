"""Faults during sync and on disk: every one ends in one clear line, and the store stays as it was.

A real HTTP server on 127.0.0.1 misbehaves on purpose (dropped connections,
trickled bytes, lying headers, redirect tricks, wrong documents).  Each test
runs the command line against a cache that already holds a good release and
checks the exit code, that stderr is one useful line without a traceback, and
that every file of the cache is byte-identical afterwards.

Disk faults run twice: on a real read-only mount and a real full tmpfs when the
machine lets the tests mount (root in a container usually can), and always by
injecting the ``OSError`` a read-only or full disk gives, so CI proves the
behaviour wherever it runs.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, ClassVar

import pytest

import ianaports
from cli_helpers import run
from ianaports import _sync, cli, store
from ianaports.errors import StaleDataWarning
from ianaports.store import LOCK_NAME, TEMP_PREFIX, Store
from ianaports.store import connection as store_connection
from ianaports.store import write as store_write
from netserver import answer
from realdata import FIXTURES, PROJECT_ROOT
from synthetic import registry_xml

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

GOOD = registry_xml("2025-12-15", 40)
NEWER = registry_xml("2026-01-05", 41)
#: Far fewer records than GOOD: the sanity guard must refuse it.
SHRUNK = registry_xml("2026-01-05", 10)

# -- the misbehaving server ------------------------------------------------------


class _FaultHandler(BaseHTTPRequestHandler):
    """Answers each path with the next behaviour queued for it (the last one repeats)."""

    routes: ClassVar[dict[str, list[Callable[[BaseHTTPRequestHandler], None]]]]
    hits: ClassVar[list[str]]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        queue = self.routes.get(self.path)
        if not queue:
            self.send_error(404)
            return
        behaviour = queue.pop(0) if len(queue) > 1 else queue[0]
        with contextlib.suppress(OSError):  # the client may hang up first, as it should
            behaviour(self)

    def log_message(self, *args: object) -> None:
        del args


class FaultServer:
    """A ThreadingHTTPServer on 127.0.0.1 whose answers each test chooses."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Callable[[BaseHTTPRequestHandler], None]]] = {}
        self.hits: list[str] = []
        handler = type("Handler", (_FaultHandler,), {"routes": self.routes, "hits": self.hits})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def on(self, path: str, *behaviours: Callable[[BaseHTTPRequestHandler], None]) -> str:
        """Answer *path* with *behaviours* in turn; return its URL."""
        self.routes[path] = list(behaviours)
        return self.base + path


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """A misbehaving HTTP server on 127.0.0.1, stopped after the test."""
    fault_server = FaultServer()
    fault_server.thread.start()
    yield fault_server
    fault_server.httpd.shutdown()
    fault_server.httpd.server_close()


def send(
    body: bytes, *, status: int = 200, content_type: str = "application/xml", headers: dict[str, str] | None = None
) -> Callable[[BaseHTTPRequestHandler], None]:
    """Answer with *body*, its true length and *headers*."""

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)

    return behaviour


def drop_mid_body(body: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    """Promise the whole body, send half of it and close the connection."""

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.connection.shutdown(2)

    return behaviour


def trickle(body: bytes, interval: float) -> Callable[[BaseHTTPRequestHandler], None]:
    """Send the body a byte every *interval* seconds (slower than the client's read timeout)."""

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for byte in body[:20]:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(interval)

    return behaviour


def lie_about_length(body: bytes, declared: int) -> Callable[[BaseHTTPRequestHandler], None]:
    """Send the whole body under a Content-Length of *declared*, then close."""

    def behaviour(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        handler.wfile.write(body)
        handler.wfile.flush()
        handler.connection.shutdown(2)

    return behaviour


def served(body: bytes) -> bytes:
    """A raw 200 answer carrying *body* as XML, for the raw server."""
    return answer(headers=("Content-Type: application/xml", f"Content-Length: {len(body)}"), body=body)


def redirect(location: str) -> Callable[[BaseHTTPRequestHandler], None]:
    """A 302 to *location*."""
    return send(b"", status=302, headers={"Location": location})


class Sleeps:
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """Retries wait on a recorder, and an attempt times out after 0.3 s, so the suite stays fast.

    The CLI calls ``attempt_sync()`` (the API ``sync()``) without ``sleep``,
    so its default is what a user gets; the test swaps only the default.  The
    timeout comes from ``$IANAPORTS_TIMEOUT``, as a user would set it.
    """
    recorder = Sleeps()
    for function in (_sync.sync, _sync.attempt_sync):
        defaults = function.__kwdefaults__
        assert defaults is not None
        monkeypatch.setitem(defaults, "sleep", recorder)
    monkeypatch.setenv("IANAPORTS_TIMEOUT", "0.3")
    return recorder


# -- the cache and how to compare it ---------------------------------------------


def fingerprint(folder: Path) -> dict[str, str]:
    """The sha256 of every file under *folder*, by relative path.

    Nothing is left out: the lock file is an empty file that filelock leaves in
    place, and SQLite removes its -wal and -shm files when the last connection
    closes, so a store nobody wrote to hashes the same.
    """
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def good_cache(isolated_cache: Path, tmp_path: Path) -> Path:
    """The test's cache folder, already holding one good release."""
    release = tmp_path / "good.xml"
    release.write_bytes(GOOD)
    code, _, stderr = run("sync", "--source", str(release), "--quiet")
    assert code == cli.EXIT_OK, stderr
    return isolated_cache


def assert_check_clean(cache: Path) -> None:
    """``versions --check`` finds the store sound."""
    code, _, stderr = run("versions", "--check", "--cache-dir", str(cache))
    assert code == cli.EXIT_OK, stderr
    assert "is sound" in stderr


def assert_refused(outcome: tuple[int, str, str], *, exit_code: int, says: list[str]) -> str:
    """The command failed with *exit_code* and one stderr line holding every phrase of *says*."""
    code, stdout, stderr = outcome
    assert stderr.endswith("\n")
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for phrase in says:
        assert phrase in lines[0], lines[0]
    assert (code, stdout) == (exit_code, "")
    return lines[0]


def assert_untouched(cache: Path, before: dict[str, str]) -> None:
    """Every file of the cache is byte-identical, no temporary file is left, and the store is sound."""
    assert fingerprint(cache) == before
    assert not list(cache.rglob(f"{TEMP_PREFIX}*"))
    assert_check_clean(cache)


# -- faults during sync --------------------------------------------------------


class TestBrokenDownloads:
    def test_connection_dropped_mid_body(self, server, good_cache, sleeps):
        """A body cut off halfway is retried, then refused as dropped; the cache is unchanged."""
        url = server.on("/ports.xml", drop_mid_body(NEWER))
        before = fingerprint(good_cache)
        line = assert_refused(
            run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["dropped in the middle", "stays in use"]
        )
        assert "after 4 attempts" in line
        assert server.hits == ["/ports.xml"] * 4
        assert_untouched(good_cache, before)

    def test_trickle_slower_than_the_read_timeout(self, server, good_cache, sleeps):
        """A server sending a byte per second to a 0.3 s read timeout: the read timeout ends every attempt.

        The trickle stops after 20 bytes and closes the connection, so a client
        that waited it out would report a dropped connection, not a timeout.
        """
        url = server.on("/ports.xml", trickle(NEWER, 1.0))
        before = fingerprint(good_cache)
        line = assert_refused(
            run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["timed out waiting", "after 4 attempts"]
        )
        assert "dropped" not in line
        assert server.hits == ["/ports.xml"] * 4
        assert sleeps.calls == [1.0, 2.0, 4.0]
        assert "2025-12-15" in line
        assert_untouched(good_cache, before)

    def test_content_length_too_long(self, server, good_cache, sleeps):
        """A body shorter than its Content-Length is a truncated download, refused after retries."""
        url = server.on("/ports.xml", lie_about_length(NEWER, len(NEWER) + 5000))
        before = fingerprint(good_cache)
        assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["dropped in the middle"])
        assert_untouched(good_cache, before)

    def test_content_length_too_short(self, server, good_cache, sleeps):
        """A body longer than its Content-Length is read only as far as declared, and the cut document refused."""
        url = server.on("/ports.xml", lie_about_length(NEWER, len(NEWER) // 2))
        before = fingerprint(good_cache)
        assert_refused(
            run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["not a valid, complete registry", "line"]
        )
        assert_untouched(good_cache, before)

    def test_gzip_that_does_not_decompress(self, server, good_cache, sleeps):
        """A body labelled gzip that is not gzip is refused at once, naming the encoding."""
        url = server.on("/ports.xml", send(b"\x1f\x8b this is not gzip" * 50, headers={"Content-Encoding": "gzip"}))
        before = fingerprint(good_cache)
        assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["gzip", "decompress"])
        assert server.hits == ["/ports.xml"]
        assert_untouched(good_cache, before)

    def test_good_gzip_is_accepted(self, server, good_cache, sleeps):
        """A correctly gzip-encoded body is decoded and stored (the control for the test above)."""
        url = server.on("/ports.xml", send(gzip.compress(NEWER), headers={"Content-Encoding": "gzip"}))
        code, stdout, stderr = run("sync", "--source", url)
        assert (code, stderr) == (cli.EXIT_OK, "")
        assert "2026-01-05" in stdout
        assert_check_clean(good_cache)


class TestRetryAfter:
    def test_503_then_200_waits_as_asked(self, server, good_cache, sleeps):
        """A 503 with Retry-After: 2 is retried after exactly 2 s, and the 200 that follows is stored."""
        url = server.on("/ports.xml", send(b"busy", status=503, headers={"Retry-After": "2"}), send(NEWER))
        code, stdout, stderr = run("sync", "--source", url)
        assert (code, stderr) == (cli.EXIT_OK, "")
        assert sleeps.calls == [2.0]
        assert server.hits == ["/ports.xml"] * 2
        assert "added 1 release(s): 2026-01-05" in stdout
        assert_check_clean(good_cache)

    def test_retry_after_longer_than_allowed(self, server, good_cache, sleeps):
        """A Retry-After of two hours is not obeyed: the sync stops at once and says how long it would wait."""
        url = server.on("/ports.xml", send(b"busy", status=503, headers={"Retry-After": "7200"}), send(NEWER))
        before = fingerprint(good_cache)
        assert_refused(
            run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["HTTP 503", "7200 s", "60 s allowed"]
        )
        assert sleeps.calls == []
        assert server.hits == ["/ports.xml"]
        assert_untouched(good_cache, before)

    def test_503_forever(self, server, good_cache, sleeps):
        """A server that stays unavailable is asked four times with growing waits, then given up on."""
        url = server.on("/ports.xml", send(b"busy", status=503))
        before = fingerprint(good_cache)
        assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["HTTP 503", "4 attempts"])
        assert sleeps.calls == [1.0, 2.0, 4.0]
        assert_untouched(good_cache, before)


class TestRedirects:
    def test_redirect_loop(self, server, good_cache, sleeps):
        """A redirect loop is followed a few hops, then refused, naming the URL once."""
        url = server.on("/a", redirect("/b"))
        server.on("/b", redirect("/a"))
        before = fingerprint(good_cache)
        line = assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["redirects"])
        assert line.count(url) == 1
        assert len(server.hits) == 6
        assert_untouched(good_cache, before)

    def test_redirect_to_a_local_file(self, server, good_cache, sleeps, tmp_path, monkeypatch):
        """A redirect to file:// is refused and the file is never opened."""
        canary = tmp_path / "canary.xml"
        canary.write_bytes(NEWER)
        opened: list[str] = []
        real_open = io.open

        def spying_open(file: object, *args: object, **kwargs: object) -> object:
            opened.append(os.fspath(file) if isinstance(file, str | os.PathLike) else repr(file))
            return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr("builtins.open", spying_open)
        url = server.on("/ports.xml", redirect(canary.as_uri()))
        before = fingerprint(good_cache)
        assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["file://", "only http and https"])
        assert str(canary) not in opened
        assert_untouched(good_cache, before)

    def test_redirect_to_etc_passwd(self, server, good_cache, sleeps):
        """A redirect to file:///etc/passwd is refused without a second request."""
        url = server.on("/ports.xml", redirect("file:///etc/passwd"))
        before = fingerprint(good_cache)
        line = assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["file:///etc/passwd"])
        assert "root:" not in line
        assert server.hits == ["/ports.xml"]
        assert_untouched(good_cache, before)


class TestWrongDocuments:
    def test_html_page(self, server, good_cache, sleeps):
        """A 200 HTML page (a captive portal, an error page) is refused as HTML."""
        url = server.on("/ports.xml", send(b"<html><body>Sign in</body></html>", content_type="text/html"))
        before = fingerprint(good_cache)
        assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["HTML page"])
        assert_untouched(good_cache, before)

    def test_html_page_labelled_xml(self, server, good_cache, sleeps):
        """An HTML page served as XML is refused by the parser instead."""
        url = server.on("/ports.xml", send(b"<!DOCTYPE html><html><body>Sign in</body></html>"))
        before = fingerprint(good_cache)
        assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["not a valid, complete registry"])
        assert_untouched(good_cache, before)

    def test_another_iana_registry(self, server, good_cache, sleeps):
        """A valid XML file of another IANA registry is refused as not this registry."""
        url = server.on("/ports.xml", send((FIXTURES / "other-registry.xml").read_bytes()))
        before = fingerprint(good_cache)
        assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["not a valid, complete registry"])
        assert_untouched(good_cache, before)

    def test_far_smaller_release_refused_then_forced(self, server, good_cache, sleeps):
        """A release with a quarter of the records is refused as suspect; --force accepts it."""
        url = server.on("/ports.xml", send(SHRUNK))
        before = fingerprint(good_cache)
        assert_refused(
            run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["suspect", "10 records", "--force"]
        )
        assert_untouched(good_cache, before)
        code, stdout, stderr = run("sync", "--source", url, "--force")
        assert (code, stderr) == (cli.EXIT_OK, "")
        assert "2026-01-05" in stdout
        assert [release.record_count for release in ianaports.versions()] == [40, 10]
        assert_check_clean(good_cache)


class TestHostileNetwork:
    """Issue 16's network attacks, each against the command line and a cache holding a good release."""

    def test_drip_is_cut_at_the_timeout(self, raw_server, good_cache, sleeps):
        """A server dripping a byte every 50 ms ends each attempt at --timeout, and the sync after its retries."""
        head = len(served(NEWER)) - len(NEWER)
        drip = raw_server(served(NEWER), interval=0.05, prompt=head)
        before = fingerprint(good_cache)
        assert_refused(
            run("sync", "--source", drip.url, "--timeout", "0.5", "--retries", "1"),
            exit_code=cli.EXIT_SOURCE,
            says=["timed out waiting", "at most 0.5 s", "after 2 attempts", "stays in use"],
        )
        sent = drip.finished()
        assert len(sent) == 2
        assert all(count < head + len(NEWER) // 4 for count in sent), sent
        assert_untouched(good_cache, before)

    def test_drip_is_cut_at_the_deadline(self, raw_server, good_cache, sleeps):
        """--deadline bounds the whole sync even when one attempt may take longer."""
        drip = raw_server(served(NEWER), interval=0.05)
        before = fingerprint(good_cache)
        assert_refused(
            run("sync", "--source", drip.url, "--timeout", "30", "--deadline", "0.5"),
            exit_code=cli.EXIT_SOURCE,
            says=["the 0.5 s deadline passed", "after 1 attempt"],
        )
        assert drip.connections == 1
        assert_untouched(good_cache, before)

    @pytest.mark.parametrize(
        "location", ["http://[::1/x", "http://registry.test/\xff\xfe"], ids=["unclosed-ipv6-bracket", "not-utf-8"]
    )
    def test_hostile_redirect(self, server, good_cache, sleeps, location):
        """A redirect whose Location is no URL is exit 3 (a source error), never 70, and asked once."""
        url = server.on("/ports.xml", redirect(location))
        before = fingerprint(good_cache)
        assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["redirects"])
        assert server.hits == ["/ports.xml"]
        assert sleeps.calls == []
        assert_untouched(good_cache, before)

    @pytest.mark.parametrize(
        ("raw", "says"),
        [
            (answer(headers=("X-Big: " + "a" * 200_000,)), "header or status line is too long"),
            (answer(headers=tuple(f"X-{index}: y" for index in range(500))), "too many headers"),
            (b"HTTX/9 nonsense\r\n\r\n", "does not start with an HTTP status line"),
            (answer(headers=("Content-Length: -1",), body=NEWER), "invalid Content-Length: '-1'"),
        ],
        ids=["200-kb-header", "500-headers", "bad-status-line", "content-length-minus-1"],
    )
    def test_protocol_violation(self, raw_server, good_cache, sleeps, raw, says):
        """A broken answer is reported as what it is, once: not retried, not "connection reset"."""
        source = raw_server(raw)
        before = fingerprint(good_cache)
        line = assert_refused(
            run("sync", "--source", source.url), exit_code=cli.EXIT_SOURCE, says=["broke the HTTP protocol"]
            if "Content-Length" not in says else ["protocol violation"]
        )  # fmt: skip
        assert says in line
        assert "reset" not in line
        assert (source.connections, sleeps.calls) == (1, [])
        assert_untouched(good_cache, before)

    def test_sigterm_mid_download_leaves_nothing(self, raw_server, good_cache):
        """SIGTERM in the middle of a download: exit 143, one line, and the cache exactly as it was.

        The download is held in memory and the writer lock is not taken until
        it is complete, so there is no temporary file to leave behind; SIGTERM
        unwinds the command like Ctrl-C, so SQLite closes its connections and
        removes its -wal and -shm files.
        """
        drip = raw_server(served(NEWER), interval=0.05)
        before = fingerprint(good_cache)
        process = subprocess.Popen(
            [sys.executable, "-m", "ianaports", "sync", "--source", drip.url, "--cache-dir", str(good_cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=PROJECT_ROOT,
        )
        try:
            for _ in range(600):  # until the server has sent a part of the answer
                if drip.connections and drip.progress() > 40:
                    break
                time.sleep(0.05)
            assert drip.progress() > 40
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            process.kill()
            process.wait()
        assert (process.returncode, stdout, stderr) == (cli.EXIT_TERMINATED, b"", b"ianaports: terminated\n")
        assert not [path for path in good_cache.rglob("*") if path.name.startswith(store.layout.TEMP_PREFIXES)]
        assert_untouched(good_cache, before)


# -- disk faults -------------------------------------------------------------------


def _mount(*argv: str) -> str | None:
    """Run mount/umount; return why it failed, or None."""
    if shutil.which(argv[0]) is None:
        return f"{argv[0]} is not installed"
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    return None if done.returncode == 0 else (done.stderr.strip() or f"{argv[0]} exited {done.returncode}")


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make *folder* really read-only: chmod for a normal user, a read-only bind mount for root.

    Root ignores permission bits, so for root only a read-only mount stops
    writes; the test is skipped, saying why, where mounting is not allowed.
    """
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")]}
        for path, mode in modes.items():
            path.chmod(mode & ~0o222)
        try:
            yield "chmod a-w"
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    failure = _mount("mount", "--bind", str(folder), str(folder))
    if failure is not None:
        pytest.skip(f"a read-only cache needs a bind mount for root, and mounting is not allowed here: {failure}")
    try:
        failure = _mount("mount", "-o", "remount,bind,ro", str(folder))
        if failure is not None:
            pytest.skip(f"cannot remount the cache read-only here: {failure}")
        yield "read-only bind mount"
    finally:
        _mount("umount", "-l", str(folder))


@pytest.fixture
def tiny_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 4 MB tmpfs holding the cache folder (skipped, saying why, where mounting is not allowed)."""
    if os.geteuid() != 0:
        pytest.skip("a full disk needs a tmpfs mount, which only root may make")
    disk = tmp_path / "disk"
    disk.mkdir()
    failure = _mount("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk))
    if failure is not None:
        pytest.skip(f"cannot mount a tmpfs to fill here: {failure}")
    try:
        monkeypatch.setenv("IANAPORTS_CACHE_DIR", str(disk / "cache"))
        yield disk
    finally:
        _mount("umount", "-l", str(disk))


def fill(disk: Path) -> Path:
    """Fill *disk* to the last byte with one file; return it (delete it to free the space)."""
    filler = disk / f"filler-{uuid.uuid4().hex}"
    with filler.open("wb", buffering=0) as handle:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            with contextlib.suppress(OSError):
                while True:
                    handle.write(b"\0" * size)
    return filler


def assert_still_readable_when_full(cache: Path, before: dict[str, str]) -> None:
    """On the full disk: nothing was written but SQLite's own empty WAL and its index, and show still answers.

    SQLite creates ``-wal`` and ``-shm`` to read a WAL database and cannot
    remove them while the disk is full; an empty WAL holds no page, so the
    store is logically unchanged, and the first open once space is back
    removes both (``assert_untouched`` then demands byte-identity).
    """
    after = fingerprint(cache)
    leftovers = {name for name in after if name not in before}
    assert leftovers <= {f"{store.DB_NAME}-wal", f"{store.DB_NAME}-shm"}
    assert {name: after[name] for name in before} == before
    if f"{store.DB_NAME}-wal" in leftovers:
        assert (cache / f"{store.DB_NAME}-wal").stat().st_size == 0
    code, stdout, stderr = run("show", "svc7")
    assert (code, stderr) == (cli.EXIT_OK, "")
    assert "svc7" in stdout


def write_release(tmp_path: Path, data: bytes, name: str = "newer.xml") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


class TestReadOnlyCache:
    def test_sync_fails_naming_the_folder(self, good_cache, tmp_path):
        """A sync into a read-only cache fails with exit 4 and one line naming the folder."""
        newer = write_release(tmp_path, NEWER)
        before = fingerprint(good_cache)
        with read_only(good_cache):
            assert_refused(run("sync", "--source", newer), exit_code=cli.EXIT_CACHE, says=[str(good_cache)])
            assert fingerprint(good_cache) == before
            assert_check_clean(good_cache)
        assert_untouched(good_cache, before)

    def test_show_load_and_versions_still_answer(self, good_cache):
        """show, versions and load() answer from a read-only cache; a refresh that cannot write only warns."""
        with Store(good_cache) as cache:
            cache.set_meta("last_checked", "2025-12-16T00:00:00+00:00")
        before = fingerprint(good_cache)
        with read_only(good_cache):
            code, stdout, stderr = run("show", "svc7")
            assert (code, stderr) == (cli.EXIT_OK, "")
            assert "svc7" in stdout
            code, stdout, _ = run("versions")
            assert code == cli.EXIT_OK
            assert "2025-12-15" in stdout
            assert len(ianaports.load()) == 40
            with pytest.warns(StaleDataWarning, match=str(good_cache)):
                assert len(ianaports.load(max_age=3600)) == 40
        assert_untouched(good_cache, before)

    @pytest.mark.parametrize(
        "argv", [["show", "svc7"], ["show", "svc7", "--json"], ["search", "svc"], ["history", "svc7"]]
    )
    def test_the_quick_path_answers_as_the_full_one(self, good_cache, monkeypatch, argv):
        """A read-only store with no WAL pages is read by the quick path too (immutable=1), printing the same bytes."""
        from ianaports.store import quick  # noqa: PLC0415 - the quick path's store side, asked directly

        before = fingerprint(good_cache)
        with read_only(good_cache):
            newest = quick.open_newest(str(good_cache))
            assert newest is not None  # None would mean the full path answers: slower, and this test proves nothing
            newest.close()
            answered = run(*argv)
            monkeypatch.setenv(cli.FULL_PATH_ENV, "1")
            assert run(*argv) == answered
            assert answered[0] == cli.EXIT_OK
        assert_untouched(good_cache, before)

    @pytest.mark.parametrize(
        ("error", "cannot_open"),
        [
            (sqlite3.OperationalError("unable to open database file"), True),
            (sqlite3.OperationalError("disk I/O error"), False),
            (sqlite3.DatabaseError("file is not a database"), False),
        ],
    )
    def test_the_quick_path_reads_cantopen_without_its_code(self, error, cannot_open):
        """Python 3.10's errors carry no sqlite_errorcode: SQLITE_CANTOPEN is then known by SQLite's text for it."""
        from ianaports.store import quick  # noqa: PLC0415 - the quick path's store side, asked directly

        assert getattr(error, "sqlite_errorcode", None) is None
        assert quick._cannot_open(error) is cannot_open


class TestFullDisk:
    def test_download_into_a_full_disk(self, tiny_disk, server, sleeps):
        """A download is held in memory, so a full disk fails only at storing it: exit 4 naming the store."""
        assert run("sync", "--source", write_release(tiny_disk, GOOD, "good.xml"), "-q")[0] == cli.EXIT_OK
        (tiny_disk / "good.xml").unlink()
        cache = tiny_disk / "cache"
        url = server.on("/ports.xml", send(NEWER + b"<!-- padding -->" * 40_000))
        before = fingerprint(cache)
        filler = fill(tiny_disk)
        line = assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_CACHE, says=[str(cache)])
        assert ".download" not in line
        assert server.hits == ["/ports.xml"]
        assert_still_readable_when_full(cache, before)
        filler.unlink()
        assert run("versions")[0] == cli.EXIT_OK  # the first open with space again lets SQLite tidy up
        assert_untouched(cache, before)

    @pytest.mark.parametrize("release", [NEWER, registry_xml("2025-06-01", 41)], ids=["newest", "older"])
    def test_import_into_a_full_disk(self, tiny_disk, tmp_path, release):
        """Storing a release on a full disk (raw XML or database rows) fails with exit 4; the store is unchanged."""
        assert run("sync", "--source", write_release(tmp_path, GOOD, "good.xml"), "-q")[0] == cli.EXIT_OK
        cache = tiny_disk / "cache"
        before = fingerprint(cache)
        source = write_release(tmp_path, release)
        filler = fill(tiny_disk)
        assert_refused(run("sync", "--source", source), exit_code=cli.EXIT_CACHE, says=[str(cache), "full"])
        assert_still_readable_when_full(cache, before)
        filler.unlink()
        assert run("versions")[0] == cli.EXIT_OK  # the first open with space again lets SQLite tidy up
        assert_untouched(cache, before)


def enospc(*args: object, **kwargs: object) -> None:
    """Fail as a full disk does."""
    del args, kwargs
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def erofs(*args: object, **kwargs: object) -> None:
    """Fail as a read-only file system does."""
    del args, kwargs
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


class TestInjectedDiskFaults:
    """The same faults injected at each place the store writes, so every machine proves them."""

    def test_download_writes_nothing(self, good_cache, server, sleeps, monkeypatch):
        """A download that fails after its body arrived (a cut document) wrote no file anywhere on the way."""
        created: list[str] = []
        real = os.open

        def spying_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
            if flags & os.O_CREAT:
                created.append(os.fspath(path))  # type: ignore[call-overload]
            return real(path, flags, *args, **kwargs)  # type: ignore[call-overload]

        url = server.on("/ports.xml", lie_about_length(NEWER, len(NEWER) // 2))
        before = fingerprint(good_cache)
        with monkeypatch.context() as patch:
            patch.setattr(os, "open", spying_open)
            assert_refused(run("sync", "--source", url), exit_code=cli.EXIT_SOURCE, says=["not a valid, complete"])
        assert [path for path in created if not path.endswith(LOCK_NAME)] == []
        assert_untouched(good_cache, before)

    def test_raw_xml_write_fails(self, good_cache, tmp_path, monkeypatch):
        """ENOSPC while archiving the raw XML: exit 4 naming archive/, no temporary file and no new release."""
        says = [str(good_cache / store.ARCHIVE_DIR), "No space left on device"]
        import_fails_cleanly(good_cache, tmp_path, monkeypatch, (os, "fsync", enospc), says)

    def test_database_write_fails(self, good_cache, tmp_path, monkeypatch):
        """SQLite's "disk is full" after the rows went in: the index is rolled back, exit 4 naming it.

        The release was archived before the index failed, and the archive is
        never rolled back: the index is unchanged, and the next writer indexes
        the archived release.
        """
        real = store_write.insert_release

        def insert_then_fail(*args: object, **kwargs: object) -> object:
            real(*args, **kwargs)  # type: ignore[arg-type]
            raise sqlite3.OperationalError("database or disk is full")

        before = fingerprint(good_cache)
        with monkeypatch.context() as patch:
            patch.setattr(store_write, "insert_release", insert_then_fail)
            says = [str(good_cache / store.DB_NAME), "disk is full"]
            assert_refused(run("sync", "--source", write_release(tmp_path, NEWER)), exit_code=cli.EXIT_CACHE, says=says)
        after = fingerprint(good_cache)
        assert {name: digest for name, digest in after.items() if not name.startswith(store.ARCHIVE_DIR)} == {
            name: digest for name, digest in before.items() if not name.startswith(store.ARCHIVE_DIR)
        }
        assert [release.updated.isoformat() for release in ianaports.versions()] == ["2025-12-15"]
        assert_check_clean(good_cache)
        assert run("sync", "--source", write_release(tmp_path, GOOD, "good.xml"), "-q")[0] == cli.EXIT_OK
        assert [release.updated.isoformat() for release in ianaports.versions()] == ["2025-12-15", "2026-01-05"]

    def test_sqlite_full_mid_transaction_is_disk_full(self, good_cache, tmp_path, monkeypatch):
        """A real SQLITE_FULL (the index may grow by two pages only) is exit 4 "disk full", not a failed ROLLBACK.

        SQLite rolls the transaction back itself on SQLITE_FULL; a second
        ROLLBACK would raise "no transaction is active" and hide the cause.
        """
        real = store_connection.IndexConnection._connect

        def capped(self: store_connection.IndexConnection, *, write: bool) -> sqlite3.Connection:
            connection = real(self, write=write)
            if write:
                pages = connection.execute("PRAGMA page_count").fetchone()[0]
                connection.execute(f"PRAGMA max_page_count = {pages + 2}")
            return connection

        before = [release.updated for release in ianaports.versions()]
        with monkeypatch.context() as patch:
            patch.setattr(store_connection.IndexConnection, "_connect", capped)
            # --force: 3,000 records after 40 is suspect growth, and this test is about the disk.
            source = write_release(tmp_path, registry_xml("2026-01-05", 3000))
            assert_refused(run("sync", "--source", source, "--force"), exit_code=cli.EXIT_CACHE, says=["disk full"])
        assert [release.updated for release in ianaports.versions()] == before
        assert_check_clean(good_cache)

    def test_rename_fails_read_only(self, good_cache, tmp_path, monkeypatch):
        """EROFS when renaming the archive entry into place: nothing half-written, no new release."""
        import pathlib  # noqa: PLC0415 - only here: the rename is patched where the writer calls it

        # Path.replace, not os.replace: Python 3.10's pathlib holds os.replace from import time, so patching
        # os.replace there misses the rename and the import succeeds (the test failed on 3.10 only).
        says = [str(good_cache / store.ARCHIVE_DIR), "Read-only file system"]
        import_fails_cleanly(good_cache, tmp_path, monkeypatch, (pathlib.Path, "replace", erofs), says)

    def test_lock_cannot_be_opened(self, good_cache, tmp_path, monkeypatch):
        """A lock file that cannot be opened (read-only folder) fails before anything is written."""
        real = os.open
        lock = str(good_cache / LOCK_NAME)

        def open_but_not_the_lock(path: object, *args: object, **kwargs: object) -> int:
            if os.fspath(path) == lock:  # type: ignore[call-overload]
                erofs()
            return real(path, *args, **kwargs)  # type: ignore[call-overload]

        says = [str(good_cache), "Read-only file system"]
        import_fails_cleanly(good_cache, tmp_path, monkeypatch, (os, "open", open_but_not_the_lock), says)

    def test_public_api_raises_cache_error(self, good_cache, tmp_path, monkeypatch):
        """The public sync() raises CacheError (never OSError or sqlite3.Error) on a full disk."""
        with monkeypatch.context() as patch:
            patch.setattr(os, "fsync", enospc)
            with pytest.raises(ianaports.CacheError, match="No space left"):
                ianaports.sync(write_release(tmp_path, NEWER))
        assert [release.updated.isoformat() for release in ianaports.versions()] == ["2025-12-15"]


def import_fails_cleanly(
    cache: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: tuple[object, str, Callable[..., object]],
    says: list[str],
) -> None:
    """Importing NEWER with *fault* patched in fails with exit 4 saying *says*, and leaves *cache* untouched."""
    before = fingerprint(cache)
    with monkeypatch.context() as patch:  # not monkeypatch.undo(): that would drop the isolated cache too
        patch.setattr(*fault)
        assert_refused(run("sync", "--source", write_release(tmp_path, NEWER)), exit_code=cli.EXIT_CACHE, says=says)
    assert_untouched(cache, before)
