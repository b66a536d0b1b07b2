"""Checking a data package without pandas: reading, typing and every rule, with one list of problems.

``nscale-data validate`` needs nothing more, so it starts without importing pandas.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from nscale_data.package import rules
from nscale_data.package.errors import DatasetError, Problem
from nscale_data.package.files import MAX_CSV_BYTES, MAX_JSON_BYTES, UnsafeFile, read_bytes
from nscale_data.package.reading import Table, read_table
from nscale_data.package.schema import PACKAGE_FILE, PACKAGED_DATA, Package, check_against, read_package

Directory = str | Path | None
_in_use: Path | None = None  # the data read where no directory is named (None: the packaged data)


def use_data(directory: Directory = None) -> Path:
    """Read ``directory`` wherever no directory is named, from now on in this process; None: the packaged data again.

    ``nscale-data figures --data DIR`` runs this in each notebook's kernel, so
    notebooks written for the packaged data show an edited copy. Returns the
    directory now in use. One setting per process, shared by its threads.

    Examples:
        >>> use_data() == PACKAGED_DATA
        True
    """
    global _in_use
    _in_use = Path(os.path.realpath(directory)) if directory is not None else None
    return data_in_use()


def data_in_use() -> Path:
    """The directory read where no directory is named (see ``use_data``)."""
    return _in_use or PACKAGED_DATA


@contextmanager
def data_used(directory: Directory):
    """Within the block, read ``directory`` where no directory is named (None: leave the data in use as it is)."""
    global _in_use
    previous = _in_use
    if directory is not None:
        use_data(directory)
    try:
        yield
    finally:
        _in_use = previous


def data_files(directory: Directory = None) -> list[str]:
    """The files of a data package: its descriptor and the CSV files it lists, sorted by name.

    Examples:
        >>> data_files()[:3]
        ['changes.csv', 'chips.csv', 'claims.csv']
    """
    path = Path(directory) if directory is not None else data_in_use()
    return sorted({PACKAGE_FILE, *(resource.path for resource in read_package(path).resources.values())})


def data_contents(directory: Directory = None) -> dict[str, bytes]:
    """The data package's files (``data_files``), name to bytes, each read safely (``files.read_bytes``)."""
    path = Path(directory) if directory is not None else data_in_use()
    return {name: read_bytes(path, name, MAX_CSV_BYTES) for name in data_files(path)}


def data_fingerprint(directory: Directory = None) -> str:
    """A SHA-256 digest of the data package's files, names and bytes: equal for two copies of the same data.

    Notebooks and charts record the fingerprint of the data they were made
    from, so the report can refuse one made from other data than its pages.
    Raises ``DatasetError``, ``UnsafeFile`` or ``OSError`` where the files cannot be read.
    """
    return fingerprint_of(data_contents(directory))


def fingerprint_of(contents: dict[str, bytes]) -> str:
    """``data_fingerprint`` of files already read (``data_contents``)."""
    digest = hashlib.sha256()
    for name, content in sorted(contents.items()):
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


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
    """The directory and the size and modification time of its descriptor and the files it names, so edits reload.

    Only the package's own files are looked at: a folder that also holds thousands of unrelated files costs
    no more than one that does not.
    """
    path = Path(os.path.realpath(directory)) if directory is not None else data_in_use()
    descriptor = path / PACKAGE_FILE
    try:
        names = (PACKAGE_FILE, *_named_files(descriptor, _stat(descriptor)))
        stamp = tuple(sorted((name, *_stat(path / name)) for name in names if os.path.lexists(path / name)))
    except OSError:
        stamp = ()
    return path, stamp


@lru_cache(maxsize=16)
def _named_files(descriptor: Path, _stamp: tuple) -> tuple[str, ...]:
    """The CSV files a descriptor names (read once per version of it); none if it cannot be read as a descriptor."""
    try:  # through the guarded reader: a descriptor that is a pipe or a link out of the folder is never opened
        raw = read_bytes(descriptor.parent, descriptor.name, MAX_JSON_BYTES)
        resources = json.loads(raw.decode("utf-8")).get("resources", [])
    except (OSError, UnsafeFile, ValueError, AttributeError, RecursionError):
        return ()
    paths = [r.get("path") for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []
    return tuple(sorted({p for p in paths if isinstance(p, str) and "/" not in p and p not in (".", "..")}))


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
            rules.versions(tables["changes"], package.version, problems)
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
