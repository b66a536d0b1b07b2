"""Every kind of hand-editing mistake gets a clear message with file, row and column."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nscale_data import DatasetError, load_claims, load_deployments, validate
from nscale_data.cli import main


def messages(data) -> list[str]:
    return [str(p) for p in validate(data.directory)]


def test_packaged_data_is_valid():
    assert validate() == []


def test_copy_is_valid_and_cli_exits_0(data, capsys):
    assert main(["validate", str(data.directory)]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_takes_the_directory_as_data_too(data, capsys):
    assert main(["validate", "--data", str(data.directory)]) == 0
    assert f"{data.directory}: valid." in capsys.readouterr().out
    assert main(["validate", str(data.directory), "--data", str(data.directory.parent)]) == 2
    assert "two directories given" in capsys.readouterr().err


def test_validate_runs_without_pandas(data):
    """The check needs no pandas, so `nscale-data validate` starts fast."""
    code = ("import sys; from nscale_data.cli import main; status = main(['validate', sys.argv[1]]);"
            "assert 'pandas' not in sys.modules, 'pandas imported'; sys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code, str(data.directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "file, row_id, column, value, expected",
    [
        ("funding_rounds.csv", "series-b-2025", "announced_date", "2025-02-30", "'2025-02-30' is not a real date"),
        ("funding_rounds.csv", "series-b-2025", "announced_date", "25/09/2025", "is not a date written YYYY-MM-DD"),
        ("funding_rounds.csv", "series-b-2025", "amount_usd", "1.1bn", "'1.1bn' is not a whole number"),
        ("funding_rounds.csv", "series-b-2025", "amount_usd", "-5", "is below the minimum of 0"),
        ("deployments.csv", "loughton", "gpu_count", "lots", "'lots' is not a whole number"),
        ("deployments.csv", "loughton", "gpu_count", "-23040", "is below the minimum of 0"),
        ("deployments.csv", "loughton", "power_mw", "fifty", "'fifty' is not a number"),
        ("deployments.csv", "loughton", "region", "Europa", "'Europa' is not an allowed value"),
        ("deployments.csv", "loughton", "country", "UK", "'UK' is not an allowed value"),
        ("deployments.csv", "loughton", "gpu_count_qualifier", "roughly", "'roughly' is not an allowed value"),
        ("deployments.csv", "loughton", "name", "", "is required"),
        ("claims.csv", "gnw-loughton-gpus", "qualifier", "maybe", "'maybe' is not an allowed value"),
        ("claims.csv", "gnw-loughton-gpus", "source_id", "nowhere-2025", "'nowhere-2025' is not a source_id in sources.csv"),
        ("deployments.csv", "loughton", "part_of", "atlantis", "'atlantis' is not a deployment_id in deployments.csv"),
        ("funding_rounds.csv", "seed-2023", "included_in", "series-z", "'series-z' is not a round_id in funding_rounds.csv"),
        ("sources.csv", "openai-2025-09-16", "url", "ftp://example.org/x", "does not match the pattern"),
        ("deployments.csv", "loughton", "gpu_model", "tpu-v9", "'tpu-v9' is not a chip_id in chips.csv"),
        ("chips.csv", "gb300", "dense_16bit_tflops", "250000", "above the maximum"),
        ("chips.csv", "gb300", "max_power_kw", "14", "above the maximum"),
        ("chips.csv", "gb300", "dense_16bit_tflops", "2600", "2600 is not stated by any claim"),
        ("chips.csv", "b200", "price_low_usd", "50000", "50000 is above price_high_usd"),
        ("sources.csv", "pymnts-2025-04-28", "note", "Reports earlier rounds.", "must say why the title is in [brackets]"),
    ],
)
def test_bad_cell(data, file, row_id, column, value, expected):
    line = data.set_cell(file, row_id, column, value)
    found = messages(data)
    assert any(m.startswith(f"{file}:{line}: {column}: ") and expected in m for m in found), found


def test_duplicate_id_names_both_lines(data):
    rows = data.rows("sources.csv")
    rows.append(rows[3])
    data.write_rows("sources.csv", rows)
    assert f"sources.csv:{len(rows)}: source_id: duplicate value '{rows[3][0]}' (first on line 4)" in messages(data)


def test_missing_and_unknown_columns(data):
    rows = data.rows("deployments.csv")
    rows[0][rows[0].index("region")] = "area"
    data.write_rows("deployments.csv", rows)
    found = messages(data)
    assert "deployments.csv:1: region: column is missing" in found
    assert "deployments.csv:1: 'area': unknown column" in found


def test_missing_file(data):
    data.path("claims.csv").unlink()
    assert messages(data) == ["claims.csv: file is missing"]


def test_empty_file(data):
    data.path("sources.csv").write_bytes(b"")
    assert "sources.csv: file is empty; it needs at least a header row" in messages(data)


def test_row_with_too_few_cells(data):
    with open(data.path("sources.csv"), "a", encoding="utf-8") as handle:
        handle.write("only-two,cells\n")
    line = len(data.rows("sources.csv"))
    assert f"sources.csv:{line}: has 2 cells, the header has 9" in messages(data)


def test_broken_quoting(data):
    text = data.path("claims.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    lines.insert(3, 'bad-quote,nscale,founded_year,2024,,exact,channelnews-2025-10-03,"unterminated\n')
    data.path("claims.csv").write_text("".join(lines), encoding="utf-8")
    found = messages(data)
    assert len(found) == 1 and found[0].startswith("claims.csv:4: broken CSV"), found


def test_invalid_utf8(data):
    raw = data.path("deployments.csv").read_bytes().replace(b"Loughton, Essex", b"Loughton, \xff", 1)
    data.path("deployments.csv").write_bytes(raw)
    (message,) = messages(data)
    assert message.startswith("deployments.csv:4: is not valid UTF-8 (byte 0xff)")


def test_overlap_cycle(data):
    line = data.set_cell("deployments.csv", "uk-commitment", "part_of", "loughton")
    found = messages(data)
    assert f"deployments.csv:{line}: part_of: links form a cycle: uk-commitment -> loughton -> uk-commitment" in found


def test_self_link_is_a_cycle(data):
    line = data.set_cell("deployments.csv", "sines-microsoft", "same_gpus_as", "sines-microsoft")
    assert f"deployments.csv:{line}: same_gpus_as: links form a cycle: sines-microsoft -> sines-microsoft" in messages(data)


def test_round_fold_in_cycle(data):
    line = data.set_cell("funding_rounds.csv", "series-c-2026", "included_in", "pre-series-c-safe-2025")
    assert any(m.startswith(f"funding_rounds.csv:{line}: included_in: links form a cycle") for m in messages(data))


def test_claim_about_unknown_subject(data):
    line = data.set_cell("claims.csv", "gnw-dgx-gpus", "subject_id", "uk-dgx-cloud+atlantis")
    assert any(m.startswith(f"claims.csv:{line}: subject_id: 'uk-dgx-cloud+atlantis' is not") for m in messages(data))


def test_evidence_must_state_the_number(data):
    line = data.set_cell("claims.csv", "gnw-dgx-gpus", "value", "4500")
    found = messages(data)
    assert f"claims.csv:{line}: evidence: does not state 4500; quote the words that do, or set derived_from" in found


def test_table_figure_must_be_stated_by_a_claim(data):
    line = data.set_cell("deployments.csv", "uk-dgx-cloud", "gpu_count", "4700")
    found = messages(data)
    assert any(m.startswith(f"deployments.csv:{line}: gpu_count: 4700 is not stated by any claim") for m in found)


def test_derived_claim_needs_an_existing_source_claim(data):
    line = data.set_cell("claims.csv", "article-nvidia-uk-share", "derived_from", "no-such-claim")
    assert f"claims.csv:{line}: derived_from: 'no-such-claim' is not a claim_id in claims.csv" in messages(data)


def test_text_claim_needs_value_text(data):
    line = data.set_cell("claims.csv", "digitallook-stargate-uk-status", "value_text", "")
    assert any(m.startswith(f"claims.csv:{line}: value_text: 'status' is stated in words") for m in messages(data))


def test_status_change_needs_its_date_and_source(data):
    line = data.set_cell("deployments.csv", "sines-microsoft", "status", "paused")
    found = messages(data)
    assert f"deployments.csv:{line}: status_date: is required when the status is 'paused'" in found
    assert f"deployments.csv:{line}: status_source_id: is required when the status is 'paused'" in found


def test_date_after_the_review_date(data):
    line = data.set_cell("funding_rounds.csv", "series-c-2026", "announced_date", "2062-03-09")
    assert any(m.startswith(f"funding_rounds.csv:{line}: announced_date: 2062-03-09 is after") for m in messages(data))


def test_month_precision_date_is_the_first_of_the_month(data):
    line = data.set_cell("sources.csv", "rcr-2025-09", "published_date", "2025-09-15")
    assert f"sources.csv:{line}: published_date: with precision 'month', write the first day of the month" in messages(data)


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"{not json", "datapackage.json:1: is not valid JSON"),
        (b"[]", "datapackage.json: must be a JSON object"),
        (b'{"as_of": "2026-11-26", "resources": 3}', "datapackage.json: 'resources' must be a list"),
        (b"\xff\xfe", "datapackage.json: is not valid UTF-8"),
    ],
)
def test_broken_datapackage(data, content, expected):
    data.path("datapackage.json").write_bytes(content)
    (message,) = messages(data)
    assert message.startswith(expected)


def test_datapackage_missing_a_field(data):
    descriptor = json.loads(data.path("datapackage.json").read_text(encoding="utf-8"))
    claims = next(r for r in descriptor["resources"] if r["name"] == "claims")
    claims["schema"]["fields"] = [f for f in claims["schema"]["fields"] if f["name"] != "evidence"]
    data.path("datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert "datapackage.json: claims.evidence: field is missing from the schema" in messages(data)


def test_every_problem_is_reported_at_once(data):
    data.set_cell("deployments.csv", "loughton", "gpu_count", "x")
    data.set_cell("claims.csv", "gnw-dgx-gpus", "qualifier", "y")
    assert len(messages(data)) == 2


def test_loaders_raise_one_error_and_load_nothing(data):
    data.set_cell("deployments.csv", "loughton", "gpu_count", "x")
    with pytest.raises(DatasetError) as raised:
        load_deployments(directory=data.directory)
    assert [str(p) for p in raised.value.problems] == messages(data)
    with pytest.raises(DatasetError):
        load_claims(directory=data.directory)  # a problem in any table stops every loader


def test_cli_prints_problems_and_exits_1(data, capsys):
    line = data.set_cell("deployments.csv", "loughton", "region", "Atlantis")
    assert main(["validate", str(data.directory)]) == 1
    out = capsys.readouterr().out
    assert f"deployments.csv:{line}: region: 'Atlantis' is not an allowed value" in out
    assert "Traceback" not in out


def test_edits_are_picked_up_without_restarting(data):
    assert validate(data.directory) == []
    data.set_cell("deployments.csv", "loughton", "gpu_count", "x")
    assert validate(data.directory) != []


def test_part_of_may_not_cross_regions(data):
    line = data.set_cell("deployments.csv", "texas-microsoft", "part_of", "stargate-norway")
    assert any(m.startswith(f"deployments.csv:{line}: part_of: 'stargate-norway' is in Europe") for m in messages(data))


def test_part_of_a_row_that_is_not_counted_is_rejected(data):
    line = data.set_cell("deployments.csv", "sines-microsoft", "part_of", "nvidia-uk-programme-share")
    assert any(m.startswith(f"deployments.csv:{line}: part_of: 'nvidia-uk-programme-share' is not counted itself") for m in messages(data))


def test_part_of_a_superseded_row_moves_to_its_replacement_which_must_share_the_region(data):
    data.set_cell("deployments.csv", "loughton-2025-plan", "superseded_by", "texas-microsoft")
    line = data.set_cell("deployments.csv", "uk-dgx-cloud", "part_of", "loughton-2025-plan")
    assert any(m.startswith(f"deployments.csv:{line}: part_of: 'texas-microsoft' is in North America") for m in messages(data))


def test_a_figure_claim_about_a_text_column_is_rejected(data):
    line = data.append("claims.csv", {"claim_id": "x", "subject_id": "loughton", "attribute": "site",
                                      "value": "2027", "qualifier": "exact", "source_id": "benzinga-2025-10-15",
                                      "evidence": "from early 2027"})
    assert f"claims.csv:{line}: attribute: 'site' is a string column of deployments.csv, not a figure" in messages(data)


def test_gpu_count_qualifier_must_match_a_claim(data):
    line = data.set_cell("deployments.csv", "loughton", "gpu_count_qualifier", "up_to")
    assert any(m.startswith(f"deployments.csv:{line}: gpu_count_qualifier: no claim states 23040 as 'up_to'") for m in messages(data))


@pytest.mark.parametrize("change, expected", [
    (lambda r: r["sources"]["schema"]["fields"][7]["constraints"]["enum"].append("blog"),
     "datapackage.json: sources.kind: the code understands only these values"),
    (lambda r: r["claims"]["schema"].pop("foreignKeys"),
     "datapackage.json: claims: primary and foreign keys must be those of the packaged schema"),
])
def test_datapackage_may_not_change_what_the_code_relies_on(data, change, expected):
    descriptor = json.loads(data.path("datapackage.json").read_text(encoding="utf-8"))
    change({r["name"]: r for r in descriptor["resources"]})
    data.path("datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert any(m.startswith(expected) for m in messages(data)), messages(data)


# --- Rules for debt, power-only rows, letters of intent and the new statuses ------------------

@pytest.mark.parametrize(
    "file, row_id, column, value, expected",
    [
        ("deployments.csv", "glomfjord", "power_mw", "", "power_mw: is required when gpu_count is empty"),
        ("deployments.csv", "glomfjord", "power_mw_qualifier", "", "power_mw_qualifier: is required when power_mw is given"),
        ("deployments.csv", "loughton", "gpu_count_qualifier", "", "gpu_count_qualifier: is required when gpu_count is given"),
        ("deployments.csv", "skien", "gpu_count_qualifier", "exact", "gpu_count_qualifier: must be empty when gpu_count is empty"),
        ("deployments.csv", "bt-sites", "power_mw_qualifier", "exact", "power_mw_qualifier: no claim states 14 as 'exact'"),
        ("deployments.csv", "glomfjord", "status_date", "", "status_date: is required when the status is 'operating'"),
        ("deployments.csv", "west-virginia-monarch", "status_date", "2026-03-18",
         "status_date: must be empty while the status is 'letter_of_intent'"),
        ("deployments.csv", "west-virginia-monarch", "status", "signed", "status: 'signed' is not an allowed value"),
        ("deployments.csv", "stargate-uk-phase-1", "status", "announced",
         "status: 'stargate-uk', which holds this row, is paused; a part of a paused plan is paused too"),
        ("debt_facilities.csv", "gpu-term-loan-2026", "amount_usd", "1500000000", "amount_usd: must equal amount when the currency is USD"),
        ("debt_facilities.csv", "narvik-bank-financing-2026", "accordion_usd", "800000000", "accordion_usd: 8e+08 is not stated by any claim"),
        ("debt_facilities.csv", "narvik-bank-financing-2026", "borrower", "aker", "borrower: 'aker' is not an allowed value"),
        ("debt_facilities.csv", "gpu-term-loan-2026", "facility_type", "bond", "facility_type: 'bond' is not an allowed value"),
        ("debt_facilities.csv", "gpu-term-loan-2026", "deployment_id", "atlantis", "deployment_id: 'atlantis' is not a deployment_id in deployments.csv"),
        ("debt_facilities.csv", "gpu-term-loan-2026", "announced_date", "2026-02-15", "announced_date: with precision 'month', write the first day"),
    ],
)
def test_bad_row_of_the_new_shapes(data, capsys, file, row_id, column, value, expected):
    line = data.set_cell(file, row_id, column, value)
    assert main(["validate", str(data.directory)]) == 1
    out = capsys.readouterr().out
    assert any(m.startswith(f"{file}:{line}: ") and expected in m for m in out.splitlines()), out


def test_latest_source_must_be_the_latest_publication_date(data):
    descriptor = json.loads(data.path("datapackage.json").read_text(encoding="utf-8"))
    descriptor["latest_source"] = "2026-07-01"
    data.path("datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert "datapackage.json: latest_source: must be 2026-05-12 (the latest published_date in sources.csv), not 2026-07-01" in messages(data)


# --- Evidence may not be bypassed through derived_from -----------------------------------------

def _derived(data, claim_id, value, derived_from, note="", source="channelnews-2025-10-03"):
    return data.append("claims.csv", {"claim_id": claim_id, "subject_id": "nscale", "attribute": "some_gpu_count", "value": value,
                                      "qualifier": "exact", "source_id": source, "evidence": "in words only",
                                      "evidence_en": "(a gloss of the words)",
                                      "derived_from": derived_from, "note": note})


@pytest.mark.parametrize("value, derived_from, note, expected", [
    ("999999", "gnw-dgx-gpus", "", "value: 999999 is not derived from 4600"),
    ("1", "self-derived", "", "derived_from: names a claim twice or the claim itself"),
    ("2300", "gnw-dgx-gpus", "fraction 1/2", None),
    ("2301", "gnw-dgx-gpus", "fraction 1/2", "value: 2301 is not derived from 4600 times 1/2"),
    ("27640", "gnw-dgx-gpus+gnw-loughton-gpus", "", None),
    ("27640", "gnw-dgx-gpus+gnw-dgx-gpus", "", "derived_from: names a claim twice or the claim itself"),
    ("60000", "article-nvidia-uk-share", "", "derived_from: 'article-nvidia-uk-share' is not a stated figure"),
    ("1", "article-founded+no-such-claim", "", "derived_from: 'no-such-claim' is not a claim_id in claims.csv"),
])
def test_derived_figures_follow_a_written_rule(data, value, derived_from, note, expected):
    line = _derived(data, "self-derived" if derived_from == "self-derived" else "derived-x", value, derived_from, note)
    found = [m for m in messages(data) if m.startswith(f"claims.csv:{line}: ")]
    if expected is None:
        assert found == []
    else:
        assert any(expected in m for m in found), found


def test_a_derived_figure_may_not_come_from_a_later_source(data):
    line = _derived(data, "derived-early", "4600", "gnw-dgx-gpus", source="prnewswire-2025-07-31")
    assert f"claims.csv:{line}: derived_from: is stated by a source published after this claim's source" in messages(data)


def test_two_claims_derived_from_each_other_are_rejected(data):
    first = _derived(data, "derived-a", "5", "derived-b")
    second = _derived(data, "derived-b", "5", "derived-a")
    found = messages(data)
    assert any(m.startswith(f"claims.csv:{first}: derived_from: 'derived-b' is not a stated figure") for m in found)
    assert any(m.startswith(f"claims.csv:{second}: derived_from: 'derived-a' is not a stated figure") for m in found)


def test_a_sum_may_not_name_one_row_twice(data):
    line = data.set_cell("claims.csv", "gnw-dgx-gpus", "subject_id", "loughton+loughton")
    assert f"claims.csv:{line}: subject_id: names the same row twice; each part of a total appears once" in messages(data)
