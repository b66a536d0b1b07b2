"""Reading ``datapackage.json``: the Table Schema of every CSV file.

Only the parts of the Frictionless Table Schema this package uses are
understood: field types ``string``, ``integer``, ``number`` and ``date``, and
the constraints ``required``, ``unique``, ``enum``, ``minimum``, ``maxLength``
and ``pattern``, plus primary and foreign keys.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from nscale_data.errors import DatasetError, Problem

PACKAGE_FILE = "datapackage.json"
PACKAGED_DATA = Path(__file__).parent / "data"
TYPES = ("string", "integer", "number", "date")
# Fields whose values the code interprets: a package may not add values to their enums.
INTERPRETED = frozenset({
    "kind", "published_date_precision", "announced_date_precision", "gpu_count_qualifier", "qualifier", "status",
})


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    max_length: int | None = None
    pattern: re.Pattern | None = None


@dataclass(frozen=True)
class ForeignKey:
    field: str
    resource: str
    reference_field: str


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    fields: tuple[Field, ...]
    primary_key: str
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class Package:
    resources: dict[str, Resource]
    as_of: str


def read_package(directory: Path) -> Package:
    """Read and check ``datapackage.json`` in ``directory``.

    Raises:
        DatasetError: if the file is missing, is not UTF-8 JSON, or does not
            describe the tables and fields this package needs.
    """
    path = directory / PACKAGE_FILE
    problems: list[Problem] = []

    def fail(message: str) -> DatasetError:
        return DatasetError([Problem(PACKAGE_FILE, None, None, message)])

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail("file is missing") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror})") from None
    try:
        descriptor = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise fail(f"is not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DatasetError([Problem(PACKAGE_FILE, exc.lineno, None, f"is not valid JSON: {exc.msg}")]) from None
    except RecursionError:
        raise fail("is nested too deeply") from None
    if not isinstance(descriptor, dict):
        raise fail("must be a JSON object")
    as_of = descriptor.get("as_of")
    if not isinstance(as_of, str) or not _is_date(as_of):
        problems.append(Problem(PACKAGE_FILE, None, "as_of", "must be the date the data was last reviewed, as YYYY-MM-DD"))
    entries = descriptor.get("resources")
    if not isinstance(entries, list):
        raise fail("'resources' must be a list")
    resources: dict[str, Resource] = {}
    for index, entry in enumerate(entries):
        try:
            resource = _resource(entry)
        except ValueError as exc:
            problems.append(Problem(PACKAGE_FILE, None, f"resources[{index}]", str(exc)))
            continue
        resources[resource.name] = resource
    if problems:
        raise DatasetError(problems)
    return Package(resources=resources, as_of=as_of)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is not None


def _resource(entry: object) -> Resource:
    if not isinstance(entry, dict):
        raise ValueError("must be an object")
    name, path, schema = entry.get("name"), entry.get("path"), entry.get("schema")
    if not isinstance(name, str) or not isinstance(path, str):
        raise ValueError("needs a 'name' and a 'path'")
    if "/" in path or "\\" in path or path.startswith("."):
        raise ValueError(f"path {path!r} must be a file name in the package directory")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise ValueError(f"{name}: needs a 'schema' with a list of 'fields'")
    fields = tuple(_field(name, f) for f in schema["fields"])
    key = schema.get("primaryKey")
    key = key[0] if isinstance(key, list) and len(key) == 1 else key
    if key not in [f.name for f in fields]:
        raise ValueError(f"{name}: 'primaryKey' must name one of its fields")
    keys = []
    for fk in schema.get("foreignKeys", []):
        try:
            (own,) = fk["fields"]
            (ref,) = fk["reference"]["fields"]
            target = fk["reference"]["resource"] or name
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{name}: each foreign key needs one field and a reference") from None
        keys.append(ForeignKey(own, target, ref))
    return Resource(name=name, path=path, fields=fields, primary_key=key, foreign_keys=tuple(keys))


def _field(resource: str, entry: object) -> Field:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ValueError(f"{resource}: each field needs a 'name'")
    kind = entry.get("type", "string")
    if kind not in TYPES:
        raise ValueError(f"{resource}.{entry['name']}: type {kind!r} is not one of {', '.join(TYPES)}")
    c = entry.get("constraints", {})
    if not isinstance(c, dict):
        raise ValueError(f"{resource}.{entry['name']}: 'constraints' must be an object")
    try:
        pattern = re.compile(c["pattern"]) if "pattern" in c else None
        enum = tuple(str(v) for v in c["enum"]) if "enum" in c else None
        minimum = float(c["minimum"]) if "minimum" in c else None
        max_length = int(c["maxLength"]) if "maxLength" in c else None
    except (re.error, TypeError, ValueError) as exc:
        raise ValueError(f"{resource}.{entry['name']}: bad constraint ({exc})") from None
    return Field(
        name=entry["name"],
        type=kind,
        required=bool(c.get("required", False)),
        unique=bool(c.get("unique", False)),
        enum=enum,
        minimum=minimum,
        max_length=max_length,
        pattern=pattern,
    )


def check_against(package: Package, reference: Package) -> None:
    """Check that ``package`` has every table and field, of the same type, that ``reference`` has.

    The library's code relies on the packaged schema's tables, fields and
    keys; a package being validated may change other constraints (add a
    region, say) but not drop or retype a field, nor add a value the code
    interprets (a qualifier, a status, a source kind, a date precision).
    """
    problems = []
    for name, expected in reference.resources.items():
        actual = package.resources.get(name)
        if actual is None:
            problems.append(Problem(PACKAGE_FILE, None, None, f"resource {name!r} is missing"))
            continue
        if (actual.primary_key, set(actual.foreign_keys)) != (expected.primary_key, set(expected.foreign_keys)):
            problems.append(Problem(PACKAGE_FILE, None, name, "primary and foreign keys must be those of the packaged schema"))
        fields = {f.name: f for f in actual.fields}
        for f in expected.fields:
            where = f"{name}.{f.name}"
            if f.name not in fields:
                problems.append(Problem(PACKAGE_FILE, None, where, "field is missing from the schema"))
            elif fields[f.name].type != f.type:
                problems.append(Problem(PACKAGE_FILE, None, where, f"type must be {f.type!r}, not {fields[f.name].type!r}"))
            elif f.name in INTERPRETED and not set(fields[f.name].enum or ()) <= set(f.enum):
                problems.append(Problem(PACKAGE_FILE, None, where, f"the code understands only these values: {', '.join(f.enum)}"))
    if problems:
        raise DatasetError(problems)
