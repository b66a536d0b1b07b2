"""One set of numbers: every headline figure the command line, its JSON, the charts, the notebooks, the report and the
README show is the library's, read back from what each of them wrote."""

from __future__ import annotations

import csv
import html
import json
import re

import nbformat
import pytest

from conftest import REPO
from nscale_data import LEVELS, capital_raised, dataset_as_of, summary
from nscale_data.cli import _money, main


@pytest.fixture(scope="module")
def totals() -> dict:
    return summary()


def _figure(value) -> str:
    """A number as the tables write it ('122,240'), or '' for no figure."""
    return "" if value is None else f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _rows(table_html: str) -> dict[str, list[str]]:
    """A table's body rows by their first cell, each cell's text."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table_html, re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


def _expected(totals: dict, region: str) -> list[str]:
    entry = totals["gpus_worldwide"] if region == "Worldwide" else totals["gpus_by_region"][region]
    return [_figure(entry[level]) for level in LEVELS] + [_figure(entry["power_mw"][level]) for level in LEVELS]


def test_the_command_lines_json_is_the_librarys(totals, capsys):
    assert main(["summary", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(totals))
    assert main(["summary"]) == 0
    text = capsys.readouterr().out
    assert _money(totals["equity_and_debt_usd"]) in text
    worldwide = next(line for line in text.splitlines() if line.startswith("Worldwide"))
    assert worldwide.split()[1:4] == [_figure(totals["gpus_worldwide"][level]) for level in LEVELS]


def test_the_headline_chart_draws_the_librarys_totals(totals):
    with open(REPO / "figures" / "capital-and-gpus.csv", newline="", encoding="utf-8") as handle:
        drawn = [r for r in csv.DictReader(handle) if r["as_of"] == f"{dataset_as_of():%Y-%m-%d}"]
    value = {(r["series"], r["region"], r["level"]): r["value"] for r in drawn}
    assert int(value["equity", "", ""]) == totals["capital_raised_usd"]
    assert int(value["committed debt", "", ""]) == totals["debt_raised_usd"]
    for region, entry in totals["gpus_by_region"].items():
        for level in LEVELS:
            assert value["GPUs", region, level] == ("" if entry[level] is None else str(entry[level]))


def test_the_peers_chart_gives_nscale_the_librarys_totals(totals):
    with open(REPO / "figures" / "peers.csv", newline="", encoding="utf-8") as handle:
        drawn = [r for r in csv.DictReader(handle) if r["company_id"] == "nscale" and r["as_of"] == f"{dataset_as_of():%Y-%m-%d}"]
    value = {(r["series"], r["level"]): r["value"] for r in drawn}
    assert int(value["equity", ""]) == totals["capital_raised_usd"] and int(value["debt", ""]) == totals["debt_raised_usd"]
    for level in LEVELS:
        assert value["gpus", level] == str(totals["gpus_worldwide"][level])  # the worldwide figure is the regions' sum


def test_notebook_two_shows_the_librarys_totals(totals):
    notebook = nbformat.read(REPO / "notebooks" / "02-capital-and-gpus-by-region.ipynb", as_version=4)
    tables = [o["data"]["text/html"] for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if "text/html" in o.get("data", {}) and "GPUs, stated" in o["data"]["text/html"]]
    rows = _rows(tables[0])
    for region in [*totals["gpus_by_region"], "Worldwide"]:
        assert rows[region] == _expected(totals, region), region


def test_the_reports_index_shows_the_librarys_totals(totals, report_site):
    index = (report_site / "index.html").read_text(encoding="utf-8")
    rows = _rows(index[index.index("<table"):index.index("</table>")])
    for region in totals["gpus_by_region"]:
        assert rows[region] == [cell or "no figure" for cell in _expected(totals, region)], region  # written, never blank


def test_the_readmes_numbers_are_the_librarys():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    stated = re.search(r'nd\.capital_raised\("2025-10-03"\)\s+# (\d+)', readme)
    assert stated and int(stated.group(1)) == capital_raised("2025-10-03")
    world = summary()["gpus_worldwide"]
    assert f"roadmap ({world['roadmap']['gpu_count']:,} GPUs)" in readme
