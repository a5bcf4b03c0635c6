"""The pages' Jinja2 environment: templates, the filters they use, and what every page is told."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from dailypapers import __version__, wire
from dailypapers.config import Settings
from dailypapers.hub import Hub, Marks
from dailypapers.models import User
from dailypapers.text import web_url
from dailypapers.web import render, shared
from dailypapers.web.auth import SESSION_FLASH, csrf_token, current_user
from dailypapers.web.cards import Cards

# On ``request.state``: the response cache asks for a page every member shares (SHARE), and
# finds it there after the route (SHARED).
SHARE = "dailypapers_share"
SHARED = "dailypapers_shared"

TEMPLATES = Path(__file__).parent / "templates"


class Templates:
    """Renders a page with the member, the CSRF token and the site's links in its context."""

    def __init__(self, settings: Settings, hub: Hub, cards_budget: int) -> None:
        self.settings = settings
        self.hub = hub
        self._jinja = Jinja2Templates(directory=TEMPLATES)
        env = self._jinja.env
        env.filters.update(
            math=render.math,
            comment=render.comment_html,
            doc=render.doc_html,
            day=render.day,
            authors=render.authors,
            author_url=render.author_url,
            short_count=render.short_count,
            initials=render.initials,
            hue=render.hue,
            claimed_by=render.claimed_by,
            avatar_url=wire.avatar_url,
            unclaimed_authors=render.unclaimed_authors,
            arxiv_url=wire.arxiv_url,
            pdf_url=wire.pdf_url,
            thumbnail=wire.thumbnail_url,
            thumbnail_size=wire.thumbnail_size,
            share_image=wire.share_url,
            share_size=wire.share_size,
            # Links a page shows are http(s) ones, whatever an older row holds.
            web_url=web_url,
        )
        env.tests["slots"] = lambda value: isinstance(value, shared.Slots)
        # A paper's card, kept for every page that shows it (``cards.py``).
        macros = env.get_template("_macros.html").module
        paper_card = macros.paper_card  # type: ignore[attr-defined]  # a template's name
        self.cards = Cards(paper_card, cards_budget)
        env.globals.update(version=__version__, query=_query, card=self.cards)

    def page(
        self,
        request: Request,
        name: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        user = current_user(request, self.hub)
        unread = self.hub.unread_notifications(user) if user is not None else 0
        base: dict[str, Any] = {
            "user": user,
            # Forms need the token; signed-out visitors only get one (and a cookie) on pages
            # with forms of their own (sign in, sign up).
            "csrf": csrf_token(request) if user is not None or context.pop("forms", False) else "",
            "base_url": self.settings.base_url.rstrip("/"),
            "path": request.url.path,
            "feeds": [],
            "flash": _flash(request),
            # The subscribe box: the same for every visitor, so kept pages may carry it.
            "mail_enabled": self.hub.mail_enabled,
            "unread": render.unread_badge(unread),
        }
        state = request.scope.get("state", {})
        # A moderator's pages differ from other members' (hidden comments show, marked), and so
        # do an author's with their comment that waits for a moderator.
        sharing = (
            state.get(SHARE)
            and status == 200
            and base["flash"] is None
            and not any(comment.held for comment in context.get("comments", ()))
        )
        if user is not None and not user.is_moderator and sharing:
            page = self._shared(request, name, {**base, **context}, user)
            if page is not None:
                state[SHARED] = page
                # The member's own marks and collections, as the route found them.
                marks = context.get("marks") or Marks()
                collections = list(context.get("collections", []))
                marks = dataclasses.replace(marks, collections=collections, unread=unread)
                body = page.fill(marks, base["csrf"], user.name)
                return HTMLResponse(body, status, headers)
        return self._jinja.TemplateResponse(
            request, name, {**base, **context}, status_code=status, headers=headers
        )

    def _shared(
        self, request: Request, name: str, context: dict[str, Any], user: User
    ) -> shared.SharedPage | None:
        """Page ``name`` as every member shares it (``shared.py``), or None when it cannot be."""
        slots = shared.Slots()
        everyones = {
            **context,
            "request": request,
            "marks": slots,
            "user": shared.stand_in(user),
            "csrf": shared.CSRF,
            "unread": Markup(shared.UNREAD),
        }
        html = self._jinja.get_template(name).render(everyones)
        return shared.split(html, slots, frozenset(context.get("held_by", ())))

    def error(
        self, request: Request, status: int, detail: str, headers: dict[str, str]
    ) -> HTMLResponse:
        return self.page(request, "error.html", status, headers, code=status, detail=detail)


def _flash(request: Request) -> str | None:
    """The message waiting for this visitor, taken so that it shows once."""
    return request.session.pop(SESSION_FLASH, None) if "session" in request.scope else None


def _query(**params: Any) -> str:
    """``?a=1&b=2`` from the parameters that have a value."""
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return "?" + urlencode(kept) if kept else ""
