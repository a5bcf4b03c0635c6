"""The hub's arXiv look-ups: listed papers that came without arXiv's metadata (Hugging Face's list
gives no categories, dates, versions, comments, DOI, journal or licence) get it from the API.

Papers are asked for in batches of up to ``ID_CHUNK`` ids per request, at arXiv's pace, each
batch stored before the next is asked for: a run that is stopped keeps what it had, and the
next run asks only for what still lacks. arXiv's record is an import like any other (the newest
version wins; votes, listings and a GitHub link from Hugging Face stay).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dailypapers.hub.base import HubBase
from dailypapers.models import ImportSummary, Notice, PaperRecord, Rejection
from dailypapers.sources.arxiv_fetch import ID_CHUNK, ArxivApi
from dailypapers.store import Prepared, Wanted

if TYPE_CHECKING:
    from dailypapers.hub.ingesting import Progress

log = logging.getLogger(__name__)

# Papers one run looks up at most: ten requests, half a minute at arXiv's pace.
BATCH = 1000
UNKNOWN = "arXiv has no such paper"


@dataclass
class EnrichReport:
    """What a run did: the papers arXiv described, and why each other one was not."""

    enriched: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    summary: ImportSummary = field(default_factory=ImportSummary)

    def as_dict(self) -> dict[str, object]:
        return {
            "enriched": len(self.enriched),
            "failed": self.failed,
            "requests": self.requests,
            "updated": self.summary.updated,
            "rejected": self.summary.rejected,
        }


class Enriching(HubBase):
    """The part of the hub that completes listed papers with arXiv's metadata."""

    if TYPE_CHECKING:  # from the ingesting part (``ingesting.py``)

        def ingest(
            self,
            items: Iterable[PaperRecord | Prepared | Rejection | Notice],
            summary: ImportSummary | None = None,
            progress: Progress | None = None,
            source: str = "",
        ) -> ImportSummary: ...

    def fetch_enrich(
        self, refs: Sequence[str] = (), limit: int = BATCH, now: datetime | None = None
    ) -> EnrichReport:
        """Look up on arXiv's API each paper ``refs`` names (again, if it has arXiv's metadata);
        without ``refs``, up to ``limit`` listed papers that lack it, the most recently listed
        first. A paper arXiv does not describe (an unknown id, a record the checks refuse) is
        in the report and, in the store, asked for again later (after a day, then less often).

        Raises NotFound when a ref names no paper, FetchError when arXiv cannot be reached or
        refuses (the batches before are kept; the rest wait for the next run)."""
        now = now or datetime.now(UTC)
        report = EnrichReport()
        wanted = self._papers_to_fetch(
            refs,
            lambda tx: tx.lookups.wanting(now, limit),
            report.failed,
            "not an arXiv paper: nothing to look up",
            lambda tx, pks: tx.papers.arxiv_named(pks),
        )
        with self._client(self.settings.arxiv_delay) as client:
            api = ArxivApi(client, self.settings.arxiv_api_url)
            for first in range(0, len(wanted), ID_CHUNK):
                self._enrich(api, wanted[first : first + ID_CHUNK], now, report)
        return report

    def _enrich(
        self, api: ArxivApi, batch: Sequence[Wanted], now: datetime, report: EnrichReport
    ) -> None:
        """One request for ``batch``, its records stored, and what arXiv left out noted."""
        records = api.by_ids([item.arxiv_id for item in batch])
        report.requests += 1
        given = {record.arxiv_id for record in records}
        rejected = len(report.summary.errors)
        self.ingest(records, report.summary, source=self.settings.arxiv_api_url)
        refused = {error.where: error.reason for error in report.summary.errors[rejected:]}
        with self.store.transaction() as tx:
            lacking = tx.lookups.lacking([item.pk for item in batch])
            tx.lookups.found([item.pk for item in batch if item.pk not in lacking])
            for item in batch:
                ident = item.arxiv_id
                if item.pk not in lacking:
                    report.enriched.append(ident)
                    continue
                if ident not in given:
                    reason = UNKNOWN
                else:
                    reason = refused.get(ident, "arXiv's record names no category")
                retry_at = tx.lookups.failed(item.pk, reason, now)
                log.info("no arXiv metadata for %s until %s: %s", ident, retry_at, reason)
                report.failed[ident] = reason
