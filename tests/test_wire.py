"""Papers in other tools' shapes: BibTeX entries as arXiv exports them."""

from __future__ import annotations

from dataclasses import replace

from dailypapers.wire import bibtex
from papers import a_paper


def test_bibtex_escapes_special_characters_but_not_inside_math() -> None:
    paper = replace(
        a_paper("Bounds on $x_i$ & $\\alpha_1$ for 100% of R_t cases #1", "", "Ada Lovelace", ""),
        arxiv_id="2602.21193",
    )
    entry = bibtex(paper)
    assert "title = {{Bounds on $x_i$ \\& $\\alpha_1$ for 100\\% of R\\_t cases \\#1}}" in entry
    assert "author = {Ada Lovelace}" in entry and "eprint = {2602.21193}" in entry
