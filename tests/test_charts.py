"""Chart functions: the right data, labels with units, the as-of stamp and source line, reproducible files."""

from __future__ import annotations

import matplotlib.colors as mcolors
from matplotlib.collections import Collection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
import pytest
from matplotlib.testing.compare import compare_images

from conftest import REPO
from nscale_data import capital_raised, charts, debt_raised, gpus_by_region
from nscale_data.figures import FIGURES, save_figure

OKABE_ITO = {c.lower() for c in (charts.BLUE, charts.ORANGE, charts.SKY, charts.GREEN, charts.VERMILLION, charts.PURPLE)}


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


@pytest.fixture(scope="module")
def built():
    return {target.name: getattr(charts, target.chart)() for target in FIGURES}


@pytest.mark.parametrize("name", [t.name for t in FIGURES])
def test_every_chart_has_finding_units_date_and_sources(built, name):
    fig = built[name]
    assert fig.get_suptitle(), "a title that states the finding"
    text = _texts(fig)
    assert "Data as of 26 Nov 2026 (reviewed 26 Nov 2026; latest source 12 May 2026)" in text
    assert "Sources: " in text
    for ax in fig.axes:
        label = ax.get_xlabel() + ax.get_ylabel()
        assert any(unit in label for unit in ("US dollars", "GPUs", "date")), (name, label)


@pytest.mark.parametrize("name", [t.name for t in FIGURES])
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


def test_headline_plots_equity_debt_and_the_stated_gpus(built):
    money, gpus = built["capital-and-gpus"].axes
    heights = [bar.get_height() for bar in money.patches]
    assert heights == pytest.approx([capital_raised("2025-10-03") / 1e9, capital_raised() / 1e9, debt_raised() / 1e9])
    stated_now = [bar.get_width() * 1e3 for bar in gpus.containers[2]]
    assert stated_now == pytest.approx(gpus_by_region()["stated"].fillna(0).astype(float).tolist())
    assert "no GPU figure yet: Middle East, Asia" in built["capital-and-gpus"].get_suptitle()


def test_headline_title_states_the_change(built):
    title = built["capital-and-gpus"].get_suptitle()
    assert "$1.7bn → $5.5bn" in title


def test_article_chart_flags_the_disagreements(built):
    title = built["article-vs-sources"].get_suptitle()
    assert title.startswith("2 of the article's 8 figures differ")
    assert "Stargate UK (50,000 against 31,000)" in title


def test_capex_chart_labels_the_assumption():
    fig = charts.capex_vs_capital((10_000, 20_000))
    assert "ASSUMPTION: $10,000 to $20,000 per GPU" in _texts(fig)
    bars = fig.axes[0].containers[0]
    assert [b.get_width() for b in bars] == pytest.approx((gpus_by_region()["low"].fillna(0).astype(float) * 10_000 / 1e9).tolist())


@pytest.mark.parametrize("name", [t.name for t in FIGURES])
def test_committed_figures_match_what_the_code_draws(built, name, tmp_path):
    save_figure(built[name], tmp_path / name)
    assert compare_images(str(REPO / "figures" / f"{name}.png"), str(tmp_path / f"{name}.png"), tol=2) is None


def test_files_are_byte_for_byte_reproducible(tmp_path):
    for attempt in ("a", "b"):
        save_figure(charts.timeline(), tmp_path / attempt)
    for suffix in (".svg", ".png"):
        assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()
    svg = (tmp_path / "a.svg").read_text()
    assert "<dc:date>" not in svg and "matplotlib.org" not in (tmp_path / "a.png").read_bytes().decode("latin-1")
