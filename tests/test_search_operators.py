"""Operators and filters hold in every search mode: each hit of a search by words, by meaning or
by both meets every ``author:``, ``cat:``, ``"phrase"`` and filter it was given.

The papers are real: the first 200 of arXiv's Kaggle snapshot (categories, authors, abstracts)
and 40 of the demo's Daily Papers (no categories), embedded by the real model.
"""

from __future__ import annotations

import io
import json
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from dailypapers.config import load_settings
from dailypapers.demo import open_dataset
from dailypapers.hub import Hub, LexicalFilters, embedding_available
from dailypapers.models import Paper

MODES = ("lexical", "semantic", "hybrid")
KAGGLE = "arxiv-kaggle/wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Hub]:
    if not embedding_available():
        pytest.skip("the semantic extra is not installed")
    opened, _ = Hub.init(load_settings({"data_dir": tmp_path_factory.mktemp("operators")}, {}))
    opened.import_files([shared_data / KAGGLE])
    with open_dataset() as stream:
        items = json.load(stream)[:40]
    opened.import_stream(io.BytesIO(json.dumps(items).encode()), "demo subset", "hf-daily")
    opened.index(semantic=True)
    yield opened
    opened.close()


def folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def has_author(name: str) -> Callable[[Paper], bool]:
    return lambda paper: any(folded(name) == folded(a) for a in paper.authors or ())


def in_category(category: str) -> Callable[[Paper], bool]:
    return lambda paper: category.lower() in {c.lower() for c in paper.categories or ()}


def has_phrase(phrase: str) -> Callable[[Paper], bool]:
    def holds(paper: Paper) -> bool:
        text = " ".join(f"{paper.title} {paper.abstract or ''}".lower().split())
        return phrase in text or folded(phrase) in folded(" ".join(paper.authors or ()))

    return holds


# (query, filters, what every hit must satisfy, hits the lexical search has at least)
CASES = [
    ('author:"I. Grabec" learning', None, has_author("I. Grabec"), 2),
    ('author:"Maxim A. Yurkin"', None, has_author("Maxim A. Yurkin"), 2),
    ("cat:hep-ph quarks", None, in_category("hep-ph"), 1),
    ("cat:cs.LG", None, in_category("cs.LG"), 0),  # the demo's papers carry no category
    ('"magnetic field" in stars', None, has_phrase("magnetic field"), 3),
    (
        '"black hole" cat:gr-qc',
        None,
        lambda p: has_phrase("black hole")(p) and in_category("gr-qc")(p),
        1,
    ),
    ("galaxies and stars", LexicalFilters(categories=("astro-ph",)), in_category("astro-ph"), 3),
    (
        "particles",
        LexicalFilters(published_from=date(2007, 4, 2), published_to=date(2007, 4, 3)),
        lambda p: p.day is not None and date(2007, 4, 2) <= p.day <= date(2007, 4, 3),
        1,
    ),
    ("language models", LexicalFilters(min_upvotes=30), lambda p: p.total_upvotes >= 30, 1),
]


@pytest.mark.parametrize(("query", "filters", "holds", "at_least"), CASES)
def test_every_hit_of_every_mode_meets_the_operators_and_filters(
    hub: Hub,
    query: str,
    filters: LexicalFilters | None,
    holds: Callable[[Paper], bool],
    at_least: int,
) -> None:
    for mode in MODES:
        hits = hub.search(query, 10, filters, mode)
        bad = [hit.paper.id for hit in hits if not holds(hit.paper)]
        assert not bad, (mode, bad)
        if mode == "lexical":
            assert len(hits) >= at_least, query
        if at_least == 0:
            assert hits == [], mode


def test_a_search_by_meaning_still_ranks_by_meaning_within_the_operators(hub: Hub) -> None:
    # Among the astrophysics papers, the one about what the words mean comes first even
    # though it shares none of them.
    hits = hub.search("cat:astro-ph stellar explosions", 5, None, "semantic")
    assert hits and all(in_category("astro-ph")(hit.paper) for hit in hits)
    ranked = [hit.score for hit in hits]
    assert ranked == sorted(ranked, reverse=True)
