"""What the API answers, as pydantic models for ``/openapi.json``: Hugging Face's item, paper and
user shapes (``wire.py`` writes them), and the hub's own answers.

The models document: an operation names its shape in ``responses`` (``schema.answer``), and
the JSON ``wire.py`` builds is not run through them on each request (the tests hold the two to
each other with Schemathesis). A field a source may leave out is typed as nullable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Shape(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class User(_Shape):
    """A member, or the account that stands for a listing's source (``hf-daily``, ``arxiv``)."""

    id_: str = Field(alias="_id", description="stable, 24 hex digits")
    avatarUrl: str = Field(description="the identicon the site draws for the member")
    fullname: str
    name: str = Field(description="the username")
    type: str
    isPro: bool
    user: str = Field(description="the username, as HF's client reads it")


class Author(_Shape):
    id_: str = Field(alias="_id", description="stable, 24 hex digits")
    name: str
    hidden: bool
    status: Literal["claimed_verified"] | None = Field(
        None, description="present when a moderator verified a member as this author"
    )
    user: User | None = Field(None, description="the member verified as this author")


class Notification(_Shape):
    """Something a member is told of: a comment, and why it concerns them."""

    id: int
    kind: Literal["reply", "mention", "wrote", "submitted"] = Field(
        description="it answers your comment, names you, or is on a paper you wrote or submitted"
    )
    createdAt: str
    read: bool
    commentId: int
    actor: str = Field(description="who wrote the comment")
    paperId: str
    paperTitle: str
    excerpt: str = Field(description="the comment's first 200 characters")


class Notifications(_Shape):
    unread: int
    notifications: list[Notification]


class MarkedRead(_Shape):
    marked: int = Field(description="how many of them were unread")


class NotifyMode(_Shape):
    mode: Literal["instant", "digest", "never"]


class AuthorClaim(_Shape):
    """A member's claim to be one of a paper's authors."""

    id: int
    paperId: str
    author: str = Field(description="the author's name, as the paper writes it")
    user: str = Field(description="the member who claims it")
    status: Literal["pending", "verified", "rejected"]
    createdAt: str
    decidedAt: str | None
    reason: str | None = Field(description="the moderator's, once decided")


class Listing(_Shape):
    date: str
    rank: int | None
    submitter: str | None


class Paper(_Shape):
    """HF's ``/api/papers/{id}`` fields, then the arXiv metadata the hub keeps."""

    id: str
    authors: list[Author]
    publishedAt: str | None = Field(
        description="arXiv's publication time, else the paper's first day on a list"
    )
    submittedOnDailyAt: str | None
    submittedOnDailyBy: User
    title: str
    summary: str = Field(description="the abstract; empty when none is known")
    upvotes: int
    discussionId: str
    numComments: int
    githubRepo: str | None
    githubStars: int | None = Field(description="stars of the code's GitHub repository, if known")
    projectPage: str | None
    withdrawnAt: str | None
    ai_keywords: list[str] = Field(description="key phrases of the title and abstract")
    arxivId: str | None
    version: int | None
    authorCount: int | None
    categories: list[str]
    updatedAt: str | None
    arxivComments: str | None = Field(description="arXiv's comments field")
    journalRef: str | None
    doi: str | None
    license: str | None
    pdfUrl: str | None
    listings: list[Listing]


class PaperInfo(Paper):
    """A paper with the repositories HF links to it: none here, in the types HF's client reads."""

    linkedModels: list[dict[str, object]]
    numTotalModels: int
    linkedDatasets: list[dict[str, object]]
    numTotalDatasets: int
    linkedSpaces: list[dict[str, object]]


class DailyItem(_Shape):
    """An item of ``/api/daily_papers``: a paper and its place on a list."""

    paper: Paper
    publishedAt: str | None = Field(description="the day the paper went on the list")
    submittedOnDailyAt: str | None
    title: str
    summary: str
    thumbnail: str
    numComments: int
    submittedBy: User
    githubRepo: str | None
    projectPage: str | None
    isAuthorParticipating: bool


class Recommendation(DailyItem):
    reason: str
    score: float


class SavedItem(DailyItem):
    savedAt: str | None
    readAt: str | None


class Comment(_Shape):
    id: int
    paperId: str
    author: User
    text: str  # empty when its author deleted it
    createdAt: str | None
    parentId: int | None
    edited: bool
    deleted: bool
    hidden: bool  # only moderators are sent hidden comments
    # Why it waits for a moderator (only they and its author are sent it); null when shown.
    heldFor: str | None


class Report(_Shape):
    id: int  # the report's, for the moderators


class Moderated(_Shape):
    id: str
    removed: bool
    locked: bool


class Suspension(_Shape):
    name: str
    suspendedUntil: str | None  # far in the future for a ban; null when lifted


class Vote(_Shape):
    id: str
    upvotes: int
    voted: bool


class Saved(_Shape):
    id: str
    saved: bool


class Read(_Shape):
    id: str
    read: bool


class Feedback(_Shape):
    id: str
    feedback: int


class Follow(_Shape):
    id: int
    kind: str
    value: str
    createdAt: str | None


class Collection(_Shape):
    owner: str
    slug: str
    name: str
    public: bool
    papers: int
    createdAt: str | None


class CollectionItems(Collection):
    items: list[DailyItem]


class PendingSubscription(_Shape):
    """The answer to a subscription request, the same whether or not the address had one."""

    email: str
    frequency: str
    topics: list[str]
    status: str
    detail: str


class JobState(_Shape):
    name: str
    last_fire: str | None = Field(description="the scheduled time its last run was for")
    finished_at: str | None
    outcome: str | None = Field(description="what the last run did, as JSON, or why it failed")
    running: bool
    failed: bool = Field(description="its last run failed; the worker tries again later")


class OutboxState(_Shape):
    queued: int
    retrying: int = Field(description="queued after a failed attempt")
    failed: int = Field(description="given up on")
    sent: int


class IndexLag(_Shape):
    lexical: int = Field(description="papers stored since the word index last caught up")
    semantic: int = Field(description="the same for the vector index")


class ThumbnailState(_Shape):
    rendered: int = Field(description="papers whose first page is rendered")
    failed: int = Field(
        description="papers whose PDF was missing or did not render (tried again later)"
    )


class ArxivMetadataState(_Shape):
    lacking: int = Field(description="listed arXiv papers without arXiv's metadata yet")
    failed: int = Field(description="papers arXiv's API did not describe (asked again later)")


class GithubStarsState(_Shape):
    linked: int = Field(description="listed papers whose code link is on GitHub")
    counted: int = Field(description="those whose repository's stars are known")
    failed: int = Field(description="papers whose repository GitHub did not describe")


class AdminStatus(_Shape):
    """What an admin checks each morning (``dailypapers admin status --json`` prints it)."""

    papers: int
    removed_papers: int
    members: int
    upvotes: int
    comments: int
    jobs: list[JobState]
    outbox: OutboxState
    index_lag: IndexLag
    open_reports: int
    held_comments: int
    pending_claims: int = Field(description="members' author claims waiting for a moderator")
    thumbnails: ThumbnailState
    arxiv_metadata: ArxivMetadataState
    github_stars: GithubStarsState
    disk_bytes: int = Field(description="what the files of the data dir take on disk")
    database: str
