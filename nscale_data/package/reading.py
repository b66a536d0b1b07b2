"""Reading one CSV file against its Table Schema, cell by cell.

Every problem is collected with its file, line and column; a file with any
problem yields no rows, so nothing is ever half-loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nscale_data.package.errors import Problem, excerpt
from nscale_data.package.files import MAX_CSV_BYTES, UnsafeFile, read_bytes
from nscale_data.package.schema import Field, Resource

INTEGER = re.compile(r"-?[0-9]+")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_INTEGER = 2**63 - 1  # what a nullable Int64 column can hold
MAX_DIGITS = 19  # longer integer cells are refused before they are parsed
MAX_CELL = 100_000  # characters in one cell


@dataclass
class Table:
    """The typed rows of one CSV file; ``lines[i]`` is where row ``i`` starts; ``columns`` the same values by column."""

    resource: Resource
    rows: list[dict]
    lines: list[int]
    columns: dict[str, list] = field(default_factory=dict)

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

    width = len(header)
    body = [cells for _, cells in records[1:]]
    lines = [line for line, _ in records[1:]]
    if any(len(cells) != width for cells in body):
        for line, cells in records[1:]:
            if len(cells) != width:
                problems.append(Problem(file, line, None, f"has {len(cells)} cells, the header has {width}"))
        lines = [line for line, cells in records[1:] if len(cells) == width]
        body = [cells for cells in body if len(cells) == width]
    by_position = list(zip(*body)) or [()] * width
    columns = {f.name: _column(f, by_position[header.index(f.name)], lines, file, problems) for f in resource.fields}
    if len(problems) > found:
        return Table(resource, [], [])
    rows = list(map(dict, map(zip, itertools.repeat(list(columns)), zip(*columns.values()))))  # one dict per row, built in C
    return Table(resource, rows, lines, columns)


def _column(f: Field, texts: tuple[str, ...], lines: list[int], file: str, problems: list[Problem]) -> list:
    """The typed values of one column's cells, appending a problem for each bad or duplicate cell.

    Each distinct cell is converted once: a column of dates or qualifiers
    costs a dictionary look-up per row. A text column is first checked as a
    whole; only a column with a bad cell is read cell by cell, to say where.
    """
    distinct = set(texts)
    values = _text_values(f, texts, distinct)
    if values is None:
        converted = {text: _convert(f, text) for text in distinct}
        values = list(map({text: value for text, (value, _) in converted.items()}.__getitem__, texts))
        if any(message for _, message in converted.values()):
            for line, text in zip(lines, texts):
                if converted[text][1]:
                    problems.append(Problem(file, line, f.name, converted[text][1]))
    if not f.unique or (len(distinct) == len(texts) and f.type in ("string", "date")):
        return values  # distinct cells of a type read one way only: distinct values
    present = [value for value in values if value is not None]
    if len(set(present)) < len(present):
        first: dict[object, int] = {}
        for line, text, value in zip(lines, texts, values):
            if value is not None and first.setdefault(value, line) != line:
                problems.append(Problem(file, line, f.name, f"duplicate value {excerpt(text)} (first on line {first[value]})"))
    return values


def _text_values(f: Field, texts: tuple[str, ...], distinct: set[str]) -> list | None:
    """A text column's values (empty cells as None) if every cell meets ``f``; None for any other column.

        >>> _text_values(Field("kind", "string", enum=("news",)), ("news", ""), {"news", ""})
        ['news', None]
        >>> _text_values(Field("kind", "string", enum=("news",)), ("blog",), {"blog"}) is None
        True
    """
    if f.type != "string" or (f.required and "" in distinct):
        return None
    filled = distinct - {""}
    if f.enum is not None and not filled.issubset(f.enum):
        return None
    if f.max_length is not None and filled and max(map(len, filled)) > f.max_length:
        return None
    if f.pattern is not None and not all(map(f.pattern.fullmatch, filled)):
        return None
    if any(map(_unsafe_text, filled)):
        return None
    return [text or None for text in texts] if "" in distinct else list(texts)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # control characters, tab and line ends apart
FORMULA = re.compile(r"[=+@\t\r]|-[^\d\s.]")  # how a spreadsheet formula starts: refused at the start of a text cell


def _unsafe_text(text: str) -> str | None:
    """Why a text cell may not stand in the data: a control character, or a spreadsheet formula's opening.

        >>> _unsafe_text("Benz\x1b[31minga"), _unsafe_text("=HYPERLINK(1)"), _unsafe_text("-5% on the year"), _unsafe_text("ok")
        ('holds a control character (U+001B); remove it', 'starts with =: a spreadsheet would run it as a formula; reword it', None, None)
    """
    control = CONTROL.search(text)
    if control:
        return f"holds a control character (U+{ord(control.group()):04X}); remove it"
    if FORMULA.match(text):
        return f"starts with {text[0]}: a spreadsheet would run it as a formula; reword it"
    return None


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
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        rows = None  # the line-by-line reading below says where
    if rows is not None and len(rows) == _line_count(text):  # one line each
        records = list(zip(range(1, len(rows) + 1), rows)) if all(map(any, rows)) else \
            [(number, cells) for number, cells in enumerate(rows, start=1) if any(cells)]
    else:
        records = _records_by_line(file, text, problems)
        if records is None:
            return []
    if not records:
        problems.append(Problem(file, None, None, "file is empty; it needs at least a header row"))
    return records


def _line_count(text: str) -> int:
    """The number of lines in ``text``, ending at \\n, \\r\\n or \\r as the csv module reads them.

        >>> _line_count("a\\r\\nb\\rc\\n"), _line_count("a\\nb"), _line_count("")
        (3, 2, 0)
    """
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    return ends + (1 if text and not text.endswith(("\n", "\r")) else 0)


def _records_by_line(file: str, text: str, problems: list[Problem]) -> list[tuple[int, list[str]]] | None:
    """Records with the line each starts on, where a cell spans lines; None (and a problem) for broken CSV."""
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
        return None
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
        unsafe = _unsafe_text(text)
        if unsafe:
            return None, unsafe
    if f.type == "date" and not dt.date(1990, 1, 1) <= value <= dt.date(2100, 12, 31):
        return None, f"{text} is outside the plausible range 1990-01-01 to 2100-12-31"
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
