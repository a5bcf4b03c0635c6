"""What requests leave for later: last-use times written in one batch, models retrained once a
member's signals stand still, and none of it on the request."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.hub.afterwards import Afterwards


def test_last_use_times_are_written_together_once_flushed() -> None:
    written: list[tuple[dict[int, datetime], dict[int, datetime]]] = []

    def touch(sessions: Mapping[int, datetime], tokens: Mapping[int, datetime]) -> None:
        written.append((dict(sessions), dict(tokens)))

    later = Afterwards(touch, flush_s=0.05)
    now = datetime.now(UTC)
    for key in (1, 2, 1):
        later.seen("session", key, now)
    later.seen("token", 9, now)
    deadline = time.monotonic() + 5
    while not written and time.monotonic() < deadline:
        time.sleep(0.01)
    assert written == [({1: now, 2: now}, {9: now})]
    later.close()


def test_a_retrain_waits_until_the_signals_stand_still() -> None:
    trained: list[tuple[int, float]] = []
    later = Afterwards(lambda s, t: None, retrain_after_s=0.2)
    started = time.monotonic()
    for _ in range(5):  # five votes in quick succession: one retrain, after the last
        later.retrain_soon(7, lambda user: trained.append((user, time.monotonic())))
        time.sleep(0.05)
    later.retrain_soon(8, lambda user: trained.append((user, time.monotonic())))
    assert later.idle(timeout=5)
    assert sorted(user for user, _ in trained) == [7, 8]
    assert all(at - started >= 0.2 + 0.2 for user, at in trained if user == 7)
    later.close()


def test_a_member_voting_all_the_while_is_trained_once_per_interval() -> None:
    trained: list[float] = []
    later = Afterwards(lambda s, t: None, retrain_after_s=0.05, retrain_every_s=0.6)
    started = time.monotonic()
    later.retrain_soon(7, lambda user: trained.append(time.monotonic() - started))
    assert later.idle(timeout=5) and len(trained) == 1  # the first vote: trained soon
    later.retrain_soon(7, lambda user: trained.append(time.monotonic() - started))
    assert later.idle(timeout=5)
    assert len(trained) == 2 and trained[1] - trained[0] >= 0.6  # not before the interval
    later.close()


def test_close_writes_what_waits() -> None:
    written: list[dict[int, datetime]] = []
    later = Afterwards(lambda sessions, tokens: written.append(dict(sessions)), flush_s=60)
    later.seen("session", 3, datetime.now(UTC))
    later.close()
    assert [list(batch) for batch in written] == [[3]]


def test_a_vote_does_not_train_the_model_in_the_request(tmp_path: Path) -> None:
    hub, _ = Hub.init(load_settings({"data_dir": tmp_path}, {}))
    hub.load_demo()
    hub.index()  # the demo's own vectors: nothing to embed
    reader = hub.create_user("quick", "quick@example.org")
    papers = [paper.id for paper in hub.recent_lists(2)][:3]
    trained_on: list[str] = []
    real_retrain = hub.retrain

    def retrain(user, signals=None):  # type: ignore[no-untyped-def]
        trained_on.append(threading.current_thread().name)
        return real_retrain(user, signals)

    hub.retrain = retrain  # type: ignore[method-assign]
    for paper in papers:
        hub.vote(reader, paper)
    assert trained_on == []  # the votes returned before any training
    assert hub.afterwards.idle(timeout=30)
    assert trained_on == ["dailypapers-afterwards"]
    with hub.store.read() as tx:
        stored = tx.library.load_model(reader.id)
    assert stored is not None and stored[0] == hub.signals(reader).count
    hub.close()
