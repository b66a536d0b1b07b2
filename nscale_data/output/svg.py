"""A chart's SVG as the report may embed it: checked against an allow-list of what matplotlib writes, then inlined.

A chart folder is an input like any other (``report --figures``): an SVG is
parsed as XML, and every element and attribute must be one the project's
charts use, with values of the kinds they use (a link only to a page of the
report, a reference only inside the SVG, styles without outside resources).
Anything else refuses the chart, by name, before a page is written.

    >>> svg_problem(b'<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="href" to="x"/></svg>')
    'it has a <set> element, which the report does not embed'
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from nscale_data.package.errors import excerpt

SVG, XLINK = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
METADATA = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://creativecommons.org/ns#", "http://purl.org/dc/elements/1.1/")
ELEMENTS = {"svg", "title", "desc", "metadata", "defs", "style", "g", "path", "use", "clipPath", "pattern", "text", "tspan", "a",
            "rect", "circle", "ellipse", "line", "polyline", "polygon"}
ATTRIBUTES = {"id", "d", "style", "transform", "clip-path", "x", "y", "width", "height", "viewBox", "version", "fill", "stroke",
              "stroke-width", "type", "patternUnits", "points", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "target",
              f"{{{XLINK}}}href", f"{{{XML}}}space"}
REPORT_LINK = re.compile(r"(\.\./)?[a-z0-9-]+\.html(#[A-Za-z0-9_.-]+)?")  # a page of the report, from its figures/ folder
MATPLOTLIB_STYLE = re.compile(r"\s*\*\{stroke-linejoin: (round|miter|bevel); stroke-linecap: (butt|round|projecting|square)\}\s*")
UNSAFE_STYLE = re.compile(r"url\(\s*['\"]?(?!#)|expression|javascript|@|\\|<", re.IGNORECASE)

ET.register_namespace("", SVG)
ET.register_namespace("xlink", XLINK)


def svg_problem(svg: bytes) -> str | None:
    """Why an SVG may not go into the report, or None: it must hold only what the project's charts hold.

    Examples:
        >>> ok = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        >>> svg_problem(ok + b'<a xlink:href="../figures.html#capital"><path d="M 0 0"/></a></svg>') is None
        True
        >>> svg_problem(ok + b'<a xlink:href="https://example.org/"><path/></a></svg>')
        "it links outside the report ('https://example.org/')"
        >>> svg_problem(ok + b'<path onclick="alert(1)"/></svg>')
        "its <path> has an attribute the report does not embed ('onclick')"
        >>> svg_problem(ok + b'<path/onclick="alert(1)"/></svg>')
        'it is not well-formed XML (line 1)'
    """
    root = _parsed(svg)
    if isinstance(root, str):
        return root
    if root.tag != f"{{{SVG}}}svg":
        return "it is not an SVG drawing"
    metadata = {element for holder in root.iter(f"{{{SVG}}}metadata") for element in holder.iter()}
    for element in root.iter():
        namespace, _, name = element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
        if namespace in METADATA:
            if element not in metadata:
                return f"it has a {excerpt(element.tag, 60)} element outside its metadata"
            continue  # the title and data fingerprint save_figure records; never shown
        if namespace != SVG or name not in ELEMENTS:
            return f"it has a <{excerpt(name, 30)[1:-1]}> element, which the report does not embed"
        if name == "style" and not MATPLOTLIB_STYLE.fullmatch(element.text or ""):
            return "it has a style sheet other than matplotlib's own"
        for attribute, value in element.attrib.items():
            problem = _attribute_problem(name, attribute, value)
            if problem:
                return problem
    return None


def _parsed(svg: bytes) -> ET.Element | str:
    """The parsed SVG, or why it cannot be read (no entity declarations: a drawing needs none)."""
    if b"<!ENTITY" in svg:
        return "it declares XML entities"
    try:
        return ET.fromstring(svg)
    except ET.ParseError as exc:
        return f"it is not well-formed XML (line {exc.position[0]})"


def _attribute_problem(element: str, attribute: str, value: str) -> str | None:
    if attribute not in ATTRIBUTES:
        name = attribute.rsplit("}", 1)[-1]
        return f"its <{element}> has an attribute the report does not embed ({excerpt(name, 30)})"
    if attribute == f"{{{XLINK}}}href":
        if element == "use" and value.startswith("#"):
            return None
        if element == "a" and REPORT_LINK.fullmatch(value):
            return None
        return f"it links outside the report ({excerpt(value, 40)})"
    if attribute == "target" and value != "_blank":
        return f"its <{element}> opens a link in an unknown frame ({excerpt(value, 20)})"
    if attribute in ("style", "clip-path", "fill", "stroke") and UNSAFE_STYLE.search(value):
        return f"its <{element}> has a {attribute} that refers outside the drawing ({excerpt(value, 40)})"
    return None


def inline_svg(svg: bytes, prefix: str) -> str:
    """A chart's SVG, passed by ``svg_problem``, as an element of a page: ids prefixed so two charts on one page never
    share one, its links made relative to the page (and opened there), no metadata or style sheet, sized by the page.

    Examples:
        >>> print(inline_svg(b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        ...                  b'width="9pt" height="9pt" viewBox="0 0 9 9"><title>T</title><g id="a"><a xlink:href='
        ...                  b'"../figures.html#capital" target="_blank"><path clip-path="url(#c)"/></a></g></svg>', "x"))
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 9 9" role="img" data-chart="x"><title>T</title><g id="x-a"><a xlink:href="figures.html#capital"><path clip-path="url(#x-c)" /></a></g></svg>
    """
    root = ET.fromstring(svg)
    for holder in list(root.iter()):
        for child in list(holder):
            if child.tag in (f"{{{SVG}}}metadata", f"{{{SVG}}}style"):  # the style's rule is in the page's own CSS
                holder.remove(child)
    for element in root.iter():
        if "id" in element.attrib:
            element.set("id", f"{prefix}-{element.get('id')}")
        href = element.get(f"{{{XLINK}}}href")
        if href is not None:
            element.set(f"{{{XLINK}}}href", f"#{prefix}-{href[1:]}" if href.startswith("#") else href.removeprefix("../"))
        element.attrib.pop("target", None)  # the evidence opens in the same tab
        for attribute in ("clip-path", "style"):
            if attribute in element.attrib:
                element.set(attribute, re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", element.get(attribute)))
    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    root.set("role", "img")
    root.set("data-chart", prefix)
    return ET.tostring(root, encoding="unicode")
