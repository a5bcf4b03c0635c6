"""Search quality and speed on a BEIR dataset: nDCG@10, recall@100, build rate, query latency.

Runs ``dailypapers eval beir``'s routine (search/evaluation.py) with a fresh index in a temporary
directory. Corpus embeddings (semantic, hybrid) are cached in ``--cache`` by content hash. Tune on
``--split train`` only; report test.

Usage: python benchmarks/eval_search.py [DIR] [--split test] [--mode lexical|semantic|hybrid]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

from dailypapers.search.beir import load_beir
from dailypapers.search.embedding import Embedder
from dailypapers.search.evaluation import MODES, evaluate_beir

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--split", default="test")
    parser.add_argument("--mode", default="lexical", choices=MODES)
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / "out" / "cache")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    data = load_beir(args.directory, args.split)
    embedder = Embedder(cache_dir=args.cache / "models") if args.mode != "lexical" else None
    with tempfile.TemporaryDirectory() as tmp:
        figures = evaluate_beir(data, Path(tmp), args.mode, embedder, args.cache)
    result = {
        "dataset": args.directory.name,
        "split": args.split,
        **figures,
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
