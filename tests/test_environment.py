"""The two install routes pin the same versions, and the project's own files install everything."""

from __future__ import annotations

import re
import tomllib

from conftest import REPO


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _conda() -> dict[str, str]:
    text = (REPO / "environment.yml").read_text()
    return {m[0].lower(): m[1] for m in re.findall(r"^  - ([A-Za-z0-9_.-]+)=([^\s=]+)$", text, re.M)}


def test_every_lock_line_is_an_exact_pin():
    for line in (REPO / "requirements.lock").read_text().splitlines():
        assert line.startswith("#") or re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.+!-]+", line), line


def test_conda_pins_match_the_lock():
    lock, conda = _lock(), _conda()
    conda.pop("python")
    assert conda, "environment.yml pins nothing"
    assert {name: lock.get(name) for name in conda} == conda


def test_every_direct_dependency_is_pinned_in_both():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    names = {re.match(r"[A-Za-z0-9_.-]+", w).group(0).lower() for w in wanted}
    lock, conda = _lock(), _conda()
    assert names <= set(lock), names - set(lock)
    assert names <= set(conda), names - set(conda)


def test_make_installs_the_locked_uv_and_syncs_the_lock():
    makefile = (REPO / "Makefile").read_text()
    assert re.fullmatch(r"[0-9.]+", _lock().get("uv", "")), "requirements.lock pins uv for the bootstrap"
    assert "grep '^uv==' requirements.lock" in makefile
    assert "pip sync" in makefile and "requirements.lock" in makefile
