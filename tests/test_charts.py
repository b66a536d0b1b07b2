"""Chart functions: the library's numbers, readable labels, the dates and source line, reproducible files."""

from __future__ import annotations

import itertools

import matplotlib.colors as mcolors
import matplotlib.dates
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from conftest import REPO
from nscale_data import capital_raised, dataset_as_of, debt_raised, events, gpus_by_region, mw_by_region, source_checks
from nscale_data.output import charts
from nscale_data.output.charts import _megawatts, _thousands, _usd
from nscale_data.output.figures import FIGURES, save_figure

OKABE_ITO = {c.lower() for c in (charts.BLUE, charts.ORANGE, charts.SKY, charts.GREEN, charts.VERMILLION, charts.PURPLE)}
NAMES = [t.name for t in FIGURES]


@pytest.fixture(scope="module")
def built():
    return {target.name: getattr(charts, target.chart)() for target in FIGURES}


@pytest.fixture(scope="module")
def drawn(built):
    """Each built chart's drawn texts, drawn once for every test that reads them."""
    cache: dict[str, list[Text]] = {}

    def texts(name: str) -> list[Text]:
        if name not in cache:
            cache[name] = _drawn_texts(built[name])
        return cache[name]

    return texts


def _drawn_texts(fig) -> list[Text]:
    """Every non-empty text the renderer actually draws (tick labels outside the view are not drawn)."""
    drawn = []
    original = Text.draw

    def record(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)

    FigureCanvasAgg(fig)
    Text.draw = record
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    return drawn


@pytest.mark.parametrize("name", NAMES)
def test_every_chart_has_finding_units_dates_and_sources(built, drawn, name):
    fig = built[name]
    assert fig.get_suptitle(), "a title that states the finding"
    text = " ".join(" ".join(t.get_text() for t in drawn(name)).split())  # a wrapped footer reads as one line
    reviewed = f"{dataset_as_of().day} {dataset_as_of():%b %Y}"
    day = "3 Oct 2025" if name.startswith("article-vs-sources") else reviewed
    latest = "3 Oct 2025" if name.startswith("article-vs-sources") else "12 May 2026"
    assert f"Data as of {day} (reviewed {reviewed}; latest source {latest})" in text
    assert "Sources: " in text
    for ax in fig.axes:
        if ax.axison:
            label = ax.get_xlabel() + ax.get_ylabel()
            assert any(unit in label for unit in ("US dollars", "GPUs", "megawatts", "%", "Days", "Date")), (name, label)


@pytest.mark.parametrize("name", NAMES)
def test_no_text_overlaps_another_or_leaves_the_figure(built, drawn, name):
    fig = built[name]
    texts = drawn(name)
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    width, height = fig.bbox.width, fig.bbox.height
    for text, box in boxes:
        assert box.x0 >= -1 and box.y0 >= -1 and box.x1 <= width + 1 and box.y1 <= height + 1, f"{text!r} leaves the figure"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        overlap_x = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        overlap_y = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        assert overlap_x <= 1 or overlap_y <= 1, f"{a!r} overlaps {b!r}"


@pytest.mark.parametrize("name", NAMES)
def test_every_label_placed_on_a_panel_stays_inside_it(built, drawn, name):
    fig = built[name]
    drawn(name)  # laid out
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for text in ax.texts:
            if text.get_transform() is not ax.transData or not text.get_text():
                continue
            box, panel = text.get_window_extent(renderer), ax.get_window_extent(renderer)
            assert panel.x0 - 1 <= box.x0 and box.x1 <= panel.x1 + 1, f"{text.get_text()!r} runs out of its panel"


@pytest.mark.parametrize("name", NAMES)
def test_colours_are_from_the_colour_blind_safe_palette(built, name):
    used = set()
    for artist in built[name].findobj(lambda a: isinstance(a, (Line2D, Rectangle, Collection))):
        if isinstance(artist, Line2D):
            colours = [artist.get_color()]
        elif isinstance(artist, Rectangle):
            colours = [artist.get_facecolor(), artist.get_edgecolor()]
        else:
            colours = list(artist.get_facecolors()) + list(artist.get_edgecolors())
        used |= {mcolors.to_hex(c) for c in colours if mcolors.to_rgba(c)[3] > 0}
    data_colours = {c for c in used if len(set(mcolors.to_rgb(c))) > 1}  # not white, black or grey
    assert data_colours and data_colours <= OKABE_ITO, data_colours


@pytest.mark.parametrize("name", NAMES)
def test_every_chart_describes_itself_in_one_sentence(built, name):
    description = repr(built[name])
    assert description == charts.describe(built[name])
    assert description.startswith("Chart: ") and description.endswith(".") and "\n" not in description


def test_headline_title_states_the_finding_with_the_librarys_numbers(built):
    title = built["capital-and-gpus"].get_suptitle()
    gpus = gpus_by_region()
    assert title == (f"Nscale has raised {_usd(capital_raised() + debt_raised())} against {_thousands(gpus['stated'].sum())} "
                     f"stated GPUs ({_thousands(gpus['with_up_to'].sum())} with targets and 'up to')")
    assert len(title) <= 90 and "\n" not in title


def test_headline_bars_are_the_librarys_levels(built):
    money, gpu_ax, mw_ax = built["capital-and-gpus"].axes
    heights = [bar.get_height() for bar in money.patches]
    assert heights == pytest.approx([capital_raised("2025-10-03") / 1e9, capital_raised() / 1e9, debt_raised() / 1e9])
    europe_now = gpus_by_region().loc["Europe"]
    ends = sorted({round(b.get_x() + b.get_width(), 6) for b in gpu_ax.patches if abs(b.get_y() + b.get_height() / 2 - 1) < 1e-9})
    assert ends == pytest.approx(sorted({europe_now[level] / 1e3 for level in ("stated", "with_targets", "with_up_to")}))
    europe_then = gpus_by_region("2025-10-03").loc["Europe"]
    ends = [b.get_x() + b.get_width() for b in gpu_ax.patches if abs(b.get_y() + b.get_height() / 2) < 1e-9]
    assert ends == pytest.approx([europe_then[level] / 1e3 for level in ("stated", "with_targets", "with_up_to")])


def test_timeline_follows_the_events_table(built):
    money, gpus, _ = built["timeline"].axes
    table = events()
    last = table.iloc[-1]
    assert money.get_ylim()[1] == pytest.approx((last["equity_usd"] + last["debt_usd"]) / 1e9 * 1.35)
    title = built["timeline"].get_suptitle()
    assert f"capital grew to {_usd(last['equity_usd'] + last['debt_usd'])}" in title and len(title) <= 90
    assert f"stated GPU plans to {_thousands(last['gpus_stated'])}" in title
    numbers = [t.get_text() for t in money.texts + gpus.texts if t.get_text().isdigit()]
    totals = [c for c in table.columns if c.endswith("_usd") or c.startswith(("gpus_", "mw_"))]
    days = table.groupby("date")[totals].last().astype("Float64").fillna(0)
    moved = int((days != days.shift(fill_value=0)).any(axis=1).sum())  # the days on which some total changed
    assert 0 < moved < table["date"].nunique()
    assert sorted(map(int, numbers)) == list(range(1, moved + 1))


def test_timeline_starts_at_the_first_figure_and_names_the_events_before_it(built):
    """Rounds announced with no amount are not drawn as a zero stretch: the axis starts with the first figure."""
    fig = built["timeline"]
    table = events()
    figures = table[["equity_usd", "debt_usd", "gpus_stated", "gpus_with_targets", "gpus_with_up_to"]].astype("Float64")
    first = table.loc[figures.fillna(0).gt(0).any(axis=1), "date"].min()
    start = matplotlib.dates.num2date(fig.axes[1].get_xlim()[0]).replace(tzinfo=None)
    assert first - pd.Timedelta(days=61) < pd.Timestamp(start) < first
    footer = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    for name in table.loc[table["date"] < first, "event"]:
        assert name in footer


def test_article_chart_draws_the_gaps_of_the_checks_table(built):
    checks = source_checks(charts.ARTICLE, charts.ARTICLE_DATE)
    left, right = built["article-vs-sources"].axes
    figures = checks[checks["gap_unit"] == "%"]
    assert sorted(round(b.get_width(), 6) for b in left.patches) == sorted(round(g * 100, 6) for g in figures["gap"])
    compared = checks[(checks["compared_kind"] != "no other source") & checks["gap_unit"].isin(["%", "days"])]
    limits = {"%": 0.05, "days": 7}  # differs: a figure off by more than 5%, a date by more than a week
    differ = sum(1 for _, r in compared.iterrows() if r["agrees"] is False and abs(r["gap"]) > limits[r["gap_unit"]])
    assert differ < int((compared["agrees"] == False).sum())  # noqa: E712 -- a 4% gap and a one-day gap no longer count
    title = built["article-vs-sources"].get_suptitle()
    assert title.startswith(f"{differ} of the article's {len(compared)} figures and dates differ") and len(title) <= 90
    assert "Stargate UK, 50,000 against 31,000" in title
    drawn = built["article-vs-sources"].data
    assert set(drawn.loc[drawn["differs"], "gap_unit"]) <= {"%", "days"}  # every claim counted is drawn
    percent = drawn[drawn["gap_unit"] == "%"]
    assert percent["gap"].abs().max() > 1  # the CSV states percent as percent, not as a fraction
    assert "channelnews-2025-10-03" not in set(compared["compared_source_id"].dropna()), "never compared with itself"


def test_cost_chart_labels_the_assumption_and_sets_company_cost_against_company_capital():
    fig = charts.capex_vs_capital((10_000, 20_000))
    text = "\n".join(t.get_text() for t in _drawn_texts(fig))
    assert "ASSUMED $10,000 to $20,000 per GPU" in text and "not a sourced figure" in text
    capital = capital_raised() + debt_raised()
    assert f"{_usd(capital)}: {_usd(capital_raised())} equity, {_usd(debt_raised())} committed debt" in text
    assert "never added to capital" in text
    stated_gpus = int(gpus_by_region()["stated"].sum())
    lines = [line for line in fig.axes[0].lines if len(line.get_xdata()) == 2 and line.get_linestyle() != "None"]
    ranges = sorted(tuple(round(x, 6) for x in line.get_xdata()) for line in lines)
    assert (round(stated_gpus * 10_000 / 1e9, 6), round(stated_gpus * 20_000 / 1e9, 6)) in ranges  # the whole company's plan
    drawn = fig.data.set_index(["row", "series", "unit"])["value"]
    assert drawn[("stated", "GPUs without a sourced price", "GPUs")] == stated_gpus  # no GB300 or Vera Rubin price found
    assert not any(p.get_hatch() for p in fig.axes[0].patches), "hatching means 'up to' elsewhere, not a price"


@pytest.mark.parametrize("name", NAMES)
def test_svg_text_is_text_with_fallback_fonts(name):
    svg = (REPO / "figures" / f"{name}.svg").read_text(encoding="utf-8")
    assert svg.count("<text") >= 10 and "glyph" not in svg.lower()
    assert "font-family: 'DejaVu Sans'" in svg and "sans-serif" in svg


@pytest.mark.parametrize("name", NAMES)
def test_committed_figures_are_byte_for_byte_what_the_code_draws(built, name, tmp_path):
    """The committed SVG and CSV are what the code draws now: a chart or data change was rebuilt before commit.

    The PNG, drawn from the same figure, is compared where `make figures` rebuilds everything (CI's clean clone).
    """
    save_figure(built[name], tmp_path / name, images=("svg",))
    for suffix in (".svg", ".csv", ".zip"):
        assert (tmp_path / f"{name}{suffix}").read_bytes() == (REPO / "figures" / f"{name}{suffix}").read_bytes(), suffix
    assert "<dc:date>" not in (tmp_path / f"{name}.svg").read_text()
    assert "matplotlib.org" not in (REPO / "figures" / f"{name}.png").read_bytes().decode("latin-1")


def test_no_figure_is_never_drawn_as_a_zero_bar(built):
    _, gpu_ax, _ = built["capital-and-gpus"].axes
    labels = [t.get_text() for t in gpu_ax.texts]
    then, now = gpus_by_region("2025-10-03"), gpus_by_region()
    empty = [r for r in now.index if then.loc[r].isna().all() and now.loc[r].isna().all()
             and mw_by_region().loc[r].isna().all() and mw_by_region("2025-10-03").loc[r].isna().all()]
    drawn = [r for r in now.index if r not in empty]
    missing = sum(t.loc[r].isna().all() for r in drawn for t in (then, now))
    assert labels.count("no figure") == missing  # North America in Oct 2025
    assert any(label.startswith(f"No figure at any date: {', '.join(empty)}") for label in labels)  # one line, not 2 × 2 rows
    assert all(b.get_width() > 0 for b in gpu_ax.patches)
    assert pd.isna(gpus_by_region().loc["Asia", "stated"])




@pytest.mark.parametrize("chart", ["timeline", "timeline_narrow", "capex_vs_capital", "capex_vs_capital_narrow"])
def test_a_chart_drawn_before_any_debt_writes_no_figure_and_draws_nothing_for_it(chart):
    """On 3 Oct 2025 no debt amount was published: the charts still draw, and say so instead of $0."""
    day = "2025-10-03"
    assert debt_raised(day) is None and capital_raised(day)
    fig = getattr(charts, chart)(as_of=day)
    texts = " ".join(t.get_text() for t in _drawn_texts(fig))
    assert _usd(capital_raised(day)) in fig.get_suptitle() or "times the capital" in fig.get_suptitle()
    assert "no figure" not in fig.get_suptitle()
    if chart.startswith("capex"):
        assert "committed debt: no figure" in texts
    debt_colour = mcolors.to_hex(charts.CAPITAL["debt"]["facecolor"])
    drawn_debt = [p for ax in fig.axes for p in ax.patches if mcolors.to_hex(p.get_facecolor()) == debt_colour and p.get_width() > 0]
    assert not drawn_debt


def _csv_rows(name: str) -> list[dict]:
    import csv

    with open(REPO / "figures" / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", NAMES)
def test_every_plotted_figure_names_the_claims_and_sources_behind_it(name):
    """Each row of a chart's CSV with a figure other than a computed zero names claims that exist, and their sources."""
    import csv

    from nscale_data.package.schema import PACKAGED_DATA

    with open(PACKAGED_DATA / "claims.csv", newline="", encoding="utf-8") as handle:
        source_of = {c["claim_id"]: c["source_id"] for c in csv.DictReader(handle)}
    rows = _csv_rows(name)
    assert rows and {"claim_ids", "source_ids"} <= set(rows[0])
    figures = [r for r in rows if any(r.get(c) not in (None, "", "0", "0.0") for c in ("value", "claimed_value", "equity_usd"))]
    assert figures
    for row in figures:
        claims, sources = row["claim_ids"].split("; "), row["source_ids"].split("; ")
        assert claims != [""], (name, row)
        assert all(c in source_of for c in claims), (name, claims)
        assert {source_of[c] for c in claims} <= set(sources), (name, row)


@pytest.mark.parametrize("name", NAMES)
def test_every_linked_bar_has_a_tooltip_and_a_link_to_a_page_of_the_report(built, name):
    import re

    svg = (REPO / "figures" / f"{name}.svg").read_text(encoding="utf-8")
    links = re.findall(r'<a xlink:href="([^"]+)"', svg)
    assert len(links) == len(built[name].tooltips) > 0
    pages = {"figures.html", "sources.html", "data.html", "changes.html", "index.html",
             *(f"{p.stem}.html" for p in (REPO / "notebooks").glob("*.ipynb"))}
    assert all(link.startswith("../") and link[3:].split("#")[0] in pages for link in links), set(links)
    for gid, words in built[name].tooltips.items():  # each tooltip is the first child of its bar's group
        assert re.search(rf'<g id="{re.escape(gid)}"><title>[^<]+</title>', svg), gid


@pytest.mark.parametrize("name", ["capital-and-gpus", "capacity-online"])
def test_a_bundle_holds_the_data_metadata_and_readme_and_is_the_same_every_time(built, name, tmp_path):
    import json
    import zipfile

    import nscale_data as nd

    save_figure(built[name], tmp_path / "a" / name, images=("svg",))
    save_figure(built[name], tmp_path / "b" / name, images=("svg",))
    first = (tmp_path / "a" / f"{name}.zip").read_bytes()
    assert first == (tmp_path / "b" / f"{name}.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a" / f"{name}.zip") as archive:
        assert archive.namelist() == [f"{name}/{name}.csv", f"{name}/metadata.json", f"{name}/README.md"]
        meta = json.loads(archive.read(f"{name}/metadata.json"))
        assert archive.read(f"{name}/{name}.csv") == (REPO / "figures" / f"{name}.csv").read_bytes()
        readme = archive.read(f"{name}/README.md").decode()
    assert meta["data_version"] == nd.data_version() and meta["citation"] == nd.citation() and meta["caveats"]
    assert meta["title"] == built[name].get_suptitle().replace("\n", " ") and meta["title"] in readme
    assert all(c in readme for c in meta["caveats"])
