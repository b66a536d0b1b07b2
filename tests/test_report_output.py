"""The report writes only inside its output directory: never through links, never over a stranger's files."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nscale_data.cli import main
from nscale_data.output.report import MARKER, ReportError, build_report


@pytest.fixture
def inputs(tmp_path, monkeypatch):
    """One tiny executed notebook and one figure in tmp_path, which is also the working directory."""
    nb = new_notebook(cells=[new_markdown_cell("# Tiny"), new_code_cell("1 + 1", outputs=[
        new_output("execute_result", data={"text/plain": "2"}, execution_count=1)])])
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "tiny.ipynb")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "capital-and-gpus.png").write_bytes(b"a png")
    (tmp_path / "figures" / "capital-and-gpus.csv").write_bytes(b"x\n1\n")
    (tmp_path / "figures" / "capital-and-gpus.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Chart: a test.</dc:title></rdf:RDF></metadata></svg>')
    (tmp_path / "figures" / "capital-and-gpus.zip").write_bytes(b"a bundle")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _report(out, **options):
    return build_report(Path(out), Path("notebooks"), Path("figures"), **options)


def _cli(capsys, *args):
    code = main(["report", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_an_out_that_is_a_file_is_refused(inputs, capsys):
    (inputs / "site").write_text("keep me")
    code, out, err = _cli(capsys, "--out", "site")
    assert (code, out) == (1, "")
    assert err == "nscale-data: cannot write report to site: it is a file, not a directory\n"
    assert (inputs / "site").read_text() == "keep me"


@pytest.mark.parametrize("name, target", [("", ""), ("figures", ""), ("index.html", "index.html"),
                                          ("figures/capital-and-gpus.png", "capital-and-gpus.png")])
def test_nothing_is_written_through_a_symbolic_link(inputs, capsys, name, target):
    elsewhere = inputs / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("not the report's")
    (elsewhere / "capital-and-gpus.png").write_text("not the report's")
    link = inputs / "site" / name
    if name:
        _report("site")
        shutil.rmtree(link) if link.is_dir() else link.unlink()
    link.symlink_to(elsewhere / target)
    code, out, err = _cli(capsys, "--out", "site", "--force")
    assert (code, out) == (1, "")
    assert err == f"nscale-data: refusing to write report to site: {Path('site', name)} is a symbolic link\n"
    assert _files(elsewhere) == {"capital-and-gpus.png": b"not the report's", "index.html": b"not the report's"}


def test_a_non_empty_directory_it_did_not_write_is_refused_unless_forced(inputs, capsys):
    code, out, err = _cli(capsys, "--out", ".")  # the working directory, as at the top of the repository
    assert (code, out) == (1, "")
    assert err == ("nscale-data: refusing to write report to .: it is not empty and holds no earlier report "
                   "(--force to write into it anyway)\n")
    assert sorted(p.name for p in inputs.iterdir()) == ["figures", "notebooks"]
    (inputs / "site").mkdir()
    (inputs / "site" / "notes.txt").write_text("mine")
    with pytest.raises(ReportError):
        _report("site")
    assert _files(inputs / "site") == {"notes.txt": b"mine"}
    code, out, err = _cli(capsys, "--out", "site", "--force")
    assert (code, err) == (0, "")
    assert (inputs / "site" / "notes.txt").read_text() == "mine"
    assert (inputs / "site" / MARKER).is_file() and (inputs / "site" / "index.html").is_file()


def test_its_own_earlier_report_is_rebuilt_without_force(inputs):
    pages = _report("site")
    assert [p.name for p in pages] == ["index.html", "tiny.html", "figures.html", "sources.html", "data.html", "changes.html"]
    assert (inputs / "site" / MARKER).is_file()
    assert (inputs / "site" / "figures" / "capital-and-gpus.png").read_bytes() == b"a png"
    (inputs / "figures" / "capital-and-gpus.png").write_bytes(b"a new png")
    assert _report("site") == pages
    assert (inputs / "site" / "figures" / "capital-and-gpus.png").read_bytes() == b"a new png"


def test_a_missing_parent_is_reported_in_one_line(inputs, capsys):
    code, out, err = _cli(capsys, "--out", "missing/site")
    assert (code, out) == (1, "")
    assert err == "nscale-data: cannot write report to missing/site: No such file or directory\n"
    assert not (inputs / "missing").exists()


def test_a_read_only_parent_is_reported_in_one_line(inputs, capsys, monkeypatch):
    parent = inputs / "read-only"
    parent.mkdir()
    parent.chmod(0o555)
    if os.access(parent, os.W_OK):  # root ignores the permission bits: refuse as the system would
        def refuse(path, *args, **kwargs):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

        monkeypatch.setattr(Path, "mkdir", refuse)
    try:
        code, out, err = _cli(capsys, "--out", "read-only/site")
    finally:
        parent.chmod(0o755)
    assert (code, out) == (1, "")
    assert err == "nscale-data: cannot write report to read-only/site: Permission denied\n"
    assert list(parent.iterdir()) == []


def test_a_page_the_report_no_longer_makes_does_not_stay(inputs):
    shutil.copy(inputs / "notebooks" / "tiny.ipynb", inputs / "notebooks" / "second.ipynb")
    _report("site")
    assert (inputs / "site" / "second.html").is_file()
    (inputs / "notebooks" / "second.ipynb").unlink()
    _report("site")
    assert not (inputs / "site" / "second.html").exists() and (inputs / "site" / "tiny.html").is_file()
    assert "second.html" not in (inputs / "site" / MARKER).read_text()  # the marker lists the files the report made


def test_a_failure_part_way_leaves_the_previous_site_whole(inputs, monkeypatch):
    from nscale_data.output import report

    _report("site")
    before = _files(inputs / "site")
    (inputs / "figures" / "capital-and-gpus.png").write_bytes(b"a new png")
    written = []
    real = report.atomic_write

    def failing(path, mode="wb"):
        written.append(path)
        if len(written) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, mode)

    monkeypatch.setattr(report, "atomic_write", failing)
    with pytest.raises(ReportError, match="No space left on device"):
        _report("site")
    assert _files(inputs / "site") == before  # the old site, every file as it was
    assert sorted(p.name for p in inputs.iterdir() if p.name.startswith(".site")) == []  # no half-built folder left
