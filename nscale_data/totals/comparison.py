"""Nscale among its peers: capital raised against GPUs and megawatts, one row per company.

Nscale's row is computed from its detailed tables: the totals of
``summary``, its regions summed (the worldwide roadmap is a goal, never
added). Each peer's row is computed from company-level figures
(``peer_capital.csv``, ``peer_capacity.csv``), each backed by a claim quoting
its source. A peer's row counts from the later of its own date and its
source's publication: the view at a date is what had been published by then.

- **equity** and **debt**: the latest company-wide total the company
  states (a filing's total principal of debt), plus the items announced after
  the date it describes; where there is none, the sum of the rounds,
  offerings and facilities found (a row replaced by a later one, such as an
  upsized facility, stops counting), which is "at least": the rows found are
  not a complete history. ``<NA>`` where nothing was found.
- **GPUs** and **MW** at the three certainty levels of ``LEVELS``: distinct
  sites are added, each at its largest figure admitted at that level (no site
  counted twice); a company-wide figure (for each status its latest, of those
  the largest) replaces that sum when it is later or larger. A sum is no
  surer than its least sure site. ``*_basis_*`` says which, in words.
- **capital per GPU**: equity, and equity plus debt, divided by the GPUs at
  each level; ``<NA>`` where a part is missing, or where the GPUs are only
  a sum of sites (the capital funds the whole company). Per H100-equivalent
  only where every GPU's chip is known (never, so far, for a peer).
"""

from __future__ import annotations

import pandas as pd

# summary()'s own figure helpers: a peer's "no figure" is written as Nscale's is.
from nscale_data.totals.analysis import COUNTED_AT, LEVELS, _missing, _plain_number, as_number, day, summary
from nscale_data.package.dataset import (
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
    row = {"equity_usd": totals["capital_raised_usd"], "equity_qualifier": "exact", "equity_basis": "its rounds, each counted once",
           "debt_usd": totals["debt_raised_usd"], "debt_qualifier": "exact", "debt_basis": "its committed facilities",
           "claim_ids": [], "source_ids": []}
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
    used: list[dict] = []
    for kind in ("equity", "debt"):
        value, qualifier, basis = _capital(kind, [item for item in counted if item["kind"] == kind], used)
        row[f"{kind}_usd"], row[f"{kind}_qualifier"], row[f"{kind}_basis"] = value, qualifier, basis
    for measure in ("gpus", "mw"):
        rows = [f for f in capacity if f["measure"] == measure]
        for level in LEVELS:
            value, qualifier, basis = _capacity([f for f in rows if f["qualifier"] in COUNTED_AT[level]], rows, used)
            row[f"{measure}_{level}"] = None if value is None else as_number(value)
            row[f"{measure}_basis_{level}"] = basis
    for level in LEVELS:  # no peer figure names its chips: every GPU is of unknown mix
        row[f"h100e_{level}"], row[f"unknown_mix_{level}"] = None, row[f"gpus_{level}"]
    unique = list({item["id"]: item for item in used}.values())
    row["claim_ids"] = [claim for item in unique for claim in claims_by_subject.get(item["id"], [])]
    row["source_ids"] = sorted({item["source_id"] for item in unique})
    return row


QUALIFIER_WORDS = {"exact": "exact", "approx": "about", "at_least": "at least", "up_to": "up to", "target": "a target"}


def _capital(kind: str, items: list[dict], used: list[dict]) -> tuple[int | None, str | None, str | None]:
    """(amount, qualifier, basis) of a peer's equity or debt.

    The latest company-wide total (a filing's total principal of debt, say),
    plus the items announced after the date it describes; where there is no
    total, the sum of the items found, which is "at least".
    """
    totals = [item for item in items if item["scope"] == "company"]
    parts = [item for item in items if item["scope"] == "item"]
    if totals:
        latest = max(totals, key=lambda item: item["announced_date"])
        since = [item for item in parts if item["announced_date"] > latest["announced_date"]]
        used.extend([latest, *since])
        when = day(latest["announced_date"], str(latest["announced_date_precision"]))
        basis = f"company total at {when}" + (f" + {len(since)} item{'s' if len(since) > 1 else ''} since" if since else "")
        return int(latest["amount_usd"]) + sum(int(item["amount_usd"]) for item in since), \
            "at_least" if since else latest["qualifier"], basis
    if not parts:
        return None, None, None
    used.extend(parts)
    return sum(int(item["amount_usd"]) for item in parts), "at_least", f"sum of {len(parts)} item{'s' if len(parts) > 1 else ''} found"


def _capacity(admitted: list[dict], every: list[dict], used: list[dict]) -> tuple[float | None, str | None, str | None]:
    """(value, qualifier, basis) of one measure at one level, from the rows admitted at that level.

    Distinct sites are added, each at its largest admitted figure (a site's
    later plan, linked by ``superseded_by``, replaces the earlier once both are
    counted). A company-wide figure (for each status its latest; of those the
    largest) replaces the sum of the sites when it is later or larger.
    """
    ids = {f["id"] for f in every}
    sites = [f for f in admitted if f["scope"] == "site" and not (isinstance(f["superseded_by"], str) and f["superseded_by"] in ids)]
    company = [f for f in admitted if f["scope"] == "company"]
    latest = {}
    for f in company:
        if f["status"] not in latest or (f["known"], float(f["value"])) > (latest[f["status"]]["known"], float(latest[f["status"]]["value"])):
            latest[f["status"]] = f
    best = max(latest.values(), key=lambda f: float(f["value"]), default=None)
    by_site: dict[str, dict] = {}
    for f in sites:
        if f["site"] not in by_site or float(f["value"]) > float(by_site[f["site"]]["value"]):
            by_site[f["site"]] = f
    chosen = list(by_site.values())
    total = sum(float(f["value"]) for f in chosen) if chosen else None
    if best is not None and (total is None or float(best["value"]) >= total
                             or best["known"] >= max(f["known"] for f in chosen)):
        used.append(best)
        return float(best["value"]), best["qualifier"], f"{best['status']}, company-wide ({QUALIFIER_WORDS[best['qualifier']]})"
    if total is None:
        return None, None, None
    used.extend(chosen)
    qualifiers = {f["qualifier"] for f in chosen}
    # The sum is as sure as its least sure part: any 'up to' makes it 'up to', else any target a target.
    qualifier = "up_to" if "up_to" in qualifiers else "target" if "target" in qualifiers else "at_least"
    statuses = " or ".join(s for s in STATUSES if any(f["status"] == s for f in chosen))
    words = "at least" if qualifier == "at_least" else QUALIFIER_WORDS[qualifier]
    return total, qualifier, f"{statuses}, sum of {len(chosen)} site{'s' if len(chosen) > 1 else ''} found ({words})"


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
            entry[f"{kind}_qualifier"] = row[f"{kind}_qualifier"] if isinstance(row[f"{kind}_qualifier"], str) else None
            entry[f"{kind}_basis"] = row[f"{kind}_basis"] if isinstance(row[f"{kind}_basis"], str) else None
        for measure in ("gpus", "mw"):
            entry[measure] = {level: _plain_number(row[f"{measure}_{level}"]) for level in LEVELS}
            entry[f"{measure}_basis"] = {level: row[f"{measure}_basis_{level}"] if isinstance(row[f"{measure}_basis_{level}"], str)
                                         else None for level in LEVELS}
        entry["h100e"] = {level: _plain_number(row[f"h100e_{level}"]) for level in LEVELS}
        entry["unknown_mix_gpus"] = {level: _plain_number(row[f"unknown_mix_{level}"]) for level in LEVELS}
        for ratio in ("equity_per_gpu", "capital_per_gpu", "capital_per_h100e"):
            entry[f"{ratio}_usd"] = {level: _plain_number(row[f"{ratio}_{level}"]) for level in LEVELS}
        entry["claim_ids"], entry["source_ids"] = list(row["claim_ids"]), list(row["source_ids"])
        result.append(entry)
    return result

