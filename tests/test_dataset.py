"""The curated data: typed tables, as-of views, and what the sources say."""

from __future__ import annotations

import pandas as pd

from nscale_data import dataset_as_of, load_claims, load_deployments, load_funding_rounds, load_sources
from nscale_data.package.evidence import numbers_stated, states


def test_dtypes_are_typed():
    deployments = load_deployments()
    assert deployments["gpu_count"].dtype == "Int64"
    assert deployments["announced_date"].dtype.kind == "M"
    assert isinstance(deployments["region"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_string_dtype(deployments["name"])
    claims = load_claims()
    assert isinstance(claims["qualifier"].dtype, pd.CategoricalDtype)
    assert claims["value"].dtype == "Float64"
    assert {"source_id", "value", "evidence"} <= set(claims.columns)


def test_regions_include_the_three_the_article_names():
    categories = set(load_deployments()["region"].cat.categories)
    assert {"Europe", "North America", "Middle East"} <= categories


def test_all_eleven_article_figures_are_claims():
    article = load_claims().query("source_id == 'channelnews-2025-10-03'")
    figures = {
        ("series-b-2025", "amount_usd"): 1.1e9,
        ("pre-series-c-safe-2025", "amount_usd"): 433e6,
        ("series-b-2025+pre-series-c-safe-2025", "amount_usd"): 1.5e9,
        ("nscale", "founded_year"): 2024,
        ("stargate-uk", "gpu_count"): 50_000,
        ("stargate-norway", "gpu_count"): 100_000,
        ("nvidia-uk-programme-share", "programme_gpu_count"): 120_000,
        ("nvidia-uk-programme-share", "gpu_count"): 60_000,
        ("loughton", "gpu_count"): 24_000,
        ("global-roadmap", "gpu_count"): 300_000,
    }
    for (subject, attribute), value in figures.items():
        match = article[(article["subject_id"] == subject) & (article["attribute"] == attribute)]
        assert match["value"].tolist() == [value], (subject, attribute)
    regions = article.loc[article["attribute"] == "target_regions", "value_text"].tolist()
    assert regions == ["Europe; North America; Middle East"]


def test_every_figure_claim_quotes_its_number_or_says_what_it_is_derived_from():
    claims = load_claims().join(load_sources()["language"], on="source_id")
    for claim_id, claim in claims[claims["value"].notna()].iterrows():
        if pd.notna(claim["derived_from"]):
            assert claim["derived_from"] in claims.index, claim_id
        else:  # a figure printed in thousands says so in its note, and its quote states the figure in thousands
            scale = 1e3 if "stated in thousands" in str(claim["note"]).lower() else 1
            assert states(claim["evidence"], claim["language"], claim["value"] / scale), (claim_id, claim["evidence"])


def test_evidence_notations_by_language():
    assert numbers_stated("1,1 milliard de dollars", "fr") == [1.1e9]
    assert numbers_stated("433 millions de dollars", "fr") == [433e6]
    assert numbers_stated("jusqu’à 50 000 GPU", "fr") == [50_000]
    assert numbers_stated("$1.1 billion", "en") == [1.1e9]
    assert numbers_stated("23,040 GPUs", "en") == [23_040]
    assert numbers_stated("£500mn", "en") == [500e6]
    assert numbers_stated("$433M round", "en") == [433e6]
    assert numbers_stated("over $1.7bn", "en") == [1.7e9]
    assert numbers_stated("285 millioner dollar", "nb") == [285e6]
    assert numbers_stated("at a 240MW campus, GB300 chips", "en") == [240]  # no number taken from a model name


def test_evidence_phrases_are_short():
    assert load_claims()["evidence"].str.split().str.len().max() <= 15


def test_every_source_is_cited_and_has_a_web_address_or_a_note():
    sources = load_sources()
    cited = set(load_claims()["source_id"]) | set(load_deployments()["source_id"]) | set(load_funding_rounds()["source_id"])
    assert set(sources.index) == cited
    unaddressed = sources[sources["url"].isna()]
    assert unaddressed["note"].notna().all()


def test_primary_sources_resolve_the_tables():
    """Where the article and the primary source differ, the table follows the primary source."""
    deployments = load_deployments()
    assert deployments.loc["stargate-uk", "gpu_count"] == 31_000
    assert deployments.loc["loughton", "gpu_count"] == 23_040
    assert deployments.loc["stargate-norway", "announced_date"] == pd.Timestamp("2025-07-31")
    assert pd.isna(load_funding_rounds().loc["pre-series-c-safe-2025", "lead_investors"])


def test_as_of_hides_later_announcements_and_status_changes():
    before = load_deployments("2025-09-15")
    assert "stargate-norway" in before.index and "loughton" not in before.index
    assert pd.isna(before.loc["loughton-2025-plan", "superseded_by"])  # its replacement was not yet announced
    assert load_deployments("2026-04-08").loc["stargate-uk", "status"] == "announced"
    assert load_deployments("2026-04-09").loc["stargate-uk", "status"] == "paused"


def test_month_precision_counts_from_the_end_of_the_month():
    assert "west-virginia-monarch" not in load_deployments("2026-03-30").index  # announced in March 2026
    assert "west-virginia-monarch" in load_deployments("2026-03-31").index


def test_claims_as_of_follow_their_source_dates():
    assert "techzine-series-c-amount" not in load_claims("2026-03-08").index
    assert "techzine-series-c-amount" in load_claims("2026-03-09").index
    assert len(load_claims("2000-01-01")) == 0


def test_dataset_as_of_is_a_date_no_earlier_than_any_event():
    as_of = dataset_as_of()
    assert load_sources()["published_date"].max() <= as_of
    assert load_deployments()["status_date"].max() <= as_of
