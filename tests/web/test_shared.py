"""Pages every member shares: rendered once per version, each member's copy filled in with their
own buttons, name, form token and collections, byte for byte what rendering it for them gives."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from dailypapers.hub import Hub, personal
from dailypapers.web import cache
from web.conftest import Site, csrf_of

DAY = "/?date=2026-02-10"


def settled(site: Site) -> TestClient:
    """A new member whose welcome has been shown (a page with a message is theirs alone)."""
    member = site.member()
    member.get("/signin")
    return member


def pressed(html: str, paper: str, action: str) -> bool:
    card = html.split(f'data-paper="{paper}"', 1)[1].split("</article>", 1)[0]
    form = card.split(f'action="/papers/{paper}/{action}"', 1)[1].split("</form>", 1)[0]
    return 'aria-pressed="true"' in form


def rendered_alone(
    site: Site, member: TestClient, url: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    """``url`` as rendering it for ``member`` alone gives (nothing shared)."""
    with monkeypatch.context() as patched:
        patched.setattr(cache, "shareable", lambda _query: False)
        return member.get(url).text


def test_each_member_gets_their_own_marks_from_one_rendering(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders: list[object] = []
    paper_list = site.hub.paper_list

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        renders.append(args)
        return paper_list(*args, **kwargs)

    monkeypatch.setattr(site.hub, "paper_list", counting)
    ada, bob = settled(site), settled(site)
    first = ada.get(DAY).text
    papers = re.findall(r'data-paper="([^"]+)"', first)
    voted, kept = papers[0], papers[1]
    token = csrf_of(first)
    ada.post(f"/papers/{voted}/upvote", data={"csrf": token, "on": "1"})
    ada.post(f"/papers/{kept}/save", data={"csrf": token, "on": "1"})
    ada.post(f"/papers/{kept}/feedback", data={"csrf": token, "value": "-1"})
    renders.clear()
    ada_page, bob_page = ada.get(DAY), bob.get(DAY)
    assert len(renders) == 1  # one rendering for both
    assert ada_page.headers["cache-control"] == "private, no-cache"
    for page in (ada_page.text, bob_page.text):
        assert not re.search("[\x1d-\x1f]", page)  # no marker is left over
    assert pressed(ada_page.text, voted, "upvote") and not pressed(bob_page.text, voted, "upvote")
    assert pressed(ada_page.text, kept, "save") and not pressed(bob_page.text, kept, "save")
    less = ada_page.text.split(f'data-paper="{kept}"', 1)[1].split("</article>")[0]
    assert ">✓ Less like this</button>" in less and ">More like this</button>" in less
    assert f'href="/users/{ada.name}"' in ada_page.text  # type: ignore[attr-defined]
    assert f'href="/users/{bob.name}"' in bob_page.text  # type: ignore[attr-defined]
    assert csrf_of(ada_page.text) == token != csrf_of(bob_page.text)
    # Their copy is what rendering the page for them alone gives.
    assert ada_page.text == rendered_alone(site, ada, DAY, monkeypatch)
    assert bob_page.text == rendered_alone(site, bob, DAY, monkeypatch)
    # Their own change (a save moves nothing others see) shows on their next copy at once.
    ada.post(f"/papers/{kept}/save", data={"csrf": token, "on": "0"})
    assert not pressed(ada.get(DAY).text, kept, "save")


@pytest.mark.parametrize("url", ["/trending?window=month", "/search?q=diffusion+models"])
def test_trending_and_search_are_shared_alike(
    site: Site, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = settled(site), settled(site)
    first = ada.get(url).text
    paper = re.findall(r'data-paper="([^"]+)"', first)[0]
    ada.post(f"/papers/{paper}/upvote", data={"csrf": csrf_of(first), "on": "1"})
    bob.get(url)
    mine, theirs = ada.get(url).text, bob.get(url).text
    assert pressed(mine, paper, "upvote") and not pressed(theirs, paper, "upvote")
    assert mine == rendered_alone(site, ada, url, monkeypatch)
    assert theirs == rendered_alone(site, bob, url, monkeypatch)


def test_a_paper_page_carries_the_members_own_collections(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada, bob = settled(site), settled(site)
    paper = re.findall(r'data-paper="([^"]+)"', ada.get(DAY).text)[2]
    url = f"/papers/{paper}"
    form = ada.get(f"/users/{ada.name}/collections").text  # type: ignore[attr-defined]
    ada.post(
        "/collections",
        data={"csrf": csrf_of(form), "name": 'Tom\'s "A&B" <group>'},
    )
    bob.get(url)
    mine, theirs = ada.get(url).text, bob.get(url).text
    option = '<option value="tom-s-a-b-group">Tom&#39;s &#34;A&amp;B&#34; &lt;group&gt;</option>'
    assert option in mine  # escaped as the templates escape
    assert "tom-s-a-b-group" not in theirs and "Start a collection" in theirs
    assert mine == rendered_alone(site, ada, url, monkeypatch)
    assert theirs == rendered_alone(site, bob, url, monkeypatch)


def test_a_signed_out_session_and_a_marker_in_the_url_are_never_shared(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = settled(site)
    ada.get(DAY)
    ada.post("/signout", data={"csrf": csrf_of(ada.get(DAY).text)})
    after = ada.get(DAY)
    assert "Sign in" in after.text and "private" not in after.headers["cache-control"]
    bob = settled(site)
    forged = "/search?q=%1Evoted+1%1Fa%1Fb%1E"
    typed = bob.get(forged)
    assert typed.status_code == 200
    assert typed.text == rendered_alone(site, bob, forged, monkeypatch)


def _more(html: str, paper: str) -> bool:
    return ">✓ More like this</button>" in html.split(f'data-paper="{paper}"', 1)[1]


OPTION = '<option value="{}">Read on the train</option>'
ELSEWHERE = {
    "save": (
        lambda hub, member, paper: hub.save(member, paper),
        lambda day, page, paper: pressed(day, paper, "save"),
    ),
    "feedback": (
        lambda hub, member, paper: hub.feedback(member, paper, 1),
        lambda day, page, paper: _more(day, paper),
    ),
    "new collection": (
        lambda hub, member, paper: hub.create_collection(member, "Read on the train"),
        lambda day, page, paper: OPTION.format("read-on-the-train") in page,
    ),
    "renamed collection": (
        lambda hub, member, paper: hub.update_collection(member, "commute", "Read on the train"),
        lambda day, page, paper: OPTION.format("commute") in page,
    ),
}


@pytest.mark.parametrize("done", list(ELSEWHERE))
def test_what_a_member_does_through_another_process_shows_on_their_next_copy(
    site: Site, done: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each process keeps a member's marks and collections by their own sequence: a save,
    feedback or collection made or renamed through another process (which moves nothing
    others see, so the shared pages stand) shows on their next copy all the same."""
    ada = settled(site)
    first = ada.get(DAY).text
    paper = re.findall(r'data-paper="([^"]+)"', first)[3]
    site.hub.create_collection(site.hub.user_named(ada.name), "Commute")  # type: ignore[attr-defined]
    ada.get(DAY), ada.get(f"/papers/{paper}")  # both shared, her marks kept, in this process
    renders: list[object] = []
    render = site.hub.paper_list
    monkeypatch.setattr(
        site.hub, "paper_list", lambda *a, **k: renders.append(a) or render(*a, **k)
    )
    act, shows = ELSEWHERE[done]
    other = Hub.open(site.hub.settings)  # another worker, on the same store
    try:
        act(other, other.user_named(ada.name), paper)  # type: ignore[attr-defined]
    finally:
        other.close()
    day, page = ada.get(DAY).text, ada.get(f"/papers/{paper}").text
    assert renders == []  # her copies, of the pages rendered before
    assert shows(day, page, paper)
    assert day == rendered_alone(site, ada, DAY, monkeypatch)
    assert page == rendered_alone(site, ada, f"/papers/{paper}", monkeypatch)


def test_a_member_with_more_marks_than_are_kept_gets_their_own_all_the_same(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(personal, "KEPT_MARKS", 1)
    ada = settled(site)
    first = ada.get(DAY).text
    token = csrf_of(first)
    papers = re.findall(r'data-paper="([^"]+)"', first)[:3]
    for paper in papers:
        ada.post(f"/papers/{paper}/save", data={"csrf": token, "on": "1"})
    day = ada.get(DAY).text
    assert all(pressed(day, paper, "save") for paper in papers)
    assert day == rendered_alone(site, ada, DAY, monkeypatch)
