"""The pairing and event rule of a diff and a history, over plain data: the one rule both read paths run.

:mod:`ianaports.changes` calls these functions with :class:`~ianaports.model.ServiceRecord`
values (their identities, a comparison of two records, their people); the quick
read path (:mod:`ianaports.store.quick_history`) calls them with the columns the
index stores for each record (:mod:`ianaports.render.stored_history`).  So
which records pair, which are added, renamed, changed or removed, and in what
order the events come, is decided here once, whichever path answers.

Records are named by their position in a release's list; what a record *is*
(its identity, whether two records differ, its people) comes from the caller.
This module imports nothing, so the quick path can load it.

Why a shared rule rather than precomputed events: a history's renames are
decided among the records matching its query (a port, a name, a protocol),
not among the whole release, so what changed between two releases depends on
the query; storing it per pair of releases would have been a second copy of
this rule.  The index stores per record only what does not depend on the
query (docs/store.md, "The quick history").
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself imports re, which a quick answer does without
if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Sequence
    from typing import TypeVar

    E = TypeVar("E")  # an event, of either path

__all__ = ["Step", "pair", "rename_pairs", "step", "with_renames"]

#: One event of a history step: the change, the old record's position (or -1), the new one's (or -1).
Step = tuple[str, int, int]


def pair(
    old_identities: Sequence[Hashable], new_identities: Sequence[Hashable], same: Callable[[int, int], bool]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair records by identity: (pairs of positions sorted by the new one, unpaired old, unpaired new), each sorted.

    Identity is almost always unique.  Where a release repeats one, records
    that are *same* (no compared field differs) pair first, in order of
    occurrence, so that a duplicate which merely moved within the file is not
    reported as changed; the rest pair in order of occurrence.
    """
    new_groups = _group(new_identities)
    pairs: list[tuple[int, int]] = []
    removed: list[int] = []
    for key, olds in _group(old_identities).items():
        news = new_groups.pop(key, None)
        if news is None:
            removed.extend(olds)
        elif len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0]))
        else:
            group_pairs, group_removed, group_added = _pair_group(olds, news, same)
            pairs.extend(group_pairs)
            removed.extend(group_removed)
            new_groups[key] = group_added
    added = [position for positions in new_groups.values() for position in positions]
    pairs.sort(key=lambda both: both[1])
    return pairs, sorted(removed), sorted(added)


def _group(identities: Sequence[Hashable]) -> dict[Hashable, list[int]]:
    groups: dict[Hashable, list[int]] = {}
    for position, identity in enumerate(identities):
        groups.setdefault(identity, []).append(position)
    return groups


def _pair_group(
    olds: list[int], news: list[int], same: Callable[[int, int], bool]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    pairs: list[tuple[int, int]] = []
    waiting = list(news)
    left: list[int] = []
    for old in olds:
        match = next((i for i, new in enumerate(waiting) if same(old, new)), None)
        if match is None:
            left.append(old)
        else:
            pairs.append((old, waiting.pop(match)))
    pairs.extend(zip(left, waiting, strict=False))
    return pairs, left[len(waiting) :], waiting[len(left) :]


def rename_pairs(
    removed: Sequence[tuple[Hashable | None, frozenset[str]]], added: Sequence[tuple[Hashable | None, frozenset[str]]]
) -> list[tuple[int, int]]:
    """Removed and added assignments of one place that share a person: (removed index, added index) pairs.

    Each record is ``(place, people)``: its protocol and port span (None when
    it has no name or no port) and the lower-case ids of its assignees and
    contacts.  Each record takes part in one rename at most, the first match
    in file order; pairs come in the removed records' order.
    """
    arrivals: dict[Hashable, list[int]] = {}
    for position, (place, _) in enumerate(added):
        if place is not None:
            arrivals.setdefault(place, []).append(position)
    found: list[tuple[int, int]] = []
    for position, (place, people) in enumerate(removed):
        if place is None or not people:
            continue
        waiting = arrivals.get(place, [])
        match = next((at for at, other in enumerate(waiting) if added[other][1] & people), None)
        if match is not None:
            found.append((position, waiting.pop(match)))
    return found


def step(  # noqa: PLR0917 - the two sides of one step, each told the same four ways
    old_identities: Sequence[Hashable],
    new_identities: Sequence[Hashable],
    same: Callable[[int, int], bool],
    old_renaming: Sequence[tuple[Hashable | None, frozenset[str]]],
    new_renaming: Sequence[tuple[Hashable | None, frozenset[str]]],
    old_tokens: Sequence[Hashable],
    new_tokens: Sequence[Hashable],
) -> list[Step]:
    """What happened from one release's matching records to the next one's, as a history reports it.

    Added records first (new file order), then renames (see
    :func:`rename_pairs`), then paired records (the caller keeps those whose
    fields differ), then removed records (old file order).  *old_tokens* and
    *new_tokens* say which positions hold one and the same record (a release
    may list it twice): a record taking part in a rename is neither added
    nor removed, wherever it is listed.
    """
    pairs, removed_at, added_at = pair(old_identities, new_identities, same)
    renames = [
        (removed_at[r], added_at[a])
        for r, a in rename_pairs([old_renaming[p] for p in removed_at], [new_renaming[p] for p in added_at])
    ]
    renamed = {old_tokens[old] for old, _ in renames} | {new_tokens[new] for _, new in renames}
    steps: list[Step] = [("added", -1, position) for position in added_at if new_tokens[position] not in renamed]
    steps.extend(("renamed", old, new) for old, new in renames)
    steps.extend(("changed", old, new) for old, new in pairs)
    steps.extend(("removed", position, -1) for position in removed_at if old_tokens[position] not in renamed)
    return steps


def with_renames(
    events: Sequence[E],
    *,
    removed_from: Callable[[E], tuple[Hashable, int, Hashable, Hashable, str] | None],
    renamed_from: Callable[[E], tuple[Hashable, Hashable, str] | None],
    around: Callable[[int, Hashable], Sequence[E]],
) -> list[E]:
    """A name's history where its records were renamed: each such 'removed' event becomes the 'renamed' one.

    A name's own records cannot show what they became; the history of their
    port and protocol can, and a rename there (same port, protocol and people)
    is what happened to the name.  *removed_from* tells, of a 'removed' event
    whose record has a port, (release, first port, protocol, port span, name
    in lower case), else None; *renamed_from* tells, of a 'renamed' event,
    (release, port span, the old name in lower case), else None; *around*
    gives the history's events of a port on a protocol (None: all).
    """
    found: list[E] = []
    for event in events:
        removed = removed_from(event)
        if removed is not None:
            version, start, protocol, ports, name = removed
            renamed = next(
                (other for other in around(start, protocol) if renamed_from(other) == (version, ports, name)), None
            )
            if renamed is not None:
                found.append(renamed)
                continue
        found.append(event)
    return found
