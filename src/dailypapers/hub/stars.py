"""The hub's GitHub stars: how many stars the repositories that listed papers link to have.

The most recently listed papers are asked about first, each repository at most once a day,
within GitHub's hourly allowance (60 requests without ``github_token``, 5,000 with one): a run
stops when an answer says none are left, and the rest wait for the next run. A repository GitHub
does not describe (gone, private, a link that is not to a repository) shows no stars and is
asked about again after a day, then less often.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dailypapers.errors import InvalidInput, NotFound
from dailypapers.hub.base import HubBase
from dailypapers.sources.github import GitHub, Spent, repository, spent
from dailypapers.store import Due

log = logging.getLogger(__name__)

# Papers one run asks about at most: within the hour's 60 requests without a token.
BATCH = 50
BATCH_WITH_TOKEN = 1000
NOT_A_REPOSITORY = "the code link is not to a GitHub repository"


@dataclass
class StarsReport:
    """What a run did: the papers whose stars changed, those unchanged, why each other one got
    none, and why the run stopped early, if it did."""

    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    stopped: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "failed": self.failed,
            "requests": self.requests,
            "stopped": self.stopped,
        }


class Starring(HubBase):
    """The part of the hub that asks GitHub how many stars papers' repositories have."""

    def fetch_stars(
        self, refs: Sequence[str] = (), limit: int | None = None, now: datetime | None = None
    ) -> StarsReport:
        """Ask GitHub about the repository of each paper ``refs`` names (again, if asked
        lately); without ``refs``, of up to ``limit`` listed papers due (50 a run without
        ``github_token``, 1,000 with one). A paper without a code link is in the report's
        failures; one whose repository GitHub does not describe too, and it is asked about
        again later. When GitHub allows no more requests the run stops (``stopped`` says until
        when) and keeps what it had.

        Raises NotFound when a ref names no paper, FetchError when GitHub cannot be reached or
        answers otherwise (what was answered before is kept)."""
        now = now or datetime.now(UTC)
        token = self.settings.github_token
        if limit is None:
            limit = BATCH_WITH_TOKEN if token.strip() else BATCH
        report = StarsReport()
        due = self._papers_to_fetch(
            refs,
            lambda tx: tx.stars.due(now, limit),
            report.failed,
            "no code link",
            lambda tx, pks: tx.stars.of(pks),
        )
        with self._client(self.settings.github_delay) as client:
            github = GitHub(client, self.settings.github_api_url, token)
            for item in due:
                if not self._ask(github, item, now, report):
                    break
        return report

    def _ask(self, github: GitHub, item: Due, now: datetime, report: StarsReport) -> bool:
        """Ask about one paper's repository and note the answer; whether to go on."""
        repo = repository(item.link)
        if repo is None:
            self._no_stars(item, NOT_A_REPOSITORY, now, report)
            return True
        try:
            answer = github.stars(repo, item.etag)
        except Spent as exc:  # refused: GitHub did not count it either
            report.stopped = str(exc)
            log.info("GitHub stars: %s", exc)
            return False
        except (NotFound, InvalidInput) as exc:  # the repository's; GitHub's own failures stop
            report.requests += 1
            self._no_stars(item, str(exc), now, report)
            return True
        report.requests += 1
        with self.store.transaction() as tx:
            changed = tx.stars.save(item.pk, answer.count, answer.etag, now)
        (report.changed if changed else report.unchanged).append(item.arxiv_id)
        if answer.remaining == 0:
            report.stopped = spent(answer.reset)
            return False
        return True

    def _no_stars(self, item: Due, reason: str, now: datetime, report: StarsReport) -> None:
        """Note that GitHub did not describe the paper's repository, and when to ask again."""
        with self.store.transaction() as tx:
            retry_at = tx.stars.failed(item.pk, reason, now)
        log.info("no GitHub stars for %s until %s: %s", item.arxiv_id, retry_at, reason)
        report.failed[item.arxiv_id] = reason
