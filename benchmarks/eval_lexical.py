"""Lexical search quality and speed on a BEIR dataset: nDCG@10, recall@100, build rate, latency.

Builds a LexicalIndex over the corpus in a temporary directory (one ``add`` and one ``commit``, as
a rebuild does), runs every query of the split with ``limit=100`` (snippets off, as a ranking run;
``--snippets`` times them too), and prints the figures. Tune on ``--split train`` only; report test.

Usage: python benchmarks/eval_lexical.py [DIR] [--split test] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

from dailypapers.search.beir import load_beir
from dailypapers.search.evaluation import evaluate_lexical

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--split", default="test")
    parser.add_argument("--snippets", action="store_true", help="also build snippets per hit")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    data = load_beir(args.directory, args.split)
    with tempfile.TemporaryDirectory() as tmp:
        figures = evaluate_lexical(data, Path(tmp), snippets=args.snippets)
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
