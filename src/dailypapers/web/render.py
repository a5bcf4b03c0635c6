"""Turning stored text into safe HTML: LaTeX as MathML, comments as a little markdown, dates.

Everything here escapes first and adds markup after, so no stored text can inject HTML. Every
function takes time linear in its text: delimiters are found by scanners that look at each
character a bounded number of times (a lazy regex over "find the closing delimiter" backtracks
quadratically on text that opens many and closes none), and the work MathML conversion may do
per text is capped. Rendered text is kept in caches bounded by size, not by count.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from urllib.parse import quote

from cachetools import LRUCache
from markupsafe import Markup

from dailypapers.models import Claimed, Paper
from dailypapers.text import LINK, name_key

# Formulas converted to MathML per text, and the longest converted: beyond them a formula is
# shown as its LaTeX source. Real abstracts hold a few dozen short ones; a converted formula
# costs about 0.2 ms, so this bounds a text's conversion work to about 20 ms.
MAX_FORMULAS = 100
MAX_FORMULA_CHARS = 300
# Markup (formulas, and a comment's links, code and emphasis) is read in the first this many
# characters of a text; the rest is shown as plain text. Stored titles, abstracts and comments
# are shorter (sources/checks.py, hub/community.py): this bounds the work on anything older.
MAX_MARKUP_CHARS = 25_000
# Characters of rendered text the caches keep, at most (about 4 bytes each, in CPython's
# wider representations): enough for every abstract a busy site shows, never a gigabyte.
RENDERED_CACHE_CHARS = 16_000_000
MATHML_CACHE_CHARS = 4_000_000

# A code span: one backtick, no backtick or newline, one backtick. Each attempt stops at the
# next backtick or newline, so the scan is linear.
_CODE = re.compile(r"`([^`\n]+)`")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Where inline math may start: "$" or "\(".
_MATH_START = re.compile(r"\$|\\\(")
_DOLLAR = re.compile(r"\$")

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


def _kept(max_chars: int) -> Callable[[Callable[[str], str]], Callable[[str], str]]:
    """Memoise a str -> str function in an LRU cache that holds ``max_chars`` characters of
    keys and values at most; safe to call from the server's threads."""

    def wrap(function: Callable[[str], str]) -> Callable[[str], str]:
        cache: LRUCache[str, str] = LRUCache(max_chars, getsizeof=len)
        lock = threading.Lock()

        def kept(text: str) -> str:
            with lock:
                found = cache.get(text)
            if found is not None:
                return found
            result = function(text)
            if len(result) + len(text) <= max_chars // 100:  # one entry never crowds out many
                with lock:
                    cache[text] = result
            return result

        kept.cache = cache  # type: ignore[attr-defined]
        return kept

    return wrap


def _mathml(latex: str) -> str:
    """``latex`` as sanitised MathML, or "" where it cannot be converted safely."""
    from xml.etree import ElementTree

    from latex2mathml.converter import convert

    try:
        root = ElementTree.fromstring(convert(latex))
    except Exception:  # any failure to parse falls back to the raw text
        return ""
    for element in root.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace.lstrip("{") != MATHML_NS or tag not in _MATHML_TAGS:
            return ""
        for name in list(element.attrib):
            if name not in _MATHML_ATTRIBUTES:
                del element.attrib[name]
    ElementTree.register_namespace("", MATHML_NS)
    return ElementTree.tostring(root, encoding="unicode")


_kept_mathml = _kept(MATHML_CACHE_CHARS)(_mathml)


def _dollar_end(text: str, start: int) -> int | None:
    """Where the ``$...$`` formula opening at ``start`` ends (the closing ``$``), or None.

    Pandoc's rule: the opening ``$`` is not escaped and is followed by a non-space; the closing
    one is the first unescaped ``$`` after it, follows a non-space and is not followed by a digit
    ("costs $5 and $10" is not math). Inside, a backslash escapes the next character.
    """
    n = len(text)
    if start > 0 and text[start - 1] in "\\$":
        return None
    if start + 1 >= n or text[start + 1] == "$" or text[start + 1].isspace():
        return None
    at = start + 1
    while True:
        close = text.find("$", at)
        if close < 0:
            return None
        backslashes = 0
        while close - 1 - backslashes > start and text[close - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            break
        at = close + 1  # an escaped dollar belongs to the formula
    before = text[close - 1]
    if close - start < 2 or before.isspace() or before == "\\":
        return None
    if close + 1 < n and text[close + 1].isdecimal():
        return None
    return close


def _formulas(text: str, limit: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, LaTeX) of each inline formula, ``$...$`` or ``\\(...\\)``, left to right;
    the first ``limit`` of them when given."""
    found: list[tuple[int, int, str]] = []
    cursor = 0
    # Once no "\)" follows some point, none follows any later one: stop looking for them.
    parens_closed = False
    while (match := (_DOLLAR if parens_closed else _MATH_START).search(text, cursor)) is not None:
        if limit is not None and len(found) >= limit:
            break
        start = match.start()
        if text[start] == "$":
            close = _dollar_end(text, start)
            if close is None:
                cursor = start + 1
                continue
            found.append((start, close + 1, text[start + 1 : close]))
            cursor = close + 1
            continue
        close = text.find("\\)", start + 3)
        if close < 0:
            parens_closed = True
            cursor = start + 1
            continue
        found.append((start, close + 2, text[start + 2 : close]))
        cursor = close + 2
    return found


@_kept(RENDERED_CACHE_CHARS)
def _with_math(text: str) -> str:
    out: list[str] = []
    cursor = 0
    for start, end, latex in _formulas(text, MAX_FORMULAS):
        converted = _kept_mathml(latex) if len(latex) <= MAX_FORMULA_CHARS else ""
        out.append(html.escape(text[cursor:start]))
        if not converted:
            out.append(html.escape(text[start:end]))
        else:
            # The source stays as the accessible label and for copy and paste.
            label = html.escape(latex, quote=True)
            out.append(f'<span class="math" title="{label}">{converted}</span>')
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def math(text: str | None) -> Markup:
    """``text`` escaped, with its inline LaTeX rendered as MathML (raw text where it fails)."""
    if not text:
        return Markup("")
    if "$" not in text and "\\(" not in text:
        return Markup(html.escape(text))
    head, tail = text[:MAX_MARKUP_CHARS], text[MAX_MARKUP_CHARS:]
    return Markup(_with_math(head) + html.escape(tail))


# -- comments ------------------------------------------------------------------------------------


def comment_html(text: str) -> Markup:
    """A comment as HTML: paragraphs, line breaks, `code`, **bold**, *italic* and links."""
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    out: list[str] = []
    budget = MAX_MARKUP_CHARS
    for paragraph in paragraphs:
        marked, plain = paragraph[:budget], paragraph[budget:]
        budget -= len(marked)
        body = (_inline(marked) if marked else "") + html.escape(plain).replace("\n", "<br>")
        out.append(f"<p>{body}</p>")
    return Markup("".join(out))


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


_DOC_CODE = re.compile(r"``([^`\n]+)``|`([^`\n]+)`")


def doc_html(text: str) -> Markup:
    """A docstring as the API reference shows it: escaped, its ``code`` spans (doubled or
    single backticks) as code."""
    return Markup(
        _DOC_CODE.sub(
            lambda m: f"<code>{m.group(1) or m.group(2)}</code>", html.escape(text, quote=False)
        )
    )


def _format(text: str) -> str:
    out: list[str] = []
    cursor = 0
    for match in LINK.finditer(text):
        out.append(_emphasis(html.escape(text[cursor : match.start()])))
        url = html.escape(match.group(0), quote=True)
        out.append(f'<a href="{url}" rel="nofollow ugc noopener">{url}</a>')
        cursor = match.end()
    out.append(_emphasis(html.escape(text[cursor:])))
    return "".join(out)


def _emphasis(escaped: str) -> str:
    return _italic(_bold(escaped))


def _bold(text: str) -> str:
    """``**x**`` -> ``<strong>x</strong>``: the text inside starts and ends with a non-space and
    stays on one line."""
    out: list[str] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            out.append("\n")
        cursor = at = 0
        while (start := line.find("**", at)) >= 0:
            at = start + 1
            if start + 2 >= len(line) or line[start + 2].isspace():
                continue
            close = line.find("**", start + 3)
            while close >= 0 and line[close - 1].isspace():
                close = line.find("**", close + 1)
            if close < 0:
                # No closer for this opener, so none for any later one on the line either.
                break
            out.append(line[cursor:start])
            out.append(f"<strong>{line[start + 2 : close]}</strong>")
            cursor = at = close + 2
        out.append(line[cursor:])
    return "".join(out)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _italic(text: str) -> str:
    """``*x*`` -> ``<em>x</em>``: single stars, not inside a word, around text with no star that
    starts and ends with a non-space."""
    out: list[str] = []
    cursor = 0
    at = 0
    n = len(text)
    while (start := text.find("*", at)) >= 0:
        at = start + 1
        if start > 0 and (text[start - 1] == "*" or _is_word(text[start - 1])):
            continue
        if start + 1 >= n or text[start + 1].isspace() or text[start + 1] == "*":
            continue
        close = text.find("*", start + 1)
        if close < 0:
            break
        after = text[close + 1] if close + 1 < n else ""
        if text[close - 1].isspace() or after == "*" or (after and _is_word(after)):
            continue  # this star may still open the next one
        out.append(text[cursor:start])
        out.append(f"<em>{text[start + 1 : close]}</em>")
        cursor = at = close + 1
    out.append(text[cursor:])
    return "".join(out)


# -- small things pages show ---------------------------------------------------------------------


def authors(names: tuple[str, ...] | None, count: int | None, shown: int = 3) -> str:
    """``A, B, C +4``, or ``7 authors`` when only the count is known."""
    if names:
        head = ", ".join(names[:shown])
        return head + (f" +{len(names) - shown}" if len(names) > shown else "")
    if count:
        return f"{count} author{'s' if count != 1 else ''}"
    return ""


def claimed_by(paper: Paper, name: str) -> Claimed | None:
    """The member a moderator verified as the paper's author ``name``, if any."""
    if not paper.claimed:
        return None
    key = name_key(name)
    return next((claim for claim in paper.claimed if claim.author_key == key), None)


def unclaimed_authors(paper: Paper) -> list[str]:
    """The paper's authors no member is verified as (one each, as the paper writes them)."""
    taken = {claim.author_key for claim in paper.claimed}
    names: dict[str, str] = {}
    for name in paper.authors or ():
        key = name_key(name)
        if key and key not in taken:
            names.setdefault(key, name)
    return list(names.values())


def unread_badge(count: int) -> Markup:
    """The header's count of a member's unread notifications (nothing for none)."""
    if count <= 0:
        return Markup("")
    shown = "99+" if count > 99 else str(count)
    return Markup(f'<span class="count">{shown}<span class="visually-hidden"> unread</span></span>')


def short_count(count: int) -> str:
    """A count as a card shows it: 950, 1.2k, 12k, 1.2M."""
    for size, unit in ((1_000_000, "M"), (1_000, "k")):
        if count >= size:
            value = count / size
            # Rounded down, so 999,999 never shows as "1000k".
            shown = f"{int(value * 10) / 10:.1f}" if value < 10 else str(int(value))
            return shown.removesuffix(".0") + unit
    return str(count)


def initials(name: str) -> str:
    """The letters an author's picture shows: of the first and last words of the name."""
    words = [word for word in name.split() if word[:1].isalpha()]
    if not words:
        return ""
    first, last = words[0], words[-1]
    return (first[0] + (last[0] if len(words) > 1 else "")).upper()


def hue(name: str) -> int:
    """Which of the twelve colours an author's picture has, the same for every spelling."""
    return hashlib.sha256(name_key(name).encode()).digest()[0] % 12


def author_url(name: str) -> str:
    """The address of an author's page (any spelling of the name finds it)."""
    return "/authors/" + quote(" ".join(name.split()), safe="")


def day(value: date | datetime | None, long: bool = False) -> str:
    """``Tue 3 Feb 2026`` (or ``Tuesday 3 February 2026``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    pattern = "%A {d} %B %Y" if long else "%a {d} %b %Y"
    return value.strftime(pattern).replace("{d}", str(value.day))
