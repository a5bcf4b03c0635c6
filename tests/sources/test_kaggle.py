"""The Kaggle arXiv metadata dump parser, on the real first 200 lines and arXiv's converted .abs."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from dailypapers.models import PaperRecord, Rejection, Version, normalize_space
from dailypapers.sources.kaggle import looks_like_kaggle, normalize_fast, parse_kaggle

FIRST200 = "arxiv-kaggle/wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"
CONVERTED = "arxiv-kaggle/arxiv-browse_abs_converted.jsonl"


def _parse(data: bytes, source: str = "dump.jsonl") -> list[PaperRecord | Rejection]:
    return list(parse_kaggle(io.BytesIO(data), source))


def _records(path: Path) -> dict[str, PaperRecord]:
    out = _parse(path.read_bytes(), path.name)
    assert all(isinstance(item, PaperRecord) for item in out)
    return {r.arxiv_id: r for r in out if isinstance(r, PaperRecord) and r.arxiv_id}


def test_first200_all_records(shared_data: Path) -> None:
    out = _parse((shared_data / FIRST200).read_bytes())
    assert len(out) == 200
    assert all(isinstance(item, PaperRecord) for item in out)
    ids = [item.arxiv_id for item in out if isinstance(item, PaperRecord)]
    assert ids[0] == "0704.0001" and ids[-1] == "0704.0200" and len(set(ids)) == 200


def test_converted_abs_all_records(shared_data: Path) -> None:
    out = _parse((shared_data / CONVERTED).read_bytes())
    assert len(out) == 1131
    assert all(isinstance(item, PaperRecord) for item in out)
    records = _records(shared_data / CONVERTED)
    # Two files hold the same paper: ftp/cs/papers/0006/0006007.abs says it is cs/0006008.
    assert len(records) == 1130
    assert "math-ph/0509005" in records and "acc-phys/9411001" in records


def test_first_record_fields(shared_data: Path) -> None:
    paper = _records(shared_data / FIRST200)["0704.0001"]
    assert paper.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert paper.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert paper.author_count == 4
    assert paper.version == 2
    assert paper.versions == (
        Version(1, datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)),
        Version(2, datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)),
    )
    assert paper.published == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert paper.updated == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert paper.categories == ("hep-ph",)
    assert paper.comments == "37 pages, 15 figures; published version"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.license is None
    assert paper.pdf_url == "https://arxiv.org/pdf/0704.0001"
    assert paper.withdrawn is None
    assert paper.abstract is not None
    assert paper.abstract.startswith("A fully differential calculation in perturbative quantum")
    assert paper.abstract.endswith("can be obtained with judicious selection of events.")


def test_spot_checks_first200(shared_data: Path) -> None:
    records = _records(shared_data / FIRST200)
    second = records["0704.0002"]
    assert second.categories == ("math.CO", "cs.CG")
    assert second.authors == ("Ileana Streinu", "Louis Theran")
    assert second.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert second.published == datetime(2007, 3, 31, 2, 26, 18, tzinfo=UTC)
    # A name suffix from authors_parsed stays after the surname.
    assert records["0704.0009"].authors is not None
    assert records["0704.0009"].authors[5] == "Neal J. Evans II"
    assert records["0704.0009"].version == 1
    # authors_parsed entries with a fourth (affiliation) element.
    assert records["0704.0025"].authors == ("A. S. Mishchenko", "N. Nagaosa")
    assert records["0704.0020"].authors == ("The BABAR Collaboration", "B. Aubert")
    assert records["0704.0156"].withdrawn is True
    assert sum(1 for r in records.values() if r.withdrawn) == 1
    assert records["0704.0049"].authors == ("Mikkel Øbro",)


def test_spot_checks_converted(shared_data: Path) -> None:
    records = _records(shared_data / CONVERTED)
    nash = records["acc-phys/9411002"]
    # No authors_parsed here: the authors string is split and affiliations dropped.
    assert nash.authors == ("Patrick L. Nash",)
    assert nash.title == (
        "Order $\\hbar$ Corrections to the Classical Dynamics of a Particle with Intrinsic Spin "
        "Moving in a Constant Magnetic Field"
    )
    assert nash.categories == ("acc-phys", "physics.acc-ph")
    assert nash.published == datetime(1994, 11, 19, 21, 3, 56, tzinfo=UTC)
    assert nash.pdf_url == "https://arxiv.org/pdf/acc-phys/9411002"
    assert records["math-ph/0509005"].authors == ("E.Kartashova", "A. Shabat")
    withdrawn = records["2101.10016"]
    assert withdrawn.version == 8 and withdrawn.versions is not None
    assert len(withdrawn.versions) == 8
    assert withdrawn.updated == datetime(2023, 1, 17, 19, 27, 37, tzinfo=UTC)
    assert withdrawn.withdrawn is True
    assert withdrawn.categories == ("math.QA", "hep-th", "math-ph", "math.MP", "math.OA")
    cms = records["1411.4413"]
    assert cms.authors is not None
    assert cms.authors[:3] == ("The CMS and LHCb Collaborations", "V. Khachatryan", "A.M. Sirunyan")
    assert cms.authors[7] == 'J. Er\\"o'
    assert sum(1 for r in records.values() if r.withdrawn) == 10


def test_text_is_normalised_exactly_like_normalize_space(shared_data: Path) -> None:
    for name in (FIRST200, CONVERTED):
        lines = (shared_data / name).read_bytes().splitlines()
        for line, item in zip(lines, _parse(b"\n".join(lines)), strict=True):
            raw = json.loads(line)
            assert isinstance(item, PaperRecord)
            assert item.title == normalize_space(raw["title"])
            assert item.abstract == normalize_space(raw["abstract"])
            assert item.comments == (normalize_space(raw["comments"]) if raw["comments"] else None)
    tricky = ["a\tb\n c", " x\r\ny ", "a\xa0 b", "a\u2028b", "a\x1fb", "a\x0bb", "p  q", "é\nè"]
    for text in tricky:
        assert normalize_fast(text * 100) == normalize_space(text * 100)


def test_corrupted_lines_are_rejected_and_parsing_goes_on(shared_data: Path) -> None:
    lines = (shared_data / FIRST200).read_bytes().splitlines()[:7]
    bad_date = json.loads(lines[2])
    bad_date["versions"][1]["created"] = "Tue, 32 Jul 2007 20:10:27 GMT"
    no_id = json.loads(lines[3])
    del no_id["id"]
    no_title = json.loads(lines[4])
    no_title["title"] = "  \n "
    bad_id = json.loads(lines[5])
    bad_id["id"] = "not-an-id"
    corrupted = [
        lines[0],
        lines[1][:-40],  # cut short: not JSON any more
        json.dumps(bad_date).encode(),
        json.dumps(no_id).encode(),
        json.dumps(no_title).encode(),
        b"",
        json.dumps(bad_id).encode(),
        b"[1, 2]",
        b"\xff\xfe{}",
        lines[6],
    ]
    out = _parse(b"\n".join(corrupted) + b"\n")
    rejections = [item for item in out if isinstance(item, Rejection)]
    records = [item for item in out if isinstance(item, PaperRecord)]
    assert [r.arxiv_id for r in records] == ["0704.0001", "0704.0007"]
    assert [r.where for r in rejections] == [
        "line 2",
        "line 3",
        "line 4",
        "line 5",
        "line 7",
        "line 8",
        "line 9",
    ]
    reasons = [r.reason for r in rejections]
    assert reasons[0] == f"not valid JSON: Invalid control character at column {len(lines[1]) - 39}"
    assert reasons[1] == (
        "0704.0003: version v2 has an unreadable date 'Tue, 32 Jul 2007 20:10:27 GMT'"
    )
    assert reasons[2] == "no 'id'"
    assert reasons[3] == "0704.0005: no 'title'"
    assert reasons[4] == "bad 'id': not an arXiv id: 'not-an-id'"
    assert reasons[5] == "expected a JSON object, got list"
    assert reasons[6].startswith("not UTF-8")
    assert all(r.source == "dump.jsonl" for r in rejections)


def test_gzip_input_gives_the_same_records(shared_data: Path) -> None:
    data = (shared_data / FIRST200).read_bytes()
    plain = _parse(data)
    stream = io.BytesIO(gzip.compress(data))
    assert list(parse_kaggle(stream, "dump.jsonl.gz")) == plain
    assert not stream.closed


def test_streams_without_seek_or_peek(shared_data: Path) -> None:
    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = self._data.read(min(len(buffer), 1000))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = (shared_data / FIRST200).read_bytes()
    out = list(parse_kaggle(OneWay(gzip.compress(data)), "pipe"))  # type: ignore[arg-type]
    assert len(out) == 200 and all(isinstance(item, PaperRecord) for item in out)


def test_looks_like_kaggle(shared_data: Path) -> None:
    head = (shared_data / FIRST200).read_bytes()[:4096]
    assert looks_like_kaggle(head)
    assert looks_like_kaggle(head[:80])
    assert looks_like_kaggle(gzip.compress(head))
    assert looks_like_kaggle((shared_data / CONVERTED).read_bytes()[:4096])
    feed = shared_data / "hf-papers/misaki-wang_hf_bot_2026-02.jsonl"
    assert not looks_like_kaggle(feed.read_bytes()[:4096])
    assert not looks_like_kaggle(b"<?xml version='1.0'?><feed/>")
    assert not looks_like_kaggle(b"")
