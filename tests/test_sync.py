from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import io
import json
import lzma
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import warnings
from typing import TYPE_CHECKING, ClassVar

import pytest
import responses

import ianaports
from cli_helpers import run
from gitrepo import git, make_repository
from ianaports import _sync
from ianaports._sync import ImportProgress
from ianaports.cli import EXIT_OK, EXIT_SOURCE, main
from ianaports.cli import cache as cache_commands
from ianaports.cli._common import Output
from ianaports.errors import (
    CacheError,
    FetchError,
    InvalidArgumentError,
    NotFoundError,
    StaleDataWarning,
    SuspectReleaseError,
)
from ianaports.registry import port_overlap
from ianaports.store import Store
from netserver import answer, closed_port_url
from realdata import PROJECT_ROOT, parsed, real_release_paths, require_real
from synthetic import nested_ranges_xml, registry_xml

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from ianaports.store import ReleaseInfo

URL = "https://registry.test/ports.xml"


def snapshot_files(folder: Path) -> dict[str, bytes]:
    """Every file in the cache folder and its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, bytes]] = {}
    drop: ClassVar[set[str]] = set()

    def do_GET(self):
        body = self.routes.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path in self.drop:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1 serving real releases; a path in .drop cuts the body in half."""
    handler = type("Handler", (_Handler,), {"routes": {}, "drop": set()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    httpd.handler = handler  # type: ignore[attr-defined]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def no_sleep(seconds: float) -> None:
    del seconds


class TestSources:
    def test_file_then_same_file(self, isolated_cache, tmp_path):
        """A file is imported once; importing it again reports 'unchanged'."""
        path = tmp_path / "r.xml"
        path.write_bytes(registry_xml())
        first = ianaports.sync(path)
        second = ianaports.sync(path)
        assert [o.status for o in first.outcomes] == ["added"]
        assert [o.status for o in second.outcomes] == ["unchanged"]
        assert first.latest is not None
        assert first.latest.record_count == 20
        assert len(ianaports.versions()) == 1

    def test_fallback_source(self, tmp_path):
        """When the first source fails the next is tried, and both outcomes are reported."""
        path = tmp_path / "r.xml"
        path.write_bytes(registry_xml())
        result = ianaports.sync([tmp_path / "missing.xml", path])
        assert [(o.status, o.error) for o in result.outcomes] == [("failed", "no such file or folder"), ("added", None)]

    @pytest.mark.parametrize("url", ["ftp://mirror.example/ports.xml", "file:///etc/passwd"])
    def test_other_url_schemes(self, tmp_path, url):
        """A URL of another scheme is refused as such, not read as a missing file, and the next source is tried."""
        path = tmp_path / "r.xml"
        path.write_bytes(registry_xml())
        result = ianaports.sync([url, path])
        assert [(o.status, o.error) for o in result.outcomes] == [
            ("failed", "only http:// and https:// URLs can be fetched"),
            ("added", None),
        ]

    def test_not_a_registry(self, tmp_path):
        """A file that is not the registry fails with FetchError and leaves no cache behind."""
        path = tmp_path / "r.xml"
        path.write_bytes(b"<html><body>hello</body></html>")
        with pytest.raises(FetchError, match="not the IANA service-name"):
            ianaports.sync(path)
        assert ianaports.versions() == ()

    def test_suspect_release(self, tmp_path):
        """A release with far fewer records than the previous is refused unless forced."""
        (tmp_path / "a.xml").write_bytes(registry_xml("2025-01-01", 100))
        (tmp_path / "b.xml").write_bytes(registry_xml("2025-02-01", 50))
        ianaports.sync(tmp_path / "a.xml")
        with pytest.raises(SuspectReleaseError, match="50 records"):
            ianaports.sync(tmp_path / "b.xml")
        assert len(ianaports.versions()) == 1
        ianaports.sync(tmp_path / "b.xml", force=True)
        assert len(ianaports.versions()) == 2


class TestHttp:
    @responses.activate
    def test_conditional_sync(self):
        """A second sync sends the validators, gets a 304, and parses nothing."""
        responses.get(URL, body=registry_xml(), headers={"ETag": '"abc"'})
        assert [o.status for o in ianaports.sync(URL, sleep=no_sleep).outcomes] == ["added"]
        responses.replace(
            responses.GET, URL, status=304, match=[responses.matchers.header_matcher({"If-None-Match": '"abc"'})]
        )
        assert [o.status for o in ianaports.sync(URL, sleep=no_sleep).outcomes] == ["not-modified"]

    @responses.activate
    def test_damaged_stored_validators_and_check_time(self, monkeypatch):
        """Validators or a last-check time that do not read back mean a whole fetch and a refresh, not a crash."""
        monkeypatch.setenv("IANAPORTS_URL", URL)
        responses.get(URL, body=registry_xml("2025-01-01", 20), headers={"ETag": '"abc"'})
        ianaports.sync(URL, sleep=no_sleep)
        with Store() as store:
            store.set_meta(f"validators:{URL}", "{")
            store.set_meta("last_checked", "garbage")
        responses.replace(responses.GET, URL, body=registry_xml("2025-02-01", 21))
        assert [o.status for o in ianaports.sync(URL, sleep=no_sleep).outcomes] == ["added"]
        with Store() as store:
            store.set_meta("last_checked", "garbage")
        responses.replace(responses.GET, URL, body=registry_xml("2025-03-01", 22))
        assert len(ianaports.load(max_age=3600)) == 22

    @responses.activate
    def test_not_modified_writes_nothing(self, isolated_cache, monkeypatch):
        """A 304 leaves the index's bytes and mtime as they were, calls no fsync, and still counts as a check."""
        responses.get(URL, body=registry_xml(), headers={"ETag": '"abc"'})
        assert [o.status for o in ianaports.sync(URL, sleep=no_sleep).outcomes] == ["added"]
        with Store() as store:
            store.set_meta("last_checked", "2020-01-01T00:00:00+00:00")  # long ago: load(max_age) would refresh
        responses.replace(responses.GET, URL, status=304)
        index = Store().db_path
        before = (index.read_bytes(), index.stat().st_mtime_ns)
        fsyncs: list[int] = []
        real_fsync = os.fsync
        monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
        assert [o.status for o in ianaports.sync(URL, sleep=no_sleep).outcomes] == ["not-modified"]
        assert (index.read_bytes(), index.stat().st_mtime_ns) == before
        assert fsyncs == []
        # The 304 is remembered: a load within max_age asks no server (none would answer now).
        monkeypatch.setenv("IANAPORTS_URL", "http://127.0.0.1:9/ports.xml")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert len(ianaports.load(max_age=3600)) == 20
        assert len(responses.calls) == 2

    def test_real_server(self, server, isolated_cache):
        """A real release served over HTTP is stored and equals the parsed file."""
        path = require_real()
        server.handler.routes["/ports.xml"] = lzma.decompress(path.read_bytes())
        result = ianaports.sync(f"{server.base}/ports.xml", sleep=no_sleep)
        assert [o.status for o in result.outcomes] == ["added"]
        assert ianaports.load() == parsed(path)
        assert [p.name for p in isolated_cache.iterdir() if p.name.startswith(".tmp-")] == []

    def test_dropped_connection_leaves_cache_identical(self, server, isolated_cache):
        """A connection dropped mid-body fails and leaves every cache file byte-identical."""
        older = require_real("service-names-port-numbers.20251120.xml.xz")
        ianaports.sync(older)
        Store(isolated_cache).close()
        before = snapshot_files(isolated_cache)
        server.handler.routes["/ports.xml"] = lzma.decompress(require_real().read_bytes())
        server.handler.drop.add("/ports.xml")
        with pytest.raises(FetchError, match=r"truncated|dropped"):
            ianaports.sync(f"{server.base}/ports.xml", sleep=no_sleep)
        assert snapshot_files(isolated_cache) == before

    def test_mirror_after_failure(self, server):
        """When IANA's URL fails (404 here) the mirror is used."""
        server.handler.routes["/mirror.xml"] = registry_xml()
        result = ianaports.sync([f"{server.base}/gone.xml", f"{server.base}/mirror.xml"], sleep=no_sleep)
        assert [o.status for o in result.outcomes] == ["failed", "added"]
        assert "HTTP 404" in (result.outcomes[0].error or "")

    def test_env_url(self, server, monkeypatch):
        """IANAPORTS_URL replaces IANA's URL as the default source."""
        server.handler.routes["/env.xml"] = registry_xml()
        monkeypatch.setenv("IANAPORTS_URL", f"{server.base}/env.xml")
        assert ianaports.sync(sleep=no_sleep).outcomes[0].source == f"{server.base}/env.xml"


class TestLoad:
    def test_first_use_syncs(self, server, monkeypatch):
        """load() on an empty cache syncs from the default source first."""
        server.handler.routes["/env.xml"] = registry_xml()
        monkeypatch.setenv("IANAPORTS_URL", f"{server.base}/env.xml")
        assert len(ianaports.load()) == 20

    def test_stale_cache_offline(self, tmp_path, monkeypatch):
        """A cache older than max_age is used with a StaleDataWarning when the source is unreachable."""
        (tmp_path / "r.xml").write_bytes(registry_xml())
        ianaports.sync(tmp_path / "r.xml")
        with Store() as store:
            store.set_meta("last_checked", "2020-01-01T00:00:00+00:00")
        monkeypatch.setenv("IANAPORTS_URL", "http://127.0.0.1:9/ports.xml")
        monkeypatch.setattr("ianaports.fetch.DEFAULT_RETRIES", 0)
        with pytest.warns(StaleDataWarning, match="could not be refreshed"):
            registry = ianaports.load(max_age=dt.timedelta(days=1))
        assert len(registry) == 20

    def test_fresh_cache_no_network(self, tmp_path, monkeypatch):
        """A cache younger than max_age is used without touching the network."""
        (tmp_path / "r.xml").write_bytes(registry_xml())
        ianaports.sync(tmp_path / "r.xml")
        monkeypatch.setenv("IANAPORTS_URL", "http://127.0.0.1:9/ports.xml")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert len(ianaports.load(max_age=3600)) == 20

    def test_named_version_on_empty_cache(self):
        """Naming a version in an empty cache raises NotFoundError instead of syncing."""
        with pytest.raises(NotFoundError):
            ianaports.load(version="2020-01-01")


WORKER = textwrap.dedent(
    """
    import sys, ianaports
    from ianaports.store import Store
    role, cache, source = sys.argv[1:4]
    if role == "writer":
        ianaports.sync(source, cache_dir=cache)
    else:
        for _ in range(20):
            with Store(cache) as store:
                if store.latest() is not None:
                    # A writer may commit between two reads: compare the release loaded with its own count.
                    registry = store.load()
                    assert len(registry) == store.release(registry.updated).record_count
    print("ok")
    """
)


def test_concurrent_processes(tmp_path):
    """Several processes importing and reading one cache at once leave one consistent store."""
    folder = tmp_path / "releases"
    folder.mkdir()
    for index in range(4):
        (folder / f"r{index}.xml").write_bytes(registry_xml(f"2025-0{index + 1}-01", 200 + index))
    cache = tmp_path / "shared-cache"
    jobs = [
        ("writer", folder),
        ("writer", folder / "r3.xml"),
        ("writer", folder),
        ("reader", folder),
        ("reader", folder),
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, role, str(cache), str(source)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
        )
        for role, source in jobs
    ]
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * len(jobs), results
    with Store(cache) as store:
        assert [r.record_count for r in store.releases()] == [200, 201, 202, 203]
        assert store.check() == []


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
#: Four real releases, committed in this order (not their date order).
REAL_COMMIT_ORDER = ["20220719", "20170310", "20251215", "20200108"]


@pytest.fixture(scope="module")
def real_repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git work tree committing four real releases out of date order, and its bare clone beside it."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    versions = [
        lzma.decompress(require_real(f"service-names-port-numbers.{day}.xml.xz").read_bytes())
        for day in REAL_COMMIT_ORDER
    ]
    folder = tmp_path_factory.mktemp("tracker")
    repository = make_repository(folder / "iana-etc", versions, path="data/service-names-port-numbers.xml")
    git(folder, "clone", "--quiet", "--bare", str(repository), str(folder / "iana-etc.git"))
    return repository


def dates_of(releases: Sequence[ReleaseInfo]) -> list[str]:
    """The ISO dates of *releases*, in their order."""
    return [release.updated.isoformat() for release in releases]


@needs_git
class TestGitImport:
    @pytest.mark.parametrize("name", ["iana-etc", "iana-etc.git"], ids=["work-tree", "bare"])
    def test_real_history_in_date_order(self, real_repository, name):
        """Every committed real release is stored byte-exact, in <updated> order, whatever the commit order."""
        source = real_repository.parent / name
        seen: list[tuple[int, int, str]] = []

        def on_import(progress: ImportProgress) -> None:
            seen.append((progress.done, progress.total, str(progress.updated)))

        result = ianaports.sync(source, git_path="data/service-names-port-numbers.xml", on_import=on_import)
        expected = ["2017-03-10", "2020-01-08", "2022-07-19", "2025-12-15"]
        assert dates_of(result.added) == expected
        assert dates_of(ianaports.versions()) == expected
        assert seen == [(index + 1, 4, day) for index, day in enumerate(expected)]
        assert result.history == ()
        with Store() as store:
            newest = store.releases()[-1]
            assert newest.source.endswith(":data/service-names-port-numbers.xml")
            assert store.find(hashlib.sha256(lzma.decompress(require_real().read_bytes())).hexdigest()) == newest

    def test_git_ref(self, tmp_path):
        """--git-ref imports another branch's versions; the current branch's alone without it."""
        repository = make_repository(tmp_path / "repo", [registry_xml("2024-01-01", 20)])
        git(repository, "checkout", "--quiet", "-b", "archive")
        (repository / "service-names-port-numbers.xml").write_bytes(registry_xml("2024-02-01", 21))
        git(repository, "commit", "--quiet", "-am", "newer")
        git(repository, "checkout", "--quiet", "main")
        assert dates_of(ianaports.sync(repository).added) == ["2024-01-01"]
        assert dates_of(ianaports.sync(repository, git_ref="archive").added) == ["2024-02-01"]

    def test_not_a_repository(self, tmp_path):
        """A git option on a plain folder fails naming the reason."""
        (tmp_path / "r.xml").write_bytes(registry_xml())
        with pytest.raises(FetchError, match="not a git repository"):
            ianaports.sync(tmp_path, git_path="r.xml")


class TestFolderImport:
    def test_bad_file_in_the_middle(self, tmp_path):
        """A folder keeps going past a file that is not a registry, names it, and the sync fails in the end."""
        folder = tmp_path / "releases"
        folder.mkdir()
        (folder / "2024.xml").write_bytes(registry_xml("2024-01-01", 20))
        (folder / "bad.xml").write_bytes(registry_xml("2024-06-01", 20).replace(b"</registry>", b""))
        (folder / "2025.xml").write_bytes(registry_xml("2025-01-01", 21))
        result = _sync.attempt_sync(folder)
        [outcome] = result.outcomes
        assert (outcome.status, dates_of(outcome.releases)) == ("failed", ["2024-01-01", "2025-01-01"])
        assert [failure.name for failure in outcome.failures] == [str(folder / "bad.xml")]
        assert "1 of 3 releases could not be imported" in (outcome.error or "")
        assert outcome.to_json()["failures"][0]["name"] == str(folder / "bad.xml")
        with pytest.raises(FetchError, match=r"bad\.xml"):
            ianaports.sync(folder)
        assert dates_of(ianaports.versions()) == ["2024-01-01", "2025-01-01"]

    def test_suspect_release_in_a_folder(self, tmp_path):
        """A suspect release in a folder is refused on its own; the rest are stored."""
        (tmp_path / "a.xml").write_bytes(registry_xml("2025-01-01", 100))
        (tmp_path / "b.xml").write_bytes(registry_xml("2025-02-01", 50))
        (tmp_path / "c.xml").write_bytes(registry_xml("2025-03-01", 101))
        [outcome] = _sync.attempt_sync(tmp_path).outcomes
        assert outcome.status == "refused"
        assert [(failure.name.rsplit("/", 1)[1], failure.refused) for failure in outcome.failures] == [("b.xml", True)]
        assert dates_of(ianaports.versions()) == ["2025-01-01", "2025-03-01"]

    def test_interrupt_and_rerun(self, tmp_path):
        """An import stopped after its second release keeps those two; a rerun stores the rest, skipping the two."""
        for index in range(5):
            (tmp_path / f"r{index}.xml").write_bytes(registry_xml(f"2025-0{5 - index}-01", 24 - index))

        def stop_after_two(progress: ImportProgress) -> None:
            if progress.done == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            ianaports.sync(tmp_path, on_import=stop_after_two)
        assert dates_of(ianaports.versions()) == ["2025-01-01", "2025-02-01"]
        result = ianaports.sync(tmp_path)
        [outcome] = result.outcomes
        assert (outcome.already_stored, dates_of(outcome.releases)) == (2, ["2025-03-01", "2025-04-01", "2025-05-01"])
        assert dates_of(ianaports.versions()) == ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01"]
        with Store() as store:
            assert store.check() == []

    def test_progress_eta(self):
        """The ETA is the pace so far times the releases left, and unknown before the first."""
        progress = ImportProgress(done=2, total=10, name="x", updated=None, elapsed=4.0)
        assert progress.eta == 16.0
        assert ImportProgress(done=0, total=10, name="x", updated=None, elapsed=0.0).eta is None


def release_file(folder: Path, name: str, xml: bytes) -> Path:
    """*xml* written to *folder*/*name*."""
    path = folder / name
    path.write_bytes(xml)
    return path


class TestSuspectReleaseGuard:
    @pytest.mark.parametrize(("updated", "count"), [("2001-01-01", 30), ("0001-01-01", 1)])
    def test_an_old_date_does_not_escape_the_check(self, tmp_path, updated, count):
        """A small release dated before everything stored is refused as suspect, like a new one."""
        ianaports.sync(release_file(tmp_path, "a.xml", registry_xml("2025-01-01", 100)))
        with pytest.raises(SuspectReleaseError, match=f"{count} records, far fewer than the 100 of 2025-01-01"):
            ianaports.sync(release_file(tmp_path, "old.xml", registry_xml(updated, count)))
        assert dates_of(ianaports.versions()) == ["2025-01-01"]

    def test_releases_each_a_little_smaller_cannot_ratchet_it_down(self, tmp_path):
        """After one release of 91 %, the next 91 % is measured against the largest recent release and refused."""
        ianaports.sync(release_file(tmp_path, "a.xml", registry_xml("2025-01-01", 1000)))
        ianaports.sync(release_file(tmp_path, "b.xml", registry_xml("2025-02-01", 910)))
        with pytest.raises(SuspectReleaseError, match="828 records, far fewer than the 1000 of 2025-01-01"):
            ianaports.sync(release_file(tmp_path, "c.xml", registry_xml("2025-03-01", 828)))
        assert dates_of(ianaports.versions()) == ["2025-01-01", "2025-02-01"]

    def test_a_smaller_release_of_the_same_date_does_not_replace_it(self, tmp_path):
        """A release of the newest date with fewer records (91 %) is refused; the day's release stays the latest."""
        ianaports.sync(release_file(tmp_path, "a.xml", registry_xml("2025-01-01", 100)))
        with pytest.raises(SuspectReleaseError, match="fewer than the 100 of the release of that date"):
            ianaports.sync(release_file(tmp_path, "b.xml", registry_xml("2025-01-01", 91)))
        assert len(ianaports.load()) == 100

    def test_a_release_dated_in_the_future_is_refused_unless_forced(self, tmp_path, monkeypatch):
        """An <updated> more than two days after today is refused (it would stay latest forever); --force takes it."""
        monkeypatch.setattr(_sync, "_today", lambda: dt.date(2025, 6, 1))
        ianaports.sync(release_file(tmp_path, "a.xml", registry_xml("2025-06-03", 20)))
        forged = release_file(tmp_path, "forged.xml", registry_xml("9999-12-31", 20))
        with pytest.raises(SuspectReleaseError, match=r"dated 9999-12-31, after today \(2025-06-01\)"):
            ianaports.sync(forged)
        assert dates_of(ianaports.versions()) == ["2025-06-03"]
        ianaports.sync(forged, force=True)
        assert dates_of(ianaports.versions()) == ["2025-06-03", "9999-12-31"]

    def test_future_release_on_the_command_line(self, tmp_path):
        """sync of a far-future release says why it is refused in one line and exits 3."""
        code, _, err = run("sync", "--source", str(release_file(tmp_path, "f.xml", registry_xml("9999-12-31", 20))))
        assert code == EXIT_SOURCE
        assert "dated 9999-12-31, after today" in err
        assert "--force" in err


class TestStaleMirror:
    def test_older_release_is_history(self, tmp_path):
        """A release older than the newest stored is kept as history, not reported as news."""
        (tmp_path / "new.xml").write_bytes(registry_xml("2025-12-15", 20))
        (tmp_path / "old.xml").write_bytes(registry_xml("2025-06-01", 20))
        ianaports.sync(tmp_path / "new.xml")
        result = ianaports.sync(tmp_path / "old.xml")
        [outcome] = result.outcomes
        assert outcome.status == "added"
        assert dates_of(outcome.history) == ["2025-06-01"]
        assert outcome.news == ()
        assert outcome.newest_before == dt.date(2025, 12, 15)
        assert result.latest is not None
        assert result.latest.updated == dt.date(2025, 12, 15)
        document = result.to_json()["sources"][0]
        assert ([r["updated"] for r in document["history"]], document["newest_before"]) == (
            ["2025-06-01"],
            "2025-12-15",
        )

    def test_newer_release_is_news(self, tmp_path):
        """A release newer than the newest stored is news, not history."""
        (tmp_path / "old.xml").write_bytes(registry_xml("2025-06-01", 20))
        (tmp_path / "new.xml").write_bytes(registry_xml("2025-12-15", 20))
        ianaports.sync(tmp_path / "old.xml")
        [outcome] = ianaports.sync(tmp_path / "new.xml").outcomes
        assert (dates_of(outcome.news), outcome.history) == (["2025-12-15"], ())

    @responses.activate
    def test_stale_mirror_over_http(self, tmp_path):
        """A mirror serving an older release than the store holds adds history, and the latest stays the newest."""
        (tmp_path / "new.xml").write_bytes(registry_xml("2025-12-15", 20))
        ianaports.sync(tmp_path / "new.xml")
        responses.get(URL, body=registry_xml("2025-11-20", 20))
        result = ianaports.sync(URL, sleep=no_sleep)
        assert dates_of(result.history) == ["2025-11-20"]
        assert result.latest is not None
        assert result.latest.updated == dt.date(2025, 12, 15)

    @responses.activate
    def test_a_url_serving_an_older_release_warns(self, tmp_path, caplog):
        """A URL that serves a release older than the newest stored says so (a stale or rolled-back mirror)."""
        ianaports.sync(release_file(tmp_path, "new.xml", registry_xml("2025-12-15", 20)))
        responses.get(URL, body=registry_xml("2025-11-20", 20))
        with caplog.at_level("WARNING", logger="ianaports"):
            ianaports.sync(URL, sleep=no_sleep)
        assert f"{URL} serves the release of 2025-11-20, older than the newest stored (2025-12-15)" in caplog.text


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class TestCommandLine:
    @needs_git
    def test_git_ref_and_git_path(self, tmp_path):
        """sync --git-ref and --git-path import that branch's versions of that file, and say how many."""
        repository = make_repository(tmp_path / "repo", [registry_xml("2024-01-01", 20)], path="data/ports.xml")
        git(repository, "checkout", "--quiet", "-b", "archive")
        (repository / "data" / "ports.xml").write_bytes(registry_xml("2024-02-01", 21))
        git(repository, "commit", "--quiet", "-am", "newer")
        git(repository, "checkout", "--quiet", "main")
        code, out, err = run(
            "sync", "--source", str(repository), "--git-ref", "archive", "--git-path", "data/ports.xml"
        )
        assert (code, err) == (EXIT_OK, "")
        assert f"{repository}: added 2 release(s): 2024-01-01, 2024-02-01" in out.splitlines()

    @needs_git
    def test_git_option_on_a_folder(self, tmp_path):
        """--git-ref with a plain folder fails with exit 3 saying it is not a git repository."""
        (tmp_path / "r.xml").write_bytes(registry_xml())
        code, out, err = run("sync", "--source", str(tmp_path), "--git-ref", "main")
        assert (code, out) == (EXIT_SOURCE, "")
        assert "not a git repository" in err

    def test_progress_on_a_terminal_only(self, tmp_path):
        """A terminal's stderr shows the count, date and time left of an import; a pipe shows nothing."""
        for index in range(3):
            (tmp_path / f"r{index}.xml").write_bytes(registry_xml(f"2024-0{3 - index}-01", 20 + index))
        stderr = _Terminal()
        assert main(["sync", "--source", str(tmp_path), "--quiet"], stdout=io.StringIO(), stderr=stderr) == EXIT_OK
        assert stderr.getvalue() == ""  # --quiet hides it
        assert main(["sync", "--source", str(tmp_path), "--force"], stdout=io.StringIO(), stderr=stderr) == EXIT_OK
        steps = stderr.getvalue().split("\r\033[K")
        assert [step.split(":")[0] for step in steps[1:]] == ["  importing 1/3", "  importing 2/3", "  importing 3/3"]
        assert steps[1].startswith("  importing 1/3: 2024-01-01")
        assert steps[-1] == "  importing 3/3: 2024-03-01\n"
        assert run("sync", "--source", str(tmp_path), "--force")[2] == ""

    def test_progress_line_says_time_left(self):
        """The progress line gives the time left at the pace so far, and ends its line after the last release."""
        stderr = _Terminal()
        show = cache_commands._import_progress(Output(io.StringIO(), stderr), quiet=False)
        assert show is not None
        show(ImportProgress(done=1, total=3, name="a", updated=dt.date(2024, 1, 1), elapsed=65.0))
        show(ImportProgress(done=3, total=3, name="c", updated=None, elapsed=195.0))
        assert stderr.getvalue() == (
            "\r\033[K  importing 1/3: 2024-01-01, about 2 min 10 s left\r\033[K  importing 3/3: undated\n"
        )

    def test_bad_file_reported_and_counted(self, tmp_path):
        """A folder with a bad file stores the rest, names the file on stderr, counts all, exits 3, and so on rerun."""
        (tmp_path / "a.xml").write_bytes(registry_xml("2024-01-01", 20))
        (tmp_path / "b.xml").write_bytes(b"<html><body>not here</body></html>")
        (tmp_path / "c.xml").write_bytes(registry_xml("2024-02-01", 20))
        code, out, err = run("sync", "--source", str(tmp_path))
        assert code == EXIT_SOURCE
        lines = err.splitlines()
        assert len(lines) == 2
        assert lines[0].startswith(f"ianaports: not imported: {tmp_path / 'b.xml'}: ")
        assert lines[1] == (
            f"ianaports: {tmp_path}: 2 release(s) imported, 1 could not be imported (see the lines above)"
        )
        assert out.splitlines() == [
            f"{tmp_path}: added 2 release(s): 2024-01-01, 2024-02-01",
            f"{tmp_path}: 2 added, 0 already stored, 1 could not be imported",
        ]
        code, out, err = run("sync", "--source", str(tmp_path))
        assert (code, out) == (EXIT_SOURCE, f"{tmp_path}: 0 added, 2 already stored, 1 could not be imported\n")
        assert err.splitlines()[-1] == (
            f"ianaports: {tmp_path}: 0 release(s) imported, 2 already stored, 1 could not be imported"
            " (see the lines above)"
        )

    def test_partial_failure_is_not_called_a_fetch(self, tmp_path):
        """A folder import failing in part says what it imported, not that a fetch failed or a cache stays in use."""
        (tmp_path / "a.xml").write_bytes(registry_xml("2024-01-01", 20))
        (tmp_path / "b.xml").write_bytes(b"not a registry")
        code, _, err = run("sync", "--source", str(tmp_path))
        assert code == EXIT_SOURCE
        assert "fetch" not in err
        assert "stays in use" not in err
        with pytest.raises(FetchError, match=r"^could not import from .*1 of 2 releases could not be imported"):
            ianaports.sync(tmp_path, cache_dir=tmp_path / "store")

    def test_single_bad_file_says_it_could_not_be_imported(self, tmp_path):
        """A single release file that is not a registry is one line naming it and the reason, without a fetch hint."""
        bad = tmp_path / "b.xml"
        bad.write_bytes(b"not a registry")
        code, out, err = run("sync", "--source", str(bad))
        assert (code, out) == (EXIT_SOURCE, "")
        assert err.startswith(f"ianaports: could not import {bad}: line 1: not well-formed XML")
        assert "--source FILE" not in err
        assert len(err.splitlines()) == 1

    def test_stale_mirror_message(self, tmp_path):
        """An older release is reported as kept history, not as added news; --json lists it under history."""
        (tmp_path / "new.xml").write_bytes(registry_xml("2025-12-15", 20))
        (tmp_path / "old.xml").write_bytes(registry_xml("2025-06-01", 20))
        run("sync", "--source", str(tmp_path / "new.xml"))
        code, out, err = run("sync", "--source", str(tmp_path / "old.xml"))
        assert (code, err) == (EXIT_OK, "")
        assert out.splitlines()[0] == (
            f"{tmp_path / 'old.xml'}: 2025-06-01 is older than the newest stored release 2025-12-15: kept as history"
        )
        assert "added" not in out
        assert "newest release: 2025-12-15" in out
        (tmp_path / "older.xml").write_bytes(registry_xml("2025-05-01", 20))
        code, out, _ = run("sync", "--source", str(tmp_path / "older.xml"), "--json")
        source = json.loads(out)["sources"][0]
        assert [release["updated"] for release in source["history"]] == ["2025-05-01"]


class TestPipeline:
    def test_same_release_twice_in_a_folder(self, tmp_path):
        """A release present twice in a folder (plain and compressed) is stored once and counted once as stored."""
        (tmp_path / "r.xml").write_bytes(registry_xml("2024-01-01", 20))
        (tmp_path / "r.xml.xz").write_bytes(lzma.compress(registry_xml("2024-01-01", 20)))
        [outcome] = ianaports.sync(tmp_path).outcomes
        assert (dates_of(outcome.releases), outcome.already_stored) == (["2024-01-01"], 1)

    @pytest.mark.parametrize("mode", ["thread", "serial"])
    def test_parse_ahead_or_not_stores_the_same(self, tmp_path, monkeypatch, mode):
        """Parsing a release ahead in a thread, or each in turn, stores the same releases in the same order."""
        monkeypatch.setattr(_sync, "_PARSE_AHEAD", mode)
        for index in range(4):
            # Records grow with the date, as IANA's do (a registry shrinking 13 % in three months is suspect).
            (tmp_path / f"r{index}.xml").write_bytes(registry_xml(f"2024-0{4 - index}-01", 23 - index))
        (tmp_path / "bad.xml").write_bytes(registry_xml("2024-02-15", 20).replace(b"</registry>", b""))
        [outcome] = _sync.attempt_sync(tmp_path).outcomes
        assert dates_of(outcome.releases) == ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"]
        assert [failure.name for failure in outcome.failures] == [str(tmp_path / "bad.xml")]
        assert [release.record_count for release in ianaports.versions()] == [20, 21, 22, 23]


# -- the network settings, the lock and credentials ---------------------------------------------------


class Sleeps:
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def served(body: bytes, *headers: str) -> bytes:
    """A raw 200 answer carrying *body* as XML."""
    return answer(headers=("Content-Type: application/xml", f"Content-Length: {len(body)}", *headers), body=body)


class TestNetworkSettings:
    def test_refused_source_moves_on_at_once(self, raw_server):
        """A refused connection is not retried: the mirror behind it is asked without any wait."""
        sleeps = Sleeps()
        mirror = raw_server(served(registry_xml()))
        result = ianaports.sync([closed_port_url(), mirror.url], sleep=sleeps)
        assert [o.status for o in result.outcomes] == ["failed", "added"]
        assert result.outcomes[0].error == "connection refused"
        assert sleeps.calls == []

    def test_retries_from_argument_and_environment(self, raw_server, monkeypatch):
        """--retries' API twin wins over $IANAPORTS_RETRIES, which wins over the default of 3."""
        flaky = raw_server(answer("503 Service Unavailable", ("Content-Length: 0",)))
        monkeypatch.setenv("IANAPORTS_RETRIES", "1")
        with pytest.raises(FetchError, match="after 2 attempts"):
            ianaports.sync(flaky.url, sleep=Sleeps())
        with pytest.raises(FetchError, match=r"\(after 1 attempt\)$"):
            ianaports.sync(flaky.url, sleep=Sleeps(), retries=0)
        assert flaky.connections == 3

    def test_timeout_from_environment(self, raw_server, monkeypatch):
        """$IANAPORTS_TIMEOUT is the attempt's limit when no timeout is given."""
        drip = raw_server(served(registry_xml()), interval=0.02)
        monkeypatch.setenv("IANAPORTS_TIMEOUT", "0.3")
        with pytest.raises(FetchError, match=r"at most 0\.3 s.*after 1 attempt\b"):
            ianaports.sync(drip.url, sleep=Sleeps(), retries=0)

    @pytest.mark.parametrize(
        ("variable", "value"),
        [("IANAPORTS_TIMEOUT", "soon"), ("IANAPORTS_TIMEOUT", "0"), ("IANAPORTS_RETRIES", "-1"),
         ("IANAPORTS_DEADLINE", "inf"), ("IANAPORTS_LOCK_TIMEOUT", "")],
    )  # fmt: skip
    def test_bad_environment_value(self, variable, value, monkeypatch, tmp_path):
        """A setting that is not a number is an InvalidArgumentError naming the variable (an empty one is unset)."""
        release = tmp_path / "r.xml"
        release.write_bytes(registry_xml())
        monkeypatch.setenv(variable, value)
        if not value:
            assert ianaports.sync(release).ok
            return
        with pytest.raises(InvalidArgumentError, match=f"\\${variable}"):
            ianaports.sync(release)
        code, _, stderr = run("sync", "--source", str(release))
        assert (code, stderr.count("\n")) == (2, 1)
        assert variable in stderr

    def test_deadline_leaves_later_sources_untried(self, raw_server):
        """Once the sync's deadline has passed, the sources left are reported as not tried."""
        drip = raw_server(served(registry_xml()), interval=0.02)
        mirror = raw_server(served(registry_xml()))
        result = _sync.attempt_sync([drip.url, mirror.url], sleep=Sleeps(), timeout=5, retries=0, deadline=0.3)
        assert [o.status for o in result.outcomes] == ["failed", "failed"]
        assert (
            result.outcomes[0].error == "timed out waiting for the server: the 0.3 s deadline passed (after 1 attempt)"
        )
        assert result.outcomes[1].error == "not tried: the sync's 0.3 s deadline had passed"
        assert mirror.connections == 0

    def test_retry_after_beyond_the_deadline_moves_on(self, raw_server):
        """A Retry-After that would pass the sync's deadline is not waited for: the mirror is asked at once."""
        sleeps = Sleeps()
        busy = raw_server(answer("503 Service Unavailable", ("Retry-After: 30", "Content-Length: 0")))
        mirror = raw_server(served(registry_xml()))
        result = ianaports.sync([busy.url, mirror.url], sleep=sleeps, deadline=20)
        assert [o.status for o in result.outcomes] == ["failed", "added"]
        assert "would pass the 20 s deadline" in (result.outcomes[0].error or "")
        assert sleeps.calls == []


class TestWriterLock:
    def test_not_held_during_the_download(self, raw_server, isolated_cache):
        """Another writer can take the lock while a sync waits for the server."""
        taken: list[bool] = []

        def take_lock(_request: bytes) -> None:
            try:
                with Store(isolated_cache) as other, other.lock(timeout=1):
                    taken.append(True)
            except CacheError:
                taken.append(False)

        source = raw_server(served(registry_xml()), on_request=take_lock)
        assert ianaports.sync(source.url, sleep=Sleeps()).ok
        assert taken == [True]

    def test_lock_timeout(self, tmp_path, isolated_cache):
        """A store another writer holds is waited for --lock-timeout seconds, then exit 4 saying so."""
        release = tmp_path / "r.xml"
        release.write_bytes(registry_xml())
        with Store(isolated_cache) as holder, holder.lock():
            with pytest.raises(CacheError, match=r"another ianaports process holds .*after 0\.2 s"):
                ianaports.sync(release, lock_timeout=0.2)
            code, _, stderr = run("sync", "--source", str(release), "--lock-timeout", "0.2")
            assert (code, "gave up waiting for it after 0.2 s" in stderr) == (4, True)
            code, _, stderr = run("sync", "--source", str(release), "--lock-timeout", "0")
            assert (code, "gave up waiting for it after 0 s" in stderr) == (4, True)
        assert run("sync", "--source", str(release), "--lock-timeout", "-1")[0] == 2


class TestEmptyStore304:
    def test_304_on_an_empty_store_is_an_error(self, raw_server):
        """A 304 when nothing is stored (no validators sent) fails with exit 3, not "up to date"."""
        source = raw_server(answer("304 Not Modified"))
        code, stdout, stderr = run("sync", "--source", source.url)
        assert (code, stdout) == (EXIT_SOURCE, "")
        assert "304 Not Modified to a request without validators" in stderr
        assert "up to date" not in stderr

    def test_stale_validators_are_not_sent_to_an_empty_store(self, raw_server, isolated_cache):
        """Validators kept for a URL are not sent when no release is stored: there is no copy to compare."""
        source = raw_server(answer("304 Not Modified"))
        with Store(isolated_cache) as store, store.lock():
            store.set_meta(f"validators:{source.url}", json.dumps({"etag": '"v1"', "last_modified": None}))
        with pytest.raises(FetchError, match="without validators"):
            ianaports.sync(source.url, sleep=Sleeps())
        assert b"If-None-Match" not in source.requests[0]


class TestCredentials:
    def test_password_stored_and_shown_nowhere(self, raw_server, isolated_cache):
        """A source URL's password reaches the server, but no stored file, no output line and no JSON."""
        source = raw_server(served(registry_xml()))
        url = source.url.replace("http://", "http://alice:s3cret@")
        code, stdout, stderr = run("sync", "--source", url, "--json")
        assert code == EXIT_OK, stderr
        assert b"Authorization: Basic" in source.requests[0]
        document = json.loads(stdout)
        assert document["sources"][0]["source"] == source.url.replace("http://", "http://alice:***@")
        for command in (("versions",), ("versions", "--json"), ("sync", "--source", url)):
            code, out, err = run(*command)
            assert code == EXIT_OK
            assert "s3cret" not in out + err
        with Store(isolated_cache) as store:
            assert store.latest().source == source.url.replace("http://", "http://alice:***@")  # type: ignore[union-attr]
        for path in isolated_cache.rglob("*"):
            if path.is_file():
                assert b"s3cret" not in path.read_bytes(), path

    def test_password_not_in_a_failure(self):
        """A failing source's error line hides its password."""
        url = closed_port_url().replace("http://", "http://alice:s3cret@")
        code, _, stderr = run("sync", "--source", url)
        assert code == EXIT_SOURCE
        assert "s3cret" not in stderr
        assert "alice:***@" in stderr


class TestRetryNotice:
    def test_each_retry_is_announced_on_a_terminal(self, raw_server, monkeypatch):
        """On a terminal, a sync says why it waits before each retry; a pipe and --quiet stay silent."""
        flaky = raw_server(answer("503 Service Unavailable", ("Content-Length: 0",)))
        monkeypatch.setitem(_sync.attempt_sync.__kwdefaults__, "sleep", Sleeps())
        stderr = _Terminal()
        code = main(["sync", "--source", flaky.url, "--retries", "2"], stdout=io.StringIO(), stderr=stderr)
        assert code == EXIT_SOURCE
        notices = [line for line in stderr.getvalue().split("\n") if "trying again" in line]
        assert notices == [
            f"\r\033[K  {flaky.url}: HTTP 503 Service Unavailable; trying again in 1 s",
            f"\r\033[K  {flaky.url}: HTTP 503 Service Unavailable; trying again in 2 s",
        ]
        quiet = _Terminal()
        main(["sync", "--source", flaky.url, "--retries", "2", "--quiet"], stdout=io.StringIO(), stderr=quiet)
        assert "trying again" not in quiet.getvalue()
        assert "trying again" not in run("sync", "--source", flaky.url, "--retries", "2")[2]

    def test_api_hears_of_each_retry_without_the_password(self, raw_server):
        """sync(on_retry=...) is called with the source (password hidden), the reason and the wait."""
        flaky = raw_server(answer("503 Service Unavailable", ("Content-Length: 0",)))
        heard: list[tuple[str, str, float]] = []
        url = flaky.url.replace("http://", "http://alice:s3cret@")
        with pytest.raises(FetchError):
            ianaports.sync(url, sleep=Sleeps(), retries=1, on_retry=lambda *call: heard.append(call))
        assert heard == [(flaky.url.replace("http://", "http://alice:***@"), "HTTP 503 Service Unavailable", 1.0)]


def test_command_line_sync_through_a_proxy(raw_server, monkeypatch):
    """`ianaports sync` honours HTTP_PROXY: the proxy receives the request for the registry's URL."""
    proxy = raw_server(served(registry_xml()))
    monkeypatch.setenv("HTTP_PROXY", proxy.url.removesuffix("/ports.xml"))
    code, stdout, stderr = run("sync", "--source", "http://registry.invalid/ports.xml")
    assert (code, stderr) == (EXIT_OK, "")
    assert "http://registry.invalid/ports.xml: added 1 release(s)" in stdout
    assert proxy.requests[0].startswith(b"GET http://registry.invalid/ports.xml HTTP/1.1\r\n")


class TestHostileShapes:
    def test_release_with_far_more_records_is_suspect(self, tmp_path):
        """More than SUSPECT_GROWTH times the records of the largest stored release is refused unless forced."""
        (tmp_path / "a.xml").write_bytes(registry_xml("2025-01-01", 100))
        (tmp_path / "b.xml").write_bytes(registry_xml("2025-02-01", 201))
        ianaports.sync(tmp_path / "a.xml")
        with pytest.raises(SuspectReleaseError, match="201 records, more than 2 times the 100"):
            ianaports.sync(tmp_path / "b.xml")
        assert len(ianaports.versions()) == 1
        ianaports.sync(tmp_path / "b.xml", force=True)
        assert len(ianaports.versions()) == 2

    def test_huge_first_release_is_suspect(self, tmp_path, monkeypatch):
        """On an empty store, more than SUSPECT_FIRST_RECORDS records is refused unless forced."""
        monkeypatch.setattr(_sync, "SUSPECT_FIRST_RECORDS", 50)
        path = tmp_path / "big.xml"
        path.write_bytes(registry_xml("2025-01-01", 51))
        with pytest.raises(SuspectReleaseError, match="51 records, more than the 50 a first release may have"):
            ianaports.sync(path)
        assert ianaports.versions() == ()
        ianaports.sync(path, force=True)
        assert len(ianaports.versions()) == 1

    def test_deeply_nested_ranges_are_suspect(self, tmp_path):
        """14,000 nested ranges i-(65535-i) are refused as suspect, naming depth and port, even on an empty store."""
        path = tmp_path / "nested.xml"
        path.write_bytes(nested_ranges_xml(14_000))
        with pytest.raises(SuspectReleaseError, match="14000 spans holding port 13999"):
            ianaports.sync(path)
        assert ianaports.versions() == ()

    def test_real_releases_are_far_below_the_overlap_limit(self):
        """Every real release has at most 2 spans on one port, so SUSPECT_OVERLAP (64) leaves ample room."""
        depths = {path.name: port_overlap(parsed(path))[0] for path in real_release_paths()}
        if not depths:
            pytest.skip("no real releases")
        assert max(depths.values()) == 2
        assert 30 * max(depths.values()) < _sync.SUSPECT_OVERLAP
