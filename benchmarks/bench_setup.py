"""Benchmark: a fresh clone's `make figures` then `make test`, and a warm `make test`.

Clones the repository into a temporary directory and times the two commands
the README gives, as a newcomer runs them: the first creates ``.venv``,
installs uv and the pinned environment, then rebuilds the figures; the
second runs every test. Then times `make test` again, with everything
installed and compiled. Package caches start empty (a new machine), unless
``--warm-cache``. Only ``python3`` and ``make`` are needed.

``--working-tree`` copies the working tree (uncommitted changes included)
instead of cloning, to measure work before it is committed.

Run it with ``make bench`` (or ``python benchmarks/bench_setup.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"fresh": 60.0, "warm": 25.0}


def make(target: str, clone: Path, env: dict) -> tuple[float, str]:
    """Seconds `make target` took in ``clone``, and its last line of output."""
    start = time.perf_counter()
    result = subprocess.run(["make", target], cwd=clone, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"make {target} failed:\n{(result.stdout + result.stderr)[-3000:]}")
    lines = [line for line in result.stdout.splitlines() if line.strip() and not line.startswith("make[")]  # run under make bench
    return seconds, lines[-1] if lines else ""


def copy_working_tree(clone: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, clone / name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--working-tree", action="store_true", help="copy the working tree instead of cloning")
    parser.add_argument("--warm-cache", action="store_true", help="keep pip's and uv's caches (default: start empty)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH", "UV_"))}
        if not args.warm_cache:
            env.update(PIP_NO_CACHE_DIR="1", UV_CACHE_DIR=str(Path(tmp) / "uv-cache"))
        if args.working_tree:
            clone.mkdir()
            copy_working_tree(clone)
        else:
            subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        figures, _ = make("figures", clone, env)
        test, tests = make("test", clone, env)
        warm, warm_tests = make("test", clone, env)

    fresh = figures + test
    chromium = "with" if shutil.which("chromium") or shutil.which("chromium-browser") else "WITHOUT (browser test skipped)"
    print(f"Fresh {'copy of the working tree' if args.working_tree else 'clone'}, "
          f"{'warm' if args.warm_cache else 'empty'} package caches, {os.cpu_count()} cores, {chromium} Chromium:")
    print(f"{'make figures (install included)':<40} {figures:6.1f} s")
    print(f"{'then make test':<40} {test:6.1f} s   {tests}")
    print(f"{'fresh clone: both':<40} {fresh:6.1f} s   (target <= {TARGETS['fresh']:g} s: "
          f"{'met' if fresh <= TARGETS['fresh'] else 'NOT met'})")
    print(f"{'warm make test':<40} {warm:6.1f} s   (target <= {TARGETS['warm']:g} s: "
          f"{'met' if warm <= TARGETS['warm'] else 'NOT met'})   {warm_tests}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
