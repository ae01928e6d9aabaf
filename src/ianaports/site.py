"""The static website: every port, span, service name and release of the store as pages, feeds and JSON.

:func:`build_site` reads the store once (the newest release, plus one diff
per pair of consecutive stored releases), derives every page's history from
those diffs in one pass, and writes the folder through Jinja2 templates
(``templates/site/``, autoescaped).  Each page's inputs are reduced to a
fingerprint first; a page whose fingerprint and file are unchanged since the
last run is neither rendered nor written, and a page that is rewritten is
replaced atomically.  ``docs/site.md`` describes the pages and deployment.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import filelock
import jinja2

from . import __version__
from ._files import atomic_write
from .errors import CacheError
from .explainer import explain
from .notes import load_notes
from .ranges import PortClass, classify
from .registry import port_statistics
from .render import feed as feeds
from .render.changes import _label, _move_text, _moves, _value_text
from .render.json import diff_to_json, records_to_json, site_latest_to_json
from .render.page import Bullets, Commands, Fields, Link, Paragraph, build_page
from .store.layout import LOCK_TIMEOUT_SECONDS

if TYPE_CHECKING:
    import datetime as dt
    import os
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from .changes import FieldChange, RegistryDiff
    from .model import ServiceRecord
    from .notes import NoteSet
    from .registry import Registry
    from .store import ReleaseInfo, Store

__all__ = ["LOCK_NAME", "STATE_NAME", "SiteResult", "build_site", "feed_entries", "service_slug"]

#: The file in the site's folder that remembers each page's fingerprint between runs.
STATE_NAME = ".ianaports-site.json"
#: The lock a build holds on its folder, beside the state: two builds into one folder take turns.
LOCK_NAME = ".ianaports-site.lock"
_STATE_FORMAT = 1
_TEMPLATES = Path(__file__).parent / "templates" / "site"
#: How many changes the home page lists for the newest release before pointing to its page.
HOME_CHANGES_MAX = 40
_SEARCH_TEXT_MAX = 90


def service_slug(name: str) -> str:
    """The folder name of a service's page: the name in lower case, made safe for any file system and URL.

    ``a``-``z``, ``0``-``9``, ``-`` and ``_`` stay; ``.`` stays except first;
    every other character (``/``, ``+``, ``*``, ``~``, anything non-ASCII)
    becomes ``~`` and two hex digits per UTF-8 byte.  Names are
    case-insensitive, so the slug is too, and no two names share one.

    >>> service_slug("914c/g"), service_slug("Whois++"), service_slug("z39.50")
    ('914c~2fg', 'whois~2b~2b', 'z39.50')
    """
    out: list[str] = []
    for position, char in enumerate(name.lower()):
        if ("a" <= char <= "z") or ("0" <= char <= "9") or char in "-_" or (char == "." and position):
            out.append(char)
        else:
            out.extend(f"~{byte:02x}" for byte in char.encode("utf-8"))
    return "".join(out) or "~"


# --- what a page shows ----------------------------------------------------------------------------


@attrs.frozen
class TimelineEvent:
    """One event of a port's or name's history, ready to show."""

    version: str
    release: str
    change: str
    label: str
    description: str
    fields: tuple[tuple[str, str, str], ...] = ()


#: A release's changes as the pages show them: (kind, lines) for moves, added, removed and changed.
_Sections = tuple[tuple[str, tuple[Any, ...]], ...]


@attrs.frozen
class ChangeLine:
    """One added, removed or changed record of a release page: its label, link and details."""

    label: str
    url: str | None
    description: str
    fields: tuple[tuple[str, str, str], ...] = ()


def _fields(fields: Iterable[FieldChange]) -> tuple[tuple[str, str, str], ...]:
    return tuple((field.name, _value_text(field.old), _value_text(field.new)) for field in fields)


@attrs.frozen(kw_only=True)
class SiteResult:
    """What :func:`build_site` did: files written, left as they were and removed."""

    output: Path
    updated: dt.date
    releases: int
    files: int
    written: int
    unchanged: int
    removed: int

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON object (``ianaports site --json``)."""
        return {
            "output": str(self.output),
            "updated": self.updated.isoformat(),
            "releases": self.releases,
            "files": self.files,
            "written": self.written,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


# --- reading the store once -----------------------------------------------------------------------


def _unique_releases(store: Store) -> list[ReleaseInfo]:
    # A day IANA re-published: the last stored file of that date stands for it, as Store.release does.
    by_date: dict[dt.date, ReleaseInfo] = {}
    for info in store.releases():
        by_date[info.updated] = info
    return list(by_date.values())


def _diffs(store: Store, releases: Sequence[ReleaseInfo]) -> list[RegistryDiff | None]:
    """For each release, the diff from the one before it (None for the oldest)."""
    return [None, *store.consecutive_diffs(releases)]


def feed_entries(store: Store) -> list[feeds.FeedEntry]:
    """One feed entry per stored release, newest first (``ianaports feed``)."""
    releases = _unique_releases(store)
    if not releases:
        raise CacheError(f"no release stored in {store.path} yet; run 'ianaports sync' first")
    diffs = _diffs(store, releases)
    return [
        feeds.entry_for(info.updated.isoformat(), change, updated=info.updated, records=info.record_count)
        for info, change in zip(reversed(releases), reversed(diffs), strict=True)
    ]


class _Histories:
    """Every tracked port's and name's events across releases, gathered in one pass over the diffs."""

    def __init__(
        self, ports: Iterable[int], names: Iterable[str], spans: Iterable[tuple[int, int]] = (), *, first: str = ""
    ) -> None:
        self._ports = sorted(set(ports))
        self.by_port: dict[int, list[TimelineEvent]] = {port: [] for port in self._ports}
        self.by_name: dict[str, list[TimelineEvent]] = {name: [] for name in names}
        # For each span: the last release in which a record overlapping any of its ports changed.
        self._spans = sorted(set(spans))
        self._span_starts = [start for start, _ in self._spans]
        self._widest = max((end - start for start, end in self._spans), default=0)
        self.span_changed: dict[tuple[int, int], str] = dict.fromkeys(self._spans, first)
        # The last release that re-spelled a record of a port or name without changing it (no event).
        self.port_respelled: dict[int, str] = {}
        self.name_respelled: dict[str, str] = {}

    def changed_since(self, query: int | str) -> str | None:
        """The last release in which a port's or name's entries changed, or were re-spelled (None: never)."""
        if isinstance(query, int):
            events, respelled = self.by_port[query], self.port_respelled.get(query)
        else:
            events, respelled = self.by_name[query.lower()], self.name_respelled.get(query.lower())
        dates = [each for each in (events[-1].version if events else None, respelled) if each]
        return max(dates) if dates else None

    def _touch_spans(self, version: str, record: ServiceRecord) -> None:
        if record.ports is None or not self._spans:
            return
        low, high = record.ports.start, record.ports.end
        first = bisect.bisect_left(self._span_starts, low - self._widest)
        last = bisect.bisect_right(self._span_starts, high)
        for span in self._spans[first:last]:
            if span[1] >= low:
                self.span_changed[span] = version

    def add(
        self,
        version: str,
        change: str,
        record: ServiceRecord,
        fields: tuple[FieldChange, ...] = (),
        *,
        also_name: str | None = None,
    ) -> None:
        event = TimelineEvent(
            version=version,
            release=version,
            change=change,
            label=_label(record),
            description=_value_text(record.description),
            fields=_fields(fields),
        )
        if record.ports is not None:
            first = bisect.bisect_left(self._ports, record.ports.start)
            last = bisect.bisect_right(self._ports, record.ports.end)
            for port in self._ports[first:last]:
                self.by_port[port].append(event)
        # A rename is an event of the old name's timeline as well as the new one's.
        for name in dict.fromkeys(each.lower() for each in (record.name, also_name) if each):
            events = self.by_name.get(name)
            if events is not None:
                events.append(event)

    def add_diff(self, change: RegistryDiff) -> None:
        # In the order history() reports one release: added, renamed, changed, removed.
        version = change.new_updated.isoformat()
        renamed = {id(record) for move in change.renames for record in (move.old, move.new)}
        respelled = tuple(item.new for item in change.respelled)
        for record in (*change.added, *change.removed, *(item.new for item in change.changed), *respelled):
            self._touch_spans(version, record)
        for record in respelled:
            if record.ports is not None:
                first = bisect.bisect_left(self._ports, record.ports.start)
                last = bisect.bisect_right(self._ports, record.ports.end)
                for port in self._ports[first:last]:
                    self.port_respelled[port] = version
            if record.name and record.name.lower() in self.by_name:
                self.name_respelled[record.name.lower()] = version
        for record in change.added:
            if id(record) not in renamed:
                self.add(version, "added", record)
        for move in change.renames:
            self.add(version, "renamed", move.new, move.fields, also_name=move.old.name)
        for item in change.changed:
            self.add(version, "changed", item.new, item.fields)
        for record in change.removed:
            if id(record) not in renamed:
                self.add(version, "removed", record)


# --- the port map ---------------------------------------------------------------------------------

#: Status of a port in the map, the colour's class name, and its legend.
_MAP_KEYS = (
    ("assigned-system", "Assigned, system range (0-1023)"),
    ("assigned-user", "Assigned, user range (1024-49151)"),
    ("assigned-dynamic", "Assigned, dynamic range (49152-65535)"),
    ("reserved", "Reserved"),
    ("unassigned", "Listed as unassigned"),
    ("unlisted", "Not listed (the dynamic range is never assigned)"),
)
_MAP_COLOURS = {
    "assigned-system": "#1f4e9c",
    "assigned-user": "#3a86d4",
    "assigned-dynamic": "#7b3fb5",
    "reserved": "#e08a1e",
    "unassigned": "#d9dde3",
    "unlisted": "#f4f5f7",
}


def _record_status(record: ServiceRecord) -> str:
    """The record's status: its own ``status`` field where the model has one, else read from its kind."""
    status = getattr(record, "status", None)
    if status is not None:
        return str(status)
    if record.is_reserved:
        return "reserved"
    if record.is_unassigned:
        return "unassigned"
    return "assigned"


def _port_states(registry: Registry) -> bytearray:
    """One byte per port: 3 assigned, 2 reserved, 1 listed unassigned, 0 not listed."""
    rank = {"assigned": 3, "reserved": 2, "unassigned": 1}
    states = bytearray(65536)
    for record in registry.records:
        if record.ports is None:
            continue
        value = rank.get(_record_status(record), 3)
        for port in range(record.ports.start, record.ports.end + 1):
            states[port] = max(states[port], value)
    return states


def _map_key(state: int, port: int) -> str:
    if state == 3:  # noqa: PLR2004 - assigned, see _port_states
        return f"assigned-{classify(port).value}"
    return ("unlisted", "unassigned", "reserved")[state]


def port_map_svg(states: bytearray) -> str:
    """The 65,536 ports as a 256 x 256 grid (port = row * 256 + column), one path per colour."""
    paths: dict[str, list[str]] = {key: [] for key, _ in _MAP_KEYS}
    for row in range(256):
        column = 0
        while column < 256:  # noqa: PLR2004 - the grid's width
            port = row * 256 + column
            key = _map_key(states[port], port)
            end = column + 1
            while end < 256 and _map_key(states[row * 256 + end], row * 256 + end) == key:  # noqa: PLR2004
                end += 1
            paths[key].append(f"M{column} {row}h{end - column}v1h-{end - column}z")
            column = end
    body = "".join(
        f'<path fill="{_MAP_COLOURS[key]}" d="{"".join(parts)}"><title>{label}</title></path>'
        for key, label in _MAP_KEYS
        if (parts := paths[key])
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="512" height="512" '
        'shape-rendering="crispEdges" role="img" aria-labelledby="t">'
        '<title id="t">The 65,536 ports, 256 to a row, port 0 at the top left</title>'
        f"{body}</svg>\n"
    )


# --- the build ------------------------------------------------------------------------------------


@attrs.frozen
class _File:
    """One file of the site: where, a fingerprint of its inputs, and how to make its bytes."""

    path: str
    key: str
    make: Callable[[], bytes]


def _fingerprint(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def _code_fingerprint() -> str:
    """Changes when ianaports or its templates do, so an upgrade rewrites every page."""
    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    for path in sorted(_TEMPLATES.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(_TEMPLATES).as_posix().encode())
            digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.tests.update(
        paragraph=lambda block: isinstance(block, Paragraph),
        bullets=lambda block: isinstance(block, Bullets),
        fields=lambda block: isinstance(block, Fields),
        commands=lambda block: isinstance(block, Commands),
        link=lambda item: isinstance(item, Link),
    )
    return environment


def _json_bytes(document: object) -> bytes:
    # The bytes `ianaports show --json` prints.
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class _Builder:
    """Everything one build needs: the newest release, the histories, and where each page is."""

    def __init__(self, store: Store, *, base_url: str | None, notes: NoteSet | None) -> None:
        self.releases = _unique_releases(store)
        if not self.releases:
            raise CacheError(f"no release stored in {store.path} yet; run 'ianaports sync' first")
        self.base_url = base_url
        self.notes = load_notes() if notes is None else notes
        self.registry = store.load(self.releases[-1].updated)
        self.updated = self.registry.updated
        self.diffs = _diffs(store, self.releases)
        records = self.registry.records
        self.port_pages = sorted(
            {
                port
                for record in records
                if record.ports is not None and not record.is_unassigned
                for port in range(record.ports.start, record.ports.end + 1)
            }
        )
        page_ports = set(self.port_pages)
        spans = {
            record.ports
            for record in records
            if record.ports is not None and record.is_unassigned and not record.ports.is_single
        }
        self.span_pages = sorted({(span.start, span.end) for span in spans})
        # An unassigned single port gets an ordinary port page.
        for record in records:
            if record.ports is not None and record.is_unassigned and record.ports.is_single:
                page_ports.add(record.ports.start)
        self.port_pages = sorted(page_ports)
        self.port_set = page_ports
        self.span_set = set(self.span_pages)
        self.names: dict[str, str] = {}
        for record in records:
            if record.name:
                self.names.setdefault(record.name.lower(), record.name)
        oldest = self.releases[0].updated.isoformat()
        self.histories = _Histories(
            [*self.port_pages, *(start for start, _ in self.span_pages)], self.names, self.span_pages, first=oldest
        )
        first = store.load(self.releases[0].updated) if len(self.releases) > 1 else self.registry
        version = first.updated.isoformat()
        for record in first.records:
            self.histories.add(version, "added", record)
        del first
        for change in self.diffs[1:]:
            if change is not None:
                self.histories.add_diff(change)
        self.environment = _environment()
        self.code = _fingerprint(_code_fingerprint(), self.notes.notes)
        self.slugs = {lower: service_slug(name) for lower, name in self.names.items()}
        self._spans_index = sorted(
            (
                (record.ports.start, record.ports.end, position, record)
                for position, record in enumerate(records)
                if record.ports
            ),
            key=lambda item: (item[0], item[2]),
        )
        self._starts = [item[0] for item in self._spans_index]
        self._widest = max((end - start for start, end, _, _ in self._spans_index), default=0)

    def overlapping(self, start: int, end: int) -> tuple[ServiceRecord, ...]:
        """``registry.lookup_span(PortRange(start, end))``, by bisection instead of a scan."""
        first = bisect.bisect_left(self._starts, start - self._widest)
        last = bisect.bisect_right(self._starts, end)
        found = [
            (position, record)
            for low, high, position, record in self._spans_index[first:last]
            if high >= start and low <= end
        ]
        return tuple(record for _, record in sorted(found, key=lambda item: item[0]))

    # -- links --

    def record_url(self, record: ServiceRecord) -> str | None:
        """The page a record of any release links to, if the site has one."""
        if record.name and record.name.lower() in self.names:
            return f"services/{self.slugs[record.name.lower()]}/"
        if record.ports is not None:
            if (record.ports.start, record.ports.end) in self.span_set:
                return f"ports/{record.ports.start}-{record.ports.end}/"
            if record.ports.start in self.port_set:
                return f"ports/{record.ports.start}/"
        return None

    # -- rendering --

    def html(self, path: str, template: str, **context: Any) -> _File:  # noqa: ANN401 - template values
        """A page whose context is cheap to build: its fingerprint is the context itself."""
        return self.lazy_html(path, template, (sorted(context.items()),), lambda: context)

    def lazy_html(
        self, path: str, template: str, inputs: tuple[object, ...], context: Callable[[], dict[str, Any]]
    ) -> _File:
        """A page fingerprinted by *inputs*, whose *context* is built only when it must be rendered."""
        root = "../" * path.count("/") or "./"
        key = _fingerprint(self.code, path, template, inputs, self.base_url)

        def make() -> bytes:
            page = self.environment.get_template(template)
            return page.render(root=root, **context()).encode("utf-8")

        return _File(path, key, make)

    def data(self, path: str, make_document: Callable[[], object], *parts: object) -> _File:
        return _File(path, _fingerprint(self.code, path, *parts), lambda: _json_bytes(make_document()))

    def records_data(self, path: str, found: tuple[ServiceRecord, ...], changed: str | None) -> _File:
        """An API file: ``show --json --as-of SINCE``, SINCE the release its entries last changed in.

        Naming that release rather than the newest keeps the file's bytes
        unchanged until its entries change, as the HTML page's "as of" does.
        """
        since = changed or self.updated.isoformat()

        def make() -> object:
            return {**records_to_json(self.registry, found), "updated": since}

        return self.data(path, make, since, found)

    def files(self) -> Iterator[_File]:
        yield from self._static()
        yield from self._home()
        yield from self._ports()
        yield from self._spans()
        yield from self._services()
        yield from self._releases()

    def _static(self) -> Iterator[_File]:
        for name in ("style.css", "search.js", "favicon.svg"):
            source = _TEMPLATES / "static" / name
            yield _File(f"static/{name}", _fingerprint(self.code, name), source.read_bytes)
        states = _port_states(self.registry)
        map_key = hashlib.blake2b(bytes(states), digest_size=16).hexdigest()
        yield _File("portmap.svg", _fingerprint(self.code, map_key), lambda: port_map_svg(states).encode())
        index = self._search_index()
        yield _File("search.json", _fingerprint(self.code, index), lambda: _json_compact(index))
        entries = [
            feeds.entry_for(info.updated.isoformat(), change, updated=info.updated, records=info.record_count)
            for info, change in zip(reversed(self.releases), reversed(self.diffs), strict=True)
        ]
        key = _fingerprint(self.code, entries, self.base_url)
        yield _File("feed.atom", key, lambda: feeds.atom_feed(entries, base_url=self.base_url))
        yield _File("feed.json", key, lambda: feeds.json_feed(entries, base_url=self.base_url))

    def _search_index(self) -> dict[str, object]:
        """The search index: ``[kind, label, text, url, first port, last port]`` per page."""
        items: list[list[object]] = []
        for port in self.port_pages:
            found = self.registry.lookup(port)
            text = "; ".join(dict.fromkeys(f"{record.name or record.summary}: {record.summary}" for record in found))
            items.append(["port", str(port), text[:_SEARCH_TEXT_MAX], f"ports/{port}/", port, port])
        for start, end in self.span_pages:
            items.append(["span", f"{start}-{end}", "Unassigned", f"ports/{start}-{end}/", start, end])
        for lower, name in sorted(self.names.items()):
            records = self.registry.service(lower)
            ports = ", ".join(dict.fromkeys(str(record.ports) for record in records if record.ports)) or "no port"
            summary = next((record.summary for record in records if record.summary), "")
            text = f"{ports}: {summary}"
            items.append(["name", name, text[:_SEARCH_TEXT_MAX], f"services/{self.slugs[lower]}/", None, None])
        return {"updated": self.updated.isoformat(), "items": items}

    def _counts(self) -> dict[str, object]:
        stats = port_statistics(self.registry)
        classes = []
        for port_class in PortClass:
            rows = [row for row in stats.ports if row.port_class is port_class]
            classes.append((port_class.value, port_class.everyday_name, str(port_class.span), tuple(rows)))
        statuses: dict[str, int] = {}
        for record in self.registry.records:
            status = _record_status(record)
            statuses[status] = statuses.get(status, 0) + 1
        return {
            "classes": tuple(classes),
            "statuses": tuple(sorted(statuses.items())),
            "records": stats.records,
            "names": stats.service_names,
            "names_without_port": stats.names_without_port,
        }

    def _home(self) -> Iterator[_File]:
        latest = self.diffs[-1]
        sections = self._change_lines(latest) if latest is not None else ()
        lines, more = _capped(sections, HOME_CHANGES_MAX)
        recent = tuple(
            (info.updated.isoformat(), _diff_counts(change))
            for info, change in zip(reversed(self.releases[-10:]), reversed(self.diffs[-10:]), strict=True)
        )
        yield self.html(
            "index.html",
            "home.html",
            updated=self.updated.isoformat(),
            release_count=len(self.releases),
            latest=_diff_counts(latest),
            previous=latest.old_updated.isoformat() if latest is not None else None,
            lines=lines,
            more=more,
            recent=recent,
            counts=self._counts(),
            legend=tuple((key, _MAP_COLOURS[key], label) for key, label in _MAP_KEYS),
            port_pages=len(self.port_pages),
            span_pages=len(self.span_pages),
        )
        yield self.html("search/index.html", "search.html", updated=self.updated.isoformat())
        ports = tuple(
            (port, "; ".join(dict.fromkeys(record.name or record.summary for record in self.registry.lookup(port))))
            for port in self.port_pages
        )
        yield self.html(
            "ports/index.html",
            "ports.html",
            ports=ports,
            spans=tuple(self.span_pages),
            updated=self.updated.isoformat(),
        )
        names = tuple((name, self.slugs[lower]) for lower, name in sorted(self.names.items()))
        yield self.html("services/index.html", "services.html", names=names, updated=self.updated.isoformat())
        releases = tuple(
            (info.updated.isoformat(), info.record_count, _diff_counts(change))
            for info, change in zip(reversed(self.releases), reversed(self.diffs), strict=True)
        )
        yield self.html("releases/index.html", "releases.html", releases=releases)

    def _explained(self, query: int | str) -> tuple[Any, tuple[TimelineEvent, ...], str | None]:
        view = explain(self.registry, query, self.notes)
        events = tuple(
            self.histories.by_port[query] if isinstance(query, int) else self.histories.by_name[query.lower()]
        )
        # The page says "as of" the release its entries last changed in, not the newest: a page
        # then changes only when its facts do, which keeps a weekly rebuild small.
        since = events[-1].version if events else None
        if since is not None:
            view = attrs.evolve(view, release=_date(since))
        return build_page(view), events, since

    def _ports(self) -> Iterator[_File]:
        for port in self.port_pages:
            found = self.registry.lookup(port)
            yield self._explain_page(f"ports/{port}/index.html", port, found, kind="port")
            yield self.records_data(f"api/ports/{port}.json", found, self.histories.changed_since(port))

    def _spans(self) -> Iterator[_File]:
        for start, end in self.span_pages:
            found = self.overlapping(start, end)
            events = tuple(self.histories.by_port[start])
            yield self.lazy_html(
                f"ports/{start}-{end}/index.html",
                "span.html",
                (found, events),
                functools.partial(self._span_context, start, end, found),
            )
            yield self.records_data(f"api/ports/{start}-{end}.json", found, self.histories.span_changed[start, end])

    def _span_context(self, start: int, end: int, found: tuple[ServiceRecord, ...]) -> dict[str, Any]:
        listed = tuple(
            record
            for record in found
            if record.ports is not None and (record.ports.start, record.ports.end) == (start, end)
        )
        page, events, since = self._explained(start)
        return {
            "span": f"{start}-{end}",
            "first": start,
            "count": end - start + 1,
            "protocols": ", ".join(str(record.protocol) for record in listed if record.protocol) or "every protocol",
            "classes": ", ".join(dict.fromkeys(classify(port).everyday_name for port in (start, end))),
            "page": page,
            "events": events,
            "since": since,
        }

    def _services(self) -> Iterator[_File]:
        for lower, name in sorted(self.names.items()):
            slug = self.slugs[lower]
            found = self.registry.service(lower)
            yield self._explain_page(f"services/{slug}/index.html", name, found, kind="service")
            yield self.records_data(f"api/services/{slug}.json", found, self.histories.changed_since(lower))

    def _explain_page(self, path: str, query: int | str, found: tuple[ServiceRecord, ...], *, kind: str) -> _File:
        events = tuple(
            self.histories.by_port[query] if isinstance(query, int) else self.histories.by_name[query.lower()]
        )
        return self.lazy_html(path, "explain.html", (found, events), lambda: self._explain_context(query, found, kind))

    def _explain_context(self, query: int | str, found: tuple[ServiceRecord, ...], kind: str) -> dict[str, Any]:
        page, events, since = self._explained(query)
        links: dict[tuple[str, str], None] = {}
        for record in found:
            if isinstance(query, int):
                url = self.record_url(record) if record.name else None
                if url:
                    links[f"service {record.name}", url] = None
            elif record.ports is not None and record.ports.start in self.port_set:
                links[f"port {record.ports.start}", f"ports/{record.ports.start}/"] = None
        api = f"api/ports/{query}.json" if isinstance(query, int) else f"api/services/{self.slugs[query.lower()]}.json"
        return {"page": page, "events": events, "since": since, "kind": kind, "links": tuple(links), "api": api}

    def _change_lines(self, change: RegistryDiff) -> _Sections:
        moves = tuple(_move_text(move) for move in _moves(change))
        added = tuple(
            ChangeLine(_label(record), self.record_url(record), _value_text(record.description))
            for record in change.added
        )
        removed = tuple(
            ChangeLine(_label(record), self.record_url(record), _value_text(record.description))
            for record in change.removed
        )
        changed = tuple(
            ChangeLine(
                _label(item.new), self.record_url(item.new), _value_text(item.new.description), _fields(item.fields)
            )
            for item in change.changed
        )
        return (("moves", moves), ("added", added), ("removed", removed), ("changed", changed))

    def _releases(self) -> Iterator[_File]:
        dates = [info.updated.isoformat() for info in self.releases]
        for position, (info, change) in enumerate(zip(self.releases, self.diffs, strict=True)):
            date = dates[position]
            sections = self._change_lines(change) if change is not None else ()
            yield self.html(
                f"releases/{date}/index.html",
                "release.html",
                date=date,
                title=info.title,
                records=info.record_count,
                sha256=info.sha256,
                previous=dates[position - 1] if position else None,
                following=dates[position + 1] if position + 1 < len(dates) else None,
                counts=_diff_counts(change),
                sections=sections,
            )
            if change is not None:
                yield self.data(f"api/releases/{date}.json", functools.partial(diff_to_json, change), change)
        newest, latest = self.releases[-1], self.diffs[-1]
        document = site_latest_to_json(
            self.updated,
            title=newest.title,
            records=newest.record_count,
            releases=len(self.releases),
            previous=None if latest is None else latest.old_updated,
        )
        yield self.data("api/latest.json", lambda: document, document)


def _date(text: str) -> dt.date:
    import datetime as dt  # noqa: PLC0415 - the one runtime use

    return dt.date.fromisoformat(text)


def _diff_counts(change: RegistryDiff | None) -> tuple[tuple[str, int], ...]:
    if change is None:
        return ()
    return (
        ("added", len(change.added)),
        ("removed", len(change.removed)),
        ("changed", len(change.changed)),
        ("moves", len(_moves(change))),
    )


def _capped(sections: _Sections, limit: int) -> tuple[_Sections, int]:
    """The first *limit* lines of a release's sections, and how many were left out."""
    kept: list[tuple[str, tuple[Any, ...]]] = []
    room = limit
    for kind, lines in sections:
        kept.append((kind, lines[:room]))
        room = max(0, room - len(lines))
    total = sum(len(lines) for _, lines in sections)
    return tuple(kept), max(0, total - limit)


def _json_compact(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- writing the folder ---------------------------------------------------------------------------


def _read_state(output: Path) -> dict[str, list[str]]:
    try:
        state = json.loads((output / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("format") != _STATE_FORMAT or not isinstance(state.get("files"), dict):
        return {}
    return {str(path): list(value) for path, value in state["files"].items() if isinstance(value, list)}


def build_site(
    store: Store,
    output: str | os.PathLike[str],
    *,
    base_url: str | None = None,
    notes: NoteSet | None = None,
    force: bool = False,
    lock_timeout: float = LOCK_TIMEOUT_SECONDS,
) -> SiteResult:
    """Write the static site of *store* into the folder *output*; return what was written.

    A rerun renders and rewrites only the files whose inputs changed (each
    replaced atomically), and removes the files of pages that no longer
    exist; *force* rewrites everything.  *base_url* (``https://ports.example/``)
    makes the feeds' links and ids absolute.  An empty store raises
    :class:`~ianaports.CacheError`.  A build holds :data:`LOCK_NAME` in the
    folder: a second build into it waits up to *lock_timeout* seconds for the
    first to end, then raises :class:`~ianaports.CacheError`.
    """
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise CacheError(f"cannot write the site into {folder}: it is not a folder")
    builder = _Builder(store, base_url=base_url, notes=notes)
    with _building(folder, lock_timeout):
        return _write_site(folder, builder, force=force)


@contextlib.contextmanager
def _building(folder: Path, timeout: float) -> Iterator[None]:
    """Hold the folder's build lock: the state file and the pages are one build's, never two interleaved."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(folder / LOCK_NAME, timeout=timeout)
        lock.acquire()
    except filelock.Timeout as exc:
        msg = (
            f"another ianaports site build holds {folder / LOCK_NAME}: gave up waiting for it after {timeout:g} s"
            " (try again when it ends)"
        )
        raise CacheError(msg) from exc
    except OSError as exc:
        raise CacheError(f"cannot write the site into {folder}: {exc.strerror or exc}") from exc
    try:
        yield
    finally:
        lock.release()


def _write_site(folder: Path, builder: _Builder, *, force: bool) -> SiteResult:
    previous = {} if force else _read_state(folder)
    state: dict[str, list[str]] = {}
    written = unchanged = 0
    made_folders: set[Path] = set()
    for item in builder.files():
        target = folder / item.path
        old = previous.get(item.path)
        if old is not None and old[0] == item.key and target.is_file():
            state[item.path] = old
            unchanged += 1
            continue
        data = item.make()
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        state[item.path] = [item.key, digest]
        if old is not None and old[1] == digest and target.is_file():
            unchanged += 1
            continue
        if target.parent not in made_folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            made_folders.add(target.parent)
        atomic_write(target, data, what="site page ", durable=False)
        written += 1
    removed = 0
    for path in sorted(set(previous) - set(state)):
        stale = folder / path
        if stale.is_file():
            stale.unlink()
            removed += 1
            _prune(stale.parent, folder)
    document = {"format": _STATE_FORMAT, "generator": f"ianaports {__version__}", "files": state}
    atomic_write(folder / STATE_NAME, _json_compact(document), what="site state ")
    return SiteResult(
        output=folder,
        updated=builder.updated,
        releases=len(builder.releases),
        files=len(state),
        written=written,
        unchanged=unchanged,
        removed=removed,
    )


def _prune(folder: Path, root: Path) -> None:
    """Remove the empty folders a removed page leaves, up to (not including) *root*."""
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
