"""The report's other inputs are guarded like the data: links refused, scripts from notebooks and charts never run."""

from __future__ import annotations

import re
import shutil
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from conftest import REPO
from nscale_data.output.report import ReportError, build_report

# Each payload, if it ran, would write its number to the console as an error, which the browser test reads.
PAYLOADS = [
    "<script>console.error('PWNED-1')</script>",
    "<img src=x onerror=\"console.error('PWNED-2')\">",
    "<details open ontoggle=\"console.error('PWNED-3')\"><summary>x</summary></details>",
    "<iframe srcdoc=\"&lt;script&gt;parent.console.error('PWNED-4')&lt;/script&gt;\"></iframe>",
    "<a href=\"javascript:console.error('PWNED-5')\">click</a>",
    "<form action=\"javascript:console.error('PWNED-6')\"><button>go</button></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:console.error('PWNED-7')\">",
    "<svg><script>console.error('PWNED-8')</script></svg>",
    "<object data=\"javascript:console.error('PWNED-9')\"></object>",
]


def _hostile_notebook(folder):
    cells = [new_markdown_cell("# 9. A hostile notebook\n\n" + "\n\n".join(PAYLOADS)),
             new_markdown_cell("## A heading <img src=y onerror=\"console.error('PWNED-10')\">"),
             new_code_cell("x", outputs=[new_output("display_data", data={"text/html": "".join(PAYLOADS), "text/plain": "x"})])]
    nb = new_notebook(cells=cells)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    folder.mkdir()
    nbformat.write(nb, folder / "09-hostile.ipynb")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    _hostile_notebook(base / "notebooks")
    build_report(base / "site", base / "notebooks", REPO / "figures")
    return base / "site"


def test_no_script_handler_frame_form_or_refresh_from_a_notebook_reaches_the_page(hostile_site):
    page = (hostile_site / "09-hostile.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert not re.search(r"\son[a-z]+\s*=", page)
    assert "javascript:" not in page
    for tag in ("<iframe", "<form", "<object", 'http-equiv="refresh"'):
        assert tag not in page
    assert "A hostile notebook" in page  # the text itself stays


def test_every_page_forbids_scripts_but_the_reports_own(hostile_site):
    for page in hostile_site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text).group(1).replace("&#x27;", "'")
        scripts = re.findall(r"<script>", text)
        assert ("script-src 'none'" in policy) == (not scripts), page.name
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium not installed; browser check skipped")
def test_no_payload_runs_in_chromium(hostile_site, tmp_path):
    from test_report_browser import Chromium

    browser = Chromium(tmp_path / "profile")
    try:
        _, errors = browser.visit((hostile_site / "09-hostile.html").resolve().as_uri())
        time.sleep(0.5)  # a late handler (a toggle, a refresh) would have fired by now
        found, later = browser.visit((hostile_site / "09-hostile.html").resolve().as_uri())
    finally:
        browser.close()
    assert not [e for e in errors + later if "PWNED" in e], errors + later


def test_links_leaving_the_figure_and_notebook_folders_are_refused(tmp_path, capsys):
    figures, notebooks = tmp_path / "figures", tmp_path / "notebooks"
    shutil.copytree(REPO / "figures", figures)
    notebooks.mkdir()
    (figures / "timeline.csv").unlink()
    (figures / "timeline.csv").symlink_to("/proc/self/environ")
    with pytest.raises(ReportError, match=r"timeline.csv: is a symbolic link to a file outside the figure folder$"):
        build_report(tmp_path / "site", notebooks, figures)
    (figures / "timeline.csv").unlink()
    shutil.copy(REPO / "figures" / "timeline.csv", figures / "timeline.csv")
    (notebooks / "01-x.ipynb").symlink_to("/etc/hostname")
    with pytest.raises(ReportError, match=r"01-x.ipynb: is a symbolic link to a file outside the notebook folder$") as refused:
        build_report(tmp_path / "site", notebooks, figures)
    assert "localhost" not in str(refused.value) and not (tmp_path / "site").exists()


def test_a_chart_with_a_script_or_a_missing_file_is_refused(tmp_path):
    figures, notebooks = tmp_path / "figures", tmp_path / "notebooks"
    shutil.copytree(REPO / "figures", figures)
    notebooks.mkdir()
    svg = (figures / "peers.svg").read_text(encoding="utf-8")
    (figures / "peers.svg").write_text(svg.replace("</svg>", "<script>alert(1)</script></svg>"), encoding="utf-8")
    with pytest.raises(ReportError, match="refusing chart .*peers.svg: it holds a script"):
        build_report(tmp_path / "site", notebooks, figures)
    (figures / "peers.svg").write_text(svg, encoding="utf-8")
    (figures / "peers.png").unlink()
    with pytest.raises(ReportError, match=r"chart file .*peers.png is missing"):
        build_report(tmp_path / "site", notebooks, figures)
