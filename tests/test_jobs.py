"""The background indexer: one process of an installation writes the indexes, others follow."""

from __future__ import annotations

from pathlib import Path

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.jobs import BackgroundIndexer, index_writer_lock
from dailypapers.models import PaperRecord


def test_one_writer_at_a_time_and_readers_follow(tmp_path: Path) -> None:
    settings = load_settings({"data_dir": tmp_path}, {})
    writer, _ = Hub.init(settings)
    reader = Hub.open(writer.settings)
    writer.load_demo()
    first, second = BackgroundIndexer(writer), BackgroundIndexer(reader)
    with index_writer_lock(tmp_path) as mine:
        assert mine
        # While another process holds the lock, an indexer only reads.
        assert first.run_once() is None and writer.lexical.count() == 0
    assert first.run_once() == 783
    assert second.run_once() == 0  # already current: nothing to write
    writer.ingest([PaperRecord(title="A later paper on whale song", arxiv_id="2612.00003")])
    with index_writer_lock(tmp_path) as mine:
        assert mine
        assert second.run_once() is None  # the reader only refreshes
    assert first.run_once() == 1
    second.run_once()
    assert reader.search("whale song")[0].paper.id == "2612.00003"
    assert reader.version() == writer.version()
    writer.close()
    reader.close()


def test_the_thread_starts_and_stops(tmp_path: Path) -> None:
    hub, _ = Hub.init(load_settings({"data_dir": tmp_path}, {}))
    hub.load_demo()
    indexer = BackgroundIndexer(hub, interval_s=0.05)
    indexer.start()
    indexer.stop(timeout=60)
    assert indexer.runs >= 1 and hub.lexical.count() == 783
    hub.close()
