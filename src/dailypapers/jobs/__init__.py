"""Jobs that run beside the web: keeping the indexes current, and the scheduled worker."""

from __future__ import annotations

from dailypapers.jobs.indexer import BackgroundIndexer, index_writer_lock

__all__ = ["BackgroundIndexer", "index_writer_lock"]
