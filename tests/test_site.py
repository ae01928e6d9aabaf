"""The static site: pages, links, feeds, API files, escaping and incremental rebuilds."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import feedparser
import html5lib
import pytest

from ianaports.cli import main
from ianaports.errors import CacheError
from ianaports.model import PortRange
from ianaports.render.feed import ATOM_NS
from ianaports.render.json import records_to_json
from ianaports.site import LOCK_NAME, STATE_NAME, _Builder, build_site, service_slug
from ianaports.store import Store
from realdata import FIXTURES
from sitehelpers import broken_links, external_resources, fixture_store, html_pages

if TYPE_CHECKING:
    from pathlib import Path

A = f"{{{ATOM_NS}}}"


def run(*argv: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_store(tmp_path_factory.mktemp("site-store"))


@pytest.fixture(scope="module")
def site(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    with Store(store_dir) as store:
        build_site(store, folder)
    return folder


def strict_parse(page: Path) -> None:
    parser = html5lib.HTMLParser(strict=True)
    parser.parse(page.read_bytes(), transport_encoding="utf-8")


def check_atom(data: bytes) -> list[ET.Element]:
    """The RFC 4287 rules a feed reader relies on; returns the entries."""
    feed = ET.fromstring(data)
    assert feed.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{tag}")) == 1, tag
    assert feed.find(f"{A}author/{A}name") is not None
    assert any(link.get("rel") == "self" for link in feed.findall(f"{A}link"))
    entries = feed.findall(f"{A}entry")
    stamp = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")
    assert stamp.fullmatch(feed.findtext(f"{A}updated") or "")
    ids = []
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{tag}")) == 1, tag
        assert stamp.fullmatch(entry.findtext(f"{A}updated") or "")
        assert [link.get("rel") for link in entry.findall(f"{A}link")] == ["alternate"]
        content = entry.find(f"{A}content")
        assert content is not None
        assert content.get("type") == "html"
        ids.append(entry.findtext(f"{A}id"))
    assert len(set(ids)) == len(ids)
    dates = [entry.findtext(f"{A}updated") for entry in entries]
    assert dates == sorted(dates, reverse=True)
    return entries


class TestSlug:
    def test_examples(self):
        """A slug keeps letters, digits, '-', '_' and inner dots, and escapes the rest as ~XX."""
        assert [service_slug(name) for name in ("ssh", "914c/g", "Whois++", "z39.50", ".x", "a~b", "é")] == [
            "ssh",
            "914c~2fg",
            "whois~2b~2b",
            "z39.50",
            "~2ex",
            "a~7eb",
            "~c3~a9",
        ]

    def test_case_insensitive(self):
        """Names differing only in case share a slug, as they share a service."""
        assert service_slug("SSH") == service_slug("ssh")

    def test_distinct_and_safe_for_every_real_name(self, newest):
        """Every name of the newest real release gets its own slug, made only of URL- and file-safe characters."""
        names = {record.name.lower() for record in newest.records if record.name}
        slugs = {service_slug(name) for name in names}
        assert len(slugs) == len(names)
        assert all(re.fullmatch(r"[a-z0-9_~-][a-z0-9._~-]*", slug) for slug in slugs)


class TestPages:
    def test_every_port_span_name_and_release_has_a_page(self, site, store_dir):
        """Each port an entry covers, each unassigned span, each name and each release has its page."""
        with Store(store_dir) as store:
            registry = store.load()
            releases = [info.updated.isoformat() for info in store.releases()]
        for record in registry.records:
            if record.ports is not None:
                folder = (
                    f"{record.ports.start}-{record.ports.end}"
                    if record.is_unassigned and not record.ports.is_single
                    else str(record.ports.start)
                )
                assert (site / "ports" / folder / "index.html").is_file(), folder
            if record.name:
                assert (site / "services" / service_slug(record.name) / "index.html").is_file(), record.name
        for date in releases:
            assert (site / "releases" / date / "index.html").is_file()
        for path in (
            "index.html",
            "ports/index.html",
            "services/index.html",
            "releases/index.html",
            "search/index.html",
        ):
            assert (site / path).is_file()

    def test_no_broken_internal_link(self, site):
        """Every link and resource of every page names a file of the site."""
        assert broken_links(site) == []

    def test_no_external_requests(self, site):
        """No page loads a script, style, font or image from another host."""
        assert [page for page in html_pages(site) if external_resources(page)] == []

    def test_every_page_is_valid_html5(self, site):
        """Every page parses without a single error in a strict HTML5 parser."""
        for page in html_pages(site):
            strict_parse(page)

    def test_hostile_text_is_escaped(self, site):
        """Markup in IANA's text appears as text, never as markup, on every page and in the feed."""
        page = (site / "ports" / "4444" / "index.html").read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "&lt;/dd&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
        for path in [*html_pages(site), site / "feed.atom"]:
            text = path.read_text(encoding="utf-8")
            assert "<script>alert" not in text, path
            assert "<img src=x" not in text, path
        name_page = site / "services" / service_slug("evil<svc>") / "index.html"
        assert "evil&lt;svc&gt;</h1>" in name_page.read_text(encoding="utf-8")

    def test_port_page_is_the_explainer_with_a_timeline(self, site):
        """A port's page carries the explain view's sections and the port's history across releases."""
        page = (site / "ports" / "1500" / "index.html").read_text(encoding="utf-8")
        for section in ("what", "range", "history", "unofficial", "check", "second-look", "timeline"):
            assert f'<section id="{section}">' in page
        assert "sudo lsof -nP -iTCP:1500 -sTCP:LISTEN" in page
        timeline = page[page.index('<section id="timeline">') :]
        assert re.findall(r'<time datetime="([\d-]+)">', timeline) == ["2025-11-20", "2025-12-15"]
        assert "description: <del>Old description</del>" in timeline

    def test_names_with_slashes_and_without_ports(self, site):
        """A name holding '/' gets a page of its own, and so does a name with no port."""
        assert "A name with a slash" in (site / "services" / "914c~2fg" / "index.html").read_text(encoding="utf-8")
        page = (site / "services" / "~2ehidden~7ename" / "index.html").read_text(encoding="utf-8")
        assert "a service name with no port" in page

    def test_release_page_lists_the_diff(self, site):
        """A release's page lists what diff reports: added records, moves and changed fields."""
        page = (site / "releases" / "2025-12-15" / "index.html").read_text(encoding="utf-8")
        assert "port changed: movesvc 5000/tcp -&gt; 5001" in page
        assert "<code>ChangeMe 1500/tcp</code></a> New description" in page
        assert "service_name: <del>changeme</del> → <ins>ChangeMe</ins>" in page
        assert (site / "releases" / "2017-03-10").exists() is False

    def test_home_has_search_counts_and_map(self, site):
        """The home page has the search box, the latest changes, counts and the port map with its legend."""
        page = (site / "index.html").read_text(encoding="utf-8")
        assert '<input id="q" name="q" type="search"' in page
        assert 'From <a href="./releases/2025-12-15/">2025-12-15</a> to' in page
        assert "Records by status:" in page
        assert 'src="./portmap.svg"' in page
        assert "Listed as unassigned" in page
        svg = ET.fromstring((site / "portmap.svg").read_bytes())
        assert svg.get("viewBox") == "0 0 256 256"

    def test_search_index(self, site):
        """The search index lists every page with its URL, and port numbers with their span."""
        index = json.loads((site / "search.json").read_bytes())
        items = {item[3]: item for item in index["items"]}
        assert items["ports/2304/"][:2] == ["port", "2304"]
        assert items["ports/2307-2310/"][4:] == [2307, 2310]
        assert items["services/914c~2fg/"][1] == "914c/g"


class TestApi:
    def test_port_and_service_files_equal_show_json_as_of(self, site, store_dir):
        """Each api/ports and api/services file is exactly 'show --json --as-of D', D the date it names."""
        files = sorted((site / "api" / "ports").glob("*.json"))
        assert files
        dates = set()
        for path in files:
            as_of = json.loads(path.read_bytes())["updated"]
            dates.add(as_of)
            code, out, _ = run("show", path.stem, "--json", "--as-of", as_of, "--data-dir", str(store_dir))
            assert code == 0
            assert path.read_text(encoding="utf-8") == out, path.name
        assert len(dates) > 1  # the files name the release their entries last changed in, not all the newest
        with Store(store_dir) as store:
            names = {record.name for record in store.load().records if record.name}
            for name in names:
                path = site / "api" / "services" / f"{service_slug(name)}.json"
                as_of = json.loads(path.read_bytes())["updated"]
                if "/" in name:  # 'show' reads NAME/PROTO, so '914c/g' is compared with the function show prints
                    registry = store.load(as_of=as_of)
                    out = records_to_json(registry, registry.service(name))
                    out = json.dumps(out, indent=2, ensure_ascii=False) + "\n"
                else:
                    code, out, _ = run("show", name, "--json", "--as-of", as_of, "--data-dir", str(store_dir))
                    assert code == 0, name
                assert path.read_text(encoding="utf-8") == out, name

    def test_entries_changed_in_the_newest_release_name_it(self, site):
        """A port whose entry the newest release changed names that release; one untouched since names an older."""
        assert json.loads((site / "api" / "ports" / "2304.json").read_bytes())["updated"] == "2026-01-05"
        # Re-spaced in 2025-12-15 (no change the history reports), so its copy names that release.
        assert json.loads((site / "api" / "ports" / "80.json").read_bytes())["updated"] == "2025-12-15"

    def test_latest_names_the_newest_release(self, site, store_dir):
        """api/latest.json names the newest release, the one before it and that release's diff file."""
        document = json.loads((site / "api" / "latest.json").read_bytes())
        with Store(store_dir) as store:
            newest = store.release("latest")
        assert document["updated"] == newest.updated.isoformat() == "2026-01-05"
        assert document["records"] == newest.record_count
        assert document["releases"] == 3
        assert document["previous"] == "2025-12-15"
        assert (site / "api" / document["diff"]).is_file()

    def test_release_files_equal_diff_json(self, site, store_dir):
        """Each api/releases file is 'ianaports diff PREVIOUS DATE --json'."""
        code, out, _ = run("diff", "2025-12-15", "2026-01-05", "--json", "--data-dir", str(store_dir))
        assert code == 0
        assert (site / "api" / "releases" / "2026-01-05.json").read_text(encoding="utf-8") == out
        assert not (site / "api" / "releases" / "2025-11-20.json").exists()


class TestFeeds:
    def test_atom_is_valid_and_parses_without_warnings(self, site):
        """The Atom feed follows RFC 4287, one entry per release newest first, and feedparser reads it cleanly."""
        data = (site / "feed.atom").read_bytes()
        entries = check_atom(data)
        assert [entry.findtext(f"{A}updated") for entry in entries] == [
            "2026-01-05T00:00:00Z",
            "2025-12-15T00:00:00Z",
            "2025-11-20T00:00:00Z",
        ]
        parsed = feedparser.parse(data)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parsed.entries) == 3
        assert "added: attachmate-uts 2304/tcp" in parsed.entries[0].content[0].value

    def test_json_feed(self, site):
        """The JSON Feed 1.1 has the same entries, newest first."""
        document = json.loads((site / "feed.json").read_bytes())
        assert document["version"] == "https://jsonfeed.org/version/1.1"
        assert [item["date_published"][:10] for item in document["items"]] == ["2026-01-05", "2025-12-15", "2025-11-20"]
        assert all(item["id"] and item["content_html"] for item in document["items"])

    def test_feed_command_matches_the_site(self, site, store_dir, tmp_path):
        """'ianaports feed' writes the site's feed, to stdout or atomically to a file."""
        code, out, _ = run("feed", "--data-dir", str(store_dir))
        assert code == 0
        assert out.encode("utf-8") == (site / "feed.atom").read_bytes()
        target = tmp_path / "feed.json"
        code, out, _ = run("feed", "--format", "json", "-o", str(target), "--json", "--data-dir", str(store_dir))
        assert code == 0
        assert json.loads(out)["entries"] == 3
        assert target.read_bytes() == (site / "feed.json").read_bytes()

    def test_json_flag_alone_prints_the_json_feed(self, site, store_dir):
        """'feed --json' prints the JSON Feed; with --format atom as well it is a usage error."""
        code, out, _ = run("feed", "--json", "--data-dir", str(store_dir))
        assert code == 0
        assert out.encode("utf-8") == (site / "feed.json").read_bytes()
        code, _, err = run("feed", "--json", "--format", "atom", "--data-dir", str(store_dir))
        assert code == 2
        assert "--format atom" in err

    def test_base_url_makes_links_absolute(self, store_dir):
        """With --base-url, entry ids and links are absolute URLs."""
        code, out, _ = run("feed", "--base-url", "https://ports.example", "--data-dir", str(store_dir))
        assert code == 0
        entries = check_atom(out.encode("utf-8"))
        assert entries[0].findtext(f"{A}id") == "https://ports.example/releases/2026-01-05/"
        assert not feedparser.parse(out).bozo


class TestIncremental:
    def test_rerun_writes_nothing(self, store_dir, tmp_path):
        """A second build of the same store rewrites no file."""
        with Store(store_dir) as store:
            first = build_site(store, tmp_path / "site")
            again = build_site(store, tmp_path / "site")
        assert first.written == first.files
        assert (again.written, again.unchanged, again.removed) == (0, again.files, 0)

    def test_new_release_rewrites_only_what_changed(self, tmp_path):
        """After one more release, unchanged pages keep their file and changed or new pages are replaced."""
        store_dir = fixture_store(tmp_path / "store", ("diff-old.xml", "diff-new.xml"))
        folder = tmp_path / "site"
        with Store(store_dir) as store:
            build_site(store, folder)
        untouched = folder / "ports" / "80" / "index.html"
        before = untouched.stat()
        untouched_api = folder / "api" / "ports" / "80.json"
        api_before = untouched_api.stat()
        fixture_store(store_dir, ("site-newest.xml",))
        with Store(store_dir) as store:
            result = build_site(store, folder)
        assert 0 < result.written < result.files
        assert untouched.stat().st_ino == before.st_ino
        assert untouched.stat().st_mtime_ns == before.st_mtime_ns
        assert untouched_api.stat().st_ino == api_before.st_ino  # its entries did not change: not rewritten
        assert (folder / "ports" / "2304" / "index.html").is_file()
        assert '"updated": "2026-01-05"' in (folder / "api" / "latest.json").read_text(encoding="utf-8")
        state = json.loads((folder / STATE_NAME).read_bytes())
        assert len(state["files"]) == result.files
        leftovers = {path.name for path in folder.rglob(".ianaports-*")} - {STATE_NAME, LOCK_NAME}
        assert not leftovers  # no temporary file left beside the state and the lock

    def test_removed_page_is_deleted(self, store_dir, tmp_path):
        """A file the previous build wrote that the new build does not make is removed."""
        folder = tmp_path / "site"
        with Store(store_dir) as store:
            build_site(store, folder)
            state = json.loads((folder / STATE_NAME).read_bytes())
            state["files"]["ports/9/index.html"] = ["x", "y"]
            (folder / "ports" / "9").mkdir()
            (folder / "ports" / "9" / "index.html").write_text("stale")
            (folder / STATE_NAME).write_text(json.dumps(state))
            result = build_site(store, folder)
        assert result.removed == 1
        assert not (folder / "ports" / "9").exists()


class TestBuildLock:
    def test_a_build_waits_for_the_one_holding_the_folder(self, store_dir, tmp_path):
        """A second build into a folder another build holds gives up after its timeout, writing nothing."""
        import filelock  # noqa: PLC0415 - the store's own locking library, held here as another build would

        folder = tmp_path / "site"
        folder.mkdir()
        with filelock.FileLock(folder / LOCK_NAME, timeout=0), Store(store_dir) as store:
            with pytest.raises(CacheError, match=r"another ianaports site build holds .*\.ianaports-site\.lock"):
                build_site(store, folder, lock_timeout=0.1)
            assert [path.name for path in folder.iterdir()] == [LOCK_NAME]
        with Store(store_dir) as store:  # released: the build goes ahead
            assert build_site(store, folder).files > 0
        assert (folder / STATE_NAME).is_file()

    def test_the_lock_is_not_a_page(self, site):
        """The lock stays beside the state and is listed in it as no page."""
        state = json.loads((site / STATE_NAME).read_bytes())
        assert (site / LOCK_NAME).is_file()
        assert LOCK_NAME not in state["files"]


class TestHistories:
    def test_one_pass_history_equals_store_history(self, store_dir):
        """Each page's timeline, gathered from the diffs in one pass, is what Store.history reports."""
        with Store(store_dir) as store:
            builder = _Builder(store, base_url=None, notes=None)
            for port in builder.port_pages:
                expected = [(e.version.isoformat(), e.change) for e in store.history(port=port).events]
                assert [(e.version, e.change) for e in builder.histories.by_port[port]] == expected, port
            for name in builder.names:
                expected = [(e.version.isoformat(), e.change) for e in store.history(name=name).events]
                assert [(e.version, e.change) for e in builder.histories.by_name[name]] == expected, name

    def test_span_lookup_by_bisection_equals_lookup_span(self, store_dir):
        """The builder's overlap search finds what Registry.lookup_span finds, in the same order."""
        with Store(store_dir) as store:
            builder = _Builder(store, base_url=None, notes=None)
        for start, end in [*builder.span_pages, (0, 65535), (1500, 1501), (2304, 2304)]:
            assert builder.overlapping(start, end) == builder.registry.lookup_span(PortRange(start, end))


class TestCommand:
    def test_site_json(self, store_dir, tmp_path):
        """'ianaports site -o DIR --json' reports what it wrote."""
        code, out, _ = run("site", "-o", str(tmp_path / "s"), "--json", "--data-dir", str(store_dir))
        assert code == 0
        document = json.loads(out)
        assert document["schema_version"] == 1
        assert document["updated"] == "2026-01-05"
        assert document["written"] == document["files"] > 0

    def test_empty_store_exits_4(self, tmp_path):
        """With no release stored, site and feed exit 4 with one line."""
        for argv in (["site", "-o", str(tmp_path / "s")], ["feed"]):
            code, _, err = run(*argv, "--data-dir", str(tmp_path / "empty"))
            assert code == 4
            assert err.count("\n") == 1

    def test_output_must_be_a_folder(self, store_dir, tmp_path):
        """A file where the folder should be exits 4."""
        (tmp_path / "file").write_text("x")
        code, _, err = run("site", "-o", str(tmp_path / "file"), "--data-dir", str(store_dir))
        assert code == 4
        assert "not a folder" in err


@pytest.fixture(scope="module")
def real_site(real_cache, tmp_path_factory):
    """The site of every real release, built once for the module."""
    folder = tmp_path_factory.mktemp("real-site")
    with Store(real_cache) as store:
        build_site(store, folder)
    return folder


@pytest.mark.slow
class TestRealSite:
    def test_every_port_of_the_newest_release_has_a_page(self, real_site, real_cache):
        """Each port an entry of the newest real release covers has its page and its API file."""
        with Store(real_cache) as store:
            registry = store.load()
        for record in registry.records:
            if record.ports is None or record.is_unassigned:
                continue
            for port in record.ports:
                assert (real_site / "ports" / str(port) / "index.html").is_file(), port
                assert (real_site / "api" / "ports" / f"{port}.json").is_file(), port

    def test_no_broken_link_in_the_whole_site(self, real_site):
        """The link checker finds no broken internal link over every page of the real site."""
        assert broken_links(real_site) == []

    def test_sample_is_valid_html5(self, real_site):
        """The index pages, every release page and a spread of port and name pages parse strictly."""
        pages = html_pages(real_site)
        chosen = [page for page in pages if "releases" in page.parts or page.parent in (real_site, real_site / "ports")]
        chosen += pages[:: max(1, len(pages) // 300)]
        for page in chosen:
            strict_parse(page)

    def test_api_equals_show_json(self, real_site, real_cache):
        """The API files of well-known ports and names equal 'show --json --as-of' the date they name."""
        for query, path in (
            ("2304", "ports/2304"),
            ("80", "ports/80"),
            ("6000", "ports/6000"),
            ("ssh", "services/ssh"),
        ):
            text = (real_site / "api" / f"{path}.json").read_text(encoding="utf-8")
            as_of = json.loads(text)["updated"]
            code, out, _ = run("show", query, "--json", "--as-of", as_of, "--data-dir", str(real_cache))
            assert code == 0
            assert text == out

    def test_every_api_file_equals_show_json_as_of_its_date(self, real_site, real_cache):
        """Over every real release, each api/ports and api/services file is show --json --as-of its date."""
        registries: dict[str, object] = {}
        with Store(real_cache) as store:
            newest = store.load()
            slugs = {service_slug(record.name): record.name for record in newest.records if record.name}
            spans = {(r.ports.start, r.ports.end) for r in newest.records if r.ports and r.is_unassigned}
            checked = 0
            for path in sorted((real_site / "api" / "ports").glob("*.json")) + sorted(
                (real_site / "api" / "services").glob("*.json")
            ):
                text = path.read_text(encoding="utf-8")
                as_of = json.loads(text)["updated"]
                if as_of not in registries:
                    registries[as_of] = store.load(as_of=as_of)
                registry = registries[as_of]
                if path.parent.name == "ports":
                    start, _, end = path.stem.partition("-")
                    span = PortRange(int(start), int(end or start))
                    assert not end or (span.start, span.end) in spans
                    found = registry.lookup_span(span) if end else registry.lookup(int(start))
                else:
                    found = registry.service(slugs[path.stem])
                expected = json.dumps(records_to_json(registry, found), indent=2, ensure_ascii=False) + "\n"
                assert text == expected, path.name
                checked += 1
        assert checked > 10000
        assert len(registries) > 1

    def test_2304_page_tells_the_attachmate_story(self, real_site):
        """The page of port 2304 carries the curated Attachmate note."""
        assert "Attachmate" in (real_site / "ports" / "2304" / "index.html").read_text(encoding="utf-8")

    def test_feed(self, real_site, real_cache):
        """The real feed has one valid entry per stored release and parses without bozo."""
        data = (real_site / "feed.atom").read_bytes()
        with Store(real_cache) as store:
            count = len({info.updated for info in store.releases()})
        assert len(check_atom(data)) == count
        assert not feedparser.parse(data).bozo

    def test_history_of_sample_ports_equals_store_history(self, real_cache):
        """For ports with long histories the one-pass timeline equals Store.history."""
        with Store(real_cache) as store:
            builder = _Builder(store, base_url=None, notes=None)
            for port in (22, 80, 443, 1980, 2304, 6000):
                expected = [(e.version.isoformat(), e.change) for e in store.history(port=port).events]
                assert [(e.version, e.change) for e in builder.histories.by_port[port]] == expected


def test_fixture_has_hostile_text():
    """The fixture really holds the markup the escaping test looks for."""
    assert "&lt;script&gt;alert" in (FIXTURES / "site-newest.xml").read_text(encoding="utf-8")
    assert dt.date(2026, 1, 5).isoformat() in (FIXTURES / "site-newest.xml").read_text(encoding="utf-8")
