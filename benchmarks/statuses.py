"""Run the status rule over every record of every shared release and print the tables of docs/model.md.

Run: python benchmarks/statuses.py
(reads the real releases of ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Printed, as Markdown: the records of each status in each release, and every
description that needed a rule (the descriptions of records without a service
name, of named records that are not ``assigned``, and of named records whose
description holds a status word but which stay ``assigned``), with the status the rule
gives and the number of releases holding it.  ``tests/test_model.py`` checks
that docs/model.md holds the same figures.
"""

from __future__ import annotations

import collections
import re
import sys
from typing import TYPE_CHECKING

from common import REGISTRY_DIR
from ianaports import parse
from ianaports.model import STATUS_ORDER, Status

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ianaports import Registry


#: Words that make a named record's description look like a status: the rule keeps these ``assigned``.
_STATUS_WORDS = re.compile(r"unassigned|reserved|private\b|de-?regist|removed|deprecat|withdrawn", re.IGNORECASE)


def status_counts(registry: Registry) -> dict[Status, int]:
    """How many records of *registry* have each status."""
    found = collections.Counter(record.status for record in registry.records)
    return {status: found[status] for status in STATUS_ORDER}


def ruled_descriptions(registries: Iterable[Registry]) -> dict[tuple[str, bool, Status], int]:
    """Each description that needed a rule, with whether it is named and its status: in how many releases."""
    seen: collections.Counter[tuple[str, bool, Status]] = collections.Counter()
    for registry in registries:
        found = {
            (record.description_text, record.name is not None, record.status)
            for record in registry.records
            if record.name is None or record.status is not Status.ASSIGNED or _STATUS_WORDS.search(record.description)
        }
        seen.update(found)
    return dict(seen)


def main() -> int:
    """Print both tables."""
    paths = sorted(REGISTRY_DIR.glob("service-names-port-numbers.*.xml*"))
    if not paths:
        print(f"no releases in {REGISTRY_DIR}", file=sys.stderr)
        return 1
    registries = [parse(path) for path in paths]
    print("| release | " + " | ".join(str(status) for status in STATUS_ORDER) + " | records |")
    print("| --- |" + " ---: |" * (len(STATUS_ORDER) + 1))
    for registry in registries:
        counts = status_counts(registry)
        cells = " | ".join(str(counts[status]) for status in STATUS_ORDER)
        print(f"| {registry.updated} | {cells} | {len(registry.records)} |")
    print()
    print("| description | named | status | releases |")
    print("| --- | --- | --- | ---: |")
    for (text, named, status), releases in sorted(ruled_descriptions(registries).items()):
        shown = " ".join(text.split())
        print(f"| {shown} | {'yes' if named else 'no'} | {status} | {releases} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
