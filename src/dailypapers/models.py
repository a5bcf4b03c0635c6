"""Plain data shared by every layer: paper records from sources, stored papers, import outcomes.

Nothing here does I/O. A field that a source does not know is ``None`` (unknown), never an invented
default: an HF page gives an author count but no names, the Kaggle dump gives no upvotes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (newlines too) into single spaces; LaTeX is left as written."""
    return _SPACE.sub(" ", text).strip()


def title_key(title: str) -> str:
    """A key that is equal for the same title however it was typed, cased, accented or spaced.

    Used to merge a paper known only by title (an HF page) with the same paper once its arXiv id is
    learned, and to make a stable local id for it until then.
    """
    if not title.isascii():
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = _NOT_WORD.sub(" ", title.lower()).split()
    return hashlib.sha1(" ".join(words).encode()).hexdigest()[:16]


def title_number(title: str) -> int:
    """``title_key`` as a 60-bit integer, for compact database indexes."""
    return int(title_key(title)[:15], 16)


LOCAL_PREFIX = "local-"


def local_id_for(title: str) -> str:
    """The stable public id of a paper that has no arXiv id yet."""
    return LOCAL_PREFIX + title_key(title)


class _PicklesByInit:
    """Pickle as ``(cls, field values)``: large imports send records between processes, and the
    default for slots dataclasses looks up the class's fields again for every object."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return type(self), tuple(getattr(self, name) for name in self.__match_args__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Listing(_PicklesByInit):
    """A paper's place on one day's Daily Papers list (kept apart from the paper's metadata)."""

    date: date
    rank: int | None = None
    # The submitter's username, and the full name shown for them when the source gave one.
    submitter: str | None = None
    submitter_name: str | None = None


@dataclass(frozen=True, slots=True)
class Version(_PicklesByInit):
    """One arXiv version of a paper: ``v1`` and when it was submitted."""

    version: int
    created: datetime | None = None


@dataclass(slots=True)
class PaperRecord(_PicklesByInit):
    """One paper as a source describes it: the unit every parser yields and ``hub.ingest`` stores.

    ``arxiv_id`` is the id without version (``2501.00001``, ``math-ph/0509037``); ``version`` is
    the version the metadata describes, when the source says. ``categories`` lists the primary one
    first. ``upvotes`` is the count the source showed (HF); the site's own votes live in the store.
    """

    title: str
    arxiv_id: str | None = None
    version: int | None = None
    abstract: str | None = None
    authors: tuple[str, ...] | None = None
    author_count: int | None = None
    categories: tuple[str, ...] | None = None
    published: datetime | None = None
    updated: datetime | None = None
    versions: tuple[Version, ...] | None = None
    comments: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    pdf_url: str | None = None
    github_repo: str | None = None
    project_page: str | None = None
    withdrawn: bool | None = None
    upvotes: int | None = None
    github_stars: int | None = None
    num_comments: int | None = None
    listing: Listing | None = None

    def __post_init__(self) -> None:
        if self.authors is not None and self.author_count is None:
            self.author_count = len(self.authors)


@dataclass(frozen=True, slots=True)
class Remark:
    """What an import says about one record: which file, where in it, and what."""

    source: str
    where: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "where": self.where, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Rejection(Remark):
    """A record a parser could not accept: which file, where in it, and why."""


@dataclass(frozen=True, slots=True)
class Notice(Remark):
    """Something an import changed in a record it kept (a link left out): where, and what."""


@dataclass(frozen=True, slots=True)
class Claimed:
    """One of a paper's authors, verified to be a member: the author's name key
    (``text.name_key``), the member's name and display name, and whether they have commented
    on the paper."""

    author_key: str
    user: str
    fullname: str | None
    participating: bool


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A paper's first page as an image: the SHA-256 of its WebP bytes, and its size in pixels."""

    digest: str
    width: int
    height: int


@dataclass(slots=True)
class Paper:
    """A paper as the store holds it, with the site's own counts."""

    id: str
    pk: int
    title: str
    arxiv_id: str | None
    version: int | None
    abstract: str | None
    authors: tuple[str, ...] | None
    author_count: int | None
    categories: tuple[str, ...] | None
    published: datetime | None
    updated: datetime | None
    versions: tuple[Version, ...] | None
    comments: str | None
    journal_ref: str | None
    doi: str | None
    license: str | None
    pdf_url: str | None
    github_repo: str | None
    project_page: str | None
    withdrawn: bool
    source_upvotes: int | None
    upvotes: int
    num_comments: int
    seq: int
    listings: tuple[Listing, ...] = ()
    # Key phrases found in the title and abstract (search/keywords.py), best first.
    keywords: tuple[str, ...] = ()
    removed: bool = False  # by a moderator: off the lists, search, feeds and digests
    locked: bool = False  # by a moderator: its discussion takes no new comments
    thumbnail: Thumbnail | None = None  # its first page, once rendered
    github_stars: int | None = None  # its repository's, where known
    claimed: tuple[Claimed, ...] = ()  # its authors who are verified members

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    @property
    def day(self) -> date | None:
        """The paper's date for readers: arXiv's publication, else its first day on a list."""
        if self.published is not None:
            return self.published.date()
        return self.listings[0].date if self.listings else None

    @property
    def total_upvotes(self) -> int:
        """Upvotes shown where the paper came from (Hugging Face) plus this site's own."""
        return (self.source_upvotes or 0) + self.upvotes


@dataclass(slots=True)
class ImportSummary:
    """What an import did, record by record: the counts the CLI prints, the rejections, and the
    records kept with something left out (warnings)."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[Rejection] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        self.errors.append(rejection)

    def warn(self, notice: Notice) -> None:
        self.warnings.append(notice)

    def merge(self, other: ImportSummary) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.errors.extend(other.errors)
        self.warnings.extend(other.warnings)

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


# What a member may do: moderators hide, remove and suspend; admins also set roles.
ROLES = ("member", "moderator", "admin")


@dataclass(frozen=True, slots=True)
class User:
    """A member of the site: their role (member, moderator or admin), and whether they
    confirmed their address."""

    id: int
    name: str
    email: str
    role: str
    created_at: datetime
    verified: bool
    suspended_until: datetime | None = None
    display_name: str | None = None  # as they write their name; None: their member name
    notify_email: str = "instant"  # one of NOTIFY_EMAIL

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name

    def suspended(self, now: datetime) -> bool:
        return self.suspended_until is not None and self.suspended_until > now

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_moderator(self) -> bool:
        """Moderators and admins: admins do everything moderators do."""
        return self.role in ("moderator", "admin")


@dataclass(frozen=True, slots=True)
class Vote:
    """A member's vote as it stands after casting or taking it back, and the count shown."""

    paper_id: str
    upvotes: int  # what the paper's source showed plus this site's own votes
    voted: bool


@dataclass(frozen=True, slots=True)
class Allowance:
    """How many of an action one client or member may do per window (a rate limit)."""

    key: str  # the action and who does it: "vote:user:7"
    window_s: int
    allowed: int
    what: str  # "votes: 120 per minute", for the refusal


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment on a paper, stored as the text its author typed."""

    id: int
    paper_id: str
    author: str
    text: str
    created_at: datetime
    parent_id: int | None = None
    edited: bool = False  # by its author, since it was posted
    deleted: bool = False  # by its author: its text is gone
    hidden: bool = False  # by a moderator: shown to moderators only
    held_for: str | None = None  # why it waits for a moderator (shown to them and its author)
    author_fullname: str | None = None  # the author's display name, when they set one

    @property
    def held(self) -> bool:
        return self.held_for is not None


@dataclass(frozen=True, slots=True)
class CommentVersion:
    """A comment's text before its author edited or deleted it, for moderators."""

    text: str
    replaced_at: datetime


@dataclass(frozen=True, slots=True)
class Report:
    """A member's report of a comment (``comment`` set) or a paper, open until a moderator acts
    on it; with the author's record, which the moderation queue shows beside it."""

    id: int
    reporter: str
    reason: str
    created_at: datetime
    paper_id: str
    comment: Comment | None
    author: str | None  # the comment's author
    author_comments: int  # how many comments the author has posted
    author_hidden: int  # and how many of them a moderator hid


CLAIM_STATES = ("pending", "verified", "rejected")
# Why a member is told of a comment, the strongest first: it answers theirs, it names them, it is
# on a paper they wrote, or on one they submitted.
NOTIFICATION_KINDS = ("reply", "mention", "wrote", "submitted")
# What each says the comment's author did, after their name.
NOTIFICATION_PHRASES = {
    "reply": "answered your comment",
    "mention": "mentioned you",
    "wrote": "commented on a paper you wrote",
    "submitted": "commented on a paper you submitted",
}
# When a member hears of them by mail: a message each at once, in their daily digest, or never.
NOTIFY_EMAIL = ("instant", "digest", "never")


@dataclass(frozen=True, slots=True)
class Notification:
    """Something a member is told of: a comment (by ``actor``, on a paper), and why."""

    id: int
    kind: str
    created_at: datetime
    read: bool
    comment_id: int
    actor: str
    paper_id: str
    paper_title: str
    excerpt: str

    @property
    def said(self) -> str:
        """``alice answered your comment: “the comment's opening”``."""
        words = f"{self.actor} {NOTIFICATION_PHRASES[self.kind]}"
        return f"{words}: “{self.excerpt}”" if self.excerpt else words


@dataclass(frozen=True, slots=True)
class AuthorClaim:
    """A member's claim to be the author ``author_name`` of a paper, and what a moderator
    decided (``status`` one of CLAIM_STATES; ``reason`` theirs)."""

    id: int
    paper_id: str
    paper_title: str
    author_name: str
    user: str
    status: str
    created_at: datetime
    decided_at: datetime | None = None
    reason: str | None = None
    # What a moderator weighs: the member's display name, and the domain of their confirmed
    # address (a university's, a lab's), never the address itself.
    user_fullname: str | None = None
    user_domain: str = ""


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One thing a moderator did, and why."""

    id: int
    moderator: str | None  # None: their account is gone
    action: str
    target: str
    reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MemberData:
    """What the site keeps of a member (their export): the papers they upvoted, saved (when,
    read when) and collected, what they follow, their comments, their subscription and their
    claims to be papers' authors."""

    user: User
    upvoted: list[str]
    saved: list[tuple[str, datetime, datetime | None]]
    follows: list[Follow]
    collections: list[tuple[Collection, list[str]]]
    comments: list[Comment]
    subscription: Subscription | None
    claims: list[AuthorClaim] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A personal API token as the profile lists it; the secret itself is shown only once."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class SignIn:
    """One of a member's sign-in sessions, as their profile lists it."""

    id: int
    client: str
    created_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class Follow:
    """Something a reader follows: an author (as written on papers), a category, or a search."""

    id: int
    kind: str
    value: str
    created_at: datetime

    @property
    def label(self) -> str:
        return f"'{self.value}'" if self.kind == "search" else self.value


@dataclass(frozen=True, slots=True)
class Collection:
    """A member's named list of papers, public (with a page and a feed) or private."""

    id: int
    owner: str
    name: str
    slug: str
    public: bool
    created_at: datetime
    papers: int = 0


@dataclass(frozen=True, slots=True)
class Subscription:
    """An email address that asked for digests, and what it gets."""

    id: int
    email: str
    user_id: int | None
    frequency: str  # "daily" (weekdays) or "weekly"
    topics: tuple[str, ...]
    timezone: str
    status: str  # "pending", "active", "paused" or "unsubscribed"
    created_at: datetime
    confirmed_at: datetime | None = None
    bounces: int = 0
    note: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message waiting in the outbox: who it goes to and its bytes, fixed when composed, and
    its subscription's state when the message was claimed for sending."""

    id: int
    subscription_id: int | None  # None: a message about an account, not a subscription
    period: str
    recipient: str
    message_id: str
    message: bytes
    attempts: int
    subscription_status: str | None = "active"  # None: no subscription
    # Hard bounces in a row of the subscription.
    bounces: int = 0

    @property
    def wanted_status(self) -> str | None:
        """The status its subscription must have for it to be sent (a confirmation goes to a
        subscription that waits for one; a message about an account has none)."""
        if self.subscription_id is None:
            return None
        return "pending" if self.period.startswith("confirm:") else "active"


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one message handed to SMTP: ``sent``, ``retry`` or ``failed`` (or
    ``cancelled``: not handed over, its subscription ended meanwhile)."""

    outcome: str
    reason: str | None = None
    retry_at: datetime | None = None
    # A hard bounce counts against the subscription (repeated ones pause it).
    bounce: bool = False
    # Stop this run: the server cannot be reached, the next messages would fail the same way.
    stop: bool = False
