"""The bundled demo dataset: HF Daily Papers of February 2026 (real papers; see README.md here)."""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from importlib import resources
from typing import BinaryIO, TypeVar

import numpy as np
import numpy.typing as npt

from dailypapers.models import PaperRecord, Version

DATASET_NAME = "daily-papers-2026-02.json.gz"
# The dataset's newest daily list: a demo that starts today moves every date by the days since.
NEWEST_DAY = date(2026, 2, 27)
T = TypeVar("T")
# Beside the dataset: its papers' all-MiniLM-L6-v2 vectors, made by scripts/build_demo.py.
VECTORS_NAME = "embeddings-all-MiniLM-L6-v2.npz"


def open_dataset() -> BinaryIO:
    """The demo's HF ``/api/daily_papers`` JSON, decompressed, as a binary stream."""
    raw = resources.files(__package__).joinpath(DATASET_NAME).open("rb")
    return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]


def shifted(items: Iterable[T], days: int) -> Iterator[T]:
    """The dataset's records with every date in them ``days`` later (the rest as they are), so
    that a demo's lists end on the day it starts and its one clock is the reader's."""
    step = timedelta(days=days)
    for item in items:
        if not isinstance(item, PaperRecord) or not days:
            yield item
            continue
        yield replace(
            item,
            published=item.published + step if item.published else None,
            updated=item.updated + step if item.updated else None,
            versions=tuple(
                Version(v.version, v.created + step if v.created else None) for v in item.versions
            )
            if item.versions
            else None,
            listing=replace(item.listing, date=item.listing.date + step) if item.listing else None,
        )


def vectors() -> dict[str, npt.NDArray[np.float32]]:
    """The demo papers' embeddings by content hash of the embedded text (empty if not shipped)."""
    source = resources.files(__package__).joinpath(VECTORS_NAME)
    if not source.is_file():
        return {}
    with source.open("rb") as raw, np.load(raw) as arrays:
        hashes = [digest.decode() for digest in arrays["hashes"]]
        return dict(zip(hashes, arrays["vectors"].astype(np.float32), strict=True))
