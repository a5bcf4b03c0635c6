"""Paper upserts: merge a batch of records into the papers table in one transaction.

The rules, per record:
- a paper is found by arXiv id, else by title (a paper first seen on an HF page has no arXiv id; it
  is merged with the arXiv record of the same title when that arrives, keeping its local id);
- a newer version replaces every field the record knows; an older, equal or unversioned record only
  fills fields that are still unknown (an HF record adds a GitHub link to an arXiv paper);
- the upvote count a source showed only ever grows;
- listings are added when new and never changed; votes and comments are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Dialect,
    Row,
    bindparam,
    delete,
    exists,
    func,
    select,
    update,
)

from dailypapers.models import Listing, PaperRecord, local_id_for, title_number
from dailypapers.store.rows import chunks, insert_ignore, upsert_row
from dailypapers.store.tables import change_seq, harvest_state, keywords, listings, papers

# Fields that describe a version of a paper, as the store names them.
FIELDS = (
    "title",
    "abstract",
    "authors",
    "author_count",
    "categories",
    "primary_category",
    "published",
    "updated",
    "versions",
    "comments",
    "journal_ref",
    "doi",
    "license",
    "pdf_url",
    "github_repo",
    "project_page",
    "withdrawn",
)


@dataclass(slots=True)
class HarvestProgress:
    """Where a harvest stands after a page; saved in the same transaction as the page's papers."""

    name: str
    datestamp: date | None
    resumption_token: str | None
    from_date: date | None


class Prepared(NamedTuple):
    """A record with the per-record work of an upsert done: its title key and column values.

    Preparing needs no database, so a bulk import does it in the process that parses (and sends
    this, smaller and quicker to unpickle than the record).
    """

    arxiv_id: str | None
    version: int | None
    upvotes: int | None
    listing: Listing | None
    title: int  # title_number() of the title
    values: dict[str, Any]


def prepare(record: PaperRecord) -> Prepared:
    return Prepared(
        record.arxiv_id,
        record.version,
        record.upvotes,
        record.listing,
        title_number(record.title),
        record_values(record),
    )


@dataclass(slots=True)
class BatchOutcome:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


def record_values(record: PaperRecord) -> dict[str, Any]:
    """A record's fields as column values (None where the record does not know)."""
    return {
        "title": record.title,
        "abstract": record.abstract,
        "authors": list(record.authors) if record.authors is not None else None,
        "author_count": record.author_count,
        "categories": list(record.categories) if record.categories else None,
        "primary_category": record.categories[0] if record.categories else None,
        "published": record.published,
        "updated": record.updated,
        "versions": (
            [
                {"version": v.version, "created": v.created.isoformat() if v.created else None}
                for v in record.versions
            ]
            if record.versions
            else None
        ),
        "comments": record.comments,
        "journal_ref": record.journal_ref,
        "doi": record.doi,
        "license": record.license,
        "pdf_url": record.pdf_url,
        "github_repo": record.github_repo,
        "project_page": record.project_page,
        "withdrawn": record.withdrawn,
        "github_stars": record.github_stars,
    }


def _merge(row: dict[str, Any], record: Prepared) -> dict[str, Any]:
    """The column changes that ``record`` makes to stored ``row`` (empty when none)."""
    values = record.values
    newer = record.version is not None and (
        row["version"] is None or record.version > row["version"]
    )
    changes: dict[str, Any] = {}
    for name in FIELDS:
        value = values[name]
        if value is None or row[name] == value:
            continue
        # withdrawn is never unknown in the store (false by default): only a newer version sets it.
        if newer or (row[name] is None and name != "withdrawn"):
            changes[name] = value
    if newer:
        changes["version"] = record.version
    if "title" in changes:
        changes["title_key"] = title_number(changes["title"])
    if record.arxiv_id and row["arxiv_id"] is None:
        changes["arxiv_id"] = record.arxiv_id
    shown = row["source_upvotes"]
    if record.upvotes is not None and (shown is None or record.upvotes > shown):
        changes["source_upvotes"] = record.upvotes
    # A source's star count stands until GitHub itself has been asked (``Stars.save``).
    stars = values["github_stars"]
    if stars is not None and row["github_checked_at"] is None and row["github_stars"] != stars:
        changes["github_stars"] = stars
    return changes


# The columns of a paper that others set: moderators (``Papers.moderate``), the thumbnail
# renderer (``Thumbnails.save``) and GitHub's answers (``Stars.save``). An import never writes
# them back, so one running beside them cannot undo what they set.
SET_ELSEWHERE = frozenset(
    {
        "removed_at",
        "locked_at",
        "thumbnail",
        "thumbnail_width",
        "thumbnail_height",
        "github_checked_at",
        "github_etag",
    }
)


def _new_row(item: Prepared, seq: int) -> dict[str, Any]:
    row = dict(item.values)
    row["withdrawn"] = bool(row["withdrawn"])
    row.update(
        arxiv_id=item.arxiv_id,
        local_id=None if item.arxiv_id else local_id_for(row["title"]),
        title_key=item.title,
        version=item.version,
        source_upvotes=item.upvotes,
        seq=seq,
        **dict.fromkeys(SET_ELSEWHERE),
    )
    return row


def _rows_where(
    conn: Connection, column: Any, keys: Sequence[Any], *conditions: Any
) -> list[Row[Any]]:
    found: list[Row[Any]] = []
    for chunk in chunks(keys):
        found.extend(conn.execute(select(papers).where(column.in_(chunk), *conditions)))
    return found


def _has_local_papers(conn: Connection) -> bool:
    """Whether any paper lacks an arXiv id (an arXiv-only hub skips the title look-ups)."""
    return conn.execute(select(exists().where(papers.c.arxiv_id.is_(None)))).scalar_one()


# Run with every vote, comment and paper written: built once (building one costs more than
# SQLite answering it).
_BUMP_SEQ = (
    update(change_seq)
    .where(change_seq.c.id == 1)
    .values(value=change_seq.c.value + 1)
    .returning(change_seq.c.value)
)
_TOUCH = (
    update(papers)
    .where(papers.c.pk.in_(bindparam("pks", expanding=True)))
    .values(seq=bindparam("new_seq"))
)


def bump_seq(conn: Connection) -> int:
    """Advance the change sequence; the row lock it takes orders concurrent writers by sequence."""
    return int(conn.execute(_BUMP_SEQ).scalar_one())


def touch_papers(conn: Connection, pks: Sequence[int]) -> None:
    """Move the change sequence for papers ``pks`` (their counts, thread or state changed), so
    that the indexes and the kept pages catch up. Last in a transaction: the sequence's row is
    every writer's until commit."""
    for chunk in chunks(list(pks)):
        conn.execute(_TOUCH, {"pks": list(chunk), "new_seq": bump_seq(conn)})


class _Batch:
    """The rows a batch touches, loaded once, merged in memory, written back in bulk."""

    def __init__(self, conn: Connection, items: Sequence[Prepared]) -> None:
        self.rows: dict[int, dict[str, Any]] = {}  # key: pk, or a negative temp key for new rows
        self.by_arxiv: dict[str, int] = {}
        self.by_title: dict[int, list[int]] = {}
        ids = sorted({item.arxiv_id for item in items if item.arxiv_id})
        for row in _rows_where(conn, papers.c.arxiv_id, ids):
            self._remember(row._asdict())
        # A title-only record may match any paper of that title; an arXiv record not found by id
        # may only claim a local paper (one without an arXiv id) of that title.
        title_only = sorted({i.title for i in items if not i.arxiv_id})
        unmatched = sorted(
            {i.title for i in items if i.arxiv_id and i.arxiv_id not in self.by_arxiv}
        )
        found = _rows_where(conn, papers.c.title_key, title_only)
        if unmatched and _has_local_papers(conn):
            found += _rows_where(conn, papers.c.title_key, unmatched, papers.c.arxiv_id.is_(None))
        for row in found:
            if row.pk not in self.rows:
                self._remember(row._asdict())
        self.known_listings: set[tuple[date, int]] = set()
        pks = sorted(self.rows)
        for chunk in chunks(pks):
            query = select(listings.c.day, listings.c.paper_pk).where(
                listings.c.paper_pk.in_(chunk)
            )
            self.known_listings.update((day, pk) for day, pk in conn.execute(query))
        self.dirty: set[int] = set()
        self.retext: set[int] = set()  # stored papers whose title or abstract changed
        self.new_listings: list[tuple[Listing, int]] = []
        self._next_temp = -1

    def _remember(self, row: dict[str, Any]) -> int:
        key = row["pk"] if row.get("pk") is not None else self._next_temp_key()
        self.rows[key] = row
        if row["arxiv_id"]:
            self.by_arxiv[row["arxiv_id"]] = key
        self.by_title.setdefault(row["title_key"], []).append(key)
        return key

    def _next_temp_key(self) -> int:
        self._next_temp -= 1
        return self._next_temp

    def find(self, record: Prepared) -> int | None:
        if record.arxiv_id and record.arxiv_id in self.by_arxiv:
            return self.by_arxiv[record.arxiv_id]
        candidates = [
            key
            for key in self.by_title.get(record.title, ())
            if not record.arxiv_id or self.rows[key]["arxiv_id"] is None
        ]
        if not candidates:
            return None
        # Prefer a paper with an arXiv id for a title-only record: that is the real paper.
        candidates.sort(key=lambda key: self.rows[key]["arxiv_id"] is None)
        return candidates[0]

    def apply(self, item: Prepared, seq: int) -> str:
        key = self.find(item)
        if key is None:
            row = _new_row(item, seq)
            row["pk"] = None
            key = self._remember(row)
            self._add_listing(item, key)
            return "added"
        row = self.rows[key]
        changes = _merge(row, item)
        if changes:
            old_key = row["title_key"]
            row.update(changes, seq=seq)
            self.dirty.add(key)
            if "title" in changes or "abstract" in changes:
                self.retext.add(key)
            if changes.get("arxiv_id"):
                self.by_arxiv[changes["arxiv_id"]] = key
            if row["title_key"] != old_key:
                self.by_title[old_key].remove(key)
                self.by_title.setdefault(row["title_key"], []).append(key)
        listed = self._add_listing(item, key)
        return "updated" if changes or listed else "unchanged"

    def _add_listing(self, record: Prepared, key: int) -> bool:
        if record.listing is None or (record.listing.date, key) in self.known_listings:
            return False
        self.known_listings.add((record.listing.date, key))
        self.new_listings.append((record.listing, key))
        return True

    def write(self, conn: Connection) -> None:
        new_keys = [key for key in self.rows if key < 0]
        if new_keys:
            _insert_rows(conn, [self.rows[key] for key in new_keys])
        pk_of = self._new_pks(conn, [key for _, key in self.new_listings if key < 0])
        updated = [self.rows[key] for key in self.dirty if key > 0]
        if updated:
            columns = [c.name for c in papers.columns if c.name not in SET_ELSEWHERE | {"pk"}]
            statement = (
                update(papers)
                .where(papers.c.pk == bindparam("b_pk"))
                .values({name: bindparam(f"b_{name}") for name in columns})
            )
            conn.execute(
                statement,
                [
                    {f"b_{k}": v for k, v in row.items() if k in columns or k == "pk"}
                    for row in updated
                ],
            )
        retext = sorted(key for key in self.retext if key > 0)
        for chunk in chunks(retext):  # found again by the indexer, from the new text
            conn.execute(delete(keywords).where(keywords.c.paper_pk.in_(chunk)))
        if self.new_listings:
            rows = [
                {
                    "day": listing.date,
                    "paper_pk": pk_of.get(key, key),
                    "rank": listing.rank,
                    "submitter": listing.submitter,
                    "submitter_name": listing.submitter_name,
                }
                for listing, key in self.new_listings
            ]
            conn.execute(insert_ignore(conn, listings), rows)

    def _new_pks(self, conn: Connection, keys: Sequence[int]) -> dict[int, int]:
        """The primary keys the database gave the new rows ``keys`` (by arXiv or local id)."""
        pk_of: dict[int, int] = {}
        for column, field in ((papers.c.arxiv_id, "arxiv_id"), (papers.c.local_id, "local_id")):
            wanted = {self.rows[key][field]: key for key in keys if self.rows[key][field]}
            for chunk in chunks(sorted(wanted)):
                for pk, ident in conn.execute(select(papers.c.pk, column).where(column.in_(chunk))):
                    pk_of[wanted[ident]] = pk
        return pk_of


def _insert_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT new paper rows in one command: the hot path of a bulk import.

    Binding through the columns' own type processors directly skips SQLAlchemy's per-row
    parameter handling, which cost as much as the database's own work. No RETURNING: it makes
    SQLite insert row by row. PostgreSQL gets COPY, other databases one executemany.
    """
    statement, names, getter, processors, positional = _insert_plan(conn.dialect)
    params: list[Any] = []
    for row in rows:
        values = list(getter(row))
        for index, process in processors:
            values[index] = process(values[index])
        params.append(values)
    if conn.dialect.name == "postgresql":
        # COPY streams the rows as one command: against an executemany it took a quarter off
        # this process's time per row and 40% off the server's.
        with (
            conn.connection.driver_connection.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(f"COPY papers ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for values in params:
                copy.write_row(values)
        return
    if positional:
        conn.exec_driver_sql(statement, [tuple(values) for values in params])
    else:
        conn.exec_driver_sql(statement, [dict(zip(names, v, strict=True)) for v in params])


@cache
def _insert_plan(dialect: Dialect) -> tuple[str, list[str], Any, list[tuple[int, Any]], bool]:
    """The INSERT for ``dialect``, its parameter names, a getter of them from a row, the type
    processors by position, and whether the driver takes parameters by position."""
    columns = [c.name for c in papers.columns if c.name != "pk"]
    compiled = papers.insert().inline().compile(dialect=dialect, column_keys=columns)
    names = list(compiled.positiontup) if compiled.positional and compiled.positiontup else columns
    processors = [
        (index, process)
        for index, name in enumerate(names)
        if (process := papers.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    return str(compiled), names, itemgetter(*names), processors, bool(compiled.positional)


def upsert(
    conn: Connection,
    records: Sequence[PaperRecord | Prepared],
    progress: HarvestProgress | None = None,
) -> BatchOutcome:
    """Merge ``records`` within the caller's transaction; return what happened to each."""
    seq = bump_seq(conn)
    items = [r if isinstance(r, Prepared) else prepare(r) for r in records]
    batch = _Batch(conn, items)
    outcome = BatchOutcome()
    for item in items:
        result = batch.apply(item, seq)
        setattr(outcome, result, getattr(outcome, result) + 1)
    batch.write(conn)
    if progress is not None:
        save_progress(conn, progress)
    return outcome


def save_progress(conn: Connection, progress: HarvestProgress) -> None:
    row = {
        "name": progress.name,
        "datestamp": progress.datestamp,
        "resumption_token": progress.resumption_token,
        "from_date": progress.from_date,
        "updated_at": datetime.now(UTC),
    }
    conn.execute(upsert_row(conn, harvest_state, row, ["name"]))


def load_progress(conn: Connection, name: str) -> HarvestProgress | None:
    row = conn.execute(select(harvest_state).where(harvest_state.c.name == name)).first()
    if row is None:
        return None
    return HarvestProgress(row.name, row.datestamp, row.resumption_token, row.from_date)


def count_papers(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(papers)).scalar_one())
