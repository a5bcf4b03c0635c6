"""Papers' cards, each rendered once for what the paper holds and kept for every list that shows it.

A list page is mostly its cards (on the daily page, nine tenths of its rendering), and a card
depends only on its paper and on where it is shown: its rank, the page a button returns to, a
search's highlighted title and abstract, a "For you" reason, and whether the reader is signed in.
So a card is kept by those, valid while the paper read from the store is equal to the one it was
rendered from: a vote, a comment or new stars make a new paper and so a new card, and no other
paper's. Only the cards that are the same for every reader are kept: a signed-out reader's, and
a member's page shared by all members (``shared.py``, whose buttons are rendered both ways);
a page rendered for one member renders its cards afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from dailypapers.hub import Marks
from dailypapers.kept import Kept
from dailypapers.models import Paper, User
from dailypapers.web.shared import Slots


class Cards:
    """The ``card`` the templates call: the ``paper_card`` macro's rendering of a paper, kept
    (``budget`` bytes of them at most) where it is everyone's. Pages render in worker threads,
    so what is kept is shared under a lock."""

    def __init__(self, macro: Callable[..., Markup], budget: int) -> None:
        self._macro = macro
        self._kept: Kept[Markup] = Kept(budget)
        self._lock = threading.Lock()
        self.rendered = 0  # cards rendered rather than found kept

    def __call__(
        self,
        paper: Paper,
        marks: Marks,
        csrf: str,
        user: User | None,
        next: str,
        rank: int | None = None,
        title_html: str | None = None,
        abstract_html: str | None = None,
        reason: str | None = None,
        caller: Any = None,
    ) -> Markup:
        def render() -> Markup:
            self.rendered += 1
            extra = {"caller": caller} if caller is not None else {}
            return self._macro(
                paper, marks, csrf, user, next, rank, title_html, abstract_html, reason, **extra
            )

        slots = marks if isinstance(marks, Slots) else None
        # A card with content of its page's own, or one member's buttons, is that page's.
        if caller is not None or (user is not None and slots is None):
            return render()
        pk = paper.pk
        pressed = (pk in marks.voted, pk in marks.saved, marks.feedback.get(pk, 0))
        key = (
            pk,
            slots is not None,
            pressed,
            csrf,
            user is not None,
            next,
            rank,
            title_html,
            abstract_html,
            reason,
        )
        with self._lock:
            html = self._kept.current(key, paper)
        if html is None:
            html = render()
            with self._lock:
                # The paper it was rendered from is kept with it: about its abstract and 1 KB.
                self._kept.keep(key, paper, html, len(html) + len(paper.abstract or "") + 1024)
        elif slots is not None:
            slots.pks.add(pk)  # as rendering its buttons would have
        return html
