"""Regeneration: reproduces the committed outputs, rebuilds only what is stale, fails safely."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from conftest import write_notebook
from nscale_data.output import charts, figures
from nscale_data.output.figures import Target, atomic_write, build_all
from nscale_data.package.schema import PACKAGED_DATA


def _build(tmp_path, lines=None, **options):
    lines = [] if lines is None else lines
    options.setdefault("figures", ())
    code = build_all(out=tmp_path / "figures", notebooks=tmp_path / "notebooks", report=lines.append,
                     state_file=tmp_path / "state.json", jobs=2, **options)
    return code, lines


def test_second_run_does_nothing(tmp_path):
    path = write_notebook(tmp_path, "a.ipynb", "1 + 1")
    assert _build(tmp_path)[0] == 0
    built = path.read_bytes()
    assert nbformat.reads(built, as_version=4).cells[0].outputs[0]["data"]["text/plain"] == "2"
    mtime = path.stat().st_mtime_ns
    code, lines = _build(tmp_path)
    assert code == 0
    assert lines[-1] == "Nothing to do: all 1 figures and notebooks are up to date."
    assert path.stat().st_mtime_ns == mtime


def test_editing_a_notebook_rebuilds_only_that_notebook(tmp_path):
    write_notebook(tmp_path, "a.ipynb", "1 + 1")
    write_notebook(tmp_path, "b.ipynb", "2 + 2")
    _build(tmp_path)
    write_notebook(tmp_path, "b.ipynb", "3 + 3")
    code, lines = _build(tmp_path)
    assert any(line.startswith("up to date  notebook a.ipynb") for line in lines)
    assert any(line.startswith("built       notebook b.ipynb") for line in lines)
    assert lines[-1].startswith("1 built, 1 up to date, 0 failed")


def test_changing_any_data_file_rebuilds_everything_and_a_copy_of_the_same_data_nothing(tmp_path, data, monkeypatch):
    """Every chart dates itself by the latest source, which reads most tables: any data edit makes every target stale."""
    from matplotlib.figure import Figure

    monkeypatch.setattr(charts, "blank", Figure, raising=False)  # a chart that costs nothing to draw
    write_notebook(tmp_path, "a.ipynb", "1")
    chosen = (Target("blank", "blank"),)
    _build(tmp_path, figures=chosen)
    same = tmp_path / "same"
    shutil.copytree(PACKAGED_DATA, same)
    code, lines = _build(tmp_path, figures=chosen, data=same)
    assert lines[-1] == "Nothing to do: all 2 figures and notebooks are up to date."
    with open(data.path("changes.csv"), "a", encoding="utf-8") as handle:
        handle.write("\n")
    code, lines = _build(tmp_path, figures=chosen, data=data.directory)
    assert sorted(line.split()[2] for line in lines if line.startswith("built")) == ["a.ipynb", "blank"]


def test_failing_notebook_keeps_its_old_file_and_reports_cell_and_error(tmp_path):
    write_notebook(tmp_path, "good.ipynb", "'fine'")
    bad = write_notebook(tmp_path, "bad.ipynb", "x = 1", "1 / 0")
    before = bad.read_bytes()
    code, lines = _build(tmp_path)
    assert code == 1
    failure = next(i for i, line in enumerate(lines) if line.startswith("failed      notebook bad.ipynb"))
    assert "cell 2: ZeroDivisionError: division by zero" in lines[failure]
    assert bad.read_bytes() == before
    assert nbformat.read(tmp_path / "notebooks" / "good.ipynb", as_version=4).cells[0].outputs
    assert lines[-1].startswith("1 built, 0 up to date, 1 failed")


def test_hung_notebook_is_stopped_by_the_timeout(tmp_path):
    write_notebook(tmp_path, "slow.ipynb", "import time\ntime.sleep(60)")
    code, lines = _build(tmp_path, timeout=3)
    assert code == 1
    assert any("cell 1:" in line and "imeout" in line for line in lines), lines


def test_interrupted_write_leaves_the_old_file_and_no_partial_file(tmp_path):
    target = tmp_path / "figure.svg"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as handle:
            handle.write(b"half a fig")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.svg"]


def test_invalid_data_builds_nothing(tmp_path, monkeypatch):
    path = write_notebook(tmp_path, "a.ipynb", "1 + 1")
    before = path.read_bytes()
    from nscale_data.package import dataset

    monkeypatch.setattr(dataset, "validate", lambda directory=None: ["claims.csv:2: value: broken"])
    code, lines = _build(tmp_path)
    assert code == 1
    assert lines == ["claims.csv:2: value: broken", "The data is invalid; nothing was built."]
    assert path.read_bytes() == before


def test_printed_text_split_across_stream_messages_is_stored_as_one_output():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1); print(2)")])
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                           nbformat.v4.new_output("stream", name="stdout", text="2\n"),
                           nbformat.v4.new_output("stream", name="stderr", text="!\n")]
    figures.normalise(nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [("stdout", "1\n2\n"), ("stderr", "!\n")]


def test_a_figure_is_saved_from_the_kernel_of_the_notebook_that_draws_it(tmp_path):
    """The very figure the notebook drew is saved: a chart is computed once per rebuild."""
    write_notebook(tmp_path, "capex.ipynb", "from nscale_data import charts\nfig = charts.capex_vs_capital()",
                   "fig.data = fig.data.head(1)  # marks the notebook's figure")
    target = Target("capex", "capex_vs_capital", "capex.ipynb")
    code, lines = _build(tmp_path, figures=(target,))
    assert code == 0, lines
    assert [line.split()[:3] for line in lines[:2]] == [["built", "notebook", "capex.ipynb"], ["built", "figure", "capex"]]
    assert len((tmp_path / "figures" / "capex.csv").read_text().splitlines()) == 2  # a header and the marked row
    assert (tmp_path / "figures" / "capex.svg").exists() and (tmp_path / "figures" / "capex.png").exists()


def test_a_figure_whose_notebook_fails_is_still_built(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    monkeypatch.setattr(charts, "blank", Figure, raising=False)  # exists in this process only, not in a kernel
    write_notebook(tmp_path, "bad.ipynb", "1 / 0")
    code, lines = _build(tmp_path, figures=(Target("blank", "blank", "bad.ipynb"),))
    assert code == 1
    assert any(line.startswith("failed      notebook bad.ipynb") for line in lines)
    assert any(line.startswith("built       figure blank") for line in lines)
    assert (tmp_path / "figures" / "blank.png").exists()
