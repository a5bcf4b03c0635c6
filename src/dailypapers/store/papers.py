"""Papers in SQL: reading them (with the site's counts and their listings), what changed since a
point of the change sequence, their stored vectors, importing records, and harvests' progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from dailypapers.ids import is_arxiv_id, split_version
from dailypapers.models import (
    LOCAL_PREFIX,
    Claimed,
    Listing,
    Paper,
    PaperRecord,
    Thumbnail,
    Version,
)
from dailypapers.store.claims import claimed_of
from dailypapers.store.retries import Wanted, arxiv_papers
from dailypapers.store.rows import chunks
from dailypapers.store.tables import (
    change_seq,
    comments,
    embeddings,
    keywords,
    listings,
    papers,
    upvotes,
)
from dailypapers.store.upsert import (
    BatchOutcome,
    HarvestProgress,
    Prepared,
    count_papers,
    load_progress,
    touch_papers,
    upsert,
)


class PaperKey(NamedTuple):
    """A paper as a write finds it: its key, its public id, the upvotes its source showed, and
    whether its discussion is closed (locked or removed by a moderator)."""

    pk: int
    id: str
    shown: int
    closed: bool


def by_ident(ident: str) -> Any:
    """The condition on ``papers`` naming a paper by arXiv id (any version) or local id."""
    ident = ident.strip()
    if is_arxiv_id(ident):
        return papers.c.arxiv_id == split_version(ident)[0]
    return papers.c.local_id == ident


# A paper with the site's counts and its key phrases, built once: a read adds its condition.
_VOTES = select(func.count()).where(upvotes.c.paper_pk == papers.c.pk).scalar_subquery()
_NOTES = (
    select(func.count())
    .where(
        comments.c.paper_pk == papers.c.pk,
        comments.c.hidden_at.is_(None),
        comments.c.held_at.is_(None),
    )
    .scalar_subquery()
)
_READ = select(
    papers, _VOTES.label("n_votes"), _NOTES.label("n_comments"), keywords.c.phrases
).select_from(papers.outerjoin(keywords, keywords.c.paper_pk == papers.c.pk))
_LISTINGS = (
    select(listings)
    .where(listings.c.paper_pk.in_(bindparam("pks", expanding=True)))
    .order_by(listings.c.day)
)
_BY_PKS = _READ.where(papers.c.pk.in_(bindparam("pks", expanding=True)))
# Read by every page nothing keeps, and by the kept pages' checks.
_CHANGE_SEQ = select(change_seq.c.value)


def read_papers(
    conn: Connection,
    condition: Any,
    order: Sequence[Any] | None = None,
    limit: int | None = None,
) -> list[Paper]:
    """The papers meeting ``condition``, with their vote and comment counts and listings."""
    query = _READ.where(condition)
    if order is not None:
        query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    return _papers(conn, conn.execute(query))


def papers_by_pk(conn: Connection, pks: Sequence[int]) -> list[Paper]:
    """The papers of keys ``pks`` that exist, as ``read_papers`` reads them, in no order."""
    found: list[Paper] = []
    for chunk in chunks(pks):
        found += _papers(conn, conn.execute(_BY_PKS, {"pks": list(chunk)}))
    return found


def _papers(conn: Connection, result: Any) -> list[Paper]:
    """The papers of the rows of ``result``, with their listings and verified authors."""
    # Each row as a dict, once: looking a column up by name on a row costs several times more.
    names = tuple(result.keys())
    rows = [dict(zip(names, row, strict=True)) for row in result]
    by_pk: dict[int, list[Listing]] = {row["pk"]: [] for row in rows}
    for chunk in chunks(list(by_pk)):
        for listing in conn.execute(_LISTINGS, {"pks": list(chunk)}):
            by_pk[listing.paper_pk].append(
                Listing(listing.day, listing.rank, listing.submitter, listing.submitter_name)
            )
    claimed = claimed_of(conn, list(by_pk))
    return [_paper(row, tuple(by_pk[row["pk"]]), tuple(claimed.get(row["pk"], ()))) for row in rows]


def _paper(
    row: dict[str, Any], paper_listings: tuple[Listing, ...], claimed: tuple[Claimed, ...]
) -> Paper:
    versions = (
        tuple(
            Version(v["version"], datetime.fromisoformat(v["created"]) if v["created"] else None)
            for v in row["versions"]
        )
        if row["versions"]
        else None
    )
    return Paper(
        id=row["arxiv_id"] or row["local_id"],
        pk=row["pk"],
        title=row["title"],
        arxiv_id=row["arxiv_id"],
        version=row["version"],
        abstract=row["abstract"],
        authors=tuple(row["authors"]) if row["authors"] is not None else None,
        author_count=row["author_count"],
        categories=tuple(row["categories"]) if row["categories"] else None,
        published=row["published"],
        updated=row["updated"],
        versions=versions,
        comments=row["comments"],
        journal_ref=row["journal_ref"],
        doi=row["doi"],
        license=row["license"],
        pdf_url=row["pdf_url"],
        github_repo=row["github_repo"],
        project_page=row["project_page"],
        withdrawn=bool(row["withdrawn"]),
        source_upvotes=row["source_upvotes"],
        upvotes=int(row["n_votes"]),
        num_comments=int(row["n_comments"]),
        seq=int(row["seq"]),
        listings=paper_listings,
        keywords=tuple(row["phrases"]) if row["phrases"] else (),
        removed=row["removed_at"] is not None,
        locked=row["locked_at"] is not None,
        thumbnail=(
            Thumbnail(row["thumbnail"], row["thumbnail_width"], row["thumbnail_height"])
            if row["thumbnail"]
            else None
        ),
        claimed=claimed,
        github_stars=row["github_stars"],
    )


def _after(seq: int, after_pk: int | None) -> Any:
    """Rows written after change ``seq``, or in it after the paper ``after_pk``: one import batch
    writes many papers under one sequence number, so a page may end inside it."""
    condition = papers.c.seq > seq
    if after_pk is not None:
        condition = or_(condition, and_(papers.c.seq == seq, papers.c.pk > after_pk))
    return condition


class Papers:
    """The papers, over one transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- reading ---------------------------------------------------------------------------------

    def find(self, ident: str) -> Paper | None:
        """A paper by arXiv id (any version suffix is ignored) or by local id."""
        found = read_papers(self.conn, by_ident(ident))
        return found[0] if found else None

    def key(self, ident: str) -> PaperKey | None:
        """A paper as a write needs it: a light ``find``."""
        row = self.conn.execute(
            select(
                papers.c.pk,
                papers.c.arxiv_id,
                papers.c.local_id,
                papers.c.source_upvotes,
                papers.c.locked_at,
                papers.c.removed_at,
            ).where(by_ident(ident))
        ).first()
        if row is None:
            return None
        closed = row.locked_at is not None or row.removed_at is not None
        shown = int(row.source_upvotes or 0)
        return PaperKey(int(row.pk), row.arxiv_id or row.local_id, shown, closed)

    def arxiv_named(self, pks: Sequence[int]) -> list[Wanted]:
        """The arXiv papers among ``pks``, in that order (for a fetch by hand of named papers)."""
        return arxiv_papers(self.conn, pks)

    def by_pk(self, pks: Sequence[int]) -> dict[int, Paper]:
        """The papers of keys ``pks`` that exist, by key."""
        return {paper.pk: paper for paper in papers_by_pk(self.conn, pks)}

    def by_id(self, ids: Sequence[str]) -> dict[str, Paper]:
        """The papers of ``ids`` (arXiv or local ids) that exist, by id."""
        arxiv = [i for i in ids if not i.startswith(LOCAL_PREFIX)]
        local = [i for i in ids if i.startswith(LOCAL_PREFIX)]
        found: dict[str, Paper] = {}
        for column, wanted in ((papers.c.arxiv_id, arxiv), (papers.c.local_id, local)):
            for chunk in chunks(wanted):
                for paper in read_papers(self.conn, column.in_(chunk)):
                    found[paper.id] = paper
        return found

    def in_order(self, pks: Sequence[int]) -> list[Paper]:
        """The papers of ``pks`` that exist, in that order."""
        found = self.by_pk(pks)
        return [found[pk] for pk in pks if pk in found]

    # -- what changed ----------------------------------------------------------------------------

    def change_seq(self) -> int:
        return int(self.conn.execute(_CHANGE_SEQ).scalar_one())

    def touch(self, pks: Sequence[int]) -> None:
        """Move the change sequence for ``pks`` (their counts or threads changed)."""
        touch_papers(self.conn, pks)

    def moderate(self, paper_pk: int, mark: str, on: bool, now: datetime) -> bool:
        """Set or clear a moderator's ``mark`` on a paper: "removed" (off the lists) or "locked"
        (its discussion); whether that changed anything (then the change sequence moves, so
        that the indexes and kept pages catch up)."""
        column = papers.c[f"{mark}_at"]
        unlike = column.is_(None) if on else column.is_not(None)
        statement = update(papers).where(papers.c.pk == paper_pk, unlike)
        changed = bool(self.conn.execute(statement.values({column: now if on else None})).rowcount)
        if changed:
            touch_papers(self.conn, [paper_pk])
        return changed

    def changed_since(
        self, seq: int, after_pk: int | None = None, limit: int = 1000
    ) -> list[Paper]:
        """Papers written after change ``seq``, in (seq, pk) order (what an indexer catches up
        on); pass the last page's (seq, pk) to continue after its last paper."""
        order = (papers.c.seq, papers.c.pk)
        return read_papers(self.conn, _after(seq, after_pk), order=order, limit=limit)

    def count_changed_since(self, seq: int) -> int:
        """How many papers were written after change ``seq``."""
        query = select(func.count()).select_from(papers).where(papers.c.seq > seq)
        return int(self.conn.execute(query).scalar_one())

    def texts_changed_since(
        self, model: str, seq: int, after_pk: int | None = None, limit: int = 1000
    ) -> list[tuple[int, int, str, str | None, str | None, bytes | None]]:
        """(pk, seq, title, abstract, stored hash, stored vector) of papers written after change
        ``seq``, ordered as ``changed_since``: what an embedder needs, in one query."""
        stored = and_(embeddings.c.paper_pk == papers.c.pk, embeddings.c.model == model)
        query = (
            select(
                papers.c.pk,
                papers.c.seq,
                papers.c.title,
                papers.c.abstract,
                embeddings.c.content_hash,
                embeddings.c.vector,
            )
            .select_from(papers.outerjoin(embeddings, stored))
            .where(_after(seq, after_pk))
            .order_by(papers.c.seq, papers.c.pk)
            .limit(limit)
        )
        return [
            (row.pk, row.seq, row.title, row.abstract, row.content_hash, row.vector)
            for row in self.conn.execute(query)
        ]

    def texts(self, after_pk: int, limit: int, every: int = 1) -> list[tuple[int, str, str | None]]:
        """(pk, title, abstract) of the papers after key ``after_pk``, in key order: the whole
        collection page by page, or one paper in ``every`` of it (an even sample)."""
        query = (
            select(papers.c.pk, papers.c.title, papers.c.abstract)
            .where(papers.c.pk > after_pk, papers.c.pk % every == 0)
            .order_by(papers.c.pk)
            .limit(limit)
        )
        return [(row.pk, row.title, row.abstract) for row in self.conn.execute(query)]

    def save_keywords(self, found: dict[int, list[str]]) -> None:
        """Store papers' key phrases (by key), in place of what they had."""
        keys = list(found)
        for chunk in chunks(keys):
            self.conn.execute(delete(keywords).where(keywords.c.paper_pk.in_(chunk)))
        if keys:
            self.conn.execute(
                insert(keywords), [{"paper_pk": pk, "phrases": found[pk]} for pk in keys]
            )

    def max_pk(self) -> int:
        return int(self.conn.execute(select(func.max(papers.c.pk))).scalar_one() or 0)

    # -- vectors ---------------------------------------------------------------------------------

    def embeddings(self, model: str, pks: Sequence[int]) -> dict[int, tuple[str, bytes]]:
        """Stored (content hash, vector bytes) of ``model`` for the papers ``pks``."""
        found: dict[int, tuple[str, bytes]] = {}
        for chunk in chunks(pks):
            query = select(
                embeddings.c.paper_pk, embeddings.c.content_hash, embeddings.c.vector
            ).where(embeddings.c.model == model, embeddings.c.paper_pk.in_(chunk))
            found.update(
                (pk, (digest, bytes(vector))) for pk, digest, vector in self.conn.execute(query)
            )
        return found

    def save_embeddings(self, model: str, rows: Sequence[tuple[int, str, bytes]]) -> None:
        """Store (paper pk, content hash, vector bytes) rows of ``model``, replacing older ones."""
        if not rows:
            return
        for chunk in chunks([pk for pk, _, _ in rows]):
            self.conn.execute(
                delete(embeddings).where(
                    embeddings.c.model == model, embeddings.c.paper_pk.in_(chunk)
                )
            )
        self.conn.execute(
            insert(embeddings),
            [
                {"paper_pk": pk, "model": model, "content_hash": digest, "vector": vector}
                for pk, digest, vector in rows
            ],
        )

    # -- importing -------------------------------------------------------------------------------

    def ingest(
        self, records: Sequence[PaperRecord | Prepared], progress: HarvestProgress | None = None
    ) -> BatchOutcome:
        """Upsert ``records`` (and save a harvest's ``progress``) in this transaction. Records may
        come already ``prepare``d (by a parsing process, off this one's hot path)."""
        return upsert(self.conn, records, progress)

    def harvest_progress(self, name: str) -> HarvestProgress | None:
        return load_progress(self.conn, name)

    def counts(self) -> dict[str, Any]:
        """How many papers, how many with an arXiv id, the newest publication, the change seq."""
        with_arxiv = self.conn.execute(
            select(func.count()).select_from(papers).where(papers.c.arxiv_id.is_not(None))
        ).scalar_one()
        newest = self.conn.execute(select(func.max(papers.c.published))).scalar_one()
        return {
            "papers": count_papers(self.conn),
            "with_arxiv_id": int(with_arxiv),
            "newest_published": newest.isoformat() if newest else None,
            "upvotes": _rows(self.conn, upvotes),
            "comments": _rows(self.conn, comments),
            "change_seq": self.change_seq(),
        }


def _rows(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())
