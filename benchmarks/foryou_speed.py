"""For you's speed: a reader with 500 signals over 10,000 new papers, through the hub and the page.

The store (SQLite) holds 30,000 papers made as in search_scale.py (real SciFact titles and
recombined sentences, vectors mixed from real embeddings): 10,000 listed over the last week, the
rest earlier. The reader has upvoted 300 earlier papers, saved 150, said "more like this" of 30
and "less like this" of 20 (500 signals), and follows an author, a category and a search. Timed,
warm: training their model from those signals; ``hub.for_you`` (30 picks with reasons), also with
the window's candidates read afresh (they are kept 5 s for every reader); and ``GET /for-you``
through the app in process.

Usage: python benchmarks/foryou_speed.py [--new 10000] [--old 20000] [--runs 50] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.hub.site import SiteSettings
from dailypapers.models import Listing
from dailypapers.search.embedding import Embedder
from dailypapers.search.evaluation import _cached_embeddings
from dailypapers.web import create_app
from search_scale import mixtures, real_corpus, store_vectors, synthetic_papers

CACHE = Path(__file__).resolve().parent / "out" / "cache"
LAST_DAY = date(2026, 11, 30)


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    pick = lambda q: round(ordered[int(q * (len(ordered) - 1))] * 1000, 2)  # noqa: E731
    return {"p50_ms": pick(0.5), "p95_ms": pick(0.95)}


def build(data_dir: Path, new: int, old: int) -> Hub:
    titles, texts, sentences = real_corpus()
    records = synthetic_papers(new + old, titles, sentences)
    rng = random.Random(5)
    for number, paper in enumerate(records):
        if number < new:
            day = LAST_DAY - timedelta(days=number % 7)
            paper.listing = Listing(day, number // 7 + 1)
            paper.published = datetime.combine(day, datetime.min.time(), UTC)
        else:
            paper.published = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(600))
        paper.upvotes = int(rng.paretovariate(1.2))
    hub, _ = Hub.init(load_settings({"data_dir": data_dir}, {}))
    hub.ingest(records)
    real, _ = _cached_embeddings(texts, Embedder(cache_dir=CACHE / "models"), CACHE)
    store_vectors(hub, records, mixtures(real, len(records)))
    hub.index()
    return hub


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--old", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dp-foryou-") as tmp:
        hub = build(Path(tmp), args.new, args.old)
        hub.site_settings = SiteSettings(
            load_settings(
                {
                    "data_dir": tmp,
                    "limit_votes": 10**6,
                    "limit_signup": 10**6,
                    "new_member_hours": 0,
                },
                {},
            ),
            dict,
        )
        old = list(range(args.new + 1, args.new + args.old + 1))
        rng = random.Random(9)
        picked = rng.sample(old, 500)
        app = create_app(hub, hub.settings, background_index=False)
        client = TestClient(app)
        form = client.get("/signup").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        client.post(
            "/signup",
            data={"name": "reader", "email": "r@example.org", "password": "x" * 12, "csrf": csrf},
        )
        user = hub.user_named("reader")
        sample = hub.papers_in_order(picked[:1])[0]
        # Signals go in through the store: the hub would retrain after each one.
        with hub.store.transaction() as tx:
            for pk in picked[:300]:
                tx.community.set_vote(user.id, pk, True)
            for pk in picked[300:450]:
                tx.library.set_saved(user.id, pk, True)
            for pk in picked[450:480]:
                tx.library.set_feedback(user.id, pk, 1)
            for pk in picked[480:500]:
                tx.library.set_feedback(user.id, pk, -1)
            tx.library.add_follow(user.id, "author", (sample.authors or ("Nobody",))[0])
            tx.library.add_follow(user.id, "category", "cs.LG")
            tx.library.add_follow(user.id, "search", "gene expression in cancer")

        train_times = []
        for _ in range(10):
            started = time.perf_counter()
            hub.retrain(user)
            train_times.append(time.perf_counter() - started)
        hub.for_you(user)  # warm
        hub_times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = hub.for_you(user)
            hub_times.append(time.perf_counter() - started)
        cold_times = []
        for _ in range(10):
            hub._windows.clear()  # as when the window's candidates are read again (every 5 s)
            started = time.perf_counter()
            hub.for_you(user)
            cold_times.append(time.perf_counter() - started)
        client.get("/for-you")
        page_times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            page = client.get("/for-you")
            page_times.append(time.perf_counter() - started)
        assert page.status_code == 200
        signals = hub.signals(user)
        report: dict[str, Any] = {
            "signals": len(signals.positives) + len(signals.less),
            "follows": len(signals.follows),
            "candidates": result.candidates,
            "picks": len(result.picks),
            "basis": result.basis,
            "retrain": percentiles(train_times),
            "hub.for_you": percentiles(hub_times),
            "hub.for_you, window read afresh": percentiles(cold_times),
            "GET /for-you": percentiles(page_times),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        }
        hub.close()
    print(json.dumps(report, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
