"""What each reader keeps and gets: reading list, feedback, follows, collections, and For you.

For you ranks the papers of a recent window for one reader: their model (``ranking/interest.py``,
trained on what they liked and disliked) scores every candidate by its vector; what they follow
(authors, categories, searches) adds to the score; what they already acted on is left out. A
reader who has liked nothing yet gets their follows; a reader with no signals at all gets the
trending list. Every pick says why it is there.

Models are trained a moment after a reader's signals stop changing, off the request that changed
them (``afterwards.py``), and stored with the signal count they reflect: a page loads the stored
one when it is current, and trains one itself only when it is not (a reader quicker than that).
"""

from __future__ import annotations

import random
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from dailypapers.errors import InvalidInput, NotFound
from dailypapers.hub.base import HubBase
from dailypapers.hub.lists import Trending, check_day
from dailypapers.mail.compose import short_abstract
from dailypapers.models import Collection, Follow, Paper, User
from dailypapers.ranking.interest import Interest, train
from dailypapers.search.lexical import LexicalFilters
from dailypapers.store import FOLLOW_KINDS, MarkSets, Signals, Transaction

WINDOW_DAYS = 7
# Seconds a window's candidates and their vectors are kept for the next reader.
WINDOW_TTL_S = 5.0
MAX_CANDIDATES = 10_000
BACKGROUND = 200
# What a follow adds to a pick's score (a model's scores are log-odds, mostly within +-5).
FOLLOW_BOOST = {"author": 3.0, "search": 2.0, "category": 1.5}
# A saved search "matches" its best hits in the window, not every paper sharing a word with it.
SEARCH_MATCHES = 20
# Papers at least this close to a candidate count as "like" it in the reason shown.
LIKE_COSINE = 0.5
# Liked papers a pick's reason names by title, the closest first.
NAMED_LIKES = 2
TITLE_CHARS = 70  # of each title a reason names
MAX_NAME = 100
# A member's marks are kept by each process while their own sequence stands (``Own``), for
# members with at most this many (``base.KEPT_MARKS_BYTES`` of them in all).
KEPT_MARKS = 2000
# About the bytes a kept mark or collection holds.
MARK_BYTES = 64
COLLECTION_BYTES = 400
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(slots=True)
class Pick:
    """A paper picked for a reader, its score, and the reason shown with it."""

    paper: Paper
    score: float
    reason: str


@dataclass(slots=True)
class ForYou:
    """A reader's picks from the papers of ``since`` to ``as_of``, and how they were made."""

    picks: list[Pick]
    since: date
    as_of: datetime
    basis: str  # "model", "follows" or "trending"
    candidates: int = 0


@dataclass(slots=True)
class Marks:
    """What a reader has done to the papers on a page (for the buttons on their cards), and
    their collections where the page offers to add a paper to one."""

    voted: set[int] = field(default_factory=set)
    saved: set[int] = field(default_factory=set)
    feedback: dict[int, int] = field(default_factory=dict)
    collections: list[Collection] = field(default_factory=list)
    unread: int = 0  # their notifications not read yet (the header shows how many)


@dataclass(frozen=True, slots=True)
class Own:
    """What a process keeps of a member's for their copies of shared pages: every paper they
    upvoted, saved or said more or less like this of (None: more than are kept, so each page
    reads its own), and their collections once a page offered them (None before)."""

    marks: MarkSets | None
    collections: list[Collection] | None

    @property
    def size(self) -> int:
        counted = 1 + (sum(map(len, self.marks)) if self.marks is not None else 0)
        return MARK_BYTES * counted + COLLECTION_BYTES * len(self.collections or ())


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _SLUG.sub("-", ascii_name.lower()).strip("-")[:80] or "collection"


class Personal(HubBase):
    """The personal part of the hub."""

    if TYPE_CHECKING:  # from the lists' part (``lists.py``)

        def trending(self, window: str = "week", limit: int = 50) -> Trending: ...

    # -- reading list and feedback ---------------------------------------------------------------

    def save(self, user: User, ident: str, on: bool = True) -> Paper:
        """Put a paper on ``user``'s reading list (or take it off); NotFound for an unknown one."""
        return self._learn(user, ident, lambda tx, pk: tx.library.set_saved(user.id, pk, on))

    def mark_read(self, user: User, ident: str, read: bool = True) -> Paper:
        """Mark a paper of the reading list read (or unread); NotFound when it is not on it."""
        paper = self.paper(ident)
        with self.store.transaction() as tx:
            marked = tx.library.set_read(user.id, paper.pk, read)
        if not marked:
            raise NotFound(f"{paper.id} is not on your reading list")
        return paper

    def reading_list(self, user: User) -> list[tuple[Paper, datetime, datetime | None]]:
        """(paper, when saved, when read) of the reading list, the newest first. Raises nothing."""
        with self.store.read() as tx:
            rows = tx.library.saved(user.id)
            found = tx.papers.by_pk([pk for pk, _, _ in rows])
        return [(found[pk], at, read) for pk, at, read in rows if pk in found]

    def feedback(self, user: User, ident: str, value: int) -> Paper:
        """More like this (1), less like this (-1), or neither (0); NotFound for an unknown
        paper, InvalidInput for another value."""
        return self._learn(user, ident, lambda tx, pk: tx.library.set_feedback(user.id, pk, value))

    def _learn(self, user: User, ident: str, change: Callable[[Transaction, int], bool]) -> Paper:
        """``change(tx, paper_pk)`` to what ``user`` likes, for paper ``ident``: when it changed
        anything, their model of taste retrains soon."""
        paper = self.paper(ident)
        with self.store.transaction() as tx:
            changed = change(tx, paper.pk)
        if changed:
            self.afterwards.retrain_soon(user.id, self.retrain_member)
        return paper

    def marks(self, user: User | None, papers: list[Paper]) -> Marks:
        """What ``user`` did to ``papers`` (nothing, for no one): one read. Raises nothing."""
        return self.marks_among(user, [paper.pk for paper in papers])

    def marks_among(self, user: User | None, pks: Sequence[int]) -> Marks:
        """What ``user`` did to the papers numbered ``pks``: one read. Raises nothing."""
        if user is None or not pks:
            return Marks()
        with self.store.read() as tx:
            return Marks(*tx.library.marks_among(user.id, pks))

    def session_marks(
        self, token: str, pks: Sequence[int], collections: bool = False
    ) -> tuple[User, Marks, int] | None:
        """The member whose live session ``token`` names, what they did to the papers numbered
        ``pks`` (and their ``collections``), and the store's change sequence as of that; None
        for no live session. For a member's copy of a shared page (``web/shared.py``): one
        read, of their session alone when this process keeps their marks as their own
        sequence stands. Raises nothing."""
        with self.store.read() as tx:
            found = self._live_session(tx, token)
            if found is None:
                return None
            user = found.user
            marks = self._own_marks(tx, user.id, found.own_seq, pks, collections)
            marks.unread = found.unread
            return user, marks, found.seq

    def _own_marks(
        self, tx: Transaction, user_id: int, own_seq: int, pks: Sequence[int], collections: bool
    ) -> Marks:
        """What the member did to the papers numbered ``pks`` (and their ``collections``), from
        what this process keeps of theirs when it was read at ``own_seq``, their own sequence
        as ``tx`` finds it (every change to those moves it in its own transaction, on whichever
        process)."""
        with self._kept_marks_lock:
            found = self._kept_marks.current(user_id, own_seq)
        kept = found or Own(tx.library.all_marks(user_id, KEPT_MARKS), None)
        if collections and kept.collections is None:
            kept = Own(kept.marks, tx.library.collections(user_id, True))
        if kept is not found:
            with self._kept_marks_lock:
                self._kept_marks.keep(user_id, own_seq, kept, kept.size)
        own = list(kept.collections or ())
        if kept.marks is None:  # more than are kept: this page's alone
            return (
                Marks(*tx.library.marks_among(user_id, pks), own) if pks else Marks(collections=own)
            )
        voted, saved, given = kept.marks
        return Marks(
            {pk for pk in pks if pk in voted},
            {pk for pk in pks if pk in saved},
            {pk: given[pk] for pk in pks if pk in given},
            own,
        )

    # -- follows ---------------------------------------------------------------------------------

    def follow(self, user: User, kind: str, value: str) -> Follow:
        """Follow an author, a category or a search; InvalidInput for another kind or an empty
        or too long value. Following the same twice is one follow."""
        if kind not in FOLLOW_KINDS:
            raise InvalidInput(f"one follows an {', a '.join(FOLLOW_KINDS)}, not a {kind!r}")
        value = " ".join(value.split())
        if not value or len(value) > 300:
            raise InvalidInput(f"a {kind} to follow is 1 to 300 characters")
        with self.store.transaction() as tx:
            followed = tx.library.add_follow(user.id, kind, value)
        self.afterwards.retrain_soon(user.id, self.retrain_member)
        return followed

    def unfollow(self, user: User, follow_id: int) -> None:
        """Stop a follow; NotFound when ``user`` has none numbered ``follow_id``."""
        with self.store.transaction() as tx:
            removed = tx.library.remove_follow(user.id, follow_id)
        if not removed:
            raise NotFound(f"you do not follow anything numbered {follow_id}")
        self.afterwards.retrain_soon(user.id, self.retrain_member)

    def follows(self, user: User) -> list[Follow]:
        """What ``user`` follows (authors, categories, searches); raises nothing."""
        with self.store.read() as tx:
            return tx.library.follows(user.id)

    # -- collections -----------------------------------------------------------------------------

    def create_collection(self, user: User, name: str, public: bool = False) -> Collection:
        """A new collection of ``user``'s; InvalidInput for an empty or too long name, Conflict
        when they have one of that name."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise InvalidInput(f"a collection needs a name of 1 to {MAX_NAME} characters")
        with self.store.transaction() as tx:
            return tx.library.create_collection(user.id, name, slugify(name), public)

    def collections(self, owner: str, viewer: User | None) -> list[Collection]:
        """``owner``'s collections that ``viewer`` may see (all of them, to the owner);
        NotFound when there is no member ``owner``."""
        member = self.user_named(owner)
        with self.store.read() as tx:
            return tx.library.collections(member.id, viewer is not None and viewer.id == member.id)

    def collection(
        self, owner: str, slug: str, viewer: User | None
    ) -> tuple[Collection, list[Paper]]:
        """A collection and its papers; NotFound when ``viewer`` may not see it."""
        member = self.user_named(owner)
        with self.store.read() as tx:
            found = tx.library.collection(member.id, slug)
            if found is None or (not found.public and (viewer is None or viewer.id != member.id)):
                # A private collection is not there, for anyone but its owner.
                raise NotFound(f"{owner} has no collection '{slug}'")
            return found, tx.papers.in_order(tx.library.collection_pks(found.id))

    def collect(self, user: User, slug: str, ident: str, on: bool = True) -> Collection:
        """Add a paper to one of ``user``'s collections (or take it out); NotFound for an
        unknown collection or paper."""
        paper = self.paper(ident)
        with self.store.transaction() as tx:
            found = tx.library.collection(user.id, slug)
            if found is None:
                raise NotFound(f"you have no collection '{slug}'")
            changed = tx.library.set_in_collection(user.id, found.id, paper.pk, on)
            now = tx.library.collection(user.id, slug) or found
        if changed:
            self.afterwards.retrain_soon(user.id, self.retrain_member)
        return now

    def update_collection(
        self, user: User, slug: str, name: str | None = None, public: bool | None = None
    ) -> None:
        """Rename a collection or make it public or private; NotFound for an unknown one,
        InvalidInput for an empty or too long name."""
        if name is not None and not 0 < len(name.strip()) <= MAX_NAME:
            raise InvalidInput(f"a collection needs a name of 1 to {MAX_NAME} characters")
        with self.store.transaction() as tx:
            found = tx.library.collection(user.id, slug)
            if found is None:
                raise NotFound(f"you have no collection '{slug}'")
            tx.library.update_collection(user.id, found.id, name.strip() if name else None, public)

    def delete_collection(self, user: User, slug: str) -> None:
        """Delete one of ``user``'s collections; NotFound for an unknown one."""
        with self.store.transaction() as tx:
            found = tx.library.collection(user.id, slug)
            if found is None:
                raise NotFound(f"you have no collection '{slug}'")
            tx.library.delete_collection(user.id, found.id)
        self.afterwards.retrain_soon(user.id, self.retrain_member)

    # -- the model -------------------------------------------------------------------------------

    def retrain_member(self, user_id: int) -> None:
        """Train member ``user_id``'s model again (what they like moved), if they still exist
        and no other process has trained it on their latest signals. Raises nothing."""
        user = self.user(user_id)
        if user is None:
            return
        signals = self.signals(user)
        with self.store.read() as tx:
            stored = tx.library.load_model(user.id)
        if stored is None or stored[0] != signals.count:
            self.retrain(user, signals)

    def retrain(self, user: User, signals: Signals | None = None) -> Interest | None:
        """Train ``user``'s model on their signals (read now unless given) and store it; None
        when nothing they liked has a vector yet. Raises nothing."""
        signals = signals or self.signals(user)
        model = self._train(signals)
        if model is not None:
            with self.store.transaction() as tx:
                tx.library.save_model(
                    user.id, signals.count, model.to_bytes(), model.positives, model.negatives
                )
        return model

    def signals(self, user: User) -> Signals:
        """What ``user`` did that tells what they like. Raises nothing."""
        with self.store.read() as tx:
            return tx.library.signals(user.id)

    def interest(self, user: User, signals: Signals | None = None) -> Interest | None:
        """The reader's model: the stored one when it is current, else trained now. Raises
        nothing."""
        signals = signals or self.signals(user)
        with self.store.read() as tx:
            stored = tx.library.load_model(user.id)
        if stored is not None and stored[0] == signals.count:
            return Interest.from_bytes(stored[1], stored[2], stored[3])
        if not signals.positives:
            return None
        return self.retrain(user, signals)

    def _train(self, signals: Signals) -> Interest | None:
        positives = self.vectors.vectors(signals.positives)
        if not positives:
            return None
        negatives = self.vectors.vectors(list(signals.less))
        seen = signals.seen
        background = self.vectors.vectors(
            [key for key in self._random_keys(BACKGROUND * 2) if key not in seen][:BACKGROUND]
        )
        return train(
            np.stack(list(positives.values())),
            np.stack(list(negatives.values())) if negatives else None,
            np.stack(list(background.values())) if background else None,
        )

    def _random_keys(self, count: int) -> list[int]:
        # Store keys are dense integers: a uniform draw over them is a sample of the papers.
        with self.store.read() as tx:
            top = tx.papers.max_pk()
        rng = random.Random(top)
        return rng.sample(range(1, top + 1), min(count, top)) if top else []

    # -- For you ---------------------------------------------------------------------------------

    def for_you(
        self,
        user: User,
        since: date | None = None,
        limit: int = 30,
        days: int = WINDOW_DAYS,
        until: date | None = None,
        signals: Signals | None = None,
        at_hand: Mapping[int, Paper] | None = None,
        model: Interest | None = None,
    ) -> ForYou:
        """``user``'s picks among the papers of the last ``days`` days (or since ``since``).

        The days end with the newest listed day (or today), as trending's window does, or with
        ``until``, a listed day (a digest of an earlier day). Papers in ``at_hand``
        are not read again (a digest run holds the window's); a ``model`` given is used as the
        reader's (a digest run loads many at once). InvalidInput for a ``since`` or ``until``
        out of range.
        """
        if since is not None:
            check_day(since, "since")
        if until is not None:
            check_day(until, "until")
        as_of = self.as_of(until if until is not None else self.latest_day())
        last_day = (as_of - timedelta(microseconds=1)).date()
        since = since or last_day - timedelta(days=days - 1)
        signals = signals or self.signals(user)
        if model is None and signals.positives:
            model = self.interest(user, signals)
        if model is None and not signals.follows:
            return self._trending_picks(since, as_of, limit, signals)
        candidates, known, matrix = self._window(since, last_day)
        seen = signals.seen
        if model is not None:
            # Without a vector a paper cannot be judged by the model: only those with one.
            judged = model.scores(matrix).tolist()
            scores = {key: s for key, s in zip(known, judged, strict=True) if key not in seen}
        else:
            scores = {key: 0.0 for key in candidates if key not in seen}
        keys = list(scores)
        reasons: defaultdict[int, list[str]] = defaultdict(list)
        allowed = set(keys)
        for follow in signals.follows:
            matches = self.follow_matches(follow, since, last_day)
            for rank, key in enumerate(matches):
                if key in allowed:
                    # Within one follow, its own order (relevance, or newest) breaks the ties.
                    scores[key] += FOLLOW_BOOST[follow.kind] * (1 - rank / (10 * len(matches)))
                    reasons[key].append(follow_reason(follow))
        ranked = sorted(keys, key=lambda key: -scores[key])
        if model is None:  # follows alone: only what they match
            ranked = [key for key in ranked if reasons[key]]
        top = ranked[:limit]
        papers = {pk: at_hand[pk] for pk in top if pk in at_hand} if at_hand else {}
        if missing := [pk for pk in top if pk not in papers]:
            with self.store.read() as tx:
                papers.update(tx.papers.by_pk(missing))
        if model is not None:
            for key, because in self._likeness(top, signals).items():
                reasons[key].append(because)
        picks = [
            Pick(papers[key], scores[key], "; ".join(reasons[key]) or "close to what you liked")
            for key in top
            if key in papers
        ]
        return ForYou(picks, since, as_of, "model" if model else "follows", len(candidates))

    def _window(self, since: date, until: date) -> tuple[list[int], list[int], np.ndarray]:
        """The window's candidates, those with a vector, and the vectors: the same for every
        reader, so kept for a few seconds (the indexes themselves move every ten)."""
        now = time.monotonic()
        kept = self._windows.get((since, until))
        if kept is not None and now - kept[0] < WINDOW_TTL_S:
            window: tuple[list[int], list[int], np.ndarray] = kept[1]
            return window
        candidates = self._candidates(since, until)
        known, matrix = self.vectors.matrix(candidates)
        self._windows = {(since, until): (now, (candidates, known, matrix))}  # one window kept
        return candidates, known, matrix

    def _candidates(self, since: date, until: date) -> list[int]:
        """Keys of the papers listed or published from ``since`` to ``until``."""
        with self.store.read() as tx:
            listed = tx.lists.keys_between(since, until)
        window = LexicalFilters(published_from=since, published_to=until)
        published = self.lexical.keys(window, MAX_CANDIDATES)
        return list(dict.fromkeys([*listed, *published]))[:MAX_CANDIDATES]

    def follow_matches(self, follow: Follow, since: date, until: date) -> list[int]:
        """Keys of the papers of ``since`` to ``until`` that ``follow`` matches, best first.
        Raises nothing."""
        window = LexicalFilters(published_from=since, published_to=until)
        if follow.kind == "category":
            return self.lexical.keys(
                LexicalFilters(since, until, categories=(follow.value,)), MAX_CANDIDATES
            )
        if follow.kind == "author":
            name = follow.value.replace('"', "")
            hits = self.lexical.search(f'author:"{name}"', 200, window, snippets=False)
        else:
            hits = self.lexical.search(follow.value, SEARCH_MATCHES, window, snippets=False)
        return list(dict.fromkeys(hit.key for hit in hits if hit.key is not None))

    def _likeness(self, keys: list[int], signals: Signals) -> dict[int, str]:
        """For each pick, the papers the reader liked that it is close to: "because you
        upvoted “A” and “B”", the closest named."""
        liked = self.vectors.vectors(signals.positives)
        picked = self.vectors.vectors(keys)
        if not liked or not picked:
            return {}
        kinds = {
            **dict.fromkeys(signals.collected, "collected"),
            **dict.fromkeys(signals.upvoted, "upvoted"),
            **dict.fromkeys(signals.saved, "saved"),
            **dict.fromkeys(signals.more, "asked for more of"),
        }
        liked_keys = list(liked)
        matrix = np.stack(list(liked.values()))
        closest: dict[int, list[int]] = {}
        for key, vector in picked.items():
            similarity = matrix @ vector
            near = np.flatnonzero(similarity >= LIKE_COSINE)
            if near.size:
                ordered = near[np.argsort(-similarity[near], kind="stable")]
                closest[key] = [liked_keys[i] for i in ordered]
        named = {pk for close in closest.values() for pk in close[:NAMED_LIKES]}
        with self.store.read() as tx:
            titles = {pk: paper.title for pk, paper in tx.papers.by_pk(list(named)).items()}
        return {key: _because(close, kinds, titles) for key, close in closest.items()}

    def _trending_picks(self, since: date, as_of: datetime, limit: int, signals: Signals) -> ForYou:
        window = max(1, ((as_of - timedelta(microseconds=1)).date() - since).days + 1)
        name = "day" if window <= 1 else "week" if window <= 7 else "month"
        trending = self.trending(name, limit + len(signals.seen))
        picks = [
            Pick(paper, score, f"trending this {name}")
            for paper, score in trending.items
            if paper.pk not in signals.seen
        ][:limit]
        return ForYou(picks, since, as_of, "trending", len(trending.items))


def _because(close: list[int], kinds: dict[int, str], titles: dict[int, str]) -> str:
    """``because you upvoted “A”, “B” and 3 more``: the closest liked papers by title."""
    shown = [pk for pk in close[:NAMED_LIKES] if pk in titles]
    verbs = {kinds.get(pk, "liked") for pk in shown} or {"liked"}
    verb = verbs.pop() if len(verbs) == 1 else "liked"
    names = [f"“{short_abstract(titles[pk], TITLE_CHARS)}”" for pk in shown]
    if not names:
        return f"close to {len(close)} paper{'s' if len(close) != 1 else ''} you liked"
    more = len(close) - len(shown)
    if more:
        listed = ", ".join(names)
        return f"because you {verb} {listed} and {more} more"
    return f"because you {verb} " + " and ".join(names)


def follow_reason(follow: Follow) -> str:
    """What a pick says when a follow of the reader's matched it."""
    if follow.kind == "search":
        return f"matches your search '{follow.value}'"
    return f"you follow {follow.value}"
