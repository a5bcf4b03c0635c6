"""Garbage collection in the serving processes under load, with the collector set for serving
(``web.app.settle_for_serving``) and with Python's defaults, side by side in one run.

The bundled demo (783 papers), `dailypapers serve --workers 2`, wrk with 50 connections as one
signed-in member on the daily page and then on a paper page, as in load_site.py. Each serving
process runs with a probe (a ``sitecustomize`` module on ``PYTHONPATH``) that times every
collection through ``gc.callbacks`` and writes them to a file; "defaults" is the same code with
the probe making ``gc.freeze`` and ``gc.set_threshold`` do nothing. Reported per serving process
for the time wrk ran: collections, the time they took in all, full collections and the longest
pause; and wrk's rate and percentiles.

Usage: python benchmarks/gc_pauses.py [--seconds 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from load_site import REPORT, free_port, load_demo, member_cookie, wait_for, wrk

PROBE = """
import gc, os, time, threading
_log = os.environ["DP_GC_LOG"] + f".{os.getpid()}"
_started, _pauses = {}, []
def _timed(phase, info):
    if phase == "start":
        _started["at"] = time.perf_counter()
    elif "at" in _started:
        _pauses.append((time.time(), info["generation"], time.perf_counter() - _started["at"]))
def _write():
    while True:
        time.sleep(1)
        with open(_log, "w") as out:
            out.write("\\n".join(f"{t} {g} {s}" for t, g, s in list(_pauses)))
gc.callbacks.append(_timed)
threading.Thread(target=_write, daemon=True).start()
if os.environ.get("DP_GC_DEFAULTS"):
    gc.freeze = lambda: None
    gc.set_threshold = lambda *threshold: None
"""


def serve(
    data_dir: Path, port: int, probe: Path, log: Path, defaults: bool
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(probe), os.environ.get("PYTHONPATH", "")]),
        "DP_GC_LOG": str(log),
        "DAILYPAPERS_LIMIT_SIGNUP": "1000",
        "DAILYPAPERS_NEW_MEMBER_HOURS": "0",
    }
    if defaults:
        env["DP_GC_DEFAULTS"] = "1"
    command = [
        sys.executable, "-m", "dailypapers.cli", "serve", "--data-dir", str(data_dir),
        "--port", str(port), "--workers", "2",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pauses(log: Path, start: float, end: float) -> list[dict[str, Any]]:
    """Per process that collected while wrk ran: collections, their time, the full ones."""
    found = []
    for file in sorted(log.parent.glob(log.name + ".*")):
        rows = [line.split() for line in file.read_text().splitlines() if line.strip()]
        during = [(int(g), float(s)) for t, g, s in rows if start <= float(t) <= end]
        if not during:
            continue
        full = [seconds for generation, seconds in during if generation == 2]
        found.append(
            {
                "collections": len(during),
                "total_ms": round(sum(seconds for _, seconds in during) * 1000, 1),
                "full": len(full),
                "longest_ms": round(max(seconds for _, seconds in during) * 1000, 1),
            }
        )
    return found


def run(data_dir: Path, tmp: Path, defaults: bool, seconds: int) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp / ("defaults" if defaults else "settled") / "gc"
    log.parent.mkdir()
    server = serve(data_dir, port, tmp, log, defaults)
    try:
        wait_for(base)
        time.sleep(10)  # the start-up indexing, before anything is measured
        cookie = member_cookie(base, "gc-defaults" if defaults else "gc-settled")
        script = tmp / "report.lua"
        script.write_text(REPORT)
        results: dict[str, Any] = {}
        front = httpx.get(base + "/").text
        paper = front.split('data-paper="', 1)[1].split('"', 1)[0]
        for name, path in (("daily page", "/"), ("paper page", f"/papers/{paper}")):
            for _ in range(4):
                httpx.get(base + path, headers={"cookie": cookie})
            start = time.time()
            figures = wrk(base + path, seconds, cookie, script)
            end = time.time()
            time.sleep(1.5)  # the probe writes its file every second
            figures["gc"] = pauses(log, start, end)
            results[name] = figures
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dp-gc-") as name:
        tmp = Path(name)
        (tmp / "sitecustomize.py").write_text(PROBE)
        data_dir = tmp / "data"
        load_demo(data_dir)
        report = {
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "settled": run(data_dir, tmp, False, args.seconds),
            "defaults": run(data_dir, tmp, True, args.seconds),
        }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"demo, serve --workers 2, wrk 50 connections signed in, {report['machine']}")
    for mode in ("defaults", "settled"):
        for page, figures in report[mode].items():
            collected = "; ".join(
                f"{each['collections']} collections, {each['total_ms']} ms, {each['full']} full, "
                f"longest {each['longest_ms']} ms"
                for each in figures["gc"]
            )
            print(
                f"{mode:9} {page:11} {figures['per_s']:>6} req/s  p50 {figures['p50_ms']:6.1f} "
                f"p99 {figures['p99_ms']:7.1f} ms | {collected or 'no collections'}"
            )


if __name__ == "__main__":
    main()
