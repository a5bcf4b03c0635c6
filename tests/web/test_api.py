"""The JSON API: HF's shapes and parameters, the write API with tokens, problem+json errors, and
the official ``huggingface_hub`` client against a real server on loopback."""

from __future__ import annotations

from datetime import date

import pytest

from web.conftest import LiveServer, Site


@pytest.fixture(scope="module")
def token(site: Site) -> str:
    user = site.hub.create_user("apiuser", "api@example.org")
    secret, _ = site.hub.create_token(user, "tests")
    return secret


def test_daily_papers_in_hf_shape(site: Site) -> None:
    client = site.client()
    items = client.get("/api/daily_papers", params={"date": "2026-02-02"}).json()
    assert items[0]["paper"]["id"] == "2601.23265" and items[0]["paper"]["upvotes"] == 188
    first = items[0]
    assert first["title"] == first["paper"]["title"].strip()
    assert first["publishedAt"] == "2026-02-02T00:00:00.000Z"
    assert first["paper"]["authors"][0]["name"] == "Dawei Zhu"
    assert {"numComments", "submittedBy", "summary", "githubRepo"} <= set(first)
    latest = client.get("/api/daily_papers").json()
    assert latest[0]["publishedAt"].startswith("2026-02-27")
    assert len(client.get("/api/daily_papers", params={"limit": 5}).json()) == 5
    month = client.get("/api/daily_papers", params={"month": "2026-02", "limit": 100}).json()
    page2 = client.get(
        "/api/daily_papers", params={"month": "2026-02", "limit": 100, "p": 1}
    ).json()
    assert len(month) == 100 and not {i["paper"]["id"] for i in month} & {
        i["paper"]["id"] for i in page2
    }
    days = [i["publishedAt"] for i in month]
    assert days == sorted(days, reverse=True)  # publishedAt: newest first
    week = client.get("/api/daily_papers", params={"week": "2026-W06", "sort": "trending"}).json()
    assert week and all(
        date.fromisoformat(i["publishedAt"][:10]).isocalendar()[1] == 6 for i in week
    )


def test_search_and_paper(site: Site) -> None:
    client = site.client()
    found = client.get("/api/papers/search", params={"q": "PaperBanana", "limit": 3}).json()
    assert found[0]["paper"]["id"] == "2601.23265" and len(found) <= 3
    paper = client.get("/api/papers/2601.23265").json()
    assert paper["id"] == "2601.23265" and paper["discussionId"] == "2601.23265"
    assert paper["submittedOnDailyAt"] == "2026-02-02T00:00:00.000Z"


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/api/papers/2401.99999", {}, 404, "no paper '2401.99999'"),
        ("/api/papers/not-an-id", {}, 404, "a paper is named by its arXiv id"),
        (
            "/api/daily_papers",
            {"limit": 101},
            400,
            "limit: Input should be less than or equal to 100",
        ),
        ("/api/daily_papers", {"date": "yesterday"}, 400, "date:"),
        ("/api/daily_papers", {"date": "2025-13-40"}, 400, "date:"),
        ("/api/daily_papers", {"p": -1}, 400, "p:"),
        ("/api/daily_papers", {"sort": "random"}, 400, "sort:"),
        ("/api/daily_papers", {"week": "W9"}, 400, "week must look like"),
        ("/api/papers/search", {"q": "x", "limit": 121}, 400, "limit"),
        ("/api/papers/search", {}, 400, "q: Field required"),
    ],
)
def test_errors_are_problem_json(
    site: Site, path: str, params: dict[str, object], status: int, words: str
) -> None:
    answer = site.client().get(path, params=params)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["status"] == status and words in body["detail"] and body["instance"] == path


def test_writes_need_a_token(site: Site, token: str) -> None:
    client = site.client()
    bare = client.post("/api/papers/2601.23265/upvote")
    assert bare.status_code == 401 and "Authorization: Bearer" in bare.json()["detail"]
    wrong = client.post("/api/papers/2601.23265/upvote", headers={"authorization": "Bearer dp_x"})
    assert wrong.status_code == 401 and "not valid" in wrong.json()["detail"]
    # A session cookie is no API credential.
    assert client.post("/api/papers/submit", json={"id": "1605.08386"}).status_code == 401


def test_write_api(site: Site, token: str) -> None:
    client = site.client()
    auth = {"authorization": f"Bearer {token}"}
    before = client.get("/api/papers/2602.02343").json()["upvotes"]
    up = client.post("/api/papers/2602.02343/upvote", headers=auth).json()
    assert up == {"id": "2602.02343", "upvotes": before + 1, "voted": True}
    assert (
        client.post("/api/papers/2602.02343/upvote", headers=auth).json()["upvotes"] == before + 1
    )
    assert client.delete("/api/papers/2602.02343/upvote", headers=auth).json()["upvotes"] == before
    said = client.post("/api/papers/2602.02343/comments", json={"text": "Read it!"}, headers=auth)
    assert said.status_code == 201 and said.json()["author"]["user"] == "apiuser"
    listed = client.get("/api/papers/2602.02343/comments").json()
    assert [c["text"] for c in listed] == ["Read it!"]
    empty = client.post("/api/papers/2602.02343/comments", json={"text": ""}, headers=auth)
    assert empty.status_code == 422
    sent = client.post("/api/papers/submit", json={"id": "arXiv:1707.08567"}, headers=auth)
    assert sent.status_code == 201 and sent.json()["paper"]["id"] == "1707.08567"
    assert sent.json()["submittedBy"]["user"] == "apiuser"
    mine = client.get("/api/daily_papers", params={"submitter": "apiuser"}).json()
    assert [i["paper"]["id"] for i in mine] == ["1707.08567"]
    again = client.post("/api/papers/submit", json={"id": "1707.08567"}, headers=auth)
    assert again.status_code == 409 and "already submitted" in again.json()["detail"]


def test_the_huggingface_hub_client_works_unchanged(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    huggingface_hub = pytest.importorskip("huggingface_hub")
    # Loading the embedding model switches the hub libraries offline for this process (they
    # must never download it); this client talks to the loopback server only.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    api = huggingface_hub.HfApi(endpoint=live.url, token=False)
    daily = list(api.list_daily_papers(date="2026-02-02"))
    assert daily[0].id == "2601.23265" and daily[0].upvotes == 188
    assert daily[0].title.startswith("PaperBanana")
    assert daily[0].authors and daily[0].authors[0].name == "Dawei Zhu"
    assert daily[0].submitted_at is not None and daily[0].submitted_at.day == 2
    assert daily[0].summary and "PaperBanana" in daily[0].summary
    assert len(list(api.list_daily_papers(month="2026-02", limit=10))) == 10
    info = api.paper_info("2601.23265")
    assert (
        info.id == "2601.23265" and info.github_repo == "https://github.com/dwzhu-pku/PaperBanana"
    )
    assert info.upvotes == 188 and info.discussion_id == "2601.23265"
    found = list(api.list_papers(query="PaperBanana", limit=5))
    assert found and found[0].id == "2601.23265"
    markdown = api.read_paper("2601.23265")
    assert markdown.startswith("# PaperBanana")
    with pytest.raises(huggingface_hub.errors.HfHubHTTPError) as missing:
        api.paper_info("2401.99999")
    assert missing.value.response.status_code == 404


def test_key_phrases_tag_papers_and_find_them(site: Site) -> None:
    client = site.client()
    paper = client.get("/api/papers/2601.23265").json()
    assert paper["ai_keywords"][0] == "PaperBanana"
    assert "automating academic illustration" in paper["ai_keywords"]
    page = client.get("/papers/2601.23265").text
    assert "/search?q=kw%3A%22automating%20academic%20illustration%22&amp;sort=newest" in page
    only = client.get(
        "/api/papers/search",
        params={"q": 'kw:"Automating  Academic Illustration"', "mode": "lexical"},
    ).json()
    assert [item["paper"]["id"] for item in only] == ["2601.23265"]
    topic = "diffusion language models"
    tagged = client.get(
        "/api/papers/search", params={"q": f'kw:"{topic}"', "mode": "lexical", "limit": 100}
    ).json()
    assert len(tagged) >= 3
    assert all(topic in [k.lower() for k in item["paper"]["ai_keywords"]] for item in tagged)
    daily = client.get("/", params={"date": "2026-02-02"}).text
    assert 'class="tag topic"' in daily  # on the cards too
