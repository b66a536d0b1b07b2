"""The one error the loaders raise, and the problems it lists."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data, located by file, row and column.

    ``row`` is the line of the CSV file where the record starts (the header
    is line 1), as a text editor or spreadsheet shows it.

    Examples:
        >>> str(Problem("claims.csv", 7, "value", "'x' is not a number"))
        "claims.csv:7: value: 'x' is not a number"
        >>> str(Problem("datapackage.json", None, None, "file is missing"))
        'datapackage.json: file is missing'
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        what = self.message if self.column is None else f"{self.column}: {self.message}"
        return f"{where}: {what}"


class DatasetError(Exception):
    """The data package is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


class DateAfterReview(ValueError):
    """An ``as_of`` date after the data's review date: nothing is known past it."""


def _sort_key(problem: Problem) -> tuple:
    return (problem.file, problem.row or 0, problem.column or "", problem.message)


def excerpt(text: object, limit: int = 40) -> str:
    """A cell or name quoted in a message: escaped, one line, at most ``limit`` characters.

    Examples:
        >>> excerpt("x" * 50)
        "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'"
        >>> excerpt("atlantis")
        "'atlantis'"
    """
    text = str(text)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
