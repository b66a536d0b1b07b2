"""nscale_data: Nscale's funding rounds and planned GPU capacity, with their sources.

Load the tables, then ask the questions analysts ask:

    >>> import nscale_data
    >>> nscale_data.capital_raised("2025-10-03")
    1718000000
    >>> nscale_data.gpus_by_region("2025-10-03").loc["Europe"].tolist()
    [127640, 158640]

Charts live in ``nscale_data.charts`` and import matplotlib only when used.
"""

from nscale_data.analysis import capital_raised, claim_checks, conflicts, gpu_totals, gpus_by_region, rounds_counted, summary
from nscale_data.dataset import (
    dataset_as_of,
    load_claims,
    load_deployments,
    load_funding_rounds,
    load_sources,
    validate,
)
from nscale_data.errors import DatasetError, Problem

__all__ = [
    "DatasetError",
    "Problem",
    "capital_raised",
    "claim_checks",
    "conflicts",
    "dataset_as_of",
    "gpu_totals",
    "gpus_by_region",
    "load_claims",
    "load_deployments",
    "load_funding_rounds",
    "load_sources",
    "rounds_counted",
    "summary",
    "validate",
]
