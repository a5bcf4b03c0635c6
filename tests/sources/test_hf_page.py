"""The saved Hugging Face Daily Papers page parser, on the three real seed pages."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dailypapers.errors import InvalidInput
from dailypapers.models import Listing, PaperRecord, Rejection, title_key
from dailypapers.sources.hf_page import looks_like_hf_page, parse_hf_page

PAGES = {
    "000_a698594fd367af3c.txt": date(2025, 10, 29),
    "001_ab32788f6e812e41.txt": date(2025, 10, 31),
    "002_f535a4afee1ab158.txt": date(2025, 12, 10),
}
FIRST, SECOND, THIRD = PAGES


def _page(shared_data: Path, name: str) -> bytes:
    return (shared_data / "seeds" / name).read_bytes()


def _parse(
    data: bytes, page_date: date | None, source: str = "page.txt"
) -> list[PaperRecord | Rejection]:
    return list(parse_hf_page(io.BytesIO(data), source, page_date))


def _records(data: bytes, page_date: date | None) -> list[PaperRecord]:
    out = _parse(data, page_date)
    records = [item for item in out if isinstance(item, PaperRecord)]
    assert len(records) == len(out), [item for item in out if isinstance(item, Rejection)]
    return records


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def test_every_card_of_the_three_pages(shared_data: Path) -> None:
    pages = {name: _records(_page(shared_data, name), day) for name, day in PAGES.items()}
    # 81 + 51 + 31 cards with the "• N authors · date" footer, and on each page one card that
    # shows only its title and abstract.
    with_footer = {name: [r for r in recs if r.author_count] for name, recs in pages.items()}
    assert [len(recs) for recs in with_footer.values()] == [81, 51, 31]
    assert [len(recs) for recs in pages.values()] == [82, 52, 32]
    everything = [record for recs in pages.values() for record in recs]
    assert len({title_key(r.title) for r in everything}) == 160
    footed = [record for recs in with_footer.values() for record in recs]
    assert len({title_key(r.title) for r in footed}) == 157
    for name, recs in pages.items():
        assert [r.listing for r in recs] == [
            Listing(date=PAGES[name], rank=rank) for rank in range(1, len(recs) + 1)
        ]
        assert all(r.arxiv_id is None and r.authors is None and r.abstract for r in recs)


def test_six_papers_are_on_two_pages(shared_data: Path) -> None:
    pages: dict[str, set[str]] = {}
    for name, day in PAGES.items():
        for record in _records(_page(shared_data, name), day):
            pages.setdefault(record.title, set()).add(name)
    twice = {title: names for title, names in pages.items() if len(names) > 1}
    assert twice == {
        "Chaos as an interpretable benchmark for forecasting and data-driven modelling": {
            FIRST,
            SECOND,
        },
        "Statistical mechanics of continual learning: variational principle and mean-field "
        "potential": {FIRST, THIRD},
        "Lagrangian PINNs: A causality-conforming solution to failure modes of physics-informed "
        "neural networks": {FIRST, THIRD},
        "A Three-regime Model of Network Pruning": {FIRST, SECOND},
        "Light Schrödinger Bridge": {FIRST, SECOND},
        "A PINN Approach to Symbolic Differential Operator Discovery with Sparse Data": {
            SECOND,
            THIRD,
        },
    }


def test_first_and_last_cards(shared_data: Path) -> None:
    first = _records(_page(shared_data, FIRST), PAGES[FIRST])
    light_if = first[0]
    assert light_if.title == (
        "Light-IF: Endowing LLMs with Generalizable Reasoning via Preview and Self-Checking "
        "for Complex Instruction Following"
    )
    assert light_if.abstract is not None
    assert light_if.abstract.startswith("While advancements in the reasoning abilities of LLMs")
    assert light_if.abstract.endswith("closed-source models like Doubao-1.6.")
    # "Aug 5 2": Aug 5 of the page's year, 2 upvotes.
    assert (light_if.author_count, light_if.published, light_if.upvotes) == (5, _day(2025, 8, 5), 2)
    last = first[-1]
    assert last.title.startswith("Learning Internal Biological Neuron Parameters")
    assert (last.author_count, last.published, last.upvotes) == (3, _day(2025, 8, 8), None)
    assert last.listing == Listing(date=date(2025, 10, 29), rank=82)

    second = _records(_page(shared_data, SECOND), PAGES[SECOND])
    assert second[0].title == "Regularizing Towards Soft Equivariance Under Mixed Symmetries"
    assert (second[0].author_count, second[0].published, second[0].upvotes) == (
        4,
        _day(2023, 6, 1),
        None,
    )
    assert second[-1].title == "Monotone deep Boltzmann machines"
    assert (second[-1].author_count, second[-1].published) == (3, _day(2023, 7, 10))
    assert second[-1].abstract is not None and "``deep'' learning" in second[-1].abstract

    third = _records(_page(shared_data, THIRD), PAGES[THIRD])
    assert third[0].title.startswith("ParaRNN: Unlocking Parallel Training of Nonlinear RNNs")
    assert (third[0].author_count, third[0].published) == (5, _day(2025, 10, 24))
    assert third[-1].published == _day(2022, 12, 6)


def test_dates_with_years_and_upvotes(shared_data: Path) -> None:
    first = _records(_page(shared_data, FIRST), PAGES[FIRST])
    by_rank = {r.listing.rank: r for r in first if r.listing}
    # "Jan 13, 2024 1", "Dec 3, 2023", "Jan 6 8", "Oct 28, 2024 2".
    assert by_rank[3].title == "Extending LLMs' Context Window with 100 Samples"
    assert (by_rank[3].published, by_rank[3].upvotes) == (_day(2024, 1, 13), 1)
    assert (by_rank[9].published, by_rank[9].upvotes) == (_day(2023, 12, 3), None)
    assert (by_rank[13].published, by_rank[13].upvotes) == (_day(2025, 1, 6), 8)
    assert by_rank[22].title == "Minimum Entropy Coupling with Bottleneck"
    assert (by_rank[22].published, by_rank[22].upvotes) == (_day(2024, 10, 28), 2)
    assert sum(r.upvotes is not None for r in first) == 10


def test_a_card_without_footer_is_a_paper_without_date(shared_data: Path) -> None:
    first = _records(_page(shared_data, FIRST), PAGES[FIRST])
    entro = first[16]
    assert (
        entro.title == "EntroPE: Entropy-Guided Dynamic Patch Encoder for Time Series Forecasting"
    )
    assert entro.abstract is not None and entro.abstract.endswith("github.com/Sachithx/EntroPE.")
    assert (entro.author_count, entro.published, entro.upvotes) == (None, None, None)
    assert entro.listing == Listing(date=date(2025, 10, 29), rank=17)
    after = first[17]
    assert after.title == "Continual Test-Time Domain Adaptation"
    assert (after.author_count, after.published) == (4, _day(2022, 3, 25))
    assert after.abstract is not None and after.abstract.startswith("Test-time domain adaptation")
    third = _records(_page(shared_data, THIRD), PAGES[THIRD])
    assert third[9].title.startswith("What about gravity in video generation?")
    assert third[9].author_count is None


def test_without_page_date_yearless_dates_are_rejected(shared_data: Path) -> None:
    out = _parse(_page(shared_data, THIRD), None, THIRD)
    rejected = [item for item in out if isinstance(item, Rejection)]
    assert len(out) == 32 and len(rejected) == 5
    assert [r.where for r in rejected] == ["entry 1", "entry 5", "entry 17", "entry 22", "entry 23"]
    assert rejected[0].source == THIRD
    assert "'Oct 24' has no year" in rejected[0].reason
    assert "--page-date" in rejected[0].reason
    dated = [item for item in out if isinstance(item, PaperRecord)]
    assert all(r.listing is None for r in dated)
    assert dated[0].published == _day(2023, 10, 25)


def test_yearless_date_after_the_page_day_is_last_year(shared_data: Path) -> None:
    text = _page(shared_data, FIRST).decode()
    changed = text.replace("·\nAug 5 2\n", "·\nDec 3 7\n", 1)
    first = _records(changed.encode(), PAGES[FIRST])[0]
    assert (first.published, first.upvotes) == (_day(2024, 12, 3), 7)
    on_the_day = text.replace("·\nAug 5 2\n", "·\nOct 29\n", 1)
    assert _records(on_the_day.encode(), PAGES[FIRST])[0].published == _day(2025, 10, 29)


def test_page_day_is_checked_and_a_header_year_places_the_page(shared_data: Path) -> None:
    data = _page(shared_data, FIRST)
    with pytest.raises(InvalidInput, match=r"the page shows 'Oct 29' .* 2025-10-30"):
        _parse(data, date(2025, 10, 30))
    dated = data.replace(b"\n\nOct 29\n\n", b"\n\nOct 29, 2025\n\n", 1)
    records = _records(dated, None)
    assert len(records) == 82
    assert records[0].listing == Listing(date=date(2025, 10, 29), rank=1)
    assert records[0].published == _day(2025, 8, 5)


def test_a_garbled_card_is_rejected_and_the_rest_goes_on(shared_data: Path) -> None:
    text = _page(shared_data, FIRST).decode()
    garbled = text.replace("  • 7 authors\n·\nJun 16 4", "  • seven authors\n·\nJun 16 4", 1)
    out = _parse(garbled.encode(), PAGES[FIRST], "bad.txt")
    assert len(out) == 82
    rejection = out[1]
    assert rejection == Rejection(
        "bad.txt",
        "entry 2",
        "line 25: 'AceReason-Nemotron 1.1: Advancing Math and Code Reasoning through SFT and RL "
        "Synergy': unreadable author line '• seven authors' (expected '• N authors')",
    )
    assert isinstance(out[2], PaperRecord) and out[2].listing == Listing(date(2025, 10, 29), 3)
    assert sum(isinstance(item, PaperRecord) for item in out) == 81


def test_unreadable_date_and_missing_author_line(shared_data: Path) -> None:
    text = _page(shared_data, FIRST).decode()
    bad_date = text.replace("·\nAug 5 2\n", "·\nAgu 5 2\n", 1)
    out = _parse(bad_date.encode(), PAGES[FIRST])
    assert isinstance(out[0], Rejection) and out[0].where == "entry 1"
    assert "unreadable date 'Agu 5 2'" in out[0].reason
    assert isinstance(out[1], PaperRecord)
    no_authors = text.replace("  • 5 authors\n·\nAug 5 2\n", "·\nAug 5 2\n", 1)
    out = _parse(no_authors.encode(), PAGES[FIRST])
    assert isinstance(out[0], Rejection)
    assert "no '• N authors' line before '·'" in out[0].reason
    assert len(out) == 82


def test_line_endings_and_wrapped_paragraphs_do_not_matter(shared_data: Path) -> None:
    data = _page(shared_data, SECOND)
    plain = _records(data, PAGES[SECOND])
    assert _records(data.replace(b"\n", b"\r\n"), PAGES[SECOND]) == plain
    wrapped = data.replace(b"Regularizing Towards Soft ", b"Regularizing Towards Soft\n", 1)
    assert _records(wrapped, PAGES[SECOND]) == plain


def test_not_a_page() -> None:
    with pytest.raises(InvalidInput, match=r"junk\.txt: not a Hugging Face Daily Papers page"):
        _parse(b"<feed>nothing here</feed>", None, "junk.txt")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        _parse(b"\xff\xfe  \xe2\x80 authors", None)


def test_looks_like_hf_page(shared_data: Path) -> None:
    for name in PAGES:
        assert looks_like_hf_page(_page(shared_data, name)[:4096])
    kaggle = shared_data / "arxiv-kaggle" / "wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"
    assert not looks_like_hf_page(kaggle.read_bytes()[:65536])
    feed = shared_data / "hf-papers" / "misaki-wang_hf_bot_2026-02.jsonl"
    assert not looks_like_hf_page(feed.read_bytes()[:65536])
    assert not looks_like_hf_page(b"")
