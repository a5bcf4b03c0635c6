"""Author claims: a member says they are one of a paper's authors, a moderator verifies it (or
not), and from then on the paper names the member beside that author, the API says
``claimed_verified``, and the member's profile lists the paper.

A claim names the author as the paper writes them, matched by the folded name
(``text.name_key``). One member is one author of a paper, and an author of a paper is one member.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dailypapers.errors import Conflict, InvalidInput, NotFound, RateLimited
from dailypapers.hub.base import HubBase
from dailypapers.hub.moderation import check_reason
from dailypapers.models import AuthorClaim, Paper, User
from dailypapers.text import name_key

# Claims one member may have waiting at once: a real author has a few papers to claim at a
# time; more is someone filling the moderators' queue.
MAX_PENDING = 20


class Claims(HubBase):
    """The part of the hub that ties members to the papers they wrote."""

    if TYPE_CHECKING:  # from the membership and moderation parts

        def require_confirmed(self, user: User) -> None: ...

        def _require_moderator(self, user: User) -> None: ...

        def _tell(
            self, member: User, kind: str, reason: str, until: str = "", path: str = ""
        ) -> None: ...

    def claim_author(self, user: User, ident: str, author: str) -> AuthorClaim:
        """``user`` says they are the author ``author`` of paper ``ident``: a claim waiting for
        a moderator (the same claim again changes nothing; a rejected one waits again).

        NotFound for no such paper, InvalidInput when the paper has no such author or the
        member claims another of its authors already, Conflict when another member is
        verified as that author, RateLimited with MAX_PENDING claims waiting, Forbidden for
        a member who has not confirmed their address."""
        self.require_confirmed(user)
        paper = self.paper(ident)
        key = name_key(author)
        written = next((name for name in paper.authors or () if name_key(name) == key), None)
        if not key or written is None:
            raise InvalidInput(f"{paper.id} has no author {author!r}")
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            holder = tx.claims.holder(paper.pk, key)
            if holder is not None and holder != user.id:
                raise Conflict(f"another member is verified as {written}, author of {paper.id}")
            others = [c for c in tx.claims.own_on(paper.pk, user.id) if c.status != "rejected"]
            if any(name_key(claim.author_name) != key for claim in others):
                raise InvalidInput(f"you claim another author of {paper.id} already")
            if not others and tx.claims.pending_of(user.id) >= MAX_PENDING:
                raise RateLimited(
                    f"{MAX_PENDING} of your claims wait for a moderator already", 3600
                )
            claim_id = tx.claims.claim(paper.pk, user.id, key, written, now)
            claim = tx.claims.get(claim_id)
        assert claim is not None
        return claim

    def withdraw_claim(self, user: User, claim_id: int) -> None:
        """``user`` takes back a claim of theirs, verified or not. NotFound when it is not
        theirs (or not there)."""
        with self.store.transaction() as tx:
            if tx.claims.withdraw(claim_id, user.id) is None:
                raise NotFound(f"you have no claim {claim_id}")

    def pending_claims(self, moderator: User) -> list[AuthorClaim]:
        """The claims waiting for a moderator, oldest first. Forbidden but for moderators."""
        self._require_moderator(moderator)
        with self.store.read() as tx:
            return tx.claims.pending()

    def decide_claim(
        self, moderator: User, claim_id: int, verified: bool, reason: str = ""
    ) -> AuthorClaim:
        """A moderator verifies (``verified``) or rejects a waiting claim; logged, and the
        member told by mail. Forbidden but for moderators, NotFound for no such claim,
        InvalidInput for one decided already, without a reason to reject it, or for a claim
        on an author another member is verified as."""
        self._require_moderator(moderator)
        reason = check_reason(reason or ("" if not verified else "checked: the paper's author"))
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            claim = tx.claims.get(claim_id)
            if claim is None:
                raise NotFound(f"no claim {claim_id}")
            key = tx.papers.key(claim.paper_id)
            assert key is not None  # a claim goes with its paper
            holder = tx.claims.holder(key[0], name_key(claim.author_name))
            if verified and holder is not None:
                raise InvalidInput(f"another member is verified as {claim.author_name} already")
            action = "verify author claim" if verified else "reject author claim"
            target = f"claim {claim_id} on paper {claim.paper_id}"
            tx.moderation.log(moderator.id, action, target, reason, now)
            status = "verified" if verified else "rejected"
            if not tx.claims.decide(claim_id, status, moderator.id, reason, now):
                raise InvalidInput(f"claim {claim_id} is {claim.status} already")
            member = tx.accounts.named(claim.user)
            decided = tx.claims.get(claim_id)
        if member is not None:
            kind = "claim_verified" if verified else "claim_rejected"
            self._tell(member, kind, reason, path=f"/papers/{claim.paper_id}")
        assert decided is not None
        return decided

    def papers_written(self, user: User) -> list[Paper]:
        """The papers ``user`` is verified to have written, newest first. Raises nothing."""
        with self.store.read() as tx:
            pks = tx.claims.papers_of(user.id)
        return self.papers_in_order(pks)

    def own_claims(self, user: User) -> list[AuthorClaim]:
        """Every claim ``user`` made, the newest first. Raises nothing."""
        with self.store.read() as tx:
            return tx.claims.claims_of(user.id)
