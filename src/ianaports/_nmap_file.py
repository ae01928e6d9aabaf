"""Which nmap-services file a command reads, if any, decided with :mod:`os` alone.

Most runs name none, so ``explain`` imports :mod:`ianaports.nmap` (its parser,
attrs classes and :mod:`pathlib`) only when there is a file to read.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing itself imports re, which this module does without
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["NMAP_SERVICES_ENV", "chosen_nmap_file"]

#: The environment variable naming an nmap-services file when ``--nmap-services`` is not given.
NMAP_SERVICES_ENV = "IANAPORTS_NMAP_SERVICES"


def chosen_nmap_file(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> str | os.PathLike[str] | None:
    """*path*, else the file ``IANAPORTS_NMAP_SERVICES`` names (blank is none), else None.

    >>> chosen_nmap_file(None, environ={"IANAPORTS_NMAP_SERVICES": "  "}) is None
    True
    >>> chosen_nmap_file(None, environ={"IANAPORTS_NMAP_SERVICES": "/x/nmap-services"})
    '/x/nmap-services'
    """
    if path is not None:
        return path
    environ = os.environ if environ is None else environ
    return environ.get(NMAP_SERVICES_ENV, "").strip() or None
