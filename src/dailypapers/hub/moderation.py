"""Keeping the discussion usable: authors edit and delete their own comments, members report
comments and papers, and moderators let held comments through, hide and restore comments and
suspend or ban members, each action logged with its reason and the member concerned told by
mail.

A hidden comment vanishes for everyone but moderators, who see it marked; a deleted one shows
as "[deleted]" in its thread. Every earlier text of a comment is kept, for moderators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from dailypapers import accounts
from dailypapers.errors import Forbidden, InvalidInput, NotFound
from dailypapers.hub.base import HubBase, comment_text
from dailypapers.models import Comment, CommentVersion, LogEntry, Paper, Report, User
from dailypapers.store import Transaction
from dailypapers.text import clean

MAX_REASON = 1_000


def check_reason(reason: str) -> str:
    reason = " ".join(clean(reason).split())
    if not reason:
        raise InvalidInput("say why: a reason is required")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"a reason has at most {MAX_REASON:,} characters")
    return reason


class Moderation(HubBase):
    """The moderation part of the hub."""

    if TYPE_CHECKING:  # from the mailing part (``mailing.py``) and the membership part

        @property
        def mail_enabled(self) -> bool: ...

        def require_confirmed(self, user: User) -> None: ...

        def _mail_account(
            self, user: User, kind: str, url: str, detail: str = "", until: str = ""
        ) -> None: ...

    if TYPE_CHECKING:  # from the notifications part (``notifications.py``)

        def _notify(
            self, tx: Transaction, comment_id: int, text: str, now: datetime
        ) -> list[int]: ...

        def _mail_at_once(self, made: Sequence[int]) -> None: ...

    def comments(self, paper: Paper, viewer: User | None = None) -> list[Comment]:
        """The discussion of ``paper``, oldest comment first: hidden and held comments only for
        a moderator, and a held one for its author too. Raises nothing."""
        return self.discussion(paper, viewer)[0]

    def discussion(
        self, paper: Paper, viewer: User | None = None
    ) -> tuple[list[Comment], frozenset[str]]:
        """The discussion of ``paper`` as ``viewer`` sees it (``comments``), and the members
        whose comments on it wait for a moderator (whose page of it is theirs alone). Raises
        nothing."""
        with self.store.read() as tx:
            found = tx.community.comments(paper.pk, paper.id)
        held_by = frozenset(c.author for c in found if c.held and not c.hidden)
        if viewer is not None and viewer.is_moderator:
            return found, held_by
        name = viewer.name if viewer is not None else None
        shown = [c for c in found if not c.hidden and (not c.held or c.author == name)]
        return shown, held_by

    def find_comment(self, comment_id: int, viewer: User | None = None) -> Comment:
        """One comment, as ``viewer`` may see it; NotFound for none (or a hidden one, to any
        but a moderator, or a held one, to any but a moderator and its author)."""
        return self._comment(comment_id, viewer)[0]

    def held_comments(self, moderator: User) -> list[Comment]:
        """The comments waiting for a moderator to let them through, oldest first. Forbidden
        but for moderators."""
        self._require_moderator(moderator)
        with self.store.read() as tx:
            return tx.community.held()

    def let_through(self, moderator: User, comment_id: int, reason: str = "") -> Comment:
        """Show a held comment to everyone; logged, and its author told by mail. Forbidden but
        for moderators, NotFound for no such comment, InvalidInput for one that waits for
        nothing."""
        self._require_moderator(moderator)
        reason = check_reason(reason or "looked at: not spam")
        comment, paper_pk, author_id = self._comment(comment_id, moderator)
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            if not tx.community.let_through(comment_id, paper_pk):
                raise InvalidInput(f"comment {comment_id} is not waiting for a moderator")
            target = f"comment {comment_id}"
            tx.moderation.log(moderator.id, "let comment through", target, reason, now)
            author = tx.accounts.user(author_id)
            told = self._notify(tx, comment_id, comment.text, now)
        self._mail_at_once(told)
        if author is not None:
            path = f"/papers/{comment.paper_id}#comment-{comment_id}"
            self._tell(author, "approved", reason, path=path)
        return self.find_comment(comment_id, moderator)

    def comment_history(self, moderator: User, comment_id: int) -> list[CommentVersion]:
        """A comment's earlier texts, oldest first. Forbidden but for moderators, NotFound for
        no such comment."""
        self._require_moderator(moderator)
        self._comment(comment_id, moderator)
        with self.store.read() as tx:
            return tx.community.comment_versions(comment_id)

    def edit_comment(self, user: User, comment_id: int, text: str) -> Comment:
        """The author's new text for their comment (marked edited; the old text is kept).
        Forbidden for another member's comment, NotFound for none, InvalidInput for an empty or
        too long text or a deleted comment."""
        text = comment_text(text)
        _, paper_pk = self._own(user, comment_id)
        held_for = self.hold_for(user, text)  # an edit is looked at as a new comment is
        with self.store.transaction() as tx:
            tx.community.rewrite_comment(comment_id, paper_pk, text, datetime.now(UTC), held_for)
        return self.find_comment(comment_id, user)

    def delete_comment(self, user: User, comment_id: int) -> None:
        """The author takes their comment back: it shows as "[deleted]" in its thread (its
        replies stay). Forbidden for another member's, NotFound for none."""
        _, paper_pk = self._own(user, comment_id)
        with self.store.transaction() as tx:
            tx.community.rewrite_comment(comment_id, paper_pk, "", datetime.now(UTC))

    def report_comment(self, user: User, comment_id: int, reason: str) -> int:
        """Report a comment to the moderators; the report's id. Forbidden for a member who has
        not confirmed their address, NotFound for no such comment, InvalidInput without a
        reason, RateLimited past ``limit_comments`` reports a minute."""
        reason = check_reason(reason)
        self.require_confirmed(user)
        self._comment(comment_id, user)
        self.limit("report", f"user:{user.id}")
        with self.store.transaction() as tx:
            return tx.moderation.report(user.id, reason, datetime.now(UTC), comment_id=comment_id)

    def report_paper(self, user: User, ident: str, reason: str) -> int:
        """Report a paper to the moderators; the report's id. As ``report_comment`` raises."""
        reason = check_reason(reason)
        self.require_confirmed(user)
        paper = self.paper(ident)
        self.limit("report", f"user:{user.id}")
        with self.store.transaction() as tx:
            return tx.moderation.report(user.id, reason, datetime.now(UTC), paper_pk=paper.pk)

    def hide_comment(self, moderator: User, comment_id: int, reason: str) -> Comment:
        """Hide a comment from everyone but moderators, close its reports, log it and tell its
        author by mail. Forbidden but for moderators, NotFound for none, InvalidInput without
        a reason."""
        return self._set_hidden(moderator, comment_id, reason, True)

    def restore_comment(self, moderator: User, comment_id: int, reason: str) -> Comment:
        """Show a hidden comment again; logged, its author told. As ``hide_comment`` raises."""
        return self._set_hidden(moderator, comment_id, reason, False)

    def suspend(self, moderator: User, name: str, days: int | None, reason: str) -> User:
        """Suspend member ``name`` for ``days`` (None: a ban): they cannot sign in, and so not
        post, vote or submit; their sessions end and their API tokens are revoked; logged, and
        they are told by mail. Forbidden but for moderators, and for a moderator's or an
        admin's account but to admins, or one's own; NotFound for no such member;
        InvalidInput without a reason or for days outside 1 to 3650."""
        self._require_moderator(moderator)
        reason = check_reason(reason)
        if days is not None and not 1 <= days <= 3650:
            raise InvalidInput("a suspension lasts 1 to 3650 days, or for good (no days)")
        member = self.user_named(name)
        if member.id == moderator.id:
            raise Forbidden("you cannot suspend yourself")
        if member.is_moderator and not moderator.is_admin:
            raise Forbidden("only an admin may suspend a moderator or an admin")
        now = datetime.now(UTC)
        until = accounts.BANNED if days is None else now + timedelta(days=days)
        target = f"member {member.name}"
        with self.store.transaction() as tx:
            tx.accounts.suspend(member.id, until, now)
            action = "ban" if days is None else f"suspend {days} d"
            tx.moderation.log(moderator.id, action, target, reason, now)
        self._tell(member, "suspended", reason, accounts.suspension(until))
        return replace(member, suspended_until=until)

    def lift_suspension(self, moderator: User, name: str, reason: str) -> User:
        """Let a suspended member back in (their tokens stay revoked: they make new ones);
        logged, and they are told. As ``suspend`` raises, and InvalidInput when ``name`` is
        not suspended."""
        self._require_moderator(moderator)
        reason = check_reason(reason)
        member = self.user_named(name)
        now = datetime.now(UTC)
        if not member.suspended(now):
            raise InvalidInput(f"{member.name} is not suspended")
        if member.is_moderator and not moderator.is_admin:
            raise Forbidden("only an admin may lift a moderator's or an admin's suspension")
        with self.store.transaction() as tx:
            tx.accounts.suspend(member.id, None, now)
            tx.moderation.log(moderator.id, "lift suspension", f"member {member.name}", reason, now)
        self._tell(member, "reinstated", reason)
        return replace(member, suspended_until=None)

    def remove_paper(self, moderator: User, ident: str, reason: str) -> Paper:
        """Take a paper off the lists, search, feeds and digests (it stays in the store, and
        its page is a moderator's only); its reports close; logged. Forbidden but for
        moderators, NotFound for no such paper, InvalidInput without a reason."""
        return self._moderate_paper(moderator, ident, reason, "remove paper", "removed", True)

    def restore_paper(self, moderator: User, ident: str, reason: str) -> Paper:
        """Put a removed paper back; logged. As ``remove_paper`` raises."""
        return self._moderate_paper(moderator, ident, reason, "restore paper", "removed", False)

    def lock_discussion(self, moderator: User, ident: str, reason: str) -> Paper:
        """Lock a paper's discussion: no new comments; logged. As ``remove_paper`` raises."""
        return self._moderate_paper(moderator, ident, reason, "lock discussion", "locked", True)

    def unlock_discussion(self, moderator: User, ident: str, reason: str) -> Paper:
        """Open a locked discussion again; logged. As ``remove_paper`` raises."""
        return self._moderate_paper(moderator, ident, reason, "unlock discussion", "locked", False)

    def shown_paper(self, ident: str, viewer: User | None = None) -> Paper:
        """The paper ``ident`` names, as its page shows it: NotFound for a removed paper but to
        moderators, and as ``paper`` raises."""
        paper = self.paper(ident)
        if paper.removed and not (viewer is not None and viewer.is_moderator):
            raise NotFound(f"no paper {ident!r} here (a moderator removed it)")
        return paper

    def dismiss_report(self, moderator: User, report_id: int, reason: str) -> None:
        """Close a report that needs no action, saying why (logged). Forbidden but for
        moderators, NotFound for no open report of that number, InvalidInput without a
        reason."""
        self._require_moderator(moderator)
        reason = check_reason(reason)
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            if not tx.moderation.dismiss(report_id, now):
                raise NotFound(f"no open report {report_id}")
            tx.moderation.log(moderator.id, "dismiss report", f"report {report_id}", reason, now)

    def open_reports(self, moderator: User) -> list[Report]:
        """The reports waiting for a moderator, oldest first. Forbidden but for moderators."""
        self._require_moderator(moderator)
        with self.store.read() as tx:
            return tx.moderation.open_reports()

    def moderation_log(self, moderator: User) -> list[LogEntry]:
        """What moderators did, newest first. Forbidden but for moderators."""
        self._require_moderator(moderator)
        with self.store.read() as tx:
            return tx.moderation.entries()

    # -- the parts ------------------------------------------------------------------------------

    def _require_moderator(self, user: User) -> None:
        if not user.is_moderator:
            raise Forbidden("only moderators may do this")

    def _comment(self, comment_id: int, viewer: User | None) -> tuple[Comment, int, int]:
        with self.store.read() as tx:
            found = tx.community.comment(comment_id)
        moderator = viewer is not None and viewer.is_moderator
        author = viewer is not None and found is not None and viewer.id == found[2]
        if found is None or (found[0].hidden and not moderator):
            raise NotFound(f"no comment {comment_id}")
        if found[0].held and not (moderator or author):
            raise NotFound(f"no comment {comment_id}")
        return found

    def _own(self, user: User, comment_id: int) -> tuple[Comment, int]:
        comment, paper_pk, author_id = self._comment(comment_id, user)
        if author_id != user.id:
            raise Forbidden("only its author may change a comment")
        if comment.deleted:
            raise InvalidInput("this comment was deleted")
        return comment, paper_pk

    def _set_hidden(self, moderator: User, comment_id: int, reason: str, hidden: bool) -> Comment:
        self._require_moderator(moderator)
        reason = check_reason(reason)
        comment, paper_pk, author_id = self._comment(comment_id, moderator)
        now = datetime.now(UTC)
        action = "hide comment" if hidden else "restore comment"
        with self.store.transaction() as tx:
            changed = tx.community.set_hidden(comment_id, paper_pk, hidden, now)
            if hidden:
                tx.moderation.resolve(now, comment_id=comment_id)
            if changed:
                tx.moderation.log(moderator.id, action, f"comment {comment_id}", reason, now)
            author = tx.accounts.user(author_id)
        if changed and author is not None:
            path = f"/papers/{comment.paper_id}#comment-{comment_id}"
            self._tell(author, "hidden" if hidden else "restored", reason, path=path)
        return self.find_comment(comment_id, moderator)

    def _tell(self, member: User, kind: str, reason: str, until: str = "", path: str = "") -> None:
        """Mail ``member`` what a moderator did (on a site that mails)."""
        if self.mail_enabled:
            url = f"{self.settings.base_url.rstrip('/')}{path or '/users/' + member.name}"
            self._mail_account(member, kind, url, reason, until)

    def _moderate_paper(
        self,
        moderator: User,
        ident: str,
        reason: str,
        action: str,
        mark: str,
        on: bool,
    ) -> Paper:
        self._require_moderator(moderator)
        reason = check_reason(reason)
        paper = self.paper(ident)
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            if mark == "removed" and on:
                tx.moderation.resolve(now, paper_pk=paper.pk)
            if tx.papers.moderate(paper.pk, mark, on, now):
                tx.moderation.log(moderator.id, action, f"paper {paper.id}", reason, now)
        return self.paper(paper.id)
