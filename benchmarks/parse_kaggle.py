"""Parser throughput: lines per second of `parse_kaggle` alone, on one core, without a database.

The lines are the real first 200 lines of arXiv's Kaggle snapshot, byte for byte, with only the id
re-numbered to fresh new-style ids; they are built in memory, so no disk I/O is timed.

Usage: python benchmarks/parse_kaggle.py [--lines 200000] [--repeat 3] [--gzip]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import platform
import time

from dailypapers.models import PaperRecord
from dailypapers.sources.kaggle import parse_kaggle
from kaggle_sample import SAMPLE, new_id

ID_PREFIX = b'{"id":"'


def make_lines(count: int) -> bytes:
    """``count`` lines: the sample lines in turn, each given a new id (``YYMM.NNNNN``)."""
    sample = SAMPLE.read_bytes().splitlines()
    tails = []
    for line in sample:
        if not line.startswith(ID_PREFIX):
            raise SystemExit(f"{SAMPLE}: a line does not start with {ID_PREFIX!r}")
        tails.append(line[line.index(b'"', len(ID_PREFIX)) :])
    out = []
    for i in range(count):
        out.append(ID_PREFIX + new_id(i).encode() + tails[i % len(tails)])
    return b"\n".join(out) + b"\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000, help="synthetic lines to parse")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--gzip", action="store_true", help="feed the lines gzip-compressed")
    args = parser.parse_args()
    data = make_lines(args.lines)
    if args.gzip:
        data = gzip.compress(data, compresslevel=6)
    best = baseline = 0.0
    for _ in range(args.repeat):
        start = time.perf_counter()
        records = sum(
            isinstance(item, PaperRecord) for item in parse_kaggle(io.BytesIO(data), "bench")
        )
        best = max(best, args.lines / (time.perf_counter() - start))
        if records != args.lines:
            raise SystemExit(f"parsed {records} records from {args.lines} lines")
        if not args.gzip:
            # The floor no parser built on json.loads can pass: decoding the lines, nothing else.
            start = time.perf_counter()
            for line in io.BytesIO(data):
                json.loads(line)
            baseline = max(baseline, args.lines / (time.perf_counter() - start))
    print(
        f"parse_kaggle: {args.lines:,} lines{' (gzip)' if args.gzip else ''}, "
        f"best of {args.repeat}: {best:,.0f} lines/s"
        + (f" (json.loads alone: {baseline:,.0f} lines/s)" if baseline else "")
        + f"; Python {platform.python_version()}, {platform.machine()}"
    )


if __name__ == "__main__":
    main()
