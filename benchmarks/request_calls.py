"""Python function calls per request through the whole site, a measure that noise cannot move.

Throughput on a shared 2-core machine drifts by half between runs of the same code; the number of
Python calls a request makes does not. This drives the ASGI app in process (the same app `serve`
runs, middleware and response cache included, no network), once per URL to warm it, then counts
every Python and C call under ``sys.setprofile`` over 200 requests. A URL ending in ``n=`` gets a
fresh number each time, so the kept responses for signed-out readers never serve it: that is the
cost of rendering a page afresh, as a signed-in member's pages are.

Run it with the code to compare first on PYTHONPATH, over a data dir made by `dailypapers demo`:

    dailypapers demo --data-dir D --no-serve
    DAILYPAPERS_SECRET_KEY=... python benchmarks/request_calls.py --data-dir D

Usage: python benchmarks/request_calls.py --data-dir D [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from starlette.testclient import TestClient


async def request(app: Callable[..., Any], target: str) -> int:
    """One GET of ``target`` through ``app``, answering its status."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


async def calls_per_request(app: Callable[..., Any], url: str, count: int) -> int:
    def target(number: int) -> str:
        return url + str(number) if url.endswith("n=") else url

    for number in range(20):
        status = await request(app, target(number))
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
    calls = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(profile)
    try:
        for number in range(count):
            await request(app, target(1000 + number))
    finally:
        sys.setprofile(None)
    return calls // count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    os.environ["DAILYPAPERS_DATA_DIR"] = args.data_dir
    from dailypapers.web.asgi import create

    app = create()
    with TestClient(app, base_url="http://127.0.0.1") as client:
        time.sleep(12)  # the start-up indexing settles, as before a load
        paper = client.get("/api/daily_papers").json()[0]["paper"]["id"]
        urls = [
            "/",
            "/api/daily_papers",
            f"/papers/{paper}",
            "/?n=",
            "/api/daily_papers?n=",
            f"/papers/{paper}?n=",
            f"/api/papers/{paper}?n=",
            "/search?q=diffusion&n=",
            "/healthz",
        ]
        counts = {url: asyncio.run(calls_per_request(app, url, args.requests)) for url in urls}
    print(json.dumps(counts, indent=1))


if __name__ == "__main__":
    main()
