"""The site in a real browser: headless Chromium searches, follows a result and renders at two widths.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them
with apt where it can); the tests skip, saying why, where either is missing.
The site is served by a real ``http.server`` on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from ianaports.site import build_site
from ianaports.store import Store
from sitehelpers import colour_count, fixture_store

CHROMIUM = os.environ.get("IANAPORTS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("IANAPORTS_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
#: Where the screenshots are kept when set (docs/_static is refreshed from here by hand).
SCREENSHOT_DIR = os.environ.get("IANAPORTS_SCREENSHOT_DIR")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.webdriver.common.by import By  # noqa: E402 - after the skip above
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            pytest.skip(f"{path} not found: install Debian's {package} (apt-get install -y chromium chromium-driver)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The fixture site built and served on 127.0.0.1; yields its base URL."""
    _require_browser()
    store = fixture_store(tmp_path_factory.mktemp("browser-store"))
    folder = tmp_path_factory.mktemp("browser-site")
    with Store(store) as opened:
        build_site(opened, folder)
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _require_browser()
    from selenium.webdriver.chrome.options import Options  # noqa: PLC0415 - only once the browser exists
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception as exc:  # noqa: BLE001 - any failure to start is a reason to skip, shown in full
        pytest.skip(f"Chromium did not start: {exc}")
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _screenshot(driver, name: str, tmp_path: Path) -> bytes:
    data = driver.get_screenshot_as_png()
    (tmp_path / name).write_bytes(data)
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / name, Path(SCREENSHOT_DIR) / name)
    return data


class TestBrowser:
    def test_search_follow_and_read(self, browser, served, tmp_path):
        """Searching 2304 on the home page lists port 2304; its page names Attachmate; nothing logs an error."""
        browser.set_window_size(1280, 900)
        browser.get(served)
        _console_errors(browser)  # drop anything from before the page
        box = browser.find_element(By.ID, "q")
        box.send_keys("2304")
        wait = WebDriverWait(browser, 15)
        result = wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "#results a.result")))
        assert result.text == "2304"
        home = _screenshot(browser, "home-desktop.png", tmp_path)
        result.click()
        wait.until(expected_conditions.url_contains("/ports/2304/"))
        assert "Attachmate" in browser.find_element(By.TAG_NAME, "main").text
        assert _console_errors(browser) == []
        port = _screenshot(browser, "port-2304-desktop.png", tmp_path)
        assert colour_count(home) > 5
        assert colour_count(port) > 5

    def test_phone_width(self, browser, served, tmp_path):
        """At phone width the port page renders without sideways scrolling and is not blank."""
        browser.set_window_size(390, 844)
        browser.get(served + "ports/2304/")
        width = browser.execute_script("return document.documentElement.scrollWidth")
        viewport = browser.execute_script("return window.innerWidth")
        assert width <= viewport
        assert _console_errors(browser) == []
        assert colour_count(_screenshot(browser, "port-2304-phone.png", tmp_path)) > 5
        browser.get(served)
        assert colour_count(_screenshot(browser, "home-phone.png", tmp_path)) > 5
        browser.set_window_size(1280, 900)

    def test_pages_read_without_javascript(self, served):
        """Without JavaScript the home page still offers the ports and names to browse (a noscript fallback)."""
        import urllib.request  # noqa: PLC0415 - only here

        with urllib.request.urlopen(served) as response:
            page = response.read().decode("utf-8")
        assert "<noscript>" in page
        assert 'href="./ports/"' in page
