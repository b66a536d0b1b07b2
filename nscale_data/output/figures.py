"""Regenerating the figures and the notebooks' outputs: only what is stale, safely, in parallel.

Design: the notebooks run in a few warm kernels (one per job) that execute
one notebook after another, with the namespace cleared between them, instead
of a fresh kernel per notebook; the longest known notebook starts first. A
figure whose notebook draws the same chart is saved from that notebook's
kernel right after it, from the very figure the notebook drew, so each chart
is computed once; any other figure is rendered in this process. Each target
records the hash of its inputs (the data package, the library code, the
pinned environment and, for a notebook, its cells' code) and how long it
took in ``build/regenerate-state.json``; a target whose inputs and outputs
are unchanged is skipped.

Every output is written to a temporary file and renamed into place, so an
interrupted or failing run leaves the previous file as it was; the temporary
files a killed run leaves behind are removed by the next run. Ctrl-C stops
the run: no notebook starts after it and the running kernels are killed.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import glob
import hashlib
import io
import json
import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from nscale_data.package.errors import DatasetError
from nscale_data.package.files import UnsafeFile
from nscale_data.package.validation import Directory, data_fingerprint, data_in_use, data_used

PACKAGE_CODE = Path(__file__).parent.parent  # the whole library, every layer
STATE_FILE = Path("build") / "regenerate-state.json"
DATA_MARK = "nscale-data data sha256:"  # a figure's SVG names the data it was drawn from after this
KERNEL = "python3"


@dataclass(frozen=True)
class Target:
    """One thing to build: a figure (SVG and PNG) or a notebook's outputs."""

    name: str
    chart: str | None = None  # name of the function in nscale_data.output.charts
    notebook: str | None = None  # the notebook that draws this chart with its default arguments, and leaves it so
    narrow_of: str | None = None  # the chart this one redraws for a phone (the report serves it to narrow screens)

    @property
    def is_notebook(self) -> bool:
        return self.chart is None


FIGURES = (
    Target("capital-and-gpus", "capital_and_gpus", "02-capital-and-gpus-by-region.ipynb"),
    Target("timeline", "timeline", "03-timeline.ipynb"),
    Target("article-vs-sources", "article_vs_sources", "04-article-vs-sources.ipynb"),
    Target("capex-vs-capital", "capex_vs_capital", "05-capital-against-cost.ipynb"),
    Target("peers", "peers_chart", "06-peers.ipynb"),
    Target("capacity-online", "arrival", "07-when-does-it-arrive.ipynb"),
    Target("capital-and-gpus-narrow", "capital_and_gpus_narrow", narrow_of="capital-and-gpus"),
    Target("peers-narrow", "peers_chart_narrow", narrow_of="peers"),
    Target("timeline-narrow", "timeline_narrow", narrow_of="timeline"),
    Target("article-vs-sources-narrow", "article_vs_sources_narrow", narrow_of="article-vs-sources"),
    Target("capex-vs-capital-narrow", "capex_vs_capital_narrow", narrow_of="capex-vs-capital"),
    Target("capacity-online-narrow", "arrival_narrow", narrow_of="capacity-online"),
)


@dataclass
class Outcome:
    target: Target
    status: str  # "built", "up to date" or "failed"
    seconds: float = 0.0
    error: str = ""


def build_all(
    out: Path = Path("figures"),
    notebooks: Path = Path("notebooks"),
    force: bool = False,
    jobs: int | None = None,
    timeout: float = 300.0,
    report: Callable[[str], None] = print,
    state_file: Path = STATE_FILE,
    figures: tuple[Target, ...] = FIGURES,
    data: Directory = None,
) -> int:
    """Rebuild every stale figure and every stale notebook in ``notebooks``, from ``data`` (default: the data in use).

    First removes the temporary files a killed run left beside the outputs.
    Prints one line per target as it finishes and a closing summary; returns
    0, or 1 if anything failed (the failed target's previous files are kept).
    Ctrl-C stops the run: no notebook starts after it, the running kernels
    are killed, what was built is kept, and it returns 130 after one line.
    """
    problem = _check_out(out, force)
    if problem:
        report(problem)
        return 1
    with data_used(data), _exclusive(out, report) as locked:
        if not locked:
            return 1
        return _build_all(out, notebooks, force, jobs, timeout, report, state_file, figures)


MARKER = ".nscale-data-figures"  # marks a folder of figures this command wrote, which it may write over again
LOCK = ".nscale-data-figures.lock"  # held while a run writes a folder: a second run waits for the first


def _check_out(out: Path, force: bool) -> str | None:
    """Why the figures may not be written to ``out``, or None: only an empty folder, one it made, or with ``force``.

    A user's files of the same names as the charts are never written over unasked. A new or empty folder is
    marked (``MARKER``) so later runs may write over it.
    """
    try:
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            return f"refusing to write figures to {out}: it is a file or a symbolic link, not a folder"
        if out.is_dir() and not (out / MARKER).is_file():
            if any(entry.name not in (LOCK,) for entry in os.scandir(out)) and not force:
                return (f"refusing to write figures to {out}: it is not empty and holds no earlier figures ({MARKER}); "
                        "choose an empty or new folder, or pass --force to write over the files of the same names")
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).touch()
    except OSError as exc:
        return f"cannot write figures to {out}: {exc.strerror or exc}"
    return None


@contextlib.contextmanager
def _exclusive(out: Path, report: Callable[[str], None]):
    """Hold the folder's lock while a run writes it; a second run says so and waits, then finds its work done."""
    try:
        handle = open(out / LOCK, "a")
    except OSError as exc:
        report(f"cannot lock {out / LOCK}: {exc.strerror or exc}")
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report(f"another nscale-data figures run is writing {out}; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_all(out, notebooks, force, jobs, timeout, report, state_file, figures) -> int:
    start = time.perf_counter()
    state: dict = {}
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def finished(outcome: Outcome, digest: str, outputs: list[Path]) -> None:
        with lock:
            outcomes.append(outcome)
            if outcome.status == "built":
                state[_state_key(outcome.target, outputs)] = {"inputs": digest, "outputs": {str(p): _file_hash(p) for p in outputs},
                                               "seconds": round(outcome.seconds, 2)}
            line = f"{outcome.status:<11} {_key(outcome.target)} ({outcome.seconds:.1f}s)"
            report(line + (f"\n            {outcome.error}" if outcome.error else ""))

    try:
        data_digest = data_fingerprint()
    except (DatasetError, OSError, UnsafeFile):
        data_digest = ""  # unreadable: everything is stale, and the data check says why
    kernels = _Kernels(notebooks, out, timeout, finished, data_in_use(), data_digest)
    paths = sorted(notebooks.glob("*.ipynb"))
    try:
        figure_outputs = [[out / f"{t.name}{suffix}" for suffix in CHART_FILES] for t in figures]
        remove_stale_temporaries([*(p for pair in figure_outputs for p in pair), *paths, state_file])
        state.update(_read_state(state_file))
        figure_targets = [(t, _inputs_hash(data_digest, None), o) for t, o in zip(figures, figure_outputs)]
        notebook_targets = [(Target(path.name), _inputs_hash(data_digest, path), [path]) for path in paths]
        if not notebooks.is_dir():
            report(f"{notebooks}/ not found: notebooks skipped")

        stale = []
        for target, digest, outputs in figure_targets + notebook_targets:
            if not force and _fresh(state.get(_state_key(target, outputs)), digest, outputs):
                outcomes.append(Outcome(target, "up to date"))
                report(f"up to date  {_key(target)}")
            else:
                stale.append((target, digest, outputs))

        if stale:
            from nscale_data.package.dataset import validate  # pandas: only when there is something to build

            problems = validate()
            if problems:
                for problem in problems:
                    report(str(problem))
                report("The data is invalid; nothing was built.")
                return 1

        jobs_for_kernels = _jobs(stale, state)
        in_kernels = {id(item) for job in jobs_for_kernels for item in job}
        here = [item for item in stale if id(item) not in in_kernels]
        _import_before_threads(charts=bool(here), notebooks=bool(jobs_for_kernels))
        kernels.start(jobs_for_kernels, min(max(1, jobs or os.cpu_count() or 1), len(jobs_for_kernels)))
        for target, digest, outputs in here:
            finished(_build_figure(target, out), digest, outputs)
        kernels.join()
        for target, digest, outputs in kernels.leftover:  # the kernel threads have ended: matplotlib is safe here
            finished(_build_figure(target, out), digest, outputs)
    except KeyboardInterrupt:
        kernels.stop()
        built = sum(o.status == "built" for o in outcomes)
        up_to_date = sum(o.status == "up to date" for o in outcomes)
        report(f"Interrupted: {built} built, {len(figures) + len(paths) - built - up_to_date} not built; "
               "previous files kept.")
        return 130
    finally:
        if any(o.status == "built" for o in outcomes):
            try:
                _write_state(state_file, state)
            except OSError as exc:  # a read-only or full build folder: the outputs stand, the next run rebuilds
                report(f"cannot write the build state {state_file}: {exc.strerror or exc}; the next run rebuilds everything")

    counts = {s: sum(o.status == s for o in outcomes) for s in ("built", "up to date", "failed")}
    if not counts["built"] and not counts["failed"]:
        report(f"Nothing to do: all {counts['up to date']} figures and notebooks are up to date.")
    else:
        report(f"{counts['built']} built, {counts['up to date']} up to date, {counts['failed']} failed "
               f"in {time.perf_counter() - start:.1f}s.")
    return 1 if counts["failed"] else 0


def remove_stale_temporaries(paths: Iterable[Path]) -> None:
    """Delete the temporary files (``.NAME.XXXXXXXX.tmp``) a killed run left beside ``paths``."""
    for path in paths:
        for temporary in path.parent.glob(f".{glob.escape(path.name)}.????????.tmp"):
            try:
                temporary.unlink()
            except OSError:
                pass  # not ours to remove after all; writing the output reports any real problem


def _jobs(stale: list, state: dict) -> list[list]:
    """The kernels' work: each stale notebook with the stale figures it draws, longest first by the last run's times."""
    notebooks = {item[0].name: [item] for item in stale if item[0].is_notebook}
    for item in stale:
        if not item[0].is_notebook and item[0].notebook in notebooks:
            notebooks[item[0].notebook].append(item)

    def seconds(job: list) -> float:
        return sum(state.get(_state_key(target, outputs), {}).get("seconds", 0) for target, _, outputs in job)

    return sorted(notebooks.values(), key=seconds, reverse=True)


def _import_before_threads(charts: bool, notebooks: bool) -> None:
    """Finish the heavy imports in this thread before the kernel threads start.

    matplotlib looks at ``sys.modules`` for IPython; a half-imported IPython
    from a kernel thread would break the chart being drawn meanwhile.
    """
    if notebooks:
        import jupyter_client.manager  # noqa: F401
        import jupyter_core.utils  # noqa: F401
        import_notebook_tools()
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        try:
            KernelSpecManager().get_kernel_spec(KERNEL)  # imports IPython.paths, as each kernel start would
        except NoSuchKernel:
            pass  # each notebook then fails with this error, reported by name
    if charts:
        import nscale_data.output.charts  # noqa: F401


def import_notebook_tools() -> None:
    """Import nbclient and nbformat, without rfc3987-syntax.

    nbformat imports jsonschema, which imports rfc3987-syntax where it is
    installed (Jupyter's event schemas want it), and that compiles some forty
    grammars on import: two seconds before the first notebook could start.
    nbformat never checks an IRI, so this process does without; a later
    import of rfc3987_syntax works as usual.
    """
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # an import of it raises ImportError, which jsonschema expects
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    finally:
        if blocked and sys.modules.get("rfc3987_syntax", ...) is None:
            del sys.modules["rfc3987_syntax"]


def _state_key(target: Target, outputs: list[Path]) -> str:
    """A target's entry in the state file, by where it is written: runs into other folders (``--data``) keep their own."""
    return f"{_key(target)} in {outputs[0].parent}"


def _key(target: Target) -> str:
    return f"notebook {target.name}" if target.is_notebook else f"figure {target.name}"


def _build_figure(target: Target, out: Path) -> Outcome:
    from nscale_data.output import charts

    start = time.perf_counter()
    try:
        fig = getattr(charts, target.chart)()
        out.mkdir(parents=True, exist_ok=True)
        save_figure(fig, out / target.name)
    except Exception as exc:  # a failing chart is reported; the others still build
        return Outcome(target, "failed", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    return Outcome(target, "built", time.perf_counter() - start)


# "What you should know" under each chart in the report and in its bundle: the caveats a reader needs, in plain words.
CAVEATS = {
    "capital-and-gpus": [
        "Capital is equity and committed debt, each counted once; an accordion is not money until it is drawn, so it is left out.",
        "GPUs and megawatts are plans announced, not capacity running; a region with no figure is not a region with zero.",
        "The dark part of a bar is what the sources state; the lighter and hatched parts add targets and 'up to' maxima, which may "
        "never be reached.",
    ],
    "timeline": [
        "Each step is the day a source published a figure, not the day of the event it describes.",
        "The months after the latest source are unknown, shaded, not flat.",
        "A pause takes a plan's GPUs out from the day it was reported.",
    ],
    "article-vs-sources": [
        "Each of the article's figures is compared with the most primary other source, never with the article itself.",
        "A gap within 5% (a figure) or 7 days (a date) counts as agreeing.",
    ],
    "capex-vs-capital": [
        "No dated source prices the chips most of the plan uses: the cost is drawn at an assumed price range, labelled as such.",
        "Contracts are revenue to come, shown apart and never added to the capital.",
    ],
    "peers": [
        "Companies state different things: some count the GPUs they operate, others those they plan; each bar says what it counts.",
        "A peer's capital is the sum of the rounds and facilities found in dated sources: at least that much, not a full history.",
    ],
    "capacity-online": [
        "Late is measured against the latest source, never against the review date.",
        "Capacity with no expected period is shown apart, never given a guessed quarter.",
        "Capital after the latest source is unknown, not zero.",
    ],
}
CHART_FILES = (".svg", ".png", ".csv", ".zip")  # every chart's files: its drawings, its data, its download bundle


def save_figure(fig, base: Path, images: tuple[str, ...] = ("svg", "png")) -> None:
    """Write ``base``.svg, ``base``.png, ``base``.csv (the numbers drawn) and ``base``.zip (``bundle``), byte for byte
    reproducible, each atomically.

    The image files carry the chart's one-sentence description as their title;
    the SVG also names the fingerprint of the data drawn (``DATA_MARK``).
    ``images`` picks the image formats written (the CSV is always written).
    """
    import matplotlib

    from nscale_data.output.charts import STYLE

    title = getattr(fig, "description", "")
    options = {"svg": {"metadata": {"Date": None, "Creator": None, "Title": title, "Identifier": f"{DATA_MARK}{data_fingerprint()}"}},
               "png": {"dpi": 150, "metadata": {"Software": None, "Title": title}}}
    with matplotlib.rc_context(STYLE):
        for kind in images:
            with atomic_write(base.with_suffix(f".{kind}")) as handle:
                if kind == "svg":
                    drawn = io.BytesIO()
                    fig.savefig(drawn, format=kind, **options[kind])
                    handle.write(with_tooltips(drawn.getvalue(), getattr(fig, "tooltips", {})))
                else:
                    fig.savefig(handle, format=kind, **options[kind])
    table = getattr(fig, "data", None)  # a chart that declares no data gets an empty file, so every chart has all its files
    text = "" if table is None else table.to_csv(index=False, lineterminator="\n")
    with atomic_write(base.with_suffix(".csv"), "w") as handle:
        handle.write(text)
    with atomic_write(base.with_suffix(".zip")) as handle:
        handle.write(bundle(fig, base.name, text.encode("utf-8")))


def bundle(fig, name: str, csv: bytes) -> bytes:
    """A chart's download bundle, a zip made the same byte for byte from the same chart: its data (CSV), a
    ``metadata.json`` (title, units, levels, caveats, data version, review and latest-source dates, citation, licence)
    and a short README. Fixed timestamps, order and permissions."""
    import zipfile

    from nscale_data.package.dataset import dataset_as_of, latest_source_date
    from nscale_data.totals.releases import citation, data_version

    table = getattr(fig, "data", None)
    title = fig.get_suptitle().replace("\n", " ")
    latest = latest_source_date()
    meta = {
        "chart": name, "title": title, "description": getattr(fig, "description", ""),
        "units": sorted({str(u) for u in table["unit"].dropna()}) if table is not None and "unit" in table else [],
        "levels": sorted({str(v) for v in table["level"].dropna() if v}) if table is not None and "level" in table else [],
        "caveats": CAVEATS.get(name.removesuffix("-narrow"), []), "data_version": data_version(),
        "reviewed": f"{dataset_as_of():%Y-%m-%d}", "latest_source": None if latest is None else f"{latest:%Y-%m-%d}",
        "citation": citation(), "licence": "CC-BY-4.0",
    }
    readme = "\n".join([
        f"# {title}", "", meta["description"], "",
        f"`{name}.csv` holds one row per value the chart draws, with its unit, level and, where the chart draws a total, "
        "the claims (`claim_ids`) and sources (`source_ids`) behind it; `metadata.json` says what the chart counts.", "",
        "Totals count each round, facility and site once: a round folded into a later one, a plan replaced by a later one, "
        "GPUs announced twice under two names and a paused plan are not added; accordions are never counted. "
        "'No figure' (an empty cell) means no source states one, never zero.", "",
        "## What you should know", "", *(f"- {c}" for c in meta["caveats"]), "",
        "## Citation", "", citation(), "", "Licence: Creative Commons Attribution 4.0 (CC BY 4.0).", "",
    ])
    files = {f"{name}.csv": csv, "metadata.json": (json.dumps(meta, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
             "README.md": readme.encode("utf-8")}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in files.items():
            info = zipfile.ZipInfo(f"{name}/{member}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return out.getvalue()


def with_tooltips(svg: bytes, tooltips: dict[str, str]) -> bytes:
    """The SVG with a ``<title>`` (a tooltip, read by screen readers too) as the first child of each element whose id has one.

    Examples:
        >>> with_tooltips(b'<g id="bar-1">\\n <path/></g>', {"bar-1": "Equity: $3.3bn & more"})
        b'<g id="bar-1"><title>Equity: $3.3bn &amp; more</title>\\n <path/></g>'
    """
    from xml.sax.saxutils import escape

    text = svg.decode("utf-8")
    for gid, words in tooltips.items():
        opening = f'<g id="{gid}">'
        if text.count(opening) != 1:
            raise ValueError(f"the SVG has {text.count(opening)} elements with id {gid!r}, not one")
        text = text.replace(opening, f"{opening}<title>{escape(words)}</title>", 1)
    return text.encode("utf-8")


class atomic_write:
    """Open a temporary file beside ``path``; rename it onto ``path`` only if the block succeeds."""

    def __init__(self, path: Path, mode: str = "wb"):
        self.path, self.mode = Path(path), mode

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self.handle = os.fdopen(fd, self.mode, **({} if "b" in self.mode else {"encoding": "utf-8", "newline": "\n"}))
        return self.handle

    def __exit__(self, kind, value, traceback) -> None:
        try:
            self.handle.close()  # flushes: on a full disk this is where writing fails
            if kind is None:
                os.chmod(self.temporary, 0o644)
                os.replace(self.temporary, self.path)
                return
        except BaseException:
            _remove(self.temporary)
            raise
        _remove(self.temporary)


def _remove(path: str) -> None:
    """Delete a temporary file of ours, if it is still there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class _Kernels:
    """Worker threads, each with one warm kernel, running notebooks one after another from a shared queue.

    Each job is a notebook and the figures saved from its kernel after it. A
    kernel whose notebook failed (a cell error, a timeout, a crash) is shut
    down and the next notebook gets a fresh one, so a notebook that hangs and
    ignores the interrupt cannot hold up the ones after it; its figures are
    left in ``leftover``, to be rendered in this process. The threads are
    counted rather than joined: in Python 3.11 a Ctrl-C during ``join`` marks
    a running thread as finished.
    """

    def __init__(self, directory: Path, out: Path, timeout: float, finished: Callable[[Outcome, str, list[Path]], None],
                 data: Path, data_digest: str):
        self.directory, self.out, self.timeout, self.finished = directory, out, timeout, finished
        self.data, self.data_digest = data, data_digest  # the data the notebooks read, and its fingerprint
        self.work: queue.Queue = queue.Queue()
        self.leftover: list = []  # figures whose notebook failed
        self.stopping = threading.Event()
        self.lock = threading.Condition()  # guards what follows; notified as each thread ends
        self.running: set = set()  # the kernel managers of the kernels now alive
        self.wanted = self.started = self.ended = 0

    def start(self, jobs: list[list], count: int) -> None:
        for job in jobs:
            self.work.put(job)
        self.wanted = count
        for n in range(count):
            threading.Thread(target=self._work, name=f"kernel-{n}").start()

    def join(self) -> None:
        with self.lock:
            self.lock.wait_for(lambda: self.ended == self.wanted)

    def stop(self) -> None:
        """Start no more notebooks, kill the running kernels and wait for the threads to shut them down."""
        self.stopping.set()
        while True:
            try:
                with self.lock:
                    if self.ended == self.started:
                        return
                    for km in self.running:
                        process = getattr(km.provisioner, "process", None)
                        if process is not None:
                            process.kill()  # its thread sees the kernel die, then shuts it down
                    self.lock.wait(0.1)
            except KeyboardInterrupt:
                pass  # a second Ctrl-C: already stopping

    def _work(self) -> None:
        with self.lock:
            self.started += 1
        km = None
        try:
            while not self.stopping.is_set():
                try:
                    (target, digest, outputs), *figures = self.work.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                saved: list[tuple[Outcome, tuple]] = []
                try:
                    if km is None:
                        km = _start_kernel(self.directory)
                        with self.lock:
                            self.running.add(km)
                    outcome, saved = _execute(km, self, target, figures)
                except Exception as exc:  # a kernel that cannot start fails this notebook, not the run
                    outcome = Outcome(target, "failed", time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
                if outcome.status == "failed" and km is not None:
                    self._shutdown(km)
                    km = None
                if outcome.status == "built" or not self.stopping.is_set():
                    self.finished(outcome, digest, outputs)
                for figure, (target, digest, outputs) in saved:
                    self.finished(figure, digest, outputs)
                if outcome.status == "failed":
                    with self.lock:
                        self.leftover += figures
        finally:
            if km is not None:
                self._shutdown(km)
            with self.lock:
                self.ended += 1
                self.lock.notify_all()

    def _shutdown(self, km) -> None:
        from jupyter_core.utils import run_sync

        with self.lock:
            self.running.discard(km)
        run_sync(km.shutdown_kernel)(now=True)


def _start_kernel(directory: Path):
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=KERNEL)
    run_sync(km.start_kernel)(cwd=str(directory.resolve()), stderr=subprocess.DEVNULL)
    return km


def _execute(km, kernels: _Kernels, target: Target, figures: list) -> tuple[Outcome, list]:
    """Run one notebook top to bottom in a warm kernel (namespace cleared first), save it, then its figures.

    The notebook reads ``kernels.data`` (set in the kernel before the first
    cell) and records its fingerprint; a notebook that switches to other
    data itself fails, since its outputs would not match the record.

    Every wait on the kernel (its client connecting, the clearing, each cell)
    ends ``timeout`` seconds after the notebook was taken; saving each figure
    has ``timeout`` seconds of its own. Returns the notebook's outcome and,
    if it was built, each figure's outcome with its item.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    directory, out, timeout = kernels.directory, kernels.out, kernels.timeout
    deadline = time.monotonic() + timeout

    def remaining(cell=None) -> float:
        return max(0.01, deadline - time.monotonic())

    start = time.perf_counter()
    path = directory / target.name
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=km, kernel_name=KERNEL, record_timing=False, timeout_func=remaining,
                            startup_timeout=math.ceil(remaining()), shell_timeout_interval=1,
                            resources={"metadata": {"path": str(directory.resolve())}})
    index = -1
    saved = []
    try:
        with client.setup_kernel():
            hidden = nbformat.v4.new_code_cell()  # what the kernel runs besides the cells, within the deadline too

            def run(code: str) -> str:
                """Run ``code`` silently in the kernel; its error, or "" if it ran."""
                reply = client.wait_for_reply(client.kc.execute(code, silent=True), hidden)
                content = (reply or {}).get("content", {})
                return "" if content.get("status") == "ok" else f"{content.get('ename')}: {content.get('evalue')}"

            run("%reset -f")
            error = run(f"import nscale_data; nscale_data.use_data({str(kernels.data)!r})")
            if error:
                raise RuntimeError(f"cannot set the data the notebook reads: {error}")
            info = client.wait_for_reply(client.kc.kernel_info(), hidden)
            nb.metadata["language_info"] = info["content"]["language_info"]  # as JupyterLab records it
            if figures:
                run(f"from nscale_data.output.figures import _record_charts; _record_charts({[f[0].chart for f in figures]!r})")
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            expected = os.path.realpath(kernels.data)
            switched = run(f"from nscale_data.package.validation import data_in_use; assert str(data_in_use()) == {expected!r}, "
                           "'it switched to other data (nscale_data.use_data): its outputs would not match the data recorded'")
            if switched:
                return Outcome(target, "failed", time.perf_counter() - start, f"after the last cell: {switched}"), []
            built = Outcome(target, "built", time.perf_counter() - start)
            for item in figures:
                began, deadline = time.perf_counter(), time.monotonic() + timeout
                base = str((out / item[0].name).resolve())
                try:
                    error = run(f"from nscale_data.output.figures import _save_chart; _save_chart({item[0].chart!r}, {base!r})")
                except (DeadKernelError, TimeoutError, RuntimeError) as exc:
                    error = _describe(exc)
                saved.append((Outcome(item[0], "failed" if error else "built", time.perf_counter() - began, error), item))
    except (CellExecutionError, DeadKernelError, TimeoutError, RuntimeError) as exc:
        late = isinstance(exc, TimeoutError) or time.monotonic() >= deadline
        detail = f"Timeout: the notebook ran past {timeout:g}s" if late else _describe(exc)
        where = f"cell {index + 1}" if index >= 0 else "before cell 1"
        return Outcome(target, "failed", time.perf_counter() - start, f"{where}: {detail}"), []
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
    normalise(nb, kernels.data_digest)
    with atomic_write(path, "w") as handle:
        nbformat.write(nb, handle)
    return built, saved


_DRAWN: dict[str, object] = {}  # in a kernel: the figure each recorded chart gave the notebook
_CHARTS: dict[str, Callable] = {}  # in a kernel: each recorded chart function, unwrapped


def _record_charts(names: list[str]) -> None:
    """In a kernel, before a notebook: keep the figure each named chart returns when called with its default arguments."""
    import inspect

    from nscale_data.output import charts

    _DRAWN.clear()
    for name in names:
        chart = _CHARTS.setdefault(name, getattr(charts, name))
        signature = inspect.signature(chart)
        defaults = {p.name: p.default for p in signature.parameters.values()}

        def recording(*args, _chart=chart, _name=name, _signature=signature, _defaults=defaults, **kwargs):
            fig = _chart(*args, **kwargs)
            called = _signature.bind(*args, **kwargs)
            called.apply_defaults()
            if dict(called.arguments) == _defaults:
                _DRAWN[_name] = fig
            return fig

        setattr(charts, name, functools.wraps(chart)(recording))


def _save_chart(name: str, base: str) -> None:
    """In a kernel, after the notebook: save the figure it drew with chart ``name`` (or draw it now), and unwrap the chart."""
    from nscale_data.output import charts

    chart = _CHARTS.pop(name, None) or getattr(charts, name)
    setattr(charts, name, chart)
    fig = _DRAWN.pop(name, None)
    save_figure(chart() if fig is None else fig, Path(base))


def _describe(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    error = getattr(exc, "ename", None)
    return f"{error}: {exc.evalue}" if error else (lines[-1] if lines else type(exc).__name__)


def normalise(nb, data_digest: str | None = None) -> None:
    """Strip what varies between runs: timings, kernel details, the warm kernel's execution counts.

    Records ``data_digest``, the fingerprint of the data the notebook read,
    under ``nscale_data`` in its metadata, where JupyterLab keeps it.

    Printed text arrives in as many stream messages as the kernel happened to
    flush, which varies with load; consecutive outputs of one stream are
    joined into one, as Jupyter shows them.
    """
    kept = {key: value for key, value in nb.metadata.items() if key not in ("kernelspec", "language_info", "nscale_data")}
    nb.metadata = {
        **kept,  # a user's own keys (jupytext, authors, widgets) are theirs
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL},
        # As the kernel reports it, which is what JupyterLab writes on saving: saving in Lab leaves no diff.
        "language_info": dict(nb.metadata.get("language_info") or {"name": "python"}),
        **({"nscale_data": {"data_sha256": data_digest}} if data_digest else {}),
    }
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if cell.outputs or cell.source.strip():
            count += 1
        cell.execution_count = count if cell.source.strip() else None
        joined = []
        for output in cell.outputs:
            previous = joined[-1] if joined else None
            if previous is not None and output.output_type == previous.output_type == "stream" and output.name == previous.name:
                previous.text += output.text
            else:
                joined.append(output)
        cell.outputs = joined
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = cell.execution_count


def _inputs_hash(data_digest: str, notebook: Path | None) -> str:
    """What a target is built from: the whole data package (every chart dates itself by the latest source,
    which looks at most tables), the library code, the pinned environment and a notebook's cells."""
    digest = hashlib.sha256(data_digest.encode() + b"\0")
    files = sorted(PACKAGE_CODE.glob("**/*.py"))
    lock = PACKAGE_CODE.parent / "requirements.lock"
    for path in files + ([lock] if lock.exists() else []):
        digest.update(path.relative_to(PACKAGE_CODE.parent).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    if notebook is not None:
        for cell in _cells(notebook):
            digest.update(cell.get("cell_type", "").encode() + b"\0" + _source(cell).encode() + b"\0")
    return digest.hexdigest()


def _cells(notebook: Path) -> list[dict]:
    """A notebook's cells, read as plain JSON (nbformat is slow to import for a no-op run)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return []  # unreadable: always stale, and the build reports the error
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _fresh(entry: dict | None, digest: str, outputs: list[Path]) -> bool:
    if not entry or entry.get("inputs") != digest:
        return False
    recorded = entry.get("outputs", {})
    return all(p.exists() and recorded.get(str(p)) == _file_hash(p) for p in outputs)


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(path: Path, state: dict) -> None:
    with atomic_write(path, "w") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
