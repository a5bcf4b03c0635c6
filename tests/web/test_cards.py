"""Papers' cards kept between pages: each rendered once for what its paper holds and where it is
shown, rendered again only for the paper that changed, and a member's marks still their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from web.conftest import Site, csrf_of, make_site
from web.test_shared import pressed, rendered_alone, settled

DAY = "/?date=2026-02-10"


def rendered(site: Site) -> int:
    return int(site.app.state.templates.cards.rendered)


def cards_of(html: str) -> list[str]:
    return re.findall(r'<article class="card".*?</article>', html, re.S)


def test_a_card_is_rendered_once_and_again_only_when_its_paper_changes(site: Site) -> None:
    reader = site.client()
    first = reader.get(DAY).text
    papers = re.findall(r'data-paper="([^"]+)"', first)
    assert len(papers) > 5
    # The same list under another URL (nothing kept for it as a whole) renders no card again.
    before = rendered(site)
    again = reader.get(DAY + "&utm_source=feed").text
    assert rendered(site) == before
    assert cards_of(again) == cards_of(first)
    # A vote makes its paper's card anew, with the new count, and no other.
    member = settled(site)
    top = papers[0]
    count = int(re.findall(r"data-count>(\d+)<", cards_of(first)[0])[0])
    member.post(f"/papers/{top}/upvote", data={"csrf": csrf_of(member.get(DAY).text), "on": "1"})
    before = rendered(site)
    after = reader.get(DAY + "&utm_source=mail").text
    assert rendered(site) == before + 1
    assert f"data-count>{count + 1}<" in cards_of(after)[0]
    assert cards_of(after)[1:] == cards_of(first)[1:]


def test_kept_cards_leave_each_member_their_own_marks(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = settled(site), settled(site)
    page = ada.get(DAY).text  # every card rendered both ways, and kept
    paper = re.findall(r'data-paper="([^"]+)"', page)[2]
    bob.post(f"/papers/{paper}/save", data={"csrf": csrf_of(bob.get(DAY).text), "on": "1"})
    # A page the members share, new to the cache, made of kept cards (a save changes no
    # paper): each member's copy shows their own marks, as rendering it for them alone does;
    # the second's is joined from the shared page, with the marks of the papers it names.
    url = DAY + "&utm_source=feed"
    before = rendered(site)
    ada_page, bob_page = ada.get(url).text, bob.get(url).text
    assert rendered(site) == before
    assert pressed(bob_page, paper, "save") and not pressed(ada_page, paper, "save")
    assert bob_page == rendered_alone(site, bob, url, monkeypatch)
    assert ada_page == rendered_alone(site, ada, url, monkeypatch)


def test_a_search_highlights_each_query_on_its_own_cards(site: Site) -> None:
    reader = site.client()
    # The same papers, found again by a query of fewer words: their cards mark those only.
    for query, stems in (("diffusion models", ("diffus", "model")), ("diffusion", ("diffus",))):
        page = reader.get("/search", params={"q": query}).text
        marked = [m.lower() for m in re.findall(r"<mark>(.*?)</mark>", page)]
        assert marked, f"no result of {query!r} highlights it"
        assert all(m.startswith(stems) for m in marked), (query, set(marked))


def test_with_no_memory_for_pages_each_is_rendered_whole(tmp_path: Path) -> None:
    site = make_site(tmp_path, page_cache_mb=0)
    try:
        reader = site.client()
        first = reader.get(DAY).text
        cards = len(cards_of(first))
        before = rendered(site)
        again = reader.get(DAY)
        assert again.status_code == 200 and again.text == first
        assert rendered(site) == before + cards  # none kept
    finally:
        site.hub.close()
