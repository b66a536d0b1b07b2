"""Open every page of the built report in headless Chromium: images load, links resolve, no console errors.

Needs Debian's ``chromium``; `make test` skips this module, saying so, where it is absent.
`.ci/run` installs it so CI always runs it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import REPO
from nscale_data.report import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium); browser test skipped")

CHECK = """(() => {
  const images = [...document.images].map(i => ({src: i.src.slice(0, 80), width: i.naturalWidth, done: i.complete}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const missingAnchors = [...document.querySelectorAll('a[href^="#"]')]
    .map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
    .filter(id => id && !document.getElementById(id));
  return JSON.stringify({images, links, missingAnchors});
})()"""


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
        deadline = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            assert time.monotonic() < deadline, f"{url} did not finish loading"
            self.events.append(json.loads(self.socket.recv()))
        result = self.call("Runtime.evaluate", expression=CHECK, returnByValue=True)
        return json.loads(result["result"]["value"]), _errors(self.events)

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
def site(tmp_path_factory) -> list[Path]:
    return build_report(tmp_path_factory.mktemp("site"), REPO / "notebooks", REPO / "figures")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("profile"))
    yield chromium
    chromium.close()


def test_every_page_loads_cleanly_in_chromium(site, browser):
    for page in site:
        found, errors = browser.visit(page.resolve().as_uri())
        assert errors == [], f"{page.name}: console errors {errors}"
        if page.name == "index.html":
            assert len(found["images"]) >= 3, "the index shows the headline figures"
        for image in found["images"]:
            assert image["done"] and image["width"] > 0, f"{page.name}: image did not load: {image['src']}"
        assert found["missingAnchors"] == [], f"{page.name}: anchors with no target {found['missingAnchors']}"
        for href in found["links"]:
            parts = urlsplit(href)
            if parts.scheme == "file":
                assert Path(unquote(parts.path)).exists(), f"{page.name}: broken link {href}"
            else:
                assert parts.scheme in ("http", "https"), f"{page.name}: unexpected link {href}"
