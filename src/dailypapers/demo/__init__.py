"""The bundled demo dataset: HF Daily Papers of February 2026 (real papers; see README.md here)."""

from __future__ import annotations

import gzip
from importlib import resources
from typing import BinaryIO

DATASET_NAME = "daily-papers-2026-02.json.gz"


def open_dataset() -> BinaryIO:
    """The demo's HF ``/api/daily_papers`` JSON, decompressed, as a binary stream."""
    raw = resources.files(__package__).joinpath(DATASET_NAME).open("rb")
    return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
