"""Small registry documents written on the fly, for fetch, store and sync tests."""

from __future__ import annotations


def registry_xml(updated: str = "2025-12-15", count: int = 20, *, extra: str = "", reverse: bool = False) -> bytes:
    """A valid registry with *count* simple records (svc0/tcp on port 1000, ...), optionally in reverse order."""
    indexes = range(count - 1, -1, -1) if reverse else range(count)
    records = "".join(
        f"<record><name>svc{index}</name><protocol>tcp</protocol><number>{1000 + index % 3}</number>"
        f"<description>Service {index}</description></record>\n"
        for index in indexes
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<registry xmlns="http://www.iana.org/assignments" id="service-names-port-numbers">\n'
        "<title>Service Name and Transport Protocol Port Number Registry</title>\n"
        f"<updated>{updated}</updated>\n{records}{extra}</registry>\n"
    ).encode()


def nested_ranges_xml(count: int, updated: str = "2025-12-15") -> bytes:
    """A valid but hostile registry: *count* named tcp ranges ``i-(65535-i)``, each inside the one before."""
    records = "".join(
        f"<record><name>nest{index}</name><protocol>tcp</protocol><number>{index}-{65535 - index}</number>"
        f"<description>Nested {index}</description></record>\n"
        for index in range(count)
    )
    return registry_xml(updated, 0, extra=records)
