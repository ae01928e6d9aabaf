"""Measure the floor of each other way to read the registry, against a raw lxml parse.

Run: python benchmarks/parse_alternatives.py   (reads ../shared/registry or $IANAPORTS_TEST_REGISTRY)

Each line after the first two times a mechanism alone: no field is read and no
record is built.  A mechanism whose floor already costs about what the tree walk
costs cannot make ianaports' parse faster, whatever is built on it.  Times are
medians of CPU time (the machine is shared, and CPU time suffers less from other
jobs than wall time), after a warm-up, all in one process on the same bytes.
"""

from __future__ import annotations

import io
import lzma
import re
import time

from lxml import etree

from common import NEWEST, median_seconds, require
from ianaports.parser import parse_bytes

_RECORD = "{http://www.iana.org/assignments}record"
_RECORD_BLOCK = re.compile(r"<record[^>]*>(.*?)</record>", re.DOTALL)


class _BuildNothing:
    """A parser target without callbacks: lxml checks well-formedness and keeps nothing."""

    def close(self) -> None:
        """Nothing was built."""


class _CallbacksOnly:
    """A parser target whose callbacks do nothing: the cost of calling Python per event."""

    def start(self, tag: str, attributes: object) -> None:
        """Ignore a start tag."""

    def end(self, tag: str) -> None:
        """Ignore an end tag."""

    def data(self, text: str) -> None:
        """Ignore text."""

    def close(self) -> None:
        """Nothing was built."""


def _parse_into(data: bytes, target: object) -> object:
    # The hardened settings ianaports uses, so the libxml2 work is the same.
    parser = etree.XMLParser(
        target=target,  # type: ignore[arg-type]
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    return etree.fromstring(data, parser)


def _visit_record_children(data: bytes) -> int:
    # The tree walk's own floor: one proxy, one .tag and one .text per child of a record.
    count = 0
    for record in etree.fromstring(data).iterchildren(_RECORD):
        for child in record:
            if child.tag and child.text:
                count += 1
    return count


def _split_records(text: str) -> int:
    # A text reader's floor: cut at every tag and split each tag from its text.
    count = 0
    for block in text.split("</record>"):
        for token in block.split("<"):
            head, _, _ = token.partition(">")
            if head[:1] != "/":
                count += 1
    return count


def main() -> None:
    data = lzma.decompress(require(NEWEST).read_bytes())
    text = data.decode("utf-8")
    rows = [
        ("raw lxml.etree.parse (the denominator)", lambda: etree.parse(io.BytesIO(data))),
        ("ianaports parse_bytes (tree walk, everything)", lambda: parse_bytes(data)),
        ("hardened parse into a target that builds nothing", lambda: _parse_into(data, _BuildNothing())),
        ("hardened parse into a target with no-op callbacks", lambda: _parse_into(data, _CallbacksOnly())),
        ("iterparse, every end event, nothing read", lambda: sum(1 for _ in etree.iterparse(io.BytesIO(data)))),
        ("tree, then .tag and .text of each record child", lambda: _visit_record_children(data)),
        ("regex: find each <record> block in the text", lambda: _RECORD_BLOCK.findall(text)),
        ("str.split: cut records at tags, split tag from text", lambda: _split_records(text)),
    ]
    floor = 0.0
    print(f"release {NEWEST.name}, {len(data) / 1e6:.1f} MB; CPU time, median of 7")
    for label, function in rows:
        seconds = median_seconds(function, clock=time.process_time)
        floor = floor or seconds
        print(f"{label:52} {seconds * 1000:7.1f} ms {seconds / floor:6.2f} x")


if __name__ == "__main__":
    main()
