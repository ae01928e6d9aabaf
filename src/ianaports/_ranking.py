"""How a search ranks a record: the one rule :meth:`Registry.search`, the store's search and the quick path share.

It imports nothing (not even :mod:`re`), so that the command line's quick path
(:mod:`ianaports.cli._quick`) ranks with it at no cost.
"""

from __future__ import annotations

__all__ = ["search_tier"]


def search_tier(needle: str, name: str | None, description: str) -> int | None:
    """Where a record ranks for a search of *needle* (stripped, lower case); None when it does not match.

    0: its name is *needle* (in any case); 1: its name starts with it; 2: it is
    a whole word of the name or description (no letter, digit or underscore
    either side); 3: it is anywhere else in them.  :meth:`Registry.search` and
    the store's search both rank by this one function.

    >>> search_tier("ssh", "SSH", ""), search_tier("ssh", "sshell", ""), search_tier("ssh", "x", "The SSH Protocol")
    (0, 1, 2)
    """
    lowered = (name or "").lower()
    if lowered == needle:
        return 0
    if lowered.startswith(needle):
        return 1
    text = description.lower()
    if needle not in lowered and needle not in text:
        return None
    return 2 if _has_word(lowered, needle) or _has_word(text, needle) else 3


def _has_word(text: str, needle: str) -> bool:
    r"""True when *needle* occurs in *text* with no word character either side (the regex ``(?<!\w)NEEDLE(?!\w)``).

    A word character is what :mod:`re` calls ``\w`` on text: a letter or digit
    (:meth:`str.isalnum`) or the underscore; every occurrence is tried, overlapping ones included.
    """
    start = text.find(needle)
    end_of_text = len(text)
    while start >= 0:
        end = start + len(needle)
        if (start == 0 or not _is_word(text[start - 1])) and (end == end_of_text or not _is_word(text[end])):
            return True
        start = text.find(needle, start + 1)
    return False


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"
