"""What an admin runs the site with: the morning's status (papers and members, the jobs, the
outbox, the indexes, what waits for a moderator, the disk), members' roles, and the site
settings (``site.py``) changed without touching a file. Each change is in the moderation log."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dailypapers import accounts
from dailypapers.errors import Forbidden, InvalidInput
from dailypapers.hub.base import HubBase
from dailypapers.hub.site import EDITABLE, HELP, check_value
from dailypapers.models import User

MAX_CHANGES = len(EDITABLE)


@dataclass(frozen=True, slots=True)
class SiteSetting:
    """One setting admins change: its value in force, the settings file's, and what it does."""

    name: str
    value: str
    file_value: str
    help: str

    @property
    def changed(self) -> bool:
        return self.value != self.file_value


def disk_used(directory: Path) -> int:
    """Bytes the files under ``directory`` take on disk (0 when it is not there)."""
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            try:
                stat = os.lstat(os.path.join(root, name))
            except OSError:  # removed while walking: an index merging its segments
                continue
            total += getattr(stat, "st_blocks", 0) * 512 or stat.st_size
    return total


class Admin(HubBase):
    """The admins' part of the hub."""

    if TYPE_CHECKING:  # from the search part (``search.py``)

        def unindexed(self, semantic: bool = False) -> int: ...

    def require_admin(self, user: User) -> None:
        """Forbidden but for admins. Raises nothing else."""
        if not user.is_admin:
            raise Forbidden("only admins may do this")

    def site_status(self) -> dict[str, Any]:
        """What an admin checks each morning, as plain data (the CLI prints it as JSON).
        Raises nothing."""
        now = datetime.now(UTC)
        with self.store.read() as tx:
            papers = tx.papers.counts()
            site = tx.site.counts()
            outbox = tx.outbox.counts()
            retrying = tx.outbox.retrying()
            jobs = tx.jobs.states()
            thumbnails = tx.thumbnails.counts()
            arxiv_metadata = tx.lookups.counts()
            github_stars = tx.stars.counts()
        return {
            "papers": papers["papers"],
            "removed_papers": site["removed_papers"],
            "members": site["members"],
            "upvotes": papers["upvotes"],
            "comments": papers["comments"],
            "jobs": [
                {
                    "name": job["name"],
                    "last_fire": _iso(job["last_fire"]),
                    "finished_at": _iso(job["finished_at"]),
                    "outcome": job["outcome"],
                    # A run in progress holds a lease, renewed until it ends.
                    "running": job["holder"] is not None
                    and job["lease_until"] is not None
                    and job["lease_until"] > now,
                    # The worker writes a failure as "failed: why" (and retries it later).
                    "failed": str(job["outcome"] or "").startswith("failed:"),
                }
                for job in jobs
            ],
            "outbox": {
                "queued": outbox.get("queued", 0) - retrying,
                "retrying": retrying,
                "failed": outbox.get("failed", 0),
                "sent": outbox.get("sent", 0),
            },
            "index_lag": {
                "lexical": self.unindexed(),
                "semantic": self.unindexed(semantic=True),
            },
            "open_reports": site["open_reports"],
            "held_comments": site["held_comments"],
            "pending_claims": site["pending_claims"],
            "thumbnails": thumbnails,
            "arxiv_metadata": arxiv_metadata,
            "github_stars": github_stars,
            "disk_bytes": disk_used(self.settings.data_dir),
            "database": self.store.dialect,
        }

    def members(self, admin: User, search: str = "", limit: int = 100) -> list[User]:
        """Members whose name or address holds ``search``: staff first, then the newest.
        Forbidden but for admins."""
        self.require_admin(admin)
        with self.store.read() as tx:
            return tx.accounts.members(" ".join(search.split()), limit)

    def change_role(self, admin: User, name: str, role: str, reason: str = "") -> User:
        """Make member ``name`` a member, moderator or admin, logged. Forbidden but for
        admins, and for their own role (an admin cannot lock the site out by mistake);
        NotFound for no such member, InvalidInput for an unknown role."""
        self.require_admin(admin)
        role = accounts.check_role(role)
        member = self.user_named(name)
        if member.id == admin.id:
            raise Forbidden("you cannot change your own role: ask another admin")
        if member.role == role:
            return member
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            tx.accounts.set_role(member.id, role)
            why = reason.strip() or f"was {member.role}"
            tx.moderation.log(admin.id, f"make {role}", f"member {member.name}", why[:1000], now)
        return replace(member, role=role)

    def site_settings_shown(self, admin: User) -> list[SiteSetting]:
        """The settings admins change, in force and in the file. Forbidden but for admins."""
        self.require_admin(admin)
        settings, base = self.settings, self.site_settings.base
        return [
            SiteSetting(name, str(getattr(settings, name)), str(getattr(base, name)), HELP[name])
            for name in EDITABLE
        ]

    def change_site_settings(self, admin: User, values: Mapping[str, str]) -> list[str]:
        """Set the site settings ``values`` names (a value equal to the settings file's goes
        back to following the file), logged; the names that changed. Every process has them
        within ``site.REREAD_S`` seconds, this one at once. Forbidden but for admins,
        InvalidInput naming the first setting that is not one admins change or whose value
        is not valid (then nothing is changed)."""
        self.require_admin(admin)
        if len(values) > MAX_CHANGES:
            raise InvalidInput(f"at most {MAX_CHANGES} settings at a time")
        checked = {name: check_value(name, raw) for name, raw in values.items()}
        current, base = self.settings, self.site_settings.base
        changes: dict[str, str | None] = {}
        for name, value in checked.items():
            if value == str(getattr(current, name)):
                continue
            changes[name] = None if value == str(getattr(base, name)) else value
        if not changes:
            return []
        now = datetime.now(UTC)
        with self.store.transaction() as tx:
            tx.site.set_settings(changes, admin.id, now)
            for name, change in changes.items():
                shown = str(getattr(base, name)) if change is None else change
                as_file = " (as in the settings file)" if change is None else ""
                note = f"{name} = {shown!r}{as_file}"
                tx.moderation.log(admin.id, "change setting", name, note[:1000], now)
        self.site_settings.forget()
        return list(changes)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
