"""Every page checked by axe-core in Debian's Chromium, signed out and signed in (as an admin,
who sees every page), at a desktop's width and a phone's: no critical or serious violation, and
nothing wider than the screen (no page scrolls sideways). The main pages are saved as
screenshots at both widths, for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from web.conftest import CHROMIUM, CHROMIUM_FLAGS, PASSWORD, SHOTS, LiveServer, need_chromium

need_chromium()
playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

WIDTHS = (1280, 390)
ADMIN = "a11y-admin"


@pytest.fixture(scope="module")
def pages(live: LiveServer) -> dict[str, list[str]]:
    """The site's pages, with something on each: a comment, a collection, a follow, a
    notification, an author claim waiting for a moderator."""
    hub = live.site.hub
    admin = hub.create_user(ADMIN, f"{ADMIN}@example.org", PASSWORD, "admin")
    other = hub.create_user("a11y-reader", "a11y-reader@example.org", PASSWORD)
    paper = hub.recent_lists(1)[0]
    mine = hub.comment(admin, paper.id, "What a figure 3.")
    hub.comment(other, paper.id, f"@{ADMIN} agreed.", mine.id)
    hub.create_collection(admin, "Reading group", public=True)
    hub.follow(admin, "author", paper.authors[0])  # type: ignore[index]
    hub.claim_author(other, paper.id, paper.authors[0])  # type: ignore[index]
    author = paper.authors[0]  # type: ignore[index]
    everyone = [
        "/",
        "/?view=compact",
        "/?week=2026-W08",
        "/trending",
        "/search?q=diffusion",
        "/search",
        f"/papers/{paper.id}",
        f"/authors/{author}",
        f"/comments/{mine.id}",
        f"/users/{ADMIN}",
        f"/users/{ADMIN}/collections",
        "/docs",
        "/submit",
        "/signin",
        "/signup",
        "/forgot-password",
        "/nowhere",
    ]
    members = [
        "/",
        "/?view=compact",
        f"/papers/{paper.id}",
        f"/authors/{author}",
        "/search?q=diffusion",
        "/for-you",
        "/reading-list",
        "/following",
        f"/users/{ADMIN}",
        f"/users/{ADMIN}/collections/reading-group",
        "/notifications",
        "/moderation",
        "/admin",
        "/submit",
    ]
    return {"out": everyone, "in": members}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


def violations(page: Any, axe: Any) -> list[str]:
    found = axe.run(page).response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for rule in found
        if rule["impact"] in ("critical", "serious")
        for node in rule["nodes"]
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("who", ["out", "in"])
def test_no_serious_violations_and_no_sideways_scrolling_on_any_page(
    browser: Any, live: LiveServer, pages: dict[str, list[str]], who: str, width: int
) -> None:
    context = browser.new_context(base_url=live.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    axe = axe_api.Axe()
    if who == "in":
        page.goto("/signin")
        page.get_by_label("Name or email").fill(ADMIN)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
    found, wide = {}, {}
    for path in pages[who]:
        page.goto(path)
        if bad := violations(page, axe):
            found[path] = bad
        if (scrolled := page.evaluate("document.documentElement.scrollWidth")) > width:
            wide[path] = scrolled
        name = {"/": "daily", "/notifications": "notifications"}.get(path)
        if name or path.startswith(("/papers/", "/authors/")):
            SHOTS.mkdir(exist_ok=True)
            label = name or path.split("/")[1]
            shot = SHOTS / f"{label}-{'member' if who == 'in' else 'reader'}-{width}.png"
            page.screenshot(path=str(shot), full_page=False)
    context.close()
    assert not found, found
    assert not wide, f"pages wider than {width} px: {wide}"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_compact_list_shows_a_day_in_a_fraction_of_the_length(
    browser: Any, live: LiveServer, width: int
) -> None:
    context = browser.new_context(base_url=live.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    heights = {}
    for view in ("full", "compact"):
        page.goto(f"/?date=2026-02-27&view={view}")
        heights[view] = page.evaluate("document.documentElement.scrollHeight")
        assert page.locator("article.card").count() == 28
        # Each author shown has a picture in the compact list only: a member's, else initials.
        shown = page.locator(".card .authors .initials").first
        assert shown.is_visible() == (view == "compact")
        if view == "compact":
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / f"compact-reader-{width}.png"), full_page=False)
    context.close()
    assert heights["compact"] < 0.55 * heights["full"], heights
