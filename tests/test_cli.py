"""The terminal: every command's default output fits 80 columns, money reads as money, dates are refused by name."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nscale_data import capital_raised, debt_raised
from nscale_data.cli import _money, main
from nscale_data.package.schema import PACKAGED_DATA


@pytest.mark.parametrize("command", [["summary"], ["summary", "--as-of", "2025-10-03"], ["peers"], ["conflicts"], ["checks"]])
def test_default_output_fits_80_columns(command, capsys):
    assert main(command) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, max(lines, key=len)


@pytest.mark.parametrize("command", [["peers", "--wide"], ["conflicts", "--wide"]])
def test_wide_output_is_there_for_those_who_ask(command, capsys):
    assert main(command) == 0
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) > 80


def test_money_is_written_as_a_reader_writes_it(capsys):
    assert main(["summary"]) == 0
    out = capsys.readouterr().out
    assert _money(capital_raised() + debt_raised()) in out and "Billion" not in out and "e+" not in out
    assert main(["peers"]) == 0
    assert "≥ $" in capsys.readouterr().out  # a peer's floor


def test_version_names_the_package_and_the_data():
    result = subprocess.run([sys.executable, "-m", "nscale_data", "--version"], capture_output=True, text=True, timeout=60)
    data_version = json.loads((PACKAGED_DATA / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert result.returncode == 0 and result.stdout.strip().endswith(f"(data {data_version})"), result.stdout


@pytest.mark.parametrize("date, expected", [
    ("2025-13-01", "2025-13-01: there is no month 13"),
    ("2025-02-30", "2025-02-30: February 2025 has no day 30"),
    ("1999-12-31", "is before 2000-01-01"),
    ("2025/10/03", "is not a date written YYYY-MM-DD"),
])
def test_a_bad_date_is_named_for_what_is_wrong(date, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["summary", "--as-of", date])
    assert exit_.value.code == 2 and expected in capsys.readouterr().err


def test_a_mistyped_command_is_told_the_nearest_one(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sumary"])
    assert exit_.value.code == 2 and "no command 'sumary'; did you mean 'summary'?" in capsys.readouterr().err
