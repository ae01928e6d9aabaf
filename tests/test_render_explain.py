from __future__ import annotations

import html.parser
import json
import subprocess
import sys
import textwrap

import pytest

from ianaports.explainer import explain
from ianaports.nmap import load_nmap_services
from ianaports.notes import load_notes
from ianaports.oslimits import read_linux
from ianaports.render.explain import FORMATS, render_explain, render_html, render_markdown, render_text
from ianaports.render.page import build_page
from realdata import FIXTURES, PROJECT_ROOT

PORTS = [2304, 2402, 2684, 22, 28005]
SECTION_KEYS = ["what", "range", "platforms", "history", "unofficial", "check", "second-look"]
VOID = {"meta", "link", "br", "hr", "img", "input"}


@pytest.fixture
def views(newest):
    notes = load_notes(environ={})
    return {port: explain(newest, port, notes) for port in PORTS}


class _Checker(html.parser.HTMLParser):
    """Checks that every element is closed in order, and collects section ids and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.sections: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attributes = dict(attrs)
        if tag == "section":
            self.sections.append(attributes.get("id") or "")
        if tag == "a":
            self.hrefs.append(attributes.get("href") or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unexpected </{tag}>")

    def handle_data(self, data):
        self.text.append(data)


def check_html(page: str) -> _Checker:
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.problems == []
    assert checker.stack == []
    return checker


class TestEveryFormat:
    @pytest.mark.parametrize("port", PORTS)
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_renders(self, views, port, fmt):
        """Every format renders every sample port and names it."""
        output = render_explain(views[port], fmt)
        assert str(port) in output
        assert output.endswith("\n")

    def test_unknown_format(self, views):
        """An unknown format is a ValueError naming the choices."""
        with pytest.raises(ValueError, match="markdown"):
            render_explain(views[22], "pdf")


class TestText:
    @pytest.mark.parametrize("port", PORTS)
    def test_fits_80_columns(self, views, port):
        """Every line of the text page fits an 80-column terminal."""
        lines = render_text(build_page(views[port])).splitlines()
        assert max(len(line) for line in lines) <= 80

    def test_sections_in_seed_order(self, views):
        """The text page has the seed pages' sections, in order."""
        text = render_text(build_page(views[2304]))
        titles = [
            "What port 2304 is",
            "The range it sits in",
            "Curated history",
            "Known unofficial uses",
            "How to check what is listening",
            "Why an unexpected listener deserves a second look",
        ]
        positions = [text.index(f"{title}\n") for title in titles]
        assert positions == sorted(positions)

    def test_attachmate_facts(self, views):
        """The 2304 page shows the IANA entry and the curated history with its years."""
        text = render_text(build_page(views[2304]))
        for fact in ("George Gianelos", "tcp, udp", "1982", "2005", "2014", "WRQ", "Micro Focus", "registered"):
            assert fact in text
        assert "sudo ss -tlnp 'sport = :2304'" in text
        assert "netstat -ano | findstr :2304" in text
        assert 'tasklist /FI "PID eq <pid>"' in text
        assert "lsof -nP -i :2304" in text

    def test_taskmaster_and_mpnjsosv(self, views):
        """The 2402 page names the scanning; the 2684 page gives the low-confidence trojan claim."""
        assert "SANS Internet Storm Center" in render_text(build_page(views[2402]))
        text = " ".join(render_text(build_page(views[2684])).split())
        assert "confidence: low" in text
        assert "no RFC" in text

    def test_ssh_is_well_known_and_privileged(self, views):
        """The port 22 page says well-known and names the Linux capability."""
        text = " ".join(render_text(build_page(views[22])).split())
        assert "well-known" in text
        assert "CAP_NET_BIND_SERVICE" in text
        assert "RFC4251" in text

    def test_unassigned_page(self, views):
        """An unassigned port's page says so, gives its range and advises on internal use."""
        text = " ".join(render_text(build_page(views[28005])).split())
        assert "Port 28005: unassigned" in text
        assert "no assignment" in text
        assert "a sensible choice for an internal service" in text
        assert "no curated notes" in text

    def test_name_without_port_title(self, newest):
        """A service name with no port gets a title that says so, not "ports none"."""
        page = build_page(explain(newest, "rdp", load_notes(environ={})))
        assert page.title == "rdp: a service name with no port"

    def test_name_with_ports_title(self, newest):
        """A service name on several ports lists them in the title."""
        page = build_page(explain(newest, "msp", load_notes(environ={})))
        assert page.title == "msp: ports 18, 2438"

    def test_span_titles(self, newest):
        """x11's page names its whole span; a port inside it says which span holds it."""
        notes = load_notes(environ={})
        by_name, by_port = build_page(explain(newest, "x11", notes)), build_page(explain(newest, 6010, notes))
        assert (by_name.title, by_name.sections[0].title) == ("Ports 6000-6063: x11", "What ports 6000-6063 are")
        assert by_port.title == "Port 6010 (within 6000-6063): x11"
        assert "IANA assigns 6010 (within 6000-6063) to x11." in render_text(by_port)


class TestMarkdown:
    @pytest.mark.parametrize("port", PORTS)
    def test_structure(self, views, port):
        """One H1, the seven H2 sections, balanced code fences and no raw HTML."""
        markdown = render_markdown(build_page(views[port]))
        lines = markdown.splitlines()
        assert sum(line.startswith("# ") for line in lines) == 1
        assert sum(line.startswith("## ") for line in lines) >= 7
        assert sum(line.startswith("```") for line in lines) % 2 == 0
        outside_code = markdown.split("```")[::2]
        assert all("<p>" not in chunk and "<script" not in chunk for chunk in outside_code)

    def test_links_and_escaping(self, views):
        """Sources become markdown links and markup characters in text are escaped."""
        markdown = render_markdown(build_page(views[22]))
        assert "[OpenSSH](<https://www.openssh.com/>)" in markdown
        assert r"u=\<username\>" in markdown


class TestHtml:
    @pytest.mark.parametrize("port", PORTS)
    def test_valid_page_with_sections(self, views, port):
        """The HTML page parses with every element closed, and has the seven sections."""
        page = render_html(build_page(views[port]))
        assert page.startswith("<!DOCTYPE html>\n")
        checker = check_html(page)
        assert [key for key in checker.sections if key in SECTION_KEYS] == SECTION_KEYS
        assert {"html", "head", "title", "style", "body", "main", "h1", "h2"} <= checker.tags
        assert "script" not in checker.tags

    def test_self_contained(self, views):
        """The page loads nothing: no external stylesheet, script or image."""
        page = render_html(build_page(views[2402]))
        assert "<link" not in page
        assert "src=" not in page
        assert all(href.startswith("https://") for href in check_html(page).hrefs)

    def test_lxml_agrees(self, views):
        """lxml's HTML parser finds the title and the section headings."""
        lxml_html = pytest.importorskip("lxml.html")
        tree = lxml_html.document_fromstring(render_html(build_page(views[2304])))
        assert tree.findtext(".//title") == "Port 2304: attachmate-uts"
        assert len(tree.findall(".//section/h2")) == 7

    def test_escaping(self, views):
        """Angle brackets from IANA's text are escaped, never emitted as tags."""
        page = render_html(build_page(views[22]))
        assert "u=&lt;username&gt;" in page
        assert "<username>" not in page
        assert "u=<username>" in "".join(check_html(page).text)


class TestIanaWords:
    """Every page shows IANA's notes, unauthorized-use reports and status for the entries it covers."""

    @pytest.fixture
    def page(self, newest):
        notes = load_notes(environ={})
        return lambda port: render_explain(explain(newest, port, notes), "text")

    def test_port_2_is_reserved_with_its_deassignment_note(self, page):
        """explain 2 says reserved, not unassigned, and shows "De-assigned on 2025-02-13, previously compressnet"."""
        text = page(2)
        assert text.startswith("Port 2: reserved\n")
        assert "IANA lists it as\nreserved." in text
        assert "De-assigned on 2025-02-13, previously compressnet" in text
        assert "IANA lists it as unassigned" not in " ".join(text.split())

    def test_1895_lists_microsofts_use(self, page):
        """explain 1895 shows IANA's note and counts it among the known unofficial uses."""
        text = page(1895)
        unofficial = text[text.index("Known unofficial uses") :]
        assert "Microsoft (unoffically) using 1895 (reported by IANA" in unofficial
        assert "None recorded" not in unofficial.split("How to check")[0]
        assert "is not a good choice for an internal service" in text

    def test_4144_lists_compuserve(self, page):
        """explain 4144 reports Compuserve's use."""
        assert "Compuserve (unoffically) is using port 4144 (reported by IANA on 4144)" in page(4144)

    def test_unauthorized_reports_feed_unofficial_uses(self, page):
        """An <unauthorized> report on a span (7785) is a known unofficial use."""
        assert "Known Unauthorized Use on port 7785 (reported by IANA on 7785)" in page(7785)

    def test_49152_is_not_listed_as_not_listed(self, page):
        """explain 49152 says IANA does not list it, never "IANA lists it as not listed"."""
        text = page(49152)
        assert "not listed" not in text
        assert "which does not\nlist it at all: it is in the Dynamic range" in text

    def test_json_carries_status_and_remarks(self, newest):
        """The explain document has the page's status and IANA's remarks with the entry each is on."""
        from ianaports.render.json import explain_to_json  # noqa: PLC0415 - one test

        document = explain_to_json(explain(newest, 1895, load_notes(environ={})))
        assert document["status"] == "unassigned"
        assert [remark["text"] for remark in document["reported_uses"]] == ["Microsoft (unoffically) using 1895"] * 2
        assert {remark["protocol"] for remark in document["iana_remarks"]} == {"tcp", "udp"}


class TestDocumentedExamples:
    """docs/explain-examples.md holds the pages explain prints for 2, 585, 1895 and 49152."""

    @pytest.mark.parametrize("port", [2, 585, 1895, 49152])
    def test_page_matches_the_docs(self, newest, port):
        """The documented page is the text page of the newest shared release, byte for byte."""
        doc = (PROJECT_ROOT / "docs" / "explain-examples.md").read_text(encoding="utf-8")
        start = doc.index(f"## `ianaports explain {port}`\n\n```text\n") + len(
            f"## `ianaports explain {port}`\n\n```text\n"
        )
        documented = doc[start : doc.index("```\n", start)]
        assert documented == render_explain(explain(newest, port, load_notes(environ={})), "text")


class TestStatusRow:
    def test_assigned_entry_shows_its_status(self, newest):
        """An assigned entry's fields include its status."""
        text = render_explain(explain(newest, 22, load_notes(environ={})), "text")
        assert "  Status:       assigned\n" in text

    def test_name_query_lists_a_withdrawn_record(self, newest):
        """explain sua shows the udp record IANA marks De-Registered as withdrawn."""
        text = render_explain(explain(newest, "sua", load_notes(environ={})), "text")
        assert "The registry also lists here:" in text
        assert "Status:      withdrawn" in text


class TestReportsOnSpans:
    def test_a_report_naming_other_ports_is_not_about_this_one(self, newest):
        """4489-4499's "Ports 4490 and 4491" report is a known use of 4490, not of 4495."""
        notes = load_notes(environ={})
        assert [text for _, text in explain(newest, 4490, notes).reported_uses] == [
            "Known UNAUTHORIZED USE: Ports 4490 and 4491"
        ]
        assert explain(newest, 4495, notes).reported_uses == ()
        assert "Ports 4490 and 4491" in render_explain(explain(newest, 4495, notes), "text")  # still IANA's note


class TestBeyondIana:
    """The section on browsers, this machine and Kubernetes, and the nmap section."""

    def text(self, newest, port, **extra):
        view = explain(newest, port, load_notes(environ={}), **extra)
        return " ".join(render_text(build_page(view)).split())

    def test_browser_blocked(self, newest):
        """10080's page says browsers refuse it, since when, and where the list comes from."""
        text = self.text(newest, 10080)
        assert "Browsers refuse to load http://host:10080/" in text
        assert "2021-04-13" in text
        assert "https://fetch.spec.whatwg.org/#port-blocking" in text
        assert "Browsers load http://host:10081/ normally" in self.text(newest, 10081)

    def test_machine_and_nodeport(self, newest):
        """With a machine, the page says whether the port is in its ephemeral range or reserved; NodePort is named."""
        machine = read_linux(FIXTURES / "os" / "linux-custom")
        assert "in the ephemeral range 10000-20000" in self.text(newest, 15000, machine=machine)
        assert "is reserved (9000-9010)" in self.text(newest, 9005, machine=machine)
        assert "outside the ephemeral range (10000-20000)" in self.text(newest, 28005, machine=machine)
        assert "in Kubernetes' default NodePort range (30000-32767)" in self.text(newest, 31000)
        assert "On this machine" not in self.text(newest, 31000)

    def test_nmap_section(self, newest):
        """With an nmap-services file the page has its frequencies; without one, no such section."""
        nmap = load_nmap_services(FIXTURES / "nmap-services-tiny", environ={})
        text = self.text(newest, 10080, nmap=nmap)
        assert "How often scans find it open" in text
        assert "10080/udp (amanda): found open on 0.000979 of scanned hosts, rank 2 among udp ports" in text
        assert "It does not list this port." in self.text(newest, 2304, nmap=nmap)
        assert "How often scans find it open" not in self.text(newest, 10080)

    def test_internal_use_heeds_iana_notes(self, newest):
        """1895 is unassigned but IANA notes Microsoft's use, so the page does not advise it, as free skips it."""
        view = explain(newest, 1895, load_notes(environ={}))
        assert view.internal_use is not None
        assert not view.internal_use.sensible
        assert view.internal_use.reasons == (
            'IANA notes on this unassigned port: "Microsoft (unoffically) using 1895".',
        )
        assert explain(newest, 27020, load_notes(environ={})).internal_use.sensible


class TestPlainData:
    """The writers run on the page's plain blocks, without attrs or the record model."""

    def test_a_page_from_plain_data_renders_the_same_bytes(self, newest):
        """2304's page, rebuilt from its repr in a fresh interpreter, renders byte for byte without attrs or model."""
        page = build_page(explain(newest, 2304, load_notes(environ={})))
        code = textwrap.dedent(
            """
            import json, sys
            from ianaports.render.blocks import Bullets, Commands, Fields, Link, Page, Paragraph, Section
            from ianaports.render.explain import render_html, render_markdown, render_text

            page = eval(sys.stdin.read())
            pages = [render(page) for render in (render_text, render_markdown, render_html)]
            heavy = ("attr", "attrs", "ianaports.model", "ianaports.render.page")
            loaded = [name for name in heavy if name in sys.modules]
            print(json.dumps({"pages": pages, "loaded": loaded}))
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", code], input=repr(page), capture_output=True, text=True, check=True, timeout=60
        )
        found = json.loads(done.stdout)
        assert found["loaded"] == []
        assert found["pages"] == [render_text(page), render_markdown(page), render_html(page)]
