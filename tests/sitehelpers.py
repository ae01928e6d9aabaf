"""Helpers the site tests share: a store of the hand-written fixtures, a link checker and a PNG reader."""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zlib
from typing import TYPE_CHECKING
from urllib.parse import unquote, urldefrag, urlsplit

from ianaports._sync import sync
from realdata import FIXTURES

if TYPE_CHECKING:
    from pathlib import Path

#: The three fixture releases, oldest first; the last adds 2304, hostile markup and odd names.
FIXTURE_RELEASES = ("diff-old.xml", "diff-new.xml", "site-newest.xml")

_LINK = re.compile(r"""(?:href|src)="([^"]*)\"""")


def fixture_store(folder: Path, releases: tuple[str, ...] = FIXTURE_RELEASES) -> Path:
    """A store in *folder* holding the fixture *releases*."""
    for name in releases:  # one sync each: a list of sources is a fallback chain, not a batch
        sync(FIXTURES / name, cache_dir=folder)
    return folder


def html_pages(site: Path) -> list[Path]:
    """Every HTML page of a built site."""
    return sorted(site.rglob("*.html"))


def internal_target(page: str, link: str) -> str | None:
    """The file (relative to the site's root) a link of *page* names, or None for an external link or a fragment."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith("#"):
        return None
    path = unquote(urldefrag(parts.path).url)
    folder = posixpath.dirname(page)
    target = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path))
    return posixpath.normpath(posixpath.join(target, "index.html")) if path.endswith("/") or not path else target


def broken_links(site: Path, pages: list[Path] | None = None) -> list[str]:
    """``page -> link`` for every internal link or resource of *pages* (default all) naming no file of the site."""
    files = set()
    for folder, _, names in os.walk(site):
        relative = os.path.relpath(folder, site)
        files.update(posixpath.normpath(posixpath.join(relative, name)) for name in names)
    broken = []
    checked: dict[tuple[str, str], bool] = {}  # most links (the header's, the indexes') repeat from page to page
    for page in pages if pages is not None else html_pages(site):
        name = page.relative_to(site).as_posix()
        folder = posixpath.dirname(name)
        for link in set(_LINK.findall(page.read_text(encoding="utf-8"))):
            ok = checked.get((folder, link))
            if ok is None:
                target = internal_target(name, link.replace("&amp;", "&"))
                ok = checked[folder, link] = target is None or (
                    not target.startswith("../") and (target in files or posixpath.join(target, "index.html") in files)
                )
            if not ok:
                broken.append(f"{name} -> {link}")
    return broken


def external_resources(page: Path) -> list[str]:
    """Resources a page loads from elsewhere (scripts, styles, images, icons): there must be none."""
    text = page.read_text(encoding="utf-8")
    found = re.findall(r"""<(?:script|img|iframe|source)\b[^>]*\bsrc="(https?:)?//[^"]*\"""", text)
    found += [
        tag
        for tag in re.findall(r"<link\b[^>]*>", text)
        if re.search(r'rel="(?:stylesheet|icon|preload|modulepreload)"', tag)
        and re.search(r'href="(?:https?:)?//', tag)
    ]
    return found


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB or RGBA PNG (what Chromium saves)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    position, chunks, header = 8, [], b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    if depth != 8 or colour not in (2, 6):
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def colour_count(data: bytes, step: int = 7) -> int:
    """How many distinct colours a sample of the PNG's pixels has (1 for a blank render)."""
    width, _, rows = png_pixels(data)
    channels = len(rows[0]) // width
    seen = set()
    for row in rows[::step]:
        for x in range(0, width, step):
            seen.add(row[x * channels : x * channels + 3])
    return len(seen)
