"""The arXiv API Atom parser against the recorded export.arxiv.org/api/query responses."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dailypapers.errors import InvalidInput
from dailypapers.models import PaperRecord, Rejection
from dailypapers.sources.arxiv_atom import (
    AtomPage,
    looks_like_atom,
    parse_arxiv_atom,
    parse_atom_page,
)


@pytest.fixture(scope="module")
def atom_dir(shared_data: Path) -> Path:
    return shared_data / "arxiv-api-atom"


def _xml(atom_dir: Path, prefix: str) -> Path:
    (path,) = atom_dir.glob(f"xml/{prefix}_*.xml")
    return path


def _page(atom_dir: Path, prefix: str) -> AtomPage:
    path = _xml(atom_dir, prefix)
    return parse_atom_page(path.read_bytes(), path.name)


def test_every_recording_parses_to_as_many_records_as_entries(atom_dir: Path) -> None:
    recordings = sorted(atom_dir.glob("*.json"))
    assert len(recordings) == 20
    total = 0
    for path in recordings:
        recording = json.loads(path.read_text())
        body = recording["body"].encode()
        assert body == (atom_dir / "xml" / f"{path.stem}.xml").read_bytes()
        if path.name.startswith("id_abc_"):
            assert recording["status_code"] == 400
            continue
        assert recording["status_code"] == 200
        page = parse_atom_page(body, recording["url"])
        assert page.rejections == []
        assert len(page.records) == body.count(b"<entry>")
        assert all(r.arxiv_id and r.title and r.published for r in page.records)
        total += len(page.records)
    assert total == 221  # plus the one error entry: the 222 entries of the data README


@pytest.mark.parametrize(
    "prefix",
    [
        "q_testing_s0_m100",
        "q_testing_s0_m10",
        "q_testing_s0_m15",
        "q_testing_s5_m10",
        "q_testing_s5_m15",
        "q_testing_s9_m15",
        "q_testing_s10_m10",
        "q_testing_s20_m10",
        "q_testing_s30_m10",
        "q_testing_s40_m10",
        "q_testing_s50_m10",
    ],
)
def test_search_pages_match_their_opensearch_fields(atom_dir: Path, prefix: str) -> None:
    start, size = (int(n) for n in re.findall(r"\d+", prefix))
    page = _page(atom_dir, prefix)
    assert (page.total_results, page.start_index, page.items_per_page) == (214881, start, size)
    assert len(page.records) == size


def test_overlapping_search_pages_agree_on_every_position(atom_dir: Path) -> None:
    by_position: dict[int, set[str | None]] = {}
    for path in atom_dir.glob("xml/q_testing_*.xml"):
        page = parse_atom_page(path.read_bytes(), path.name)
        for offset, record in enumerate(page.records):
            by_position.setdefault(page.start_index + offset, set()).add(record.arxiv_id)
    assert sorted(by_position) == list(range(100))
    assert all(len(ids) == 1 for ids in by_position.values())
    assert by_position[10] == {"2403.16981"}


def test_new_style_versioned_id_and_a_title_that_is_just_zero(atom_dir: Path) -> None:
    page = _page(atom_dir, "id_2104.12255v1_s0_m100")
    (paper,) = page.records
    assert (paper.arxiv_id, paper.version) == ("2104.12255", 1)
    assert paper.title == "0"
    assert paper.authors == ("Quan Thoi Minh Nguyen",)
    assert paper.author_count == 1
    assert paper.categories == ("cs.CR",)
    assert paper.published == datetime(2021, 4, 20, 16, 7, 14, tzinfo=UTC)
    assert paper.updated == paper.published
    assert paper.abstract is not None
    assert paper.abstract.startswith("What is the funniest number in cryptography? 0.")
    assert paper.comments is None and paper.journal_ref is None and paper.doi is None
    assert paper.pdf_url == "https://arxiv.org/pdf/2104.12255v1"
    assert paper.versions is None and paper.license is None and paper.withdrawn is None


def test_old_style_ids(atom_dir: Path) -> None:
    (quant,) = _page(atom_dir, "id_quant-ph_0201082v1_s0_m100").records
    assert (quant.arxiv_id, quant.version) == ("quant-ph/0201082", 1)
    assert quant.title.startswith("Quantum Computers and Quantum Computer Languages:")
    assert quant.categories == ("quant-ph", "cs.PL")
    assert quant.authors == ("Stephen Blaha",)
    assert quant.comments == "32 pages"
    assert quant.published == datetime(2002, 1, 18, 15, 8, 5, tzinfo=UTC)
    assert quant.pdf_url == "https://arxiv.org/pdf/quant-ph/0201082v1"

    (astro,) = _page(atom_dir, "id_astro-ph_0601001_s0_m100").records
    assert (astro.arxiv_id, astro.version) == ("astro-ph/0601001", 1)
    assert astro.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert astro.journal_ref == "ActaAstron.56:1-50,2006"
    assert astro.categories == ("astro-ph",)
    assert astro.abstract is not None
    # Leading blanks go, entities are decoded, LaTeX stays exactly as written.
    assert astro.abstract.startswith("We derive the frequencies of hot Jupiters (HJs)")
    assert "Gould & Morgan (2003)" in astro.abstract
    assert "V_max<17.5" in astro.abstract
    assert "(1/310)(1^{+1.39}_{-0.59})" in astro.abstract


def test_two_id_lookup_returns_only_the_known_paper(atom_dir: Path) -> None:
    page = _page(atom_dir, "id_0808.05394_1707.08567_s0_m100")
    assert (page.total_results, page.start_index, page.items_per_page) == (1, 0, 100)
    (paper,) = page.records
    assert paper == _page(atom_dir, "id_1707.08567_s0_m100").records[0]
    assert paper.title == (
        "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    )
    assert paper.author_count == 34
    assert paper.authors is not None
    assert paper.authors[:2] == ("Kees A. Schouhamer Immink", "Stan Baggen")
    assert paper.authors[-1] == "Hirosuke Yamamoto"
    assert paper.comments == (
        "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    )


def test_doi_journal_ref_and_a_later_version(atom_dir: Path) -> None:
    first = _page(atom_dir, "q_testing_s0_m10").records[0]
    assert (first.arxiv_id, first.version) == ("2202.12139", 1)
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.journal_ref is not None and first.journal_ref.startswith(
        "Artificial Intelligence in Software Testing @ 2022 IEEE"
    )
    assert first.categories == ("cs.SE", "cs.LG")
    assert first.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")

    revised = _page(atom_dir, "q_testing_s10_m10").records[0]
    assert (revised.arxiv_id, revised.version) == ("2403.16981", 2)
    assert revised.title == "The Sample Complexity of Simple Binary Hypothesis Testing"
    assert revised.published == datetime(2024, 3, 25, 17, 42, 32, tzinfo=UTC)
    assert revised.updated == datetime(2025, 5, 24, 5, 50, 33, tzinfo=UTC)
    assert revised.categories == ("math.ST", "cs.IT", "stat.ML")


def test_primary_category_comes_first_even_when_listed_later(atom_dir: Path) -> None:
    body = _xml(atom_dir, "id_1605.08386_s0_m100").read_bytes()
    assert b'<arxiv:primary_category term="math.CO"/>' in body
    body = body.replace(
        b'<arxiv:primary_category term="math.CO"/>', b'<arxiv:primary_category term="math.ST"/>'
    )
    (paper,) = parse_atom_page(body, "moved.xml").records
    assert paper.categories == ("math.ST", "math.CO")


def test_unknown_ids_give_an_empty_page(atom_dir: Path) -> None:
    for prefix in ("id_0000.0000_s0_m100", "id_0808.05394_s0_m100"):
        page = _page(atom_dir, prefix)
        assert (page.records, page.rejections) == ([], [])
        assert (page.total_results, page.start_index, page.items_per_page) == (0, 0, 100)


def test_error_answer_raises_invalid_input_with_arxivs_message(atom_dir: Path) -> None:
    recording = json.loads(next(atom_dir.glob("id_abc_*.json")).read_text())
    with pytest.raises(InvalidInput, match="arXiv API error: incorrect id format for abc"):
        parse_atom_page(recording["body"].encode(), recording["url"])
    with pytest.raises(InvalidInput, match="incorrect id format for abc"):
        list(
            parse_arxiv_atom(
                io.BytesIO(_xml(atom_dir, "id_abc_s0_m100").read_bytes()), "id_abc.xml"
            )
        )


def test_malformed_entries_are_rejected_and_the_rest_kept(atom_dir: Path) -> None:
    body = _xml(atom_dir, "q_testing_s0_m10").read_text()
    entries = body.split("<entry>")
    assert len(entries) == 11
    entries[3] = entries[3].replace(
        "<id>http://arxiv.org/abs/", "<id>http://arxiv.org/abs/garbage", 1
    )
    entries[5] = re.sub(r"<title>[^<]*</title>", "<title>  </title>", entries[5], count=1)
    entries[7] = re.sub(r"<id>[^<]*</id>", "", entries[7], count=1)
    entries[9] = entries[9].replace("<published>2", "<published>yesterday 2", 1)
    page = parse_atom_page("<entry>".join(entries).encode(), "corrupt.xml")
    assert len(page.records) == 6
    assert [(r.source, r.where) for r in page.rejections] == [
        ("corrupt.xml", "entry 3"),
        ("corrupt.xml", "entry 5"),
        ("corrupt.xml", "entry 7"),
        ("corrupt.xml", "entry 9"),
    ]
    reasons = [r.reason for r in page.rejections]
    assert reasons[0].startswith("bad <id>: not an arXiv id: 'garbage")
    assert reasons[1].endswith(": entry has no title")
    assert reasons[2] == "entry has no <id>"
    assert reasons[3].startswith("<published> is not a date: 'yesterday 2")
    assert page.items_per_page == 10


def test_stream_import_yields_records_and_rejections_in_order(atom_dir: Path) -> None:
    head, *entries = _xml(atom_dir, "q_testing_s0_m10").read_text().split("<entry>")
    entries[1] = re.sub(r"<title>[^<]*</title>", "<title/>", entries[1], count=1)
    items = list(parse_arxiv_atom(io.BytesIO("<entry>".join([head, *entries]).encode()), "s.xml"))
    assert len(items) == 10
    assert items[1] == Rejection(
        "s.xml", "entry 2", "http://arxiv.org/abs/2405.13786v1: entry has no title"
    )
    records = [item for item in items if isinstance(item, PaperRecord)]
    assert [r.arxiv_id for r in records] == [
        r.arxiv_id for i, r in enumerate(_page(atom_dir, "q_testing_s0_m10").records) if i != 1
    ]


def test_unreadable_input_raises_with_the_source(atom_dir: Path, shared_data: Path) -> None:
    with pytest.raises(InvalidInput, match=r"^notxml\.txt: not well-formed XML"):
        parse_atom_page(b"arXiv says hello", "notxml.txt")
    oai = next((shared_data / "arxiv-oaipmh" / "xml").glob("*getrecord*"))
    with pytest.raises(InvalidInput, match="not an Atom feed"):
        list(parse_arxiv_atom(io.BytesIO(oai.read_bytes()), oai.name))


@pytest.mark.parametrize("encoding", ["TTF-8", "rot13", "utf-32", "idna"])
def test_an_unreadable_declared_encoding_is_refused_by_name(atom_dir: Path, encoding: str) -> None:
    """A recording whose XML declaration was damaged to name an encoding nobody can read it
    in (unknown, not one for text, multi-byte, or failing) is refused, not an error of Python's."""
    body = _xml(atom_dir, "q_testing_s0_m10").read_bytes()
    damaged = re.sub(
        rb"encoding=.([A-Za-z0-9-]+).", f"encoding='{encoding}'".encode(), body, count=1
    )
    assert damaged != body
    with pytest.raises(InvalidInput, match=r"^d\.xml: its XML declaration names an unreadable"):
        parse_atom_page(damaged, "d.xml")


def test_looks_like_atom(atom_dir: Path, shared_data: Path) -> None:
    for path in atom_dir.glob("xml/*.xml"):
        assert looks_like_atom(path.read_bytes()[:1024]), path.name
    for path in (shared_data / "arxiv-oaipmh" / "xml").glob("*.xml"):
        assert not looks_like_atom(path.read_bytes()[:1024]), path.name
    assert not looks_like_atom(b'{"title": "a feed"}')
