"""Papers coming in through the hub: imports of files and streams, fetches from arXiv and Hugging
Face, and members' submissions; every record checked, each batch one transaction."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from dailypapers.errors import DailyPapersError, FetchError, InvalidInput, NotFound
from dailypapers.hub.base import HubBase
from dailypapers.ids import parse_reference
from dailypapers.models import ImportSummary, Notice, Paper, PaperRecord, Rejection, User
from dailypapers.sources import checks
from dailypapers.sources.arxiv_fetch import ArxivApi, OaiHarvester
from dailypapers.sources.background import can_fork, parse_in_background
from dailypapers.sources.formats import detect_format, parser_for
from dailypapers.sources.hf_fetch import HfDaily
from dailypapers.sources.oaipmh import OaiError, OaiPage
from dailypapers.store import HarvestProgress, Prepared, prepare

# Files this large are parsed in a child process while this one stores (two cores at work).
BACKGROUND_PARSE_BYTES = 8 * 1024 * 1024
# Seconds a member who submits a paper waits for arXiv at most, retries included.
SUBMIT_BUDGET_S = 10.0
log = logging.getLogger("dailypapers.hub")

Progress = Callable[[ImportSummary], None]


@dataclass(slots=True)
class HarvestReport:
    """What one `fetch arxiv` run did: pages fetched, the import counts, where it resumes next."""

    name: str
    pages: int = 0
    resumed: bool = False
    restarted: bool = False
    summary: ImportSummary = field(default_factory=ImportSummary)
    datestamp: date | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "harvest": self.name,
            "pages": self.pages,
            "resumed": self.resumed,
            "restarted": self.restarted,
            "datestamp": self.datestamp.isoformat() if self.datestamp else None,
            **self.summary.as_dict(),
        }


@contextmanager
def _rarer_collections() -> Iterator[None]:
    """Collect garbage less often during a bulk import.

    An import allocates a few dozen containers per record and keeps none past its batch; with
    the default young-generation threshold (700) the collector ran every few records and took
    a sixth of the import's time.
    """
    before = gc.get_threshold()
    gc.set_threshold(10_000, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class Ingesting(HubBase):
    """The part of the hub that takes papers in."""

    if TYPE_CHECKING:  # from the membership part (``membership.py``)

        def require_confirmed(self, user: User) -> None: ...

    # -- ingest ---------------------------------------------------------------------------------

    def ingest(
        self,
        items: Iterable[PaperRecord | Prepared | Rejection | Notice],
        summary: ImportSummary | None = None,
        progress: Progress | None = None,
        source: str = "",
    ) -> ImportSummary:
        """Store records in batches of ``settings.import_batch``, each batch one transaction.

        Every record is checked first (``sources/checks.py``); ``source`` names where they came
        from in the report. When ``items`` breaks off with an error (a file cut short, a fetch
        that failed), the records before the break are stored, then the error is raised.
        """
        summary = summary if summary is not None else ImportSummary()
        batch: list[PaperRecord | Prepared] = []
        try:
            for item in items:
                if isinstance(item, Rejection):
                    summary.reject(item)
                    continue
                if isinstance(item, Notice):
                    summary.warn(item)
                    continue
                if isinstance(item, PaperRecord):
                    admitted = self._admit(item, source, summary)
                    if admitted is None:
                        continue
                    item = admitted
                batch.append(item)
                if len(batch) >= self.settings.import_batch:
                    self._commit(batch, summary, progress)
                    batch = []
        except (DailyPapersError, OSError):
            if batch:
                self._commit(batch, summary, progress)
            raise
        if batch:
            self._commit(batch, summary, progress)
        return summary

    @staticmethod
    def _admit(record: PaperRecord, source: str, summary: ImportSummary) -> PaperRecord | None:
        """``record`` as it may be stored, its notices and any rejection in ``summary``."""
        result, notices = checks.check(record, source)
        for notice in notices:
            summary.warn(notice)
        if isinstance(result, Rejection):
            summary.reject(result)
            return None
        return result

    def _commit(
        self,
        batch: Sequence[PaperRecord | Prepared],
        summary: ImportSummary,
        progress: Progress | None,
        harvest: HarvestProgress | None = None,
    ) -> None:
        with self.store.transaction() as tx:
            outcome = tx.papers.ingest(batch, harvest)
        summary.added += outcome.added
        summary.updated += outcome.updated
        summary.unchanged += outcome.unchanged
        if progress:
            progress(summary)

    def import_files(
        self,
        paths: Sequence[Path],
        fmt: str = "auto",
        page_date: date | None = None,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Import every file; a file that cannot be read at all is one rejection, the rest go on.
        Raises nothing: what is wrong with the input is in the summary."""
        summary = ImportSummary()
        with _rarer_collections():
            for path in paths:
                try:
                    items = self._parse_file(path, fmt, page_date)
                    self.ingest(items, summary, progress, str(path))
                except (InvalidInput, OSError) as exc:
                    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                    summary.reject(Rejection(str(path), "file", reason))
        return summary

    def _parse_file(
        self, path: Path, fmt: str, page_date: date | None
    ) -> Iterator[PaperRecord | Prepared | Rejection | Notice]:
        name = detect_format(path) if fmt == "auto" else fmt
        max_line = self.settings.max_line_bytes
        if path.stat().st_size >= BACKGROUND_PARSE_BYTES and can_fork():
            yield from parse_in_background(
                path, name, prepare, page_date, self.settings.import_batch, max_line
            )
            return
        parse = parser_for(name, page_date, max_line)
        with path.open("rb") as stream:
            yield from parse(stream, str(path))

    def import_stream(
        self, stream: BinaryIO, source: str, fmt: str, page_date: date | None = None
    ) -> ImportSummary:
        """Parse ``stream`` as ``fmt`` and store what it holds (``ingest``); InvalidInput for an
        unknown format, and what ``ingest`` raises when the stream breaks off."""
        parse = parser_for(fmt, page_date, self.settings.max_line_bytes)
        return self.ingest(parse(stream, source), source=source)

    # -- fetch ----------------------------------------------------------------------------------

    def fetch_arxiv(
        self,
        set_spec: str | None = None,
        from_date: date | None = None,
        metadata_prefix: str = "arXiv",
        progress: Progress | None = None,
        start_if_new: date | None = None,
    ) -> HarvestReport:
        """Incremental OAI-PMH harvest; each page and the place to resume commit together.

        A harvest killed midway resumes from its saved resumption token; a finished one starts the
        next run from the newest datestamp it saw (OAI ``from`` is inclusive: re-reading that day
        is harmless, every record comes back unchanged). The first harvest of a set starts at
        ``from_date``, else ``start_if_new``, else at the beginning of arXiv. FetchError when
        arXiv cannot be reached or keeps answering with errors (the pages before are kept).
        """
        name = f"oai:{metadata_prefix}:{set_spec or 'all'}"
        with self.store.read() as tx:
            saved = tx.papers.harvest_progress(name)
        report = HarvestReport(name)
        token = None
        start = from_date
        if saved and saved.resumption_token and from_date is None:
            token, start, report.resumed = saved.resumption_token, saved.from_date, True
        elif from_date is None and saved:
            start = saved.datestamp
        elif from_date is None:
            start = start_if_new
        report.datestamp = saved.datestamp if saved else None
        with self._client(self.settings.arxiv_delay) as client:
            harvester = OaiHarvester(client, self.settings.arxiv_oai_url, metadata_prefix)
            try:
                self._harvest(harvester.pages(set_spec, start, token), report, start, progress)
            except OaiError as exc:
                # Tokens expire: a harvest resumed too late starts over from where it began.
                if not report.resumed or report.pages or "badResumptionToken" not in exc.codes:
                    raise
                report.restarted = True
                self._harvest(harvester.pages(set_spec, start, None), report, start, progress)
        return report

    def _harvest(
        self,
        pages: Iterable[OaiPage],
        report: HarvestReport,
        start: date | None,
        progress: Progress | None,
    ) -> None:
        source = self.settings.arxiv_oai_url
        for page in pages:
            report.pages += 1
            for rejection in page.rejections:
                report.summary.reject(rejection)
            if page.latest_datestamp and (
                report.datestamp is None or page.latest_datestamp > report.datestamp
            ):
                report.datestamp = page.latest_datestamp
            state = HarvestProgress(report.name, report.datestamp, page.resumption_token, start)
            records = [
                admitted
                for record in page.records
                if (admitted := self._admit(record, source, report.summary)) is not None
            ]
            self._commit(records, report.summary, progress, state)

    def fetch_arxiv_ids(self, refs: Sequence[str], budget: float | None = None) -> ImportSummary:
        """Fetch papers by arXiv id or URL through the arXiv API and store them; FetchError when
        arXiv cannot be reached (within ``budget`` seconds, when given)."""
        ids = [parse_reference(ref)[0] for ref in refs]
        with self._client(self.settings.arxiv_delay, budget) as client:
            records = ArxivApi(client, self.settings.arxiv_api_url).by_ids(ids)
        summary = self.ingest(records, source=self.settings.arxiv_api_url)
        found = {r.arxiv_id for r in records}
        for missing in (i for i in ids if i not in found):
            summary.reject(
                Rejection(self.settings.arxiv_api_url, missing, "arXiv has no such paper")
            )
        return summary

    def fetch_hf_daily(self, day: date | None = None) -> ImportSummary:
        """Fetch Hugging Face's daily list for ``day`` (default today, UTC) into the listings;
        FetchError when Hugging Face cannot be reached or keeps answering with errors."""
        day = day or datetime.now(UTC).date()
        with self._client() as client:
            items = HfDaily(client, self.settings.hf_url).daily(day)
        return self.ingest(items, source=self.settings.hf_url)

    # -- submissions ----------------------------------------------------------------------------

    def submit(self, user: User, ref: str) -> Paper:
        """``user`` submits a paper by arXiv id or URL: fetched from arXiv if it is new here, then
        listed on today's daily list under their name. One submission per paper; a daily quota.

        InvalidInput for a reference that is not an arXiv paper's, RateLimited past
        ``limit_submits`` or the quota (``submissions_per_day_new`` for a newcomer), Conflict
        when it was submitted already, FetchError when arXiv does not answer in time, NotFound
        when arXiv has no such paper, Forbidden for a member who has not confirmed their
        address.
        """
        arxiv_id, _ = parse_reference(ref)
        self.require_confirmed(user)
        self.limit("submit", f"user:{user.id}")
        today = datetime.now(UTC).date()
        settings = self.settings
        quota = settings.submissions_per_day
        if self.newcomer(user):
            quota = min(quota, settings.submissions_per_day_new)
        with self.store.read() as tx:
            tx.community.check_quota(user.id, today, quota)  # before asking arXiv for anything
            known = tx.papers.key(arxiv_id) is not None
        if not known:
            try:
                self.fetch_arxiv_ids([arxiv_id], SUBMIT_BUDGET_S)
            except FetchError as exc:
                log.warning("a submission of %s could not be fetched: %s", arxiv_id, exc)
                raise FetchError(
                    f"arXiv did not answer in time, so {arxiv_id} could not be fetched; "
                    "please try again in a few minutes"
                ) from exc
        with self.store.transaction() as tx:
            found = tx.papers.key(arxiv_id)
            if found is None:
                raise NotFound(f"arXiv has no paper {arxiv_id}")
            tx.community.submit(user, found[0], today, quota)  # the quota checked again, here
        return self.paper(arxiv_id)
