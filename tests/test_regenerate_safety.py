"""Regeneration is safe on any notebook directory: hung kernels, killed runs, Ctrl-C and bad options."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import write_notebook
from nscale_data.output import charts
from nscale_data.package import dataset
from nscale_data.cli import main
from nscale_data.output.figures import Target, build_all

# Writes the kernel's process id beside the notebook, so a test can tell when it runs and whether it was killed.
PID = "import os, pathlib\npathlib.Path('{name}.pid').write_text(str(os.getpid()))"
DEAF = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(1000)"
# `nscale-data figures` without the figures or the data check: these tests are about the notebooks' kernels.
CLI = ("import functools, sys\nfrom nscale_data.output import figures\nfrom nscale_data.package import dataset\n"
       "dataset.validate = lambda directory=None: []\n"
       "figures.build_all = functools.partial(figures.build_all, figures=())\n"
       "from nscale_data.cli import main\nsys.exit(main(sys.argv[1:]))")


@pytest.fixture(autouse=True)
def valid_data(monkeypatch):
    monkeypatch.setattr(dataset, "validate", lambda directory=None: [])




def _build(tmp_path, lines, **options):
    options.setdefault("figures", ())
    return build_all(out=tmp_path / "figures", notebooks=tmp_path / "notebooks", report=lines.append,
                     state_file=tmp_path / "build" / "state.json", **options)


def _wait_for(path, seconds=30):
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.1)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_notebook_deaf_to_the_interrupt_gets_its_kernel_killed_and_the_next_one_a_fresh_kernel(tmp_path):
    write_notebook(tmp_path, "a.ipynb", PID.format(name="a"), DEAF)
    write_notebook(tmp_path, "b.ipynb", "1 + 1")
    lines: list[str] = []
    start = time.monotonic()
    code = _build(tmp_path, lines, jobs=1, timeout=4)
    assert code == 1
    assert lines[0].startswith("failed      notebook a.ipynb")
    assert "cell 2: Timeout: the notebook ran past 4s" in lines[0]
    assert lines[1].startswith("built       notebook b.ipynb"), lines
    assert time.monotonic() - start < 15  # b ran within its own 4 s, not after a 60 s wait on a's kernel
    assert _gone(int((tmp_path / "notebooks" / "a.pid").read_text()))


def test_temporary_files_left_by_a_killed_run_are_removed_by_the_next(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    monkeypatch.setattr(charts, "tiny", Figure, raising=False)
    tiny = Target("tiny", "tiny")
    write_notebook(tmp_path, "a.ipynb", "1 + 1")
    assert _build(tmp_path, [], figures=(tiny,)) == 0
    left = [tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)[1]
            for path in (tmp_path / "figures" / "tiny.svg", tmp_path / "notebooks" / "a.ipynb",
                         tmp_path / "build" / "state.json")]
    kept = [tmp_path / "notebooks" / ".notes.tmp", tmp_path / "figures" / ".tiny.svg.tmp"]
    for path in kept:
        path.write_text("not ours")
    lines: list[str] = []
    assert _build(tmp_path, lines, figures=(tiny,)) == 0
    assert lines[-1] == "Nothing to do: all 2 figures and notebooks are up to date."
    assert [p for p in left if os.path.exists(p)] == []
    assert all(path.exists() for path in kept)


def test_ctrl_c_stops_the_run_keeps_the_previous_files_and_exits_130(tmp_path):
    write_notebook(tmp_path, "a.ipynb", "1 + 1")
    slow = write_notebook(tmp_path, "b.ipynb", PID.format(name="b"), DEAF)
    last = write_notebook(tmp_path, "c.ipynb", "2 + 2")
    before = {path: path.read_bytes() for path in (slow, last)}
    run = subprocess.Popen([sys.executable, "-c", CLI, "figures", "--notebooks", "notebooks", "--out", "figures",
                            "--jobs", "1"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert run.stdout.readline().startswith("built       notebook a.ipynb")
        pid_file = tmp_path / "notebooks" / "b.pid"
        _wait_for(pid_file)  # b is running
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=30)
    finally:
        run.kill()
    assert run.returncode == 130
    assert out == "Interrupted: 1 built, 2 not built; previous files kept.\n"
    assert err == ""
    assert {path: path.read_bytes() for path in (slow, last)} == before
    assert sorted(p.name for p in (tmp_path / "notebooks").iterdir()) == ["a.ipynb", "b.ipynb", "b.pid", "c.ipynb"]
    assert list(json.loads((tmp_path / "build" / "regenerate-state.json").read_text())) == ["notebook a.ipynb in notebooks"]
    assert _gone(int(pid_file.read_text()))


@pytest.mark.parametrize("option", [("--timeout", "-1"), ("--timeout", "0"), ("--timeout", "inf"), ("--timeout", "nan"),
                                    ("--timeout", "soon"), ("--jobs", "0"), ("--jobs", "-2"), ("--jobs", "1.5")])
def test_timeout_and_jobs_must_be_sensible(option, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["figures", *option])
    assert stop.value.code == 2
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(f"nscale-data figures: error: argument {option[0]}: {option[1]!r} is not a ")


def test_a_folder_of_someone_elses_files_is_not_written_over_unasked(tmp_path):
    out = tmp_path / "figures"
    out.mkdir()
    (out / "peers.svg").write_text("my own drawing")
    lines: list[str] = []
    assert _build(tmp_path, lines) == 1
    assert lines[-1].startswith(f"refusing to write figures to {out}: it is not empty and holds no earlier figures")
    assert (out / "peers.svg").read_text() == "my own drawing"
    assert _build(tmp_path, [], force=True) == 0  # asked: --force
    assert (out / ".nscale-data-figures").is_file() and _build(tmp_path, []) == 0  # marked: later runs may write


def test_a_notebooks_own_metadata_keys_are_kept(tmp_path):
    path = write_notebook(tmp_path, "kept.ipynb", "1 + 1")
    notebook = json.loads(path.read_text())
    notebook["metadata"]["jupytext"] = {"formats": "ipynb,py:percent"}
    notebook["metadata"]["authors"] = [{"name": "A. Reader"}]
    path.write_text(json.dumps(notebook))
    assert _build(tmp_path, []) == 0
    metadata = json.loads(path.read_text())["metadata"]
    assert metadata["jupytext"] == {"formats": "ipynb,py:percent"} and metadata["authors"] == [{"name": "A. Reader"}]
    assert metadata["kernelspec"]["name"] and "nscale_data" in metadata


def test_two_runs_on_one_folder_take_turns_and_neither_fails(tmp_path):
    (tmp_path / "notebooks").mkdir()
    command = [sys.executable, "-m", "nscale_data", "figures", "--out", str(tmp_path / "figures"), "--notebooks",
               str(tmp_path / "notebooks")]
    first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(0.5)
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    first_out, _ = first.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, first_out + second.stdout + second.stderr
    assert "built" in first_out
    assert not list((tmp_path / "figures").glob(".*.tmp"))  # no temporary left, none taken from the other run


def test_a_build_folder_that_cannot_be_written_is_one_line_not_a_traceback(tmp_path):
    write_notebook(tmp_path, "a.ipynb", "1 + 1")
    (tmp_path / "build").write_text("a file where the build folder should be")  # fails for root too, unlike a read-only folder
    lines: list[str] = []
    code = build_all(out=tmp_path / "figures", notebooks=tmp_path / "notebooks", report=lines.append, figures=(),
                     state_file=tmp_path / "build" / "state.json")
    assert code == 0  # the notebook was built; only the record of it is lost
    assert any(line.startswith(f"cannot write the build state {tmp_path / 'build' / 'state.json'}") for line in lines), lines


def test_a_write_that_fails_on_close_leaves_no_temporary(tmp_path, monkeypatch):
    import errno

    from nscale_data.output import figures

    real = os.fdopen

    class Full:  # a disk that fills up: the flush on close fails
        def __init__(self, fd, *args, **kwargs):
            self.inner = real(fd, *args, **kwargs)

        def write(self, data):
            return self.inner.write(data)

        def close(self):
            self.inner.close()
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(figures.os, "fdopen", Full)
    with pytest.raises(OSError, match="No space left"):
        with figures.atomic_write(tmp_path / "out.csv", "w") as handle:
            handle.write("a,b\n")
    assert list(tmp_path.iterdir()) == []  # neither the output nor a zero-byte temporary


def test_a_data_folder_full_of_other_files_is_fingerprinted_by_its_own_files_only(tmp_path):
    import shutil

    from nscale_data.package.schema import PACKAGED_DATA
    from nscale_data.package.validation import _fingerprint

    shutil.copytree(PACKAGED_DATA, tmp_path / "data")
    before = _fingerprint(tmp_path / "data")[1]
    for n in range(50):
        (tmp_path / "data" / f"unrelated-{n}.txt").write_text("x")
    assert _fingerprint(tmp_path / "data")[1] == before
    (tmp_path / "data" / "claims.csv").write_text((tmp_path / "data" / "claims.csv").read_text() + "\n")
    assert _fingerprint(tmp_path / "data")[1] != before  # an edit to a table still reloads
