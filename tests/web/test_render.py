"""Rendering stored text safely: LaTeX as MathML, comments as a small markdown, author lists."""

from __future__ import annotations

import re
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dailypapers.web import render
from dailypapers.web.render import authors, comment_html, day, math


def test_inline_latex_becomes_mathml() -> None:
    html = str(math(r"Bounds for $\alpha$-divergences in $O(n^2)$ time"))
    assert (
        html.count("<math") == 2 and "<mi>α</mi>" in html and "<msup><mi>n</mi><mn>2</mn>" in html
    )
    assert html.startswith('Bounds for <span class="math" title="\\alpha">')
    assert "-divergences in " in html


def test_text_that_is_not_math_stays_text() -> None:
    assert str(math("It costs $5 and $10 today")) == "It costs $5 and $10 today"
    assert str(math("No math <b>here</b> & there")) == "No math &lt;b&gt;here&lt;/b&gt; &amp; there"
    assert str(math(None)) == ""
    # LaTeX the converter cannot read is shown as written, escaped.
    broken = str(math(r"A $\frac{1}{$ case <x>"))
    assert "<math" not in broken and "&lt;x&gt;" in broken


def test_math_cannot_smuggle_markup() -> None:
    html = str(math(r"$x<y$ and $\text{<script>alert(1)</script>}$ or $\href{javascript:x}{y}$"))
    assert "<script>" not in html and "javascript:x" not in html.split("title=")[0]
    assert "&lt;script&gt;" in html and "<math" in html  # x<y is still a formula


def test_comment_markdown_subset() -> None:
    html = str(
        comment_html("First **bold** and *it*\nline two\n\nSecond `a*b*c` <i>x</i> http://x.org/p.")
    )
    assert html == (
        "<p>First <strong>bold</strong> and <em>it</em><br>line two</p>"
        "<p>Second <code>a*b*c</code> &lt;i&gt;x&lt;/i&gt; "
        '<a href="http://x.org/p" rel="nofollow ugc noopener">http://x.org/p</a>.</p>'
    )
    assert "href" not in str(comment_html("[x](javascript:alert(1))"))


def test_authors_and_days() -> None:
    assert authors(("A", "B", "C", "D", "E"), 5) == "A, B, C +2"
    assert authors(("A",), 1) == "A"
    assert authors(None, 7) == "7 authors"
    assert authors(None, None) == ""
    from datetime import date

    assert day(date(2026, 2, 3)) == "Tue 3 Feb 2026"
    assert day(date(2026, 2, 3), long=True) == "Tuesday 3 February 2026"


# -- the scanners against the patterns they replace ----------------------------------------------

# The regular expressions the scanners replace: the specification of what counts as a formula,
# bold and italic. They backtrack quadratically on long adversarial text, which is why the code
# no longer uses them, but on short text they are the reference.
REFERENCE_MATH = re.compile(
    r"(?<![\\$])\$(?=[^\s$])(?P<dollar>(?:\\.|[^$\\])+?)(?<=[^\s\\])\$(?!\d)"
    r"|\\\((?P<paren>.+?)\\\)",
    re.DOTALL,
)
REFERENCE_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
REFERENCE_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?![*\w])")

# Short text made of the characters the delimiters are made of.
delimiter_soup = st.text(alphabet="$\\()*ab 1\n\t_é٣", max_size=40)


@given(delimiter_soup)
@settings(max_examples=3000)
def test_formulas_are_found_where_the_reference_pattern_finds_them(text: str) -> None:
    expected = [
        (m.start(), m.end(), m.group("dollar") or m.group("paren"))
        for m in REFERENCE_MATH.finditer(text)
    ]
    assert render._formulas(text) == expected


@given(delimiter_soup)
@settings(max_examples=3000)
def test_emphasis_is_found_where_the_reference_patterns_find_it(text: str) -> None:
    bold = REFERENCE_BOLD.sub(r"<strong>\1</strong>", text)
    assert render._bold(text) == bold
    assert render._italic(bold) == REFERENCE_ITALIC.sub(r"<em>\1</em>", bold)


# -- any text renders fast -----------------------------------------------------------------------

# Pieces that make backtracking patterns and naive scanners slow when repeated: openers with no
# closer, closers with no opener, escapes, runs of stars, links and formulas.
ADVERSARIAL = [
    "\\( ",
    "\\(",
    "\\)",
    "$",
    "$$",
    "$ ",
    " $",
    "\\$",
    "\\",
    "\\\\",
    "$x",
    "x$",
    "$1",
    "**",
    "** ",
    " **",
    "*",
    "* ",
    "*a",
    "a*",
    "`",
    "``",
    "\n",
    "\n\n",
    " ",
    "a",
    "é",
    "http://",
    "https://x.org/a.",
    "...",
    "$x_i$ ",
    "\\(x^2\\) ",
    "{",
    "}",
    "\\frac{",
    "<b>",
    "&",
]


@st.composite
def large_texts(draw: st.DrawFn) -> str:
    """Text of up to 100 KB: a repeated adversarial pattern, mixed with random characters."""
    pattern = "".join(draw(st.lists(st.sampled_from(ADVERSARIAL), min_size=1, max_size=6)))
    noise = draw(st.text(max_size=200))
    size = draw(st.integers(1_000, 100_000))
    text = (pattern * (size // len(pattern) + 1))[: size - len(noise)]
    cut = draw(st.integers(0, len(text)))
    return text[:cut] + noise + text[cut:]


@given(large_texts())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_text_up_to_100_kb_renders_in_under_100_ms(text: str) -> None:
    for render_one in (math, comment_html):
        started = time.perf_counter()
        rendered = str(render_one(text))
        elapsed = time.perf_counter() - started
        assert elapsed < 0.1, f"{render_one.__name__} took {elapsed * 1000:.0f} ms"
        assert "<script" not in rendered


def test_the_formula_that_froze_the_server_renders_at_once() -> None:
    started = time.perf_counter()
    html_text = str(math("\\( " * 25000))
    assert time.perf_counter() - started < 0.1
    assert "<math" not in html_text and html_text.startswith("\\( \\( ")


def test_formulas_past_the_cap_stay_text() -> None:
    text = " ".join(f"$x_{{{i}}}$" for i in range(render.MAX_FORMULAS + 5))
    html_text = str(math(text))
    assert html_text.count("<math") == render.MAX_FORMULAS
    last = render.MAX_FORMULAS + 4
    assert html_text.endswith(" $x_{" + str(last) + "}$")
    long_formula = "$" + "x+" * render.MAX_FORMULA_CHARS + "y$"
    assert "<math" not in str(math(long_formula))


def test_the_rendered_cache_is_bounded_by_size() -> None:
    cache = render._with_math.cache  # type: ignore[attr-defined]
    for i in range(200):
        math(f"$x_{i}$ " + "y" * 100_000)  # too large to keep
    assert cache.currsize <= cache.maxsize
    assert all(len(value) <= cache.maxsize // 100 for value in cache.values())
