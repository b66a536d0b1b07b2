"""A static report for readers without Jupyter: the notebooks as chapters, the charts with their data, every figure traced.

Pages: ``index.html`` (the key figures, each linked to its evidence, all
charts with their caveats and downloads), one page per notebook (narrative,
tables and charts, code and notebook-only text hidden, previous/next links),
``figures.html`` (every claim with its source and the verbatim words of the
source, a stable anchor per claim, and the rows behind each total),
``sources.html`` (every source and the figures it supports), ``data.html``
(the tables, the package descriptor, the licence, a citation line) and
``changes.html`` (the data's changelog). From the index, any number reaches
its evidence and source link in two clicks.

Self-contained: styles and the one small filter script are inline, charts
and data files are copied beside the pages, and nothing is fetched at view
time. One column on any screen; wide tables scroll inside their own box.
Every value from the data is escaped, and only ``http`` and ``https``
addresses become links. It writes only inside its output directory, never
through a symbolic link, and into a non-empty directory only if that holds an
earlier report (its marker file) or when forced.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from nscale_data.output import tables
from nscale_data.output.svg import inline_svg, svg_problem
from nscale_data.output.tables import slug
from nscale_data.totals import analysis, checks
from nscale_data.package.dataset import Directory, dataset_as_of, latest_source_date, load_changes, load_claims, load_sources
from nscale_data.package.errors import excerpt
from nscale_data.package.files import MAX_FIGURE_BYTES, MAX_NOTEBOOK_BYTES, UnsafeFile, read_bytes
from nscale_data.output.figures import CAVEATS, CHART_FILES, DATA_MARK, FIGURES, atomic_write, remove_stale_temporaries
from nscale_data.output.glossary import GLOSSARY
from nscale_data.totals.releases import citation, data_version
from nscale_data.package.validation import data_contents, data_in_use, data_used, fingerprint_of

MARKER = ".nscale-data-report"  # written into every report, so a rebuild knows the directory is its own
TEMPLATES = Path(__file__).parent / "templates"  # the basic template, with alt text on every chart
TITLE = "Nscale: capital raised against planned GPU capacity"
REPORT_AN_ERROR = ("If a figure is wrong or a source says something else, tell the maintainers (an issue on the project, or a message) "
                   "with: the claim id (every number on these pages links to its claims), the source and its address, the "
                   "correct figure, and the few words of the source that state it. A correction ships as a new version, listed "
                   "under What changed and in its feed.")
DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
STYLE = """
*, *::before, *::after { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem;
       line-height: 1.5; color: #222; overflow-wrap: anywhere; }
nav.site { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; margin-bottom: 1rem; font-size: 0.95rem; }
nav.chapters { display: flex; flex-wrap: wrap; gap: 0.3rem 0.8rem; margin: -0.5rem 0 1rem; font-size: 0.9rem; color: #444; }
nav a[aria-current="page"] { font-weight: bold; color: #222; text-decoration: none; }
nav.pager { display: flex; justify-content: space-between; gap: 1rem; margin: 2rem 0 1rem; flex-wrap: wrap; }
h1 { font-size: 1.6rem; line-height: 1.25; } h2 { font-size: 1.25rem; margin-top: 2rem; }
img { max-width: 100%; height: auto; display: block; }
figure { margin: 1.5rem 0; }
figure.chart svg { display: block; width: 100%; height: auto; }
details.caveats { margin-top: 0.4rem; }
.chart-narrow { display: none; }
@media (max-width: 600px) { .chart-wide:has(+ .chart-narrow) { display: none; } .chart-narrow { display: block; } }
figure.chart svg * { stroke-linejoin: round; stroke-linecap: butt; }
svg a:hover path, svg a:focus path { opacity: 0.8; }
figcaption, .muted { color: #444; font-size: 0.92rem; }
.downloads { font-size: 0.9rem; }
.table-wrap { overflow-x: auto; max-width: 100%; margin: 1rem 0; }
.text_cell_render table, .jp-RenderedMarkdown table { display: block; overflow-x: auto; max-width: 100%; }  /* a markdown table scrolls too */
table { border-collapse: separate; border-spacing: 0; font-size: 0.85rem; }  /* separate: a sticky cell keeps its borders */
caption { text-align: left; color: #444; padding-bottom: 0.3rem; position: sticky; left: 0; max-width: min(100%, calc(100vw - 2rem)); }
th, td { border: 0 solid #ccc; border-width: 0 1px 1px 0; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top;
         overflow-wrap: normal; }
tr > :first-child { border-left-width: 1px; } thead tr:first-child > *, table > tr:first-child > * { border-top-width: 1px; }
th { background: #f2f2f2; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap td:first-child, .table-wrap th:first-child { position: sticky; left: 0; background: #fff; }  /* the row's name stays in view */
.table-wrap th:first-child { background: #f2f2f2; }
/* a shade at the right edge while more of the table is to scroll: a white cover scrolls with the table and hides it at the end */
.table-wrap { background: linear-gradient(to left, #fff 40%, rgba(255,255,255,0)) right / 2.5rem 100% no-repeat local,
  linear-gradient(to left, #ddd, rgba(255,255,255,0)) right / 1.25rem 100% no-repeat scroll; }
td:target, tr:target td { background: #fff3c4; }
a.term { color: inherit; text-decoration: underline dotted; }
pre { background: #f7f7f7; padding: 0.6rem; overflow-x: auto; font-size: 0.85rem; white-space: pre-wrap; }
.figures { display: grid; gap: 0.4rem 1rem; grid-template-columns: minmax(0, 1fr); }
.key { font-size: 1.05rem; }
input[type=search] { width: 100%; max-width: 30rem; padding: 0.4rem; font-size: 1rem; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
.jp-OutputArea-output { overflow-x: auto; }
"""
FILTER = """
<script>
document.getElementById('filter').hidden = false;
document.getElementById('filter').addEventListener('input', function () {
  var words = this.value.toLowerCase();
  document.querySelectorAll('#claims tbody tr').forEach(function (row) {
    row.hidden = words && row.textContent.toLowerCase().indexOf(words) < 0;
  });
});
</script>
"""


class ReportError(Exception):
    """The report cannot be written where asked; the message says why, in one line."""


def build_report(
    out: Path = Path("site"),
    notebooks: Path = Path("notebooks"),
    figures: Path = Path("figures"),
    directory: Directory = None,
    force: bool = False,
) -> list[Path]:
    """Write the site into ``out`` and return the pages written, index first.

    Everything is rendered first; then ``out`` is checked and written. Raises
    ReportError, before writing anything, if ``out`` is a file, if it or any
    path to be written in it is a symbolic link, or if it is a non-empty
    directory holding no earlier report and ``force`` is false; and if
    writing fails; and if a notebook or a chart records that it was made
    from other data than ``directory`` (default: the packaged data), since
    its numbers would then differ from the pages around it.
    """
    with data_used(directory):  # the tables the pages show read ``directory`` too
        pages, files = _render(notebooks, figures, directory)
    targets = [out / MARKER, *(out / name for name in pages), out / "figures", out / "data", *(out / name for name in files)]
    _check_out(out, targets, force)
    try:
        if out.exists() and not (out / MARKER).is_file():
            # An existing folder of other files (allowed with --force) or an empty one: written in place, its files kept.
            remove_stale_temporaries(targets)
            _write_site(out, pages, files)
        else:
            _replace_site(out, pages, files)
    except OSError as exc:
        raise ReportError(f"cannot write report to {out}: {exc.strerror or exc}") from None
    return [out / name for name in pages]


def _write_site(folder: Path, pages: dict[str, str], files: dict[str, bytes]) -> None:
    """Every file of the site into ``folder``, each written whole or not at all; the marker lists them."""
    folder.mkdir(exist_ok=True)
    for sub in ("figures", "data"):
        (folder / sub).mkdir(exist_ok=True)
    for name, content in files.items():
        with atomic_write(folder / name) as handle:
            handle.write(content)
    for name, content in pages.items():
        with atomic_write(folder / name, "w") as handle:
            handle.write(content)
    with atomic_write(folder / MARKER, "w") as handle:
        handle.write("Written by nscale-data report, which may write over this directory again. Its files:\n")
        handle.write("".join(f"{name}\n" for name in sorted([*pages, *files])))


def _replace_site(out: Path, pages: dict[str, str], files: dict[str, bytes]) -> None:
    """Build the site in a new folder beside ``out`` and swap it in whole, so a failure leaves the previous site as it was.

    The previous site (a folder this command wrote, with its marker) is removed once the new one is in place, so a
    page the report no longer makes (a removed notebook's) does not linger.
    """
    staging, previous = out.parent / f".{out.name}.new", out.parent / f".{out.name}.old"
    for leftover in (staging, previous):  # left by a killed run: ours, by their names
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
    staging.mkdir()
    try:
        _write_site(staging, pages, files)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        os.rename(out, previous)
        os.rename(staging, out)
        shutil.rmtree(previous, ignore_errors=True)
    else:
        os.rename(staging, out)


def _render(notebooks: Path, figures: Path, directory: Directory) -> tuple[dict[str, str], dict[str, bytes]]:
    """Every page (name to HTML) and every file copied beside them (name to bytes)."""
    reviewed, latest = dataset_as_of(directory), latest_source_date(directory=directory)  # the data is valid
    data = Path(directory) if directory is not None else data_in_use()
    texts = _notebooks(notebooks)  # every input read once, through the same guard as the data: regular files inside their folder
    chart_files = _charts(figures)
    charts = sorted({name.rsplit(".", 1)[0] for name in chart_files}, key=[t.name for t in FIGURES].index)
    contents = data_contents(data)  # read once: fingerprinted here, copied beside the pages below
    made = {**{path: _notebook_data(text) for path, text in texts.items()},
            **{figures / f"{name}.svg": _svg_data(chart_files[f"{name}.svg"]) for name in charts}}
    _check_made_from(fingerprint_of(contents), made, f"{data}", _rebuild_hint(notebooks, figures, directory))
    descriptions = {name: _description(chart_files[f"{name}.svg"]) for name in charts}
    drawn = {name: chart_files[f"{name}.svg"] for name in charts}
    chapters = [(path, f"{path.stem}.html", *_chapter(path, text, descriptions, drawn)) for path, text in texts.items()]
    footer = _footer(citation(directory=data))

    menu = [(page, title) for _, page, title, _ in chapters]

    def page(name: str, title: str, body: str, heading: bool = True) -> str:
        if name != "data.html":  # the glossary's own page defines the terms
            body = link_terms(body)
        return _page(title, body, footer, heading, current=name, chapters=menu)

    pages: dict[str, str] = {"index.html": page("index.html", TITLE, index_html(analysis.summary(directory=directory), chapters, charts, descriptions, drawn))}
    for number, (path, name, title, body) in enumerate(chapters):
        previous = chapters[number - 1] if number else None
        following = chapters[number + 1] if number + 1 < len(chapters) else None
        pages[name] = page(name, title, body + _pager(previous, following), heading=False)
    pages["figures.html"] = page("figures.html", "Every figure and its source", figures_html(directory))
    pages["sources.html"] = page("sources.html", "Sources", sources_html(load_sources(directory=directory), load_claims(directory=directory)))
    pages["data.html"] = page("data.html", "The data", data_html(data, list(contents)))
    pages["changes.html"] = page("changes.html", "What changed", changes_html(load_changes(directory)))
    files = {f"figures/{name}": content for name, content in chart_files.items()}
    files["changes.xml"] = changes_feed(load_changes(directory), reviewed).encode("utf-8")
    files |= {f"data/{name}": content for name, content in contents.items()}
    return pages, files


def _notebooks(notebooks: Path) -> dict[Path, str]:
    """The notebooks to render, sorted, each read safely: a regular file inside the folder, at most 64 MiB, UTF-8.

    A link leaving the folder, a device, a pipe or a socket is refused before a byte is read, and no byte of a
    refused or unreadable file is printed: the ReportError names the file and the reason only.
    """
    try:
        names = sorted(entry.name for entry in os.scandir(notebooks) if entry.name.endswith(".ipynb"))
    except OSError as exc:
        raise ReportError(f"cannot read notebooks in {notebooks}: {exc.strerror or exc}") from None
    texts = {}
    for name in names:
        try:
            texts[notebooks / name] = read_bytes(notebooks, name, MAX_NOTEBOOK_BYTES, "notebook folder").decode("utf-8")
        except (UnsafeFile, FileNotFoundError) as exc:
            raise ReportError(f"cannot read notebook {notebooks / name}: {exc if isinstance(exc, UnsafeFile) else 'it vanished'}") from None
        except UnicodeDecodeError:
            raise ReportError(f"cannot read notebook {notebooks / name}: not UTF-8 text") from None
    return texts


def _charts(figures: Path) -> dict[str, bytes]:
    """Each chart's SVG, PNG and CSV, read as safely as the data.

    A chart with none of its files is left out of the report; one missing a file, an unsafe file, or an SVG
    with a script, an event handler or an outside reference, is an error naming the file.
    """
    files = {}
    for target in FIGURES:
        names = [f"{target.name}{suffix}" for suffix in CHART_FILES]
        present = [name for name in names if os.path.lexists(figures / name)]
        if not present:
            continue
        for name in names:
            if name not in present:
                raise ReportError(f"chart file {figures / name} is missing (its other files are there); rebuild the charts (make figures)")
            try:
                files[name] = read_bytes(figures, name, MAX_FIGURE_BYTES, "figure folder")
            except FileNotFoundError:
                raise ReportError(f"chart file {figures / name} vanished while the report was read") from None
            except UnsafeFile as exc:
                raise ReportError(f"cannot read chart file {figures / name}: {exc}") from None
        unsafe = svg_problem(files[f"{target.name}.svg"])
        if unsafe:
            raise ReportError(f"refusing chart {figures / target.name}.svg: {unsafe}")
    return files


def _chapter(path: Path, text: str, descriptions: dict[str, str], drawn: dict[str, bytes]) -> tuple[str, str]:
    """``notebook_html``, with a notebook that cannot be read reported in one line."""
    try:
        return notebook_html(path, descriptions, text, drawn)
    except (OSError, ValueError, RecursionError) as exc:  # not JSON, not UTF-8, not a notebook, nested without end
        reason = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportError(f"cannot read notebook {path}: {excerpt(reason, 120)}") from None


def _rebuild_hint(notebooks: Path, figures: Path, directory: Directory) -> str:
    """The command that rebuilds these notebooks and figures from this data."""
    if directory is None and notebooks == Path("notebooks") and figures == Path("figures"):
        return "make figures"
    data = ["--data", str(directory)] if directory is not None else []
    return shlex.join(["nscale-data", "figures", *data, "--notebooks", str(notebooks), "--out", str(figures)])


def _check_made_from(digest: str, recorded: dict[Path, str | None], data: str, hint: str) -> None:
    """Raise ReportError if a notebook or a chart's SVG records a data fingerprint other than ``digest``."""
    for path, fingerprint in recorded.items():
        if fingerprint and fingerprint != digest:
            raise ReportError(f"{path} was made from other data than {data}; rebuild it first ({hint})")


def _notebook_data(text: str) -> str | None:
    """The data fingerprint a notebook records (see ``figures.normalise``), or None."""
    try:
        recorded = json.loads(text).get("metadata", {}).get("nscale_data", {})
    except (ValueError, AttributeError, RecursionError):
        return None  # unreadable: rendering it reports the problem
    return recorded.get("data_sha256") if isinstance(recorded, dict) else None


def _svg_data(svg: bytes) -> str | None:
    """The data fingerprint a chart's SVG records (see ``figures.save_figure``), or None."""
    match = re.search(re.escape(DATA_MARK) + r"([0-9a-f]{64})", svg.decode("utf-8", errors="replace"))
    return match.group(1) if match else None


def _check_out(out: Path, paths: list[Path], force: bool) -> None:
    """Raise ReportError unless the report may be written into ``out`` and ``paths`` (see build_report)."""
    try:
        link = next((path for path in [out, *paths] if path.is_symlink()), None)
        if link is not None:
            raise ReportError(f"refusing to write report to {out}: {link} is a symbolic link")
        if out.exists() and not out.is_dir():
            raise ReportError(f"cannot write report to {out}: it is a file, not a directory")
        foreign = out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file()
    except OSError as exc:
        raise ReportError(f"cannot write report to {out}: {exc.strerror or exc}") from None
    if foreign and not force:
        raise ReportError(f"refusing to write report to {out}: it is not empty and holds no earlier report "
                          "(--force to write into it anyway)")


def notebook_html(path: Path, descriptions: dict[str, str], text: str | None = None, drawn: dict[str, bytes] | None = None
                  ) -> tuple[str, str]:
    """A notebook's heading and its narrative and outputs as HTML: code and notebook-only cells hidden, charts as files.

    The HTML is sanitised with an allow-list (``sanitise``): no script, event handler, ``javascript:`` link, frame,
    form or meta refresh from a notebook reaches the page. ``text`` is the notebook, already read safely.
    """
    if text is None:
        text = read_bytes(path.parent, path.name, MAX_NOTEBOOK_BYTES, "notebook folder").decode("utf-8")
    from nscale_data.output.figures import import_notebook_tools

    import_notebook_tools()  # nbformat without rfc3987-syntax's grammars, before nbconvert imports it
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = {"notebook-only"}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="report", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    import nbformat

    body, _ = exporter.from_notebook_node(nbformat.reads(text, as_version=4))
    phone = {t.name for t in FIGURES if t.narrow_of}
    by_description = {description: name for name, description in descriptions.items() if name not in phone}

    def chart(match: re.Match) -> str:
        alt = re.search(r'\balt="([^"]*)"', match.group("attributes"))
        description = html.unescape(alt.group(1)) if alt else ""
        name = by_description.get(description)
        return f'<div class="nscale-chart" id="chart-{_e(name)}"></div>' if name else match.group(0)

    # A chart's inline PNG becomes its SVG, with its files (the attributes come in either order): marked here, the notebook's
    # HTML sanitised, then the report's own figure put in the mark's place (the sanitiser keeps no <picture>).
    body = re.sub(r'<div class="jp-RenderedImage[^"]*">\s*<img (?P<attributes>[^>]*\bsrc="data:image/png;base64,[^"]*"[^>]*)>\s*</div>',
                  chart, body)
    body = sanitise(body)
    body = re.sub(r'<div class="nscale-chart" id="chart-([a-z0-9-]+)"></div>',
                  lambda m: _chart_figure(m.group(1), descriptions[m.group(1)], drawn) if m.group(1) in descriptions else "",
                  body)
    cells = json.loads(text).get("cells", [])
    heading = next((line for c in cells if c.get("cell_type") == "markdown"
                    for line in "".join(c.get("source", "")).splitlines() if line.startswith("# ")), f"# {path.stem}")
    return heading[2:].strip(), body


ALLOWED_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em", "figcaption", "figure",
                "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "section", "small", "span",
                "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"}
ALLOWED_ATTRIBUTES = {"*": {"class", "id", "title"}, "a": {"href"}, "img": {"src", "alt", "width", "height"},
                      "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}}


def sanitise(fragment: str) -> str:
    """HTML from a notebook, kept to an allow-list of tags and attributes, links only http(s) or relative.

    Examples:
        >>> sanitise('<p onclick="x()">Hi<script>alert(1)</script></p><a href="javascript:alert(1)">a</a>')
        '<p>Hi</p><a>a</a>'
    """
    import nh3

    return nh3.clean(fragment, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https"},
                     link_rel=None, strip_comments=True)


def link_terms(body: str) -> str:
    """Link the first use of each glossary term on a page (in running text, outside links and headings) to its definition.

    Examples:
        >>> link_terms("<p>The SAFE was folded in; a SAFE again.</p>")
        '<p>The <a class="term" href="data.html#glossary-safe">SAFE</a> was folded in; a SAFE again.</p>'
    """
    pending = {term: re.compile(rf"\b({re.escape(term)})\b", re.I) for term in GLOSSARY}
    parts = re.split(r"(<[^>]+>)", body)
    shut = 0  # inside a link, a heading, a caption, a script or a style: no link there
    for at, part in enumerate(parts):
        if part.startswith("<"):
            tag = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            if tag and tag.group(1).lower() in ("a", "h1", "h2", "h3", "h4", "caption", "script", "style", "th", "code", "pre", "svg"):
                shut += -1 if part.startswith("</") else (0 if part.endswith("/>") else 1)
            continue
        if shut > 0 or not part.strip():
            continue
        found = sorted((m.start(), m.end(), term) for term, pattern in pending.items() if (m := pattern.search(part)))
        chosen, end = [], 0
        for start, stop, term in found:  # the first use of each term, none overlapping another
            if start >= end:
                chosen.append((start, stop, term))
                end = stop
        for start, stop, term in reversed(chosen):
            part = f'{part[:start]}<a class="term" href="data.html#glossary-{slug(term)}">{part[start:stop]}</a>{part[stop:]}'
            del pending[term]
        parts[at] = part
    return "".join(parts)


def _chart_figure(name: str, description: str, drawn: dict[str, bytes]) -> str:
    """A chart with its files beside it: its SVG embedded in the page, so each bar's tooltip and link to its evidence
    work with no script.

    Where the chart is also drawn for a phone (a target ``narrow_of`` it), narrow screens are served that drawing.
    """
    narrow = next((t.name for t in FIGURES if t.narrow_of == name), None)
    shown = f'<div class="chart-wide">{inline_svg(drawn[name], name)}</div>'
    if narrow in drawn:
        shown += f'<div class="chart-narrow">{inline_svg(drawn[narrow], narrow)}</div>'
    caveats = CAVEATS.get(name, [])
    know = (f'<details class="caveats"><summary>What you should know</summary><ul>{"".join(f"<li>{_e(c)}</li>" for c in caveats)}'
            "</ul></details>") if caveats else ""
    return (f'<figure class="chart">{shown}<figcaption>{_e(description.removeprefix("Chart: "))} '
            f'<span class="downloads">Download: <a href="figures/{_e(name)}.csv">data (CSV)</a> · '
            f'<a href="figures/{_e(name)}.svg">SVG</a> · <a href="figures/{_e(name)}.png">PNG</a> · '
            f'<a href="figures/{_e(name)}.zip">bundle (ZIP: data, metadata, citation)</a></span>{know}</figcaption></figure>')


def _description(svg: bytes) -> str:
    """The chart's one-sentence description, stored as the SVG's title by ``save_figure``."""
    match = re.search(r"<dc:title>(.*?)</dc:title>", svg.decode("utf-8", errors="replace"), re.S)
    return html.unescape(match.group(1)) if match else "Chart."


def index_html(totals: dict, chapters: list[tuple], charts: list[str], descriptions: dict[str, str],
               drawn: dict[str, bytes]) -> str:
    """The key figures, each linked to the rows and evidence behind it, then every chart and the chapters."""
    reviewed, latest = tables.day(totals["reviewed"]), tables.day(totals["latest_source"])
    equity, debt = totals["capital_raised_usd"], totals["debt_raised_usd"]
    head = "".join(f"<th>{_e(h)}</th>" for h in ["Region", *(f"GPUs, {level.replace('_', ' ')}" for level in analysis.LEVELS),
                                                   *(f"MW, {level.replace('_', ' ')}" for level in analysis.LEVELS)])
    rows = []
    for region, v in totals["gpus_by_region"].items():
        href = f"figures.html#region-{slug(region)}"
        cells = [v[level] for level in analysis.LEVELS] + [v["power_mw"][level] for level in analysis.LEVELS]
        rows.append(f"<tr><td>{_e(region)}</td>" + "".join(
            f'<td class="num"><a href="{href}">{_e(tables.count(c))}</a></td>' if c is not None else '<td class="num muted">no figure</td>'
            for c in cells) + "</tr>")
    phone = {t.name for t in FIGURES if t.narrow_of}
    gallery = "".join(_chart_figure(name, descriptions[name], drawn) for name in charts if name not in phone)
    chapter_links = "".join(f'<li><a href="{_e(page)}">{_e(title)}</a></li>' for _, page, title, _ in chapters)  # titles carry their numbers
    return (
        f'<p class="muted">Data reviewed on {_e(reviewed)}; the latest source found was published on {_e(latest)}. '
        "The months between are unknown, not empty. Every number below links to the rows and the words of the sources behind it.</p>"
        f'<p class="key">Equity raised: <a href="figures.html#capital"><strong>{_e(tables.money(equity))}</strong></a> '
        f'(each round counted once); committed debt: <a href="figures.html#capital"><strong>{_e(tables.money(debt))}</strong></a> '
        f"(uncommitted accordions not counted); together {_e(tables.money(equity + debt))}.</p>"
        f'<div class="table-wrap"><table><caption>Planned capacity by region. No figure: no source states one (never zero).</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        '<p class="muted"><strong>Stated</strong>: figures the sources state as a number (exact, about, at least). '
        "<strong>With targets</strong>: adds stated plans, goals and letters of intent (a letter of intent is never counted as stated). "
        "<strong>With up to</strong>: adds each 'up to' at its maximum. Overlapping announcements are counted once.</p>"
        f"<h2>The charts</h2>{gallery}<h2>Chapters</h2><ul>{chapter_links}</ul>"
        '<p><a href="figures.html">Every figure and its source</a> · <a href="sources.html">Sources</a> · '
        '<a href="data.html">The data and how to cite it</a> · <a href="data.html#glossary">Glossary</a> · '
        '<a href="changes.html">What changed</a></p>'
    )


def figures_html(directory: Directory) -> str:
    """The rows behind each total (capital, then each region), then every claim, filterable, each with an anchor."""
    claims = load_claims(directory=directory)
    sources = load_sources(directory=directory)
    agreement = checks.claim_checks(directory=directory).set_index("claim_id")["agrees"].to_dict()
    capital = analysis.capital_table(directory=directory)
    items = [(f"{row['name']}: ${row['amount_usd'] / 1e6:,.0f}m"
              + (" (folded into a later round, counted there)" if not row["counted_usd"] and row["kind"] == "equity" else ""),
              capital_id, ("amount_usd",)) for capital_id, row in capital.iterrows()]
    parts = ['<p>Each total of the report is the sum of the rows below, overlaps counted once. Each row shows the words of '
             'its source; the full list of claims follows.</p>',
             _section("capital", "Capital: equity and committed debt", _evidence_list(items, claims, sources, agreement)
                      + _capital_subtotals(capital))]
    totals = analysis.capacity_totals(directory=directory)
    for region in analysis.regions(directory):
        mine = totals[(totals["region"] == region) & (totals["counted"].isin(["region"]) | totals["counted"].str.startswith("part of "))]
        items = [(f"{row['name']}: " + "; ".join(
                      f"{figure} {unit}" if figure else f"no {unit} figure"
                      for figure, unit in ((tables.count(row["gpu_count"], row["gpu_count_qualifier"]), "GPUs"),
                                           (tables.count(row["power_mw"], row["power_mw_qualifier"]), "MW")))
                  + f" ({row['counted']}, {str(row['status']).replace('_', ' ')})",
                  row_id, ("gpu_count", "power_mw")) for row_id, row in mine.iterrows()]
        body = (_reconciliation(region, directory) + _evidence_list(items, claims, sources, agreement) if items
                else "<p>No figure: no source states a GPU count or power for this region.</p>")
        parts.append(_section(f"region-{slug(region)}", region, body))
    table = tables.claims()
    parts.append('<h2 id="claims-list">Every claim</h2><p><input type="search" id="filter" hidden '
                 'placeholder="Filter the claims (a name, a source, a word)" aria-label="Filter the claims"></p>')
    parts.append(table.to_html().replace("<table>", '<table id="claims">', 1) + FILTER)
    return "".join(parts)


def _capital_subtotals(capital: pd.DataFrame) -> str:
    """The rows above, added up: equity (a folded round counted once), committed debt, and the two together."""
    equity = int(capital.loc[capital["kind"] == "equity", "counted_usd"].dropna().sum())
    debt = int(capital.loc[capital["kind"] == "debt", "counted_usd"].dropna().sum())
    folded = capital[(capital["kind"] == "equity") & (capital["counted_usd"] == 0)]["name"].tolist()
    return (f"<p><strong>Equity counted: {_e(tables.money(equity))}</strong>"
            + (f" (the {_e(' and the '.join(folded))} counted once, inside the later round)" if folded else "")
            + f"; <strong>committed debt: {_e(tables.money(debt))}</strong> (accordions not counted); "
            f"<strong>together: {_e(tables.money(equity + debt))}</strong>, the totals of every page.</p>")


def _reconciliation(region: str, directory: Directory) -> str:
    """For GPUs and MW, every row of the region with what it adds at each level, down to the published totals."""
    out = []
    for measure, unit in (("gpus", "GPUs"), ("mw", "MW")):
        tables_by_level = {level: analysis.reconcile(region, level, measure, directory=directory) for level in analysis.LEVELS}
        first = tables_by_level["stated"]
        published = (analysis.gpus_by_region if measure == "gpus" else analysis.mw_by_region)(directory=directory).loc[region]
        head = "".join(f"<th>{_e(h)}</th>" for h in
                       ["Row", "The source says", *(f"Adds, {level.replace('_', ' ')}" for level in analysis.LEVELS), "Why it adds no more"])
        rows = []
        for row_id, row in first.iterrows():
            adds = [tables_by_level[level].at[row_id, "contributes"] for level in analysis.LEVELS]
            why = "; ".join(dict.fromkeys(w for w in (tables_by_level[level].at[row_id, "why"] for level in analysis.LEVELS)
                                          if w and not w.startswith("part of ")))
            rows.append(f"<tr><td>{_e(row['name'])}</td><td>{_e(tables.count(row['figure'], row['qualifier']) or 'no figure')}</td>"
                        + "".join(f'<td class="num">{_e(tables.count(a) if a is not None and not pd.isna(a) else "")}</td>' for a in adds)
                        + f"<td>{_e(why)}</td></tr>")
        total = "".join(f'<td class="num"><strong>{_e(tables.count(published[level]) or "no figure")}</strong></td>'
                        for level in analysis.LEVELS)
        rows.append(f"<tr><td><strong>Total, {_e(unit)}</strong></td><td></td>{total}<td>as published in every table and chart</td></tr>")
        out.append(f'<div class="table-wrap"><table><caption>{_e(unit)}: what each row adds to the total at each level '
                   f'(a part adds its own figure; the row holding it adds only what it exceeds its parts by).</caption>'
                   f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
    return "".join(out)


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{_e(anchor)}"><h2>{_e(title)}</h2>{body}</section>'


def _evidence_list(items: list[tuple[str, str, tuple[str, ...]]], claims: pd.DataFrame, sources: pd.DataFrame,
                   agreement: dict[str, bool]) -> str:
    """Each row with the claims that state its figures: the source's words, the publisher, a link to the document, and whether it agrees."""
    verdicts = {True: "agrees", False: "disagrees with the resolved value"}
    out = []
    for text, subject, attributes in items:
        stated = claims[(claims["subject_id"] == subject) & claims["attribute"].isin(attributes)]
        evidence = "".join(
            f'<li id="evidence-{_e(claim_id)}">“{_e(c["evidence"])}”'
            + (f' <span class="muted">(in English: {_e(c["evidence_en"])})</span>' if pd.notna(c["evidence_en"]) else "")
            + f': {link(sources.at[c["source_id"], "url"], sources.at[c["source_id"], "publisher"])}, '
            f'{_e(tables.day(sources.at[c["source_id"], "published_date"], sources.at[c["source_id"], "published_date_precision"]))}; '
            f'{_e(verdicts.get(agreement.get(claim_id), "not checked, not counted"))} (<a href="#claim-{_e(claim_id)}">claim</a>)</li>'
            for claim_id, c in stated.iterrows())
        out.append(f"<li>{_e(text)}<ul>{evidence}</ul></li>")
    return f"<ul>{''.join(out)}</ul>"


def sources_html(sources: pd.DataFrame, claims: pd.DataFrame) -> str:
    """Every source, oldest first, with the figures it supports; data values escaped, only http(s) addresses linked.

    Examples:
        >>> frame = pd.DataFrame({"publisher": ["<b>X</b>"], "title": ["T"], "url": ["javascript:alert(1)"],
        ...     "published_date": [pd.Timestamp("2025-01-01")], "published_date_precision": ["day"],
        ...     "language": ["en"], "kind": ["news"]}, index=["x"])
        >>> no_claims = pd.DataFrame({"source_id": [], "subject_id": [], "attribute": []})
        >>> "<b>" in sources_html(frame, no_claims), "href=\\"javascript" in sources_html(frame, no_claims)
        (False, False)
    """
    parts = [f"<p>{len(sources)} documents, oldest first. <em>Primary</em> sources are the company and its partners; "
             "titles in [square brackets] were written by the project where the stored copy showed no headline.</p>"]
    for source_id, s in sources.sort_values("published_date", kind="stable").iterrows():
        supported = claims[claims["source_id"] == source_id]
        figures = ", ".join(f'<a href="figures.html#claim-{_e(claim_id)}">{_e(c["subject_id"])}: {_e(c["attribute"].replace("_", " "))}</a>'
                            for claim_id, c in supported.iterrows())
        parts.append(
            f'<section id="source-{_e(source_id)}"><h2>{link(s["url"], s["title"])}</h2>'
            f'<p class="muted">{_e(s["publisher"])} · {_e(tables.day(s["published_date"], s["published_date_precision"]))} · '
            f'{_e(s["kind"])} · {_e(s["language"])}</p>'
            + (f"<p>{_e(s['note'])}</p>" if isinstance(s.get("note"), str) and s["note"] else "")
            + f"<p>Figures it states: {figures or 'none'}.</p></section>")
    return "".join(parts)


def data_html(data: Path, names: list[str]) -> str:
    files = "".join(f'<li><a href="data/{_e(name)}">{_e(name)}</a></li>' for name in names)
    return (
        f"<p>The data behind every page, version {_e(data_version(data))}: {sum(name.endswith('.csv') for name in names)} CSV "
        "tables described by a Frictionless <code>datapackage.json</code> "
        "(types, units, constraints, keys). Every figure in the tables is stated by a claim, with the words of its source.</p>"
        f"<ul>{files}</ul>"
        f'<p>Data licence: <a href="{DATA_LICENCE}">Creative Commons Attribution 4.0 (CC BY 4.0)</a>; the code is MIT-licensed.</p>'
        f'<h2 id="cite">How to cite</h2><p>{_e(citation(directory=data))}</p>'
        f'<pre class="bibtex">{_e(citation("bibtex", directory=data))}</pre>'
        "<p>The data's version changes with every correction (PATCH), added rows (MINOR) or changed columns (MAJOR); cite the "
        'version you used. <a href="changes.html">What changed</a> lists each version (also as a feed: '
        '<a href="changes.xml">changes.xml</a>).</p>'
        f'<h2 id="report-an-error">Report an error</h2><p>{_e(REPORT_AN_ERROR)}</p>'
        '<h2 id="glossary">Glossary</h2><dl>'
        + "".join(f'<dt id="glossary-{slug(term)}">{_e(term)}</dt><dd>{_e(meaning)}</dd>' for term, meaning in GLOSSARY.items())
        + "</dl>"
    )


def changes_html(changes: pd.DataFrame) -> str:
    rows = [{"Date": tables.day(c["date"]), "Version": c["version"], "What changed": c["summary"], "Ids": c["ids"]}
            for _, c in changes.iterrows()]
    table = tables._table(rows, ["Date", "Version", "What changed", "Ids"], anchors=[f"change-{i}" for i in changes.index])
    return ("<p>What is new in each review of the data, newest first, with the version it shipped in and the ids of the rows and "
            'claims it touched. Follow it as a feed: <a href="changes.xml">changes.xml</a> (Atom).</p>' + table.to_html())


def changes_feed(changes: pd.DataFrame, reviewed) -> str:
    """The changelog as an Atom feed, newest first: one entry per change with its version; ids are tag URIs, links relative.

    Examples:
        >>> import xml.etree.ElementTree as ET
        >>> feed = ET.fromstring(changes_feed(load_changes(), dataset_as_of()))
        >>> feed.tag
        '{http://www.w3.org/2005/Atom}feed'
    """
    from xml.sax.saxutils import escape

    def stamp(day) -> str:
        return f"{pd.Timestamp(day):%Y-%m-%d}T00:00:00Z"

    entries = "".join(
        f"<entry><id>tag:nscale-data,{pd.Timestamp(c['date']):%Y-%m-%d}:change/{escape(str(change_id))}</id>"
        f"<title>{escape(str(c['version']))}: {escape(str(change_id))}</title><updated>{stamp(c['date'])}</updated>"
        f'<link rel="alternate" href="changes.html#change-{escape(str(change_id))}"/>'
        f"<summary>{escape(str(c['summary']))}</summary></entry>"
        for change_id, c in changes.iterrows())
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<id>tag:nscale-data,2026-11-26:changes</id><title>{escape(TITLE)}: what changed</title>"
            f"<updated>{stamp(reviewed)}</updated><author><name>The nscale-data project</name></author>"
            f'<link rel="alternate" href="changes.html"/>{entries}</feed>\n')


def link(url: object, text: object) -> str:
    """``text`` as a link to ``url`` if it is an http(s) address, else as plain text; both escaped.

    Examples:
        >>> link("https://example.org/?a=1&b=2", "<i>x</i>")
        '<a href="https://example.org/?a=1&amp;b=2">&lt;i&gt;x&lt;/i&gt;</a>'
        >>> link("javascript:alert(1)", "x")
        'x'
    """
    if isinstance(url, str) and urlsplit(url.strip()).scheme in ("http", "https"):
        return f'<a href="{_e(url.strip())}">{_e(text)}</a>'
    return _e(text)


def _pager(previous, following) -> str:
    left = f'<a href="{_e(previous[1])}">← {_e(previous[2])}</a>' if previous else '<a href="index.html">← Home</a>'
    right = f'<a href="{_e(following[1])}">{_e(following[2])} →</a>' if following else '<a href="figures.html">Every figure and its source →</a>'
    return f'<nav class="pager">{left}{right}</nav>'


def _footer(cited: str) -> str:
    return (f'<footer class="muted"><p>{_e(cited)} <a href="data.html#cite">How to cite</a> · '
            '<a href="data.html#report-an-error">Report an error</a>.</p></footer>')


def _page(title: str, body: str, footer: str, heading: bool = True, current: str = "",
          chapters: list[tuple[str, str]] = ()) -> str:
    """A page: the site's navigation (the current page marked, the chapters listed), its title with the site's name."""
    def item(href: str, text: str) -> str:
        marked = ' aria-current="page"' if href == current else ""
        return f'<a href="{_e(href)}"{marked}>{_e(text)}</a>'

    links = [("index.html", "Home"), ("figures.html", "Figures and sources"), ("sources.html", "Sources"),
             ("data.html", "Data"), ("changes.html", "What changed")]
    nav = f'<nav class="site" aria-label="Site">{"".join(item(h, t) for h, t in links)}</nav>'
    if chapters:
        nav += ('<nav class="chapters" aria-label="Chapters"><span>Chapters:</span>'
                + "".join(item(h, re.split(r"[:,]", t)[0]) for h, t in chapters) + "</nav>")
    full = title if title == TITLE else f"{title} · {TITLE}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_e(content_security_policy(body))}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(full)}</title>'
            f"<style>{STYLE}</style></head><body>{nav}" + (f"<h1>{_e(title)}</h1>" if heading else "")
            + f"<main>{body}</main>{footer}</body></html>\n")


def content_security_policy(body: str) -> str:
    """A page's policy: no script runs but the report's own, each allowed by the hash of its text; nothing from outside.

    Examples:
        >>> content_security_policy("<p>no script</p>").split("; ")[1]
        "script-src 'none'"
    """
    import base64
    import hashlib

    own = [base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
           for script in re.findall(r"<script>(.*?)</script>", body, re.S)]
    scripts = " ".join(f"'sha256-{digest}'" for digest in own) or "'none'"
    return (f"default-src 'self'; script-src {scripts}; style-src 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'")


def _e(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value), quote=True)
