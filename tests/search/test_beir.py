"""BEIR loading and the nDCG / recall metrics, checked against values computed by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dailypapers.errors import InvalidInput
from dailypapers.search.beir import (
    evaluate,
    load_beir,
    load_corpus,
    load_qrels,
    ndcg_at_k,
    recall_at_k,
)


def write_dataset(root: Path, corpus: str, queries: str, qrels: str, split: str = "test") -> Path:
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text(corpus, encoding="utf-8")
    (root / "queries.jsonl").write_text(queries, encoding="utf-8")
    (root / "qrels" / f"{split}.tsv").write_text(qrels, encoding="utf-8")
    return root


def test_ndcg_binary_hand_computed() -> None:
    qrels = {"a": 1, "b": 1}
    # Relevant at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3).
    expected = 1.5 / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["a", "x", "b"], qrels, 10) == pytest.approx(expected)
    assert ndcg_at_k(["a", "b"], qrels, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], qrels, 10) == 0.0
    assert ndcg_at_k([], qrels, 10) == 0.0
    # Cut at k: the relevant doc at rank 3 does not count at k=2.
    assert ndcg_at_k(["a", "x", "b"], qrels, 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_ndcg_graded_gains_and_ideal_from_qrels() -> None:
    qrels = {"a": 2, "b": 1, "c": 0, "d": -1}
    # Ranked b, a: DCG = 1 + 2/log2(3); ideal ranks a (2) then b (1): 2 + 1/log2(3).
    expected = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at_k(["b", "a"], qrels, 10) == pytest.approx(expected)
    # Zero and negative judgements are not relevant.
    assert ndcg_at_k(["c", "d"], qrels, 10) == 0.0
    assert ndcg_at_k(["a"], {"a": 0}, 10) == 0.0
    # A duplicate in the run counts once.
    assert ndcg_at_k(["b", "b", "a"], qrels, 10) == pytest.approx(expected)


def test_recall_hand_computed() -> None:
    qrels = {"a": 1, "b": 1, "c": 2, "z": 0}
    assert recall_at_k(["a", "x", "c"], qrels, 100) == pytest.approx(2 / 3)
    assert recall_at_k(["a", "x", "c"], qrels, 2) == pytest.approx(1 / 3)
    assert recall_at_k(["a", "a"], qrels, 100) == pytest.approx(1 / 3)
    assert recall_at_k(["z"], {"z": 0}, 100) == 0.0
    with pytest.raises(InvalidInput):
        recall_at_k(["a"], qrels, 0)


def test_evaluate_means_over_judged_queries_and_missing_runs_score_zero() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    scores = evaluate({"q1": ["a"], "unjudged": ["a"]}, qrels)
    assert scores == {"ndcg@10": pytest.approx(0.5), "recall@100": pytest.approx(0.5)}
    with pytest.raises(InvalidInput):
        evaluate({}, {})


def test_load_beir_tiny(tmp_path: Path) -> None:
    root = write_dataset(
        tmp_path / "tiny",
        '{"_id": "d1", "title": "T1", "text": "one"}\n\n{"_id": 2, "text": "two"}\n',
        '{"_id": "q1", "text": "first?"}\n{"_id": "q2", "text": "unjudged"}\n',
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\t2\t2\n",
    )
    data = load_beir(root, "test")
    assert set(data.corpus) == {"d1", "2"}
    assert data.corpus["2"].title == ""
    assert data.queries == {"q1": "first?"}
    assert data.qrels == {"q1": {"d1": 1, "2": 2}}


@pytest.mark.parametrize(
    ("corpus", "message"),
    [
        ('{"_id": "d1", "text": "x"}\n{"_id": "d2", "text": ', "corpus.jsonl:2: invalid JSON"),
        ('["not", "an", "object"]\n', "corpus.jsonl:1: expected a JSON object"),
        ('{"title": "no id", "text": "x"}\n', "corpus.jsonl:1: '_id' must be a string"),
        ('{"_id": "d1", "text": 5}\n', "corpus.jsonl:1: 'text' must be a string"),
        ('{"_id": "d1", "text": "a"}\n{"_id": "d1", "text": "b"}\n', "corpus.jsonl:2: duplicate"),
    ],
)
def test_bad_corpus_names_file_and_line(tmp_path: Path, corpus: str, message: str) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text(corpus, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_corpus(path)


@pytest.mark.parametrize(
    ("qrels", "message"),
    [
        ("q\td\ts\nq1\td1\t1\n", r"test.tsv:1: expected the header"),
        ("", r"test.tsv:1: expected the header"),
        ("query-id\tcorpus-id\tscore\nq1\td1\n", r"test.tsv:2: expected 3 tab-separated cells"),
        ("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\thigh\n", r"test.tsv:3: score 'high'"),
    ],
)
def test_bad_qrels_names_file_and_line(tmp_path: Path, qrels: str, message: str) -> None:
    path = tmp_path / "test.tsv"
    path.write_text(qrels, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_qrels(path)


def test_missing_files_and_unknown_queries(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a directory"):
        load_beir(tmp_path / "nowhere")
    root = write_dataset(
        tmp_path / "ds",
        '{"_id": "d1", "text": "x"}\n',
        '{"_id": "q1", "text": "y"}\n',
        "query-id\tcorpus-id\tscore\nq9\td1\t1\n",
    )
    with pytest.raises(InvalidInput, match=r"test.tsv: 1 query ids are not in queries.jsonl"):
        load_beir(root)
    with pytest.raises(InvalidInput, match=r"train.tsv: file not found"):
        load_beir(root, "train")


def test_scifact_loads(shared_data: Path) -> None:
    data = load_beir(shared_data / "scifact", "test")
    assert len(data.corpus) == 5183
    assert len(data.queries) == 300
    assert sum(len(judged) for judged in data.qrels.values()) == 339
    # A perfect run scores 1 on both metrics.
    perfect = {qid: list(judged) for qid, judged in data.qrels.items()}
    assert evaluate(perfect, data.qrels) == {
        "ndcg@10": pytest.approx(1.0),
        "recall@100": pytest.approx(1.0),
    }
