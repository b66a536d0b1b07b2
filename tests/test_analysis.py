"""Totals without double counting: the real data against its sourced figures, and the rules on small synthetic packages."""

from __future__ import annotations

import pytest

from nscale_data import capital_raised, conflicts, gpu_totals, gpus_by_region, summary

# Figures as the primary sources state them (see claims.csv), added up here by hand.
SEED, SERIES_A, SERIES_B, SAFE, SERIES_C = 30e6, 155e6, 1_100e6, 433e6, 2_000e6
LOUGHTON, DGX, STARGATE_UK, UK_TOTAL = 23_040, 4_600, 31_000, 58_640
NORWAY, TEXAS, SINES = 100_000, 104_000, 12_600


def test_capital_raised_counts_the_safe_once():
    assert capital_raised("2025-09-24") == SEED + SERIES_A
    assert capital_raised("2025-10-03") == SEED + SERIES_A + SERIES_B + SAFE
    assert capital_raised("2026-03-09") == SEED + SERIES_A + SERIES_B + SERIES_C  # the SAFE is inside the Series C


def test_gpus_by_region_at_the_articles_date():
    table = gpus_by_region("2025-10-03")
    assert list(table.index) == ["Europe", "North America", "Middle East"]
    # low: Loughton and DGX Cloud are firm; Stargate UK is only "up to"; Norway is a dated target.
    assert table.loc["Europe"].tolist() == [LOUGHTON + DGX + NORWAY, UK_TOTAL + NORWAY]
    assert table.loc["North America"].tolist() == [0, 0]
    assert table.loc["Middle East"].tolist() == [0, 0]


def test_gpus_by_region_after_the_series_c_and_the_pause():
    table = gpus_by_region("2026-11-26")
    # Stargate UK is paused; the Narvik rows sit inside Stargate Norway's 100,000.
    assert table.loc["Europe"].tolist() == [LOUGHTON + DGX + NORWAY + SINES] * 2
    assert table.loc["North America"].tolist() == [TEXAS, TEXAS]
    assert table.loc["Middle East"].tolist() == [0, 0]


def test_the_nvidia_share_and_the_uk_commitment_are_counted_once():
    totals = gpu_totals("2025-10-03")
    assert totals.loc["nvidia-uk-programme-share", "counted"] == "same GPUs as uk-commitment"
    assert totals.loc["loughton", "counted"] == "part of uk-commitment"
    assert totals.loc["uk-commitment", "high"] == UK_TOTAL


def test_summary_lists_every_region():
    result = summary("2025-10-03")
    assert result["as_of"] == "2025-10-03"
    assert set(result["gpus_by_region"]) == {"Europe", "North America", "Middle East"}
    assert result["gpus_worldwide"] == {"low": 300_000, "high": 300_000}


def test_conflicts_include_the_articles_errors():
    table = conflicts()
    found = {(r.claim_id, r.claimed_value, r.resolved_value) for r in table.itertuples()}
    assert ("article-stargate-uk-gpus", 50_000, STARGATE_UK) in found
    assert ("article-loughton-gpus", 24_000, LOUGHTON) in found
    assert ("article-stargate-norway-date", "2025-08", "2025-07-31") in found
    assert ("article-stargate-uk-date", "2025-08", "2025-09-16") in found
    assert ("article-safe-leads", "Dell; NVIDIA; Nokia; Blue Owl", "") in found
    stargate = table.set_index("claim_id").loc["article-stargate-uk-gpus"]
    assert stargate["resolved_source_id"] == "openai-2025-09-16"


def test_agreeing_claims_are_not_conflicts():
    ids = set(conflicts()["claim_id"])
    assert "article-series-b-amount" not in ids
    assert "article-two-rounds-total" not in ids  # "more than 1.5 billion" holds for 1.533 billion
    assert "techeu-total-raised" not in ids  # "over 1.7bn" holds for 1.718 billion
    assert "benzinga-loughton-gpus" not in ids  # "approximately 23,000" for 23,040
    assert "benzinga-microsoft-total" not in ids  # "roughly 200,000" for the four sites' 191,640


def test_conflicts_as_of_only_use_claims_published_by_then():
    assert "investing-loughton-gpus" not in set(conflicts("2025-09-15")["claim_id"])


# --- The counting rules on small synthetic packages ------------------------------------------

def _deployment(data, row_id, count, qualifier="exact", **extra):
    data.append("claims.csv", {
        "claim_id": f"claim-{row_id}", "subject_id": row_id, "attribute": "gpu_count", "value": str(count),
        "qualifier": qualifier, "source_id": "openai-2025-09-16", "evidence": f"{count} GPUs",
    })
    values = {
        "deployment_id": row_id, "name": row_id, "country": "IE", "region": "Europe", "gpu_count": str(count),
        "gpu_count_qualifier": qualifier, "announced_date": "2025-09-16", "announced_date_precision": "day",
        "status": "announced", "source_id": "openai-2025-09-16",
    }
    values.update(extra)
    data.append("deployments.csv", values)


@pytest.fixture
def empty(data):
    """The packaged data with no deployments and no claims about them."""
    deployments = data.rows("deployments.csv")
    data.write_rows("deployments.csv", deployments[:1])
    claims = data.rows("claims.csv")
    ids = {row[0] for row in deployments[1:]}
    data.write_rows("claims.csv", [c for c in claims if not set(c[1].split("+")) & ids])
    return data


def _region(data, as_of="2026-11-26"):
    return gpus_by_region(as_of, data.directory).loc["Europe"].tolist()


def test_parent_counts_the_larger_of_its_figure_and_its_parts(empty):
    _deployment(empty, "campus", 1000, "up_to")
    _deployment(empty, "hall-a", 300, part_of="campus")
    _deployment(empty, "hall-b", 200, "up_to", part_of="campus")
    assert _region(empty) == [300, 1000]


def test_paused_part_is_taken_out_of_its_parent(empty):
    _deployment(empty, "campus", 1000, "up_to")
    _deployment(empty, "hall-a", 300, part_of="campus")
    _deployment(empty, "hall-b", 700, "up_to", part_of="campus", status="paused",
                status_date="2026-01-01", status_source_id="digitallook-2026-04-09")
    _deployment(empty, "hall-b-phase-1", 100, part_of="hall-b")
    assert _region(empty, "2025-12-31") == [400, 1000]
    assert _region(empty) == [300, 300]


def test_same_gpus_are_counted_once_and_superseded_plans_not_at_all(empty):
    _deployment(empty, "plan", 500, superseded_by="replan")
    _deployment(empty, "replan", 400)
    _deployment(empty, "alias", 450, "up_to", same_gpus_as="replan")
    assert _region(empty) == [400, 400]


def test_at_least_and_approx_count_as_firm(empty):
    _deployment(empty, "a", 100, "at_least")
    _deployment(empty, "b", 50, "approx")
    _deployment(empty, "c", 10, "up_to")
    assert _region(empty) == [150, 160]


def test_a_paused_part_is_taken_out_at_its_largest_even_with_paused_parts_inside(empty):
    _deployment(empty, "campus", 1000, "up_to")
    _deployment(empty, "hall-a", 300, part_of="campus")
    paused = {"status": "paused", "status_date": "2026-01-01", "status_source_id": "digitallook-2026-04-09"}
    _deployment(empty, "hall-b", 700, "up_to", part_of="campus", **paused)
    _deployment(empty, "hall-b-phase-1", 100, "up_to", part_of="hall-b", **paused)
    assert _region(empty) == [300, 300]


def test_low_never_exceeds_high(empty):
    _deployment(empty, "site", 1000, "target")
    _deployment(empty, "tenant", 600, "up_to", part_of="site", status="paused",
                status_date="2026-01-01", status_source_id="digitallook-2026-04-09")
    low, high = _region(empty)
    assert low <= high == 400


def test_worldwide_adds_regional_rows_outside_the_roadmap(empty):
    _deployment(empty, "roadmap", 1000, "target", region="Global", country="")
    _deployment(empty, "inside", 300, part_of="roadmap")
    _deployment(empty, "outside", 900)
    from nscale_data.analysis import gpus_worldwide

    assert gpus_worldwide("2026-11-26", empty.directory) == (1900, 1900)
