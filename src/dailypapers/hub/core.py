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
(``scheduling.py``), the admins' status, roles and site settings (``admin.py``), and papers'
thumbnails (``thumbnails.py``). Each
public method opens the transactions it needs: the hub owns them.
"""

from __future__ import annotations

from dailypapers import demo
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
):
    """Everything a dailypapers installation does, over one store.

    Each method's docstring names the errors it raises (``dailypapers.errors``); "raises nothing"
    means nothing beyond StoreError, which any method may raise when the database is
    unreachable."""

    def load_demo(self, progress: Progress | None = None) -> ImportSummary:
        """Import the bundled demo dataset (real papers; see dailypapers/demo/README.md). Raises
        nothing."""
        with demo.open_dataset() as stream:
            summary = self.ingest(
                parser_for("hf-daily")(stream, demo.DATASET_NAME),
                progress=progress,
                source=demo.DATASET_NAME,
            )
        self.seed_embeddings(demo.vectors())
        return summary

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
