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

from nscale_data.errors import DatasetError, DateAfterReview


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nscale-data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a data package directory (default: the packaged data)")
    validate.add_argument("directory", nargs="?", type=Path, help="directory holding datapackage.json and the CSV files")
    validate.add_argument("--data", type=Path, help="the same directory, named as the other commands name it")
    validate.set_defaults(run=_validate)

    summary = commands.add_parser("summary", help="capital raised and planned GPUs by region")
    summary.add_argument("--as-of", type=_date, help="only what had been announced by this date (YYYY-MM-DD, 2000-01-01 to the review date)")
    summary.add_argument("--json", action="store_true", help="print JSON")
    summary.add_argument("--data", type=Path, help="a data package directory (default: the packaged data)")
    summary.set_defaults(run=_summary)

    conflicts = commands.add_parser("conflicts", help="claims that disagree with the resolved values")
    conflicts.add_argument("--as-of", type=_date, help="only claims published by this date (YYYY-MM-DD, 2000-01-01 to the review date)")
    conflicts.add_argument("--json", action="store_true", help="print JSON")
    conflicts.add_argument("--data", type=Path, help="a data package directory (default: the packaged data)")
    conflicts.set_defaults(run=_conflicts)

    peers = commands.add_parser("peers", help="Nscale beside CoreWeave, Nebius, Crusoe, Lambda and Fluidstack")
    peers.add_argument("--as-of", type=_date, help="only what had been announced by this date (YYYY-MM-DD, 2000-01-01 to the review date)")
    peers.add_argument("--json", action="store_true", help="print JSON")
    peers.add_argument("--data", type=Path, help="a data package directory (default: the packaged data)")
    peers.set_defaults(run=_peers)

    checks = commands.add_parser("checks", help="power per GPU against each chip's band: outliers and estimates")
    checks.add_argument("--as-of", type=_date, help="only what had been published by this date (YYYY-MM-DD, 2000-01-01 to the review date)")
    checks.add_argument("--json", action="store_true", help="print JSON: every row checked or estimated")
    checks.add_argument("--data", type=Path, help="a data package directory (default: the packaged data)")
    checks.set_defaults(run=_checks)

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


def _date(text: str) -> str:
    """An ``--as-of`` date: YYYY-MM-DD exactly, from 2000-01-01 (the review date is checked against the data)."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a date written YYYY-MM-DD") from None
    if day < dt.date(2000, 1, 1):
        raise argparse.ArgumentTypeError(f"{text} is before 2000-01-01; the data starts in 2023")
    return text


def _validate(args) -> int:
    from nscale_data.validation import validate

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
    from nscale_data.analysis import LEVEL_WORDS, LEVELS, summary

    result = summary(args.as_of, args.data)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Nscale as of {_day(result['as_of'])} (data reviewed {_day(result['reviewed'])}; "
          f"latest source {_day(result['latest_source']) if result['latest_source'] else 'none yet'})")
    equity, debt = result["capital_raised_usd"], result["debt_raised_usd"]
    print(_table(["Capital", "Billion USD"], [
        ("Equity raised (rounds and SAFEs, each counted once)", f"{equity / 1e9:,.3f}"),
        ("Committed debt (uncommitted accordions not counted)", f"{debt / 1e9:,.3f}"),
        ("Equity and debt", f"{(equity + debt) / 1e9:,.3f}"),
    ]))
    print()
    header = ["Region"] + [f"GPUs, {level.replace('_', ' ')}" for level in LEVELS] + [f"MW, {level.replace('_', ' ')}" for level in LEVELS]
    rows = []
    for region, v in [*result["gpus_by_region"].items(), ("Worldwide", result["gpus_worldwide"])]:
        rows.append((region, *(_figure(v[level]) for level in LEVELS), *(_figure(v["power_mw"][level]) for level in LEVELS)))
    print(_table(header, rows))
    print()
    header = ["Region"] + [f"H100e, {level.replace('_', ' ')}" for level in LEVELS] + ["Unknown mix, with up to"]
    rows = [(region, *(_figure(v["h100e"][level]) for level in LEVELS), _figure(v["unknown_mix_gpus"]["with_up_to"]))
            for region, v in [*result["gpus_by_region"].items(), ("Worldwide", result["gpus_worldwide"])]]
    print(_table(header, rows))
    print("H100e: GPUs in H100-equivalents, each chip's dense 16-bit rate over the H100 SXM's;")
    print("GPUs whose chip is unnamed or has no sourced rate are 'unknown mix', not converted.")
    print()
    for level in LEVELS:
        print(f"{level.replace('_', ' ')}: {LEVEL_WORDS[level]}.")
    print("Overlapping announcements are counted once; 'no figure' means no source states one, not zero.")
    named = [r for r, v in result["gpus_by_region"].items() if v["named_in"] and v["with_up_to"] is None and v["power_mw"]["with_up_to"] is None]
    if named:
        print(f"Named as a target with no figure: {', '.join(named)}.")
    roadmap = result["gpus_worldwide"]["roadmap"]
    if roadmap:
        state = "stale: the regions now exceed it" if roadmap["stale"] else "the regions' plans with targets come to " + _figure(roadmap["regions_with_targets"])
        print(f"Worldwide roadmap: {roadmap['gpu_count']:,} GPUs ({roadmap['qualifier']}, {_day(roadmap['announced_date'])}); {state}.")
    return 0


def _peers(args) -> int:
    from nscale_data.analysis import LEVEL_WORDS, LEVELS
    from nscale_data.comparison import peers_summary

    companies = peers_summary(args.as_of, args.data)
    if args.json:
        print(json.dumps(companies, indent=2, ensure_ascii=False))
        return 0
    short = {"stated": "stated", "with_targets": "w/ targets", "with_up_to": "w/ up to"}
    header = ["Company", "Equity $bn", "Debt $bn", *(f"GPUs {short[l]}" for l in LEVELS), *(f"MW {short[l]}" for l in LEVELS),
              "Equity $/GPU", "Latest source"]
    rows = []
    for c in companies:
        rows.append((c["name"], _billions(c["equity_usd"], c["equity_qualifier"]), _billions(c["debt_usd"], c["debt_qualifier"]),
                     *(_figure(c["gpus"][l]) for l in LEVELS), *(_figure(c["mw"][l]) for l in LEVELS),
                     _figure(c["equity_per_gpu_usd"]["stated"]),
                     _when(c["latest_source"], c["latest_source_precision"])))
    print(_table(header, rows))
    print()
    for level in LEVELS:
        print(f"{level.replace('_', ' ')}: {LEVEL_WORDS[level]}.")
    print("≥: a peer's sum of the rounds and facilities found, each counted from its source's publication; not a complete history. "
          "Nscale's row is computed from its detailed tables; 'no figure' means no source found states one, not zero.")
    return 0


def _when(date: str | None, precision: str | None) -> str:
    """A source date as precise as it is known: '6 Mar 2026', 'Aug 2025', '2025', or 'none'."""
    if date is None:
        return "none"
    return {"month": lambda d: f"{d:%b %Y}", "year": lambda d: f"{d:%Y}"}.get(precision, lambda d: _day(date))(dt.date.fromisoformat(date))


def _billions(value, qualifier) -> str:
    if value is None:
        return "no figure"
    return f"{'≥ ' if qualifier == 'at_least' else ''}{value / 1e9:,.3f}"


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
    from nscale_data.checks import conflicts

    table = conflicts(args.as_of, args.data)
    records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False, default=str))
        return 0
    rows = [
        (r["subject_name"], r["attribute"], f"{r['claimed_qualifier']} {_show(r['claimed_value'])}", r["source_id"],
         _show(r["resolved_value"]), r["resolved_source_id"] or "", r["reason"])
        for r in records
    ]
    print(_table(["Subject", "Attribute", "Claimed", "By", "Resolved", "Resolved from", "Why"], rows))
    print(f"\n{len(rows)} claim(s) disagree with the resolved values.")
    return 0


def _checks(args) -> int:
    from nscale_data.power import overheads, power_checks

    table = power_checks(args.as_of, args.data)
    records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False, default=str))
        return 0
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


def _say(text: str) -> None:
    """Print a paragraph wrapped to 80 columns, continuation lines indented."""
    import textwrap

    print(textwrap.fill(text, width=80, subsequent_indent="  ", break_on_hyphens=False))


def _figures(args) -> int:
    from nscale_data.figures import build_all

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
    from nscale_data.report import ReportError, build_report

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


def _table(header: list[str], rows: list[tuple]) -> str:
    """A plain-text table with columns padded to fit.

    Examples:
        >>> print(_table(["a", "bb"], [("xyz", "1")]))
        a    bb
        ---  --
        xyz  1
    """
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
