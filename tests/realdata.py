"""Where the real IANA releases and the committed fixtures are, for tests and helpers."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from ianaports import Registry, parse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
#: One setting says where the real releases live; ../shared/registry by default.
REGISTRY_DIR = Path(os.environ.get("IANAPORTS_TEST_REGISTRY", PROJECT_ROOT.parent / "shared" / "registry"))
NEWEST = "service-names-port-numbers.20251215.xml.xz"


def real_release_paths() -> list[Path]:
    """Every real release in the shared folder, oldest first (empty when absent)."""
    if not REGISTRY_DIR.is_dir():
        return []
    return sorted(REGISTRY_DIR.glob("service-names-port-numbers.*.xml*"))


def require_real(name: str = NEWEST) -> Path:
    """The path of one real release, or skip the test saying why."""
    path = REGISTRY_DIR / name
    if not path.is_file():
        pytest.skip(f"real IANA release {name} not found in {REGISTRY_DIR} (set IANAPORTS_TEST_REGISTRY)")
    return path


@functools.cache
def parsed(path: Path) -> Registry:
    """Parse a release once per test session (releases are immutable)."""
    return parse(path)
