"""The ``nscale-data`` command: validate the data, print totals and conflicts, build figures.

Exit codes: 0 on success, 1 when the data is invalid or a build fails,
2 for a bad command line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from nscale_data.errors import DatasetError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except DatasetError as exc:
        print(exc, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in the data.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nscale-data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a data package directory (default: the packaged data)")
    validate.add_argument("directory", nargs="?", type=Path, help="directory holding datapackage.json and the CSV files")
    validate.set_defaults(run=_validate)

    summary = commands.add_parser("summary", help="capital raised and planned GPUs by region")
    summary.add_argument("--as-of", type=_date, help="only what had been announced by this date (YYYY-MM-DD)")
    summary.add_argument("--json", action="store_true", help="print JSON")
    summary.set_defaults(run=_summary)

    conflicts = commands.add_parser("conflicts", help="claims that disagree with the resolved values")
    conflicts.add_argument("--as-of", type=_date, help="only claims published by this date (YYYY-MM-DD)")
    conflicts.add_argument("--json", action="store_true", help="print JSON")
    conflicts.set_defaults(run=_conflicts)

    figures = commands.add_parser("figures", help="rebuild the stale figures (SVG and PNG) and notebook outputs")
    figures.add_argument("--out", type=Path, default=Path("figures"), help="figure directory (default: figures)")
    figures.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="notebook directory (default: notebooks)")
    figures.add_argument("--force", action="store_true", help="rebuild everything, stale or not")
    figures.add_argument("--jobs", type=int, default=None, help="notebooks run in parallel (default: number of cores)")
    figures.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per notebook (default: 300)")
    figures.set_defaults(run=_figures)

    report = commands.add_parser("report", help="write a static HTML report (notebooks, figures, sources)")
    report.add_argument("--out", type=Path, default=Path("site"), help="output directory (default: site)")
    report.set_defaults(run=_report)
    return parser


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def _validate(args) -> int:
    from nscale_data.dataset import validate

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
    from nscale_data.analysis import summary

    result = summary(args.as_of)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Nscale as of {result['as_of']}")
    print(f"Capital raised: {result['capital_raised_usd'] / 1e9:,.3f} billion USD (each round counted once)")
    print()
    rows = [(region, v["low"], v["high"]) for region, v in result["gpus_by_region"].items()]
    worldwide = result["gpus_worldwide"]
    rows.append(("Worldwide", worldwide["low"], worldwide["high"]))
    print(_table(["Region", "GPUs, low", "GPUs, high"], [(r, f"{lo:,}", f"{hi:,}") for r, lo, hi in rows]))
    print("\nlow: firm figures only; high: each 'up to' at its maximum. Overlapping announcements counted once.")
    print("Worldwide: the global roadmap, plus any regional plan outside it.")
    return 0


def _conflicts(args) -> int:
    from nscale_data.analysis import conflicts

    table = conflicts(args.as_of)
    records = table.to_dict(orient="records")
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False, default=str))
        return 0
    rows = [
        (r["subject_name"], r["attribute"], f"{r['claimed_qualifier']} {_show(r['claimed_value'])}", r["source_id"], _show(r["resolved_value"]), r["resolved_source_id"] or "")
        for r in records
    ]
    print(_table(["Subject", "Attribute", "Claimed", "By", "Resolved", "Resolved from"], rows))
    print(f"\n{len(rows)} claim(s) disagree with the resolved values.")
    return 0


def _figures(args) -> int:
    from nscale_data.figures import build_all

    return build_all(args.out, args.notebooks, force=args.force, jobs=args.jobs, timeout=args.timeout)


def _report(args) -> int:
    from nscale_data.report import build_report

    pages = build_report(args.out)
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
