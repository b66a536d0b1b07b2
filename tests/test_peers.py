"""Nscale among its peers: the totals follow the rows and their rules, every peer figure quotes its source."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys

import pandas as pd
import pytest

from nscale_data import LEVELS, charts, claim_checks, load_claims, load_sources, peers, peers_summary, summary, validate
from nscale_data.evidence import states
from nscale_data.schema import PACKAGED_DATA

DATES = ["2025-10-03", None]  # the article's date and the review date
PEERS = ["coreweave", "nebius", "crusoe", "lambda", "fluidstack"]


def _rows(file: str) -> list[dict[str, str]]:
    with open(PACKAGED_DATA / file, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _known_by(date: str, precision: str, as_of: str | None) -> bool:
    """Whether a row dated ``date`` (to ``precision``) is announced by ``as_of``: from its period's end."""
    if as_of is None:
        return True
    day = dt.date.fromisoformat(date)
    end = {"day": day, "month": (pd.Timestamp(day) + pd.offsets.MonthEnd(0)).date(), "year": dt.date(day.year, 12, 31)}[precision]
    return end <= dt.date.fromisoformat(as_of)


@pytest.mark.parametrize("as_of", DATES)
def test_nscale_row_is_the_packages_own_totals(as_of):
    row, totals = peers(as_of).loc["nscale"], summary(as_of)
    assert row["equity_usd"] == totals["capital_raised_usd"] and row["debt_usd"] == totals["debt_raised_usd"]
    for level in LEVELS:
        gpus = [r[level] for r in totals["gpus_by_region"].values() if r[level] is not None]
        mw = [r["power_mw"][level] for r in totals["gpus_by_region"].values() if r["power_mw"][level] is not None]
        assert row[f"gpus_{level}"] == sum(gpus) and row[f"mw_{level}"] == sum(mw)
    assert row["gpus_with_up_to"] < totals["gpus_worldwide"]["roadmap"]["gpu_count"] or totals["gpus_worldwide"]["roadmap"]["stale"]


@pytest.mark.parametrize("as_of", DATES)
def test_peer_capital_is_the_sum_of_the_rows_announced_and_not_replaced(as_of):
    rows = [r for r in _rows("peer_capital.csv") if _known_by(r["announced_date"], r["announced_date_precision"], as_of)]
    present = {r["item_id"] for r in rows}
    table = peers(as_of)
    for company in PEERS:
        for kind in ("equity", "debt"):
            mine = [int(r["amount_usd"]) for r in rows if r["company_id"] == company and r["kind"] == kind
                    and r["superseded_by"] not in present]
            got = table.at[company, f"{kind}_usd"]
            assert (pd.isna(got) and not mine) or got == sum(mine), (company, kind)
            qualifier = table.at[company, f"{kind}_qualifier"]
            assert qualifier == "at_least" if mine else pd.isna(qualifier)


def test_an_upsized_facility_replaces_the_first_only_once_announced():
    early, late = peers("2025-10-03").loc["lambda"], peers().loc["lambda"]
    assert early["debt_usd"] == 275_000_000
    assert late["debt_usd"] == 1_000_000_000  # not 1.275bn: the May 2026 facility is the August 2025 one, upsized


@pytest.mark.parametrize("as_of", DATES)
def test_peer_capacity_is_the_latest_company_wide_figure_or_the_sum_of_sites(as_of):
    rows = [r for r in _rows("peer_capacity.csv") if _known_by(r["stated_date"], r["stated_date_precision"], as_of)]
    table = peers(as_of)
    admitted = {"stated": {"exact", "approx", "at_least"}, "with_targets": {"exact", "approx", "at_least", "target"},
                "with_up_to": {"exact", "approx", "at_least", "target", "up_to"}}
    for company in PEERS:
        for measure in ("gpus", "mw"):
            by_status = []
            for status in ("operated", "contracted", "planned"):
                mine = [r for r in rows if (r["company_id"], r["measure"], r["status"]) == (company, measure, status)]
                whole = sorted((r for r in mine if r["scope"] == "company"), key=lambda r: (r["stated_date"], float(r["value"])))
                if whole:
                    by_status.append((float(whole[-1]["value"]), whole[-1]["qualifier"]))
                elif mine:
                    qualifiers = {r["qualifier"] for r in mine}
                    qualifier = "target" if "target" in qualifiers else "up_to" if "up_to" in qualifiers else "at_least"
                    by_status.append((sum(float(r["value"]) for r in mine), qualifier))
            for level in LEVELS:
                expected = [v for v, q in by_status if q in admitted[level]]
                got = table.at[company, f"{measure}_{level}"]
                assert (pd.isna(got) and not expected) or float(got) == max(expected), (company, measure, level)


def test_two_dates_show_what_changed():
    early, late = peers("2025-10-03"), peers()
    assert pd.isna(early.at["lambda", "equity_usd"]) and late.at["lambda", "equity_usd"] > 0  # the Series E came in November 2025
    assert pd.isna(early.at["coreweave", "mw_stated"]) and late.at["coreweave", "mw_stated"] > 0
    assert early.at["nscale", "equity_usd"] < late.at["nscale", "equity_usd"]


def test_every_peer_figure_is_a_claim_that_quotes_it_and_agrees():
    claims, sources = load_claims(), load_sources()
    checks = claim_checks().set_index("claim_id")
    for file, key, column in (("peer_capital.csv", "item_id", "amount_usd"), ("peer_capacity.csv", "figure_id", "value")):
        for row in _rows(file):
            mine = claims[(claims["subject_id"] == row[key]) & (claims["attribute"] == column)]
            assert len(mine), f"{row[key]}: no claim states its figure"
            from_its_source = mine[mine["source_id"] == row["source_id"]]
            assert len(from_its_source), f"{row[key]}: no claim from its own source"
            for claim_id, claim in from_its_source.iterrows():
                assert claim["value"] == float(row[column]) and claim["qualifier"] == row["qualifier"], claim_id
                assert states(claim["evidence"], sources.at[claim["source_id"], "language"], claim["value"]), claim_id
                assert len(claim["evidence"].split()) <= 15, claim_id
                assert checks.at[claim_id, "agrees"], claim_id


def test_every_peer_total_traces_to_its_claims():
    for company in peers_summary():
        if company["figures_from"] == "detailed_tables":
            continue
        has_figure = company["equity_usd"] is not None or company["debt_usd"] is not None or company["mw"]["with_up_to"] is not None
        assert bool(company["claim_ids"]) == has_figure, company["company_id"]
        for source in company["source_ids"]:
            assert source in load_sources().index


def test_capital_per_gpu_only_where_the_gpus_are_the_whole_companys():
    table = peers()
    assert table.at["nscale", "equity_per_gpu_stated"] == round(table.at["nscale", "equity_usd"] / table.at["nscale", "gpus_stated"])
    both = table.at["coreweave", "equity_usd"] + table.at["coreweave", "debt_usd"]
    assert table.at["coreweave", "capital_per_gpu_stated"] == round(both / table.at["coreweave", "gpus_stated"])
    assert pd.notna(table.at["lambda", "gpus_stated"]) and pd.isna(table.at["lambda", "equity_per_gpu_stated"])  # one site's GPUs


def test_json_lists_six_companies_with_null_never_zero_for_no_figure():
    result = subprocess.run([sys.executable, "-m", "nscale_data", "peers", "--json", "--as-of", "2025-10-03"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    companies = {c["company_id"]: c for c in json.loads(result.stdout)}
    assert list(companies) == ["nscale", *PEERS]
    for company in companies.values():
        assert set(company["gpus"]) == set(company["mw"]) == set(LEVELS)
    assert companies["fluidstack"]["equity_usd"] is None and companies["fluidstack"]["gpus"]["stated"] is None
    assert companies["nscale"]["debt_usd"] == 0  # Nscale's computed total: no facility yet, a real zero


def test_text_output_and_a_date_after_review_is_refused():
    ok = subprocess.run([sys.executable, "-m", "nscale_data", "peers"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "CoreWeave" in ok.stdout and "no figure" in ok.stdout and " 0 " not in ok.stdout
    late = subprocess.run([sys.executable, "-m", "nscale_data", "peers", "--as-of", "2030-01-01"], capture_output=True, text=True, timeout=120)
    assert late.returncode == 2 and "Traceback" not in late.stderr


def test_chart_draws_the_librarys_numbers():
    fig, table = charts.peers_chart(), peers()
    money = fig.axes[0]
    widths = [p.get_width() for p in money.patches]
    equity, debt = widths[0::2], widths[1::2]
    assert equity == pytest.approx([0 if pd.isna(v) else v / 1e9 for v in table["equity_usd"]])
    assert debt == pytest.approx([0 if pd.isna(v) else v / 1e9 for v in table["debt_usd"]])
    drawn = fig.data.set_index(["company_id", "series", "level"])["value"]
    for company in table.index:
        for level in LEVELS:
            got, want = drawn[(company, "gpus", level)], table.at[company, f"gpus_{level}"]
            assert (got is None and pd.isna(want)) or got == want
    assert "CoreWeave" in fig.get_suptitle() and "Nscale" in fig.get_suptitle()


def test_a_peer_row_for_nscale_is_refused(data):
    line = data.append("peer_capital.csv", {"item_id": "nscale-twice", "company_id": "nscale", "kind": "equity", "instrument": "round",
                                            "name": "Series B again", "announced_date": "2025-09-25", "announced_date_precision": "day",
                                            "amount_usd": "1100000000", "qualifier": "exact", "source_id": "openai-2025-09-16"})
    assert any(str(p).startswith(f"peer_capital.csv:{line}: company_id:") and "count them twice" in str(p) for p in validate(data.directory))


def test_a_replacement_from_another_company_is_refused(data):
    line = data.set_cell("peer_capital.csv", "lambda-credit-2025-08", "superseded_by", "crusoe-brookfield-2025-06")
    assert any(str(p).startswith(f"peer_capital.csv:{line}: superseded_by:") for p in validate(data.directory))
