"""Running a community, in a real browser: Debian's Chromium driven by Playwright against
uvicorn on loopback, with mail through a real SMTP server on loopback. Each flow is a person's:
sign up and confirm by the mailed link, then comment; reset a forgotten password (an older
session is signed out); report a comment that a moderator hides; suspend a member (their
token stops working); delete an account; a new account's link held, then let through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from smtp_sink import Mailbox, smtp_server
from web.conftest import CHROMIUM, CHROMIUM_FLAGS, PASSWORD, Site, make_site, need_chromium, serving
from web.test_browser import header_fits

need_chromium()
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
PAPER = "2602.02343"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[tuple[str, Site]]:
    directory: Path = tmp_path_factory.mktemp("community-browser")
    site = make_site(
        directory,
        smtp_url=mailbox.url,
        mail_from="Daily Papers <papers@papers.example.org>",
        limit_confirmations=100_000,
    )
    try:
        with serving(site.app) as url:
            # Links in messages point at the served site.
            site.hub.site_settings.base = replace(site.hub.site_settings.base, base_url=url)
            site.hub.site_settings.forget()
            yield url, site
    finally:
        site.hub.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def person(browser: Any, live: tuple[str, Site]) -> Iterator[Callable[[], Any]]:
    """Opens a page in a browser context of its own (a person's own browser)."""
    contexts: list[Any] = []

    def open_page() -> Any:
        context = browser.new_context(base_url=live[0], viewport={"width": 1200, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Any, name: str, password: str = PASSWORD) -> None:
    page.goto("/signin")
    page.get_by_label("Name or email").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()


def member(site: Site, name: str, role: str = "member") -> str:
    site.hub.create_user(name, f"{name}@example.org", PASSWORD, role)
    return name


def comment(page: Any, text: str) -> None:
    page.goto(f"/papers/{PAPER}")
    page.get_by_label("Add a comment").fill(text)
    page.get_by_role("button", name="Comment", exact=True).click()


def test_sign_up_confirm_by_the_mailed_link_then_comment(
    person: Callable[[], Any], live: tuple[str, Site], mailbox: Mailbox
) -> None:
    page = person()
    page.goto("/signup")
    page.get_by_label("User name").fill("confirming")
    page.get_by_label("Email").fill("confirming@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    link = mailbox.to("confirming@example.org")[-1].link("/confirm-address")
    page.goto(link)
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("status")).to_contain_text("Your address is confirmed")
    comment(page, "Confirmed, and commenting.")
    posted = page.locator("article.comment").last
    expect(posted).to_contain_text("Confirmed, and commenting.")
    # The page opens at the new comment, below the sticky header, on a phone's width too.
    for width in (1200, 390):
        page.set_viewport_size({"width": width, "height": 700})
        page.goto(page.url)
        header, box = page.locator("header.site").bounding_box(), posted.bounding_box()
        assert header and box and box["y"] >= header["y"] + header["height"], (width, header, box)
        assert box["y"] < 700


def test_forgot_password_reset_signs_out_an_older_session(
    person: Callable[[], Any], live: tuple[str, Site], mailbox: Mailbox
) -> None:
    name = member(live[1], "forgetful")
    older = person()
    sign_in(older, name)
    page = person()
    page.goto("/forgot-password")
    page.get_by_label("Email").fill(f"{name}@example.org")
    page.get_by_role("button", name="Send the link").click()
    link = mailbox.to(f"{name}@example.org")[-1].link("/reset-password")
    page.goto(link)
    page.get_by_label("New password").fill("a brand new password")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    older.reload()
    expect(older.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    # The link works once.
    page.goto(link)
    expect(page.locator("body")).to_contain_text("used already")


def test_a_report_a_moderator_hides_is_gone_for_others_and_logged(
    person: Callable[[], Any], live: tuple[str, Site]
) -> None:
    site = live[1]
    author = person()
    sign_in(author, member(site, "spammy"))
    comment(author, "Cheap watches, best prices, ask me.")
    number = author.locator("article.comment").last.get_attribute("id").removeprefix("comment-")
    reporter = person()
    sign_in(reporter, member(site, "reporting"))
    reporter.goto(f"/comments/{number}")
    reporter.get_by_label("What is wrong with it?").fill("advertising")
    reporter.get_by_role("button", name="Report to the moderators").click()
    expect(reporter.get_by_role("status")).to_contain_text("moderators")
    moderator = person()
    sign_in(moderator, member(site, "moderating", "moderator"))
    moderator.goto("/moderation")
    expect(moderator.locator("#reports ~ article").first).to_contain_text("Cheap watches")
    moderator.locator(f'form[action="/comments/{number}/hide"] input[name="reason"]').fill("spam")
    moderator.locator(f'form[action="/comments/{number}/hide"] button').click()
    reporter.goto(f"/papers/{PAPER}")
    expect(reporter.locator("#discussion")).not_to_contain_text("Cheap watches")
    moderator.goto(f"/papers/{PAPER}")
    hidden = moderator.locator(f"#comment-{number}")
    expect(hidden).to_contain_text("hidden by a moderator")
    moderator.goto("/moderation#log")
    expect(moderator.locator("table")).to_contain_text(f"hide comment: comment {number}")


def test_a_suspended_member_is_refused_and_their_token_stops(
    person: Callable[[], Any], live: tuple[str, Site]
) -> None:
    url, site = live
    name = member(site, "suspendable")
    token, _ = site.hub.create_token(site.hub.user_named(name), "script")
    them = person()
    sign_in(them, name)
    moderator = person()
    sign_in(moderator, member(site, "suspending", "moderator"))
    moderator.goto(f"/users/{name}")
    moderator.get_by_label("Days (empty: for good)").fill("3")
    moderator.get_by_label("Reason (logged, and mailed to them)").fill("flooding")
    moderator.get_by_role("button", name="Suspend").click()
    expect(moderator.locator("body")).to_contain_text("suspended until")
    them.goto(f"/papers/{PAPER}")
    expect(them.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    them.goto("/signin")
    them.get_by_label("Name or email").fill(name)
    them.get_by_label("Password").fill(PASSWORD)
    them.get_by_role("button", name="Sign in").click()
    expect(them.locator("body")).to_contain_text("suspended")
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as api:
        assert api.post(f"/api/papers/{PAPER}/upvote").status_code == 401


def test_a_deleted_account_leaves_its_comments_as_deleted_and_its_votes_uncounted(
    person: Callable[[], Any], live: tuple[str, Site]
) -> None:
    site = live[1]
    page = person()
    sign_in(page, member(site, "leaving"))
    before = site.hub.paper(PAPER).total_upvotes
    page.goto(f"/papers/{PAPER}")
    page.locator("header form.vote button").click()
    expect(page.locator("header form.vote button")).to_have_attribute("aria-pressed", "true")
    comment(page, "Goodbye, and thanks for the papers.")
    page.goto("/users/leaving")
    page.get_by_text("Delete my account").first.click()  # opens the details
    page.get_by_label("Your password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is deleted")
    assert site.hub.paper(PAPER).total_upvotes == before
    page.goto(f"/papers/{PAPER}")
    expect(page.locator("#discussion")).to_contain_text("[deleted]")
    expect(page.locator("#discussion")).not_to_contain_text("Goodbye, and thanks")


def test_a_new_accounts_link_waits_and_is_let_through(
    person: Callable[[], Any], live: tuple[str, Site]
) -> None:
    site = live[1]
    admin = person()
    admin_name = member(site, "administering", "admin")
    sign_in(admin, admin_name)
    admin.goto("/admin")
    header_fits(admin)  # beside an admin's links (Moderation, Admin), the most there are
    admin.get_by_label("new_member_hours").fill("24")
    admin.get_by_role("button", name="Save the settings").click()
    expect(admin.get_by_role("status")).to_contain_text("new_member_hours")
    try:
        newcomer = person()
        sign_in(newcomer, member(site, "newcomer"))
        comment(newcomer, "My code: https://code.example/repo")
        expect(newcomer.get_by_role("status")).to_contain_text("waits for a moderator")
        reader = person()
        reader.goto(f"/papers/{PAPER}")
        expect(reader.locator("#discussion")).not_to_contain_text("code.example")
        admin.goto("/moderation")
        admin.get_by_role("button", name="Let it through").first.click()
        reader.reload()
        expect(reader.locator("#discussion")).to_contain_text("code.example/repo")
    finally:
        user = site.hub.user_named(admin_name)
        site.hub.change_site_settings(user, {"new_member_hours": "0"})
