"""Sphinx configuration for the ianaports documentation."""

from __future__ import annotations

import ianaports

project = "ianaports"
copyright = "2026, the ianaports developers"
author = "the ianaports developers"
version = release = ianaports.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinxarg.ext",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
nitpicky = False
html_theme = "furo"
html_title = "ianaports"
