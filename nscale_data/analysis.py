"""Totals without double counting, at three levels of certainty, and the claims that disagree with them.

Capital: equity (rounds and SAFEs) and debt are kept apart. A round folded
into a later one (``included_in``) is counted once, in the later round. A debt
facility counts its committed amount; an uncommitted accordion never counts.
A facility whose borrower may be a joint venture counts in full, as the
joint venture's GPUs do in the capacity totals.

Capacity, in GPUs and in megawatts: deployments overlap, and the links say
how. A row ``part_of`` another is inside it (the larger of the row's own
figure and the sum of its parts counts); a row with ``same_gpus_as`` is never
counted; a row ``superseded_by`` a later plan is replaced by it, and its parts
move to the replacement; a paused row and everything inside it is left out; a
withdrawn row is left out, and rows inside it that stand on their own count
where it stood. Every total is given at three cumulative levels:

- **stated**: figures stated as a number (exact, about, at least);
- **with_targets**: adds stated plans and goals (and every letter of intent,
  which never counts as stated);
- **with_up_to**: adds each "up to" at its maximum.

``low`` and ``high`` are kept as aliases of *stated* and *with up to*. A row
with no figure is "no figure" (``None`` or ``<NA>``), never zero.
"""

from __future__ import annotations

import math

import pandas as pd

from nscale_data.dataset import (
    AsOf,
    Directory,
    dataset_as_of,
    latest_source_date,
    load_claims,
    load_debt_facilities,
    load_deployments,
    load_funding_rounds,
    load_sources,
    period_end,
)
from nscale_data.rules import COMPANY, GLOBAL, TEXT_ATTRIBUTES

APPROX_TOLERANCE = 0.05  # "about X" agrees with a resolved value within 5%
SOURCE_RANK = {"primary": 0, "wire": 1, "news": 2, "aggregator": 3}
LEVELS = ("stated", "with_targets", "with_up_to")
STATED = frozenset({"exact", "approx", "at_least"})
COUNTED_AT = {"stated": STATED, "with_targets": STATED | {"target"}, "with_up_to": STATED | {"target", "up_to"}}
COUNTED_STATUSES = frozenset({"announced", "operating", "letter_of_intent"})
MEASURES = {"gpus": ("gpu_count", "gpu_count_qualifier"), "mw": ("power_mw", "power_mw_qualifier")}
LEVEL_WORDS = {
    "stated": "stated as a number (exact, about, at least)",
    "with_targets": "adds stated plans, goals and letters of intent",
    "with_up_to": "adds each 'up to' at its maximum",
}


def rounds_counted(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Funding rounds as of a date, with ``counted``: False where folded into a later round."""
    rounds = load_funding_rounds(as_of, directory)
    rounds["counted"] = rounds["included_in"].isna()
    return rounds


def capital_raised(as_of: AsOf = None, directory: Directory = None) -> int:
    """US dollars of equity (rounds and SAFEs) announced by ``as_of``, each counted once.

    Examples:
        >>> capital_raised("2025-10-03")  # seed, Series A, Series B and the SAFE
        1718000000
        >>> capital_raised("2026-03-09")  # the SAFE is now inside the Series C
        3285000000
    """
    rounds = rounds_counted(as_of, directory)
    return sum(int(v) for v in rounds.loc[rounds["counted"], "amount_usd"])


def debt_raised(as_of: AsOf = None, directory: Directory = None, joint_ventures: bool = True) -> int:
    """US dollars of committed debt announced by ``as_of``; accordions are never counted.

    ``joint_ventures=False`` leaves out facilities whose borrower is, or may
    be, a joint venture.

    Examples:
        >>> debt_raised("2025-10-03")
        0
        >>> debt_raised()  # the GPU-backed term loan and the Narvik bank financing
        2190000000
        >>> debt_raised(joint_ventures=False)
        1400000000
    """
    facilities = load_debt_facilities(as_of, directory)
    if not joint_ventures:
        facilities = facilities[facilities["borrower"] == "nscale"]
    return sum(int(v) for v in facilities["amount_usd"])


def capital_table(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every round and debt facility as of a date, one row each, by kind and date.

    ``kind`` is ``equity`` (rounds, SAFEs included) or ``debt``; ``counted_usd``
    is what enters the totals (0 for a round folded into a later one);
    ``accordion_usd`` is recorded and never counted. Sorted by date.

    Examples:
        >>> table = capital_table()
        >>> table.groupby("kind")["counted_usd"].sum().to_dict()
        {'debt': 2190000000, 'equity': 3285000000}
    """
    rounds = rounds_counted(as_of, directory)
    facilities = load_debt_facilities(as_of, directory)
    rows = [
        {"capital_id": round_id, "kind": "equity", "name": round_name(r["stage"], r["instrument"]), "instrument": r["instrument"],
         "announced_date": r["announced_date"], "announced_date_precision": r["announced_date_precision"],
         "amount_usd": int(r["amount_usd"]), "counted_usd": int(r["amount_usd"]) if r["counted"] else 0,
         "accordion_usd": pd.NA, "why_not_counted": "" if r["counted"] else f"inside {r['included_in']}", "source_id": r["source_id"]}
        for round_id, r in rounds.iterrows()
    ] + [
        {"capital_id": facility_id, "kind": "debt", "name": f["name"], "instrument": f["facility_type"],
         "announced_date": f["announced_date"], "announced_date_precision": f["announced_date_precision"],
         "amount_usd": int(f["amount_usd"]), "counted_usd": int(f["amount_usd"]),
         "accordion_usd": f["accordion_usd"], "why_not_counted": "", "source_id": f["source_id"]}
        for facility_id, f in facilities.iterrows()
    ]
    columns = ["capital_id", "kind", "name", "instrument", "announced_date", "announced_date_precision", "amount_usd",
               "counted_usd", "accordion_usd", "why_not_counted", "source_id"]
    table = pd.DataFrame(rows, columns=columns).set_index("capital_id")
    table["accordion_usd"] = table["accordion_usd"].astype("Int64")
    table["announced_date"] = pd.to_datetime(table["announced_date"]).astype("datetime64[s]")
    return table.sort_values("announced_date", kind="stable")


def capacity_totals(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every deployment as of a date, how it is counted, and its deduplicated totals.

    Columns ``gpus_<level>`` and ``mw_<level>`` for each level of ``LEVELS``
    hold the row's total with everything inside it (``<NA>`` where nothing
    gives a figure at that level); ``low`` and ``high`` repeat ``gpus_stated``
    and ``gpus_with_up_to``. ``counted`` says how the row enters the totals:
    ``region``, ``worldwide`` (a worldwide plan), or why not (``part of X``,
    ``same GPUs as X``, ``superseded by X``, ``paused``, ``withdrawn``,
    ``inside paused X``). ``holder`` is the counted row it is inside, if any.
    """
    d = load_deployments(as_of, directory)
    ids = list(d.index)
    part_of, replaced, same = d["part_of"].to_dict(), d["superseded_by"].to_dict(), d["same_gpus_as"].to_dict()
    status = d["status"].astype(str).to_dict()

    def live(row_id) -> bool:
        return status[row_id] in COUNTED_STATUSES and pd.isna(replaced[row_id]) and pd.isna(same[row_id])

    holder: dict[str, object] = {}  # row -> the counted row it sits in (None: top), or "paused:X"

    def climb(start) -> object:
        """The counted row that ``start``'s figure sits in, walking up iteratively."""
        path, node = [], start
        while True:
            if pd.isna(node):
                result = None
                break
            if node in holder:
                result = holder[node]
                break
            path.append(node)
            if len(path) > len(ids) + 1:  # a cycle: validation rejects it, so never reached
                result = None
                break
            if pd.notna(replaced[node]):
                node = replaced[node]
            elif pd.notna(same[node]):
                result = None
                break
            elif status[node] == "paused":
                result = f"paused:{node}"
                break
            elif status[node] in COUNTED_STATUSES:
                result = node
                break
            else:
                node = part_of[node]
        for visited in path:
            holder.setdefault(visited, result) if visited != start else None
        return result

    inside = {row_id: climb(part_of[row_id]) for row_id in ids}
    children: dict[str, list[str]] = {}
    raw_children: dict[str, list[str]] = {}
    for row_id in ids:
        if pd.notna(part_of[row_id]) and pd.isna(same[row_id]):
            raw_children.setdefault(part_of[row_id], []).append(row_id)
        h = inside[row_id]
        if live(row_id) and isinstance(h, str) and not h.startswith("paused:"):
            children.setdefault(h, []).append(row_id)
    order = _bottom_up(ids, part_of, inside)

    result = pd.DataFrame(index=pd.Index(ids, name="deployment_id"))
    for measure, (figure, qualifier) in MEASURES.items():
        gross = {}  # the row's figure with all its parts, whatever their status, at the widest level
        for row_id in order:
            parts = [gross[c] for c in raw_children.get(row_id, []) if pd.isna(replaced[c])]
            gross[row_id] = _larger(_own(d, row_id, figure, qualifier, "with_up_to"), _sum(parts))
        for level in LEVELS:
            total = {}
            for row_id in order:
                gone = _sum(gross[c] for c in raw_children.get(row_id, [])
                            if status[c] not in COUNTED_STATUSES and pd.isna(replaced[c]) and pd.isna(same[c])) or 0
                own = _own(d, row_id, figure, qualifier, level)
                own = None if own is None else max(own - gone, 0)
                total[row_id] = _larger(own, _sum(total[c] for c in children.get(row_id, [])))
            result[f"{measure}_{level}"] = pd.array([total[i] for i in ids], dtype="Float64" if measure == "mw" else "Int64")
        levels = [f"{measure}_{level}" for level in LEVELS]
        for lower, upper in zip(levels[::-1][1:], levels[::-1]):  # keep the levels cumulative
            result[lower] = result[lower].where(result[lower].isna() | result[upper].isna() | (result[lower] <= result[upper]), result[upper])
    counted = [_how_counted(i, d, inside[i], live(i)) for i in ids]
    left_out = pd.Series([not (c in ("region", "worldwide") or c.startswith("part of ")) for c in counted], index=result.index)
    result.loc[left_out, [c for c in result.columns]] = pd.NA  # a row left out counts nothing, not its old figure
    result["low"], result["high"] = result["gpus_stated"], result["gpus_with_up_to"]
    result["counted"] = counted
    result["holder"] = pd.array([h if isinstance(h, str) and not h.startswith("paused:") else pd.NA for h in (inside[i] for i in ids)], dtype="str")
    columns = ["name", "region", "country", "gpu_count", "gpu_count_qualifier", "power_mw", "power_mw_qualifier", "status", "part_of"]
    return d[columns].join(result)


def _bottom_up(ids: list[str], part_of: dict, inside: dict) -> list[str]:
    """Row ids ordered so that every row comes after the rows inside it (no recursion)."""
    depth: dict[str, int] = {}
    for start in ids:
        path, node = [], start
        while node not in depth and pd.notna(node) and node in part_of and len(path) <= len(ids):
            path.append(node)
            parent = part_of[node] if pd.notna(part_of[node]) else inside.get(node)
            node = parent if isinstance(parent, str) and not parent.startswith("paused:") else None
        base = depth.get(node, -1) if isinstance(node, str) else -1
        for offset, visited in enumerate(reversed(path), start=1):
            depth[visited] = base + offset
    return sorted(ids, key=lambda i: -depth[i])


def _own(d: pd.DataFrame, row_id: str, figure: str, qualifier: str, level: str) -> int | float | None:
    """The row's own figure if it counts at ``level`` (a letter of intent counts at most as a target)."""
    value = d.at[row_id, figure]
    if pd.isna(value):
        return None
    how = d.at[row_id, qualifier]
    if d.at[row_id, "status"] == "letter_of_intent" and how in STATED:
        how = "target"
    if how not in COUNTED_AT[level]:
        return None
    return int(value) if figure == "gpu_count" else float(value)


def _sum(values) -> int | float | None:
    """The sum of the values that are figures; None if none is."""
    figures = [v for v in values if v is not None and not pd.isna(v)]
    return sum(figures) if figures else None


def _larger(a, b):
    if a is None or pd.isna(a):
        return None if b is None or pd.isna(b) else b
    return a if b is None or pd.isna(b) else max(a, b)


def _how_counted(row_id: str, d: pd.DataFrame, holder: object, live: bool) -> str:
    row = d.loc[row_id]
    if pd.notna(row["same_gpus_as"]):
        return f"same GPUs as {row['same_gpus_as']}"
    if pd.notna(row["superseded_by"]):
        return f"superseded by {row['superseded_by']}"
    if not live:
        return str(row["status"])
    if isinstance(holder, str) and holder.startswith("paused:"):
        return f"inside paused {holder.split(':', 1)[1]}"
    if isinstance(holder, str) and d.at[holder, "region"] == row["region"]:
        return f"part of {holder}"
    return "worldwide" if row["region"] == GLOBAL else "region"


def gpu_totals(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Alias of ``capacity_totals``, kept for callers of earlier releases."""
    return capacity_totals(as_of, directory)


def regions(directory: Directory = None) -> list[str]:
    """Every region of the schema but Global, in the schema's order."""
    categories = load_deployments(directory=directory)["region"].cat.categories
    return [r for r in categories if r != GLOBAL]


def gpus_by_region(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Planned GPUs per region at each level, overlaps removed; ``<NA>`` where no figure exists.

    Every region of the schema is present. ``low`` and ``high`` repeat
    ``stated`` and ``with_up_to``.

    Examples:
        >>> gpus_by_region("2025-10-03")
                       stated  with_targets  with_up_to    low    high
        region
        Europe          79640        127640      158640  79640  158640
        North America    <NA>          <NA>        <NA>   <NA>    <NA>
        Middle East      <NA>          <NA>        <NA>   <NA>    <NA>
        Asia             <NA>          <NA>        <NA>   <NA>    <NA>
    """
    table = _by_region(capacity_totals(as_of, directory), "gpus", regions(directory))
    table["low"], table["high"] = table["stated"], table["with_up_to"]
    return table


def mw_by_region(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Planned power in megawatts per region at each level, overlaps removed; ``<NA>`` where no figure exists."""
    return _by_region(capacity_totals(as_of, directory), "mw", regions(directory))


def _by_region(totals: pd.DataFrame, measure: str, names: list[str]) -> pd.DataFrame:
    counted = totals[totals["counted"] == "region"]
    rows = {}
    for region in names:
        mine = counted[counted["region"] == region]
        rows[region] = [_sum(v for v in mine[f"{measure}_{level}"]) for level in LEVELS]
    dtype = "Float64" if measure == "mw" else "Int64"
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(LEVELS)).astype(dtype)
    table.index.name = "region"
    return table


def gpus_worldwide(as_of: AsOf = None, directory: Directory = None) -> tuple[int, int]:
    """Stated and "with up to" GPUs planned worldwide (the roadmap's target counts from "with targets").

    Examples:
        >>> gpus_worldwide("2025-10-03")  # stated: the UK's 27,640 and Narvik's 52,000; the roadmap's 300,000 is a target
        (79640, 300000)
    """
    world = worldwide(as_of, directory)
    return world["low"], world["high"]


def worldwide(as_of: AsOf = None, directory: Directory = None) -> dict:
    """The worldwide figure at each level, and the roadmap reported apart, marked stale when outgrown.

    The worldwide figure sums the rows counted at the top: worldwide plans
    (which contain the regional rows linked to them) and regional rows inside
    none. ``roadmap`` is the largest worldwide plan with its own figure; it
    is ``stale`` when the regions' total *with targets* exceeds it.
    """
    totals = capacity_totals(as_of, directory)
    top = totals[totals["counted"].isin(["region", "worldwide"]) & totals["holder"].isna()]
    result = {level: _plain_number(_sum(top[f"gpus_{level}"])) for level in LEVELS}
    result["low"], result["high"] = result["stated"], result["with_up_to"]
    result["power_mw"] = {level: _plain_number(_sum(top[f"mw_{level}"])) for level in LEVELS}
    plans = totals[(totals["counted"] == "worldwide") & totals["gpu_count"].notna()]
    roadmap = None
    if not plans.empty:
        plan_id = plans["gpu_count"].astype("int64").idxmax()
        deployments = load_deployments(as_of, directory)
        regional = _sum(_by_region(totals, "gpus", regions(directory))["with_targets"])
        roadmap = {
            "deployment_id": plan_id,
            "gpu_count": int(plans.at[plan_id, "gpu_count"]),
            "qualifier": str(plans.at[plan_id, "gpu_count_qualifier"]),
            "announced_date": deployments.at[plan_id, "announced_date"].strftime("%Y-%m-%d"),
            "regions_with_targets": _plain_number(regional),
            "stale": bool(regional is not None and regional > int(plans.at[plan_id, "gpu_count"])),
        }
    result["roadmap"] = roadmap
    return result


def regions_named(as_of: AsOf = None, directory: Directory = None) -> dict[str, list[str]]:
    """For each region, the claims that name it as a target (``target_regions``), oldest first."""
    claims = load_claims(as_of, directory)
    named = claims[claims["attribute"] == "target_regions"]
    published = load_sources(as_of, directory)["published_date"].to_dict()
    result: dict[str, list[str]] = {}
    for claim_id in sorted(named.index, key=lambda c: published[named.at[c, "source_id"]]):
        for region in _names_in_order(named.at[claim_id, "value_text"]):
            result.setdefault(region, []).append(claim_id)
    return result


def summary(as_of: AsOf = None, directory: Directory = None) -> dict:
    """Capital (equity and debt) and capacity by region as of a date, as plain Python values.

    Each region has its GPUs at the three levels, ``low``/``high`` aliases,
    its megawatts at the three levels, and the claims naming it as a target;
    ``None`` where no figure exists. Regions named only in claims are listed.

    Examples:
        >>> s = summary("2025-10-03")
        >>> s["capital_raised_usd"], s["debt_raised_usd"]
        (1718000000, 0)
        >>> s["gpus_by_region"]["Europe"]["with_targets"], s["gpus_by_region"]["Asia"]["stated"]
        (127640, None)
    """
    stamp = dataset_as_of(directory) if as_of is None else pd.Timestamp(as_of)
    totals = capacity_totals(as_of, directory)
    names = regions(directory)
    named = regions_named(as_of, directory)
    names += [r for r in named if r not in names]
    gpus, mw = _by_region(totals, "gpus", names), _by_region(totals, "mw", names)
    equity, debt = capital_raised(as_of, directory), debt_raised(as_of, directory)
    facilities = load_debt_facilities(as_of, directory)
    latest = latest_source_date(as_of, directory)
    by_region = {}
    for region in names:
        entry = {level: _plain_number(gpus.at[region, level]) for level in LEVELS}
        entry["low"], entry["high"] = entry["stated"], entry["with_up_to"]
        entry["power_mw"] = {level: _plain_number(mw.at[region, level]) for level in LEVELS}
        entry["named_in"] = named.get(region, [])
        by_region[region] = entry
    return {
        "as_of": stamp.strftime("%Y-%m-%d"),
        "reviewed": dataset_as_of(directory).strftime("%Y-%m-%d"),
        "latest_source": None if latest is None else latest.strftime("%Y-%m-%d"),
        "capital_raised_usd": equity,
        "debt_raised_usd": debt,
        "equity_and_debt_usd": equity + debt,
        "accordions_not_counted_usd": sum(int(v) for v in facilities["accordion_usd"].dropna()),
        "gpus_by_region": by_region,
        "gpus_worldwide": worldwide(as_of, directory),
    }


def _plain_number(value) -> int | float | None:
    """A JSON-ready number: None for no figure, int where whole."""
    if value is None or pd.isna(value):
        return None
    return _number(value)


def _names_in_order(text: str) -> list[str]:
    return [name.strip() for name in text.split(";") if name.strip()]


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
    }
    reviewed = dataset_as_of(directory)
    stated = {}  # (subject, attribute) -> [(value, source_id)], built once
    for claim_id, claim in claims.iterrows():
        if pd.notna(claim["value"]):
            stated.setdefault((claim["subject_id"], claim["attribute"]), []).append((float(claim["value"]), claim["source_id"]))
    rows = []
    for claim_id, claim in claims.iterrows():
        published = None
        if claim["subject_id"] == COMPANY:
            published = min(period_end(sources.loc[[claim["source_id"]], "published_date"],
                                       sources.loc[[claim["source_id"]], "published_date_precision"]).iloc[0], reviewed)
        resolved = _resolve(claim, tables, stated, sources, published, directory)
        if resolved is None:
            continue
        value, qualifier, source_id = resolved
        agrees = _agrees(claim, value)
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
                "agrees": agrees,
                "reason": "" if agrees else _reason(claim, value, published, directory),
            }
        )
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


CHECK_COLUMNS = [
    "claim_id", "subject", "subject_name", "attribute", "claimed_value", "claimed_qualifier", "source_id",
    "evidence", "resolved_value", "resolved_qualifier", "resolved_source_id", "agrees", "reason",
]
# Claims about the company's total and what resolves them.
COMPANY_TOTALS = {
    "capital_raised_usd": lambda date, directory: capital_raised(date, directory),
    "funding_raised_usd": lambda date, directory: capital_raised(date, directory) + debt_raised(date, directory),
}


def conflicts(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Claims that disagree with the resolved value, one row per claim, with the reason (see ``claim_checks``).

    Examples:
        >>> c = conflicts().set_index("claim_id")
        >>> c.loc["article-stargate-uk-gpus", ["claimed_value", "resolved_value"]].tolist()
        [50000, 31000]
        >>> c.loc["computerweekly-funding-total", "reason"]
        'counts the Pre-Series C SAFE twice: it is inside the Series C'
    """
    checks = claim_checks(as_of, directory)
    return checks.loc[~checks["agrees"].astype(bool)].drop(columns="agrees").reset_index(drop=True)


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
    deployments, rounds, facilities = tables["deployments"], tables["funding_rounds"], tables["debt_facilities"]
    names = []
    for part in subject.split("+"):
        if part in deployments.index:
            names.append(deployments.at[part, "name"])
        elif part in rounds.index:
            names.append(round_name(rounds.at[part, "stage"], rounds.at[part, "instrument"]))
        elif part in facilities.index:
            names.append(facilities.at[part, "name"])
        else:
            names.append(part)
    return " + ".join(names)


def _resolve(claim, tables, stated, sources, published, directory) -> tuple[object, str, str | None] | None:
    """(value, qualifier, source_id) the claim is checked against, or None if nothing resolves it."""
    subject, attribute = claim["subject_id"], claim["attribute"]
    if subject == COMPANY:
        if attribute not in COMPANY_TOTALS:
            return None
        return COMPANY_TOTALS[attribute](published, directory), "sum", None
    parts = subject.split("+")
    for frame in tables.values():
        if not all(p in frame.index for p in parts) or attribute not in frame.columns:
            continue
        values = frame.loc[parts, attribute]
        if len(parts) > 1:
            if attribute in TEXT_ATTRIBUTES or values.isna().any():
                return None
            return _number(sum(float(v) for v in values)), "sum", None
        value = values.iloc[0]
        if attribute in TEXT_ATTRIBUTES:
            text = "" if pd.isna(value) else (value.strftime("%Y-%m-%d") if attribute == "announced_date" else str(value))
            source = frame.at[parts[0], "status_source_id"] if attribute == "status" else frame.at[parts[0], "source_id"]
            return text, "exact", None if pd.isna(source) else source
        if pd.isna(value):
            return None
        qualifiers = {"gpu_count": "gpu_count_qualifier", "power_mw": "power_mw_qualifier"}
        qualifier = frame.at[parts[0], qualifiers[attribute]] if attribute in qualifiers else "exact"
        return _number(value), qualifier, _best_source(stated.get((subject, attribute), []), sources, float(value))
    return None


def _number(value) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value


def _best_source(candidates: list[tuple[float, str]], sources: pd.DataFrame, value: float) -> str | None:
    """The most primary source among the claims that state the resolved value."""
    same = [source for v, source in candidates if math.isclose(v, value)]
    if not same:
        return None
    return min(same, key=lambda s: SOURCE_RANK[sources.at[s, "kind"]])


def _agrees(claim: pd.Series, resolved: object) -> bool:
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


def _reason(claim: pd.Series, resolved: object, published, directory: Directory) -> str:
    """Why a claim disagrees: a double count where one explains it, else the size of the gap."""
    if claim["attribute"] in TEXT_ATTRIBUTES:
        return f"states {claim['value_text']!r} where the resolved value is {resolved!r}"
    stated, qualifier = float(claim["value"]), claim["qualifier"]
    if claim["subject_id"] == COMPANY and claim["attribute"] in COMPANY_TOTALS:
        rounds = rounds_counted(published, directory)
        folded = rounds[~rounds["counted"]]
        twice = sum(int(v) for v in folded["amount_usd"])
        names = " and the ".join(round_name(r["stage"], r["instrument"]) for _, r in folded.iterrows())
        holders = " and the ".join(dict.fromkeys(
            round_name(rounds.at[h, "stage"], rounds.at[h, "instrument"]) for h in folded["included_in"]))
        debt = debt_raised(published, directory)
        if twice and _figure_agrees(stated, qualifier, resolved + twice):
            return f"counts the {names} twice: it is inside the {holders}"
        if claim["attribute"] == "capital_raised_usd" and debt and _figure_agrees(stated, qualifier, resolved + debt):
            return "counts debt as equity"
        if claim["attribute"] == "capital_raised_usd" and debt and twice and _figure_agrees(stated, qualifier, resolved + debt + twice):
            return f"counts debt as equity and the {names} twice"
    gap = stated / resolved - 1 if resolved else math.inf
    return f"{abs(gap):.0%} {'above' if gap > 0 else 'below'} the resolved value"


def _names(text: str) -> set[str]:
    return {name.strip().casefold() for name in text.split(";") if name.strip()}
