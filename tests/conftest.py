"""Shared fixtures: a writable copy of the packaged data to break on purpose, and what a test run builds once.

`make test` runs the tests in one pytest-xdist worker per core. Each
notebook's cells, and each module whose tests share a browser or a built
report, stay in one worker; the slowest tests start first. The report, which
several modules need, is built once per run, by the first worker that asks, in
the run's temporary directory.

That a from-scratch `make figures` reproduces the committed figures and
notebooks byte for byte is checked where that rebuild happens anyway: CI
(``.ci/run``) runs it on a clean clone and fails if `git status` then shows a
change.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from nscale_data.package.schema import PACKAGED_DATA

REPO = Path(__file__).resolve().parent.parent
# Modules whose tests share an expensive module fixture (a browser, a built report, drawn charts): one worker each.
ONE_WORKER = ("tests/test_report_browser.py", "tests/test_report.py", "tests/test_charts.py")
# Where the longest tests are, longest first; everything else follows in collection order.
SLOW_FIRST = ("tests/test_report_browser.py", "tests/test_regenerate.py", "notebooks/03-timeline.ipynb",
              "tests/test_charts.py", "tests/test_regenerate_safety.py", "notebooks/", "tests/test_report.py",
              "tests/test_analysis.py", "tests/test_fuzz.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slowest tests first, so that no worker is left with a long one at the end."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: a notebook's cells and a module's tests keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Hand out each test on its own, except each notebook's cells and each module of ``ONE_WORKER``, kept together.

    (``--dist loadfile``, the fallback where this file is not loaded, keeps whole files together.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::")[0]
            return path if path.endswith(".ipynb") or path in ONE_WORKER else nodeid

    return Scheduling(config, log)


class DataCopy:
    """A copy of the packaged data package with helpers to edit its CSV files."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._records: dict[str, tuple[int, int]] = {}  # file -> (hash of its text, its number of records)

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
        """Append a row from column values (others empty); return its line number.

        Writes only the new row, so a test can add a thousand rows without
        rewriting the file a thousand times.
        """
        path = self.path(file)
        text = path.read_text(encoding="utf-8")
        known = self._records.get(file)
        count = known[1] if known and known[0] == hash(text) else len(list(csv.reader(io.StringIO(text, newline=""))))
        header = next(csv.reader(io.StringIO(text, newline="")))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow([values.get(column, "") for column in header])
        row = ("" if text.endswith("\n") or not text else "\n") + buffer.getvalue()
        with open(path, "a", newline="", encoding="utf-8") as handle:
            handle.write(row)
        self._records[file] = (hash(text + row), count + 1)
        return count + 1


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


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build) -> Path:
    """``build(directory)`` run once in this test run, by whichever worker asks first; the others wait for it.

    The directory lies in the run's temporary directory, shared by its
    workers; a build that raised is tried again by the next test that asks.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    directory = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / ".built").exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            build(directory)
            (directory / ".built").touch()
    return directory


@pytest.fixture(scope="session")
def report_site(tmp_path_factory) -> Path:
    """The report built from the committed notebooks and figures, once per run: its directory."""
    from nscale_data.output.report import build_report

    return once_per_run(tmp_path_factory, "report", lambda directory: build_report(
        directory / "site", REPO / "notebooks", REPO / "figures")) / "site"
