"""Subscriptions and digests: who gets what, composed into the outbox and sent over SMTP.

The flow (DESIGN.md, "Digest"): ``compose_digests(kind, day)`` writes one outbox row per active
subscriber and period, unique, with the message fixed as bytes and the papers in it recorded so
none is sent to them again; ``send_due`` hands due rows to SMTP one at a time and marks each.
Both are idempotent: a rerun composes nothing twice and sends nothing already sent.

A digest for a day covers the daily lists of the days before it (the newest listed day before
it and a few before that: Monday's covers the weekend), ranked by the trending formula as of the
end of that newest day; a reader with an account also gets their For you picks, what they follow
and their saved searches, each section only when it has papers.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parseaddr
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dailypapers.accounts import check_email
from dailypapers.errors import InvalidInput, NotFound, Unavailable
from dailypapers.hub.base import HubBase
from dailypapers.hub.lists import check_day
from dailypapers.hub.personal import ForYou, follow_reason
from dailypapers.hub.sending import claims_for
from dailypapers.mail.compose import (
    FREQUENCIES,
    Digest,
    Item,
    Section,
    Window,
    choose,
    matches_topic,
    period_key,
    window,
)
from dailypapers.mail.links import make_token, read_token
from dailypapers.mail.render import (
    Envelope,
    domain_of,
    message_id,
    render_confirmation,
    render_digest,
)
from dailypapers.mail.sending import send_due
from dailypapers.mail.smtp import Mailer, parse_smtp_url
from dailypapers.models import Delivery, Follow, OutboxItem, Paper, Subscription, User
from dailypapers.ranking.interest import Interest
from dailypapers.ranking.trending import trending
from dailypapers.store import Signals

log = logging.getLogger("dailypapers.mail")

# Subscriptions composed per outbox transaction.
COMPOSE_PAGE = 500
# How often a sender running beside the composer looks for newly composed messages.
SEND_POLL_S = 0.05
# Papers in each personal section, at most.
PERSONAL_SIZE = 6
# Notifications a daily digest tells of at most: each one it holds is marked told, so the
# section is never cut shorter than what was read for it.
NOTES_PER_DIGEST = 20
MAX_TOPICS = 10
MAX_TOPIC = 100


def _now() -> datetime:
    return datetime.now(UTC)


def check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {name!r}; use an IANA name like Europe/Paris"
        ) from exc
    return name


def check_topics(topics: Sequence[str]) -> list[str]:
    kept = list(dict.fromkeys(" ".join(t.split()) for t in topics if t and t.strip()))
    if len(kept) > MAX_TOPICS:
        raise InvalidInput(f"at most {MAX_TOPICS} topics, got {len(kept)}")
    for topic in kept:
        if len(topic) > MAX_TOPIC:
            raise InvalidInput(f"a topic has at most {MAX_TOPIC} characters: {topic[:40]!r}…")
    return kept


def check_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise InvalidInput(f"frequency must be one of {', '.join(FREQUENCIES)}, not {frequency!r}")
    return frequency


@dataclass(frozen=True, slots=True)
class _Note:
    """A notification a digest tells of: its id, its paper's key, and what it says."""

    id: int
    pk: int
    reason: str


@dataclass(slots=True)
class _Run:
    """What one composing run shares between its subscribers."""

    frame: Window | None
    trending: list[Paper] = field(default_factory=list)
    papers: dict[int, Paper] = field(default_factory=dict)
    # Of the page of subscribers being composed: their signals and current models.
    signals: dict[int, Signals] = field(default_factory=dict)
    models: dict[int, Interest] = field(default_factory=dict)
    follows: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    topics: dict[str, set[int]] = field(default_factory=dict)
    # Members' notifications a daily digest tells of, by member, and those each digest told.
    notes: dict[int, list[_Note]] = field(default_factory=dict)
    told: dict[int, list[int]] = field(default_factory=dict)


class Mailing(HubBase):
    """The mail part of the hub."""

    if TYPE_CHECKING:  # from the personal part (``personal.py``)

        def for_you(
            self,
            user: User,
            since: date | None = None,
            limit: int = 30,
            days: int = ...,
            until: date | None = None,
            signals: Signals | None = None,
            at_hand: Mapping[int, Paper] | None = None,
            model: Interest | None = None,
        ) -> ForYou: ...

        def follow_matches(self, follow: Follow, since: date, until: date) -> list[int]: ...

    # -- subscriptions --------------------------------------------------------------------------

    @property
    def mail_enabled(self) -> bool:
        """Whether this site sends email (``smtp_url`` is set). Raises nothing."""
        return bool(self.settings.smtp_url.strip())

    def _require_mail(self) -> None:
        if not self.mail_enabled:
            raise Unavailable(
                "this site sends no email: its administrator has not set DAILYPAPERS_SMTP_URL"
            )

    def subscribe(
        self,
        email: str,
        frequency: str = "daily",
        topics: Sequence[str] = (),
        timezone: str | None = None,
        user: User | None = None,
        client: str = "local",
    ) -> Subscription:
        """Ask for digests at ``email``: a confirmation goes out, and nothing else until its link
        is followed. The answer is the same whether or not the address was subscribed.

        A signed-in ``user`` gets their own sections (For you, follows) only in a digest to their
        account's address: another address's owner must not receive, or let them steer, a
        digest made from their account.

        Unavailable when the site sends no email; InvalidInput for a malformed address,
        frequency, topic or time zone; RateLimited past ``limit_subscribe`` (per client) or
        ``limit_confirmations`` (per address).
        """
        self._require_mail()
        email = check_email(email)
        frequency = check_frequency(frequency)
        topics = check_topics(topics)
        zone = check_zone(timezone or self.settings.timezone)
        self.limit("subscribe", f"client:{client}")
        now = _now()
        owner = user.id if user is not None and user.email.lower() == email.lower() else None
        with self.store.transaction() as tx:
            subscription, pending = tx.outbox.request_subscription(
                email, owner, frequency, topics, zone, now
            )
        if pending:
            self.limit("confirmation", f"email:{email.lower()}")
            self._queue_confirmation(subscription, now)
        return subscription

    def confirm(self, token: str) -> Subscription:
        """Start the subscription a confirmation link names; InvalidInput for a link that is
        not one or one that was ended since, NotFound when its subscription is gone."""
        subscription = self._from_token("confirm", token)
        if subscription.status == "unsubscribed":
            raise InvalidInput("this subscription was ended since; subscribe again to restart it")
        return self._set_status(subscription, "active")

    def _set_status(self, subscription: Subscription, status: str) -> Subscription:
        with self.store.transaction() as tx:
            done = tx.outbox.set_subscription_status(subscription.id, status, _now())
        return done or subscription

    def to_confirm(self, token: str) -> Subscription:
        """The subscription a confirmation link names, changing nothing (a page shows it);
        Forbidden for a link that was altered or cut short, InvalidInput for an expired one,
        NotFound when its subscription is gone."""
        return self._from_token("confirm", token)

    def unsubscribe(self, token: str) -> Subscription:
        """End the subscription a manage link names (again: no change); Forbidden for a link
        that was altered or cut short, InvalidInput for an expired one, NotFound when its
        subscription is gone."""
        subscription = self._from_token("manage", token)
        if subscription.status == "unsubscribed":
            return subscription
        return self._set_status(subscription, "unsubscribed")

    def subscription_for(self, token: str) -> Subscription:
        """The subscription a manage link in a message names; raises as ``unsubscribe``."""
        return self._from_token("manage", token)

    def subscription_of(self, user: User) -> Subscription | None:
        """The newest subscription of ``user``'s, if any. Raises nothing."""
        with self.store.read() as tx:
            return tx.outbox.subscription_of_user(user.id)

    def subscriptions(self) -> list[Subscription]:
        """Every subscription, in the order they came. Raises nothing."""
        with self.store.read() as tx:
            return tx.outbox.all_subscriptions()

    def digest_zones(self) -> list[str]:
        """The time zones digests go out in: the site's and its active subscribers'. Raises
        nothing."""
        with self.store.read() as tx:
            return sorted({*tx.outbox.active_timezones(), self.settings.timezone})

    def subscription_by_email(self, email: str) -> Subscription | None:
        """The subscription of address ``email``, or None; raises nothing."""
        with self.store.read() as tx:
            return tx.outbox.subscription_by_email(email)

    def change_subscription(
        self,
        subscription: Subscription,
        frequency: str | None = None,
        topics: Sequence[str] | None = None,
        timezone: str | None = None,
    ) -> Subscription:
        """Change what a subscription gets; InvalidInput for a malformed frequency, topic or
        time zone."""
        frequency = check_frequency(frequency) if frequency is not None else None
        topics = check_topics(topics) if topics is not None else None
        timezone = check_zone(timezone) if timezone is not None else None
        with self.store.transaction() as tx:
            tx.outbox.update_subscription(subscription.id, frequency, topics, timezone)
            return tx.outbox.subscription(subscription.id) or subscription

    def end_subscription(self, subscription: Subscription) -> Subscription:
        """End ``subscription`` (unsubscribed; nothing more is sent to it); raises nothing."""
        return self._set_status(subscription, "unsubscribed")

    def manage_token(self, subscription: Subscription) -> str:
        """The signed token of ``subscription``'s manage link; ConfigError without a secret key."""
        return make_token(
            self.settings.require_secret(), "manage", subscription.id, subscription.email
        )

    def _from_token(self, purpose: str, token: str) -> Subscription:
        subscription_id, email = read_token(self.settings.require_secret(), purpose, token)
        with self.store.read() as tx:
            subscription = tx.outbox.subscription(subscription_id)
        if subscription is None or subscription.email.lower() != email:
            raise NotFound("this subscription no longer exists; subscribe again from any page")
        return subscription

    def _message_id(self, subscription: Subscription, period: str) -> str:
        secret = self.settings.require_secret()
        return message_id(secret, subscription.id, period, domain_of(self.settings.sender))

    def _envelope(self, subscription: Subscription, period: str) -> Envelope:
        base = self.settings.base_url.rstrip("/")
        token = self.manage_token(subscription)
        return Envelope(
            sender=self.settings.sender,
            recipient=subscription.email,
            message_id=self._message_id(subscription, period),
            manage_url=f"{base}/subscription?token={token}",
            unsubscribe_url=f"{base}/unsubscribe?token={token}",
        )

    def _queue_confirmation(self, subscription: Subscription, now: datetime) -> None:
        period = f"confirm:{secrets.token_hex(8)}"
        envelope = self._envelope(subscription, period)
        token = make_token(
            self.settings.require_secret(), "confirm", subscription.id, subscription.email
        )
        base = self.settings.base_url.rstrip("/")
        message = render_confirmation(
            envelope,
            f"{base}/subscriptions/confirm?token={token}",
            subscription.frequency,
            list(subscription.topics),
            base,
            now,
        )
        confirmation = {
            "subscription_id": subscription.id,
            "period": period,
            "status": "queued",
            "recipient": subscription.email,
            "message_id": envelope.message_id,
            "subject": "Confirm your Daily Papers digest",
            "message": message,
        }
        with self.store.transaction() as tx:
            tx.outbox.queue([confirmation], now)

    # -- composing ------------------------------------------------------------------------------

    def today(self, zone: str | None = None) -> date:
        """Today in ``zone`` (default: the site's time zone); ZoneInfoNotFoundError for an
        unknown ``zone``."""
        return datetime.now(ZoneInfo(zone or self.settings.timezone)).date()

    def compose_digests(self, kind: str, day: date, timezone: str | None = None) -> dict[str, int]:
        """Queue ``kind`` digests for ``day`` for every active subscriber of that frequency (in
        ``timezone``, if given) who has none yet: {"composed": n, "skipped": m (nothing new)}.
        InvalidInput for an unknown ``kind`` or a ``day`` out of range."""
        check_day(day)
        period = period_key(kind, day)
        run = self._run(kind, day)
        counts = {"composed": 0, "skipped": 0}
        after = 0
        while True:
            with self.store.read() as tx:
                page = tx.outbox.active_subscriptions(kind, timezone, after, COMPOSE_PAGE)
                done = tx.outbox.already_composed([s.id for s in page], period)
            if not page:
                break
            after = page[-1].id
            todo = [s for s in page if s.id not in done]
            if not todo:
                continue
            now = _now()
            digests = self._digests(todo, period, run)
            messages = [self._outbox_row(digest, now) for digest in digests]
            with self.store.transaction() as tx:
                added = tx.outbox.queue(messages, now)
                # With the message that tells of them, and only then: a rerun tells nothing twice.
                told = [
                    note
                    for digest, new in zip(digests, added, strict=True)
                    if new
                    for note in run.told.get(digest.subscription.id, ())
                ]
                tx.notifications.mark_mailed(told, now)
            for digest, new in zip(digests, added, strict=True):
                if new:
                    counts["composed" if digest.sections else "skipped"] += 1
        log.info("%s: %s", period, counts)
        return counts

    def _run(self, kind: str, day: date) -> _Run:
        frame = window(kind, day, self.latest_day(day - timedelta(days=1)))
        if frame is None:
            return _Run(None)
        with self.store.read() as tx:
            papers = tx.lists.between(frame.first, frame.last)
        ranked = trending(papers, self.as_of(frame.last), self.gravity)
        return _Run(frame, [paper for paper, _ in ranked], {paper.pk: paper for paper in papers})

    def _digests(self, subscriptions: list[Subscription], period: str, run: _Run) -> list[Digest]:
        frame = run.frame
        if frame is None:
            empty = Window("daily", date.min, date.min, date.min)
            return [Digest(s, period, empty, []) for s in subscriptions]
        with self.store.read() as tx:
            members = tx.accounts.users([s.user_id for s in subscriptions if s.user_id])
            run.signals = tx.library.signals_of(list(members))
            models = tx.library.load_models(list(members))
        run.models = {
            user_id: Interest.from_bytes(weights, positives, negatives)
            for user_id, (count, weights, positives, negatives) in models.items()
            if count == run.signals[user_id].count  # current: trained on these signals
        }
        if frame.kind == "daily":
            self._notes(run, [user for user in members.values() if user.notify_email == "digest"])
        candidates = {s.id: self._sections(s, run, members) for s in subscriptions}
        pks = list(
            {i.paper.pk for sections in candidates.values() for s in sections for i in s.items}
        )
        with self.store.read() as tx:
            sent = tx.outbox.papers_sent([s.id for s in subscriptions], pks)
        limits = {"trending": self.settings.digest_size, "answers": NOTES_PER_DIGEST}
        return [
            Digest(s, period, frame, choose(candidates[s.id], sent[s.id], limits, PERSONAL_SIZE))
            for s in subscriptions
        ]

    def _sections(
        self, subscription: Subscription, run: _Run, members: dict[int, User]
    ) -> list[Section]:
        papers = run.trending
        title = "Trending"
        if subscription.topics:
            wanted: set[int] = set()
            for topic in subscription.topics:
                if topic not in run.topics:
                    run.topics[topic] = {p.pk for p in run.trending if matches_topic(p, topic)}
                wanted |= run.topics[topic]
            papers = [p for p in papers if p.pk in wanted]
            title = f"Trending in {', '.join(subscription.topics)}"
        sections = [Section("trending", title, [Item(p) for p in papers])]
        user = members.get(subscription.user_id) if subscription.user_id else None
        if user is not None:
            if notes := run.notes.get(user.id):
                items = [Item(run.papers[n.pk], n.reason) for n in notes]
                sections.insert(0, Section("answers", "What concerns you", items))
                run.told[subscription.id] = [n.id for n in notes]
            sections += self._personal(user, run)
        return sections

    def _notes(self, run: _Run, users: list[User]) -> None:
        """The notifications a daily digest tells of to ``users`` (members who want them
        there), with their papers."""
        if not users:
            return
        with self.store.read() as tx:
            found = tx.notifications.to_mail([user.id for user in users], NOTES_PER_DIGEST)
            ids = {note.paper_id for notes in found.values() for note in notes}
            papers = tx.papers.by_id(sorted(ids))
        run.papers.update((paper.pk, paper) for paper in papers.values())
        for user_id, notes in found.items():
            run.notes[user_id] = [
                _Note(note.id, papers[note.paper_id].pk, note.said)
                for note in notes
                if note.paper_id in papers
            ]

    def _personal(self, user: User, run: _Run) -> list[Section]:
        frame = run.frame
        assert frame is not None
        signals = run.signals[user.id]
        if not signals.positives and not signals.follows:
            return []
        sections: list[Section] = []
        if signals.positives:
            picks = self.for_you(
                user,
                since=frame.first,
                until=frame.last,
                limit=PERSONAL_SIZE * 3,
                signals=signals,
                at_hand=run.papers,
                model=run.models.get(user.id),
            )
            if picks.basis == "model":
                items = [Item(pick.paper, pick.reason) for pick in picks.picks]
                sections.append(Section("for-you", "For you", items))
        follows = [f for f in signals.follows if f.kind != "search"]
        searches = [f for f in signals.follows if f.kind == "search"]
        for key, title, chosen in (
            ("following", "From what you follow", follows),
            ("searches", "Your saved searches", searches),
        ):
            if chosen:
                sections.append(Section(key, title, self._followed(chosen, run)))
        return sections

    def _followed(self, follows: list[Follow], run: _Run) -> list[Item]:
        frame = run.frame
        assert frame is not None
        reasons: dict[int, str] = {}
        for follow in follows:
            key = (follow.kind, follow.value)
            if key not in run.follows:
                run.follows[key] = self.follow_matches(follow, frame.first, frame.last)
            for pk in run.follows[key][: PERSONAL_SIZE * 3]:
                reasons.setdefault(pk, follow_reason(follow))
        if missing := [pk for pk in reasons if pk not in run.papers]:
            with self.store.read() as tx:
                run.papers.update(tx.papers.by_pk(missing))
        return [Item(run.papers[pk], reason) for pk, reason in reasons.items() if pk in run.papers]

    def _outbox_row(self, digest: Digest, now: datetime) -> dict[str, Any]:
        subscription = digest.subscription
        row: dict[str, Any] = {
            "subscription_id": subscription.id,
            "period": digest.period,
            "recipient": subscription.email,
            "message_id": self._message_id(subscription, digest.period),
        }
        if not digest.sections:  # recorded, so that a rerun does not compose it again
            return {**row, "status": "empty", "subject": ""}
        envelope = self._envelope(subscription, digest.period)
        message = render_digest(digest, envelope, self.settings.base_url, now)
        return {
            **row,
            "status": "queued",
            "subject": digest.subject,
            "message": message,
            "papers": len(digest.papers),
            "paper_pks": [paper.pk for paper in digest.papers],
        }

    def preview_digest(
        self, who: str | User, kind: str = "daily", day: date | None = None
    ) -> tuple[Digest, EmailMessage]:
        """What a subscriber (by address) or a reader would get for ``day``; nothing is stored.
        NotFound for an address with no subscription."""
        if isinstance(who, User):
            found = self.subscription_of(who)
            subscription = found or Subscription(
                0, who.email, who.id, kind, (), self.settings.timezone, "preview", _now()
            )
        else:
            found = self.subscription_by_email(who)
            if found is None:
                raise NotFound(f"no subscription for {who!r}")
            subscription = found
        day = check_day(day) if day is not None else self.today(subscription.timezone)
        period = period_key(kind, day)
        digest = self._digests([subscription], period, self._run(kind, day))[0]
        raw = render_digest(
            digest, self._envelope(subscription, period), self.settings.base_url, _now()
        )
        parsed = message_from_bytes(raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return digest, parsed

    # -- sending --------------------------------------------------------------------------------

    def send_due(self, limit: int | None = None, wait: bool = True) -> dict[str, int]:
        """Send what waits in the outbox and is due: {"sent", "retried", "failed"}, over
        ``smtp_connections`` connections at once. Without ``wait``, leave it to a sender already
        at work (a web request must not queue behind a whole digest run). A message the SMTP
        server refuses is counted, not raised; Unavailable without ``smtp_url``, ConfigError for
        a malformed one."""
        self._require_mail()
        server = parse_smtp_url(self.settings.smtp_url)
        sender = parseaddr(self.settings.sender)[1]
        with ExitStack() as stack:
            mailers = [
                stack.enter_context(Mailer(server, local_hostname=domain_of(self.settings.sender)))
                for _ in range(max(1, self.settings.smtp_connections))
            ]
            delivers = [partial(_deliver, mailer, sender) for mailer in mailers]
            with self.store.sending_turn(wait) as mine:
                if not mine:  # another sender is at work, and sends what is due meanwhile too
                    return {"sent": 0, "retried": 0, "failed": 0}
                take = claims_for(self.store, _now)
                counts = send_due(take, delivers, _now, self.settings.bounce_limit, limit)
        if any(counts.values()):
            log.info("outbox: %s", counts)
        return counts

    def send_digests(self, kind: str, day: date) -> dict[str, int]:
        """Compose ``kind`` digests for ``day`` and send everything due.

        Sending starts with the first page composed: a sender mostly waits for the SMTP
        server's replies, which leaves the processor to the composer. Raises what
        ``compose_digests`` and ``send_due`` raise.
        """
        self._require_mail()
        check_day(day)
        sent = {"sent": 0, "retried": 0, "failed": 0}
        composing = threading.Event()
        composing.set()
        failure: list[BaseException] = []

        def sending() -> None:
            try:
                while True:
                    last_pass = not composing.is_set()
                    counts = self.send_due()
                    for key, value in counts.items():
                        sent[key] += value
                    if last_pass or (counts["retried"] and not counts["sent"]):
                        return  # done, or the server is not taking messages now
                    if not any(counts.values()):
                        time.sleep(SEND_POLL_S)
            except BaseException as exc:  # raised again in the caller's thread
                failure.append(exc)

        sending_thread = threading.Thread(target=sending, name="dailypapers-sender")
        sending_thread.start()
        try:
            composed = self.compose_digests(kind, day)
        finally:
            composing.clear()
            sending_thread.join()
        if failure:
            raise failure[0]
        return {**composed, **sent}


def _deliver(mailer: Mailer, sender: str, item: OutboxItem) -> Delivery:
    return mailer.send(sender, item.recipient, item.message)
