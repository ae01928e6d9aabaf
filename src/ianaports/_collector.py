"""Pausing Python's cyclic garbage collector while a release's records are built.

A release is some 40,000 to 100,000 acyclic objects (records, ranges, people).
Each burst of allocations would start collections that walk the whole heap and
find nothing to free, costing about a third of a load from the store and
slowing a long import, whose heap holds the records it remembers.  The parser
of an import and the store's reader share this one switch.
"""

from __future__ import annotations

import contextlib
import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the ``with`` block; it runs again afterwards if it was on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
