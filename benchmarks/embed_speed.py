"""Embedding throughput: abstracts per second through ONNX Runtime and through PyTorch.

Real SciFact abstracts (title + text), all threads of the machine, after one warm-up batch; also
the largest difference between the two backends' vectors.

Usage: python benchmarks/embed_speed.py [--count 200] [--batch 32]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from dailypapers.search.embedding import Embedder

CORPUS = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "scifact" / "corpus.jsonl"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    texts = []
    with CORPUS.open(encoding="utf-8") as lines:
        for line, _ in zip(lines, range(args.count), strict=False):
            row = json.loads(line)
            texts.append(f"{row['title']}. {row['text']}")
    vectors = {}
    with tempfile.TemporaryDirectory() as cache:
        for backend in ("onnx", "torch"):
            embedder = Embedder(backend, Path(cache), batch_size=args.batch)
            embedder.embed(texts[: args.batch])  # load (and for ONNX, export) outside the timing
            started = time.perf_counter()
            vectors[backend] = embedder.embed(texts)
            rate = len(texts) / (time.perf_counter() - started)
            print(f"{backend}: {rate:.1f} abstracts/s")
    difference = float(np.abs(vectors["onnx"] - vectors["torch"]).max())
    cosine = float((vectors["onnx"] * vectors["torch"]).sum(axis=1).min())
    print(f"onnx vs torch: max abs difference {difference:.2e}, min cosine {cosine:.6f}")
    print(
        f"{len(texts)} abstracts, batch {args.batch}, {os.cpu_count()} cores, {platform.machine()}"
    )


if __name__ == "__main__":
    main()
