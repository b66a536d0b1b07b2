"""The static report: built from the notebooks, self-contained, and inert against hostile data."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from conftest import REPO
from nscale_data.report import build_report, link, notebook_html

HOSTILE = "<script>alert(1)</script>"


def test_report_has_every_notebook_the_figures_and_the_sources(tmp_path):
    pages = build_report(tmp_path / "site", REPO / "notebooks", REPO / "figures")
    names = [p.name for p in pages]
    assert names[:2] == ["index.html", "sources.html"]
    assert sorted(names[2:]) == sorted(p.stem + ".html" for p in (REPO / "notebooks").glob("*.ipynb"))
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "Data reviewed on 26 November 2026; the latest source found was published on 12 May 2026" in index
    for name in names[2:]:
        assert f'href="{name}"' in index
    assert (tmp_path / "site" / "figures" / "capital-and-gpus.png").exists()
    sources = (tmp_path / "site" / "sources.html").read_text(encoding="utf-8")
    assert '<a href="https://openai.com/index/introducing-stargate-uk/">Introducing Stargate UK</a>' in sources


def test_pages_fetch_nothing_from_elsewhere(tmp_path):
    build_report(tmp_path / "site", REPO / "notebooks", REPO / "figures")
    for page in (tmp_path / "site").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text, page.name
        fetched = re.findall(r'(?:src|href)="(https?:[^"]*)"', text)
        remote_assets = [u for u in fetched if re.search(r"\.(js|css|woff2?|ttf|png|svg)(\?|$)", u)]
        assert remote_assets == [], page.name
        assert not re.search(r"<link[^>]+stylesheet", text), page.name


def test_hostile_values_in_the_data_are_inert(data, tmp_path):
    data.set_cell("sources.csv", "openai-2025-09-16", "title", HOSTILE)
    data.set_cell("sources.csv", "openai-2025-09-16", "publisher", '"><img src=x onerror=alert(1)>')
    (tmp_path / "notebooks").mkdir()
    build_report(tmp_path / "site", tmp_path / "notebooks", REPO / "figures", directory=data.directory)
    sources = (tmp_path / "site" / "sources.html").read_text(encoding="utf-8")
    assert HOSTILE not in sources and "&lt;script&gt;alert(1)&lt;/script&gt;" in sources
    assert "<img src=x" not in sources and "&lt;img src=x onerror=alert(1)&gt;" in sources


def test_only_http_links_become_links():
    assert link("javascript:alert(1)", "click") == "click"
    assert link(" JAVASCRIPT:alert(1)", "click") == "click"
    assert link("data:text/html,<b>x</b>", "x") == "x"
    assert link("https://example.org/a?b=<c>", "x") == '<a href="https://example.org/a?b=&lt;c&gt;">x</a>'


def test_data_in_notebook_outputs_is_escaped(tmp_path):
    """A hostile value reaching a notebook table (as pandas renders it) stays text in the report."""
    frame = pd.DataFrame({"title": [HOSTILE]})
    nb = new_notebook(cells=[
        new_markdown_cell("# Test"),
        new_code_cell("frame", outputs=[new_output("execute_result", data={"text/html": frame.to_html(), "text/plain": repr(frame)}, execution_count=1)]),
    ])
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    nbformat.write(nb, tmp_path / "x.ipynb")
    title, body = notebook_html(tmp_path / "x.ipynb")
    assert title == "Test"
    assert HOSTILE not in body and "&lt;script&gt;" in body
