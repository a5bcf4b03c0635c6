"""What every record is before it is stored: bounded text, no control characters, web links only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dailypapers.models import Listing, Notice, PaperRecord, Rejection
from dailypapers.sources.checks import LIMITS, MAX_AUTHORS, check
from dailypapers.text import clean, has_unwanted, web_url

RECORD = PaperRecord(
    title="On Data Engineering for Scaling LLM Terminal Capabilities",
    arxiv_id="2602.21193",
    abstract="Despite rapid recent progress in the terminal capabilities of large language models.",
    authors=("Renjie Pi", "Grace Lam"),
    github_repo="https://github.com/NVIDIA/terminal",
    pdf_url="https://arxiv.org/pdf/2602.21193",
)


def test_a_record_within_every_limit_passes_as_it_is() -> None:
    assert check(RECORD, "f.json") == (RECORD, [])


def test_an_abstract_over_its_limit_rejects_the_record_naming_it() -> None:
    result, _ = check(replace(RECORD, abstract="\\( " * 25000), "f.json")
    assert result == Rejection(
        "f.json", "2602.21193", "its abstract has 75,000 characters, over the limit of 20,000"
    )
    untitled = replace(RECORD, arxiv_id=None, title="x" * (LIMITS["title"] + 1))
    rejection, _ = check(untitled, "f.json")
    assert isinstance(rejection, Rejection)
    assert rejection.where.startswith("title 'xxx") and "1,001 characters" in rejection.reason
    many, _ = check(replace(RECORD, authors=("A B",) * (MAX_AUTHORS + 1)), "f.json")
    assert isinstance(many, Rejection) and "10,001 authors" in many.reason


def test_links_that_are_not_http_are_left_out_with_a_notice() -> None:
    hostile = replace(
        RECORD,
        github_repo="javascript:alert(document.cookie)",
        project_page="data:text/html,<script>alert(1)</script>",
        pdf_url="vbscript:msgbox(1)",
    )
    kept, notices = check(hostile, "f.json")
    assert isinstance(kept, PaperRecord)
    assert (kept.github_repo, kept.project_page, kept.pdf_url) == (None, None, None)
    assert [n.reason.split()[0] for n in notices] == ["pdf_url", "github_repo", "project_page"]
    assert notices[1] == Notice(
        "f.json",
        "2602.21193",
        "github_repo 'javascript:alert(document.cookie)' is not an http(s) link: left out, "
        "the record kept",
    )


def test_control_characters_and_lone_surrogates_are_removed() -> None:
    dirty = replace(
        RECORD,
        title="Data\x01 Engineering\ud800",
        abstract="A\x00b\x1fc\tkeeps\ttabs\nand newlines\ufffe",
        authors=("Renjie\x07 Pi", "\x01"),
        listing=Listing(date(2026, 2, 25), 1, "AK\x08"),
    )
    kept, notices = check(dirty, "f.json")
    assert isinstance(kept, PaperRecord) and not notices
    assert kept.title == "Data Engineering"
    assert kept.abstract == "Abc\tkeeps\ttabs\nand newlines"
    assert kept.authors == ("Renjie Pi",)
    assert kept.listing is not None and kept.listing.submitter == "AK"
    gone, _ = check(replace(RECORD, title="\x01\x02"), "f.json")
    assert isinstance(gone, Rejection) and "no title" in gone.reason


@given(st.text())
def test_clean_text_has_nothing_left_to_clean_and_encodes(text: str) -> None:
    cleaned = clean(text)
    assert not has_unwanted(cleaned)
    cleaned.encode("utf-8")  # no lone surrogate is left
    assert clean(cleaned) == cleaned


def test_web_urls_are_absolute_http_with_a_host() -> None:
    for good in ("https://github.com/a/b", "http://example.org/x?y=1#z", " HTTPS://X.org "):
        assert web_url(good) == good.strip()
    for bad in (
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " data:text/html,x",
        "vbscript:x",
        "//evil.org/x",
        "https://",
        "http:///path",
        "https://exa mple.org",
        "https://example.org/\x00",
        "http://[::1",
        "ftp://example.org/file",
        "/papers/1",
        "",
        None,
    ):
        assert web_url(bad) is None, bad
