"""nscale_data: Nscale's funding rounds and planned GPU capacity, with their sources.

Load the tables, then ask the questions analysts ask:

    >>> import nscale_data
    >>> nscale_data.capital_raised("2025-10-03")
    1718000000
    >>> nscale_data.debt_raised()
    2190000000
    >>> nscale_data.gpus_by_region("2025-10-03").loc["Europe", ["stated", "with_targets", "with_up_to"]].tolist()
    [27640, 127640, 158640]

Charts live in ``nscale_data.output.charts`` and import matplotlib only when used.
"""

# Names are imported on first use (PEP 562), so a command that needs no table, such as a
# no-op `nscale-data figures`, does not pay for importing pandas.
_EXPORTS = {
    "totals.analysis": [
        "LEVELS", "capacity_totals", "capital_raised", "capital_table", "compute_by_region", "debt_raised", "events",
        "gpu_totals", "gpus_by_region", "mw_by_region", "reconcile", "regions_named", "rounds_counted",
        "summary", "worldwide",
    ],
    "totals.checks": ["claim_checks", "conflicts", "source_checks"],
    "package.dataset": [
        "dataset_as_of", "figures_published", "latest_source_date", "load_chips", "load_claims", "load_companies", "load_debt_facilities",
        "load_deployments", "load_funding_rounds", "load_peer_capacity", "load_peer_capital", "load_sources",
    ],
    "totals.comparison": ["peers", "peers_summary"],
    "totals.delivery": ["capacity_online", "delivery"],
    "totals.releases": ["citation", "data_version", "diff"],
    "package.validation": ["data_fingerprint", "use_data", "validate"],
    "package.errors": ["DatasetError", "Problem"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str):
    import importlib

    if name in ("charts", "tables"):  # the drawing and formatting layers, as notebooks use them: nd.tables.peers()
        return importlib.import_module(f"nscale_data.output.{name}")
    if name == "__version__":  # the installed package's version (the data's: data_version())
        from importlib.metadata import version

        return version("nscale-data")
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'nscale_data' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"nscale_data.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "LEVELS",
    "DatasetError",
    "Problem",
    "capacity_totals",
    "capacity_online",
    "capital_raised",
    "capital_table",
    "charts",
    "citation",
    "claim_checks",
    "compute_by_region",
    "conflicts",
    "data_fingerprint",
    "data_version",
    "dataset_as_of",
    "debt_raised",
    "delivery",
    "diff",
    "events",
    "figures_published",
    "gpu_totals",
    "gpus_by_region",
    "latest_source_date",
    "load_chips",
    "load_claims",
    "load_companies",
    "load_debt_facilities",
    "load_deployments",
    "load_funding_rounds",
    "load_peer_capacity",
    "load_peer_capital",
    "load_sources",
    "mw_by_region",
    "peers",
    "peers_summary",
    "reconcile",
    "regions_named",
    "rounds_counted",
    "source_checks",
    "summary",
    "tables",
    "use_data",
    "validate",
    "worldwide",
]
