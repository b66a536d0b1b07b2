"""The ``nscale-data`` command: validate the data, print totals and conflicts, build figures.

Exit codes: 0 on success, 1 when the data is invalid or a build fails,
2 for a bad command line (a date after the data's review date included),
130 when interrupted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path

from nscale_data.package.errors import DatasetError, DateAfterReview


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    _suggest(parser, sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except DatasetError as exc:
        print(exc, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in the data.", file=sys.stderr)
        return 1
    except DateAfterReview as exc:
        print(f"nscale-data: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nscale-data: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _suggest(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """A mistyped command is refused with the nearest one named ('did you mean summary?'), exit 2."""
    commands = list(parser._subparsers._group_actions[0].choices)
    first = next((a for a in argv if not a.startswith("-")), None)
    if first is not None and first not in commands:
        import difflib

        near = difflib.get_close_matches(first, commands, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else f"; the commands are {', '.join(commands)}"
        parser.error(f"no command {first[:40]!r}{hint}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nscale-data", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=_version(), help="show the package and data versions, then exit")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a data package directory (default: the packaged data)")
    validate.add_argument("directory", nargs="?", type=Path, help="directory holding datapackage.json and the CSV files")
    validate.add_argument("--data", type=Path, help="the same directory, named as the other commands name it")
    validate.set_defaults(run=_validate)

    _query(commands, "summary", "capital raised and planned GPUs by region", _summary)
    _query(commands, "conflicts", "claims that disagree with the resolved values", _conflicts, by="only claims published by",
           wide="one wide table with claim and source ids (more than 80 columns)")
    _query(commands, "peers", "Nscale beside CoreWeave, Nebius, Crusoe, Lambda and Fluidstack", _peers,
           wide="every level in one wide table (more than 80 columns)")
    _query(commands, "checks", "power per GPU against each chip's band: outliers and estimates", _checks,
           by="only what had been published by", json_help="print JSON: every row checked or estimated")
    _query(commands, "delivery", "each deployment's expected periods, status and flag (overdue, stale, live)", _delivery,
           by="only what had been published by", json_help="print JSON: one object per deployment")

    diff = commands.add_parser("diff", help="what moved between two versions of the data: rows, claims and totals")
    diff.add_argument("old", metavar="OLD", help="a data directory, or a git revision of this repository (HEAD~3, a commit id)")
    diff.add_argument("new", metavar="NEW", nargs="?", help="the same; default: the working data")
    diff.add_argument("--json", action="store_true", help="print JSON instead of text")
    diff.set_defaults(run=_diff)

    figures = commands.add_parser("figures", help="rebuild the stale figures (SVG and PNG) and notebook outputs")
    figures.add_argument("--out", type=Path, default=Path("figures"), help="figure directory (default: figures)")
    figures.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="notebook directory (default: notebooks)")
    figures.add_argument("--force", action="store_true", help="rebuild everything, stale or not")
    figures.add_argument("--jobs", type=_jobs, default=None, help="notebooks run in parallel (default: number of cores)")
    figures.add_argument("--timeout", type=_seconds, default=300.0, help="seconds allowed per notebook (default: 300)")
    figures.add_argument("--data", type=Path, help="a data package directory the notebooks and charts read instead "
                         "of the packaged data (write the results elsewhere with --out and --notebooks)")
    figures.set_defaults(run=_figures)

    report = commands.add_parser("report", help="write a static HTML report (notebooks, figures, sources)")
    report.add_argument("--out", type=Path, default=Path("site"), help="output directory (default: site)")
    report.add_argument("--force", action="store_true", help="write into a non-empty directory that holds no earlier report")
    report.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="executed notebooks (default: notebooks)")
    report.add_argument("--figures", type=Path, default=Path("figures"), help="figure directory (default: figures)")
    report.add_argument("--data", type=Path, help="a data package directory (default: the packaged data); the notebooks "
                      "and figures must have been built from it (nscale-data figures --data)")
    report.set_defaults(run=_report)
    return parser


def _version() -> str:
    """'nscale-data 0.2.0 (data 1.0.1)': the installed package's version and the packaged data's."""
    from importlib.metadata import PackageNotFoundError, version

    from nscale_data.package.schema import PACKAGED_DATA

    try:
        package = version("nscale-data")
    except PackageNotFoundError:
        package = "not installed"
    try:
        data = json.loads((PACKAGED_DATA / "datapackage.json").read_text(encoding="utf-8")).get("version", "unknown")
    except (OSError, ValueError):
        data = "unreadable"
    return f"nscale-data {package} (data {data})"


def _date(text: str) -> str:
    """An ``--as-of`` date: YYYY-MM-DD exactly, from 2000-01-01 (the review date is checked against the data).

    Examples:
        >>> _date("2025-10-03")
        '2025-10-03'
        >>> _date("2025-13-01")
        Traceback (most recent call last):
        argparse.ArgumentTypeError: 2025-13-01: there is no month 13
    """
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a date written YYYY-MM-DD")
    year, month, day_of_month = (int(part) for part in text.split("-"))
    if year < 2000:
        raise argparse.ArgumentTypeError(f"{text} is before 2000-01-01; the data starts in 2023")
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError(f"{text}: there is no month {month}")
    try:
        dt.date(year, month, day_of_month)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text}: {dt.date(year, month, 1):%B} {year} has no day {day_of_month}") from None
    return text


LEVEL_HEADINGS = {"stated": "Stated", "with_targets": "With targets", "with_up_to": "With up to"}


def _validate(args) -> int:
    from nscale_data.package.validation import validate

    if args.directory and args.data and args.directory != args.data:
        print(f"nscale-data validate: two directories given ({args.directory} and --data {args.data}); give one", file=sys.stderr)
        return 2
    args.directory = args.directory or args.data
    problems = validate(args.directory)
    for problem in problems:
        print(problem)
    where = args.directory or "the packaged data"
    if problems:
        print(f"{len(problems)} problem(s) in {where}.", file=sys.stderr)
        return 1
    print(f"{where}: valid.")
    return 0


def _summary(args) -> int:
    from nscale_data.totals.analysis import LEVEL_WORDS, LEVELS, summary

    result = summary(args.as_of, args.data)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    _say(f"Nscale as of {_day(result['as_of'])} (data reviewed {_day(result['reviewed'])}; "
         f"latest source {_day(result['latest_source']) if result['latest_source'] else 'none yet'})")
    equity, debt = result["capital_raised_usd"], result["debt_raised_usd"]
    print()
    print(_table(["Capital", "US dollars"], [
        ("Equity (rounds and SAFEs, each counted once)", _money(equity)),
        ("Committed debt (uncommitted accordions not counted)", _money(debt)),
        ("Equity and debt", _money(result["equity_and_debt_usd"])),
    ], right={1}))
    places = [*result["gpus_by_region"].items(), ("Worldwide", result["gpus_worldwide"])]
    for title, pick in (("GPUs", lambda v, level: v[level]), ("Megawatts", lambda v, level: v["power_mw"][level]),
                        ("H100-equivalents", lambda v, level: v["h100e"][level])):
        print()
        header = [title] + [LEVEL_HEADINGS[level] for level in LEVELS]
        print(_table(header, [(region, *(_figure(pick(v, level)) for level in LEVELS)) for region, v in places],
                     right={1, 2, 3}))
    unknown = result["gpus_worldwide"]["unknown_mix_gpus"]["with_up_to"]
    _say("H100-equivalents: each GPU counted as its chip's dense 16-bit rate over the H100 SXM's"
         + (f"; {_figure(unknown)} GPUs whose chip is unnamed or has no sourced rate are left out of them." if unknown else "."))
    print()
    for level in LEVELS:
        _say(f"{LEVEL_HEADINGS[level]}: {LEVEL_WORDS[level]}.")
    _say("Overlapping announcements are counted once; 'no figure' means no source states one, not zero.")
    named = [r for r, v in result["gpus_by_region"].items() if v["named_in"] and v["with_up_to"] is None and v["power_mw"]["with_up_to"] is None]
    if named:
        _say(f"Named as a target with no figure: {', '.join(named)}.")
    roadmap = result["gpus_worldwide"]["roadmap"]
    if roadmap:
        state = "stale: the regions now exceed it" if roadmap["stale"] else "the regions' plans with targets come to " + _figure(roadmap["regions_with_targets"])
        _say(f"Worldwide roadmap, a goal never taken as a total: {roadmap['gpu_count']:,} GPUs ({_day(roadmap['announced_date'])}); {state}.")
    return 0


def _peers(args) -> int:
    from nscale_data.totals.analysis import LEVEL_WORDS, LEVELS
    from nscale_data.totals.comparison import peers_summary

    companies = peers_summary(args.as_of, args.data)
    if args.json:
        print(json.dumps(companies, indent=2, ensure_ascii=False))
        return 0
    if args.wide:
        short = {"stated": "stated", "with_targets": "w/ targets", "with_up_to": "w/ up to"}
        header = ["Company", "Equity", "Debt", *(f"GPUs {short[l]}" for l in LEVELS), *(f"MW {short[l]}" for l in LEVELS),
                  "H100e stated", "Equity $/GPU", "Latest source"]
        rows = [(c["name"], _money(c["equity_usd"], c["equity_qualifier"]), _money(c["debt_usd"], c["debt_qualifier"]),
                 *(_figure(c["gpus"][l]) for l in LEVELS), *(_figure(c["mw"][l]) for l in LEVELS), _figure(c["h100e"]["stated"]),
                 _figure(c["equity_per_gpu_usd"]["stated"]), _when(c["latest_source"], c["latest_source_precision"]))
                for c in companies]
        print(_table(header, rows, right=set(range(1, len(header) - 1))))
    else:
        header = ["Company", "Equity", "Debt", "GPUs", "MW", "Latest"]
        rows = [(c["name"], _money(c["equity_usd"], c["equity_qualifier"]), _money(c["debt_usd"], c["debt_qualifier"]),
                 _span(c["gpus"]), _span(c["mw"]), _when(c["latest_source"], c["latest_source_precision"])) for c in companies]
        print(_table(header, rows, right={1, 2, 3, 4}))
        print()
        _say("GPUs and MW run from stated to 'up to'; Latest: the company's latest source. What each figure counts:")
        for c in companies:
            bases = [f"{word} {c[f'{kind}_basis']}" for kind, word in (("equity", "equity:"), ("debt", "debt:"))
                     if c.get(f"{kind}_basis")]
            bases += [f"{unit}: {c[f'{measure}_basis']['with_up_to']}" for measure, unit in (("gpus", "GPUs"), ("mw", "MW"))
                      if c[f"{measure}_basis"]["with_up_to"]]
            _say(f"- {c['name']}: " + ("; ".join(bases) if bases else "no figure found") + ".")
        _say("nscale-data peers --wide shows every level, H100-equivalents and equity per GPU.")
    print()
    for level in LEVELS:
        _say(f"{LEVEL_HEADINGS[level]}: {LEVEL_WORDS[level]}.")
    _say("≥: a floor, the sum of the rounds and facilities found, each counted from its source's publication; not a "
         "complete history. Nscale's row is computed from its detailed tables; 'no figure' means no source found states "
         "one, not zero.")
    return 0


def _span(levels: dict) -> str:
    """'226,240–292,240', '3,100', or 'no figure': a figure from its stated to its 'up to' level."""
    present = [v for v in (levels["stated"], levels["with_targets"], levels["with_up_to"]) if v is not None]
    if not present:
        return "no figure"
    low, high = min(present), max(present)
    return _figure(low) if low == high else f"{_figure(low)}–{_figure(high)}"


def _when(date: str | None, precision: str | None) -> str:
    """A source date as precise as it is known: '6 Mar 2026', 'Aug 2025', '2025', or 'none'."""
    if date is None:
        return "none"
    return {"month": lambda d: f"{d:%b %Y}", "year": lambda d: f"{d:%Y}"}.get(precision, lambda d: _day(date))(dt.date.fromisoformat(date))


def _money(value, qualifier: str | None = None) -> str:
    """US dollars as a reader writes them (see ``tables.money``): '$3.29bn', '≥ $16.46bn', 'no figure'."""
    from nscale_data.output.tables import money

    return money(value, qualifier)


def _figure(value) -> str:
    """A total for the text table: thousands separators, and 'no figure' for None, never 0."""
    if value is None:
        return "no figure"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _day(date: str) -> str:
    """'2026-05-12' as '12 May 2026'."""
    day = dt.date.fromisoformat(date)
    return f"{day.day} {day:%b %Y}"


def _conflicts(args) -> int:
    from nscale_data.totals.checks import conflicts

    records = _records(conflicts(args.as_of, args.data))
    if args.json:
        return _print_json(records)
    if args.wide:
        rows = [(r["subject_name"], r["attribute"], f"{r['claimed_qualifier']} {_show(r['claimed_value'])}", r["source_id"],
                 _show(r["resolved_value"]), r["resolved_source_id"] or "", r["reason"]) for r in records]
        print(_table(["Subject", "Attribute", "Claimed", "By", "Resolved", "Resolved from", "Why"], rows))
    else:
        from nscale_data.package.dataset import load_sources
        from nscale_data.output.tables import QUALIFIER_WORDS, _attribute

        publisher = load_sources(directory=args.data)["publisher"].to_dict()
        for r in records:
            def shown(value) -> str:
                money = r["attribute"].endswith("_usd") and isinstance(value, (int, float))
                return _money(value) if money else _show(value)

            words = QUALIFIER_WORDS.get(r["claimed_qualifier"], "")
            claimed = f"{words} {shown(r['claimed_value'])}" if words else shown(r["claimed_value"])
            by = f"{publisher.get(r['resolved_source_id'], r['resolved_source_id'])} says" if r["resolved_source_id"] else "the totals give"
            _say(f"- {r['subject_name']}, {_attribute(r['attribute'])}: {publisher.get(r['source_id'], r['source_id'])} says "
                 f"{claimed}; {by} {shown(r['resolved_value'])}. {r['reason'][:1].upper()}{r['reason'][1:]}.")
        print()
        _say("nscale-data conflicts --wide shows the claim and source ids in one wide table; --json everything.")
    print(f"\n{len(records)} claim(s) disagree with the resolved values.")
    return 0


def _records(table) -> list[dict]:
    """A table's rows as dicts, None where a cell has no value (JSON's null, never 0 or NaN)."""
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def _print_json(records) -> int:
    print(json.dumps(records, indent=2, ensure_ascii=False, default=str))
    return 0


def _query(commands, name: str, description: str, run, by: str = "only what had been announced by",
           json_help: str = "print JSON", wide: str | None = None) -> None:
    """A command that reads the data as of a date: ``--as-of``, ``--json``, ``--wide`` where given, and ``--data``."""
    command = commands.add_parser(name, help=description)
    command.add_argument("--as-of", type=_date, help=f"{by} this date (YYYY-MM-DD, 2000-01-01 to the review date)")
    command.add_argument("--json", action="store_true", help=json_help)
    if wide:
        command.add_argument("--wide", action="store_true", help=wide)
    command.add_argument("--data", type=Path, help="a data package directory (default: the packaged data)")
    command.set_defaults(run=run)


def _checks(args) -> int:
    from nscale_data.totals.power import overheads, power_checks

    records = _records(power_checks(args.as_of, args.data))
    if args.json:
        return _print_json(records)
    factors = overheads(args.data)
    if factors["server"] and factors["pue"]:
        _say("All-in power per GPU = the chip's maximum power x server overhead "
              f"{factors['server'][0]:.2f} to {factors['server'][1]:.2f} x PUE {factors['pue'][0]:.2f} to {factors['pue'][1]:.2f}.")
        print()
    checked = [r for r in records if r["kw_per_gpu"] is not None]
    outliers = [r for r in checked if r["check"] != "within"]
    _say(f"Rows with GPUs and MW: {len(checked)}; outside their chip's band: {len(outliers)}.")
    for r in checked:
        low, high = r["band_kw"]
        _say(f"- {r['name']}: {r['gpus']:,.0f} GPUs in {_figure(r['mw'])} MW = {r['kw_per_gpu']:.2f} kW per GPU "
              f"(band {low:.2f} to {high:.2f}): {r['check']}" + (f": {r['reason']}." if r["reason"] else "."))
    estimates = [r for r in records if r["check"] == "estimate"]
    if estimates:
        print("\nEstimates from the chip (never added to any total):")
    for r in estimates:
        if r["estimated_gpus_low"] is not None:
            _say(f"- {r['name']}: {_figure(r['mw'])} MW could hold {r['estimated_gpus_low']:,.0f} to {r['estimated_gpus_high']:,.0f} GPUs.")
        else:
            _say(f"- {r['name']}: {r['gpus']:,.0f} GPUs need {r['estimated_mw_low']:,.1f} to {r['estimated_mw_high']:,.1f} MW.")
    unchecked = [r["name"] for r in records if r["check"] == "no chip"]
    if unchecked:
        print()
        _say(f"Not checked (no chip with a sourced power): {', '.join(unchecked)}.")
    return 0


def _delivery(args) -> int:
    import pandas as pd

    from nscale_data.totals.analysis import status_words
    from nscale_data.totals.delivery import STALE_AFTER_MONTHS, delivery

    table = delivery(args.as_of, args.data)
    if args.json:
        records = []
        for deployment_id, row in table.iterrows():
            records.append({"deployment_id": deployment_id,
                            **{k: _plain(v) for k, v in row.items() if k not in ("history", "expected_claims", "risks")},
                            "history": [{"date": d, "precision": c, "status": s, "source_id": i, "published": p}
                                        for d, s, i, p, c in row["history"]],
                            "expected_claims": [{"period": p, "source_id": s, "published": d} for p, s, d in row["expected_claims"]],
                            "risks": [{"words": w, "source_id": s, "published": d} for w, s, d in row["risks"]]})
        print(json.dumps(records, indent=2, ensure_ascii=False))
        return 0
    flags = table["flag"].value_counts()
    _say(f"Deployments: {len(table)}; overdue: {flags.get('overdue', 0)}; stale (no source for {STALE_AFTER_MONTHS} months): "
         f"{flags.get('stale', 0)}. Late is measured against the latest source, not the review date.")
    print()
    rows = []
    for _, row in table.iterrows():
        period = row["expected_period"] if isinstance(row["expected_period"], str) else None
        others = sorted({p for p, _, _ in row["expected_claims"]} - {period})  # what other sources say, side by side
        expected = (period or "no date") + (f" (or {', '.join(others)})" if others else "")
        late = f" ({row['months_late']} mo)" if pd.notna(row["months_late"]) else ""
        rows.append((row["name"], status_words(row["status"]), expected, row["flag"] + late))
    print(_table(["Deployment", "Status", "Expected", "Flag"], rows))
    for _, row in table[table["history"].str.len() > 1].iterrows():
        print()
        _say(f"{row['name']}: " + "; ".join(f"{status_words(s)} {d} ({i})" for d, s, i, *_ in row["history"]) + ".")
    for _, row in table[table["months_slipped"].fillna(0) != 0].iterrows():
        print()
        _say(f"Schedule, {row['name']}: first expected {row['first_expected']}, now {row['expected_period']} "
             f"({row['months_slipped']:+d} months).")
    for _, row in table[table["risks"].str.len() > 0].iterrows():
        print()
        _say(f"At risk, {row['name']}: " + "; ".join(f"\"{w}\" ({s}, {d})" for w, s, d in row["risks"]) + ".")
    print()
    _say("Expected: the period the primary source gives; '(or ...)': what other sources say; mo: whole months late.")
    return 0


def _diff(args) -> int:
    from nscale_data.totals.releases import DiffError, diff

    try:
        result = diff(args.old, args.new)
    except DiffError as exc:
        print(f"nscale-data diff: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        return 0
    old_version, new_version = (_shown(v or "no version") for v in result.versions)
    _say(f"Data {old_version} ({_shown(result.old)}) against {new_version} ({_shown(result.new)}).")
    if result.unchanged:
        print("No change.")
        return 0
    print()
    if result.totals:
        print("Totals that moved:")
        rows = [(name, _diff_value(name, o), _diff_value(name, n), _diff_change(name, o, n)) for name, o, n in result.totals]
        print(_table(["Total", "Old", "New", "Change"], rows, right={1, 2, 3}))
    else:
        _say(_shown(result.totals_note) or "No total moved.")
    if result.totals_added:
        print()
        _say("Computed only by the new version: " + "; ".join(f"{name} {_diff_value(name, v)}" for name, v in result.totals_added.items())
             + ".")
    for name, table in result.tables.items():
        if not table:
            continue
        print()
        counts = [f"{len(v)} {w}" for v, w in ((table.added, "added"), (table.removed, "removed"), (table.changed, "changed")) if v]
        columns = [f"columns added: {', '.join(table.columns_added)}"] * bool(table.columns_added) + \
            [f"columns removed: {', '.join(table.columns_removed)}"] * bool(table.columns_removed)
        _say(_shown(f"{name}: {'; '.join(counts + columns)}."))
        for words, ids in (("added", table.added), ("removed", table.removed)):
            if ids:
                _say(_shown(f"  {words}: {', '.join(ids)}."))
        if table.changed:
            _say(_shown("  changed: " + "; ".join(f"{row} ({', '.join(cells)})" for row, cells in table.changed.items()) + "."))
    return 0


def _shown(text: str) -> str:
    r"""Text from a data directory as the terminal may print it: control characters written as escapes, never sent.

        >>> print(_shown("a\x1b]0;title\x07b"))
        a\x1b]0;title\x07b
    """
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


def _diff_value(name: str, value) -> str:
    """A total as the diff prints it, as every command writes money and counts ('no figure' for None)."""
    return _money(value) if name.endswith("USD") else _figure(value)


def _diff_change(name: str, old, new) -> str:
    if old is None or new is None:
        return ""
    change = new - old
    return f"{'+' if change > 0 else '-'}{_money(abs(change))}" if name.endswith("USD") else f"{change:+,.0f}"


def _plain(value):
    """A JSON value: None for no figure, a day as YYYY-MM-DD."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return int(value) if hasattr(value, "__int__") and not isinstance(value, str) else value


def _say(text: str) -> None:
    """Print a paragraph wrapped to 80 columns, continuation lines indented."""
    import textwrap

    print(textwrap.fill(text, width=80, subsequent_indent="  ", break_on_hyphens=False))


def _figures(args) -> int:
    from nscale_data.output.figures import build_all

    return build_all(args.out, args.notebooks, force=args.force, jobs=args.jobs, timeout=args.timeout, data=args.data)


def _jobs(text: str) -> int:
    try:
        if int(text) >= 1:
            return int(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")


def _seconds(text: str) -> float:
    try:
        if 0 < float(text) < float("inf"):  # false for nan too
            return float(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")


def _report(args) -> int:
    from nscale_data.output.report import ReportError, build_report

    try:
        pages = build_report(args.out, args.notebooks, args.figures, args.data, force=args.force)
    except ReportError as exc:
        print(f"nscale-data: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {len(pages)} pages; open {pages[0]} in a browser.")
    return 0


def _show(value: object) -> str:
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return str(value) if value != "" else "(none named)"


def _table(header: list[str], rows: list[tuple], right: set[int] = frozenset()) -> str:
    """A plain-text table with columns padded to fit: text left-aligned, the columns in ``right`` (numbers) right-aligned.

    Examples:
        >>> print(_table(["a", "bb"], [("xyz", "1")], right={1}))
        a    bb
        ---  --
        xyz   1
    """
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
