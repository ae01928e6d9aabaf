from __future__ import annotations

import builtins
import hashlib
import os
import shutil
import socket
import ssl
import subprocess

import pytest
import requests
import responses
from responses import matchers

from ianaports.errors import FetchError, InvalidArgumentError
from ianaports.fetch import DEFAULT_RETRIES, DEFAULT_TIMEOUT, USER_AGENT, Validators, describe_error, fetch
from netserver import answer, closed_port_url
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


BODY = registry_xml()
GOOD_ANSWER = answer(headers=("Content-Type: application/xml", f"Content-Length: {len(BODY)}"), body=BODY)


class TestNotRetried:
    def test_refused(self, sleeps):
        """A refused connection fails at once: no wait, no second attempt."""
        with pytest.raises(FetchError, match="connection refused") as caught:
            fetch(closed_port_url(), sleep=sleeps)
        assert "attempts" not in str(caught.value)
        assert sleeps.calls == []

    @pytest.mark.parametrize(
        ("raw", "says"),
        [
            (answer(headers=("X-Big: " + "a" * 200_000,)), "header or status line is too long"),
            (answer(headers=tuple(f"X-{index}: y" for index in range(500))), "too many headers"),
            (b"HTTX/9 nonsense\r\n\r\n", "does not start with an HTTP status line ('HTTX/9 nonsense"),
            (answer(headers=("Content-Length: -1",), body=b"<x/>"), "invalid Content-Length: '-1'"),
            (answer(headers=("Content-Length: lots",), body=b"<x/>"), "invalid Content-Length: 'lots'"),
        ],
        ids=["200-kb-header", "500-headers", "bad-status-line", "content-length-minus-1", "content-length-text"],
    )
    def test_protocol_violation(self, raw_server, sleeps, raw, says):
        """A protocol violation is named as what happened, not "connection reset", and asked only once."""
        server = raw_server(raw)
        with pytest.raises(FetchError, match="protocol") as caught:
            fetch(server.url, sleep=sleeps)
        message = str(caught.value)
        assert says in message
        assert "reset" not in message
        assert "attempts" not in message
        assert (server.connections, sleeps.calls) == (1, [])

    def test_server_closing_without_answer_is_retried(self, raw_server, sleeps):
        """A connection closed before any answer may pass: it is retried, and named as such."""
        server = raw_server(b"")
        with pytest.raises(FetchError, match=r"closed the connection without answering.*after 2 attempts"):
            fetch(server.url, sleep=sleeps, retries=1)
        assert server.connections == 2

    @pytest.mark.parametrize(
        ("location", "says"),
        [(b"http://[::1/x", "redirects to an invalid URL"), (b"http://registry.test/\xff\xfe", "not UTF-8")],
        ids=["unclosed-ipv6-bracket", "not-utf-8"],
    )
    def test_hostile_redirect(self, raw_server, sleeps, location, says):
        """A redirect whose Location is not a URL is a FetchError, asked once (no raw ValueError)."""
        server = raw_server(b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\nLocation: " + location + b"\r\n\r\n")
        with pytest.raises(FetchError, match=says):
            fetch(server.url, sleep=sleeps)
        assert (server.connections, sleeps.calls) == (1, [])

    def test_304_without_validators(self, raw_server, sleeps):
        """A 304 to a request that sent no validators is an error, not "not modified"."""
        server = raw_server(answer("304 Not Modified"))
        with pytest.raises(FetchError, match="304 Not Modified to a request without validators"):
            fetch(server.url, sleep=sleeps)
        assert b"If-None-Match" not in server.requests[0]

    def test_304_with_validators_is_not_modified(self, raw_server, sleeps):
        """A 304 to a conditional request is "not modified", as before."""
        server = raw_server(answer("304 Not Modified"))
        download = fetch(server.url, sleep=sleeps, validators=Validators(etag='"v1"'))
        assert download.not_modified
        assert b'If-None-Match: "v1"' in server.requests[0]


class TestDeadline:
    #: A good answer sent a byte every 20 ms would take about a minute in all.
    INTERVAL = 0.02

    @pytest.mark.parametrize("where", ["headers", "body"])
    def test_drip_is_cut_at_the_attempt_deadline(self, raw_server, sleeps, where):
        """A server dripping bytes (in the headers or in the body) is cut off at the attempt's limit."""
        prompt = GOOD_ANSWER.index(b"\r\n\r\n") + 4 if where == "body" else 0
        server = raw_server(GOOD_ANSWER, interval=self.INTERVAL, prompt=prompt)
        with pytest.raises(FetchError, match=r"timed out.*at most 0\.4 s.*after 2 attempts"):
            fetch(server.url, sleep=sleeps, timeout=0.4, retries=1)
        assert server.connections == 2
        # Each attempt got a small part of the answer (its prompt part, and a few dripped bytes).
        sent = server.finished()
        assert len(sent) == 2
        assert all(count < prompt + (len(GOOD_ANSWER) - prompt) // 4 for count in sent), sent

    def test_drip_with_a_session_of_your_own(self, raw_server, sleeps):
        """A caller's own session is held to the deadline too, once the headers are in."""
        server = raw_server(GOOD_ANSWER, interval=self.INTERVAL, prompt=GOOD_ANSWER.index(b"\r\n\r\n") + 4)
        with requests.Session() as session, pytest.raises(FetchError, match=r"at most 0\.4 s"):
            fetch(server.url, session=session, sleep=sleeps, timeout=0.4, retries=0)

    def test_whole_fetch_deadline_stops_retries(self, raw_server, sleeps):
        """No retry starts when its wait would pass the fetch's deadline."""
        server = raw_server(answer("503 Service Unavailable", ("Retry-After: 5", "Content-Length: 0")))
        with pytest.raises(FetchError, match=r"retrying in 5 s would pass the 2 s deadline \(after 1 attempt\)"):
            fetch(server.url, sleep=sleeps, deadline=2)
        assert (server.connections, sleeps.calls) == (1, [])

    def test_good_answer_within_the_deadline(self, raw_server, sleeps):
        """A prompt server is unaffected by the watchdog: the body arrives whole."""
        server = raw_server(GOOD_ANSWER)
        assert fetch(server.url, sleep=sleeps, timeout=5, deadline=10).data == BODY

    @pytest.mark.parametrize("timeout", [0, -1, (1.0, 0.0)])
    def test_timeout_must_be_positive(self, timeout):
        """A timeout of zero or less is an InvalidArgumentError, before any connection."""
        with pytest.raises(InvalidArgumentError, match="above 0"):
            fetch(URL, timeout=timeout)


class TestCredentials:
    def test_password_never_in_a_message(self, sleeps):
        """A failure on a URL holding a password says so without the password."""
        url = closed_port_url().replace("http://", "http://alice:s3cret@")
        with pytest.raises(FetchError) as caught:
            fetch(url, sleep=sleeps)
        assert "s3cret" not in str(caught.value)
        assert "alice:***@127.0.0.1" in str(caught.value)

    def test_password_sent_as_basic_auth_but_not_kept(self, raw_server, sleeps):
        """The password still reaches the server (basic auth), and the download's URL hides it."""
        server = raw_server(GOOD_ANSWER)
        download = fetch(server.url.replace("http://", "http://alice:s3cret@"), sleep=sleeps)
        assert b"Authorization: Basic YWxpY2U6czNjcmV0" in server.requests[0]
        assert "s3cret" not in download.url
        assert download.url.startswith("http://alice:***@127.0.0.1:")


def test_sync_uses_the_fetchers_default_retries():
    """sync() repeats fetch's default retry count (to keep requests off import); the two stay equal."""
    from ianaports import _sync  # noqa: PLC0415 - the module behind ianaports.sync

    assert _sync.DEFAULT_RETRIES == DEFAULT_RETRIES


# -- proxies and CA bundles from the environment ---------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A private CA (ca.pem) and a server certificate it signed for 127.0.0.1 (server.pem, server.key)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for command in (
        ["openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
         "/CN=ianaports test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"],
        ["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
    ):  # fmt: skip
        subprocess.run(command, cwd=folder, check=True, capture_output=True, timeout=60)
    return folder


@pytest.fixture
def tls_server(raw_server, certificates):
    """A real HTTPS server on 127.0.0.1 whose certificate only the private CA vouches for."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    return raw_server(GOOD_ANSWER, tls=context)


class TestEnvironment:
    def test_http_proxy_receives_the_request(self, raw_server, sleeps, monkeypatch):
        """With HTTP_PROXY set, the request goes to the proxy, naming the registry's absolute URL."""
        proxy = raw_server(GOOD_ANSWER)
        monkeypatch.setenv("HTTP_PROXY", proxy.url.removesuffix("/ports.xml"))
        assert fetch("http://registry.invalid/ports.xml", sleep=sleeps).data == BODY
        assert proxy.requests[0].startswith(b"GET http://registry.invalid/ports.xml HTTP/1.1\r\n")

    def test_no_proxy_bypasses_it(self, raw_server, sleeps, monkeypatch):
        """A host listed in NO_PROXY is reached directly, the proxy never."""
        proxy, direct = raw_server(GOOD_ANSWER), raw_server(GOOD_ANSWER)
        monkeypatch.setenv("HTTP_PROXY", proxy.url.removesuffix("/ports.xml"))
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert fetch(direct.url, sleep=sleeps).data == BODY
        assert (proxy.connections, direct.connections) == (0, 1)

    def test_https_proxy_is_asked_for_a_tunnel(self, raw_server, sleeps, monkeypatch):
        """With HTTPS_PROXY set, an https URL is a CONNECT to the proxy; its refusal is not retried."""
        proxy = raw_server(answer("403 Forbidden", ("Content-Length: 0",)))
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.removesuffix("/ports.xml"))
        with pytest.raises(FetchError, match="proxy") as caught:
            fetch("https://registry.invalid/ports.xml", sleep=sleeps)
        assert "403" in str(caught.value)
        assert proxy.requests[0].startswith(b"CONNECT registry.invalid:443 HTTP/")
        assert (proxy.connections, sleeps.calls) == (1, [])

    def test_unknown_ca_is_a_tls_error_not_retried(self, tls_server, sleeps):
        """A certificate no trusted CA signed fails at once, naming verification and REQUESTS_CA_BUNDLE."""
        with pytest.raises(FetchError, match="certificate cannot be verified") as caught:
            fetch(tls_server.url, sleep=sleeps)
        assert "REQUESTS_CA_BUNDLE" in str(caught.value)
        assert (tls_server.connections, sleeps.calls) == (1, [])

    def test_requests_ca_bundle_is_honoured(self, tls_server, certificates, sleeps, monkeypatch):
        """REQUESTS_CA_BUNDLE naming the private CA makes the same server trusted."""
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificates / "ca.pem"))
        assert fetch(tls_server.url, sleep=sleeps).data == BODY

    def test_https_drip_is_cut_at_the_deadline(self, raw_server, certificates, sleeps, monkeypatch):
        """The attempt deadline holds over TLS too: the watchdog shuts the socket under the TLS layer."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
        drip = raw_server(GOOD_ANSWER, interval=0.02, tls=context)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificates / "ca.pem"))
        with pytest.raises(FetchError, match=r"at most 0\.4 s\) \(after 1 attempt\)"):
            fetch(drip.url, sleep=sleeps, timeout=0.4, retries=0)
        assert all(count < len(GOOD_ANSWER) // 4 for count in drip.finished())
