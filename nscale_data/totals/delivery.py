"""When the capacity arrives: each deployment's expected periods, status and flag, as the public record stood on a date.

Lateness is measured against the latest source, never against the review
date: months after the latest source are unknown, not late. A row is
*overdue* when its expected period ended before the latest source and no
source says it runs; *at risk* when a source reports a fact at odds with the
schedule (a ``site_condition`` claim: Loughton's site "still in use as a
depot"); *stale* when no source has mentioned it for
``STALE_AFTER_MONTHS`` months before the latest source.

    >>> table = delivery("2026-12-06")
    >>> sines = table.loc["sines-microsoft"]
    >>> sines["expected_period"], sines["flag"], int(sines["months_late"])  # due by 31 Mar; the latest source is of 12 May
    ('2026-Q1', 'overdue', 1)
    >>> table.loc["loughton-2025-plan", "flag"]  # the plan a later announcement replaced
    'superseded'
"""

from __future__ import annotations

import re

import pandas as pd

from nscale_data.totals.analysis import LEVELS, capital_raised, debt_raised, h100_ratios, reconcile, regions
from nscale_data.package.dataset import (AsOf, Directory, latest_source_date, load_claims, load_debt_facilities, load_deployments,
                                         load_funding_rounds, load_status_changes, sources_published)

STALE_AFTER_MONTHS = 12
LIVE = ("energised", "operating", "delivered")  # a source says some of the capacity runs
STOPPED = ("paused", "withdrawn", "cancelled")
AT_ODDS = "site_condition"  # a claim's attribute for a reported fact that contradicts the schedule
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|\d{2}))?$")


def period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first and last day of an expected period: a year, a half, a quarter or a month.

    Examples:
        >>> [d.strftime("%Y-%m-%d") for d in period_bounds("2026-Q3")]
        ['2026-07-01', '2026-09-30']
        >>> [d.strftime("%Y-%m-%d") for d in period_bounds("2027")]
        ['2027-01-01', '2027-12-31']
    """
    match = _PERIOD.match(str(period))
    if not match:
        raise ValueError(f"{period!r}: not a year, half, quarter or month (2026, 2026-H2, 2026-Q3, 2026-07)")
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        first, months = 1, 12
    elif part[0] == "Q":
        first, months = 3 * int(part[1]) - 2, 3
    elif part[0] == "H":
        first, months = 6 * int(part[1]) - 5, 6
    else:
        first, months = int(part), 1
        if not 1 <= first <= 12:
            raise ValueError(f"{period!r}: there is no month {first}")
    start = pd.Timestamp(year=year, month=first, day=1)
    return start, start + pd.offsets.MonthEnd(months)


def delivery(as_of: AsOf = None, directory: Directory = None, stale_after_months: int = STALE_AFTER_MONTHS) -> pd.DataFrame:
    """Every deployment announced by ``as_of`` with its status history, schedule and a flag, one row each.

    Columns: ``name``, ``region``; ``status`` and ``status_date`` (the latest
    entry of ``history``: ``[(date, status, source_id, published, precision), ...]``, from
    the announcement on, each change counted from its source's publication);
    ``expected_period`` (the row's, resolved towards the primary source) and
    ``expected_claims`` (every dated claim of a period, ``[(period, source_id,
    published), ...]``, disagreements side by side); ``first_expected`` (the
    period of the earliest such claim) and ``months_slipped`` (whole months from
    its end to the end of ``expected_period``: negative if brought forward,
    ``<NA>`` without a claim); ``last_mentioned`` (the latest publication of a
    source about the row); ``flag``: ``live``, ``paused``, ``withdrawn``,
    ``cancelled``, ``superseded``, ``overdue``, ``at risk``, ``stale``,
    ``scheduled`` or ``no date``; ``months_late`` (whole months from the end of
    the expected period to the latest source, overdue rows only); ``risks`` (the
    facts at odds with the schedule, ``[(words, source_id, published), ...]``).
    """
    latest = latest_source_date(as_of, directory)
    deployments = load_deployments(as_of, directory)
    claims = load_claims(as_of, directory)
    published = sources_published(directory)
    changes = load_status_changes(as_of, directory)
    mentions: dict[str, pd.Timestamp] = {}
    for subject, source in zip(claims["subject_id"], claims["source_id"]):
        for part in str(subject).split("+"):
            day = published.get(source)
            if day is not None and (part not in mentions or day > mentions[part]):
                mentions[part] = day
    schedule, at_odds = _said(claims, "expected_period", published), _said(claims, AT_ODDS, published)
    rows = []
    for deployment_id, row in deployments.iterrows():
        history = _history(row, changes[changes["deployment_id"] == deployment_id], published)
        own = [published.get(s) for s in (row["source_id"], row["status_source_id"]) if pd.notna(s) and s in published]
        last = max([d for d in (*own, mentions.get(deployment_id)) if d is not None and pd.notna(d)], default=None)
        claimed = sorted(schedule.get(deployment_id, []), key=lambda c: c[2])
        risks = at_odds.get(deployment_id, [])
        period = _resolved(row["expected_period"], claimed)
        first = claimed[0][0] if claimed else None
        slipped = _month_count(period_bounds(period)[1]) - _month_count(period_bounds(first)[1]) if first and period else None
        status, since = history[-1][1], pd.Timestamp(history[-1][0])
        flag, late = _flag(status, pd.notna(row["superseded_by"]), period, bool(risks), last, latest, stale_after_months)
        rows.append({"deployment_id": deployment_id, "name": row["short_name"], "region": row["region"], "status": status,
                     "status_date": since, "history": history, "expected_period": period, "expected_claims": claimed,
                     "first_expected": first, "months_slipped": slipped, "last_mentioned": last, "flag": flag,
                     "months_late": late, "risks": risks})
    columns = ["deployment_id", "name", "region", "status", "status_date", "history", "expected_period", "expected_claims",
               "first_expected", "months_slipped", "last_mentioned", "flag", "months_late", "risks"]
    table = pd.DataFrame(rows, columns=columns).set_index("deployment_id")
    for column in ("months_slipped", "months_late"):
        table[column] = table[column].astype("Int64")
    return table


def _resolved(period: object, claimed: list[tuple[str, str, str]]) -> str | None:
    """A row's expected period as the record stood: the resolved one once a source has published it, else the latest
    period published by then, else None (no source had given one yet).

        >>> _resolved("2027-Q1", [("2026-Q4", "computerweekly", "2026-03-09")])
        '2026-Q4'
        >>> _resolved("2027-Q1", []) is None
        True
    """
    said = [p for p, _, _ in claimed]
    if pd.notna(period) and period in said:
        return str(period)
    return said[-1] if said else None


def expected_periods(as_of: AsOf = None, directory: Directory = None) -> dict[str, str | None]:
    """Each deployment's expected period as the record stood on ``as_of`` (see ``delivery``)."""
    said = _said(load_claims(as_of, directory), "expected_period", sources_published(directory))
    return {i: _resolved(p, sorted(said.get(i, []), key=lambda c: c[2]))
            for i, p in load_deployments(as_of, directory)["expected_period"].items()}


def _said(claims: pd.DataFrame, attribute: str, published: pd.Series) -> dict[str, list[tuple[str, str, str]]]:
    """The claims of one attribute in words, by subject, in the file's order: ``[(words, source_id, published), ...]``."""
    said = claims[claims["attribute"] == attribute]
    by_row: dict[str, list[tuple[str, str, str]]] = {}
    for subject, text, source in zip(said["subject_id"], said["value_text"], said["source_id"]):
        by_row.setdefault(str(subject), []).append((str(text), source, published[source].strftime("%Y-%m-%d")))
    return by_row


def _history(row: pd.Series, changes: pd.DataFrame, published: pd.Series) -> list[tuple[str, str, str, str, str]]:
    """A row's statuses in order, ``(date, status, source_id, published, precision)``: its announcement, then each change.

    A letter of intent dated on the announcement is how the row starts, not a change after it.
    """
    day = row["announced_date"].strftime("%Y-%m-%d")
    start = (day, "announced", row["source_id"], published[row["source_id"]].strftime("%Y-%m-%d"), str(row["announced_date_precision"]))
    history = [start]
    for date, status, source, known, precision in zip(changes["date"], changes["status"], changes["source_id"], changes["published"],
                                                      changes["date_precision"]):
        entry = (date.strftime("%Y-%m-%d"), str(status), source, known.strftime("%Y-%m-%d"), str(precision))
        if status == "letter_of_intent" and date <= row["announced_date"]:
            history[0] = entry
        else:
            history.append(entry)
    return history


def _month_count(day: pd.Timestamp) -> int:
    """Months since year 0, to count the months between two periods' ends."""
    return day.year * 12 + day.month - 1


def _months_after(end: pd.Timestamp, later: pd.Timestamp) -> int:
    """Whole months from ``end`` to ``later``."""
    return _month_count(later) - _month_count(end) - (later.day < end.day and not later.is_month_end)


def _flag(status: str, superseded: bool, period: str | None, at_odds: bool, last: pd.Timestamp | None,
          latest: pd.Timestamp | None, stale_after_months: int) -> tuple[str, int | None]:
    """A row's flag and months late, judged at the latest source; the first that applies, in the order of the checks."""
    if superseded:
        return "superseded", None
    if status in LIVE:
        return "live", None
    if status in STOPPED:
        return status, None
    if latest is not None and period is not None:
        end = period_bounds(period)[1]
        if end < latest:
            return "overdue", _months_after(end, latest)
    if at_odds:
        return "at risk", None
    if latest is not None and last is not None and last < latest - pd.DateOffset(months=stale_after_months):
        return "stale", None
    return ("scheduled" if period is not None else "no date"), None


def quarter_of(period: str | None) -> str:
    """The quarter an expected period ends in ('2026-Q4' for 2026), or 'no date'."""
    if period is None:
        return "no date"
    end = period_bounds(period)[1]
    return f"{end.year}-Q{(end.month - 1) // 3 + 1}"


def capacity_online(as_of: AsOf = None, directory: Directory = None, measure: str = "gpus") -> pd.DataFrame:
    """Capacity expected online by the quarter its expected period ends, per region and certainty level, cumulated.

    Each row adds what it adds to its region's total (``reconcile``), so a
    region's quarters and its ``no date`` line sum to the region's total: no
    overlap is counted twice. ``live`` is the part a source says already
    runs. A row with no expected period is counted under ``no date``, never
    given a guessed quarter. ``measure``: ``"gpus"``, ``"mw"``, or ``"h100e"``
    (each row's GPUs times its chip's ratio to the H100 SXM; GPUs of a chip
    with no sourced rate, or none named, are left out, as in every H100e total).

    Examples:
        >>> table = capacity_online(measure="mw")
        >>> from nscale_data.totals.analysis import mw_by_region
        >>> float(table.loc["Europe", "stated"].sum()) == float(mw_by_region().at["Europe", "stated"])
        True
    """
    rows = load_deployments(as_of, directory)
    quarters = {i: quarter_of(p) for i, p in expected_periods(as_of, directory).items()}
    live = set(rows.index[rows["status"] == "operating"])  # energised and delivered rows count as operating
    ratio = rows["gpu_model"].astype(object).map(h100_ratios(directory)).fillna(0.0) if measure == "h100e" else None
    frames = []
    for region in regions(directory):
        for level in LEVELS:
            adds = reconcile(region, level, "gpus" if measure == "h100e" else measure, as_of, directory)["contributes"]
            adds = adds.astype("Float64").fillna(0)
            if ratio is not None:
                adds = adds * ratio.reindex(adds.index).fillna(0.0)
            for deployment_id, value in adds.items():
                frames.append((region, quarters.get(deployment_id, "no date"), level, float(value),
                               float(value) if deployment_id in live else 0.0))
    table = pd.DataFrame(frames, columns=["region", "quarter", "level", "expected", "live"])
    table = table.groupby(["region", "quarter", "level"], sort=True)[["expected", "live"]].sum().unstack("level")
    wide = pd.DataFrame({level: table[("expected", level)] for level in LEVELS})
    wide["live"] = table[("live", "stated")]
    wide = wide[(wide != 0).any(axis=1)]  # a quarter whose rows add nothing (superseded, paused) is not a line
    dated = wide.index.get_level_values("quarter") != "no date"
    for level in LEVELS:
        wide[f"{level}_to_date"] = wide[level].where(dated).groupby(level="region").cumsum()
    return wide


def by_quarter(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Capital raised against capacity expected online, quarter by quarter, for the whole company.

    One row per quarter, from the first in which capital or capacity arrives to
    the last in which capacity is expected, then ``no date``. ``equity_usd`` and
    ``debt_usd``: the capital the public record showed at the quarter's end (at
    the latest source, for its quarter), ``<NA>`` for quarters after the latest
    source: unknown, not zero. ``gpus_<level>``, ``h100e_<level>`` and ``mw_<level>``: capacity
    expected online by the quarter's end, cumulated over every region, as the
    sources said by ``as_of`` (``capacity_online``); ``gpus_live`` and
    ``mw_live``: the part a source says runs. On the ``no date`` row, the
    capacity no source gives a period for, not cumulated.

    Examples:
        >>> table = by_quarter()
        >>> int(table.loc["2026-Q3", "gpus_stated"])  # Sines (2026-Q1) and Texas (2026-Q3)
        116600
    """
    latest = latest_source_date(as_of, directory)
    online = {measure: capacity_online(as_of, directory, measure).groupby(level="quarter").sum()
              for measure in ("gpus", "h100e", "mw")}
    dated = sorted({q for table in online.values() for q in table.index if q != "no date"})
    first_capital = _first_capital_quarter(as_of, directory)
    if first_capital is not None:
        dated = sorted(set(dated) | {first_capital})
    quarters = [f"{q.year}-Q{q.quarter}" for q in pd.period_range(dated[0], dated[-1], freq="Q")] if dated else []
    rows = []
    for quarter in quarters:
        start, end = period_bounds(quarter)
        known = latest is not None and start <= latest
        day = min(end, latest) if known else None
        rows.append({"quarter": quarter, "equity_usd": capital_raised(day, directory) if known else None,
                     "debt_usd": debt_raised(day, directory) if known else None})
    rows.append({"quarter": "no date", "equity_usd": None, "debt_usd": None})
    table = pd.DataFrame(rows).set_index("quarter")
    for measure, online_table in online.items():
        for column in (*LEVELS, "live"):
            adds = online_table[column].reindex(table.index, fill_value=0.0)
            dated_rows = table.index != "no date"
            table[f"{measure}_{column}"] = adds.where(~dated_rows, adds.where(dated_rows).cumsum())
    for column in ("equity_usd", "debt_usd"):
        table[column] = table[column].astype("Int64")
    return table


def _first_capital_quarter(as_of: AsOf, directory: Directory) -> str | None:
    """The first quarter at whose end (or at the latest source, for its quarter) the record shows capital raised, or None.

    Capital, once shown, stays shown: the quarters are tried from the one of the first announced round or facility on.
    """
    latest = latest_source_date(as_of, directory)
    announced = pd.concat([load_funding_rounds(as_of, directory)["announced_date"],
                           load_debt_facilities(as_of, directory)["announced_date"]])
    if latest is None or announced.empty:
        return None
    for period in pd.period_range(announced.min(), latest, freq="Q"):
        quarter = f"{period.year}-Q{period.quarter}"
        day = min(period_bounds(quarter)[1], latest)
        if capital_raised(day, directory) is not None or debt_raised(day, directory) is not None:
            return quarter
    return None
