"""Work a request leaves for later: when sessions and API tokens were last used, written in
batches, and readers' models, retrained a moment after their signals stop changing.

A request only notes what to do (in memory, under a lock) and returns; one daemon thread per hub
does it. So a signed-in page or an API call is a read, and a vote is its own short write: none
waits for a model to train, and bursts of them do not queue behind one another's extra writes.
What waits here when a process dies is lost harmlessly: a last-seen time a few seconds old, or a
model that For you trains on its next visit anyway (``personal.py`` checks it is current).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime

log = logging.getLogger("dailypapers.hub")

# Seconds between writes of last-use times, and how stale a noted time may be before it is
# noted again (a member's every request is not worth a write).
FLUSH_S = 10.0
SEEN_EVERY_S = 300.0
# Seconds without a new signal before a reader's model is trained again, and at least this
# long after it was last trained here (a member voting all the while is trained that often;
# For you trains a stale model when it is opened anyway).
RETRAIN_AFTER_S = 3.0
RETRAIN_EVERY_S = 20.0

Touch = Callable[[Mapping[int, datetime], Mapping[int, datetime]], None]


class Afterwards:
    """Notes from requests, done by one daemon thread started on the first note."""

    def __init__(
        self,
        touch: Touch,
        flush_s: float = FLUSH_S,
        retrain_after_s: float = RETRAIN_AFTER_S,
        retrain_every_s: float = RETRAIN_EVERY_S,
    ) -> None:
        self._touch = touch
        self.flush_s = flush_s
        self.retrain_after_s = retrain_after_s
        self.retrain_every_s = retrain_every_s
        self._lock = threading.Condition()
        self._sessions: dict[int, datetime] = {}
        self._tokens: dict[int, datetime] = {}
        self._flush_at: float | None = None
        # user id -> (when to train, how)
        self._retrains: dict[int, tuple[float, Callable[[int], object]]] = {}
        self._trained: dict[int, float] = {}  # user id -> when last trained here
        self._busy = 0
        self._wake_at: float | None = None  # when the thread wakes next by itself, if it sleeps
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- what requests note ----------------------------------------------------------------------

    def seen(self, kind: str, key: int, at: datetime) -> None:
        """Session or API token ``key`` (``kind`` "session" or "token") was used ``at``."""
        with self._lock:
            (self._sessions if kind == "session" else self._tokens)[key] = at
            if self._flush_at is None:
                self._flush_at = time.monotonic() + self.flush_s
                self._wake()

    def retrain_soon(self, user_id: int, retrain: Callable[[int], object]) -> None:
        """Call ``retrain(user_id)`` once the member's signals have stood still a moment."""
        with self._lock:
            now = time.monotonic()
            last = self._trained.get(user_id)
            at = now + self.retrain_after_s
            if last is not None and now - last < self.retrain_every_s:
                at = max(at, last + self.retrain_every_s)
            self._retrains[user_id] = (at, retrain)
            if self._thread is None or self._wake_at is None or at < self._wake_at:
                self._wake()  # else the thread wakes earlier anyway, and sees this then

    # -- doing it ---------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the noted last-use times now."""
        with self._lock:
            sessions, self._sessions = self._sessions, {}
            tokens, self._tokens = self._tokens, {}
            self._flush_at = None
        if sessions or tokens:
            self._touch(sessions, tokens)

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until every retrain noted so far is done; whether it came to that in time."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._retrains or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.05))
        return True

    def close(self) -> None:
        """Write what is noted and stop the thread; retrains not yet due are left out."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            self.flush()
        except Exception:  # the store may be closing too; the times are only a few seconds old
            log.warning("could not write the last-use times of sessions and tokens")

    def _wake(self) -> None:
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(
                target=self._run, name="dailypapers-afterwards", daemon=True
            )
            self._thread.start()
        self._lock.notify_all()

    def _run(self) -> None:
        while True:
            with self._lock:
                due, flush = self._due()
                while not due and not flush and not self._closed:
                    wait = self._wait_s()
                    self._wake_at = None if wait is None else time.monotonic() + wait
                    self._lock.wait(wait)
                    self._wake_at = None
                    due, flush = self._due()
                if self._closed:
                    return
                work = [(user_id, self._retrains.pop(user_id)[1]) for user_id in due]
                now = time.monotonic()
                self._trained = {
                    user: at
                    for user, at in self._trained.items()
                    if now - at < self.retrain_every_s
                }
                self._trained.update((user_id, now) for user_id, _ in work)
                self._busy += 1
            try:
                if flush:
                    self.flush()
                for user_id, retrain in work:
                    retrain(user_id)
            except Exception:
                log.exception("work left by requests failed; it is done again when next noted")
            finally:
                with self._lock:
                    self._busy -= 1
                    self._lock.notify_all()

    def _due(self) -> tuple[list[int], bool]:
        now = time.monotonic()
        due = [user for user, (at, _) in self._retrains.items() if at <= now]
        return due, self._flush_at is not None and self._flush_at <= now

    def _wait_s(self) -> float | None:
        moments = [at for at, _ in self._retrains.values()]
        if self._flush_at is not None:
            moments.append(self._flush_at)
        return max(0.0, min(moments) - time.monotonic()) if moments else None
