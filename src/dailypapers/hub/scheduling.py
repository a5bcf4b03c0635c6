"""Scheduled jobs through the hub: which fire times are handled, and who holds a job's lease.

The worker (``jobs/worker.py``) decides when a job is due; the lease that lets one worker of many
run it lives in the store (``store/jobs.py``), and this is the worker's way to it.
"""

from __future__ import annotations

from datetime import datetime

from dailypapers.hub.base import HubBase


class Scheduling(HubBase):
    """The scheduled jobs' part of the hub."""

    def claim_job(
        self, name: str, fire: datetime, holder: str, lease_until: datetime, now: datetime
    ) -> bool:
        """Become the one runner of job ``name`` for fire time ``fire``: False when that fire
        was handled already, or another worker holds a live lease on the job. Raises nothing."""
        with self.store.read() as tx:
            last = tx.jobs.last_fire(name)
        if last is not None and last >= fire:
            return False  # read first: most ticks find nothing due, and write nothing
        with self.store.transaction() as tx:
            return tx.jobs.take(name, fire, holder, lease_until, now)

    def renew_job(self, name: str, holder: str, lease_until: datetime) -> bool:
        """Extend ``holder``'s lease on job ``name``; False when it is no longer theirs. Raises
        nothing."""
        with self.store.transaction() as tx:
            return tx.jobs.renew(name, holder, lease_until)

    def finish_job(
        self, name: str, holder: str, fire: datetime, outcome: str, now: datetime
    ) -> None:
        """Let go of job ``name``, its fire time ``fire`` handled. Raises nothing."""
        with self.store.transaction() as tx:
            tx.jobs.finish(name, holder, fire, outcome, now)

    def fail_job(self, name: str, holder: str, error: str, now: datetime, retry: datetime) -> None:
        """Let go of job ``name``, its fire time not handled: it runs again, not before
        ``retry``. Raises nothing."""
        with self.store.transaction() as tx:
            tx.jobs.finish(name, holder, None, error, now, retry)

    def job_states(self) -> list[dict[str, object]]:
        """Every scheduled job's last fire, holder, lease and outcome. Raises nothing."""
        with self.store.read() as tx:
            return tx.jobs.states()
