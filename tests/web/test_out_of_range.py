"""Input at the edges of what Python's dates and the database's integers hold: 400 or 404 with a
problem (a page for pages), never a 500 and never a reset connection."""

from __future__ import annotations

import pytest

from web.conftest import Site, csrf_of

PAGES = [
    "/?week=9999-W52",
    "/?month=9999-12",
    "/?date=9999-12-31&sort=trending",
    "/?date=0001-01-01",
    "/?week=0001-W01",
    "/search?q=x&from=0001-01-01&to=9999-12-31",
]
API = [
    "/api/daily_papers?week=9999-W52",
    "/api/daily_papers?month=9999-12",
    "/api/daily_papers?date=9999-12-31&sort=trending",
    "/api/daily_papers?month=0001-01",
    "/api/daily_papers?date=0",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_out_of_range_days_with_a_page(site: Site, path: str) -> None:
    page = site.client().get(path)
    assert page.status_code in (200, 400), page.text
    assert page.headers["content-type"].startswith("text/html")
    if page.status_code == 400:
        assert "is out of range" in page.text


@pytest.mark.parametrize("path", API)
def test_the_api_answers_out_of_range_days_with_a_problem(site: Site, path: str) -> None:
    answer = site.client().get(path)
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_huge_ids_are_not_found(site: Site) -> None:
    client = site.member()
    user = site.hub.user_named(client.name)  # type: ignore[attr-defined]
    token, _ = site.hub.create_token(user, "edges")
    auth = {"authorization": f"Bearer {token}"}
    for parent in (10**30, 2**63, 2**31, -1):
        answer = client.post(
            "/api/papers/2602.02343/comments", json={"text": "hi", "parentId": parent}, headers=auth
        )
        assert answer.status_code == 404, answer.text
    assert client.post(
        "/api/papers/2602.02343/comments", json={"text": "hi", "parentId": 1e30}, headers=auth
    ).status_code in (404, 422)
    for follow in ("1e26", str(10**30), "0"):
        answer = client.delete(f"/api/follows/{follow}", headers=auth)
        # Not a follow's number (400, a bad parameter of the URL), or no such follow (404).
        assert answer.status_code in (400, 404) and answer.headers["content-type"].endswith(
            "problem+json"
        )
    csrf = csrf_of(client.get("/papers/2602.02343").text)
    form = client.post(
        "/papers/2602.02343/comments", data={"text": "hi", "parent_id": str(10**30), "csrf": csrf}
    )
    assert form.status_code == 404 and "no comment" in form.text
    assert client.post("/follows/1e26/delete", data={"csrf": csrf}).status_code in (400, 404)
    assert client.post(f"/follows/{10**30}/delete", data={"csrf": csrf}).status_code == 404


def test_a_digest_preview_of_any_day_answers(site: Site) -> None:
    client = site.member()
    for day in ("0001-01-01", "9999-12-31", "1900-01-01"):
        page = client.get("/digest/preview", params={"date": day})
        assert page.status_code in (200, 400), (day, page.text[:300])
        assert page.status_code == 200 or "is out of range" in page.text


def test_a_wrong_method_is_405_with_the_methods_the_path_takes(site: Site) -> None:
    client = site.client()
    for method, path, allowed in (
        ("GET", "/api/papers/2602.02343/upvote", "DELETE, POST"),
        ("PUT", "/api/papers/math-ph/0509037/save", "DELETE, POST"),
        ("GET", "/api/papers/2602.02343/feedback", "POST"),
        ("DELETE", "/api/collections", "GET, POST"),
        ("PATCH", "/api/daily_papers", "GET"),
    ):
        answer = client.request(method, path)
        assert answer.status_code == 405, (method, path, answer.text)
        assert answer.headers["allow"] == allowed
        assert answer.headers["content-type"] == "application/problem+json"


def test_a_body_larger_than_a_megabyte_is_refused_before_it_is_read(site: Site) -> None:
    answer = site.client().post(
        "/api/subscriptions", content=b'{"email": "' + b"a" * (2 << 20) + b'"}'
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_body_sent_without_a_length_is_cut_at_the_limit(site: Site) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"email": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    answer = site.client().post(
        "/api/subscriptions", content=chunks(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert "over 1,048,576 bytes" in answer.json()["detail"]
