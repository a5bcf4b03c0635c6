"""What a reader keeps, in SQL: reading list, feedback, follows, collections, their model.

Every change to what a reader likes counts one more signal on their row (``users.signals``); a
stored model trained at an older count is stale, and the hub trains a new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from dailypapers.errors import Conflict, InvalidInput
from dailypapers.models import Collection, Follow
from dailypapers.store.rows import chunks, is_key, set_present, utc_now
from dailypapers.store.tables import (
    collection_papers,
    collections,
    feedback,
    follows,
    reader_models,
    saves,
    upvotes,
    users,
)

FOLLOW_KINDS = ("author", "category", "search")
# What a member did to papers: the papers they upvoted, those they saved, and their more (1) or
# less (-1) like this by paper.
MarkSets = tuple[set[int], set[int], dict[int, int]]


def _marks_statement(among: bool) -> Any:
    """What a member did to some papers (``among``), or to any (0 upvoted, 1 saved, 2 feedback
    with its value), built once: a statement made per call spends more time building its IN
    list than SQLite spends answering it."""
    member: Any = bindparam("user_id")
    pks: Any = bindparam("pks", expanding=True)
    return union_all(
        *(
            select(literal(kind), table.c.paper_pk, value).where(
                table.c.user_id == member, *([table.c.paper_pk.in_(pks)] if among else [])
            )
            for kind, table, value in (
                (0, upvotes, literal(1)),
                (1, saves, literal(1)),
                (2, feedback, feedback.c.value),
            )
        )
    )


_MARKS = _marks_statement(among=True)
_ALL_MARKS = _marks_statement(among=False).limit(bindparam("most"))


def _marks(rows: Iterable[Any]) -> MarkSets:
    """The (kind, paper, value) rows of ``_marks_statement`` as what was upvoted, saved, and
    said more or less like this."""
    voted: set[int] = set()
    saved: set[int] = set()
    given: dict[int, int] = {}
    for kind, pk, value in rows:
        if kind == 0:
            voted.add(pk)
        elif kind == 1:
            saved.add(pk)
        else:
            given[pk] = int(value)
    return voted, saved, given


def bump_signals(conn: Connection, user_id: int) -> None:
    """Count a new signal of the member's (their model is stale), which their pages show."""
    conn.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(signals=users.c.signals + 1, own_seq=users.c.own_seq + 1)
    )


def bump_own(conn: Connection, user_id: int) -> None:
    """Note a change their pages show that is no signal (a collection made or renamed)."""
    conn.execute(update(users).where(users.c.id == user_id).values(own_seq=users.c.own_seq + 1))


def _follow(row: Any) -> Follow:
    return Follow(row.id, row.kind, row.value, row.created_at)


def _collection(row: Any) -> Collection:
    return Collection(
        row.id, row.owner, row.name, row.slug, bool(row.public), row.created_at, int(row.papers)
    )


def _collections_query() -> Any:
    count = (
        select(func.count())
        .where(collection_papers.c.collection_id == collections.c.id)
        .scalar_subquery()
    )
    return select(collections, users.c.name.label("owner"), count.label("papers")).join(
        users, users.c.id == collections.c.user_id
    )


# A member's collections, built once (a member's copy of a paper's page lists them).
_OWN_COLLECTIONS = (
    _collections_query()
    .where(collections.c.user_id == bindparam("user_id"))
    .order_by(collections.c.name)
)
_PUBLIC_COLLECTIONS = _OWN_COLLECTIONS.where(collections.c.public.is_(True))


@dataclass(frozen=True, slots=True)
class Signals:
    """What a reader told the site, as paper keys (a "less like this" outweighs any like)."""

    count: int
    upvoted: tuple[int, ...]
    saved: tuple[int, ...]
    more: tuple[int, ...]
    less: tuple[int, ...]
    collected: tuple[int, ...]
    follows: tuple[Follow, ...]

    @property
    def positives(self) -> list[int]:
        unwanted = set(self.less)
        liked = dict.fromkeys([*self.more, *self.saved, *self.upvoted, *self.collected])
        return [pk for pk in liked if pk not in unwanted]

    @property
    def seen(self) -> set[int]:
        """Papers the reader has acted on: never recommended to them again."""
        return {*self.upvoted, *self.saved, *self.more, *self.less, *self.collected}


class Library:
    """A reader's reading list, feedback, follows, collections, signals and model, over one
    transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def signal_count(self, user_id: int) -> int:
        return int(
            self.conn.execute(select(users.c.signals).where(users.c.id == user_id)).scalar_one()
        )

    # -- reading list ------------------------------------------------------------------------------

    def set_saved(self, user_id: int, paper_pk: int, on: bool) -> bool:
        key = {"user_id": user_id, "paper_pk": paper_pk}
        changed = set_present(self.conn, saves, key, on, created_at=utc_now())
        if changed:
            bump_signals(self.conn, user_id)
        return changed

    def set_read(self, user_id: int, paper_pk: int, read: bool) -> bool:
        """Mark a saved paper read (or unread again); False when it is not on the reading list."""
        result = self.conn.execute(
            update(saves)
            .where(saves.c.user_id == user_id, saves.c.paper_pk == paper_pk)
            .values(read_at=utc_now() if read else None)
        )
        return bool(result.rowcount)

    def saved(self, user_id: int) -> list[tuple[int, datetime, datetime | None]]:
        """(paper key, saved at, read at) of the reading list, newest first."""
        rows = self.conn.execute(
            select(saves.c.paper_pk, saves.c.created_at, saves.c.read_at)
            .where(saves.c.user_id == user_id)
            .order_by(saves.c.created_at.desc(), saves.c.paper_pk.desc())
        )
        return [(row.paper_pk, row.created_at, row.read_at) for row in rows]

    # -- more / less like this ---------------------------------------------------------------------

    def set_feedback(self, user_id: int, paper_pk: int, value: int) -> bool:
        """+1 more like this, -1 less like this, 0 takes it back; whether anything changed."""
        if value not in (-1, 0, 1):
            raise InvalidInput(f"feedback is 1 (more like this), -1 (less) or 0, not {value}")
        before = self.conn.execute(
            select(feedback.c.value).where(
                feedback.c.user_id == user_id, feedback.c.paper_pk == paper_pk
            )
        ).scalar_one_or_none()
        if (before or 0) == value:
            return False
        self.conn.execute(
            delete(feedback).where(feedback.c.user_id == user_id, feedback.c.paper_pk == paper_pk)
        )
        if value:
            self.conn.execute(
                insert(feedback).values(
                    user_id=user_id, paper_pk=paper_pk, value=value, created_at=utc_now()
                )
            )
        bump_signals(self.conn, user_id)
        return True

    def marks_among(self, user_id: int, paper_pks: Sequence[int]) -> MarkSets:
        """Which of ``paper_pks`` the member upvoted, which they saved, and their more or less
        like this: one statement over the three tables' (member, paper) keys."""
        rows: list[Any] = []
        for chunk in chunks(paper_pks):
            rows += self.conn.execute(_MARKS, {"user_id": user_id, "pks": list(chunk)})
        return _marks(rows)

    def all_marks(self, user_id: int, most: int) -> MarkSets | None:
        """Every paper the member upvoted, saved, or said more or less like this of (as
        ``marks_among``); None when they number more than ``most``."""
        rows = self.conn.execute(_ALL_MARKS, {"user_id": user_id, "most": most + 1}).all()
        return _marks(rows) if len(rows) <= most else None

    def add_follow(self, user_id: int, kind: str, value: str) -> Follow:
        """Follow an author, a category or a search; following again returns the same follow."""
        existing = self.conn.execute(
            select(follows).where(
                follows.c.user_id == user_id, follows.c.kind == kind, follows.c.value == value
            )
        ).first()
        if existing is not None:
            return _follow(existing)
        follow_id = self.conn.execute(
            insert(follows)
            .values(user_id=user_id, kind=kind, value=value, created_at=utc_now())
            .returning(follows.c.id)
        ).scalar_one()
        bump_signals(self.conn, user_id)
        return _follow(self.conn.execute(select(follows).where(follows.c.id == follow_id)).one())

    def remove_follow(self, user_id: int, follow_id: int) -> bool:
        if not is_key(follow_id):
            return False
        removed = self.conn.execute(
            delete(follows).where(follows.c.user_id == user_id, follows.c.id == follow_id)
        ).rowcount
        if removed:
            bump_signals(self.conn, user_id)
        return bool(removed)

    def follows(self, user_id: int) -> list[Follow]:
        rows = self.conn.execute(
            select(follows)
            .where(follows.c.user_id == user_id)
            .order_by(follows.c.kind, follows.c.id)
        )
        return [_follow(row) for row in rows]

    def create_collection(self, user_id: int, name: str, slug: str, public: bool) -> Collection:
        taken = self.conn.execute(
            select(collections.c.id).where(
                collections.c.user_id == user_id, collections.c.slug == slug
            )
        ).first()
        if taken is not None:
            raise Conflict(f"you already have a collection at '{slug}'")
        try:
            collection_id = self.conn.execute(
                insert(collections)
                .values(user_id=user_id, name=name, slug=slug, public=public, created_at=utc_now())
                .returning(collections.c.id)
            ).scalar_one()
        except IntegrityError as exc:
            raise Conflict(f"you already have a collection at '{slug}'") from exc
        bump_own(self.conn, user_id)
        return _collection(
            self.conn.execute(_collections_query().where(collections.c.id == collection_id)).one()
        )

    def update_collection(
        self, user_id: int, collection_id: int, name: str | None, public: bool | None
    ) -> None:
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = name
        if public is not None:
            values["public"] = public
        if values:
            self.conn.execute(
                update(collections).where(collections.c.id == collection_id).values(values)
            )
            bump_own(self.conn, user_id)

    def delete_collection(self, user_id: int, collection_id: int) -> None:
        self.conn.execute(delete(collections).where(collections.c.id == collection_id))
        bump_signals(self.conn, user_id)

    def collections(self, user_id: int, include_private: bool) -> list[Collection]:
        query = _OWN_COLLECTIONS if include_private else _PUBLIC_COLLECTIONS
        return [_collection(row) for row in self.conn.execute(query, {"user_id": user_id})]

    def collection(self, owner_id: int, slug: str) -> Collection | None:
        row = self.conn.execute(
            _collections_query().where(
                collections.c.user_id == owner_id, collections.c.slug == slug
            )
        ).first()
        return _collection(row) if row else None

    def set_in_collection(self, user_id: int, collection_id: int, paper_pk: int, on: bool) -> bool:
        key = {"collection_id": collection_id, "paper_pk": paper_pk}
        changed = set_present(self.conn, collection_papers, key, on, added_at=utc_now())
        if changed:
            bump_signals(self.conn, user_id)
        return changed

    def collection_pks(self, collection_id: int) -> list[int]:
        return list(
            self.conn.execute(
                select(collection_papers.c.paper_pk)
                .where(collection_papers.c.collection_id == collection_id)
                .order_by(collection_papers.c.added_at.desc(), collection_papers.c.paper_pk.desc())
            ).scalars()
        )

    def signals(self, user_id: int) -> Signals:
        """The reader's signals (none, for an unknown reader)."""
        return self.signals_of([user_id]).get(user_id) or Signals(0, (), (), (), (), (), ())

    def signals_of(self, user_ids: Sequence[int]) -> dict[int, Signals]:
        """Each reader's signals, read for all of them at once (a digest run reads hundreds)."""
        found: dict[int, dict[str, list[Any]]] = {}
        counts: dict[int, int] = {}
        for chunk in chunks(list(dict.fromkeys(user_ids))):
            for user_id, count in self.conn.execute(
                select(users.c.id, users.c.signals).where(users.c.id.in_(chunk))
            ):
                counts[user_id] = int(count)
                found[user_id] = {
                    name: []
                    for name in ("upvoted", "saved", "more", "less", "collected", "follows")
                }
            queries = {
                "upvoted": select(upvotes.c.user_id, upvotes.c.paper_pk)
                .where(upvotes.c.user_id.in_(chunk))
                .order_by(upvotes.c.created_at.desc()),
                "saved": select(saves.c.user_id, saves.c.paper_pk)
                .where(saves.c.user_id.in_(chunk))
                .order_by(saves.c.created_at.desc()),
                "more": select(feedback.c.user_id, feedback.c.paper_pk).where(
                    feedback.c.user_id.in_(chunk), feedback.c.value > 0
                ),
                "less": select(feedback.c.user_id, feedback.c.paper_pk).where(
                    feedback.c.user_id.in_(chunk), feedback.c.value < 0
                ),
                "collected": select(collections.c.user_id, collection_papers.c.paper_pk)
                .join(collections, collections.c.id == collection_papers.c.collection_id)
                .where(collections.c.user_id.in_(chunk)),
            }
            for name, query in queries.items():
                for user_id, pk in self.conn.execute(query):
                    found[user_id][name].append(pk)
            for row in self.conn.execute(
                select(follows)
                .where(follows.c.user_id.in_(chunk))
                .order_by(follows.c.kind, follows.c.id)
            ):
                found[row.user_id]["follows"].append(_follow(row))
        return {
            user_id: Signals(
                count=counts[user_id],
                **{name: tuple(values) for name, values in lists.items()},
            )
            for user_id, lists in found.items()
        }

    def load_model(self, user_id: int) -> tuple[int, bytes, int, int] | None:
        """(signal count it was trained at, weights, positives, negatives) of the stored model."""
        return self.load_models([user_id]).get(user_id)

    def load_models(self, user_ids: Sequence[int]) -> dict[int, tuple[int, bytes, int, int]]:
        found: dict[int, tuple[int, bytes, int, int]] = {}
        for chunk in chunks(list(dict.fromkeys(user_ids))):
            for row in self.conn.execute(
                select(reader_models).where(reader_models.c.user_id.in_(chunk))
            ):
                found[row.user_id] = (
                    int(row.signals),
                    bytes(row.weights),
                    int(row.positives),
                    int(row.negatives),
                )
        return found

    def save_model(
        self, user_id: int, signals: int, weights: bytes, positives: int, negatives: int
    ) -> None:
        self.conn.execute(delete(reader_models).where(reader_models.c.user_id == user_id))
        self.conn.execute(
            insert(reader_models).values(
                user_id=user_id,
                signals=signals,
                weights=weights,
                positives=positives,
                negatives=negatives,
                trained_at=utc_now(),
            )
        )
