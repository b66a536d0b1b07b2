"""Reading one CSV file against its Table Schema, cell by cell.

Every problem is collected with its file, line and column; a file with any
problem yields no rows, so nothing is ever half-loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from nscale_data.errors import Problem, excerpt
from nscale_data.files import MAX_CSV_BYTES, UnsafeFile, read_bytes
from nscale_data.schema import Field, Resource

INTEGER = re.compile(r"-?[0-9]+")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_INTEGER = 2**63 - 1  # what a nullable Int64 column can hold
MAX_DIGITS = 19  # longer integer cells are refused before they are parsed
MAX_CELL = 100_000  # characters in one cell


@dataclass
class Table:
    """The typed rows of one CSV file; ``lines[i]`` is where row ``i`` starts."""

    resource: Resource
    rows: list[dict]
    lines: list[int]

    @property
    def file(self) -> str:
        return self.resource.path


def read_table(directory: Path, resource: Resource, problems: list[Problem]) -> Table:
    """Read ``resource`` from ``directory``, appending any problem to ``problems``."""
    file = resource.path
    found = len(problems)
    records = _records(directory, file, problems)
    if len(problems) > found:
        return Table(resource, [], [])
    header_line, header = records[0]
    missing = [name for name in resource.field_names if name not in header]
    for name in missing:
        problems.append(Problem(file, header_line, name, "column is missing"))
    known = set(resource.field_names)
    unknown = [name for name in header if name not in known]
    for name in unknown[:10]:
        problems.append(Problem(file, header_line, excerpt(name) if name else "(empty)", "unknown column"))
    if len(unknown) > 10:
        problems.append(Problem(file, header_line, None, f"{len(unknown) - 10} more unknown columns"))
    for name, count in Counter(header).items():
        if count > 1 and name in known:
            problems.append(Problem(file, header_line, name, "column appears more than once"))
    if len(problems) > found:
        return Table(resource, [], [])

    rows, lines = [], []
    seen: dict[str, dict[str, int]] = {f.name: {} for f in resource.fields if f.unique}
    position = {name: header.index(name) for name in resource.field_names}
    for line, cells in records[1:]:
        if len(cells) != len(header):
            problems.append(Problem(file, line, None, f"has {len(cells)} cells, the header has {len(header)}"))
            continue
        row = {}
        for f in resource.fields:
            text = cells[position[f.name]]
            value, message = _convert(f, text)
            if message is None and f.unique and value is not None:
                first = seen[f.name].setdefault(value, line)
                if first != line:
                    message = f"duplicate value {excerpt(text)} (first on line {first})"
            if message:
                problems.append(Problem(file, line, f.name, message))
            row[f.name] = value
        rows.append(row)
        lines.append(line)
    if len(problems) > found:
        return Table(resource, [], [])
    return Table(resource, rows, lines)


def _records(directory: Path, file: str, problems: list[Problem]) -> list[tuple[int, list[str]]]:
    """Split a CSV file into (starting line, cells) records, skipping blank lines."""
    try:
        raw = read_bytes(directory, file, MAX_CSV_BYTES)
    except FileNotFoundError:
        problems.append(Problem(file, None, None, "file is missing"))
        return []
    except UnsafeFile as exc:
        problems.append(Problem(file, None, None, str(exc)))
        return []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(file, line, None, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"))
        return []
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records = []
    start = 1
    try:
        for cells in reader:
            if cells and any(cells):
                records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(file, start, None, f"broken CSV ({excerpt(exc, 80)}); check the quotes on this row"))
        return []
    if not records:
        problems.append(Problem(file, None, None, "file is empty; it needs at least a header row"))
    return records


def _convert(f: Field, text: str) -> tuple[object, str | None]:
    """Return the typed value of one cell and a message if it breaks the schema."""
    if text == "":
        return None, ("is required" if f.required else None)
    if f.type == "integer":
        if not INTEGER.fullmatch(text):
            return None, f"{excerpt(text)} is not a whole number"
        if len(text.lstrip("-")) > MAX_DIGITS or abs(value := int(text)) > MAX_INTEGER:
            return None, f"{excerpt(text)} is too large"
    elif f.type == "number":
        if not NUMBER.fullmatch(text) or not math.isfinite(float(text)):
            return None, f"{excerpt(text)} is not a number (use digits and a decimal point, no separators)"
        value = float(text)
    elif f.type == "date":
        if not DATE.fullmatch(text):
            return None, f"{excerpt(text)} is not a date written YYYY-MM-DD"
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            return None, f"{excerpt(text)} is not a real date"
    else:
        value = text
    if f.minimum is not None and value < f.minimum:
        return None, f"{excerpt(text)} is below the minimum of {f.minimum:g}"
    if f.maximum is not None and value > f.maximum:
        return None, f"{excerpt(text)} is above the maximum of {f.maximum:g}"
    if f.enum is not None and text not in f.enum:
        allowed = ", ".join(f.enum) if len(f.enum) <= 10 else "see datapackage.json"
        return None, f"{excerpt(text)} is not an allowed value ({allowed})"
    if f.max_length is not None and len(text) > f.max_length:
        return None, f"is {len(text)} characters long; at most {f.max_length}"
    if f.pattern is not None and not f.pattern.fullmatch(text):
        return None, f"{excerpt(text)} does not match the pattern {f.pattern.pattern}"
    return value, None
