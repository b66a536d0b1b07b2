"""Citable releases: the data's version moves with every data change, the citation names it, and `diff` shows what moved."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest

import nscale_data as nd
from nscale_data.totals.releases import REPOSITORY, diff, headline_totals
from nscale_data.package.schema import PACKAGE_FILE, PACKAGED_DATA

REPO = Path(__file__).resolve().parent.parent
RECORDED = Path(__file__).with_name("data_versions.json")  # each data version's content digest


def _descriptor(directory: Path = PACKAGED_DATA) -> dict:
    return json.loads((directory / PACKAGE_FILE).read_text(encoding="utf-8"))


def content_digest(directory: Path = PACKAGED_DATA) -> str:
    """A digest of what a data version holds: every table but the changelog, and the descriptor without its version."""
    descriptor = _descriptor(directory)
    descriptor.pop("version")
    digest = hashlib.sha256(json.dumps(descriptor, sort_keys=True).encode())
    for resource in sorted(descriptor["resources"], key=lambda r: r["path"]):
        if resource["name"] != "changes":
            digest.update(resource["path"].encode() + b"\0" + (directory / resource["path"]).read_bytes() + b"\0")
    return digest.hexdigest()


def _changes() -> list[dict]:
    with open(PACKAGED_DATA / "changes.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_data_does_not_change_without_a_new_version_and_a_changelog_row():
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    current = _descriptor()["version"]
    assert recorded.get(current) == content_digest(), (
        f"the data differs from what version {current} held: bump 'version' in datapackage.json (PATCH for corrected values, "
        f"MINOR for added rows, MAJOR for a changed schema), add a changes.csv row with that version, and record "
        f"{content_digest()} for it in {RECORDED.name}")
    assert _changes()[-1]["version"] == current
    assert list(recorded)[-1] == current, "the newest recorded version is the package's"


def test_the_package_and_data_versions_are_shown_everywhere():
    package, data = installed_version("nscale-data"), _descriptor()["version"]
    assert nd.__version__ == package and nd.data_version() == data
    shown = subprocess.run([sys.executable, "-m", "nscale_data", "--version"], capture_output=True, text=True, timeout=60)
    assert shown.stdout.strip() == f"nscale-data {package} (data {data})"
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert f'version = "{package}"' in pyproject


def _cff() -> dict:
    import yaml

    def strings(value):  # CFF dates are written bare; the format's tools read them as text, as here
        if isinstance(value, dict):
            return {k: strings(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strings(v) for v in value]
        return value.isoformat() if isinstance(value, dt.date) else value

    return strings(yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8")))


def test_citation_cff_is_valid_and_names_this_release():
    """Validated against the Citation File Format 1.2.0 schema (tests/schemas, the format's own JSON schema).

    The schema is checked with jsonschema, already pinned: cffconvert, the format's validator, pins jsonschema 3,
    which Jupyter's packages cannot share.
    """
    import jsonschema

    schema = json.loads((REPO / "tests" / "schemas" / "citation-file-format-1.2.0.json").read_text(encoding="utf-8"))
    cff = _cff()
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(cff)
    assert cff["version"] == installed_version("nscale-data")
    cited, latest_change = cff["preferred-citation"], _changes()[-1]
    assert cited["version"] == nd.data_version() and cited["date-released"] == latest_change["date"]
    assert _descriptor()["as_of"] in cited["notes"] and _descriptor()["latest_source"] in cited["notes"]
    assert "doi" not in cff and "doi" not in cited  # no identifier until a real one exists


def test_bad_cff_fails_the_schema():
    import jsonschema

    schema = json.loads((REPO / "tests" / "schemas" / "citation-file-format-1.2.0.json").read_text(encoding="utf-8"))
    cff = _cff()
    del cff["authors"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(cff)


@pytest.mark.parametrize("style", ["text", "bibtex"])
def test_the_citation_names_the_version_and_the_review(style):
    text, descriptor = nd.citation(style), _descriptor()
    for part in (descriptor["version"], descriptor["as_of"], descriptor["latest_source"], "CC BY 4.0"):
        assert part in text
    if style == "bibtex":
        assert text.count("{") == text.count("}") and text.startswith("@misc{nscale_data_")
    with pytest.raises(ValueError):
        nd.citation("apa")


@pytest.mark.parametrize("row, value, expected", [
    ("source-titles", "0.9.0", "goes backwards: an earlier change shipped in 1.0.0"),
    ("source-titles", "2.0.0", "does not exist yet: datapackage.json says 1.0.1"),
])
def test_validate_refuses_a_version_that_goes_back_or_does_not_exist(data, row, value, expected):
    line = data.set_cell("changes.csv", row, "version", value)
    problems = [str(p) for p in nd.validate(data.directory)]
    assert any(p.startswith(f"changes.csv:{line}: version: {value} {expected}") for p in problems), problems


def test_validate_refuses_a_package_version_with_no_changelog_row(data):
    descriptor = _descriptor(data.directory)
    descriptor["version"] = "1.1.0"
    data.path(PACKAGE_FILE).write_text(json.dumps(descriptor), encoding="utf-8")
    problems = [str(p) for p in nd.validate(data.directory)]
    assert any("the latest change shipped in 1.0.1, but datapackage.json says 1.1.0" in p for p in problems), problems


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nscale_data", *args], capture_output=True, text=True, timeout=300)


def test_diff_lists_rows_and_the_totals_that_moved(data, tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for name in data.directory.iterdir():
        (before / name.name).write_bytes(name.read_bytes())
    data.append("claims.csv", {"claim_id": "test-texas-paused", "subject_id": "texas-microsoft", "attribute": "status",
                               "value_text": "paused", "qualifier": "exact", "source_id": "reuters-gbaf-2026-04-23",
                               "evidence": "paused"})
    data.append("status_changes.csv", {"change_id": "test-texas-paused", "deployment_id": "texas-microsoft", "status": "paused",
                                       "date": "2026-04-23", "date_precision": "day", "claim_id": "test-texas-paused"})
    data.set_cell("deployments.csv", "texas-microsoft", "status", "paused")
    data.set_cell("deployments.csv", "texas-microsoft", "status_date", "2026-04-23")
    data.set_cell("deployments.csv", "texas-microsoft", "status_source_id", "reuters-gbaf-2026-04-23")
    result = diff(str(before), str(data.directory))
    old, new = headline_totals(before), headline_totals(data.directory)
    assert sorted(result.totals) == sorted((name, old[name], new[name]) for name in old if old[name] != new[name]) != []
    assert ("North America, GPUs stated", old["North America, GPUs stated"], None) in result.totals  # paused: no figure left
    assert result.tables["status_changes"].added == ["test-texas-paused"]
    assert result.tables["claims"].added == ["test-texas-paused"]
    assert set(result.tables["deployments"].changed["texas-microsoft"]) == {"status", "status_date", "status_source_id"}
    text = _run("diff", str(before), str(data.directory))
    assert text.returncode == 0 and max(len(line) for line in text.stdout.splitlines()) <= 80
    assert "North America, GPUs stated" in text.stdout and "test-texas-paused" in text.stdout
    assert json.loads(_run("diff", str(before), str(data.directory), "--json").stdout) == json.loads(json.dumps(result.to_json()))


def test_diff_of_identical_data_says_no_change():
    same = _run("diff", str(PACKAGED_DATA), str(PACKAGED_DATA))
    assert same.returncode == 0 and same.stdout.strip().endswith("No change.")
    assert diff(str(PACKAGED_DATA)).unchanged


@pytest.mark.parametrize("argument", ["no-such-revision-xyz", "--upload-pack=touch {marker}", "/", "nscale_data/data/claims.csv"])
def test_diff_refuses_what_is_neither_a_package_nor_a_revision_in_one_line(argument, tmp_path):
    argument = argument.format(marker=tmp_path / "ran")
    run = _run("diff", "--", argument) if argument.startswith("-") else _run("diff", argument)
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert not (tmp_path / "ran").exists(), "an argument was run as a git option"


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d.set_cell("changes.csv", "source-titles", "version", "9" * 5000 + ".0.0"), "is not a version"),
    (lambda d: d.write_rows("changes.csv", d.rows("changes.csv")[:1]), "no change is recorded"),
])
def test_validate_refuses_an_unreadable_or_missing_version_in_one_line(data, edit, expected):
    edit(data)
    problems = [str(p) for p in nd.validate(data.directory)]
    assert any(expected in p for p in problems), problems


def test_diff_of_a_broken_or_hostile_directory_is_one_line_and_prints_no_control_character(data):
    original = data.path("changes.csv").read_bytes()
    data.path("changes.csv").write_bytes(original + b'huge,2026-12-06,1.0.1,"' + b"x" * 200_000 + b'",sines-microsoft\n')
    run = _run("diff", str(data.directory))
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    data.path("changes.csv").write_bytes(original)
    data.set_cell("changes.csv", "source-titles", "change_id", "x\x1b]0;pwned\x07\x1b[2J")
    run = _run("diff", str(data.directory))
    assert run.returncode == 0 and "\x1b" not in run.stdout and "\x07" not in run.stdout
    assert "\\x1b]0;pwned" in run.stdout


@pytest.mark.skipif(not (REPOSITORY / ".git").exists(), reason="a git revision needs the repository's history")
def test_diff_reads_a_git_revision_with_its_own_code():
    committed = diff("HEAD")  # the working data against its last commit: its changes, if any, and nothing else
    assert committed.versions[0] is not None
    assert diff("HEAD", "HEAD").unchanged


BEFORE_SINES_EXPANSION = "1a81a2f"  # a commit of this repository before the Sines expansion row was added


@pytest.mark.skipif(not (REPOSITORY / ".git").exists(), reason="a git revision needs the repository's history")
def test_a_revision_s_totals_are_its_own_code_s_on_its_own_data():
    """The Sines expansion (a target row) came after that commit: Europe's GPUs with targets moved by its count."""
    from nscale_data.totals.releases import DiffError

    try:
        result = diff(BEFORE_SINES_EXPANSION)
    except DiffError:
        pytest.skip("this clone does not hold that commit")
    with open(PACKAGED_DATA / "deployments.csv", newline="", encoding="utf-8") as handle:
        expansion = next(r for r in csv.DictReader(handle) if r["deployment_id"] == "sines-microsoft-expansion")
    moved = {name: (old, new) for name, old, new in result.totals}
    old, new = moved["Europe, GPUs with targets"]
    assert new - old == int(expansion["gpu_count"]) and expansion["gpu_count_qualifier"] == "target"
    assert "sines-microsoft-expansion" in result.tables["deployments"].added
    assert "Europe, H100e stated" in result.totals_added  # the older code computed no H100-equivalents
