"""The explainer page's document: sections of paragraphs, lists, fields and commands, as plain data.

:func:`ianaports.render.page.build_page` makes a :class:`Page`;
:mod:`ianaports.render.explain` writes it as text, markdown or HTML.  This
module imports nothing of ianaports, nor attrs: a page made from plain data,
on a start-up path that never decodes a record, is written by the same
renderers.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Block", "Bullets", "Commands", "Fields", "Link", "Page", "Paragraph", "Section"]

# Named tuples, not attrs classes: immutable values all the same, and making seven attrs classes
# was a tenth of explain's own import time.


class Link(NamedTuple):
    """A titled web link."""

    title: str
    url: str


class Paragraph(NamedTuple):
    """Running text."""

    text: str


class Bullets(NamedTuple):
    """An unordered list; an item is text or a link."""

    items: tuple[str | Link, ...]


class Fields(NamedTuple):
    """Label and value pairs, such as an IANA entry."""

    rows: tuple[tuple[str, str], ...]


class Commands(NamedTuple):
    """Shell commands to type, under a caption."""

    caption: str
    lines: tuple[str, ...]


Block = Paragraph | Bullets | Fields | Commands


class Section(NamedTuple):
    """A titled part of the page; ``key`` is stable (an HTML id and a JSON key)."""

    key: str
    title: str
    blocks: tuple[Block, ...]


class Page(NamedTuple):
    """An explainer page: a title, a one-line lead and sections."""

    title: str
    lead: str
    sections: tuple[Section, ...]
    footer: str
