"""Reading ``datapackage.json``: the Table Schema of every CSV file.

Only the parts of the Frictionless Table Schema this package uses are
understood: field types ``string``, ``integer``, ``number`` and ``date``, and
the constraints ``required``, ``unique``, ``enum``, ``minimum``, ``maximum``,
``maxLength`` and ``pattern``, plus primary and foreign keys.

A package's descriptor is untrusted: every key is type-checked and a problem
is named by its path (``resources[2].schema.fields[6].constraints.maxLength``);
a ``pattern`` must be one of the project's own (``PATTERNS``), so no regular
expression from outside is ever run; and the constraints the analysis relies
on (``ENFORCED``) hold whatever the descriptor says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from nscale_data.package.errors import DatasetError, Problem, excerpt
from nscale_data.package.files import MAX_JSON_BYTES, UnsafeFile, read_bytes

PACKAGE_FILE = "datapackage.json"
PACKAGED_DATA = Path(__file__).parent.parent / "data"
CSV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.csv")  # a table's file name
TYPES = ("string", "integer", "number", "date")
# Fields whose values the code interprets: a package may not add values to their enums.
INTERPRETED = frozenset({
    "kind", "published_date_precision", "announced_date_precision", "gpu_count_qualifier", "power_mw_qualifier",
    "qualifier", "status", "borrower", "date_precision", "instrument", "figures_from", "measure", "scope", "listing",
})
# The only patterns a package may use: the project's own, known to run in linear time.
PATTERNS = frozenset({
    r"^[a-z0-9]+(-[a-z0-9]+)*$",  # an identifier
    r"^https?://\S+$",  # an address
    r"^[0-9]{4}(-Q[1-4]|-H[12])?$",  # an expected period
    r"^[a-z0-9-]+(\+[a-z0-9-]+)*$",  # ids joined by '+'
    r"^[a-z][a-z0-9_]*$",  # an attribute name
    r"^[0-9]+\.[0-9]+\.[0-9]+$",  # a version, MAJOR.MINOR.PATCH (rules.versions bounds each part to six digits)
})
VERSION = re.compile(r"[0-9]{1,6}\.[0-9]{1,6}\.[0-9]{1,6}")  # MAJOR.MINOR.PATCH
USD_MAX = 10**13  # ten trillion dollars: no cell may hold more, so no total can overflow
# Constraints the analysis relies on, enforced whatever a package's descriptor says.
ENFORCED: dict[tuple[str, str], dict] = {
    **{(table, column): {"required": True} for table, columns in {
        "sources": ("source_id", "publisher", "title", "published_date", "published_date_precision", "language", "kind"),
        "funding_rounds": ("round_id", "stage", "instrument", "announced_date", "announced_date_precision", "currency", "source_id"),
        "debt_facilities": ("facility_id", "name", "facility_type", "borrower", "announced_date", "announced_date_precision",
                            "currency", "source_id"),
        "deployments": ("deployment_id", "name", "region", "announced_date", "announced_date_precision", "status", "source_id"),
        "companies": ("company_id", "name", "listing", "figures_from"),
        "peer_capital": ("item_id", "company_id", "kind", "scope", "instrument", "name", "announced_date", "announced_date_precision",
                         "qualifier", "source_id"),
        "peer_capacity": ("figure_id", "company_id", "measure", "status", "scope", "stated_date", "stated_date_precision",
                          "qualifier", "source_id"),
        "claims": ("claim_id", "subject_id", "attribute", "qualifier", "source_id", "evidence"),
        "chips": ("chip_id", "vendor", "name", "generation"),
        "status_changes": ("change_id", "deployment_id", "status", "date", "date_precision", "claim_id"),
        "changes": ("change_id", "date", "version", "summary", "ids"),
    }.items() for column in columns},
    # A chip's figures: no GPU does more than 100 PFLOP/s dense or draws more than 10 kW.
    **{("chips", column): {"minimum": 0, "maximum": 10**5} for column in ("dense_16bit_tflops", "dense_8bit_tflops")},
    ("chips", "max_power_kw"): {"minimum": 0, "maximum": 10},
    ("chips", "system_power_kw"): {"minimum": 0, "maximum": 10**4},
    ("chips", "system_gpus"): {"minimum": 1, "maximum": 1000},
    **{("chips", column): {"minimum": 0, "maximum": 10**7} for column in ("price_low_usd", "price_high_usd")},
    ("funding_rounds", "amount"): {"required": True, "minimum": 0, "maximum": 10**14},
    ("funding_rounds", "amount_usd"): {"required": True, "minimum": 0, "maximum": USD_MAX},
    ("funding_rounds", "valuation_usd"): {"minimum": 0, "maximum": 10 * USD_MAX},
    ("debt_facilities", "amount"): {"required": True, "minimum": 0, "maximum": 10**14},
    ("debt_facilities", "amount_usd"): {"required": True, "minimum": 0, "maximum": USD_MAX},
    ("debt_facilities", "accordion_usd"): {"minimum": 0, "maximum": USD_MAX},
    ("deployments", "gpu_count"): {"minimum": 0, "maximum": 10**8},
    ("deployments", "power_mw"): {"minimum": 0, "maximum": 10**6},
    ("deployments", "contract_value_usd"): {"minimum": 0, "maximum": USD_MAX},
    ("peer_capital", "amount_usd"): {"required": True, "minimum": 0, "maximum": USD_MAX},
    ("peer_capacity", "value"): {"required": True, "minimum": 0, "maximum": 10**8},
    ("claims", "value"): {"minimum": 0, "maximum": 10**15},
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
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
    """The tables of a package, its review date and the date of the latest source consulted."""

    resources: dict[str, Resource]
    as_of: str
    latest_source: str
    version: str = ""


class _Bad(ValueError):
    """A problem at a path of the descriptor."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


def read_package(directory: Path) -> Package:
    """Read and check ``datapackage.json`` in ``directory``.

    Raises:
        DatasetError: if the file is missing, unsafe, not UTF-8 JSON, or does
            not describe the tables and fields this package needs.
    """
    problems: list[Problem] = []

    def fail(message: str) -> DatasetError:
        return DatasetError([Problem(PACKAGE_FILE, None, None, message)])

    try:
        raw = read_bytes(directory, PACKAGE_FILE, MAX_JSON_BYTES)
    except FileNotFoundError:
        raise fail("file is missing") from None
    except UnsafeFile as exc:
        raise fail(str(exc)) from None
    try:
        descriptor = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise fail(f"is not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise DatasetError([Problem(PACKAGE_FILE, exc.lineno, None, f"is not valid JSON: {exc.msg}")]) from None
    except (RecursionError, ValueError):
        raise fail("is nested too deeply or holds a number too long") from None
    if not isinstance(descriptor, dict):
        raise fail("must be a JSON object")
    dates = {}
    for key, meaning in (("as_of", "the date the data was last reviewed"), ("latest_source", "the publication date of the latest source")):
        value = descriptor.get(key)
        if not isinstance(value, str) or not _is_date(value):
            problems.append(Problem(PACKAGE_FILE, None, key, f"must be {meaning}, as YYYY-MM-DD"))
        elif not "1990-01-01" <= value <= "2100-12-31":
            problems.append(Problem(PACKAGE_FILE, None, key, f"{value} is outside the plausible range 1990-01-01 to 2100-12-31"))
        dates[key] = value
    version = descriptor.get("version")
    if not isinstance(version, str) or VERSION.fullmatch(version) is None:
        problems.append(Problem(PACKAGE_FILE, None, "version", "must be the data's version, MAJOR.MINOR.PATCH (such as 1.0.1)"))
    entries = descriptor.get("resources")
    if not isinstance(entries, list):
        raise fail("'resources' must be a list")
    resources: dict[str, Resource] = {}
    for index, entry in enumerate(entries):
        try:
            resource = _resource(entry, f"resources[{index}]")
        except _Bad as exc:
            problems.append(Problem(PACKAGE_FILE, None, exc.path, str(exc)))
            continue
        resources[resource.name] = resource
    if problems:
        raise DatasetError(problems)
    return Package(resources=resources, as_of=dates["as_of"], latest_source=dates["latest_source"], version=version)


def _is_date(text: str) -> bool:
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is None:
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _get(entry: dict, key: str, kinds: type | tuple, path: str, what: str, default=None):
    """``entry[key]`` if it has one of ``kinds`` (``default`` when absent); else a problem at ``path.key``."""
    if key not in entry:
        return default
    value = entry[key]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,))):
        raise _Bad(f"{path}.{key}", f"must be {what}")
    return value


def _resource(entry: object, path: str) -> Resource:
    if not isinstance(entry, dict):
        raise _Bad(path, "must be an object")
    name = _get(entry, "name", str, path, "a string")
    file = _get(entry, "path", str, path, "a string")
    if name is None or file is None:
        raise _Bad(path, "needs a 'name' and a 'path'")
    if not CSV_NAME.fullmatch(file):  # copied into the report as is: never an .html or .js file
        raise _Bad(f"{path}.path", f"{excerpt(file)} must be a CSV file name in the package directory (letters, digits, '_' or '-', then .csv)")
    schema = _get(entry, "schema", dict, path, "an object")
    if schema is None:
        raise _Bad(path, f"{excerpt(name)}: needs a 'schema'")
    where = f"{path}.schema"
    entries = _get(schema, "fields", list, where, "a list of fields")
    if entries is None:
        raise _Bad(where, "needs a list of 'fields'")
    fields = tuple(_field(name, f, f"{where}.fields[{i}]") for i, f in enumerate(entries))
    key = _get(schema, "primaryKey", (str, list), where, "a field name or a list of one")
    key = key[0] if isinstance(key, list) and len(key) == 1 else key
    if not isinstance(key, str) or key not in [f.name for f in fields]:
        raise _Bad(f"{where}.primaryKey", "must name one of its fields")
    keys = []
    for i, fk in enumerate(_get(schema, "foreignKeys", list, where, "a list", default=[])):
        at = f"{where}.foreignKeys[{i}]"
        try:
            (own,) = fk["fields"]
            (ref,) = fk["reference"]["fields"]
            target = fk["reference"]["resource"] or name
        except (KeyError, TypeError, ValueError):
            raise _Bad(at, "needs one field and a reference with one field") from None
        if not all(isinstance(v, str) for v in (own, ref, target)):
            raise _Bad(at, "names fields and resources with strings")
        keys.append(ForeignKey(own, target, ref))
    return Resource(name=name, path=file, fields=fields, primary_key=key, foreign_keys=tuple(keys))


def _field(resource: str, entry: object, path: str) -> Field:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise _Bad(path, "needs a 'name'")
    kind = _get(entry, "type", str, path, "a string", default="string")
    if kind not in TYPES:
        raise _Bad(f"{path}.type", f"{excerpt(kind)} is not one of {', '.join(TYPES)}")
    c = _get(entry, "constraints", dict, path, "an object", default={})
    at = f"{path}.constraints"
    pattern = _get(c, "pattern", str, at, "a string")
    if pattern is not None and pattern not in PATTERNS:
        raise _Bad(f"{at}.pattern", "must be one of the project's own patterns (see PATTERNS in nscale_data/package/schema.py)")
    enum = _get(c, "enum", list, at, "a list of strings")
    if enum is not None and not all(isinstance(v, str) for v in enum):
        raise _Bad(f"{at}.enum", "must be a list of strings")
    bounds = {}
    for key in ("minimum", "maximum"):
        value = _get(c, key, (int, float), at, "a finite number")
        if value is not None and not math.isfinite(value):
            raise _Bad(f"{at}.{key}", "must be a finite number")
        if value is not None and kind not in ("integer", "number"):
            raise _Bad(f"{at}.{key}", f"applies to numbers, not to a {kind} field")
        bounds[key] = value
    max_length = _get(c, "maxLength", int, at, "a whole number")
    if max_length is not None and not 0 <= max_length <= 10**6:
        raise _Bad(f"{at}.maxLength", "must be a whole number from 0 to 1000000")
    found = Field(
        name=entry["name"],
        type=kind,
        required=_get(c, "required", bool, at, "true or false", default=False),
        unique=_get(c, "unique", bool, at, "true or false", default=False),
        enum=tuple(enum) if enum is not None else None,
        minimum=bounds["minimum"],
        maximum=bounds["maximum"],
        max_length=max_length,
        pattern=re.compile(pattern) if pattern is not None else None,
    )
    return _enforce(resource, found)


def _enforce(resource: str, f: Field) -> Field:
    """``f`` with the constraints the analysis relies on, however the descriptor set them."""
    rule = ENFORCED.get((resource, f.name))
    if rule is None:
        return f
    minimum = max(f.minimum, rule["minimum"]) if f.minimum is not None and "minimum" in rule else rule.get("minimum", f.minimum)
    maximum = min(f.maximum, rule["maximum"]) if f.maximum is not None and "maximum" in rule else rule.get("maximum", f.maximum)
    return dataclasses.replace(f, required=f.required or rule.get("required", False), minimum=minimum, maximum=maximum)


def check_against(package: Package, reference: Package) -> None:
    """Check that ``package`` has every table and field, of the same type, that ``reference`` has.

    The library's code relies on the packaged schema's tables, fields and
    keys; a package being validated may change other constraints (add a
    region, say) but not drop or retype a field, nor add a value the code
    interprets (a qualifier, a status, a source kind, a date precision), nor
    drop the list of such values.
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
            elif f.name in INTERPRETED and (fields[f.name].enum is None or not set(fields[f.name].enum) <= set(f.enum)):
                problems.append(Problem(PACKAGE_FILE, None, where, f"the code understands only these values: {', '.join(f.enum)}"))
    if problems:
        raise DatasetError(problems)
