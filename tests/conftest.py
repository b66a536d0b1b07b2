"""Shared fixtures: a writable copy of the packaged data to break on purpose."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nscale_data.schema import PACKAGED_DATA

REPO = Path(__file__).resolve().parent.parent


class DataCopy:
    """A copy of the packaged data package with helpers to edit its CSV files."""

    def __init__(self, directory: Path):
        self.directory = directory

    def path(self, file: str) -> Path:
        return self.directory / file

    def rows(self, file: str) -> list[list[str]]:
        with open(self.path(file), newline="", encoding="utf-8") as handle:
            return list(csv.reader(handle))

    def write_rows(self, file: str, rows: list[list[str]]) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        self.path(file).write_text(buffer.getvalue(), encoding="utf-8")

    def set_cell(self, file: str, row_id: str, column: str, value: str) -> int:
        """Set one cell of the row whose first cell is ``row_id``; return its line number."""
        rows = self.rows(file)
        index = rows[0].index(column)
        for number, row in enumerate(rows):
            if row[0] == row_id:
                row[index] = value
                self.write_rows(file, rows)
                return number + 1
        raise KeyError(row_id)

    def append(self, file: str, values: dict[str, str]) -> int:
        """Append a row from column values (others empty); return its line number."""
        rows = self.rows(file)
        rows.append([values.get(column, "") for column in rows[0]])
        self.write_rows(file, rows)
        return len(rows)


@pytest.fixture
def data(tmp_path: Path) -> DataCopy:
    directory = tmp_path / "data"
    shutil.copytree(PACKAGED_DATA, directory)
    return DataCopy(directory)


def write_notebook(tmp_path: Path, name: str, *sources: str) -> Path:
    """Write a notebook of code cells to ``tmp_path/notebooks/name`` and return its path."""
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
    nbformat.write(nb, tmp_path / "notebooks" / name)
    return tmp_path / "notebooks" / name
