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

from nscale_data.package.dataset import (
    AsOf,
    Directory,
    cached_by_data,
    dataset_as_of,
    figures_published,
    latest_source_date,
    load_chips,
    load_claims,
    load_debt_facilities,
    load_deployments,
    load_funding_rounds,
    load_sources,
    period_end,
    row_dicts,
    load_status_changes,
)
from nscale_data.package.rules import COMPANY, GLOBAL, TEXT_ATTRIBUTES

# How an event names a figure published after its row was announced.
FIGURE_WORDS = {"amount_usd": "amount", "valuation_usd": "valuation", "accordion_usd": "accordion",
                "gpu_count": "GPUs", "power_mw": "MW", "contract_value_usd": "contract value"}
APPROX_TOLERANCE = 0.05  # "about X" agrees with a resolved value within 5%
SOURCE_RANK = {"primary": 0, "wire": 1, "news": 2, "aggregator": 3}
LEVELS = ("stated", "with_targets", "with_up_to")
REFERENCE_CHIP = "h100-sxm"  # H100-equivalents are GPUs times their dense 16-bit rate over this chip's
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


def day(value, precision: str = "day") -> str:
    """A date, written one way everywhere.

    Examples:
        >>> day(pd.Timestamp("2025-09-25")), day(pd.Timestamp("2025-09-01"), "month"), day(None)
        ('25 Sep 2025', 'September 2025', '')
    """
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    if precision == "year":
        return f"{stamp:%Y}"
    if precision == "month":
        return f"{stamp:%B %Y}"
    return f"{stamp.day} {stamp:%b %Y}"


def capital_raised(as_of: AsOf = None, directory: Directory = None) -> int | None:
    """US dollars of equity (rounds and SAFEs) announced by ``as_of``, each counted once.

    None (no figure) while no source has published the amount of any round:
    a round announced without an amount is not a round of zero.

    Examples:
        >>> capital_raised("2024-06-01") is None  # the seed was announced, its amount not yet published
        True
        >>> capital_raised("2025-10-03")  # seed, Series A, Series B and the SAFE
        1718000000
        >>> capital_raised("2026-03-09")  # the SAFE is now inside the Series C
        3285000000
    """
    rounds = rounds_counted(as_of, directory)
    amounts = rounds.loc[rounds["counted"], "amount_usd"].dropna()
    return sum(int(v) for v in amounts) if len(amounts) else None


def debt_raised(as_of: AsOf = None, directory: Directory = None, joint_ventures: bool = True) -> int | None:
    """US dollars of committed debt announced by ``as_of``; accordions are never counted.

    ``joint_ventures=False`` leaves out facilities whose borrower is, or may
    be, a joint venture. None (no figure) while no facility with a published
    amount is known: no source then says the company borrowed nothing.

    Examples:
        >>> debt_raised("2025-10-03") is None
        True
        >>> debt_raised()  # the GPU-backed term loan and the Narvik bank financing
        2190000000
        >>> debt_raised(joint_ventures=False)
        1400000000
    """
    facilities = load_debt_facilities(as_of, directory)
    if not joint_ventures:
        facilities = facilities[facilities["borrower"] == "nscale"]
    amounts = facilities["amount_usd"].dropna()
    return sum(int(v) for v in amounts) if len(amounts) else None


def capital_table(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every round and debt facility as of a date, one row each, by kind and date.

    ``kind`` is ``equity`` (rounds, SAFEs included) or ``debt``; ``counted_usd``
    is what enters the totals (0 for a round folded into a later one; ``<NA>``,
    like ``amount_usd``, while no source has published the amount);
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
         "amount_usd": _whole(r["amount_usd"]), "counted_usd": _whole(r["amount_usd"]) if r["counted"] else 0,
         "accordion_usd": pd.NA, "why_not_counted": _why_not(r["amount_usd"], "" if r["counted"] else f"inside {r['included_in']}"),
         "source_id": r["source_id"]}
        for round_id, r in rounds.iterrows()
    ] + [
        {"capital_id": facility_id, "kind": "debt", "name": f["name"], "instrument": f["facility_type"],
         "announced_date": f["announced_date"], "announced_date_precision": f["announced_date_precision"],
         "amount_usd": _whole(f["amount_usd"]), "counted_usd": _whole(f["amount_usd"]),
         "accordion_usd": f["accordion_usd"], "why_not_counted": _why_not(f["amount_usd"], ""), "source_id": f["source_id"]}
        for facility_id, f in facilities.iterrows()
    ]
    columns = ["capital_id", "kind", "name", "instrument", "announced_date", "announced_date_precision", "amount_usd",
               "counted_usd", "accordion_usd", "why_not_counted", "source_id"]
    table = pd.DataFrame(rows, columns=columns).set_index("capital_id")
    for column in ("amount_usd", "counted_usd", "accordion_usd"):
        table[column] = table[column].astype("Int64")
    table["announced_date"] = pd.to_datetime(table["announced_date"]).astype("datetime64[s]")
    return table.sort_values("announced_date", kind="stable")


def _whole(value) -> int | object:
    """An amount as an int, or <NA> where no source has published it yet."""
    return pd.NA if _missing(value) else int(value)


def _why_not(amount, reason: str) -> str:
    return "amount not yet published" if _missing(amount) else reason


@cached_by_data
def capacity_totals(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every deployment as of a date, how it is counted, and its deduplicated totals.

    Columns ``gpus_<level>`` and ``mw_<level>`` for each level of ``LEVELS``
    hold the row's total with everything inside it (``<NA>`` where nothing
    gives a figure at that level); ``h100e_<level>`` is the part of those GPUs
    whose chip has a dense 16-bit rate, in H100-equivalents, and
    ``unknown_mix_<level>`` the GPUs left out of it (no chip named, or none
    with a sourced rate); ``chips_<level>`` the same GPUs as a dict of chip_id
    (None where no chip is named) to count; ``low`` and ``high`` repeat ``gpus_stated``
    and ``gpus_with_up_to``. ``counted`` says how the row enters the totals:
    ``region``, ``worldwide`` (a worldwide plan), or why not (``part of X``,
    ``same GPUs as X``, ``superseded by X``, ``paused``, ``withdrawn``,
    ``inside paused X``). ``holder`` is the counted row it is inside, if any.
    """
    d = load_deployments(as_of, directory)
    ids = list(d.index)
    ratio = h100_ratios(directory)
    chip_of = {row_id: chip if isinstance(chip, str) else None for row_id, chip in d["gpu_model"].items()}  # None: not named
    needed = ["gpu_count", "gpu_count_qualifier", "power_mw", "power_mw_qualifier", "status", "region", "same_gpus_as", "superseded_by"]
    rows = row_dicts(d, needed)  # plain dicts, built once
    part_of, replaced, same = d["part_of"].to_dict(), d["superseded_by"].to_dict(), d["same_gpus_as"].to_dict()
    status = d["status"].astype(str).to_dict()

    def live(row_id) -> bool:
        return status[row_id] in COUNTED_STATUSES and pd.isna(replaced[row_id]) and pd.isna(same[row_id])

    holder: dict[str, object] = {}  # row -> the nearest counted row from it upwards, itself included (None: top), or "paused:X"

    def climb(start) -> object:
        """The nearest counted row from ``start`` upwards (replacements followed, withdrawn rows passed), iteratively."""
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
        for visited in path:  # every row passed on the way resolves to the same place
            holder[visited] = result
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
            gross[row_id] = _larger(_own(rows[row_id], figure, qualifier, "with_up_to"), _sum(parts))
        for level in LEVELS:
            total, chips = {}, {}
            for row_id in order:
                gone = _sum(gross[c] for c in raw_children.get(row_id, [])
                            if status[c] not in COUNTED_STATUSES and pd.isna(replaced[c]) and pd.isna(same[c])) or 0
                own = _own(rows[row_id], figure, qualifier, level)
                own = None if own is None else max(own - gone, 0)
                mine = children.get(row_id, [])
                parts = _sum(total[c] for c in mine)
                total[row_id] = _larger(own, parts)
                if measure == "gpus":  # what the parts hold, plus any excess of the row's own figure, of the row's own chip
                    excess = 0 if own is None or (parts is not None and parts >= own) else own - (parts or 0)
                    held: dict = {}
                    for c in mine:
                        for chip, n in chips[c].items():
                            held[chip] = held.get(chip, 0) + n
                    if excess:
                        held[chip_of[row_id]] = held.get(chip_of[row_id], 0) + excess
                    chips[row_id] = held
            result[f"{measure}_{level}"] = pd.array([total[i] for i in ids], dtype="Float64" if measure == "mw" else "Int64")
            if measure == "gpus":
                result[f"chips_{level}"] = [chips[i] for i in ids]
                result[f"h100e_{level}"] = pd.array([_sum(n * ratio[c] for c, n in chips[i].items() if c in ratio) for i in ids],
                                                    dtype="Float64")
                result[f"unknown_mix_{level}"] = pd.array([_sum(n for c, n in chips[i].items() if c not in ratio) for i in ids],
                                                          dtype="Int64")
        levels = [f"{measure}_{level}" for level in LEVELS]
        for lower, upper in zip(levels[::-1][1:], levels[::-1]):  # keep the levels cumulative
            result[lower] = result[lower].where(result[lower].isna() | result[upper].isna() | (result[lower] <= result[upper]), result[upper])
    counted = [_how_counted(rows[i], rows, inside[i], live(i)) for i in ids]
    left_out = pd.Series([not (c in ("region", "worldwide") or c.startswith("part of ")) for c in counted], index=result.index)
    result.loc[left_out, [c for c in result.columns]] = pd.NA  # a row left out counts nothing, not its old figure
    result["low"], result["high"] = result["gpus_stated"], result["gpus_with_up_to"]
    result["counted"] = counted
    result["holder"] = pd.array([h if isinstance(h, str) and not h.startswith("paused:") else pd.NA for h in (inside[i] for i in ids)], dtype="str")
    columns = ["name", "region", "country", "gpu_count", "gpu_count_qualifier", "power_mw", "power_mw_qualifier", "status", "part_of"]
    return d[columns].join(result)


def h100_ratios(directory: Directory = None) -> dict[str, float]:
    """Each chip's dense 16-bit rate divided by the H100 SXM's: its GPUs in H100-equivalents.

    A chip with no sourced rate is absent, so its GPUs stay unconverted
    (unknown mix); with no H100 rate nothing converts.

    Examples:
        >>> round(h100_ratios()["gb300"], 3)
        2.528
    """
    rates = load_chips(directory)["dense_16bit_tflops"].dropna()
    if REFERENCE_CHIP not in rates.index:
        return {}
    return {chip: float(rate) / float(rates[REFERENCE_CHIP]) for chip, rate in rates.items()}


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


def _own(row: dict, figure: str, qualifier: str, level: str) -> int | float | None:
    """The row's own figure if it counts at ``level`` (a letter of intent counts at most as a target)."""
    value = row[figure]
    if _missing(value):
        return None
    how = row[qualifier]
    if row["status"] == "letter_of_intent" and how in STATED:
        how = "target"
    if how not in COUNTED_AT[level]:
        return None
    return int(value) if figure == "gpu_count" else float(value)


def _sum(values) -> int | float | None:
    """The sum of the values that are figures; None if none is."""
    figures = [v for v in values if not _missing(v)]
    return sum(figures) if figures else None


def _missing(value) -> bool:
    """Whether a cell holds no figure (None, <NA> or NaN), without pandas' per-call overhead."""
    return value is None or value is pd.NA or value != value


def _larger(a, b):
    if _missing(a):
        return None if _missing(b) else b
    return a if _missing(b) else max(a, b)


def _how_counted(row: dict, rows: dict[str, dict], holder: object, live: bool) -> str:
    if pd.notna(row["same_gpus_as"]):
        return f"same GPUs as {row['same_gpus_as']}"
    if pd.notna(row["superseded_by"]):
        return f"superseded by {row['superseded_by']}"
    if not live:
        return str(row["status"])
    if isinstance(holder, str) and holder.startswith("paused:"):
        return f"inside paused {holder.split(':', 1)[1]}"
    if isinstance(holder, str) and rows[holder]["region"] == row["region"]:
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
        Europe          27640        127640      158640  27640  158640
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
    dtype = "Float64" if measure in ("mw", "h100e") else "Int64"
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(LEVELS)).astype(dtype)
    table.index.name = "region"
    return table


def reconcile(region: str, level: str = "stated", measure: str = "gpus", as_of: AsOf = None,
              directory: Directory = None) -> pd.DataFrame:
    """Every row of a region with what it adds to the region's total at ``level``, summing visibly to the total.

    ``contributes`` is what the row itself adds: a row on its own adds its
    total; a row holding parts adds only what its own figure exceeds its
    parts by (the parts are listed, each adding its own); a row left out adds
    0, and ``why`` says why (paused, superseded, the same GPUs as another,
    part of a paused plan, no figure at this level). The ``contributes``
    column sums to ``gpus_by_region`` (or ``mw_by_region``) for that region
    and level; ``<NA>`` where no row has a figure.

    Examples:
        >>> table = reconcile("Europe", "with_up_to")
        >>> int(table["contributes"].sum()) == int(gpus_by_region().at["Europe", "with_up_to"])
        True
        >>> table.at["stargate-uk", "why"]
        'paused'
    """
    if level not in LEVELS or measure not in MEASURES:
        raise ValueError(f"level must be one of {', '.join(LEVELS)} and measure one of {', '.join(MEASURES)}")
    totals = capacity_totals(as_of, directory)
    mine = totals[totals["region"] == region]
    column, (figure, qualifier) = f"{measure}_{level}", MEASURES[measure]
    held = totals[totals["counted"].str.startswith("part of ")].groupby("holder")[column].apply(lambda v: _sum(v.tolist()))
    rows = []
    for row_id, row in mine.iterrows():
        counted = row["counted"]
        total = row[column]
        if counted == "region" or counted.startswith("part of "):
            inside = held.get(row_id)
            inside = None if inside is None or pd.isna(inside) else inside
            adds = None if pd.isna(total) else (total - (inside or 0))
            if adds is None:
                why = "no figure at this level"
            elif inside and adds == 0:
                why = "its parts, listed, hold all its GPUs" if measure == "gpus" else "its parts, listed, hold all its power"
            elif inside:
                why = "its own figure less its parts, listed"
            else:
                why = "" if counted == "region" else counted
        else:
            adds, why = 0, counted
        rows.append({"deployment_id": row_id, "name": row["name"], "figure": row[figure], "qualifier": row[qualifier],
                     "status": row["status"], "contributes": adds, "why": named_reason(why, totals["name"])})
    dtype = "Float64" if measure == "mw" else "Int64"
    table = pd.DataFrame(rows, columns=["deployment_id", "name", "figure", "qualifier", "status", "contributes", "why"])
    table["contributes"] = pd.array([None if v is None or pd.isna(v) else v for v in table["contributes"]], dtype=dtype)
    return table.set_index("deployment_id")


def named_reason(why: str, names: pd.Series) -> str:
    """A reason with the row id it ends with replaced by that row's name: 'part of uk-commitment' as 'part of UK AI ...'."""
    head, _, last = why.rpartition(" ")
    return f"{head} {names[last]}" if head and last in names.index else why


def compute_by_region(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Planned compute per region in H100-equivalents at each level, and the GPUs of unknown mix left out.

    A GPU counts as its chip's dense 16-bit rate over the H100 SXM's (see
    ``chips.csv``); GPUs whose chip is not named, or has no sourced rate, are
    not converted and are counted in ``unknown_mix_<level>``. ``<NA>`` where
    no figure exists.

    Examples:
        >>> table = compute_by_region()
        >>> int(table.loc["North America", "stated"])  # 104,000 GB300 at 2,500 TFLOP/s against the H100's 989
        262892
        >>> int(table.loc["Europe", "unknown_mix_stated"])  # Narvik's 30,000 Vera Rubin: no sourced rate
        30000
    """
    totals = capacity_totals(as_of, directory)
    names = regions(directory)
    table = _by_region(totals, "h100e", names).round(0).astype("Int64")
    unknown = _by_region(totals, "unknown_mix", names)
    for level in LEVELS:
        table[f"unknown_mix_{level}"] = unknown[level]
    return table


def gpus_worldwide(as_of: AsOf = None, directory: Directory = None) -> tuple[int, int]:
    """Stated and "with up to" GPUs planned worldwide: the sum of the regions (the roadmap is reported apart).

    Examples:
        >>> gpus_worldwide("2025-10-03")  # stated: the UK's 27,640 (Narvik's count was first published on 15 Oct)
        (27640, 158640)
    """
    world = worldwide(as_of, directory)
    return world["low"], world["high"]


def worldwide(as_of: AsOf = None, directory: Directory = None) -> dict:
    """The worldwide figure at each level, and the roadmap reported apart, marked stale when outgrown.

    The worldwide figure is the sum of the regions, the same total as every
    chart, table and command shows; a worldwide plan (the roadmap) is never
    taken as a total. ``roadmap`` is the largest worldwide plan with its own
    figure; it is ``stale`` when the regions' total *with targets* exceeds it.
    """
    return _worldwide(capacity_totals(as_of, directory), as_of, directory)


def _worldwide(totals: pd.DataFrame, as_of: AsOf, directory: Directory) -> dict:
    counted = totals[totals["counted"] == "region"]  # the regions' rows: one set of totals, the roadmap apart
    result = {level: _plain_number(_sum(counted[f"gpus_{level}"])) for level in LEVELS}
    result["low"], result["high"] = result["stated"], result["with_up_to"]
    result["power_mw"] = {level: _plain_number(_sum(counted[f"mw_{level}"])) for level in LEVELS}
    result["h100e"] = {level: _whole_number(_sum(counted[f"h100e_{level}"])) for level in LEVELS}
    result["unknown_mix_gpus"] = {level: _plain_number(_sum(counted[f"unknown_mix_{level}"])) for level in LEVELS}
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
        (1718000000, None)
        >>> s["gpus_by_region"]["Europe"]["with_targets"], s["gpus_by_region"]["Asia"]["stated"]
        (127640, None)
    """
    stamp = dataset_as_of(directory) if as_of is None else pd.Timestamp(as_of)
    totals = capacity_totals(as_of, directory)
    names = regions(directory)
    named = regions_named(as_of, directory)
    names += [r for r in named if r not in names]
    gpus, mw = _by_region(totals, "gpus", names), _by_region(totals, "mw", names)
    h100e, unknown = _by_region(totals, "h100e", names), _by_region(totals, "unknown_mix", names)
    equity, debt = capital_raised(as_of, directory), debt_raised(as_of, directory)
    facilities = load_debt_facilities(as_of, directory)
    latest = latest_source_date(as_of, directory)
    by_region = {}
    for region in names:
        entry = {level: _plain_number(gpus.at[region, level]) for level in LEVELS}
        entry["low"], entry["high"] = entry["stated"], entry["with_up_to"]
        entry["power_mw"] = {level: _plain_number(mw.at[region, level]) for level in LEVELS}
        entry["h100e"] = {level: _whole_number(h100e.at[region, level]) for level in LEVELS}
        entry["unknown_mix_gpus"] = {level: _plain_number(unknown.at[region, level]) for level in LEVELS}
        entry["named_in"] = named.get(region, [])
        by_region[region] = entry
    return {
        "as_of": stamp.strftime("%Y-%m-%d"),
        "reviewed": dataset_as_of(directory).strftime("%Y-%m-%d"),
        "latest_source": None if latest is None else latest.strftime("%Y-%m-%d"),
        "capital_raised_usd": equity,
        "debt_raised_usd": debt,
        "equity_and_debt_usd": known_sum(equity, debt),
        "accordions_not_counted_usd": sum(int(v) for v in facilities["accordion_usd"].dropna()),
        "gpus_by_region": by_region,
        "gpus_worldwide": _worldwide(totals, as_of, directory),
    }


def known_sum(*values: int | None) -> int | None:
    """The sum of the values that are figures; None when none is: ``known_sum(5, None)`` is 5, ``known_sum(None)`` None."""
    known = [v for v in values if v is not None and not pd.isna(v)]
    return sum(known) if known else None


def _plain_number(value) -> int | float | None:
    """A JSON-ready number: None for no figure, int where whole."""
    if value is None or pd.isna(value):
        return None
    return as_number(value)


def _whole_number(value) -> int | None:
    """H100-equivalents rounded to a whole number, None for no figure."""
    return None if value is None or pd.isna(value) else int(round(float(value)))


def as_number(value) -> int | float:
    """A figure as an int where it is whole, else a float: ``as_number(2.0)`` is ``2``."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _names_in_order(text: str) -> list[str]:
    return [name.strip() for name in text.split(";") if name.strip()]


def round_name(stage: str, instrument: str) -> str:
    """A reader's name for a round.

    Examples:
        >>> round_name("pre_series_c", "safe")
        'Pre-Series C SAFE'
    """
    words = [w.upper() if len(w) == 1 else w.capitalize() for w in stage.split("_")]
    name = " ".join(words).replace("Pre ", "Pre-")
    return f"{name} SAFE" if instrument == "safe" else name


def moving_days(table: pd.DataFrame) -> list[pd.Timestamp]:
    """The days of an ``events`` table on which some total (equity, debt, GPUs or MW at any level) moved, in order.

    The timeline numbers these days, and the events table says which number each event falls under.
    """
    totals = [c for c in table.columns if c.endswith("_usd") or c.startswith(("gpus_", "mw_"))]
    last = table.groupby("date", sort=True)[totals].last().astype("Float64").fillna(0)  # no figure and nothing yet are alike
    moved = last.ne(last.shift(fill_value=0)).any(axis=1)
    return [pd.Timestamp(day) for day in moved.index[moved]]


def status_words(status: str) -> str:
    """A status of the history in plain words.

        >>> status_words("under_construction"), status_words("superseded")
        ('under construction', 'replaced')
    """
    return "replaced" if status == "superseded" else status.replace("_", " ")


def events(directory: Directory = None) -> pd.DataFrame:
    """Every dated event, in order, with the library's totals on that day (``summary(as_of=date)``).

    Events are rounds, debt facilities, deployments announced, status
    changes, and the first publication of a figure that was not public when
    its row was announced (kind ``figure``). A date known only to the month
    counts from the month's end (capped at the review date), as in every total. Totals across regions are ``<NA>``
    where no region has a figure.

    Examples:
        >>> table = events()
        >>> table.loc[table["event"] == "Pre-Series C SAFE", ["date", "equity_usd"]].values.tolist()
        [[Timestamp('2025-10-01 00:00:00'), 1718000000]]
    """
    return _events(None, directory)


@cached_by_data
def _events(_as_of: None, directory: Directory) -> pd.DataFrame:
    """``events``, computed once per data package."""
    reviewed = dataset_as_of(directory)
    rounds, facilities = load_funding_rounds(directory=directory), load_debt_facilities(directory=directory)
    deployments = load_deployments(directory=directory)

    def known(frame: pd.DataFrame) -> pd.Series:
        return period_end(frame["announced_date"], frame["announced_date_precision"]).clip(upper=reviewed)

    changed = load_status_changes(directory=directory)
    changed = changed[changed["status"] != "letter_of_intent"]  # how a row starts, not a change of it
    names_of = {"funding_rounds": (rounds, [round_name(s, i) for s, i in zip(rounds["stage"], rounds["instrument"])]),
                "debt_facilities": (facilities, facilities["name"].astype(str).tolist()),
                "deployments": (deployments, deployments["short_name"].astype(str).tolist())}
    published = []
    for table, (frame, names) in names_of.items():
        announced = known(frame)
        for column, first in figures_published(table, directory).items():
            late = first.notna() & (first > announced)
            if late.any():
                label = FIGURE_WORDS[column]
                published.append(pd.DataFrame({"date": first[late], "kind": "figure", "subject_id": frame.index[late],
                                               "event": [f"{n} {label} published" for n, l in zip(names, late) if l],
                                               "precision": "day"}))
    parts = published + [
        pd.DataFrame({"date": known(rounds), "kind": "equity", "subject_id": rounds.index,
                      "event": [round_name(s, i) for s, i in zip(rounds["stage"], rounds["instrument"])],
                      "precision": rounds["announced_date_precision"].astype(str)}),
        pd.DataFrame({"date": known(facilities), "kind": "debt", "subject_id": facilities.index, "event": facilities["name"],
                      "precision": facilities["announced_date_precision"].astype(str)}),
        pd.DataFrame({"date": known(deployments), "kind": "capacity", "subject_id": deployments.index,
                      "event": deployments["short_name"].astype(str) + " announced",
                      "precision": deployments["announced_date_precision"].astype(str)}),
        pd.DataFrame({"date": changed["published"], "kind": "status", "subject_id": changed["deployment_id"].astype(str),
                      "event": changed["deployment_id"].map(deployments["short_name"]).astype(str) + " "
                      + changed["status"].astype(str).map(status_words), "precision": "day"}),
    ]
    table = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    table["date"] = pd.to_datetime(table["date"]).astype("datetime64[s]")
    table = table.sort_values(["date", "kind", "event"], ignore_index=True)
    totals = {}
    names = regions(directory)
    for day in table["date"].unique():
        counted = capacity_totals(day, directory)  # once per day, for GPUs and megawatts alike
        by_gpus, by_mw = _by_region(counted, "gpus", names), _by_region(counted, "mw", names)
        totals[day] = {"equity_usd": capital_raised(day, directory), "debt_usd": debt_raised(day, directory),
                       **{f"gpus_{level}": _plain_number(_sum(by_gpus[level])) for level in LEVELS},
                       **{f"mw_{level}": _plain_number(_sum(by_mw[level])) for level in LEVELS}}
    columns = pd.DataFrame([totals[day] for day in table["date"]], index=table.index)
    for column in columns:
        columns[column] = columns[column].astype("Float64" if column.startswith("mw_") else "Int64")
    return table.join(columns)
