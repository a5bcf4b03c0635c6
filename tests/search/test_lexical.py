"""The lexical index: query language, filters, snippets, upserts, persistence, hostile input."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dailypapers.errors import StoreError
from dailypapers.search.beir import load_beir
from dailypapers.search.lexical import (
    STATE_FILE,
    LexicalDoc,
    LexicalFilters,
    LexicalHit,
    LexicalIndex,
    _window,
)

PAPERS = [
    LexicalDoc(
        id="2401.00001",
        title="Attention Is All You Need",
        abstract="We propose the Transformer, a network architecture based solely on attention.",
        authors=("Ashish Vaswani", "Noam Shazeer"),
        categories=("cs.CL", "cs.LG"),
        published=date(2024, 1, 2),
        upvotes=120,
    ),
    LexicalDoc(
        id="2401.00002",
        title="Graph neural networks for molecules",
        abstract="Message passing networks predict quantum properties of molecules <fast> & well.",
        authors=("Justin Gilmer", "Yann LeCun"),
        categories=("cs.LG", "q-bio.QM"),
        published=date(2024, 1, 10),
        upvotes=15,
    ),
    LexicalDoc(
        id="2401.00003",
        title="Convolutional networks for images",
        abstract="Deep convolutional networks classify images; attention is not needed here.",
        authors=("Yann LeCun", "Léon Bottou"),
        categories=("cs.CV",),
        published=date(2023, 6, 1),
        upvotes=40,
    ),
    LexicalDoc(
        id="2401.00004",
        title="Bird migration tracked by radar",
        abstract=None,
        authors=("Ada Bird",),
        categories=("q-bio.PE",),
        published=None,
        upvotes=0,
    ),
]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[LexicalIndex]:
    opened = LexicalIndex(tmp_path / "lexical")
    opened.add(PAPERS)
    opened.commit(watermark=4)
    yield opened
    opened.close()


def ids(hits: list[LexicalHit]) -> list[str]:
    return [hit.id for hit in hits]


def test_plain_words_rank_by_bm25_with_stemming(index: LexicalIndex) -> None:
    hits = index.search("transformers attention", limit=10)
    assert ids(hits)[0] == "2401.00001"
    assert "2401.00003" in ids(hits)  # "attention" in its abstract
    assert hits[0].score > hits[-1].score


def test_phrase_is_required_and_exact(index: LexicalIndex) -> None:
    # Both mention attention; only one has the phrase (its stopwords leave gaps the phrase keeps).
    assert ids(index.search('"attention is all you need"', 10)) == ["2401.00001"]
    assert ids(index.search('"network architecture"', 10)) == ["2401.00001"]
    assert ids(index.search('"architecture network"', 10)) == []


def test_author_and_category(index: LexicalIndex) -> None:
    assert sorted(ids(index.search("author:LeCun", 10))) == ["2401.00002", "2401.00003"]
    assert ids(index.search('author:"Yann LeCun" images', 10))[0] == "2401.00003"
    assert ids(index.search('author:"LeCun Yann"', 10)) == []
    # Accents fold: "Leon" finds "Léon".
    assert ids(index.search("author:leon", 10)) == ["2401.00003"]
    assert sorted(ids(index.search("cat:cs.LG", 10))) == ["2401.00001", "2401.00002"]
    assert ids(index.search("cat:cs.lg networks graph", 10))[0] == "2401.00002"
    assert ids(index.search("cat:math.AG networks", 10)) == []


def test_plain_words_also_find_authors(index: LexicalIndex) -> None:
    assert ids(index.search("vaswani", 10)) == ["2401.00001"]


def test_filters(index: LexicalIndex) -> None:
    def search(filters: LexicalFilters) -> list[str]:
        return sorted(ids(index.search("networks", 10, filters)))

    assert search(LexicalFilters(min_upvotes=20)) == ["2401.00001", "2401.00003"]
    assert search(LexicalFilters(categories=("cs.CV", "q-bio.QM"))) == [
        "2401.00002",
        "2401.00003",
    ]
    assert search(LexicalFilters(published_from=date(2024, 1, 1))) == [
        "2401.00001",
        "2401.00002",
    ]
    assert search(LexicalFilters(published_to=date(2024, 1, 2))) == ["2401.00001", "2401.00003"]
    assert search(
        LexicalFilters(published_from=date(2024, 1, 3), published_to=date(2024, 1, 10))
    ) == ["2401.00002"]
    inverted = LexicalFilters(published_from=date(2025, 1, 1), published_to=date(2024, 1, 1))
    assert search(inverted) == []
    assert search(LexicalFilters(min_upvotes=10**30)) == []
    assert len(search(LexicalFilters(min_upvotes=-(10**30)))) == 3
    # Filters restrict without changing scores.
    plain = index.search("networks", 10)
    filtered = index.search("networks", 10, LexicalFilters(min_upvotes=0))
    assert [(h.id, h.score) for h in plain] == [(h.id, h.score) for h in filtered]


def test_typo_falls_back_to_fuzzy(index: LexicalIndex) -> None:
    assert ids(index.search("convolutoinal", 10)) == ["2401.00003"]
    assert ids(index.search("molecuels graph", 10))[0] == "2401.00002"
    hit = index.search("migraton.", 10)[0]
    assert hit.id == "2401.00004"
    assert "<mark>migration</mark>" in hit.title_snippet.lower()


def test_trailing_word_matches_by_prefix(index: LexicalIndex) -> None:
    assert ids(index.search("graph neural netw", 10))[0] == "2401.00002"
    assert ids(index.search("molec", 10)) == ["2401.00002"]
    hit = index.search("convolu", 10)[0]
    assert hit.id == "2401.00003"
    assert "<mark>Convolutional</mark>" in hit.title_snippet
    # Only the word being typed is completed: "molec " with a space is a finished word.
    assert ids(index.search("molec graph", 10)) == ["2401.00002"]  # via "graph" only
    assert ids(index.search("molec ", 10)) == []


def test_snippets_highlight_and_escape(index: LexicalIndex) -> None:
    hit = index.search("molecules fast", 10)[0]
    assert hit.id == "2401.00002"
    assert hit.title_snippet == "Graph neural networks for <mark>molecules</mark>"
    assert "&lt;<mark>fast</mark>&gt; &amp; well." in hit.abstract_snippet
    assert "<fast>" not in hit.abstract_snippet
    no_abstract = index.search("radar", 10)[0]
    assert no_abstract.abstract_snippet == ""
    assert index.search("radar", 10, snippets=False)[0].title_snippet == ""


def test_long_abstract_snippet_is_a_window_around_the_matches(tmp_path: Path) -> None:
    filler = "Lorem ipsum dolor sit amet consectetur. " * 30
    abstract = filler + "The key finding concerns zebrafish regeneration. " + filler
    with LexicalIndex(tmp_path / "lexical") as index:
        index.add([LexicalDoc(id="x", title="A study", abstract=abstract)])
        index.commit()
        snippet = index.search("zebrafish regeneration", 1)[0].abstract_snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>zebrafish</mark> <mark>regeneration</mark>" in snippet
    assert len(snippet) < 300


def test_upsert_by_id_replaces(index: LexicalIndex) -> None:
    index.add([LexicalDoc(id="2401.00004", title="Whale song analysis", upvotes=3)])
    # Not visible until committed.
    assert ids(index.search("radar", 10)) == ["2401.00004"]
    index.commit(watermark=5)
    assert ids(index.search("radar", 10)) == []
    assert ids(index.search("whale", 10)) == ["2401.00004"]
    assert index.count() == 4
    # The same id twice in one batch: the last one wins.
    index.add(
        [
            LexicalDoc(id="n1", title="first version"),
            LexicalDoc(id="n1", title="second version"),
        ]
    )
    index.commit()
    assert ids(index.search("first", 10)) == []
    assert ids(index.search("second", 10)) == ["n1"]
    assert index.count() == 5


def test_delete_and_clear(index: LexicalIndex) -> None:
    index.delete(["2401.00001", "no-such-id"])
    index.commit(watermark=6)
    assert index.count() == 3
    assert ids(index.search("transformer", 10)) == []
    index.clear()
    index.commit(watermark=0)
    assert index.count() == 0


def test_reopen_keeps_docs_and_only_the_committed_watermark(tmp_path: Path) -> None:
    path = tmp_path / "lexical"
    with LexicalIndex(path) as index:
        assert index.watermark == 0
        index.add(PAPERS[:2])
        index.commit(watermark=2)
        index.add(PAPERS[2:])  # staged, then the process "dies" without committing
    with LexicalIndex(path) as index:
        assert index.watermark == 2
        assert index.count() == 2
        assert ids(index.search("transformer", 10)) == ["2401.00001"]
        # A commit without a watermark leaves it where it was.
        index.add(PAPERS[2:])
        index.commit()
        assert index.watermark == 2
    state = json.loads((path / STATE_FILE).read_text())
    assert state["watermark"] == 2


def test_one_writer_per_directory(index: LexicalIndex) -> None:
    other = LexicalIndex(index.path)
    assert other.count() == 4  # readers are fine
    with pytest.raises(StoreError, match="cannot write"):
        other.add(PAPERS[:1])


def test_index_of_another_format_is_rebuilt_empty(tmp_path: Path) -> None:
    path = tmp_path / "lexical"
    with LexicalIndex(path) as index:
        index.add(PAPERS)
        index.commit(watermark=9)
    (path / STATE_FILE).write_text(json.dumps({"format": 0, "watermark": 9}))
    with LexicalIndex(path) as index:
        assert index.count() == 0
        assert index.watermark == 0


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        'networks "',
        "AND OR (",
        ")(][}{",
        "*",
        "title:foo^2 ~3 +bar -baz",
        "author:",
        'author:"',
        "cat:",
        "cat:*",
        "\\",
        "\x00\x01",
        "' OR 1=1 --",
        "🙂 émoji ñ",
        "a" * 5000,
        " ".join(f"word{i}" for i in range(3000)),
        "",
        "   ",
        "the of and",
    ],
)
def test_hostile_input_never_raises(index: LexicalIndex, query: str) -> None:
    hits = index.search(query, 10, LexicalFilters(min_upvotes=0))
    assert isinstance(hits, list)


def test_stopword_only_query_finds_nothing(index: LexicalIndex) -> None:
    assert index.search("the of and", 10) == []
    assert index.search("", 10) == []
    assert index.search("networks", 0) == []


def test_scifact_relevant_doc_ranks_first(tmp_path: Path, shared_data: Path) -> None:
    data = load_beir(shared_data / "scifact", "test")
    # 300 documents: every relevant one of the first queries, padded with the rest in file order.
    query_ids = list(data.queries)[:20]
    wanted = {doc_id for qid in query_ids for doc_id in data.qrels[qid]}
    chosen = [data.corpus[d] for d in wanted if d in data.corpus]
    chosen += [doc for doc in data.corpus.values() if doc.id not in wanted][: 300 - len(chosen)]
    with LexicalIndex(tmp_path / "lexical") as index:
        index.add(LexicalDoc(id=d.id, title=d.title, abstract=d.text) for d in chosen)
        index.commit()
        assert index.count() == 300
        firsts = 0
        for qid in query_ids:
            hits = index.search(data.queries[qid], 10)
            firsts += bool(hits) and hits[0].id in data.qrels[qid]
    # BM25 is not perfect; on these 20 queries in a 300-doc pool it gets nearly all.
    assert firsts >= 16


def _best_window_by_brute_force(spans: list[tuple[int, int, str]], size: int) -> int:
    best_start, best_score = 0, -1
    for i, (begin, _, _) in enumerate(spans):
        terms = {term for _, end, term in spans[i:] if end <= begin + size}
        if len(terms) > best_score:
            best_start, best_score = begin, len(terms)
    return best_start if best_score > 0 else 0


@given(
    st.lists(st.tuples(st.integers(0, 20), st.integers(1, 60), st.sampled_from("abcde"))),
    st.integers(5, 300),
)
def test_the_snippet_window_holds_the_most_distinct_matches(
    gaps: list[tuple[int, int, str]], size: int
) -> None:
    spans, at = [], 0
    for gap, length, term in gaps:
        spans.append((at + gap, at + gap + length, term))
        at += gap + length
    text = " " * (at + 5)  # all spaces: the window is not moved back to a word's start
    start, _ = _window(text, spans, size)
    assert start == max(0, _best_window_by_brute_force(spans, size) - size // 6) or not spans


def test_an_abstract_matching_thousands_of_times_gets_its_snippet_at_once(tmp_path: Path) -> None:
    repeated = "entropy " * 2500
    with LexicalIndex(tmp_path / "index") as index:
        index.add([LexicalDoc(id="2401.00009", title="Entropy", abstract=repeated)])
        index.commit(watermark=1)
        started = time.perf_counter()
        hits = index.search("entropy", 1)
        assert time.perf_counter() - started < 1.0
    assert hits[0].abstract_snippet.count("<mark>") > 10
