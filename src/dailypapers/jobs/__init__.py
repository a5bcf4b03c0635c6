"""Jobs that run beside the web: keeping the indexes current, and the scheduled worker."""

from __future__ import annotations

from dailypapers.jobs.indexer import BackgroundIndexer, index_writer_lock
from dailypapers.jobs.schedule import Cron
from dailypapers.jobs.worker import Job, Worker

__all__ = ["BackgroundIndexer", "Cron", "Job", "Worker", "index_writer_lock"]
