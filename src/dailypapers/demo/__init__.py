"""The bundled demo dataset: HF Daily Papers of February 2026 (real papers; see README.md here)."""

from __future__ import annotations

import gzip
from importlib import resources
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

DATASET_NAME = "daily-papers-2026-02.json.gz"
# Beside the dataset: its papers' all-MiniLM-L6-v2 vectors, made by scripts/build_demo.py.
VECTORS_NAME = "embeddings-all-MiniLM-L6-v2.npz"


def open_dataset() -> BinaryIO:
    """The demo's HF ``/api/daily_papers`` JSON, decompressed, as a binary stream."""
    raw = resources.files(__package__).joinpath(DATASET_NAME).open("rb")
    return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]


def vectors() -> dict[str, npt.NDArray[np.float32]]:
    """The demo papers' embeddings by content hash of the embedded text (empty if not shipped)."""
    source = resources.files(__package__).joinpath(VECTORS_NAME)
    if not source.is_file():
        return {}
    with source.open("rb") as raw, np.load(raw) as arrays:
        hashes = [digest.decode() for digest in arrays["hashes"]]
        return dict(zip(hashes, arrays["vectors"].astype(np.float32), strict=True))
