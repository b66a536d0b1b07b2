"""Comparable units: the chip table, H100-equivalents and the power check, against the CSV files themselves."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from nscale_data import capacity_totals, compute_by_region, peers, summary, validate
from nscale_data.cli import main
from nscale_data.totals.power import bands, overheads, power_checks
from nscale_data.package.schema import PACKAGED_DATA


def _rows(name: str) -> dict[str, dict]:
    with open(PACKAGED_DATA / f"{name}.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row[next(iter(row))]: row for row in rows}


CHIPS, DEPLOYMENTS = _rows("chips"), _rows("deployments")
H100 = float(CHIPS["h100-sxm"]["dense_16bit_tflops"])


def _ratio(deployment_id: str) -> float | None:
    chip = CHIPS.get(DEPLOYMENTS[deployment_id]["gpu_model"])
    return float(chip["dense_16bit_tflops"]) / H100 if chip and chip["dense_16bit_tflops"] else None


def test_every_chip_figure_is_stated_by_a_claim_of_that_chip():
    claims = {(c["subject_id"], c["attribute"], float(c["value"])) for c in _rows("claims").values() if c["value"]}
    figures = [(chip_id, column, float(value)) for chip_id, row in CHIPS.items()
               for column, value in row.items() if value and column.endswith(("_tflops", "_kw", "_gpus", "_usd"))]
    assert len(figures) >= 10
    assert all(figure in claims for figure in figures)


def test_h100_equivalents_of_each_region_are_its_gpus_times_their_chips_rate():
    totals = capacity_totals()
    counted = totals[totals["counted"].isin(["region"]) | totals["counted"].str.startswith("part of ")]
    leaves = [i for i in counted.index if not (totals["part_of"] == i).any()]  # rows holding their own GPUs
    table = compute_by_region()
    for region in ("Europe", "North America"):
        for level in ("stated", "with_targets"):
            mine = [i for i in leaves if DEPLOYMENTS[i]["region"] == region and totals.at[i, f"gpus_{level}"] is not None
                    and str(totals.at[i, f"gpus_{level}"]) != "<NA>"]
            expected = sum(int(totals.at[i, f"gpus_{level}"]) * _ratio(i) for i in mine if _ratio(i))
            unknown = sum(int(totals.at[i, f"gpus_{level}"]) for i in mine if not _ratio(i))
            assert int(table.at[region, level]) == round(expected), (region, level)
            assert (int(table.at[region, f"unknown_mix_{level}"]) if unknown else None) == (unknown or None)


def test_summary_json_gives_h100e_beside_gpus_everywhere(capsys):
    assert main(["summary", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for region, entry in result["gpus_by_region"].items():
        assert set(entry["h100e"]) == {"stated", "with_targets", "with_up_to"}
        if entry["stated"] is None:
            assert entry["h100e"]["stated"] is None, "no figure is never 0"
    world = result["gpus_worldwide"]
    regions = sum(r["h100e"]["stated"] or 0 for r in result["gpus_by_region"].values())
    assert abs(world["h100e"]["stated"] - regions) <= len(result["gpus_by_region"])  # each region rounded on its own
    assert world["unknown_mix_gpus"]["stated"] == int(DEPLOYMENTS["narvik-microsoft-vera-rubin"]["gpu_count"])


def test_capital_per_h100e_only_where_the_chip_mix_is_known():
    early, now = peers("2025-10-03"), peers()
    nscale = early.loc["nscale"]
    assert nscale["unknown_mix_stated"] is None or str(nscale["unknown_mix_stated"]) == "<NA>"
    # The chip mix is known, but debt had no figure yet: equity and debt together are unknown, so is the ratio.
    assert pd.notna(nscale["h100e_stated"]) and pd.notna(nscale["equity_usd"]) and pd.isna(nscale["debt_usd"])
    assert pd.isna(nscale["capital_per_h100e_stated"])
    assert str(now.loc["nscale", "capital_per_h100e_stated"]) == "<NA>", "Narvik's Vera Rubin GPUs have no sourced rate"
    assert now.drop(index="nscale")["capital_per_h100e_stated"].isna().all(), "no peer names its chips"


def test_power_band_comes_from_the_claims_and_flags_sines():
    factors = overheads()
    b200, gb200 = CHIPS["b200"], CHIPS["gb200"]
    server = [float(c["system_power_kw"]) / (int(c["system_gpus"]) * float(c["max_power_kw"])) for c in (b200, gb200)]
    assert factors["server"] == pytest.approx((min(server), max(server)))
    pue = [float(c["value"]) for c in _rows("claims").values() if c["attribute"] == "pue"]
    assert factors["pue"] == (min(pue), max(pue))
    checks = power_checks().set_index("deployment_id")
    gb300 = bands().loc["gb300"]
    for row_id in ("loughton", "texas-microsoft", "sines-microsoft"):
        implied = float(DEPLOYMENTS[row_id]["power_mw"]) * 1000 / int(DEPLOYMENTS[row_id]["gpu_count"])
        assert checks.at[row_id, "kw_per_gpu"] == round(implied, 2)
        inside = gb300["facility_low_kw"] <= implied <= gb300["facility_high_kw"]
        assert (checks.at[row_id, "check"] == "within") == inside
    assert checks.at["sines-microsoft", "check"] == "below IT load"


def test_estimates_are_never_added_to_a_total():
    before = summary()["gpus_by_region"]["Europe"]["power_mw"]
    checks = power_checks().set_index("deployment_id")
    assert checks.at["uk-dgx-cloud", "check"] == "estimate" and checks.at["uk-dgx-cloud", "estimated_mw_low"] > 0
    assert summary()["gpus_by_region"]["Europe"]["power_mw"] == before


def test_checks_command_fits_80_columns(capsys):
    assert main(["checks"]) == 0
    out = capsys.readouterr().out
    assert "Sines" in out and "below IT load" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_an_older_package_without_the_chip_table_is_named(data):
    data.path("chips.csv").unlink()
    assert [str(p) for p in validate(data.directory)] == ["chips.csv: file is missing"]
