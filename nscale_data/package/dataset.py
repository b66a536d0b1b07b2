"""Loading the data package as typed pandas tables, optionally as of a date.

Every loader validates the whole package first and raises one
``DatasetError`` listing every problem, so a caller never sees half the data.

``as_of`` keeps only what had been announced (or published) by that date,
and shows each round and deployment as it stood then: a status change, a
fold-in or a replacement announced later is undone. A figure counts from the
day a source published it, not from the date of the event it describes: a row
announced before any source stated its figure is there with no figure
(``<NA>``) until then, and a status counts once its source is published.
"""

from __future__ import annotations

import datetime as dt
import functools
from functools import lru_cache
from pathlib import Path

import pandas as pd

from nscale_data.package import rules
from nscale_data.package.errors import DateAfterReview
from nscale_data.package.reading import Table
from nscale_data.package.schema import PACKAGED_DATA, Package, Resource
from nscale_data.package.validation import Directory, _checked, _fingerprint, validate  # noqa: F401 (validate re-exported)

AsOf = str | dt.date | pd.Timestamp | None
DATE_COLUMNS = {
    "sources": ("published_date", "published_date_precision"),
    "funding_rounds": ("announced_date", "announced_date_precision"),
    "debt_facilities": ("announced_date", "announced_date_precision"),
    "deployments": ("announced_date", "announced_date_precision"),
    "peer_capital": ("announced_date", "announced_date_precision"),
    "peer_capacity": ("stated_date", "stated_date_precision"),
}


def dataset_as_of(directory: Directory = None) -> pd.Timestamp:
    """The date the data was last reviewed (``as_of`` in ``datapackage.json``)."""
    package, _ = _tables(*_fingerprint(directory))
    return pd.Timestamp(package.as_of)


def latest_source_date(as_of: AsOf = None, directory: Directory = None) -> pd.Timestamp | None:
    """Publication date of the latest source about Nscale published by ``as_of`` (default: of all of them).

    The review date says when the sources were last searched; this date says
    how far they reach. Months between the two are unknown, not empty.
    Sources cited only for the peers are left out: ``peers()`` dates each
    company by its own sources.

    Examples:
        >>> latest_source_date()
        Timestamp('2026-05-12 00:00:00')
        >>> latest_source_date("2025-10-03")
        Timestamp('2025-10-03 00:00:00')
        >>> latest_source_date("2025-04-15")  # not the peer release of 18 March 2025
        Timestamp('2025-01-13 00:00:00')
    """
    sources = load_sources(as_of, directory)
    sources = sources[~sources.index.isin(_peer_only_sources(*_fingerprint(directory)))]
    return None if sources.empty else pd.Timestamp(sources["published_date"].max())


@lru_cache(maxsize=8)
def _peer_only_sources(directory: Path, _stamp: tuple) -> frozenset[str]:
    """Sources cited by the peers' rows and claims and by nothing about Nscale."""
    _, frames = _tables(directory, _stamp)
    capital, capacity, claims = frames["peer_capital"], frames["peer_capacity"], frames["claims"]
    peer_rows = set(capital.index) | set(capacity.index)
    about_peers = claims["subject_id"].isin(peer_rows)
    cited_for_peers = set(capital["source_id"]) | set(capacity["source_id"]) | set(claims.loc[about_peers, "source_id"])
    cited_for_nscale = set(claims.loc[~about_peers, "source_id"])
    for table, columns in (("funding_rounds", ["source_id"]), ("debt_facilities", ["source_id"]),
                           ("deployments", ["source_id", "status_source_id"])):
        for column in columns:
            cited_for_nscale |= set(frames[table][column].dropna())
    return frozenset(cited_for_peers - cited_for_nscale)


def load_sources(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Sources published by ``as_of``, one row per document.

    Examples:
        >>> load_sources().loc["openai-2025-09-16", "publisher"]
        'OpenAI'
    """
    return _load("sources", as_of, directory)


def load_funding_rounds(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Funding rounds announced by ``as_of``; ``included_in`` only once the later round exists.

    Examples:
        >>> load_funding_rounds("2025-10-03").loc["pre-series-c-safe-2025", "included_in"]
        nan
        >>> load_funding_rounds().loc["pre-series-c-safe-2025", "included_in"]
        'series-c-2026'
    """
    rounds = _load("funding_rounds", as_of, directory)
    _unlink(rounds, ["included_in"])
    return rounds


def load_debt_facilities(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Debt facilities announced by ``as_of``; ``amount_usd`` is committed, ``accordion_usd`` is not.

    Examples:
        >>> load_debt_facilities("2025-10-03").empty
        True
        >>> int(load_debt_facilities().loc["narvik-bank-financing-2026", "accordion_usd"])
        790000000
    """
    facilities = _load("debt_facilities", as_of, directory)
    _unlink(facilities, ["deployment_id"], load_deployments(as_of, directory).index)
    return facilities


def load_deployments(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """GPU deployments announced by ``as_of``, each with its status as of then.

    The status is the one the latest change published by then gives
    (``load_status_changes``), else ``announced``.

    Examples:
        >>> load_deployments("2026-01-01").loc["stargate-uk", "status"]
        'announced'
        >>> load_deployments().loc["stargate-uk", "status"]
        'paused'
    """
    deployments = _load("deployments", as_of, directory)
    if as_of is not None:
        changes = load_status_changes(as_of, directory)
        counting = changes[changes["counts_as"].notna()].sort_values(["date", "line"], kind="stable")
        last = counting.groupby("deployment_id", observed=True).tail(1).set_index("deployment_id")
        last = last[last.index.isin(deployments.index)]
        dated = last[last["counts_as"].isin(rules.STATUS_CHANGES)]
        status = pd.Series("announced", index=deployments.index, dtype=object)
        status.update(last["counts_as"])
        deployments["status"] = status.astype(deployments["status"].dtype)
        deployments["status_date"] = dated["date"].reindex(deployments.index)
        deployments["status_source_id"] = dated["source_id"].reindex(deployments.index)
    _unlink(deployments, list(rules.LINKS))
    return deployments


def load_status_changes(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Each dated change of a deployment's status published by ``as_of``, with the source and words that state it.

    Columns beside the file's: ``source_id`` and ``evidence`` (the claim's),
    ``published`` (the day the change became public: its date's period end or
    its source's publication, whichever is later; a change dated on the row's
    announcement and stated by the row's own source is public with the row), ``counts_as`` (how the row counts
    from then, ``rules.COUNTS_AS``; empty for a change that does not alter it)
    and ``line`` (its order in the file, for changes of one day).

    Examples:
        >>> changes = load_status_changes()
        >>> changes.loc["stargate-uk-paused", ["status", "source_id", "evidence"]].tolist()
        ['paused', 'digitallook-2026-04-09', 'puts Stargate UK data centre project on ice']
    """
    directory, stamp = _fingerprint(directory)
    changes = _status_changes(directory, stamp).copy()
    if as_of is None:
        return changes
    _load("deployments", as_of, directory)  # refuses a date after the review date, as every loader does
    return changes[changes["published"] <= _timestamp(as_of)]


@lru_cache(maxsize=8)
def _status_changes(directory: Path, _stamp: tuple) -> pd.DataFrame:
    package, frames = _tables(directory, _stamp)
    changes, claims, deployments = frames["status_changes"].copy(), frames["claims"], frames["deployments"]
    changes["line"] = range(len(changes))
    changes["source_id"] = changes["claim_id"].map(claims["source_id"]).astype("str")
    changes["evidence"] = changes["claim_id"].map(claims["evidence"]).astype("str")
    announced = changes["deployment_id"].map(deployments["announced_date"]).astype("datetime64[s]")
    row_known = changes["deployment_id"].map(_known(directory, _stamp, "deployments")).astype("datetime64[s]")
    own = pd.concat([period_end(changes["date"], changes["date_precision"]),
                     changes["source_id"].map(_source_known(directory, _stamp)).astype("datetime64[s]")], axis=1).max(axis=1)
    # A change dated on the row's announcement and stated by the row's own source (a letter of intent from the start) is
    # public with the row; any other counts once its source is published.
    initial = (changes["date"] <= announced) & (changes["source_id"] == changes["deployment_id"].map(deployments["source_id"]).astype(str))
    published = own.where(~initial, row_known)
    changes["published"] = published.clip(upper=pd.Timestamp(package.as_of)).astype("datetime64[s]")
    changes["counts_as"] = changes["status"].astype(str).map(rules.COUNTS_AS)
    return changes.sort_values(["deployment_id", "date", "line"], kind="stable")


def load_chips(directory: Directory = None) -> pd.DataFrame:
    """Each accelerator the deployments name: dense 16- and 8-bit TFLOP/s, power, price, as the sources state them.

    Examples:
        >>> load_chips().loc["gb300", ["dense_16bit_tflops", "max_power_kw"]].tolist()
        [2500.0, 1.4]
    """
    return _load("chips", None, directory)


def load_companies(directory: Directory = None) -> pd.DataFrame:
    """Nscale and its peers: listing, and where each one's figures come from.

    Examples:
        >>> load_companies().loc["coreweave", ["listing", "figures_from"]].tolist()
        ['public', 'company_figures']
    """
    return _load("companies", None, directory)


def load_peer_capital(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """The peers' equity and debt rows announced by ``as_of``; ``superseded_by`` only once the later row exists.

    Examples:
        >>> load_peer_capital("2025-10-03").loc["lambda-credit-2025-08", "superseded_by"]
        nan
    """
    capital = _load("peer_capital", as_of, directory)
    _unlink(capital, ["superseded_by"])
    return capital


def load_peer_capacity(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """The peers' GPU and MW figures stated by ``as_of``."""
    return _load("peer_capacity", as_of, directory)


def load_claims(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
    """Every claim from every source published by ``as_of``, with the words that state it.

    Examples:
        >>> claims = load_claims()
        >>> claim = claims.loc["article-stargate-uk-gpus"]
        >>> claim["value"], claim["qualifier"], claim["evidence"]
        (np.float64(50000.0), 'up_to', 'jusqu’à 50 000 GPU pour Stargate UK')
    """
    claims = _load("claims", None, directory)
    if as_of is not None:
        sources = load_sources(as_of, directory)
        claims = claims[claims["source_id"].isin(sources.index)]
    return claims


def load_changes(directory: Directory = None) -> pd.DataFrame:
    """The data's changelog, newest first (on one day, the later row of the file first): dated entries naming the ids they touched.

    Examples:
        >>> "debt-added" in load_changes().index
        True
    """
    return _load("changes", None, directory).iloc[::-1].sort_values("date", ascending=False, kind="stable")


def _load(name: str, as_of: AsOf, directory: Directory) -> pd.DataFrame:
    directory, stamp_of_files = _fingerprint(directory)
    package, frames = _tables(directory, stamp_of_files)
    frame = frames[name]
    if as_of is None:
        return frame.copy()
    stamp, reviewed = _timestamp(as_of), pd.Timestamp(package.as_of)
    if stamp > reviewed:
        raise DateAfterReview(f"the data stops at its review date, {package.as_of}: ask for {package.as_of} or earlier, not {stamp:%Y-%m-%d}")
    if name not in DATE_COLUMNS:
        return frame.copy()
    frame = frame[_known(directory, stamp_of_files, name) <= stamp].copy()
    for column, first in _figures_published(directory, stamp_of_files, name).items():
        unpublished = first.reindex(frame.index) > stamp
        if unpublished.any():
            frame.loc[unpublished, [column, *FIGURE_COMPANIONS.get((name, column), ())]] = pd.NA
    return frame


# Columns that state the same figure as a traced one (its qualifier, its amount in the original currency).
FIGURE_COMPANIONS = {
    ("funding_rounds", "amount_usd"): ("amount",),
    ("debt_facilities", "amount_usd"): ("amount",),
    ("deployments", "gpu_count"): ("gpu_count_qualifier",),
    ("deployments", "power_mw"): ("power_mw_qualifier",),
}


def figures_published(name: str, directory: Directory = None) -> dict[str, pd.Series]:
    """For each traced figure column of a table, the day its figure of each row was first published.

    That is the end of the publication period of the earliest source whose
    claim states the row's figure (same subject, attribute and value), capped
    at the review date; ``NaT`` where the row has no figure. A view ``as_of``
    an earlier day shows the row with no figure.

    Examples:
        >>> first = figures_published("deployments")["gpu_count"]
        >>> first["narvik-microsoft-gb300"]  # contract signed 17 Sep 2025, count first stated 15 Oct
        Timestamp('2025-10-15 00:00:00')
    """
    return {column: dates.copy() for column, dates in _figures_published(*_fingerprint(directory), name).items()}


@lru_cache(maxsize=64)
def _figures_published(directory: Path, _stamp: tuple, name: str) -> dict[str, pd.Series]:
    package, frames = _tables(directory, _stamp)
    if name not in rules.TRACED:
        return {}
    claims = frames["claims"]
    claims = claims[claims["value"].notna()]
    published = _source_known(directory, _stamp)
    stated = pd.DataFrame({"subject_id": claims["subject_id"].astype(str), "attribute": claims["attribute"].astype(str),
                           "value": claims["value"].astype("float64"),
                           "published": claims["source_id"].map(published).astype("datetime64[s]")})
    first_by_key = stated.groupby(["subject_id", "attribute", "value"])["published"].min()
    frame = frames[name]
    result = {}
    for column in rules.TRACED[name]:
        values = frame[column].astype("float64")
        keys = pd.MultiIndex.from_arrays([frame.index.astype(str), pd.Index([column] * len(frame)), values])
        first = pd.Series(first_by_key.reindex(keys).to_numpy(), index=frame.index, dtype="datetime64[s]")
        result[column] = first.where(values.notna())
    return result


@lru_cache(maxsize=8)
def _source_known(directory: Path, _stamp: tuple) -> pd.Series:
    """When each source became public: the end of its publication period, capped at the review date."""
    package, frames = _tables(directory, _stamp)
    sources = frames["sources"]
    return period_end(sources["published_date"], sources["published_date_precision"]).clip(upper=pd.Timestamp(package.as_of))


def sources_published(directory: Directory = None) -> pd.Series:
    """When each source became public: the end of its publication period, capped at the review date."""
    return _source_known(*_fingerprint(directory)).copy()


@lru_cache(maxsize=64)
def _known(directory: Path, _stamp: tuple, name: str) -> pd.Series:
    """When each row of a dated table became known: its date's period end, capped at the review date."""
    package, frames = _tables(directory, _stamp)
    date, precision = DATE_COLUMNS[name]
    return period_end(frames[name][date], frames[name][precision]).clip(upper=pd.Timestamp(package.as_of))


def _unlink(frame: pd.DataFrame, columns: list[str], known: pd.Index | None = None) -> None:
    """Blank links to rows that are not in ``known`` (default: ``frame``), that is not yet announced."""
    known = frame.index if known is None else known
    for column in columns:
        frame.loc[~frame[column].isin(known), column] = pd.NA


def period_end(dates: pd.Series, precision: pd.Series) -> pd.Series:
    """The last day each date stands for (see ``rules.period_end``), for a whole column at once.

    ``_load`` caps it at the data's review date: a row dated only to the
    current month is known by the review date, since it is in the data.

    Examples:
        >>> period_end(pd.Series(pd.to_datetime(["2026-04-01", "2023-01-01", "2026-04-01"])),
        ...            pd.Series(["month", "year", "day"])).dt.strftime("%Y-%m-%d").tolist()
        ['2026-04-30', '2023-12-31', '2026-04-01']
    """
    kinds = precision.astype(str).to_numpy()
    ends = dates.copy()
    for kind, offset in (("month", pd.offsets.MonthEnd(0)), ("year", pd.offsets.YearEnd(0))):
        coarse = kinds == kind
        if coarse.any():
            ends[coarse] = (dates[coarse] + offset).astype(dates.dtype)
    return ends


def row_dicts(frame: pd.DataFrame, columns: list[str] | None = None) -> dict[object, dict]:
    """Each row as a plain dict keyed by its index, for loops that look values up row by row.

    Much faster than ``DataFrame.to_dict("index")``: values are converted column by column.

        >>> row_dicts(pd.DataFrame({"a": [1, 2]}, index=["x", "y"]))
        {'x': {'a': 1}, 'y': {'a': 2}}
    """
    columns = list(frame.columns) if columns is None else columns
    values = zip(*(frame[c].tolist() for c in columns)) if columns else ((),) * len(frame)
    return {key: dict(zip(columns, row)) for key, row in zip(frame.index.tolist(), values)}


def cached_by_data(compute):
    """Cache a table computed from ``(as_of, directory)``: computed once per data package and date, a copy returned each call.

    The key is the data's files (their names, sizes and modification times,
    as for the loaded tables), so an edit computes afresh.
    """
    @lru_cache(maxsize=32)
    def cached(directory: Path, _stamp: tuple, as_of: pd.Timestamp | None) -> pd.DataFrame:
        return compute(as_of, directory)

    @functools.wraps(compute)
    def wrapper(as_of: AsOf = None, directory: Directory = None) -> pd.DataFrame:
        return cached(*_fingerprint(directory), None if as_of is None else _timestamp(as_of)).copy()

    return wrapper


def _timestamp(as_of: AsOf) -> pd.Timestamp:
    """A date from a date string, a ``datetime.date`` or a pandas date; a timezone-aware one by its own calendar day.

    Anything else (a number, which pandas would read as nanoseconds since 1970) is refused.

        >>> _timestamp(dt.datetime(2025, 10, 3, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))))
        Timestamp('2025-10-03 00:00:00')
    """
    if isinstance(as_of, bool) or not isinstance(as_of, (str, dt.date, pd.Timestamp)):
        raise ValueError(f"as_of must be a date such as '2025-10-03', not {type(as_of).__name__} {str(as_of)[:40]!r}")
    try:
        stamp = pd.Timestamp(as_of)
    except ValueError:
        raise ValueError(f"as_of must be a date such as '2025-10-03', not {as_of!r}") from None
    if pd.isna(stamp):
        raise ValueError(f"as_of must be a date such as '2025-10-03', not {as_of!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)  # the calendar day where the date was written
    return stamp.normalize()


@lru_cache(maxsize=8)
def _tables(directory: Path, _stamp: tuple) -> tuple[Package, dict[str, pd.DataFrame]]:
    package, tables = _checked(directory, _stamp)
    return package, {name: _frame(table) for name, table in tables.items()}


def _frame(table: Table) -> pd.DataFrame:
    resource: Resource = table.resource
    columns = {}
    for f in resource.fields:
        values = table.columns[f.name]
        columns[f.name] = pd.Series(values, dtype=_dtype(f), name=f.name) if f.type != "date" else pd.to_datetime(
            pd.Series(values, dtype="object")
        ).astype("datetime64[s]")
    frame = pd.DataFrame(columns)
    return frame.set_index(resource.primary_key)


def _dtype(f) -> object:
    if f.enum is not None:
        return pd.CategoricalDtype(list(f.enum))
    return {"string": "str", "integer": "Int64", "number": "Float64"}[f.type]

