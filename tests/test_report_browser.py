"""Open every page of the built report in headless Chromium: images load, links resolve, no console errors.

Needs Debian's ``chromium``; `make test` skips this module, saying so, where it is absent.
`.ci/run` installs it so CI always runs it. ``make screenshots`` (``NSCALE_SCREENSHOTS=1``)
also writes a screenshot of every page at both widths to build/report-screenshots.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium); browser test skipped")

CHECK = """(() => {
  const images = [...document.images].map(i => ({src: i.src.slice(0, 80), width: i.naturalWidth, done: i.complete, alt: i.alt}));
  const charts = [...document.querySelectorAll('svg[data-chart]')].filter(c => c.getBoundingClientRect().width > 0)
    .map(c => ({name: c.dataset.chart, width: c.getBoundingClientRect().width,
                title: (c.querySelector(':scope > title') || {}).textContent || ''}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const missingAnchors = [...document.querySelectorAll('a[href^="#"]')]
    .map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
    .filter(id => id && !document.getElementById(id));
  const target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  const evidence = target ? {quotes: (target.textContent.match(/“/g) || []).length,
                             sources: [...target.querySelectorAll('a[href^="http"]')].length} : null;
  return JSON.stringify({images, charts, links, missingAnchors, evidence,
                         scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth});
})()"""
WIDTHS = {"phone": 390, "desktop": 1400}
SCREENSHOTS = REPO / "build" / "report-screenshots" if os.environ.get("NSCALE_SCREENSHOTS") else None


class Chromium:
    """A headless Chromium driven over the DevTools protocol on the loopback interface."""

    def __init__(self, profile: Path):
        import websocket

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert time.monotonic() < deadline, "Chromium did not start"
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
            page = next(t for t in json.load(reply) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result", {})
            self.events.append(message)

    def visit(self, url: str) -> tuple[dict, list[str]]:
        """Load ``url`` and return what CHECK reports and the console errors seen."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.loaded(url)
        result = self.call("Runtime.evaluate", expression=CHECK, returnByValue=True)
        return json.loads(result["result"]["value"]), _errors(self.events)

    def loaded(self, what: str) -> None:
        """Wait for the page's load event (events are read from the start of the navigation, so none is missed)."""
        deadline = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            assert time.monotonic() < deadline, f"{what} did not finish loading"
            self.events.append(json.loads(self.socket.recv()))

    def resize(self, width: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600)

    def screenshot(self, path: Path) -> None:
        import base64

        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def _errors(events: list[dict]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(str(params.get("args")))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            errors.append(params["entry"].get("text", ""))
    return errors


@pytest.fixture(scope="module")
def site(report_site) -> list[Path]:
    """Every page of the report built once for the run, the index first."""
    return sorted(report_site.glob("*.html"), key=lambda page: (page.name != "index.html", page.name))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("profile"))
    yield chromium
    chromium.close()


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_page_loads_cleanly_fits_the_screen_and_describes_its_images(site, browser, device):
    """Each page once at a phone's and once at a desktop's width: images load and say what they show, links and
    anchors resolve, no console error, no sideways scroll. With NSCALE_SCREENSHOTS set, a screenshot of each page."""
    browser.resize(WIDTHS[device])
    for page in site:
        found, errors = browser.visit(page.resolve().as_uri())
        assert errors == [], f"{page.name}: console errors {errors}"
        if page.name == "index.html":
            assert len(found["charts"]) >= 3, "the index shows the headline figures"
        for chart in found["charts"]:  # embedded: its title is its accessible name
            assert len(chart["title"]) > 20 and chart["title"].startswith("Chart: "), f"{page.name}: {chart['name']} says {chart['title']!r}"
        for image in found["images"]:
            assert image["done"] and image["width"] > 0, f"{page.name}: image did not load: {image['src']}"
            assert len(image["alt"]) > 20 and "No description" not in image["alt"], f"{page.name}: {image['src']} alt {image['alt']!r}"
        assert found["missingAnchors"] == [], f"{page.name}: anchors with no target {found['missingAnchors']}"
        for href in found["links"]:
            parts = urlsplit(href)
            if parts.scheme == "file":
                assert Path(unquote(parts.path)).exists(), f"{page.name}: broken link {href}"
            else:
                assert parts.scheme in ("http", "https"), f"{page.name}: unexpected link {href}"
        # Against the device width itself: under mobile emulation the window grows with a page that is too wide.
        assert found["scrollWidth"] <= WIDTHS[device], f"{page.name} is {found['scrollWidth']} px wide on a {WIDTHS[device]} px screen"
        if SCREENSHOTS:
            browser.screenshot(SCREENSHOTS / f"{page.stem}-{WIDTHS[device]}.png")


def test_any_number_on_the_index_reaches_its_evidence_and_source_in_two_clicks(site, browser):
    browser.resize(WIDTHS["desktop"])
    index, _ = browser.visit((site[0].parent / "index.html").resolve().as_uri())
    targets = sorted({href for href in index["links"] if "figures.html#" in href})
    assert any("#capital" in t for t in targets) and any("#region-europe" in t for t in targets)
    for href in targets:  # from the index, first click: the number; the page opens at the rows behind it
        browser.visit((site[0].parent / "index.html").resolve().as_uri())  # a new document: a hash change alone fires no load
        found, errors = browser.visit(href)
        assert errors == [] and found["evidence"] is not None, href
        region_without_rows = found["evidence"]["quotes"] == 0 and "region-" in href
        if not region_without_rows:  # second click: the source's own page
            assert found["evidence"]["quotes"] > 0 and found["evidence"]["sources"] > 0, href


CHART_TEXT = """JSON.stringify([...document.querySelectorAll('svg[data-chart]')].filter(c => c.getBoundingClientRect().width > 0)
  .map(c => ({name: c.dataset.chart, width: c.getBoundingClientRect().width})))"""


def _smallest_text(svg: Path) -> float:
    """The smallest font size in an SVG, in its own units, and the width of its view box."""
    text = svg.read_text(encoding="utf-8")
    sizes = [float(s) for s in re.findall(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([0-9.]+)px", text)]
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', text).group(1))
    return min(sizes) / width


def test_on_a_phone_the_charts_drawn_for_it_are_served_and_their_text_can_be_read(site, browser):
    """At 390 px every page serves the narrow drawing of each chart that has one, and no text of it renders under 9 px."""
    from nscale_data.output.figures import FIGURES

    browser.resize(WIDTHS["phone"])
    shown = []
    for page in site:  # the index and every chapter
        browser.visit(page.resolve().as_uri())
        shown += json.loads(browser.call("Runtime.evaluate", expression=CHART_TEXT, returnByValue=True)["result"]["value"])
    narrow = {t.narrow_of: t.name for t in FIGURES if t.narrow_of}
    checked = set()
    for image in shown:  # each chart the phone shows, embedded in the page
        name = image["name"]
        if name in narrow.values():
            smallest = _smallest_text(site[0].parent / "figures" / f"{name}.svg") * image["width"]
            assert smallest >= 9, f"{name}: text as small as {smallest:.1f} px on a {WIDTHS['phone']} px screen"
            checked.add(name)
        assert name not in narrow, f"{name} has a phone drawing that the phone was not served"
    assert checked == set(narrow.values())


# Where a reader's pointer rests on one of a chart's bars: the element under it, its tooltip and its link.
BAR = """(name => {
  const c = document.querySelector(`svg[data-chart="${name}"]`);
  const links = [...c.querySelectorAll('a')].filter(a => { const r = a.getBoundingClientRect(); return r.width > 3 && r.height > 3; });
  for (const a of links) {  // the first bar whose middle no label covers
    a.scrollIntoView({block: 'center'});
    const r = a.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    if (!hit || hit.closest('a') !== a) continue;
    const group = hit.closest('g[id]');
    const title = group && group.querySelector(':scope > title');
    return JSON.stringify({links: links.length, x, y, href: a.getAttribute('xlink:href'), under: true,
                           tooltip: title ? title.textContent : null});
  }
  return JSON.stringify({links: links.length, under: false});
})"""
SHOWN = """JSON.stringify([...document.querySelectorAll('svg[data-chart]')].filter(c => c.getBoundingClientRect().width > 0)
  .map(c => c.dataset.chart))"""


@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_chart_s_bars_carry_a_tooltip_and_follow_their_link_to_the_evidence(site, browser, device):
    """On every page with a chart, at both widths: the pointer on a bar finds its tooltip, and a click opens its evidence."""
    browser.resize(WIDTHS[device])
    followed = set()
    for page in site:
        browser.visit(page.resolve().as_uri())
        shown = json.loads(browser.call("Runtime.evaluate", expression=SHOWN, returnByValue=True)["result"]["value"])
        for name in (n for n in shown if n not in followed):
            found = browser.call("Runtime.evaluate", expression=f"{BAR}({json.dumps(name)})", returnByValue=True)
            assert "value" in found["result"], f"{page.name}: {name}: {found}"
            bar = json.loads(found["result"]["value"]) | {"chart": name}
            assert bar["links"] > 0, f"{page.name}: {bar['chart']} has no bar linked to its evidence"
            assert bar["under"], f"{page.name}: the pointer on {bar['chart']}'s first bar does not find its link"
            assert bar["tooltip"] and len(bar["tooltip"]) > 10, f"{page.name}: {bar['chart']}'s bar has no tooltip"
            browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=bar["x"], y=bar["y"])
            browser.events.clear()
            for kind in ("mousePressed", "mouseReleased"):
                browser.call("Input.dispatchMouseEvent", type=kind, x=bar["x"], y=bar["y"], button="left", clickCount=1)
            browser.loaded(f"{page.name}: the page a click on {bar['chart']} opens")
            location = browser.call("Runtime.evaluate", expression="location.href", returnByValue=True)["result"]["value"]
            assert unquote(urlsplit(location).path).endswith("/" + bar["href"].split("#")[0]), \
                f"{page.name}: a click on {bar['chart']} opened {location}, not {bar['href']}"
            anchor = urlsplit(bar["href"]).fragment
            if anchor:
                found = browser.call("Runtime.evaluate", expression=f"!!document.getElementById({json.dumps(anchor)})",
                                     returnByValue=True)["result"]["value"]
                assert found, f"{bar['href']}: no such anchor"
            assert (page.parent / bar["href"].split("#")[0]).exists()
            followed.add(bar["chart"])
            browser.visit(page.resolve().as_uri())
    from nscale_data.output.figures import FIGURES

    redrawn = {t.narrow_of for t in FIGURES if t.narrow_of}
    wide = {t.name for t in FIGURES if t.narrow_of is None}
    expected = wide if device == "desktop" else {t.name for t in FIGURES if t.narrow_of} | (wide - redrawn)
    assert followed == expected, f"charts with no bar followed at {device}: {expected - followed}"
