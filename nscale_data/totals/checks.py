"""Every claim beside the value it is checked against: agreements, conflicts and their reasons.

The resolved value of a figure is the one in the rounds, facilities or
deployments table (which follows the primary source), a sum for a claim
about several rows, or, for a claim about the company's total, the equity
(or equity and debt) raised by the source's date.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd

from nscale_data.totals.analysis import (
    APPROX_TOLERANCE,
    SOURCE_RANK,
    _missing,
    as_number,
    capital_raised,
    debt_raised,
    known_sum,
    round_name,
    rounds_counted,
)
from nscale_data.package.dataset import (
    AsOf,
    Directory,
    cached_by_data,
    dataset_as_of,
    load_claims,
    load_companies,
    load_debt_facilities,
    load_deployments,
    load_funding_rounds,
    load_peer_capacity,
    load_peer_capital,
    load_sources,
    period_end,
    row_dicts,
)
from nscale_data.package.rules import COMPANY, TEXT_ATTRIBUTES, owners


@cached_by_data
def claim_checks(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every claim beside the value it is checked against, whether they agree, and why not.

    The resolved value is the one in the rounds, facilities or deployments
    table (which follows the primary source), a sum for a claim about several
    rows, or, for a claim about the company's total, the equity (or equity and
    debt) raised by the source's date. Claims with nothing to check against
    (the company's founding year, say) are left out. ``agrees`` follows the
    claim's qualifier: "at least" agrees with any larger value, "about" with a
    value within 5%. ``reason`` says how a disagreeing claim differs, naming
    a double count where the claim equals a total that counts a round twice.
    """
    claims = load_claims(as_of, directory)
    sources = load_sources(as_of, directory)
    tables = {
        "funding_rounds": load_funding_rounds(as_of, directory),
        "debt_facilities": load_debt_facilities(as_of, directory),
        "deployments": load_deployments(as_of, directory),
        "peer_capital": load_peer_capital(as_of, directory),
        "peer_capacity": load_peer_capacity(as_of, directory),
    }
    # Everything looked up per claim is built once, as plain dicts: one pass over the claims.
    # Of the rows, only the columns a claim can ask for (its attributes, qualifiers and sources).
    asked = set(claims["attribute"].unique()) | {"source_id", "status_source_id", "qualifier", *QUALIFIER_COLUMNS.values()}
    rows_by_id = {name: row_dicts(frame, [c for c in frame.columns if c in asked]) for name, frame in tables.items()}
    owner = owners(rows_by_id)  # each row id with the first table holding it
    names = subject_names({**tables, "companies": load_companies(directory)})
    columns = {name: set(frame.columns) for name, frame in tables.items()}
    kinds = dict(zip(sources.index.tolist(), sources["kind"].astype(str).tolist()))
    about_company = sources.index.isin(claims.loc[claims["subject_id"] == COMPANY, "source_id"])
    dated = sources[about_company]
    reviewed = dataset_as_of(directory)
    published_by_source = dict(zip(dated.index.tolist(), period_end(dated["published_date"], dated["published_date_precision"]).clip(upper=reviewed).tolist()))
    company_totals = _CompanyTotals(directory)
    records = row_dicts(claims)
    stated = _Stated(records, kinds)
    rows = []
    for claim_id, claim in records.items():
        published = published_by_source[claim["source_id"]] if claim["subject_id"] == COMPANY else None
        resolved = _resolve(claim, rows_by_id, owner, columns, stated, kinds, published, company_totals)
        if resolved is None:
            continue
        value, qualifier, source_id = resolved
        agrees = _agrees(claim, value)
        rows.append(
            {
                "claim_id": claim_id,
                "subject": claim["subject_id"],
                "subject_name": subject_name(claim["subject_id"], names),
                "attribute": claim["attribute"],
                "claimed_value": _plain(claim),
                "claimed_qualifier": claim["qualifier"],
                "source_id": claim["source_id"],
                "evidence": claim["evidence"],
                "resolved_value": value,
                "resolved_qualifier": qualifier,
                "resolved_source_id": source_id,
                "agrees": agrees,
                "reason": "" if agrees else _reason(claim, value, published, company_totals),
            }
        )
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


CHECK_COLUMNS = [
    "claim_id", "subject", "subject_name", "attribute", "claimed_value", "claimed_qualifier", "source_id",
    "evidence", "resolved_value", "resolved_qualifier", "resolved_source_id", "agrees", "reason",
]
# Claims about the company's total, and the totals they are checked against.
COMPANY_TOTALS = ("capital_raised_usd", "funding_raised_usd")


class _CompanyTotals:
    """Equity, debt and the rounds counted at a date, computed once per date."""

    def __init__(self, directory: Directory):
        self.directory, self._seen = directory, {}

    def at(self, date) -> tuple[int, int, pd.DataFrame]:
        if date not in self._seen:
            self._seen[date] = (capital_raised(date, self.directory), debt_raised(date, self.directory),
                                rounds_counted(date, self.directory))
        return self._seen[date]

    def unpublished_debt(self, date) -> tuple[int, list[str]]:
        """Debt announced by ``date`` whose amount no source dated by then states: its sum and names (once per date)."""
        key = ("unpublished", date)
        if key not in self._seen:
            known = load_debt_facilities(date, self.directory)
            late = known[known["amount_usd"].isna()]
            amounts = load_debt_facilities(directory=self.directory)["amount_usd"]
            self._seen[key] = (sum(int(amounts[i]) for i in late.index), late["name"].astype(str).tolist())
        return self._seen[key]

    def total(self, attribute: str, date) -> int | None:
        """The company total a claim of ``attribute`` is checked against at ``date``; None where no amount is counted."""
        equity, debt, _ = self.at(date)
        return known_sum(equity, debt) if attribute == "funding_raised_usd" else equity


def conflicts(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Claims that disagree with the resolved value, one row per claim, with the reason (see ``claim_checks``).

    Examples:
        >>> c = conflicts().set_index("claim_id")
        >>> c.loc["article-stargate-uk-gpus", ["claimed_value", "resolved_value"]].tolist()
        [50000, 31000]
        >>> c.loc["computerweekly-funding-total", "reason"].split(";")[0]
        'counts the Pre-Series C SAFE twice: it is inside the Series C'
    """
    checks = claim_checks(as_of, directory)
    return checks.loc[~checks["agrees"].astype(bool)].drop(columns="agrees").reset_index(drop=True)


def _plain(claim) -> object:
    return claim["value_text"] if claim["attribute"] in TEXT_ATTRIBUTES else as_number(claim["value"])


def subject_names(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """A reader's name for every row id: deployments and facilities by name, rounds by stage."""
    names = {COMPANY: "Nscale"}
    rounds = tables["funding_rounds"]
    names.update((i, round_name(stage, instrument)) for i, stage, instrument in zip(rounds.index, rounds["stage"], rounds["instrument"]))
    for table in ("debt_facilities", "deployments"):
        names.update(tables[table]["name"].to_dict())
    if "peer_capital" in tables:
        companies = tables["companies"]["name"].to_dict()
        capital, capacity = tables["peer_capital"], tables["peer_capacity"]
        names.update((i, f"{companies[c]}: {n}") for i, c, n in zip(capital.index, capital["company_id"], capital["name"]))
        names.update((i, f"{companies[c]}: {'GPUs' if m == 'gpus' else 'MW'} {s}, {site if isinstance(site, str) else 'company-wide'}")
                     for i, c, m, s, site in zip(capacity.index, capacity["company_id"], capacity["measure"], capacity["status"], capacity["site"]))
    return names


def subject_name(subject: str, names: dict[str, str]) -> str:
    """A reader's name for a claim's subject (``names`` from ``subject_names``), several joined by ' + '.

        >>> subject_name("a+nscale", {"a": "Loughton", "nscale": "Nscale"})
        'Loughton + Nscale'
    """
    return " + ".join(names.get(part, part) for part in subject.split("+"))


QUALIFIER_COLUMNS = {"gpu_count": "gpu_count_qualifier", "power_mw": "power_mw_qualifier"}


def _resolve(claim, rows_by_id, owner, columns, stated, kinds, published, company_totals) -> tuple[object, str, str | None] | None:
    """(value, qualifier, source_id) the claim is checked against, or None if nothing resolves it.

    ``owner`` names the table of a one-row subject, so such a claim, the most common, looks in one table.
    """
    subject, attribute = claim["subject_id"], claim["attribute"]
    if subject == COMPANY:
        if attribute not in COMPANY_TOTALS:
            return None
        total = company_totals.total(attribute, published)
        return None if total is None else (total, "sum", None)
    parts = subject.split("+")
    table = owner.get(subject)
    candidates = [(table, rows_by_id[table])] if table is not None and attribute in columns[table] else rows_by_id.items()
    for name, rows in candidates:
        if attribute not in columns[name] or not all(p in rows for p in parts):
            continue
        values = [rows[p][attribute] for p in parts]
        if len(parts) > 1:
            if attribute in TEXT_ATTRIBUTES or any(_missing(v) for v in values):
                return None
            return as_number(sum(float(v) for v in values)), "sum", None
        row, value = rows[parts[0]], values[0]
        if attribute in TEXT_ATTRIBUTES:
            text = "" if _missing(value) else (value.strftime("%Y-%m-%d") if attribute == "announced_date" else str(value))
            source = row["status_source_id"] if attribute == "status" else row["source_id"]
            return text, "exact", None if _missing(source) else source
        if _missing(value):
            return None
        qualifier = row.get(QUALIFIER_COLUMNS.get(attribute, "qualifier")) or "exact"  # peers' rows have a qualifier column
        return as_number(value), qualifier, stated.best(subject, attribute, float(value))
    return None


class _Stated:
    """The claims stating each (subject, attribute), and the most primary source of a value among them.

    The best source of a (subject, attribute, value) is found once, in one pass over that group, and kept: a
    subject with thousands of claims costs a pass per distinct resolved value, not a pass per claim.
    """

    def __init__(self, records: dict, kinds: dict[str, str]):
        self.kinds, self.groups, self.found = kinds, {}, {}
        for claim in records.values():
            if not _missing(claim["value"]):
                self.groups.setdefault((claim["subject_id"], claim["attribute"]), []).append((float(claim["value"]), claim["source_id"]))

    def best(self, subject: str, attribute: str, value: float) -> str | None:
        key = (subject, attribute, value)
        if key not in self.found:
            same = [source for v, source in self.groups.get((subject, attribute), []) if math.isclose(v, value)]
            self.found[key] = min(same, key=lambda s: SOURCE_RANK[self.kinds[s]]) if same else None
        return self.found[key]


def _agrees(claim, resolved: object) -> bool:
    attribute, qualifier = claim["attribute"], claim["qualifier"]
    if attribute in TEXT_ATTRIBUTES:
        stated = claim["value_text"]
        if attribute == "announced_date":
            return resolved.startswith(stated)
        if attribute in NAME_LISTS:
            return _names(stated) == _names(resolved)
        return stated == resolved
    return _figure_agrees(float(claim["value"]), qualifier, resolved)


NAME_LISTS = frozenset({"lead_investors", "other_investors", "target_regions", "lenders"})


def _figure_agrees(stated: float, qualifier: str, resolved: float) -> bool:
    if qualifier == "at_least":
        return resolved >= stated
    if qualifier == "approx":
        return abs(resolved - stated) <= APPROX_TOLERANCE * max(abs(resolved), 1)
    return math.isclose(resolved, stated)


def _reason(claim, resolved: object, published, company_totals: _CompanyTotals) -> str:
    """Why a claim disagrees: a double count where one explains it, else the size of the gap."""
    if claim["attribute"] in TEXT_ATTRIBUTES:
        return {"announced_date": "a different date"}.get(claim["attribute"], "different names" if claim["attribute"] in NAME_LISTS else "a different value")
    stated, qualifier = float(claim["value"]), claim["qualifier"]
    if claim["subject_id"] == COMPANY and claim["attribute"] in COMPANY_TOTALS:
        _, debt, rounds = company_totals.at(published)
        folded = rounds[~rounds["counted"]]
        twice = sum(int(v) for v in folded["amount_usd"].dropna())
        names = " and the ".join(round_name(r["stage"], r["instrument"]) for _, r in folded.iterrows())
        holders = " and the ".join(dict.fromkeys(
            round_name(rounds.at[h, "stage"], rounds.at[h, "instrument"]) for h in folded["included_in"]))
        late, late_names = company_totals.unpublished_debt(published)
        explanations = [(twice, f"counts the {names} twice: it is inside the {holders}"),
                        (debt if claim["attribute"] == "capital_raised_usd" else 0, "counts debt as equity"),
                        (late, ("counts debt as equity: " if claim["attribute"] == "capital_raised_usd" else "includes ")
                         + f"the {' and the '.join(late_names)}, announced by then but stated in no dated source until later")]
        explanations = [(extra, words) for extra, words in explanations if extra]
        for size in range(1, len(explanations) + 1):  # the fewest explanations that account for the claim
            for chosen in itertools.combinations(explanations, size):
                if _figure_agrees(stated, qualifier, resolved + sum(extra for extra, _ in chosen)):
                    return "; ".join(words for _, words in chosen)
    gap = stated / resolved - 1 if resolved else math.inf
    return f"{abs(gap):.0%} {'above' if gap > 0 else 'below'} the resolved value"


def _names(text: str) -> set[str]:
    return {name.strip().casefold() for name in text.split(";") if name.strip()}


def source_checks(source_id: str, as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Each claim of one source beside what the other sources say, largest gap first.

    A claim is compared with the resolved value only where another source
    states it (never with the source itself), naming the most primary such
    source; a total is compared with the sum of the tables' rows. ``gap`` is
    the relative difference for a figure (0.61 for 61% above), the days
    between the stated period and the resolved date for a date, and empty for
    names. Claims no other source confirms are kept, with ``compared_kind``
    "no other source".

    Examples:
        >>> article = source_checks("channelnews-2025-10-03").set_index("claim_id")
        >>> article.loc["article-stargate-uk-gpus", ["compared_value", "compared_source_id"]].tolist()
        [31000, 'openai-2025-09-16']
        >>> round(float(article.loc["article-stargate-uk-gpus", "gap"]), 3)
        0.613
        >>> int(article.loc["article-stargate-norway-date", "gap"])
        1
    """
    checks = claim_checks(as_of, directory)
    claims = load_claims(as_of, directory)
    kinds = load_sources(as_of, directory)["kind"].astype(str).to_dict()
    others: dict[tuple[str, str], list[tuple[str, object]]] = {}
    for _, claim in claims[claims["source_id"] != source_id].iterrows():
        others.setdefault((claim["subject_id"], claim["attribute"]), []).append((claim["source_id"], _plain(claim)))
    rows = []
    for _, check in checks[checks["source_id"] == source_id].iterrows():
        resolved = check["resolved_value"]
        confirming = [s for s, value in others.get((check["subject"], check["attribute"]), []) if _same(value, resolved)]
        table_source = check["resolved_source_id"]
        if check["resolved_qualifier"] == "sum":
            compared_source, kind = None, "sum of the tables"
        elif isinstance(table_source, str) and table_source != source_id and check["attribute"] in TEXT_ATTRIBUTES:
            compared_source, kind = table_source, kinds.get(table_source, "")  # a date or names, from the row's own source
        elif confirming:
            compared_source = min(confirming, key=lambda s: SOURCE_RANK[kinds[s]])
            kind = kinds[compared_source]
        else:
            compared_source, kind = None, "no other source"
        compared = kind != "no other source"
        gap, unit = _gap(check["attribute"], check["claimed_value"], resolved) if compared else (math.nan, "")
        rows.append({
            "claim_id": check["claim_id"], "subject_name": check["subject_name"], "attribute": check["attribute"],
            "claimed_qualifier": check["claimed_qualifier"], "claimed_value": check["claimed_value"],
            "evidence": check["evidence"], "compared_value": resolved if compared else None,
            "compared_source_id": compared_source, "compared_kind": kind,
            "agrees": bool(check["agrees"]) if compared else None, "gap": gap, "gap_unit": unit,
            "reason": check["reason"] if compared else "",
        })
    checked = {row["claim_id"] for row in rows}
    names = names_by_id(as_of, directory)
    for claim_id, claim in claims[(claims["source_id"] == source_id) & ~claims.index.isin(checked)].iterrows():
        rows.append(_against_other_claims(claim_id, claim, others, kinds, names))
    table = pd.DataFrame(rows, columns=SOURCE_CHECK_COLUMNS, dtype=object)
    table["gap"] = table["gap"].astype(float)
    order = table.assign(
        _differs=table["agrees"].map(lambda a: 0 if a is False else 1 if a is True else 2),
        _unit=table["gap_unit"].map({"%": 0, "days": 1}).fillna(2),
        _size=-table["gap"].abs().fillna(0),
    ).sort_values(["_differs", "_unit", "_size"], kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def names_by_id(as_of: AsOf, directory: Directory) -> dict[str, str]:
    """A reader's name for every row id at ``as_of`` (see ``subject_names``)."""
    return subject_names({
        "funding_rounds": load_funding_rounds(as_of, directory),
        "debt_facilities": load_debt_facilities(as_of, directory),
        "deployments": load_deployments(as_of, directory),
        "companies": load_companies(directory),
        "peer_capital": load_peer_capital(as_of, directory),
        "peer_capacity": load_peer_capacity(as_of, directory),
    })


def _against_other_claims(claim_id: str, claim: pd.Series, others: dict, kinds: dict, names: dict[str, str]) -> dict:
    """A claim with no value in the tables, beside the most primary other claim about the same thing, if any."""
    candidates = others.get((claim["subject_id"], claim["attribute"]), [])
    mine = _plain(claim)
    row = {"claim_id": claim_id, "subject_name": subject_name(claim["subject_id"], names), "attribute": claim["attribute"],
           "claimed_qualifier": claim["qualifier"], "claimed_value": mine, "evidence": claim["evidence"],
           "compared_value": None, "compared_source_id": None, "compared_kind": "no other source",
           "agrees": None, "gap": math.nan, "gap_unit": "", "reason": ""}
    if not candidates:
        return row
    source, value = min(candidates, key=lambda c: SOURCE_RANK[kinds[c[0]]])
    if isinstance(mine, (int, float)) and isinstance(value, (int, float)):
        agrees = _figure_agrees(float(mine), claim["qualifier"], float(value))
        gap, unit = _gap(claim["attribute"], mine, value)
    else:
        agrees = _names(str(mine)) == _names(str(value)) if claim["attribute"] in NAME_LISTS else mine == value
        gap, unit = math.nan, ""
    reason = "" if agrees else "a different value"
    row.update(compared_value=value, compared_source_id=source, compared_kind=kinds[source], agrees=agrees,
               gap=gap, gap_unit=unit, reason=reason)
    return row


SOURCE_CHECK_COLUMNS = [
    "claim_id", "subject_name", "attribute", "claimed_qualifier", "claimed_value", "evidence", "compared_value",
    "compared_source_id", "compared_kind", "agrees", "gap", "gap_unit", "reason",
]


def _same(value: object, resolved: object) -> bool:
    if isinstance(value, (int, float)) and isinstance(resolved, (int, float)):
        return math.isclose(value, resolved)
    return value == resolved


def _gap(attribute: str, claimed: object, resolved: object) -> tuple[float, str]:
    """How far a claim is from the resolved value: a fraction for a figure, days for a date, nothing for names."""
    if attribute == "announced_date" and resolved:
        start = pd.Timestamp(claimed if len(claimed) > 7 else f"{claimed}-01" if len(claimed) == 7 else f"{claimed}-01-01")
        end = period_end(pd.Series([start]), pd.Series(["day" if len(claimed) > 7 else "month" if len(claimed) == 7 else "year"])).iloc[0]
        day = pd.Timestamp(resolved)
        return float(max((start - day).days, (day - end).days, 0)), "days"
    if isinstance(claimed, (int, float)) and isinstance(resolved, (int, float)) and resolved:
        return claimed / resolved - 1, "%"
    return math.nan, ""
