"""Load on the site: its pages, signed out and in, each URL repeated and unique, beside nginx.

The store holds 100,000 papers made as in search_scale.py (real SciFact titles, recombined real
sentences), 40 of them on each daily list for the last 250 days, with upvotes drawn from a Zipf
law as on Hugging Face's lists and the demo's real author lists. `dailypapers serve --workers N`
serves it from a fresh data dir; wrk (Debian's package) loads each URL from this machine for a
fixed time with 50 connections, once as signed-out readers (served from kept responses while the
store is unchanged) and once as a signed-in member (every page rendered for them). wrk shares the
two cores with the server.

Each row is given twice: the URL repeated (what the kept responses and shared pages make of
it) and a unique query string per request (what the code does when nothing is kept). The first
row is nginx serving a saved copy of the daily page from a file: the limit for those bytes on
this machine. `--demo` loads the bundled demo (783 papers) instead of building a store. The
memory of each serving process is read from /proc after the load.

Usage: python benchmarks/load_site.py [--papers 100000 | --demo] [--workers 2] [--seconds 20]
       [--json]
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


# The same, with a fresh query string on every request, so that nothing kept can answer it.
UNIQUE = (
    """
counter = 0
request = function()
  counter = counter + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "n=" .. counter)
end
"""
    + REPORT
)

# An nginx serving one saved file, in the foreground, with its files in one directory.
NGINX = """
worker_processes 1; pid {dir}/nginx.pid; error_log {dir}/error.log warn; {user}
events {{ worker_connections 1024; }}
http {{
  access_log off; client_body_temp_path {dir}/b; proxy_temp_path {dir}/p;
  fastcgi_temp_path {dir}/f; uwsgi_temp_path {dir}/u; scgi_temp_path {dir}/s;
  server {{ listen 127.0.0.1:{port}; root {dir}; location / {{ default_type text/html; }} }}
}}
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


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of process ``pid`` and of each of its children, in MB."""
    found: dict[str, float] = {}
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for number, each in enumerate([pid, *map(int, children)]):
        status = Path(f"/proc/{each}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        found["supervisor" if number == 0 else f"worker {number}"] = round(kb / 1024, 1)
    return found


def nginx_limit(tmp: Path, page: bytes, seconds: int, script: Path) -> dict[str, Any]:
    """wrk against nginx serving ``page`` from a file."""
    root = tmp / "nginx"
    root.mkdir()
    (root / "index.html").write_bytes(page)
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    (root / "nginx.conf").write_text(NGINX.format(dir=root, port=port, user=user))
    nginx = subprocess.Popen(
        ["nginx", "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        return wrk(f"http://127.0.0.1:{port}/", seconds, None, script)
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def wait_for(base: str, log: Path | None = None, seconds: float = 120) -> None:
    """Return once the server at ``base`` answers /healthz; SystemExit (with its ``log``)
    when it has not within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            told = log.read_text() if log is not None and log.exists() else ""
            raise SystemExit(f"the server did not start:\n{told}")
        time.sleep(0.2)


def load_demo(data_dir: Path) -> None:
    hub, _ = Hub.init(load_settings({"data_dir": data_dir}, os.environ))
    with hub:
        hub.load_demo()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--demo", action="store_true", help="the bundled demo's 783 papers")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dp-load-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        if args.demo:
            load_demo(data_dir)
        else:
            build(data_dir, args.papers)
        build_s = time.perf_counter() - started
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DAILYPAPERS_ARXIV_DELAY": "0",
            "DAILYPAPERS_LIMIT_SIGNUP": "1000",
            "DAILYPAPERS_NEW_MEMBER_HOURS": "0",
        }
        server = subprocess.Popen(
            [
                sys.executable, "-m", "dailypapers.cli", "serve", "--data-dir", str(data_dir),
                "--port", str(port), "--workers", str(args.workers),
            ],
            env=env, stdout=subprocess.DEVNULL, stderr=(Path(tmp) / "server.log").open("w"),
        )  # fmt: skip
        try:
            wait_for(base, Path(tmp) / "server.log")
            time.sleep(20)  # the start-up indexing, before anything is measured
            script, unique = Path(tmp) / "report.lua", Path(tmp) / "unique.lua"
            script.write_text(REPORT)
            unique.write_text(UNIQUE)
            cookie = member_cookie(base)
            front = httpx.get(base + "/")
            paper = re.search(r'data-paper="([^"]+)"', front.text).group(1)  # type: ignore[union-attr]
            results = {"nginx, a saved copy of the daily page": nginx_limit(
                Path(tmp), front.content, args.seconds, script
            )}  # fmt: skip
            pages = (
                ("daily page", "/"),
                ("paper page", f"/papers/{paper}"),
                ("search 'diffusion'", "/search?q=diffusion"),
                ("api daily_papers", "/api/daily_papers"),
            )
            for name, path in pages:
                for who, sent in (("signed out", None), ("signed in", cookie)):
                    for kind, lua in (("repeated", script), ("unique", unique)):
                        for _ in range(3):  # warm: both workers
                            httpx.get(base + path, headers={"cookie": sent} if sent else {})
                        figures = wrk(base + path, args.seconds, sent, lua)
                        results[f"{name}, {who}, {kind} URL"] = figures
            memory = rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report = {
        "papers": 783 if args.demo else args.papers,
        "workers": args.workers,
        "connections": 50,
        "build_s": round(build_s, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "rss_mb": memory,
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{report['papers']:,} papers, {args.workers} workers, 50 connections, {report['machine']}"
    )
    print(f"resident memory after the load (MB): {memory}")
    for name, figures in results.items():
        print(
            f"{name:48} {figures['per_s']:>6} req/s  p50 {figures['p50_ms']:6.1f} ms  "
            f"p95 {figures['p95_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
            f"errors {figures['errors']}"
        )


if __name__ == "__main__":
    main()
