"""Building the data package for maintainers: ``build-data``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ianaports.errors import FetchError
from ianaports.render.json import build_data_to_json

from ._common import add_cache_dir, add_command, add_json_option, date_argument, open_store, path_argument
from ._exit import EXIT_OK, UsageError

if TYPE_CHECKING:
    import argparse

    from ._common import Commands, Output

__all__ = ["add_build_data", "cmd_build_data"]


def _source_bytes(args: argparse.Namespace) -> bytes:
    """The uncompressed XML of SOURCE: a URL, a release file, or (with --version) a stored release."""
    source: str | None = args.source
    if source is None:
        if args.version is None:
            raise UsageError("give a SOURCE (a file or URL), or --version DATE to build from the store")
        with open_store(args.cache_dir) as store:
            return store.raw(args.version)
    if args.version is not None:
        raise UsageError("--version builds from a stored release; it does not apply beside SOURCE")
    from ianaports.parser import read_source_bytes  # noqa: PLC0415 - lxml only when building

    if source.startswith(("http://", "https://")):
        from ianaports.fetch import fetch  # noqa: PLC0415 - requests only for a URL

        download = fetch(source)
        if download.data is None:  # pragma: no cover - an unconditional GET has a body
            raise FetchError(f"{source}: no body")
        return read_source_bytes(download.data)
    return read_source_bytes(source)


def cmd_build_data(args: argparse.Namespace, out: Output) -> int:
    """Write the data wheel of one release into --output."""
    from ianaports.datapkg import build_wheel  # noqa: PLC0415 - only for maintainers

    built = build_wheel(_source_bytes(args), args.output)
    if args.json:
        out.json(build_data_to_json(built))
        return EXIT_OK
    if built.written:
        out.line(f"wrote {built.path} (the registry of {built.updated}, version {built.version})")
    else:
        out.line(f"{built.path} already holds these bytes (version {built.version}); nothing written")
    return EXIT_OK


def add_build_data(commands: Commands) -> None:
    """Register ``build-data``."""
    parser = add_command(
        commands,
        "build-data",
        cmd_build_data,
        help="build the ianaports_data wheel of one release (for maintainers)",
        description="Write ianaports_data-YYYY.M.D-py3-none-any.whl, the data package 'pip install ianaports[data]'"
        " installs: the release's XML as IANA published it, zstd-compressed. The version is the release's <updated>"
        " date; the same release always gives the same bytes. When DIR holds a wheel of the same release with other"
        " bytes, the new one is its next .postN; with the same bytes nothing is written.",
        examples=[
            "ianaports build-data service-names-port-numbers.xml -o dist/",
            'ianaports build-data "$IANAPORTS_URL" -o dist/   # a URL',
            "ianaports build-data --version 2025-12-15 -o dist/   # a release in the store",
        ],
    )
    parser.add_argument(
        "source", nargs="?", type=path_argument, metavar="SOURCE", help="a release file (.xml, .gz, .xz, .bz2) or URL"
    )
    parser.add_argument(
        "-o", "--output", required=True, type=path_argument, metavar="DIR", help="the folder to write the wheel into"
    )
    parser.add_argument("--version", type=date_argument, metavar="DATE", help="build from the stored release of DATE")
    add_cache_dir(parser)
    add_json_option(parser)
