"""Is the plan funded? The cost of the planned GPUs, chip by chip, against the capital raised.

A GPU's cost comes from its chip's price range in ``chips.csv`` (every price
a quoted claim) where a source gives one; GPUs whose chip has no sourced
price, or whose source names no chip, are counted apart as **unpriced**, never
given a guessed price. Beside it, an *assumed* flat cost per GPU (a labelled
parameter, not a sourced figure) prices every GPU, for comparison. Customer
contracts with a stated value are revenue to come, shown beside, never added
to capital.

Example:
    >>> plan = funding()
    >>> plan["stated"]["unpriced_gpus"] == plan["stated"]["gpus"]  # no sourced GB300 or Vera Rubin price
    True
"""

from __future__ import annotations

import pandas as pd

from nscale_data.totals.analysis import LEVELS, capacity_totals, capital_raised, debt_raised, known_sum
from nscale_data.package.dataset import AsOf, Directory, load_chips, load_deployments

ASSUMED_COST_PER_GPU_USD = (40_000, 80_000)  # an assumption for comparison, not a sourced figure
UNNAMED = "no chip named"


def gpus_by_chip(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Planned GPUs by chip at each certainty level, summed over the regions (overlaps removed as in every total).

    The row ``no chip named`` holds GPUs whose source names no chip. Zero rows are dropped.

    Examples:
        >>> int(gpus_by_chip().loc["gb300", "stated"])
        196240
    """
    totals = capacity_totals(as_of, directory)
    counted = totals[totals["counted"] == "region"]
    table: dict[str, dict[str, int]] = {}
    for level in LEVELS:
        for held in counted[f"chips_{level}"]:
            if not isinstance(held, dict):
                continue
            for chip, n in held.items():
                name = chip if isinstance(chip, str) else UNNAMED
                table.setdefault(name, dict.fromkeys(LEVELS, 0))[level] += int(n)
    frame = pd.DataFrame.from_dict(table, orient="index", columns=list(LEVELS)).astype("Int64")
    frame.index.name = "chip_id"
    return frame


def plan_cost(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Each chip's planned GPUs, its sourced price range, and their cost at each level (``<NA>`` where unpriced).

    Examples:
        >>> table = plan_cost()
        >>> pd.isna(table.loc["gb300", "cost_low_stated"])  # no dated page gives a GB300 price
        True
    """
    gpus = gpus_by_chip(as_of, directory)
    chips = load_chips(directory)
    table = gpus.copy()
    table.columns = [f"gpus_{level}" for level in LEVELS]
    table.insert(0, "name", [chips.at[c, "name"] if c in chips.index else UNNAMED for c in table.index])
    for bound in ("low", "high"):
        table[f"price_{bound}_usd"] = pd.array([chips.at[c, f"price_{bound}_usd"] if c in chips.index else pd.NA
                                               for c in table.index], dtype="Int64")
    priced = table["price_low_usd"].notna() & table["price_high_usd"].notna()
    for level in LEVELS:
        for bound in ("low", "high"):
            table[f"cost_{bound}_{level}"] = (table[f"gpus_{level}"] * table[f"price_{bound}_usd"]).where(priced)
    table["priced"] = priced
    return table


def funding(as_of: AsOf = None, directory: Directory = None, assumed: tuple[float, float] = ASSUMED_COST_PER_GPU_USD) -> dict:
    """Capital against the plan's cost at each level: sourced prices where they exist, the flat assumption beside.

    Per level: ``gpus``, ``priced_gpus``, ``unpriced_gpus``; ``sourced_cost`` (low, high) of the priced
    GPUs, None where none is priced; ``assumed_cost`` (low, high) of every GPU at the assumed range;
    ``times_capital`` the assumed cost over equity and committed debt. Beside the levels: ``equity_usd``,
    ``debt_usd``, ``capital_usd`` and ``contracts`` (name, customer, value), never added to capital.
    """
    table = plan_cost(as_of, directory)
    equity, debt = capital_raised(as_of, directory), debt_raised(as_of, directory)
    result: dict = {"equity_usd": equity, "debt_usd": debt, "capital_usd": known_sum(equity, debt),
                    "assumed_cost_per_gpu_usd": tuple(assumed), "contracts": _contracts(as_of, directory)}
    for level in LEVELS:
        gpus = int(table[f"gpus_{level}"].sum()) if len(table) else 0
        priced = int(table.loc[table["priced"], f"gpus_{level}"].sum()) if len(table) else 0
        sourced = None
        if priced:
            sourced = tuple(int(table.loc[table["priced"], f"cost_{b}_{level}"].sum()) for b in ("low", "high"))
        cost = (gpus * assumed[0], gpus * assumed[1]) if gpus else None
        result[level] = {
            "gpus": gpus or None, "priced_gpus": priced, "unpriced_gpus": gpus - priced if gpus else None,
            "sourced_cost": sourced, "assumed_cost": cost,
            "times_capital": None if cost is None or not result["capital_usd"] else tuple(c / result["capital_usd"] for c in cost),
        }
    return result


def _contracts(as_of: AsOf, directory: Directory) -> list[dict]:
    deployments = load_deployments(as_of, directory)
    signed = deployments[deployments["contract_value_usd"].notna()]
    return [{"deployment_id": i, "name": row["short_name"], "customer": str(row["partners"]).split(";")[0].strip(),
             "value_usd": int(row["contract_value_usd"])} for i, row in signed.iterrows()]
