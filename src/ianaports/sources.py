"""Local release sources: a release file, a folder of them, or a git repository's history of the registry file.

Each source first lists its releases cheaply, with the ``<updated>`` date read
from the head of each (:func:`ianaports.parser.read_updated`, no parsing), so
that an import can go in date order; then it hands over one release's bytes at
a time, so memory holds one release however long the history.

A git repository (work tree or bare) is read with git itself: ``git log`` names
the commits that touched the file, and one ``git cat-file --batch`` process
streams their blobs.  Every git command gets a list of arguments, never a shell
string, and a ref or path that looks like an option is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import stat
import subprocess
import threading
from typing import IO, TYPE_CHECKING

import attrs

from ._files import file_kind
from ._limits import max_bytes
from .errors import FetchError, ParseError
from .parser import read_source_bytes, read_updated

if TYPE_CHECKING:
    from collections.abc import Generator, Sequence
    from pathlib import Path
    from types import TracebackType

__all__ = [
    "DEFAULT_GIT_PATH",
    "RELEASE_SUFFIXES",
    "Candidate",
    "FolderSource",
    "GitSource",
    "LocalSource",
    "is_git_repository",
    "open_local_source",
]

RELEASE_SUFFIXES = (".xml", ".gz", ".xz", ".bz2")
#: Where public trackers (and IANA's own URL) keep the registry file.
DEFAULT_GIT_PATH = "service-names-port-numbers.xml"
#: Enough of a file to find its ``<updated>`` date, compressed or not.
_HEAD_BYTES = 64 * 1024
#: Git's own variables would point ``git -C PATH`` at another repository.
_GIT_ENVIRONMENT = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE")


@attrs.frozen(kw_only=True)
class Candidate:
    """One release a local source holds, listed before it is read in full."""

    #: What messages call it: the file's path, or ``COMMIT:PATH`` in a repository.
    name: str
    #: Where the store records it came from.
    origin: str
    #: IANA's date read from the head of the file; None when the head holds none.
    updated: dt.date | None
    #: How the source finds it again: a file path, or a git blob id.
    key: str
    #: The sha256 of its XML when listing already read the whole release (git), else None.
    sha256: str | None = None

    @property
    def order(self) -> tuple[bool, dt.date, str]:
        """The import order: by date, undated files last, then by name."""
        return (self.updated is None, self.updated or dt.date.min, self.name)


class LocalSource:
    """Releases on this machine: list them with :meth:`candidates`, read each with :meth:`read`."""

    def __enter__(self) -> LocalSource:  # noqa: PYI034 - Self needs typing_extensions on 3.10
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release what the source holds open (nothing for a folder)."""

    def candidates(self) -> list[Candidate]:
        """Every release of the source, in import order (by ``<updated>`` date)."""
        raise NotImplementedError

    def read(self, candidate: Candidate) -> bytes:
        """The uncompressed XML of *candidate*; :class:`ParseError` when it cannot be read."""
        raise NotImplementedError

    def read_many(self, candidates: Sequence[Candidate]) -> Generator[tuple[Candidate, bytes | ParseError], None, None]:
        """Each candidate with its XML, or the :class:`ParseError` saying why it cannot be read, in turn."""
        for candidate in candidates:
            try:
                yield candidate, self.read(candidate)
            except ParseError as exc:
                yield candidate, exc


class FolderSource(LocalSource):
    """One release file, or every release file (``.xml``, ``.gz``, ``.xz``, ``.bz2``) in a folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def candidates(self) -> list[Candidate]:
        """Every release file with the date from its head, in date order (a single file as it is)."""
        if self.path.is_dir():
            files = [
                child for child in self.path.iterdir() if child.is_file() and child.name.endswith(RELEASE_SUFFIXES)
            ]
            if not files:
                raise FetchError("the folder holds no release file")
        else:
            files = [self.path]
        found = [
            Candidate(name=str(file), origin=str(file.resolve()), updated=_file_date(file), key=str(file))
            for file in files
        ]
        return sorted(found, key=lambda candidate: candidate.order)

    def read(self, candidate: Candidate) -> bytes:
        """The file's uncompressed bytes."""
        return read_source_bytes(candidate.key)


def _file_date(path: Path) -> dt.date | None:
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
            updated = read_updated(head)
            if updated is None and len(head) == _HEAD_BYTES:
                # A bzip2 block, or a registry with a very long header: look at the whole.
                updated = read_updated(read_source_bytes(path))
    except (OSError, ParseError):
        return None  # reading it in full reports the reason
    return updated


class GitSource(LocalSource):
    """Every version of one file committed on one branch (or ref) of a git repository."""

    def __init__(self, repository: Path, *, ref: str | None = None, path: str | None = None) -> None:
        self.repository = repository
        self.ref = ref or "HEAD"
        self.file = path or DEFAULT_GIT_PATH
        for what, value in (("ref", self.ref), ("path", self.file)):
            if value.startswith("-") or "\n" in value or not value.strip():
                raise FetchError(f"not a usable git {what}: {value!r}")
        git = shutil.which("git")
        if git is None:
            raise FetchError(f"git is not installed; it is needed to read the repository {repository}")
        self._git = git
        self._env = {key: value for key, value in os.environ.items() if key not in _GIT_ENVIRONMENT}

    def _run(self, *argv: str) -> str:
        command = [self._git, "-C", str(self.repository), *argv]
        try:
            done = subprocess.run(command, capture_output=True, env=self._env, check=False, timeout=600)  # noqa: S603 - a list of arguments, git found on PATH
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise FetchError(f"cannot run git on {self.repository}: {exc}") from exc
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip().splitlines()
            reason = message[-1] if message else f"git {argv[0]} exited {done.returncode}"
            raise FetchError(f"{self.repository}: {reason.removeprefix('fatal: ')}")
        return done.stdout.decode(errors="replace")

    def candidates(self) -> list[Candidate]:
        """Every distinct version of the file on the ref, with its date and sha256, in date order.

        Listing reads each version once in full (git has no cheaper way to a
        blob's head); only the hash, the date and the blob id are kept.
        """
        try:
            commit = self._run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{self.ref}^{{commit}}").strip()
        except FetchError as exc:
            raise FetchError(f"{self.ref} names no commit in {self.repository} (an empty repository?)") from exc
        commits = self._run("log", "--format=%H", commit, "--", self.file).split()
        if not commits:
            raise FetchError(
                f"no commit on {self.ref} of {self.repository} holds {self.file}"
                " (name the file with --git-path, the branch with --git-ref)"
            )
        found: dict[str, Candidate] = {}
        for sha, (blob_id, content) in zip(
            commits, self._blobs([f"{sha}:{self.file}" for sha in commits]), strict=True
        ):
            if blob_id is None or blob_id in found:
                continue  # the commit deleted the file, or committed content seen already (a revert)
            xml = _uncompressed(content)
            found[blob_id] = Candidate(
                name=f"{sha[:12]}:{self.file}",
                origin=f"{self.repository.resolve()}@{sha}:{self.file}",
                updated=None if isinstance(xml, ParseError) else read_updated(xml[:_HEAD_BYTES]),
                key=blob_id,
                sha256=None if isinstance(xml, ParseError) else hashlib.sha256(xml).hexdigest(),
            )
        return sorted(found.values(), key=lambda candidate: candidate.order)

    def read(self, candidate: Candidate) -> bytes:
        """The version's uncompressed bytes, from ``git cat-file``."""
        [(_, content)] = self.read_many([candidate])
        if isinstance(content, ParseError):
            raise content
        return content

    def read_many(self, candidates: Sequence[Candidate]) -> Generator[tuple[Candidate, bytes | ParseError], None, None]:
        """Each candidate's bytes in turn, from one ``git cat-file --batch`` that works ahead of the reader."""
        for candidate, (blob_id, content) in zip(candidates, self._blobs([c.key for c in candidates]), strict=True):
            if blob_id is None:
                yield candidate, ParseError(f"the blob {candidate.key} is missing from the repository")
            else:
                yield candidate, _uncompressed(content)

    def _blobs(self, names: list[str]) -> Generator[tuple[str | None, bytes | ParseError], None, None]:
        """(blob id, content) for each object name, or (None, ...) when it names no blob.

        One ``git cat-file --batch`` answers; a thread writes every name at
        once, so git reads the next blob while the caller works on this one.
        """
        command = [self._git, "-C", str(self.repository), "cat-file", "--batch"]
        try:
            process = subprocess.Popen(  # noqa: S603 - a list of arguments, git found on PATH
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self._env
            )
        except OSError as exc:
            raise FetchError(f"cannot run git on {self.repository}: {exc}") from exc
        stdin, stdout = process.stdin, process.stdout
        if stdin is None or stdout is None:  # pragma: no cover - both are pipes
            raise FetchError("git cat-file has no pipes")
        writer = threading.Thread(target=_write_lines, args=(stdin, names), daemon=True)
        writer.start()
        try:
            for name in names:
                yield _read_answer(stdout, name)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            writer.join()
            stdout.close()


def _write_lines(stream: IO[bytes], names: list[str]) -> None:
    with contextlib.suppress(OSError), stream:  # OSError: git stopped early, and the reader reports why
        for name in names:
            stream.write(name.encode() + b"\n")


def _read_answer(stdout: IO[bytes], name: str) -> tuple[str | None, bytes | ParseError]:
    header = stdout.readline().decode(errors="replace").split()
    if len(header) == 2 and header[1] in ("missing", "ambiguous"):  # noqa: PLR2004 - "NAME missing"
        return None, ParseError(f"{name} is {header[1]}")
    if len(header) != 3:  # noqa: PLR2004 - "ID TYPE SIZE"
        raise FetchError(f"git cat-file gave an unexpected answer for {name}: {' '.join(header)!r}")
    blob_id, kind, size_text = header
    size = int(size_text)
    limit = max_bytes()
    if size > limit:
        _read_exactly(stdout, size + 1, keep=False)
        return blob_id, ParseError(f"{name} is larger than the {limit}-byte limit")
    data = _read_exactly(stdout, size + 1)[:size]  # the content, then a newline
    if kind != "blob":
        return None, ParseError(f"{name} is a {kind}, not a file")
    return blob_id, data


def _uncompressed(content: bytes | ParseError) -> bytes | ParseError:
    if isinstance(content, ParseError):
        return content
    try:
        return read_source_bytes(content)
    except ParseError as exc:
        return exc


def _read_exactly(stream: IO[bytes], size: int, *, keep: bool = True) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20) if not keep else remaining)
        if not chunk:
            raise FetchError("git cat-file ended in the middle of a blob")
        if keep:
            chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def is_git_repository(path: Path) -> bool:
    """True when *path* itself is a git work tree (it holds ``.git``) or a bare repository."""
    if (path / ".git").exists():
        return True
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and (path / "refs").is_dir()


def open_local_source(path: Path, *, git_ref: str | None = None, git_path: str | None = None) -> LocalSource:
    """The source for *path*: a repository's history when it is one, else the file or folder's releases.

    Raises :class:`FetchError` when *path* does not exist, or when *git_ref* or
    *git_path* is given for something that is not a repository.
    """
    if path.is_dir() and is_git_repository(path):
        return GitSource(path, ref=git_ref, path=git_path)
    if git_ref is not None or git_path is not None:
        if not path.exists():
            raise FetchError("no such file or folder")
        raise FetchError("not a git repository (--git-ref and --git-path read one)")
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise FetchError("no such file or folder") from None
    except OSError as exc:
        raise FetchError(f"cannot read it: {exc.strerror or exc}") from exc
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        # A sync reads a source twice (its date first, then the release), and
        # /dev/zero or a FIFO with no writer would never end: a file or a folder only.
        raise FetchError(f"it is {file_kind(mode)}, not a file or folder: save the release to a file first")
    return FolderSource(path)
