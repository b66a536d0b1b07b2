"""Checking a data package without pandas: reading, typing and every rule, with one list of problems.

``nscale-data validate`` needs nothing more, so it starts without importing pandas.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from nscale_data import rules
from nscale_data.errors import DatasetError, Problem
from nscale_data.reading import Table, read_table
from nscale_data.schema import PACKAGE_FILE, PACKAGED_DATA, Package, check_against, read_package

Directory = str | Path | None


def validate(directory: Directory = None) -> list[Problem]:
    """Every problem in the data package in ``directory`` (default: the packaged data).

    Examples:
        >>> validate()
        []
    """
    try:
        _checked(*_fingerprint(directory))
    except DatasetError as exc:
        return exc.problems
    return []


def _fingerprint(directory: Directory) -> tuple[Path, tuple]:
    """The directory and the size and modification time of its files, so edits reload."""
    path = Path(os.path.realpath(directory)) if directory is not None else PACKAGED_DATA
    try:
        stamp = tuple(sorted((f.name, *_stat(f)) for f in path.iterdir()))
    except OSError:
        stamp = ()
    return path, stamp


def _stat(path: Path) -> tuple[int, int, int]:
    """Modification time, size and kind of a file, following a link where it can (a broken link is stamped as itself)."""
    try:
        info = path.stat()
    except (OSError, RuntimeError):
        info = path.lstat()
    return info.st_mtime_ns, info.st_size, info.st_mode


@lru_cache(maxsize=8)
def _checked(directory: Path, _stamp: tuple) -> tuple[Package, dict[str, Table]]:
    """The package's tables, read and checked by every rule; raises one ``DatasetError`` listing every problem."""
    if not directory.is_dir():
        raise DatasetError([Problem(str(directory), None, None, "is not a directory")])
    package = read_package(directory)
    if directory != PACKAGED_DATA:
        check_against(package, read_package(PACKAGED_DATA))
    problems: list[Problem] = []
    with _collector_paused():
        tables = {name: read_table(directory, resource, problems) for name, resource in package.resources.items()}
        if not problems:
            rules.check(tables, dt.date.fromisoformat(package.as_of), problems)
    if problems:
        raise DatasetError(problems)
    latest = rules.latest_source(tables)
    if latest is not None and latest.isoformat() != package.latest_source:
        problems.append(Problem(PACKAGE_FILE, None, "latest_source", f"must be {latest} (the latest published_date in sources.csv), not {package.latest_source}"))
    if problems:
        raise DatasetError(problems)
    return package, tables


@contextmanager
def _collector_paused():
    """Pause Python's cycle collector while the tables are read and checked.

    Reading makes a few objects per cell and no reference cycles; left on,
    the collector would scan them again and again as they pile up, a cost
    that grows faster than the rows.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
