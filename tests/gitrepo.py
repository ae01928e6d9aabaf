"""Git repositories built by the tests, to import releases from."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from ianaports.sources import DEFAULT_GIT_PATH

if TYPE_CHECKING:
    from pathlib import Path


def git(repository: Path, *argv: str) -> str:
    """Run git in *repository* with a fixed identity; return its output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(["git", "-C", str(repository), *argv], capture_output=True, env=env, check=True, text=True)
    return done.stdout


def make_repository(folder: Path, versions: list[bytes | None], *, path: str = DEFAULT_GIT_PATH) -> Path:
    """A git work tree at *folder* committing each of *versions* to *path* in turn (None deletes it)."""
    folder.mkdir(parents=True)
    git(folder, "init", "--quiet", "--initial-branch=main")
    target = folder / path
    target.parent.mkdir(parents=True, exist_ok=True)
    for index, data in enumerate(versions):
        if data is None:
            git(folder, "rm", "--quiet", path)
        else:
            target.write_bytes(data)
            git(folder, "add", path)
        git(folder, "commit", "--quiet", "--allow-empty", "-m", f"version {index}")
    return folder
