"""Source URLs without their passwords: what the store keeps and every message shows."""

from __future__ import annotations

import pytest

from ianaports._urls import redact_secrets, redact_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://alice:s3cret@mirror.test/ports.xml", "http://alice:***@mirror.test/ports.xml"),
        ("https://alice:s3cret@mirror.test:8443/p?q=1", "https://alice:***@mirror.test:8443/p?q=1"),
        ("https://ghp_t0ken@mirror.test/ports.xml", "https://***@mirror.test/ports.xml"),
        ("https://alice:p%40ss@mirror.test/x", "https://alice:***@mirror.test/x"),
        ("http://alice:s3cret@[::1/x", "http://alice:***@[::1/x"),
        ("https://www.iana.org/assignments/x.xml", "https://www.iana.org/assignments/x.xml"),
        ("../shared/registry", "../shared/registry"),
    ],
    ids=["password", "port-and-query", "token-as-user", "percent-encoded", "unsplittable", "no-credentials", "path"],
)
def test_redact_url(url, shown):
    """A URL's password (or a lone user name, often a token) becomes ***; anything else is unchanged."""
    assert redact_url(url) == shown


def test_redact_secrets_hides_the_bare_password_too():
    """A message quoting the password outside the URL (a library's own wording) hides it as well."""
    url = "http://alice:p%40ssw0rd@mirror.test/x"
    message = f"cannot fetch {url}: Failed to parse 'alice:p@ssw0rd' and p%40ssw0rd"
    assert redact_secrets(message, url) == (
        "cannot fetch http://alice:***@mirror.test/x: Failed to parse 'alice:***' and ***"
    )


def test_redact_secrets_without_credentials_is_the_identity():
    """A URL without credentials leaves the message as it is."""
    assert redact_secrets("cannot fetch http://a.test/: HTTP 500", "http://a.test/") == (
        "cannot fetch http://a.test/: HTTP 500"
    )
