"""A figure counts from the day a source published it: checked at every date on which something changes.

The expectations are read from the CSV files with the standard library, not through the package, so
that a mistake in the loaders cannot hide itself.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt

import pandas as pd
import pytest

from nscale_data import (
    capacity_totals,
    capital_raised,
    dataset_as_of,
    debt_raised,
    load_debt_facilities,
    load_deployments,
    load_funding_rounds,
)
from nscale_data.package.schema import PACKAGED_DATA

FIGURES = {"funding_rounds": ("round_id", ["amount_usd", "valuation_usd"]),
           "debt_facilities": ("facility_id", ["amount_usd", "accordion_usd"]),
           "deployments": ("deployment_id", ["gpu_count", "power_mw", "contract_value_usd"])}
LOADERS = {"funding_rounds": load_funding_rounds, "debt_facilities": load_debt_facilities, "deployments": load_deployments}


def _rows(name: str) -> list[dict]:
    with open(PACKAGED_DATA / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _end(date: str, precision: str) -> dt.date:
    day = dt.date.fromisoformat(date)
    if precision == "year":
        return dt.date(day.year, 12, 31)
    if precision == "month":
        return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


REVIEWED = dataset_as_of().date()
PUBLISHED = {s["source_id"]: min(_end(s["published_date"], s["published_date_precision"]), REVIEWED) for s in _rows("sources")}
CLAIMS = _rows("claims")


def _first_published(subject: str, attribute: str, value: str) -> dt.date | None:
    """The earliest publication of a source whose claim states this figure of this row."""
    dates = [PUBLISHED[c["source_id"]] for c in CLAIMS
             if c["subject_id"] == subject and c["attribute"] == attribute and c["value"] and float(c["value"]) == float(value)]
    return min(dates, default=None)


def _announced(row: dict) -> dt.date:
    return min(_end(row["announced_date"], row["announced_date_precision"]), REVIEWED)


def _change_days() -> list[dt.date]:
    """Every day on which a row, a figure or a status became public, and the day before each."""
    days = set(PUBLISHED.values())
    for name in FIGURES:
        days |= {_announced(row) for row in _rows(name)}
    days |= {dt.date.fromisoformat(r["status_date"]) for r in _rows("deployments") if r["status_date"]}
    days |= {d - dt.timedelta(days=1) for d in list(days)}
    return sorted(d for d in days if dt.date(2000, 1, 1) <= d <= REVIEWED)


DAYS = _change_days()


@pytest.mark.parametrize("name", list(FIGURES))
def test_no_figure_is_shown_before_a_source_published_it_and_each_shows_from_then(name):
    key, columns = FIGURES[name]
    rows = _rows(name)
    firsts = {(row[key], column): _first_published(row[key], column, row[column]) for row in rows for column in columns if row[column]}
    assert all(firsts.values()), "every figure in the tables is stated by a claim"
    late = [k for k, first in firsts.items() if first > _announced(next(r for r in rows if r[key] == k[0]))]
    assert late, "the data holds figures published after their row was announced (Narvik GB300's count)"
    for day in DAYS:
        shown = LOADERS[name](day.isoformat())
        for (row_id, column), first in firsts.items():
            if row_id not in shown.index:
                continue
            value = shown.at[row_id, column]
            assert pd.isna(value) == (first > day), f"{name} {row_id} {column} on {day}: first published {first}"


def test_equity_and_debt_at_every_change_are_the_published_amounts():
    rounds, facilities = _rows("funding_rounds"), _rows("debt_facilities")
    for day in DAYS:
        known = {r["round_id"]: r for r in rounds if _announced(r) <= day}
        equity = [int(r["amount_usd"]) for r in known.values()
                  if r["included_in"] not in known and _first_published(r["round_id"], "amount_usd", r["amount_usd"]) <= day]
        debt = [int(f["amount_usd"]) for f in facilities
                if _announced(f) <= day and _first_published(f["facility_id"], "amount_usd", f["amount_usd"]) <= day]
        equity, debt = (sum(amounts) if amounts else None for amounts in (equity, debt))  # nothing published: no figure
        assert (capital_raised(day.isoformat()), debt_raised(day.isoformat())) == (equity, debt), day


def test_no_counted_capacity_figure_has_its_earliest_source_after_the_day():
    rows = {r["deployment_id"]: r for r in _rows("deployments")}
    for day in DAYS:
        totals = capacity_totals(day.isoformat())
        for row_id, row in totals.iterrows():
            for figure, measure in (("gpu_count", "gpus"), ("power_mw", "mw")):
                counted = pd.notna(row[f"{measure}_with_up_to"]) and row["counted"] in ("region", "worldwide")
                own = rows[row_id][figure]
                if counted and own and pd.notna(row[figure]):
                    assert _first_published(row_id, figure, own) <= day, f"{row_id} {figure} counted on {day}"


def test_the_narvik_count_waits_for_its_first_publication():
    first = _first_published("narvik-microsoft-gb300", "gpu_count", "52000")
    signed = _announced(next(r for r in _rows("deployments") if r["deployment_id"] == "narvik-microsoft-gb300"))
    assert signed < first
    before, after = (first - dt.timedelta(days=1)).isoformat(), first.isoformat()
    assert pd.isna(load_deployments(before).at["narvik-microsoft-gb300", "gpu_count"])
    assert load_deployments(after).at["narvik-microsoft-gb300", "gpu_count"] == 52_000
