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

from nscale_data.analysis import (
    LEVELS,
    as_number,
    capital_raised,
    debt_raised,
    events,
    gpus_by_region,
    mw_by_region,
    rounds_counted,
)
from nscale_data.checks import source_checks
from nscale_data.tables import day
from nscale_data.dataset import (
    AsOf,
    dataset_as_of,
    latest_source_date,
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
    "font.family": "DejaVu Sans",
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
    "svg.fonttype": "path",
    "text.parse_math": False,
}


class Chart(Figure):
    """A figure whose ``repr`` is its one-sentence description (the alt text of its image)."""

    description = ""

    def __repr__(self) -> str:
        return self.description or super().__repr__()


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
    dates = _dates(dates)
    equity = [capital_raised(d) for d in dates]
    debt = [debt_raised(d) for d in dates]
    gpus = [gpus_by_region(d) for d in dates]
    power = [mw_by_region(d) for d in dates]
    fig, (money, gpu_ax, mw_ax) = _figure(13, 7.4, ncols=3, width_ratios=[0.8, 1.45, 1.25])

    for i, (own, lent) in enumerate(zip(equity, debt)):
        money.bar(i, own / 1e9, width=0.62, **_style(CAPITAL["equity"]))
        if lent:
            money.bar(i, lent / 1e9, bottom=own / 1e9, width=0.62, **_style(CAPITAL["debt"]))
        money.text(i, (own + lent) / 1e9, _usd(own + lent), ha="center", va="bottom", fontsize=10, fontweight="bold")
        for bottom, amount, word in ((0, own, "equity"), (own, lent, "debt")):
            if amount >= 0.12 * max(e + d for e, d in zip(equity, debt)):
                money.text(i, (bottom + amount / 2) / 1e9, f"{word}\n{_usd(amount)}", ha="center", va="center", fontsize=8.5,
                           color="white" if word == "equity" else "black")
    money.set_xticks(range(len(dates)), [_month(d) for d in dates])
    money.set_ylabel("Billion US dollars")
    money.set_title("Capital raised", loc="left")
    money.set_ylim(0, max(e + d for e, d in zip(equity, debt)) / 1e9 * 1.15)
    money.grid(axis="x", visible=False)

    regions = list(gpus[-1].index)
    labels, y = [], []
    for k, region in enumerate(regions):
        for i, d in enumerate(dates):
            y.append(k * (len(dates) + 0.8) + i)
            labels.append(f"{region}, {_month(d)}")
    for ax, tables, unit, scale in ((gpu_ax, gpus, "GPUs", 1e3), (mw_ax, power, "MW", 1.0)):
        widest = max(float(t["with_up_to"].fillna(0).max()) for t in tables) / scale or 1
        rows = [(tables[i].loc[region], y[k * len(dates) + i]) for k, region in enumerate(regions) for i in range(len(dates))]
        for row, yi in rows:
            _ladder_bar(ax, yi, row, scale)
            ax.text(_ladder_end(row) / scale + widest * 0.02, yi, _ladder_label(row, unit), va="center", fontsize=8.5,
                    color="black" if pd.notna(row["with_up_to"]) else GREY)
        ax.set_xlim(0, widest * 1.42)
        ax.set_ylim(max(y) + 0.7, min(y) - 0.7)
        ax.grid(axis="y", visible=False)
    gpu_ax.set_yticks(y, labels)
    mw_ax.set_yticks(y, [""] * len(y))
    mw_ax.tick_params(axis="y", length=0)
    gpu_ax.set_xlabel("Planned GPUs, thousands")
    mw_ax.set_xlabel("Planned power, megawatts")
    gpu_ax.set_title("Planned GPUs, overlaps counted once", loc="left")
    mw_ax.set_title("Planned power", loc="left")

    last_gpus, last_mw = gpus[-1], power[-1]
    empty = [r for r in regions if last_gpus.loc[r].isna().all() and last_mw.loc[r].isna().all()]
    fig.suptitle(
        f"By {_day(dates[-1])}: {_usd(equity[-1] + debt[-1])} raised ({_usd(equity[-1])} equity, {_usd(debt[-1])} committed debt) "
        f"for {_thousands(_total(last_gpus, 'stated'))} GPUs and {_megawatts(_total(last_mw, 'stated'))} stated,\n"
        f"{_thousands(_total(last_gpus, 'with_up_to'))} GPUs and {_megawatts(_total(last_mw, 'with_up_to'))} with targets and 'up to'"
        + (f"; no figure for {' or '.join(empty)}" if empty else ""),
        x=0.01, ha="left", fontsize=13, fontweight="bold",
    )
    _legend(fig, [*CAPITAL.values(), *LADDER.values()])
    _footer(fig, dates[-1], LADDER_NOTE + " Uncommitted accordions are not money and are not drawn.", _source_ids(dates[-1]))
    rows = []
    for d, own, lent, by_gpus, by_mw in zip(dates, equity, debt, gpus, power):
        rows += [(d, "equity", "", "", own, "USD"), (d, "committed debt", "", "", lent, "USD")]
        rows += [(d, "GPUs", region, level, by_gpus.at[region, level], "GPUs") for region in regions for level in LEVELS]
        rows += [(d, "power", region, level, by_mw.at[region, level], "MW") for region in regions for level in LEVELS]
    fig.data = _data(rows, ["as_of", "series", "region", "level", "value", "unit"])
    return fig


def _ladder_bar(ax, y: float, row: pd.Series, scale: float) -> None:
    """One bar in three cumulative segments: stated, then targets, then 'up to'."""
    start = 0.0
    for level in LEVELS:
        value = row[level]
        if pd.isna(value) or value / scale <= start:
            continue
        ax.barh(y, value / scale - start, left=start, height=0.8, **_style(LADDER[level]))
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

@_styled
def timeline(as_of: AsOf = None) -> Figure:
    """Equity and debt, and planned GPUs at each level, as each announcement came in; numbered events."""
    end = pd.Timestamp(as_of) if as_of is not None else dataset_as_of()
    table = events()
    table = table[table["date"] <= end].reset_index(drop=True)
    steps = table.drop_duplicates("date", keep="last").set_index("date")
    dates = list(steps.index) + ([end] if end not in steps.index else [])
    steps = steps.reindex(dates, method="ffill")

    fig = Chart(figsize=(13, 8.4), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[3.0, 1.0], height_ratios=[1, 1.25])
    money, gpu_ax, key = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[:, 1])
    gpu_ax.sharex(money)
    equity = steps["equity_usd"].astype(float) / 1e9
    total = equity + steps["debt_usd"].astype(float) / 1e9
    money.fill_between(dates, 0, equity, step="post", **_style(CAPITAL["equity"]))
    money.fill_between(dates, equity, total, step="post", **_style(CAPITAL["debt"]))
    money.set_ylabel("Capital raised,\nbillion US dollars")
    money.set_ylim(0, total.max() * 1.35)
    money.set_title("Equity and committed debt, each counted once", loc="left")

    previous = pd.Series(0.0, index=dates)
    for level in LEVELS:
        values = steps[f"gpus_{level}"].astype(float).fillna(0) / 1e3
        upper = pd.concat([previous, values], axis=1).max(axis=1)
        gpu_ax.fill_between(dates, previous, upper, step="post", **_style(LADDER[level]))
        previous = upper
    gpu_ax.set_ylabel("Planned GPUs, thousands\n(all regions, overlaps once)")
    gpu_ax.set_ylim(0, previous.max() * 1.3)
    gpu_ax.set_title("Planned GPUs by certainty (the worldwide roadmap is not added on top)", loc="left")
    gpu_ax.set_xlim(dates[0] - pd.Timedelta(days=60), end + pd.Timedelta(days=30))
    gpu_ax.set_xlabel("Date (a date known only to the month counts from the month's end)")
    money.tick_params(axis="x", labelbottom=False)

    numbered = _changing_dates(table)
    key.axis("off")
    fig.draw_without_rendering()  # lays out both axes (their x scales are shared) before any number is placed
    _number_events(money, numbered[numbered["capital"]], top=total.max() * 1.3)
    _number_events(gpu_ax, numbered[~numbered["capital"]], top=previous.max() * 1.25)
    lines = [f"{n:>2} {d:%d %b %y} {e}" for n, d, e in zip(numbered["number"], numbered["date"], numbered["event"])]
    key.text(0, 1, "Events that moved a total\n" + "\n".join(lines), va="top", ha="left", fontsize=8, family="DejaVu Sans Mono",
             linespacing=1.25, transform=key.transAxes)

    last = steps.iloc[-1]
    fig.suptitle(
        f"By {_day(end)}: equity {_usd(last['equity_usd'])} and committed debt {_usd(last['debt_usd'])}; "
        f"stated GPU plans {_thousands(last['gpus_stated'])}, {_thousands(last['gpus_with_up_to'])} with targets and 'up to'",
        x=0.01, ha="left", fontsize=13, fontweight="bold",
    )
    _legend(fig, [*CAPITAL.values(), *LADDER.values()])
    _footer(fig, end, "Numbers mark the days a total moved (key at right; every event is in notebook 3); a pause takes GPUs out. "
            + LADDER_NOTE, _source_ids(end))
    fig.data = numbered[["number", "date", "kind", "event", "equity_usd", "debt_usd", *(f"gpus_{level}" for level in LEVELS)]]
    return fig


def _changing_dates(table: pd.DataFrame) -> pd.DataFrame:
    """One numbered row per day on which a total (equity, debt, GPUs or MW at any level) moved.

    Its ``event`` names the day's first event and how many more there were;
    ``capital`` is whether the day moved equity or debt (its number goes on the
    capital panel) rather than only capacity.
    """
    totals = [c for c in table.columns if c.endswith("_usd") or c.startswith(("gpus_", "mw_"))]
    by_day = table.groupby("date", sort=True)
    last = by_day[totals].last().astype("Float64").fillna(0)  # no figure and nothing yet are alike here
    moved = last.ne(last.shift(fill_value=0)).any(axis=1)
    money = last[["equity_usd", "debt_usd"]].ne(last[["equity_usd", "debt_usd"]].shift(fill_value=0)).any(axis=1)
    rows = []
    for day, events_of_day in by_day:
        if not moved[day]:
            continue
        last_row = events_of_day.iloc[-1]
        first = ("equity", "debt", "figure") if money[day] else ("figure", "status", "capacity")  # name an event of the kind that moved
        rank = {kind: at for at, kind in enumerate(first)}
        events_of_day = events_of_day.sort_values("kind", key=lambda kinds: kinds.map(rank).fillna(len(rank)), kind="stable")
        names = events_of_day["event"].tolist()
        more = f" (+{len(names) - 1} more)" if len(names) > 1 else ""
        rows.append({"date": day, "kind": events_of_day["kind"].iloc[0], "event": _short(names[0], 38 - len(more)) + more,
                     "capital": bool(money[day]), **last_row[totals].to_dict()})
    numbered = pd.DataFrame(rows)
    numbered.insert(0, "number", range(1, len(numbered) + 1))
    return numbered


def _number_events(ax, table: pd.DataFrame, top: float) -> None:
    """Mark each event with its number near the top of ``ax`` (laid out already), stacking numbers that would touch."""
    placed: list[tuple[float, int]] = []
    for number, date in zip(table["number"], table["date"]):
        x = ax.transData.transform((matplotlib.dates.date2num(date), 0))[0]
        level = 0
        while any(abs(x - px) < 15 and lv == level for px, lv in placed):
            level += 1
        placed.append((x, level))
        ax.annotate(str(number), (date, top), xytext=(0, -11 * level), textcoords="offset points", ha="center", va="top",
                    fontsize=7.5, color="#222222")
        ax.axvline(date, color="#BBBBBB", linewidth=0.6, zorder=0)


# --- The article against the other sources -----------------------------------------------------

@_styled
def article_vs_sources(as_of: AsOf = ARTICLE_DATE) -> Figure:
    """Each figure and date of the starting article beside what other sources say, largest gap first."""
    checks = source_checks(ARTICLE, as_of)
    figures = checks[(checks["gap_unit"] == "%")].iloc[::-1]
    dates = checks[checks["gap_unit"] == "days"].iloc[::-1]
    fig, (left, right) = _figure(13, 6.6, ncols=2, width_ratios=[2.0, 1.1])
    for ax, rows, scale, unit in ((left, figures, 100, "%"), (right, dates, 1, " days")):
        y = range(len(rows))
        values = [g * scale for g in rows["gap"]]
        colours = [VERMILLION if a is False else GREY for a in rows["agrees"]]
        ax.barh(list(y), values, color=colours, height=0.6)
        for yi, value, (_, row) in zip(y, values, rows.iterrows()):
            text = ("agrees" if row["agrees"] is not False else
                    f"{value:+.0f}%" if unit == "%" else f"{value:.0f} day{'s' if value != 1 else ''} apart")
            ax.text(max(value, 0) + (2 if unit == "%" else 0.4), yi, text, va="center", fontsize=8.5,
                    color=VERMILLION if row["agrees"] is False else GREY)
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

    compared = checks[checks["compared_kind"] != "no other source"]
    differ = compared[compared["agrees"] == False]  # noqa: E712 (an object column of True, False and None)
    worst = figures[figures["agrees"] == False]  # noqa: E712
    worst = worst.loc[worst["gap"].abs().idxmax()] if len(worst) else None
    finding = f"{len(differ)} of the article's {len(compared)} checkable claims differ from other sources"
    if worst is not None:
        finding += f"; the largest gap: {worst['subject_name']}, {_plain(worst['claimed_value'])} against {_plain(worst['compared_value'])}"
    fig.suptitle(finding, x=0.01, ha="left", fontsize=13, fontweight="bold")
    others = checks[~checks["gap_unit"].isin(["%", "days"])]
    notes = [f"{_attribute(r['attribute'])}: {_verdict(r['agrees'])}" for _, r in others.iterrows()]
    kinds = ", ".join(sorted(set(compared["compared_kind"])))
    _footer(fig, as_of, f"Each claim of ChannelNews (3 Oct 2025) against the most primary other source by then ({kinds}), never itself. "
            f"Grey: agrees given its qualifier. Not drawn: {'; '.join(notes)}.",
            sorted({ARTICLE, *compared["compared_source_id"].dropna()}))
    fig.data = checks[["claim_id", "subject_name", "attribute", "claimed_qualifier", "claimed_value", "compared_value",
                       "compared_source_id", "compared_kind", "agrees", "gap", "gap_unit"]]
    return fig


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
ASSUMED_COST_PER_GPU_USD = (40_000, 80_000)


@_styled
def capex_vs_capital(cost_per_gpu_usd: tuple[float, float] = ASSUMED_COST_PER_GPU_USD, as_of: AsOf = None) -> Figure:
    """Implied GPU spending by region (GPUs times an assumed cost per GPU) against equity, and equity with debt.

    ``cost_per_gpu_usd`` is a (low, high) assumption, not a sourced figure;
    the low cost multiplies the stated GPUs and the high cost every GPU, targets
    and 'up to' figures included.
    """
    low_cost, high_cost = cost_per_gpu_usd
    regions = gpus_by_region(as_of)
    equity, debt = capital_raised(as_of), debt_raised(as_of)
    low = regions["stated"].astype("Float64") * low_cost
    high = regions["with_up_to"].astype("Float64") * high_cost
    fig, ax = _figure(13, 6.0)
    y = list(range(len(regions)))
    widest = max(float(high.max()), equity + debt) / 1e9
    for yi, lo, hi in zip(y, low, high):
        if pd.isna(hi):
            ax.text(widest * 0.01, yi, "no GPU figure: no implied cost (not zero)", va="center", fontsize=9, color=GREY)
            continue
        lo = 0.0 if pd.isna(lo) else float(lo)
        ax.barh(yi, lo / 1e9, height=0.55, **_style(LADDER["stated"]))
        ax.barh(yi, (float(hi) - lo) / 1e9, left=lo / 1e9, height=0.55, **_style(LADDER["with_up_to"]))
        ax.text(float(hi) / 1e9 + widest * 0.015, yi, f"{_usd(lo)} to {_usd(float(hi))}", va="center", fontsize=9)
    for amount, colour, words, offset in ((equity, GREEN, "equity", 0), (equity + debt, ORANGE, "equity and debt", 1)):
        ax.axvline(amount / 1e9, color=colour, linewidth=2.2)
        ax.text(amount / 1e9, -0.75 - 0.32 * offset, f" {words}: {_usd(amount)}", color="black", fontsize=9, va="center")
    ax.set_yticks(y, regions.index)
    ax.set_ylim(len(y) - 0.5, -1.2)
    ax.set_xlabel("Billion US dollars")
    ax.set_xlim(0, widest * 1.3)
    ax.grid(axis="y", visible=False)
    ax.set_title(f"ASSUMPTION: ${low_cost:,.0f} to ${high_cost:,.0f} per GPU (all-in cost; not a sourced figure)",
                 loc="left", fontsize=10, color="#7A3A63")
    total_low, total_high = float(low.sum()), float(high.sum())
    fig.suptitle(
        f"At the assumed prices the regional GPU plans would cost {_usd(total_low)} to {_usd(total_high)}: "
        f"{total_low / equity:.1f} to {total_high / equity:.1f} times the equity raised,\n"
        f"{total_low / (equity + debt):.1f} to {total_high / (equity + debt):.1f} times equity and committed debt",
        x=0.01, ha="left", fontsize=13, fontweight="bold",
    )
    _legend(fig, [{**LADDER["stated"], "label": "stated GPUs × low cost"},
                  {**LADDER["with_up_to"], "label": "every GPU, targets and 'up to' included, × high cost"}])
    _footer(fig, as_of, f"Implied spending = planned GPUs × assumed cost per GPU. {_contracts(as_of)}", _source_ids(as_of))
    fig.data = pd.DataFrame({
        "region": regions.index, "gpus_stated": regions["stated"].array, "gpus_with_up_to": regions["with_up_to"].array,
        "cost_per_gpu_low_usd": low_cost, "cost_per_gpu_high_usd": high_cost,
        "implied_low_usd": low.round().astype("Int64").array, "implied_high_usd": high.round().astype("Int64").array,
        "equity_usd": equity, "equity_and_debt_usd": equity + debt,
    })
    return fig


def _contracts(as_of: AsOf) -> str:
    """The customer contracts in the data, named as revenue, never added to capital."""
    deployments = load_deployments(as_of)
    signed = deployments[deployments["contract_value_usd"].notna()]
    if signed.empty:
        return "No customer contract value is stated."
    items = "; ".join(f"{row['short_name']} ({row['partners'].split(';')[0]}, {_usd(row['contract_value_usd'])})"
                      for _, row in signed.iterrows())
    return f"Customer contracts are revenue over several years, not capital, and are not added: {items}."


# --- Nscale among its peers --------------------------------------------------------------------

@_styled
def peers_chart(as_of: AsOf = None) -> Figure:
    """Capital (equity and debt) beside GPUs and megawatts at each certainty level, one row per company."""
    from nscale_data.comparison import peers

    table = peers(as_of)
    fig, (money, gpu_ax, mw_ax) = _figure(13, 7.2, ncols=3, width_ratios=[1.05, 1.0, 1.0])
    y = list(range(len(table)))
    widest = max(float((table["equity_usd"].fillna(0) + table["debt_usd"].fillna(0)).max()) / 1e9, 1)
    for yi, (_, row) in zip(y, table.iterrows()):
        own = 0 if pd.isna(row["equity_usd"]) else float(row["equity_usd"])
        lent = 0 if pd.isna(row["debt_usd"]) else float(row["debt_usd"])
        money.barh(yi, own / 1e9, height=0.7, **_style(CAPITAL["equity"]))
        money.barh(yi, lent / 1e9, left=own / 1e9, height=0.7, **_style(CAPITAL["debt"]))
        money.text((own + lent) / 1e9 + widest * 0.02, yi, _capital_label(row), va="center", fontsize=8.5,
                   color="black" if own or lent else GREY)
    money.set_xlim(0, widest * 1.75)
    money.set_xlabel("Billion US dollars")
    money.set_title("Capital raised", loc="left")
    labels = [f"{row['name']}\nlatest source {day(row['latest_source'], row['latest_source_precision'] or 'day') or 'none'}"
              for _, row in table.iterrows()]
    money.set_yticks(y, labels)
    for ax, measure, unit, scale in ((gpu_ax, "gpus", "GPUs", 1e3), (mw_ax, "mw", "MW", 1.0)):
        levels = table[[f"{measure}_{level}" for level in LEVELS]].set_axis(list(LEVELS), axis=1)
        widest_level = float(levels["with_up_to"].astype("Float64").fillna(0).max()) / scale or 1
        for yi, (_, row) in zip(y, levels.iterrows()):
            _ladder_bar(ax, yi, row, scale)
            ax.text(_ladder_end(row) / scale + widest_level * 0.02, yi, _ladder_label(row, unit), va="center", fontsize=8.5,
                    color="black" if pd.notna(row["with_up_to"]) else GREY)
        ax.set_xlim(0, widest_level * 1.6)
        ax.set_yticks(y, [""] * len(y))
        ax.tick_params(axis="y", length=0)
    for ax in (money, gpu_ax, mw_ax):
        ax.set_ylim(len(y) - 0.4, -0.6)
        ax.grid(axis="y", visible=False)
    gpu_ax.set_xlabel("GPUs, thousands")
    mw_ax.set_xlabel("Power, megawatts")
    gpu_ax.set_title("GPUs", loc="left")
    mw_ax.set_title("Power", loc="left")
    fig.suptitle(_peers_finding(table, as_of), x=0.01, ha="left", fontsize=13, fontweight="bold")
    _legend(fig, [CAPITAL["equity"] | {"label": "equity"}, CAPITAL["debt"], *LADDER.values()])
    note = ("Nscale's row is computed from its detailed tables; a peer's capital is the sum of the rounds and facilities found "
            "(≥: not a complete history), its capacity the latest company-wide figure, or the sum of the sites found, each counted from its source's publication. "
            + LADDER_NOTE)
    _footer(fig, as_of, note, [*_source_ids(as_of), *(s for ids in table["source_ids"] for s in ids)])
    rows, day_drawn = [], as_of or dataset_as_of()
    for company_id, row in table.iterrows():
        rows += [(day_drawn, company_id, "equity", "", row["equity_usd"], "USD"),
                 (day_drawn, company_id, "debt", "", row["debt_usd"], "USD")]
        rows += [(day_drawn, company_id, m, level, row[f"{m}_{level}"], u)
                 for m, u in (("gpus", "GPUs"), ("mw", "MW")) for level in LEVELS]
    fig.data = _data(rows, ["as_of", "company_id", "series", "level", "value", "unit"])
    return fig


def _capital_label(row: pd.Series) -> str:
    """'$5.5bn: $3.3bn equity, $2.2bn debt', with ≥ where a peer's sum is a floor, or 'no figure'."""
    parts = []
    for kind in ("equity", "debt"):
        value = row[f"{kind}_usd"]
        if pd.notna(value):
            parts.append(f"{'≥ ' if row[f'{kind}_qualifier'] == 'at_least' else ''}{_usd(value)} {kind}")
    return ", ".join(parts) if parts else "no figure"


def _peers_finding(table: pd.DataFrame, as_of: AsOf) -> str:
    """The title: Nscale's capital and stated GPUs, and which peers state a company-wide GPU count."""
    nscale = table.loc["nscale"]
    others = table.drop(index="nscale")
    capital = nscale["equity_usd"] + nscale["debt_usd"]
    gpus = "no stated GPU figure" if pd.isna(nscale["gpus_stated"]) else f"{_thousands(nscale['gpus_stated'])} stated GPUs"
    text = f"By {_day(as_of)}, Nscale had raised {_usd(capital)} and had {gpus}; "
    whole = others[others["gpus_basis_stated"].fillna("").str.contains("company-wide")]
    if whole.empty:
        return text + f"none of the {len(others)} peers states a company-wide GPU count"
    named = ", ".join(f"{row['name']} {_thousands(row['gpus_stated'])}" + _raised(row) for _, row in whole.iterrows())
    return text + f"\nof {len(others)} peers only {len(whole)} states a company-wide GPU count ({named})"


def _raised(row: pd.Series) -> str:
    """' with ≥ $8.7bn raised' from the capital found, or '' where none was found."""
    found = [row[f"{kind}_usd"] for kind in ("equity", "debt") if pd.notna(row[f"{kind}_usd"])]
    return f" with ≥ {_usd(sum(found))} raised" if found else ""


# --- Shared parts ------------------------------------------------------------------------------

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
    publishers = load_sources().loc[sorted(set(source_ids)), "publisher"]
    sources = "Sources: " + "; ".join(dict.fromkeys(publishers)) + ". Every figure and its evidence: nscale-data (sources.csv, claims.csv)."
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


def _usd(value: float) -> str:
    """Dollars for a chart label.

    Examples:
        >>> _usd(433e6), _usd(1.718e9), _usd(30e6), _usd(0)
        ('$433m', '$1.7bn', '$30m', '$0')
    """
    value = float(value)
    if value == 0:
        return "$0"
    return f"${value / 1e9:.2g}bn" if value >= 1e9 else f"${value / 1e6:.0f}m"


def _thousands(value) -> str:
    """GPUs in thousands for a title: '226k', or 'no figure'."""
    return "no figure" if pd.isna(value) else f"{float(value) / 1e3:,.0f}k"


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"
