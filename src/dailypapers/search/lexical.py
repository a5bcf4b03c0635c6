"""The lexical index: BM25 over titles, abstracts and authors on Tantivy, with its query language.

The index is derived data kept in one directory. A side file beside Tantivy's own files records the
store's change sequence (the watermark) that the last commit covered; it is written only after
Tantivy's commit returns, so after a crash the index may claim less than it holds (the catch-up
re-upserts, which is idempotent) but never more.

Query language, parsed here into Tantivy query objects so that no user input can reach Tantivy's own
parser (and so none can raise a syntax error):

- plain words: BM25 over title + abstract, a small extra weight for title matches, and author names;
- ``"exact phrase"`` (required), ``author:Name`` / ``author:"First Last"`` (required phrase in
  authors), ``cat:cs.LG`` (required category, case-insensitive), ``kw:"key phrase"`` (required
  key phrase, case-insensitive: the papers tagged with it);
- a word with no exact hits is matched by prefix when it ends the query (search as you type), else
  by edit distance 1 (typos).
"""

from __future__ import annotations

import html
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import tantivy

from dailypapers.closing import Closing
from dailypapers.errors import InvalidInput, StoreError
from dailypapers.files import write_json
from dailypapers.text import name_key

# Bump when the schema or the analyzers change: an index of another format is rebuilt from scratch.
FORMAT = 5
STATE_FILE = "dailypapers-lexical.json"

# Tuned on SciFact's train qrels (benchmarks/eval_lexical.py --split train): the title is also part
# of ``body``, so this is an extra on top; 0.2-0.3 was best, 1.0 cost 0.04 nDCG@10.
TITLE_BOOST = 0.25
# Author names are short fields, so one matching name scores high; half weight keeps a surname that
# is also a topic word ("Bird", "Young") from outranking papers about it. SciFact has no authors, so
# this one is a judgement, not a measurement.
AUTHOR_BOOST = 0.5
# A fuzzy match scores a constant (Tantivy does not BM25-score automata); roughly one typical term.
FUZZY_SCORE = 1.0
PREFIX_EXPANSIONS = 10
MAX_QUERY_CHARS = 1000
MAX_QUERY_TERMS = 64
ABSTRACT_SNIPPET_CHARS = 240
DEFAULT_HEAP_BYTES = 64_000_000

_EN = "dp_en"
_WORDS = "dp_words"
_NAME = "dp_name"
_CATEGORY = "dp_category"

_QUERY_TOKEN = re.compile(
    r"""(?P<field>author|authors|cat|category|kw|keyword):(?:"(?P<quoted>[^"]*)"?|(?P<value>[^\s"]+))
      | "(?P<phrase>[^"]*)"?
      | (?P<word>[^\s"]+)""",
    re.VERBOSE | re.IGNORECASE,
)
# Tantivy's simple tokenizer splits on anything that is not alphanumeric.
_UNIT = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class LexicalDoc:
    """What the lexical index knows of a paper: its text, and the fields the filters need."""

    id: str
    title: str
    abstract: str | None = None
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published: date | None = None
    upvotes: int = 0
    keywords: tuple[str, ...] = ()
    # The store's key of the paper, kept so that a hit can be joined with its vector.
    key: int | None = None


@dataclass(frozen=True, slots=True)
class LexicalFilters:
    """Restrictions on the hits; every one given must hold (categories: any of them)."""

    published_from: date | None = None
    published_to: date | None = None
    categories: tuple[str, ...] = ()
    min_upvotes: int | None = None
    author: str | None = None  # an author's name key (``text.name_key``)


@dataclass(frozen=True, slots=True)
class LexicalHit:
    """One hit: its BM25 score and HTML-safe snippets with the matches wrapped in ``<mark>``."""

    id: str
    score: float
    title_snippet: str
    abstract_snippet: str
    key: int | None = None


def _analyzer(*, stem: bool, stopwords: bool, remove_long: bool = True) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    if remove_long:
        builder = builder.filter(tantivy.Filter.remove_long(40))
    builder = builder.filter(tantivy.Filter.lowercase())
    if stopwords:
        builder = builder.filter(tantivy.Filter.stopword("english"))
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


def _name_analyzer() -> tantivy.TextAnalyzer:
    # Names match across accents ("Gödel" ~ "Godel") and are never stemmed.
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    # ``body`` holds two values, title then abstract: one BM25 field (as in BEIR's BM25) and,
    # stored, the text the snippets are cut from.
    builder.add_text_field("body", stored=True, tokenizer_name=_EN)
    builder.add_text_field("title", tokenizer_name=_EN)
    # The same text unstemmed, postings only: typos are corrected against the words people typed,
    # since a misspelt word stems unpredictably ("convolutoinal" -> "convolutoin", not "convolut").
    builder.add_text_field("words", tokenizer_name=_WORDS, index_option="basic")
    builder.add_text_field("authors", tokenizer_name=_NAME)
    # Each author's whole name folded (``text.name_key``) as one term: an author's own papers.
    builder.add_text_field("author_keys", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("categories", tokenizer_name=_CATEGORY, index_option="basic")
    # Each key phrase one term, as a category is: ``kw:`` finds the papers tagged with it.
    builder.add_text_field("keywords", tokenizer_name=_CATEGORY, index_option="basic")
    builder.add_integer_field("published", indexed=True, fast=True)
    builder.add_integer_field("upvotes", indexed=True, fast=True)
    # Fast too: a window's keys are read from the column without fetching any document.
    builder.add_integer_field("key", stored=True, indexed=True, fast=True)
    return builder.build()


@dataclass(slots=True)
class _Plan:
    """A parsed query: the Tantivy query, what to highlight (stems; typed words for fuzzy), what
    every hit must match (its operators and phrases), and its plain words."""

    query: tantivy.Query | None
    highlight: set[str]
    fuzzy: set[str]
    required: tantivy.Query | None = None
    words: str = ""


class LexicalIndex(Closing):
    """A BM25 index in ``path``; one writer per directory at a time, any number of readers.

    ``add`` and ``delete`` stage changes; ``commit`` publishes them (and the watermark) at once.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, heap_bytes: int = DEFAULT_HEAP_BYTES
    ) -> None:
        self.path = Path(path)
        self._heap_bytes = heap_bytes
        self._schema = _schema()
        self._en = _analyzer(stem=True, stopwords=True)
        self._name = _name_analyzer()
        self._words = _analyzer(stem=False, stopwords=True)
        self._category = (
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
            .filter(tantivy.Filter.lowercase())
            .build()
        )
        # Snippets re-tokenize stored text: same stems as the index, but every word kept, so offsets
        # line up with the text.
        self._highlighter = _analyzer(stem=True, stopwords=False, remove_long=False)
        self._lock = threading.Lock()
        self._writer: tantivy.IndexWriter | None = None
        self._index = self._open()
        self._watermark = self._read_state().get("watermark", 0)

    # -- lifecycle -------------------------------------------------------------------------------

    def _open(self) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        state = self._read_state()
        if state and state.get("format") != FORMAT:
            self._wipe()
            state = {}
        try:
            index = tantivy.Index(self._schema, str(self.path), reuse=True)
        except ValueError as exc:
            if not state:
                raise StoreError(
                    f"{self.path} holds an index this version cannot open ({exc}); "
                    "remove the directory and run `dailypapers index --rebuild`"
                ) from None
            # Ours but unreadable (an older schema): it is derived data, so start over.
            self._wipe()
            state = {}
            index = tantivy.Index(self._schema, str(self.path), reuse=True)
        index.register_tokenizer(_EN, self._en)
        index.register_tokenizer(_NAME, self._name)
        index.register_tokenizer(_WORDS, self._words)
        index.register_tokenizer(_CATEGORY, self._category)
        if not state:
            self._write_state(0)
        return index

    def _wipe(self) -> None:
        # Only called once the state file has shown the directory is ours.
        for entry in self.path.iterdir():
            if entry.is_file():
                entry.unlink()

    def close(self) -> None:
        """Release the writer (and its directory lock); uncommitted changes are dropped."""
        with self._lock:
            if self._writer is not None:
                self._writer.rollback()
                self._writer = None

    def _writer_locked(self) -> tantivy.IndexWriter:
        if self._writer is None:
            try:
                self._writer = self._index.writer(heap_size=self._heap_bytes)
            except ValueError as exc:
                raise StoreError(f"cannot write the lexical index at {self.path}: {exc}") from None
        return self._writer

    # -- writing ---------------------------------------------------------------------------------

    def add(self, docs: Iterable[LexicalDoc]) -> int:
        """Stage ``docs``, each replacing any document with its id; returns how many were staged."""
        count = 0
        with self._lock:
            writer = self._writer_locked()
            for doc in docs:
                writer.delete_documents_by_term("id", _check_id(doc.id))
                writer.add_document(self._document(doc))
                count += 1
        return count

    def _document(self, doc: LexicalDoc) -> tantivy.Document:
        fields: dict[str, Any] = {
            "id": doc.id,
            "body": [doc.title, doc.abstract or ""],
            "title": doc.title,
            "words": [doc.title, doc.abstract or ""],
            "upvotes": _clamp(int(doc.upvotes)),
        }
        if doc.authors:
            fields["authors"] = list(doc.authors)
            fields["author_keys"] = [key for key in map(name_key, doc.authors) if key]
        if doc.categories:
            fields["categories"] = list(doc.categories)
        if doc.keywords:
            fields["keywords"] = list(doc.keywords)
        if doc.published is not None:
            fields["published"] = doc.published.toordinal()
        if doc.key is not None:
            fields["key"] = doc.key
        return tantivy.Document(**fields)

    def delete(self, ids: Iterable[str]) -> None:
        """Stage the removal of these ids (unknown ids are ignored)."""
        with self._lock:
            writer = self._writer_locked()
            for doc_id in ids:
                writer.delete_documents_by_term("id", _check_id(doc_id))

    def clear(self) -> None:
        """Stage the removal of every document (for a rebuild)."""
        with self._lock:
            self._writer_locked().delete_all_documents()

    def commit(self, watermark: int | None = None) -> None:
        """Publish staged changes durably; then record ``watermark`` (if given) as covered."""
        with self._lock:
            if self._writer is not None:
                self._writer.commit()
            if watermark is not None:
                if watermark < 0:
                    raise InvalidInput(f"watermark must be >= 0, got {watermark}")
                # After the commit, never before: a crash in between leaves the index behind.
                self._write_state(watermark)
                self._watermark = watermark
        self._index.reload()

    @property
    def watermark(self) -> int:
        """The store change sequence the last committed state covers (0 for a new index)."""
        return int(self._watermark)

    def _read_state(self) -> dict[str, Any]:
        path = self.path / STATE_FILE
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path}: unreadable ({exc}); delete it to rebuild") from None
        if not isinstance(state, dict) or not isinstance(state.get("watermark"), int):
            raise StoreError(f"{path}: not a lexical index state file; delete it to rebuild")
        return state

    def _write_state(self, watermark: int) -> None:
        write_json(self.path / STATE_FILE, {"format": FORMAT, "watermark": watermark})

    # -- reading ---------------------------------------------------------------------------------

    def count(self) -> int:
        """Documents in the last committed state."""
        return int(self._index.searcher().num_docs)

    def refresh(self) -> None:
        """See commits made by another process (this process's own are seen at once)."""
        self._index.reload()
        self._watermark = self._read_state().get("watermark", self._watermark)

    def search(
        self,
        query: str,
        limit: int = 10,
        filters: LexicalFilters | None = None,
        *,
        snippets: bool = True,
    ) -> list[LexicalHit]:
        """Hits for ``query`` in BM25 order; never raises on what a user typed."""
        if limit <= 0:
            return []
        searcher = self._index.searcher()
        plan = self._plan(query, searcher)
        if plan.query is None:
            return []
        clauses = [(tantivy.Occur.Must, plan.query)]
        clauses += [(tantivy.Occur.Must, f) for f in self._filter_queries(filters)]
        final = clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)
        hits = []
        for score, address in searcher.search(final, limit, count=False).hits:
            stored = searcher.doc(address)
            title, abstract = self._highlighted(stored, plan) if snippets else ("", "")
            key = stored.get_first("key")
            hits.append(
                LexicalHit(
                    str(stored.get_first("id")),
                    float(score),
                    title,
                    abstract,
                    int(key) if key is not None else None,
                )
            )
        return hits

    def newest(
        self, filters: LexicalFilters | None, limit: int = 50, offset: int = 0
    ) -> list[LexicalHit]:
        """The newest papers (by date) meeting ``filters``, from the ``offset``-th on, without
        scores or snippets."""
        if limit <= 0:
            return []
        searcher = self._index.searcher()
        found = searcher.search(
            self._all_meeting(filters),
            limit,
            count=False,
            order_by_field="published",
            offset=max(0, offset),
        ).hits
        hits = []
        for _, address in found:
            stored = searcher.doc(address)
            key = stored.get_first("key")
            hits.append(
                LexicalHit(
                    str(stored.get_first("id")), 0.0, "", "", int(key) if key is not None else None
                )
            )
        return hits

    def total(self, filters: LexicalFilters | None) -> int:
        """How many papers meet ``filters``."""
        found = self._index.searcher().search(self._all_meeting(filters), 1, count=True)
        return int(found.count)  # type: ignore[attr-defined]  # there, but not in the stubs

    def keys(self, filters: LexicalFilters | None, limit: int = 10_000) -> list[int]:
        """Store keys of the papers meeting ``filters``, highest (most recently stored) first.

        Read from the key column itself: no document is fetched, so ten thousand cost little.
        """
        if limit <= 0:
            return []
        found = self._index.searcher().search(
            self._all_meeting(filters), limit, count=False, order_by_field="key"
        )
        return [int(key) for key, _ in found.hits]

    def requirements(
        self, query: str, filters: LexicalFilters | None, limit: int
    ) -> tuple[list[int] | None, str]:
        """What a search by other means must keep to: (keys of the papers meeting ``query``'s
        operators and phrases and the ``filters``, up to ``limit``, or None when there are
        neither; ``query``'s plain words, with its phrases' words, for a search by meaning).

        ``author:``, ``cat:`` and ``"phrases"`` are requirements in every kind of search: a
        paper that does not meet them is no hit, however close in meaning it is.
        """
        searcher = self._index.searcher()
        plan = self._plan(query, searcher)
        phrases = " ".join(m.group("phrase") or "" for m in _QUERY_TOKEN.finditer(query))
        text = " ".join(part for part in (plan.words, phrases.strip()) if part)
        restrictions = self._filter_queries(filters)
        if plan.required is None and not restrictions:
            return None, text
        clauses = [(tantivy.Occur.Must, tantivy.Query.all_query())]
        if plan.required is not None:
            clauses.append((tantivy.Occur.Must, plan.required))
        clauses += [(tantivy.Occur.Must, q) for q in restrictions]
        found = searcher.search(
            tantivy.Query.boolean_query(clauses), limit, count=False, order_by_field="key"
        )
        return [int(key) for key, _ in found.hits], text

    def meeting(self, query: str, filters: LexicalFilters | None, keys: Sequence[int]) -> set[int]:
        """Which of ``keys`` meet ``query``'s operators and phrases and the ``filters``."""
        if not keys:
            return set()
        searcher = self._index.searcher()
        plan = self._plan(query, searcher)
        among = tantivy.Query.term_set_query(self._schema, "key", list(keys))
        clauses = [(tantivy.Occur.Must, among)]
        if plan.required is not None:
            clauses.append((tantivy.Occur.Must, plan.required))
        clauses += [(tantivy.Occur.Must, q) for q in self._filter_queries(filters)]
        found = searcher.search(
            tantivy.Query.boolean_query(clauses), len(keys), count=False, order_by_field="key"
        )
        return {int(key) for key, _ in found.hits}

    def snippets(self, query: str, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """(title, abstract) snippets of the papers ``ids`` with ``query``'s words marked.

        For hits found some other way (by meaning, or re-sorted): a paper with none of the words
        gets its title and the opening of its abstract. Ids not in the index are left out.
        """
        searcher = self._index.searcher()
        plan = self._plan(query, searcher)
        out: dict[str, tuple[str, str]] = {}
        for doc_id in ids:
            found = searcher.search(
                tantivy.Query.term_query(self._schema, "id", _check_id(doc_id)), 1, count=False
            ).hits
            if found:
                out[doc_id] = self._highlighted(searcher.doc(found[0][1]), plan)
        return out

    def _highlighted(self, stored: tantivy.Document, plan: _Plan) -> tuple[str, str]:
        body = stored.get_all("body")
        title = body[0] if body else ""
        abstract = body[1] if len(body) > 1 else ""
        return (
            self._highlight(title, plan, None),
            self._highlight(abstract, plan, ABSTRACT_SNIPPET_CHARS),
        )

    def _all_meeting(self, filters: LexicalFilters | None) -> tantivy.Query:
        """Every document that meets ``filters``."""
        clauses = [(tantivy.Occur.Must, tantivy.Query.all_query())]
        clauses += [(tantivy.Occur.Must, f) for f in self._filter_queries(filters)]
        return tantivy.Query.boolean_query(clauses)

    def _filter_queries(self, filters: LexicalFilters | None) -> list[tantivy.Query]:
        if filters is None:
            return []
        out: list[tantivy.Query] = []
        low = filters.published_from.toordinal() if filters.published_from else None
        high = filters.published_to.toordinal() if filters.published_to else None
        if low is not None or high is not None:
            out.append(self._range("published", low, high))
        if filters.min_upvotes is not None:
            out.append(self._range("upvotes", _clamp(filters.min_upvotes), None))
        cats = [c.strip().lower() for c in filters.categories if c.strip()]
        if cats:
            out.append(
                tantivy.Query.term_set_query(self._schema, "categories", cats)
                if len(cats) > 1
                else tantivy.Query.term_query(self._schema, "categories", cats[0])
            )
        if filters.author is not None:
            out.append(tantivy.Query.term_query(self._schema, "author_keys", filters.author))
        # Filters restrict, they do not score.
        return [tantivy.Query.const_score_query(q, 0.0) for q in out]

    def _range(self, field: str, low: int | None, high: int | None) -> tantivy.Query:
        if low is not None and high is not None and low > high:
            return tantivy.Query.empty_query()
        return tantivy.Query.range_query(
            self._schema, field, tantivy.FieldType.Integer, lower_bound=low, upper_bound=high
        )

    # -- query language --------------------------------------------------------------------------

    def _plan(self, text: str, searcher: tantivy.Searcher) -> _Plan:
        text = text[:MAX_QUERY_CHARS]
        schema = self._schema
        must: list[tantivy.Query] = []
        should: list[tantivy.Query] = []
        highlight: set[str] = set()
        fuzzy: set[str] = set()
        words: list[str] = []
        last_is_word = False
        for match in _QUERY_TOKEN.finditer(text):
            last_is_word = False
            if match.group("field"):
                quoted = match.group("quoted")
                value = quoted if quoted is not None else match.group("value")
                if match.group("field").lower().startswith("author"):
                    names = self._positions(self._name, value)
                    if names:
                        must.append(self._phrase("authors", names))
                elif value.strip():
                    name = "keywords" if match.group("field").lower()[0] == "k" else "categories"
                    term = " ".join(value.split()).lower()
                    tagged = tantivy.Query.term_query(schema, name, term)
                    must.append(tantivy.Query.const_score_query(tagged, 0.0))
            elif match.group("phrase") is not None:
                phrase = self._phrase_clause(match.group("phrase"))
                if phrase is not None:
                    must.append(phrase[0])
                    highlight.update(phrase[1])
            else:
                words.append(match.group("word"))
                last_is_word = True
        # Search as you type: only a word the user may still be typing is completed by prefix.
        trailing = last_is_word and bool(text) and text[-1].isalnum()
        units = _UNIT.findall(" ".join(words))
        seen: set[str] = set()
        for i, unit in enumerate(units):
            lowered = unit.lower()
            if lowered in seen:
                continue
            if len(seen) >= MAX_QUERY_TERMS:
                break
            seen.add(lowered)
            # Side by side, not nested per word: a union of plain term queries is what lets
            # Tantivy skip documents that cannot reach the top hits (block-max WAND).
            should += self._word_clause(
                unit, searcher, highlight, fuzzy, trailing and i == len(units) - 1
            )
        required = None
        if must:
            required = (
                must[0]
                if len(must) == 1
                else tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in must])
            )
        plain = " ".join(words)
        if not must and not should:
            return _Plan(None, highlight, fuzzy, None, plain)
        clauses = [(tantivy.Occur.Must, q) for q in must]
        clauses += [(tantivy.Occur.Should, q) for q in should]
        if len(clauses) == 1:
            return _Plan(clauses[0][1], highlight, fuzzy, required, plain)
        return _Plan(tantivy.Query.boolean_query(clauses), highlight, fuzzy, required, plain)

    def _word_clause(
        self,
        unit: str,
        searcher: tantivy.Searcher,
        highlight: set[str],
        fuzzy: set[str],
        trailing: bool,
    ) -> list[tantivy.Query]:
        stems = self._en.analyze(unit)
        stem = stems[0] if stems else None
        # A stopword still finds an author named that way, but does not score on names: "the" would
        # otherwise lift every "The ATLAS Collaboration" paper.
        names = self._name.analyze(unit) if stem is not None else []
        name = names[0] if names else None
        body_hits = stem is not None and searcher.doc_freq("body", stem) > 0
        name_hits = name is not None and searcher.doc_freq("authors", name) > 0
        if body_hits or name_hits:
            if stem is not None:
                highlight.add(stem)
            return self._term_parts(stem if body_hits else None, name if name_hits else None)
        lowered = unit.lower()
        if trailing and len(lowered) >= 2:
            completions = [
                term
                for term, _ in searcher.terms_with_prefix("body", lowered, limit=PREFIX_EXPANSIONS)
            ]
            highlight.update(completions)
            expansions = [self._term_clause(term, None) for term in completions]
            expansions += [
                self._term_clause(None, term)
                for term, _ in searcher.terms_with_prefix("authors", lowered, limit=3)
            ]
            if expansions:
                return [tantivy.Query.disjunction_max_query(expansions)]
        if stem is None or len(lowered) < 3:
            return []
        fuzzy.add(lowered)
        typo = [tantivy.Query.fuzzy_term_query(self._schema, "words", lowered, distance=1)]
        if name is not None:
            typo.append(tantivy.Query.fuzzy_term_query(self._schema, "authors", name, distance=1))
        return [
            tantivy.Query.const_score_query(tantivy.Query.disjunction_max_query(typo), FUZZY_SCORE)
        ]

    def _term_clause(self, stem: str | None, name: str | None) -> tantivy.Query:
        parts = self._term_parts(stem, name)
        if len(parts) == 1:
            return parts[0]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in parts])

    def _term_parts(self, stem: str | None, name: str | None) -> list[tantivy.Query]:
        """A word's clauses, to sit side by side in the top-level union (see ``_plan``)."""
        schema = self._schema
        parts: list[tantivy.Query] = []
        if stem is not None:
            parts.append(tantivy.Query.term_query(schema, "body", stem))
            if TITLE_BOOST:
                title = tantivy.Query.term_query(schema, "title", stem)
                parts.append(tantivy.Query.boost_query(title, TITLE_BOOST))
        if name is not None:
            parts.append(
                tantivy.Query.boost_query(
                    tantivy.Query.term_query(schema, "authors", name), AUTHOR_BOOST
                )
            )
        return parts

    def _phrase_clause(self, phrase: str) -> tuple[tantivy.Query, set[str]] | None:
        stems = self._positions(self._en, phrase)
        names = self._positions(self._name, phrase)
        parts: list[tantivy.Query] = []
        if stems:
            parts.append(self._phrase("body", stems))
            parts.append(tantivy.Query.boost_query(self._phrase("title", stems), TITLE_BOOST))
        if names:
            # Quoting a name is common ("Yann LeCun"), so a quoted phrase also matches authors.
            parts.append(tantivy.Query.boost_query(self._phrase("authors", names), AUTHOR_BOOST))
        if not parts:
            return None
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in parts])
        return query, {term for _, term in stems}

    @staticmethod
    def _positions(analyzer: tantivy.TextAnalyzer, text: str) -> list[tuple[int, str]]:
        tokens = analyzer.pre_tokenize(text[:MAX_QUERY_CHARS]).tokens[:MAX_QUERY_TERMS]
        if not tokens:
            return []
        # Positions keep the gaps stopwords leave, so "attention is all" still matches as a phrase.
        first = tokens[0].position
        return [(token.position - first, token.text) for token in tokens]

    def _phrase(self, field: str, terms: Sequence[tuple[int, str]]) -> tantivy.Query:
        if len(terms) == 1:
            return tantivy.Query.term_query(self._schema, field, terms[0][1])
        return tantivy.Query.phrase_query(self._schema, field, list(terms))

    # -- snippets --------------------------------------------------------------------------------

    def _highlight(self, text: str, plan: _Plan, max_chars: int | None) -> str:
        if not text:
            return ""
        tokens = self._highlighter.pre_tokenize(text).tokens
        spans = [
            (token.char_offset_from, token.char_offset_to, token.text)
            for token in tokens
            if token.text in plan.highlight
            or (
                plan.fuzzy
                and any(
                    _within_one(text[token.char_offset_from : token.char_offset_to].lower(), f)
                    for f in plan.fuzzy
                )
            )
        ]
        start, end = 0, len(text)
        if max_chars is not None and len(text) > max_chars:
            start, end = _window(text, spans, max_chars)
        out: list[str] = ["…"] if start > 0 else []
        cursor = start
        for begin, stop, _ in spans:
            if begin < start or stop > end:
                continue
            out.append(html.escape(text[cursor:begin]))
            out.append(f"<mark>{html.escape(text[begin:stop])}</mark>")
            cursor = stop
        out.append(html.escape(text[cursor:end]))
        if end < len(text):
            out.append("…")
        return "".join(out)


def _window(text: str, spans: list[tuple[int, int, str]], size: int) -> tuple[int, int]:
    """The ``size``-character stretch of ``text`` holding the most distinct matched terms."""
    best_start, best_score = 0, -1
    # A window sliding over the matches (in text order): each enters and leaves it once, so a
    # text matching thousands of times costs no more than one pass.
    inside: Counter[str] = Counter()
    ahead = 0
    for i, (begin, _, _) in enumerate(spans):
        if 0 < i <= ahead:  # the match before this one was inside: it leaves
            left = spans[i - 1][2]
            inside[left] -= 1
            if not inside[left]:
                del inside[left]
        ahead = max(ahead, i)
        while ahead < len(spans) and spans[ahead][1] <= begin + size:
            inside[spans[ahead][2]] += 1
            ahead += 1
        if len(inside) > best_score:
            best_start, best_score = begin, len(inside)
    if best_score <= 0:
        best_start = 0
    else:
        # A little context before the first match, starting at a word.
        best_start = max(0, best_start - size // 6)
        while best_start > 0 and not text[best_start - 1].isspace():
            best_start -= 1
    stop = min(len(text), best_start + size)
    # End on a word boundary rather than mid-word.
    if stop < len(text):
        cut = text.rfind(" ", best_start, stop)
        if cut > best_start:
            stop = cut
    return best_start, stop


def _within_one(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one insert, delete, substitution or transposition)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def _check_id(doc_id: str) -> str:
    if not isinstance(doc_id, str) or not doc_id:
        raise InvalidInput(f"a lexical document id must be a non-empty string, got {doc_id!r}")
    return doc_id


def _clamp(value: int) -> int:
    # Tantivy's integers are i64; a huge number (from a URL parameter, say) must not overflow it.
    return max(-(2**62), min(value, 2**62))
