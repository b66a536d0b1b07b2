"""The project's charts, each a function returning a matplotlib ``Figure``.

Every chart has a title that states its finding (computed from the data, so
it stays true when the data changes), axis labels with units, an "as of"
date and a source line. Colours are the Okabe-Ito palette, safe for
colour-blind readers; "up to" figures are hatched so the charts also read in
greyscale.
"""

from __future__ import annotations

import functools
import textwrap

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from nscale_data.analysis import (
    GLOBAL as GLOBAL_REGION,
    capital_raised,
    claim_checks,
    debt_raised,
    gpus_by_region,
    gpus_worldwide,
    round_name,
    rounds_counted,
)
from nscale_data.dataset import (
    AsOf,
    dataset_as_of,
    latest_source_date,
    load_debt_facilities,
    load_deployments,
    load_funding_rounds,
    load_sources,
    period_end,
)

ARTICLE = "channelnews-2025-10-03"
ARTICLE_DATE = "2025-10-03"
# Okabe-Ito colours (Okabe & Ito, 2008): distinguishable with any common colour-vision deficiency.
BLUE, ORANGE, SKY, GREEN, VERMILLION, PURPLE, GREY = "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#CC79A7", "#7F7F7F"
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "axes.axisbelow": True,
    "legend.frameon": False,
    "svg.hashsalt": "nscale-data",
    "svg.fonttype": "path",
    "text.parse_math": False,
}


def _styled(chart):
    """Build the chart inside the project's style, so every text and line picks it up."""

    @functools.wraps(chart)
    def build(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(STYLE):
            fig = chart(*args, **kwargs)
            _freeze_layout(fig)
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


@_styled
def capital_and_gpus(dates: tuple[AsOf, ...] | None = None) -> Figure:
    """Headline: capital raised beside planned GPUs by region, at each date.

    ``dates`` defaults to the article's date and the data's as-of date.
    """
    dates = _dates(dates)
    equity = [capital_raised(d) / 1e9 for d in dates]
    debt = [debt_raised(d) / 1e9 for d in dates]
    regions = [gpus_by_region(d) for d in dates]
    colours = [SKY, BLUE][-len(dates):] if len(dates) <= 2 else [SKY, BLUE, GREEN, PURPLE][: len(dates)]
    fig, (money, gpus) = _figure(12, 6.2, ncols=2, width_ratios=[1, 2.6])

    for i, (d, own, lent) in enumerate(zip(dates, equity, debt)):
        money.bar(i, own, color=colours[i], width=0.6, label="equity" if i == len(dates) - 1 else None)
        if lent:
            money.bar(i, lent, bottom=own, color="white", edgecolor=colours[i], hatch="xx", width=0.6,
                      label="committed debt" if i == len(dates) - 1 else None)
        money.text(i, own + lent, _usd((own + lent) * 1e9), ha="center", va="bottom", fontsize=11)
    money.set_xticks(range(len(dates)), [_day(d) for d in dates])
    money.set_ylabel("Capital raised, billion US dollars")
    money.set_title("Equity and committed debt, each counted once", loc="left", fontsize=11)
    money.set_ylim(0, max(e + b for e, b in zip(equity, debt)) * 1.25)
    money.grid(axis="x", visible=False)
    money.legend(loc="upper left", fontsize=9)

    names = list(regions[0].index)
    height = 0.8 / len(dates)
    top = max(int(r["high"].fillna(0).max()) for r in regions) or 1
    for i, (d, table) in enumerate(zip(dates, regions)):
        y = [k + i * height - 0.4 + height / 2 for k in range(len(names))]
        stated, widest = table["stated"].fillna(0).astype(float), table["with_up_to"].fillna(0).astype(float)
        gpus.barh(y, stated / 1e3, height=height * 0.9, color=colours[i], label=f"{_day(d)}: stated")
        gpus.barh(y, (widest - stated) / 1e3, left=stated / 1e3, height=height * 0.9,
                  color="white", edgecolor=colours[i], hatch="///", label=f"{_day(d)}: with targets and 'up to'")
        for yi, low, high in zip(y, table["stated"], table["with_up_to"]):
            label = "no GPU figure" if pd.isna(high) else _range(0 if pd.isna(low) else int(low), int(high))
            gpus.text((0 if pd.isna(high) else high) / 1e3 + top / 1e3 * 0.01, yi, label, va="center", fontsize=10,
                      color=GREY if pd.isna(high) else "black")
    gpus.set_yticks(range(len(names)), names)
    gpus.invert_yaxis()
    gpus.set_xlabel("Planned GPUs, thousands (overlapping announcements counted once)")
    gpus.set_xlim(0, top / 1e3 * 1.3)
    gpus.set_title("Planned GPUs by region", loc="left", fontsize=11)
    gpus.grid(axis="y", visible=False)
    gpus.legend(loc="lower right", fontsize=9)

    first, last = regions[0], regions[-1]
    fig.suptitle(
        f"Equity and debt {_usd((equity[0] + debt[0]) * 1e9)} → {_usd((equity[-1] + debt[-1]) * 1e9)}; "
        f"stated GPU plans {first['stated'].sum() / 1e3:.0f}k → {last['stated'].sum() / 1e3:.0f}k; "
        f"{_regions_without_figures(last)}",
        x=0.01, ha="left", fontsize=13, fontweight="bold",
    )
    worldwide = gpus_worldwide(dates[-1])[1]
    _footer(
        fig,
        dates[-1],
        f"Stated: figures stated as a number; the hatched part adds targets and each 'up to' at its maximum. "
        f"Worldwide roadmap: {worldwide:,} GPUs.",
        _source_ids(dates[-1]),
    )
    return fig


@_styled
def timeline(as_of: AsOf = None) -> Figure:
    """Cumulative capital and deduplicated planned GPUs over time, with the events labelled."""
    end = pd.Timestamp(as_of) if as_of is not None else dataset_as_of()
    rounds = load_funding_rounds(end)
    facilities = load_debt_facilities(end)
    deployments = load_deployments(end)
    announced = period_end(deployments["announced_date"], deployments["announced_date_precision"])
    raised = period_end(rounds["announced_date"], rounds["announced_date_precision"])
    lent = period_end(facilities["announced_date"], facilities["announced_date_precision"])
    events = sorted({*raised, *lent, *announced, *deployments["status_date"].dropna(), end})
    capital = [capital_raised(d) / 1e9 for d in events]
    with_debt = [c + debt_raised(d) / 1e9 for c, d in zip(capital, events)]
    totals = [gpus_by_region(d).sum() for d in events]
    low = [t["low"] / 1e3 for t in totals]
    high = [t["high"] / 1e3 for t in totals]

    fig, (money, gpus) = _figure(12, 7.6, nrows=2, sharex=True)
    money.step(events, with_debt, where="post", color=SKY, linewidth=1.6, linestyle="--", label="equity and committed debt")
    money.step(events, capital, where="post", color=BLUE, linewidth=2.2, label="equity")
    money.legend(loc="upper left", fontsize=9)
    for number, (round_id, row) in enumerate(rounds.iterrows()):
        date = raised[round_id]
        label = f"{round_name(row['stage'], row['instrument'])}: {_usd(row['amount_usd'])}"
        left = number % 2 == 0
        money.annotate(label, (date, capital[events.index(date)]), xytext=(-5 if left else 5, 4),
                       textcoords="offset points", ha="right" if left else "left", va="bottom", fontsize=9)
    money.set_ylabel("Capital raised,\nbillion US dollars")
    money.set_ylim(0, max(with_debt) * 1.3)
    money.set_title("Cumulative capital raised (a round folded into a later one counts once)", loc="left", fontsize=11)

    gpus.fill_between(events, low, high, step="post", color=ORANGE, alpha=0.35, hatch="///", edgecolor=ORANGE,
                      label="with targets and 'up to'")
    gpus.step(events, low, where="post", color=VERMILLION, linewidth=2.2, label="stated")
    gpus.step(events, high, where="post", color=ORANGE, linewidth=1.2)
    parent_region = deployments["part_of"].map(deployments["region"])
    top_level = deployments[deployments["same_gpus_as"].isna() & (deployments["part_of"].isna() | (parent_region == GLOBAL_REGION))]
    for date, names in top_level.groupby(announced[top_level.index])["name"]:
        gpus.axvline(date, color="#BBBBBB", linewidth=0.8, zorder=0)
        gpus.text(date, max(high) * 1.3, "\n".join(_short(n, 34) for n in names), rotation=90, fontsize=8,
                  ha="right", va="top", linespacing=1.1)
    changes = deployments[deployments["status"].isin(["paused", "withdrawn"])]
    inside_change = changes["part_of"].isin(changes.index)  # a phase paused with its plan is not labelled twice
    for deployment_id, row in changes[~inside_change].iterrows():
        gpus.annotate(f"{_short(row['name'])} {row['status']}", (row["status_date"], 0), xytext=(4, 14),
                      textcoords="offset points", fontsize=8, color=VERMILLION, ha="left",
                      arrowprops={"arrowstyle": "-", "color": VERMILLION})
    gpus.set_ylabel("Planned GPUs, thousands\n(all regions, deduplicated)")
    gpus.set_ylim(0, max(high) * 1.32)
    gpus.set_xlim(pd.Timestamp(events[0]) - pd.Timedelta(days=120), end + pd.Timedelta(days=30))
    gpus.set_xlabel("Announcement date (a date known only to the month counts from the month's end)")
    gpus.legend(loc="upper left", fontsize=9)
    gpus.set_title("Planned GPUs across regions (the worldwide roadmap is not added on top)", loc="left", fontsize=11)

    fig.suptitle(
        f"Equity rose to {_usd(capital[-1] * 1e9)} and committed debt to {_usd((with_debt[-1] - capital[-1]) * 1e9)} by {_day(end)}, "
        f"while stated regional GPU plans reached {low[-1]:.0f}k",
        x=0.01, ha="left", fontsize=13, fontweight="bold",
    )
    _footer(fig, end, "Each step is an announcement; status changes (such as a pause) take GPUs out.", _source_ids(end))
    return fig


@_styled
def article_vs_sources(as_of: AsOf = None) -> Figure:
    """Each figure of the starting article beside the value the primary sources give."""
    checks = claim_checks(as_of)
    article = checks[(checks["source_id"] == ARTICLE) & checks["claimed_value"].map(lambda v: isinstance(v, (int, float)))]
    gpu_rows = article[article["attribute"].isin(["gpu_count", "programme_gpu_count"])]
    money_rows = article[article["attribute"].str.endswith("_usd")]
    fig, (gpus, money) = _figure(12, 6.4, ncols=2, width_ratios=[1.5, 1])
    for ax, rows, scale, unit in ((gpus, gpu_rows, 1e3, "GPUs, thousands"), (money, money_rows, 1e9, "billion US dollars")):
        labels = []
        for y, (_, row) in enumerate(rows.iterrows()):
            claimed, resolved = row["claimed_value"] / scale, row["resolved_value"] / scale
            colour = VERMILLION if not row["agrees"] else GREY
            ax.plot([claimed, resolved], [y, y], color=colour, linewidth=2, zorder=1)
            ax.scatter([resolved], [y], marker="D", s=70, color=BLUE, zorder=2, label="resolved value" if y == 0 else None)
            ax.scatter([claimed], [y], marker="o", s=70, color=ORANGE, zorder=3, label="the article" if y == 0 else None)
            ax.annotate(_qualified(row["claimed_qualifier"], claimed), (claimed, y), xytext=(0, 8),
                        textcoords="offset points", ha="center", fontsize=9, color=colour if not row["agrees"] else "black")
            labels.append(_short(row["subject_name"], 30) + ("  ✗ differs" if not row["agrees"] else ""))
        ax.set_yticks(range(len(labels)), labels)
        for tick, (_, row) in zip(ax.get_yticklabels(), rows.iterrows()):
            tick.set_color(VERMILLION if not row["agrees"] else "black")
        ax.invert_yaxis()
        ax.set_xlabel(unit)
        ax.set_xlim(0, max(rows["claimed_value"].max(), rows["resolved_value"].max()) / scale * 1.15)
        ax.margins(y=0.15)
    gpus.set_title("GPU figures", loc="left", fontsize=11)
    money.set_title("Money", loc="left", fontsize=11)
    gpus.legend(loc="lower right", fontsize=9)
    differ = article[~article["agrees"]]
    gap = (differ["claimed_value"] / differ["resolved_value"] - 1).abs()
    worst = differ.loc[gap.idxmax()] if len(differ) else None
    finding = f"{len(differ)} of the article's {len(article)} figures differ from the primary sources"
    if worst is not None:
        finding += f", most of all {worst['subject_name']} ({worst['claimed_value']:,} against {worst['resolved_value']:,})"
    fig.suptitle(finding, x=0.01, ha="left", fontsize=13, fontweight="bold")
    _footer(fig, as_of, "Circles: ChannelNews (3 Oct 2025); diamonds: the resolved value, the primary source's where there is one.",
            sorted({ARTICLE, *article["resolved_source_id"].dropna()}))
    return fig


# An assumption for illustration, not a sourced figure: notebook 05 lets the reader change it.
ASSUMED_COST_PER_GPU_USD = (40_000, 80_000)


@_styled
def capex_vs_capital(cost_per_gpu_usd: tuple[float, float] = ASSUMED_COST_PER_GPU_USD, as_of: AsOf = None) -> Figure:
    """Implied GPU spending by region (GPUs times an assumed cost per GPU) against capital raised.

    ``cost_per_gpu_usd`` is a (low, high) assumption, not a sourced figure;
    the low cost multiplies the low GPU figure and the high cost the high one.
    """
    low_cost, high_cost = cost_per_gpu_usd
    regions = gpus_by_region(as_of)
    raised = capital_raised(as_of) / 1e9
    low = regions["low"].fillna(0).astype(float) * low_cost / 1e9
    high = regions["high"].fillna(0).astype(float) * high_cost / 1e9
    fig, ax = _figure(12, 5.6)
    y = range(len(regions))
    ax.barh(y, low, color=BLUE, height=0.55, label="stated GPUs × low cost")
    ax.barh(y, high - low, left=low, color="white", edgecolor=BLUE, hatch="///", height=0.55,
            label="up to: all GPUs × high cost")
    for yi, (lo, hi) in zip(y, zip(low, high)):
        text = f"{_usd(lo * 1e9)} to {_usd(hi * 1e9)}" if hi else "no GPU figure announced"
        ax.text(hi + raised * 0.03, yi, text, va="center", fontsize=10, color="black" if hi else GREY)
    ax.axvline(raised, color=VERMILLION, linewidth=2.2)
    ax.text(raised, len(regions) - 1.3, f" capital raised: {_usd(raised * 1e9)}", color=VERMILLION, fontsize=10)
    ax.set_yticks(list(y), regions.index)
    ax.invert_yaxis()
    ax.set_xlabel("Billion US dollars")
    ax.set_xlim(0, max(high.max(), raised) * 1.25)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=9)
    ax.set_title(
        f"ASSUMPTION: ${low_cost:,.0f} to ${high_cost:,.0f} per GPU (all-in cost; not a sourced figure)",
        loc="left", fontsize=10, color=PURPLE,
    )
    total_low, total_high = low.sum(), high.sum()
    fig.suptitle(
        f"The regional GPU plans would cost {_usd(total_low * 1e9)} to {_usd(total_high * 1e9)} at the assumed prices, "
        f"{total_low / raised:.0f} to {total_high / raised:.0f} times the {_usd(raised * 1e9)} raised",
        x=0.01, ha="left", fontsize=13, fontweight="bold",
    )
    _footer(fig, as_of, "Implied spending = planned GPUs × assumed cost per GPU; contracts and debt are not counted as capital.",
            _source_ids(as_of))
    return fig


def _figure(width: float, height: float, **grid) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(gridspec_kw={k: grid.pop(k) for k in ("width_ratios",) if k in grid}, **grid)
    fig.get_layout_engine().set(rect=(0, 0.08, 1, 0.92))
    return fig, axes


def _footer(fig: Figure, as_of: AsOf, note: str, source_ids: list[str]) -> None:
    publishers = load_sources().loc[sorted(set(source_ids)), "publisher"]
    sources = "Sources: " + "; ".join(dict.fromkeys(publishers)) + ". Every figure and its evidence: nscale-data (sources.csv, claims.csv)."
    latest = latest_source_date(as_of)
    dates = f"Data as of {_day(as_of)} (reviewed {_day(None)}; latest source {_day(latest) if latest is not None else 'none'})."
    lines = textwrap.wrap(f"{dates} {note}", 190) + textwrap.wrap(sources, 190)
    fig.text(0.01, 0.005, "\n".join(lines), fontsize=8.5, color="#333333", ha="left", va="bottom")
    bottom = (len(lines) * 8.5 * 1.25 + 14) / (fig.get_figheight() * 72)  # keep the axes clear of the footer
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


def _day(as_of: AsOf) -> str:
    stamp = dataset_as_of() if as_of is None else pd.Timestamp(as_of)
    return f"{stamp.day} {stamp.strftime('%b %Y')}"


def _usd(value: float) -> str:
    """Dollars for a chart label.

    Examples:
        >>> _usd(433e6), _usd(1.718e9), _usd(30e6)
        ('$433m', '$1.7bn', '$30m')
    """
    return f"${value / 1e9:.2g}bn" if value >= 1e9 else f"${value / 1e6:.0f}m"


def _range(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def _regions_without_figures(table: pd.DataFrame) -> str:
    empty = list(table.index[table["high"].isna()])
    return f"no GPU figure yet: {', '.join(empty)}" if empty else "a GPU figure for every region"


def _qualified(qualifier: str, value: float) -> str:
    words = {"up_to": "up to ", "at_least": "over ", "approx": "about ", "target": "target ", "exact": ""}
    return f"{words[qualifier]}{value:,.4g}"


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"
