"""The worker: runs each scheduled job (fetching, digests, sending) when its schedule says, and
keeps the search indexes current all along.

Schedules are cron expressions from the settings. Each tick (once a minute) a job whose latest
fire time has not been handled yet is run: a worker that was down runs it once when it comes
back (digests only within ``DIGEST_CATCH_UP``: a digest a day late is noise). Every job is
idempotent, and several workers may share a database: a job is run by the one that takes its
lease through the hub (``job_runs`` in the store), and a failed run is tried again a few
minutes later. Digests run once per subscriber time zone, at the schedule's time in that zone.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from dailypapers.errors import ConfigError, DailyPapersError
from dailypapers.hub import Hub
from dailypapers.jobs.indexer import BackgroundIndexer
from dailypapers.jobs.schedule import Cron

log = logging.getLogger("dailypapers.worker")

# A running job's lease, renewed while it runs: a worker killed mid-job holds it this long at
# most before another worker (or the same one, restarted) runs the job again.
LEASE = timedelta(minutes=2)
RENEW_EVERY_S = 30.0
# A failed run is tried again after this long (not on every tick: the source may be down).
RETRY_FAILED = timedelta(minutes=5)
DIGEST_CATCH_UP = timedelta(hours=12)
# Days back a first harvest starts from (later ones resume where the last one ended).
FIRST_HARVEST_DAYS = 3
UTC_ZONE = ZoneInfo("UTC")
SCHEDULES = (
    "schedule_arxiv",
    "schedule_hf",
    "schedule_enrich",
    "schedule_thumbnails",
    "schedule_stars",
    "schedule_daily_digest",
    "schedule_weekly_digest",
    "schedule_send",
)


@dataclass(frozen=True, slots=True)
class Job:
    """A scheduled job: when it fires (in which zone), what it runs, how late it may still run."""

    name: str
    cron: Cron
    zone: ZoneInfo
    run: Callable[[datetime], dict[str, Any]]
    catch_up: timedelta | None = None


class Worker:
    """Runs the scheduled jobs of one installation; ``tick`` runs what is due now."""

    def __init__(
        self,
        hub: Hub,
        holder: str | None = None,
        index: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        fetch: bool = True,
    ) -> None:
        """``fetch=False`` leaves out the jobs that fetch from arXiv and Hugging Face (the demo
        shows its bundled papers, with their title cards for thumbnails, and reaches out to
        nothing)."""
        self.hub = hub
        self.fetch = fetch
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}"
        self.clock = clock
        settings = hub.settings
        # Parsed up front: a bad expression stops the worker at start, saying which setting.
        self.crons: dict[str, Cron] = {}
        for name in SCHEDULES:
            text = getattr(settings, name).strip()
            if not text:
                continue  # an empty schedule switches its job off
            try:
                self.crons[name] = Cron.parse(text)
            except ConfigError as exc:
                raise ConfigError(f"{name}: {exc}") from exc
        self.indexer = BackgroundIndexer(hub) if index else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the jobs -------------------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        crons = self.crons
        jobs = []
        if self.fetch:
            for name, setting, run in (
                ("fetch-arxiv", "schedule_arxiv", self._fetch_arxiv),
                ("fetch-hf", "schedule_hf", self._fetch_hf),
                ("enrich", "schedule_enrich", self._enrich),
                ("thumbnails", "schedule_thumbnails", self._thumbnails),
                ("stars", "schedule_stars", self._stars),
            ):
                if setting in crons:
                    jobs.append(Job(name, crons[setting], UTC_ZONE, run))
        if self.hub.mail_enabled:
            zones = self.hub.digest_zones()
            for kind in ("daily", "weekly"):
                if (setting := f"schedule_{kind}_digest") not in crons:
                    continue
                for zone in zones:
                    jobs.append(
                        Job(
                            f"digest-{kind}@{zone}",
                            crons[setting],
                            ZoneInfo(zone),
                            partial(self._digests, kind, zone),
                            DIGEST_CATCH_UP,
                        )
                    )
            if "schedule_send" in crons:
                jobs.append(Job("send", crons["schedule_send"], UTC_ZONE, self._send))
        return jobs

    def _fetch_arxiv(self, fire: datetime) -> dict[str, Any]:
        first = fire.date() - timedelta(days=FIRST_HARVEST_DAYS)
        totals: dict[str, Any] = {}
        for set_spec in [s.strip() for s in self.hub.settings.arxiv_sets.split(",") if s.strip()]:
            report = self.hub.fetch_arxiv(set_spec, start_if_new=first)
            totals[set_spec] = {
                "pages": report.pages,
                "added": report.summary.added,
                "updated": report.summary.updated,
                "rejected": report.summary.rejected,
            }
        return totals

    def _fetch_hf(self, fire: datetime) -> dict[str, Any]:
        # The day's list fills during the day, and a paper may join yesterday's late.
        out = {}
        for day in (fire.date() - timedelta(days=1), fire.date()):
            summary = self.hub.fetch_hf_daily(day)
            out[day.isoformat()] = {"added": summary.added, "updated": summary.updated}
        return out

    def _enrich(self, fire: datetime) -> dict[str, Any]:
        return self.hub.fetch_enrich(now=self.clock()).as_dict()

    def _thumbnails(self, fire: datetime) -> dict[str, Any]:
        return self.hub.fetch_thumbnails(now=self.clock()).as_dict()

    def _stars(self, fire: datetime) -> dict[str, Any]:
        return self.hub.fetch_stars(now=self.clock()).as_dict()

    def _digests(self, kind: str, zone: str, fire: datetime) -> dict[str, Any]:
        counts: dict[str, Any] = self.hub.compose_digests(kind, fire.date(), zone)
        if counts["composed"]:
            counts.update(self.hub.send_due())
        return counts

    def _send(self, _fire: datetime) -> dict[str, Any]:
        return dict(self.hub.send_due())

    # -- running them ---------------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Run every job that is due at ``now``; (name, outcome) of each one run here."""
        now = now or self.clock()
        hub = self.hub
        ran: list[tuple[str, dict[str, Any]]] = []
        for job in self.jobs():
            fire = job.cron.previous(now, job.zone)
            if fire is None:
                continue
            if not hub.claim_job(job.name, fire, self.holder, now + LEASE, now):
                continue  # handled, another worker has it, or it failed a moment ago
            if job.catch_up is not None and now - fire > job.catch_up:
                outcome: dict[str, Any] = {"missed": f"{now - fire} late, not run"}
                hub.finish_job(job.name, self.holder, fire, json.dumps(outcome), now)
                ran.append((job.name, outcome))
                continue
            started = time.monotonic()
            try:
                with self._holding(job.name, now, started):
                    outcome = job.run(fire)
            except Exception as exc:
                if isinstance(exc, DailyPapersError):
                    log.warning("%s failed, will retry: %s", job.name, exc)
                else:
                    log.exception("%s crashed, will retry", job.name)
                # Times follow the tick's clock (a test's, or the real one).
                finished = now + timedelta(seconds=time.monotonic() - started)
                retry = finished + RETRY_FAILED
                hub.fail_job(job.name, self.holder, f"failed: {exc}", finished, retry)
                ran.append((job.name, {"error": str(exc)}))
                continue
            seconds = time.monotonic() - started
            log.info("%s: %s (%.1f s)", job.name, json.dumps(outcome), seconds)
            finished = now + timedelta(seconds=seconds)
            hub.finish_job(job.name, self.holder, fire, json.dumps(outcome), finished)
            ran.append((job.name, outcome))
        return ran

    @contextmanager
    def _holding(self, name: str, now: datetime, started: float) -> Iterator[None]:
        """Keep renewing job ``name``'s lease while the block runs (a harvest may take hours)."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(RENEW_EVERY_S):
                moment = now + timedelta(seconds=time.monotonic() - started)
                try:
                    self.hub.renew_job(name, self.holder, moment + LEASE)
                except DailyPapersError as exc:  # the next renewal may get through
                    log.warning("could not renew the lease of %s: %s", name, exc)

        renewer = threading.Thread(target=renew, name=f"lease-{name}", daemon=True)
        renewer.start()
        try:
            yield
        finally:
            done.set()
            renewer.join()

    def run(self) -> None:
        """Tick once a minute until ``stop``; the indexer runs beside, in its own thread."""
        if self.indexer is not None:
            self.indexer.start()
        try:
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:
                    log.exception("the worker's tick failed; next minute again")
                # Wake just after the next minute starts: cron's resolution.
                self._stop.wait(60.5 - time.time() % 60)
        finally:
            if self.indexer is not None:
                self.indexer.stop()

    def start(self) -> None:
        """Run in a daemon thread (``serve --with-worker``)."""
        self._thread = threading.Thread(target=self.run, name="dailypapers-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
