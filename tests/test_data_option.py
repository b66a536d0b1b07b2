"""An edited copy of the data, named with --data, reaches every command: totals, notebooks, charts and the report."""

from __future__ import annotations

import csv
import json
import os

import nbformat
import pytest

from conftest import REPO, write_notebook
from nscale_data import data_fingerprint, dataset_as_of, gpus_by_region
from nscale_data.cli import main
from nscale_data.output.figures import CHART_FILES
from nscale_data.output.figures import DATA_MARK, FIGURES, Target, build_all
from nscale_data.output.report import ReportError, build_report
from nscale_data.package.validation import data_used

ADDED = 4321  # GPUs of a site added to the copy


@pytest.fixture
def edited(data):
    """The packaged data with one more European site of 4,321 GPUs, stated by a claim."""
    data.append("claims.csv", {"claim_id": "claim-test-site-gpus", "subject_id": "test-site", "attribute": "gpu_count",
                               "value": str(ADDED), "qualifier": "exact", "source_id": "openai-2025-09-16",
                               "evidence": f"{ADDED:,} GPUs"})
    data.append("deployments.csv", {
        "deployment_id": "test-site", "name": "Test site", "short_name": "Test", "country": "IE", "region": "Europe",
        "gpu_count": str(ADDED), "gpu_count_qualifier": "exact", "announced_date": "2025-09-16",
        "announced_date_precision": "day", "status": "announced", "source_id": "openai-2025-09-16"})
    return data


def test_committed_notebooks_and_charts_record_the_packaged_data():
    """`make figures` was run after the last data edit: each notebook and chart names the data it shows."""
    digest = data_fingerprint()
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert json.loads(path.read_text())["metadata"]["nscale_data"]["data_sha256"] == digest, path.name
    for target in FIGURES:
        assert f"{DATA_MARK}{digest}" in (REPO / "figures" / f"{target.name}.svg").read_text(), target.name


def test_figures_and_report_read_the_copy_named_with_data(edited, tmp_path):
    europe = int(gpus_by_region().loc["Europe", "stated"])
    write_notebook(tmp_path, "europe.ipynb", "import nscale_data as nd\nint(nd.gpus_by_region().loc['Europe', 'stated'])")
    headline = next(t for t in FIGURES if t.chart == "capital_and_gpus")
    lines: list[str] = []
    code = build_all(out=tmp_path / "figures", notebooks=tmp_path / "notebooks", report=lines.append, jobs=1,
                     state_file=tmp_path / "state.json", figures=(Target(headline.name, headline.chart),),
                     data=edited.directory)
    assert code == 0, lines
    notebook = nbformat.read(tmp_path / "notebooks" / "europe.ipynb", as_version=4)
    assert notebook.cells[0].outputs[0]["data"]["text/plain"] == str(europe + ADDED)
    with open(tmp_path / "figures" / f"{headline.name}.csv", newline="") as handle:
        drawn = {(r["as_of"], r["series"], r["region"], r["level"]): r["value"] for r in csv.DictReader(handle)}
    assert drawn[f"{dataset_as_of():%Y-%m-%d}", "GPUs", "Europe", "stated"] == str(europe + ADDED)
    digest = data_fingerprint(edited.directory)
    assert notebook.metadata["nscale_data"]["data_sha256"] == digest != data_fingerprint()
    assert int(gpus_by_region().loc["Europe", "stated"]) == europe, "the packaged data is read again afterwards"

    pages = build_report(tmp_path / "site", tmp_path / "notebooks", tmp_path / "figures", directory=edited.directory)
    assert f"{europe + ADDED:,}" in pages[0].read_text()
    assert 'id="claim-claim-test-site-gpus"' in (tmp_path / "site" / "figures.html").read_text(), "the claims table too"
    assert (tmp_path / "site" / "data" / "deployments.csv").read_bytes() == edited.path("deployments.csv").read_bytes()
    with pytest.raises(ReportError, match=r"europe\.ipynb was made from other data than .*; rebuild it first "
                                          r"\(nscale-data figures --notebooks .*/notebooks --out .*/figures\)"):
        build_report(tmp_path / "site", tmp_path / "notebooks", tmp_path / "figures")


def test_the_report_refuses_a_chart_drawn_from_other_data(edited, tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "figures").mkdir()
    for suffix in CHART_FILES:
        (tmp_path / "figures" / f"peers{suffix}").write_bytes((REPO / "figures" / f"peers{suffix}").read_bytes())
    code = main(["report", "--data", str(edited.directory), "--notebooks", str(tmp_path / "notebooks"),
                 "--figures", str(tmp_path / "figures"), "--out", str(tmp_path / "site")])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == (f"nscale-data: {tmp_path / 'figures' / 'peers.svg'} was made from other data than "
                   f"{edited.directory}; rebuild it first (nscale-data figures --data {edited.directory} "
                   f"--notebooks {tmp_path / 'notebooks'} --out {tmp_path / 'figures'})\n")
    assert not (tmp_path / "site").exists()


def test_figures_with_a_data_directory_that_is_not_one_builds_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the state file would go
    write_notebook(tmp_path, "a.ipynb", "1 + 1")
    before = (tmp_path / "notebooks" / "a.ipynb").read_bytes()
    code = main(["figures", "--data", str(tmp_path / "missing"), "--notebooks", str(tmp_path / "notebooks"),
                 "--out", str(tmp_path / "figures")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out == [f"{tmp_path / 'missing'}: is not a directory", "The data is invalid; nothing was built."]
    assert (tmp_path / "notebooks" / "a.ipynb").read_bytes() == before


def test_build_all_reads_the_data_in_use_and_fails_a_notebook_that_switches_it(edited, tmp_path):
    """After `use_data(copy)` in Python, the kernels read the copy too; a notebook that switches away fails."""
    europe = int(gpus_by_region().loc["Europe", "stated"])
    write_notebook(tmp_path, "a.ipynb", "import nscale_data as nd\nnd.use_data()  # back to the packaged data")
    write_notebook(tmp_path, "b.ipynb", "import nscale_data as nd\nint(nd.gpus_by_region().loc['Europe', 'stated'])")
    lines: list[str] = []
    with data_used(edited.directory):
        code = build_all(out=tmp_path / "figures", notebooks=tmp_path / "notebooks", report=lines.append, jobs=1,
                         state_file=tmp_path / "state.json", figures=())
    assert code == 1
    assert lines[0].startswith("failed      notebook a.ipynb")
    assert "after the last cell: AssertionError: it switched to other data" in lines[0]
    b = nbformat.read(tmp_path / "notebooks" / "b.ipynb", as_version=4)
    assert b.cells[0].outputs[0]["data"]["text/plain"] == str(europe + ADDED), "b ran in a fresh kernel, on the copy"
    assert b.metadata["nscale_data"]["data_sha256"] == data_fingerprint(edited.directory)


def test_a_report_of_unreadable_or_odd_notebooks_fails_in_one_line(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "peers-draft.svg").write_text(f"<svg>{DATA_MARK}{'0' * 64}</svg>")  # not a chart of the report
    arguments = ["report", "--notebooks", str(tmp_path / "notebooks"), "--figures", str(tmp_path / "figures"),
                 "--out", str(tmp_path / "site")]
    broken = tmp_path / "notebooks" / "broken.ipynb"
    for content, reason in ((b"{not json", "cannot read notebook"), (b"[" * 100_000 + b"]" * 100_000, "cannot read notebook")):
        broken.write_bytes(content)
        assert main(arguments) == 1
        out, err = capsys.readouterr()
        assert out == "" and err.startswith(f"nscale-data: {reason} {broken}: ") and err.count("\n") == 1, err
    broken.unlink()
    os.mkfifo(tmp_path / "notebooks" / "pipe.ipynb")  # would block a reader for ever
    assert main(arguments) == 1
    assert capsys.readouterr().err == f"nscale-data: cannot read notebook {tmp_path / 'notebooks' / 'pipe.ipynb'}: is not a regular file (a directory, device, named pipe or socket)\n"
    (tmp_path / "notebooks" / "pipe.ipynb").unlink()
    assert main(arguments) == 0, capsys.readouterr().err  # the draft SVG is not one of the report's charts: not checked
