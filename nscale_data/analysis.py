"""Totals without double counting, and the claims that disagree with them.

Capital: a round folded into a later one (``included_in``) is counted once,
in the later round.

GPUs: deployments overlap, and the links say how. A row ``part_of`` another
is inside it; a row with ``same_gpus_as`` is another description of the same
GPUs and is never counted; a row ``superseded_by`` a later plan is replaced by
it; a paused or withdrawn row, and everything inside it, is left out. Each
figure is reported as a range: **low** counts every figure stated as a number
(exact, approximately, at least, target) and leaves out "up to" figures;
**high** also counts each "up to" at its maximum. A row that contains others
counts the larger of its own figure and the sum of its parts.
"""

from __future__ import annotations

import functools
import math

import pandas as pd

from nscale_data.dataset import (
    AsOf,
    Directory,
    dataset_as_of,
    load_claims,
    load_deployments,
    load_funding_rounds,
    load_sources,
    period_end,
)
from nscale_data.rules import COMPANY, GLOBAL, TEXT_ATTRIBUTES

APPROX_TOLERANCE = 0.05  # "about X" agrees with a resolved value within 5%
SOURCE_RANK = {"primary": 0, "wire": 1, "news": 2, "aggregator": 3}


def rounds_counted(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Funding rounds as of a date, with ``counted``: False where folded into a later round."""
    rounds = load_funding_rounds(as_of, directory)
    rounds["counted"] = rounds["included_in"].isna()
    return rounds


def capital_raised(as_of: AsOf = None, directory: Directory = None) -> int:
    """US dollars raised in all rounds announced by ``as_of``, each counted once.

    Examples:
        >>> capital_raised("2025-10-03")  # seed, Series A, Series B and the SAFE
        1718000000
        >>> capital_raised("2026-03-09")  # the SAFE is now inside the Series C
        3285000000
    """
    rounds = rounds_counted(as_of, directory)
    return int(rounds.loc[rounds["counted"], "amount_usd"].sum())


def gpu_totals(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every deployment as of a date, with its deduplicated ``low`` and ``high`` GPU counts.

    ``counted`` says how the row enters the totals: ``region`` (counted in its
    region), ``worldwide`` (a worldwide plan), or why not (``part of X``,
    ``same GPUs as X``, ``superseded by X``, ``paused``, ``inside paused X``).
    """
    deployments = load_deployments(as_of, directory)
    children: dict[str, list[str]] = {}
    for row_id, parent in deployments["part_of"].dropna().items():
        if pd.isna(deployments.at[row_id, "same_gpus_as"]):
            children.setdefault(parent, []).append(row_id)

    def parts(row_id: str) -> list[str]:
        return [c for c in children.get(row_id, []) if pd.isna(deployments.at[c, "superseded_by"])]

    def own(row_id: str) -> tuple[int, int]:
        high = int(deployments.at[row_id, "gpu_count"])
        return (0 if deployments.at[row_id, "gpu_count_qualifier"] == "up_to" else high), high

    @functools.cache
    def gross(row_id: str) -> tuple[int, int]:
        """The row's figure with all its parts, paused or not."""
        low, high = own(row_id)
        inside = [gross(c) for c in parts(row_id)]
        return max(low, sum(p[0] for p in inside)), max(high, sum(p[1] for p in inside))

    @functools.cache
    def total(row_id: str) -> tuple[int, int]:
        """What the row counts now: a paused part is taken out, at its largest."""
        low, high = own(row_id)
        kept = [total(c) for c in parts(row_id) if deployments.at[c, "status"] == "announced"]
        gone = sum(gross(c)[1] for c in parts(row_id) if deployments.at[c, "status"] != "announced")
        high = max(high - gone, sum(k[1] for k in kept), 0)
        return min(max(low - gone, sum(k[0] for k in kept), 0), high), high

    rows = []
    for row_id, row in deployments.iterrows():
        low, high = total(row_id)
        rows.append({"deployment_id": row_id, "low": low, "high": high, "counted": _how_counted(row_id, deployments)})
    result = pd.DataFrame(rows, columns=["deployment_id", "low", "high", "counted"]).set_index("deployment_id")
    result[["low", "high"]] = result[["low", "high"]].astype("Int64")
    columns = ["name", "region", "country", "gpu_count", "gpu_count_qualifier", "status", "part_of"]
    return deployments[columns].join(result)


def _how_counted(row_id: str, deployments: pd.DataFrame) -> str:
    row = deployments.loc[row_id]
    if pd.notna(row["same_gpus_as"]):
        return f"same GPUs as {row['same_gpus_as']}"
    if pd.notna(row["superseded_by"]):
        return f"superseded by {row['superseded_by']}"
    if row["status"] != "announced":
        return str(row["status"])
    parent = row["part_of"]
    while pd.notna(parent):
        if deployments.at[parent, "status"] != "announced":
            return f"inside {deployments.at[parent, 'status']} {parent}"
        parent = deployments.at[parent, "part_of"]
    parent = row["part_of"]
    if pd.notna(parent) and deployments.at[parent, "region"] == row["region"]:
        return f"part of {parent}"
    return "worldwide" if row["region"] == GLOBAL else "region"


def gpus_by_region(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Planned GPUs per region as a low and high figure, overlaps removed.

    Every region of the schema is present, with zeros where no figure has
    been announced.

    Examples:
        >>> gpus_by_region("2025-10-03")
                          low    high
        region
        Europe         127640  158640
        North America       0       0
        Middle East         0       0
    """
    return _by_region(gpu_totals(as_of, directory))


def gpus_worldwide(as_of: AsOf = None, directory: Directory = None) -> tuple[int, int]:
    """Low and high GPUs planned worldwide: the roadmap, or the regions' sum where larger.

    Examples:
        >>> gpus_worldwide("2025-10-03")
        (300000, 300000)
    """
    return _worldwide(gpu_totals(as_of, directory))


def _by_region(totals: pd.DataFrame) -> pd.DataFrame:
    regions = [r for r in totals["region"].cat.categories if r != GLOBAL]
    counted = totals[totals["counted"] == "region"]
    table = counted.groupby("region", observed=False)[["low", "high"]].sum().reindex(regions, fill_value=0)
    table.index.name = "region"
    return table.astype("int64")


def _worldwide(totals: pd.DataFrame) -> tuple[int, int]:
    """The sum over rows counted at the top: worldwide plans, and regional rows inside none."""
    top = totals[totals["counted"].isin(["region", "worldwide"]) & totals["part_of"].isna()]
    return int(top["low"].sum()), int(top["high"].sum())


def summary(as_of: AsOf = None, directory: Directory = None) -> dict:
    """Capital raised and GPUs by region as of a date, as plain Python values.

    Examples:
        >>> summary("2025-10-03")["capital_raised_usd"]
        1718000000
    """
    stamp = dataset_as_of(directory) if as_of is None else pd.Timestamp(as_of)
    totals = gpu_totals(as_of, directory)
    low, high = _worldwide(totals)
    return {
        "as_of": stamp.strftime("%Y-%m-%d"),
        "capital_raised_usd": capital_raised(as_of, directory),
        "gpus_by_region": {r: {"low": int(v.low), "high": int(v.high)} for r, v in _by_region(totals).iterrows()},
        "gpus_worldwide": {"low": low, "high": high},
    }


def claim_checks(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every claim beside the value it is checked against, and whether they agree.

    The resolved value is the one in the rounds or deployments table (which
    follows the primary source), a sum for a claim about several rows, or the
    capital raised to the source's date for a claim about the total. Claims
    with nothing to check against (the company's founding year, say) are left
    out. ``agrees`` follows the claim's qualifier: "at least" agrees with any
    larger value, "approximately" with a value within 5%.
    """
    claims = load_claims(as_of, directory)
    sources = load_sources(as_of, directory)
    tables = {"funding_rounds": load_funding_rounds(as_of, directory), "deployments": load_deployments(as_of, directory)}
    rows = []
    for claim_id, claim in claims.iterrows():
        resolved = _resolve(claim, tables, claims, sources, directory)
        if resolved is None:
            continue
        value, qualifier, source_id = resolved
        rows.append(
            {
                "claim_id": claim_id,
                "subject": claim["subject_id"],
                "subject_name": _name(claim["subject_id"], tables),
                "attribute": claim["attribute"],
                "claimed_value": _plain(claim),
                "claimed_qualifier": claim["qualifier"],
                "source_id": claim["source_id"],
                "evidence": claim["evidence"],
                "resolved_value": value,
                "resolved_qualifier": qualifier,
                "resolved_source_id": source_id,
                "agrees": _agrees(claim, value),
            }
        )
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


CHECK_COLUMNS = [
    "claim_id", "subject", "subject_name", "attribute", "claimed_value", "claimed_qualifier", "source_id",
    "evidence", "resolved_value", "resolved_qualifier", "resolved_source_id", "agrees",
]


def conflicts(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Claims that disagree with the resolved value, one row per claim (see ``claim_checks``).

    Examples:
        >>> c = conflicts()
        >>> c.loc[c["claim_id"] == "article-stargate-uk-gpus", ["claimed_value", "resolved_value"]].values.tolist()
        [[50000, 31000]]
    """
    checks = claim_checks(as_of, directory)
    return checks[~checks["agrees"]].drop(columns="agrees").reset_index(drop=True)


def _plain(claim: pd.Series) -> object:
    return claim["value_text"] if claim["attribute"] in TEXT_ATTRIBUTES else _number(claim["value"])


def round_name(stage: str, instrument: str) -> str:
    """A reader's name for a round.

    Examples:
        >>> round_name("pre_series_c", "safe")
        'Pre-Series C SAFE'
    """
    words = [w.upper() if len(w) == 1 else w.capitalize() for w in stage.split("_")]
    name = " ".join(words).replace("Pre ", "Pre-")
    return f"{name} SAFE" if instrument == "safe" else name


def _name(subject: str, tables: dict[str, pd.DataFrame]) -> str:
    deployments, rounds = tables["deployments"], tables["funding_rounds"]
    names = []
    for part in subject.split("+"):
        if part in deployments.index:
            names.append(deployments.at[part, "name"])
        elif part in rounds.index:
            names.append(round_name(rounds.at[part, "stage"], rounds.at[part, "instrument"]))
        else:
            names.append(part)
    return " + ".join(names)


def _resolve(claim, tables, claims, sources, directory) -> tuple[object, str, str | None] | None:
    """(value, qualifier, source_id) the claim is checked against, or None if nothing resolves it."""
    subject, attribute = claim["subject_id"], claim["attribute"]
    if subject == COMPANY:
        if attribute != "capital_raised_usd":
            return None
        source = sources.loc[[claim["source_id"]]]
        published = period_end(source["published_date"], source["published_date_precision"]).iloc[0]
        return capital_raised(published, directory), "sum", None
    parts = subject.split("+")
    for frame in tables.values():
        if not all(p in frame.index for p in parts) or attribute not in frame.columns:
            continue
        values = frame.loc[parts, attribute]
        if len(parts) > 1:
            if attribute in TEXT_ATTRIBUTES or values.isna().any():
                return None
            return _number(values.astype(float).sum()), "sum", None
        value = values.iloc[0]
        if attribute in TEXT_ATTRIBUTES:
            text = "" if pd.isna(value) else (value.strftime("%Y-%m-%d") if attribute == "announced_date" else str(value))
            source = frame.at[parts[0], "status_source_id"] if attribute == "status" else frame.at[parts[0], "source_id"]
            return text, "exact", source
        if pd.isna(value):
            return None
        qualifier = frame.at[parts[0], "gpu_count_qualifier"] if attribute == "gpu_count" else "exact"
        return _number(value), qualifier, _best_source(claims, sources, subject, attribute, float(value))
    return None


def _number(value) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value


def _best_source(claims, sources, subject, attribute, value) -> str | None:
    """The most primary source among the claims that state the resolved value."""
    same = claims[(claims["subject_id"] == subject) & (claims["attribute"] == attribute)]
    same = same[[math.isclose(v, value) for v in same["value"].astype(float)]]
    if same.empty:
        return None
    return min(same["source_id"], key=lambda s: SOURCE_RANK[sources.at[s, "kind"]])


def _agrees(claim: pd.Series, resolved: object) -> bool:
    attribute, qualifier = claim["attribute"], claim["qualifier"]
    if attribute in TEXT_ATTRIBUTES:
        stated = claim["value_text"]
        if attribute == "announced_date":
            return resolved.startswith(stated)
        if attribute in ("lead_investors", "target_regions"):
            return _names(stated) == _names(resolved)
        return stated == resolved
    stated = float(claim["value"])
    if qualifier == "at_least":
        return resolved >= stated
    if qualifier == "approx":
        return abs(resolved - stated) <= APPROX_TOLERANCE * max(abs(resolved), 1)
    return math.isclose(resolved, stated)


def _names(text: str) -> set[str]:
    return {name.strip().casefold() for name in text.split(";") if name.strip()}
