"""arXiv's free-text conventions: author strings, withdrawal notes and version dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dailypapers.sources.arxiv_text import is_withdrawn, parse_arxiv_date, split_authors


def test_parse_arxiv_date() -> None:
    when = datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert parse_arxiv_date("Mon, 2 Apr 2007 19:18:42 GMT") == when
    # Other RFC 2822 spellings go through email.utils and end in UTC.
    assert parse_arxiv_date("2 Apr 2007 21:18:42 +0200") == when
    assert parse_arxiv_date("Mon, 2 Apr 2007 19:18:42") == when
    for bad in ("yesterday", "", "Mon, 31 Feb 2007 19:18:42 GMT"):
        with pytest.raises(ValueError):
            parse_arxiv_date(bad)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ileana Streinu and Louis Theran", ("Ileana Streinu", "Louis Theran")),
        (
            "A.A. Serga, M. Kostylev, and B. Hillebrands",
            ("A.A. Serga", "M. Kostylev", "B. Hillebrands"),
        ),
        (
            "Arthur Jaffe (1) and Gordon Ritter (1) ((1) Harvard University)",
            ("Arthur Jaffe", "Gordon Ritter"),
        ),
        (
            "Yu.V.Ralchenko (Weizmann Institute) and L.A.Vainshtein\n  (Lebedev Institute)",
            ("Yu.V.Ralchenko", "L.A.Vainshtein"),
        ),
        ("John Smith, Jr., Ann Lee", ("John Smith Jr.", "Ann Lee")),
        ("B.Alver, et al, the PHOBOS Collaboration", ("B.Alver", "the PHOBOS Collaboration")),
        (
            "LHCb collaboration: R. Aaij, C. Abell\\'an Beteta",
            ("LHCb collaboration", "R. Aaij", "C. Abell\\'an Beteta"),
        ),
        ("", ()),
    ],
)
def test_split_authors(text: str, names: tuple[str, ...]) -> None:
    assert split_authors(text) == names


def test_split_authors_on_real_author_strings() -> None:
    assert split_authors("I. Csiszar, F. Hiai and D. Petz") == ("I. Csiszar", "F. Hiai", "D. Petz")
    assert split_authors("M. Valldor, O. Heyer, A.C. Komarek, and T. Lorenz") == (
        "M. Valldor",
        "O. Heyer",
        "A.C. Komarek",
        "T. Lorenz",
    )
    assert split_authors(
        "Bruno Dias (1), Leandro Kerber (1 and 3) and Thais Idiart (1) ((1) IAG, Universidade"
        " de S\\~ao Paulo, (3) Universidade Estadual de Santa Cruz)"
    ) == ("Bruno Dias", "Leandro Kerber", "Thais Idiart")
    assert split_authors("HESS Collaboration: A. Abramowski, F. Acero") == (
        "HESS Collaboration",
        "A. Abramowski",
        "F. Acero",
    )
    assert split_authors("W. T. Hill III, John Smith, Jr., Anne Sa{\\ss}") == (
        "W. T. Hill III",
        "John Smith Jr.",
        "Anne Sa{\\ss}",
    )
    assert split_authors('Bastian Gundlach and Stephan Kilias and J\\"urgen Blum') == (
        "Bastian Gundlach",
        "Stephan Kilias",
        'J\\"urgen Blum',
    )


def test_split_authors_keeps_separators_inside_latex_braces() -> None:
    assert split_authors("M. {Bianchi, jr.} and O. Lee") == ("M. {Bianchi, jr.}", "O. Lee")
    assert split_authors("{ATLAS: the detector} Collaboration: A. B; C. {D{\\'e}, E}") == (
        "{ATLAS: the detector} Collaboration",
        "A. B",
        "C. {D{\\'e}, E}",
    )
    # Braces that never close hide nothing: the rest of the string is not one name.
    assert split_authors("A. {B, C. D") == ("A. {B", "C. D")


def test_split_authors_and_typed_twice() -> None:
    assert split_authors("Naihong Hu, Dong Liu and and Linsheng Zhu") == (
        "Naihong Hu",
        "Dong Liu",
        "Linsheng Zhu",
    )


def test_split_authors_group_prefix_is_one_name() -> None:
    assert split_authors("The CMS and LHCb Collaborations: V. Khachatryan, A.M. Sirunyan") == (
        "The CMS and LHCb Collaborations",
        "V. Khachatryan",
        "A.M. Sirunyan",
    )


@pytest.mark.parametrize(
    ("comments", "abstract", "withdrawn"),
    [
        ("This paper has been withdrawn by the author", "Anything.", True),
        ("Withdrawn: a flaw in Lemma 2", None, True),
        (None, "This paper has been withdrawn by the author due to an error.", True),
        (None, "Withdrawn.", True),
        (None, "THE AUTHORS HAVE BEEN WITHDRAWN", True),
        # An abstract may speak of other withdrawn things; only the paper's own withdrawal counts.
        (None, "We model withdrawn savings in a bank run.", None),
        ("37 pages, 15 figures", "A fully differential calculation.", None),
        (None, None, None),
        ("", "", None),
    ],
)
def test_is_withdrawn(comments: str | None, abstract: str | None, withdrawn: bool | None) -> None:
    assert is_withdrawn(comments, abstract) is withdrawn
