"""Search through the hub: keeping the indexes current with the store, and every kind of query."""

from __future__ import annotations

import html
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from dailypapers.errors import ConfigError, InvalidInput
from dailypapers.hub.base import NO_MODEL, HubBase, PhraseCounts
from dailypapers.hub.base import PAGE as INDEX_PAGE
from dailypapers.ids import parse_reference
from dailypapers.models import Paper
from dailypapers.search import SEARCH_MODES, SEARCH_SORTS, embedding
from dailypapers.search.beir import load_beir
from dailypapers.search.evaluation import evaluate_beir
from dailypapers.search.fusion import convex_fusion
from dailypapers.search.keywords import key_phrases, phrase_keys
from dailypapers.search.lexical import LexicalDoc, LexicalFilters
from dailypapers.search.vectors import VectorHit
from dailypapers.text import clean

# Hits each ranking contributes to a hybrid search.
FUSION_DEPTH = 100
# Papers meeting a query's operators or filters that a search by meaning judges one by one;
# past this many it takes the nearest WIDE_FACTOR times as many of all and keeps those meeting
# them.
EXACT_MEANING = 20_000
WIDE_FACTOR = 8
# Relevant hits a search sorted by date or upvotes reorders.
SORT_DEPTH = 200
# Search by words alone ranks each paper on its own: its order holds this deep (a search's
# pages reach it).
WORDS_DEPTH = 300

# Papers at most whose phrases are counted for the key phrases' weights (``_phrase_counts``).
PHRASE_SAMPLE = 10_000

# Seconds between saves of the vector index while it catches up.
VECTOR_SAVE_EVERY_S = 30.0


@dataclass(slots=True)
class SearchHit:
    """A paper found by a search, with its score and HTML-safe highlighted snippets."""

    paper: Paper
    score: float
    title_snippet: str
    abstract_snippet: str


def _sort_key(paper: Paper, sort: str) -> tuple[float, ...]:
    """Best first: newest by publication (undated last), or most upvoted."""
    if sort == "newest":
        day = paper.day
        return (0, -day.toordinal()) if day else (1, 0)
    return (-paper.total_upvotes,)


def lexical_doc(paper: Paper) -> LexicalDoc:
    """What the lexical index keeps of a paper."""
    return LexicalDoc(
        id=paper.id,
        title=paper.title,
        abstract=paper.abstract,
        authors=paper.authors or (),
        categories=paper.categories or (),
        keywords=paper.keywords,
        published=paper.day,
        upvotes=paper.total_upvotes,
        key=paper.pk,
    )


class _AtLeastOnce(Mapping[str, int]):
    """Document frequencies in which the paper being weighed has its own phrases: at least 1."""

    __slots__ = ("frequency", "own")

    def __init__(self, frequency: Mapping[str, int], own: set[str]) -> None:
        self.frequency, self.own = frequency, own

    def __getitem__(self, key: str) -> int:
        count = self.frequency.get(key, 0)
        if count == 0 and key not in self.own:
            raise KeyError(key)
        return max(count, 1)

    def __iter__(self) -> Iterator[str]:
        return iter(self.frequency.keys() | self.own)

    def __len__(self) -> int:
        return len(self.frequency.keys() | self.own)


def _pages(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    page: list[Any] = []
    for item in items:
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


class Searching(HubBase):
    """The search part of the hub."""

    def warm(self) -> None:
        """Load the embedding model, if it is installed (the first load takes seconds);
        ConfigError when it is installed but cannot be loaded."""
        if embedding.available():
            self.embedder.load()

    def version(self) -> tuple[int, int, int]:
        """What every list and search shows moves with this: the store's change sequence and
        the watermarks of the indexes as this process sees them. Raises nothing."""
        with self.store.read() as tx:
            seq = tx.papers.change_seq()
        return seq, self.lexical.watermark, self.vectors.watermark

    def unindexed(self, semantic: bool = False) -> int:
        """Papers written since the lexical index (and the vector one, when ``semantic``) last
        caught up with the store: new or changed papers a search may not show yet. A request
        never waits for the indexes; a page says this instead. Raises nothing."""
        watermark = self.lexical.watermark
        if semantic:
            watermark = min(watermark, self.vectors.watermark)
        with self.store.read() as tx:
            return tx.papers.count_changed_since(watermark)

    def refresh_indexes(self) -> None:
        """See what another process has written to the indexes since they were opened here.
        Raises nothing."""
        if self._lexical is not None:
            self._lexical.refresh()
        if self._vectors is not None and self._vectors.stale():
            self._vectors = None  # reopened on next use

    def index(
        self,
        rebuild: bool = False,
        progress: Callable[[int], None] | None = None,
        semantic: bool | None = None,
    ) -> int:
        """Bring the search indexes up to the store's change sequence; the papers (re)indexed.

        The vector index is kept too unless ``semantic`` is False. Papers are embedded when the
        embedding model is installed (shown on ``progress`` as papers embedded); without it, the
        index takes the vectors already stored (the demo ships its own) and skips the rest, which
        are embedded once the model is installed. ``semantic=True`` requires the model
        (ConfigError without it).
        """
        if semantic and not embedding.available():
            raise ConfigError(NO_MODEL)
        try:
            done = self._index_lexical(rebuild, progress)
        finally:
            # Tantivy's writer holds the directory's lock while it lives: let it go, so that
            # another process can take its turn at the indexes (jobs.py).
            self.lexical.close()
        if semantic is not False:
            self._index_vectors(rebuild, progress)
        return done

    def _index_vectors(self, rebuild: bool, progress: Callable[[int], None] | None) -> None:
        """Catch the vector index up, embedding only papers whose text has no stored vector."""
        index = self.vectors
        can_embed = embedding.available()
        # An index made without the model lacks papers it could not embed: make it whole.
        if rebuild or (index.partial and can_embed):
            index.clear()
            index.save(watermark=0)
        model = embedding.MODEL_NAME
        seq, after_pk = index.watermark, None
        saved, unsaved = time.monotonic(), False
        while True:
            with self.store.read() as tx:
                rows = tx.papers.texts_changed_since(model, seq, after_pk, limit=INDEX_PAGE)
            if not rows:
                if unsaved:  # the last page was full and nothing came after it
                    index.save(watermark=seq)
                break
            texts = {
                pk: embedding.paper_text(title, abstract) for pk, _, title, abstract, *_ in rows
            }
            hashes = {pk: embedding.content_hash(text) for pk, text in texts.items()}
            vectors = {
                pk: np.frombuffer(vector, dtype=np.float32)
                for pk, *_, digest, vector in rows
                if vector is not None and digest == hashes[pk]
            }
            missing = [pk for pk in texts if pk not in vectors]
            if missing and can_embed:
                fresh = self.embedder.embed([texts[pk] for pk in missing], progress)
                made = [(pk, hashes[pk], v.tobytes()) for pk, v in zip(missing, fresh, strict=True)]
                with self.store.transaction() as tx:
                    tx.papers.save_embeddings(model, made)
                vectors.update(zip(missing, fresh, strict=True))
            elif missing:
                index.partial = True
                index.remove(missing)  # an older vector of a changed text is stale
            keys = list(vectors)
            if keys:
                index.add(keys, np.stack([vectors[pk] for pk in keys]))
            after_pk, seq = rows[-1][0], rows[-1][1]
            finished = len(rows) < INDEX_PAGE
            # The whole index is rewritten on each save: save when done, or every so often (a
            # crash then redoes at most that much, from the last saved watermark).
            unsaved = True
            if finished or time.monotonic() - saved >= VECTOR_SAVE_EVERY_S:
                index.save(watermark=seq if finished else seq - 1)
                saved, unsaved = time.monotonic(), False
            if finished:
                break

    def _index_lexical(self, rebuild: bool, progress: Callable[[int], None] | None) -> int:
        """Bring the lexical index up to the store's change sequence; the papers (re)indexed.

        Each page is committed with a watermark that never claims more than it covers: a page
        that ends inside one import batch (one sequence number) records the sequence before it,
        so a crash re-reads that batch rather than skipping its rest.
        """
        index = self.lexical
        if rebuild:
            index.clear()
            index.commit(watermark=0)
        seq, after_pk, done = index.watermark, None, 0
        while True:
            with self.store.read() as tx:
                papers = tx.papers.changed_since(seq, after_pk, limit=INDEX_PAGE)
            if not papers:
                if index.watermark < seq:  # the last page was full and nothing came after it
                    index.commit(watermark=seq)
                break
            papers = self._tagged(papers)
            index.add(lexical_doc(paper) for paper in papers)
            seq, after_pk = papers[-1].seq, papers[-1].pk
            finished = len(papers) < INDEX_PAGE
            index.commit(watermark=seq if finished else seq - 1)
            done += len(papers)
            if progress:
                progress(done)
            if finished:
                break
        return done

    def _tagged(self, papers: list[Paper]) -> list[Paper]:
        """``papers`` with their key phrases: the stored ones, or, for a paper without any
        (new, or its text changed), found now and stored. A vote or a comment changes a
        paper, not its text: its phrases are not looked for again."""
        untagged = [paper for paper in papers if not paper.keywords]
        if not untagged:
            return papers
        counts = self._phrase_counts()
        found: dict[int, list[str]] = {}
        for paper in untagged:
            # A paper has its own phrases, whether or not the counts took it in.
            own = _AtLeastOnce(counts.frequency, phrase_keys(paper.title, paper.abstract))
            found[paper.pk] = key_phrases(paper.title, paper.abstract, own, counts.documents)
        with self.store.transaction() as tx:
            tx.papers.save_keywords(found)
        return [
            replace(paper, keywords=tuple(found[paper.pk])) if paper.pk in found else paper
            for paper in papers
        ]

    def _phrase_counts(self) -> PhraseCounts:
        # Counted the first time a process tags papers, over at most PHRASE_SAMPLE papers spread
        # evenly over the collection (about a second), so that the counts stay a few megabytes
        # whatever its size; phrases only one paper has are dropped, most of what is counted.
        if self._phrases is None:
            with self.store.read() as tx:
                every = max(1, tx.papers.max_pk() // PHRASE_SAMPLE)
            frequency: Counter[str] = Counter()
            documents = after_pk = 0
            while True:
                with self.store.read() as tx:
                    page = tx.papers.texts(after_pk, INDEX_PAGE, every)
                if not page:
                    break
                for pk, title, abstract in page:
                    frequency.update(phrase_keys(title, abstract))
                    documents += 1
                    after_pk = pk
            shared = Counter({key: n for key, n in frequency.items() if n > 1})
            self._phrases = PhraseCounts(shared, documents)
        return self._phrases

    def search(
        self,
        query: str,
        limit: int = 10,
        filters: LexicalFilters | None = None,
        mode: str = "lexical",
        sort: str = "relevance",
        offset: int = 0,
    ) -> list[SearchHit]:
        """Papers matching ``query``, the ``limit`` after the best ``offset``; an arXiv id or
        paper URL finds that paper directly. Pages of one search (``offset`` in steps of
        ``limit``) neither repeat nor skip a paper up to ``stable_depth``.

        ``mode``: lexical (words), semantic (meaning, by embedding), or hybrid (both, fused by
        a convex combination of their scores, its weight tuned on SciFact). ``sort``: relevance, or
        newest / upvotes, which reorder the most relevant hits rather than every paper sharing a
        word with the query. InvalidInput for an unknown mode or sort; ConfigError for search
        by meaning where the embedding model is not installed.
        """
        query = clean(query)  # a control character in a URL's query is no part of a search
        if mode not in SEARCH_MODES:
            raise InvalidInput(f"unknown search mode {mode!r}: {', '.join(SEARCH_MODES)}")
        if sort not in SEARCH_SORTS:
            raise InvalidInput(f"unknown sort {sort!r}: {', '.join(SEARCH_SORTS)}")
        try:
            arxiv_id, _ = parse_reference(query)
        except InvalidInput:
            pass
        else:
            with self.store.read() as tx:
                paper = tx.papers.find(arxiv_id)
            if paper is None or paper.removed:
                return []
            return [SearchHit(paper, 1.0, html.escape(paper.title), "")] if offset == 0 else []
        wanted = offset + limit
        if sort != "relevance":
            depth = max(SORT_DEPTH, wanted)
        elif mode == "lexical":
            depth = wanted
        else:
            depth = max(FUSION_DEPTH, wanted)
        ranked, papers = self._ranked(query, depth, filters, mode)
        with self.store.read() as tx:
            if sort != "relevance":
                papers |= tx.papers.by_pk([pk for pk, _ in ranked if pk not in papers])
                ranked = [pair for pair in ranked if pair[0] in papers]
                ranked.sort(key=lambda pair: _sort_key(papers[pair[0]], sort))  # ties stay
            ranked = ranked[offset:wanted]
            papers |= tx.papers.by_pk([pk for pk, _ in ranked if pk not in papers])
        # A paper a moderator removed stays in the indexes, and out of every answer.
        found = [(papers[pk], score) for pk, score in ranked if pk in papers]
        found = [(paper, score) for paper, score in found if not paper.removed]
        snippets = self.lexical.snippets(query, [paper.id for paper, _ in found])
        return [
            SearchHit(paper, score, *snippets.get(paper.id, (html.escape(paper.title), "")))
            for paper, score in found
        ]

    @staticmethod
    def stable_depth(mode: str, sort: str = "relevance") -> int:
        """How many hits of a search keep their order however many are asked for: the depth
        its pages may reach. Raises nothing."""
        if sort != "relevance":
            return SORT_DEPTH  # the most relevant this many, reordered
        return WORDS_DEPTH if mode == "lexical" else FUSION_DEPTH  # one fusion of this many

    def _ranked(
        self, query: str, depth: int, filters: LexicalFilters | None, mode: str
    ) -> tuple[list[tuple[int, float]], dict[int, Paper]]:
        """The ``depth`` best (paper key, score) of ``mode``, and any papers read on the way.

        Operators, phrases and filters hold in every mode: a search by meaning ranks only the
        papers that meet them (``LexicalIndex.requirements``).
        """
        if mode == "lexical":
            hits = self.lexical.search(query, depth, filters, snippets=False)
            return [(hit.key, hit.score) for hit in hits if hit.key is not None], {}
        required, text = self.lexical.requirements(query, filters, EXACT_MEANING + 1)
        if required is not None and not text:
            # Nothing but operators and filters: nothing to mean, the words' ranking stands.
            return self._ranked(query, depth, filters, "lexical")
        query_vector = self.embedder.embed_query(text or query)
        if required is None:
            nearest = self.vectors.search(query_vector, depth)
        elif len(required) <= EXACT_MEANING:
            scores = self.vectors.similarities(query_vector, required)
            best = sorted(scores.items(), key=lambda pair: -pair[1])[:depth]
            nearest = [VectorHit(key, similarity) for key, similarity in best]
        else:  # too many to judge each: the nearest of all, those among them that qualify
            wide = self.vectors.search(query_vector, depth * WIDE_FACTOR)
            keep = self.lexical.meeting(query, filters, [hit.key for hit in wide])
            nearest = [hit for hit in wide if hit.key in keep]
        meaning = {hit.key: hit.similarity for hit in nearest[:depth]}
        if mode == "semantic":
            return list(meaning.items()), {}
        lexical = [
            (hit.key, hit.score)
            for hit in self.lexical.search(query, depth, filters, snippets=False)
            if hit.key is not None
        ]
        # Papers found by words alone are judged on their meaning too, from their vectors.
        missing = [key for key, _ in lexical if key not in meaning]
        meaning |= self.vectors.similarities(query_vector, missing)
        return convex_fusion(lexical, meaning)[:depth], {}

    def newest(self, category: str, limit: int = 50) -> list[Paper]:
        """The newest papers of an arXiv category (any of a paper's categories counts). Raises
        nothing."""
        hits = self.lexical.newest(LexicalFilters(categories=(category,)), limit)
        found = self.papers_in_order([hit.key for hit in hits if hit.key is not None])
        return [paper for paper in found if not paper.removed]

    def similar(self, ident: str, limit: int = 10) -> list[SearchHit]:
        """The papers nearest in meaning to paper ``ident``, in the vector index as it stands
        (pages call this on every view: keeping the index current is the indexer's job); raises
        as ``paper``."""
        return self.similar_to(self.paper(ident), limit)

    def similar_to(self, paper: Paper, limit: int = 10) -> list[SearchHit]:
        """The papers nearest in meaning to ``paper``, as read already."""
        with self.store.read() as tx:
            stored = tx.papers.embeddings(embedding.MODEL_NAME, [paper.pk])
        if paper.pk not in stored:
            return []
        vector = np.frombuffer(stored[paper.pk][1], dtype=np.float32)
        nearest = [hit for hit in self.vectors.search(vector, limit + 1) if hit.key != paper.pk]
        with self.store.read() as tx:
            found = tx.papers.by_pk([hit.key for hit in nearest])
        return [
            SearchHit(found[hit.key], hit.similarity, html.escape(found[hit.key].title), "")
            for hit in nearest[:limit]
            if hit.key in found and not found[hit.key].removed
        ]

    def eval_beir(
        self, directory: Path, split: str = "test", mode: str = "lexical"
    ) -> dict[str, Any]:
        """Search quality on a BEIR dataset, in a throwaway index (this hub's data is untouched).

        Corpus embeddings are cached in DATA_DIR/cache, so evaluating again does not re-embed.
        InvalidInput for a malformed dataset, ConfigError for ``semantic`` or ``hybrid`` without
        the embedding model.
        """
        data = load_beir(directory, split)
        embedder = self.embedder if mode != "lexical" else None
        cache = self.settings.data_dir / "cache"
        with tempfile.TemporaryDirectory(prefix="dailypapers-eval-") as workdir:
            figures = evaluate_beir(data, Path(workdir), mode, embedder, cache)
        return {"dataset": directory.name, "split": split, **figures}

    def seed_embeddings(self, by_hash: dict[str, Any]) -> int:
        """Store precomputed vectors (by content hash of the embedded text) for papers that lack
        them, so that indexing embeds nothing for those; the number stored. Raises nothing."""
        model = embedding.MODEL_NAME
        added = 0
        pending: list[tuple[int, str, bytes]] = []
        for papers in _pages(self.all_papers(), INDEX_PAGE):
            hashes = {
                p.pk: embedding.content_hash(embedding.paper_text(p.title, p.abstract))
                for p in papers
            }
            with self.store.read() as tx:
                stored = tx.papers.embeddings(model, list(hashes))
            pending = [
                (pk, digest, np.asarray(by_hash[digest], dtype=np.float32).tobytes())
                for pk, digest in hashes.items()
                if digest in by_hash and stored.get(pk, ("",))[0] != digest
            ]
            if pending:
                with self.store.transaction() as tx:
                    tx.papers.save_embeddings(model, pending)
            added += len(pending)
        return added
