"""The reading room in a real browser: Debian's Chromium driven by Playwright against
`conflict serve` on a real archive (sample_data and one hostile article). A person
searches, filters by a facet, pages, opens an article, draws a timeline and a map,
clicks a place, exports; no request leaves 127.0.0.1, no console error (the CSP
reports there), no script of an article ever runs. Screenshots of every page at
1280x800 and 390x844 go to $CONFLICT_SCREENSHOTS (default: conflict-screenshots/ in the
temporary folder), for a person to look at."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import as_json, invoke, sample_and_hostile

pytest.importorskip("starlette", reason="the web extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = next(
    (c for c in ("/usr/bin/chromium", shutil.which("chromium")) if c and os.path.exists(c)), None
)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here: apt-get install chromium"),
    pytest.mark.xdist_group("browser"),
]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"wide": (1280, 800), "phone": (390, 844)}
SHOTS = Path(
    os.environ.get("CONFLICT_SCREENSHOTS") or Path(tempfile.gettempdir()) / "conflict-screenshots"
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_and_hostile(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def served(archive: Path) -> Iterator[str]:
    """`conflict serve` run as a person runs it; the address it prints."""
    exe = [sys.executable, "-m", "conflictcli"]
    env = {**os.environ, "CONFLICT_INDEX": str(archive)}
    p = subprocess.Popen(
        [*exe, "serve", "--port", "0", "--no-browser"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    line = p.stdout.readline()
    m = re.match(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
    assert m, f"serve printed {line!r}"
    yield m.group(0)
    p.terminate()
    p.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


class Watched:
    """A page whose requests, console errors and dialogs are kept."""

    def __init__(self, browser: Any, served: str, size: str) -> None:
        w, h = SIZES[size]
        self.context = browser.new_context(
            viewport={"width": w, "height": h}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.size, self.served = size, served
        self.origin = served.split("/?", 1)[0]
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def go(self, path: str) -> None:
        """Open `path?query` of the served address, its token added."""
        where, _, query = path.partition("?")
        self.page.goto(self.served.replace("/?", f"{where}?{query}&" if query else f"{where}?"))

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        w, h = SIZES[self.size]
        self.page.screenshot(path=str(SHOTS / f"{name}-{w}x{h}.png"))

    def clean(self) -> None:
        away = [u for u in self.requests if not u.startswith(self.origin)]
        assert not away, f"requests to other hosts: {away}"
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.dialogs, f"a script of an article ran: {self.dialogs}"
        self.context.close()


def _total(page: Any) -> int:
    return int(page.locator("#total").inner_text().replace(",", ""))


def _count(archive: Path, *args: str) -> int:
    return int(as_json(invoke("count", *args, "--json", "--index", str(archive)))["count"])


@pytest.mark.parametrize("size", list(SIZES))
def test_search_facet_page_and_article(browser: Any, served: str, archive: Path, size: str) -> None:
    w = Watched(browser, served, size)
    page = w.page
    page.goto(served)
    w.shot("home")
    page.fill("input[name=q]", "Russia OR Ukraine")
    page.click("button[type=submit]")
    page.wait_for_selector("#total")
    assert _total(page) == _count(archive, "Russia OR Ukraine")
    w.shot("search")
    page.click("a[rel=next]")
    page.wait_for_selector("#total")
    assert "page=2" in page.url and page.locator(".result").count() > 0
    facet = page.locator(".facets section", has_text="Places").locator("li a").first
    name = facet.inner_text()
    facet.click()
    page.wait_for_selector("#total")
    assert _total(page) == _count(archive, "Russia OR Ukraine", "--place", name)
    page.locator(".result a.title").first.click()
    page.wait_for_selector("article h1")
    assert page.locator(".text").inner_text().strip()
    page.wait_for_selector("#similar li a")  # fetched by the page from /api/similar
    w.shot("article")
    w.clean()


@pytest.mark.parametrize("size", list(SIZES))
def test_hostile_article_stays_text(browser: Any, served: str, size: str) -> None:
    w = Watched(browser, served, size)
    page = w.page
    w.go("/search?q=Kherson")
    evil = page.locator(".result a.title", has_text="<script>")
    assert evil.count() == 1
    assert "<b>bold</b>" in evil.inner_text()  # shown as typed, never as markup
    evil.click()
    page.wait_for_selector("article h1")
    assert "<script>alert('pwn')</script>" in page.locator("article h1").inner_text()
    assert page.locator("article a[href^='javascript']").count() == 0
    assert page.locator("article img, article script").count() == 0
    page.wait_for_selector("#similar li a")
    assert page.locator("#similar img, #similar script").count() == 0
    w.shot("hostile")
    w.clean()


@pytest.mark.parametrize("size", list(SIZES))
def test_timeline_and_map_are_drawn(browser: Any, served: str, size: str) -> None:
    w = Watched(browser, served, size)
    page = w.page
    w.go("/timeline?q=Kyiv&q=Kharkiv")
    page.wait_for_selector("#chart svg", timeout=20_000)
    w.shot("timeline")
    w.go("/map?q=Ukraine")
    page.wait_for_selector("#chart svg path", timeout=20_000)
    time.sleep(0.3)
    w.shot("map")
    w.clean()


def test_clicking_a_place_lists_its_articles(browser: Any, served: str, archive: Path) -> None:
    w = Watched(browser, served, "wide")
    page = w.page
    w.go("/map?q=Ukraine")
    page.wait_for_selector("#chart svg path", timeout=20_000)
    mark = page.locator("#chart svg .mark-symbol path").first
    with page.expect_navigation():
        mark.click(force=True)
    assert "/search" in page.url and "place=" in page.url
    place = re.search(r"place=([^&]+)", page.url)
    assert place
    from urllib.parse import unquote_plus

    name = unquote_plus(place.group(1))
    assert _total(page) == _count(archive, "Ukraine", "--place", name)
    w.clean()


def test_export_downloads_what_conflict_export_writes(
    browser: Any, served: str, archive: Path
) -> None:
    w = Watched(browser, served, "wide")
    page = w.page
    w.go("/search?q=Kherson")
    for label, fmt in (("CSV", "csv"), ("JSON Lines", "jsonl")):
        with page.expect_download() as got:
            page.click(f".exports a:text-is('{label}')")
        path = got.value.path()
        want = invoke("export", "Kherson", "-f", fmt, "--index", str(archive)).stdout
        assert Path(path).read_text(encoding="utf-8") == want
    w.clean()
