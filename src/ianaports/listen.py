"""The listening audit: what listens on this machine, what IANA says of it, and what changed.

Socket enumeration uses psutil (the optional ``audit`` extra) rather than
parsing ``/proc`` by hand, so the same code answers on Linux, macOS and Windows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
from typing import TYPE_CHECKING, Any

import attrs

from ._files import atomic_write
from .errors import InvalidArgumentError, MissingDependencyError
from .model import Protocol, ServiceRecord, TextEnum, check_port
from .ranges import PortClass, classify, in_ephemeral_range
from .render.json import baseline_to_json

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from .notes import NoteSet
    from .registry import RecordSource, Registry

__all__ = [
    "BASELINE_MAX_BYTES",
    "AuditedListener",
    "BaselineDiff",
    "Flag",
    "FlagCode",
    "Listener",
    "MissingDependencyError",
    "audit",
    "compare_baseline",
    "current_listeners",
    "listening",
    "load_baseline",
    "note_lookup",
    "process_aliases",
    "process_matches",
    "save_baseline",
]


@attrs.frozen(kw_only=True, order=True)
class Listener:
    """One listening TCP socket or bound UDP socket."""

    protocol: Protocol
    address: str
    port: int
    pid: int | None = attrs.field(default=None, order=False)
    process: str | None = attrs.field(default=None, order=False)

    @property
    def owner_known(self) -> bool:
        """True when the OS told us which process holds the socket."""
        return self.pid is not None

    @property
    def key(self) -> tuple[str, str, int]:
        """What identifies a listener across runs: protocol, address and port."""
        return (self.protocol.value, self.address, self.port)


class FlagCode(TextEnum):
    """Why a listener deserves a second look."""

    UNASSIGNED = "unassigned"
    OTHER_PROTOCOL = "other-protocol"
    NO_KNOWN_USE = "no-known-use"
    UNKNOWN_OWNER = "unknown-owner"
    UNEXPECTED_PROCESS = "unexpected-process"


@attrs.frozen
class Flag:
    """A reason to look twice at a listener."""

    code: FlagCode
    reason: str


@attrs.frozen(kw_only=True)
class AuditedListener:
    """A listener with IANA's assignments for its port and protocol, its range and flags."""

    listener: Listener
    records: tuple[ServiceRecord, ...]
    port_class: PortClass
    in_ephemeral_range: bool
    note: str | None = None
    flags: tuple[Flag, ...] = ()

    @property
    def service_names(self) -> tuple[str, ...]:
        """IANA's names for this port and protocol, without repeats."""
        return tuple(dict.fromkeys(record.name for record in self.records if record.name))


def current_listeners() -> tuple[Listener, ...]:
    """Every listening TCP socket and bound UDP socket on this machine, sorted.

    Sockets whose owner the OS hides (another user's, without privileges)
    are listed with ``pid`` and ``process`` set to None.
    """
    try:
        import psutil  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        msg = "the listening audit needs psutil: pip install 'ianaports[audit]'"
        raise MissingDependencyError(msg) from exc
    try:
        connections = psutil.net_connections(kind="inet")
    except psutil.AccessDenied as exc:
        msg = "the OS refused to list sockets (on macOS this needs root: try sudo)"
        raise MissingDependencyError(msg) from exc
    names: dict[int, str | None] = {}
    listeners: set[Listener] = set()
    for connection in connections:
        if not connection.laddr:
            continue
        if connection.type == socket.SOCK_STREAM:
            if connection.status != psutil.CONN_LISTEN:
                continue
            protocol = Protocol.TCP
        elif connection.type == socket.SOCK_DGRAM:
            if connection.raddr:
                continue  # a connected UDP socket is a client, not a service
            protocol = Protocol.UDP
        else:
            continue
        pid = connection.pid
        listeners.add(
            Listener(
                protocol=protocol,
                address=connection.laddr.ip,
                port=connection.laddr.port,
                pid=pid,
                process=None if pid is None else _process_name(psutil, pid, names),
            )
        )
    return tuple(sorted(listeners))


def _process_name(psutil: Any, pid: int, cache: dict[int, str | None]) -> str | None:  # noqa: ANN401 - the module
    if pid not in cache:
        try:
            cache[pid] = psutil.Process(pid).name()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            cache[pid] = None
    return cache[pid]


_WORD_RE = re.compile(r"[a-z0-9]+")
_VERSION_RE = re.compile(r"[0-9.]+$")
#: The shortest word a process name and a service's words must share as a prefix.
_MIN_SHARED = 3


def _process_words(process: str) -> set[str]:
    """A process name's words: lower case, without ``.exe`` or a version (``python3.11`` is ``python``)."""
    name = process.strip().lower().removesuffix(".exe")
    words = {name, _VERSION_RE.sub("", name), *_WORD_RE.findall(name)}
    words |= {_VERSION_RE.sub("", word) for word in list(words)}
    return {word for word in words if len(word) >= _MIN_SHARED}


def _service_words(records: Iterable[ServiceRecord], aliases: Iterable[str]) -> set[str]:
    """What a port is registered for: its service names, their parts, its descriptions' words, and aliases."""
    words: set[str] = set()
    for text in (*(record.name or "" for record in records), *aliases):
        words |= _process_words(text)
    for record in records:
        words |= {word for word in _WORD_RE.findall(record.description.lower()) if len(word) >= _MIN_SHARED}
    return words


def process_matches(process: str, records: Iterable[ServiceRecord], aliases: Iterable[str] = ()) -> bool:
    """True when *process* plausibly serves what *records* register (see docs/listening.md).

    A word of the process name (lower case, ``.exe`` and version digits
    dropped, split at anything but letters and digits) and a word the port is
    registered for (the service names and their parts, the words of their
    descriptions, and the *aliases* curated notes give, such as ``sshd`` or
    ``nginx``) match when one starts with the other and the shorter has at
    least three letters.

    >>> ssh = ServiceRecord(name="ssh", description="The Secure Shell (SSH) Protocol")
    >>> process_matches("sshd", [ssh]), process_matches("python3", [ssh])
    (True, False)
    """
    mine = _process_words(process)
    theirs = _service_words(records, aliases)
    return any(one.startswith(other) or other.startswith(one) for one in mine for other in theirs)


def audit(
    listeners: Iterable[Listener],
    registry: RecordSource,
    *,
    note_for: Callable[[int, Protocol], tuple[str | None, str | None]] | None = None,
    aliases_for: Callable[[int, Protocol], tuple[str, ...]] | None = None,
) -> tuple[AuditedListener, ...]:
    """Annotate each listener with IANA's assignments, its range and its flags.

    *note_for(port, protocol)* may return ``(summary, status)`` from curated
    notes; a status of ``legacy``, ``defunct`` or ``unknown`` on a registered
    port raises the ``no-known-use`` flag.  A known process that does not
    match what its port is registered for (:func:`process_matches`, with the
    programs *aliases_for(port, protocol)* names) raises ``unexpected-process``.
    """
    return tuple(_audit_one(listener, registry, note_for, aliases_for) for listener in listeners)


def _audit_one(
    listener: Listener,
    registry: RecordSource,
    note_for: Callable[[int, Protocol], tuple[str | None, str | None]] | None,
    aliases_for: Callable[[int, Protocol], tuple[str, ...]] | None = None,
) -> AuditedListener:
    every = registry.lookup(listener.port)
    assignments = tuple(record for record in every if record.is_assignment)
    mine = tuple(record for record in assignments if record.protocol in (listener.protocol, None))
    port_class = classify(listener.port)
    ephemeral = in_ephemeral_range(listener.port)
    summary, status = note_for(listener.port, listener.protocol) if note_for else (None, None)
    flags: list[Flag] = []
    if not assignments:
        if not ephemeral:
            flags.append(Flag(FlagCode.UNASSIGNED, f"IANA has not assigned {listener.port} to any service"))
    elif not mine:
        others = sorted({str(record.protocol) for record in assignments if record.protocol})
        flags.append(
            Flag(
                FlagCode.OTHER_PROTOCOL,
                f"IANA assigns {listener.port} for {'/'.join(others)} only, not {listener.protocol}",
            )
        )
    if mine and port_class is PortClass.USER and status in {"legacy", "defunct", "unknown"}:
        flags.append(Flag(FlagCode.NO_KNOWN_USE, f"the registered service has no known current use ({status})"))
    if not listener.owner_known and not ephemeral:
        flags.append(Flag(FlagCode.UNKNOWN_OWNER, "the OS does not say which process holds it"))
    # In the ephemeral ranges the OS hands ports to clients, and a registered name there says little;
    # a process name without a word of three letters ("x") cannot be judged either.
    checked = bool(mine and listener.process and not ephemeral and _process_words(listener.process))
    aliases = aliases_for(listener.port, listener.protocol) if aliases_for and checked else ()
    if checked and not process_matches(str(listener.process), mine, aliases):
        names = ", ".join(dict.fromkeys(record.name for record in mine if record.name))
        flags.append(
            Flag(
                FlagCode.UNEXPECTED_PROCESS,
                f"{listener.process} is not what IANA registers {listener.port}/{listener.protocol} for ({names})",
            )
        )
    return AuditedListener(
        listener=listener,
        records=mine,
        port_class=port_class,
        in_ephemeral_range=ephemeral,
        note=summary,
        flags=tuple(flags),
    )


def listening(
    registry: Registry | None = None,
    *,
    note_for: Callable[[int, Protocol], tuple[str | None, str | None]] | None = None,
    aliases_for: Callable[[int, Protocol], tuple[str, ...]] | None = None,
) -> tuple[AuditedListener, ...]:
    """Audit what listens on this machine now against *registry*.

    Without a registry, the newest release in the local cache is used
    (:func:`ianaports.load`, which syncs on first use).
    """
    if registry is None:
        from ._sync import load  # noqa: PLC0415 - the store only when no registry is given

        registry = load()
    return audit(current_listeners(), registry, note_for=note_for, aliases_for=aliases_for)


def note_lookup(registry: RecordSource, notes: NoteSet) -> Callable[[int, Protocol], tuple[str | None, str | None]]:
    """A ``note_for`` callback answering from curated notes: the first note's summary and status."""

    def note_for(port: int, protocol: Protocol) -> tuple[str | None, str | None]:
        records = [record for record in registry.lookup(port) if record.protocol in (protocol, None)]
        found = notes.about(records, port)
        if not found:
            return (None, None)
        return (found[0].summary, found[0].status.value)

    return note_for


def process_aliases(registry: RecordSource, notes: NoteSet) -> Callable[[int, Protocol], tuple[str, ...]]:
    """An ``aliases_for`` callback: the ``processes`` of every curated note about a port's records."""

    def aliases_for(port: int, protocol: Protocol) -> tuple[str, ...]:
        records = [record for record in registry.lookup(port) if record.protocol in (protocol, None)]
        return tuple(dict.fromkeys(name for note in notes.about(records, port) for name in note.processes))

    return aliases_for


#: A baseline holds one short entry per listener: 8 MiB is some 70,000 of them.
BASELINE_MAX_BYTES = 8 * 1024 * 1024


def save_baseline(listeners: Sequence[Listener], path: Path, *, now: dt.datetime | None = None) -> None:
    """Write what listens now as stable, diffable JSON (sorted; pids left out, they change)."""
    saved = now or dt.datetime.now(dt.timezone.utc)
    document = baseline_to_json(listeners, host=socket.gethostname(), saved=saved)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    atomic_write(path, text.encode("utf-8"), what="baseline ")


def load_baseline(path: Path) -> tuple[Listener, ...]:
    """Read a baseline written by :func:`save_baseline`.

    The file is the caller's input, not the cache: one that is missing,
    unreadable, larger than :data:`BASELINE_MAX_BYTES` or not a baseline
    raises :class:`~ianaports.InvalidArgumentError` naming it (the command
    line exits 2, a usage error).  At most that many bytes are read, so
    ``/dev/zero`` is refused at once.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(BASELINE_MAX_BYTES + 1)
    except OSError as exc:
        msg = f"cannot read baseline {path}: {exc.strerror or exc}"
        raise InvalidArgumentError(msg) from exc
    if len(data) > BASELINE_MAX_BYTES:
        msg = f"baseline {path} is larger than the {BASELINE_MAX_BYTES}-byte limit; it is no ianaports baseline"
        raise InvalidArgumentError(msg)
    try:
        document = json.loads(data.decode("utf-8"))
        return tuple(_baseline_listener(entry) for entry in document["listeners"])
    except RecursionError:
        # json nests one Python call per [ or {: 100,000 of them exhaust the stack.
        msg = f"baseline {path} is not an ianaports baseline: its JSON nests too deep"
        raise InvalidArgumentError(msg) from None
    except (ValueError, KeyError, TypeError) as exc:
        msg = f"baseline {path} is not an ianaports baseline: {exc}"
        raise InvalidArgumentError(msg) from exc


def _baseline_listener(entry: dict[str, Any]) -> Listener:
    """One listener of a baseline, its fields of the types save_baseline writes (else TypeError/ValueError)."""
    address, port, process = entry["address"], entry["port"], entry.get("process")
    # A hand-edited "port": 1.5 or "address": ["a"] would otherwise be compared as 1 and "['a']".
    if not isinstance(address, str) or not isinstance(process, str | None):
        msg = f"address must be text and process text or null, not {address!r} and {process!r}"
        raise TypeError(msg)
    if isinstance(port, bool) or not isinstance(port, int):
        msg = f"port must be a whole number, not {port!r}"
        raise TypeError(msg)
    return Listener(protocol=Protocol(entry["protocol"]), address=address, port=check_port(port), process=process)


@attrs.frozen(kw_only=True)
class BaselineDiff:
    """What changed since a baseline: new listeners, gone ones, and owner changes."""

    new: tuple[Listener, ...]
    gone: tuple[Listener, ...]
    changed_owner: tuple[tuple[Listener, Listener], ...]

    @property
    def has_new(self) -> bool:
        """True when something listens now that did not at the baseline."""
        return bool(self.new)


def compare_baseline(baseline: Iterable[Listener], now: Iterable[Listener]) -> BaselineDiff:
    """Compare listeners now with a baseline, by protocol, address and port."""
    before = {listener.key: listener for listener in baseline}
    after = {listener.key: listener for listener in now}
    return BaselineDiff(
        new=tuple(after[key] for key in sorted(after.keys() - before.keys())),
        gone=tuple(before[key] for key in sorted(before.keys() - after.keys())),
        changed_owner=tuple(
            (before[key], after[key])
            for key in sorted(before.keys() & after.keys())
            if before[key].process is not None
            and after[key].process is not None
            and before[key].process != after[key].process
        ),
    )
