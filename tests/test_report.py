"""The static report: built from the notebooks, self-contained, and inert against hostile data."""

from __future__ import annotations

import io
import re

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import pytest

from conftest import REPO
from nscale_data.package.dataset import dataset_as_of, load_changes, load_claims, load_sources
from nscale_data.output.figures import FIGURES
from nscale_data.output.report import build_report, link, notebook_html
from nscale_data.package.schema import PACKAGED_DATA

HOSTILE = "<script>alert(1)</script>"


PAGES = ["index.html", "figures.html", "sources.html", "data.html", "changes.html"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "site"
    build_report(out, REPO / "notebooks", REPO / "figures")
    return out


def _read(site, name) -> str:
    return (site / name).read_text(encoding="utf-8")


def test_report_has_every_page_chart_and_data_file(site):
    chapters = sorted(p.stem + ".html" for p in (REPO / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in site.glob("*.html")) == sorted(PAGES + chapters)
    index = _read(site, "index.html")
    assert f"Data reviewed on {_day(dataset_as_of())}; the latest source found was published on 12 May 2026" in index
    for name in chapters + PAGES[1:]:
        assert f'href="{name}"' in index
    for target in FIGURES:  # every chart on the index, with its data, SVG and PNG beside it; a phone's drawing in its place
        for suffix in (".svg", ".png", ".csv", ".zip"):
            assert (site / "figures" / f"{target.name}{suffix}").is_file()
            if target.narrow_of:
                assert re.search(rf'<div class="chart-narrow"><svg [^>]*data-chart="{target.name}"', index), target.name
            else:
                assert f'href="figures/{target.name}{suffix}"' in index
    assert sorted(p.name for p in (site / "data").iterdir()) == sorted(
        p.name for p in PACKAGED_DATA.iterdir() if p.suffix in (".csv", ".json"))
    import html

    import nscale_data as nd

    assert html.escape(nd.citation(), quote=False) in _read(site, "data.html")
    assert html.escape(nd.citation("bibtex"), quote=False) in _read(site, "data.html")


def test_chapters_are_numbered_once_and_linked_in_order(site):
    index = _read(site, "index.html")
    assert "<ol>" not in index.split("Chapters", 1)[1], "the notebooks' titles carry their numbers"
    chapters = sorted(p.stem + ".html" for p in (REPO / "notebooks").glob("*.ipynb"))
    for before, after in zip(chapters, chapters[1:]):
        assert f'href="{after}">' in _read(site, before).split('class="pager"', 1)[1]
        assert f'href="{before}">' in _read(site, after).split('class="pager"', 1)[1]


def test_text_for_notebook_users_is_not_in_the_report(site):
    cost = re.sub(r"<[^>]+>", " ", _read(site, "05-capital-against-cost.html"))  # what a reader sees
    assert "parameters" not in cost and "papermill" not in cost
    assert "Adding a figure" not in _read(site, "01-the-dataset.html")


def test_tables_are_for_people(site):
    for page in site.glob("*.html"):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", page.read_text(encoding="utf-8"), re.S)
        text = " ".join(re.sub(r"<[^>]+>", "", c) for c in cells)
        for raw in ("NaN", "&lt;NA&gt;", "<NA>", "True", "False", "None"):
            assert raw not in text.split(), f"{page.name} shows {raw}"
        assert not re.search(r"\b\d{4,}\.0\b", text), f"{page.name} shows a float where an integer belongs"
        assert '<th class="blank' not in page.read_text(encoding="utf-8"), f"{page.name} shows a row index"


def test_every_claim_has_an_anchor_and_every_source_lists_its_figures(site):
    figures = _read(site, "figures.html")
    claims = load_claims()
    for claim_id in claims.index:
        assert f'id="claim-{claim_id}"' in figures
    sources = _read(site, "sources.html")
    for source_id in load_sources().index:
        assert f'id="source-{source_id}"' in sources
    assert 'href="figures.html#claim-gnw-loughton-gpus"' in sources


def test_the_changelog_is_shown(site):
    changes = _read(site, "changes.html")
    for change_id in load_changes().index:
        assert f'id="change-{change_id}"' in changes


def test_pages_fetch_nothing_from_elsewhere(site):
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=", text), page.name
        fetched = re.findall(r'(?:src|href)="(https?:[^"]*)"', text)
        remote_assets = [u for u in fetched if re.search(r"\.(js|css|woff2?|ttf|png|svg)(\?|$)", u)]
        assert remote_assets == [], page.name
        assert not re.search(r"<link[^>]+stylesheet", text), page.name
    assert "<script" in _read(site, "figures.html"), "the claims filter"
    assert all("<script" not in page.read_text(encoding="utf-8") for page in site.glob("*.html") if page.name != "figures.html")


def test_hostile_values_in_the_data_are_inert(data, tmp_path):
    data.set_cell("sources.csv", "openai-2025-09-16", "title", HOSTILE)
    data.set_cell("sources.csv", "openai-2025-09-16", "publisher", '"><img src=x onerror=alert(1)>')
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "figures").mkdir()  # the committed charts were drawn from the packaged data: refused beside this copy
    build_report(tmp_path / "site", tmp_path / "notebooks", tmp_path / "figures", directory=data.directory)
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
    title, body = notebook_html(tmp_path / "x.ipynb", {})
    assert title == "Test"
    assert HOSTILE not in body and "&lt;script&gt;" in body


@pytest.mark.parametrize("target", FIGURES, ids=[t.name for t in FIGURES])
def test_the_csv_beside_each_chart_holds_the_numbers_it_draws(site, target):
    from nscale_data.output import charts

    published = pd.read_csv(site / "figures" / f"{target.name}.csv", keep_default_na=False, dtype=str)
    drawn = getattr(charts, target.chart)().data
    expected = pd.read_csv(io.StringIO(drawn.to_csv(index=False, lineterminator="\n")), keep_default_na=False, dtype=str)
    pd.testing.assert_frame_equal(published, expected)


def test_the_headline_csv_is_the_librarys_totals(site):
    from nscale_data import capital_raised, debt_raised, gpus_by_region

    table = pd.read_csv(site / "figures" / "capital-and-gpus.csv")
    rows = table[(table["as_of"] == f"{dataset_as_of():%Y-%m-%d}")]
    assert rows.loc[rows["series"] == "equity", "value"].item() == capital_raised()
    assert rows.loc[rows["series"] == "committed debt", "value"].item() == debt_raised()
    europe = rows[(rows["series"] == "GPUs") & (rows["region"] == "Europe")].set_index("level")["value"]
    assert europe.to_dict() == {level: gpus_by_region().at["Europe", level] for level in ("stated", "with_targets", "with_up_to")}
    asia = rows[(rows["series"] == "GPUs") & (rows["region"] == "Asia")]["value"]
    assert asia.isna().all(), "no figure is an empty cell, never 0"


def _day(stamp: pd.Timestamp) -> str:
    """A date as the report writes it: '6 Dec 2026'."""
    return f"{stamp.day} {stamp:%b %Y}"


def test_every_page_names_the_site_and_marks_itself_in_a_navigation_that_lists_the_chapters(site):
    chapters = sorted(p.stem + ".html" for p in (REPO / "notebooks").glob("*.ipynb"))
    for page in site.glob("*.html"):
        text = _read(site, page.name)
        title = re.search(r"<title>(.*?)</title>", text).group(1)
        assert title.endswith("Nscale: capital raised against planned GPU capacity"), page.name
        assert re.search(rf'<a href="{re.escape(page.name)}" aria-current="page">', text), page.name
        for chapter in chapters:
            assert f'href="{chapter}"' in text, (page.name, chapter)


def test_terms_of_art_link_at_first_use_to_their_definitions(site):
    data = _read(site, "data.html")
    linked = set()
    for page in site.glob("*.html"):
        targets = re.findall(r'<a class="term" href="data.html#(glossary-[a-z0-9-]+)">', _read(site, page.name))
        assert len(targets) == len(set(targets)), f"{page.name} links a term more than once"
        linked |= set(targets)
    assert linked and all(f'id="{target}"' in data for target in linked)
    assert 'href="data.html#glossary-letter-of-intent"' in _read(site, "index.html")  # explained where it first appears


def test_figures_are_right_aligned_text_left_and_a_row_keeps_its_name_in_view(site):
    page = _read(site, "06-peers.html")
    assert '<th class="num">Equity, $m</th>' in page and "<th>Company</th>" in page
    css = _read(site, "index.html")
    assert "position: sticky; left: 0" in css


def test_the_changelog_is_a_valid_atom_feed_with_one_entry_per_change(site):
    import xml.etree.ElementTree as ET

    from nscale_data.package.dataset import load_changes

    import csv

    from nscale_data.package.schema import PACKAGED_DATA

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(site / "changes.xml").getroot()
    changes = load_changes()
    with open(PACKAGED_DATA / "changes.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    newest_first = [r["change_id"] for r in sorted(reversed(rows), key=lambda r: r["date"], reverse=True)]  # later row first
    assert list(changes.index) == newest_first and newest_first[0] == rows[-1]["change_id"]
    entries = feed.findall(f"{atom}entry")
    assert feed.tag == f"{atom}feed" and feed.find(f"{atom}id") is not None and feed.find(f"{atom}updated") is not None
    assert len(entries) == len(changes)
    for entry, (change_id, change) in zip(entries, changes.iterrows()):
        assert entry.find(f"{atom}title").text == f"{change['version']}: {change_id}"
        assert entry.find(f"{atom}summary").text == change["summary"]
        assert entry.find(f"{atom}link").get("href") == f"changes.html#change-{change_id}"
        assert entry.find(f"{atom}updated").text.startswith(f"{change['date']:%Y-%m-%d}")
    assert 'href="changes.xml"' in _read(site, "changes.html")
