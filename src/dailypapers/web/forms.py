"""What every form handler shares: a message for the next page, and the answer (who posted the
form, its CSRF token checked, is ``deps.Poster``).

Forms post with a CSRF token and are answered with a redirect back (303); the page's script asks
for JSON instead, to update a button in place.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse

from dailypapers.errors import InvalidInput
from dailypapers.web.auth import SESSION_FLASH, safe_next

# A text field of a posted form (absent: the default the route gives it).
Field = Annotated[str, Form()]


def flash(request: Request, message: str) -> None:
    """Show ``message`` once, on the next page this visitor sees."""
    request.session[SESSION_FLASH] = message


def wants_json(request: Request) -> bool:
    """Whether the page's script sent the form (it asks for JSON)."""
    return "application/json" in request.headers.get("accept", "")


def whole(token: str) -> str:
    """The token of a message's link; InvalidInput when the link came cut short (a mail client
    that broke the line)."""
    if not token:
        raise InvalidInput("this link is cut short; open the whole link from the message")
    return token


def back(target: str, fallback: str = "/") -> RedirectResponse:
    """A redirect to ``target`` when it is a path on this site, else to ``fallback``."""
    return RedirectResponse(safe_next(target) if target else fallback, status_code=303)
