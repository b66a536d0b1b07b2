"""The README stays true: its set-up commands, make targets, CLI commands and data dictionary."""

from __future__ import annotations

import json
import re

from conftest import REPO
from nscale_data.cli import _parser

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_first_screen_gives_the_two_setup_commands():
    first_screen = "\n".join(README.splitlines()[:15])
    assert "make figures" in first_screen and "make test" in first_screen


def test_every_make_target_in_the_readme_exists():
    targets = set(re.findall(r"^([a-z]+):", (REPO / "Makefile").read_text(), re.M))
    mentioned = set(re.findall(r"\bmake ([a-z]+)\b", README))
    assert mentioned and mentioned <= targets, mentioned - targets


def test_ci_runs_the_readme_test_command():
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_cli_command_in_the_readme_exists():
    commands = set(_parser()._subparsers._group_actions[0].choices)
    mentioned = set(re.findall(r"nscale-data ([a-z]+)", README))
    assert mentioned and mentioned <= commands, mentioned - commands
    assert commands <= mentioned, "every command is documented"


def test_every_column_is_documented():
    package = json.loads((REPO / "nscale_data" / "data" / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        section = README.split(f"#### `{resource['path']}`", 1)
        assert len(section) == 2, f"no column table for {resource['path']}"
        table = section[1].split("####", 1)[0]
        for field in resource["schema"]["fields"]:
            assert f"| `{field['name']}` |" in table, f"{resource['path']}: {field['name']} undocumented"


def test_the_glossary_in_the_readme_is_the_packages():
    from nscale_data.output.glossary import GLOSSARY

    for term, meaning in GLOSSARY.items():
        assert f"| {term} | {meaning} |" in README, term


def test_every_claim_from_a_source_not_in_english_has_an_english_gloss(data):
    from nscale_data import load_claims, load_sources, validate

    claims = load_claims().join(load_sources()["language"], on="source_id")
    foreign = claims[claims["language"] != "en"]
    assert len(foreign) and foreign["evidence_en"].notna().all()
    line = data.set_cell("claims.csv", foreign.index[0], "evidence_en", "")
    assert any(str(p).startswith(f"claims.csv:{line}: evidence_en: is required") for p in validate(data.directory))


def test_the_readme_shows_every_chart_and_links_every_phone_drawing():
    """Each chart is in the gallery and each of its narrow drawings is linked; every figure file it names exists."""
    from nscale_data.output.figures import FIGURES

    for target in FIGURES:
        shown = f"(figures/{target.name}.png)"
        assert shown in README, f"{target.name} is not in the README"
    for path in re.findall(r"\((figures/[^)]+)\)", README):
        assert (REPO / path).is_file(), path
