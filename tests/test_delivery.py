"""The delivery tracker's first cut: expected periods side by side, and flags judged at the latest source."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from nscale_data import latest_source_date, load_claims, load_deployments, load_sources
from nscale_data.delivery import delivery, period_bounds

DATES = ["2025-10-03", "2026-03-09", "2026-04-30", "2026-12-06"]


@pytest.mark.parametrize("period, first, last", [("2026", "2026-01-01", "2026-12-31"), ("2026-H2", "2026-07-01", "2026-12-31"),
                                                 ("2026-Q1", "2026-01-01", "2026-03-31"), ("2026-02", "2026-02-01", "2026-02-28")])
def test_a_period_spans_its_days(period, first, last):
    assert period_bounds(period) == (pd.Timestamp(first), pd.Timestamp(last))


@pytest.mark.parametrize("period", ["2026-Q5", "2026-13", "Q1 2026", "soon", ""])
def test_a_period_that_is_not_one_is_refused(period):
    with pytest.raises(ValueError, match="not a year|no month"):
        period_bounds(period)


@pytest.mark.parametrize("as_of", DATES)
def test_each_flag_follows_from_the_tables_at_the_latest_source(as_of):
    table, rows = delivery(as_of), load_deployments(as_of)
    latest = latest_source_date(as_of)
    assert list(table.index) == list(rows.index)
    for deployment_id, row in rows.iterrows():
        got = table.loc[deployment_id]
        period = row["expected_period"] if pd.notna(row["expected_period"]) else None
        ended = period is not None and period_bounds(period)[1] < latest
        if row["status"] == "operating":
            assert got["flag"] == "live"
        elif pd.notna(row["superseded_by"]):
            assert got["flag"] == "superseded"
        elif row["status"] in ("paused", "withdrawn"):
            assert got["flag"] == row["status"]
        else:
            assert (got["flag"] == "overdue") == ended, deployment_id
            if not ended:
                assert (got["flag"] == "at risk") == bool(got["risks"]), deployment_id
        if got["flag"] == "overdue":
            end = period_bounds(period)[1]
            assert end + pd.DateOffset(months=int(got["months_late"])) <= latest < end + pd.DateOffset(months=int(got["months_late"]) + 1)
        else:
            assert pd.isna(got["months_late"])


def test_months_after_the_latest_source_are_unknown_not_late():
    """Texas was due in 2026-Q3, which ended before the review date but after the latest source: not late."""
    table, review = delivery(), pd.Timestamp("2026-12-06")
    texas_end = period_bounds(table.loc["texas-microsoft", "expected_period"])[1]
    assert latest_source_date() < texas_end < review
    assert table.loc["texas-microsoft", "flag"] == "scheduled"


def test_sines_turns_overdue_only_once_a_source_is_dated_after_its_quarter():
    before, now = delivery("2026-03-09"), delivery()
    assert before.loc["sines-microsoft", "flag"] == "scheduled"
    assert now.loc["sines-microsoft", "flag"] == "overdue" and now.loc["sines-microsoft", "months_late"] >= 1


def test_disagreeing_periods_are_kept_side_by_side():
    claims = load_claims()
    said = claims[claims["attribute"] == "expected_period"].groupby("subject_id")["value_text"].agg(set)
    table = delivery()
    for subject, periods in said.items():
        if subject in table.index:
            assert {p for p, _, _ in table.loc[subject, "expected_claims"]} == periods
    assert {p for p, _, _ in table.loc["texas-microsoft", "expected_claims"]} == {"2026-Q3", "2027-Q3"}


def test_a_source_saying_it_runs_clears_the_overdue_flag(data):
    assert delivery(directory=data.directory).loc["sines-microsoft", "flag"] == "overdue"
    data.set_cell("deployments.csv", "sines-microsoft", "status", "operating")
    data.set_cell("deployments.csv", "sines-microsoft", "status_date", "2026-05-12")
    data.set_cell("deployments.csv", "sines-microsoft", "status_source_id", "benzinga-2025-10-15")
    table = delivery(directory=data.directory)
    assert table.loc["sines-microsoft", "flag"] == "live" and pd.isna(table.loc["sines-microsoft", "months_late"])


def test_a_row_no_source_mentions_for_a_year_is_stale():
    table = delivery(stale_after_months=1)  # a month: rows last mentioned before 12 April 2026
    latest = latest_source_date()
    stale = table[table["flag"] == "stale"]
    assert len(stale)
    assert (stale["last_mentioned"] < latest - pd.DateOffset(months=1)).all()
    assert (delivery().loc[stale.index, "flag"] != "stale").all()  # with the documented 12 months, none is yet


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nscale_data", *args], capture_output=True, text=True, timeout=120)


def test_the_command_prints_the_library_table_in_80_columns_and_as_json():
    text, raw = _run("delivery"), _run("delivery", "--json")
    assert text.returncode == 0 and raw.returncode == 0
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    records = {r["deployment_id"]: r for r in json.loads(raw.stdout)}
    table = delivery()
    assert set(records) == set(table.index)
    for deployment_id, row in table.iterrows():
        record = records[deployment_id]
        assert record["flag"] == row["flag"] and record["months_late"] == (None if pd.isna(row["months_late"]) else row["months_late"])
        assert [(c["period"], c["source_id"], c["published"]) for c in record["expected_claims"]] == row["expected_claims"]
    assert records["global-roadmap"]["expected_period"] is None
    assert _run("delivery", "--as-of", "2030-01-01").returncode == 2


def test_a_fact_at_odds_with_the_schedule_flags_the_row_from_its_publication():
    """Loughton's site was reported still in use as a depot (9 March 2026): at risk from then, not before."""
    claims = load_claims()
    reported = claims[claims["attribute"] == "site_condition"]
    assert "loughton" in set(reported["subject_id"])
    source = reported.loc[reported["subject_id"] == "loughton", "source_id"].iloc[0]
    published = load_sources().loc[source, "published_date"]
    before, after = delivery((published - pd.Timedelta(days=1)).strftime("%Y-%m-%d")), delivery()
    assert before.loc["loughton", "flag"] == "scheduled" and before.loc["loughton", "risks"] == []
    assert after.loc["loughton", "flag"] == "at risk"
    assert [w for w, _, _ in after.loc["loughton", "risks"]] == list(reported.loc[reported["subject_id"] == "loughton", "value_text"])


@pytest.mark.parametrize("text", ["next year", "2026-Q5", "2026-13", "Q3 2026"])
def test_validate_refuses_an_expected_period_that_is_not_one(data, text):
    from nscale_data import validate
    from nscale_data.rules import EXPECTED_PERIOD

    line = data.set_cell("claims.csv", "benzinga-texas-start", "value_text", text)
    problems = [str(p) for p in validate(data.directory)]
    assert any(p.startswith(f"claims.csv:{line}: value_text: ") and "is not a period" in p for p in problems), problems
    assert not EXPECTED_PERIOD.fullmatch(text)
    with pytest.raises(ValueError):
        period_bounds(text)  # the tracker reads no form validate refuses


@pytest.mark.parametrize("as_of", DATES)
@pytest.mark.parametrize("measure", ["gpus", "mw"])
def test_capacity_online_adds_up_to_each_regions_total(as_of, measure):
    from nscale_data import gpus_by_region
    from nscale_data.analysis import LEVELS, mw_by_region
    from nscale_data.delivery import capacity_online

    table = capacity_online(as_of, measure=measure)
    totals = (gpus_by_region if measure == "gpus" else mw_by_region)(as_of)
    for region in totals.index:
        for level in LEVELS:
            expected = totals.at[region, level]
            got = table.loc[region, level].sum() if region in table.index.get_level_values("region") else 0
            assert got == (0 if pd.isna(expected) else float(expected)), (region, level)
    for region, lines in table.groupby(level="region"):
        dated = lines.drop(index="no date", level="quarter", errors="ignore")
        quarters = list(dated.index.get_level_values("quarter"))
        assert quarters == sorted(quarters)
        for level in LEVELS:
            assert dated[f"{level}_to_date"].tolist() == dated[level].cumsum().tolist()


def test_capacity_online_puts_each_row_in_the_quarter_its_period_ends():
    from nscale_data.delivery import capacity_online

    table = capacity_online(measure="mw")
    rows = load_deployments()
    texas = rows.loc["texas-microsoft"]
    assert table.loc[("North America", "2026-Q3"), "stated"] == float(texas["power_mw"])  # 2026-Q3, from its row
    glomfjord = rows.loc["glomfjord"]
    assert table.loc[("Europe", "no date"), "live"] == float(glomfjord["power_mw"])  # operating, no expected period
