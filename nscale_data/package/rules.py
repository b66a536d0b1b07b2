"""Rules that span rows and tables, beyond what the Table Schema can say.

Each rule appends ``Problem`` objects; none raises. The tables reach here
already typed and checked cell by cell (see ``reading.py``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable

from nscale_data.package.errors import Problem, excerpt as _short
from nscale_data.package.evidence import states
from nscale_data.package.reading import Table
from nscale_data.package.schema import VERSION

COMPANY = "nscale"
INDUSTRY = "data-centres"  # the subject of figures about data centres in general (power usage effectiveness)
GLOBAL = "Global"  # the region of a worldwide plan
# Claims whose value is words, not a figure; every other attribute is numeric.
TEXT_ATTRIBUTES = frozenset({
    "announced_date", "lead_investors", "other_investors", "included_in", "status", "target_regions",
    "offtake_agreement", "expected_period", "superseded_by", "lenders", "placement_agents", "ipo_underwriters",
    "planned_customer", "site_condition", "first_shipment",
})
PARTIAL_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
# Figures in the rounds and deployments tables that a claim must state.
TRACED = {
    "funding_rounds": ("amount_usd", "valuation_usd"),
    "debt_facilities": ("amount_usd", "accordion_usd"),
    "deployments": ("gpu_count", "power_mw", "contract_value_usd"),
    "chips": ("dense_16bit_tflops", "dense_8bit_tflops", "max_power_kw", "system_power_kw", "system_gpus",
              "price_low_usd", "price_high_usd"),
}  # a peer's row is checked against the claim of its own source (``_traced``)
# Each measured figure of a deployment and the column saying how the source states it.
QUALIFIED = {"gpu_count": "gpu_count_qualifier", "power_mw": "power_mw_qualifier"}
LINKS = ("part_of", "same_gpus_as", "superseded_by")
# The tables a claim's subject may come from, with their key column.
SUBJECT_TABLES = {
    "funding_rounds": "round_id", "debt_facilities": "facility_id", "deployments": "deployment_id",
    "peer_capital": "item_id", "peer_capacity": "figure_id", "chips": "chip_id",
}
STATUS_CHANGES = frozenset({"operating", "paused", "withdrawn"})  # statuses that take a date and a source
# How each status of the history (status_changes.csv) counts in the totals; None: a change that does not alter it.
COUNTS_AS = {
    "letter_of_intent": "letter_of_intent", "contracted": "announced", "under_construction": "announced",
    "energised": "operating", "operating": "operating", "delivered": "operating",
    "paused": "paused", "withdrawn": "withdrawn", "cancelled": "withdrawn", "superseded": None,
}
BUILD_ORDER = {"contracted": 1, "under_construction": 2, "energised": 3, "operating": 3, "delivered": 4}  # a build moves forward


def period_end(date: dt.date, precision: str) -> dt.date:
    """Last day of the period a date with ``precision`` stands for.

    Examples:
        >>> period_end(dt.date(2026, 4, 1), "month")
        datetime.date(2026, 4, 30)
        >>> period_end(dt.date(2023, 1, 1), "year")
        datetime.date(2023, 12, 31)
    """
    if precision == "year":
        return dt.date(date.year, 12, 31)
    if precision == "month":
        return dt.date(date.year, date.month, calendar.monthrange(date.year, date.month)[1])
    return date


def check(tables: dict[str, Table], as_of: dt.date, problems: list[Problem]) -> None:
    """Apply every cross-row and cross-table rule; ``as_of`` is the package's review date."""
    for table in tables.values():
        _foreign_keys(table, tables, problems)
    _dates(tables, as_of, problems)
    _amounts(tables["funding_rounds"], problems)
    _amounts(tables["debt_facilities"], problems)
    _rounds(tables["funding_rounds"], problems)
    _deployments(tables["deployments"], problems)
    _peers(tables, problems)
    _chips(tables["chips"], problems)
    ids = {name: {row[key] for row in tables[name].rows} for name, key in SUBJECT_TABLES.items()}
    _claims(tables, ids, problems)
    _traced(tables, problems)
    _status_history(tables, problems)
    _schedules(tables, problems)
    _titles(tables["sources"], problems)
    _changes(tables, problems)


def latest_source(tables: dict[str, Table]) -> dt.date | None:
    """The publication date of the latest source, or None if there is none."""
    return max((row["published_date"] for row in tables["sources"].rows), default=None)


def _foreign_keys(table: Table, tables: dict[str, Table], problems: list[Problem]) -> None:
    for fk in table.resource.foreign_keys:
        target = tables.get(fk.resource)
        if target is None:
            continue
        known = {row[fk.reference_field] for row in target.rows}
        for row, line in zip(table.rows, table.lines):
            value = row.get(fk.field)
            if value is not None and value not in known:
                problems.append(Problem(table.file, line, fk.field, f"{_short(value)} is not a {fk.reference_field} in {target.file}"))


def _dates(tables: dict[str, Table], as_of: dt.date, problems: list[Problem]) -> None:
    """No date after the package's as_of date; a coarse date is written as its period's first day."""
    for table in tables.values():
        for f in table.resource.fields:
            if f.type != "date":
                continue
            for row, line in zip(table.rows, table.lines):
                if row[f.name] is not None and row[f.name] > as_of:
                    problems.append(
                        Problem(table.file, line, f.name, f"{row[f.name]} is after the data's as_of date ({as_of}); update as_of in datapackage.json")
                    )
    for table, column in (("sources", "published_date"), ("funding_rounds", "announced_date"),
                          ("debt_facilities", "announced_date"), ("deployments", "announced_date"),
                          ("peer_capital", "announced_date"), ("peer_capacity", "stated_date"), ("status_changes", "date")):
        t = tables[table]
        for row, line in zip(t.rows, t.lines):
            date, precision = row[column], row[f"{column}_precision"]
            if (precision == "month" and date.day != 1) or (precision == "year" and (date.month, date.day) != (1, 1)):
                problems.append(Problem(t.file, line, column, f"with precision {precision!r}, write the first day of the {precision}"))


def _cycles(table: Table, columns: tuple[str, ...], key: str, problems: list[Problem]) -> None:
    """Report each row whose links, through any of ``columns``, lead back to itself.

    One iterative depth-first pass over all rows: linear in rows and links,
    and no recursion however long a chain is.
    """
    edges = {row[key]: [row[c] for c in columns if row[c] is not None] for row in table.rows}
    lines = dict(zip((row[key] for row in table.rows), table.lines))
    links = {row[key]: row for row in table.rows}
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in edges:
        if start in state:
            continue
        path, stack = [start], [iter(edges[start])]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                ring = path[path.index(child):]
                for at, node in enumerate(ring):  # every row on the cycle, each with the cycle from itself
                    cycle = ring[at:] + ring[:at] + [node]
                    column = next(c for c in columns if links[node][c] == cycle[1])
                    problems.append(Problem(table.file, lines[node], column, f"links form a cycle: {' -> '.join(cycle)}"))
            elif child not in state and child in edges:
                state[child] = 1
                path.append(child)
                stack.append(iter(edges[child]))


def _amounts(t: Table, problems: list[Problem]) -> None:
    for row, line in zip(t.rows, t.lines):
        if row["currency"] == "USD" and row["amount"] != row["amount_usd"]:
            problems.append(Problem(t.file, line, "amount_usd", "must equal amount when the currency is USD"))


def _rounds(t: Table, problems: list[Problem]) -> None:
    _cycles(t, ("included_in",), "round_id", problems)
    ends = {row["round_id"]: period_end(row["announced_date"], row["announced_date_precision"]) for row in t.rows}
    for row, line in zip(t.rows, t.lines):
        later = row["included_in"]
        if later in ends and later != row["round_id"] and ends[later] < ends[row["round_id"]]:
            problems.append(Problem(t.file, line, "included_in", f"{_short(later)} was announced before this round"))


def _deployments(t: Table, problems: list[Problem]) -> None:
    _cycles(t, LINKS, "deployment_id", problems)
    rows = {row["deployment_id"]: row for row in t.rows}
    for row, line in zip(t.rows, t.lines):
        _parent(row, rows, t.file, line, problems)
        if row["gpu_count"] is None and row["power_mw"] is None:
            problems.append(Problem(t.file, line, "power_mw", "is required when gpu_count is empty (a row needs a GPU or a power figure)"))
        for figure, qualifier in QUALIFIED.items():
            if row[figure] is not None and row[qualifier] is None:
                problems.append(Problem(t.file, line, qualifier, f"is required when {figure} is given"))
            if row[figure] is None and row[qualifier] is not None:
                problems.append(Problem(t.file, line, qualifier, f"must be empty when {figure} is empty"))
        changed = row["status"] in STATUS_CHANGES
        for column in ("status_date", "status_source_id"):
            if changed and row[column] is None:
                problems.append(Problem(t.file, line, column, f"is required when the status is {row['status']!r}"))
            if not changed and row[column] is not None:
                problems.append(Problem(t.file, line, column, f"must be empty while the status is {row['status']!r}"))
        if row["status_date"] is not None and row["status_date"] < row["announced_date"]:
            problems.append(Problem(t.file, line, "status_date", "is before announced_date"))


def _parent(row: dict, rows: dict[str, dict], file: str, line: int, problems: list[Problem]) -> None:
    """A row is part of a counted row of its own region (or a Global one); parts of a paused row pause with it."""
    parent = rows.get(row["part_of"])
    if parent is None or parent is row:
        return
    if parent["same_gpus_as"] is not None:
        problems.append(Problem(file, line, "part_of", f"{parent['deployment_id']!r} is not counted itself (it has same_gpus_as); link to the row that is"))
    for holder in (parent, rows.get(parent["superseded_by"])):
        if holder is not None and holder["region"] not in (row["region"], GLOBAL):
            problems.append(Problem(file, line, "part_of", f"{holder['deployment_id']!r} is in {holder['region']}, this row in {row['region']}; only a Global row can hold rows of several regions"))
    if parent["status"] == "paused" and row["status"] not in ("paused", "withdrawn"):
        problems.append(Problem(file, line, "status", f"{parent['deployment_id']!r}, which holds this row, is paused; a part of a paused plan is paused too"))


def _peers(tables: dict[str, Table], problems: list[Problem]) -> None:
    """Nscale's figures come from its detailed tables, never from the peer tables; a replacement is later and of the same company."""
    companies = {row["company_id"]: row for row in tables["companies"].rows}
    for name in ("peer_capital", "peer_capacity"):
        t = tables[name]
        for row, line in zip(t.rows, t.lines):
            company = companies.get(row["company_id"])
            if company is not None and company["figures_from"] == "detailed_tables":
                problems.append(Problem(t.file, line, "company_id", f"{_short(row['company_id'])} has its figures computed from its detailed tables; a row here would count them twice"))
    _one_row_per_site(tables["peer_capacity"], problems)
    t = tables["peer_capital"]
    items = {row["item_id"]: row for row in t.rows}
    for row, line in zip(t.rows, t.lines):
        later = items.get(row["superseded_by"]) if row["superseded_by"] is not None else None
        if later is None:
            continue
        if later["company_id"] != row["company_id"] or later["kind"] != row["kind"]:
            problems.append(Problem(t.file, line, "superseded_by", f"{_short(later['item_id'])} is not {row['kind']} of the same company"))
        elif later["announced_date"] <= row["announced_date"] or later["superseded_by"] is not None:
            problems.append(Problem(t.file, line, "superseded_by", f"{_short(later['item_id'])} must be announced later and not be replaced itself"))


def _chips(t: Table, problems: list[Problem]) -> None:
    """A price range runs from low to high; a server's power and its GPU count come together."""
    for row, line in zip(t.rows, t.lines):
        low, high = row["price_low_usd"], row["price_high_usd"]
        if low is not None and high is not None and low > high:
            problems.append(Problem(t.file, line, "price_low_usd", f"{low:g} is above price_high_usd ({high:g})"))
        if (row["system_power_kw"] is None) != (row["system_gpus"] is None):
            problems.append(Problem(t.file, line, "system_gpus", "system_power_kw and system_gpus are given together or not at all"))


def _one_row_per_site(t: Table, problems: list[Problem]) -> None:
    """A site is one row per company, measure and status, unless a later row replaces it (``superseded_by``): sites are added."""
    seen: dict[tuple, dict] = {}
    for row, line in zip(t.rows, t.lines):
        if row["scope"] != "site" or row["site"] is None:
            continue
        key = (row["company_id"], row["measure"], row["status"], row["site"].casefold())
        first = seen.get(key)
        if first is not None and row["figure_id"] not in (first["superseded_by"],) and row["superseded_by"] != first["figure_id"]:
            problems.append(Problem(t.file, line, "site", f"{_short(row['site'])} is already counted as {_short(first['figure_id'])}; "
                                    "link the later figure with superseded_by, or name the two sites apart"))
        seen.setdefault(key, row)


def subject_table(subject_id: str, ids: dict[str, set[str]], owner: dict[str, str] | None = None) -> str | None:
    """The table every part of ``subject_id`` belongs to, or None if some part is unknown.

    ``owner`` (``owners(ids)``, built once by a caller that asks often) answers a one-row subject in one look-up.

    Examples:
        >>> subject_table("a+b", {"deployments": {"a", "b"}})
        'deployments'
        >>> subject_table("a+c", {"deployments": {"a", "b"}}) is None
        True
    """
    if "+" not in subject_id:
        return (owners(ids) if owner is None else owner).get(subject_id)
    parts = subject_id.split("+")
    return next((name for name, known in ids.items() if known.issuperset(parts)), None)


def owners(ids: dict[str, Iterable[str]]) -> dict[str, str]:
    """Each id with the first table of ``ids`` (ids, or rows keyed by id) that holds it, as ``subject_table`` finds it.

        >>> owners({"deployments": {"a"}, "debt_facilities": {"a", "b"}})["a"]
        'deployments'
    """
    return {key: name for name, known in reversed(ids.items()) for key in known}


def _claims(tables: dict[str, Table], ids: dict[str, set[str]], problems: list[Problem]) -> None:
    t = tables["claims"]
    owner = owners(ids)
    language = {row["source_id"]: row["language"] for row in tables["sources"].rows}
    columns = {name: {f.name: f.type for f in tables[name].resource.fields} for name in ids}
    for row, line in zip(t.rows, t.lines):
        subject, attribute = row["subject_id"], row["attribute"]
        parts = subject.split("+")
        if language.get(row["source_id"], "en") != "en" and row["evidence_en"] is None:
            problems.append(Problem(t.file, line, "evidence_en", f"is required: the source is in {_short(language[row['source_id']])}; "
                                    "gloss the evidence in English beside the original"))
        table = subject_table(subject, ids, owner)
        if subject not in (COMPANY, INDUSTRY) and table is None:
            problems.append(
                Problem(t.file, line, "subject_id", f"{_short(subject)} is not 'nscale', '{INDUSTRY}', a round_id, a facility_id, a deployment_id, an item_id, a figure_id or a chip_id (or several of one kind joined by '+')")
            )
        if len(set(parts)) < len(parts):
            problems.append(Problem(t.file, line, "subject_id", "names the same row twice; each part of a total appears once"))
        if attribute in TEXT_ATTRIBUTES:
            if row["value_text"] is None or row["value"] is not None:
                problems.append(Problem(t.file, line, "value_text", f"{_short(attribute)} is stated in words: fill value_text and leave value empty"))
            elif attribute == "announced_date" and not PARTIAL_DATE.fullmatch(row["value_text"]):
                problems.append(Problem(t.file, line, "value_text", "a date claim is written YYYY, YYYY-MM or YYYY-MM-DD"))
            elif attribute == "expected_period" and not EXPECTED_PERIOD.fullmatch(row["value_text"]):
                problems.append(Problem(t.file, line, "value_text", f"{_short(row['value_text'])} is not a period: write a year, "
                                        "half, quarter or month (2026, 2026-H2, 2026-Q3, 2026-07)"))
            continue
        if row["value"] is None or row["value_text"] is not None:
            problems.append(Problem(t.file, line, "value", f"{_short(attribute)} is a figure: fill value and leave value_text empty"))
            continue
        kind = columns[table].get(attribute) if table else None
        if kind not in (None, "integer", "number"):
            problems.append(Problem(t.file, line, "attribute", f"{_short(attribute)} is a {kind} column of {tables[table].file}, not a figure"))
            continue
        if row["derived_from"] is not None:
            continue  # checked in _derived
        unit = UNIT_NOTE.search(row["note"] or "")
        scale = UNITS[unit[1].lower()] if unit else 1
        if row["source_id"] in language and not states(row["evidence"], language[row["source_id"]], row["value"] / scale):
            stated = f"{row['value']:g}" + (f" (in {unit[1]}: {row['value'] / scale:g})" if unit else "")
            problems.append(
                Problem(t.file, line, "evidence", f"does not state {stated}; quote the words that do, or set derived_from")
            )
    _derived(tables, problems)


# An expected period: a year, a half, a quarter or a month (nscale_data.totals.delivery.period_bounds reads the same forms).
EXPECTED_PERIOD = re.compile(r"[0-9]{4}(-Q[1-4]|-H[12]|-(0[1-9]|1[0-2]))?")

# A figure its source prints in thousands or millions: the note says so, and the evidence states value ÷ scale.
UNIT_NOTE = re.compile(r"\bstated in (thousands|millions)\b", re.IGNORECASE)
UNITS = {"thousands": 1e3, "millions": 1e6}
FRACTION = re.compile(r"\bfraction ([0-9]{1,6})/([0-9]{1,6})\b")


def _derived(tables: dict[str, Table], problems: list[Problem]) -> None:
    """A derived figure comes from stated figures, published no later, by a rule written down.

    ``derived_from`` names one claim, or several joined by '+' (a sum). Each
    must exist, be a figure, and be stated (not derived itself), by a source
    published no later than the derived claim's. The derived value must equal
    the figure or the sum, or, for one claim, the figure times a fraction
    written in the note as ``fraction p/q``.
    """
    t = tables["claims"]
    claims = {row["claim_id"]: row for row in t.rows}
    published = {row["source_id"]: row["published_date"] for row in tables["sources"].rows}
    for row, line in zip(t.rows, t.lines):
        if row["derived_from"] is None or row["value"] is None:
            continue
        names = row["derived_from"].split("+")
        bases = [claims.get(name) for name in names]
        if len(set(names)) < len(names) or row["claim_id"] in names:
            problems.append(Problem(t.file, line, "derived_from", "names a claim twice or the claim itself"))
            continue
        unknown = [n for n, b in zip(names, bases) if b is None]
        if unknown:
            problems.append(Problem(t.file, line, "derived_from", f"{_short(unknown[0])} is not a claim_id in claims.csv"))
            continue
        bad = [n for n, b in zip(names, bases) if b["value"] is None or b["derived_from"] is not None]
        if bad:
            problems.append(Problem(t.file, line, "derived_from", f"{_short(bad[0])} is not a stated figure (a claim with a value, not derived itself)"))
            continue
        mine = published.get(row["source_id"])
        if any(mine is not None and published.get(b["source_id"], mine) > mine for b in bases):
            problems.append(Problem(t.file, line, "derived_from", "is stated by a source published after this claim's source"))
        total = sum(b["value"] for b in bases)
        fraction = FRACTION.search(row["note"] or "") if len(bases) == 1 else None
        candidates = [total] + ([total * int(fraction[1]) / int(fraction[2])] if fraction and int(fraction[2]) else [])
        if not any(math.isclose(row["value"], c, rel_tol=1e-9) for c in candidates):
            rule = f"{total:g}" + (f" times {fraction[1]}/{fraction[2]}" if fraction else "")
            problems.append(Problem(t.file, line, "value", f"{row['value']:g} is not derived from {rule}; write 'fraction p/q' in the note if it is a share"))


def _traced(tables: dict[str, Table], problems: list[Problem]) -> None:
    """Every figure in the rounds, facilities and deployments tables is stated by a claim; GPUs and MW with their qualifier.

    A peer's row is stated by a claim from its own source, with the same value and qualifier.
    """
    claims = tables["claims"].rows
    stated = {(row["subject_id"], row["attribute"], row["value"]) for row in claims}
    qualified = {(row["subject_id"], row["attribute"], row["value"], row["qualifier"]) for row in claims}
    t = tables["deployments"]
    for row, line in zip(t.rows, t.lines):
        for figure, column in QUALIFIED.items():
            if row[figure] is None or row[column] is None:
                continue
            key = (row["deployment_id"], figure, float(row[figure]))
            if key in stated and key + (row[column],) not in qualified:
                problems.append(
                    Problem(t.file, line, column, f"no claim states {row[figure]:g} as {row[column]!r}; use the qualifier of the source's words")
                )
    by_source = {(row["subject_id"], row["attribute"], row["source_id"]): row for row in claims}
    for name, column in (("peer_capital", "amount_usd"), ("peer_capacity", "value")):  # the row's own source, its words
        t = tables[name]
        key = t.resource.primary_key
        for row, line in zip(t.rows, t.lines):
            claim = by_source.get((row[key], column, row["source_id"]))
            if claim is None:
                problems.append(Problem(t.file, line, "source_id", f"no claim from {_short(row['source_id'])} states this row's {column}"))
            elif claim["value"] is not None and (claim["value"] != float(row[column]) or claim["qualifier"] != row["qualifier"]):
                wrong = column if claim["value"] != float(row[column]) else "qualifier"
                problems.append(Problem(t.file, line, wrong, f"its source's claim states {claim['value']:g} as {claim['qualifier']!r}"))
    for name, columns in TRACED.items():
        t = tables[name]
        key = t.resource.primary_key
        for row, line in zip(t.rows, t.lines):
            for column in columns:
                value = row[column]
                if value is not None and (row[key], column, float(value)) not in stated:
                    problems.append(
                        Problem(t.file, line, column, f"{value:g} is not stated by any claim; add one to claims.csv with its source and evidence")
                    )


def _status_history(tables: dict[str, Table], problems: list[Problem]) -> None:
    """Each status change follows its row's announcement, is stated by a claim of that row, and agrees with the others
    of its day; a build does not move back; and each deployment's status is the one its latest counting change gives."""
    t, d = tables["status_changes"], tables["deployments"]
    rows = {row["deployment_id"]: row for row in d.rows}
    claims = {row["claim_id"]: row for row in tables["claims"].rows}
    history: dict[str, list[tuple[dt.date, int, dict]]] = {}
    on_day: dict[tuple[str, dt.date], str] = {}
    for row, line in zip(t.rows, t.lines):
        deployment, claim = rows.get(row["deployment_id"]), claims.get(row["claim_id"])
        if deployment is None or claim is None:
            continue  # reported by the foreign keys
        name, status, date = row["deployment_id"], row["status"], row["date"]
        if date < deployment["announced_date"]:
            problems.append(Problem(t.file, line, "date", f"is before {name}'s announcement ({deployment['announced_date']})"))
        attribute, value = ("superseded_by", deployment["superseded_by"]) if status == "superseded" else ("status", status)
        if name not in claim["subject_id"].split("+"):
            problems.append(Problem(t.file, line, "claim_id", f"{_short(row['claim_id'])} is a claim about {_short(claim['subject_id'])}, not {name}"))
        elif (claim["attribute"], claim["value_text"]) != (attribute, value):
            said = _short(claim["value_text"]) if claim["value_text"] is not None else (
                f"{claim['value']:g}" if claim["value"] is not None else "nothing")
            problems.append(Problem(t.file, line, "claim_id", f"{_short(row['claim_id'])} states {claim['attribute']} {said}, "
                                    f"not {attribute} {_short(value)}"))
        if on_day.setdefault((name, date), status) != status:
            problems.append(Problem(t.file, line, "status", f"{name} also changes to {on_day[name, date]!r} on {date}; "
                                    "two changes of one row on one day must agree"))
        history.setdefault(name, []).append((date, line, row))
    ordered = {name: [(line, row) for _, line, row in sorted(changes, key=lambda c: (c[0], c[1]))]  # by date, then by line
               for name, changes in history.items()}
    for changes in ordered.values():
        reached: dict | None = None
        for line, row in changes:
            step = BUILD_ORDER.get(row["status"])
            if step is not None and reached is not None and step < BUILD_ORDER[reached["status"]]:
                problems.append(Problem(t.file, line, "status", f"{row['status']!r} on {row['date']} comes after "
                                        f"{reached['status']!r} on {reached['date']}: a build does not move back"))
            elif step is not None:
                reached = row
    for row, line in zip(d.rows, d.lines):
        counting = [c for _, c in ordered.get(row["deployment_id"], []) if COUNTS_AS[c["status"]] is not None]
        if not counting:
            if row["status"] != "announced":
                problems.append(Problem(d.file, line, "status", f"{row['status']!r} has no change in {t.file}; record it there with its claim"))
            continue
        last = counting[-1]
        expected = COUNTS_AS[last["status"]]
        if row["status"] != expected:
            problems.append(Problem(d.file, line, "status", f"is {row['status']!r}, but its latest change in {t.file} "
                                    f"({last['change_id']}, {last['status']}) makes it {expected!r}"))
        elif expected in STATUS_CHANGES:
            source = claims[last["claim_id"]]["source_id"]
            for column, value in (("status_date", last["date"]), ("status_source_id", source)):
                if row[column] is not None and row[column] != value:
                    problems.append(Problem(d.file, line, column, f"is {row[column]}, but its latest change in {t.file} "
                                            f"({last['change_id']}) gives {value}"))


def _schedules(tables: dict[str, Table], problems: list[Problem]) -> None:
    """A deployment's expected period is stated by a claim about it; other sources' periods stay claims beside it."""
    stated = {(row["subject_id"], row["value_text"]) for row in tables["claims"].rows if row["attribute"] == "expected_period"}
    d = tables["deployments"]
    for row, line in zip(d.rows, d.lines):
        if row["expected_period"] is not None and (row["deployment_id"], row["expected_period"]) not in stated:
            problems.append(Problem(d.file, line, "expected_period", f"{row['expected_period']} is not stated by any claim; "
                                    "add one to claims.csv with its source and evidence"))


BRACKETED_WHY = re.compile(r"\b(headline|title)s?\b", re.IGNORECASE)


def _titles(t: Table, problems: list[Problem]) -> None:
    """A title in [brackets] is the project's, written where the stored page shows no headline: its note says so."""
    for row, line in zip(t.rows, t.lines):
        if row["title"].startswith("[") and not BRACKETED_WHY.search(row["note"] or ""):
            problems.append(Problem(t.file, line, "note", "must say why the title is in [brackets] (the stored copy shows no "
                                    "headline, or none was found)"))


def version_key(version: str) -> tuple[int, ...]:
    """A MAJOR.MINOR.PATCH version as numbers, to compare.

        >>> version_key("1.10.0") > version_key("1.9.2")
        True
    """
    return tuple(int(part) for part in version.split("."))


def versions(t: Table, version: str, problems: list[Problem]) -> None:
    """Down the changelog versions never go back, none is later than the package's, and the last is the package's."""
    if not version:
        return  # the descriptor's own problem, reported by schema.read_package
    if not t.rows:
        problems.append(Problem(t.file, None, "version", f"no change is recorded: datapackage.json says {version}; "
                                "record the change that made it"))
        return
    reached = None
    for row, line in zip(t.rows, t.lines):
        shipped = row["version"]
        if not isinstance(shipped, str) or VERSION.fullmatch(shipped) is None:
            problems.append(Problem(t.file, line, "version", f"{_short(shipped)} is not a version: write MAJOR.MINOR.PATCH, "
                                    "each part of at most six digits (1.0.1)"))
            continue
        if version_key(shipped) > version_key(version):
            problems.append(Problem(t.file, line, "version", f"{shipped} does not exist yet: datapackage.json says {version}"))
        elif reached is not None and version_key(shipped) < version_key(reached):
            problems.append(Problem(t.file, line, "version", f"{shipped} goes backwards: an earlier change shipped in {reached}"))
        else:
            reached = shipped
    if reached is not None and reached != version:
        problems.append(Problem(t.file, t.lines[-1], "version", f"the latest change shipped in {reached}, but datapackage.json "
                                f"says {version}: record the change that made {version}"))


def _changes(tables: dict[str, Table], problems: list[Problem]) -> None:
    """Every id a changelog entry names exists in a table (a source, a row or a claim)."""
    known = {row[t.resource.primary_key] for name, t in tables.items() if name != "changes" for row in t.rows}
    t = tables["changes"]
    for row, line in zip(t.rows, t.lines):
        for name in (part.strip() for part in row["ids"].split(";")):
            if name not in known:
                problems.append(Problem(t.file, line, "ids", f"{_short(name)} is not a source, round, facility, deployment, company, peer row or claim"))
