"""Members through the hub: accounts, sign-in sessions, API tokens, upvotes, comments, profiles."""

from __future__ import annotations

import time as clock
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dailypapers import accounts
from dailypapers.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from dailypapers.hub.base import HubBase, comment_text, not_here
from dailypapers.models import ApiToken, Comment, Paper, SignIn, User, Vote
from dailypapers.store import Transaction

MAX_TOKEN_NAME = 100


@dataclass(slots=True)
class Profile:
    """A member's page: who they are, what they upvoted and what they submitted."""

    user: User
    upvoted: list[Paper]
    submitted: list[Paper]


class Community(HubBase):
    """The members' part of the hub."""

    if TYPE_CHECKING:  # from the personal part (``personal.py``)

        def retrain_member(self, user_id: int) -> None: ...

    if TYPE_CHECKING:  # from the membership part (``membership.py``)

        def require_confirmed(self, user: User) -> None: ...

    if TYPE_CHECKING:  # from the notifications part (``notifications.py``)

        def _notify(
            self, tx: Transaction, comment_id: int, text: str, now: datetime
        ) -> list[int]: ...

        def _mail_at_once(self, made: Sequence[int]) -> None: ...

    # -- accounts -------------------------------------------------------------------------------

    def create_user(
        self, name: str, email: str, password: str | None = None, role: str = "member"
    ) -> User:
        """A new member, their address taken as confirmed (an admin's or a script's account;
        people sign up with ``sign_up``); Conflict when the name or email is taken,
        InvalidInput when malformed or for an unknown role.

        Without a password the account cannot sign in until one is set (scripts' accounts).
        """
        name, email = accounts.check_name(name), accounts.check_email(email)
        role = accounts.check_role(role)
        hashed = accounts.hash_password(accounts.check_password(password)) if password else None
        with self.store.transaction() as tx:
            return tx.accounts.create_user(name, email, hashed, role)

    def authenticate(self, login: str, password: str) -> User:
        """The member whose name or email is ``login``, if ``password`` is theirs; Unauthorized
        when it is not (the same for a name that does not exist)."""
        with self.store.read() as tx:
            found = tx.accounts.credentials(login)
        stored = found[1] if found else None
        if not accounts.verify_password(stored, password) or found is None:
            raise Unauthorized("that name or email and password do not match an account")
        user, stored = found
        if stored and accounts.needs_rehash(stored):
            with self.store.transaction() as tx:
                tx.accounts.set_password_hash(user.id, accounts.hash_password(password))
        return user

    def create_token(self, user: User, name: str) -> tuple[str, ApiToken]:
        """A new API token for ``user``: (the secret, shown only now; what the profile lists).
        InvalidInput for a name that is empty or too long."""
        name = name.strip()
        if not name or len(name) > MAX_TOKEN_NAME:
            raise InvalidInput(f"a token needs a name of 1 to {MAX_TOKEN_NAME} characters")
        secret, digest, prefix = accounts.new_token()
        with self.store.transaction() as tx:
            return secret, tx.accounts.add_token(user.id, name, digest, prefix)

    def tokens(self, user: User) -> list[ApiToken]:
        """``user``'s API tokens, oldest first; raises nothing."""
        with self.store.read() as tx:
            return tx.accounts.tokens(user.id)

    def revoke_token(self, user: User, which: str) -> int:
        """Revoke ``user``'s live tokens with that name, id or prefix; NotFound when none."""
        with self.store.transaction() as tx:
            revoked = tx.accounts.revoke_token(user.id, which.strip())
        if not revoked:
            raise NotFound(f"{user.name} has no live API token {which!r}")
        return revoked

    def user_for_token(self, token: str) -> User:
        """The owner of a live API token; Unauthorized for any other. A read: its use is noted
        and written later (``afterwards.py``)."""
        with self.store.read() as tx:
            found = tx.accounts.token_owner(accounts.token_hash(token))
        if found is None:
            raise Unauthorized("the API token is not valid (revoked, or never issued)")
        user, token_id, last_used = found
        self._seen("token", token_id, last_used)
        return user

    # -- sign-in sessions -----------------------------------------------------------------------

    def sign_in(self, user: User, client: str = "") -> str:
        """A new session for ``user`` (``client``: the browser, as they will see it listed);
        the token its cookie carries. Forbidden while they are suspended."""
        now = datetime.now(UTC)
        if user.suspended_until is not None and user.suspended(now):
            lasting = accounts.suspension(user.suspended_until)
            raise Forbidden(
                "this account is banned"
                if user.suspended_until >= accounts.BANNED
                else f"this account is suspended {lasting}"
            )
        token, digest = accounts.new_session_token()
        with self.store.transaction() as tx:
            tx.accounts.start_session(user.id, digest, " ".join(client.split()), datetime.now(UTC))
        return token

    def session_member(self, token: str) -> tuple[User, int] | None:
        """(member, session id) of the live session ``token`` names, or None: one read. Raises
        nothing."""
        with self.store.read() as tx:
            found = self._live_session(tx, token)
        return None if found is None else (found.user, found.session_id)

    def sign_out(self, token: str) -> None:
        """End the session ``token`` names (its cookie is worth nothing after). Raises nothing."""
        with self.store.transaction() as tx:
            tx.accounts.end_session(accounts.token_hash(token), datetime.now(UTC))

    def sign_ins(self, user: User) -> list[SignIn]:
        """The member's live sessions, the most recently used first. Raises nothing."""
        with self.store.read() as tx:
            return tx.accounts.sessions(user.id, self._session_start())

    def end_sign_in(self, user: User, session_id: int) -> None:
        """End one of the member's sessions; NotFound when it is not a live one of theirs."""
        with self.store.transaction() as tx:
            ended = tx.accounts.end_session_id(user.id, session_id, datetime.now(UTC))
        if not ended:
            raise NotFound(f"you have no live session {session_id}")

    def sign_out_everywhere(self, user: User) -> int:
        """End every session of the member; how many there were. Raises nothing."""
        with self.store.transaction() as tx:
            return tx.accounts.end_sessions(user.id, datetime.now(UTC))

    def change_password(
        self, user: User, current: str, new: str, keep_session: int | None = None
    ) -> int:
        """Set a new password when ``current`` is the member's; every session but
        ``keep_session`` ends. InvalidInput when ``current`` is wrong or ``new`` is no password;
        how many sessions ended."""
        self.require_password(user, current, "the current password is not right")
        hashed = accounts.hash_password(accounts.check_password(new))
        with self.store.transaction() as tx:
            tx.accounts.set_password_hash(user.id, hashed)
            return tx.accounts.end_sessions(user.id, datetime.now(UTC), keep_session)

    # -- votes and comments ---------------------------------------------------------------------

    def vote(self, user: User, ident: str, on: bool = True) -> Vote:
        """Upvote a paper (or take the vote back); the vote and the paper's new count.
        Idempotent. NotFound for an unknown paper, RateLimited past ``limit_votes``."""
        key = self._key_of(ident)
        allowance = self.allowance("vote", f"user:{user.id}", self.newcomer(user))
        # The allowance is counted in the vote's own transaction: one write, not two.
        with self.store.transaction() as tx:
            found = tx.papers.key(key)
            if found is None:
                raise not_here(ident)
            pk, paper_id, shown, _ = found
            tx.community.check_allowance(allowance, clock.time())
            changed, count = tx.community.set_vote(user.id, pk, on)
        if changed:
            self.afterwards.retrain_soon(user.id, self.retrain_member)
        return Vote(paper_id, shown + count, on)

    def comment(self, user: User, ident: str, text: str, parent_id: int | None = None) -> Comment:
        """Post a comment (the text as typed; pages escape it when they show it), held for a
        moderator when the spam defences say so (``held_for`` tells why). InvalidInput for an
        empty or too long text or a parent on another paper, NotFound for an unknown paper or
        parent, RateLimited past ``limit_comments`` (``limit_comments_new`` for a newcomer),
        Forbidden for a member who has not confirmed their address."""
        text = comment_text(text)
        self.require_confirmed(user)
        key = self._key_of(ident)
        allowance = self.allowance("comment", f"user:{user.id}", self.newcomer(user))
        held_for = self.hold_for(user, text)
        # The paper is looked up and the allowance counted in the comment's own transaction:
        # one turn at the writers' lock, and a lock a moderator puts on meanwhile holds.
        with self.store.transaction() as tx:
            paper = tx.papers.key(key)
            if paper is None:
                raise not_here(ident)
            if paper.closed:
                raise Forbidden("this discussion is locked: it takes no new comments")
            tx.community.check_allowance(allowance, clock.time())
            comment_id = tx.community.add_comment(user.id, paper.pk, text, parent_id, held_for)
            told = [] if held_for else self._notify(tx, comment_id, text, datetime.now(UTC))
        self._mail_at_once(told)
        # Read after the commit: the write held the change sequence's row, every writer's.
        with self.store.read() as tx:
            found = tx.community.comment(comment_id)
        assert found is not None
        return found[0]

    def profile(self, name: str, limit: int = 100) -> Profile:
        """A member's page; NotFound when there is no member ``name``."""
        user = self.user_named(name)
        with self.store.read() as tx:
            upvoted = tx.papers.in_order(tx.community.upvoted_by(user.id, limit))
            submitted = tx.papers.in_order(tx.community.submitted_by(user.id, limit))
        return Profile(user, upvoted, submitted)
