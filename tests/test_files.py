"""atomic_write and replacing: old bytes or new, never half, and never a device replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ianaports._files import TEMP_PREFIX, atomic_write, replacing
from ianaports.errors import CacheError


class TestRegularFiles:
    def test_new_file(self, tmp_path):
        """A path that does not exist yet gets the bytes, with the mode a new file gets."""
        target = tmp_path / "out.txt"
        atomic_write(target, b"hello\n")
        assert target.read_bytes() == b"hello\n"
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask

    def test_not_durable_skips_fsync_but_still_renames(self, tmp_path, monkeypatch):
        """With durable=False the file is still replaced by a rename, without an fsync of it or its folder."""
        target = tmp_path / "out.txt"
        target.write_bytes(b"old")
        before = target.stat().st_ino
        calls = []
        monkeypatch.setattr(os, "fsync", calls.append)
        atomic_write(target, b"new", durable=False)
        assert (target.read_bytes(), calls) == (b"new", [])
        assert target.stat().st_ino != before
        atomic_write(target, b"newer")
        assert len(calls) == 2  # the file and its folder

    def test_replaces_and_keeps_mode(self, tmp_path):
        """An existing file is replaced whole and keeps its permission bits."""
        target = tmp_path / "out.txt"
        target.write_bytes(b"old")
        target.chmod(0o640)
        atomic_write(target, b"new")
        assert target.read_bytes() == b"new"
        assert stat.S_IMODE(target.stat().st_mode) == 0o640

    def test_failure_leaves_old_bytes_and_no_temporary(self, tmp_path):
        """An exception inside the block leaves the old file as it was and no temporary file behind."""
        target = tmp_path / "out.txt"
        target.write_bytes(b"old")

        def write_half_then_fail() -> None:
            with replacing(target) as handle:
                handle.write(b"half")
                raise RuntimeError

        with pytest.raises(RuntimeError):
            write_half_then_fail()
        assert target.read_bytes() == b"old"
        assert [path.name for path in tmp_path.iterdir() if path.name.startswith(TEMP_PREFIX)] == []

    def test_symlink_is_followed(self, tmp_path):
        """A symlink stays a symlink; the file it names gets the bytes."""
        real = tmp_path / "real.txt"
        real.write_bytes(b"old")
        link = tmp_path / "link.txt"
        link.symlink_to(real)
        atomic_write(link, b"new")
        assert link.is_symlink()
        assert real.read_bytes() == b"new"


class TestNotOurs:
    def test_fifo_is_written_in_place(self, tmp_path):
        """A FIFO is written through, not replaced by a regular file."""
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            atomic_write(fifo, b"through the pipe")
            assert os.read(reader, 100) == b"through the pipe"
        finally:
            os.close(reader)
        assert stat.S_ISFIFO(fifo.stat().st_mode)

    def test_dev_null_survives(self):
        """Writing to /dev/null leaves it a character device."""
        atomic_write("/dev/null", b"discarded")
        assert stat.S_ISCHR(Path("/dev/null").stat().st_mode)

    def test_folder_is_refused(self, tmp_path):
        """A folder at the path is one clear CacheError, and the folder stays."""
        with pytest.raises(CacheError, match="it is a folder"):
            atomic_write(tmp_path, b"x", what="baseline ")
        assert tmp_path.is_dir()

    def test_missing_parent_is_a_cache_error(self, tmp_path):
        """A path in a folder that does not exist is a CacheError naming the path."""
        with pytest.raises(CacheError, match=r"cannot write .*nowhere"):
            atomic_write(tmp_path / "nowhere" / "out.txt", b"x")
