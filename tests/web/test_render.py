"""Rendering stored text safely: LaTeX as MathML, comments as a small markdown, author lists."""

from __future__ import annotations

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
