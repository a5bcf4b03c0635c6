"""Email digests through the site, against a real SMTP server on loopback: the subscribe box and
its API twin, double opt-in, the links in messages (confirm, manage, RFC 8058 one-click
unsubscribe), a member's email settings, previews, and the errors and limits."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from dailypapers.models import Subscription
from smtp_sink import Mailbox, Received, smtp_server
from web.conftest import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    PASSWORD,
    SHOTS,
    Site,
    csrf_of,
    join,
    make_site,
    need_chromium,
    serving,
)

BASE = "https://papers.example.org"
TUESDAY = date(2026, 2, 4)  # its digest covers Tue 3 Feb's list (the demo's lists are Feb 2026)
CONFIRM_SUBJECT = "Confirm your Daily Papers digest"
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
_addresses = iter(range(1, 10_000))


def address(name: str = "reader") -> str:
    """A new address, so that tests sharing a site and a mailbox do not see each other's mail."""
    return f"{name}{next(_addresses)}@example.org"


def mail_site(directory: Path, smtp_url: str, **settings: object) -> Site:
    flags: dict[str, object] = {
        "base_url": BASE,
        "mail_from": "Daily Papers <digest@papers.example.org>",
        "limit_subscribe": 100_000,
        "limit_confirmations": 100_000,
        **settings,
    }
    return make_site(directory, smtp_url=smtp_url, **flags)


def browser(site: Site) -> TestClient:
    """A browser on the site; https, as the site's base URL says (its cookies are Secure)."""
    return TestClient(site.app, base_url="https://testserver", follow_redirects=False)


def member(site: Site, name: str) -> TestClient:
    client = browser(site)
    join(site.hub, client, name)
    return client


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def only_confirmation(mailbox: Mailbox, email: str) -> Received:
    received = mailbox.to(email)
    assert len(received) == 1, [r.message["Subject"] for r in received]
    assert received[0].message["Subject"] == CONFIRM_SUBJECT
    return received[0]


def confirmed(site: Site, mailbox: Mailbox, email: str, **options: str) -> Subscription:
    """Subscribe from the box and confirm from the message, as a reader does."""
    client = browser(site)
    client.post("/subscribe", data={"email": email, **options})
    link = mailbox.to(email)[-1].link("/subscriptions/confirm")
    assert client.post("/subscriptions/confirm", data={"token": token_of(link)}).status_code == 200
    found = site.hub.subscription_by_email(email)
    assert found is not None and found.status == "active"
    return found


def status_of(site: Site, email: str) -> str:
    found = site.hub.subscription_by_email(email)
    assert found is not None
    return found.status


def altered(token: str) -> str:
    """``token`` with one character of its signature changed (not the last: its low bits are
    padding, so changing it may leave the signature as it was)."""
    payload, _, signature = token.rpartition(".")
    first = "B" if signature[0] != "B" else "C"
    return f"{payload}.{first}{signature[1:]}"


@pytest.fixture(scope="module")
def smtp() -> Iterator[Mailbox]:
    """One SMTP server on loopback for this module's shared site."""
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, smtp: Mailbox) -> Iterator[Site]:
    made = mail_site(tmp_path_factory.mktemp("mail-site"), smtp.url)
    yield made
    made.hub.close()


# -- the subscribe box ------------------------------------------------------------------------


def test_every_page_has_the_subscribe_box_when_mail_is_on(shared: Site) -> None:
    client = browser(shared)
    for path in ("/", "/trending", "/search?q=video", "/papers/2602.02343", "/nowhere"):
        page = client.get(path)
        assert "Get trending papers in your email inbox!" in page.text, path
        box = page.text[page.text.index('<aside class="subscribe"') :]
        box = box[: box.index("</aside>")]
        assert 'action="/subscribe" method="post"' in box
        assert re.search(r'<label for="subscribe-email"[^>]*>[^<]+</label>', box)
        assert re.search(r'<input id="subscribe-email" type="email" name="email" required', box)
        assert '<option value="weekly">' in box
        assert f'name="next" value="{urlsplit(path).path}"' in box
        # Kept pages are shared between readers: nothing in the box is anyone's.
        assert "csrf" not in box and "/settings/email" not in box
    assert "set-cookie" not in client.get("/").headers


def test_a_member_sees_a_link_to_their_email_settings(shared: Site) -> None:
    page = member(shared, "boxreader").get("/trending")
    assert '<a href="/settings/email">Email settings</a>' in page.text


def test_no_box_and_no_subscribing_when_mail_is_off(site: Site) -> None:
    client = site.client()
    assert "Get trending papers" not in client.get("/").text
    assert "/subscribe" not in client.get("/trending").text
    answer = client.post("/api/subscriptions", json={"email": "ada@example.org"})
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert "sends no email" in answer.json()["detail"]
    page = client.post("/subscribe", data={"email": "ada@example.org"})
    assert page.status_code == 503 and "sends no email" in page.text


# -- subscribing: exactly one confirmation, then nothing until it is followed -----------------


def test_subscribing_from_the_box_sends_one_confirmation_and_goes_back(
    shared: Site, smtp: Mailbox
) -> None:
    email = address()
    client = browser(shared)
    assert client.get("/trending").status_code == 200  # now kept for signed-out readers
    answer = client.post(
        "/subscribe", data={"email": email, "frequency": "weekly", "next": "/trending"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/trending"
    confirmation = only_confirmation(smtp, email)
    assert "a weekly digest" in confirmation.text
    assert confirmation.link("/subscriptions/confirm").startswith(BASE)
    # The message shows on the next page, though that page is kept for everyone else.
    shown = client.get("/trending").text
    assert f"Check your inbox at {email}: follow the link in it to start your digest." in shown
    assert "Check your inbox" not in client.get("/trending").text
    assert status_of(shared, email) == "pending"
    shared.hub.send_due()
    assert len(smtp.to(email)) == 1


def test_the_page_script_gets_json_from_the_box(shared: Site, smtp: Mailbox) -> None:
    email = address()
    answer = browser(shared).post(
        "/subscribe", data={"email": email}, headers={"accept": "application/json"}
    )
    assert answer.status_code == 202
    assert answer.json() == {
        "email": email,
        "frequency": "daily",
        "topics": [],
        "status": "pending",
        "detail": f"Check your inbox at {email}: follow the link in it to start your digest.",
    }
    only_confirmation(smtp, email)
    bad = browser(shared).post(
        "/subscribe", data={"email": "nope"}, headers={"accept": "application/json"}
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_a_bad_address_in_the_box_shows_the_form_again(shared: Site) -> None:
    page = browser(shared).post("/subscribe", data={"email": "not an address", "next": "/"})
    assert page.status_code == 422
    assert "is not an email address" in page.text
    assert 'value="not an address"' in page.text


def test_subscribing_by_api_sends_one_confirmation(shared: Site, smtp: Mailbox) -> None:
    email = address()
    body = {"email": email, "frequency": "weekly", "topics": ["cs.CV", "video"]}
    answer = browser(shared).post("/api/subscriptions", json=body)
    assert answer.status_code == 202
    assert answer.json() == {
        **body,
        "status": "pending",
        "detail": f"Check your inbox at {email}: follow the link in it to start your digest.",
    }
    assert "topics: cs.CV, video" in only_confirmation(smtp, email).text
    found = shared.hub.subscription_by_email(email)
    assert found is not None and found.topics == ("cs.CV", "video") and found.user_id is None


def test_the_answer_does_not_say_whether_an_address_is_subscribed(
    shared: Site, smtp: Mailbox
) -> None:
    email, fresh = address(), address()
    confirmed(shared, smtp, email)
    client = browser(shared)
    again = client.post("/api/subscriptions", json={"email": email, "frequency": "weekly"})
    first = client.post("/api/subscriptions", json={"email": fresh, "frequency": "weekly"})
    assert again.status_code == first.status_code == 202
    same = {**first.json(), "email": email, "detail": first.json()["detail"].replace(fresh, email)}
    assert again.json() == same
    # Whoever typed the address changed nothing its owner gets, and sent them nothing.
    assert len(smtp.to(email)) == 1
    found = shared.hub.subscription_by_email(email)
    assert found is not None and found.frequency == "daily" and found.status == "active"


def test_the_api_is_described_in_the_openapi_document(shared: Site) -> None:
    operation = browser(shared).get("/openapi.json").json()["paths"]["/api/subscriptions"]["post"]
    assert operation["tags"] == ["email"]
    assert {"202", "400", "422", "429", "503"} <= set(operation["responses"])
    assert "application/json" in operation["requestBody"]["content"]
    assert "/api/subscriptions" in browser(shared).get("/docs").text


# -- the links in messages --------------------------------------------------------------------


def test_opening_the_confirmation_link_confirms_nothing_pressing_the_button_does(
    shared: Site, smtp: Mailbox
) -> None:
    email = address()
    browser(shared).post("/subscribe", data={"email": email})
    link = only_confirmation(smtp, email).link("/subscriptions/confirm")
    scanner = browser(shared)
    page = scanner.get(link)
    assert page.status_code == 200
    assert '<button type="submit">Confirm my subscription</button>' in page.text
    assert f'name="token" value="{token_of(link)}"' in page.text
    assert status_of(shared, email) == "pending"
    done = browser(shared).post("/subscriptions/confirm", data={"token": token_of(link)})
    assert done.status_code == 200 and "Your digest is on" in done.text
    assert status_of(shared, email) == "active"
    manage = re.search(r'href="(/subscription\?token=[^"]+)"', done.text)
    assert manage, "the page links to where the digest is managed"
    assert email in browser(shared).get(html.unescape(manage.group(1))).text


def test_a_digest_unsubscribes_with_one_click(tmp_path: Path, mailbox: Mailbox) -> None:
    site = mail_site(tmp_path, mailbox.url)
    leaving, staying = address("leaving"), address("staying")
    for email in (leaving, staying):
        confirmed(site, mailbox, email)
    assert site.hub.send_digests("daily", TUESDAY)["sent"] == 2
    digest = mailbox.to(leaving)[-1].message
    assert digest["Subject"] == "Daily Papers — 12 trending papers for Tue 3 Feb"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.fullmatch(r"<(https://[^>]+/unsubscribe\?token=[^>]+)>, <(mailto:[^>]+)>",
                          str(digest["List-Unsubscribe"]))  # fmt: skip
    assert header, digest["List-Unsubscribe"]
    url = header.group(1)
    assert url.startswith(BASE + "/unsubscribe?token=")

    # A mail scanner opening the link changes nothing.
    page = TestClient(site.app, follow_redirects=False).get(url)
    assert page.status_code == 200 and '<button type="submit">Unsubscribe</button>' in page.text
    assert status_of(site, leaving) == "active"

    # The mail client's one-click POST: the form body RFC 8058 prescribes, no cookies.
    client = TestClient(site.app, follow_redirects=False)
    form = {"content-type": "application/x-www-form-urlencoded"}
    answer = client.post(url, content=b"List-Unsubscribe=One-Click", headers=form)
    assert answer.status_code == 200 and "You are unsubscribed" in answer.text
    assert "set-cookie" not in answer.headers
    assert status_of(site, leaving) == "unsubscribed"
    assert client.post(url, content=b"List-Unsubscribe=One-Click", headers=form).status_code == 200
    assert "Already unsubscribed" in client.get(url).text

    site.hub.send_digests("daily", date(2026, 2, 5))
    assert [m.message["Subject"] for m in mailbox.to(leaving)][-1].endswith("Tue 3 Feb")
    assert mailbox.to(staying)[-1].message["Subject"].endswith("Wed 4 Feb")
    site.hub.close()


def test_the_unsubscribe_button_on_the_page_works_without_script(
    shared: Site, smtp: Mailbox
) -> None:
    email = address()
    subscription = confirmed(shared, smtp, email)
    token = shared.hub.manage_token(subscription)
    answer = browser(shared).post("/unsubscribe", data={"token": token})
    assert answer.status_code == 200 and status_of(shared, email) == "unsubscribed"


def test_an_altered_token_is_refused(shared: Site, smtp: Mailbox) -> None:
    email = address()
    subscription = confirmed(shared, smtp, email)
    forged = altered(shared.hub.manage_token(subscription))
    client = browser(shared)
    assert client.get(f"/unsubscribe?token={forged}").status_code == 403
    assert client.post(f"/unsubscribe?token={forged}").status_code == 403
    assert client.get(f"/subscription?token={forged}").status_code == 403
    saved = client.post("/subscription", data={"token": forged, "frequency": "weekly"})
    assert saved.status_code == 403
    link = smtp.to(email)[-1].link("/subscriptions/confirm")
    refused = client.post("/subscriptions/confirm", data={"token": altered(token_of(link))})
    assert refused.status_code == 403 and "not valid" in refused.text
    assert status_of(shared, email) == "active"


def test_an_expired_confirmation_is_refused(shared: Site, smtp: Mailbox) -> None:
    email = address()
    browser(shared).post("/subscribe", data={"email": email})
    pending = shared.hub.subscription_by_email(email)
    assert pending is not None

    class EightDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 86400

    serializer = URLSafeTimedSerializer(
        shared.hub.settings.require_secret(),
        salt="dailypapers.subscription.confirm",
        signer=EightDaysAgo,
    )
    token = str(serializer.dumps([pending.id, email]))
    answer = browser(shared).post("/subscriptions/confirm", data={"token": token})
    assert answer.status_code == 400 and "expired" in answer.text
    assert status_of(shared, email) == "pending"


def test_the_manage_page_changes_what_a_subscriber_gets(shared: Site, smtp: Mailbox) -> None:
    email = address()
    token = shared.hub.manage_token(confirmed(shared, smtp, email))
    client = browser(shared)
    page = client.get(f"/subscription?token={token}")
    assert page.status_code == 200 and email in page.text
    assert '<option value="daily" selected>' in page.text
    assert f'name="token" value="{token}"' in page.text
    saved = client.post(
        "/subscription",
        data={
            "token": token,
            "frequency": "weekly",
            "topics": "cs.CL, diffusion",
            "timezone": "Europe/Paris",
        },
    )
    assert saved.status_code == 200 and "Saved: weekly" in saved.text
    assert '<option value="weekly" selected>' in saved.text
    changed = shared.hub.subscription_by_email(email)
    assert changed is not None
    assert (changed.frequency, changed.topics, changed.timezone) == (
        "weekly",
        ("cs.CL", "diffusion"),
        "Europe/Paris",
    )
    wrong = client.post(
        "/subscription", data={"token": token, "frequency": "weekly", "timezone": "Mars/Base"}
    )
    assert wrong.status_code == 400 and "unknown time zone" in wrong.text


# -- a member's email settings and preview ----------------------------------------------------


def test_a_member_subscribes_from_their_email_settings(shared: Site, smtp: Mailbox) -> None:
    client = member(shared, "settingsreader")
    email = "settingsreader@example.org"
    page = client.get("/settings/email")
    assert page.status_code == 200
    assert f'value="{email}"' in page.text  # the account's address, ready to subscribe
    answer = client.post(
        "/settings/email",
        data={"csrf": csrf_of(page.text), "action": "subscribe", "email": email},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/settings/email"
    confirmation = only_confirmation(smtp, email)
    shown = client.get("/settings/email").text
    assert f"A confirmation is on its way to {email}" in shown
    assert "Waiting for confirmation" in shown
    user = shared.hub.user_named("settingsreader")
    linked = shared.hub.subscription_of(user)
    assert linked is not None and linked.email == email and linked.status == "pending"

    token = token_of(confirmation.link("/subscriptions/confirm"))
    client.post("/subscriptions/confirm", data={"token": token})
    page = client.get("/settings/email")
    assert "Active: daily digests go to" in page.text
    changed = client.post(
        "/settings/email",
        data={"csrf": csrf_of(page.text), "action": "save", "frequency": "weekly", "topics": ""},
    )
    assert changed.status_code == 303
    assert "Saved: weekly" in client.get("/settings/email").text
    ended = client.post(
        "/settings/email", data={"csrf": csrf_of(page.text), "action": "unsubscribe"}
    )
    assert ended.status_code == 303 and status_of(shared, email) == "unsubscribed"
    assert "Unsubscribed: nothing more goes to" in client.get("/settings/email").text


def test_email_settings_need_the_form_token(shared: Site) -> None:
    client = member(shared, "csrfreader")
    answer = client.post("/settings/email", data={"csrf": "forged", "action": "subscribe"})
    assert answer.status_code == 403


def test_email_settings_say_when_digests_already_go_to_the_address(
    shared: Site, smtp: Mailbox
) -> None:
    confirmed(shared, smtp, "earlybird@example.org")
    page = member(shared, "earlybird").get("/settings/email")
    assert "Digests already go to earlybird@example.org" in page.text
    assert "the links at the end of any of them change them" in page.text


def test_signed_out_visitors_are_sent_to_sign_in(shared: Site) -> None:
    client = browser(shared)
    for path in ("/settings/email", "/digest/preview"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/signin?next={path}"


def test_a_member_previews_their_digest(shared: Site) -> None:
    client = member(shared, "previewreader")
    titles = [paper.title for paper in shared.hub.paper_list(date(2026, 2, 3)).papers]
    page = client.get("/digest/preview?period=daily&date=2026-02-04")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == PREVIEW_CSP
    assert page.headers["cache-control"] == "no-store"
    assert "12 trending papers for Tue 3 Feb" in page.text
    assert any(html.escape(title, quote=False) in page.text for title in titles)
    text = client.get("/digest/preview?period=daily&date=2026-02-04&format=text")
    assert text.headers["content-type"].startswith("text/plain")
    assert any(title in text.text for title in titles)
    weekly = client.get("/digest/preview?period=weekly&date=2026-02-09")
    assert "for the week to" in weekly.text
    assert client.get("/digest/preview?period=hourly").status_code == 400


# -- errors and limits ------------------------------------------------------------------------


def test_the_api_answers_bad_requests_with_problems(shared: Site) -> None:
    client = browser(shared)
    for body, status in (
        ({"email": "not-an-address"}, 422),
        ({"email": address(), "frequency": "hourly"}, 422),
        ({"email": address(), "timezone": "Mars/Base"}, 400),
        ({"email": address(), "topics": ["x" * 101]}, 400),
        ({"frequency": "daily"}, 422),
    ):
        answer = client.post("/api/subscriptions", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == status and answer.json()["detail"]


ATTACK_ADDRESSES = [
    *(f"victim@example.com({n})" for n in range(1, 11)),  # comments: the same mailbox ten times
    "attacker(x)@evil.com",
    "a>victim2@example.com",
    "victim3@example.com\x00",
    "Display Name <victim4@example.com>",
    '"quoted local"@example.com',
    "victim5@example.com, victim6@example.com",
    "victim7@example.com\r\nBcc: victim8@example.com",
]


def test_addresses_with_comments_names_or_controls_are_refused_and_nothing_is_sent(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    site = mail_site(tmp_path, mailbox.url)
    client = browser(site)
    for typed in ATTACK_ADDRESSES:
        answer = client.post("/api/subscriptions", json={"email": typed})
        assert answer.status_code == 422, (typed, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert "is not an email address" in answer.json()["detail"]
        page = client.post("/subscribe", data={"email": typed})
        assert page.status_code == 422 and "is not an email address" in page.text
    site.hub.send_due()
    assert mailbox.received == [] and site.hub.subscriptions() == []
    site.hub.close()


def test_sign_up_refuses_the_same_addresses(site: Site) -> None:
    client = site.client()
    for typed in ATTACK_ADDRESSES[9:]:  # one with a comment, and every other shape
        form = client.get("/signup").text
        page = client.post(
            "/signup",
            data={"name": "mallory", "email": typed, "password": PASSWORD, "csrf": csrf_of(form)},
        )
        assert page.status_code == 422 and "is not an email address" in page.text, typed


def test_one_mailbox_however_typed_is_one_address_to_the_limit_and_to_smtp(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    site = mail_site(tmp_path, mailbox.url, limit_confirmations=3)
    client = browser(site)
    typings = ["Victim@example.com", " Victim@EXAMPLE.com", "Victim@Example.Com\n"]
    for typed in typings:
        answer = client.post("/api/subscriptions", json={"email": typed})
        assert answer.status_code == 202 and answer.json()["email"] == "Victim@example.com"
    refused = client.post("/api/subscriptions", json={"email": "Victim@example.COM"})
    assert refused.status_code == 429
    site.hub.send_due()
    # Every message went to the address as stored, to no other, in RCPT TO and in To.
    assert [r.recipients for r in mailbox.received] == [["Victim@example.com"]] * 3
    assert {r.message["To"] for r in mailbox.received} == {"Victim@example.com"}
    assert [s.email for s in site.hub.subscriptions()] == ["Victim@example.com"]
    site.hub.close()


def test_too_many_requests_from_one_client_are_refused(tmp_path: Path, mailbox: Mailbox) -> None:
    site = mail_site(tmp_path, mailbox.url, limit_subscribe=2)
    client = browser(site)
    for _ in range(2):
        assert client.post("/api/subscriptions", json={"email": address()}).status_code == 202
    refused = client.post("/api/subscriptions", json={"email": address()})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) > 0
    page = client.post("/subscribe", data={"email": address()})
    assert page.status_code == 429 and "retry-after" in page.headers
    assert len(mailbox.received) == 2
    site.hub.close()


# -- in a real browser, on a phone --------------------------------------------------------------


@pytest.fixture(scope="module")
def live_url(shared: Site) -> Iterator[str]:
    with serving(shared.app) as url:
        yield url


def test_the_box_fits_a_phone_and_answers_in_place(live_url: str, smtp: Mailbox) -> None:
    need_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    email = address("phone")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        context = launched.new_context(base_url=live_url, viewport={"width": 375, "height": 800})
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto("/")
        box = page.locator("aside.subscribe")
        box.scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for part in (box, box.get_by_label("Your email address"), box.get_by_role("button")):
            where = part.bounding_box()
            assert where is not None and where["x"] >= 0 and where["x"] + where["width"] <= 375
        SHOTS.mkdir(exist_ok=True)
        box.screenshot(path=str(SHOTS / "subscribe-phone.png"))
        page.evaluate("window.notReloaded = true")
        box.get_by_label("Your email address").fill(email)
        box.get_by_label("How often").select_option("weekly")
        box.get_by_role("button", name="Subscribe").click()
        status = box.get_by_role("status")
        playwright_api.expect(status).to_have_text(
            f"Check your inbox at {email}: follow the link in it to start your digest."
        )
        assert page.evaluate("window.notReloaded") is True
        launched.close()
    assert not problems, problems
    assert "a weekly digest" in only_confirmation(smtp, email).text
