"""Is the plan funded? The cost by chip follows the chip table, and the assumption is only ever a labelled range."""

from __future__ import annotations

import csv


from nscale_data import LEVELS, capacity_totals, capital_raised, debt_raised, gpus_by_region
from nscale_data.totals.cost import funding, gpus_by_chip, plan_cost
from nscale_data.package.schema import PACKAGED_DATA


def test_gpus_by_chip_add_up_to_the_regions_gpus():
    by_chip, regions = gpus_by_chip(), gpus_by_region()
    for level in LEVELS:
        assert int(by_chip[level].sum()) == int(regions[level].sum())


def test_a_chip_with_a_sourced_price_is_costed_and_one_without_is_not(data):
    with open(PACKAGED_DATA / "chips.csv", newline="", encoding="utf-8") as handle:
        prices = {r["chip_id"]: r for r in csv.DictReader(handle)}
    table = plan_cost()
    for chip, row in table.iterrows():
        priced = chip in prices and prices[chip]["price_low_usd"] != ""
        assert bool(row["priced"]) == priced
        if priced:
            assert row["cost_low_stated"] == row["gpus_stated"] * int(prices[chip]["price_low_usd"])
    # Name the B200 (which has a sourced price) as Loughton's chip on a copy: its GPUs become priced.
    data.set_cell("deployments.csv", "loughton", "gpu_model", "b200")
    costed = plan_cost(directory=data.directory)
    loughton = int(capacity_totals(directory=data.directory).at["loughton", "gpus_stated"])
    assert costed.at["b200", "cost_low_stated"] == loughton * int(prices["b200"]["price_low_usd"])
    plan = funding(directory=data.directory)
    assert plan["stated"]["priced_gpus"] == loughton
    assert plan["stated"]["sourced_cost"] == (loughton * int(prices["b200"]["price_low_usd"]), loughton * int(prices["b200"]["price_high_usd"]))


def test_funding_sets_the_assumed_cost_against_the_same_capital_totals():
    plan = funding(assumed=(10_000, 30_000))
    capital = capital_raised() + debt_raised()
    assert plan["capital_usd"] == capital
    stated = int(gpus_by_region()["stated"].sum())
    assert plan["stated"]["assumed_cost"] == (stated * 10_000, stated * 30_000)
    assert plan["stated"]["times_capital"] == (stated * 10_000 / capital, stated * 30_000 / capital)
    assert [c["value_usd"] for c in plan["contracts"]] == [6_200_000_000]  # revenue to come, not capital
    early = funding("2001-01-01")
    assert early["stated"]["gpus"] is None and early["stated"]["assumed_cost"] is None  # no figure, never 0
    assert early["stated"]["sourced_cost"] is None
