"""Offline evaluation of For you: simulated readers over the 11,022 real papers of the HF feed.

Each simulated reader is interested in one topic. Topics are clusters of the papers found by
TF-IDF over their words and spherical k-means (scikit-learn), so they owe nothing to the
embeddings the recommender works with. Time is split: papers first listed in the first 80% of the
period are the past, the last 20% are the new papers to rank (about 2,200). A reader has liked
``--likes`` random past papers of their topic and said "less like this" about ``--dislikes``
random past papers of other topics. Their held-out interest is every new paper of their topic.

Rankers, each ranking all new papers for each reader:
- trending: the papers by how popular they were on HF's page (snapshots listed, then best place):
  the same list for everyone, what a site without personalisation shows;
- centroid: cosine similarity to the mean of the liked papers' vectors ("more like what I saved");
- model: the hub's reader model (ranking/interest.py: logistic regression on likes, dislikes and
  200 random past papers as background), exactly as the hub trains it.

Reported: precision@10 and nDCG@10 (binary relevance) averaged over readers and seeds.

Usage: python benchmarks/recommend_eval.py [--topics 30] [--likes 15] [--dislikes 10]
       [--seeds 3] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from dailypapers.ranking.interest import BACKGROUND_WEIGHT, centroid, train
from dailypapers.search.embedding import Embedder
from dailypapers.search.evaluation import _cached_embeddings

ROOT = Path(__file__).resolve().parent.parent
FEED = (
    ROOT.parent
    / "shared"
    / "data"
    / "hf-papers"
    / "michaelmarkert_rss_hf_papers_feed_history.jsonl.gz"
)
CACHE = ROOT / "benchmarks" / "out" / "cache"
MARKER = "AI-generated summary"
BACKGROUND = 200


def load_feed() -> list[dict[str, Any]]:
    papers = []
    with gzip.open(FEED, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if not row.get("arxiv_id") or not row.get("title"):
                continue  # the feed's own error item
            text = row.get("content_text") or ""
            abstract = text.split(MARKER, 1)[1].strip() if MARKER in text else text.strip()
            papers.append(
                {
                    "id": row["arxiv_id"],
                    "title": row["title"],
                    "abstract": abstract,
                    "when": row.get("first_seen_commit_time") or row.get("date_published") or "",
                    "snapshots": int(row.get("n_snapshots") or 0),
                    "best": int(row.get("best_position") or 10_000),
                }
            )
    return papers


def ndcg_at_10(ranked: list[int], relevant: set[int]) -> float:
    gains = sum(1 / math.log2(i + 2) for i, item in enumerate(ranked[:10]) if item in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return gains / ideal if ideal else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--topics", type=int, default=30)
    parser.add_argument("--likes", type=int, default=15)
    parser.add_argument("--dislikes", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--min-new", type=int, default=20, help="skip topics with fewer new papers")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    papers = load_feed()
    texts = [f"{p['title']}. {p['abstract']}" if p["abstract"] else p["title"] for p in papers]
    vectors, _ = _cached_embeddings(texts, Embedder(cache_dir=CACHE / "models"), CACHE)
    words = TfidfVectorizer(stop_words="english", min_df=5, max_df=0.3, sublinear_tf=True)
    tfidf = words.fit_transform(texts)  # rows are L2-normalised: k-means on them is spherical
    topics = KMeans(args.topics, n_init=4, random_state=0).fit_predict(tfidf)

    order = sorted(range(len(papers)), key=lambda i: papers[i]["when"])
    cut = int(len(order) * 0.8)
    past, new = np.array(order[:cut]), np.array(order[cut:])
    popularity = sorted(new.tolist(), key=lambda i: (-papers[i]["snapshots"], papers[i]["best"]))

    results: dict[str, dict[str, list[float]]] = {
        name: {"precision@10": [], "ndcg@10": []} for name in ("trending", "centroid", "model")
    }
    readers = 0
    for seed in range(args.seeds):
        rng = np.random.default_rng(seed)
        for topic in range(args.topics):
            relevant = {int(i) for i in new if topics[i] == topic}
            mine = [int(i) for i in past if topics[i] == topic]
            others = [int(i) for i in past if topics[i] != topic]
            if len(relevant) < args.min_new or len(mine) < args.likes:
                continue
            readers += 1
            liked = rng.choice(mine, args.likes, replace=False)
            disliked = rng.choice(others, args.dislikes, replace=False)
            background = rng.choice(past, BACKGROUND, replace=False)
            mean = centroid(vectors[liked])
            model = train(vectors[liked], vectors[disliked], vectors[background])
            assert mean is not None and model is not None
            candidates = vectors[new]
            rankings = {
                "trending": popularity,
                "centroid": new[np.argsort(-(candidates @ mean))].tolist(),
                "model": new[np.argsort(-model.scores(candidates))].tolist(),
            }
            for name, ranked in rankings.items():
                hits = sum(1 for item in ranked[:10] if item in relevant)
                results[name]["precision@10"].append(hits / 10)
                results[name]["ndcg@10"].append(ndcg_at_10(ranked, relevant))

    report = {
        "papers": len(papers),
        "new_papers": len(new),
        "topics": args.topics,
        "readers": readers,
        "likes": args.likes,
        "dislikes": args.dislikes,
        "background": BACKGROUND,
        "background_weight": BACKGROUND_WEIGHT,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "results": {
            name: {metric: round(float(np.mean(values)), 3) for metric, values in figures.items()}
            for name, figures in results.items()
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{report['readers']} readers ({args.topics} topics x {args.seeds} seeds), "
        f"{args.likes} likes and {args.dislikes} dislikes each, {len(new)} new papers to rank"
    )
    for name, figures in report["results"].items():
        precision, ndcg = figures["precision@10"], figures["ndcg@10"]
        print(f"{name:10} precision@10 {precision:.3f}  nDCG@10 {ndcg:.3f}")


if __name__ == "__main__":
    main()
