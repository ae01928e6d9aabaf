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
    from collections.abc import Sequence

__all__ = ["pack_ids", "unpack_ids"]


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
