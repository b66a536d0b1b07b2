"""Tables for people: one formatting layer for every table the notebooks and the report show.

Numbers get thousands separators, money is in millions of US dollars with
the unit in the header, dates are written one way ("25 Sep 2025"; a date known
to the month is "September 2025"), a missing value is an empty cell (never 0,
``NaN`` or ``<NA>``), headers are words, there is no row index, and a source
is its publisher, linked to the report's sources page. Each function returns
a ``Table``, which Jupyter shows as HTML and prints as plain text.

Examples:
    >>> print(deployments().frame.iloc[0]["GPUs"])
    300,000 (target)
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from nscale_data.totals import analysis, checks
from nscale_data.totals.analysis import as_number, day
from nscale_data.package.dataset import AsOf, load_claims, load_companies, load_deployments, load_sources

QUALIFIER_WORDS = {"exact": "", "approx": "about", "at_least": "at least", "up_to": "up to", "target": "target"}


@dataclass
class Table:
    """Formatted cells (``frame``, all text), with a link for some cells (``links``) and an anchor per row."""

    frame: pd.DataFrame
    links: dict[tuple[int, str], str]
    anchors: list[str] | None = None
    caption: str = ""

    def to_html(self) -> str:
        """The table as HTML inside a box that scrolls sideways on a narrow screen; every value escaped.

        Columns of figures are right-aligned and text left-aligned, as readers expect; the first column stays in view
        while a wide table scrolls.
        """
        numeric = {c for c in self.frame.columns if _numeric(self.frame[c])}
        head = "".join(f'<th class="num">{_e(c)}</th>' if c in numeric else f"<th>{_e(c)}</th>" for c in self.frame.columns)
        body = []
        for i, (_, row) in enumerate(self.frame.iterrows()):
            cells = []
            for column, text in row.items():
                href = self.links.get((i, column))
                cls = ' class="num"' if column in numeric else ""
                cells.append(f'<td{cls}><a href="{_e(href)}">{_e(text)}</a></td>' if href and text else f"<td{cls}>{_e(text)}</td>")
            anchor = f' id="{_e(self.anchors[i])}"' if self.anchors else ""
            body.append(f"<tr{anchor}>{''.join(cells)}</tr>")
        caption = f"<caption>{_e(self.caption)}</caption>" if self.caption else ""
        return (f'<div class="table-wrap"><table>{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(body)}</tbody></table></div>")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return self.frame.to_string(index=False) if len(self.frame) else "(no rows)"


NUMBER_CELL = re.compile(r"(≥ )?[$-]?[0-9][0-9,.]*( ?(bn|m|%))?( \([a-z' ]+\))?|no figure|")


def _numeric(column: pd.Series) -> bool:
    """Whether a column of formatted cells holds figures (empty and 'no figure' cells aside), to right-align it.

        >>> _numeric(pd.Series(["122,240", "", "58,640 (up to)"])), _numeric(pd.Series(["Europe", "1"]))
        (True, False)
    """
    cells = [str(c) for c in column]
    return any(c and c != "no figure" for c in cells) and all(NUMBER_CELL.fullmatch(c) for c in cells)


def money(value, qualifier: str | None = None) -> str:
    """US dollars as a reader writes them: '$3.29bn', '$155m', '≥ $16.46bn', or 'no figure' (never $0 for no figure).

    Examples:
        >>> money(3_285_000_000), money(155_000_000), money(16_455_268_000, "at_least"), money(None), money(0)
        ('$3.29bn', '$155m', '≥ $16.46bn', 'no figure', '$0')
    """
    if value is None or pd.isna(value):
        return "no figure"
    floor = "≥ " if qualifier == "at_least" else ""
    for scale, places, unit in ((10**9, "0.01", "bn"), (10**6, "1", "m")):
        if abs(value) >= scale:  # rounded half up on the exact integer, so $5,475m is $5.48bn, not $5.47bn
            return f"{floor}${(Decimal(int(value)) / scale).quantize(Decimal(places), ROUND_HALF_UP):,}{unit}"
    return f"{floor}${value:,.0f}"


def count(value, qualifier: str | None = None) -> str:
    """A count with thousands separators and the source's qualifier; empty for no figure.

    Examples:
        >>> count(58640, "up_to"), count(None), count(30.0)
        ('58,640 (up to)', '', '30')
    """
    if value is None or pd.isna(value):
        return ""
    words = QUALIFIER_WORDS.get(qualifier or "exact", "")
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text} ({words})" if words else text


def millions(value) -> str:
    """US dollars in millions, for a column headed '$m'.

    Examples:
        >>> millions(1_100_000_000), millions(433e6), millions(None)
        ('1,100', '433', '')
    """
    if value is None or pd.isna(value):
        return ""
    return f"{float(value) / 1e6:,.0f}"


def slug(text: str) -> str:
    """A name as an id or anchor: 'North America' as 'north-america'.

        >>> slug("North America"), slug("Stargate UK phase 1")
        ('north-america', 'stargate-uk-phase-1')
    """
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def yes_no(value) -> str:
    return "" if value is None or pd.isna(value) else ("yes" if value else "no")


def _table(rows: list[dict], columns: list[str], links=None, anchors=None, caption: str = "") -> Table:
    frame = pd.DataFrame(rows, columns=columns, dtype=object).fillna("")
    return Table(frame, links or {}, anchors, caption)


def source_link(source_id) -> str:
    return f"sources.html#source-{source_id}"


def sources(as_of: AsOf = None) -> Table:
    """Every source, oldest first: date, publisher, title (linked where an address is known), kind, language."""
    frame = load_sources(as_of).sort_values("published_date", kind="stable")
    rows, links = [], {}
    for i, (source_id, s) in enumerate(frame.iterrows()):
        rows.append({"Published": day(s["published_date"], s["published_date_precision"]), "Publisher": s["publisher"],
                     "Title": s["title"], "Kind": s["kind"], "Language": s["language"]})
        if isinstance(s["url"], str) and s["url"].startswith(("http://", "https://")):
            links[(i, "Title")] = s["url"]
    return _table(rows, ["Published", "Publisher", "Title", "Kind", "Language"], links,
                  [f"source-{i}" for i in frame.index])


def capital(as_of: AsOf = None) -> Table:
    """Every round and debt facility by date: amount, what is counted, the accordion not counted, the source."""
    frame = analysis.capital_table(as_of)
    publishers = load_sources()["publisher"]
    rows, links = [], {}
    for i, (capital_id, c) in enumerate(frame.iterrows()):
        folded = c["why_not_counted"].removeprefix("inside ")
        rows.append({"Date": day(c["announced_date"], c["announced_date_precision"]), "Kind": c["kind"], "Name": c["name"],
                     "Amount, $m": millions(c["amount_usd"]), "Counted, $m": millions(c["counted_usd"]),
                     "Uncommitted accordion, $m": millions(c["accordion_usd"]),
                     "Not counted because": f"folded into the {frame.at[folded, 'name']}" if folded else "",
                     "Source": publishers[c["source_id"]]})
        links[(i, "Source")] = source_link(c["source_id"])
    columns = ["Date", "Kind", "Name", "Amount, $m", "Counted, $m", "Uncommitted accordion, $m", "Not counted because", "Source"]
    return _table(rows, columns, links, [f"capital-{i}" for i in frame.index])


def deployments(as_of: AsOf = None, counted: bool | None = None) -> Table:
    """Every deployment with its figures, status and how it is counted; ``counted`` keeps only rows in (or out of) the totals."""
    frame = analysis.capacity_totals(as_of)
    names = frame["name"]  # every row's, before any is filtered out: a reason names the row it points to
    sources_of = load_deployments(as_of)["source_id"]
    publishers = load_sources()["publisher"]
    if counted is not None:
        inside = frame["counted"].isin(["region", "worldwide"]) | frame["counted"].str.startswith("part of ")
        frame = frame[inside == counted]
    rows, links = [], {}
    for i, (row_id, d) in enumerate(frame.iterrows()):
        rows.append({"Name": d["name"], "Region": d["region"], "Status": str(d["status"]).replace("_", " "),
                     "GPUs": count(d["gpu_count"], d["gpu_count_qualifier"]), "MW": count(d["power_mw"], d["power_mw_qualifier"]),
                     "How counted": analysis.named_reason(d["counted"], names), "GPUs stated": count(d["gpus_stated"]),
                     "GPUs with up to": count(d["gpus_with_up_to"]), "MW with up to": count(d["mw_with_up_to"]),
                     "Source": publishers[sources_of[row_id]]})
        links[(i, "Source")] = source_link(sources_of[row_id])
    columns = ["Name", "Region", "Status", "GPUs", "MW", "How counted", "GPUs stated", "GPUs with up to", "MW with up to", "Source"]
    return _table(rows, columns, links, [f"deployment-{i}" for i in frame.index])


def regions(as_of: AsOf = None) -> Table:
    """GPUs and megawatts by region at the three levels; empty where no figure exists."""
    result = analysis.summary(as_of)
    rows = []
    for region, v in [*result["gpus_by_region"].items(), ("Worldwide", result["gpus_worldwide"])]:
        rows.append({"Region": region, **{f"GPUs, {_level(level)}": count(v[level]) for level in analysis.LEVELS},
                     **{f"MW, {_level(level)}": count(v["power_mw"][level]) for level in analysis.LEVELS}})
    columns = ["Region", *(f"GPUs, {_level(level)}" for level in analysis.LEVELS), *(f"MW, {_level(level)}" for level in analysis.LEVELS)]
    return _table(rows, columns, caption="Empty: no source states a figure (never zero).")


def claims(as_of: AsOf = None) -> Table:
    """Every claim: what it is about, the value with its qualifier, the source and the words that state it, whether it agrees."""
    frame = load_claims(as_of)
    publishers = load_sources()["publisher"]
    agreement = checks.claim_checks(as_of).set_index("claim_id")["agrees"]
    names = checks.names_by_id(as_of, None)
    rows, links = [], {}
    for i, (claim_id, c) in enumerate(frame.iterrows()):
        value = _value(c["value_text"] if pd.notna(c["value_text"]) else as_number(c["value"]), c["qualifier"], c["attribute"])
        rows.append({"About": checks.subject_name(c["subject_id"], names), "What": _attribute(c["attribute"]), "Value": value,
                     "Source": publishers[c["source_id"]],
                     "Words of the source": c["evidence"] + (f" (in English: {c['evidence_en']})" if pd.notna(c["evidence_en"]) else ""),
                     "Agrees with the resolved value": yes_no(agreement.get(claim_id)) or "not checked"})
        links[(i, "Source")] = source_link(c["source_id"])
    columns = ["About", "What", "Value", "Source", "Words of the source", "Agrees with the resolved value"]
    return _table(rows, columns, links, [f"claim-{i}" for i in frame.index])


def events() -> Table:
    """Every event with the totals on its day (running totals, not the event's own size), and its number on the timeline.

    The chart numbers the days on which a total moved; an event on such a day carries that number.
    """
    frame = analysis.events()
    number = {d: str(n) for n, d in enumerate(analysis.moving_days(frame), start=1)}
    rows = [{"On the chart": number.get(pd.Timestamp(e["date"]), ""), "Date": _event_day(e["date"], e["precision"]), "Event": e["event"],
             "Equity to date, $m": millions(e["equity_usd"]), "Debt to date, $m": millions(e["debt_usd"]),
             **{f"GPUs, {_level(level)}": count(e[f"gpus_{level}"]) for level in analysis.LEVELS},
             **{f"MW, {_level(level)}": count(e[f"mw_{level}"]) for level in ("stated", "with_up_to")}}
            for _, e in frame.iterrows()]
    return _table(rows, ["On the chart", "Date", "Event", "Equity to date, $m", "Debt to date, $m",
                         *(f"GPUs, {_level(level)}" for level in analysis.LEVELS), *(f"MW, {_level(level)}" for level in ("stated", "with_up_to"))],
                  caption="Totals on each day, not the size of the day's event; empty: no figure (never zero).")


def _event_day(date, precision: str) -> str:
    """An event's date as precisely as it is known: a month's event, counted from the month's end, is 'Dec 2023'.

    Examples:
        >>> _event_day(pd.Timestamp("2023-12-31"), "month"), _event_day(pd.Timestamp("2025-09-25"), "day")
        ('Dec 2023', '25 Sep 2025')
    """
    if precision == "month":
        return f"{pd.Timestamp(date):%b %Y}"
    if precision == "year":
        return f"{pd.Timestamp(date):%Y}"
    return day(date)


def source_checks(source_id: str, as_of: AsOf = None) -> Table:
    """One source's claims beside the other sources, largest gap first."""
    frame = checks.source_checks(source_id, as_of)
    publishers = load_sources()["publisher"]
    rows, links = [], {}
    for i, (_, c) in enumerate(frame.iterrows()):
        gap = "" if pd.isna(c["gap"]) else (f"{c['gap']:+.0%}" if c["gap_unit"] == "%" else f"{c['gap']:.0f} day{'' if c['gap'] == 1 else 's'}")
        rows.append({"About": c["subject_name"], "What": _attribute(c["attribute"]),
                     "Claimed": _value(c["claimed_value"], c["claimed_qualifier"], c["attribute"]),
                     "Other source says": _value(c["compared_value"], None, c["attribute"]),
                     "Other source": publishers.get(c["compared_source_id"], "") if c["compared_source_id"] else c["compared_kind"],
                     "Kind": c["compared_kind"], "Agrees": yes_no(c["agrees"]), "Gap": gap})
        if c["compared_source_id"]:
            links[(i, "Other source")] = source_link(c["compared_source_id"])
    return _table(rows, ["About", "What", "Claimed", "Other source says", "Other source", "Kind", "Agrees", "Gap"], links)


def conflicts(as_of: AsOf = None) -> Table:
    """Every claim that disagrees with the resolved value, and why."""
    frame = checks.conflicts(as_of)
    publishers = load_sources()["publisher"]
    rows, links = [], {}
    for i, (_, c) in enumerate(frame.iterrows()):
        rows.append({"About": c["subject_name"], "What": _attribute(c["attribute"]),
                     "Claimed": _value(c["claimed_value"], c["claimed_qualifier"], c["attribute"]),
                     "By": publishers[c["source_id"]], "Resolved": _value(c["resolved_value"], None, c["attribute"]), "Why": c["reason"]})
        links[(i, "By")] = source_link(c["source_id"])
    return _table(rows, ["About", "What", "Claimed", "By", "Resolved", "Why"], links)


def plan_cost(as_of: AsOf = None) -> Table:
    """Planned GPUs by chip, with each chip's sourced price range and their cost; 'no sourced price' where none is known."""
    from nscale_data.totals.cost import plan_cost as costed

    rows = []
    for _, c in costed(as_of).iterrows():
        price = f"{count(c['price_low_usd'])} to {count(c['price_high_usd'])}" if c["priced"] else "no sourced price"
        rows.append({"Chip": c["name"], "GPUs stated": count(c["gpus_stated"]) or "no figure",
                     "GPUs with up to": count(c["gpus_with_up_to"]) or "no figure", "Price per GPU, $": price,
                     "Cost, stated, $m": _span(c["cost_low_stated"], c["cost_high_stated"]) or "no figure",
                     "Cost, with up to, $m": _span(c["cost_low_with_up_to"], c["cost_high_with_up_to"]) or "no figure"})
    return _table(rows, ["Chip", "GPUs stated", "GPUs with up to", "Price per GPU, $", "Cost, stated, $m", "Cost, with up to, $m"],
                  caption="Prices from chips.csv, each quoted from its source; a chip without one is never given a guessed price.")


def funding(cost_per_gpu_usd: tuple[float, float], as_of: AsOf = None) -> Table:
    """The plan's cost at each level, at sourced prices where they exist and at the assumed price, against the capital raised."""
    from nscale_data.totals.cost import funding as plan

    result = plan(as_of, assumed=cost_per_gpu_usd)
    rows = []
    for level in analysis.LEVELS:
        entry = result[level]
        if not entry["gpus"]:
            continue
        sourced = entry["sourced_cost"]
        rows.append({"Plan": LEVEL_NAMES[level], "GPUs": count(entry["gpus"]), "GPUs priced by sources": count(entry["priced_gpus"]),
                     "Cost at sourced prices, $m": _span(*sourced) if sourced else "no figure",
                     "Cost at the assumed price, $m": _span(*entry["assumed_cost"]),
                     "Times equity and debt": f"{entry['times_capital'][0]:.1f} to {entry['times_capital'][1]:.1f}"})
    caption = (f"Capital raised: {millions(result['capital_usd'])} $m ({millions(result['equity_usd'])} equity, "
               f"{millions(result['debt_usd'])} committed debt). The assumed price, ${cost_per_gpu_usd[0]:,.0f} to "
               f"${cost_per_gpu_usd[1]:,.0f} per GPU, is a parameter, not a sourced figure.")
    return _table(rows, ["Plan", "GPUs", "GPUs priced by sources", "Cost at sourced prices, $m", "Cost at the assumed price, $m",
                         "Times equity and debt"], caption=caption)


LEVEL_NAMES = {"stated": "stated", "with_targets": "with targets", "with_up_to": "with 'up to'"}


def _span(low, high) -> str:
    """'9,050 to 18,099' in $m, or '' where either end is missing."""
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return ""
    return f"{millions(low)} to {millions(high)}"


def contracts(as_of: AsOf = None) -> Table:
    """Customer contracts whose value a source states: revenue over years, never capital."""
    frame = load_deployments(as_of)
    frame = frame[frame["contract_value_usd"].notna()]
    rows = [{"Deployment": d["name"], "Customer": str(d["partners"]).split(";")[0], "Contract value, $m": millions(d["contract_value_usd"])}
            for _, d in frame.iterrows()]
    return _table(rows, ["Deployment", "Customer", "Contract value, $m"])


def _level(level: str) -> str:
    return level.replace("_", " ")


def _value(value, qualifier: str | None = None, attribute: str = "") -> str:
    """A claimed or resolved value as a reader expects it: money in $m, a year plain, a date in the one format.

    Examples:
        >>> _value(1.5e9, "at_least", "amount_usd"), _value(30_000, "approx", "price_low_usd"), _value(2024, None, "founded_year")
        ('$1,500m (at least)', '$30,000 (about)', '2024')
        >>> _value("2025-08", None, "announced_date")
        'August 2025'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    words = QUALIFIER_WORDS.get(qualifier or "exact", "")
    if isinstance(value, (int, float)) and attribute.endswith("_usd"):
        text = f"${float(value) / 1e6:,.0f}m" if abs(value) >= 1e6 else f"${value:,.0f}"  # a chip's price in dollars
        return f"{text} ({words})" if words else text
    if isinstance(value, (int, float)) and attribute.endswith("_year"):
        return f"{value:.0f}"
    if isinstance(value, (int, float)):
        return count(value, qualifier)
    if attribute == "announced_date" and value:
        precision = {4: "year", 7: "month"}.get(len(value), "day")
        return day(pd.Timestamp(value if precision == "day" else f"{value}-01"[:10] if precision == "month" else f"{value}-01-01"), precision)
    return str(value)


def _attribute(name: str) -> str:
    """A reader's name for an attribute: 'amount_usd' is 'amount (US$)'.

    Examples:
        >>> _attribute("power_mw"), _attribute("gpu_count")
        ('power (MW)', 'GPUs')
    """
    special = {"gpu_count": "GPUs", "programme_gpu_count": "programme GPUs", "announced_date": "date announced",
               "lead_investors": "led by", "founded_year": "year founded"}
    if name in special:
        return special[name]
    for suffix, unit in (("_usd", "US$"), ("_gbp", "£"), ("_mw", "MW"), ("_percent", "%")):
        if name.endswith(suffix):
            return f"{name[: -len(suffix)].replace('_', ' ')} ({unit})"
    return name.replace("_", " ")


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def peers(as_of: AsOf = None) -> Table:
    """Nscale beside its peers: capital, GPUs and MW at the stated and widest levels, capital per stated GPU with its ingredients."""
    from nscale_data.totals.comparison import peers as peer_table

    rows = []
    for _, p in peer_table(as_of).iterrows():
        floor = {kind: " (at least)" if p[f"{kind}_qualifier"] == "at_least" else "" for kind in ("equity", "debt")}
        precision = p["latest_source_precision"] if isinstance(p["latest_source_precision"], str) else "day"
        rows.append({
            "Company": p["name"],
            "Equity, $m": _or_none(millions(p["equity_usd"]), floor["equity"]),
            "Debt, $m": _or_none(millions(p["debt_usd"]), floor["debt"]),
            "Capital is": "; ".join(f"{kind}: {p[f'{kind}_basis']}" for kind in ("equity", "debt") if isinstance(p[f"{kind}_basis"], str)),
            "GPUs stated": _or_none(count(p["gpus_stated"])), "GPUs with up to": _or_none(count(p["gpus_with_up_to"])),
            "GPUs are": _basis(p, "gpus"),
            "MW stated": _or_none(count(p["mw_stated"])), "MW with up to": _or_none(count(p["mw_with_up_to"])),
            "MW are": _basis(p, "mw"),
            "Equity per stated GPU, $": _or_none(count(p["equity_per_gpu_stated"])),
            "Equity and debt per stated GPU, $": _or_none(count(p["capital_per_gpu_stated"])),
            "H100e stated": _or_none(count(p["h100e_stated"])),
            "Equity and debt per stated H100e, $": _or_none(count(p["capital_per_h100e_stated"])),
            "Latest source": day(p["latest_source"], precision) or "none",
        })
    columns = ["Company", "Equity, $m", "Debt, $m", "Capital is", "GPUs stated", "GPUs with up to", "GPUs are", "MW stated",
               "MW with up to", "MW are", "Equity per stated GPU, $", "Equity and debt per stated GPU, $", "H100e stated",
               "Equity and debt per stated H100e, $", "Latest source"]
    return _table(rows, columns, caption="'No figure': no source found by then states one (never zero). Per GPU only where "
                  "the GPUs are the whole company's; per H100-equivalent only where every GPU's chip is known. A peer's capital is its own "
                  "filing total where it states one, else a floor (the items found).")


def _basis(p: pd.Series, measure: str) -> str:
    """What the stated and widest figures are: one phrase if the same, else both."""
    stated, widest = p[f"{measure}_basis_stated"], p[f"{measure}_basis_with_up_to"]
    if not isinstance(widest, str):
        return ""
    if stated == widest or not isinstance(stated, str):
        return widest if stated == widest else f"with up to: {widest}"
    return f"stated: {stated}; with up to: {widest}"


def _or_none(text: str, suffix: str = "") -> str:
    return f"{text}{suffix}" if text else "no figure"


def companies() -> Table:
    """Nscale and its peers: listing, where the figures come from, and what was found but left out."""
    frame = load_companies()
    rows = [{"Company": c["name"], "Listing": c["listing"], "Figures from": c["figures_from"].replace("_", " "), "Note": c["note"]}
            for _, c in frame.iterrows()]
    return _table(rows, ["Company", "Listing", "Figures from", "Note"])


def delivery(as_of: AsOf = None) -> Table:
    """Every deployment's schedule and flag, with its status history and the sources behind each period and change."""
    from nscale_data.totals.analysis import status_words
    from nscale_data.totals.delivery import delivery as tracked

    publishers = load_sources()["publisher"]
    rows, links = [], {}
    for i, (deployment_id, r) in enumerate(tracked(as_of).iterrows()):
        others = [f"{p} ({publishers[s]})" for p, s, _ in r["expected_claims"] if p != r["expected_period"]]
        expected = r["expected_period"] or "no date"
        history = "; ".join(f"{status_words(s)} {day(pd.Timestamp(d), c)}" for d, s, _, _, c in r["history"])
        late = f", {r['months_late']} month{'s' if r['months_late'] != 1 else ''}" if pd.notna(r["months_late"]) else ""
        moved = f"{r['months_slipped']:+d} months from {r['first_expected']}" if pd.notna(r["months_slipped"]) and r["months_slipped"] else ""
        risks = "; ".join(f"\u201c{w}\u201d ({day(pd.Timestamp(d))})" for w, _, d in r["risks"])
        rows.append({"Deployment": r["name"], "Region": r["region"], "Flag": r["flag"] + late, "Expected": expected,
                     "Other sources say": "; ".join(others), "Schedule moved": moved, "Status history": history,
                     "At odds with the schedule": risks})
        links[(i, "Deployment")] = f"01-the-dataset.html#deployment-{deployment_id}"
    return _table(rows, ["Deployment", "Region", "Flag", "Expected", "Other sources say", "Schedule moved", "Status history",
                         "At odds with the schedule"], links,
                  caption="Late is measured against the latest source, never the review date. Expected: the period of the primary "
                          "source; other sources' periods beside it.")


def by_quarter(as_of: AsOf = None) -> Table:
    """Capital at each quarter's end against GPUs and megawatts expected online by then (``delivery.by_quarter``)."""
    from nscale_data.totals.delivery import by_quarter as quarters

    rows = []
    for quarter, q in quarters(as_of).iterrows():
        capital = "" if quarter == "no date" else (
            "unknown" if pd.isna(q["equity_usd"]) and pd.isna(q["debt_usd"]) else money(analysis.known_sum(q["equity_usd"], q["debt_usd"])))
        rows.append({"Quarter": quarter, "Capital raised": capital, "GPUs, stated": count(q["gpus_stated"]),
                     "GPUs, with targets": count(q["gpus_with_targets"]), "H100e, stated": count(round(q["h100e_stated"])),
                     "MW, stated": count(q["mw_stated"]),
                     "MW, with targets": count(q["mw_with_targets"]), "Live, MW": count(q["mw_live"])})
    return _table(rows, ["Quarter", "Capital raised", "GPUs, stated", "GPUs, with targets", "H100e, stated", "MW, stated",
                         "MW, with targets", "Live, MW"],
                  caption="Capital at each quarter's end (unknown after the latest source); capacity expected online by the "
                          "quarter's end, cumulated; 'no date': capacity no source gives a period for. H100e: GPUs of a chip with "
                          "a sourced rate, in H100-equivalents.")
