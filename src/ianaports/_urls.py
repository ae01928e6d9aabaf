"""URLs as ianaports shows and stores them: without the password a source URL may carry.

A mirror behind basic authentication is given as ``https://alice:s3cret@host/...``;
the password must never reach the store's ``source`` column, a message, a log
line or ``--json``.  This module imports nothing heavy, so the sync and the
command line can use it without loading requests.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["REDACTED", "redact_secrets", "redact_url"]

#: What stands in for a hidden password (or a user name that may be a token).
REDACTED = "***"
#: Shorter secrets are only hidden where they appear as a URL's user information.
_MIN_BARE_SECRET = 4


def redact_url(url: str) -> str:
    """*url* with its password replaced by ``***`` (``http://alice:***@host/x``); other URLs as they are.

    A user name alone (``https://TOKEN@host/``) is often a token: it is hidden too.
    A string that is not a URL is returned unchanged.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return _redact_userinfo_by_hand(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, host = parts.netloc.rpartition("@")
    user, has_password, _ = userinfo.partition(":")
    shown = f"{user}:{REDACTED}" if has_password else REDACTED
    return urlunsplit(parts._replace(netloc=f"{shown}@{host}"))


def redact_secrets(message: str, url: str) -> str:
    """*message* with every trace of *url*'s credentials hidden: the URL itself and the bare secret."""
    secrets = _secrets(url)
    if not secrets:
        return message
    message = message.replace(url, redact_url(url))
    for secret in secrets:
        if len(secret) >= _MIN_BARE_SECRET:
            message = message.replace(secret, REDACTED)
    return message


def _secrets(url: str) -> list[str]:
    """The credentials *url* carries (raw and percent-decoded), longest first."""
    head, sep, _ = url.partition("://")
    if not sep:
        return []
    netloc = head and url[len(head) + 3 :].split("/", 1)[0]
    if "@" not in netloc:
        return []
    userinfo = netloc.rpartition("@")[0]
    user, has_password, password = userinfo.partition(":")
    found = {password, unquote(password)} if has_password else {user, unquote(user)}
    return sorted((secret for secret in found if secret), key=len, reverse=True)


def _redact_userinfo_by_hand(url: str) -> str:
    """The redaction of :func:`redact_url` for a URL urllib cannot split (an unclosed IPv6 bracket)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    if "@" not in netloc:
        return url
    userinfo, _, host = netloc.rpartition("@")
    shown = f"{userinfo.partition(':')[0]}:{REDACTED}" if ":" in userinfo else REDACTED
    return f"{scheme}://{shown}@{host}{slash}{path}"
