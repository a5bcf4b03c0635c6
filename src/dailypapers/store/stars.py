"""GitHub stars in SQL: which listed papers' repositories are due to be asked about, what GitHub
answered, and the papers whose repository it did not describe (asked again later, less often)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, exists, func, or_, select, update

from dailypapers.store.retries import failing, forget_failures, newest_listed, note_failure
from dailypapers.store.rows import chunks
from dailypapers.store.tables import github_tries, listings, papers
from dailypapers.store.upsert import touch_papers

# Stars change slowly; a repository is asked about again a day after its last answer.
REFRESH = timedelta(days=1)
# A paper whose code link is on github.com (the link itself is read in sources/github.py).
_ON_GITHUB = or_(
    func.lower(papers.c.github_repo).like("%://github.com/%"),
    func.lower(papers.c.github_repo).like("%://www.github.com/%"),
)


@dataclass(frozen=True, slots=True)
class Due:
    """A paper whose repository is to be asked about: its key, its id (arXiv's, else the site's
    own, named as ``Wanted``'s so that a fetch treats both alike), its code link, and the ETag of
    GitHub's last answer about it."""

    pk: int
    arxiv_id: str
    link: str
    etag: str | None


class Stars:
    """Papers' GitHub stars, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def due(self, now: datetime, limit: int) -> list[Due]:
        """Listed papers with a GitHub link not asked about for a day (or never), and not
        waiting after a failure, the most recently listed first."""
        stale = or_(
            papers.c.github_checked_at.is_(None), papers.c.github_checked_at < now - REFRESH
        )
        wanted = newest_listed(self.conn, github_tries, now, limit, _ON_GITHUB, stale)
        return self.of([item.pk for item in wanted])

    def of(self, pks: list[int]) -> list[Due]:
        """The papers among ``pks`` that have a code link, in that order."""
        found: dict[int, Due] = {}
        for chunk in chunks(pks):
            query = select(
                papers.c.pk,
                papers.c.arxiv_id,
                papers.c.local_id,
                papers.c.github_repo,
                papers.c.github_etag,
            ).where(papers.c.pk.in_(chunk), papers.c.github_repo.is_not(None))
            for row in self.conn.execute(query):
                ident = row.arxiv_id or row.local_id
                found[row.pk] = Due(row.pk, ident, row.github_repo, row.github_etag)
        return [found[pk] for pk in pks if pk in found]

    def save(self, paper_pk: int, count: int | None, etag: str | None, now: datetime) -> bool:
        """Note GitHub's answer: ``count`` stars (None: unchanged since ``etag``). Whether the
        count shown changed (then the paper's pages are rendered afresh)."""
        shown = self.conn.execute(
            select(papers.c.github_stars).where(papers.c.pk == paper_pk)
        ).scalar()
        values: dict[str, object] = {"github_checked_at": now, "github_etag": etag}
        changed = count is not None and count != shown
        if changed:
            values["github_stars"] = count
        self.conn.execute(update(papers).where(papers.c.pk == paper_pk).values(**values))
        forget_failures(self.conn, github_tries, [paper_pk])
        if changed:
            touch_papers(self.conn, [paper_pk])
        return changed

    def failed(self, paper_pk: int, reason: str, now: datetime) -> datetime:
        """Note that GitHub did not describe the paper's repository (it shows no stars from now
        on); when it is asked again."""
        shown = self.conn.execute(
            select(papers.c.github_stars).where(papers.c.pk == paper_pk)
        ).scalar()
        self.conn.execute(
            update(papers)
            .where(papers.c.pk == paper_pk)
            .values(github_stars=None, github_checked_at=now, github_etag=None)
        )
        retry_at = note_failure(self.conn, github_tries, paper_pk, reason, now)
        if shown is not None:
            touch_papers(self.conn, [paper_pk])
        return retry_at

    def counts(self) -> dict[str, int]:
        """Listed papers with a GitHub link, those whose stars are known, and papers whose
        repository GitHub did not describe last time."""
        listed = exists().where(listings.c.paper_pk == papers.c.pk)
        # COUNT of a column counts its non-null values: the papers whose stars are known.
        query = select(func.count(), func.count(papers.c.github_stars)).where(_ON_GITHUB, listed)
        linked, counted = self.conn.execute(query).one()
        return {
            "linked": int(linked),
            "counted": int(counted),
            "failed": failing(self.conn, github_tries),
        }
