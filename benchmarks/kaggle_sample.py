"""The real Kaggle records the benchmarks re-number, and the fresh ids they get."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = (
    ROOT.parent
    / "shared"
    / "data"
    / "arxiv-kaggle"
    / "wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"
)


def new_id(i: int) -> str:
    """The ``i``-th fresh new-style arXiv id: 1501.00001, 1501.00002, ... 1501.99999, 1502.00001."""
    month, number = divmod(i, 99_999)
    year, month = divmod(month, 12)
    return f"{15 + year:02d}{month + 1:02d}.{number + 1:05d}"
