"""Benchmark: regenerating figures and notebooks, against the usual way.

Measures, as medians of several runs, in one go:

- a full rebuild: ``nscale-data figures --force``;
- a no-op rebuild: ``nscale-data figures`` with nothing changed;
- the naive baseline: ``jupyter nbconvert --to notebook --execute`` on each
  notebook, one after the other;
- loading the data (``import nscale_data; nscale_data.load_claims()``)
  against ``import pandas`` alone.

Run it with ``make bench`` (or ``python benchmarks/bench_regenerate.py --runs 5``).
Everything is written to a temporary directory; the repository is not touched.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_of(runs: int, command: list[str], cwd: Path, before=None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        times.append(timed(command, cwd))
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / "notebooks", work / "notebooks")
        figures = [str(BIN / "nscale-data"), "figures", "--out", "figures", "--notebooks", "notebooks"]
        notebooks = sorted((work / "notebooks").glob("*.ipynb"))
        naive = [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output-dir", "naive"]

        full = median_of(args.runs, figures + ["--force"], work)
        noop = median_of(args.runs, figures, work)

        def naive_once() -> float:
            return sum(timed(naive + [str(nb)], work) for nb in notebooks)

        baseline = statistics.median(naive_once() for _ in range(args.runs))

        python = str(BIN / "python")
        load = median_of(args.runs * 2, [python, "-c", "import nscale_data; nscale_data.load_claims()"], work)
        pandas = median_of(args.runs * 2, [python, "-c", "import pandas"], work)

    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Medians of {args.runs} runs; {len(notebooks)} notebooks and 4 figures.")
    print(f"{'naive baseline (nbconvert --execute each)':<46} {baseline:6.2f} s")
    print(f"{'full rebuild (nscale-data figures --force)':<46} {full:6.2f} s   {full / baseline:.2f} x baseline (target <= 0.35)")
    print(f"{'no-op rebuild (nscale-data figures)':<46} {noop:6.2f} s   (target < 1 s)")
    print(f"{'load_claims() in a new process':<46} {load:6.2f} s   {load / pandas:.2f} x import pandas (target <= 1.2)")
    print(f"{'import pandas':<46} {pandas:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
