"""Keeping the search indexes current with the store, one writing process at a time.

One process of an installation writes the indexes at a time: the indexer holds an exclusive
lock on ``DATA_DIR/index/writer.lock`` while it runs. Other processes (more web workers) skip the
work and only see the results: Tantivy's readers pick up commits by themselves, and the vector
index is reopened when its state file says it moved on.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from pathlib import Path

from dailypapers.errors import DailyPapersError
from dailypapers.hub import Hub
from dailypapers.locks import file_lock

log = logging.getLogger("dailypapers.jobs")
INDEX_INTERVAL_S = 10.0


def index_writer_lock(data_dir: Path) -> AbstractContextManager[bool]:
    """Try to become the process that writes the indexes; yields whether this one is it."""
    return file_lock(data_dir / "index" / "writer.lock", wait=False)


class BackgroundIndexer:
    """A daemon thread that brings the indexes up to the store every few seconds."""

    def __init__(self, hub: Hub, interval_s: float = INDEX_INTERVAL_S) -> None:
        self.hub = hub
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dailypapers-indexer", daemon=True)
        self.runs = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self) -> int | None:
        """One catch-up; the papers indexed, or None when another process holds the lock."""
        with index_writer_lock(self.hub.settings.data_dir) as mine:
            if not mine:
                self.hub.refresh_indexes()
                return None
            done = self.hub.index()
        self.runs += 1
        if done:
            log.info("indexed %d papers", done)
        return done

    def _run(self) -> None:
        warm = False
        while not self._stop.is_set():
            try:
                self.run_once()
                if not warm:
                    # Load the embedding model now (exporting it, the first time), so that the
                    # first search by meaning does not wait for it.
                    warm = True
                    self.hub.warm()
            except DailyPapersError as exc:
                log.warning("indexing failed, will retry: %s", exc)
            except Exception:
                log.exception("indexing crashed, will retry")
            self._stop.wait(self.interval_s)
