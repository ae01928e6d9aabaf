"""A stored release answering lookups by SQL, without loading it whole."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ianaports.errors import NotFoundError
from ianaports.model import PortRange, Protocol, ServiceRecord, check_port, check_text

if TYPE_CHECKING:
    import array
    import datetime as dt

    from .reader import Reader, ReleaseInfo

__all__ = ["ReleaseView"]


def _protocol_or_none(value: Protocol | str | None) -> str | None:
    return None if value is None else Protocol(str(value).lower()).value


class ReleaseView:
    """One stored release answering ``lookup``/``lookup_span``/``service`` by SQL, like a Registry.

    Loading 14,000 records to answer one port is wasteful; a view reads only
    the records asked for.  Use :meth:`Store.load` for a full Registry.
    """

    def __init__(self, store: Reader, info: ReleaseInfo) -> None:
        self.store = store
        self.info = info
        self._positions: dict[int, int] | None = None
        self._unique_members = True

    @property
    def updated(self) -> dt.date:
        """IANA's release date of this release."""
        return self.info.updated

    @property
    def title(self) -> str:
        """The registry's title."""
        return self.info.title

    def __repr__(self) -> str:
        return f"<ReleaseView {self.info.record_count} records, updated {self.info.updated.isoformat()}>"

    def _members(self) -> array.array[int]:
        return self.store._members(self.info)  # noqa: SLF001 - the view is part of the store

    def _member_positions(self) -> dict[int, int]:
        """Record id -> place in the file, read once per view (a stored release never changes)."""
        if self._positions is None:
            members = self._members()
            self._positions = {record_id: place for place, record_id in enumerate(members)}
            self._unique_members = len(self._positions) == len(members)
        return self._positions

    def _answer(self, candidates: list[int]) -> tuple[ServiceRecord, ...]:
        if not candidates:
            return ()
        wanted = set(candidates)
        chosen = [record_id for record_id in self._members() if record_id in wanted]
        records = self.store._records(chosen)  # noqa: SLF001
        with self.store._decoding():  # noqa: SLF001 - a missing row is a damaged index
            return tuple(records[record_id] for record_id in chosen)

    def lookup(self, port: int, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record whose port or span holds *port*, in file order; ``()`` if none."""
        check_port(port)
        return self._answer(self.store._candidates(port=port, protocol=_protocol_or_none(protocol)))  # noqa: SLF001

    def lookup_span(self, span: PortRange, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record whose port or span overlaps *span*, in file order."""
        return self._answer(self.store._candidates(span=span, protocol=_protocol_or_none(protocol)))  # noqa: SLF001

    def service(self, name: str, protocol: Protocol | str | None = None) -> tuple[ServiceRecord, ...]:
        """Every record of the service *name* (case-insensitive); NotFoundError when there is none."""
        found = self._answer(self.store._candidates(name=check_text(name, what="a service name"), protocol=None))  # noqa: SLF001
        if not found:
            raise NotFoundError(f"no service named {name!r} in the registry of {self.updated.isoformat()}")
        wanted = _protocol_or_none(protocol)
        return tuple(record for record in found if wanted is None or record.protocol == wanted)

    def search(self, text: str) -> tuple[ServiceRecord, ...]:
        """Records whose name or description contains *text*, ranked by tier then in file order.

        The same answer, in the same order, as :meth:`Registry.search` on this
        release: both rank by :func:`ianaports.registry.search_tier`.
        """
        needle = check_text(text, what="search text").strip().lower()
        if not needle:
            return ()
        with self.store._decoding():  # noqa: SLF001 - a value of the wrong type is a damaged index
            return self._search(needle)

    def _search(self, needle: str) -> tuple[ServiceRecord, ...]:
        from ianaports.registry import search_tier  # noqa: PLC0415 - show and explain do not need the registry

        positions = self._member_positions()
        tiers: dict[int, int] = {}
        for record_id, name, description in self.store._search_candidates(needle):  # noqa: SLF001
            if record_id in positions:
                tier = search_tier(needle, name, description)
                if tier is not None:
                    tiers[record_id] = tier
        if self._unique_members:
            chosen = sorted(tiers, key=lambda record_id: (tiers[record_id], positions[record_id]))
        else:  # a record twice in one file (IANA never did so far) is answered twice, as Registry.search does
            chosen = sorted((rid for rid in self._members() if rid in tiers), key=tiers.__getitem__)
        records = self.store._records(chosen)  # noqa: SLF001
        return tuple(records[record_id] for record_id in chosen)
