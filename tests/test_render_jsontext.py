"""Indented JSON text written fast, and the whole-registry exports built on it, against the standard library."""

from __future__ import annotations

import csv
import enum
import io
import json
from collections import OrderedDict

import pytest

from cli_helpers import run
from ianaports import __version__, parse
from ianaports.model import tidy_text
from ianaports.render import (
    IANA_CSV_HEADER,
    record_to_json,
    registry_to_json,
    services_lines,
    write_iana_csv,
    write_services,
)
from ianaports.render.csv import iana_csv_row
from ianaports.render.json import json_lines_text, registry_json_text
from ianaports.render.jsontext import dumps_indented
from ianaports.store import Store
from realdata import FIXTURES, real_release_paths


def standard(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


class _Level(enum.IntEnum):
    HIGH = 3


SHARED = {"id": "Jon_Postel", "uris": ["mailto:postel&isi.edu"], "updated": None}

VALUES = [
    None,
    True,
    False,
    0,
    -17,
    2**70,
    "",
    "plain",
    'quote " backslash \\ slash / tab \t newline \n return \r',
    "controls \x00\x01\x1f\x7f and separators \u2028\u2029",
    "unicode é 中文 😀 \ud800",
    [],
    {},
    (),
    [[]],
    [{}],
    {"a": []},
    {"a": {}},
    [1, "two", None, True, [3, [4, {}]]],
    ("tuple", ("inner",)),
    {"nested": {"deeper": {"deepest": [1, 2, {"x": "y"}]}}},
    {"é": "ü", "\n": "\t", "": ""},
    {"records": [{"person": SHARED}, {"people": [SHARED, SHARED]}], "top": SHARED},
    {1: "int key"},
    {"a": 1, None: "null key", True: "bool key", 2.5: "float key"},
    [1.5, float("inf"), float("nan"), -0.0],
    {"level": _Level.HIGH},
    OrderedDict([("b", 1), ("a", 2)]),
    [True, 1, False, 0],
]


class TestDumpsIndented:
    @pytest.mark.parametrize("value", VALUES, ids=[repr(value)[:40] for value in VALUES])
    def test_same_text_as_json_dumps(self, value):
        """Every value is written exactly as json.dumps(indent=2, ensure_ascii=False) writes it."""
        assert standard(value) == dumps_indented(value)

    def test_a_shared_object_at_several_depths(self):
        """An object met again at another depth is indented for the depth it is met at."""
        value = {"a": SHARED, "b": [SHARED, [SHARED]], "c": {"d": SHARED}}
        assert standard(value) == dumps_indented(value)

    def test_a_cycle_is_refused_as_json_refuses_it(self):
        """A container holding itself raises json's own ValueError."""
        value: list[object] = []
        value.append(value)
        with pytest.raises(ValueError, match="Circular reference"):
            dumps_indented(value)

    def test_a_value_json_cannot_write_is_refused_as_json_refuses_it(self):
        """An object json does not know raises json's own TypeError."""
        with pytest.raises(TypeError, match="not JSON serializable"):
            dumps_indented({"when": object()})


def old_json(registry) -> str:
    """What export --format json wrote before the fast writer: json.dump with indent."""
    return standard(registry_to_json(registry)) + "\n"


def old_jsonl(registry) -> str:
    """What export --format jsonl wrote before the fast writer: one json.dumps per record."""
    return "".join(json.dumps(record_to_json(record), ensure_ascii=False) + "\n" for record in registry.records)


def old_csv(registry) -> str:
    """What export --format iana-csv wrote before its cells were cached: one row built and written at a time."""

    def tidy(text):
        return tidy_text(text) if text else ""

    stream = io.StringIO(newline="")
    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(IANA_CSV_HEADER)
    for record in registry.records:
        writer.writerow(
            [
                record.name or "",
                "" if record.ports is None else record.ports.as_written,
                "" if record.protocol is None else record.protocol.value,
                tidy(record.description),
                "".join(person.token for person in record.assignees),
                "".join(person.token for person in record.contacts),
                "" if record.registered is None else record.registered.isoformat(),
                "" if record.modified is None else record.modified.isoformat(),
                "".join(reference.token for reference in record.references),
                "" if record.service_code is None else str(record.service_code),
                tidy(record.unauthorized_use),
                tidy(record.notes),
            ]
        )
    return stream.getvalue()


def old_services(registry) -> str:
    """What export --format services wrote before it wrote at once: the header, then a write per line."""
    stream = io.StringIO()
    stream.write(
        f"# services(5) written by test from IANA's {registry.title},\n"
        f"# release {registry.updated.isoformat()}: "
        "https://www.iana.org/assignments/service-names-port-numbers/\n"
        "# Format: name port/protocol [aliases...] [# description]\n"
    )
    for line in services_lines(registry):
        head = f"{line.name:<15} {f'{line.port}/{line.protocol}':<11}"
        if line.aliases:
            head = f"{head} {' '.join(line.aliases)}"
        stream.write(f"{head}  # {line.description}\n" if line.description else f"{head.rstrip()}\n")
    return stream.getvalue()


class TestExportsOnFixtures:
    @pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.xml")), ids=lambda path: path.name)
    def test_json_and_json_lines(self, fixture):
        """On every committed fixture that parses, the fast writers give the standard library's text."""
        try:
            registry = parse(fixture)
        except ValueError:
            pytest.skip(f"{fixture.name} is a fixture of a parse error")
        assert old_json(registry) == registry_json_text(registry)
        assert old_jsonl(registry) == json_lines_text(registry.records)


@pytest.mark.parametrize("path", real_release_paths(), ids=lambda path: path.name.split(".")[1])
class TestExportsOnEveryRealRelease:
    """Each release as the export commands read it: loaded from the store, people shared."""

    def test_json(self, real_cache, path):
        """export --format json writes json.dump(registry_to_json, indent=2)'s bytes for every release."""
        with Store(real_cache) as store:
            registry = store.load(_date(path))
        assert old_json(registry) == registry_json_text(registry)

    def test_json_lines(self, real_cache, path):
        """export --format jsonl writes one json.dumps(record_to_json) per record, for every release."""
        with Store(real_cache) as store:
            registry = store.load(_date(path))
        assert old_jsonl(registry) == json_lines_text(registry.records)

    def test_iana_csv(self, real_cache, path):
        """export --format iana-csv writes the row-at-a-time writer's bytes for every release, legacy or not."""
        with Store(real_cache) as store:
            registry = store.load(_date(path))
        assert old_csv(registry) == _written(write_iana_csv, registry)
        legacy = _written(write_iana_csv, registry, legacy=True, line_ending="\n")
        assert [iana_csv_row(record, legacy=True) for record in registry.records] == list(
            csv.reader(io.StringIO(legacy, newline=""))
        )[1:]

    def test_services(self, real_cache, path):
        """export --format services writes the line-at-a-time writer's bytes for every release."""
        with Store(real_cache) as store:
            registry = store.load(_date(path))
        assert old_services(registry) == _written(write_services, registry, generator="test")

    def test_tidy_text(self, real_cache, path):
        """tidy_text's quick return for text without a line break changes no text of any release."""
        with Store(real_cache) as store:
            registry = store.load(_date(path))
        texts = {text for record in registry.records for text in (record.description, record.notes) if text}
        for legacy in (False, True):
            assert [_tidy_by_rules(text, legacy=legacy) for text in texts] == [
                tidy_text(text, legacy=legacy) for text in texts
            ]


def _tidy_by_rules(text: str, *, legacy: bool) -> str:
    """tidy_text as it was, every rule applied to every text."""
    from ianaports.model import _BLANK_LINES_RE, _PARAGRAPH_BREAK_RE, _SOFT_WRAP_RE  # noqa: PLC0415

    text = _PARAGRAPH_BREAK_RE.sub("\n", text) if legacy else _BLANK_LINES_RE.sub("\n", text)
    return _SOFT_WRAP_RE.sub(" ", text).strip()


def _written(write, registry, **options) -> str:
    stream = io.StringIO(newline="")
    write(registry, stream, **options)
    return stream.getvalue()


def _date(path) -> str:
    stamp = path.name.split(".")[1]
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"


class TestExportCommand:
    @pytest.mark.parametrize(
        ("fmt", "old"),
        [("json", old_json), ("jsonl", old_jsonl), ("iana-csv", old_csv), ("services", None)],
    )
    def test_every_format_from_the_store(self, real_cache, tmp_path, fmt, old):
        """export of the newest stored release writes the old way's bytes, to stdout and with -o alike."""
        with Store(real_cache) as store:
            registry = store.load()
        code, out, _ = run("export", "--format", fmt, "--cache-dir", str(real_cache))
        assert code == 0
        target = tmp_path / "out"
        assert run("export", "--format", fmt, "--cache-dir", str(real_cache), "-o", str(target))[0] == 0
        assert out == target.read_text(encoding="utf-8")
        if old is None:  # services names the ianaports version in its header
            assert old_services(registry).splitlines()[1:] == out.splitlines()[1:]
            assert out.startswith(f"# services(5) written by ianaports {__version__} from IANA's")
        else:
            assert old(registry) == out
        if fmt == "iana-csv":
            assert len(list(csv.reader(io.StringIO(out)))) == len(registry.records) + 1
