"""The hub: the one facade that combines store, sources and search; web, jobs and CLI call it.

``Hub`` is put together from parts, each over the common ground of ``base.py`` and each owning
one side of what an installation does: taking papers in (``ingesting.py``), completing listed
papers with arXiv's metadata (``enriching.py``), search (``search.py``), the daily, weekly and
trending lists (``lists.py``), authors and their papers (``authors.py``) and the members
verified as authors (``claims.py``), members and their votes, comments and sessions
(``community.py``), sign-up, confirmed addresses, password resets and roles
(``membership.py``), reports and moderators' actions on comments (``moderation.py``), what
members are told of (``notifications.py``), what each reader keeps and is recommended
(``personal.py``), digests by email (``mailing.py``), the scheduled jobs' leases
(``scheduling.py``), the admins' status, roles and site settings (``admin.py``), papers'
thumbnails (``thumbnails.py``) and their repositories' GitHub stars (``stars.py``). Each
public method opens the transactions it needs: the hub owns them.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from dailypapers import demo
from dailypapers.files import write_json
from dailypapers.hub.admin import Admin
from dailypapers.hub.authors import Authors
from dailypapers.hub.claims import Claims
from dailypapers.hub.community import Community
from dailypapers.hub.enriching import Enriching
from dailypapers.hub.ingesting import HarvestReport, Ingesting, Progress
from dailypapers.hub.lists import Lists
from dailypapers.hub.mailing import Mailing
from dailypapers.hub.membership import Membership
from dailypapers.hub.moderation import Moderation
from dailypapers.hub.notifications import Notifying
from dailypapers.hub.personal import Personal
from dailypapers.hub.scheduling import Scheduling
from dailypapers.hub.search import Searching
from dailypapers.hub.stars import Starring
from dailypapers.hub.thumbnails import Thumbnailing
from dailypapers.models import ImportSummary
from dailypapers.sources.formats import parser_for

__all__ = ["HarvestReport", "Hub"]


class Hub(
    Ingesting,
    Enriching,
    Searching,
    Lists,
    Authors,
    Claims,
    Community,
    Membership,
    Moderation,
    Notifying,
    Personal,
    Mailing,
    Scheduling,
    Admin,
    Thumbnailing,
    Starring,
):
    """Everything a dailypapers installation does, over one store.

    Each method's docstring names the errors it raises (``dailypapers.errors``); "raises nothing"
    means nothing beyond StoreError, which any method may raise when the database is
    unreachable."""

    def load_demo(
        self, progress: Progress | None = None, today: date | None = None
    ) -> ImportSummary:
        """Import the bundled demo dataset (real papers; see dailypapers/demo/README.md). With
        ``today``, every date in it moves so that its newest list is today's: trending, saves
        and digests then all speak of one day. The move is chosen once per data dir (in
        ``demo.json``), so a demo started again on a later day keeps its lists where they
        were; a store that held papers before keeps the bundled dates. Raises nothing."""
        days = self._demo_days(today) if today is not None else 0
        with demo.open_dataset() as stream:
            records = parser_for("hf-daily")(stream, demo.DATASET_NAME)
            summary = self.ingest(
                demo.shifted(records, days), progress=progress, source=demo.DATASET_NAME
            )
        self.seed_embeddings(demo.vectors())
        return summary

    def _demo_days(self, today: date) -> int:
        """The days the demo's dates move in this data dir, chosen on its first load."""
        path = self.settings.data_dir / "demo.json"
        try:
            return int(json.loads(path.read_text(encoding="utf-8"))["days"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        with self.store.read() as tx:
            held = tx.papers.counts()["papers"]
        days = 0 if held else (today - demo.NEWEST_DAY).days
        write_json(
            path, {"days": days, "newest_day": (demo.NEWEST_DAY + timedelta(days)).isoformat()}
        )
        return days

    def stats(self) -> dict[str, object]:
        """What the installation holds: papers, lists, votes, subscriptions, the outbox. Raises
        nothing."""
        with self.store.read() as tx:
            return {
                **tx.papers.counts(),
                **tx.lists.counts(),
                "database": self.store.dialect,
                "subscriptions": tx.outbox.subscription_counts(),
                "outbox": tx.outbox.counts(),
            }
