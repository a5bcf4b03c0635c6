"""The schema as SQLAlchemy Core tables; the numbered migrations create exactly this.

A paper has an integer surrogate key (``pk``) that listings, votes and comments point at, so
learning a local paper's arXiv id is one UPDATE of its row and nothing that refers to it moves.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


def _ref(name: str, target: str, primary_key: bool) -> Column[int]:
    # A row that belongs to another goes with it.
    refers = ForeignKey(target, ondelete="CASCADE")
    if primary_key:
        return Column(name, Integer, refers, primary_key=True)
    return Column(name, Integer, refers, nullable=False)


def _user(primary_key: bool = False) -> Column[int]:
    """``user_id``: the member a row belongs to."""
    return _ref("user_id", "users.id", primary_key)


def _paper(primary_key: bool = False) -> Column[int]:
    """``paper_pk``: the paper a row is about."""
    return _ref("paper_pk", "papers.pk", primary_key)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone, so store naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Any:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # The hot path of bulk imports: one call producing the text SQLAlchemy's SQLite DATETIME
        # stores ("2007-04-02 19:18:42.000000"), instead of a chain of three.
        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError(f"naive datetime {value!r}: the store only takes aware datetimes")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


papers = Table(
    "papers",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    # arXiv id without version; NULL until known. local_id stays after a merge so old links work.
    Column("arxiv_id", String(64), unique=True),
    Column("local_id", String(32), unique=True),
    # title_number() of the title: an integer keeps this randomly-ordered index small.
    Column("title_key", BigInteger, nullable=False, index=True),
    Column("version", Integer),
    Column("title", Text, nullable=False),
    Column("abstract", Text),
    Column("authors", JSON),
    Column("author_count", Integer),
    Column("categories", JSON),
    # No indexes on category or dates: filtering by them is the search indexes' job, and every
    # index here slows the bulk import.
    Column("primary_category", String(32)),
    Column("published", UTCDateTime()),
    Column("updated", UTCDateTime()),
    Column("versions", JSON),
    Column("comments", Text),
    Column("journal_ref", Text),
    Column("doi", Text),
    Column("license", Text),
    Column("pdf_url", Text),
    Column("github_repo", Text),
    Column("project_page", Text),
    Column("withdrawn", Boolean, nullable=False, server_default=text("false")),
    # The upvote count a source showed (Hugging Face); the site's own votes are rows in `upvotes`.
    Column("source_upvotes", Integer),
    # Change sequence of the last write: search indexes catch up on rows with seq > their watermark.
    Column("seq", BigInteger, nullable=False, index=True),
    # When a moderator took it off the lists, search, feeds and digests (kept in the store).
    Column("removed_at", UTCDateTime()),
    # When a moderator locked its discussion (no new comments).
    Column("locked_at", UTCDateTime()),
    # Its first page as an image: the SHA-256 of a `thumbnail_images` row, and its size.
    Column("thumbnail", String(64)),
    Column("thumbnail_width", Integer),
    Column("thumbnail_height", Integer),
    # Its repository's stars: as a source showed them, then as GitHub's API gave them (when, and
    # the ETag of that answer, which makes the next question free when nothing changed).
    Column("github_stars", Integer),
    Column("github_checked_at", UTCDateTime()),
    Column("github_etag", String(200)),
)

change_seq = Table(
    "change_seq",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

listings = Table(
    "listings",
    metadata,
    Column("day", Date, primary_key=True),
    _paper(primary_key=True),
    Column("rank", Integer),
    # The submitter's username (a member's name here, HF's ``user``), and their full name
    # when the source gives one apart from it (HF's ``fullname``).
    Column("submitter", Text),
    Column("submitter_name", Text),
    Index("ix_listings_paper_pk", "paper_pk"),
    Index("ix_listings_submitter", "submitter"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("display_name", String(80)),  # as the member writes their name; None: their name
    Column("password_hash", Text),
    # member, moderator or admin (accounts.ROLES)
    Column("role", String(12), nullable=False, server_default="member"),
    Column("created_at", UTCDateTime(), nullable=False),
    # When the member followed the link mailed to their address (None: not yet).
    Column("verified_at", UTCDateTime()),
    # Until when a moderator suspended them (accounts.BANNED: for good).
    Column("suspended_until", UTCDateTime()),
    # When its member deleted the account: the row stays, emptied, for its comments' threads.
    Column("deleted_at", UTCDateTime()),
    # Counts the member's signals (votes, saves, feedback, follows, collections): their model is
    # current when it was trained at this count.
    Column("signals", BigInteger, nullable=False, server_default=text("0")),
    # Moves with every change to what the member's copies of the pages members share show of
    # theirs (votes, saves, feedback, collections and their names): each process keeps those
    # by it (hub/personal.py).
    Column("own_seq", BigInteger, nullable=False, server_default=text("0")),
    # How the member hears of replies, mentions and comments on their papers by mail:
    # models.NOTIFY_EMAIL (at once, in their daily digest, or never).
    Column("notify_email", String(8), nullable=False, server_default="instant"),
)

upvotes = Table(
    "upvotes",
    metadata,
    _user(primary_key=True),
    _paper(primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_upvotes_paper_pk", "paper_pk"),
    Index("ix_upvotes_user_id", "user_id", "created_at"),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _paper(),
    _user(),
    Column("parent_id", Integer, ForeignKey("comments.id", ondelete="CASCADE")),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("edited_at", UTCDateTime()),  # by its author; the text before is a version
    Column("deleted_at", UTCDateTime()),  # by its author: shown as "[deleted]"
    Column("hidden_at", UTCDateTime()),  # by a moderator: shown to moderators only
    # Held for a moderator to let through (shown to them and its author only), and why.
    Column("held_at", UTCDateTime()),
    Column("held_for", String(200)),
    Index("ix_comments_paper_pk", "paper_pk"),
)

# A comment's earlier texts, each kept when its author edited or deleted it (for moderators).
comment_versions = Table(
    "comment_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("replaced_at", UTCDateTime(), nullable=False),
    Index("ix_comment_versions_comment_id", "comment_id"),
)

# A member's report of a comment or a paper, open until a moderator acts on what it names.
reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reporter_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE")),
    Column("paper_pk", Integer, ForeignKey("papers.pk", ondelete="CASCADE")),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("resolved_at", UTCDateTime()),
    Index("ix_reports_open", "resolved_at", "id"),
)

# A member's claim to be one of a paper's authors (the name as the paper writes it, and its
# key, ``text.name_key``): pending until a moderator verifies or rejects it.
author_claims = Table(
    "author_claims",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _paper(),
    _user(),
    Column("author_key", String(300), nullable=False),
    Column("author_name", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending, verified or rejected
    Column("created_at", UTCDateTime(), nullable=False),
    Column("decided_at", UTCDateTime()),
    Column("decided_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("reason", Text),
    UniqueConstraint("paper_pk", "author_key", "user_id", name="uq_author_claims"),
    Index("ix_author_claims_status", "status", "id"),
    Index("ix_author_claims_user", "user_id", "status"),
)

# What a member is told of: a reply to their comment, a mention of their name, a comment on a
# paper they submitted or wrote; one per comment and member, read or not, mailed or not.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _user(),
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(12), nullable=False),  # models.NOTIFICATION_KINDS
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime()),
    Column("mailed_at", UTCDateTime()),
    UniqueConstraint("user_id", "comment_id", name="uq_notifications"),
    Index("ix_notifications_unread", "user_id", "read_at"),
)

# What moderators did: who, what, to what, why, when.
moderation_log = Table(
    "moderation_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("moderator_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("action", String(24), nullable=False),
    Column("target", String(120), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# What an admin set on the admin page, over the settings file (``hub/site.py`` says which).
site_settings = Table(
    "site_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("updated_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
)

harvest_state = Table(
    "harvest_state",
    metadata,
    # e.g. "oai:arXiv:cs": one row per (endpoint, format, set) being harvested.
    Column("name", String(200), primary_key=True),
    Column("datestamp", Date),
    Column("resumption_token", Text),
    Column("from_date", Date),
    Column("updated_at", UTCDateTime(), nullable=False),
)

embeddings = Table(
    "embeddings",
    metadata,
    # The store is the source of truth for vectors too: the vector index is rebuilt from here
    # without embedding again, and a paper is re-embedded only when its text's hash changes.
    _paper(primary_key=True),
    Column("model", String(64), primary_key=True),
    Column("content_hash", String(32), nullable=False),
    Column("vector", LargeBinary, nullable=False),
)


def _tries(name: str) -> Table:
    """A fetch's failures (``store/retries.py``): one row per paper it could not serve, how many
    times, when, when it is tried next, and why."""
    return Table(
        name,
        metadata,
        _paper(primary_key=True),
        Column("tries", Integer, nullable=False),
        Column("tried_at", UTCDateTime(), nullable=False),
        Column("retry_at", UTCDateTime(), nullable=False),
        Column("failure", Text, nullable=False),
    )


# Rendered first pages by content: the store keeps them so that every node serves them (a node
# keeps a copy in its data dir as it serves one).
thumbnail_images = Table(
    "thumbnail_images",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Papers whose thumbnail could not be made (no PDF, a PDF that does not render): tried again
# later, less often each time.
thumbnail_tries = _tries("thumbnail_tries")

# Listed papers whose arXiv metadata the API did not give (an id arXiv does not know, a record
# that did not pass the checks): asked again later, less often each time.
arxiv_lookups = _tries("arxiv_lookups")

# Papers whose repository GitHub did not describe (gone, private, not a repository link): asked
# again later, less often each time.
github_tries = _tries("github_tries")

keywords = Table(
    "keywords",
    metadata,
    # Derived, as vectors are: written by the indexer as it indexes a paper (search/keywords.py).
    _paper(primary_key=True),
    Column("phrases", JSON, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _user(),
    Column("name", String(100), nullable=False),
    # SHA-256 of the token: a stolen database gives no usable tokens.
    Column("token_hash", String(64), nullable=False, unique=True),
    # The token's first characters, to tell tokens apart on the profile page.
    Column("prefix", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
    Index("ix_api_tokens_user_id", "user_id"),
)

sessions = Table(
    "sessions",
    metadata,
    # One row per sign-in; the cookie carries a random token, the row only its SHA-256, so a
    # stolen database holds no usable session. Signing out sets ended_at.
    Column("id", Integer, primary_key=True, autoincrement=True),
    _user(),
    Column("token_hash", String(64), nullable=False, unique=True),
    # The browser's User-Agent, as the profile lists it.
    Column("client", String(200), nullable=False, server_default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    # Written at most every few minutes, in batches, off the request (hub/afterwards.py).
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Index("ix_sessions_user_id", "user_id"),
)

submissions = Table(
    "submissions",
    metadata,
    # One submission per paper: the key is the paper.
    _paper(primary_key=True),
    _user(),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_submissions_user_id", "user_id", "created_at"),
)

rate_limits = Table(
    "rate_limits",
    metadata,
    # Fixed windows: one row per (action and who, window start in seconds), shared by every
    # process of an installation.
    Column("key", String(200), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
)

saves = Table(
    "saves",
    metadata,
    _user(),
    _paper(),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime()),
    PrimaryKeyConstraint("user_id", "paper_pk"),
)

feedback = Table(
    "feedback",
    metadata,
    _user(),
    _paper(),
    # +1 "more like this", -1 "less like this".
    Column("value", SmallInteger, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("user_id", "paper_pk"),
)

follows = Table(
    "follows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _user(),
    # author (as written on papers), category (arXiv), or search (a query).
    Column("kind", String(16), nullable=False),
    Column("value", String(300), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("user_id", "kind", "value", name="uq_follows_user_kind_value"),
)

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _user(),
    Column("name", String(100), nullable=False),
    Column("slug", String(100), nullable=False),
    Column("public", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("user_id", "slug", name="uq_collections_user_slug"),
)

collection_papers = Table(
    "collection_papers",
    metadata,
    Column(
        "collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"), nullable=False
    ),
    _paper(),
    Column("added_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("collection_id", "paper_pk"),
)

reader_models = Table(
    "reader_models",
    metadata,
    _user(primary_key=True),
    # The member's signal count this model was trained at (users.signals).
    Column("signals", BigInteger, nullable=False),
    Column("weights", LargeBinary, nullable=False),
    Column("positives", Integer, nullable=False),
    Column("negatives", Integer, nullable=False),
    Column("trained_at", UTCDateTime(), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    # The address in lower case: one subscription per mailbox, however it is typed.
    Column("email_key", String(320), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("frequency", String(8), nullable=False),
    Column("topics", JSON, nullable=False),
    Column("timezone", String(64), nullable=False),
    # pending (until the link in the confirmation is followed), active, paused, unsubscribed
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("confirmed_at", UTCDateTime()),
    Column("ended_at", UTCDateTime()),
    # Hard bounces in a row; a delivered message resets it.
    Column("bounces", Integer, nullable=False, server_default=text("0")),
    Column("note", Text),
    Index("ix_subscriptions_status", "status", "frequency"),
    Index("ix_subscriptions_user_id", "user_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # A digest or a confirmation names its subscription; a message about an account (its
    # address to confirm, a password reset) names its member instead.
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
    ),
    Column(
        "user_id", Integer, ForeignKey("users.id", ondelete="CASCADE", name="fk_outbox_user_id")
    ),
    # What the message is for: "daily:2026-02-03", "weekly:2026-02-02", "confirm:<nonce>",
    # "account:<nonce>".
    # Unique per subscriber: composing twice can never queue a second copy.
    Column("period", String(40), nullable=False),
    # queued, sent, failed, cancelled (its reader left before it went), or empty (nothing new:
    # composed, not sent)
    Column("status", String(12), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("subject", Text, nullable=False),
    # The whole RFC 5322 message, fixed when composed, so a re-send is the same bytes.
    Column("message", LargeBinary),
    Column("papers", Integer, nullable=False, server_default=text("0")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("error", Text),
    UniqueConstraint("subscription_id", "period", name="uq_outbox_subscription_period"),
    # Senders take the oldest queued row first: this walks queued rows in that order, however
    # many were sent before them.
    Index(
        "ix_outbox_queued",
        "id",
        sqlite_where=text("status = 'queued'"),
        postgresql_where=text("status = 'queued'"),
    ),
)

digest_papers = Table(
    "digest_papers",
    metadata,
    # Every paper a subscriber was sent, so that none is ever sent to them twice.
    Column(
        "subscription_id",
        Integer,
        ForeignKey("subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    _paper(),
    Column("outbox_id", Integer, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("subscription_id", "paper_pk"),
)

job_runs = Table(
    "job_runs",
    metadata,
    # One row per scheduled job: the fire time last handled, and a lease that lets one worker
    # of many run a job that must run alone.
    Column("name", String(120), primary_key=True),
    Column("last_fire", UTCDateTime()),
    Column("holder", String(120)),
    Column("lease_until", UTCDateTime()),
    Column("started_at", UTCDateTime()),
    Column("finished_at", UTCDateTime()),
    Column("outcome", Text),
)
