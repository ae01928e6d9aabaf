"""What changed between releases: ``diff`` and ``history``."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

import attrs

from ianaports.errors import CacheError, InvalidArgumentError, NotFoundError

from ._common import (
    add_cache_dir,
    add_command,
    add_output_options,
    add_protocol_option,
    date_text,
    did_you_mean,
    open_store,
    output_format,
    path_argument,
    port_or_name,
    read_file,
    read_query,
    without_protocol,
)
from ._exit import EXIT_NOT_FOUND, EXIT_OK, UsageError

if TYPE_CHECKING:
    import os

    from ianaports.changes import History, HistoryEvent, RegistryDiff
    from ianaports.registry import Registry
    from ianaports.store import Store

    from ._common import Commands, Output

__all__ = ["add_diff", "add_history", "cmd_diff", "cmd_history", "resolve_release"]

_STORE_SPECS = ("latest", "previous")
_SYNC_HINT = "run 'ianaports sync' (or 'ianaports sync --source FOLDER' to import archived releases)"


def _store_spec(spec: str) -> str | None:
    """The stored release *spec* names (``latest``, ``previous``, a date in any form ``date_text`` reads), or None."""
    return spec if spec in _STORE_SPECS else date_text(spec)


def _is_store_spec(spec: str) -> bool:
    return _store_spec(spec) is not None


def resolve_release(spec: str, *, cache_dir: str | os.PathLike[str] | None = None) -> Registry:
    """The release a command-line argument names: a stored release (date, latest, previous) or a file.

    A date (``YYYY-MM-DD``, ``YYYYMMDD`` or ``YYYY-M-D``), ``latest`` and
    ``previous`` name releases of the store in *cache_dir*, rebuilt without
    parsing XML; anything else is a registry file (write ``./latest`` for a
    file of that name).  A date that is
    not a calendar date (``2025-13-45``) raises :class:`InvalidArgumentError`;
    an empty store, :class:`CacheError`; a release it does not hold,
    :class:`NotFoundError`.
    """
    stored = _store_spec(spec)
    if stored is None:
        return read_file(spec)
    with open_store(cache_dir) as store:
        _check_stored(store, stored)
        return store.load(stored)


def _check_stored(store: Store, spec: str) -> None:
    """Fail with a next step when *store* is empty, or holds one release and *spec* is ``previous``.

    A date that cannot be one (``2025-13-45``) is refused first, as the user's
    mistake (exit 2) rather than a release the store lacks (exit 1).
    """
    if spec not in _STORE_SPECS:
        try:
            dt.date.fromisoformat(spec)
        except ValueError:
            msg = f"not a date: {spec!r} (a stored release is named YYYY-MM-DD, 'latest' or 'previous')"
            raise InvalidArgumentError(msg) from None
    releases = store.releases()
    if not releases:
        raise CacheError(f"no release stored in {store.path} yet to take {spec!r} from; {_SYNC_HINT}")
    if spec == "previous" and len(releases) < 2:  # noqa: PLR2004 - the newest and the one before it
        raise NotFoundError(
            f"the cache at {store.path} holds one release ({releases[0].updated}), so there is no previous"
            f" one; {_SYNC_HINT}"
        )


# --- diff -----------------------------------------------------------------------------------------


def _diff_specs(old: str, new: str, cache_dir: str | None) -> RegistryDiff:
    if not (_is_store_spec(old) and _is_store_spec(new)):
        from ianaports.changes import diff  # noqa: PLC0415 - the diff engine only for the commands that compare

        return diff(resolve_release(old, cache_dir=cache_dir), resolve_release(new, cache_dir=cache_dir))
    # Two stored releases: the store compares only the records they do not share.
    old, new = _store_spec(old) or old, _store_spec(new) or new
    with open_store(cache_dir) as store:
        _check_stored(store, old)
        _check_stored(store, new)
        return store.diff(old, new)


def cmd_diff(args: argparse.Namespace, out: Output) -> int:
    """Show what changed between two releases."""
    from ianaports.render.changes import diff_to_markdown, diff_to_text  # noqa: PLC0415 - imports the diff engine
    from ianaports.render.json import diff_to_json  # noqa: PLC0415 - imports the diff engine

    fmt = output_format(args, "text")
    old, new = args.old, args.new
    if new is None:  # one release named: it against latest; 'diff latest' alone, latest against the one before
        old, new = ("previous" if old == "latest" else old), "latest"
    changes = _diff_specs(old, new, args.cache_dir).restricted(port=args.port, name=args.name, protocol=args.protocol)
    if fmt == "json":
        out.json(diff_to_json(changes))
    elif fmt == "markdown":
        out.line(diff_to_markdown(changes))
    else:
        out.line(diff_to_text(changes))
    return EXIT_OK


def _port_argument(text: str) -> int:
    try:
        port = read_query(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not isinstance(port, int):
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return port


def add_diff(commands: Commands) -> None:
    """Register ``diff``."""
    parser = add_command(
        commands,
        "diff",
        cmd_diff,
        help="show what changed between two releases",
        description="Show what changed between two releases: added, removed and changed records, and the moves "
        "a reader cares about (port changes, renames, unassigned spans split, de-assignments). OLD and NEW are "
        "each a stored release (its date YYYY-MM-DD, YYYYMMDD or YYYY-M-D, latest or previous) or a registry "
        "file (.xml, .gz, .xz, .bz2); with no arguments, the previous stored release against the latest: after "
        "a sync that brought a new release, that is what changed at IANA. With OLD alone, OLD against the "
        "latest ('diff latest' alone: the release before it against the latest). An empty store exits 4; a "
        "release it does not hold (or 'previous' when it holds one release) exits 1 and names the nearest.",
        examples=[
            "ianaports sync && ianaports diff     # what changed at IANA since the last release",
            "ianaports diff 2017-03-10 latest --format markdown",
            "ianaports diff old.xml new.xml --port 2304 --json",
        ],
    )
    parser.add_argument(
        "old", metavar="OLD", nargs="?", type=path_argument, default="previous", help="the older release"
    )
    parser.add_argument(
        "new", metavar="NEW", nargs="?", type=path_argument, default=None, help="the newer release (default: latest)"
    )
    add_output_options(parser, ["text", "markdown", "json"])
    parser.add_argument("--port", type=_port_argument, help="only changes about records holding this port")
    parser.add_argument("--name", help="only changes about this service name (any case)")
    add_protocol_option(parser)
    add_cache_dir(parser)


# --- history --------------------------------------------------------------------------------------


def cmd_history(args: argparse.Namespace, out: Output) -> int:
    """Show when a port's or name's records appeared, changed and disappeared across stored releases."""
    from ianaports.render.changes import history_to_markdown, history_to_text  # noqa: PLC0415 - imports the diff engine
    from ianaports.render.json import history_to_json  # noqa: PLC0415 - imports the diff engine

    fmt = output_format(args, "text")
    wanted = port_or_name(without_protocol(args), "history")
    port = wanted if isinstance(wanted, int) else None
    with open_store(args.cache_dir) as store:
        found = store.history(port=port, name=wanted if isinstance(wanted, str) else None, protocol=args.protocol)
        whole = args.query.strip()
        if isinstance(wanted, str) and wanted != whole:
            # NAME/PROTOCOL, unless a stored release names a service that very text: a real name wins.
            as_name = store.history(name=whole, protocol=args.query_protocol)
            if as_name.events:
                found = as_name
        found = _with_renames(store, found)
        guess = ""
        if isinstance(wanted, str) and found.versions and not found.events:
            guess = did_you_mean(store.view("latest"), wanted)  # names of the newest release
    if not found.versions:
        raise CacheError(f"no release stored in {store.path} yet; {_SYNC_HINT}")
    if fmt == "json":
        out.json(history_to_json(found))
    elif found.events:
        out.line(history_to_markdown(found) if fmt == "markdown" else history_to_text(found))
    if not found.events:
        if len(found.versions) == 1:
            where = f"the one stored release ({found.versions[0]})"
        else:
            where = f"none of the {len(found.versions)} stored releases ({found.versions[0]} to {found.versions[-1]})"
        out.message(f"ianaports: {found.query_text} appears in {where}{guess}")
        return EXIT_NOT_FOUND
    return EXIT_OK


def _with_renames(store: Store, found: History) -> History:
    """A name's history where its records were renamed (see :func:`ianaports._history_rule.with_renames`)."""
    from ianaports._history_rule import with_renames  # noqa: PLC0415 - with the diff engine

    if found.name is None:
        return found

    def removed_from(event: HistoryEvent) -> tuple[object, int, object, object, str] | None:
        ports = event.record.ports
        if event.change != "removed" or ports is None:
            return None
        return event.version, ports.start, event.record.protocol, ports, str(event.record.name).lower()

    def renamed_from(event: HistoryEvent) -> tuple[object, object, str] | None:
        if event.change != "renamed":
            return None
        return event.version, event.record.ports, str(event.fields[0].old).lower()

    events = with_renames(
        found.events,
        removed_from=removed_from,
        renamed_from=renamed_from,
        around=lambda start, protocol: store.history(port=start, protocol=protocol).events,  # type: ignore[arg-type]
    )
    return attrs.evolve(found, events=tuple(events))


def add_history(commands: Commands) -> None:
    """Register ``history``."""
    parser = add_command(
        commands,
        "history",
        cmd_history,
        help="show when a port or name appeared, changed and disappeared across stored releases",
        description="Across every release in the local store, oldest first: when the records holding PORT (or "
        "named NAME, any case) first appeared, each release where one changed (with the fields and their old and "
        "new values), and when one disappeared. Answered from the store without parsing any release; exits 1 "
        "when the port or name never appears, 4 when the store is empty.",
        examples=["ianaports history 2304", "ianaports history ssh --protocol tcp", "ianaports history 80 --json"],
    )
    parser.add_argument("query", metavar="PORT|NAME", help="a port number or a service name")
    add_protocol_option(parser)
    add_output_options(parser, ["text", "markdown", "json"])
    add_cache_dir(parser)
