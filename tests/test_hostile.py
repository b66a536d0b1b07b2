"""A hostile data directory: no file read outside it, no hang, no wrong total, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pandas as pd

from nscale_data import DatasetError, capital_raised, dataset_as_of, summary, validate
from nscale_data.cli import main
from nscale_data.package.files import MAX_CSV_BYTES, MAX_JSON_BYTES
from nscale_data.package.schema import PACKAGED_DATA

REVIEWED = dataset_as_of()
SECRET = "s3cret-token-that-must-never-print"


def _cli(*args: str, timeout: float = 10) -> subprocess.CompletedProcess:
    """Run the command in a fresh process holding a secret in its environment."""
    env = {**os.environ, "NSCALE_TEST_SECRET": SECRET}
    return subprocess.run([sys.executable, "-m", "nscale_data", *args], capture_output=True, text=True, timeout=timeout, env=env)


def _messages(data) -> list[str]:
    return [str(p) for p in validate(data.directory)]


def test_a_link_to_the_process_environment_is_refused_without_echoing_it(data):
    data.path("claims.csv").unlink()
    data.path("claims.csv").symlink_to("/proc/self/environ")
    result = _cli("validate", str(data.directory))
    assert result.returncode == 1
    assert "claims.csv: is a symbolic link to a file outside the data directory" in result.stdout
    assert SECRET not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_a_link_to_an_endless_device_is_refused(data):
    data.path("sources.csv").unlink()
    data.path("sources.csv").symlink_to("/dev/zero")
    assert _messages(data) == ["sources.csv: is a symbolic link to a file outside the data directory"]


def test_a_link_inside_the_directory_is_read(data):
    data.path("claims.csv").rename(data.path("claims-copy.csv"))
    data.path("claims.csv").symlink_to("claims-copy.csv")
    assert _messages(data) == []


@pytest.mark.parametrize("file", ["deployments.csv", "datapackage.json"])
def test_a_named_pipe_does_not_hang(data, file):
    data.path(file).unlink()
    os.mkfifo(data.path(file))
    result = _cli("validate", str(data.directory))
    assert result.returncode == 1
    assert "is not a regular file" in result.stdout + result.stderr


def test_a_socket_is_refused(data, tmp_path):
    data.path("claims.csv").unlink()
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(data.path("claims.csv")))
        assert any(m.startswith("claims.csv: is not a regular file") for m in _messages(data))
    finally:
        server.close()


@pytest.mark.parametrize("file, limit", [("claims.csv", MAX_CSV_BYTES), ("datapackage.json", MAX_JSON_BYTES)])
def test_an_oversize_file_is_refused_before_it_is_read(data, file, limit):
    with open(data.path(file), "r+b") as handle:
        handle.truncate(limit + 1)  # sparse: no disk used
    assert any(m.startswith(f"{file}: is {limit + 1:,} bytes; the limit is {limit:,}") for m in _messages(data))


def test_amounts_too_large_to_add_up_are_cell_errors(data):
    for round_id in ("seed-2023", "series-a-2024"):
        data.set_cell("funding_rounds.csv", round_id, "amount", str(2**62))
        line = data.set_cell("funding_rounds.csv", round_id, "amount_usd", str(2**62))
    found = _messages(data)
    assert any(m.startswith(f"funding_rounds.csv:{line}: amount_usd: '{2**62}' is above the maximum of 1e+13") for m in found), found


def test_an_integer_cell_of_thousands_of_digits_is_a_cell_error(data):
    line = data.set_cell("deployments.csv", "loughton", "gpu_count", "9" * 5000)
    assert any(m.startswith(f"deployments.csv:{line}: gpu_count: '9999") and m.endswith("is too large") for m in _messages(data))


def test_sums_are_exact_python_integers():
    assert isinstance(capital_raised(), int) and isinstance(summary()["debt_raised_usd"], int)


def _descriptor(data, change) -> None:
    descriptor = json.loads(data.path("datapackage.json").read_text(encoding="utf-8"))
    change({r["name"]: r for r in descriptor["resources"]}, descriptor)
    data.path("datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def _field(resources, table, name):
    return next(f for f in resources[table]["schema"]["fields"] if f["name"] == name)


def test_dropping_a_minimum_does_not_let_negative_counts_through(data):
    _descriptor(data, lambda r, d: _field(r, "deployments", "gpu_count").pop("constraints"))
    line = data.set_cell("deployments.csv", "loughton", "gpu_count", "-23040")
    assert any(m.startswith(f"deployments.csv:{line}: gpu_count: '-23040' is below the minimum of 0") for m in _messages(data))


def test_dropping_an_enum_the_code_interprets_is_refused(data):
    _descriptor(data, lambda r, d: _field(r, "deployments", "status")["constraints"].pop("enum"))
    assert any(m.startswith("datapackage.json: deployments.status: the code understands only these values") for m in _messages(data))


@pytest.mark.parametrize("change, path, expected", [
    (lambda r, d: _field(r, "claims", "claim_id")["constraints"].update(pattern="^(a+)+$"),
     "resources[4].schema.fields[0].constraints.pattern", "must be one of the project's own patterns"),
    (lambda r, d: r["claims"]["schema"].update(foreignKeys=5), "resources[4].schema.foreignKeys", "must be a list"),
    (lambda r, d: _field(r, "claims", "evidence")["constraints"].update(maxLength=1e999),
     "resources[4].schema.fields[7].constraints.maxLength", "must be a whole number"),
    (lambda r, d: _field(r, "claims", "evidence")["constraints"].update(required="yes"),
     "resources[4].schema.fields[7].constraints.required", "must be true or false"),
    (lambda r, d: _field(r, "claims", "value")["constraints"].update(minimum="zero"),
     "resources[4].schema.fields[3].constraints.minimum", "must be a finite number"),
    (lambda r, d: r["claims"].update(schema=[]), "resources[4].schema", "must be an object"),
    (lambda r, d: _field(r, "sources", "kind")["constraints"].update(minimum=0),
     "resources[0].schema.fields[7].constraints.minimum", "applies to numbers, not to a string field"),
    (lambda r, d: r["changes"].update(path="changes.html"),  # the report copies data files beside its pages
     "resources[5].path", "'changes.html' must be a CSV file name in the package directory"),
    (lambda r, d: d.update(latest_source=20260512), "latest_source", "must be the publication date of the latest source"),
])
def test_a_descriptor_with_wrong_types_names_the_path(data, change, path, expected, capsys):
    _descriptor(data, change)
    assert main(["validate", str(data.directory)]) == 1  # an exception would escape main and fail the test
    out = capsys.readouterr().out
    assert f"datapackage.json: {path}: {expected}" in out, out


@pytest.mark.parametrize("args, expected", [
    (["summary", "--as-of", "20251003"], "is not a date written YYYY-MM-DD"),
    (["summary", "--as-of", "1999-12-31"], "is before 2000-01-01"),
    (["conflicts", "--as-of", f"{REVIEWED + pd.Timedelta(days=1):%Y-%m-%d}"], f"the data stops at its review date, {REVIEWED:%Y-%m-%d}"),
])
def test_bad_dates_get_one_line_and_exit_2(capsys, args, expected):
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own exit for a malformed argument
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and "Traceback" not in err


def test_every_command_works_before_the_first_event(capsys):
    assert main(["conflicts", "--as-of", "2000-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["summary", "--as-of", "2000-01-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["gpus_by_region"]["Europe"]["stated"] is None


def test_summary_reads_an_edited_copy(data, capsys):
    data.set_cell("funding_rounds.csv", "seed-2023", "announced_date", "2023-12-01")
    assert main(["summary", "--data", str(data.directory), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["capital_raised_usd"] == capital_raised()


def test_a_deep_part_of_chain_summarises_without_recursion(data):
    rows = data.rows("deployments.csv")
    header = rows[0]
    template = dict(zip(header, next(r for r in rows if r[0] == "uk-dgx-cloud")))
    claims = data.rows("claims.csv")
    dgx = dict(zip(claims[0], next(c for c in claims if c[0] == "gnw-dgx-gpus")))
    for n in range(400):
        template.update(deployment_id=f"link-{n}", part_of=f"link-{n - 1}" if n else "uk-dgx-cloud")
        rows.append([template[c] for c in header])
        dgx.update(claim_id=f"claim-link-{n}", subject_id=f"link-{n}")
        claims.append([dgx[c] for c in claims[0]])
    data.write_rows("deployments.csv", rows)
    data.write_rows("claims.csv", claims)
    assert validate(data.directory) == []
    assert summary(directory=data.directory)["gpus_by_region"]["Europe"]["stated"] == summary()["gpus_by_region"]["Europe"]["stated"]


# --- Generated hostile directories -----------------------------------------------------------

FILES = ["sources.csv", "funding_rounds.csv", "debt_facilities.csv", "deployments.csv", "claims.csv", "datapackage.json"]
HAZARDS = st.sampled_from(["link outside", "link inside", "link loop", "pipe", "oversize", "directory", "empty"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(FILES), hazard=HAZARDS)
def test_generated_hostile_directories_fail_cleanly(tmp_path_factory, file, hazard):
    directory = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(PACKAGED_DATA, directory)
    path = directory / file
    path.unlink()
    if hazard == "link outside":
        path.symlink_to("/proc/self/environ")
    elif hazard == "link inside":
        shutil.copyfile(PACKAGED_DATA / file, directory / "inside.bin")
        path.symlink_to("inside.bin")
    elif hazard == "link loop":
        path.symlink_to(path.name)
    elif hazard == "pipe":
        os.mkfifo(path)
    elif hazard == "oversize":
        with open(path, "wb") as handle:
            handle.truncate((MAX_JSON_BYTES if file.endswith(".json") else MAX_CSV_BYTES) + 1)
    elif hazard == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"")
    try:
        problems = validate(directory)
        summary(directory=directory)
    except DatasetError as exc:
        problems = exc.problems
    if hazard == "link inside":
        assert problems == []
    else:
        assert problems and all(p.file for p in problems)
        assert all(SECRET not in str(p) and "PATH=" not in str(p) for p in problems)


@pytest.mark.parametrize("cell, expected", [
    ("Benz\x00inga", "holds a control character (U+0000)"),
    ("Benz\x1b[31minga", "holds a control character (U+001B)"),
    ('=HYPERLINK("http://x")', "starts with =: a spreadsheet would run it as a formula"),
    ("@SUM(A1)", "starts with @"),
    ("+cmd", "starts with +"),
])
def test_control_characters_and_formulas_are_refused_with_the_cell_named(data, cell, expected):
    line = data.set_cell("sources.csv", "benzinga-2025-10-15", "publisher", cell)
    found = [str(p) for p in validate(data.directory)]
    assert any(m.startswith(f"sources.csv:{line}: publisher: {expected}") for m in found), found


def test_dates_outside_a_plausible_range_are_refused(data):
    text = data.path("datapackage.json").read_text(encoding="utf-8")
    data.path("datapackage.json").write_text(text.replace(f'"as_of": "{REVIEWED:%Y-%m-%d}"', '"as_of": "9999-12-31"'), encoding="utf-8")
    assert "datapackage.json: as_of: 9999-12-31 is outside the plausible range 1990-01-01 to 2100-12-31" in _messages(data)


def test_the_library_refuses_a_number_for_a_date_and_reads_an_aware_date_by_its_calendar_day():
    import datetime as dt

    with pytest.raises(ValueError, match="as_of must be a date"):
        capital_raised(20251003)  # pandas would read it as nanoseconds after 1970
    evening_in_new_york = dt.datetime(2025, 10, 3, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert capital_raised(evening_in_new_york) == capital_raised("2025-10-03")
