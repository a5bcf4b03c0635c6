"""Load on the site at 100K papers: the daily page and /api/daily_papers under 50 connections.

The store holds 100,000 papers made as in search_scale.py (real SciFact titles, recombined real
sentences), 40 of them on each daily list for the last 250 days, with upvotes drawn from a Zipf
law as on Hugging Face's lists and the demo's real author lists. `dailypapers serve --workers N`
serves it from a fresh data dir; wrk (Debian's package) loads each URL from this machine for a
fixed time with 50 connections, once as signed-out readers (served from kept responses while the
store is unchanged) and once as a signed-in member (every page rendered for them). wrk shares the
two cores with the server.

Usage: python benchmarks/load_site.py [--papers 100000] [--workers 2] [--seconds 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from dailypapers import demo
from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.models import Listing, PaperRecord
from dailypapers.search.embedding import (
    Embedder,
)
from dailypapers.search.evaluation import _cached_embeddings
from search_scale import mixtures, real_corpus, store_vectors, synthetic_papers

CACHE = Path(__file__).resolve().parent / "out" / "cache"

PER_DAY = 40
DAYS = 250
LAST_DAY = date(2026, 11, 30)

# wrk's own script: print the latency percentiles and the rate as one JSON line.
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "errors": %d, "seconds": %.2f, '
    .. '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\\n',
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def build(data_dir: Path, count: int) -> None:
    titles, texts, sentences = real_corpus()
    papers = synthetic_papers(count, titles, sentences)
    with demo.open_dataset() as stream:
        author_lists = [
            tuple(a["name"] for a in item["paper"]["authors"]) for item in json.load(stream)
        ]
    rng = random.Random(7)
    listed = []
    for day_number in range(DAYS):
        day = LAST_DAY - timedelta(days=day_number)
        for rank in range(PER_DAY):
            listed.append((day, rank + 1))
    records: list[PaperRecord] = []
    for number, paper in enumerate(papers):
        paper.authors = rng.choice(author_lists)
        paper.author_count = len(paper.authors)
        if number < len(listed):
            day, rank = listed[number]
            paper.listing = Listing(day, rank)
            paper.upvotes = min(500, int(rng.paretovariate(1.2)))
            paper.published = datetime.combine(day, datetime.min.time(), UTC)
        records.append(paper)
    hub, _ = Hub.init(load_settings({"data_dir": data_dir}, {}))
    with hub:
        hub.ingest(records)
        # Vectors as search_scale.py makes them (mixtures of real embeddings), stored under each
        # paper's content hash: the server's indexer then embeds nothing.
        real, _ = _cached_embeddings(texts, Embedder(cache_dir=CACHE / "models"), CACHE)
        store_vectors(hub, records, mixtures(real, count))
        hub.index()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def member_cookie(base: str, name: str = "loadtester") -> str:
    with httpx.Client(base_url=base) as client:
        form = client.get("/signup").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        client.post(
            "/signup",
            data={
                "name": name,
                "email": f"{name}@example.org",
                "password": "a long enough password",
                "csrf": csrf,
            },
        )
        client.get("/signin")  # shows the welcome, so that the cookie carries no message
        return f"dp_session={client.cookies['dp_session']}"


def wrk(url: str, seconds: int, cookie: str | None, script: Path) -> dict[str, Any]:
    command = ["wrk", "-t1", "-c50", f"-d{seconds}s", "--timeout", "5s", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["per_s"] = round(figures["requests"] / figures["seconds"])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dp-load-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        build(data_dir, args.papers)
        build_s = time.perf_counter() - started
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DAILYPAPERS_ARXIV_DELAY": "0"}
        server = subprocess.Popen(
            [
                sys.executable, "-m", "dailypapers.cli", "serve", "--data-dir", str(data_dir),
                "--port", str(port), "--workers", str(args.workers),
            ],
            env=env, stdout=subprocess.DEVNULL, stderr=(Path(tmp) / "server.log").open("w"),
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    log = (Path(tmp) / "server.log").read_text()
                    raise SystemExit(f"the server did not start:\n{log}")
                time.sleep(0.2)
            script = Path(tmp) / "report.lua"
            script.write_text(REPORT)
            cookie = member_cookie(base)
            results = {}
            for name, path in (("daily page", "/"), ("api daily_papers", "/api/daily_papers")):
                for who, sent in (("signed out", None), ("signed in", cookie)):
                    httpx.get(base + path, headers={"cookie": sent} if sent else {})  # warm
                    results[f"{name}, {who}"] = wrk(base + path, args.seconds, sent, script)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report = {
        "papers": args.papers,
        "listed": min(args.papers, PER_DAY * DAYS),
        "workers": args.workers,
        "connections": 50,
        "build_s": round(build_s, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{args.papers:,} papers, {args.workers} workers, 50 connections, {report['machine']}")
    for name, figures in results.items():
        print(
            f"{name:32} {figures['per_s']:>6} req/s  p50 {figures['p50_ms']:6.1f} ms  "
            f"p95 {figures['p95_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
            f"errors {figures['errors']}"
        )


if __name__ == "__main__":
    main()
