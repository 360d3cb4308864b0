"""Every deck in a real browser (Debian's chromium, driven by playwright) with the network
blocked: zero external requests, no page or console errors, the expected number of slides,
keyboard navigation to the last slide, alt text on every image, reveal's print mode, and
script in free text never runs. Screenshots go to `reports/browser-test/`."""

from __future__ import annotations

import re
import shutil

import pytest

from analysis import config
from tests.deck_helpers import expected_slides, land_decks

CHROMIUM = shutil.which("chromium")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (apt-get install chromium)")

SCREENSHOTS = config.ROOT / "reports" / "browser-test"  # kept in the working tree for review
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Visit:
    """A page opened offline; every request to another host is recorded and aborted."""

    def __init__(self, browser, path, query: str = ""):
        self.external, self.errors = [], []
        self.context = browser.new_context(offline=True, viewport={"width": 1280, "height": 760})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.goto(path.as_uri() + query)

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def close(self):
        self.context.close()


def _decks(pipeline_run):
    root, html, _ = pipeline_run
    return {"deutschland": html, **land_decks(root)}


def _suppressed(path) -> bool:
    return "zum Schutz der Antwortenden nicht ausgewiesen" in path.read_text(encoding="utf-8")


def test_every_deck_runs_offline_and_steps_through_all_slides(pipeline_run, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in _decks(pipeline_run).items():
        v = Visit(browser, path)
        page = v.page
        page.wait_for_function("window.Reveal && Reveal.isReady()")
        total = page.evaluate("Reveal.getTotalSlides()")
        assert total == expected_slides(_suppressed(path)), name
        page.screenshot(path=str(SCREENSHOTS / f"{name}-01.png"))
        page.locator(".reveal").focus()
        for i in range(1, total):
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"Reveal.getIndices().h === {i}")
            if name == "deutschland":
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{i + 1:02d}.png"))
        assert page.evaluate("Reveal.isLastSlide()"), name
        images = page.evaluate("Array.from(document.images).map(i => i.getAttribute('alt') || '')")
        assert all(len(alt) > 20 for alt in images), name
        assert page.evaluate("document.documentElement.lang") == "de"
        v.close()
        assert v.external == [], (name, v.external)
        assert v.errors == [], (name, v.errors)


def test_index_links_every_deck_offline(pipeline_run, browser):
    root, _, _ = pipeline_run
    v = Visit(browser, root / "reports" / "index.html")
    links = v.page.evaluate("Array.from(document.links).map(a => a.href)")
    decks = [p for kind in ("land", "size", "type") for p in (root / "reports" / kind).glob("*.html")]
    assert len(links) == 1 + len(decks) and all(link.startswith("file:") for link in links)
    v.page.click("text=Bayern")
    v.page.wait_for_function("window.Reveal && Reveal.isReady()")
    assert "Bayern" in v.page.title()
    v.page.screenshot(path=str(SCREENSHOTS / "index-bayern.png"))
    v.close()
    assert v.external == [] and v.errors == []


def test_national_deck_prints_one_page_per_slide(pipeline_run, browser):
    path = pipeline_run[1]
    v = Visit(browser, path, "?print-pdf")
    v.page.wait_for_function("window.Reveal && Reveal.isReady() && document.querySelectorAll('.pdf-page').length > 0")
    assert v.page.evaluate("document.querySelectorAll('.pdf-page').length") == expected_slides(suppressed=False)
    pdf = v.page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == expected_slides(
        suppressed=False
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "deutschland.pdf").write_bytes(pdf)
    v.close()
    assert v.external == [] and v.errors == []


def test_script_in_free_text_does_not_run(injected_deck, browser):
    v = Visit(browser, injected_deck)
    page = v.page
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__injected") == "undefined"
    quotes = page.evaluate("Array.from(document.querySelectorAll('blockquote.example')).map(q => q.innerText)")
    assert any("<script>window.__injected = 1</script>" in q and "Bürgerportal & Co." in q for q in quotes)
    assert page.evaluate("document.querySelectorAll('blockquote.example script, blockquote.example img').length") == 0
    v.close()
    assert v.external == [] and v.errors == []
