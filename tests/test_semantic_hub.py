"""Semantic and hybrid search through the hub: embeddings stored once, the vector index kept."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from dailypapers.config import load_settings
from dailypapers.demo import open_dataset
from dailypapers.hub import Hub, LexicalFilters
from dailypapers.search.embedding import Embedder


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    """A hub holding the first 40 papers of the demo (real papers, enough to rank)."""
    opened, _ = Hub.init(load_settings({"data_dir": tmp_path}, {}))
    with open_dataset() as stream:
        items = json.load(stream)[:40]
    opened.import_stream(io.BytesIO(json.dumps(items).encode()), "demo subset", "hf-daily")
    yield opened  # type: ignore[misc]
    opened.close()


def test_semantic_and_hybrid_find_by_meaning(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    embedded: list[int] = []
    embed = Embedder.embed

    def counting(self: Embedder, texts, progress=None):  # type: ignore[no-untyped-def]
        embedded.append(len(texts))
        return embed(self, texts, progress)

    monkeypatch.setattr(Embedder, "embed", counting)
    assert hub.index(semantic=True) == 40
    assert sum(embedded) == 40 and len(hub.vectors) == 40
    # No word of this query is in the title it should find.
    query = "software that draws diagrams for scientific publications automatically"
    semantic = hub.search(query, limit=3, mode="semantic")
    assert semantic[0].paper.id == "2601.23265"  # PaperBanana
    # Found by meaning, shown with the words it shares with the query marked.
    assert "<mark>diagrams</mark>" in semantic[0].abstract_snippet
    for mode in ("semantic", "hybrid"):
        popular = hub.search(query, 10, LexicalFilters(min_upvotes=50), mode)
        assert popular and all(hit.paper.total_upvotes >= 50 for hit in popular)
        assert len(popular) < len(hub.search(query, 10, None, mode))
    hybrid = hub.search("PaperBanana illustration", limit=3, mode="hybrid")
    assert hybrid[0].paper.id == "2601.23265"
    assert "<mark>" in hybrid[0].title_snippet

    # A rebuild takes the vectors from the store: nothing is embedded again.
    embedded.clear()
    hub.index(rebuild=True, semantic=True)
    assert sum(embedded) == 0
    assert hub.vectors.watermark == hub.version()[0]


def test_similar_papers(hub: Hub) -> None:
    hub.index()
    nearest = hub.similar("2601.23265", limit=5)
    assert len(nearest) == 5
    assert "2601.23265" not in {hit.paper.id for hit in nearest}
    similarities = [hit.score for hit in nearest]
    assert similarities == sorted(similarities, reverse=True)
    assert 0 < similarities[-1] <= similarities[0] < 1


def test_the_demo_vectors_are_the_models(hub: Hub) -> None:
    from dailypapers import demo
    from dailypapers.search.embedding import content_hash, paper_text

    shipped = demo.vectors()
    papers = list(hub.all_papers())[:12]
    texts = [paper_text(p.title, p.abstract) for p in papers]
    fresh = hub.embedder.embed(texts)
    stored = np.stack([shipped[content_hash(text)] for text in texts])
    # Shipped as float16: within the 1e-3 the embedder itself is held to.
    assert np.abs(fresh - stored).max() < 1e-3
