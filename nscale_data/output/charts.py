"""The project's charts, each a function returning a matplotlib ``Figure``.

Every chart has a title that states its finding (computed from the library's
totals, so it stays true when the data changes), axis labels with units, the
"as of" date with the review date and the latest source's date, and a source
line. Colours are the Okabe-Ito palette, safe for colour-blind readers, and
the certainty ladder also reads in greyscale: *stated* is solid and dark,
*with targets* lighter, *with up to* hatched. Every figure's ``repr`` is a
one-sentence description, the alt text of its image in notebooks and in the
report. No text overlaps another or leaves the figure (see the tests).
"""

from __future__ import annotations

import functools
import textwrap

import matplotlib
import matplotlib.dates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from nscale_data.totals.analysis import (
    LEVELS,
    as_number,
    capital_raised,
    compute_by_region,
    debt_raised,
    events,
    gpus_by_region,
    known_sum,
    moving_days,
    mw_by_region,
    rounds_counted,
)
from nscale_data.totals.checks import source_checks
from nscale_data.totals.traced import behind_capacity, behind_capital
from nscale_data.totals.cost import ASSUMED_COST_PER_GPU_USD, funding, plan_cost
from nscale_data.output.tables import day, slug
from nscale_data.package.dataset import (
    AsOf,
    dataset_as_of,
    latest_source_date,
    load_chips,
    load_claims,
    load_debt_facilities,
    load_deployments,
    load_sources,
)

ARTICLE = "channelnews-2025-10-03"
ARTICLE_DATE = "2025-10-03"
# Okabe-Ito colours (Okabe & Ito, 2008): distinguishable with any common colour-vision deficiency.
BLUE, ORANGE, SKY, GREEN, VERMILLION, PURPLE, GREY = "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#7F7F7F"
# The certainty ladder, named and drawn the same way in every chart.
LADDER = {
    "stated": {"label": "stated (exact, about, at least)", "facecolor": BLUE, "edgecolor": BLUE},
    "with_targets": {"label": "+ targets and letters of intent", "facecolor": SKY, "edgecolor": SKY},
    "with_up_to": {"label": "+ 'up to' at its maximum", "facecolor": "white", "edgecolor": BLUE, "hatch": "////"},
}
CAPITAL = {
    "equity": {"label": "equity (rounds and SAFEs)", "facecolor": GREEN, "edgecolor": GREEN},
    "debt": {"label": "committed debt", "facecolor": ORANGE, "edgecolor": ORANGE},
}
LADDER_NOTE = ("Stated: figures the sources state as a number (exact, about, at least); targets and letters of intent add stated "
               "plans and goals; 'up to' adds each maximum. 'No figure' means no source states one, never zero.")
STYLE = {
    "font.family": ["DejaVu Sans", "sans-serif"],  # the SVG names the generic fallbacks after the bundled font
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "axes.axisbelow": True,
    "legend.frameon": False,
    "hatch.linewidth": 0.8,
    "svg.hashsalt": "nscale-data",
    "svg.fonttype": "none",  # text stays text in the SVG: selectable, searchable, translatable
    "text.parse_math": False,
}


class Chart(Figure):
    """A figure whose ``repr`` is its one-sentence description (the alt text of its image).

    ``tooltips`` maps the id of each bar or point drawn with ``_evidence`` to its words; ``save_figure`` writes them
    into the SVG as ``<title>`` elements, beside each one's link to its evidence in the report.
    """

    description = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tooltips: dict[str, str] = {}

    def __repr__(self) -> str:
        return self.description or super().__repr__()


def _evidence(artists, gid: str, tooltip: str, page: str) -> None:
    """Give drawn bars or a text an id, a tooltip and a link to their evidence in the report (``page``: 'figures.html#capital').

    The link is relative to the SVG, which sits in the report's ``figures/`` folder; the report rewrites it when it
    embeds the SVG in a page. Made with matplotlib's own SVG support (``set_gid``, ``set_url``): no script.
    """
    for n, artist in enumerate(artists):
        artist.set_gid(gid if n == 0 else f"{gid}-{n}")
        artist.set_url(f"../{page}")
        artist.figure.tooltips[artist.get_gid()] = tooltip


def describe(fig: Figure) -> str:
    """One sentence saying what a chart shows, from its title.

    Examples:
        >>> fig = Chart()
        >>> _ = fig.suptitle("Equity rose to $3.3bn\\nwhile GPUs grew")
        >>> describe(fig)
        'Chart: Equity rose to $3.3bn while GPUs grew.'
    """
    title = " ".join(fig.get_suptitle().split())
    return f"Chart: {title.rstrip('.')}."


def _styled(chart):
    """Build the chart inside the project's style, so every text and line picks it up."""

    @functools.wraps(chart)
    def build(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(STYLE):
            fig = chart(*args, **kwargs)
            _freeze_layout(fig)
        fig.description = describe(fig)
        return fig

    return build


def _freeze_layout(fig: Figure) -> None:
    """Solve the layout once and fix each axes' position, rounded.

    The layout solver's last digits can vary between runs; rounded positions
    keep the SVG's clip-path ids, and so the files, byte for byte the same.
    """
    fig.draw_without_rendering()
    for ax in fig.axes:
        ax.set_position([round(v, 6) for v in ax.get_position().bounds])
    fig.set_layout_engine("none")


# --- The headline: capital against GPUs and megawatts, by region -----------------------------

@_styled
def capital_and_gpus(dates: tuple[AsOf, ...] | None = None) -> Figure:
    """Headline: equity and debt, beside planned GPUs and megawatts by region, at each date.

    ``dates`` defaults to the article's date and the data's review date.
    """
    dates, equity, debt, gpus, power, compute = _headline_numbers(dates)
    fig, (money, gpu_ax, mw_ax) = _figure(13, 7.4, ncols=3, width_ratios=[0.8, 1.45, 1.25])

    highest = max((known_sum(e, d) or 0) for e, d in zip(equity, debt)) or 1
    for i, (own, lent) in enumerate(zip(equity, debt)):
        own, lent = own or 0, lent or 0  # no figure draws nothing and is written as such
        _capital_evidence(money.bar(i, own / 1e9, width=0.62, **_style(CAPITAL["equity"])), "equity", own, dates[i])
        if lent:
            _capital_evidence(money.bar(i, lent / 1e9, bottom=own / 1e9, width=0.62, **_style(CAPITAL["debt"])), "debt", lent, dates[i])
        money.text(i, (own + lent) / 1e9, _capital_words(equity[i], debt[i]), ha="center", va="bottom", fontsize=10,
                   fontweight="bold")
        for bottom, amount, word in ((0, own, "equity"), (own, lent, "debt")):
            if amount >= 0.12 * highest:
                money.text(i, (bottom + amount / 2) / 1e9, f"{word}\n{_usd(amount)}", ha="center", va="center", fontsize=8.5,
                           color="white" if word == "equity" else "black")
    money.set_xticks(range(len(dates)), [_view(d, "\n") for d in dates])
    money.set_ylabel("Billion US dollars")
    money.set_title("Capital raised", loc="left")
    money.set_ylim(0, highest / 1e9 * 1.2)
    money.grid(axis="x", visible=False)

    every = list(gpus[-1].index)
    empty = [r for r in every if all(t.loc[r].isna().all() for t in (*gpus, *power))]  # no figure at any date: one line
    regions = [r for r in every if r not in empty]
    labels, y = [], []
    for k, region in enumerate(regions):
        for i, d in enumerate(dates):
            y.append(k * (len(dates) + 0.8) + i)
            labels.append(f"{region}, {_view(d, ' ')}")
    for ax, tables, unit, scale in ((gpu_ax, gpus, "GPUs", 1e3), (mw_ax, power, "MW", 1.0)):
        widest = max(float(t["with_up_to"].fillna(0).max()) for t in tables) / scale or 1
        rows = [(tables[i].loc[region], y[k * len(dates) + i], compute[i].loc[region], region, dates[i])
                for k, region in enumerate(regions) for i in range(len(dates))]
        for row, yi, h100e, region, d in rows:
            _ladder_bar(ax, yi, row, scale, link=_region_link(region, d, unit))
            label = _ladder_label(row, unit) + (_h100e_words(h100e) if unit == "GPUs" else "")
            ax.text(_ladder_end(row) / scale + widest * 0.02, yi, label, va="center", fontsize=8.5,
                    color="black" if pd.notna(row["with_up_to"]) else GREY)
        ax.set_xlim(0, widest * 1.42)
        ax.set_ylim(max(y) + (1.9 if empty else 0.7), min(y) - 0.7)
        ax.grid(axis="y", visible=False)
    if empty:
        gpu_ax.text(0.01, max(y) + 1.3, f"No figure at any date: {', '.join(empty)} (named as targets only)", va="center",
                    fontsize=8.5, color=GREY, transform=matplotlib.transforms.blended_transform_factory(gpu_ax.transAxes, gpu_ax.transData))
    gpu_ax.set_yticks(y, labels)
    mw_ax.set_yticks(y, [""] * len(y))
    mw_ax.tick_params(axis="y", length=0)
    gpu_ax.set_xlabel("Planned GPUs, thousands")
    mw_ax.set_xlabel("Planned power, megawatts")
    gpu_ax.set_title("Planned GPUs, overlaps counted once", loc="left")
    mw_ax.set_title("Planned power", loc="left")

    last_gpus = gpus[-1]
    fig.suptitle(
        f"Nscale has raised {_usd(known_sum(equity[-1], debt[-1]))} against {_thousands(_total(last_gpus, 'stated'))} stated GPUs "
        f"({_thousands(_total(last_gpus, 'with_up_to'))} with targets and 'up to')",
        x=0.01, ha="left", fontsize=13, fontweight="bold",
    )
    _legend(fig, [*CAPITAL.values(), *LADDER.values()])
    _footer(fig, dates[-1], LADDER_NOTE + " H100e: GPUs in H100-equivalents (each chip's dense 16-bit rate over the H100 SXM's, "
            "from chips.csv); GPUs whose chip is unnamed or has no sourced rate are left out of it. "
            "Uncommitted accordions are not money and are not drawn.", _source_ids(dates[-1]))
    _fit_labels(fig, gpu_ax, mw_ax)
    fig.data = _headline_data(dates, equity, debt, gpus, power)
    return fig


def _capital_evidence(bars, kind: str, amount, as_of: AsOf) -> None:
    """An equity or debt bar's tooltip and link: its amount at the date drawn, and the rows behind it in the report."""
    word = "Equity (rounds and SAFEs)" if kind == "equity" else "Committed debt"
    _evidence(bars, f"{kind}-{pd.Timestamp(as_of):%Y-%m-%d}", f"{word} at {_day(as_of)}: {_usd(amount)}. {SELECT}",
              "figures.html#capital")


def _region_link(region: str, as_of: AsOf, unit: str) -> tuple:
    """The ``link`` of a region's capacity bar at a date (``_ladder_bar``)."""
    measure = "gpus" if unit == "GPUs" else "mw"
    return (f"{measure}-{slug(region)}-{pd.Timestamp(as_of):%Y-%m-%d}", f"{region}, {_day(as_of)}", unit,
            f"figures.html#region-{slug(region)}")


def _capital_words(equity: int | None, debt: int | None) -> str:
    """A capital bar's label: its total, and which part has no figure: '$1.7bn\ndebt: no\nfigure'."""
    missing = [word for word, value in (("equity", equity), ("debt", debt)) if value is None]
    if len(missing) == 2:
        return "no figure"
    return _usd(known_sum(equity, debt)) + (f"\n{missing[0]}: no\nfigure" if missing else "")


def _capital_parts(equity: int | None, debt: int | None, debt_word: str = "debt") -> str:
    """'$3.3bn equity, $2.2bn debt', or '$1.7bn equity, debt: no figure' where a part has none."""
    return ", ".join(f"{_usd(v)} {w}" if v is not None else f"{w}: no figure" for w, v in (("equity", equity), (debt_word, debt)))


def _headline_numbers(dates: tuple[AsOf, ...] | None) -> tuple[list, list, list, list, list, list]:
    """The headline chart's numbers at each date: the dates, equity, debt, GPUs, MW and H100e by region."""
    dates = _dates(dates)
    return (dates, [capital_raised(d) for d in dates], [debt_raised(d) for d in dates], [gpus_by_region(d) for d in dates],
            [mw_by_region(d) for d in dates], [compute_by_region(d) for d in dates])


def _headline_data(dates, equity, debt, gpus, power) -> pd.DataFrame:
    """The numbers the headline chart draws, one row per value (both of its layouts draw the same)."""
    rows = []
    for d, own, lent, by_gpus, by_mw in zip(dates, equity, debt, gpus, power):
        rows += [(d, "equity", "", "", own, "USD"), (d, "committed debt", "", "", lent, "USD")]
        rows += [(d, "GPUs", region, level, by_gpus.at[region, level], "GPUs") for region in by_gpus.index for level in LEVELS]
        rows += [(d, "power", region, level, by_mw.at[region, level], "MW") for region in by_mw.index for level in LEVELS]

    def found(row: pd.Series) -> tuple[list[str], list[str]]:
        if row["unit"] == "USD":
            return behind_capital("equity" if row["series"] == "equity" else "debt", row["as_of"])
        return behind_capacity(row["level"], "gpus" if row["unit"] == "GPUs" else "mw", row["as_of"], regions=[row["region"]])

    return _with_evidence(_data(rows, ["as_of", "series", "region", "level", "value", "unit"]), found)


NARROW_TEXT = 12  # points: drawn 6.4 inches wide and shown 358 px wide on a 390 px phone, this is 9.3 px (9 is the least)


@_styled
def capital_and_gpus_narrow(dates: tuple[AsOf, ...] | None = None) -> Figure:
    """The headline chart drawn for a phone held upright: panels stacked, each bar labelled above it, no text under 12 pt.

    The same numbers as ``capital_and_gpus`` (its ``data`` is the same table); the report serves it to narrow screens.
    """
    dates, equity, debt, gpus, power, compute = _headline_numbers(dates)
    every = list(gpus[-1].index)
    empty = [r for r in every if all(t.loc[r].isna().all() for t in (*gpus, *power))]
    regions = [r for r in every if r not in empty]
    rows = len(regions) * len(dates)
    fig = Chart(figsize=(6.4, 5.6 + 1.25 * rows), layout="constrained")
    grid = fig.add_gridspec(3, 1, height_ratios=[1.5, 0.6 * rows + 0.5, 0.55 * rows])
    money, gpu_ax, mw_ax = (fig.add_subplot(grid[i]) for i in range(3))
    size = NARROW_TEXT
    for i, (own, lent) in enumerate(zip(equity, debt)):
        _capital_evidence(money.barh(i * 1.2, (own or 0) / 1e9, height=0.45, **_style(CAPITAL["equity"])), "equity", own, dates[i])
        if lent:
            _capital_evidence(money.barh(i * 1.2, lent / 1e9, left=(own or 0) / 1e9, height=0.45, **_style(CAPITAL["debt"])), "debt",
                              lent, dates[i])
        money.text(0, i * 1.2 - 0.3, f"{_view(dates[i], ' ')}: {_usd(known_sum(own, lent))} ({_capital_parts(own, lent)})", va="bottom",
                   fontsize=size)
    money.set_ylim(len(dates) * 1.2 - 0.7, -0.95)
    money.set_yticks([])
    money.set_title("Capital raised", loc="left", fontsize=size + 1)
    money.set_xlabel("Billion US dollars", fontsize=size)
    for ax, tables, unit, scale, title in ((gpu_ax, gpus, "GPUs", 1e3, "Planned GPUs, thousands"),
                                           (mw_ax, power, "MW", 1.0, "Planned power, megawatts")):
        y = 0
        for region in regions:
            for i, d in enumerate(dates):
                row = tables[i].loc[region]
                _ladder_bar(ax, y, row, scale, height=0.45, link=_region_link(region, d, unit))
                label = f"{region}, {_view(d, ' ')}: {_ladder_label(row, unit)}"
                if unit == "GPUs" and pd.notna(compute[i].loc[region, 'with_up_to']):
                    label += f" = {_thousands(compute[i].loc[region, 'with_up_to'])} H100e"
                ax.text(0, y - 0.3, label, va="bottom", fontsize=size, color="black" if pd.notna(row["with_up_to"]) else GREY)
                y += 1.2
            y += 0.25
        if empty and unit == "GPUs":
            ax.text(0, y - 0.3, f"No figure at any date: {', '.join(empty)}", va="bottom", fontsize=size, color=GREY)
            y += 0.8
        ax.set_ylim(y - 0.55, -0.95)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        ax.set_title(title, loc="left", fontsize=size + 1)
        ax.set_xlabel("GPUs, thousands" if unit == "GPUs" else "Power, megawatts", fontsize=size)
    for ax in (money, gpu_ax, mw_ax):
        ax.tick_params(labelsize=size)
    last = gpus[-1]
    _narrow_frame(fig, f"Nscale has raised {_usd(known_sum(equity[-1], debt[-1]))} against {_thousands(_total(last, 'stated'))} "
                       f"stated GPUs ({_thousands(_total(last, 'with_up_to'))} with targets and 'up to')",
                  dates[-1], "Dark: stated; light: targets and letters of intent; hatched: 'up to'. No figure is never zero.",
                  len(set(_source_ids(dates[-1]))))
    fig.data = _headline_data(dates, equity, debt, gpus, power)
    return fig


def _narrow_frame(fig: Figure, title: str, as_of: AsOf, note: str, sources: int, legend: bool = True) -> None:
    """A phone drawing's title (wrapped), legend (three columns) and footer (dates, note, source count), laid out around its panels."""
    size = NARROW_TEXT
    title = textwrap.fill(title, 44)
    fig.suptitle(title, x=0.02, y=0.995, ha="left", va="top", fontsize=size + 2.5, fontweight="bold")
    short = ["equity", "debt", "stated", "+ targets", "+ 'up to'"]
    handles = [Patch(facecolor=e["facecolor"], edgecolor=e["edgecolor"], hatch=e.get("hatch"), label=label)
               for e, label in zip((*CAPITAL.values(), *LADDER.values()), short)]
    latest = latest_source_date(as_of)
    lines = textwrap.wrap(f"Data as of {_day(as_of)} (reviewed {_day(None)}; latest source {_day(latest) if latest is not None else 'none'}). "
                          f"{note.strip()} Sources: {sources} documents, listed with their words on the report's sources page.", 62)
    fig.text(0.02, 0.005, "\n".join(lines), fontsize=size, color="#333333", ha="left", va="bottom")
    points = fig.get_figheight() * 72
    bottom = (len(lines) * size * 1.25 + 8) / points
    if legend:
        fig.legend(handles=handles, loc="lower left", ncols=3, fontsize=size, borderaxespad=0, bbox_to_anchor=(0.02, bottom),
                   frameon=False, columnspacing=1.0, handlelength=1.5)
    lowest = bottom + (2 * size * 1.7 / points if legend else 0)  # the footer and the legend's two rows
    title_height = (title.count("\n") + 2) * (size + 2.5) * 1.3 / points  # the title's lines, with room
    fig.get_layout_engine().set(rect=(0, lowest, 1, 1 - lowest - title_height))  # (left, bottom, width, height)


def _h100e_words(h100e: pd.Series) -> str:
    """A region's compute beside its GPU count: '\n= 233k to 233k H100e (+30k unknown chip)', or '' without a figure."""
    low, high = h100e["stated"], h100e["with_up_to"]
    if pd.isna(high):
        return ""
    span = _thousands(high) if pd.isna(low) or low == high else f"{_thousands(low)} to {_thousands(high)}"
    unknown = h100e["unknown_mix_with_up_to"]
    return f"\n= {span} H100e" + (f" (+{_thousands(unknown)} GPUs, chip unknown)" if pd.notna(unknown) else "")


def _fit_labels(fig: Figure, *axes) -> None:
    """Widen each panel's x range until every label written on it in data coordinates ends inside it.

    A label's width is fixed in points while the panel's scale changes with
    its range, so the range is grown a few times until the labels fit.
    """
    for _ in range(8):  # the layout moves as the ticks change, so it takes a few rounds
        fig.draw_without_rendering()
        grown = False
        for ax in axes:
            panel = ax.get_window_extent()
            low, high = ax.get_xlim()
            per_pixel = (high - low) / panel.width
            right = max((t.get_window_extent().x1 for t in ax.texts if t.get_transform() is ax.transData and t.get_text()),
                        default=panel.x1)
            if right > panel.x1 - 6:  # a few pixels clear of the next panel
                ax.set_xlim(low, high + (right - panel.x1 + 10) * per_pixel * 1.1)
                grown = True
        if not grown:
            return


LEVEL_WORDS = {"stated": "stated", "with_targets": "with targets and letters of intent", "with_up_to": "with 'up to' at its maximum"}
SELECT = "Select for the rows behind it and the words of their sources."


def _ladder_bar(ax, y: float, row: pd.Series, scale: float, height: float = 0.8, link: tuple | None = None) -> None:
    """One bar in three cumulative segments: stated, then targets, then 'up to'.

    ``link``, ``(id, words, unit, page)``, gives each segment a tooltip and a link to its evidence (``_evidence``).
    """
    start = 0.0
    for level in LEVELS:
        value = row[level]
        if pd.isna(value) or value / scale <= start:
            continue
        bars = ax.barh(y, value / scale - start, left=start, height=height, **_style(LADDER[level]))
        if link is not None:
            gid, words, unit, page = link
            _evidence(bars, f"{gid}-{slug(level)}", f"{words}, {LEVEL_WORDS[level]}: {value:,.0f} {unit}. {SELECT}", page)
        start = value / scale


def _ladder_end(row: pd.Series) -> float:
    return 0.0 if pd.isna(row["with_up_to"]) else float(row["with_up_to"])


def _ladder_label(row: pd.Series, unit: str) -> str:
    """'no figure', '122,240 GPUs', or '79,640 to 158,640 GPUs' (stated to with up to).

    Examples:
        >>> _ladder_label(pd.Series({"stated": None, "with_targets": None, "with_up_to": None}), "GPUs")
        'no figure'
        >>> _ladder_label(pd.Series({"stated": None, "with_targets": 1350.0, "with_up_to": 1350.0}), "MW")
        '1,350 MW (target only)'
    """
    low, high = row["stated"], row["with_up_to"]
    if pd.isna(high):
        return "no figure"
    if pd.isna(low):
        return f"{high:,.0f} {unit} (target only)" if pd.notna(row["with_targets"]) else f"up to {high:,.0f} {unit}"
    return f"{low:,.0f} {unit}" if low == high else f"{low:,.0f} to {high:,.0f} {unit}"


# --- The timeline ------------------------------------------------------------------------------

def _timeline_steps(as_of: AsOf) -> tuple[pd.Timestamp, pd.DataFrame, pd.DataFrame]:
    """The review day drawn to, the events up to it, and the totals on each day one changed (ending on that day)."""
    end = pd.Timestamp(as_of) if as_of is not None else dataset_as_of()
    table = events()
    table = table[table["date"] <= end].reset_index(drop=True)
    steps = table.drop_duplicates("date", keep="last").set_index("date")
    dates = list(steps.index) + ([end] if end not in steps.index else [])
    return end, table, steps.reindex(dates, method="ffill")


def _timeline_panels(money, gpu_ax, numbered: pd.DataFrame, steps: pd.DataFrame, end: pd.Timestamp, size: float) -> None:
    """Draw capital and planned GPUs as steps, shade the months no source covers, and mark the ``numbered`` events."""
    dates = list(steps.index)
    gpu_ax.sharex(money)
    equity = steps["equity_usd"].astype(float) / 1e9  # NaN (no figure) draws nothing
    total = equity.fillna(0) + steps["debt_usd"].astype(float).fillna(0) / 1e9
    money.fill_between(dates, 0, equity, step="post", **_style(CAPITAL["equity"]))
    money.fill_between(dates, equity.fillna(0), total.where(steps["debt_usd"].notna()), step="post", **_style(CAPITAL["debt"]))
    money.set_ylim(0, (total.max() or 1) * 1.35)
    previous = pd.Series(0.0, index=dates)
    for level in LEVELS:
        values = steps[f"gpus_{level}"].astype(float).fillna(0) / 1e3
        upper = pd.concat([previous, values], axis=1).max(axis=1)
        gpu_ax.fill_between(dates, previous, upper, step="post", **_style(LADDER[level]))
        previous = upper
    gpu_ax.set_ylim(0, previous.max() * 1.3)
    gpu_ax.set_xlim(_first_figure(steps) - pd.Timedelta(days=60), end + pd.Timedelta(days=30))
    money.tick_params(axis="x", labelbottom=False)
    latest = latest_source_date(end)
    if latest is not None and latest < end:  # months with no dated source are unknown, not quiet
        for ax in (money, gpu_ax):
            ax.axvspan(latest, end + pd.Timedelta(days=30), facecolor="#EEEEEE", edgecolor="#BBBBBB", hatch="..", linewidth=0,
                       zorder=0.5)
        words = f"no dated source\nafter {_day(latest)}:\nunknown" if size < NARROW_TEXT else f"unknown\nafter\n{_day(latest)}"
        gpu_ax.text(latest + (end - latest) / 2, previous.max() * 1.05, words, ha="center", va="center", fontsize=size,
                    color="#444444")
    money.figure.draw_without_rendering()  # lays out both axes (their x scales are shared) before any number is placed
    small = size if size >= NARROW_TEXT else size - 1  # a phone drawing's numbers are as large as its other text
    _number_events(money, numbered[numbered["capital"]], top=total.max() * 1.3, size=small)
    _number_events(gpu_ax, numbered[~numbered["capital"]], top=previous.max() * 1.25, size=small)


def _event_key(numbered: pd.DataFrame) -> str:
    """The numbered events as lines of one column; figure spaces pad the numbers (an SVG collapses ordinary spaces)."""
    lines = [f"{n:>2} {d:%d %b %y} {e}".replace(" ", "\u2007", 1 if n < 10 else 0)
             for n, d, e in zip(numbered["number"], numbered["date"], numbered["event"])]
    return "Events that moved a total\n" + "\n".join(lines)


def _timeline_title(steps: pd.DataFrame, end: pd.Timestamp) -> str:
    last = steps.iloc[-1]
    return (f"Nscale's capital grew to {_usd(known_sum(last['equity_usd'], last['debt_usd']))} and its stated GPU plans to "
            f"{_thousands(last['gpus_stated'])} (as reviewed, {_month(end)})")


def _timeline_before(table: pd.DataFrame, steps: pd.DataFrame) -> str:
    """The footer's words on the events before the first figure, which the axis leaves out."""
    start = _first_figure(steps)
    earlier = table.loc[table["date"] < start, "event"].tolist()
    return f"Before {_day(start)}, only events with no figure ({_and(earlier)}): not drawn, as no figure is not zero. " if earlier else ""


def _timeline_data(numbered: pd.DataFrame) -> pd.DataFrame:
    """The numbered events with their totals, and the claims and sources about each day's subjects published by that day."""
    table = numbered[["number", "date", "kind", "event", "equity_usd", "debt_usd", *(f"gpus_{level}" for level in LEVELS)]].copy()
    everything = events()
    claims_of, sources_of = [], []
    for day in table["date"]:
        subjects = set(everything.loc[everything["date"] == day, "subject_id"].astype(str))
        said = load_claims(day)
        said = said[[bool(subjects & set(str(s).split("+"))) for s in said["subject_id"]]]
        claims_of.append("; ".join(sorted(said.index)))
        sources_of.append("; ".join(sorted(set(said["source_id"]))))
    table["claim_ids"], table["source_ids"] = claims_of, sources_of
    return table


@_styled
def timeline(as_of: AsOf = None) -> Figure:
    """Equity and debt, and planned GPUs at each level, as each announcement came in; numbered events."""
    end, table, steps = _timeline_steps(as_of)
    fig = Chart(figsize=(13, 8.4), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[2.9, 1.1], height_ratios=[1, 1.25])
    money, gpu_ax, key = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[:, 1])
    key.axis("off")
    numbered = _changing_dates(table)
    _timeline_panels(money, gpu_ax, numbered, steps, end, size=8.5)
    money.set_ylabel("Capital raised,\nbillion US dollars")
    money.set_title("Equity and committed debt, each counted once", loc="left")
    gpu_ax.set_ylabel("Planned GPUs, thousands\n(all regions, overlaps once)")
    gpu_ax.set_title("Planned GPUs by certainty (the worldwide roadmap is not added on top)", loc="left")
    gpu_ax.set_xlabel("Date (a source dated only to its month or year counts from that period's end, or the review date if earlier)")
    key.text(0, 1, _event_key(numbered), va="top", ha="left", fontsize=8, family="DejaVu Sans Mono", linespacing=1.25,
             transform=key.transAxes)
    fig.suptitle(_timeline_title(steps, end), x=0.01, ha="left", fontsize=13, fontweight="bold")
    _legend(fig, [*CAPITAL.values(), *LADDER.values()])
    _footer(fig, end, "Numbers mark the days a total moved (key at right; every event is in notebook 3); a pause takes GPUs out. "
            + _timeline_before(table, steps) + LADDER_NOTE, _source_ids(end))
    fig.data = _timeline_data(numbered)
    return fig


@_styled
def timeline_narrow(as_of: AsOf = None) -> Figure:
    """The timeline drawn for a phone: panels stacked, the key of events under them, no text under ``NARROW_TEXT`` points.

    The same numbers as ``timeline`` (its ``data`` is the same table).
    """
    end, table, steps = _timeline_steps(as_of)
    size = NARROW_TEXT
    numbered = _changing_dates(table)
    key_height = (len(numbered) + 1) * size * 1.25 * 1.04 / 72  # inches: the key's lines
    fig = Chart(figsize=(6.4, 9.4 + key_height), layout="constrained")
    grid = fig.add_gridspec(3, 1, height_ratios=[2.6, 3.0, key_height])
    money, gpu_ax, key = (fig.add_subplot(grid[i]) for i in range(3))
    key.axis("off")
    _timeline_panels(money, gpu_ax, numbered, steps, end, size=size)
    money.set_title("Capital raised", loc="left", fontsize=size + 1)
    money.set_ylabel("Billion US dollars", fontsize=size)
    gpu_ax.set_title("Planned GPUs", loc="left", fontsize=size + 1)
    gpu_ax.set_ylabel("GPUs, thousands", fontsize=size)
    gpu_ax.xaxis.set_major_locator(matplotlib.dates.MonthLocator(bymonth=(1, 7)))
    gpu_ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%b %y"))
    for ax in (money, gpu_ax):
        ax.tick_params(labelsize=size)
    key.text(0, 1, _event_key(numbered), va="top", ha="left", fontsize=size - 1.5 if len(numbered) > 99 else size,
             family="DejaVu Sans Mono", linespacing=1.25, transform=key.transAxes)
    _narrow_frame(fig, _timeline_title(steps, end), end,
                  "Numbers mark the days a total moved (key under the charts). A source dated only to its month or year counts "
                  "from that period's end. " + _timeline_before(table, steps),
                  len(set(_source_ids(end))))
    fig.data = _timeline_data(numbered)
    return fig


def _and(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _first_figure(steps: pd.DataFrame) -> pd.Timestamp:
    """The first day on which any total is a figure: before it, rounds were announced with no amount, which is not zero."""
    counted = ["equity_usd", "debt_usd", *(f"gpus_{level}" for level in LEVELS)]
    known = steps[counted].astype("Float64").fillna(0).gt(0).any(axis=1)
    return known.idxmax() if known.any() else steps.index[0]


def _changing_dates(table: pd.DataFrame) -> pd.DataFrame:
    """One numbered row per day on which a total moved (``moving_days``).

    Its ``event`` names the day's first event of the kind that moved and how
    many more there were; ``capital`` is whether the day moved equity or debt
    (its number goes on the capital panel) rather than only capacity.
    """
    money = ["equity_usd", "debt_usd"]
    capital = table.groupby("date", sort=True)[money].last().astype("Float64").fillna(0)
    capital_moved = capital.ne(capital.shift(fill_value=0)).any(axis=1)
    rows = []
    for day in moving_days(table):
        events_of_day = table[table["date"] == day]
        first = ("equity", "debt", "figure") if capital_moved[day] else ("figure", "status", "capacity")  # the kind that moved
        rank = {kind: at for at, kind in enumerate(first)}
        events_of_day = events_of_day.sort_values("kind", key=lambda kinds: kinds.map(rank).fillna(len(rank)), kind="stable")
        names = events_of_day["event"].tolist()
        more = f" (+{len(names) - 1} more)" if len(names) > 1 else ""
        last_row = events_of_day.iloc[-1]
        rows.append({"date": day, "kind": events_of_day["kind"].iloc[0], "event": _short(names[0], 38 - len(more)) + more,
                     "capital": bool(capital_moved[day]), **last_row[[c for c in table.columns if c not in ("date", "kind", "event", "subject_id")]].to_dict()})
    numbered = pd.DataFrame(rows)
    numbered.insert(0, "number", range(1, len(numbered) + 1))
    return numbered


def _number_events(ax, table: pd.DataFrame, top: float, size: float = 7.5) -> None:
    """Mark each event with its number near the top of ``ax`` (laid out already), stacking numbers that would touch."""
    placed: list[tuple[float, int]] = []
    apart = 1.45 * size * ax.figure.dpi / 72  # pixels: about two digits of this size side by side
    for number, date in zip(table["number"], table["date"]):
        x = ax.transData.transform((matplotlib.dates.date2num(date), 0))[0]
        level = 0
        while any(abs(x - px) < apart and lv == level for px, lv in placed):
            level += 1
        placed.append((x, level))
        mark = ax.annotate(str(number), (date, top), xytext=(0, -1.45 * size * level), textcoords="offset points", ha="center",
                           va="top", fontsize=size, color="#222222")
        row = table[table["number"] == number].iloc[0]
        page = "figures.html#capital" if row["kind"] in ("equity", "debt") else "03-timeline.html"
        _evidence([mark], f"event-{number}", f"{number}: {_day(date)}, {row['event']}. Select for the evidence.", page)
        ax.axvline(date, color="#BBBBBB", linewidth=0.6, zorder=0)


# --- The article against the other sources -----------------------------------------------------

# A claim differs only past these gaps: a figure by more than 5%, a date by more than a week.
DIFFERS_BEYOND = {"%": 0.05, "days": 7}


def _differs(row: pd.Series) -> bool:
    """Whether a checked claim disagrees by more than the threshold of its kind (never for a claim not drawn)."""
    limit = DIFFERS_BEYOND.get(row["gap_unit"])
    return limit is not None and row["agrees"] is False and abs(float(row["gap"])) > limit


def _article_checks(as_of: AsOf) -> tuple[pd.DataFrame, pd.DataFrame, str, str, list[str], pd.DataFrame]:
    """The article chart's parts, the same in both layouts: its figures and dates (drawn bottom up), title, note, sources and data."""
    checks = source_checks(ARTICLE, as_of)
    figures = checks[(checks["gap_unit"] == "%")].iloc[::-1]
    dates = checks[checks["gap_unit"] == "days"].iloc[::-1]
    compared = checks[(checks["compared_kind"] != "no other source") & checks["gap_unit"].isin(list(DIFFERS_BEYOND))]
    differ = compared[[_differs(row) for _, row in compared.iterrows()]]
    worst = figures[[_differs(row) for _, row in figures.iterrows()]]
    worst = worst.loc[worst["gap"].abs().idxmax()] if len(worst) else None
    finding = f"{len(differ)} of the article's {len(compared)} figures and dates differ"
    if worst is not None:
        finding += f"; worst: {worst['subject_name']}, {_plain(worst['claimed_value'])} against {_plain(worst['compared_value'])}"
    others = checks[~checks["gap_unit"].isin(["%", "days"])]
    notes = [f"{_attribute(r['attribute'])}: {_verdict(r['agrees'])}" for _, r in others.iterrows()]
    kinds = ", ".join(sorted(set(compared["compared_kind"])))
    note = (f"Each claim of ChannelNews (3 Oct 2025) against the most primary other source by then ({kinds}), never itself. "
            "A claim differs (red) when a figure is off by more than 5% or a date by more than 7 days; grey: agrees given its "
            f"qualifier, or within those thresholds. Not drawn and not counted: {'; '.join(notes)}.")
    sources = sorted({ARTICLE, *checks.loc[checks["compared_kind"] != "no other source", "compared_source_id"].dropna()})
    data = checks[["claim_id", "subject_name", "attribute", "claimed_qualifier", "claimed_value", "compared_value",
                   "compared_source_id", "compared_kind", "agrees", "gap", "gap_unit"]].copy()
    percent = data["gap_unit"] == "%"  # the CSV states each gap in the unit it names: percent, not a fraction
    data["gap"] = [round(float(g) * 100, 2) if p and pd.notna(g) else g for g, p in zip(data["gap"], percent)]
    data["differs"] = [_differs(row) for _, row in checks.iterrows()]
    data["claim_ids"] = data["claim_id"]
    data["source_ids"] = ["; ".join(sorted({ARTICLE, s} - {None}) if isinstance(s, str) else [ARTICLE]) for s in data["compared_source_id"]]
    return figures, dates, finding, note, sources, data


def _gap_words(row: pd.Series, value: float, unit: str) -> str:
    gap = f"{value:+.0f}%" if unit == "%" else f"{value:.0f} day{'s' if value != 1 else ''} apart"
    return "agrees" if row["agrees"] is not False else gap if _differs(row) else f"{gap}: within the threshold"


@_styled
def article_vs_sources(as_of: AsOf = ARTICLE_DATE) -> Figure:
    """Each figure and date of the starting article beside what other sources say, largest gap first.

    A claim counts as differing past a threshold (``DIFFERS_BEYOND``: 5% for a
    figure, 7 days for a date); every claim counted is drawn.
    """
    figures, dates, finding, note, sources, data = _article_checks(as_of)
    fig, (left, right) = _figure(13, 6.6, ncols=2, width_ratios=[2.0, 1.1])
    for ax, rows, scale, unit in ((left, figures, 100, "%"), (right, dates, 1, " days")):
        y = range(len(rows))
        values = [g * scale for g in rows["gap"]]
        colours = [VERMILLION if _differs(row) else GREY for _, row in rows.iterrows()]
        bars = ax.barh(list(y), values, color=colours, height=0.6)
        for bar, value, (_, row) in zip(bars, values, rows.iterrows()):
            _claim_evidence(bar, row, value, unit)
        for yi, value, (_, row) in zip(y, values, rows.iterrows()):
            ax.text(max(value, 0) + (2 if unit == "%" else 0.4), yi, _gap_words(row, value, unit), va="center", fontsize=8.5,
                    color=VERMILLION if _differs(row) else GREY)
        ax.set_yticks(list(y), [_claim_label(row) for _, row in rows.iterrows()], fontsize=8.5)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.7, len(rows) - 0.3)
    left.set_xlim(min(0, min(figures["gap"]) * 100) - 10, max(figures["gap"]) * 100 * 1.25 + 10)
    right.set_xlim(0, max(dates["gap"].max(), 1) * 1.8)
    left.set_xlabel("Gap between the article and the other source, % of the other source's figure")
    right.set_xlabel("Days apart")
    left.set_title("Figures", loc="left")
    right.set_title("Dates", loc="left")
    fig.suptitle(finding, x=0.01, ha="left", fontsize=13, fontweight="bold")
    _footer(fig, as_of, note, sources)
    fig.data = data
    return fig


@_styled
def article_vs_sources_narrow(as_of: AsOf = ARTICLE_DATE) -> Figure:
    """The article chart drawn for a phone: figures above dates, each claim named above its bar, no text under 12 pt.

    The same numbers as ``article_vs_sources`` (its ``data`` is the same table).
    """
    figures, dates, finding, note, sources, data = _article_checks(as_of)
    size, step = NARROW_TEXT, 2.0
    fig = Chart(figsize=(6.4, 5.0 + 0.75 * (len(figures) + len(dates))), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[len(figures) + 0.9, len(dates) + 0.9])
    for ax, rows, scale, unit in ((top, figures, 100, "%"), (bottom, dates, 1, " days")):
        rows = rows.iloc[::-1]  # largest gap first, read from the top
        for position, (_, row) in enumerate(rows.iterrows()):
            y = position * step
            value = float(row["gap"]) * scale
            colour = VERMILLION if _differs(row) else GREY
            _claim_evidence(ax.barh(y, value, color=colour, height=0.5)[0], row, value, unit)
            name = f"{_short(row['subject_name'], 40)}: {_attribute(row['attribute'])}"
            ax.text(0.01, y - 0.35, f"{name}: {_gap_words(row, value, unit)}", va="bottom", fontsize=size,
                    color="black" if _differs(row) else "#444444", transform=ax.get_yaxis_transform(),
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1}, zorder=3)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_ylim(len(rows) * step - 1.4, -1.6)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        ax.tick_params(labelsize=size)
    top.set_xlim(min(0, min(figures["gap"]) * 100) - 10, max(figures["gap"]) * 100 * 1.15 + 10)
    bottom.set_xlim(0, max(dates["gap"].max(), 1) * 1.3)
    top.set_title("Figures", loc="left", fontsize=size + 1)
    top.set_xlabel("Gap, % of the other source's figure", fontsize=size)
    bottom.set_title("Dates", loc="left", fontsize=size + 1)
    bottom.set_xlabel("Days apart", fontsize=size)
    for text in (*top.texts, *bottom.texts):  # a long label wraps rather than leaving the figure
        text.set_text(textwrap.fill(text.get_text(), 56))
    _narrow_frame(fig, finding, pd.Timestamp(as_of), "Red: differs (a figure by more than 5%, a date by more than 7 days); "
                  "grey: agrees or within those thresholds. Each claim of ChannelNews (3 Oct 2025) against the most primary "
                  "other source by then.", len(sources), legend=False)
    fig.data = data
    return fig


def _claim_evidence(bar, row: pd.Series, value: float, unit: str) -> None:
    """An article claim's bar: its gap in words as the tooltip, and a link to the claim, its words and its source."""
    _evidence([bar], f"claim-{row['claim_id']}", f"{row['subject_name']}, {_attribute(row['attribute'])}: "
              f"{_gap_words(row, value, unit)}. Select for the article's words and the other source's.",
              f"figures.html#claim-{row['claim_id']}")


def _verdict(agrees) -> str:
    return "no other source states it" if agrees is None or pd.isna(agrees) else "agrees" if agrees else "differs"


def _claim_label(row: pd.Series) -> str:
    return "\n".join(textwrap.wrap(f"{_short(row['subject_name'], 40)}: {_attribute(row['attribute'])}", 34))


def _attribute(name: str) -> str:
    return {"gpu_count": "GPUs", "amount_usd": "amount", "announced_date": "date announced", "lead_investors": "led by",
            "programme_gpu_count": "programme GPUs", "founded_year": "year founded", "target_regions": "target regions"}.get(name, name.replace("_", " "))


def _plain(value) -> str:
    if isinstance(value, (int, float)):
        return _usd(value) if value >= 1e7 else f"{value:,.0f}"
    return str(value)


# --- Capital against the cost of the plan ------------------------------------------------------

# An assumption for illustration, not a sourced figure: notebook 05 lets the reader change it.
LEVEL_NAMES = {"stated": "stated", "with_targets": "with targets", "with_up_to": "with 'up to'"}


def _capex_rows(cost_per_gpu_usd: tuple[float, float], as_of: AsOf) -> tuple[list[dict], dict, list[tuple]]:
    """The capex chart's rows, the same in both layouts: what each bar spans, its name and its words; the words around them; its data.

    Each row is ``{"kind", "name", "words", ...}``: ``capital`` has ``equity`` and
    ``debt``; a plan level has the assumed ``low`` and ``high`` costs and the
    ``sourced`` cost range or None; ``contracts`` has its ``value``.
    """
    plan = funding(as_of, assumed=cost_per_gpu_usd)
    low_cost, high_cost = cost_per_gpu_usd
    equity, debt, capital = plan["equity_usd"], plan["debt_usd"], plan["capital_usd"]
    contracts = plan["contracts"]
    merged: dict[str, list[str]] = {}  # a level no larger than the one before it is drawn once with it
    for level in (level for level in LEVELS if plan[level]["gpus"]):
        kept = [k for k in merged if plan[k]["gpus"] == plan[level]["gpus"]]
        if kept:
            merged[kept[0]].append(level)
        else:
            merged[level] = [level]
    rows = [{"kind": "capital", "name": "Capital raised", "equity": equity, "debt": debt,
             "words": f"{_usd(capital)}: {_capital_parts(equity, debt, 'committed debt')}"}]
    data = [("capital", "equity", equity, "USD"), ("capital", "committed debt", debt, "USD")]
    for level, together in merged.items():
        entry = plan[level]
        low, high = entry["assumed_cost"]
        times = entry["times_capital"]
        priced = "no GPU priced by a source" if not entry["priced_gpus"] else f"{entry['priced_gpus']:,} priced by sources"
        rows.append({"kind": level, "name": f"Plan, {' and '.join(LEVEL_NAMES[k] for k in together)}: {entry['gpus']:,} GPUs",
                     "low": low, "high": high, "sourced": entry["sourced_cost"] or None,
                     "words": f"{_usd(low)} to {_usd(high)}, {times[0]:.1f} to {times[1]:.1f}× capital ({priced})"})
        if entry["sourced_cost"]:
            a, b = entry["sourced_cost"]
            data += [(level, "cost at sourced chip prices", a, "USD low"), (level, "cost at sourced chip prices", b, "USD high")]
        data += [(level, "planned GPUs", entry["gpus"], "GPUs"), (level, "cost at the assumed price", low, "USD low"),
                 (level, "cost at the assumed price", high, "USD high"),
                 (level, "GPUs without a sourced price", entry["unpriced_gpus"], "GPUs")]
    if contracts:
        value = sum(c["value_usd"] for c in contracts)
        names = "; ".join(f"{c['name']} with {c['customer']}" for c in contracts)
        rows.append({"kind": "contracts", "name": "Contracts (revenue to come)", "value": value,
                     "words": f"{_usd(value)}: {names}, not capital"})
        data.append(("contracts", "stated value", value, "USD"))
    stated = plan.get("stated", {})
    if stated.get("times_capital"):
        low_times, high_times = stated["times_capital"]
        title = f"At the assumed price, the stated plan costs {low_times:.1f} to {high_times:.1f} times the capital raised"
    else:
        title = f"Nscale has raised {_usd(capital)}; no stated GPU plan to cost"
    unpriced = sorted(load_chips().loc[[c for c in plan_cost(as_of).index if c in load_chips().index], "name"])
    words = {"title": title,
             "subtitle": f"Cost = planned GPUs × an ASSUMED ${low_cost:,.0f} to ${high_cost:,.0f} per GPU (all-in; not a sourced figure)",
             "note": f"No dated source prices {' or '.join(unpriced) if unpriced else 'the planned chips'}, so the plan is costed "
                     "at an assumed price; chips.csv holds the prices found. Contracts are revenue over several years, never added "
                     "to capital. "}
    return rows, words, data


def _capex_data(data: list[tuple], as_of: AsOf) -> pd.DataFrame:
    """The capex chart's numbers, each with the claims and sources behind the capital or the planned GPUs it rests on."""
    contracts = load_claims(as_of)
    contracts = contracts[contracts["attribute"] == "contract_value_usd"]

    def found(row: pd.Series) -> tuple[list[str], list[str]]:
        if row["row"] == "capital":
            return behind_capital("equity" if row["series"] == "equity" else "debt", as_of)
        if row["row"] == "contracts":
            return sorted(contracts.index), sorted(set(contracts["source_id"]))
        return behind_capacity(row["row"], "gpus", as_of)

    return _with_evidence(pd.DataFrame(data, columns=["row", "series", "value", "unit"]), found)


def _capex_bar(ax, y: float, row: dict, height: float) -> None:
    """One row of the capex chart: capital stacked, a plan's assumed cost as a range (its sourced cost beside it), contracts dashed."""
    words = f"{row['name']}: {row['words']}."
    if row["kind"] == "capital":  # no figure draws nothing
        bars = [*ax.barh(y, (row["equity"] or 0) / 1e9, height=height, **_style(CAPITAL["equity"])),
                *ax.barh(y, (row["debt"] or 0) / 1e9, left=(row["equity"] or 0) / 1e9, height=height, **_style(CAPITAL["debt"]))]
        _evidence(bars, "capital", f"{words} {SELECT}", "figures.html#capital")
    elif row["kind"] == "contracts":
        bars = ax.barh(y, row["value"] / 1e9, height=height, facecolor="white", edgecolor=GREY, linestyle="--", linewidth=1.2)
        _evidence(bars, "contracts", f"{words} Select for the contracts and their sources.", "05-capital-against-cost.html")
    else:
        line = ax.plot([row["low"] / 1e9, row["high"] / 1e9], [y, y], color=PURPLE, linewidth=7, solid_capstyle="butt")
        _evidence(line, f"cost-{slug(row['name'])}", f"{words} Select for the GPUs by chip and their prices.",
                  "05-capital-against-cost.html")
        ax.plot([row["low"] / 1e9, row["high"] / 1e9], [y, y], linestyle="none", marker="|", markersize=16, color="#333333")
        if row["sourced"]:
            a, b = row["sourced"]
            ax.plot([a / 1e9, b / 1e9], [y + height / 2 + 0.03, y + height / 2 + 0.03], color=BLUE, linewidth=3)


def _capex_end(row: dict) -> float:
    """Where a row's bar ends, in US dollars."""
    if row["kind"] == "capital":
        return known_sum(row["equity"], row["debt"]) or 0
    return row["value"] if row["kind"] == "contracts" else row["high"]


CAPEX_LEGEND = [CAPITAL["equity"] | {"label": "equity"}, CAPITAL["debt"],
                {"label": "plan's cost at the assumed price (range)", "facecolor": PURPLE, "edgecolor": PURPLE}]


@_styled
def capex_vs_capital(cost_per_gpu_usd: tuple[float, float] = ASSUMED_COST_PER_GPU_USD, as_of: AsOf = None) -> Figure:
    """Is the plan funded? The capital raised beside the cost of the planned GPUs at each certainty level.

    The plan is costed chip by chip where ``chips.csv`` gives a sourced price;
    every GPU is also costed at ``cost_per_gpu_usd``, a (low, high) assumption
    drawn as a range, never as a sourced figure. Company totals only: the
    company's capital against the company's plan. Contracts with a stated
    value are revenue to come, drawn apart and never added.
    """
    rows, words, data = _capex_rows(cost_per_gpu_usd, as_of)
    fig, ax = _figure(13, 2.6 + 0.75 * len(rows))
    for y, row in enumerate(rows):
        _capex_bar(ax, y, row, height=0.55)
        ax.text(_capex_end(row) / 1e9, y, f"  {row['words']}", va="center", fontsize=9,
                color="#333333" if row["kind"] == "contracts" else "black")
    ax.set_yticks(range(len(rows)), [row["name"] for row in rows])
    ax.set_ylim(len(rows) - 0.5, -0.6)
    ax.set_xlim(0, max(_capex_end(row) for row in rows) / 1e9 * 1.25)
    ax.set_xlabel("Billion US dollars")
    ax.grid(axis="y", visible=False)
    ax.set_title(words["subtitle"], loc="left", fontsize=10, color="#7A3A63")
    fig.suptitle(words["title"], x=0.01, ha="left", fontsize=13, fontweight="bold")
    _legend(fig, CAPEX_LEGEND)
    _footer(fig, as_of, words["note"] + LADDER_NOTE, _source_ids(as_of))
    _fit_labels(fig, ax)
    fig.data = _capex_data(data, as_of)
    return fig


@_styled
def capex_vs_capital_narrow(cost_per_gpu_usd: tuple[float, float] = ASSUMED_COST_PER_GPU_USD, as_of: AsOf = None) -> Figure:
    """The capex chart drawn for a phone: each row named above its bar, no text under ``NARROW_TEXT`` points.

    The same numbers as ``capex_vs_capital`` (its ``data`` is the same table).
    """
    rows, words, data = _capex_rows(cost_per_gpu_usd, as_of)
    size, step = NARROW_TEXT, 2.2
    fig = Chart(figsize=(6.4, 5.2 + 1.15 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    for position, row in enumerate(rows):
        y = position * step
        _capex_bar(ax, y, row, height=0.45)
        label = row["name"] + "\n" + textwrap.fill(row["words"], 56)
        ax.text(0.01, y - 0.4, label, va="bottom", fontsize=size, transform=ax.get_yaxis_transform(),
                color="#333333" if row["kind"] == "contracts" else "black")
    ax.set_ylim(len(rows) * step - 1.5, -1.7)
    ax.set_xlim(0, max(_capex_end(row) for row in rows) / 1e9 * 1.08)
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("Billion US dollars", fontsize=size)
    ax.tick_params(labelsize=size)
    ax.set_title(textwrap.fill(words["subtitle"], 52), loc="left", fontsize=size, color="#7A3A63")
    _narrow_frame(fig, words["title"], dataset_as_of() if as_of is None else pd.Timestamp(as_of),
                  "Purple: the plan's cost at the assumed price (a range); green and orange: equity and debt. " + words["note"],
                  len(set(_source_ids(as_of))), legend=False)
    fig.data = _capex_data(data, as_of)
    return fig


# --- Nscale among its peers --------------------------------------------------------------------

@_styled
def peers_chart(as_of: AsOf = None, then: AsOf = ARTICLE_DATE) -> Figure:
    """Capital beside GPUs and megawatts for each company, at ``then`` and at ``as_of``, each bar saying what it counts."""
    from nscale_data.totals.comparison import peers

    end = pd.Timestamp(as_of) if as_of is not None else dataset_as_of()
    views = [(pd.Timestamp(then), peers(then))] if then is not None and pd.Timestamp(then) < end else []
    views.append((end, peers(as_of)))
    table = views[-1][1]
    fig, (money, gpu_ax, mw_ax) = _figure(13, 3.0 + 0.72 * len(table) * len(views), ncols=3, width_ratios=[1.15, 1.0, 1.0])
    step = len(views) + 0.9
    ticks, labels, rows = [], [], []
    widest = max(max(float((t["equity_usd"].fillna(0) + t["debt_usd"].fillna(0)).max()) / 1e9 for _, t in views), 1)
    scales = {"gpus": (gpu_ax, "GPUs", 1e3), "mw": (mw_ax, "MW", 1.0)}
    wide = {m: max(max(float(t[f"{m}_with_up_to"].astype("Float64").fillna(0).max()) for _, t in views) / scale, 1)
            for m, (_, _, scale) in scales.items()}
    for position, company_id in enumerate(table.index):
        for offset, (day_drawn, view) in enumerate(views):
            y = position * step + offset
            row = view.loc[company_id]
            ticks.append(y)
            labels.append(_view_label(day_drawn, row) if offset == len(views) - 1 else _day(day_drawn))
            if offset == 0:
                money.text(-0.01, y - 0.75, row["name"], transform=matplotlib.transforms.blended_transform_factory(money.transAxes, money.transData),
                           ha="right", va="center", fontsize=10, fontweight="bold")
            own = 0 if pd.isna(row["equity_usd"]) else float(row["equity_usd"])
            lent = 0 if pd.isna(row["debt_usd"]) else float(row["debt_usd"])
            _peer_evidence([*money.barh(y, own / 1e9, height=0.8, **_style(CAPITAL["equity"])),
                            *money.barh(y, lent / 1e9, left=own / 1e9, height=0.8, **_style(CAPITAL["debt"]))],
                           company_id, day_drawn, f"{row['name']}, capital at {_day(day_drawn)}: {_capital_label(row)} "
                           f"({_capital_basis(row)})")
            _bar_label(money, (own + lent) / 1e9 + widest * 0.02, y, _capital_label(row), _capital_basis(row))
            for measure, (ax, unit, scale) in scales.items():
                levels = pd.Series({level: row[f"{measure}_{level}"] for level in LEVELS})
                _ladder_bar(ax, y, levels, scale, link=_peer_link(company_id, row, measure, day_drawn))
                _bar_label(ax, _ladder_end(levels) / scale + wide[measure] * 0.02, y, _ladder_label(levels, unit),
                           _basis_words(row, measure))
            rows += [(day_drawn, company_id, kind, "", row[f"{kind}_usd"], "USD", row[f"{kind}_basis"]) for kind in ("equity", "debt")]
            rows += [(day_drawn, company_id, m, level, row[f"{m}_{level}"], u, row[f"{m}_basis_{level}"])
                     for m, u in (("gpus", "GPUs"), ("mw", "MW")) for level in LEVELS]
    money.set_xlim(0, widest * 1.9)
    money.set_xlabel("Billion US dollars")
    money.set_title("Capital raised", loc="left")
    money.set_yticks(ticks, labels)
    for measure, (ax, unit, _) in scales.items():
        ax.set_xlim(0, wide[measure] * 1.75)
        ax.set_yticks(ticks, [""] * len(ticks))
        ax.tick_params(axis="y", length=0)
    for ax in (money, gpu_ax, mw_ax):
        ax.set_ylim(ticks[-1] + 0.6, -1.2)
        ax.grid(axis="y", visible=False)
    gpu_ax.set_xlabel("GPUs, thousands")
    mw_ax.set_xlabel("Power, megawatts")
    gpu_ax.set_title("GPUs", loc="left")
    mw_ax.set_title("Power", loc="left")
    fig.suptitle(_peers_finding(table, as_of), x=0.01, ha="left", fontsize=13, fontweight="bold")
    _legend(fig, [CAPITAL["equity"] | {"label": "equity"}, CAPITAL["debt"], *LADDER.values()])
    note = ("Under each bar, what it counts: a company's own total (a filing's debt principal, a company-wide count) or the sum "
            "of the items or sites found ('≥': not a complete history). Nscale's row is its detailed tables' totals; every figure "
            "counts from its source's publication. " + LADDER_NOTE)
    _footer(fig, as_of, note, [*_source_ids(as_of), *(s for ids in table["source_ids"] for s in ids)])
    _fit_labels(fig, money, gpu_ax, mw_ax)
    fig.data = _peers_data(rows, views)
    return fig


@_styled
def peers_chart_narrow(as_of: AsOf = None) -> Figure:
    """The peers chart drawn for a phone: each company's latest view, panels stacked, every bar labelled above it.

    The 3 October 2025 view stays in the wide chart; the text is never under ``NARROW_TEXT`` points.
    """
    from nscale_data.totals.comparison import peers

    table = peers(as_of)
    size, step = NARROW_TEXT, 1.9
    n = len(table)
    fig = Chart(figsize=(6.4, 4.5 + 3.1 * n), layout="constrained")
    grid = fig.add_gridspec(3, 1)
    money, gpu_ax, mw_ax = (fig.add_subplot(grid[i]) for i in range(3))
    for position, (company_id, row) in enumerate(table.iterrows()):
        y = position * step
        own = 0 if pd.isna(row["equity_usd"]) else float(row["equity_usd"])
        lent = 0 if pd.isna(row["debt_usd"]) else float(row["debt_usd"])
        _peer_evidence([*money.barh(y, own / 1e9, height=0.4, **_style(CAPITAL["equity"])),
                        *money.barh(y, lent / 1e9, left=own / 1e9, height=0.4, **_style(CAPITAL["debt"]))],
                       company_id, as_of, f"{row['name']}, capital: {_capital_label(row)} ({_capital_basis(row)})")
        money.text(0, y - 0.3, f"{row['name']}: {_capital_label(row)}", va="bottom", fontsize=size,
                   color="black" if own or lent else GREY)
        for measure, ax, unit, scale in (("gpus", gpu_ax, "GPUs", 1e3), ("mw", mw_ax, "MW", 1.0)):
            levels = pd.Series({level: row[f"{measure}_{level}"] for level in LEVELS})
            _ladder_bar(ax, y, levels, scale, height=0.4, link=_peer_link(company_id, row, measure, as_of))
            basis = _basis_words(row, measure)
            ax.text(0, y - 0.3, f"{row['name']}: {_ladder_label(levels, unit)}" + (f" ({basis})" if basis else ""),
                    va="bottom", fontsize=size, color="black" if pd.notna(levels["with_up_to"]) else GREY)
    for ax, title, label in ((money, "Capital raised", "Billion US dollars"), (gpu_ax, "GPUs", "GPUs, thousands"),
                             (mw_ax, "Power", "Power, megawatts")):
        ax.set_ylim(n * step - 1.2, -1.35)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        ax.set_title(title, loc="left", fontsize=size + 1)
        ax.set_xlabel(label, fontsize=size)
        ax.tick_params(labelsize=size)
    for text in (*money.texts, *gpu_ax.texts, *mw_ax.texts):  # a long label wraps rather than leaving the figure
        text.set_text(textwrap.fill(text.get_text(), 58))
    day_drawn = pd.Timestamp(as_of) if as_of is not None else dataset_as_of()
    _narrow_frame(fig, _peers_finding(table, as_of), day_drawn,
                  "Each company at its latest source; '≥': the sum of the items found, not a complete history. "
                  "In brackets, what each figure counts.",
                  len(set(_source_ids(as_of)) | {s for ids in table["source_ids"] for s in ids}))
    rows = [(day_drawn, company_id, kind, "", row[f"{kind}_usd"], "USD", row[f"{kind}_basis"])
            for company_id, row in table.iterrows() for kind in ("equity", "debt")]
    rows += [(day_drawn, company_id, m, level, row[f"{m}_{level}"], u, row[f"{m}_basis_{level}"])
             for company_id, row in table.iterrows() for m, u in (("gpus", "GPUs"), ("mw", "MW")) for level in LEVELS]
    fig.data = _peers_data(rows, [(day_drawn, table)])
    return fig


def _peers_data(rows: list[tuple], views: list[tuple]) -> pd.DataFrame:
    """The peers chart's numbers, each with the claims and sources behind its company's figures at the date drawn."""
    source_of = load_claims()["source_id"]
    behind = {(f"{pd.Timestamp(day):%Y-%m-%d}", company):  # the rows' sources and every source of a claim about them
              (sorted(t.at[company, "claim_ids"]), sorted({*t.at[company, "source_ids"], *source_of[list(t.at[company, "claim_ids"])]}))
              for day, t in views for company in t.index}
    table = _data(rows, ["as_of", "company_id", "series", "level", "value", "unit", "basis"])
    memo: dict = {}

    def found(row: pd.Series) -> tuple[list[str], list[str]]:
        if row["company_id"] != "nscale":
            return behind[(row["as_of"], row["company_id"])]
        if row["unit"] == "USD":  # Nscale's figures are its tables' totals: the claims behind them
            return behind_capital(row["series"], row["as_of"])
        return behind_capacity(row["level"], row["series"], row["as_of"], memo=memo)

    return _with_evidence(table, found)


def _peer_evidence(bars, company_id: str, as_of: AsOf, words: str) -> None:
    """A company's capital bar: its tooltip, and a link to its evidence (Nscale's rows, or the peers' chapter)."""
    page = "figures.html#capital" if company_id == "nscale" else "06-peers.html"
    _evidence(bars, f"capital-{company_id}-{_stamp(as_of)}", f"{words}. {SELECT}", page)


def _peer_link(company_id: str, row: pd.Series, measure: str, as_of: AsOf) -> tuple:
    """The ``link`` of a company's capacity bar (``_ladder_bar``): what it counts in the words, the evidence as the link."""
    unit = "GPUs" if measure == "gpus" else "MW"
    basis = _basis_words(row, measure)
    return (f"{measure}-{company_id}-{_stamp(as_of)}", f"{row['name']} at {_day(as_of)}" + (f" ({basis})" if basis else ""), unit,
            "figures.html" if company_id == "nscale" else "06-peers.html")


def _stamp(as_of: AsOf) -> str:
    """A date for an id: the review date where ``as_of`` is None."""
    return f"{dataset_as_of() if as_of is None else pd.Timestamp(as_of):%Y-%m-%d}"


def _view_label(day_drawn: pd.Timestamp, row: pd.Series) -> str:
    """The later view's label: the company's latest source, as precisely as it is known."""
    latest = row["latest_source"]
    if pd.isna(latest):
        return f"{_day(day_drawn)} (no source)"
    return f"latest source {day(latest, row['latest_source_precision'] or 'day')}"


def _bar_label(ax, x: float, y: float, value: str, basis: str) -> None:
    """A bar's figure, and under it in smaller grey type what the figure counts."""
    ax.text(x, y - 0.17, value, va="center", fontsize=8.5, color="black" if value != "no figure" else GREY)
    if basis:
        ax.text(x, y + 0.24, basis, va="center", fontsize=7, color=GREY)


def _basis_words(row: pd.Series, measure: str) -> str:
    """What a capacity bar counts, in a few words: 'operated, company-wide', 'sum of 7 sites', 'planned deployments'.

    Where the levels rest on different bases, each is named in short ('company-wide, then 2 sites'). GPUs
    also say what they are in H100-equivalents, or that their chips are unknown.
    """
    bases = [row[f"{measure}_basis_{level}"] for level in LEVELS if isinstance(row[f"{measure}_basis_{level}"], str)]
    if not bases:
        return ""
    words = list(dict.fromkeys(_short_basis(b) for b in bases))
    text = words[0] if len(words) == 1 else ", then ".join(w.split(", ")[-1].replace("sum of ", "") for w in words)
    if measure == "gpus":
        h100e, unknown = row["h100e_stated"], row["unknown_mix_stated"]
        if pd.notna(h100e):
            text += f"; {_thousands(h100e)} H100e" + (f", {_thousands(unknown)} unknown chip" if pd.notna(unknown) else "")
        else:
            text += "; chips not stated"
    return text


def _short_basis(basis: str) -> str:
    """'contracted or planned, sum of 7 sites found (up to)' as 'sum of 7 sites'; 'operated, company-wide (about)' as 'operated, company-wide'.

    Examples:
        >>> _short_basis("contracted or planned, sum of 7 sites found (up to)")
        'sum of 7 sites'
        >>> _short_basis("operated, company-wide (about)")
        'operated, company-wide'
        >>> _short_basis("its deployments, regions summed, overlaps removed")
        'planned'
    """
    if basis.startswith("its deployments"):
        return "planned"
    text = basis.split(" (")[0].replace(" found", "")
    return text.split(", ", 1)[1] if ", sum of" in text else text


def _capital_basis(row: pd.Series) -> str:
    """What a capital bar counts: 'debt: company total at 30 Sep 2025 + 1 item since' or the sums of items found."""
    if row.name == "nscale":
        return "its rounds once each, committed facilities"
    parts = []
    for kind in ("equity", "debt"):
        basis = row[f"{kind}_basis"]
        if isinstance(basis, str) and pd.notna(row[f"{kind}_usd"]):
            words = basis.replace("company total at", "filing total").replace(" found", "").replace("sum of ", "")
            parts.append(f"{kind}: {words.replace(' items since', ' since').replace(' item since', ' since')}")
    return "; ".join(parts)


def _capital_label(row: pd.Series) -> str:
    """'$5.5bn: $3.3bn equity, $2.2bn debt', with ≥ where a peer's sum is a floor, or 'no figure'."""
    parts = []
    for kind in ("equity", "debt"):
        value = row[f"{kind}_usd"]
        if pd.notna(value):
            parts.append(f"{'≥ ' if row[f'{kind}_qualifier'] == 'at_least' else ''}{_usd(value)} {kind}")
    return ", ".join(parts) if parts else "no figure"


def _peers_finding(table: pd.DataFrame, as_of: AsOf) -> str:
    """The title: who has raised the most against Nscale, and how many peers state their fleet.

    Examples:
        >>> t = pd.DataFrame({"name": ["Nscale", "CoreWeave"], "equity_usd": [3e9, 3e9], "debt_usd": [2e9, 17e9],
        ...                   "equity_qualifier": ["exact", "at_least"], "debt_qualifier": ["exact", "at_least"],
        ...                   "gpus_basis_stated": [None, "operated, company-wide (about)"]}, index=["nscale", "coreweave"])
        >>> _peers_finding(t, None)
        "CoreWeave has raised at least 4.0 times Nscale's $5bn; 1 of 1 peers states its fleet's GPUs"
    """
    capital = table["equity_usd"].astype("Float64").fillna(0) + table["debt_usd"].astype("Float64").fillna(0)
    others = table.drop(index="nscale")
    whole = others["gpus_basis_stated"].fillna("").str.contains("company-wide").sum()
    fleet = f"1 of {len(others)} peers states its fleet's GPUs" if whole == 1 else f"{whole} of {len(others)} peers state their fleets' GPUs"
    own = float(capital["nscale"])
    top = capital.drop(index="nscale").idxmax() if len(others) else None
    if top is None or not own or float(capital[top]) <= own:
        return f"Nscale has raised {_usd(own)}, more than any peer found; {fleet}"
    floor = "at least " if "at_least" in (table.at[top, "equity_qualifier"], table.at[top, "debt_qualifier"]) else ""
    return f"{table.at[top, 'name']} has raised {floor}{float(capital[top]) / own:.1f} times Nscale's {_usd(own)}; {fleet}"


def _with_evidence(table: pd.DataFrame, found) -> pd.DataFrame:
    """The table with ``claim_ids`` and ``source_ids`` (each '; '-joined) from ``found(row) -> (claims, sources)``; empty
    where a row has no figure."""
    pairs = [found(row) if pd.notna(row["value"]) and row["value"] is not None else ([], []) for _, row in table.iterrows()]
    table = table.copy()
    table["claim_ids"] = ["; ".join(c) for c, _ in pairs]
    table["source_ids"] = ["; ".join(s) for _, s in pairs]
    return table


def _data(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """The numbers a chart draws, as a table (empty where there is no figure)."""
    table = pd.DataFrame(rows, columns=columns)
    table["as_of"] = [f"{pd.Timestamp(d):%Y-%m-%d}" for d in table["as_of"]]
    table["value"] = pd.Series([None if pd.isna(v) else as_number(v) for v in table["value"]], dtype=object)
    return table


def _figure(width: float, height: float, **grid) -> tuple[Figure, object]:
    fig = Chart(figsize=(width, height), layout="constrained")
    axes = fig.subplots(gridspec_kw={k: grid.pop(k) for k in ("width_ratios",) if k in grid}, **grid)
    return fig, axes


def _style(entry: dict) -> dict:
    """Drawing keywords of a ladder or capital entry (its label is for the legend)."""
    return {k: v for k, v in entry.items() if k != "label"} | {"linewidth": 0.8}


def _legend(fig: Figure, entries: list[dict]) -> None:
    """One legend row under the axes; ``_footer`` puts it above the footer."""
    handles = [Patch(facecolor=e["facecolor"], edgecolor=e["edgecolor"], hatch=e.get("hatch"), label=e["label"]) for e in entries]
    fig.legend(handles=handles, loc="lower center", ncols=min(len(handles), 5), fontsize=9, borderaxespad=0)


def _footer(fig: Figure, as_of: AsOf, note: str, source_ids: list[str]) -> None:
    kinds = load_sources().loc[sorted(set(source_ids)), "kind"]
    primary = int((kinds == "primary").sum())
    sources = (f"Sources: {len(kinds)} documents ({primary} from the companies or their partners), each listed with the words "
               "that state every figure in the report's sources page and in sources.csv and claims.csv.")
    latest = latest_source_date(as_of)
    dates = f"Data as of {_day(as_of)} (reviewed {_day(None)}; latest source {_day(latest) if latest is not None else 'none'})."
    width = int(fig.get_figwidth() * 14.5)  # characters of 8-point text that fit the width
    lines = textwrap.wrap(f"{dates} {note}", width) + textwrap.wrap(sources, width)
    fig.text(0.01, 0.005, "\n".join(lines), fontsize=8, color="#333333", ha="left", va="bottom")
    points = fig.get_figheight() * 72
    bottom = (len(lines) * 8 * 1.25 + 10) / points  # keep the axes and legend clear of the footer
    for legend in fig.legends:
        legend.set_bbox_to_anchor((0.5, bottom), transform=fig.transFigure)
        bottom += 26 / points
    fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))


def _source_ids(as_of: AsOf) -> list[str]:
    rounds = rounds_counted(as_of)
    facilities = load_debt_facilities(as_of)
    deployments = load_deployments(as_of)
    return [*rounds["source_id"], *facilities["source_id"], *deployments["source_id"], *deployments["status_source_id"].dropna()]


def _dates(dates: tuple[AsOf, ...] | None) -> list[pd.Timestamp]:
    if dates is None:
        return [pd.Timestamp(ARTICLE_DATE), dataset_as_of()]
    return [pd.Timestamp(d) for d in dates]


def _total(table: pd.DataFrame, level: str):
    """A level's total over the regions; <NA> where no region has a figure (never 0)."""
    return table[level].sum(min_count=1)


def _megawatts(value) -> str:
    """Megawatts for a title: '666 MW', or 'no figure'."""
    return "no figure" if pd.isna(value) else f"{float(value):,.0f} MW"


def _day(as_of: AsOf) -> str:
    stamp = dataset_as_of() if as_of is None else pd.Timestamp(as_of)
    return f"{stamp.day} {stamp.strftime('%b %Y')}"


def _month(as_of: AsOf) -> str:
    return pd.Timestamp(as_of).strftime("%b %Y")


def _view(as_of: AsOf, gap: str) -> str:
    """A view's name: its month, or where nothing was published in the months before it, the latest source's month.

    The state at the review date is what the sources said by then; months with no source are unknown, not
    quiet, so the view is named by the latest source ('May 2026 sources') rather than by the review date.
    """
    latest = latest_source_date(as_of)
    if latest is None or pd.Timestamp(as_of).to_period("M") == latest.to_period("M"):
        return _month(as_of)
    return f"{_month(latest)}{gap}sources"


def _usd(value: float) -> str:
    """Dollars for a chart label.

    Examples:
        >>> _usd(433e6), _usd(1.718e9), _usd(30e6), _usd(0), _usd(None)
        ('$433m', '$1.7bn', '$30m', '$0', 'no figure')
    """
    if value is None or pd.isna(value):
        return "no figure"
    value = float(value)
    if value == 0:
        return "$0"
    return f"${value / 1e9:.2g}bn" if value >= 1e9 else f"${value / 1e6:.0f}m"


def _thousands(value) -> str:
    """GPUs in thousands for a title: '226k', or 'no figure'."""
    return "no figure" if pd.isna(value) else f"{float(value) / 1e3:,.0f}k"


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


# --- When the capacity arrives: capital by quarter against capacity expected online ------------

def _arrival(as_of: AsOf) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp | None]:
    """The quarters (``delivery.by_quarter``), the rows flagged overdue or at risk with their quarter, and the latest source."""
    from nscale_data.totals.delivery import by_quarter, delivery, period_bounds

    table = by_quarter(as_of)
    rows = delivery(as_of)
    flagged = rows[rows["flag"].isin(["overdue", "at risk"]) & rows["expected_period"].notna()].copy()
    flagged["quarter"] = [f"{e.year}-Q{(e.month - 1) // 3 + 1}" for e in (period_bounds(p)[1] for p in flagged["expected_period"])]
    return table, flagged, latest_source_date(as_of)


def _arrival_title(table: pd.DataFrame, flagged: pd.DataFrame, latest: pd.Timestamp | None) -> str:
    dated = table.drop(index="no date")
    known = dated[dated["equity_usd"].notna() | dated["debt_usd"].notna()]
    capital = known_sum(known["equity_usd"].iloc[-1], known["debt_usd"].iloc[-1]) if len(known) else None
    with_date = float(dated["gpus_stated"].iloc[-1]) if len(dated) else 0.0
    total = with_date + float(table.loc["no date", "gpus_stated"])
    late = (flagged["flag"] == "overdue").sum()
    late_words = f"{late} site{'s' if late != 1 else ''} overdue" if late else "none overdue"
    return (f"{_usd(capital)} raised by {_month(latest) if latest is not None else 'no source'}; "
            f"{_thousands(with_date)} of {_thousands(total)} stated GPUs have a due quarter, {late_words}")


def _arrival_panels(money, gpu_ax, mw_ax, table: pd.DataFrame, flagged: pd.DataFrame, latest: pd.Timestamp | None,
                    size: float, tick_words) -> list[tuple]:
    """Capital at each quarter's end, then GPUs and MW expected online by it (the certainty ladder), ``no date`` apart."""
    quarters = list(table.index)
    x = {q: i + (0.6 if q == "no date" else 0) for i, q in enumerate(quarters)}
    rows = []
    known = table[table["equity_usd"].notna() | table["debt_usd"].notna()]
    for quarter, row in known.iterrows():
        own = 0 if pd.isna(row["equity_usd"]) else float(row["equity_usd"])
        lent = 0 if pd.isna(row["debt_usd"]) else float(row["debt_usd"])
        bars = [*money.bar(x[quarter], own / 1e9, width=0.7, **_style(CAPITAL["equity"]))]
        if lent:
            bars += [*money.bar(x[quarter], lent / 1e9, bottom=own / 1e9, width=0.7, **_style(CAPITAL["debt"]))]
        _evidence(bars, f"capital-{quarter}", f"Capital raised by the end of {quarter}: {_capital_parts(row['equity_usd'], row['debt_usd'])}"
                  f". {SELECT}", "figures.html#capital")
    for quarter, row in table.iterrows():
        rows += [(quarter, kind, "", row[f"{kind}_usd"], "USD") for kind in ("equity", "debt")]
    top = max(float((known["equity_usd"].astype(float).fillna(0) + known["debt_usd"].astype(float).fillna(0)).max()) / 1e9, 1)
    money.set_ylim(0, top * 1.3)
    dated = [q for q in quarters if q != "no date"]
    unknown = [q for q in dated if q not in known.index]
    if unknown and latest is not None:
        left, right = x[unknown[0]] - 0.5, x[dated[-1]] + 0.5
        money.axvspan(left, right, facecolor="#EEEEEE", edgecolor="#BBBBBB", hatch="..", linewidth=0, zorder=0.5)
        money.text((left + right) / 2, top * 0.65, f"capital after {_day(latest)}:\nunknown (no dated source)", ha="center",
                   va="center", fontsize=size, color="#444444")
    for measure, ax, scale, unit in (("gpus", gpu_ax, 1e3, "GPUs"), ("mw", mw_ax, 1.0, "MW")):
        previous = pd.Series(0.0, index=quarters)
        for level in LEVELS:
            values = table[f"{measure}_{level}"].astype(float) / scale
            bars = ax.bar([x[q] for q in quarters], values - previous, bottom=previous, width=0.7, **_style(LADDER[level]))
            for quarter, bar, value in zip(quarters, bars, values * scale):
                if bar.get_height() <= 0:
                    continue  # nothing added at this level: no segment to point at
                when = "with no expected period" if quarter == "no date" else f"expected online by the end of {quarter}"
                _evidence([bar], f"{measure}-{quarter.replace(' ', '-')}-{slug(level)}",
                          f"{unit} {when}, {LEVEL_WORDS[level]}: {value:,.0f}. Select for every site's schedule and sources.",
                          "07-when-does-it-arrive.html")
            previous = values
            rows += [(q, measure, level, v, unit) for q, v in table[f"{measure}_{level}"].items()]
        rows += [(q, measure, "live", v, unit) for q, v in table[f"{measure}_live"].items()]
        ax.set_ylim(0, max(float(previous.max()), 1) * 1.3)
        for quarter, group in flagged.groupby("quarter"):
            if quarter in x:
                ax.annotate("\n".join(f"{n}: {f}" for n, f in zip(group["name"], group["flag"])), (x[quarter], previous[quarter]),
                            xytext=(0, 4), textcoords="offset points", ha="center", va="bottom",
                            fontsize=size if size >= NARROW_TEXT else size - 1, color=VERMILLION, fontweight="bold")
        live_by = table[f"{measure}_live"].astype(float)  # cumulated over the quarters; 'no date' apart
        live = (live_by.drop(index="no date").iloc[-1] if len(live_by) > 1 else 0.0) + live_by["no date"]
        if live > 0:
            ax.text(0.01, 0.96, f"already live: {live / scale:,.0f}{'k GPUs' if scale > 1 else ' MW'}", transform=ax.transAxes,
                    ha="left", va="top", fontsize=size, color="#333333")
    for ax in (money, gpu_ax, mw_ax):
        ax.set_xlim(-0.6, x["no date"] + 0.6)
        ax.grid(axis="x", visible=False)
        ax.set_xticks([x[q] for q in quarters], [tick_words(q) for q in quarters])
    for ax in (money, gpu_ax):
        ax.tick_params(axis="x", labelbottom=False)
    return rows


def _arrival_data(rows: list[tuple], as_of: AsOf, latest: pd.Timestamp | None) -> pd.DataFrame:
    """The capacity-online chart's numbers, each with the claims and sources behind it: the capital at the quarter's end,
    or the sites due by then (those with no period, on the 'no date' line)."""
    from nscale_data.totals.delivery import expected_periods, period_bounds, quarter_of

    due = {i: quarter_of(p) for i, p in expected_periods(as_of).items()}
    drawn = as_of if as_of is not None else dataset_as_of()
    seen: dict[tuple, tuple[list[str], list[str]]] = {}  # quarters with the same sites due share their evidence
    memo: dict = {}

    def found(row: pd.Series) -> tuple[list[str], list[str]]:
        quarter = row["quarter"]
        if row["unit"] == "USD":
            day = min(period_bounds(quarter)[1], latest)
            return behind_capital(row["series"], day)
        if quarter == "no date":
            ids = [i for i, q in due.items() if q == "no date"]
        else:
            ids = [i for i, q in due.items() if q != "no date" and q <= quarter]
        level = "stated" if row["level"] == "live" else row["level"]
        key = (level, row["series"], tuple(ids))
        if key not in seen:
            seen[key] = behind_capacity(level, row["series"], as_of, rows=ids, memo=memo) if ids else ([], [])
        return seen[key]

    table = _data([(drawn, *r) for r in rows], ["as_of", "quarter", "series", "level", "value", "unit"])
    return _with_evidence(table, found)


def _quarter_words(quarter: str) -> str:
    """'2026-Q3' as "Q3\\n'26"; 'no date' as 'no\\ndate'."""
    return quarter.replace(" ", "\n") if quarter == "no date" else "{1}\n'{0}".format(quarter[2:4], quarter[5:])


ARRIVAL_NOTE = ("Capacity counts in the quarter its expected period ends (a year in its fourth quarter), each site once; 'no date': "
                "sites no source gives a period for. Expected as the sources said by the latest source; a due quarter after it is "
                "not late, as later months are unknown. Overdue: due before the latest source and not reported running. ")


@_styled
def arrival(as_of: AsOf = None) -> Figure:
    """Capital raised by quarter against GPUs and megawatts expected online by quarter, overdue and at-risk sites marked."""
    table, flagged, latest = _arrival(as_of)
    fig, (money, gpu_ax, mw_ax) = _figure(13, 9.6, nrows=3)
    rows = _arrival_panels(money, gpu_ax, mw_ax, table, flagged, latest, 8.5, lambda q: q.replace("-", " ") if q != "no date" else q)
    money.set_title("Capital raised by the end of each quarter (equity and committed debt, each counted once)", loc="left")
    money.set_ylabel("Billion US dollars")
    gpu_ax.set_title("GPUs expected online by the end of each quarter, all regions, cumulated", loc="left")
    gpu_ax.set_ylabel("GPUs, thousands")
    mw_ax.set_title("Power expected online by the end of each quarter, megawatts, cumulated", loc="left")
    mw_ax.set_ylabel("Power, megawatts")
    mw_ax.set_xlabel("Quarter (the 'no date' bar is not cumulated)")
    fig.suptitle(_arrival_title(table, flagged, latest), x=0.01, ha="left", fontsize=13, fontweight="bold")
    _legend(fig, [*CAPITAL.values(), *LADDER.values()])
    _footer(fig, as_of, ARRIVAL_NOTE + LADDER_NOTE, _source_ids(as_of))
    fig.data = _arrival_data(rows, as_of, latest)
    return fig


@_styled
def arrival_narrow(as_of: AsOf = None) -> Figure:
    """``arrival`` drawn for a phone: the same numbers, no text under ``NARROW_TEXT`` points."""
    table, flagged, latest = _arrival(as_of)
    size = NARROW_TEXT
    fig, (money, gpu_ax, mw_ax) = _figure(6.4, 13.5, nrows=3)
    rows = _arrival_panels(money, gpu_ax, mw_ax, table, flagged, latest, size, _quarter_words)
    for ax, title, unit in ((money, "Capital raised", "Billion US dollars"), (gpu_ax, "GPUs expected online", "GPUs, thousands"),
                            (mw_ax, "Power expected online", "Power, megawatts")):
        ax.set_title(title, loc="left", fontsize=size + 1)
        ax.set_ylabel(unit, fontsize=size)
        ax.tick_params(labelsize=size)
    _narrow_frame(fig, _arrival_title(table, flagged, latest), as_of if as_of is not None else dataset_as_of(), ARRIVAL_NOTE,
                  len(set(_source_ids(as_of))))
    fig.data = _arrival_data(rows, as_of, latest)
    return fig
