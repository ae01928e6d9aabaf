"""socket-compatible lookups from IANA's registry: :func:`getservbyport` and :func:`getservbyname`.

They take the standard library's arguments and raise its errors, but answer
from the newest release in the store (or the data package while the store is
empty) instead of the OS's services file, so the answer is the same on every
OS.  The index behind them is built once per process, under a lock, from
:func:`ianaports.load` (so an empty store with no data package is filled by a
first sync, as ``load`` does); after that a lookup is one dict access.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["PROTOCOL_PREFERENCE", "Index", "build_index", "clear_cache", "getservbyname", "getservbyport"]

#: The protocol answered when none is given: glibc returns the first line of
#: /etc/services that matches, and those files list tcp before udp.
PROTOCOL_PREFERENCE = ("tcp", "udp", "sctp", "dccp")

#: (port, protocol or None) -> name, and (lower-case name, protocol or None) -> port.
Index = tuple[dict[tuple[int, str | None], str], dict[tuple[str, str | None], int]]

_lock = threading.Lock()
_index: Index | None = None


def build_index(registry: Registry) -> Index:
    """The two lookup tables of *registry*: the answers of :func:`getservbyport` and :func:`getservbyname`.

    Like :meth:`Registry.getservbyport <ianaports.registry.Registry.getservbyport>`,
    a port's name is the first assigned, named record covering it that is not an
    alias (an alias only when nothing else is); a name's port is the first port
    of its first record.  Without a protocol, tcp answers first, then udp, sctp
    and dccp.
    """
    by_port: dict[tuple[int, str | None], str] = {}
    aliases: dict[tuple[int, str | None], str] = {}
    by_name: dict[tuple[str, str | None], int] = {}
    for record in registry.records:
        if record.name is None or record.ports is None or record.protocol is None or not record.is_assignment:
            continue
        protocol = str(record.protocol)
        by_name.setdefault((record.name.lower(), protocol), record.ports.start)
        table = by_port if record.alias_of is None else aliases
        for port in record.ports:
            table.setdefault((port, protocol), record.name)
    for key, name in aliases.items():
        by_port.setdefault(key, name)
    for protocol in PROTOCOL_PREFERENCE:
        for (port, proto), name in list(by_port.items()):
            if proto == protocol:
                by_port.setdefault((port, None), name)
        for (service, proto), port in list(by_name.items()):
            if proto == protocol:
                by_name.setdefault((service, None), port)
    return by_port, by_name


def _tables() -> Index:
    global _index  # noqa: PLW0603 - the one process-wide cache, built once under the lock
    index = _index
    if index is None:
        with _lock:
            index = _index
            if index is None:
                from ._sync import load  # noqa: PLC0415 - the store only on the first lookup

                index = _index = build_index(load())
    return index


def clear_cache() -> None:
    """Forget the index: the next lookup builds it again from the newest release (after a sync, say)."""
    global _index  # noqa: PLW0603 - see _tables
    with _lock:
        _index = None


def getservbyport(port: int, protocolname: str | None = None) -> str:
    """The service name of *port* (for *protocolname*), like :func:`socket.getservbyport`, from IANA.

    Raises :class:`OSError` ``port/proto not found`` when nothing is assigned
    there, :class:`OverflowError` for a port outside 0-65535 and
    :class:`TypeError` for a port that is not an int, as :mod:`socket` does.
    The protocol is matched in any case (glibc's files are case-sensitive).

    >>> getservbyport(22, "tcp")  # doctest: +SKIP
    'ssh'
    """
    if not isinstance(port, int):
        raise TypeError(f"'{type(port).__name__}' object cannot be interpreted as an integer")
    if not 0 <= port <= 65535:  # noqa: PLR2004 - the port numbers
        raise OverflowError("getservbyport: port must be 0-65535.")
    key = (port, None if protocolname is None else _protocol(protocolname))
    name = _tables()[0].get(key)
    if name is None:
        raise OSError("port/proto not found")
    return name


def getservbyname(servicename: str, protocolname: str | None = None) -> int:
    """The port of *servicename* (for *protocolname*), like :func:`socket.getservbyname`, from IANA.

    Names and protocols are matched in any case (RFC 6335 section 5.1: service
    names are case-insensitive; glibc compares them exactly).  Raises
    :class:`OSError` ``service/proto not found`` when the name has no port there.

    >>> getservbyname("ssh")  # doctest: +SKIP
    22
    """
    if not isinstance(servicename, str):
        raise TypeError(f"getservbyname() argument 1 must be str, not {type(servicename).__name__}")
    key = (servicename.lower(), None if protocolname is None else _protocol(protocolname))
    port = _tables()[1].get(key)
    if port is None:
        raise OSError("service/proto not found")
    return port


def _protocol(protocolname: object) -> str:
    if not isinstance(protocolname, str):
        raise TypeError(f"protocol name must be str, not {type(protocolname).__name__}")
    return protocolname.lower()
