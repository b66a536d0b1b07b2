"""Arbitrary bytes in any file either load or raise DatasetError, nothing else."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nscale_data import DatasetError, claim_checks, load_claims, load_deployments, summary
from nscale_data.package.schema import PACKAGED_DATA

FILES = ["sources.csv", "funding_rounds.csv", "deployments.csv", "claims.csv", "datapackage.json"]


def _load_or_error(directory) -> None:
    try:
        load_deployments(directory=directory)
        load_claims(directory=directory)
        summary(directory=directory)  # data that loads must also add up without a crash
        claim_checks(directory=directory)
    except DatasetError as exc:
        assert exc.problems, "a DatasetError always lists its problems"
        for problem in exc.problems:
            assert problem.file and problem.message


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(FILES), content=st.binary(max_size=400))
def test_random_bytes(workdir, file, content):
    directory = workdir / "random"
    shutil.rmtree(directory, ignore_errors=True)
    shutil.copytree(PACKAGED_DATA, directory)
    (directory / file).write_bytes(content)
    _load_or_error(directory)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    file=st.sampled_from(FILES),
    position=st.integers(min_value=0),
    splice=st.binary(min_size=1, max_size=12),
)
def test_spliced_bytes(workdir, file, position, splice):
    """Small edits inside a real file, as a slip of the hand would make."""
    directory = workdir / "spliced"
    shutil.rmtree(directory, ignore_errors=True)
    shutil.copytree(PACKAGED_DATA, directory)
    original = (directory / file).read_bytes()
    at = position % (len(original) + 1)
    (directory / file).write_bytes(original[:at] + splice + original[at + len(splice):])
    _load_or_error(directory)
