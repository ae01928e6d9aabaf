"""JSON text as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it, several times faster.

CPython's C encoder runs only without ``indent``; with it, :mod:`json` falls
back to a generator in pure Python that yields every bracket, key and comma
as its own piece (about a million for a release).  :func:`dumps_indented`
writes the same text with one recursive function that appends to a list,
the strings escaped by the C encoder's own ``encode_basestring``; an
object met again (the same dict: records share their people) is written
once per depth and copied.  ``tests/test_render_jsontext.py`` checks
the text against :func:`json.dumps` on every real release and on values built
to hit each rule (escapes, unicode, empty containers, nesting, non-string
keys).  Any value the fast rules do not cover (a float, a key that is not a
string, a subclass of a JSON type, a type :mod:`json` would refuse, a cycle)
is handed to :func:`json.dumps` itself, so the text, and the error, are
always the standard library's.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C function where CPython has it, as json.dumps uses
from typing import Any

__all__ = ["dumps_indented"]

_INDENT = "  "
_int_text = int.__repr__  # as json's encoder writes an int (subclasses, such as IntEnum, go to json.dumps)


def dumps_indented(value: Any) -> str:  # noqa: ANN401 - any JSON value
    """``json.dumps(value, indent=2, ensure_ascii=False)``, exactly."""
    parts: list[str] = []
    try:
        _Writer().append(value, parts, "\n")
    except (_NotFast, RecursionError):  # json.dumps then writes it, or raises its own error (a cycle)
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(parts)


class _NotFast(Exception):  # noqa: N818 - a signal to fall back, not an error
    """A value outside the fast rules: json.dumps writes the whole text instead."""


#: The text of the values written without a look inside.
_CONSTANTS: dict[Any, str] = {None: "null", True: "true", False: "false"}


class _Writer:
    """One text's caches: each key's escaped form, each shared container's text at a depth."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}
        self.seen: dict[tuple[int, str], str] = {}

    def append(self, value: Any, parts: list[str], newline: str) -> None:  # noqa: ANN401 - any JSON value
        r"""Append the text of *value*, which starts a line indented as *newline* ("\n" and spaces) says."""
        kind = type(value)
        if kind is str:
            parts.append(encode_basestring(value))
        elif value is None or value is True or value is False:
            parts.append(_CONSTANTS[value])
        elif kind is dict:
            parts.append(self._object(value, newline) if value else "{}")
        elif kind is list or kind is tuple:
            if not value:
                parts.append("[]")
                return
            inner = newline + _INDENT
            separator = "[" + inner
            for item in value:
                parts.append(separator)
                self.append(item, parts, inner)
                separator = "," + inner
            parts.append(newline)
            parts.append("]")
        elif kind is int:
            parts.append(_int_text(value))
        else:  # a float, or a subclass json treats by its base: the standard library's rules
            raise _NotFast

    def _object(self, value: dict[Any, Any], newline: str) -> str:
        key = (id(value), newline)
        done = self.seen.get(key)
        if done is not None:
            return done
        keys = self.keys
        inner = newline + _INDENT
        mine: list[str] = ["{"]
        separator = inner
        for name, item in value.items():
            label = keys.get(name) if type(name) is str else None
            if label is None:
                if type(name) is not str:
                    raise _NotFast
                label = keys[name] = encode_basestring(name) + ": "
            kind = type(item)
            if kind is str:
                mine.append(separator + label + encode_basestring(item))
            elif item is None:
                mine.append(separator + label + "null")
            else:
                mine.append(separator + label)
                self.append(item, mine, inner)
            separator = "," + inner
        mine.append(newline)
        mine.append("}")
        done = self.seen[key] = "".join(mine)
        return done
