"""Feeds of what changed at IANA: Atom 1.0 (RFC 4287) and JSON Feed 1.1, one entry per release.

Pure functions over :class:`FeedEntry` values: :mod:`ianaports.site` builds
the entries from the store's diffs, and both the site and ``ianaports feed``
write them with :func:`atom_feed` or :func:`json_feed`.  Every date is a
release date, so the same store always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import attrs

from .changes import _label, _move_text, _moves, _summary, _value_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ianaports.changes import RegistryDiff

__all__ = ["FEED_FORMATS", "FeedEntry", "atom_feed", "entry_for", "json_feed"]

FEED_FORMATS = ("atom", "json")
ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
FEED_TITLE = "What changed at IANA: service names and port numbers"
#: An entry lists at most this many changes; the release's page has them all.
ENTRY_CHANGES_MAX = 200


@attrs.frozen(kw_only=True)
class FeedEntry:
    """One release as a feed entry: its date, a title, its changes as text lines and as HTML."""

    updated: dt.date
    #: The release's folder under ``releases/`` (its date; a suffix when IANA re-published a day).
    slug: str
    title: str
    summary: str
    html: str


def _stamp(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _change_items(changes: RegistryDiff) -> list[str]:
    """One line per change, as ``ianaports diff`` words them: moves, added, removed, changed."""
    items = [_move_text(move) for move in _moves(changes)]
    items += [f"added: {_label(record)}: {_value_text(record.description)}" for record in changes.added]
    items += [f"removed: {_label(record)}: {_value_text(record.description)}" for record in changes.removed]
    items += [f"changed: {_label(change.new)}: {', '.join(change.field_names)}" for change in changes.changed]
    return items


def entry_for(slug: str, changes: RegistryDiff | None, *, updated: dt.date, records: int) -> FeedEntry:
    """The feed entry of one release: *changes* from the release before, or None for the oldest stored."""
    if changes is None:
        summary = f"The oldest stored release: {records} records."
        return FeedEntry(
            updated=updated,
            slug=slug,
            title=f"IANA port registry {updated}: first stored release",
            summary=summary,
            html=f"<p>{html.escape(summary)}</p>",
        )
    summary = _summary(changes)
    items = _change_items(changes)
    shown = items[:ENTRY_CHANGES_MAX]
    parts = [f"<p>{html.escape(f'Since {changes.old_updated}: {summary}.')}</p>"]
    if shown:
        parts.append("<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in shown) + "</ul>")
    if len(items) > len(shown):
        parts.append(f"<p>{html.escape(f'and {len(items) - len(shown)} more on the release page.')}</p>")
    counts = f"{len(changes.added)} added, {len(changes.removed)} removed, {len(changes.changed)} changed"
    return FeedEntry(
        updated=updated,
        slug=slug,
        title=f"IANA port registry {updated}: {counts}",
        summary=f"Since {changes.old_updated}: {summary}.",
        html="".join(parts),
    )


def _absolute(base_url: str | None, path: str) -> str:
    return f"{base_url.rstrip('/')}/{path}" if base_url else path


def _entry_id(base_url: str | None, entry: FeedEntry) -> str:
    return _absolute(base_url, f"releases/{entry.slug}/") if base_url else f"urn:ianaports:release:{entry.slug}"


def atom_feed(entries: Sequence[FeedEntry], *, base_url: str | None = None) -> bytes:
    """An Atom 1.0 document of *entries* (newest first as given).

    Without *base_url* the links are relative to the feed's own address and
    the ids are ``urn:ianaports:release:DATE``; with it, both are absolute.
    """
    ET.register_namespace("", ATOM_NS)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
        element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    add(feed, "id", _absolute(base_url, "") if base_url else "urn:ianaports:feed")
    add(feed, "title", FEED_TITLE)
    add(feed, "subtitle", "One entry per release of IANA's Service Name and Transport Protocol Port Number Registry")
    add(feed, "updated", _stamp(entries[0].updated) if entries else _stamp(dt.date(1970, 1, 1)))
    author = add(feed, "author")
    add(author, "name", "ianaports")
    add(feed, "link", rel="self", type="application/atom+xml", href=_absolute(base_url, "feed.atom"))
    add(feed, "link", rel="alternate", type="text/html", href=_absolute(base_url, "") or "./")
    add(feed, "generator", "ianaports")
    for entry in entries:
        item = add(feed, "entry")
        add(item, "id", _entry_id(base_url, entry))
        add(item, "title", entry.title)
        add(item, "updated", _stamp(entry.updated))
        add(item, "link", rel="alternate", type="text/html", href=_absolute(base_url, f"releases/{entry.slug}/"))
        add(item, "summary", entry.summary)
        add(item, "content", entry.html, type="html")
    ET.indent(feed)
    text: str = ET.tostring(feed, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text + "\n").encode("utf-8")


def json_feed(entries: Sequence[FeedEntry], *, base_url: str | None = None) -> bytes:
    """A JSON Feed 1.1 document of *entries* (newest first as given)."""
    document: dict[str, object] = {"version": JSON_FEED_VERSION, "title": FEED_TITLE}
    if base_url:
        document["home_page_url"] = _absolute(base_url, "")
        document["feed_url"] = _absolute(base_url, "feed.json")
    document["authors"] = [{"name": "ianaports"}]
    document["items"] = [
        {
            "id": _entry_id(base_url, entry),
            "url": _absolute(base_url, f"releases/{entry.slug}/"),
            "title": entry.title,
            "summary": entry.summary,
            "content_html": entry.html,
            "date_published": _stamp(entry.updated),
        }
        for entry in entries
    ]
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
