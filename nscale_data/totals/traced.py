"""The claims and sources behind each total a chart draws, so every bar and point names its evidence.

A total's claims are those stating the figure of each row that adds to it
(an amount counted in the equity or the debt, a deployment's GPUs or MW
counted at the level drawn), published by the date drawn; its sources are
those claims' sources.

    >>> claims, sources = behind_capital("equity", "2025-10-03")
    >>> "channelnews-2025-10-03" in sources and "article-safe-amount" in claims
    True
"""

from __future__ import annotations

import pandas as pd

from nscale_data.package.dataset import AsOf, Directory, load_claims, load_debt_facilities
from nscale_data.totals.analysis import reconcile, regions as all_regions, rounds_counted

FIGURE_OF = {"gpus": "gpu_count", "mw": "power_mw"}


def behind_capital(kind: str, as_of: AsOf = None, directory: Directory = None) -> tuple[list[str], list[str]]:
    """Claims and sources stating the amounts counted in the equity (``kind="equity"``) or the committed debt (``"debt"``)."""
    if kind == "equity":
        rows = rounds_counted(as_of, directory)
        rows = rows[rows["counted"] & rows["amount_usd"].notna()]
    elif kind == "debt":
        rows = load_debt_facilities(as_of, directory)
        rows = rows[rows["amount_usd"].notna()]
    else:
        raise ValueError(f"kind must be 'equity' or 'debt', not {kind!r}")
    return stating(rows["amount_usd"], "amount_usd", as_of, directory)


def behind_capacity(level: str, measure: str, as_of: AsOf = None, directory: Directory = None, regions: list[str] | None = None,
                    rows: list[str] | None = None, memo: dict | None = None) -> tuple[list[str], list[str]]:
    """Claims and sources stating the figure of each deployment that adds to the GPUs or MW of ``regions`` (default:
    every region) at ``level``.

    ``rows`` narrows it to some deployments (those due by a quarter, say); ``memo``, a dict kept by the caller for
    one view of the data, saves reconciling a region again for the next value of the same chart.
    """
    memo = {} if memo is None else memo
    parts = []
    for region in all_regions(directory) if regions is None else regions:
        key = (region, level, measure, None if as_of is None else pd.Timestamp(as_of))
        if key not in memo:
            memo[key] = contributing(region, level, measure, as_of, directory)
        parts.append(memo[key])
    figures = pd.concat(parts) if parts else pd.Series(dtype=object)
    if rows is not None:
        figures = figures[figures.index.isin(rows)]
    return stating(figures, FIGURE_OF[measure], as_of, directory)


def contributing(region: str, level: str, measure: str, as_of: AsOf = None, directory: Directory = None) -> pd.Series:
    """The figure of each deployment that adds to a region's GPUs or MW at ``level`` (``reconcile``), by its id."""
    table = reconcile(region, level, measure, as_of, directory)
    return table.loc[table["contributes"].astype("Float64").fillna(0) > 0, "figure"]


def stating(figures: pd.Series, attribute: str, as_of: AsOf = None, directory: Directory = None) -> tuple[list[str], list[str]]:
    """Claims published by ``as_of`` stating each row's figure (same subject, attribute and value), and their sources."""
    claims = load_claims(as_of, directory)
    claims = claims[(claims["attribute"] == attribute) & claims["value"].notna()]
    wanted = {(str(row_id), float(value)) for row_id, value in figures.items() if pd.notna(value)}
    found = [(claim_id, source) for claim_id, subject, value, source in
             zip(claims.index, claims["subject_id"], claims["value"], claims["source_id"])
             if (str(subject), float(value)) in wanted]
    return sorted(c for c, _ in found), sorted({s for _, s in found})
