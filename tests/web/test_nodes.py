"""Two nodes on one PostgreSQL behind nginx, as the README deploys them: each node a data dir of
its own (standing for a machine) with `serve --workers 2` and a `worker`, the balancer nginx
with the README's configuration. What is written through one node shows on the other, a digest
goes out once, and a node killed with SIGKILL comes back and catches up."""

from __future__ import annotations

import json
import re
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from mailing import add_subscribers
from served import Node, balanced, launch, member, mixed_load, nodes, site_env
from smtp_sink import Mailbox, smtp_server

TEST_DATA = Path(__file__).resolve().parents[1] / "data"
SUBSCRIBERS = 5
WITHIN_S = 15  # what one node writes shows on the other's pages this soon


class Site:
    def __init__(self, one: Node, two: Node, balancer: str, mailbox: Mailbox) -> None:
        self.one, self.two, self.balancer, self.mailbox = one, two, balancer, mailbox
        # The newest demo list's papers (before a submission starts a list for today).
        listed = httpx.get(balancer + "/api/daily_papers", timeout=20).json()
        self.papers = [entry["paper"]["id"] for entry in listed]


@pytest.fixture(scope="module")
def site(
    new_database: Callable[[], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    database = new_database()
    root = tmp_path_factory.mktemp("nodes")
    with smtp_server() as mailbox:
        settings: dict[str, object] = {
            "database_url": database,
            "smtp_url": mailbox.url,
            "base_url": "http://papers.test",
            "cache_max_age": 2,
            # Every minute, so that both workers take their first tick's digest at once; the
            # nodes fetch nothing from outside.
            "schedule_daily_digest": "* * * * *",
            "schedule_weekly_digest": "",
            "schedule_send": "* * * * *",
            "schedule_arxiv": "",
            "schedule_hf": "",
            "schedule_enrich": "",
            "schedule_thumbnails": "",
            "schedule_stars": "",
            "limit_comments": 10_000,  # the mixed load comments faster than a person
            "new_member_hours": 0,  # and its members are minutes old
        }
        one, two = nodes(root, 2, **settings)
        hub = Hub(load_settings({"data_dir": one.data_dir, "database_url": database}, {}))
        with hub:
            add_subscribers(hub, SUBSCRIBERS)
        with balanced(root, [one, two]) as balancer:
            yield Site(one, two, balancer, mailbox)


def eventually(check: Callable[[], Any], seconds: float = WITHIN_S) -> float:
    """Poll ``check`` until it returns something true; how long that took."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s: {check.__doc__ or check}")
        time.sleep(0.25)
    return time.monotonic() - started


def upvotes(base: str, paper: str) -> int:
    return int(httpx.get(f"{base}/api/papers/{paper}", timeout=20).json()["upvotes"])


def test_a_digest_is_composed_and_sent_once_by_two_workers(site: Site) -> None:
    def digests() -> list[str]:
        with site.mailbox.lock:
            received = list(site.mailbox.received)
        return [r.recipients[0] for r in received if "Daily Papers" in r.message["Subject"]]

    eventually(lambda: len(digests()) >= SUBSCRIBERS, 90)
    time.sleep(3)  # a second sender, had there been one, would have sent by now
    assert Counter(digests()) == {f"r{n}@example.org": 1 for n in range(SUBSCRIBERS)}
    # Whichever worker took the job composed them all; the other composed none.
    runs = [
        json.loads(found)
        for node in (site.one, site.two)
        for found in re.findall(r"digest-daily@UTC: (\{.*?\}) \(", node.worker_log())
    ]
    assert sum(run["composed"] for run in runs) == SUBSCRIBERS, runs


def test_what_one_node_is_told_the_other_shows(site: Site) -> None:
    one, two = site.one.url, site.two.url
    ada, csrf = member(one, "ada", site.mailbox)
    papers = site.papers
    paper = papers[0]
    before = upvotes(two, paper)
    text = "Written through node one, read through node two."
    assert ada.post(f"/papers/{paper}/upvote", data={"csrf": csrf, "on": "1"}).status_code == 303
    posted = ada.post(f"/papers/{paper}/comments", data={"csrf": csrf, "text": text})
    assert posted.status_code == 303

    def on_two() -> bool:
        """the vote and the comment on node two's paper page and API"""
        page = httpx.get(f"{two}/papers/{paper}", timeout=20).text
        return text in page and upvotes(two, paper) == before + 1

    took = eventually(on_two)
    print(f"vote and comment on the other node after {took:.1f} s")
    # Node two knows the member by the cookie node one set: sessions live in the database.
    two_as_ada = httpx.Client(base_url=two, cookies=ada.cookies, timeout=20)
    assert 'href="/users/ada"' in two_as_ada.get("/").text

    # A submission through node two lists a paper on today's list, on node one too.
    older = next(p for p in reversed(papers) if p not in papers[:5])
    today = datetime.now(UTC).date().isoformat()
    two_csrf = re.search(r'name="csrf" value="([^"]+)"', two_as_ada.get("/submit").text).group(1)  # type: ignore[union-attr]
    assert two_as_ada.post("/submit", data={"csrf": two_csrf, "ref": older}).status_code == 303

    def listed_on_one() -> bool:
        """the submission on node one's list of today, its feed, and the balancer's page"""
        listed = httpx.get(f"{one}/api/daily_papers", params={"date": today}, timeout=20).json()
        feed = httpx.get(f"{one}/feeds/daily.atom", timeout=20).text
        front = httpx.get(site.balancer + "/", params={"date": today}, timeout=20).text
        return older in [e["paper"]["id"] for e in listed] and older in feed and older in front

    eventually(listed_on_one)


def test_an_import_on_one_node_is_found_by_the_others_search(site: Site) -> None:
    found = "Lower order eigenvalues of the biharmonic operator"
    assert found not in httpx.get(site.two.url + "/search", params={"q": "biharmonic"}).text
    command = ["import", str(TEST_DATA / "oai_arxivraw_sample.xml"), "--data-dir"]
    log = site.one.data_dir.parent / "import.log"
    done = launch([*command, str(site.one.data_dir)], site_env(**site.one.settings), log)
    assert done.wait(60) == 0, log.read_text()

    def searched() -> bool:
        """node two's search finds the imported paper, by words and by meaning"""
        words = httpx.get(site.two.url + "/search", params={"q": "biharmonic"}, timeout=20)
        meaning = httpx.get(
            site.two.url + "/api/papers/search",
            params={"q": "eigenvalues of a fourth order elliptic operator", "mode": "semantic"},
            timeout=20,
        ).json()
        return found in words.text and any(found in hit["paper"]["title"] for hit in meaning)

    took = eventually(searched)
    print(f"imported paper found on the other node after {took:.1f} s")


def test_a_node_killed_comes_back_and_catches_up(site: Site) -> None:
    site.two.stop(signal.SIGKILL)
    papers = site.papers
    # The balancer sends everything to node one now.
    grace, csrf = member(site.balancer, "grace", site.mailbox)
    text = "Written while node two was down."
    paper = papers[1]
    before = upvotes(site.one.url, paper)
    assert grace.post(f"/papers/{paper}/upvote", data={"csrf": csrf, "on": "1"}).status_code == 303
    assert (
        grace.post(f"/papers/{paper}/comments", data={"csrf": csrf, "text": text}).status_code
        == 303
    )
    site.two.start_worker()
    site.two.start_site()
    page = httpx.get(f"{site.two.url}/papers/{paper}", timeout=20).text
    assert text in page and upvotes(site.two.url, paper) == before + 1
    # Its indexes survived the kill: it still finds what it found.
    hits = httpx.get(site.two.url + "/search", params={"q": "biharmonic"}, timeout=20)
    assert "Lower order eigenvalues" in hits.text


def test_a_mixed_load_through_the_balancer_has_no_errors(site: Site) -> None:
    """Readers and members at once through nginx for 10 s: pages, votes, comments."""
    members = [member(site.balancer, f"load{n}", site.mailbox) for n in range(4)]
    load = mixed_load(site.balancer, site.papers, members, readers=3, seconds=10)
    assert not load.errors, load.errors[:10]
    assert len(load.took["vote"]) > 10 and len(load.took["read"]) > 50, load.rates()
