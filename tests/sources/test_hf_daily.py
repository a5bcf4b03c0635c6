"""The Hugging Face JSON parsers: daily_papers API, the papers-page feed history, daily archives."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from dailypapers import demo
from dailypapers.errors import InvalidInput
from dailypapers.models import Listing, PaperRecord, Rejection
from dailypapers.sources.hf_daily import (
    detect_hf_json,
    feed_abstract,
    parse_hf_daily,
    parse_hf_daily_archive,
    parse_hf_feed,
)

FEED = "hf-papers/michaelmarkert_rss_hf_papers_feed_history.jsonl.gz"
ARCHIVE = "hf-papers/misaki-wang_hf_bot_2026-02.jsonl"
ZH_TW = "hf-papers/lianghsun_hf-papers-zh-tw_2026-02.jsonl"
SAMPLE = "hf_daily_api_sample.json"
PLACEHOLDER = "(HF's AI summary of the paper: left out of this fixture)"


def _only_records(out: list[PaperRecord | Rejection]) -> list[PaperRecord]:
    records = [item for item in out if isinstance(item, PaperRecord)]
    assert len(records) == len(out), [item for item in out if isinstance(item, Rejection)][:3]
    return records


def _daily(data: Any, source: str = "daily.json") -> list[PaperRecord | Rejection]:
    return list(parse_hf_daily(io.BytesIO(json.dumps(data).encode()), source))


@pytest.fixture(scope="module")
def feed(shared_data: Path) -> list[PaperRecord | Rejection]:
    with (shared_data / FEED).open("rb") as stream:
        return list(parse_hf_feed(stream, FEED))


@pytest.fixture(scope="module")
def sample(test_data: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((test_data / SAMPLE).read_text())
    return data


# -- the daily_papers API ---------------------------------------------------------------------


def test_api_sample(test_data: Path) -> None:
    with (test_data / SAMPLE).open("rb") as stream:
        records = _only_records(list(parse_hf_daily(stream, SAMPLE)))
    assert [r.arxiv_id for r in records] == ["2602.21193", "2602.12192", "2602.20739"]
    assert [r.listing for r in records] == [
        Listing(date=date(2026, 2, 25), rank=rank) for rank in (1, 2, 3)
    ]
    first = records[0]
    assert first.title == "On Data Engineering for Scaling LLM Terminal Capabilities"
    assert first.authors == (
        "Renjie Pi",
        "Grace Lam",
        "Mohammad Shoeybi",
        "Pooya Jannaty",
        "Bryan Catanzaro",
        "Wei Ping",
    )
    assert first.author_count == 6
    assert first.published == datetime(2026, 2, 24, 18, 51, 4, tzinfo=UTC)
    assert (first.upvotes, first.github_repo, first.num_comments, first.version) == (
        64,
        None,
        None,
        None,
    )
    assert first.abstract is not None
    assert first.abstract.startswith("Despite rapid recent progress in the terminal capabilities")
    third = records[2]
    assert third.title == "PyVision-RL: Forging Open Agentic Vision Models via RL"
    assert (third.upvotes, third.github_repo) == (
        22,
        "https://github.com/agents-x-project/PyVision-RL",
    )
    assert records[1].published == datetime(2026, 2, 12, 17, 23, 38, tzinfo=UTC)
    # HF's ai_summary is never read.
    assert all(r.abstract and PLACEHOLDER not in r.abstract for r in records)


def test_submitter_comments_and_project_page(sample: list[dict[str, Any]]) -> None:
    item = dict(sample[2])
    item["submittedBy"] = {"_id": "x", "fullname": "Shitian Zhao", "name": "shitianzhao"}
    item["numComments"] = 3
    item["paper"] = dict(item["paper"], projectPage="https://example.org/pyvision-rl")
    record = _only_records(_daily([item]))[0]
    # The username is who the listing is by; the full name is shown beside it.
    assert record.listing == Listing(date(2026, 2, 25), 1, "shitianzhao", "Shitian Zhao")
    assert (record.num_comments, record.project_page) == (3, "https://example.org/pyvision-rl")
    item["submittedBy"] = {"name": "shitianzhao"}
    assert _only_records(_daily([item]))[0].listing == Listing(date(2026, 2, 25), 1, "shitianzhao")


def test_a_single_paper_object(sample: list[dict[str, Any]]) -> None:
    paper = dict(sample[0]["paper"], submittedOnDailyBy={"fullname": "AK", "user": "akhaliq"})
    [record] = _only_records(_daily(paper))
    assert record.arxiv_id == "2602.21193"
    # A bare paper says when it went on the daily list, but not at which place.
    assert record.listing == Listing(
        date=date(2026, 2, 25), rank=None, submitter="akhaliq", submitter_name="AK"
    )
    del paper["submittedOnDailyAt"]
    assert _only_records(_daily(paper))[0].listing is None


def test_ranks_count_within_each_day_of_the_bundled_demo() -> None:
    with demo.open_dataset() as stream:
        records = _only_records(list(parse_hf_daily(stream, demo.DATASET_NAME)))
    assert len(records) == 783
    first = records[0]
    assert first.arxiv_id == "2601.23265"
    assert first.title == "PaperBanana: Automating Academic Illustration for AI Scientists"
    assert (first.upvotes, first.listing) == (188, Listing(date(2026, 2, 2), 1))
    days: dict[date, list[int]] = {}
    for record in records:
        assert record.listing is not None and record.listing.rank is not None
        days.setdefault(record.listing.date, []).append(record.listing.rank)
    assert len(days) == 20
    assert all(ranks == list(range(1, len(ranks) + 1)) for ranks in days.values())


def test_a_repositorys_stars_come_with_its_paper(sample: list[dict[str, Any]]) -> None:
    starred = dict(sample[0], paper=dict(sample[0]["paper"], githubStars=321))
    [record] = _only_records(_daily(starred))
    assert record.github_stars == 321
    assert _only_records(_daily(sample[0]))[0].github_stars is None


def test_malformed_items_are_rejected(sample: list[dict[str, Any]]) -> None:
    bad_id = dict(sample[1], paper=dict(sample[1]["paper"], id="not-an-id"))
    bad_votes = dict(sample[2], paper=dict(sample[2]["paper"], upvotes="many"))
    bad_time = dict(sample[0], publishedAt="yesterday")
    bad_stars = dict(sample[0], paper=dict(sample[0]["paper"], githubStars=-3))
    out = _daily([sample[0], "junk", bad_id, bad_votes, bad_time, {"paper": [1]}, bad_stars])
    assert isinstance(out[0], PaperRecord)
    assert [(r.where, r.reason) for r in out[1:] if isinstance(r, Rejection)] == [
        ("entry 2", "expected a JSON object, got str"),
        ("entry 3", "'not-an-id' is not an arXiv id"),
        ("entry 4", "'upvotes' is not a count: 'many'"),
        ("entry 5", "unreadable date 'yesterday'"),
        ("entry 6", "'paper' is a list, not an object"),
        ("entry 7", "'githubStars' is not a count: -3"),
    ]


def test_unreadable_api_responses() -> None:
    with pytest.raises(InvalidInput, match=r"^api\.json: not Hugging Face papers JSON"):
        list(parse_hf_daily(io.BytesIO(b"<html>rate limited</html>"), "api.json"))
    with pytest.raises(InvalidInput, match="expected a JSON array or object, got int"):
        list(parse_hf_daily(io.BytesIO(b"42"), "api.json"))
    assert list(parse_hf_daily(io.BytesIO(b"[]"), "api.json")) == []


# -- the papers-page feed history -------------------------------------------------------------


def test_feed_counts(feed: list[PaperRecord | Rejection]) -> None:
    assert len(feed) == 11022
    rejected = [item for item in feed if isinstance(item, Rejection)]
    # The feed's own error item ("Something is wrong - no hf papers feed generated") is no paper.
    assert rejected == [
        Rejection(
            FEED,
            "line 128",
            "'1' is not an arXiv id (title 'Something is wrong - no hf papers feed generated')",
        )
    ]
    records = [item for item in feed if isinstance(item, PaperRecord)]
    assert len({r.arxiv_id for r in records}) == 11021
    assert sum(r.abstract is None for r in records) == 213
    assert all(r.listing is not None and r.listing.rank is None for r in records)
    assert all(r.published is None and r.authors is None and r.upvotes is None for r in records)


def test_feed_spot_checks(feed: list[PaperRecord | Rejection]) -> None:
    by_id = {r.arxiv_id: r for r in feed if isinstance(r, PaperRecord)}
    ain = by_id["2502.00094"]
    assert ain.title == "AIN: The Arabic INclusive Large Multimodal Model"
    assert ain.listing == Listing(date=date(2025, 2, 4))
    assert ain.abstract is not None
    assert ain.abstract.startswith("Amid the swift progress of large language models (LLMs)")
    last = feed[-1]
    assert isinstance(last, PaperRecord) and last.arxiv_id == "2607.21596"
    assert last.listing == Listing(date=date(2026, 8, 21))


def test_feed_keeps_only_the_arxiv_abstract(feed: list[PaperRecord | Rejection]) -> None:
    by_id = {r.arxiv_id: r for r in feed if isinstance(r, PaperRecord)}
    # "<AI summary>  AI-generated summary  <abstract>"
    survey = by_id["2506.13759"].abstract
    assert survey is not None
    assert survey.startswith("In this work, we provide a systematic survey of Discrete Diffusion")
    assert survey.endswith("Paper collection: https://github.com/LiQiiiii/DLLM-Survey")
    # "Abstract <AI summary>  Generated by <model> <abstract>"
    pipeline = by_id["2605.30852"].abstract
    assert pipeline is not None
    assert pipeline.startswith("Speculative Decoding (SD) accelerates low-concurrency LLM")
    assert "Speculative Pipeline Decoding introduces" not in pipeline
    # "Abstract  <abstract>" (no AI summary): the heading goes.
    flip = by_id["2603.02398"].abstract
    assert flip is not None
    assert flip.startswith("An open-source C++ framework for discovering fast matrix")
    abstracts = [r.abstract for r in by_id.values() if r.abstract]
    assert not any("Generated by Qwen/" in a or "AI-generated summary" in a for a in abstracts)
    headed = [
        r.arxiv_id for r in by_id.values() if r.abstract and r.abstract.startswith("Abstract")
    ]
    # Its abstract's first words are "Abstract reasoning ability reflects the intelligence".
    assert headed == ["2605.17278"]


def test_feed_abstract_shapes() -> None:
    assert feed_abstract(None) is None and feed_abstract("") is None
    assert feed_abstract("Summary.  \t\tAI-generated summary \t\t We study $x^2$.") == (
        "We study $x^2$."
    )
    assert feed_abstract("Abstract Summary.  Generated by org/Model-1.5 We   study.") == (
        "We study."
    )
    assert feed_abstract("We study  things.\n") == "We study things."


def test_feed_streams_and_reads_plain_jsonl(shared_data: Path) -> None:
    class Counting(io.RawIOBase):
        def __init__(self, raw: io.BufferedReader) -> None:
            self.raw, self.read_bytes = raw, 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            data = self.raw.read(len(buffer))
            self.read_bytes += len(data)
            buffer[: len(data)] = data
            return len(data)

    with (shared_data / FEED).open("rb") as raw:
        counting = Counting(raw)
        first = list(islice(parse_hf_feed(io.BufferedReader(counting), FEED), 3))
        assert len(first) == 3
        assert counting.read_bytes < 512 * 1024 < (shared_data / FEED).stat().st_size
    with gzip.open(shared_data / FEED, "rb") as lines:
        plain = b"".join(islice(lines, 5))
    records = _only_records(list(parse_hf_feed(io.BytesIO(plain), "plain.jsonl")))
    assert [r.arxiv_id for r in records][:2] == ["2502.00094", "2502.01441"]


def test_feed_malformed_lines(shared_data: Path, tmp_path: Path) -> None:
    with gzip.open(shared_data / FEED, "rb") as stream:
        lines = list(islice(stream, 4))
    lines[1] = lines[1][:200] + b"\n"
    third = json.loads(lines[2])
    third["arxiv_id"] = None
    third["url"] = None
    lines[2] = json.dumps(third).encode() + b"\n"
    lines.insert(3, b"\n")
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b"".join(lines)))
    with broken.open("rb") as stream:
        out = list(parse_hf_feed(stream, "broken.jsonl.gz"))
    assert [type(item).__name__ for item in out] == [
        "PaperRecord",
        "Rejection",
        "Rejection",
        "PaperRecord",
    ]
    assert out[1] == Rejection(
        "broken.jsonl.gz", "line 2", "not valid JSON: Invalid control character at column 201"
    )
    assert out[2] == Rejection(
        "broken.jsonl.gz",
        "line 3",
        "no arXiv id (title 'Process Reinforcement through Implicit Rewards')",
    )
    assert isinstance(out[3], PaperRecord) and out[3].arxiv_id == "2502.01591"


def test_a_file_that_is_no_json_lines() -> None:
    with pytest.raises(InvalidInput, match=r"^notes\.txt: not JSON Lines \(line 1: not valid"):
        list(parse_hf_feed(io.BytesIO(b"hello\nworld\n"), "notes.txt"))
    with pytest.raises(InvalidInput, match="not JSON Lines"):
        list(parse_hf_daily_archive(io.BytesIO(b"\xff\xfe\x00"), "a.jsonl"))


# -- the Feb 2026 daily-list archive ----------------------------------------------------------


def test_archive_counts_and_ranks(shared_data: Path) -> None:
    with (shared_data / ARCHIVE).open("rb") as stream:
        records = _only_records(list(parse_hf_daily_archive(stream, ARCHIVE)))
    assert len(records) == 783
    assert len({r.arxiv_id for r in records}) == 783
    assert all(r.abstract is None for r in records)
    assert sum(r.github_repo is not None for r in records) == 442
    days: dict[date, list[PaperRecord]] = {}
    for record in records:
        assert record.listing is not None
        days.setdefault(record.listing.date, []).append(record)
    assert len(days) == 20 and len(days[date(2026, 2, 3)]) == 73
    for listed in days.values():
        assert [r.listing.rank for r in listed if r.listing] == list(range(1, len(listed) + 1))
        votes = [r.upvotes or 0 for r in listed]
        assert votes == sorted(votes, reverse=True)


def test_archive_spot_checks(shared_data: Path) -> None:
    with (shared_data / ARCHIVE).open("rb") as stream:
        records = _only_records(list(parse_hf_daily_archive(stream, ARCHIVE)))
    banana = records[0]
    assert banana == PaperRecord(
        title="PaperBanana: Automating Academic Illustration for AI Scientists",
        arxiv_id="2601.23265",
        authors=(
            "Dawei Zhu",
            "Rui Meng",
            "Yale Song",
            "Xiyu Wei",
            "Sujian Li",
            "Tomas Pfister",
            "Jinsung Yoon",
        ),
        pdf_url="https://arxiv.org/pdf/2601.23265",
        github_repo="https://github.com/dwzhu-pku/PaperBanana",
        upvotes=188,
        listing=Listing(date=date(2026, 2, 2), rank=1),
    )
    last = records[-1]
    assert last.arxiv_id == "2602.20981"
    assert last.title.startswith("Echoes Over Time: Unlocking Length Generalization")
    assert (last.upvotes, last.author_count, last.github_repo) == (0, 11, None)
    assert last.listing == Listing(date=date(2026, 2, 27), rank=28)


def test_archive_malformed_lines(shared_data: Path, tmp_path: Path) -> None:
    lines = (shared_data / ARCHIVE).read_bytes().splitlines(keepends=True)[:5]
    second = json.loads(lines[1])
    second["authors"] = "Ximing Lu, David Acuna"
    lines[1] = json.dumps(second).encode() + b"\n"
    third = json.loads(lines[2])
    third["date"] = "Feb 2"
    lines[2] = json.dumps(third).encode() + b"\n"
    lines[3] = b'{"date": "2026-02-02", "paper_id": "2601.1"\n'
    copy = tmp_path / "archive.jsonl"
    copy.write_bytes(b"".join(lines))
    with copy.open("rb") as stream:
        out = list(parse_hf_daily_archive(stream, "archive.jsonl"))
    assert [(r.where, r.reason) for r in out if isinstance(r, Rejection)] == [
        ("line 2", "2601.22975: 'authors' is not a list"),
        ("line 3", "unreadable 'date' 'Feb 2'"),
        ("line 4", "not valid JSON: Expecting ',' delimiter at column 45"),
    ]
    # Line 2 was rejected but held second place on its day; lines 3 and 4 have no readable date.
    fifth = out[4]
    assert isinstance(fifth, PaperRecord) and fifth.listing == Listing(date(2026, 2, 2), 3)


def test_archive_with_arxiv_id_and_published_at(shared_data: Path) -> None:
    with (shared_data / ZH_TW).open("rb") as stream:
        records = _only_records(list(parse_hf_daily_archive(stream, ZH_TW)))
    assert len(records) == 41
    first = records[0]
    assert first.arxiv_id == "2602.21193"
    assert first.published == datetime(2026, 2, 24, 18, 51, 4, tzinfo=UTC)
    assert (first.upvotes, first.abstract) == (3, None)
    assert first.listing == Listing(date=date(2026, 2, 25), rank=1)


# -- telling the formats apart ----------------------------------------------------------------


def test_detect_hf_json(shared_data: Path, test_data: Path, sample: list[dict[str, Any]]) -> None:
    def head(path: Path) -> bytes:
        return path.read_bytes()[:65536]

    assert detect_hf_json(head(shared_data / FEED)) == "hf-feed"
    with gzip.open(shared_data / FEED, "rb") as stream:
        assert detect_hf_json(stream.read(4096)) == "hf-feed"
    assert detect_hf_json(head(shared_data / ARCHIVE)) == "hf-archive"
    assert detect_hf_json(head(shared_data / ZH_TW)) == "hf-archive"
    assert detect_hf_json(head(test_data / SAMPLE)) == "hf-daily"
    assert detect_hf_json(json.dumps(sample).encode()) == "hf-daily"
    assert detect_hf_json(json.dumps(sample[0]["paper"], indent=2).encode()) == "hf-daily"
    with demo.open_dataset() as stream:
        assert detect_hf_json(stream.read(65536)) == "hf-daily"
    kaggle = shared_data / "arxiv-kaggle" / "wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"
    assert detect_hf_json(head(kaggle)) is None
    assert detect_hf_json(head(shared_data / "seeds" / "000_a698594fd367af3c.txt")) is None
    assert detect_hf_json(b"") is None and detect_hf_json(b"[]") is None
