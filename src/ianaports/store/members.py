"""How the index keeps a release's ordered list of record ids: a zlib-compressed little-endian ``uint32`` array.

Its own module, importing only the standard library's C modules, so that the
quick read path (:mod:`.quick`) reads a member list without the writer.
"""

from __future__ import annotations

import array
import sys
import zlib

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any

__all__ = ["chunks", "pack_ids", "unpack_ids"]


def pack_ids(ids: Sequence[int]) -> bytes:
    """Row ids as a zlib-compressed little-endian ``uint32`` array."""
    packed = array.array("I", ids)
    if sys.byteorder != "little":
        packed.byteswap()
    return zlib.compress(packed.tobytes(), 1)


def unpack_ids(blob: bytes) -> array.array[int]:
    """Invert :func:`pack_ids`."""
    ids = array.array("I")
    ids.frombytes(zlib.decompress(blob))
    if sys.byteorder != "little":
        ids.byteswap()
    return ids


def chunks(items: Sequence[Any], size: int = 900) -> Iterator[Sequence[Any]]:
    """*items* in slices of at most *size* (SQLite limits the parameters of one statement)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
