"""Explainer pages as text for a terminal, CommonMark or one self-contained HTML document.

Each format writes the same :class:`~ianaports.render.blocks.Page`;
:func:`render_explain` also answers ``json`` with
:func:`ianaports.render.json.explain_to_json`.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

from ianaports.errors import InvalidArgumentError

from .blocks import Block, Bullets, Fields, Link, Page, Paragraph

if TYPE_CHECKING:
    from ianaports.explainer import ExplainView

__all__ = ["FORMATS", "render_explain", "render_html", "render_markdown", "render_text"]

FORMATS = ("text", "markdown", "html", "json")
TEXT_WIDTH = 80


# --- text ---


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=TEXT_WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
        # A URL cut in two stops working; only a URL longer than a line overflows.
        break_long_words=False,
    ) or [indent.rstrip()]


def _text_block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return _wrap(block.text)
    if isinstance(block, Bullets):
        lines: list[str] = []
        for item in block.items:
            if isinstance(item, Link):
                lines.extend([*_wrap(item.title, "    ", "  - "), f"    {item.url}"])
            else:
                lines.extend(_wrap(item, "    ", "  - "))
        return lines
    if isinstance(block, Fields):
        width = max(len(label) for label, _ in block.rows) + 2
        lines = []
        for label, value in block.rows:
            lines.extend(_wrap(value, " " * (width + 2), f"  {label + ':':<{width}}"))
        return lines
    return [*_wrap(block.caption), *(f"    {line}" for line in block.lines)]


def render_text(page: Page) -> str:
    """The page as plain text that fits an 80-column terminal."""
    lines = [*_wrap(page.title), "=" * min(len(page.title), TEXT_WIDTH), *_wrap(page.lead)]
    for section in page.sections:
        lines.extend(["", section.title, "-" * len(section.title)])
        for block in section.blocks:
            lines.extend(["", *_text_block(block)])
    lines.extend(["", *_wrap(page.footer)])
    return "\n".join(lines) + "\n"


# --- markdown ---

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")


def _md(text: str) -> str:
    # Escape what CommonMark could read as inline markup, and block markers at the start.
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    escaped = re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)
    return re.sub(r"^([-+#=])", r"\\\1", escaped)


def _md_link(link: Link) -> str:
    return f"[{_md(link.title)}](<{link.url}>)"


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [_md(block.text)]
    if isinstance(block, Bullets):
        return [f"- {_md_link(item) if isinstance(item, Link) else _md(item)}" for item in block.items]
    if isinstance(block, Fields):
        return [f"- **{_md(label)}:** {_md(value)}" for label, value in block.rows]
    return [_md(block.caption), "", "```sh", *block.lines, "```"]


def render_markdown(page: Page) -> str:
    """The page as CommonMark."""
    lines = [f"# {_md(page.title)}", "", f"*{_md(page.lead)}*"]
    for section in page.sections:
        lines.extend(["", f"## {_md(section.title)}"])
        for block in section.blocks:
            lines.extend(["", *_markdown_block(block)])
    lines.extend(["", "---", "", _md(page.footer)])
    return "\n".join(lines) + "\n"


# --- HTML ---

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5;margin:0;color:#1d1d1f;background:#fff}
main{max-width:46rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.8rem;margin-bottom:.2rem}
.lead{color:#555;margin-top:0}
h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;background:#f6f6f8;padding:.8rem;border-radius:6px}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
pre{background:#1d1d1f;color:#f5f5f7;padding:.8rem;border-radius:6px;overflow-x:auto}
footer{color:#777;font-size:.9rem;margin-top:2rem;border-top:1px solid #ddd;padding-top:.5rem}
@media (prefers-color-scheme:dark){body{background:#1d1d1f;color:#f5f5f7}dl{background:#2c2c2e}a{color:#6cb4ff}}
"""


def _h(text: str) -> str:
    import html  # noqa: PLC0415 - only the HTML page escapes (html loads its entity table)

    return html.escape(text, quote=True)


def _html_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p>{_h(block.text)}</p>"
    if isinstance(block, Bullets):
        items = "".join(
            f'<li><a href="{_h(item.url)}">{_h(item.title)}</a></li>'
            if isinstance(item, Link)
            else f"<li>{_h(item)}</li>"
            for item in block.items
        )
        return f"<ul>{items}</ul>"
    if isinstance(block, Fields):
        rows = "".join(f"<dt>{_h(label)}</dt><dd>{_h(value)}</dd>" for label, value in block.rows)
        return f"<dl>{rows}</dl>"
    code = "\n".join(_h(line) for line in block.lines)
    return f"<p>{_h(block.caption)}</p>\n<pre><code>{code}</code></pre>"


def render_html(page: Page) -> str:
    """The page as one self-contained HTML5 document (inline style, no scripts)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(page.title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_h(page.title)}</h1>",
        f'<p class="lead">{_h(page.lead)}</p>',
    ]
    for section in page.sections:
        parts.append(f'<section id="{_h(section.key)}">')
        parts.append(f"<h2>{_h(section.title)}</h2>")
        parts.extend(_html_block(block) for block in section.blocks)
        parts.append("</section>")
    parts.extend([f"<footer>{_h(page.footer)}</footer>", "</main>", "</body>", "</html>"])
    return "\n".join(parts) + "\n"


def render_explain(view: ExplainView, fmt: str = "text") -> str:
    """Render *view* as ``text``, ``markdown``, ``html`` or ``json``."""
    if fmt == "json":
        import json  # noqa: PLC0415 - the page formats need neither json nor the JSON documents

        from .json import explain_to_json  # noqa: PLC0415

        return json.dumps(explain_to_json(view), indent=2, ensure_ascii=False) + "\n"
    renderers = {"text": render_text, "markdown": render_markdown, "html": render_html}
    if fmt not in renderers:
        msg = f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}"
        raise InvalidArgumentError(msg)
    from .page import build_page  # noqa: PLC0415 - the writers above need only the page's blocks

    return renderers[fmt](build_page(view))
