"""Benchmark: validation and analysis at 1, 10, 100 and 1000 times the packaged data.

Generates valid data packages by replicating every row of every table with
renamed ids: primary keys, foreign keys, a claim's subject ids (joined by
'+'), its ``derived_from`` and a changelog entry's ids all point into the
same replica, so every cross-table rule still holds; dates are kept, so
``latest_source`` still equals the latest ``published_date``. Then times,
each in a fresh process, ``validate``, ``summary``, ``conflicts`` and
``load_claims()``, with each process's peak memory, and prints the growth
exponent from 100x to 1000x: log(t1000 / t100) / log(10), where 1 is linear.
The exponent is computed on each command's own work, its time less that of
a process that only imports the package.

Run it with ``make bench`` (or ``python benchmarks/bench_scale.py --factors 1 10 100``).
Everything is written to a temporary directory.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nscale_data.package.schema import PACKAGE_FILE, PACKAGED_DATA

# Cells holding several ids, and what joins them; every other id cell is a primary or foreign key.
ID_LISTS = {("claims", "subject_id"): "+", ("claims", "derived_from"): "+", ("changes", "ids"): "; "}
COMMANDS = {
    "validate": ["-m", "nscale_data", "validate", "{data}"],
    "summary": ["-m", "nscale_data", "summary", "--json", "--data", "{data}"],
    "conflicts": ["-m", "nscale_data", "conflicts", "--json", "--data", "{data}"],
    "peers": ["-m", "nscale_data", "peers", "--json", "--data", "{data}"],
    "load_claims()": ["-c", "import sys, nscale_data; nscale_data.load_claims(directory=sys.argv[1])", "{data}"],
}
IMPORT_ONLY = ["-c", "import nscale_data"]
TARGETS = {("validate", 1000): 3.0, ("conflicts", 1000): 5.0}
MAX_EXPONENT = 1.15
SHARED = {"nscale", "data-centres"}  # the subjects claims name directly (the company, data centres in general): never renamed
MANY = (2_000, 8_000, 16_000)  # extra claims on one subject, for the many-claims-per-subject case


def generate(factor: int, out: Path) -> dict[str, int]:
    """Write a valid package with ``factor`` copies of every row to ``out``; return the rows per table."""
    descriptor = json.loads((PACKAGED_DATA / PACKAGE_FILE).read_text(encoding="utf-8"))
    tables = {}
    for resource in descriptor["resources"]:
        with open(PACKAGED_DATA / resource["path"], newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        tables[resource["name"]] = (resource, rows[0], [r for r in rows[1:] if any(r)])
    ids = set()
    id_columns: dict[str, set[str]] = {name: set() for name in tables}
    for name, (resource, header, rows) in tables.items():
        schema = resource["schema"]
        key = schema["primaryKey"]
        key = key[0] if isinstance(key, list) else key
        ids |= {row[header.index(key)] for row in rows}
        id_columns[name].add(key)
        id_columns[name] |= {fk["fields"][0] for fk in schema.get("foreignKeys", [])}
    ids -= SHARED
    out.mkdir(parents=True)
    shutil.copy(PACKAGED_DATA / PACKAGE_FILE, out / PACKAGE_FILE)
    counts = {}
    for name, (resource, header, rows) in tables.items():
        plain = [i for i, column in enumerate(header) if column in id_columns[name]]
        key = resource["schema"]["primaryKey"]
        key_at = header.index(key[0] if isinstance(key, list) else key)
        joined = [(i, ID_LISTS[name, column]) for i, column in enumerate(header) if (name, column) in ID_LISTS]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        for copy in range(factor):
            suffix = f"-x{copy}" if copy else ""

            def rename(value: str) -> str:
                return value + suffix if value in ids else value

            for row in rows:
                if copy and row[key_at] in SHARED:
                    continue
                row = list(row)
                for i in plain:
                    row[i] = rename(row[i])
                for i, joiner in joined:
                    if row[i]:
                        row[i] = joiner.join(rename(part.strip()) for part in row[i].split(joiner.strip()))
                writer.writerow(row)
        (out / resource["path"]).write_text(buffer.getvalue(), encoding="utf-8")
        counts[name] = len(rows) * factor - sum(row[key_at] in SHARED for row in rows) * (factor - 1)
    return counts


def add_claims_on_one_subject(data: Path, extra: int) -> None:
    """Append ``extra`` claims on one round to a copy of the packaged data: each repeats a real claim under a new id."""
    path = data / "claims.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, model = rows[0], next(r for r in rows[1:] if r[0] == "article-series-b-amount")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for n in range(extra):
        writer.writerow([f"many-{n}", *model[1:]])
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())


def run(arguments: list[str]) -> tuple[float, float]:
    """Seconds and peak resident megabytes of ``python arguments`` in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"failed: python {' '.join(arguments)}\n{process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    return seconds, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 10, 100, 1000], help="sizes, as multiples of the packaged data")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement below 1000x (default 3; 1 at 1000x)")
    args = parser.parse_args()

    results: dict[tuple[str, int], tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = statistics.median(run(IMPORT_ONLY)[0] for _ in range(5))
        print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; a process importing nscale_data: {base:.2f} s")
        print(f"{'size':>6} {'rows':>9}  {'command':<14} {'time':>8} {'peak memory':>12}")
        for factor in args.factors:
            data = Path(tmp) / f"{factor}x"
            counts = generate(factor, data)
            for name, command in COMMANDS.items():
                arguments = [part.format(data=data) for part in command]
                runs = [run(arguments) for _ in range(1 if factor >= 1000 else args.runs)]
                seconds, memory = statistics.median(r[0] for r in runs), max(r[1] for r in runs)
                results[name, factor] = (seconds, memory)
                target = TARGETS.get((name, factor))
                verdict = f"  (target <= {target:g} s: {'met' if seconds <= target else 'NOT met'})" if target else ""
                print(f"{factor:>5}x {sum(counts.values()):>9,}  {name:<14} {seconds:7.2f}s {memory:9.0f} MB{verdict}")
            shutil.rmtree(data)
        print("Many claims on one subject (the packaged data plus N claims on the Series B):")
        for extra in MANY:
            data = Path(tmp) / f"many-{extra}"
            shutil.copytree(PACKAGED_DATA, data)
            add_claims_on_one_subject(data, extra)
            times = {name: run([part.format(data=data) for part in COMMANDS[name]])[0] for name in ("validate", "conflicts")}
            print(f"  {extra:>6,} extra claims: validate {times['validate']:.2f} s, conflicts {times['conflicts']:.2f} s "
                  f"({times['conflicts'] / times['validate']:.1f} times validate)")
            shutil.rmtree(data)
        if 1000 in args.factors:
            validate, conflicts = results["validate", 1000][0], results["conflicts", 1000][0]
            print(f"At 1000x: conflicts {conflicts:.2f} s against validate {validate:.2f} s ({conflicts / validate:.1f} times; target <= 3)")
    if {100, 1000} <= set(args.factors):
        print(f"Growth exponent 100x -> 1000x (target <= {MAX_EXPONENT} for validate, summary, conflicts, peers):")
        for name in COMMANDS:
            small, large = results[name, 100][0], results[name, 1000][0]
            raw = math.log10(large / small)
            net = math.log10(max(large - base, 1e-3) / max(small - base, 1e-3))
            judged = "" if name == "load_claims()" else f"  {'met' if net <= MAX_EXPONENT else 'NOT met'}"
            print(f"  {name:<14} {net:5.2f} (of the whole process: {raw:4.2f}){judged}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
