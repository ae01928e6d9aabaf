"""How many bytes one release may have, shared by the parser, the fetcher and local sources.

Real releases are under 4 MB (3.85 MB in December 2025); 16 MiB leaves four
times that for growth and keeps a hostile release's parse small (1.66 million
minimal records fitted under the old 64 MiB cap: 17 s and 1.4 GB to parse).
``IANAPORTS_MAX_BYTES`` raises or lowers the cap for every command at once;
the API also takes ``max_bytes=`` where it reads.
"""

from __future__ import annotations

import os

from .errors import InvalidArgumentError

__all__ = ["DEFAULT_MAX_BYTES", "MAX_BYTES_VARIABLE", "max_bytes"]

#: The cap on a release's size, compressed or not, unless IANAPORTS_MAX_BYTES says otherwise.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
#: The environment variable that overrides :data:`DEFAULT_MAX_BYTES`, in bytes.
MAX_BYTES_VARIABLE = "IANAPORTS_MAX_BYTES"
_MOST_DIGITS = 15


def max_bytes(given: int | None = None) -> int:
    """*given* if not None, else IANAPORTS_MAX_BYTES if set, else :data:`DEFAULT_MAX_BYTES`.

    Raises :class:`~ianaports.InvalidArgumentError` when the variable is not a
    positive whole number of bytes.
    """
    if given is not None:
        return given
    text = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    if not (text.isascii() and text.isdigit()) or len(text) > _MOST_DIGITS or int(text) < 1:
        msg = f"{MAX_BYTES_VARIABLE} must be a whole number of bytes, 1 or more, not {text!r}"
        raise InvalidArgumentError(msg)
    return int(text)
