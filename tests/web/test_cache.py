"""Kept responses: signed-out readers get them while nothing changed; members never do."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dailypapers.hub import Hub
from dailypapers.store.lists import Lists
from web.conftest import Site, csrf_of


def upvotes_of(html: str, paper: str) -> int:
    card = html.split(f'data-paper="{paper}"', 1)[1]
    return int(re.search(r"data-count>(\d+)<", card).group(1))  # type: ignore[union-attr]


def test_kept_for_readers_until_the_store_changes(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[str] = []
    paper_list = site.hub.paper_list

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        renders.append("list")
        return paper_list(*args, **kwargs)

    monkeypatch.setattr(site.hub, "paper_list", counting)
    reader = site.client()
    first = reader.get("/?date=2026-02-03")
    again = reader.get("/?date=2026-02-03")
    assert first.text == again.text and len(renders) == 1
    assert again.headers["content-security-policy"]  # kept responses still get the headers
    assert "set-cookie" not in again.headers
    # A member's page is rendered apart from the readers' (with their own votes on it; the
    # page after signing up, with its welcome, is theirs alone), and then once for all members.
    member = site.member()
    member.get("/?date=2026-02-03")
    member.get("/?date=2026-02-03")
    member.get("/?date=2026-02-03")
    assert len(renders) == 3
    # Their vote moves the store on: readers see it at once (no delay in tests).
    paper = re.search(r'data-paper="([^"]+)"', first.text).group(1)  # type: ignore[union-attr]
    page = member.get(f"/papers/{paper}")
    member.post(f"/papers/{paper}/upvote", data={"csrf": csrf_of(page.text), "on": "1"})
    after = reader.get("/?date=2026-02-03")
    assert len(renders) == 4
    assert upvotes_of(after.text, paper) == upvotes_of(first.text, paper) + 1


def test_only_plain_successes_are_kept(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    paper = site.hub.paper

    def counting(ident: str):  # type: ignore[no-untyped-def]
        asked.append(ident)
        return paper(ident)

    monkeypatch.setattr(site.hub, "paper", counting)
    reader = site.client()
    assert reader.get("/api/papers/2401.99999").status_code == 404
    assert reader.get("/api/papers/2401.99999").status_code == 404
    assert asked == ["2401.99999", "2401.99999"]
    reader.get("/api/papers/2601.23265")
    reader.get("/api/papers/2601.23265")
    assert asked.count("2601.23265") == 1
    # Pages that are not everyone's are never kept: forms, and anything but GET.
    assert "set-cookie" in reader.get("/signin").headers
    assert "set-cookie" in site.client().get("/signin").headers


def _vary(headers: Any) -> set[str]:
    return {name.strip().lower() for name in headers["vary"].split(",")}


def test_http_caching_for_readers_and_not_for_members(site: Site) -> None:
    reader = site.client()
    first = reader.get("/?date=2026-02-04")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('W/"') and _vary(first.headers) == {"cookie", "authorization"}
    assert first.headers["cache-control"].startswith("public, max-age=")
    kept = reader.get("/?date=2026-02-04")  # from the kept copy: the same validators
    assert (kept.headers["etag"], kept.headers["last-modified"]) == (etag, modified)
    unchanged = reader.get("/?date=2026-02-04", headers={"if-none-match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    since = reader.get("/?date=2026-02-04", headers={"if-modified-since": modified})
    assert since.status_code == 304
    garbled = reader.get("/?date=2026-02-04", headers={"if-modified-since": "yesterday"})
    assert garbled.status_code == 200
    other = reader.get("/?date=2026-02-05", headers={"if-none-match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag  # tags name one URL
    api = reader.get("/api/papers/2601.23265")
    assert api.headers["etag"].startswith('W/"') and "public" in api.headers["cache-control"]
    missing = reader.get("/api/papers/2401.99999")
    assert missing.status_code == 404 and "etag" not in missing.headers
    # A member's page is theirs: never public, never answered from a tag.
    member = site.member()
    own = member.get("/?date=2026-02-04", headers={"if-none-match": etag})
    assert own.status_code == 200 and own.headers["cache-control"] == "private, no-cache"
    assert "etag" not in own.headers and _vary(own.headers) == {"cookie", "authorization"}
    # Once the store moves on (a vote), the reader's tag no longer holds.
    paper = re.search(r'data-paper="([^"]+)"', first.text).group(1)  # type: ignore[union-attr]
    page = member.get(f"/papers/{paper}")
    member.post(f"/papers/{paper}/upvote", data={"csrf": csrf_of(page.text), "on": "1"})
    after = reader.get("/?date=2026-02-04", headers={"if-none-match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert upvotes_of(after.text, paper) == upvotes_of(first.text, paper) + 1


def test_a_lists_papers_are_read_once_a_change_of_the_store(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages nothing keeps (a new query string, the API) read a day's papers from the store
    once while it stands, and again after any process moved it on."""
    reads: list[object] = []
    between = Lists.between

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(args)
        return between(self, *args, **kwargs)

    monkeypatch.setattr(Lists, "between", counting)
    reader = site.client()
    first = reader.get("/?date=2026-02-05&n=1")
    reader.get("/?date=2026-02-05&n=2")
    reader.get("/api/daily_papers?date=2026-02-05&sort=publishedAt")
    assert len(reads) == 1
    paper = re.search(r'data-paper="([^"]+)"', first.text).group(1)  # type: ignore[union-attr]
    other = Hub.open(site.hub.settings)  # another worker, on the same store
    try:
        other.vote(other.create_user("elsewhere", "elsewhere@example.org", None), paper, True)
    finally:
        other.close()
    after = reader.get("/?date=2026-02-05&n=3")
    assert len(reads) == 2
    assert upvotes_of(after.text, paper) == upvotes_of(first.text, paper) + 1
