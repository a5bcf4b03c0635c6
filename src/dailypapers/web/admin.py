"""The admins' page and API: the morning's status, members and their roles, and the site
settings admins change without touching a file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.errors import InvalidInput
from dailypapers.hub import Hub
from dailypapers.hub.site import EDITABLE, is_number
from dailypapers.models import ROLES, User
from dailypapers.web import shapes
from dailypapers.web.deps import ApiMember, HubDep, Member, Page, PageRenderer, Poster
from dailypapers.web.forms import Field, flash
from dailypapers.web.schema import READ, answer, problems

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/admin", tags=["admin"], responses={**READ, **problems(401, 403)})


def admin_page(
    page: PageRenderer, hub: Hub, user: User, q: str = "", status: int = 200, **extra: Any
) -> HTMLResponse:
    hub.require_admin(user)
    return page.render(
        "admin.html",
        status,
        status_of=hub.site_status(),
        members=hub.members(user, q),
        member_q=q,
        roles=ROLES,
        settings_shown=hub.site_settings_shown(user),
        numeric={name: is_number(name) for name in EDITABLE},
        **{"settings_error": None, **extra},
    )


@router.get("/admin", response_class=HTMLResponse)
def admin(hub: HubDep, page: Page, user: Member, q: str = "") -> Response:
    return admin_page(page, hub, user, q[:100])


@router.post("/admin/settings", response_class=HTMLResponse)
async def change_settings(request: Request, hub: HubDep, page: Page, user: Poster) -> Response:
    form = await request.form()
    values = {name: str(form[name]) for name in EDITABLE if name in form}
    try:
        changed = hub.change_site_settings(user, values)
    except InvalidInput as exc:
        return admin_page(page, hub, user, status=400, settings_error=str(exc))
    flash(request, f"Changed: {', '.join(changed)}." if changed else "Nothing changed.")
    return RedirectResponse("/admin#settings", status_code=303)


@router.post("/admin/members/{name}/role")
def change_role(
    request: Request, name: str, hub: HubDep, user: Poster, role: Field = ""
) -> Response:
    member = hub.change_role(user, name, role)
    flash(request, f"{member.name} is now {'an' if member.role == 'admin' else 'a'} {member.role}.")
    return RedirectResponse(f"/admin?q={member.name}#members", status_code=303)


@api.get(
    "/status",
    responses=answer(200, "What an admin checks each morning", shapes.AdminStatus),
    operation_id="adminStatus",
)
def api_status(hub: HubDep, user: ApiMember) -> dict[str, Any]:
    """Papers and members, each job's last run and failure, the outbox, how far the indexes
    lag the store, what waits for a moderator, and the disk the data dir uses (admins only)."""
    hub.require_admin(user)
    return hub.site_status()
