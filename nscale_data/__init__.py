"""nscale_data: Nscale's funding rounds and planned GPU capacity, with their sources.

Load the tables, then ask the questions analysts ask:

    >>> import nscale_data
    >>> nscale_data.capital_raised("2025-10-03")
    1718000000
    >>> nscale_data.debt_raised()
    2190000000
    >>> nscale_data.gpus_by_region("2025-10-03").loc["Europe", ["stated", "with_targets", "with_up_to"]].tolist()
    [79640, 127640, 158640]

Charts live in ``nscale_data.charts`` and import matplotlib only when used.
"""

from nscale_data.analysis import (
    LEVELS,
    capacity_totals,
    capital_raised,
    capital_table,
    debt_raised,
    events,
    gpu_totals,
    gpus_by_region,
    mw_by_region,
    regions_named,
    rounds_counted,
    summary,
    worldwide,
)
from nscale_data.checks import claim_checks, conflicts, source_checks
from nscale_data.dataset import (
    dataset_as_of,
    latest_source_date,
    load_claims,
    load_debt_facilities,
    load_deployments,
    load_funding_rounds,
    load_sources,
    validate,
)
from nscale_data import tables
from nscale_data.errors import DatasetError, Problem

__all__ = [
    "LEVELS",
    "DatasetError",
    "Problem",
    "capacity_totals",
    "capital_raised",
    "capital_table",
    "claim_checks",
    "conflicts",
    "dataset_as_of",
    "debt_raised",
    "events",
    "gpu_totals",
    "gpus_by_region",
    "latest_source_date",
    "load_claims",
    "load_debt_facilities",
    "load_deployments",
    "load_funding_rounds",
    "load_sources",
    "mw_by_region",
    "regions_named",
    "rounds_counted",
    "source_checks",
    "summary",
    "tables",
    "validate",
    "worldwide",
]
