"""Nscale among its peers: the totals follow the rows and their rules, every peer figure quotes its source."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys

import pandas as pd
import pytest

from nscale_data import LEVELS, claim_checks, load_claims, load_sources, peers, peers_summary, summary, validate
from nscale_data.output import charts
from nscale_data.package.evidence import states
from nscale_data.package.schema import PACKAGED_DATA

DATES = ["2025-10-03", None]  # the article's date and the review date
PEERS = ["coreweave", "nebius", "crusoe", "lambda", "fluidstack"]
DATES_TO_DRAW = ["2025-04-15", "2025-09-25", "2025-10-03", None]  # before and after the peers' first figures


def _rows(file: str) -> list[dict[str, str]]:
    with open(PACKAGED_DATA / file, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


SOURCES = {row["source_id"]: row for row in _rows("sources.csv")}


def _known_by(date: str, precision: str, as_of: str | None) -> bool:
    """Whether something dated ``date`` (to ``precision``) is known by ``as_of``: from its period's end."""
    if as_of is None:
        return True
    day = dt.date.fromisoformat(date)
    end = {"day": day, "month": (pd.Timestamp(day) + pd.offsets.MonthEnd(0)).date(), "year": dt.date(day.year, 12, 31)}[precision]
    return end <= dt.date.fromisoformat(as_of)


def _counted(row: dict, date_column: str, as_of: str | None) -> bool:
    """A peer's row counts once it is announced and its source is published."""
    source = SOURCES[row["source_id"]]
    return (_known_by(row[date_column], row[f"{date_column}_precision"], as_of)
            and _known_by(source["published_date"], source["published_date_precision"], as_of))


@pytest.mark.parametrize("as_of", DATES)
def test_nscale_row_is_the_packages_own_totals(as_of):
    row, totals = peers(as_of).loc["nscale"], summary(as_of)
    for column, total in (("equity_usd", "capital_raised_usd"), ("debt_usd", "debt_raised_usd")):
        assert (None if pd.isna(row[column]) else row[column]) == totals[total], column
    for level in LEVELS:
        gpus = [r[level] for r in totals["gpus_by_region"].values() if r[level] is not None]
        mw = [r["power_mw"][level] for r in totals["gpus_by_region"].values() if r["power_mw"][level] is not None]
        assert row[f"gpus_{level}"] == sum(gpus) and row[f"mw_{level}"] == sum(mw)
    assert row["gpus_with_up_to"] < totals["gpus_worldwide"]["roadmap"]["gpu_count"] or totals["gpus_worldwide"]["roadmap"]["stale"]


@pytest.mark.parametrize("as_of", DATES)
def test_peer_capital_is_the_latest_company_total_plus_later_items_or_the_sum_of_items(as_of):
    rows = [r for r in _rows("peer_capital.csv") if _counted(r, "announced_date", as_of)]
    present = {r["item_id"] for r in rows}
    table = peers(as_of)
    for company in PEERS:
        for kind in ("equity", "debt"):
            mine = [r for r in rows if r["company_id"] == company and r["kind"] == kind and r["superseded_by"] not in present]
            totals = sorted((r for r in mine if r["scope"] == "company"), key=lambda r: r["announced_date"])
            items = [r for r in mine if r["scope"] == "item"]
            if totals:
                since = [r for r in items if r["announced_date"] > totals[-1]["announced_date"]]
                expected = int(totals[-1]["amount_usd"]) + sum(int(r["amount_usd"]) for r in since)
                assert table.at[company, f"{kind}_basis"].startswith("company total at"), (company, kind)
            else:
                expected = sum(int(r["amount_usd"]) for r in items) if items else None
            got = table.at[company, f"{kind}_usd"]
            if expected is None:
                assert pd.isna(got) and pd.isna(table.at[company, f"{kind}_qualifier"]), (company, kind)  # no figure, never 0
            else:
                assert got == expected, (company, kind)


def test_coreweave_debt_is_its_filing_total_and_nebius_counts_its_convertibles():
    rows = {r["item_id"]: r for r in _rows("peer_capital.csv")}
    table = peers()
    latest = max((r for r in rows.values() if r["company_id"] == "coreweave" and r["kind"] == "debt" and r["scope"] == "company"),
                 key=lambda r: r["announced_date"])
    assert table.at["coreweave", "debt_usd"] >= int(latest["amount_usd"]) >= 11e9
    nebius = sum(int(r["amount_usd"]) for r in rows.values() if r["company_id"] == "nebius" and r["kind"] == "debt")
    assert table.at["nebius", "debt_usd"] == nebius > 3.5e9


def test_an_upsized_facility_replaces_the_first_only_once_announced():
    rows = {r["item_id"]: r for r in _rows("peer_capital.csv")}
    first = next(r for r in rows.values() if r["superseded_by"])
    later = rows[first["superseded_by"]]
    company = first["company_id"]
    same_kind = [r for r in rows.values() if r["company_id"] == company and r["kind"] == first["kind"]]
    others = sum(int(r["amount_usd"]) for r in same_kind if r["item_id"] not in (first["item_id"], later["item_id"]))
    assert peers().at[company, f"{first['kind']}_usd"] == int(later["amount_usd"]) + others  # the first no longer counts
    for as_of in (*DATES_TO_DRAW, SOURCES[later["source_id"]]["published_date"]):
        total = peers(as_of).at[company, f"{first['kind']}_usd"]
        assert pd.isna(total) or total < int(first["amount_usd"]) + int(later["amount_usd"]) + others  # never both


def _expected_capacity(rows: list[dict], company: str, measure: str, level: str) -> float | None:
    """Distinct sites added, each at its largest admitted figure; a company-wide figure where it is later or larger."""
    admitted = {"stated": {"exact", "approx", "at_least"}, "with_targets": {"exact", "approx", "at_least", "target"},
                "with_up_to": {"exact", "approx", "at_least", "target", "up_to"}}[level]
    mine = [r for r in rows if (r["company_id"], r["measure"]) == (company, measure) and r["qualifier"] in admitted]
    ids = {r["figure_id"] for r in rows}
    sites: dict[str, float] = {}
    for r in mine:
        if r["scope"] == "site" and r["superseded_by"] not in ids:
            sites[r["site"]] = max(sites.get(r["site"], 0.0), float(r["value"]))
    latest: dict[str, dict] = {}
    for r in (r for r in mine if r["scope"] == "company"):  # dates here are all to the day or month
        if r["status"] not in latest or (r["stated_date"], float(r["value"])) > (latest[r["status"]]["stated_date"], float(latest[r["status"]]["value"])):
            latest[r["status"]] = r
    best = max(latest.values(), key=lambda r: float(r["value"]), default=None)
    total = sum(sites.values()) if sites else None
    last_site = max((r["stated_date"] for r in mine if r["scope"] == "site"), default="")
    if best and (total is None or float(best["value"]) >= total or best["stated_date"] >= last_site):
        return float(best["value"])
    return total


@pytest.mark.parametrize("as_of", DATES)
def test_peer_capacity_adds_distinct_sites_unless_a_company_figure_is_later_or_larger(as_of):
    rows = [r for r in _rows("peer_capacity.csv") if _counted(r, "stated_date", as_of)]
    table = peers(as_of)
    for company in PEERS:
        for measure in ("gpus", "mw"):
            for level in LEVELS:
                expected, got = _expected_capacity(rows, company, measure, level), table.at[company, f"{measure}_{level}"]
                assert (pd.isna(got) and expected is None) or float(got) == expected, (company, measure, level)


def test_lambda_and_fluidstack_megawatts_are_sums_of_their_sites():
    table, rows = peers(), _rows("peer_capacity.csv")
    for company in ("lambda", "fluidstack"):
        sites = [r for r in rows if r["company_id"] == company and r["measure"] == "mw" and r["qualifier"] in ("exact", "approx", "at_least")]
        assert table.at[company, "mw_stated"] == sum(float(r["value"]) for r in sites) and len(sites) >= 2
        assert "sum of" in table.at[company, "mw_basis_stated"]


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
                scale = 1e3 if "stated in thousands" in str(claim["note"]).lower() else 1
                assert states(claim["evidence"], sources.at[claim["source_id"], "language"], claim["value"] / scale), claim_id
                assert len(claim["evidence"].split()) <= 15, claim_id
                assert checks.at[claim_id, "agrees"], claim_id


@pytest.mark.parametrize("as_of", DATES_TO_DRAW)
def test_every_peer_total_traces_to_claims_and_sources_published_by_then(as_of):
    published = load_sources(as_of).index
    for company in peers_summary(as_of):
        if company["figures_from"] == "detailed_tables":
            continue
        figures = [company["equity_usd"], company["debt_usd"], company["gpus"]["with_up_to"], company["mw"]["with_up_to"]]
        assert bool(company["claim_ids"]) == any(f is not None for f in figures), company["company_id"]
        assert set(company["source_ids"]) <= set(published), company["company_id"]
        assert (company["latest_source"] is None) == (not company["source_ids"])


def test_capital_per_gpu_is_no_figure_where_debt_is_missing(data):
    rows = data.rows("peer_capital.csv")
    kept = [rows[0]] + [r for r in rows[1:] if not (r[1] == "coreweave" and r[2] == "debt")]
    gone = {r[0] for r in rows[1:]} - {r[0] for r in kept[1:]}
    data.write_rows("peer_capital.csv", kept)
    claims = data.rows("claims.csv")
    data.write_rows("claims.csv", [c for c in claims if c[1] not in gone])
    changes = data.rows("changes.csv")
    ids = changes[0].index("ids")
    data.write_rows("changes.csv", [c[:ids] + ["; ".join(i for i in c[ids].split("; ") if i not in gone)] if n else c
                                    for n, c in enumerate(changes)])
    assert validate(data.directory) == []
    row = peers(directory=data.directory).loc["coreweave"]
    assert pd.isna(row["debt_usd"]) and pd.notna(row["equity_per_gpu_stated"]) and pd.isna(row["capital_per_gpu_stated"])


def test_a_sum_of_sites_is_as_sure_as_its_least_sure_site():
    from nscale_data.totals.comparison import _capacity

    site = {"scope": "site", "status": "planned", "known": pd.Timestamp("2025-01-01"), "superseded_by": None}
    mixed = [{**site, "id": "a", "site": "A", "value": 10, "qualifier": "exact"}, {**site, "id": "b", "site": "B", "value": 5, "qualifier": "target"},
             {**site, "id": "c", "site": "C", "value": 7, "qualifier": "up_to"}]
    assert _capacity(mixed, mixed, [])[:2] == (22.0, "up_to")
    assert _capacity(mixed[:2], mixed, [])[:2] == (15.0, "target")
    assert _capacity(mixed[:1], mixed, [])[:2] == (10.0, "at_least")  # the company has at least its sites
    again = {**mixed[0], "id": "a2", "value": 12}  # the same site stated again: counted once, at its largest
    assert _capacity([mixed[0], again], mixed, [])[:2] == (12.0, "at_least")


def test_capital_per_gpu_only_where_the_gpus_are_the_whole_companys():
    table = peers()
    assert table.at["nscale", "equity_per_gpu_stated"] == round(table.at["nscale", "equity_usd"] / table.at["nscale", "gpus_stated"])
    both = table.at["coreweave", "equity_usd"] + table.at["coreweave", "debt_usd"]
    assert table.at["coreweave", "capital_per_gpu_stated"] == round(both / table.at["coreweave", "gpus_stated"])
    sites = table[table["gpus_basis_with_targets"].fillna("").str.contains("sum of")]
    assert len(sites)  # a peer whose GPUs are only the sites found
    for level in LEVELS:
        gpus = table.loc[sites.index, f"gpus_{level}"]
        assert table.loc[sites.index, f"equity_per_gpu_{level}"][gpus.notna()].isna().all()


def test_json_lists_six_companies_with_null_never_zero_for_no_figure():
    result = subprocess.run([sys.executable, "-m", "nscale_data", "peers", "--json", "--as-of", "2025-10-03"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    companies = {c["company_id"]: c for c in json.loads(result.stdout)}
    assert list(companies) == ["nscale", *PEERS]
    for company in companies.values():
        assert set(company["gpus"]) == set(company["mw"]) == set(LEVELS)
    with_equity = {r["company_id"] for r in _rows("peer_capital.csv") if r["kind"] == "equity" and _counted(r, "announced_date", "2025-10-03")}
    for company_id in PEERS:
        assert (companies[company_id]["equity_usd"] is None) == (company_id not in with_equity)  # null, never 0
    assert companies["nscale"]["debt_usd"] == summary("2025-10-03")["debt_raised_usd"]  # a computed total, 0 before the first loan


def test_text_output_and_a_date_after_review_is_refused():
    ok = subprocess.run([sys.executable, "-m", "nscale_data", "peers", "--as-of", "2025-10-03"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    fluidstack = next(line for line in ok.stdout.splitlines() if line.startswith("Fluidstack"))
    assert "no figure" in fluidstack and "0.000" not in fluidstack  # no capital found: written, never 0
    late = subprocess.run([sys.executable, "-m", "nscale_data", "peers", "--as-of", "2030-01-01"], capture_output=True, text=True, timeout=120)
    assert late.returncode == 2 and "Traceback" not in late.stderr


@pytest.mark.parametrize("as_of", DATES_TO_DRAW)
def test_chart_draws_the_librarys_numbers_at_both_dates_with_each_bars_basis(as_of):
    fig = charts.peers_chart(as_of)
    end = pd.Timestamp(as_of) if as_of else None
    views = ([pd.Timestamp(charts.ARTICLE_DATE)] if end is None or end > pd.Timestamp(charts.ARTICLE_DATE) else []) + [end]
    tables = [peers(v) for v in views]
    money = fig.axes[0]
    widths = [p.get_width() for p in money.patches]
    equity, debt = widths[0::2], widths[1::2]
    expected = [(t.at[c, "equity_usd"], t.at[c, "debt_usd"]) for c in tables[-1].index for t in tables]  # company by company, views in order
    assert equity == pytest.approx([0 if pd.isna(e) else e / 1e9 for e, _ in expected])
    assert debt == pytest.approx([0 if pd.isna(d) else d / 1e9 for _, d in expected])
    drawn = fig.data.set_index(["as_of", "company_id", "series", "level"])
    texts = "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)
    for view, table in zip(views, tables):
        day = f"{view if view is not None else charts.dataset_as_of():%Y-%m-%d}"
        for company in table.index:
            for level in LEVELS:
                got, want = drawn.at[(day, company, "gpus", level), "value"], table.at[company, f"gpus_{level}"]
                assert (got is None and pd.isna(want)) or got == want
            basis = table.at[company, "mw_basis_stated"]
            if isinstance(basis, str) and "sum of" in basis:
                sites = basis.split("sum of ")[1].split(" found")[0]  # '3 sites'
                assert sites in texts  # the basis is written beside the bar
    title = fig.get_suptitle()
    assert "Nscale" in title and len(title) <= 100 and "nan" not in title and "<NA>" not in title


def test_a_peer_row_for_nscale_is_refused(data):
    line = data.append("peer_capital.csv", {"item_id": "nscale-twice", "company_id": "nscale", "kind": "equity", "scope": "item", "instrument": "round",
                                            "name": "Series B again", "announced_date": "2025-09-25", "announced_date_precision": "day",
                                            "amount_usd": "1100000000", "qualifier": "exact", "source_id": "openai-2025-09-16"})
    assert any(str(p).startswith(f"peer_capital.csv:{line}: company_id:") and "count them twice" in str(p) for p in validate(data.directory))


def test_a_replacement_from_another_company_is_refused(data):
    line = data.set_cell("peer_capital.csv", "lambda-credit-2025-08", "superseded_by", "crusoe-brookfield-2025-06")
    assert any(str(p).startswith(f"peer_capital.csv:{line}: superseded_by:") for p in validate(data.directory))


def test_a_peer_figure_its_source_does_not_state_is_refused(data):
    line = data.set_cell("peer_capacity.csv", "coreweave-mw-active-2025", "qualifier", "exact")  # the source says "more than"
    assert any(str(p).startswith(f"peer_capacity.csv:{line}: qualifier:") for p in validate(data.directory))
    line = data.set_cell("peer_capital.csv", "crusoe-series-e-2025-10", "amount_usd", "1375000000")
    assert f"peer_capital.csv:{line}: amount_usd: its source's claim states 1.4e+09 as 'exact'" in map(str, validate(data.directory))


def test_a_site_counted_under_two_ids_is_refused(data):
    line = data.append("peer_capacity.csv", {"figure_id": "lambda-kansas-city-mw-again", "company_id": "lambda", "measure": "mw",
                                             "status": "planned", "scope": "site", "site": "Kansas City", "value": "24",
                                             "qualifier": "target", "stated_date": "2025-10-29", "stated_date_precision": "day",
                                             "source_id": "ingrams-lambda-2025-10-29"})
    data.append("claims.csv", {"claim_id": "again", "subject_id": "lambda-kansas-city-mw-again", "attribute": "value", "value": "24",
                               "qualifier": "target", "source_id": "ingrams-lambda-2025-10-29", "evidence": "24MW of capacity"})
    found = [str(p) for p in validate(data.directory)]
    assert any(m.startswith(f"peer_capacity.csv:{line}: site: 'Kansas City' is already counted") for m in found), found
    data.set_cell("peer_capacity.csv", "lambda-kansas-city-mw", "superseded_by", "lambda-kansas-city-mw-again")
    assert not any(": site: " in str(p) for p in validate(data.directory))


def test_a_figure_in_thousands_must_match_its_quote(data):
    line = data.set_cell("claims.csv", "peer-coreweave-debt-2025-06", "value", "11171485")  # not converted
    found = [str(p) for p in validate(data.directory)]
    assert any(m.startswith(f"claims.csv:{line}: evidence: does not state 1.11715e+07 (in thousands: 11171.5)") for m in found), found


def test_a_company_total_without_a_date_is_refused(data):
    line = data.set_cell("peer_capital.csv", "coreweave-debt-total-2025-09", "announced_date", "")
    assert any(str(p).startswith(f"peer_capital.csv:{line}: announced_date: ") and "required" in str(p) for p in validate(data.directory))
