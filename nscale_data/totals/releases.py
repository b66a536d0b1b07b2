"""Citable releases: the data's version, how to cite it, and what moved between two versions.

The data's version (``datapackage.json``) follows Frictionless's Data Package
Version recipe: PATCH for corrected values, MINOR for added rows, MAJOR for a
changed schema; ``changes.csv`` names the version each change shipped in.

``diff(old, new)`` compares two data packages, each a directory or a git
revision of this repository, row by row and total by total.

    >>> data_version()
    '1.0.1'
    >>> citation().startswith("The nscale-data project (2026). Nscale: capital raised and planned GPU capacity")
    True
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nscale_data.package.errors import DatasetError
from nscale_data.package.files import MAX_CSV_BYTES, UnsafeFile, read_bytes
from nscale_data.package.schema import PACKAGE_FILE, PACKAGED_DATA, read_package
from nscale_data.package.validation import Directory, data_in_use, validate

AUTHOR = "The nscale-data project"
TITLE = "Nscale: capital raised and planned GPU capacity"
LICENCE = "CC BY 4.0"
REPOSITORY = PACKAGED_DATA.parent.parent  # the source tree, where the package is installed from a clone
DATA_PATH = "nscale_data/data"


class DiffError(ValueError):
    """An argument of ``diff`` that is neither a data package nor a revision of this repository."""


def data_version(directory: Directory = None) -> str:
    """The version of the data package in ``directory`` (default: the data in use), as ``datapackage.json`` states it."""
    path = Path(directory) if directory is not None else data_in_use()
    return read_package(path).version


def citation(style: str = "text", directory: Directory = None) -> str:
    """How to cite the data: ``style="text"`` (one line) or ``"bibtex"``, with its version and review date.

    No identifier is given that does not exist: there is no DOI yet.

        >>> print(citation("bibtex").splitlines()[0])
        @misc{nscale_data_1_0_1,
    """
    path = Path(directory) if directory is not None else data_in_use()
    package = read_package(path)
    latest, reviewed, version = package.latest_source, package.as_of, package.version
    if style == "text":
        return (f"{AUTHOR} ({reviewed[:4]}). {TITLE} (nscale-data), data version {version}, reviewed {reviewed}, "
                f"latest source {latest}. {LICENCE}.")
    if style == "bibtex":
        key = "nscale_data_" + version.replace(".", "_")
        return "\n".join([
            f"@misc{{{key},", f"  author = {{{{{AUTHOR}}}}},", f"  title = {{{TITLE} (nscale-data)}},",
            f"  year = {{{reviewed[:4]}}},", f"  version = {{{version}}},",
            f"  note = {{Data reviewed {reviewed}; latest source {latest}. Licence {LICENCE}}},", "}",
        ])
    raise ValueError(f"style must be 'text' or 'bibtex', not {style!r}")


# --- What moved between two versions -------------------------------------------------------------

@dataclass
class TableDiff:
    """Rows of one table added, removed and changed (``{row_id: {column: (old, new)}}``), and columns added or removed."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.columns_added or self.columns_removed)


@dataclass
class DataDiff:
    """What differs between two data packages: versions, tables row by row, and every headline total that moved."""

    old: str
    new: str
    versions: tuple[str, str]
    tables: dict[str, TableDiff]
    totals: list[tuple[str, object, object]]  # (total, old, new), only those that moved; None: no figure
    totals_note: str = ""  # why totals could not be compared, if they could not
    totals_added: dict[str, object] = field(default_factory=dict)  # totals only the new version computes (H100e, say)

    @property
    def unchanged(self) -> bool:
        return (not any(self.tables.values()) and not self.totals and not self.totals_added and not self.totals_note
                and self.versions[0] == self.versions[1])

    def to_json(self) -> dict:
        return {"old": self.old, "new": self.new, "versions": {"old": self.versions[0], "new": self.versions[1]},
                "no_change": self.unchanged,
                "tables": {name: {"added": t.added, "removed": t.removed,
                                  "changed": {row: {c: {"old": o, "new": n} for c, (o, n) in cells.items()}
                                              for row, cells in t.changed.items()},
                                  "columns_added": t.columns_added, "columns_removed": t.columns_removed}
                           for name, t in self.tables.items() if t},
                "totals": [{"total": name, "old": o, "new": n} for name, o, n in self.totals], "totals_note": self.totals_note or None,
                "totals_added": self.totals_added}


def diff(old: str, new: str | None = None) -> DataDiff:
    """Compare the data package ``old`` with ``new`` (default: the data in use); each a directory or a git revision.

    Raises ``DiffError`` for an argument that is neither a readable data package nor a revision of this repository.
    """
    with _package(old) as (old_dir, old_code), _package(new) as (new_dir, new_code):
        tables = {}
        old_tables, new_tables = _raw_tables(old_dir, old), _raw_tables(new_dir, new or "the working data")
        for name in sorted(set(old_tables) | set(new_tables)):
            tables[name] = _table_diff(old_tables.get(name), new_tables.get(name))
        totals, note, added = _totals((old, old_dir, old_code), (new or "the working data", new_dir, new_code))
        return DataDiff(old, new or "the working data", (_version_or_none(old_dir), _version_or_none(new_dir)), tables, totals, note,
                        added)


@contextmanager
def _package(spec: str | None):
    """``(data directory, code tree or None)`` for ``spec``: the data in use, a directory, or a revision's package and data."""
    if spec is None:
        yield data_in_use(), None
        return
    if os.path.isdir(spec):
        if not os.path.lexists(os.path.join(spec, PACKAGE_FILE)):
            raise DiffError(f"{spec}: not a data package (no {PACKAGE_FILE})")
        yield Path(spec), None
        return
    commit = _commit(spec)
    with tempfile.TemporaryDirectory(prefix="nscale-data-diff-") as folder:
        tree = Path(folder)
        _extract(commit, spec, tree)
        yield tree / DATA_PATH, tree


def _git(*args: str, binary: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPOSITORY), *args], capture_output=True, text=not binary, timeout=60, check=False)


def _commit(spec: str) -> str:
    """The commit a revision names, or DiffError."""
    if spec.startswith("-") or not spec.strip():
        raise DiffError(f"{spec!r}: not a directory, and not a revision")
    try:
        found = _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{spec}^{{commit}}")
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffError(f"{spec}: not a directory, and git could not be run to read it as a revision ({exc})") from None
    if found.returncode != 0:
        raise DiffError(f"{spec}: not a directory, and not a revision of this repository ({REPOSITORY})")
    return found.stdout.strip()


def _extract(commit: str, spec: str, tree: Path) -> None:
    """Write the package of ``commit`` (its code and data, regular files only) under ``tree``."""
    try:
        archive = _git("archive", "--format=tar", commit, "--", "nscale_data", binary=True)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffError(f"{spec}: git could not read it ({exc})") from None
    if archive.returncode != 0:
        raise DiffError(f"{spec}: holds no nscale_data package")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if member.isfile() and parts[:1] == ("nscale_data",) and ".." not in parts and member.size <= MAX_CSV_BYTES:
                target = tree.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    if not (tree / DATA_PATH / PACKAGE_FILE).exists():
        raise DiffError(f"{spec}: holds no {DATA_PATH}/{PACKAGE_FILE}")


def _raw_tables(directory: Path, label: str) -> dict[str, tuple[list[str], dict[str, dict[str, str]]]]:
    """Each table as read from its CSV file: its columns and rows by primary key (cells as written)."""
    try:
        package = read_package(directory)
    except DatasetError as exc:
        raise DiffError(f"{label}: not a data package ({exc.problems[0]})") from None
    tables = {}
    for name, resource in package.resources.items():
        try:
            text = read_bytes(directory, resource.path, MAX_CSV_BYTES).decode("utf-8-sig")
        except FileNotFoundError:
            continue  # a table the descriptor lists but the package lacks: compared as absent
        except (OSError, UnsafeFile, UnicodeDecodeError) as exc:
            raise DiffError(f"{label}: cannot read {resource.path} ({exc})") from None
        try:
            reader = csv.reader(io.StringIO(text, newline=""))
            header = next(reader, [])
            key = header.index(resource.primary_key) if resource.primary_key in header else 0
            rows = {}
            for number, cells in enumerate(reader, start=2):
                if len(cells) <= key:
                    raise DiffError(f"{label}: {resource.path}:{number}: has {len(cells)} cells, the header has {len(header)}")
                rows[cells[key]] = dict(zip(header, cells))
        except csv.Error as exc:
            raise DiffError(f"{label}: {resource.path}: {exc}") from None
        tables[name] = (header, rows)
    return tables


def _table_diff(old, new) -> TableDiff:
    old_columns, old_rows = old or ([], {})
    new_columns, new_rows = new or ([], {})
    shared = [c for c in new_columns if c in old_columns]
    changed = {}
    for row_id in (r for r in new_rows if r in old_rows):
        cells = {c: (old_rows[row_id].get(c, ""), new_rows[row_id].get(c, "")) for c in shared}
        cells = {c: pair for c, pair in cells.items() if pair[0] != pair[1]}
        if cells:
            changed[row_id] = cells
    return TableDiff([r for r in new_rows if r not in old_rows], [r for r in old_rows if r not in new_rows], changed,
                     [c for c in new_columns if c not in old_columns], [c for c in old_columns if c not in new_columns])


def _version_or_none(directory: Path) -> str | None:
    try:
        return read_package(directory).version or None
    except DatasetError:
        return None


def _totals(old: tuple, new: tuple) -> tuple[list[tuple[str, object, object]], str, dict[str, object]]:
    """Every headline total (equity, debt, GPUs, H100-equivalents, MW per region and level) that moved.

    A revision's totals are computed by that revision's own library, as it showed them; a directory's by this one.
    """
    computed = []
    for label, directory, code in (old, new):
        if code is not None:
            totals, problem = _totals_by_own_code(code)
        else:
            problems = validate(directory)
            totals, problem = (None, str(problems[0])) if problems else (headline_totals(directory), "")
        if totals is None:
            return [], f"totals not compared: {label} does not validate ({problem})", {}
        computed.append(totals)
    before, after = computed
    moved = [(name, before[name], after[name]) for name in sorted(set(before) & set(after), key=_order) if before[name] != after[name]]
    return moved, "", {name: after[name] for name in sorted(set(after) - set(before), key=_order)}


_SUMMARY = """
import json, sys
sys.path.insert(0, sys.argv[1])
# An editable install maps nscale_data to the working tree ahead of sys.path: read the revision's code instead.
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in (getattr(f, "__module__", "") or "")]
try:
    from nscale_data.totals.analysis import summary
except ImportError:  # a revision from before the library's layers
    from nscale_data.analysis import summary
print(json.dumps(summary(), default=str))
"""


def _totals_by_own_code(tree: Path) -> tuple[dict | None, str]:
    """``headline_totals`` of a revision, by its own code on its own data, in a separate Python process."""
    try:
        run = subprocess.run([sys.executable, "-c", _SUMMARY, str(tree)], capture_output=True, text=True, timeout=300,
                             check=False, cwd=tree)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if run.returncode != 0:
        lines = run.stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit code {run.returncode}"
    return _flatten(json.loads(run.stdout)), ""


def headline_totals(directory: Directory = None) -> dict[str, object]:
    """The totals a reader quotes, flat: capital, then each region's GPUs, H100-equivalents and MW at each level."""
    from nscale_data.totals.analysis import summary

    return _flatten(summary(directory=directory))


def _flatten(s: dict) -> dict[str, object]:
    """The headline totals of a ``summary()``, flat; a key an older summary lacks is left out."""
    totals: dict[str, object] = {"Equity, USD": s["capital_raised_usd"], "Debt, USD": s["debt_raised_usd"],
                                 "Equity and debt, USD": s.get("equity_and_debt_usd")}
    for region, entry in s["gpus_by_region"].items():
        for level in ("stated", "with_targets", "with_up_to"):
            words = level.replace("_", " ")
            totals[f"{region}, GPUs {words}"] = entry.get(level)
            if "h100e" in entry:
                totals[f"{region}, H100e {words}"] = entry["h100e"][level]
            if "power_mw" in entry:
                totals[f"{region}, MW {words}"] = entry["power_mw"][level]
    return totals


def _order(name: str) -> tuple:
    return (0 if name.endswith("USD") else 1, name)
