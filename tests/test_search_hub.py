"""The hub's search path: catching the lexical index up with the store, and searching it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dailypapers.config import load_settings
from dailypapers.errors import ConfigError
from dailypapers.hub import Hub, LexicalFilters
from dailypapers.hub import search as hub_search
from dailypapers.models import PaperRecord


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    opened, _ = Hub.init(load_settings({"data_dir": tmp_path}, {}))
    opened.load_demo()
    yield opened  # type: ignore[misc]
    opened.close()


def test_index_catches_up_and_search_finds(hub: Hub) -> None:
    assert hub.index(semantic=False) == 783
    assert hub.lexical.count() == 783
    assert hub.lexical.watermark == hub.version()[0]
    assert hub.index(semantic=False) == 0
    hits = hub.search("PaperBanana academic illustration")
    assert hits[0].paper.id == "2601.23265"
    assert "<mark>PaperBanana</mark>" in hits[0].title_snippet
    by_url = hub.search("https://huggingface.co/papers/2601.23265")
    assert [hit.paper.id for hit in by_url] == ["2601.23265"]
    popular = hub.search("agents", limit=50, filters=LexicalFilters(min_upvotes=100))
    assert popular and all(hit.paper.source_upvotes >= 100 for hit in popular)  # type: ignore[operator]


def test_only_changed_papers_are_reindexed(hub: Hub) -> None:
    hub.index(semantic=False)
    hub.ingest(
        [
            PaperRecord(
                title="PaperBanana: Automating Academic Illustration for AI Scientists",
                arxiv_id="2601.23265",
                version=2,
                abstract="A revised abstract about zebrafish cartography.",
            )
        ]
    )
    assert hub.index(semantic=False) == 1
    assert [hit.paper.id for hit in hub.search("zebrafish cartography")] == ["2601.23265"]


def test_a_vote_reindexes_its_paper_but_finds_its_key_phrases_only_when_its_text_changes(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.index(semantic=False)
    tagged: list[str] = []
    real = hub_search.key_phrases

    def counted(title: str, *args: object) -> list[str]:
        tagged.append(title)
        return real(title, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(hub_search, "key_phrases", counted)
    reader = hub.create_user("tagger", "tagger@example.org")
    hub.vote(reader, "2601.23265")
    assert hub.index(semantic=False) == 1 and tagged == []  # the count moved, not the text
    before = hub.paper("2601.23265").keywords
    assert before and hub.search('kw:"' + before[0] + '"')
    hub.ingest(
        [
            PaperRecord(
                title="PaperBanana: Automating Academic Illustration for AI Scientists",
                arxiv_id="2601.23265",
                version=2,
                abstract="A revised abstract about zebrafish cartography and coral reef maps.",
            )
        ]
    )
    assert hub.paper("2601.23265").keywords == ()  # the old text's phrases are gone
    assert hub.index(semantic=False) == 1 and len(tagged) == 1
    assert hub.paper("2601.23265").keywords != before


def test_a_crash_mid_index_leaves_it_behind_and_the_rerun_completes(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo is one import batch: 783 papers under one change sequence number.
    monkeypatch.setattr(hub_search, "INDEX_PAGE", 100)
    add = hub.lexical.add
    pages = []

    def add_then_die(docs):  # type: ignore[no-untyped-def]
        pages.append(1)
        if len(pages) == 3:
            raise RuntimeError("killed")
        return add(docs)

    monkeypatch.setattr(hub.lexical, "add", add_then_die)
    with pytest.raises(RuntimeError):
        hub.index(semantic=False)
    assert hub.lexical.watermark < hub.version()[0]  # behind, never ahead
    monkeypatch.setattr(hub.lexical, "add", add)
    hub.index(semantic=False)
    assert hub.lexical.count() == 783
    assert hub.lexical.watermark == hub.version()[0]


def test_rebuild_starts_from_scratch(hub: Hub) -> None:
    hub.index(semantic=False)
    assert hub.index(rebuild=True, semantic=False) == 783
    assert hub.lexical.count() == 783


def test_sorts_reorder_the_relevant_hits(hub: Hub) -> None:
    hub.index(semantic=False)
    relevant = hub.search("diffusion", limit=30)
    newest = hub.search("diffusion", limit=30, sort="newest")
    upvoted = hub.search("diffusion", limit=30, sort="upvotes")
    # Every sort keeps to papers about the query, and each orders them by its own key.
    assert all("diffusion" in (h.paper.title + (h.paper.abstract or "")).lower() for h in newest)
    # The demo's papers are dated by their first day on the list (arXiv's date is not shipped).
    days = [h.paper.day for h in newest]
    assert None not in days and days == sorted(days, reverse=True) and len(set(days)) > 1  # type: ignore[type-var]
    votes = [h.paper.total_upvotes for h in upvoted]
    assert votes == sorted(votes, reverse=True) and votes[0] > votes[-1]
    assert [h.paper.id for h in newest] != [h.paper.id for h in relevant]
    # Re-sorted hits still carry highlighted snippets.
    assert all("<mark>" in h.title_snippet + h.abstract_snippet for h in newest)


def test_bad_mode_and_sort_are_refused(hub: Hub) -> None:
    from dailypapers.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown sort 'oldest'"):
        hub.search("x", sort="oldest")
    with pytest.raises(InvalidInput, match="unknown search mode"):
        hub.search("x", mode="magic")


def test_the_demo_ships_its_vectors(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    from dailypapers.search import embedding

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("nothing should be embedded")

    monkeypatch.setattr(embedding.Embedder, "embed", refuse)
    hub.index()
    assert len(hub.vectors) == 783 and not hub.vectors.partial
    nearest = hub.similar("2601.23265", limit=3)  # PaperBanana
    assert len(nearest) == 3 and "2601.23265" not in {hit.paper.id for hit in nearest}


def test_without_the_model_the_vector_index_waits_for_it(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dailypapers.search import embedding

    hub.ingest([PaperRecord(title="Whale song grammar", arxiv_id="2612.00001", abstract="Song.")])
    monkeypatch.setattr(embedding, "available", lambda: False)
    hub.index()
    # The demo's papers are in from their shipped vectors; the new one waits for the model.
    assert len(hub.vectors) == 783 and hub.vectors.partial
    assert hub.vectors.watermark == hub.version()[0]
    with pytest.raises(ConfigError, match="pip install 'dailypapers\\[semantic\\]'"):
        hub.search("whales", mode="semantic")
    monkeypatch.undo()
    if not embedding.available():
        pytest.skip("the embedding model is not installed")
    hub.index()
    assert len(hub.vectors) == 784 and not hub.vectors.partial
    assert hub.search("whale songs", mode="semantic", limit=1)[0].paper.id == "2612.00001"


def test_a_crash_mid_vector_index_leaves_it_behind_and_the_rerun_completes(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub_search, "INDEX_PAGE", 100)
    monkeypatch.setattr(hub_search, "VECTOR_SAVE_EVERY_S", 0.0)  # save after every page
    add = hub.vectors.add
    pages = []

    def add_then_die(keys, vectors):  # type: ignore[no-untyped-def]
        pages.append(1)
        if len(pages) == 4:
            raise RuntimeError("killed")
        return add(keys, vectors)

    monkeypatch.setattr(hub.vectors, "add", add_then_die)
    with pytest.raises(RuntimeError):
        hub.index()
    assert hub.vectors.watermark < hub.version()[0]  # behind, never ahead
    # What a new process finds on disk: the last saved state, three pages in.
    hub._vectors = None
    assert len(hub.vectors) == 300
    hub.index()
    assert len(hub.vectors) == 783 and hub.vectors.watermark == hub.version()[0]


def test_a_batch_that_fills_the_last_page_exactly_is_covered(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 783 demo papers in pages of 261: the last page is full, and the next one is empty.
    monkeypatch.setattr(hub_search, "INDEX_PAGE", 261)
    assert hub.index() == 783
    assert hub.lexical.watermark == hub.vectors.watermark == hub.version()[0]
    assert hub.index() == 0  # nothing is indexed twice


def test_the_site_answers_from_what_is_indexed_and_says_how_much_is_not(tmp_path: Path) -> None:
    """A search right after an import does not wait for the indexes: it answers from what they
    hold and says how many papers are not in them yet."""
    from fastapi.testclient import TestClient

    from dailypapers.web import create_app

    hub, _ = Hub.init(load_settings({"data_dir": tmp_path}, {}))
    hub.load_demo()
    app = create_app(hub, hub.settings, background_index=False, recheck_s=0)
    client = TestClient(app)
    page = client.get("/search", params={"q": "diffusion", "mode": "lexical"})
    assert page.status_code == 200
    assert "Still indexing: 783 new or changed papers may not show here yet." in page.text
    hub.index(semantic=False)
    page = client.get("/search", params={"q": "diffusion", "mode": "lexical"})
    assert "Still indexing" not in page.text and "result" in page.text
    hub.close()


def test_the_cli_shows_its_catching_up_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty
    import re
    import subprocess
    import sys

    data = str(tmp_path / "d")
    subprocess.run(
        [sys.executable, "-m", "dailypapers.cli", "--data-dir", data, "demo", "--no-serve"],
        check=True,
        capture_output=True,
    )
    leader, follower = pty.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "dailypapers.cli", "--data-dir", data, "search", "diffusion"],
        stdout=subprocess.PIPE,
        stderr=follower,
        timeout=300,
        env={**os.environ, "DAILYPAPERS_DATA_DIR": data},
    )
    os.close(follower)
    shown = b""
    try:
        while chunk := os.read(leader, 4096):
            shown += chunk
    except OSError:  # the terminal closed with the process
        pass
    os.close(leader)
    assert done.returncode == 0
    assert b"papers indexed or embedded to bring the search index up to date" in shown
    assert re.search(rb"^\s+1\. .+\[\d{4}\.\d{5}\]$", done.stdout, re.MULTILINE), done.stdout
