"""Every HTML output in a real browser (Debian's chromium, driven by playwright) with the network
blocked, as its readers use it: a 1280×720 screen share and a phone held upright (390×844).
Zero external requests and page errors, text of at least 16 CSS pixels (charts included, from
the size of their smallest text and the scale they are shown at), charts filling their slide,
the last slide reachable by keys and by swipe, reveal's print mode with the data status on
every page, the catalogue's filters, script in free text never runs, and axe-core finds no
violation. One browser for all of them. Screenshots go to `reports/browser-test/`."""

from __future__ import annotations

import re
import shutil

import pytest

from analysis import config
from tests.deck_helpers import slides_html, subgroup_decks

CHROMIUM = shutil.which("chromium")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed (apt-get install chromium)")

SCREENSHOTS = config.ROOT / "reports" / "browser-test"  # kept in the working tree for review
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
#: axe-core (MPL-2.0, Deque Systems), vendored with its licence: injected into each page.
AXE = config.ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
SCREEN = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}
MIN_TEXT_PX = 16

#: Font size in CSS pixels of every visible text node's element, times the scale the page is
#: shown at (reveal.js transforms its slides); and of every chart, its smallest text in image
#: pixels times the scale the picture is drawn at (object-fit: contain).
SIZES_JS = """(root) => {
  const out = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest("[hidden], [aria-hidden=true], .slide-number")) continue;
    const scale = el.closest(".reveal .slides") && window.Reveal && Reveal.isReady() ? Reveal.getScale() : 1;
    out.push({text: node.textContent.trim().slice(0, 40), px: parseFloat(style.fontSize) * scale});
  }
  for (const img of root.querySelectorAll("figure.chart img")) {
    const box = img.getBoundingClientRect();
    if (!box.width) continue;
    const drawn = Math.min(box.width / img.naturalWidth, box.height / img.naturalHeight);
    out.push({text: "chart: " + img.alt.slice(0, 30), px: parseFloat(img.dataset.textPx) * drawn,
              fillsWidth: drawn * img.naturalWidth >= box.width - 2, fillsHeight: drawn * img.naturalHeight >= box.height - 2});
  }
  return out;
}"""


#: How far each slide's content reaches below the slide (px, 0 when it fits), slide by slide.
OVERFLOW_JS = """() => {
  const out = [];
  for (let i = 0; i < Reveal.getTotalSlides(); i++) {
    Reveal.slide(i);
    const s = document.querySelector(".reveal .slides > section.present > section.present");
    out.push(Math.max(0, s.scrollHeight - s.clientHeight - 1));
  }
  Reveal.slide(0);
  return out;
}"""


@pytest.fixture(scope="session")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Visit:
    """A page opened offline; every request to another host is recorded and aborted. `goto`
    opens the next output in the same page (a new browser context costs about 0.35 CPU seconds)."""

    def __init__(self, browser, path, query: str = "", viewport=SCREEN, phone: bool = False):
        self.context = browser.new_context(
            offline=True, viewport=viewport, is_mobile=phone, has_touch=phone, device_scale_factor=1
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.goto(path, query)

    def goto(self, path, query: str = ""):
        self.external, self.errors = [], []
        self.page.goto(path.as_uri() + query)

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def reveal(self):
        self.page.wait_for_function("window.Reveal && Reveal.isReady()")
        return self.page

    def sizes(self, selector: str = "body") -> list[dict]:
        return self.page.evaluate(f"({SIZES_JS})(document.querySelector({selector!r}))")

    def axe(self) -> list[dict]:
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("axe.run(document, {reporter: 'no-passes'})")
        return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]

    def check(self):
        """No request left the machine and no script failed since the last `goto`."""
        assert self.external == [], self.external
        assert self.errors == [], self.errors

    def close(self):
        self.context.close()
        self.check()


def _small(sizes: list[dict]) -> list[dict]:
    return [s for s in sizes if s["px"] < MIN_TEXT_PX - 0.05]


def _decks(pipeline_run):
    root, html, _ = pipeline_run
    return {"deutschland": html, **{f"{p.parent.name}-{p.stem}": p for p in subgroup_decks(root)}}


def _each_deck(browser, pipeline_run, **visit):
    """(name, path, visit) for every deck, opened one after the other in one page; each checked
    for external requests and script errors before the next."""
    v = None
    for name, path in _decks(pipeline_run).items():
        if v is None:
            v = Visit(browser, path, **visit)
        else:
            v.goto(path)
        yield name, path, v
        v.check()
    v.close()


def _swipe(page, dx: int, dy: int, x: int = 640, y: int = 360) -> None:
    """A one-finger swipe by (dx, dy) from (x, y), as touch events."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 6):
        point = {"x": x + dx * step / 5, "y": y + dy * step / 5}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


# --- screen share: 1280×720 ------------------------------------------------------------------
def test_national_deck_at_1280x720_reads_at_16px_and_charts_fill_their_slide(pipeline_run, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    html = pipeline_run[1]
    v = Visit(browser, html)
    page = v.reveal()
    total = page.evaluate("Reveal.getTotalSlides()")
    assert total == slides_html(html.read_text(encoding="utf-8")).count("<section><section")
    page.locator(".reveal").focus()
    charts = 0
    for i in range(total):
        if i:
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"Reveal.getIndices().h === {i}")
        page.screenshot(path=str(SCREENSHOTS / f"deutschland-{i + 1:02d}.png"))
        sizes = v.sizes(".reveal .slides section.present")
        assert not _small(sizes), (i, _small(sizes))
        for chart in (s for s in sizes if s["text"].startswith("chart:")):
            charts += 1
            assert chart["fillsWidth"] or chart["fillsHeight"], (i, chart)
        overflow = page.evaluate(
            "(() => { const s = document.querySelector('.reveal .slides section.present > section.present')"
            " || document.querySelector('.reveal .slides section.present'); return s.scrollHeight - s.clientHeight; })()"
        )
        assert overflow <= 1, (i, overflow)
        assert not page.evaluate("document.activeElement && document.activeElement.closest('[aria-hidden=true]')")
    assert charts >= 10
    assert page.evaluate("Reveal.isLastSlide()")
    assert not _small(v.sizes(".deck-footer"))
    assert v.axe() == []
    v.close()


def test_every_deck_runs_offline_and_reaches_its_last_slide_by_keys_and_swipe(pipeline_run, browser):
    """Keys (End, Home) in every deck; swipes through every slide of the national deck, and
    onto the last slide of every other deck."""
    for name, path, v in _each_deck(browser, pipeline_run):
        total = slides_html(path.read_text(encoding="utf-8")).count("<section><section")
        page = v.reveal()
        assert page.evaluate("Reveal.getTotalSlides()") == total, name
        assert page.evaluate(OVERFLOW_JS) == [0] * total, name  # nothing cut off at the bottom of any slide
        assert v.axe() == [], name  # the title slide, reveal.js running: hidden slides, focus, contrast
        page.locator(".reveal").focus()
        page.keyboard.press("End")
        page.wait_for_function("Reveal.isLastSlide()")
        page.keyboard.press("Home")
        page.wait_for_function("Reveal.isFirstSlide()")
        if name != "deutschland":
            page.evaluate(f"Reveal.slide({total - 2})")
        for i in range(page.evaluate("Reveal.getIndices().h") + 1, total):
            _swipe(page, -300, 0)
            page.wait_for_function(f"Reveal.getIndices().h === {i}")
        assert page.evaluate("Reveal.isLastSlide()"), name
        images = page.evaluate("Array.from(document.images).map(i => i.getAttribute('alt') || '')")
        assert all(len(alt) > 20 for alt in images), name
        assert page.evaluate("document.documentElement.lang") == "de"


# --- phone held upright: 390×844 -----------------------------------------------------------------
def test_every_deck_on_a_phone_scrolls_reads_at_16px_and_has_no_axe_violation(pipeline_run, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, _, v in _each_deck(browser, pipeline_run, viewport=PHONE, phone=True):
        page = v.page
        page.wait_for_function("document.documentElement.classList.contains('reading')")
        assert page.evaluate("document.scrollingElement.scrollHeight") > PHONE["height"], name
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], name
        assert not _small(v.sizes()), (name, _small(v.sizes()))
        assert v.axe() == [], name
        if name in ("deutschland", "land-09-bayern", "land-04-bremen"):
            page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"))


def _last_slide_in_view(page) -> bool:
    return page.evaluate(
        "(() => { const all = document.querySelectorAll('.slides > section'); const r = all[all.length - 1]"
        ".getBoundingClientRect(); return r.top < window.innerHeight && r.bottom > 0; })()"
    )


def test_phone_reaches_the_last_slide_by_swipe_and_by_keys(pipeline_run, browser):
    v = Visit(browser, pipeline_run[1], viewport=PHONE, phone=True)
    page = v.page
    page.wait_for_function("document.documentElement.classList.contains('reading')")
    for _ in range(200):
        if _last_slide_in_view(page):
            break
        _swipe(page, 0, -600, x=195, y=700)
        page.wait_for_timeout(50)
    assert _last_slide_in_view(page)
    page.evaluate("window.scrollTo(0, 0)")
    assert not _last_slide_in_view(page)
    page.mouse.click(195, 400)  # the page has the focus, as after a tap
    for _ in range(200):
        if _last_slide_in_view(page):
            break
        page.keyboard.press("PageDown")
        page.wait_for_timeout(50)
    assert _last_slide_in_view(page)
    v.close()


# --- print, index, catalogue -----------------------------------------------------------------
def test_national_deck_prints_one_page_per_slide_each_saying_simulated(pipeline_run, browser):
    path = pipeline_run[1]
    slides = slides_html(path.read_text(encoding="utf-8")).count("<section><section")
    v = Visit(browser, path, "?print-pdf")
    v.page.wait_for_function(
        "window.Reveal && Reveal.isReady() && document.querySelectorAll('.page-footer').length > 0"
    )
    pages = v.page.evaluate(
        "Array.from(document.querySelectorAll('.pdf-page')).map(p => { const f = p.querySelector('.page-footer');"
        " const a = p.getBoundingClientRect(), b = f.getBoundingClientRect();"
        " return {text: f.innerText, inside: b.top >= a.top && b.bottom <= a.bottom + 1}; })"
    )
    assert len(pages) == slides
    assert all("SIMULIERTE DATEN" in p["text"] and p["inside"] for p in pages)
    pdf = v.page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == slides
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "deutschland.pdf").write_bytes(pdf)
    v.close()


@pytest.mark.parametrize("viewport", [SCREEN, PHONE], ids=["1280x720", "390x844"])
def test_index_links_every_deck_the_catalogue_and_the_exchange_table(pipeline_run, browser, viewport):
    root, _, _ = pipeline_run
    v = Visit(browser, root / "reports" / "index.html", viewport=viewport, phone=viewport is PHONE)
    links = v.page.evaluate("Array.from(document.links).map(a => a.href)")
    decks = subgroup_decks(root)
    assert len(links) == 1 + len(decks) + 2 and all(link.startswith("file:") for link in links)
    assert any(link.endswith(f"{config.EXAMPLES_DIR}/{config.CATALOGUE_HTML}") for link in links)
    assert any(link.endswith(f"{config.EXAMPLES_DIR}/{config.EXCHANGE_XLSX}") for link in links)
    assert not _small(v.sizes()) and v.axe() == []
    if viewport is SCREEN:
        v.page.click("text=Bayern")
        v.reveal()
        assert "Bayern" in v.page.title()
        v.page.screenshot(path=str(SCREENSHOTS / "index-bayern.png"))
    v.close()


@pytest.mark.parametrize("viewport", [SCREEN, PHONE], ids=["1280x720", "390x844"])
def test_catalogue_filters_by_category_and_land(pipeline_run, browser, viewport):
    root, _, _ = pipeline_run
    v = Visit(browser, root / "reports" / config.EXAMPLES_DIR / config.CATALOGUE_HTML, viewport=viewport,
              phone=viewport is PHONE)  # fmt: skip
    page = v.page
    visible = "document.querySelectorAll('section[data-category]:not([hidden]) li[data-land]:not([hidden])').length"
    everything = page.evaluate(visible)
    assert everything == page.evaluate("document.querySelectorAll('li[data-land]').length") > 0
    page.select_option("#filter-land", "Bayern")
    lands = page.evaluate(
        "Array.from(document.querySelectorAll('section[data-category]:not([hidden]) li[data-land]:not([hidden])'))"
        ".map(li => li.dataset.land)"
    )
    assert lands and set(lands) == {"Bayern"}
    second = page.evaluate("document.querySelectorAll('#filter-category option')[2].value")
    page.select_option("#filter-category", second)
    sections = page.evaluate(
        "Array.from(document.querySelectorAll('section[data-category]:not([hidden])')).map(s => s.dataset.category)"
    )
    assert set(sections) <= {second}
    page.select_option("#filter-land", "")
    assert page.evaluate("document.querySelectorAll('section[data-category]:not([hidden])').length") == 1
    page.select_option("#filter-category", "")
    assert page.evaluate(visible) == everything
    assert f"{everything} Einträge angezeigt" in page.inner_text("#filter-count")
    assert not _small(v.sizes()) and v.axe() == []
    page.screenshot(path=str(SCREENSHOTS / f"katalog-{viewport['width']}.png"))
    v.close()


def test_script_in_free_text_does_not_run(injected_deck, browser):
    v = Visit(browser, injected_deck)
    page = v.reveal()
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__injected") == "undefined"
    quotes = page.evaluate("Array.from(document.querySelectorAll('blockquote.example')).map(q => q.innerText)")
    assert any("<script>window.__injected = 1</script>" in q and "Bürgerportal & Co." in q for q in quotes)
    assert page.evaluate("document.querySelectorAll('blockquote.example script, blockquote.example img').length") == 0
    v.close()
