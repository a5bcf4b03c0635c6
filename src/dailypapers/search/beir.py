"""BEIR-layout retrieval benchmarks: load a dataset directory and score runs by nDCG@k and recall@k.

The layout is BEIR's (``corpus.jsonl``, ``queries.jsonl``, ``qrels/{split}.tsv``) and the metrics
follow pytrec_eval, which BEIR's published figures come from: graded gains (the qrel score
itself), a log2 discount, the ideal ranking taken from the qrels, documents with score <= 0 not
relevant, and the mean over the queries that have qrels in the split (no results scores 0).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from dailypapers.errors import InvalidInput

T = TypeVar("T")

QRELS_HEADER = ("query-id", "corpus-id", "score")


@dataclass(frozen=True, slots=True)
class BeirDoc:
    id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class BeirDataset:
    """One split of a BEIR dataset: the corpus, the queries judged in the split, their qrels."""

    corpus: dict[str, BeirDoc]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir(directory: Path, split: str = "test") -> BeirDataset:
    """Read a BEIR dataset directory; keeps only the queries that have qrels in ``split``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidInput(f"{directory}: not a directory (expected a BEIR dataset)")
    corpus = load_corpus(directory / "corpus.jsonl")
    all_queries = load_queries(directory / "queries.jsonl")
    qrels_path = directory / "qrels" / f"{split}.tsv"
    qrels = load_qrels(qrels_path)
    missing = sorted(qid for qid in qrels if qid not in all_queries)
    if missing:
        raise InvalidInput(
            f"{qrels_path}: {len(missing)} query ids are not in queries.jsonl "
            f"(first: {missing[0]!r})"
        )
    queries = {qid: all_queries[qid] for qid in qrels}
    return BeirDataset(corpus=corpus, queries=queries, qrels=qrels)


def load_corpus(path: Path) -> dict[str, BeirDoc]:
    """``corpus.jsonl``: one ``{"_id", "title", "text"}`` object a line; the title may be absent."""

    def doc(obj: dict[str, Any], line_no: int, doc_id: str) -> BeirDoc:
        title = _string(obj, "title", path, line_no, required=False)
        return BeirDoc(id=doc_id, title=title, text=_string(obj, "text", path, line_no))

    return _by_id(path, doc)


def load_queries(path: Path) -> dict[str, str]:
    """``queries.jsonl``: one ``{"_id", "text"}`` object a line."""
    return _by_id(path, lambda obj, line_no, _: _string(obj, "text", path, line_no))


def _by_id(path: Path, read: Callable[[dict[str, Any], int, str], T]) -> dict[str, T]:
    """The objects of a JSON Lines file by their ``_id``, each as ``read(obj, line, id)``;
    InvalidInput when an id comes twice."""
    found: dict[str, T] = {}
    for line_no, obj in _jsonl(path):
        key = _string(obj, "_id", path, line_no)
        if key in found:
            raise InvalidInput(f"{path}:{line_no}: duplicate _id {key!r}")
        found[key] = read(obj, line_no, key)
    return found


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``qrels/{split}.tsv``: a ``query-id corpus-id score`` header, then one judgement a line."""
    qrels: dict[str, dict[str, int]] = {}
    lines = _lines(path)
    header = next(lines, None)
    if header is None or tuple(header[1].split("\t")) != QRELS_HEADER:
        raise InvalidInput(
            f"{path}:1: expected the header {' '.join(QRELS_HEADER)!r} (tab-separated)"
        )
    for line_no, line in lines:
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 3:
            raise InvalidInput(
                f"{path}:{line_no}: expected 3 tab-separated cells, got {len(cells)}"
            )
        query_id, doc_id, raw_score = (cell.strip() for cell in cells)
        if not query_id or not doc_id:
            raise InvalidInput(f"{path}:{line_no}: empty query-id or corpus-id")
        try:
            score = int(raw_score)
        except ValueError:
            raise InvalidInput(f"{path}:{line_no}: score {raw_score!r} is not an integer") from None
        qrels.setdefault(query_id, {})[doc_id] = score
    return qrels


def ndcg_at_k(ranked_ids: Sequence[str], qrels_for_query: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k as pytrec_eval's ``ndcg_cut``: gain = the qrel score, discount = log2(rank + 1)."""
    if k <= 0:
        raise InvalidInput(f"k must be positive, got {k}")
    ideal_gains = sorted((rel for rel in qrels_for_query.values() if rel > 0), reverse=True)[:k]
    ideal = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal_gains))
    if ideal == 0:
        return 0.0
    dcg = 0.0
    # A run listing a document twice would count it twice; trec_eval keeps one row per id.
    for rank, doc_id in enumerate(_unique(ranked_ids)[:k]):
        rel = qrels_for_query.get(doc_id, 0)
        if rel > 0:
            dcg += rel / math.log2(rank + 2)
    return dcg / ideal


def recall_at_k(
    ranked_ids: Sequence[str], qrels_for_query: Mapping[str, int], k: int = 100
) -> float:
    """Recall@k: the share of the relevant documents (score > 0) found in the first k."""
    if k <= 0:
        raise InvalidInput(f"k must be positive, got {k}")
    relevant = {doc_id for doc_id, rel in qrels_for_query.items() if rel > 0}
    if not relevant:
        return 0.0
    found = sum(1 for doc_id in _unique(ranked_ids)[:k] if doc_id in relevant)
    return found / len(relevant)


def evaluate(
    run: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Mapping[str, int]],
    ndcg_k: int = 10,
    recall_k: int = 100,
) -> dict[str, float]:
    """Mean nDCG@ndcg_k and recall@recall_k over the queries in ``qrels``; a query missing from
    ``run`` scores 0 (as in BEIR, so a crashed query is not silently dropped)."""
    if not qrels:
        raise InvalidInput("no queries with qrels to evaluate")
    ndcg = recall = 0.0
    for query_id, judged in qrels.items():
        ranked = run.get(query_id, ())
        ndcg += ndcg_at_k(ranked, judged, ndcg_k)
        recall += recall_at_k(ranked, judged, recall_k)
    count = len(qrels)
    return {f"ndcg@{ndcg_k}": ndcg / count, f"recall@{recall_k}": recall / count}


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: file not found") from None
    with handle:
        try:
            for line_no, line in enumerate(handle, start=1):
                yield line_no, line.rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"{path}: not UTF-8 ({exc.reason})") from None


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for line_no, line in _lines(path):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}:{line_no}: invalid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise InvalidInput(f"{path}:{line_no}: expected a JSON object")
        yield line_no, obj


def _string(
    obj: Mapping[str, Any], key: str, path: Path, line_no: int, *, required: bool = True
) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    # BEIR ids are strings, but some datasets write numeric ids; accept ints, not other types.
    if key == "_id" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise InvalidInput(
            f"{path}:{line_no}: {key!r} must be a string, got {type(value).__name__}"
        )
    if key == "_id" and not value.strip():
        raise InvalidInput(f"{path}:{line_no}: empty _id")
    return value
