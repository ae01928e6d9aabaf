"""HTTP: one session, conditional GET, retries with backoff, a body streamed into memory under a cap.

Nothing here parses or stores, and nothing touches the disk: :func:`fetch`
returns the complete body as bytes (or says "not modified"), and
:func:`ianaports.sync` decides what to do with it.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import socket
import ssl
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import attrs
import requests

from . import __version__
from ._limits import DEFAULT_MAX_BYTES
from ._limits import max_bytes as resolve_max_bytes
from .errors import FetchError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "USER_AGENT",
    "Download",
    "Validators",
    "describe_error",
    "fetch",
    "new_session",
]

USER_AGENT = f"ianaports/{__version__} (+https://github.com/ianaports/ianaports)"
#: (connect, read) seconds: fail fast when offline, tolerate a slow server.
DEFAULT_TIMEOUT = (10.0, 60.0)
DEFAULT_RETRIES = 3
#: The longest total time spent sleeping between attempts (Retry-After included).
DEFAULT_MAX_WAIT = 60.0
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_DNS_FAILURE = "cannot resolve the host name"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

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


def new_session() -> requests.Session:
    """A session sending ianaports' User-Agent."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


def fetch(
    url: str,
    *,
    session: requests.Session | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    validators: Validators | None = None,
    max_bytes: int | None = None,
    retries: int | None = None,
    max_wait: float = DEFAULT_MAX_WAIT,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[int, int | None], None] | None = None,
) -> Download:
    """Download *url* into memory, or learn that it has not changed.

    The body is read in chunks and refused as soon as it grows past
    *max_bytes* (default ``IANAPORTS_MAX_BYTES`` if set, else 16 MiB), so a
    hostile or broken stream costs at most the cap.

    Connection errors, timeouts, 429 and 5xx are retried *retries* times (default
    :data:`DEFAULT_RETRIES`) with
    exponential backoff, honouring ``Retry-After``, sleeping at most *max_wait*
    seconds in all.  Raises :class:`FetchError` saying why (DNS, refused,
    timeout, TLS, HTTP status, HTML page, truncated or oversized body).
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed IPv6 bracket, say
        raise FetchError(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not {url!r}")
    retries = DEFAULT_RETRIES if retries is None else retries
    max_bytes = resolve_max_bytes(max_bytes)
    owned = session is None
    active = session or new_session()
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", **(validators or Validators()).headers()}
    waited = 0.0
    try:
        for attempt in range(retries + 1):
            try:
                return _attempt(active, url, headers=headers, timeout=timeout, max_bytes=max_bytes, progress=progress)
            except _RetryableError as exc:
                delay = exc.delay if exc.delay is not None else min(2.0**attempt, 30.0)
                if attempt == retries:
                    raise FetchError(f"cannot fetch {url}: {exc.reason} (after {retries + 1} attempts)") from None
                if waited + delay > max_wait:
                    raise FetchError(
                        f"cannot fetch {url}: {exc.reason}; retrying would wait {delay:.0f} s more"
                        f" than the {max_wait:.0f} s allowed"
                    ) from None
                sleep(delay)
                waited += delay
    finally:
        if owned:
            active.close()
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _attempt(
    session: requests.Session,
    url: str,
    *,
    headers: dict[str, str],
    timeout: Timeout,
    max_bytes: int,
    progress: Callable[[int, int | None], None] | None,
) -> Download:
    try:
        response = _get_following_redirects(session, url, headers, timeout)
    except (
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
        requests.exceptions.InvalidSchema,
    ) as exc:
        # A malformed URL (no host, a bad port) stays malformed: retrying only makes the user wait.
        raise FetchError(f"cannot fetch {url}: not a valid URL ({describe_error(exc)})") from exc
    except requests.RequestException as exc:
        reason = describe_error(exc)
        if reason.startswith(_DNS_FAILURE):
            # Offline or a typo: asking again in a few seconds will not help.
            raise FetchError(f"cannot fetch {url}: {reason}") from exc
        raise _RetryableError(reason) from exc
    with contextlib.closing(response):
        status = response.status_code
        validators = Validators(etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified"))
        if status == 304:  # noqa: PLR2004 - HTTP Not Modified
            return Download(url=response.url or url, not_modified=True, validators=validators)
        if status == 429 or status >= 500:  # noqa: PLR2004 - Too Many Requests, server errors
            raise _RetryableError(f"HTTP {status} {response.reason or ''}".strip(), _retry_after(response))
        if status != 200:  # noqa: PLR2004 - HTTP OK
            raise FetchError(f"cannot fetch {url}: HTTP {status} {response.reason or ''}".strip())
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type.lower():
            raise FetchError(f"{url} returned an HTML page ({content_type}), not the registry XML")
        data, digest = _stream(response, url, max_bytes, progress)
    return Download(url=response.url or url, not_modified=False, validators=validators, data=data, sha256=digest)


def _get_following_redirects(
    session: requests.Session, url: str, headers: dict[str, str], timeout: Timeout
) -> requests.Response:
    # Redirects are followed by hand so that each hop's scheme can be checked.
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        response = session.get(current, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        if response.status_code not in _REDIRECTS or "Location" not in response.headers:
            return response
        response.close()
        target = urljoin(current, response.headers["Location"])
        if urlsplit(target).scheme not in ("http", "https"):
            raise FetchError(f"{current} redirects to {target!r}; only http and https redirects are followed")
        current = target
    raise FetchError(f"cannot fetch {url}: it redirects more than {MAX_REDIRECTS} times (a redirect loop?)")


def _stream(
    response: requests.Response,
    url: str,
    max_bytes: int,
    progress: Callable[[int, int | None], None] | None,
) -> tuple[bytes, str]:
    declared = _content_length(response)
    if declared is not None and declared > max_bytes:
        raise FetchError(f"{url} is {declared} bytes, over the {max_bytes}-byte limit")
    body = bytearray()
    digest = hashlib.sha256()
    for chunk in _chunks(response, url):
        if len(body) + len(chunk) > max_bytes:
            raise FetchError(f"{url} sent more than the {max_bytes}-byte limit")
        digest.update(chunk)
        body += chunk
        if progress is not None:
            progress(len(body), declared)
    encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    if declared is not None and not encoded and len(body) != declared:
        raise _RetryableError(f"the body was truncated ({len(body)} of {declared} bytes)")
    if not body:
        raise FetchError(f"{url} sent an empty body")
    return bytes(body), digest.hexdigest()


def _chunks(response: requests.Response, url: str) -> Iterator[bytes]:
    try:
        yield from response.iter_content(_CHUNK)
    except requests.exceptions.ContentDecodingError as exc:
        # The same bytes would come again: a retry cannot help.
        encoding = response.headers.get("Content-Encoding", "?")
        raise FetchError(
            f"cannot fetch {url}: the body is labelled Content-Encoding: {encoding} but does not decompress"
        ) from exc
    except requests.RequestException as exc:
        raise _RetryableError(describe_error(exc)) from exc
    except OSError as exc:
        raise FetchError(f"cannot fetch {url}: {exc.strerror or exc}") from exc


def _content_length(response: requests.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


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


def describe_error(exc: BaseException) -> str:
    """Say in a few words why a request failed: DNS, refused, timeout, TLS..."""
    if isinstance(exc, requests.exceptions.SSLError) or _in_chain(exc, ssl.SSLError):
        return "TLS error (the server's certificate or TLS handshake was refused)"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "timed out connecting to the server"
    if isinstance(exc, requests.exceptions.Timeout) or _in_chain(exc, TimeoutError):
        return "timed out waiting for the server"
    text = str(exc)
    if _in_chain(exc, socket.gaierror) or "NameResolutionError" in text or "Name or service not known" in text:
        return f"{_DNS_FAILURE} (DNS lookup failed; are you offline?)"
    if _in_chain(exc, ConnectionRefusedError) or "Connection refused" in text:
        return "connection refused"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return "the connection was dropped in the middle of the download"
    if _in_chain(exc, ConnectionResetError) or "Connection aborted" in text:
        return "the connection was reset by the server"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "cannot connect to the server"
    return text or type(exc).__name__


def _in_chain(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        pending += [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
    return False
