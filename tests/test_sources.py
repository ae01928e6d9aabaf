"""Local release sources: dates read from the head, folders and git repositories listed in date order.

``parser.read_updated`` is tested here, with the sources that are its reason to exist.
"""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import lzma
import os
import shutil
from pathlib import Path

import pytest

from gitrepo import git, make_repository
from ianaports.errors import FetchError, ParseError
from ianaports.parser import read_updated
from ianaports.sources import DEFAULT_GIT_PATH, FolderSource, GitSource, is_git_repository, open_local_source
from realdata import parsed, real_release_paths
from synthetic import registry_xml

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def dates(candidates: list) -> list[str]:
    """The ISO dates of *candidates*, in their order."""
    return [candidate.updated.isoformat() for candidate in candidates]


class TestReadUpdated:
    def test_plain(self):
        """The date is read from a plain document."""
        assert read_updated(registry_xml("2024-02-29")) == dt.date(2024, 2, 29)

    @pytest.mark.parametrize("compress", [gzip.compress, lzma.compress], ids=["gzip", "xz"])
    def test_compressed_head(self, compress):
        """The first kilobytes of a gzip or xz file are enough."""
        data = compress(registry_xml("2023-05-01", 2000))
        assert read_updated(data[:1024]) == dt.date(2023, 5, 1)

    def test_bzip2_whole(self):
        """A whole bzip2 file gives its date too."""
        assert read_updated(bz2.compress(registry_xml("2022-01-10"))) == dt.date(2022, 1, 10)

    def test_only_before_the_first_record(self):
        """An <updated> after the first record (a person's, say) is not the registry's date."""
        data = registry_xml(extra="").replace(b"<updated>2025-12-15</updated>", b"")
        data = data.replace(
            b"</registry>", b"<people><person><updated>2020-01-01</updated></person></people></registry>"
        )
        assert read_updated(data) is None

    @pytest.mark.parametrize("data", [b"", b"<html><body>hello</body></html>", b"\x1f\x8bnot gzip"])
    def test_none(self, data):
        """A document without a registry date, or a corrupt head, gives None."""
        assert read_updated(data) is None

    def test_not_a_date(self):
        """An <updated> that is not a calendar date gives None (parsing reports it)."""
        assert read_updated(registry_xml("2025-02-30")) is None

    def test_real_releases(self):
        """Every real release's head gives the date the full parse gives."""
        paths = real_release_paths()
        if not paths:
            pytest.skip("real IANA releases not found (set IANAPORTS_TEST_REGISTRY)")
        for path in paths:
            assert read_updated(path.read_bytes()[:65536]) == parsed(path).updated, path.name


class TestFolderSource:
    def test_date_order_not_name_order(self, tmp_path):
        """A folder's releases come in <updated> order, whatever their names; a file with no date comes last."""
        (tmp_path / "a.xml").write_bytes(registry_xml("2025-03-01"))
        (tmp_path / "b.xml.xz").write_bytes(lzma.compress(registry_xml("2019-01-01")))
        (tmp_path / "c.xml").write_bytes(b"<html/>")
        (tmp_path / "d.xml.gz").write_bytes(gzip.compress(registry_xml("2021-06-01")))
        (tmp_path / "notes.txt").write_bytes(registry_xml("2000-01-01"))
        candidates = FolderSource(tmp_path).candidates()
        assert [candidate.name.rsplit("/", 1)[1] for candidate in candidates] == [
            "b.xml.xz",
            "d.xml.gz",
            "a.xml",
            "c.xml",
        ]
        assert [candidate.updated for candidate in candidates][-1] is None

    def test_reads_uncompressed(self, tmp_path):
        """Reading a compressed release gives its XML."""
        (tmp_path / "b.xml.xz").write_bytes(lzma.compress(registry_xml("2019-01-01")))
        source = FolderSource(tmp_path)
        assert source.read(source.candidates()[0]) == registry_xml("2019-01-01")

    def test_empty_folder(self, tmp_path):
        """A folder without a release file is a FetchError."""
        with pytest.raises(FetchError, match="no release file"):
            FolderSource(tmp_path).candidates()


@needs_git
class TestGitSource:
    def test_versions_in_date_order(self, tmp_path):
        """Every version committed comes once, in <updated> order, not commit order; a revert is one release."""
        versions = [registry_xml("2021-01-01"), registry_xml("2019-01-01"), registry_xml("2023-01-01")]
        repository = make_repository(tmp_path / "repo", [*versions, versions[1]])
        with GitSource(repository) as source:
            candidates = source.candidates()
            assert dates(candidates) == ["2019-01-01", "2021-01-01", "2023-01-01"]
            assert [source.read(candidate) for candidate in candidates] == [versions[1], versions[0], versions[2]]

    def test_bare_clone(self, tmp_path):
        """A bare clone lists the same releases as its work tree."""
        versions = [registry_xml("2021-01-01"), registry_xml("2019-01-01")]
        repository = make_repository(tmp_path / "repo", versions)
        bare = tmp_path / "repo.git"
        git(tmp_path, "clone", "--quiet", "--bare", str(repository), str(bare))
        assert is_git_repository(bare)
        with GitSource(bare) as source:
            assert dates(source.candidates()) == ["2019-01-01", "2021-01-01"]

    def test_deleted_file_and_other_ref(self, tmp_path):
        """A commit deleting the file adds nothing; --git-ref reads another branch."""
        repository = make_repository(tmp_path / "repo", [registry_xml("2020-01-01"), None])
        git(repository, "checkout", "--quiet", "-b", "other")
        (repository / DEFAULT_GIT_PATH).write_bytes(registry_xml("2024-01-01"))
        git(repository, "add", DEFAULT_GIT_PATH)
        git(repository, "commit", "--quiet", "-m", "on other")
        git(repository, "checkout", "--quiet", "main")
        with GitSource(repository) as source:
            assert dates(source.candidates()) == ["2020-01-01"]
        with GitSource(repository, ref="other") as source:
            assert dates(source.candidates()) == ["2020-01-01", "2024-01-01"]

    def test_git_path(self, tmp_path):
        """--git-path names a file elsewhere in the tree; the default name then finds nothing and says so."""
        repository = make_repository(tmp_path / "repo", [registry_xml("2020-01-01")], path="data/ports.xml")
        with GitSource(repository, path="data/ports.xml") as source:
            assert dates(source.candidates()) == ["2020-01-01"]
        with GitSource(repository) as source, pytest.raises(FetchError, match="--git-path"):
            source.candidates()

    def test_unknown_ref(self, tmp_path):
        """A ref that names no commit is one clear FetchError."""
        repository = make_repository(tmp_path / "repo", [registry_xml("2020-01-01")])
        with GitSource(repository, ref="no-such-branch") as source, pytest.raises(FetchError, match="names no commit"):
            source.candidates()

    @pytest.mark.parametrize(("ref", "path"), [("--output=/tmp/x", None), (None, "-p"), ("a\nb", None)])
    def test_option_like_arguments_refused(self, tmp_path, ref, path):
        """A ref or path that git would read as an option (or two lines) is refused before git runs."""
        repository = make_repository(tmp_path / "repo", [registry_xml("2020-01-01")])
        with pytest.raises(FetchError, match="not a usable git"):
            GitSource(repository, ref=ref, path=path)

    def test_git_missing(self, tmp_path, monkeypatch):
        """Without git on PATH the error says git is needed for this repository."""
        repository = make_repository(tmp_path / "repo", [registry_xml("2020-01-01")])
        monkeypatch.setattr(shutil, "which", lambda name: None)
        with pytest.raises(FetchError, match="git is not installed"):
            open_local_source(repository)

    def test_corrupt_compressed_blob(self, tmp_path):
        """A committed file that does not decompress is listed undated, and reading it is a ParseError."""
        repository = make_repository(tmp_path / "repo", [b"\xfd7zXZ\x00 broken"])
        with GitSource(repository) as source:
            [candidate] = source.candidates()
            assert candidate.updated is None
            with pytest.raises(ParseError, match="corrupt"):
                source.read(candidate)


class TestOpenLocalSource:
    def test_folder_is_not_a_repository(self, tmp_path):
        """A plain folder given a git ref is refused as not a git repository."""
        with pytest.raises(FetchError, match="not a git repository"):
            open_local_source(tmp_path, git_ref="main")

    def test_folder_inside_a_repository(self, tmp_path):
        """A folder inside a work tree is a folder of releases, not the repository around it."""
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        repository = make_repository(tmp_path / "repo", [registry_xml("2020-01-01")])
        (repository / "releases").mkdir()
        assert isinstance(open_local_source(repository / "releases"), FolderSource)
        assert isinstance(open_local_source(repository), GitSource)

    def test_missing(self, tmp_path):
        """A path that does not exist is 'no such file or folder'."""
        with pytest.raises(FetchError, match="no such file or folder"):
            open_local_source(tmp_path / "missing")


class TestNotAFile:
    def test_fifo_is_named_and_never_waited_on(self, tmp_path):
        """sync --source FIFO says it is a FIFO (it said 'no such file', or waited forever for a writer)."""
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        with pytest.raises(FetchError, match=r"it is a FIFO \(named pipe\), not a file or folder"):
            open_local_source(fifo)

    def test_character_device_is_named(self):
        """sync --source /dev/zero says it is a character device instead of reading 16 MiB of zeros."""
        with pytest.raises(FetchError, match="it is a character device, not a file or folder"):
            open_local_source(Path("/dev/zero"))
