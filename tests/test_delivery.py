"""The delivery tracker: status histories, expected periods side by side, and flags judged at the latest source."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pandas as pd
import pytest

from nscale_data import latest_source_date, load_claims, load_deployments, load_sources, validate
from nscale_data.package.dataset import load_status_changes
from nscale_data.totals.delivery import delivery, period_bounds
from nscale_data.package.rules import COUNTS_AS
from nscale_data.package.schema import PACKAGED_DATA

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


def _csv(name: str) -> list[dict]:
    with open(PACKAGED_DATA / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_each_history_is_the_announcement_then_the_changes_in_the_file():
    changes, claims = _csv("status_changes.csv"), {c["claim_id"]: c for c in _csv("claims.csv")}
    assert changes, "the history holds the recorded changes"
    table = delivery()
    for row in _csv("deployments.csv"):
        own = sorted((c for c in changes if c["deployment_id"] == row["deployment_id"]), key=lambda c: c["date"])
        later = [(c["date"], c["status"], claims[c["claim_id"]]["source_id"]) for c in own
                 if not (c["status"] == "letter_of_intent" and c["date"] <= row["announced_date"])]
        history = table.loc[row["deployment_id"], "history"]
        assert [h[:3] for h in history[1:]] == later, row["deployment_id"]
        assert history[0][1] == ("letter_of_intent" if len(own) > len(later) else "announced")
        assert table.loc[row["deployment_id"], "status"] == history[-1][1]


@pytest.mark.parametrize("change_id", [c["change_id"] for c in _csv("status_changes.csv") if COUNTS_AS[c["status"]]])
def test_a_status_counts_from_the_day_its_source_is_published(change_id):
    change = load_status_changes().loc[change_id]
    day = change["published"]
    rows = load_deployments(day)
    assert rows.loc[change["deployment_id"], "status"] == COUNTS_AS[change["status"]]
    before = load_deployments(day - pd.Timedelta(days=1))  # the row is not there yet, or counts otherwise
    assert change["deployment_id"] not in before.index or before.loc[change["deployment_id"], "status"] != COUNTS_AS[change["status"]]


def _runs(data, row_id: str, source: str, day: str) -> None:
    """On a copy of the data, a source saying the row runs, recorded as a change with its claim."""
    data.append("claims.csv", {"claim_id": f"test-{row_id}-runs", "subject_id": row_id, "attribute": "status", "value_text": "operating",
                               "qualifier": "exact", "source_id": source, "evidence": "is now live"})
    data.append("status_changes.csv", {"change_id": f"test-{row_id}-operating", "deployment_id": row_id, "status": "operating",
                                       "date": day, "date_precision": "day", "claim_id": f"test-{row_id}-runs"})
    data.set_cell("deployments.csv", row_id, "status", "operating")
    data.set_cell("deployments.csv", row_id, "status_date", day)
    data.set_cell("deployments.csv", row_id, "status_source_id", source)


def test_a_source_saying_it_runs_clears_the_overdue_flag(data):
    assert delivery(directory=data.directory).loc["sines-microsoft", "flag"] == "overdue"
    _runs(data, "sines-microsoft", "reuters-gbaf-2026-04-23", "2026-04-23")
    assert validate(data.directory) == []
    table = delivery(directory=data.directory)
    assert table.loc["sines-microsoft", "flag"] == "live" and pd.isna(table.loc["sines-microsoft", "months_late"])
    assert table.loc["sines-microsoft", "history"][-1] == ("2026-04-23", "operating", "reuters-gbaf-2026-04-23", "2026-04-23", "day")
    assert delivery("2026-04-22", data.directory).loc["sines-microsoft", "flag"] == "overdue"  # before its source, still late


def test_a_later_period_from_the_primary_source_shows_how_far_the_schedule_slipped(data):
    table = delivery()
    assert table.loc["sines-microsoft", "first_expected"] == "2026-Q1" and table.loc["sines-microsoft", "months_slipped"] == 0
    data.append("claims.csv", {"claim_id": "test-sines-later", "subject_id": "sines-microsoft", "attribute": "expected_period",
                               "value_text": "2026-Q3", "qualifier": "exact", "source_id": "reuters-gbaf-2026-04-23", "evidence": "Q3 2026"})
    data.set_cell("deployments.csv", "sines-microsoft", "expected_period", "2026-Q3")
    moved = delivery(directory=data.directory).loc["sines-microsoft"]
    assert (moved["first_expected"], moved["expected_period"], moved["months_slipped"], moved["flag"]) == ("2026-Q1", "2026-Q3", 6, "scheduled")
    before = delivery("2026-04-22", data.directory).loc["sines-microsoft"]  # the day before a source said Q3: still Q1, late
    assert (before["expected_period"], before["months_slipped"], before["flag"]) == ("2026-Q1", 0, "overdue")
    text = _run("delivery", "--data", str(data.directory)).stdout
    assert "Schedule, Sines: first expected 2026-Q1, now 2026-Q3 (+6 months)." in " ".join(text.split())


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
    from nscale_data.package.rules import EXPECTED_PERIOD

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
    from nscale_data.totals.analysis import LEVELS, mw_by_region
    from nscale_data.totals.delivery import capacity_online

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
    from nscale_data.totals.delivery import capacity_online

    table = capacity_online(measure="mw")
    rows = load_deployments()
    texas = rows.loc["texas-microsoft"]
    assert table.loc[("North America", "2026-Q3"), "stated"] == float(texas["power_mw"])  # 2026-Q3, from its row
    glomfjord = rows.loc["glomfjord"]
    assert table.loc[("Europe", "no date"), "live"] == float(glomfjord["power_mw"])  # operating, no expected period


@pytest.mark.parametrize("change, column, expected", [
    ({"date": "2025-01-01"}, "date", "is before sines-microsoft's announcement"),
    ({"status": "finished"}, "status", "is not an allowed value"),
    ({"claim_id": "digitallook-stargate-uk-status"}, "claim_id", "is a claim about 'stargate-uk', not sines-microsoft"),
    ({"claim_id": "benzinga-sines-gpus"}, "claim_id", "states gpu_count 12600, not status 'under_construction'"),
])
def test_validate_refuses_a_bad_status_change(data, change, column, expected):
    data.append("claims.csv", {"claim_id": "test-sines-building", "subject_id": "sines-microsoft", "attribute": "status",
                               "value_text": "under_construction", "qualifier": "exact", "source_id": "computerweekly-2026-03-09",
                               "evidence": "under construction"})
    values = {"change_id": "test-sines-building", "deployment_id": "sines-microsoft", "status": "under_construction",
              "date": "2026-03-09", "date_precision": "day", "claim_id": "test-sines-building", **change}
    line = data.append("status_changes.csv", values)
    problems = [str(p) for p in validate(data.directory)]
    assert any(p.startswith(f"status_changes.csv:{line}: {column}: ") and expected in p for p in problems), problems


def test_validate_refuses_changes_that_disagree_move_back_or_leave_the_row_behind(data):
    _runs(data, "sines-microsoft", "reuters-gbaf-2026-04-23", "2026-04-23")
    data.append("claims.csv", {"claim_id": "test-sines-paused", "subject_id": "sines-microsoft", "attribute": "status",
                               "value_text": "paused", "qualifier": "exact", "source_id": "reuters-gbaf-2026-04-23", "evidence": "paused"})
    same_day = data.append("status_changes.csv", {"change_id": "test-sines-paused", "deployment_id": "sines-microsoft", "status": "paused",
                                                  "date": "2026-04-23", "date_precision": "day", "claim_id": "test-sines-paused"})
    data.append("claims.csv", {"claim_id": "test-sines-building", "subject_id": "sines-microsoft", "attribute": "status",
                               "value_text": "under_construction", "qualifier": "exact", "source_id": "reuters-gbaf-2026-04-23",
                               "evidence": "under construction"})
    back = data.append("status_changes.csv", {"change_id": "test-sines-building", "deployment_id": "sines-microsoft",
                                              "status": "under_construction", "date": "2026-05-01", "date_precision": "day",
                                              "claim_id": "test-sines-building"})
    row = data.set_cell("deployments.csv", "sines-microsoft", "status", "paused")
    problems = [str(p) for p in validate(data.directory)]
    assert f"status_changes.csv:{same_day}: status: sines-microsoft also changes to 'operating' on 2026-04-23; " \
           "two changes of one row on one day must agree" in problems, problems
    assert any(p.startswith(f"status_changes.csv:{back}: status: 'under_construction' on 2026-05-01 comes after 'operating'")
               for p in problems), problems
    assert any(p.startswith(f"deployments.csv:{row}: status: is 'paused', but its latest change") for p in problems), problems


def test_validate_refuses_a_status_or_a_period_no_source_states(data):
    row = data.set_cell("deployments.csv", "texas-microsoft", "status", "paused")
    data.set_cell("deployments.csv", "texas-microsoft", "status_date", "2026-04-09")
    data.set_cell("deployments.csv", "texas-microsoft", "status_source_id", "digitallook-2026-04-09")
    data.set_cell("deployments.csv", "texas-microsoft", "expected_period", "2026-Q4")
    problems = [str(p) for p in validate(data.directory)]
    assert f"deployments.csv:{row}: status: 'paused' has no change in status_changes.csv; record it there with its claim" in problems
    assert f"deployments.csv:{row}: expected_period: 2026-Q4 is not stated by any claim; add one to claims.csv with its source and evidence" \
        in problems, problems


@pytest.mark.parametrize("as_of", DATES)
def test_by_quarter_adds_up_to_the_totals_and_leaves_capital_after_the_latest_source_unknown(as_of):
    from nscale_data.totals.analysis import capital_raised, compute_by_region, debt_raised, gpus_by_region, mw_by_region
    from nscale_data.totals.delivery import by_quarter

    table, latest = by_quarter(as_of), latest_source_date(as_of)
    dated = table.drop(index="no date")
    for measure, totals in (("gpus", gpus_by_region(as_of)), ("mw", mw_by_region(as_of)), ("h100e", compute_by_region(as_of))):
        for level in ("stated", "with_targets", "with_up_to"):
            whole = float(totals[level].drop(index="Global", errors="ignore").astype("Float64").fillna(0).sum())
            added = float(dated[f"{measure}_{level}"].iloc[-1]) + float(table.loc["no date", f"{measure}_{level}"])
            assert added == pytest.approx(whole, abs=len(totals)), (measure, level)  # H100e totals are rounded per region
            assert dated[f"{measure}_{level}"].is_monotonic_increasing  # cumulated
    for quarter, row in dated.iterrows():
        start, end = period_bounds(quarter)
        if start > latest:
            assert pd.isna(row["equity_usd"]) and pd.isna(row["debt_usd"]), quarter
        else:
            day = min(end, latest)
            for column, expected in (("equity_usd", capital_raised(day)), ("debt_usd", debt_raised(day))):
                assert (pd.isna(row[column]) and expected is None) or row[column] == expected, (quarter, column)


def test_a_schedule_is_shown_only_once_a_source_has_published_it():
    """Loughton's expected period comes from Nscale's release of 17 September 2025; the row was announced the day before."""
    claims = load_claims()
    said = claims[(claims["attribute"] == "expected_period") & (claims["subject_id"] == "loughton")]
    first = min(load_sources().loc[s, "published_date"] for s in said["source_id"])
    assert pd.isna(delivery((first - pd.Timedelta(days=1)).strftime("%Y-%m-%d")).loc["loughton", "expected_period"])
    assert delivery(first.strftime("%Y-%m-%d")).loc["loughton", "expected_period"] in set(said["value_text"])


def test_a_change_on_the_announcement_day_from_a_later_source_counts_from_that_source(data):
    data.append("claims.csv", {"claim_id": "test-texas-paused", "subject_id": "texas-microsoft", "attribute": "status",
                               "value_text": "paused", "qualifier": "exact", "source_id": "reuters-gbaf-2026-04-23", "evidence": "paused"})
    data.append("status_changes.csv", {"change_id": "test-texas-paused", "deployment_id": "texas-microsoft", "status": "paused",
                                       "date": "2025-10-15", "date_precision": "day", "claim_id": "test-texas-paused"})
    for column, value in (("status", "paused"), ("status_date", "2025-10-15"), ("status_source_id", "reuters-gbaf-2026-04-23")):
        data.set_cell("deployments.csv", "texas-microsoft", column, value)
    assert validate(data.directory) == []
    assert load_deployments("2026-04-22", data.directory).loc["texas-microsoft", "status"] == "announced"
    assert load_deployments("2026-04-23", data.directory).loc["texas-microsoft", "status"] == "paused"


@pytest.mark.parametrize("end, later, months", [("2026-03-31", "2026-04-30", 1), ("2026-03-31", "2026-04-29", 0),
                                                ("2026-06-30", "2026-07-30", 1), ("2026-02-28", "2026-03-27", 0),
                                                ("2026-03-31", "2026-05-12", 1), ("2025-12-31", "2026-12-31", 12)])
def test_months_late_are_whole_months_month_ends_included(end, later, months):
    from nscale_data.totals.delivery import _months_after

    assert _months_after(pd.Timestamp(end), pd.Timestamp(later)) == months
