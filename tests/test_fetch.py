from __future__ import annotations

import builtins
import hashlib
import os
import socket

import pytest
import requests
import responses
from responses import matchers

from ianaports.errors import FetchError
from ianaports.fetch import DEFAULT_TIMEOUT, USER_AGENT, Validators, describe_error, fetch
from synthetic import registry_xml

URL = "https://registry.test/ports.xml"


class Sleeps:
    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


class TestDownload:
    @responses.activate
    def test_200_then_304(self, sleeps):
        """A 200 gives the body and its validators; sending them back gets a 304 and no body."""
        body = registry_xml()
        responses.get(URL, body=body, headers={"ETag": '"v1"', "Last-Modified": "Mon, 15 Dec 2025 10:00:00 GMT"})
        first = fetch(URL, sleep=sleeps)
        assert first.data == body
        assert first.size == len(body)
        assert first.validators == Validators(etag='"v1"', last_modified="Mon, 15 Dec 2025 10:00:00 GMT")
        responses.replace(
            responses.GET,
            URL,
            status=304,
            match=[
                matchers.header_matcher({"If-None-Match": '"v1"', "If-Modified-Since": "Mon, 15 Dec 2025 10:00:00 GMT"})
            ],
        )
        second = fetch(URL, validators=first.validators, sleep=sleeps)
        assert second.not_modified
        assert second.data is None

    @responses.activate
    def test_user_agent(self):
        """Every request names ianaports and its version."""
        responses.get(URL, body=registry_xml(), match=[matchers.header_matcher({"User-Agent": USER_AGENT})])
        assert fetch(URL).size > 0

    @responses.activate
    def test_writes_no_file(self, monkeypatch):
        """A download is held in memory: fetch opens no file for writing and creates no temporary file."""
        written: list[str] = []
        real_open, real_os_open = builtins.open, os.open

        def spying_open(file, mode="r", *args, **kwargs):
            if set(mode) & set("wax+"):
                written.append(os.fspath(file))
            return real_open(file, mode, *args, **kwargs)

        def spying_os_open(path, flags, *args, **kwargs):
            if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                written.append(os.fspath(path))
            return real_os_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", spying_open)
        monkeypatch.setattr(os, "open", spying_os_open)
        responses.get(URL, body=registry_xml())
        assert fetch(URL).data == registry_xml()
        assert written == []

    @responses.activate
    def test_sha256(self):
        """The download's sha256 is computed while streaming."""
        body = registry_xml()
        responses.get(URL, body=body)
        assert fetch(URL).sha256 == hashlib.sha256(body).hexdigest()


class TestRetries:
    @responses.activate
    def test_500_then_200(self, sleeps):
        """A server error is retried after a backoff, and the retry's body is kept."""
        responses.get(URL, status=500)
        responses.get(URL, body=registry_xml())
        download = fetch(URL, sleep=sleeps)
        assert download.data == registry_xml()
        assert sleeps.calls == [1.0]

    @responses.activate
    def test_429_retry_after(self, sleeps):
        """A 429 is retried after the number of seconds Retry-After asks for."""
        responses.get(URL, status=429, headers={"Retry-After": "7"})
        responses.get(URL, body=registry_xml())
        fetch(URL, sleep=sleeps)
        assert sleeps.calls == [7.0]

    @responses.activate
    def test_retry_after_over_budget(self, sleeps):
        """A Retry-After beyond the total wait allowed fails at once instead of sleeping."""
        responses.get(URL, status=503, headers={"Retry-After": "3600"})
        with pytest.raises(FetchError, match="HTTP 503"):
            fetch(URL, sleep=sleeps, max_wait=60)
        assert sleeps.calls == []

    @responses.activate
    def test_gives_up(self, sleeps):
        """After the last retry the error says the status and how many attempts were made."""
        responses.get(URL, status=502)
        with pytest.raises(FetchError, match=r"HTTP 502.*after 3 attempts"):
            fetch(URL, sleep=sleeps, retries=2)
        assert sleeps.calls == [1.0, 2.0]

    @responses.activate
    def test_timeout(self, sleeps):
        """A timeout is retried, then reported as a timeout."""
        responses.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
        with pytest.raises(FetchError, match="timed out"):
            fetch(URL, sleep=sleeps, retries=1)
        assert sleeps.calls == [1.0]


class TestRefusals:
    @responses.activate
    def test_404(self, sleeps):
        """A 404 fails at once with the status."""
        responses.get(URL, status=404)
        with pytest.raises(FetchError, match="HTTP 404"):
            fetch(URL, sleep=sleeps)
        assert sleeps.calls == []

    @responses.activate
    def test_html_page(self):
        """An HTML page served with 200 is refused."""
        responses.get(URL, body="<html><body>Maintenance</body></html>", content_type="text/html")
        with pytest.raises(FetchError, match="HTML page"):
            fetch(URL)

    @responses.activate
    def test_truncated_body(self, sleeps):
        """A body shorter than its Content-Length is reported as truncated."""
        body = registry_xml()
        responses.get(
            URL, body=body[:100], headers={"Content-Length": str(len(body))}, auto_calculate_content_length=False
        )
        with pytest.raises(FetchError, match=r"truncated|dropped"):
            fetch(URL, sleep=sleeps, retries=1)

    @responses.activate
    def test_oversized_declared(self):
        """A Content-Length over the cap is refused before reading the body."""
        responses.get(URL, body=b"x" * 2000, auto_calculate_content_length=True)
        with pytest.raises(FetchError, match="over the 1000-byte limit"):
            fetch(URL, max_bytes=1000)

    @responses.activate
    def test_oversized_streamed(self):
        """A body growing past the cap without a Content-Length is cut off there."""
        responses.get(URL, body=b"x" * 200_000, auto_calculate_content_length=False)
        with pytest.raises(FetchError, match="more than the 100000-byte limit"):
            fetch(URL, max_bytes=100_000)

    @responses.activate
    def test_redirect_to_other_scheme(self):
        """A redirect away from http(s) is refused."""
        responses.get(URL, status=302, headers={"Location": "file:///etc/passwd"})
        with pytest.raises(FetchError, match="only http and https redirects"):
            fetch(URL)

    @responses.activate
    def test_redirect_followed(self):
        """An http(s) redirect is followed."""
        responses.get(URL, status=301, headers={"Location": "/moved.xml"})
        responses.get("https://registry.test/moved.xml", body=registry_xml())
        assert fetch(URL).data == registry_xml()

    def test_not_http(self):
        """Only http and https URLs are fetched."""
        with pytest.raises(FetchError, match="only http and https"):
            fetch("ftp://registry.test/ports.xml")

    @pytest.mark.parametrize("url", ["http://[::1", "http://", "http://registry.test:port/ports.xml"])
    def test_malformed_url(self, sleeps, url):
        """A malformed http URL is a FetchError at once: no raw ValueError, no retries."""
        with pytest.raises(FetchError, match="URL"):
            fetch(url, sleep=sleeps)
        assert sleeps.calls == []


class TestDescribeError:
    def test_refused(self, sleeps):
        """A closed port on localhost is reported as a refused connection."""
        with pytest.raises(FetchError, match="connection refused"):
            fetch("http://127.0.0.1:9/ports.xml", sleep=sleeps, retries=0)

    def test_tls(self):
        """A TLS failure is named as such."""
        assert describe_error(requests.exceptions.SSLError("bad handshake")).startswith("TLS error")

    def test_dns(self):
        """A name-resolution failure is named as DNS."""
        error = requests.exceptions.ConnectionError(socket.gaierror(-2, "Name or service not known"))
        assert "DNS" in describe_error(error)

    def test_connect_timeout(self):
        """A connect timeout is named as such."""
        assert describe_error(requests.exceptions.ConnectTimeout()) == "timed out connecting to the server"


def test_sync_uses_the_fetchers_default_timeout():
    """sync() repeats fetch's default timeout (to keep requests off import); the two stay equal."""
    from ianaports import _sync  # noqa: PLC0415 - the module behind ianaports.sync

    assert _sync.DEFAULT_TIMEOUT == DEFAULT_TIMEOUT
