"""Turning stored text into safe HTML: LaTeX as MathML, comments as a little markdown, dates.

Everything here escapes first and adds markup after, so no stored text can inject HTML.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from functools import lru_cache

from markupsafe import Markup

# Pandoc's rule for inline math: the opening $ is followed by a non-space, the closing $ follows
# a non-space and is not followed by a digit ("costs $5 and $10" is not math). \( ... \) too.
_MATH = re.compile(
    r"(?<![\\$])\$(?=[^\s$])(?P<dollar>(?:\\.|[^$\\])+?)(?<=[^\s\\])\$(?!\d)"
    r"|\\\((?P<paren>.+?)\\\)",
    re.DOTALL,
)
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?![*\w])")


MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# MathML Core's elements, and the presentation attributes the converter writes. Anything else in
# its output (\text{<script>} comes out as a <script> element) makes the formula plain text.
_MATHML_TAGS = frozenset(
    "math mrow mi mn mo mtext ms mspace msup msub msubsup mfrac msqrt mroot mstyle merror "
    "mpadded mphantom menclose munder mover munderover mtable mtr mtd semantics annotation "
    "mmultiscripts mprescripts none mlabeledtr maligngroup malignmark mfenced".split()
)
_MATHML_ATTRIBUTES = frozenset(
    "display displaystyle scriptlevel mathvariant mathsize stretchy symmetric fence separator "
    "largeop movablelimits accent accentunder lspace rspace minsize maxsize form width height "
    "depth linethickness columnalign rowalign columnspacing rowspacing columnlines rowlines "
    "frame equalrows equalcolumns align notation open close separators encoding".split()
)


@lru_cache(maxsize=1024)
def _mathml(latex: str) -> str | None:
    from xml.etree import ElementTree

    from latex2mathml.converter import convert

    try:
        root = ElementTree.fromstring(convert(latex))
    except Exception:  # any failure to parse falls back to the raw text
        return None
    for element in root.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace.lstrip("{") != MATHML_NS or tag not in _MATHML_TAGS:
            return None
        for name in list(element.attrib):
            if name not in _MATHML_ATTRIBUTES:
                del element.attrib[name]
    ElementTree.register_namespace("", MATHML_NS)
    return ElementTree.tostring(root, encoding="unicode")


@lru_cache(maxsize=50_000)
def _with_math(text: str) -> str:
    out: list[str] = []
    cursor = 0
    for match in _MATH.finditer(text):
        latex = match.group("dollar") or match.group("paren")
        mathml = _mathml(latex)
        out.append(html.escape(text[cursor : match.start()]))
        if mathml is None:
            out.append(html.escape(match.group(0)))
        else:
            # The source stays as the accessible label and for copy and paste.
            out.append(
                f'<span class="math" title="{html.escape(latex, quote=True)}">{mathml}</span>'
            )
        cursor = match.end()
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def math(text: str | None) -> Markup:
    """``text`` escaped, with its inline LaTeX rendered as MathML (raw text where it fails)."""
    if not text:
        return Markup("")
    if "$" not in text and "\\(" not in text:
        return Markup(html.escape(text))
    return Markup(_with_math(text))


def comment_html(text: str) -> Markup:
    """A comment as HTML: paragraphs, line breaks, `code`, **bold**, *italic* and links."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return Markup("".join(f"<p>{_inline(p)}</p>" for p in paragraphs))


def _inline(text: str) -> str:
    pieces: list[str] = []
    cursor = 0
    # Code spans first: nothing inside them is formatted.
    for match in _CODE.finditer(text):
        pieces.append(_format(text[cursor : match.start()]))
        pieces.append(f"<code>{html.escape(match.group(1))}</code>")
        cursor = match.end()
    pieces.append(_format(text[cursor:]))
    return "".join(pieces).replace("\n", "<br>")


def _format(text: str) -> str:
    out: list[str] = []
    cursor = 0
    for match in _URL.finditer(text):
        out.append(_emphasis(html.escape(text[cursor : match.start()])))
        url = html.escape(match.group(0), quote=True)
        out.append(f'<a href="{url}" rel="nofollow ugc noopener">{url}</a>')
        cursor = match.end()
    out.append(_emphasis(html.escape(text[cursor:])))
    return "".join(out)


def _emphasis(escaped: str) -> str:
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return _ITALIC.sub(r"<em>\1</em>", escaped)


def authors(names: tuple[str, ...] | None, count: int | None, shown: int = 3) -> str:
    """``A, B, C +4``, or ``7 authors`` when only the count is known."""
    if names:
        head = ", ".join(names[:shown])
        return head + (f" +{len(names) - shown}" if len(names) > shown else "")
    if count:
        return f"{count} author{'s' if count != 1 else ''}"
    return ""


def day(value: date | datetime | None, long: bool = False) -> str:
    """``Tue 3 Feb 2026`` (or ``Tuesday 3 February 2026``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    pattern = "%A {d} %B %Y" if long else "%a {d} %b %Y"
    return value.strftime(pattern).replace("{d}", str(value.day))
