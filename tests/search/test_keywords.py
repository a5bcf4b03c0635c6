"""Key phrases of papers: real abstracts from the demo, the collection's weights, and any text."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from dailypapers import demo
from dailypapers.search.keywords import KEEP, STOPWORDS, key_phrases, phrase_keys
from dailypapers.sources.hf_daily import parse_hf_daily


def _demo_papers() -> list[tuple[str, str | None]]:
    with demo.open_dataset() as stream:
        records = [r for r in parse_hf_daily(stream, "demo") if hasattr(r, "title")]
    return [(r.title, r.abstract) for r in records]  # type: ignore[union-attr]


PAPERS = _demo_papers()
FREQUENCY: Counter[str] = Counter()
for _title, _abstract in PAPERS:
    FREQUENCY.update(phrase_keys(_title, _abstract))


def _phrases_of(title: str) -> list[str]:
    [(found_title, abstract)] = [p for p in PAPERS if p[0].startswith(title)]
    return key_phrases(found_title, abstract, FREQUENCY, len(PAPERS))


def test_a_papers_names_and_topics_come_first() -> None:
    phrases = _phrases_of("PaperBanana")
    assert phrases[0] == "PaperBanana"  # its name, in its own case
    assert "automating academic illustration" in phrases  # a title phrase, in lower case
    assert len(phrases) == KEEP
    robot = _phrases_of("Causal World Modeling for Robot Control")
    assert robot[:2] == ["causal world modeling", "robot control"]


def test_phrases_do_not_repeat_each_other_and_name_no_filler() -> None:
    for title, abstract in PAPERS[:200]:
        phrases = key_phrases(title, abstract, FREQUENCY, len(PAPERS))
        words = [w for phrase in phrases for w in phrase.lower().split()]
        assert len(words) == len(set(words)), phrases
        assert not {w for w in words} & {"propose", "paper", "results", "method", "novel"}


def test_a_phrase_every_paper_has_weighs_less_than_a_rare_one() -> None:
    title = "Sparse attention for long documents"
    abstract = (
        "Sparse attention helps. Sparse attention scales. Long documents need sparse attention."
    )
    common = Counter({"sparse attention": 1000, "sparse": 1000, "attention": 1000})
    assert key_phrases(title, abstract, common, 1000)[0] == "long documents"
    assert key_phrases(title, abstract, Counter(), 1000)[0] == "sparse attention"


def test_a_paper_without_an_abstract_still_gets_its_titles_phrases() -> None:
    phrases = key_phrases("Graph Neural Networks for Molecules", None, Counter(), 10)
    assert "graph neural networks" in phrases


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.one_of(st.none(), st.text(max_size=2000)))
def test_any_text_gives_a_few_phrases_it_contains(title: str, abstract: str | None) -> None:
    phrases = key_phrases(title, abstract, Counter(), 100)
    assert len(phrases) <= KEEP
    text = f"{title} {abstract or ''}".lower()
    for phrase in phrases:
        words = phrase.lower().split()
        assert words and words[0] not in STOPWORDS and words[-1] not in STOPWORDS
        assert all(re.search(re.escape(word), text) for word in words)
    assert phrases == key_phrases(title, abstract, Counter(), 100)  # the same every time
