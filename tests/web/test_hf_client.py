"""huggingface_hub's own papers tests (``tests/test_hf_api.py::TestPaperApi``), run against this
site on loopback with the demo data, and every item checked against Hugging Face's shape.

What is substituted, and why: the queries, ids and dates name what the demo holds (February
2026, not October 2025); the demo's lists name no submitter, so the submitter test first
imports one item of HF's shape submitted by akhaliq ("AK"), and also asks for the papers a
member of this site submitted; and this hub links no models, datasets or Spaces to a paper, so
the test of linked repos checks that the lists come typed and empty, with totals of 0.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from web.conftest import LiveServer

huggingface_hub = pytest.importorskip("huggingface_hub")
from huggingface_hub import HfApi  # noqa: E402
from huggingface_hub.errors import BadRequestError, HfHubHTTPError  # noqa: E402


@pytest.fixture(scope="module")
def api(live: LiveServer) -> Iterator[HfApi]:
    # Loading the embedding model switches the hub libraries offline for this process (they
    # must never download it); this client talks to the loopback server only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        yield HfApi(endpoint=live.url, token=False)


DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def akhaliq(live: LiveServer) -> str:
    """A day of HF's list (before the demo's) with one paper, submitted by akhaliq."""
    [item, *_] = json.loads((DATA / "hf_daily_api_sample.json").read_text())
    item = dict(item, publishedAt="2026-01-30T00:00:00.000Z")
    item["submittedBy"] = {"_id": "60f1abe7544c2adfd699860c", "fullname": "AK", "name": "akhaliq"}
    live.site.hub.import_stream(io.BytesIO(json.dumps([item]).encode()), "akhaliq.json", "hf-daily")
    return "akhaliq"


@pytest.fixture(scope="module")
def member_submitter(live: LiveServer) -> str:
    """A member of this site who submitted one paper (fetched from the recorded arXiv)."""
    hub = live.site.hub
    user = hub.create_user("submitter", "submitter@example.org")
    hub.submit(user, "1605.08386")
    return user.name


class TestPaperApi:
    def test_papers_by_query(self, api: HfApi) -> None:
        papers = list(api.list_papers(query="PaperBanana"))
        assert len(papers) > 0
        assert "PaperBanana: Automating Academic Illustration for AI Scientists" in [
            paper.title for paper in papers
        ]

    def test_papers_by_query_with_limit(self, api: HfApi) -> None:
        papers = list(api.list_papers(query="diffusion", limit=2))
        assert len(papers) == 2

    def test_get_paper_by_id_success(self, api: HfApi) -> None:
        paper = api.paper_info("2601.23265")
        assert paper.title == "PaperBanana: Automating Academic Illustration for AI Scientists"

    def test_get_paper_by_id_returns_linked_repos(self, api: HfApi) -> None:
        paper = api.paper_info("2601.23265")
        assert paper.linked_models == [] and paper.num_total_models == 0
        assert paper.linked_datasets == [] and paper.num_total_datasets == 0
        assert paper.linked_spaces == []

    def test_get_paper_by_id_not_found(self, api: HfApi) -> None:
        with pytest.raises(HfHubHTTPError) as context:
            api.paper_info("1234.56789")
        assert context.value.response.status_code == 404

    def test_list_daily_papers_by_date(self, api: HfApi) -> None:
        papers = list(api.list_daily_papers(date="2026-02-02"))
        assert len(papers) > 0
        assert hasattr(papers[0], "id")
        assert hasattr(papers[0], "title")

    def test_list_daily_papers_by_date_invalid_date(self, api: HfApi) -> None:
        with pytest.raises(BadRequestError):
            list(api.list_daily_papers(date="2025-13-40"))

    def test_list_daily_papers_default_date(self, api: HfApi) -> None:
        papers = list(api.list_daily_papers())
        assert len(papers) > 0
        assert hasattr(papers[0], "id")
        assert hasattr(papers[0], "title")

    def test_list_daily_papers_week(self, api: HfApi) -> None:
        week = 7
        papers = list(api.list_daily_papers(week=f"2026-W{week}"))
        assert len(papers) > 0
        first_paper = papers[0]
        last_paper = papers[-1]
        utc = datetime.UTC
        week_start = datetime.datetime.fromisocalendar(2026, week - 1, 5).replace(tzinfo=utc)
        week_end = datetime.datetime.fromisocalendar(2026, week, 7).replace(tzinfo=utc)
        assert first_paper.submitted_at is not None and last_paper.submitted_at is not None
        assert week_start <= first_paper.submitted_at <= week_end
        assert week_start <= last_paper.submitted_at <= week_end

    def test_list_daily_papers_month(self, api: HfApi) -> None:
        month = 2
        papers = list(api.list_daily_papers(month=f"2026-{month}"))
        assert len(papers) > 0
        first_paper = papers[0]
        last_paper = papers[-1]
        utc = datetime.UTC
        month_start = datetime.datetime(2026, month, 1, tzinfo=utc) - datetime.timedelta(days=1)
        month_end = datetime.datetime(2026, month + 1, 1, tzinfo=utc) - datetime.timedelta(days=1)
        assert first_paper.submitted_at is not None and last_paper.submitted_at is not None
        assert month_start <= first_paper.submitted_at <= month_end
        assert month_start <= last_paper.submitted_at <= month_end

    def test_daily_papers_submitter(self, api: HfApi, akhaliq: str) -> None:
        papers = list(api.list_daily_papers(submitter=akhaliq))
        assert len(papers) > 0
        assert papers[0].submitted_by.fullname == "AK"  # type: ignore[union-attr]

    def test_daily_papers_submitter_of_this_site(self, api: HfApi, member_submitter: str) -> None:
        papers = list(api.list_daily_papers(submitter=member_submitter))
        assert [paper.id for paper in papers] == ["1605.08386"]
        assert papers[0].submitted_by.username == member_submitter  # type: ignore[union-attr]

    def test_daily_papers_p(self, api: HfApi) -> None:
        papers = list(api.list_daily_papers(date="2026-02-02", p=100))
        assert len(papers) == 0

    def test_daily_papers_limit(self, api: HfApi) -> None:
        papers = list(api.list_daily_papers(date="2026-02-02", limit=10))
        assert len(papers) == 10


def test_the_clients_objects_come_back_complete_and_typed(api: HfApi) -> None:
    [item] = api.list_daily_papers(date="2026-02-02", limit=1)
    assert item.id == "2601.23265" and item.upvotes == 188
    assert isinstance(item.published_at, datetime.datetime)  # the paper's date
    assert isinstance(item.submitted_at, datetime.datetime) and item.submitted_at.day == 2
    assert item.submitted_by is not None and item.submitted_by.username == "hf-daily"
    assert item.authors and all(author.name for author in item.authors)
    info = api.paper_info("2601.23265")
    assert info.comments == 0  # HF's comment count, never arXiv's comment text
    assert info.discussion_id == "2601.23265" and info.summary


# -- Hugging Face's shape, transcribed from the item and paper schemas of its published API ------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow")


class HfUser(_Strict):
    id_: StrictStr = Field(alias="_id")
    avatarUrl: StrictStr
    fullname: StrictStr
    name: StrictStr
    type: StrictStr
    isPro: StrictBool
    user: StrictStr | None = None


class HfAuthor(_Strict):
    id_: StrictStr = Field(alias="_id", min_length=24, max_length=24)
    name: StrictStr
    hidden: StrictBool
    status: StrictStr | None = None
    user: HfUser | None = None


class HfPaper(_Strict):
    id: StrictStr
    title: StrictStr
    summary: StrictStr
    authors: list[HfAuthor]
    publishedAt: StrictStr
    upvotes: StrictInt
    discussionId: StrictStr
    submittedOnDailyAt: StrictStr
    ai_keywords: list[StrictStr] | None = None
    githubRepo: StrictStr | None = None
    githubStars: StrictInt | None = None
    projectPage: StrictStr | None = None
    submittedOnDailyBy: HfUser | None = None
    mediaUrls: list[StrictStr] | None = None
    withdrawnAt: StrictStr | None = None


class HfItem(_Strict):
    paper: HfPaper
    title: StrictStr
    summary: StrictStr
    thumbnail: StrictStr
    publishedAt: StrictStr
    numComments: StrictInt
    isAuthorParticipating: StrictBool
    submittedBy: HfUser
    mediaUrls: list[StrictStr] | None = None


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2026-02-02"},
        {"week": "2026-W07", "limit": 100},
        {"month": "2026-02", "limit": 100, "p": 2},
        {"month": "2026-02", "sort": "trending", "limit": 100},
        {},
    ],
)
def test_every_item_is_in_hfs_shape(live: LiveServer, params: dict[str, Any]) -> None:
    client = live.site.client()
    items = client.get("/api/daily_papers", params=params).json()
    assert items
    for item in items:
        HfItem.model_validate(item)
    found = client.get("/api/papers/search", params={"q": "diffusion", "limit": 50}).json()
    for item in found:
        HfItem.model_validate(item)


def test_a_paper_is_in_hfs_shape_and_its_images_are_drawn(live: LiveServer) -> None:
    client = live.site.client()
    paper = client.get("/api/papers/2601.23265").json()
    HfPaper.model_validate(paper)
    again = client.get("/api/papers/2601.23265").json()
    assert [a["_id"] for a in again["authors"]] == [a["_id"] for a in paper["authors"]]
    assert "comments" not in paper and "arxivComments" in paper
    [item] = client.get("/api/daily_papers", params={"date": "2026-02-02", "limit": 1}).json()
    thumbnail = client.get(item["thumbnail"])
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/svg+xml"
    assert "PaperBanana" in thumbnail.text and "max-age" in thumbnail.headers["cache-control"]
    avatar = client.get(item["submittedBy"]["avatarUrl"])
    assert avatar.status_code == 200 and avatar.text.startswith("<svg")
    assert avatar.text == client.get(item["submittedBy"]["avatarUrl"]).text  # the same drawing
    assert avatar.text != client.get("/avatars/someone-else.svg").text
    assert client.get("/thumbnails/2401.99999.svg").status_code == 404


def _hf(live: LiveServer, *arguments: str) -> str:
    """huggingface_hub's own ``hf`` command, pointed at the site."""
    environment = {
        **os.environ,
        "HF_ENDPOINT": live.url,
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_UPDATE_CHECK": "1",
        "NO_COLOR": "1",
    }
    environment.pop("HF_TOKEN", None)
    command = [sys.executable, "-c", "from huggingface_hub.cli.hf import main; main()"]
    done = subprocess.run(
        [*command, "papers", *arguments], capture_output=True, text=True, env=environment,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_hf_command_reads_the_site(live: LiveServer, akhaliq: str) -> None:
    listed = json.loads(_hf(live, "ls", "--date", "2026-02-02", "--limit", "3", "--json"))
    assert [paper["id"] for paper in listed][:1] == ["2601.23265"] and len(listed) == 3
    week = json.loads(_hf(live, "ls", "--week", "2026-W07", "--sort", "trending", "--json"))
    days = {datetime.date.fromisoformat(paper["submitted_at"][:10]) for paper in week}
    assert days and all(day.isocalendar()[:2] == (2026, 7) for day in days)
    theirs = json.loads(_hf(live, "ls", "--submitter", akhaliq, "--json"))
    assert theirs and theirs[0]["submitted_by"]["fullname"] == "AK"
    info = json.loads(_hf(live, "info", "2601.23265", "--json"))
    assert info["title"].startswith("PaperBanana") and info["num_total_models"] == 0
    found = json.loads(_hf(live, "search", "PaperBanana", "--json"))
    assert found[0]["id"] == "2601.23265"
    markdown = _hf(live, "read", "2601.23265")
    assert markdown.startswith("# PaperBanana") and "```bibtex" in markdown
