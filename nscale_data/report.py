"""A static report for readers without Jupyter: the notebooks as HTML, an index and a sources page.

Self-contained: styles are inline, images are embedded or copied beside the
pages, and nothing is fetched at view time, so the site opens from disk or
any static host. Every value that comes from the data is escaped, and only
``http`` and ``https`` addresses become links. It writes only inside its
output directory, never through a symbolic link, and into a non-empty
directory only if that holds an earlier report (its marker file) or when forced.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from nscale_data.analysis import summary
from nscale_data.dataset import Directory, dataset_as_of, load_sources
from nscale_data.figures import atomic_write, remove_stale_temporaries

MARKER = ".nscale-data-report"  # written into every report, so a rebuild knows the directory is its own
TEMPLATES = Path(__file__).parent / "templates"  # the basic template, with alt text on every chart
HEADLINE_FIGURES = {
    "capital-and-gpus": "Capital raised against planned GPUs, by region, at the article's date and today.",
    "timeline": "Capital and planned GPUs as each announcement came in.",
    "article-vs-sources": "The starting article's figures against the primary sources.",
}
STYLE = """
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }
nav { margin-bottom: 1.5em; font-size: 0.95em; }
nav a { margin-right: 1em; }
img { max-width: 100%; height: auto; }
figure { margin: 1.5em 0; }
figcaption { color: #444; font-size: 0.95em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
.jp-InputPrompt, .jp-OutputPrompt { display: none; }
.jp-OutputArea-output { overflow-x: auto; }
.muted { color: #555; }
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

    ``out`` is created if its parent exists. Raises ReportError, before
    writing anything, if ``out`` is a file, if it or any path to be written
    in it is a symbolic link, or if it is a non-empty directory holding no
    earlier report and ``force`` is false; and if writing fails.
    """
    paths = sorted(notebooks.glob("*.ipynb"))
    shown = [(name, caption) for name, caption in HEADLINE_FIGURES.items() if (figures / f"{name}.png").is_file()]
    pages = [out / "index.html", out / "sources.html"] + [out / f"{path.stem}.html" for path in paths]
    images = [out / "figures" / f"{name}.png" for name, _ in shown]
    _check_out(out, [out / MARKER, *pages, out / "figures", *images], force)

    as_of = dataset_as_of(directory)
    chapters = [(page, *notebook_html(path)) for path, page in zip(paths, pages[2:])]
    sources = sources_html(load_sources(directory=directory))
    index = index_html(as_of, [(page.name, title) for page, title, _ in chapters], shown, summary(directory=directory))
    pngs = [(figures / f"{name}.png").read_bytes() for name, _ in shown]
    try:
        out.mkdir(exist_ok=True)
        remove_stale_temporaries([out / MARKER, *pages, *images])
        with atomic_write(out / MARKER, "w") as handle:
            handle.write("Written by nscale-data report, which may write over this directory again.\n")
        for page, title, body in chapters:
            _write(page, title, body, heading=False)  # the notebook brings its own heading
        (out / "figures").mkdir(exist_ok=True)
        for image, png in zip(images, pngs):
            with atomic_write(image) as handle:
                handle.write(png)
        _write(out / "sources.html", "Sources", sources)
        _write(out / "index.html", "Nscale: capital raised against planned GPU capacity", index)
    except OSError as exc:
        raise ReportError(f"cannot write report to {out}: {exc.strerror or exc}") from None
    return pages


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


def notebook_html(path: Path) -> tuple[str, str]:
    """The notebook's first heading and its narrative and outputs as HTML (code hidden)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="report", extra_template_basedirs=[str(TEMPLATES)], exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_filename(str(path))
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    heading = next((line for c in cells if c.get("cell_type") == "markdown"
                    for line in "".join(c.get("source", "")).splitlines() if line.startswith("# ")), f"# {path.stem}")
    return heading[2:].strip(), body


def index_html(as_of: pd.Timestamp, chapters: list[tuple[str, str]], shown: list[tuple[str, str]], totals: dict) -> str:
    from nscale_data.analysis import LEVELS

    header = "".join(f"<th>GPUs, {_e(level.replace('_', ' '))}</th>" for level in LEVELS)
    header += "".join(f"<th>MW, {_e(level.replace('_', ' '))}</th>" for level in LEVELS)
    rows = "".join(
        f"<tr><td>{_e(region)}</td>" + "".join(f"<td>{_figure(v[level])}</td>" for level in LEVELS)
        + "".join(f"<td>{_figure(v['power_mw'][level])}</td>" for level in LEVELS) + "</tr>"
        for region, v in totals["gpus_by_region"].items()
    )
    figures = "".join(
        f'<figure><img src="figures/{_e(name)}.png" alt="{_e(caption)}"><figcaption>{_e(caption)}</figcaption></figure>'
        for name, caption in shown
    )
    links = "".join(f'<li><a href="{_e(page)}">{_e(title)}</a></li>' for page, title in chapters)
    latest = totals["latest_source"]
    latest = f"{pd.Timestamp(latest):%d %B %Y}" if latest else "none"
    equity, debt = totals["capital_raised_usd"], totals["debt_raised_usd"]
    return (
        f'<p class="muted">Data reviewed on {as_of:%d %B %Y}; the latest source found was published on {_e(latest)}. '
        "The months between are unknown, not empty. Every figure traces to a source listed on the "
        '<a href="sources.html">sources page</a>, with the words of the source that state it.</p>'
        f"<h2>In short</h2><p>Equity raised: <strong>{equity / 1e9:,.3f} billion US dollars</strong> (each round counted once); "
        f"committed debt: <strong>{debt / 1e9:,.3f} billion</strong> (uncommitted accordions not counted); "
        f"together {(equity + debt) / 1e9:,.3f} billion.</p>"
        f"<table><thead><tr><th>Region</th>{header}</tr></thead><tbody>{rows}</tbody></table>"
        "<p class=\"muted\">Stated: figures stated as a number (exact, about, at least). With targets: adds stated plans, "
        "goals and letters of intent. With up to: adds each 'up to' at its maximum. 'No figure' means no source states one.</p>"
        f"{figures}<h2>Read on</h2><ol>{links}</ol>"
        '<p><a href="sources.html">All sources</a></p>'
    )


def sources_html(sources: pd.DataFrame) -> str:
    """A table of every source; data values escaped, only http(s) addresses linked.

    Examples:
        >>> frame = pd.DataFrame({"publisher": ["<b>X</b>"], "title": ["T"], "url": ["javascript:alert(1)"],
        ...     "published_date": [pd.Timestamp("2025-01-01")], "published_date_precision": ["day"],
        ...     "language": ["en"], "kind": ["news"]}, index=["x"])
        >>> "<b>" in sources_html(frame), "href" in sources_html(frame)
        (False, False)
    """
    rows = []
    for source_id, row in sources.sort_values("published_date").iterrows():
        date = row["published_date"].strftime("%B %Y" if row["published_date_precision"] == "month" else "%d %B %Y")
        rows.append(
            f'<tr id="{_e(source_id)}"><td>{_e(date)}</td><td>{_e(row["publisher"])}</td>'
            f"<td>{link(row['url'], row['title'])}</td><td>{_e(row['kind'])}</td><td>{_e(row['language'])}</td></tr>"
        )
    return (
        f"<p>{len(rows)} documents, oldest first. <em>Primary</em> sources are the company and its partners; "
        "titles in [square brackets] were written by the project where the headline was not recorded.</p>"
        "<table><thead><tr><th>Published</th><th>Publisher</th><th>Title</th><th>Kind</th><th>Language</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


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


def _e(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value), quote=True)


def _figure(value) -> str:
    """A total for a table cell: thousands separators, 'no figure' for None (never 0)."""
    return "no figure" if value is None else f"{value:,.0f}"


def _write(path: Path, title: str, body: str, heading: bool = True) -> None:
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{_e(title)}</title><style>{STYLE}</style></head><body>'
        '<nav><a href="index.html">Home</a><a href="sources.html">Sources</a></nav>'
        f"{f'<h1>{_e(title)}</h1>' if heading else ''}{body}</body></html>\n"
    )
    with atomic_write(path, "w") as handle:
        handle.write(page)
