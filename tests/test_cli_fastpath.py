"""The read commands' fast paths print exactly what their full paths print, on the real releases.

From the store, ``show``, ``search`` and ``explain`` answer from the index,
decoding only the records they print (and ``search`` asks the trigram index);
``history`` reads presence runs instead of every release.  The full path reads
the whole release: ``--file`` parses the newest shared release, and history is
computed over every parsed release.  Any later change to an output must reach
both paths, or these tests fail.
"""

from __future__ import annotations

import json

import pytest

from cli_helpers import run
from ianaports.changes import history
from ianaports.render.changes import history_to_markdown, history_to_text
from ianaports.render.json import history_to_json
from realdata import parsed, real_release_paths, require_real

QUERIES = [
    ("show", "2304"),
    ("show", "80"),
    ("show", "ssh"),
    ("show", "HTTP"),
    ("show", "53/udp"),
    ("show", "6000-6063"),
    ("show", "no-such-service-xyz"),
    ("search", "kerberos"),
    ("search", "ssh"),
    ("search", "remote desktop"),
    ("search", "%"),
    ("search", "o'r"),
    ("search", '"'),
    ("search", "x"),
    ("explain", "2304"),
    ("explain", "ssh"),
    ("explain", "3389"),
    ("explain", "65000"),
]
FORMATS = [[], ["--json"]]


@pytest.mark.parametrize("options", FORMATS, ids=["text", "json"])
@pytest.mark.parametrize(("command", "query"), QUERIES)
def test_store_answers_as_the_parsed_file(real_cache, command, query, options):
    """show, search and explain from the store print what they print reading the newest file whole."""
    fast = run(command, query, *options, "--data-dir", str(real_cache))
    full = run(command, query, *options, "--file", str(require_real()))
    assert fast == full
    if options and fast[0] == 0:
        assert json.loads(fast[1])  # a document with content, not an empty answer compared to itself


@pytest.mark.parametrize("options", [["--format", "markdown"], ["--format", "html"]])
def test_explain_pages_agree(real_cache, options):
    """The explain pages in markdown and HTML are the same from the store and from the file."""
    assert run("explain", "2304", *options, "--data-dir", str(real_cache)) == run(
        "explain", "2304", *options, "--file", str(require_real())
    )


def test_search_limit_agrees(real_cache):
    """search --limit keeps the same first records on both paths."""
    for options in ([], ["--json"]):
        fast = run("search", "tcp", "--limit", "7", *options, "--data-dir", str(real_cache))
        assert fast == run("search", "tcp", "--limit", "7", *options, "--file", str(require_real()))


@pytest.mark.parametrize("query", ["2304", "80", "rdp", "HTTP"])
def test_history_from_the_store_is_history_over_parsed_releases(real_cache, query):
    """history from the index prints what history() over every parsed release renders, in every format."""
    releases = [parsed(path) for path in real_release_paths()]
    port = int(query) if query.isdigit() else None
    full = history(((r.updated, r.records) for r in releases), port=port, name=None if port else query)
    assert full.events
    code, text, _ = run("history", query, "--data-dir", str(real_cache))
    assert (code, text) == (0, history_to_text(full) + "\n")
    code, markdown, _ = run("history", query, "--format", "markdown", "--data-dir", str(real_cache))
    assert (code, markdown) == (0, history_to_markdown(full) + "\n")
    code, document, _ = run("history", query, "--json", "--data-dir", str(real_cache))
    assert (code, json.loads(document)) == (0, history_to_json(full))
