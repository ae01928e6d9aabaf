"""Shared test settings: where the real IANA releases are, and an isolated cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ianaports._sync import sync
from netserver import RawServer
from realdata import REGISTRY_DIR, parsed, real_release_paths, require_real

if TYPE_CHECKING:
    from pathlib import Path

    from ianaports import Registry


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the cache at a fresh temporary folder so no test touches the user's."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("IANAPORTS_CACHE_DIR", str(cache))
    monkeypatch.delenv("IANAPORTS_URL", raising=False)
    monkeypatch.delenv("IANAPORTS_NOTES_PATH", raising=False)
    # The network settings and proxies of whoever runs the suite must not reach a test's sync.
    for variable in ("IANAPORTS_TIMEOUT", "IANAPORTS_RETRIES", "IANAPORTS_DEADLINE", "IANAPORTS_LOCK_TIMEOUT"):
        monkeypatch.delenv(variable, raising=False)
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)
        monkeypatch.delenv(variable.lower(), raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return cache


@pytest.fixture
def newest() -> Registry:
    """The newest real release, parsed once."""
    return parsed(require_real())


@pytest.fixture(scope="session")
def real_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding every real release of the shared folder, imported once per session."""
    if not real_release_paths():
        pytest.skip(f"real IANA releases not found in {REGISTRY_DIR} (set IANAPORTS_TEST_REGISTRY)")
    folder = tmp_path_factory.mktemp("real-cache")
    sync(REGISTRY_DIR, cache_dir=folder)
    return folder


@pytest.fixture
def raw_server():
    """Start raw servers on 127.0.0.1 (see tests/netserver.py); they are closed after the test."""
    servers: list[RawServer] = []

    def start(answer: bytes, **options: Any) -> RawServer:
        server = RawServer(answer, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
