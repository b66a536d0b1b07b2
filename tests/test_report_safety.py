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
    with pytest.raises(ReportError, match="refusing chart .*peers.svg: it has a <script> element"):
        build_report(tmp_path / "site", notebooks, figures)
    (figures / "peers.svg").write_text(svg, encoding="utf-8")
    (figures / "peers.png").unlink()
    with pytest.raises(ReportError, match=r"chart file .*peers.png is missing"):
        build_report(tmp_path / "site", notebooks, figures)


# What a hand-edited chart may try once the report embeds its SVG in the page (the review's cases), and why it is refused.
HOSTILE_SVG = [
    ('<a xlink:href="../figures.html#capital"><set attributeName="xlink:href" to="https://evil.example/"/></a>', "<set> element"),
    ("<style>main{display:none}</style>", "a style sheet other than matplotlib's own"),
    ('<path/onmouseover="alert(1)"/>', "not well-formed XML"),
    ("<a href=javascript:alert(1)>x</a>", "not well-formed XML"),
    ('<s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script>', "<script> element"),
    ('<path onload="alert(1)" d="M 0 0"/>', "attribute the report does not embed ('onload')"),
    ('<path style="fill: url(https://evil.example/x)"/>', "refers outside the drawing"),
    ('<a xlink:href="https://evil.example/"><path/></a>', "links outside the report"),
    ('<use xlink:href="other.svg#x"/>', "links outside the report"),
    ('<foreignObject><p>hi</p></foreignObject>', "<foreignObject> element"),
]


@pytest.mark.parametrize("payload, reason", HOSTILE_SVG)
def test_a_chart_svg_is_embedded_only_if_it_holds_what_charts_hold(tmp_path, payload, reason):
    figures, notebooks = tmp_path / "figures", tmp_path / "notebooks"
    shutil.copytree(REPO / "figures", figures)
    notebooks.mkdir()
    svg = (figures / "capacity-online.svg").read_text(encoding="utf-8")
    (figures / "capacity-online.svg").write_text(svg.replace("</svg>", f"{payload}</svg>"), encoding="utf-8")
    with pytest.raises(ReportError) as refused:
        build_report(tmp_path / "site", notebooks, figures)
    assert "refusing chart" in str(refused.value) and "capacity-online.svg" in str(refused.value)
    assert reason in str(refused.value), str(refused.value)
    assert "\n" not in str(refused.value) and not (tmp_path / "site").exists()


@pytest.mark.parametrize("change", [lambda svg: svg.replace(b"<svg ", b"<!-- <svgx --><svg ", 1),
                                    lambda svg: svg.replace(b"<title>", b"<title>\xff", 1)])
def test_a_malformed_chart_svg_is_refused_by_its_own_name(tmp_path, change):
    figures, notebooks = tmp_path / "figures", tmp_path / "notebooks"
    shutil.copytree(REPO / "figures", figures)
    shutil.copytree(REPO / "notebooks", notebooks)
    path = figures / "capacity-online.svg"
    path.write_bytes(change(path.read_bytes()))
    try:
        build_report(tmp_path / "site", notebooks, figures)
    except ReportError as exc:
        assert "capacity-online.svg" in str(exc) and "notebook" not in str(exc), str(exc)
    else:  # a comment is no harm: the chart is embedded from its parsed drawing, not from its text
        assert "<svgx" not in (tmp_path / "site" / "07-when-does-it-arrive.html").read_text(encoding="utf-8")
