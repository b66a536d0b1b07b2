"""Rules that span rows and tables, beyond what the Table Schema can say.

Each rule appends ``Problem`` objects; none raises. The tables reach here
already typed and checked cell by cell (see ``reading.py``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from nscale_data.errors import Problem
from nscale_data.evidence import states
from nscale_data.reading import Table

COMPANY = "nscale"
GLOBAL = "Global"  # the region of a worldwide plan
# Claims whose value is words, not a figure; every other attribute is numeric.
TEXT_ATTRIBUTES = frozenset(
    {"announced_date", "lead_investors", "included_in", "status", "target_regions", "offtake_agreement"}
)
PARTIAL_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")
# Figures in the rounds and deployments tables that a claim must state.
TRACED = {
    "funding_rounds": ("amount_usd", "valuation_usd"),
    "deployments": ("gpu_count", "power_mw", "contract_value_usd"),
}
LINKS = ("part_of", "same_gpus_as", "superseded_by")


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
    _rounds(tables["funding_rounds"], problems)
    _deployments(tables["deployments"], problems)
    _claims(tables, problems)
    _traced(tables, problems)


def _foreign_keys(table: Table, tables: dict[str, Table], problems: list[Problem]) -> None:
    for fk in table.resource.foreign_keys:
        target = tables.get(fk.resource)
        if target is None:
            continue
        known = {row[fk.reference_field] for row in target.rows}
        for row, line in zip(table.rows, table.lines):
            value = row.get(fk.field)
            if value is not None and value not in known:
                problems.append(Problem(table.file, line, fk.field, f"{value!r} is not a {fk.reference_field} in {target.file}"))


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
    for table, column in (("sources", "published_date"), ("funding_rounds", "announced_date"), ("deployments", "announced_date")):
        t = tables[table]
        for row, line in zip(t.rows, t.lines):
            date, precision = row[column], row[f"{column}_precision"]
            if (precision == "month" and date.day != 1) or (precision == "year" and (date.month, date.day) != (1, 1)):
                problems.append(Problem(t.file, line, column, f"with precision {precision!r}, write the first day of the {precision}"))


def _cycles(table: Table, columns: tuple[str, ...], key: str, problems: list[Problem]) -> None:
    """Report each row whose links, through any of ``columns``, lead back to itself."""
    edges = {row[key]: [row[c] for c in columns if row[c] is not None] for row in table.rows}
    for row, line in zip(table.rows, table.lines):
        path = _path_back(row[key], edges)
        if path:
            column = next(c for c in columns if row[c] == path[1])
            problems.append(Problem(table.file, line, column, f"links form a cycle: {' -> '.join(path)}"))


def _path_back(start: str, edges: dict[str, list[str]]) -> list[str] | None:
    """The shortest path of links from ``start`` back to itself, if there is one.

    Examples:
        >>> _path_back("a", {"a": ["b"], "b": ["a"]})
        ['a', 'b', 'a']
        >>> _path_back("a", {"a": ["b"], "b": []}) is None
        True
    """
    parent: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in edges.get(node, []):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return path[::-1] + [start]
            if child not in parent:
                parent[child] = node
                queue.append(child)
    return None


def _rounds(t: Table, problems: list[Problem]) -> None:
    _cycles(t, ("included_in",), "round_id", problems)
    ends = {row["round_id"]: period_end(row["announced_date"], row["announced_date_precision"]) for row in t.rows}
    for row, line in zip(t.rows, t.lines):
        if row["currency"] == "USD" and row["amount"] != row["amount_usd"]:
            problems.append(Problem(t.file, line, "amount_usd", "must equal amount when the currency is USD"))
        later = row["included_in"]
        if later in ends and later != row["round_id"] and ends[later] < ends[row["round_id"]]:
            problems.append(Problem(t.file, line, "included_in", f"{later!r} was announced before this round"))


def _deployments(t: Table, problems: list[Problem]) -> None:
    _cycles(t, LINKS, "deployment_id", problems)
    rows = {row["deployment_id"]: row for row in t.rows}
    for row, line in zip(t.rows, t.lines):
        parent = rows.get(row["part_of"])
        if parent is not None and parent is not row:
            if parent["region"] not in (row["region"], GLOBAL):
                problems.append(Problem(t.file, line, "part_of", f"{parent['deployment_id']!r} is in {parent['region']}, this row in {row['region']}; only a Global row can hold rows of several regions"))
            for link in ("same_gpus_as", "superseded_by"):
                if parent[link] is not None:
                    problems.append(Problem(t.file, line, "part_of", f"{parent['deployment_id']!r} is not counted itself (it has {link}); link to the row that is"))
        changed = row["status"] != "announced"
        for column in ("status_date", "status_source_id"):
            if changed and row[column] is None:
                problems.append(Problem(t.file, line, column, f"is required when the status is {row['status']!r}"))
            if not changed and row[column] is not None:
                problems.append(Problem(t.file, line, column, "must be empty while the status is 'announced'"))
        if row["status_date"] is not None and row["status_date"] < row["announced_date"]:
            problems.append(Problem(t.file, line, "status_date", "is before announced_date"))


def subject_table(subject_id: str, tables: dict[str, Table]) -> str | None:
    """The table every part of ``subject_id`` belongs to, or None if some part is unknown."""
    parts = subject_id.split("+")
    for name, key in (("funding_rounds", "round_id"), ("deployments", "deployment_id")):
        ids = {row[key] for row in tables[name].rows}
        if all(p in ids for p in parts):
            return name
    return None


def _claims(tables: dict[str, Table], problems: list[Problem]) -> None:
    t = tables["claims"]
    language = {row["source_id"]: row["language"] for row in tables["sources"].rows}
    for row, line in zip(t.rows, t.lines):
        subject, attribute = row["subject_id"], row["attribute"]
        if subject != COMPANY and subject_table(subject, tables) is None:
            problems.append(
                Problem(t.file, line, "subject_id", f"{subject!r} is not 'nscale', a round_id or a deployment_id (or several of one kind joined by '+')")
            )
        if attribute in TEXT_ATTRIBUTES:
            if row["value_text"] is None or row["value"] is not None:
                problems.append(Problem(t.file, line, "value_text", f"{attribute!r} is stated in words: fill value_text and leave value empty"))
            elif attribute == "announced_date" and not PARTIAL_DATE.fullmatch(row["value_text"]):
                problems.append(Problem(t.file, line, "value_text", "a date claim is written YYYY, YYYY-MM or YYYY-MM-DD"))
            continue
        if row["value"] is None or row["value_text"] is not None:
            problems.append(Problem(t.file, line, "value", f"{attribute!r} is a figure: fill value and leave value_text empty"))
            continue
        table = tables.get(subject_table(subject, tables) or "")
        kind = {f.name: f.type for f in table.resource.fields}.get(attribute) if table else None
        if kind not in (None, "integer", "number"):
            problems.append(Problem(t.file, line, "attribute", f"{attribute!r} is a {kind} column of {table.file}, not a figure"))
            continue
        if row["derived_from"] is not None:
            continue
        if row["source_id"] in language and not states(row["evidence"], language[row["source_id"]], row["value"]):
            problems.append(
                Problem(t.file, line, "evidence", f"does not state {row['value']:g}; quote the words that do, or set derived_from")
            )


def _traced(tables: dict[str, Table], problems: list[Problem]) -> None:
    """Every figure in the rounds and deployments tables is stated by some claim, a GPU count with its qualifier."""
    claims = tables["claims"].rows
    stated = {(row["subject_id"], row["attribute"], row["value"]) for row in claims}
    qualified = {(row["subject_id"], row["value"], row["qualifier"]) for row in claims if row["attribute"] == "gpu_count"}
    t = tables["deployments"]
    for row, line in zip(t.rows, t.lines):
        key = (row["deployment_id"], float(row["gpu_count"]), row["gpu_count_qualifier"])
        if (row["deployment_id"], "gpu_count", key[1]) in stated and key not in qualified:
            problems.append(
                Problem(t.file, line, "gpu_count_qualifier", f"no claim states {row['gpu_count']:g} as {row['gpu_count_qualifier']!r}; use the qualifier of the source's words")
            )
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
