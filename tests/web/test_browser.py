"""The site in a real browser: Debian's Chromium driven by Playwright, against uvicorn on loopback.

Covers what a reader does: navigate days, search, sign up, vote (with the page's script), comment
and submit. Each main page is saved as a screenshot in tests/web/screenshots/ for a person to look
at. Skipped when Chromium or Playwright is not installed (``.ci/run`` installs both).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web.conftest import CHROMIUM, CHROMIUM_FLAGS, PASSWORD, SHOTS, LiveServer, need_chromium

# CI installs both and sets DAILYPAPERS_REQUIRE_BROWSER, so that a missing browser fails.
need_chromium()
playwright_api = pytest.importorskip("playwright.sync_api")
FLAGS = CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, live: LiveServer) -> Iterator[object]:
    context = browser.new_context(base_url=live.url, viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))

    def console(message: object) -> None:
        if message.type == "error":  # type: ignore[attr-defined]
            problems.append(message.text)  # type: ignore[attr-defined]

    opened.on("console", console)
    yield opened
    context.close()
    assert not problems, f"the page reported errors: {problems}"


def shot(page: object, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def header_fits(page: Any) -> None:
    """The search box keeps room for its whole placeholder beside a member's links at desktop
    and tablet widths, and at 390 px the links stay on one line; the page comes back at
    1200 px."""
    box = page.get_by_role("searchbox", name="Search papers")
    hint = box.evaluate(
        "e => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = getComputedStyle(e).font; return c.measureText(e.placeholder).width; }"
    )
    for width in (1280, 1024, 800):
        page.set_viewport_size({"width": width, "height": 900})
        assert box.bounding_box()["width"] > hint, width
    page.set_viewport_size({"width": 390, "height": 844})
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name="Daily", exact=True)
    assert nav.bounding_box()["height"] < 2 * link.bounding_box()["height"]
    page.set_viewport_size({"width": 1200, "height": 900})


def inside(card: Any, button: Any) -> None:
    """``button`` is drawn within ``card``'s box."""
    outer, inner = card.bounding_box(), button.bounding_box()
    assert outer and inner
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
    assert outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"]


def test_read_the_days_and_search(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    expect = playwright_api.expect
    expect(page.get_by_role("heading", level=1)).to_have_text("Papers of Friday 27 February 2026")  # type: ignore[attr-defined]
    shot(page, "daily")
    page.get_by_role("link", name="← 2026-02-26").first.click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thursday 26 February 2026")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Week", exact=True).click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", level=1)).to_contain_text("week of Monday 23 February")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Trending", exact=True).click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="How is this ranked?")).to_be_visible()  # type: ignore[attr-defined]
    shot(page, "trending")
    search = page.get_by_role("searchbox", name="Search papers")  # type: ignore[attr-defined]
    search.fill("academic illustration agents")
    search.press("Enter")
    first = page.locator(".card .title a").first  # type: ignore[attr-defined]
    expect(first).to_contain_text("PaperBanana")
    expect(page.locator(".card mark").first).to_be_visible()  # type: ignore[attr-defined]
    shot(page, "search")
    first.click()
    expect(page.get_by_role("heading", name="Abstract")).to_be_visible()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Similar papers")).to_be_visible()  # type: ignore[attr-defined]
    shot(page, "paper")


def test_for_you_follows_saves_and_collections(page: object, live: LiveServer) -> None:
    expect = playwright_api.expect
    page.goto("/signup?next=/for-you")  # type: ignore[attr-defined]
    page.get_by_label("User name").fill("foryou_reader")  # type: ignore[attr-defined]
    page.get_by_label("Email").fill("foryou@example.org")  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign up").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="For you", exact=True)).to_be_visible()  # type: ignore[attr-defined]
    search = page.get_by_role("searchbox", name="Search papers")  # type: ignore[attr-defined]
    search.fill("video generation")
    search.press("Enter")
    page.get_by_role("button", name="Follow this search “video generation”").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("status")).to_contain_text("You follow 'video generation' now")  # type: ignore[attr-defined]
    page.get_by_role("link", name="For you", exact=True).click()  # type: ignore[attr-defined]
    expect(page.locator(".reason").first).to_contain_text("matches your search 'video generation'")  # type: ignore[attr-defined]
    first = page.locator(".card").first  # type: ignore[attr-defined]
    paper = first.get_attribute("data-paper")
    save = first.locator("form[action$='/save'] button")
    expect(save).to_have_text("☆ Save")
    save.click()
    expect(save).to_have_attribute("aria-pressed", "true")  # in place, by the script
    expect(save).to_have_text("★ Saved")
    shot(page, "for-you")
    page.get_by_role("link", name="Reading list").click()  # type: ignore[attr-defined]
    expect(page.locator(".card")).to_have_count(1)  # type: ignore[attr-defined]
    assert page.locator(".card").first.get_attribute("data-paper") == paper  # type: ignore[attr-defined]
    inside(page.locator(".card").first, page.get_by_role("button", name="Mark read"))  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.get_by_role("link", name="BibTeX").click()  # type: ignore[attr-defined]
    assert download.value.suggested_filename == "foryou_reader-reading-list.bib"
    assert "@misc{" in Path(download.value.path()).read_text()
    shot(page, "reading-list")
    page.goto("/users/foryou_reader/collections")  # type: ignore[attr-defined]
    page.get_by_placeholder("Reading group, spring").fill("Video models")  # type: ignore[attr-defined]
    page.get_by_label("Public").check()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Create").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Video models")).to_be_visible()  # type: ignore[attr-defined]
    page.goto(f"/papers/{paper}")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Add to collection").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("status")).to_contain_text("Added to Video models")  # type: ignore[attr-defined]
    page.goto("/users/foryou_reader/collections/video-models")  # type: ignore[attr-defined]
    expect(page.locator(".card")).to_have_count(1)  # type: ignore[attr-defined]
    inside(page.locator(".card").first, page.get_by_role("button", name="Take out"))  # type: ignore[attr-defined]
    shot(page, "collection")


def test_sign_up_vote_comment_and_submit(page: object, live: LiveServer) -> None:
    expect = playwright_api.expect
    page.goto("/papers/2602.02343")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Sign up").click()  # type: ignore[attr-defined]
    page.get_by_label("User name").fill("browsing_reader")  # type: ignore[attr-defined]
    page.get_by_label("Email").fill("browsing@example.org")  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    shot(page, "signup")
    page.get_by_role("button", name="Sign up").click()  # type: ignore[attr-defined]
    # Back on the paper, signed in.
    expect(page.get_by_role("link", name="browsing_reader")).to_be_visible()  # type: ignore[attr-defined]
    header_fits(page)
    before = live.site.hub.paper("2602.02343").total_upvotes
    button = page.locator("header form.vote button")  # type: ignore[attr-defined]
    url = page.url  # type: ignore[attr-defined]
    button.click()
    # The script votes without leaving the page; the server counted it once.
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator("[data-count]")).to_have_text(str(before + 1))
    assert page.url == url  # type: ignore[attr-defined]
    assert live.site.hub.paper("2602.02343").total_upvotes == before + 1
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button.locator("[data-count]")).to_have_text(str(before))

    page.get_by_label("Add a comment").fill("The ablation in **Table 3** settles it.")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Comment").click()  # type: ignore[attr-defined]
    comment = page.locator("article.comment").last  # type: ignore[attr-defined]
    expect(comment.locator("strong")).to_have_text("Table 3")
    expect(comment).to_contain_text("browsing_reader")

    page.get_by_role("link", name="Submit", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_label("arXiv id or URL").fill("https://arxiv.org/abs/astro-ph/0601001")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Submit").click()  # type: ignore[attr-defined]
    expect(page.get_by_role("status")).to_contain_text("on today's list")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # type: ignore[attr-defined]
    assert "/papers/astro-ph/0601001" in page.url  # type: ignore[attr-defined]
    shot(page, "submitted")
    page.goto("/users/browsing_reader")  # type: ignore[attr-defined]
    expect(page.get_by_role("heading", name="Submitted (1)")).to_be_visible()  # type: ignore[attr-defined]
    shot(page, "profile")


def test_keyboard_and_small_screens(page: object) -> None:
    expect = playwright_api.expect
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.goto("/?date=2026-02-27")  # type: ignore[attr-defined]
    page.keyboard.press("j")  # type: ignore[attr-defined]
    page.keyboard.press("j")  # type: ignore[attr-defined]
    focused = page.evaluate("document.activeElement.closest('.card').dataset.paper")  # type: ignore[attr-defined]
    second = page.locator(".card").nth(1).get_attribute("data-paper")  # type: ignore[attr-defined]
    assert focused == second
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    expect(page.get_by_role("searchbox", name="Search papers")).to_be_visible()  # type: ignore[attr-defined]
    shot(page, "daily-phone")
    # The API reference's long paths and tables scroll inside themselves, not the page.
    page.goto("/docs")  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
