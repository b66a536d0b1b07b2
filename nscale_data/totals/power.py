"""Power checked both ways: GPUs against megawatts, through each chip's plausible all-in power per GPU.

A GPU draws its maximum power (``max_power_kw`` in ``chips.csv``); the server
or rack around it adds an overhead, and the building a further one (its power
usage effectiveness, PUE). Both ranges come from the data, each figure stated
by a claim:

- **server overhead**: a system's power over its GPUs' own, for every chip
  whose sources state one (a DGX B200: 14.3 kW for eight 1 kW GPUs, 1.79; a
  GB200 NVL72 rack: about 120 kW for 72 GPUs of 1.2 kW, 1.39);
- **PUE**: the claims about data centres in general (Google's 1.1, the
  industry's average 1.58 in Uptime Institute's 2023 survey).

So one GPU needs ``max_power_kw × overhead`` of IT power, and that times the
PUE at the meter. A row with both GPUs and MW is checked against that band; a
row with only one of them gets an **estimate** of the other, never added to
any total.
"""

from __future__ import annotations

import pandas as pd

from nscale_data.totals.analysis import capacity_totals
from nscale_data.package.dataset import AsOf, Directory, load_chips, load_claims, load_deployments
from nscale_data.package.rules import INDUSTRY

COUNTED = ("region", "worldwide")


def overheads(directory: Directory = None) -> dict[str, tuple[float, float] | None]:
    """The server overhead and PUE ranges, (low, high) each, from the data; None where no source gives one.

    Examples:
        >>> {name: tuple(round(v, 2) for v in pair) for name, pair in overheads().items()}
        {'server': (1.39, 1.79), 'pue': (1.1, 1.58)}
    """
    chips = load_chips(directory)
    stated = chips.dropna(subset=["system_power_kw", "system_gpus", "max_power_kw"])
    server = (stated["system_power_kw"] / (stated["system_gpus"] * stated["max_power_kw"])).astype(float)
    claims = load_claims(directory=directory)
    pue = claims.loc[(claims["subject_id"] == INDUSTRY) & (claims["attribute"] == "pue"), "value"].astype(float)
    return {"server": (float(server.min()), float(server.max())) if not server.empty else None,
            "pue": (float(pue.min()), float(pue.max())) if not pue.empty else None}


def bands(directory: Directory = None) -> pd.DataFrame:
    """Per chip with a sourced maximum power: kW per GPU of IT load and at the meter, low and high.

    Examples:
        >>> bands().loc["gb300", ["it_low_kw", "facility_high_kw"]].astype(float).round(2).tolist()
        [1.94, 3.95]
    """
    chips = load_chips(directory).dropna(subset=["max_power_kw"])
    factors = overheads(directory)
    table = pd.DataFrame(index=chips.index)
    table["gpu_kw"] = chips["max_power_kw"].astype(float)
    if factors["server"] is None or factors["pue"] is None:
        return table.iloc[0:0]
    (server_low, server_high), (pue_low, pue_high) = factors["server"], factors["pue"]
    table["it_low_kw"], table["it_high_kw"] = table["gpu_kw"] * server_low, table["gpu_kw"] * server_high
    table["facility_low_kw"], table["facility_high_kw"] = table["it_low_kw"] * pue_low, table["it_high_kw"] * pue_high
    return table


def power_checks(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every counted deployment with GPUs or MW, checked or estimated through its chip's band.

    ``check`` is ``within``, ``below IT load``, ``IT load, not facility`` or
    ``above`` for a row with both figures (``kw_per_gpu`` the implied power);
    ``estimate`` for a row with one figure (``estimated_gpus_*`` or
    ``estimated_mw_*`` give the range, never counted); ``no chip`` where the
    row names no chip with a sourced power. ``reason`` says what a finding
    most likely means.

    Examples:
        >>> checks = power_checks().set_index("deployment_id")
        >>> float(checks.loc["sines-microsoft", "kw_per_gpu"]), checks.loc["sines-microsoft", "check"]
        (1.59, 'below IT load')
    """
    totals = capacity_totals(as_of, directory)
    totals = totals[totals["counted"].isin(COUNTED) | totals["counted"].str.startswith("part of ")]
    chips = bands(directory)
    model = load_deployments(as_of, directory)["gpu_model"]
    rows = []
    for row_id, row in totals.iterrows():
        gpus, mw = row["gpu_count"], row["power_mw"]
        if pd.isna(gpus) and pd.isna(mw):
            continue
        chip = model.get(row_id)
        band = chips.loc[chip] if isinstance(chip, str) and chip in chips.index else None
        entry = {"deployment_id": row_id, "name": row["name"], "chip": chip if isinstance(chip, str) else None,
                 "gpus": None if pd.isna(gpus) else int(gpus), "mw": None if pd.isna(mw) else float(mw),
                 "kw_per_gpu": None, "check": "no chip", "reason": "", "band_kw": None,
                 "estimated_gpus_low": None, "estimated_gpus_high": None, "estimated_mw_low": None, "estimated_mw_high": None}
        if band is None:
            entry["reason"] = "no chip named" if entry["chip"] is None else "no sourced power for this chip"
        else:
            entry["band_kw"] = (round(band["facility_low_kw"], 2), round(band["facility_high_kw"], 2))
            if entry["gpus"] is not None and entry["mw"] is not None:
                implied = entry["mw"] * 1000 / entry["gpus"]
                entry["kw_per_gpu"] = round(implied, 2)
                entry["check"], entry["reason"] = _verdict(implied, band)
            elif entry["mw"] is not None:
                entry["check"], entry["reason"] = "estimate", "power only: GPUs estimated from the chip, never counted"
                entry["estimated_gpus_low"] = int(entry["mw"] * 1000 // band["facility_high_kw"])
                entry["estimated_gpus_high"] = int(entry["mw"] * 1000 // band["it_low_kw"])
            else:
                entry["check"], entry["reason"] = "estimate", "GPUs only: power estimated from the chip, never counted"
                entry["estimated_mw_low"] = round(entry["gpus"] * band["it_low_kw"] / 1000, 1)
                entry["estimated_mw_high"] = round(entry["gpus"] * band["facility_high_kw"] / 1000, 1)
        rows.append(entry)
    return pd.DataFrame(rows, columns=list(rows[0]) if rows else ["deployment_id", "check"])


def _verdict(implied: float, band: pd.Series) -> tuple[str, str]:
    if implied < band["it_low_kw"]:
        return "below IT load", "less than the GPUs' own IT load: likely initial power only, or a later phase's GPUs"
    if implied < band["facility_low_kw"]:
        return "IT load, not facility", "about the IT load: likely IT (critical) power, not power at the meter"
    if implied > band["facility_high_kw"]:
        return "above", "more than the band: likely power for later growth, or a site shared with others"
    return "within", ""


def findings(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """The rows whose implied power per GPU lies outside their chip's band (``power_checks`` filtered)."""
    checks = power_checks(as_of, directory)
    return checks[checks["check"].isin(["below IT load", "IT load, not facility", "above"])].reset_index(drop=True)

