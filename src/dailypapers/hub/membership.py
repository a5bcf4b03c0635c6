"""Accounts people can recover: signing up with an address that is confirmed by mail, resetting
a forgotten password, changing address and display name, and members' roles.

On a site that sends mail, signing up answers the same whether or not the address has an
account (its owner is told by mail instead), so the form tells nobody who is a member; the new
member confirms the address by the link mailed to it, and may read, vote and save but not
comment or submit until then. A site without mail (a laptop's demo) cannot confirm anything:
its accounts count as confirmed, and a taken address is said so.

Links carry a signed token (``mail/links.py``): a reset link holds a fingerprint of the
password it replaces, so it works once, and for an hour.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dailypapers import accounts
from dailypapers.errors import Forbidden, InvalidInput
from dailypapers.hub.base import HubBase
from dailypapers.mail.links import make_token, read_token
from dailypapers.mail.render import (
    ACCOUNT_SUBJECTS,
    Envelope,
    domain_of,
    message_id,
    render_account,
)
from dailypapers.models import MemberData, User
from dailypapers.store import Transaction
from dailypapers.text import clean

log = logging.getLogger("dailypapers.hub")

MAX_DISPLAY_NAME = 80


def _resettable(tx: Transaction, user_id: int, stamp: str) -> User:
    """The member a reset link names, if their password is still the one it was made for."""
    user = tx.accounts.user(user_id)
    current = tx.accounts.password_hash(user_id) if user else None
    if user is None or accounts.password_stamp(current) != stamp:
        raise InvalidInput("this reset link was used already; ask for a new one")
    return user


class Membership(HubBase):
    """The accounts part of the hub: sign-up, confirmed addresses, password resets, roles."""

    if TYPE_CHECKING:  # from the mailing part (``mailing.py``)

        @property
        def mail_enabled(self) -> bool: ...

        def _require_mail(self) -> None: ...

    def sign_up(self, name: str, email: str, password: str) -> User | None:
        """A new member, or None when the address has an account already (its owner is sent a
        note saying so, with a link to reset their password). With mail, the new member waits
        for the link mailed to confirm the address; without it they count as confirmed, and
        a taken address is a Conflict.

        InvalidInput when malformed, Conflict for a name that is taken, RateLimited past
        ``limit_confirmations`` messages to one address a day."""
        name, email = accounts.check_name(name), accounts.check_email(email)
        # Hashed whichever way this goes: the time taken tells nothing either.
        hashed = accounts.hash_password(accounts.check_password(password))
        if not self.mail_enabled:
            with self.store.transaction() as tx:
                return tx.accounts.create_user(name, email, hashed)
        with self.store.transaction() as tx:
            owner = tx.accounts.by_email(email)
            created = None
            if owner is None:
                created = tx.accounts.create_user(name, email, hashed, verified=False)
        self.limit("confirmation", f"email:{email.lower()}")
        if created is None:
            assert owner is not None
            self._mail_account(owner, "taken", self._reset_url(owner))
            return None
        self._mail_account(created, "address", self._address_url(created))
        return created

    def resend_confirmation(self, user: User) -> None:
        """Mail ``user`` a new link to confirm their address. InvalidInput when it is confirmed
        already, Unavailable without mail, RateLimited past ``limit_confirmations``."""
        self._require_mail()
        if user.verified:
            raise InvalidInput("your address is confirmed already")
        self.limit("confirmation", f"email:{user.email.lower()}")
        self._mail_account(user, "address", self._address_url(user))

    def confirm_address(self, token: str) -> User:
        """Mark the address a confirmation link names as its member's; the member. Forbidden
        for a forged link, InvalidInput for an expired one, one used already, or one for an
        address the account no longer has."""
        user_id, email = read_token(self.settings.require_secret(), "address", token)
        with self.store.transaction() as tx:
            user = tx.accounts.user(user_id)
            if user is None or user.email.lower() != email:
                raise InvalidInput("this link is for an address its account no longer has")
            if user.verified:
                raise InvalidInput("this address is confirmed already: the link was used")
            tx.accounts.verify(user.id, email, datetime.now(UTC))
        return replace(user, verified=True)

    def forgot_password(self, email: str, client: str = "local") -> None:
        """Mail a password reset link to the member whose address is ``email``, if there is
        one; nothing tells whether there was. Unavailable without mail, InvalidInput for a
        malformed address, RateLimited past the per-client and per-address limits."""
        self._require_mail()
        email = accounts.check_email(email)
        self.limit("forgot", f"client:{client}")
        with self.store.read() as tx:
            user = tx.accounts.by_email(email)
        self.limit("confirmation", f"email:{email.lower()}")
        if user is not None:
            self._mail_account(user, "reset", self._reset_url(user))

    def reset_user(self, token: str) -> User:
        """The member a reset link is for, while it works. Forbidden for a forged link,
        InvalidInput for an expired one or one used already (the password changed since)."""
        user_id, stamp = read_token(self.settings.require_secret(), "reset", token)
        with self.store.read() as tx:
            return _resettable(tx, user_id, stamp)

    def reset_password(self, token: str, password: str) -> User:
        """Set the password of the member a reset link is for, and end every session of
        theirs; the member (whose address the link proved, so it counts as confirmed).
        What ``reset_user`` raises, and InvalidInput for a password too short or long."""
        user_id, stamp = read_token(self.settings.require_secret(), "reset", token)
        hashed = accounts.hash_password(accounts.check_password(password))
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            # Checked in the write: of two resets racing with one link, one wins.
            user = _resettable(tx, user_id, stamp)
            tx.accounts.set_password_hash(user.id, hashed)
            tx.accounts.end_sessions(user.id, now)
            tx.accounts.verify(user.id, user.email, now)
        return replace(user, verified=True)

    def set_password(self, name: str, password: str) -> int:
        """Set member ``name``'s password (an admin's doing, for a site without mail) and end
        every session of theirs; how many ended. NotFound for no such member, InvalidInput
        for a password too short or long."""
        user = self.user_named(name)
        hashed = accounts.hash_password(accounts.check_password(password))
        with self.store.transaction() as tx:
            tx.accounts.set_password_hash(user.id, hashed)
            return tx.accounts.end_sessions(user.id, datetime.now(UTC))

    def delete_account(self, user: User, password: str) -> None:
        """Delete ``user``'s account, when ``password`` is theirs: votes (the counts go down),
        saves, feedback, follows, collections, sessions and API tokens go, their subscription
        ends, and their comments stay in their threads as "[deleted]". InvalidInput when the
        password is not right."""
        self.require_password(user, password, "the password is not right")
        with self.store.transaction() as tx:
            touched = tx.accounts.erase(user.id, datetime.now(UTC))
            tx.papers.touch(touched)  # last: the change sequence's row is every writer's
        log.info("member %s deleted their account", user.id)

    def member_data(self, user: User) -> MemberData:
        """Everything the site keeps of ``user``, for them to take away. Raises nothing."""
        with self.store.read() as tx:
            upvoted = tx.papers.in_order(tx.community.upvoted_by(user.id, 1_000_000))
            saved = tx.library.saved(user.id)
            saved_papers = tx.papers.by_pk([pk for pk, *_ in saved])
            shelves = [
                (c, [p.id for p in tx.papers.in_order(tx.library.collection_pks(c.id))])
                for c in tx.library.collections(user.id, True)
            ]
            return MemberData(
                user,
                [paper.id for paper in upvoted],
                [(saved_papers[pk].id, at, read) for pk, at, read in saved if pk in saved_papers],
                tx.library.follows(user.id),
                shelves,
                tx.community.comments_by(user.id),
                tx.outbox.subscription_of_user(user.id),
                tx.claims.claims_of(user.id),
            )

    def set_display_name(self, user: User, display_name: str) -> User:
        """Show ``display_name`` beside the member's name (empty: their name alone); the
        member as they are now. InvalidInput for one too long."""
        shown = " ".join(clean(display_name).split()) or None
        if shown is not None and len(shown) > MAX_DISPLAY_NAME:
            raise InvalidInput(f"a display name has at most {MAX_DISPLAY_NAME} characters")
        with self.store.transaction() as tx:
            tx.accounts.set_display_name(user.id, shown)
        return replace(user, display_name=shown)

    def change_address(self, user: User, password: str, email: str) -> User | None:
        """Move the account to address ``email``, when ``password`` is the member's. With
        mail the new address is confirmed first, by a link mailed to it, and None comes back
        (the same whether or not another account has it: nothing is sent then); without mail
        it changes at once and the member comes back. InvalidInput for a wrong password, a
        malformed address or the one the account has, Conflict without mail when another
        account has it, RateLimited past ``limit_confirmations``."""
        self.require_password(user, password, "the password is not right")
        email = accounts.check_email(email)
        if email.lower() == user.email.lower():
            raise InvalidInput(f"{email} is this account's address already")
        if not self.mail_enabled:
            with self.store.transaction() as tx:
                tx.accounts.set_email(user.id, user.email, email, datetime.now(UTC))
            return replace(user, email=email, verified=True)
        self.limit("confirmation", f"email:{email.lower()}")
        with self.store.read() as tx:
            taken = tx.accounts.by_email(email) is not None
        if not taken:
            token = make_token(
                self.settings.require_secret(), "change", user.id, f"{user.email}\n{email}"
            )
            url = f"{self.settings.base_url.rstrip('/')}/confirm-address?change={token}"
            self._mail_account(replace(user, email=email), "change", url)
        return None

    def confirm_change(self, token: str) -> User:
        """Give the account the new address a change link names (confirmed by following it),
        and tell the old address; the member. Forbidden for a forged link, InvalidInput for an
        expired one, one used already, or one for an account whose address moved since,
        Conflict when another account took the address in the meantime."""
        user_id, stamp = read_token(self.settings.require_secret(), "change", token)
        old, _, new = stamp.partition("\n")
        with self.store.transaction() as tx:
            user = tx.accounts.user(user_id)
            if user is None or not tx.accounts.set_email(user_id, old, new, datetime.now(UTC)):
                raise InvalidInput("this link was used already, or the address changed since")
        self._mail_account(user, "changed", self._reset_url(user), detail=new)
        return replace(user, email=new, verified=True)

    def set_role(self, name: str, role: str) -> User:
        """Make member ``name`` a member, moderator or admin; the member as they are now.
        NotFound for no such member, InvalidInput for another role."""
        role = accounts.check_role(role)
        user = self.user_named(name)
        with self.store.transaction() as tx:
            tx.accounts.set_role(user.id, role)
        return replace(user, role=role)

    def require_confirmed(self, user: User) -> None:
        """Forbidden unless ``user`` confirmed their address (what commenting and submitting
        ask). Raises nothing else."""
        if not user.verified:
            raise Forbidden(
                f"confirm your address first: follow the link we mailed to {user.email} "
                "(your profile sends another)"
            )

    # -- the messages ---------------------------------------------------------------------------

    def _address_url(self, user: User) -> str:
        token = make_token(self.settings.require_secret(), "address", user.id, user.email)
        return f"{self.settings.base_url.rstrip('/')}/confirm-address?token={token}"

    def _reset_url(self, user: User) -> str:
        with self.store.read() as tx:
            stamp = accounts.password_stamp(tx.accounts.password_hash(user.id))
        token = make_token(self.settings.require_secret(), "reset", user.id, stamp)
        return f"{self.settings.base_url.rstrip('/')}/reset-password?token={token}"

    def _mail_account(
        self, user: User, kind: str, url: str, detail: str = "", until: str = ""
    ) -> None:
        """Queue a message of ``kind`` about ``user``'s account in the outbox (the web sends it
        at once; the worker retries what fails); ``detail``: a moderator's reason."""
        period = f"account:{secrets.token_hex(8)}"
        base = self.settings.base_url.rstrip("/")
        secret = self.settings.require_secret()
        envelope = Envelope(
            sender=self.settings.sender,
            recipient=user.email,
            message_id=message_id(secret, user.id, period, domain_of(self.settings.sender)),
            manage_url=f"{base}/users/{user.name}",
            unsubscribe_url=f"{base}/users/{user.name}",
        )
        now = datetime.now(UTC)
        message = {
            "subscription_id": None,
            "user_id": user.id,
            "period": period,
            "status": "queued",
            "recipient": user.email,
            "message_id": envelope.message_id,
            "subject": ACCOUNT_SUBJECTS[kind],
            "message": render_account(envelope, kind, user.name, url, base, now, detail, until),
        }
        with self.store.transaction() as tx:
            tx.outbox.queue([message], now)
        log.info("queued %s mail for member %s", kind, user.id)
