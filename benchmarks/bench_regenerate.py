"""Benchmark: regenerating figures and notebooks, against the usual way.

Measures, as medians of several runs, in one go:

- a full rebuild: ``nscale-data figures --force``;
- a no-op rebuild: ``nscale-data figures`` with nothing changed;
- the naive baseline: ``jupyter nbconvert --to notebook --execute`` on each
  notebook, one after the other;
- loading the data (``import nscale_data; nscale_data.load_claims()``)
  against ``import pandas`` alone;

then where a full rebuild's time goes: each target's seconds as the build
reports them, and the start-up costs paid before the first notebook runs.

Run it with ``make bench`` (or ``python benchmarks/bench_regenerate.py --runs 3``).
Everything is written to a temporary directory; the repository is not touched.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nscale_data.output.figures import FIGURES

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGETS = {"full": 0.30, "noop": 0.3, "load": 1.15}


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_of(runs: int, command: list[str], cwd: Path) -> float:
    return statistics.median(timed(command, cwd) for _ in range(runs))


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (default 5)")
    args = parser.parse_args()
    python = str(BIN / "python")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / "notebooks", work / "notebooks")
        figures = [str(BIN / "nscale-data"), "figures", "--out", "figures", "--notebooks", "notebooks"]
        notebooks = sorted((work / "notebooks").glob("*.ipynb"))
        naive = [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output-dir", "naive"]

        # Each pair measured one after the other, run after run, so that a machine slowing down mid-run slows both.
        fulls, baselines = [], []
        for _ in range(args.runs):
            fulls.append(timed(figures + ["--force"], work))
            baselines.append(sum(timed(naive + [str(nb)], work) for nb in notebooks))
        full, baseline = statistics.median(fulls), statistics.median(baselines)
        noop = median_of(args.runs, figures, work)
        loads, imports = [], []
        for _ in range(args.runs * 2):
            loads.append(timed([python, "-c", "import nscale_data; nscale_data.load_claims()"], work))
            imports.append(timed([python, "-c", "import pandas"], work))
        load, pandas = statistics.median(loads), statistics.median(imports)

        # Where the time goes: one more full rebuild, as it reports itself, and what it pays before any notebook.
        start = time.perf_counter()
        lines = subprocess.run(figures + ["--force"], cwd=work, check=True, capture_output=True, text=True).stdout.splitlines()
        one = time.perf_counter() - start
        package = median_of(args.runs, [python, "-c", "import nscale_data"], work)
        nbclient_without = median_of(args.runs, [python, "-c", "import sys; sys.modules['rfc3987_syntax'] = None; import nbclient"], work)
        nbclient_with = median_of(args.runs, [python, "-c", "import nbclient"], work)
        bare = median_of(args.runs, [python, "-c", "pass"], work)

    print(f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Medians of {args.runs} runs; {len(notebooks)} notebooks and {len(FIGURES)} figures.")
    print(f"{'naive baseline (nbconvert --execute each)':<46} {baseline:6.2f} s")
    print(f"{'full rebuild (nscale-data figures --force)':<46} {full:6.2f} s   {full / baseline:.2f} x baseline "
          f"(target <= {TARGETS['full']}: {verdict(full / baseline <= TARGETS['full'])})")
    print(f"{'no-op rebuild (nscale-data figures)':<46} {noop:6.2f} s   (target <= {TARGETS['noop']} s: {verdict(noop <= TARGETS['noop'])})")
    print(f"{'load_claims() in a new process':<46} {load:6.2f} s   {load / pandas:.2f} x import pandas "
          f"(target <= {TARGETS['load']}: {verdict(load / pandas <= TARGETS['load'])})")
    print(f"{'import pandas':<46} {pandas:6.2f} s")
    print()
    print(f"Where a full rebuild's time goes ({one:.1f} s this run; notebooks in {min(len(notebooks), os.cpu_count() or 1)} warm kernels,")
    print("each figure saved from the kernel of the notebook that draws it):")
    for line in lines:
        match = re.match(r"built\s+(notebook|figure) (\S+) \(([0-9.]+)s\)", line)
        if match:
            print(f"  {match[1] + ' ' + match[2]:<44} {float(match[3]):6.2f} s")
    print(f"  {'Python start-up':<44} {bare:6.2f} s")
    print(f"  {'import nscale_data (names load on first use)':<44} {package - bare:6.2f} s")
    print(f"  {'import nbclient, rfc3987-syntax skipped':<44} {nbclient_without - bare:6.2f} s "
          f"(with it, as each nbconvert of the baseline pays: {nbclient_with - bare:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
