"""Every command of ``ianaports``: its name, the module that registers it, and its line in ``--help``.

Data only, in a module of its own: the light :mod:`ianaports.cli` re-exports it
as ``_COMMANDS`` and the full path (:mod:`ianaports.cli._main`) builds its
parser from it, importing only the module of the command a run names.
"""

from __future__ import annotations

__all__ = ["COMMANDS"]

#: Every command, in the order ``ianaports --help`` lists them: its name, the module of
#: ``ianaports.cli`` that registers it (with ``add_NAME``), and its line in ``--help``.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("show", "lookup", "show the records of a port, span or service name"),
    ("search", "lookup", "search service names and descriptions"),
    ("free", "lookup", "list ports IANA has not assigned, for an internal service"),
    ("check-name", "names", "check a service name before applying for it (RFC 6335 rules, taken, similar names)"),
    ("stats", "lookup", "count assignments per RFC 6335 range and protocol"),
    ("export", "cache", "write the registry as IANA's CSV, JSON, JSON Lines, /etc/services or its original XML"),
    ("listening", "audit", "audit what listens on this machine against IANA's registry"),
    ("completion", "completion", "print a shell completion script (bash, zsh, fish, tcsh, powershell)"),
    ("explain", "lookup", "explain a port or service name as a page (text, markdown, html, json)"),
    ("notes", "audit", "list the curated notes or check them against the registry"),
    ("diff", "changes", "show what changed between two releases"),
    ("history", "changes", "show when a port or name appeared, changed and disappeared across stored releases"),
    ("site", "site", "write a static website of every port, name and release, with feeds and JSON"),
    ("feed", "site", "write a feed of what changed at IANA, one entry per stored release"),
    ("sync", "cache", "refresh the local cache from IANA, a mirror, a file, a folder of releases or a git repository"),
    ("versions", "cache", "list the registry releases kept in the local store"),
    ("rebuild", "cache", "recreate the store's index from its archive (after damage, or to re-derive everything)"),
    (
        "remove-release",
        "cache",
        "take a stored release out of the store (a forged or broken one), keeping its bytes; --undo restores",
    ),
    ("backup", "cache", "write a consistent copy of the whole store to a tar file, even while a sync runs"),
    ("build-data", "data", "build the ianaports_data wheel of one release (for maintainers)"),
)
