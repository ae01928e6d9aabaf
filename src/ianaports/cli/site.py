"""Publishing the store: ``site`` (a static website) and ``feed`` (what changed, as Atom or JSON Feed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ianaports._files import atomic_write
from ianaports.render.json import feed_summary_to_json, site_to_json

from ._common import add_cache_dir, add_command, add_json_option, add_notes_source, open_store, path_argument
from ._exit import EXIT_OK, UsageError

if TYPE_CHECKING:
    import argparse

    from ._common import Commands, Output

__all__ = ["add_feed", "add_site", "cmd_feed", "cmd_site"]


def _base_url(text: str) -> str:
    return text if text.endswith("/") else text + "/"


def cmd_site(args: argparse.Namespace, out: Output) -> int:
    """Write the static website of the store into a folder, rewriting only what changed."""
    from ianaports.notes import load_notes  # noqa: PLC0415 - the notes only for the commands that read them
    from ianaports.site import build_site  # noqa: PLC0415 - jinja2 only for the command that renders pages

    notes = load_notes(args.notes)
    with open_store(args.cache_dir) as store:
        result = build_site(store, args.output, base_url=args.base_url, notes=notes, force=args.force)
    if args.json:
        out.json(site_to_json(result))
    else:
        out.message(
            f"ianaports: site of {result.updated} ({result.releases} releases) in {result.output}: "
            f"{result.files} files, {result.written} written, {result.unchanged} unchanged, {result.removed} removed"
        )
    return EXIT_OK


def add_site(commands: Commands) -> None:
    """Register ``site``."""
    parser = add_command(
        commands,
        "site",
        cmd_site,
        help="write a static website of every port, name and release, with feeds and JSON",
        description="Write a static website from the store into DIR: a page per port, unassigned span, service "
        "name and stored release, the Atom and JSON feeds of what changed, the JSON of 'show' and 'diff' under "
        "api/, and a search that runs in the browser. Any static web server can serve the folder. A rerun "
        "rewrites only the files whose content changed, each atomically, and removes pages that no longer "
        "exist. An empty store exits 4.",
        examples=[
            "ianaports sync && ianaports site -o /var/www/ports",
            "ianaports site -o public --base-url https://ports.example.org/ --json",
        ],
    )
    parser.add_argument("-o", "--output", required=True, type=path_argument, metavar="DIR", help="the site's folder")
    parser.add_argument(
        "--base-url", type=_base_url, metavar="URL", help="the site's public address, for absolute links in the feeds"
    )
    parser.add_argument("--force", action="store_true", help="render and rewrite every file, changed or not")
    add_notes_source(parser)
    add_cache_dir(parser)
    add_json_option(parser, "print what was written as JSON")


def cmd_feed(args: argparse.Namespace, out: Output) -> int:
    """Write the feed of what changed in every stored release."""
    from ianaports.render.feed import atom_feed, json_feed  # noqa: PLC0415 - only for this command
    from ianaports.site import feed_entries  # noqa: PLC0415 - jinja2 only for the commands that publish

    fmt = args.format or "atom"
    if args.json and args.output is None:
        if args.format == "atom":
            raise UsageError("--json prints the JSON Feed; it cannot be given with --format atom (without -o)")
        fmt = "json"
    with open_store(args.cache_dir) as store:
        entries = feed_entries(store)
    data = (json_feed if fmt == "json" else atom_feed)(entries, base_url=args.base_url)
    if args.output is None:
        out.line(data.decode("utf-8").removesuffix("\n"))
        return EXIT_OK
    atomic_write(args.output, data, what="feed ")
    if args.json:
        out.json(feed_summary_to_json(fmt, args.output, entries=len(entries), size=len(data)))
    return EXIT_OK


def add_feed(commands: Commands) -> None:
    """Register ``feed``."""
    parser = add_command(
        commands,
        "feed",
        cmd_feed,
        help="write a feed of what changed at IANA, one entry per stored release",
        description="Write an Atom 1.0 feed (or, with --format json, a JSON Feed 1.1) of the stored releases, "
        "newest first, each entry holding what changed since the release before, as 'diff' words it. To stdout, "
        "or atomically to FILE with -o. With --json and -o, print what was written; with --json alone, the feed "
        "is the JSON Feed. An empty store exits 4.",
        examples=[
            "ianaports sync --quiet && ianaports feed -o /var/www/ports/feed.atom",
            "ianaports feed --format json | jq '.items[0].title'",
        ],
    )
    parser.add_argument("--format", choices=["atom", "json"], help="the feed's format (default: atom)")
    parser.add_argument("-o", "--output", type=path_argument, metavar="FILE", help="write the feed here")
    parser.add_argument(
        "--base-url", type=_base_url, metavar="URL", help="the site's public address, for absolute links and ids"
    )
    add_cache_dir(parser)
    add_json_option(parser, "print JSON: the JSON Feed itself, or with -o what was written")
