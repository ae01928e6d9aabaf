"""HTTP: one session, conditional GET, retries with backoff, deadlines, a body streamed into memory under a cap.

Nothing here parses or stores, and nothing touches the disk: :func:`fetch`
returns the complete body as bytes (or says "not modified"), and
:func:`ianaports.sync` decides what to do with it.

Every attempt has a deadline (connecting, the headers and the whole body
together), enforced by a watchdog that shuts the attempt's socket when it
passes, so a server dripping a byte every second cannot hold a download
longer than that however it paces the bytes; a whole fetch can have a
deadline too.  Only failures that may pass are retried (timeouts, a reset
connection, a dropped body, 429 and 5xx); a refused connection, a DNS or
TLS failure, a malformed URL or redirect and an HTTP protocol violation fail
at once, so the next source is tried without waiting.

Proxies and CA bundles come from the environment, as requests reads them:
``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY`` and ``REQUESTS_CA_BUNDLE`` (or
``CURL_CA_BUNDLE``).
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.client
import re
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import attrs
import requests
import requests.adapters
import urllib3
import urllib3.exceptions

from . import __version__
from ._limits import DEFAULT_MAX_BYTES
from ._limits import max_bytes as resolve_max_bytes
from ._urls import redact_secrets, redact_url
from .errors import FetchError, InvalidArgumentError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "Download",
    "Validators",
    "describe_error",
    "fetch",
    "new_session",
]

USER_AGENT = f"ianaports/{__version__} (+https://github.com/ianaports/ianaports)"
#: Seconds one attempt may take in all: connecting, the headers and the whole body.
DEFAULT_TIMEOUT = 60.0
#: Seconds to wait for the connection itself (fail fast when offline); never more than the attempt's limit.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_RETRIES = 3
#: The longest total time spent sleeping between attempts (Retry-After included).
DEFAULT_MAX_WAIT = 60.0
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_DNS_FAILURE = "cannot resolve the host name"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: How much of a bad status line a message quotes.
_QUOTED = 40

#: A number of seconds for the whole attempt, or (connect, attempt) seconds.
Timeout = float | tuple[float, float]


@attrs.frozen(kw_only=True)
class Validators:
    """What the server said about its copy, sent back to ask "has it changed?"."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """The conditional request headers these validators give."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def to_json(self) -> dict[str, str | None]:
        """A JSON object, as the store keeps it."""
        return {"etag": self.etag, "last_modified": self.last_modified}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Validators:
        """Invert :meth:`to_json`."""
        return cls(etag=data.get("etag"), last_modified=data.get("last_modified"))


@attrs.frozen(kw_only=True)
class Download:
    """The result of :func:`fetch`: the complete body, or "not modified"."""

    #: The URL the body came from (after redirects), its password hidden.
    url: str
    not_modified: bool
    validators: Validators
    #: The body, decoded from any Content-Encoding and at most the cap long.  None when not modified.
    data: bytes | None = attrs.field(default=None, repr=False)
    sha256: str | None = None

    @property
    def size(self) -> int:
        """The body's length in bytes (0 when not modified)."""
        return 0 if self.data is None else len(self.data)


class _RetryableError(Exception):
    def __init__(self, reason: str, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


# --- the deadline of one attempt ------------------------------------------------------------------

_current = threading.local()


class _Watch:
    """The connections one attempt uses; when its deadline passes, their sockets are shut.

    A socket timeout bounds each ``recv`` only, and Python's buffered reader
    keeps calling ``recv`` until a header line or a chunk is complete, so a
    server sending one byte a second never trips it.  Shutting the socket
    from a timer thread ends the blocked read at once (it sees the end of the
    stream), and :attr:`fired` tells the attempt why.
    """

    def __init__(self, seconds: float, reason: str) -> None:
        self.seconds = seconds
        #: What a timeout of this attempt is reported as.
        self.reason = reason
        self.fired = False
        self._guard = threading.Lock()
        self._connections: list[object] = []
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watch:  # noqa: PYI034 - Self needs typing_extensions on 3.10
        _current.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        _current.watch = None

    def add(self, connection: object) -> None:
        """Watch *connection* (a urllib3 connection) until the attempt ends."""
        if connection is None:
            return
        with self._guard:
            self._connections.append(connection)
            fired = self.fired
        if fired:
            _shut(connection)

    def _fire(self) -> None:
        with self._guard:
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: object) -> None:
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        # socket.socket's own shutdown: an SSLSocket's would drop its TLS state under the reading thread.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _join_watch(connection: object) -> None:
    watch: _Watch | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.add(connection)


class _WatchedHTTPConnectionPool(urllib3.HTTPConnectionPool):
    """An http pool whose connections join the current attempt's :class:`_Watch`."""

    def _get_conn(self, timeout: float | None = None) -> Any:  # noqa: ANN401 - urllib3's own type
        connection = super()._get_conn(timeout)
        _join_watch(connection)
        return connection


class _WatchedHTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    """An https pool whose connections join the current attempt's :class:`_Watch`."""

    def _get_conn(self, timeout: float | None = None) -> Any:  # noqa: ANN401 - urllib3's own type
        connection = super()._get_conn(timeout)
        _join_watch(connection)
        return connection


_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with connection pools whose connections an attempt's deadline can shut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - requests' signature
        """Make the pool manager, then give it watched pools."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:  # noqa: ANN401 - requests' signature
        """The proxy's pool manager, with watched pools too (a SOCKS manager keeps its own)."""
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager):
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def new_session() -> requests.Session:
    """A session sending ianaports' User-Agent, whose attempts a deadline can cut short.

    A session of your own works as well; with it the deadline is enforced from
    the response headers on, and before them by the socket timeouts.
    """
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    for prefix in ("http://", "https://"):
        session.mount(prefix, _DeadlineAdapter())
    return session


def _limits(timeout: Timeout) -> tuple[float, float]:
    """(connect, attempt) seconds from a *timeout* of seconds or a pair."""
    if isinstance(timeout, tuple):
        connect, attempt = (float(value) for value in timeout)
    else:
        attempt = float(timeout)
        connect = min(DEFAULT_CONNECT_TIMEOUT, attempt)
    if not (connect > 0 and attempt > 0):
        raise InvalidArgumentError(f"a timeout must be a number of seconds above 0, not {timeout!r}")
    return connect, attempt


# --- fetch ----------------------------------------------------------------------------------------


def fetch(
    url: str,
    *,
    session: requests.Session | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    validators: Validators | None = None,
    max_bytes: int | None = None,
    retries: int | None = None,
    max_wait: float = DEFAULT_MAX_WAIT,
    deadline: float | None = None,
    started: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[int, int | None], None] | None = None,
    on_retry: Callable[[str, float], None] | None = None,
) -> Download:
    """Download *url* into memory, or learn that it has not changed.

    The body is read in chunks and refused as soon as it grows past
    *max_bytes* (default ``IANAPORTS_MAX_BYTES`` if set, else 16 MiB), so a
    hostile or broken stream costs at most the cap.

    *timeout* is the most one attempt may take, in seconds (connecting, the
    headers and the whole body; the connection itself at most
    :data:`DEFAULT_CONNECT_TIMEOUT` of it), or a pair (connect, attempt).
    *deadline*, when given, bounds the whole fetch: every attempt and every
    wait between them, counted from *started* (a :func:`time.monotonic` value,
    default now; a caller fetching several URLs can share one deadline).

    Timeouts, a reset or dropped connection, 429 and 5xx are retried *retries*
    times (default :data:`DEFAULT_RETRIES`) with exponential backoff, honouring
    ``Retry-After``, sleeping at most *max_wait* seconds in all and never past
    the deadline; *on_retry* hears of each (the reason, the seconds it waits).
    A refused connection, a DNS or TLS failure, a malformed
    URL, redirect or header, a protocol violation, a 304 to a request without
    validators and any other HTTP status fail at once.  Raises
    :class:`FetchError` saying why; no message holds the URL's password.
    """
    try:
        return _fetch(
            url,
            session=session,
            timeout=timeout,
            validators=validators,
            max_bytes=resolve_max_bytes(max_bytes),
            retries=DEFAULT_RETRIES if retries is None else retries,
            max_wait=max_wait,
            deadline=deadline,
            started=time.monotonic() if started is None else started,
            sleep=sleep,
            progress=progress,
            on_retry=on_retry,
        )
    except FetchError as exc:
        raise FetchError(redact_secrets(str(exc), url)) from exc.__cause__


def _fetch(
    url: str,
    *,
    session: requests.Session | None,
    timeout: Timeout,
    validators: Validators | None,
    max_bytes: int,
    retries: int,
    max_wait: float,
    deadline: float | None,
    started: float,
    sleep: Callable[[float], None],
    progress: Callable[[int, int | None], None] | None,
    on_retry: Callable[[str, float], None] | None,
) -> Download:
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed IPv6 bracket, say
        raise FetchError(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not {url!r}")
    connect, per_attempt = _limits(timeout)
    end = None if deadline is None else started + deadline
    owned = session is None
    active = session or new_session()
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", **(validators or Validators()).headers()}
    waited = 0.0
    try:
        for attempt in range(1, retries + 2):
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise FetchError(f"cannot fetch {url}: the {deadline:g} s deadline passed ({_attempts(attempt - 1)})")
            cut = left is not None and left < per_attempt  # the deadline comes before the attempt's own limit
            if left is not None and cut:
                limit, slow = left, f"timed out waiting for the server: the {deadline:g} s deadline passed"
            else:
                limit, slow = per_attempt, _attempt_reason(per_attempt)
            try:
                return _attempt(
                    active, url, headers=headers, connect=min(connect, limit), limit=limit, slow=slow,
                    max_bytes=max_bytes, progress=progress,
                )  # fmt: skip
            except _RetryableError as exc:
                delay = exc.delay if exc.delay is not None else min(2.0 ** (attempt - 1), 30.0)
                if attempt > retries or (cut and exc.reason == slow):
                    # The last attempt, or one the deadline itself cut short: no time is left to try again.
                    raise FetchError(f"cannot fetch {url}: {exc.reason} ({_attempts(attempt)})") from None
                if waited + delay > max_wait:
                    raise FetchError(
                        f"cannot fetch {url}: {exc.reason}; retrying would wait {delay:.0f} s more"
                        f" than the {max_wait:.0f} s allowed"
                    ) from None
                if end is not None and time.monotonic() + delay >= end:
                    raise FetchError(
                        f"cannot fetch {url}: {exc.reason}; retrying in {delay:.0f} s would pass"
                        f" the {deadline:g} s deadline ({_attempts(attempt)})"
                    ) from None
                if on_retry is not None:
                    on_retry(redact_secrets(exc.reason, url), delay)
                sleep(delay)
                waited += delay
    finally:
        if owned:
            active.close()
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _attempt_reason(limit: float) -> str:
    return f"timed out waiting for the server (an attempt may take at most {limit:g} s)"


def _attempts(count: int) -> str:
    return f"after {count} attempt{'' if count == 1 else 's'}"


def _too_slow(watch: _Watch) -> _RetryableError:
    return _RetryableError(watch.reason)


def _attempt(
    session: requests.Session,
    url: str,
    *,
    headers: dict[str, str],
    connect: float,
    limit: float,
    slow: str,
    max_bytes: int,
    progress: Callable[[int, int | None], None] | None,
) -> Download:
    with _Watch(limit, slow) as watch:
        try:
            response = _get_following_redirects(session, url, headers, (connect, limit))
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as exc:
            # A malformed URL (no host, a bad port) stays malformed: retrying only makes the user wait.
            raise FetchError(f"cannot fetch {url}: not a valid URL ({describe_error(exc)})") from exc
        except requests.RequestException as exc:
            if watch.fired:
                raise _too_slow(watch) from exc
            reason = describe_error(exc)
            if not _retryable(exc):
                # Offline, a typo, a closed port, a certificate or a broken server: asking again will not help.
                raise FetchError(f"cannot fetch {url}: {reason}") from exc
            raise _RetryableError(reason) from exc
        except UnicodeError as exc:
            # requests decodes a redirect's Location as UTF-8, even with allow_redirects=False.
            raise FetchError(f"cannot fetch {url}: it redirects with a Location header that is not UTF-8") from exc
        except ValueError as exc:
            raise FetchError(f"cannot fetch {url}: it redirects to an invalid URL ({exc})") from exc
        watch.add(getattr(response.raw, "connection", None))  # a session of the caller's own
        with contextlib.closing(response):
            return _read_response(response, url, headers=headers, max_bytes=max_bytes, progress=progress, watch=watch)


def _read_response(
    response: requests.Response,
    url: str,
    *,
    headers: dict[str, str],
    max_bytes: int,
    progress: Callable[[int, int | None], None] | None,
    watch: _Watch,
) -> Download:
    status = response.status_code
    validators = Validators(etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified"))
    final = redact_url(response.url or url)
    if status == 304:  # noqa: PLR2004 - HTTP Not Modified
        if not ({"If-None-Match", "If-Modified-Since"} & headers.keys()):
            raise FetchError(
                f"cannot fetch {url}: the server answered 304 Not Modified to a request without validators"
                " (there was nothing to compare with); a broken server or proxy?"
            )
        return Download(url=final, not_modified=True, validators=validators)
    if status == 429 or status >= 500:  # noqa: PLR2004 - Too Many Requests, server errors
        raise _RetryableError(f"HTTP {status} {response.reason or ''}".strip(), _retry_after(response))
    if status != 200:  # noqa: PLR2004 - HTTP OK
        raise FetchError(f"cannot fetch {url}: HTTP {status} {response.reason or ''}".strip())
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type.lower():
        raise FetchError(f"{url} returned an HTML page ({content_type}), not the registry XML")
    data, digest = _stream(response, url, max_bytes, progress, watch)
    return Download(url=final, not_modified=False, validators=validators, data=data, sha256=digest)


def _get_following_redirects(
    session: requests.Session, url: str, headers: dict[str, str], timeout: tuple[float, float]
) -> requests.Response:
    # Redirects are followed by hand so that each hop's scheme can be checked.
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        response = session.get(current, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        if response.status_code not in _REDIRECTS or "Location" not in response.headers:
            return response
        response.close()
        location = response.headers["Location"]
        try:
            target = urljoin(current, location)
            scheme = urlsplit(target).scheme
        except ValueError as exc:
            raise FetchError(f"{current} redirects to an invalid URL {location!r} ({exc})") from exc
        if scheme not in ("http", "https"):
            raise FetchError(f"{current} redirects to {target!r}; only http and https redirects are followed")
        current = target
    raise FetchError(f"cannot fetch {url}: it redirects more than {MAX_REDIRECTS} times (a redirect loop?)")


def _stream(
    response: requests.Response,
    url: str,
    max_bytes: int,
    progress: Callable[[int, int | None], None] | None,
    watch: _Watch,
) -> tuple[bytes, str]:
    declared = _content_length(response, url)
    if declared is not None and declared > max_bytes:
        raise FetchError(f"{url} is {declared} bytes, over the {max_bytes}-byte limit")
    body = bytearray()
    digest = hashlib.sha256()
    for chunk in _chunks(response, url, watch):
        if len(body) + len(chunk) > max_bytes:
            raise FetchError(f"{url} sent more than the {max_bytes}-byte limit")
        digest.update(chunk)
        body += chunk
        if progress is not None:
            progress(len(body), declared)
        if watch.fired:
            raise _too_slow(watch)
    if watch.fired:  # the watchdog's shutdown ended a body without a length early
        raise _too_slow(watch)
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if declared is not None and not encoded and len(body) != declared:
        raise _RetryableError(f"the body was truncated ({len(body)} of {declared} bytes)")
    if not body:
        raise FetchError(f"{url} sent an empty body")
    return bytes(body), digest.hexdigest()


def _chunks(response: requests.Response, url: str, watch: _Watch) -> Iterator[bytes]:
    try:
        yield from response.iter_content(_CHUNK)
    except requests.exceptions.ContentDecodingError as exc:
        # The same bytes would come again: a retry cannot help.
        encoding = response.headers.get("Content-Encoding", "?")
        raise FetchError(
            f"cannot fetch {url}: the body is labelled Content-Encoding: {encoding} but does not decompress"
        ) from exc
    except requests.RequestException as exc:
        if watch.fired:
            raise _too_slow(watch) from exc
        raise _RetryableError(describe_error(exc)) from exc
    except OSError as exc:
        if watch.fired:
            raise _too_slow(watch) from exc
        raise FetchError(f"cannot fetch {url}: {exc.strerror or exc}") from exc


def _content_length(response: requests.Response, url: str) -> int | None:
    """The declared length; a value that is no length (``-1``, ``abc``) is a protocol violation, not retried."""
    value = response.headers.get("Content-Length")
    if value is None:
        return None
    lengths = {item.strip() for item in value.split(",")}
    if len(lengths) == 1:
        (length,) = lengths
        if length.isascii() and length.isdigit():
            return int(length)
    raise FetchError(
        f"cannot fetch {url}: the server sent an invalid Content-Length: {value[:_QUOTED]!r}"
        " (an HTTP protocol violation)"
    )


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# --- why a request failed, and whether asking again can help ------------------------------------------


def describe_error(exc: BaseException) -> str:
    """Say in a few words why a request failed: DNS, refused, timeout, TLS, a protocol violation..."""
    if isinstance(exc, requests.exceptions.SSLError) or _find(exc, ssl.SSLError):
        verify = _find(exc, ssl.SSLCertVerificationError)
        if verify is not None:
            detail = getattr(verify, "verify_message", None) or "certificate verify failed"
            return (
                f"TLS error: the server's certificate cannot be verified ({detail});"
                " a private or corporate CA is trusted with REQUESTS_CA_BUNDLE=/path/to/ca.pem"
            )
        return "TLS error (the server's certificate or TLS handshake was refused)"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timed out connecting to the server"
    if isinstance(exc, requests.exceptions.Timeout) or _find(exc, TimeoutError):
        return "timed out waiting for the server"
    text = str(exc)
    if _find(exc, socket.gaierror) or "NameResolutionError" in text or "Name or service not known" in text:
        return f"{_DNS_FAILURE} (DNS lookup failed; are you offline?)"
    if _find(exc, ConnectionRefusedError) or "Connection refused" in text:
        where = "the proxy refused the connection" if isinstance(exc, requests.exceptions.ProxyError) else ""
        return f"connection refused ({where})" if where else "connection refused"
    violation = _protocol_violation(exc)
    if violation is not None:
        return violation
    if isinstance(exc, requests.exceptions.ProxyError):
        tunnel = _tunnel_failure(exc)
        return f"the proxy refused the connection ({tunnel})" if tunnel else "cannot connect through the proxy"
    if _find(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return "the connection was dropped in the middle of the download"
    if _find(exc, ConnectionResetError) or "Connection aborted" in text:
        return "the connection was reset by the server"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "cannot connect to the server"
    return text or type(exc).__name__


def _protocol_violation(exc: BaseException) -> str | None:
    """What the server did wrong, when it broke HTTP itself (the same answer would come again)."""
    if _find(exc, http.client.RemoteDisconnected) or _find(exc, http.client.IncompleteRead):
        return None  # a dropped connection, not a malformed answer
    if (line := _find(exc, http.client.LineTooLong)) is not None:
        return f"the server broke the HTTP protocol: a header or status line is too long ({line})"
    if (status := _find(exc, http.client.BadStatusLine)) is not None:
        quoted = repr(str(status.args[0] if status.args else "")[:_QUOTED])
        return f"the server broke the HTTP protocol: its answer does not start with an HTTP status line ({quoted})"
    if (other := _find(exc, http.client.HTTPException)) is not None:
        if "more than" in str(other) and "headers" in str(other):
            return f"the server broke the HTTP protocol: it sent too many headers ({other})"
        return f"the server broke the HTTP protocol: {other}"
    if (header := _find(exc, urllib3.exceptions.InvalidHeader)) is not None:
        return f"the server broke the HTTP protocol: {header}"
    return None


def _tunnel_failure(exc: BaseException) -> str | None:
    """The proxy's answer to CONNECT (``Tunnel connection failed: 407 Proxy Authentication Required``), if any."""
    for current in _chain(exc):
        if isinstance(current, OSError) and str(current).startswith("Tunnel connection failed"):
            return str(current)
    return None


def _retryable(exc: BaseException) -> bool:
    """True when a failed request may succeed if asked again: a timeout, a reset or dropped connection."""
    reason = describe_error(exc)
    permanent = (
        reason.startswith((_DNS_FAILURE, "connection refused", "TLS error"))
        or _protocol_violation(exc) is not None
        or isinstance(exc, requests.exceptions.InvalidHeader)
        # A proxy that says no (403, 407) says it again; a proxy whose upstream failed (5xx) may not.
        or re.search(r"Tunnel connection failed: 4\d\d", reason) is not None
    )
    return not permanent


def _find(exc: BaseException, kind: type[BaseException]) -> Any:  # noqa: ANN401 - an instance of kind
    """The first exception of *kind* in *exc*'s chain (causes, contexts, reasons and arguments), or None."""
    return next((current for current in _chain(exc) if isinstance(current, kind)), None)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """*exc* and every exception behind it: causes, contexts, urllib3's reasons and wrapped arguments."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
