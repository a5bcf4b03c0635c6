"""Pages every member shares: rendered once per version with marked places where members differ,
then filled in for each member.

A signed-in member's daily list, trending, search results or paper page differ from another
member's in a few places only: the buttons showing what they did (upvoted, saved, more or less
like this), their name and count of unread notifications in the header, their form token, and
on a paper's page the collections they may add it to. So such a page is rendered once per URL
and version of the store with those places marked (``Slots`` stands for the member's marks in
the templates: each button is rendered both ways), cut into a ``SharedPage`` (``split``), and
each member's copy is a join of its parts with their own marks chosen (``SharedPage.fill``): no
routing, no template, one read of the store for who they are and what they did.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

from markupsafe import Markup, escape

from dailypapers.hub import Hub, Marks
from dailypapers.kept import Kept
from dailypapers.models import User
from dailypapers.web.render import unread_badge

# Around a place rendered both ways: CHOICE "kind pk" PART off PART on CHOICE. Stored text never
# holds these controls (``text.py`` takes them out); a URL that does is not shared (``shareable``).
CHOICE = "\x1e"
PART = "\x1f"
MARKERS = frozenset("\x1d\x1e\x1f")
# The member's form token and name, and the options of their collections (on a paper's page).
CSRF = "\x1dcsrf\x1d"
NAME = "\x1dname\x1d"
_OPTIONS = "\x1doptions\x1d"
# The member's count of unread notifications, in the header.
UNREAD = "\x1dunread\x1d"
OPTIONS = f'<option value="{_OPTIONS}"></option>'
# The kinds of place, by number: what the member did to the paper, or (the last) whether they
# have a collection to add it to.
KINDS = ("voted", "saved", "more", "less", "collects")


@dataclass(slots=True)
class Slots(Marks):
    """Marks that leave each place to the member (``{% if marks is slots %}``): no paper is
    marked, ``either`` writes both renderings of a place, and ``options`` stands for the
    member's collections."""

    pks: set[int] = field(default_factory=set)
    collects: bool = False

    def either(self, kind: str, pk: int, off: str, on: str) -> Markup:
        self.pks.add(pk)
        return Markup(f"{CHOICE}{kind} {pk}{PART}{off}{PART}{on}{CHOICE}")

    @property
    def options(self) -> list[SimpleNamespace]:
        self.collects = True
        return [SimpleNamespace(slug=_OPTIONS, name="")]


# A page as the pieces a copy is joined from: text, a member's value by its number in VALUES,
# or a place (the kind's number in KINDS, the paper's pk, and the pieces of each rendering).
Piece = bytes | int
Place = tuple[int, int, tuple[Piece, ...], tuple[Piece, ...]]
VALUES = (CSRF, NAME, OPTIONS, UNREAD)
_VALUE = re.compile("(" + "|".join(re.escape(value) for value in VALUES) + ")")


def _pieces(text: str) -> list[Piece]:
    """``text`` cut at the members' values, each value as its number."""
    found: list[Piece] = []
    for number, piece in enumerate(_VALUE.split(text)):
        if number % 2:
            found.append(VALUES.index(piece))
        elif piece:
            found.append(piece.encode())
    return found


@dataclass(frozen=True, slots=True)
class SharedPage:
    """A page with its members' places marked, as the pieces each copy is joined from, and the
    papers whose marks it shows."""

    pieces: tuple[Piece | Place, ...]
    pks: tuple[int, ...]
    collects: bool
    size: int  # in characters: about the bytes it holds
    # The members whose comments on the page wait for a moderator: shown to them alone, so
    # their page is not this one.
    held_by: frozenset[str] = frozenset()

    def fill(self, marks: Marks, csrf: str, name: str) -> bytes:
        """This member's copy: their marks chosen, their token, name and collections in place."""
        options = "".join(
            f'<option value="{escape(c.slug)}">{escape(c.name)}</option>' for c in marks.collections
        )
        values = (
            csrf.encode(),
            str(escape(name)).encode(),
            options.encode(),
            str(unread_badge(marks.unread)).encode(),
        )
        voted, saved, given = marks.voted, marks.saved, marks.feedback
        out: list[bytes] = []
        append = out.append
        for piece in self.pieces:
            if isinstance(piece, bytes):
                append(piece)
            elif isinstance(piece, int):
                append(values[piece])
            else:
                kind, pk, off, on = piece
                if kind == 0:
                    pressed = pk in voted
                elif kind == 1:
                    pressed = pk in saved
                elif kind == 4:
                    pressed = bool(marks.collections)
                else:
                    pressed = given.get(pk, 0) == (1 if kind == 2 else -1)
                for part in on if pressed else off:
                    append(part if isinstance(part, bytes) else values[part])
        return b"".join(out)


def split(html: str, slots: Slots, held_by: frozenset[str] = frozenset()) -> SharedPage | None:
    """The page ``html`` rendered with ``slots`` (not for the members ``held_by`` names), cut
    at its marked places; None when its marks do not pair up (then the page is rendered for
    each member instead)."""
    texts = html.split(CHOICE)
    if len(texts) % 2 == 0:
        return None
    pieces: list[Piece | Place] = []
    for number, text in enumerate(texts):
        if number % 2 == 0:
            pieces += _pieces(text)
            continue
        head, *renderings = text.split(PART)
        kind, _, pk = head.partition(" ")
        if len(renderings) != 2 or kind not in KINDS or not pk.isdigit():
            return None
        off, on = (tuple(_pieces(rendering)) for rendering in renderings)
        pieces.append((KINDS.index(kind), int(pk), off, on))
    pks = tuple(sorted(slots.pks))
    return SharedPage(tuple(pieces), pks, slots.collects, len(html), held_by)


def shareable(query: str) -> bool:
    """Whether a page may be shared for this query string: not when it could carry a marker
    (percent-encoded controls a member typed into a search)."""
    return "%1" not in query.upper() and not MARKERS.intersection(query)


def stand_in(user: User) -> User:
    """``user`` with the name marker for a name, for the shared rendering."""
    return replace(user, name=NAME, email="")


class MemberPages(Kept[SharedPage]):
    """This process's shared pages by URL, each valid for one version of the store (``budget``
    bytes of them at most), and a member's copy of one."""

    def __init__(self, hub: Hub, budget: int) -> None:
        super().__init__(budget)
        self.hub = hub

    def copy(self, page: SharedPage, version: Hashable, token: str, csrf: str) -> bytes | None:
        """The copy of ``page`` (rendered at ``version``) for the member whose session ``token``
        names; None when it names no live session (the app then answers, and signs the visitor
        out), a moderator's (whose pages show hidden comments), a member's whose comment on the
        page waits for a moderator (shown to them alone), or when the store has moved on
        since (their own vote, a moment ago, shows at once). Reads the store: call it off the
        event loop."""
        found = self.hub.session_marks(token, page.pks, page.collects)
        if found is None:
            return None
        user, marks, seq = found
        if user.is_moderator or user.name in page.held_by:
            return None
        if isinstance(version, tuple) and version[0] != seq:
            return None
        return page.fill(marks, csrf, user.name)
