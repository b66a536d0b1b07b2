"""Nscale among its peers: capital raised against GPUs and megawatts, one row per company.

Nscale's row is computed from its detailed tables: the totals of
``summary``, its regions summed (the worldwide roadmap is a goal, never
added). Each peer's row is computed from company-level figures
(``peer_capital.csv``, ``peer_capacity.csv``), each backed by a claim quoting
its source. A peer's row counts from the later of its own date and its
source's publication: the view at a date is what had been published by then.

- **equity** and **debt**: the sums of the rows counted (a row replaced by a
  later one, such as an upsized facility, stops counting). The rows are the
  rounds, offerings and facilities found, not a complete history, so a
  peer's sums are "at least"; ``<NA>`` where none was found.
- **GPUs** and **MW** at the three certainty levels of ``LEVELS``: for each
  status (operated, contracted, planned) the latest company-wide figure,
  or where there is none the sum of the sites (at least the sum, and no surer
  than its least sure part); at each level, the largest of the statuses
  whose figure counts at that level. The statuses overlap (what is operated
  is also contracted), so they are never added.
- **capital per GPU**: equity, and equity plus debt, divided by the GPUs at
  each level; ``<NA>`` where a part is missing, or where the GPUs are only
  a sum of sites (the capital funds the whole company).
"""

from __future__ import annotations

import pandas as pd

# summary()'s own figure helpers: a peer's "no figure" is written as Nscale's is.
from nscale_data.analysis import COUNTED_AT, LEVELS, _missing, _plain_number, as_number, summary
from nscale_data.dataset import (
    AsOf,
    Directory,
    load_claims,
    load_companies,
    load_peer_capacity,
    load_peer_capital,
    load_sources,
    period_end,
    row_dicts,
)

STATUSES = ("operated", "contracted", "planned")


def peers(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """One row per company (Nscale first): equity, debt, GPUs and MW at each level, capital per GPU, sources.

    Examples:
        >>> table = peers("2025-10-03")
        >>> table.loc["nscale", ["equity_usd", "gpus_stated"]].tolist()
        [1718000000, 27640]
        >>> int(table.loc["coreweave", "gpus_stated"]), table.loc["coreweave", "gpus_basis_stated"]
        (250000, 'operated, company-wide (about)')
        >>> pd.isna(table.loc["fluidstack", "equity_usd"])
        True
    """
    companies = load_companies(directory)
    capital = load_peer_capital(as_of, directory)
    capacity = load_peer_capacity(as_of, directory)
    sources = load_sources(as_of, directory)
    claims = load_claims(as_of, directory)
    claims_by_subject = claims.reset_index().groupby("subject_id")["claim_id"].apply(list).to_dict()
    # A row counts once its source is published (a date known to the month or year: from the period's end).
    capital, capacity = capital[capital["source_id"].isin(sources.index)], capacity[capacity["source_id"].isin(sources.index)]
    ends = period_end(sources["published_date"], sources["published_date_precision"])
    published = dict(zip(sources.index, zip(ends, sources["published_date"], sources["published_date_precision"].astype(str))))
    capital_of = _by_company(capital)
    capacity_of = _by_company(capacity.assign(known=period_end(capacity["stated_date"], capacity["stated_date_precision"])))
    rows = []
    for company_id, company in row_dicts(companies).items():
        if company["figures_from"] == "detailed_tables":
            row = _from_detailed_tables(as_of, directory)
        else:
            row = _from_company_figures(capital_of.get(company_id, []), capacity_of.get(company_id, []), claims_by_subject)
            dates = [published[s] for s in row["source_ids"]]
            row["latest_source"], row["latest_source_precision"] = max(dates, key=_latest)[1:] if dates else (pd.NaT, None)
        rows.append({"company_id": company_id, "name": company["name"], "listing": company["listing"],
                     "figures_from": company["figures_from"], **row})
    table = pd.DataFrame(rows).set_index("company_id")
    for measure in ("gpus", "mw"):
        for level in LEVELS:
            table[f"{measure}_{level}"] = table[f"{measure}_{level}"].astype("Float64" if measure == "mw" else "Int64")
    for level in LEVELS:
        table[f"h100e_{level}"] = table[f"h100e_{level}"].astype("Int64")
        table[f"unknown_mix_{level}"] = table[f"unknown_mix_{level}"].astype("Int64")
    for column in ("equity_usd", "debt_usd"):
        table[column] = table[column].astype("Int64")
    equity = table["equity_usd"].astype("Float64")
    both = equity + table["debt_usd"].astype("Float64")  # <NA> if either is missing
    for level in LEVELS:
        # Per GPU only where the GPUs are the company's: a sum of the sites found says nothing per GPU.
        whole = ~table[f"gpus_basis_{level}"].fillna("").str.startswith(tuple(f"{s}, sum of" for s in STATUSES))
        gpus = table[f"gpus_{level}"].astype("Float64").where(whole)
        table[f"equity_per_gpu_{level}"] = (equity / gpus).round(0)
        table[f"capital_per_gpu_{level}"] = (both / gpus).round(0)
        # Per H100-equivalent only where every GPU counted has a known chip: otherwise the ratio would flatter.
        known_mix = table[f"unknown_mix_{level}"].isna() & table[f"gpus_{level}"].notna()
        h100e = table[f"h100e_{level}"].astype("Float64").where(known_mix)
        table[f"capital_per_h100e_{level}"] = (both / h100e).round(0)
    return table


def _by_company(frame: pd.DataFrame) -> dict[str, list[dict]]:
    """Each company's rows as plain dicts (with their ``id``), grouped in one pass whatever the number of companies."""
    grouped: dict[str, list[dict]] = {}
    for row_id, row in row_dicts(frame).items():
        grouped.setdefault(row["company_id"], []).append({"id": row_id, **row})
    return grouped


def _from_detailed_tables(as_of: AsOf, directory: Directory) -> dict:
    """Nscale's row: ``summary``'s totals, its regions summed (the worldwide roadmap is a goal, never added)."""
    totals = summary(as_of, directory)
    row = {"equity_usd": totals["capital_raised_usd"], "equity_qualifier": "exact",
           "debt_usd": totals["debt_raised_usd"], "debt_qualifier": "exact", "claim_ids": [], "source_ids": []}
    regions = totals["gpus_by_region"].values()
    for level in LEVELS:
        for measure, values in (("gpus", [r[level] for r in regions]), ("mw", [r["power_mw"][level] for r in regions])):
            present = [v for v in values if v is not None]
            total = _plain_number(sum(present)) if present else None
            row[f"{measure}_{level}"] = total
            row[f"{measure}_basis_{level}"] = None if total is None else "its deployments, regions summed, overlaps removed"
        compute = [r["h100e"][level] for r in regions if r["h100e"][level] is not None]
        unknown = [r["unknown_mix_gpus"][level] for r in regions if r["unknown_mix_gpus"][level] is not None]
        row[f"h100e_{level}"] = sum(compute) if compute else None
        row[f"unknown_mix_{level}"] = sum(unknown) if unknown else None
    latest = totals["latest_source"]
    row["latest_source"], row["latest_source_precision"] = (pd.NaT, None) if latest is None else (pd.Timestamp(latest), "day")
    return row


def _latest(dated: tuple[pd.Timestamp, pd.Timestamp, str]) -> tuple:
    """Sort key of (period end, date, precision): the latest known, the more precise first on the same day."""
    return dated[0], {"day": 2, "month": 1, "year": 0}[dated[2]]


def _from_company_figures(capital: list[dict], capacity: list[dict], claims_by_subject: dict) -> dict:
    """A peer's row from its capital and capacity rows (plain dicts, see ``peers``)."""
    counted = [item for item in capital if _missing(item["superseded_by"])]
    row: dict = {}
    used: list[dict] = list(counted)
    for kind in ("equity", "debt"):
        amounts = [int(item["amount_usd"]) for item in counted if item["kind"] == kind]
        row[f"{kind}_usd"] = sum(amounts) if amounts else None
        row[f"{kind}_qualifier"] = "at_least" if amounts else None
    for measure in ("gpus", "mw"):
        figures = {status: _figure([f for f in capacity if f["measure"] == measure and f["status"] == status], used)
                   for status in STATUSES}
        for level in LEVELS:
            admitted = [(value, status, basis) for status, (value, qualifier, basis) in figures.items()
                        if value is not None and qualifier in COUNTED_AT[level]]
            best = max(admitted, default=None, key=lambda item: item[0])
            row[f"{measure}_{level}"] = None if best is None else as_number(best[0])
            row[f"{measure}_basis_{level}"] = None if best is None else f"{best[1]}, {best[2]}"
    for level in LEVELS:  # no peer figure names its chips: every GPU is of unknown mix
        row[f"h100e_{level}"], row[f"unknown_mix_{level}"] = None, row[f"gpus_{level}"]
    row["claim_ids"] = [claim for item in used for claim in claims_by_subject.get(item["id"], [])]
    row["source_ids"] = sorted({item["source_id"] for item in used})
    return row


QUALIFIER_WORDS = {"exact": "exact", "approx": "about", "at_least": "at least", "up_to": "up to", "target": "a target"}


def _figure(rows: list[dict], used: list[dict]) -> tuple[float | None, str | None, str]:
    """(value, qualifier, basis) of one measure and status: the latest company-wide figure, else the sum of the sites."""
    company = [r for r in rows if r["scope"] == "company"]
    if company:
        latest = max(company, key=lambda r: (r["known"], float(r["value"])))
        used.append(latest)
        return float(latest["value"]), latest["qualifier"], f"company-wide ({QUALIFIER_WORDS[latest['qualifier']]})"
    sites = [r for r in rows if r["scope"] == "site"]
    if not sites:
        return None, None, ""
    used.extend(sites)
    qualifiers = {r["qualifier"] for r in sites}
    # The sum is as sure as its least sure part: any 'up to' makes it 'up to', else any target a target.
    qualifier = "up_to" if "up_to" in qualifiers else "target" if "target" in qualifiers else "at_least"
    words = "at least" if qualifier == "at_least" else QUALIFIER_WORDS[qualifier]
    return sum(float(r["value"]) for r in sites), qualifier, f"sum of {len(sites)} site{'s' if len(sites) > 1 else ''} found ({words})"


def peers_summary(as_of: AsOf = None, directory: Directory = None) -> list[dict]:
    """``peers`` as plain JSON-ready values: one object per company, ``None`` where no figure exists.

    Examples:
        >>> [c["company_id"] for c in peers_summary()][:2]
        ['nscale', 'coreweave']
    """
    table = peers(as_of, directory)
    result = []
    for company_id, row in table.iterrows():
        entry = {"company_id": company_id, "name": row["name"], "listing": row["listing"], "figures_from": row["figures_from"],
                 "latest_source": None if pd.isna(row["latest_source"]) else row["latest_source"].strftime("%Y-%m-%d"),
                 "latest_source_precision": row["latest_source_precision"]}
        for kind in ("equity", "debt"):
            entry[f"{kind}_usd"] = _plain_number(row[f"{kind}_usd"])
            entry[f"{kind}_qualifier"] = row[f"{kind}_qualifier"]
        for measure in ("gpus", "mw"):
            entry[measure] = {level: _plain_number(row[f"{measure}_{level}"]) for level in LEVELS}
            entry[f"{measure}_basis"] = {level: row[f"{measure}_basis_{level}"] for level in LEVELS}
        entry["h100e"] = {level: _plain_number(row[f"h100e_{level}"]) for level in LEVELS}
        entry["unknown_mix_gpus"] = {level: _plain_number(row[f"unknown_mix_{level}"]) for level in LEVELS}
        for ratio in ("equity_per_gpu", "capital_per_gpu", "capital_per_h100e"):
            entry[f"{ratio}_usd"] = {level: _plain_number(row[f"{ratio}_{level}"]) for level in LEVELS}
        entry["claim_ids"], entry["source_ids"] = list(row["claim_ids"]), list(row["source_ids"])
        result.append(entry)
    return result

