"""The .abs parser, on arXiv's 1,192 test .abs files and their Kaggle-style conversion."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dailypapers.errors import InvalidInput
from dailypapers.models import PaperRecord, Rejection, Version, normalize_space
from dailypapers.sources.arxiv_abs import looks_like_abs, looks_like_tar, parse_abs, parse_abs_tar

TAR = "arxiv-abs/arxiv-browse_test_abs_files.tar.gz"
CONVERTED = "arxiv-kaggle/arxiv-browse_abs_converted.jsonl"
PREFIX = "tests/data/abs_files/"
MALFORMED = PREFIX + "ftp/math-ph/papers/0509/0509037.abs"
GRAVITINO = PREFIX + "ftp/hep-th/papers/9709/9709111.abs"


@pytest.fixture(scope="module")
def members(shared_data: Path) -> dict[str, bytes]:
    """Every .abs file of the archive by path, read once."""
    with tarfile.open(shared_data / TAR) as archive:
        return {
            member.name: archive.extractfile(member).read()  # type: ignore[union-attr]
            for member in archive
            if member.isfile()
        }


def _one(data: bytes, source: str = "paper.abs") -> PaperRecord | Rejection:
    out = list(parse_abs(io.BytesIO(data), source))
    assert len(out) == 1
    return out[0]


def _record(data: bytes) -> PaperRecord:
    item = _one(data)
    assert isinstance(item, PaperRecord), item
    return item


def test_tar_gives_1191_records_and_rejects_the_malformed_file(shared_data: Path) -> None:
    with (shared_data / TAR).open("rb") as stream:
        out = list(parse_abs_tar(stream, "abs.tar.gz"))
    assert len(out) == 1192
    rejections = [item for item in out if isinstance(item, Rejection)]
    assert rejections == [Rejection("abs.tar.gz", MALFORMED, "empty file")]
    assert sum(isinstance(item, PaperRecord) for item in out) == 1191


def test_agrees_with_the_kaggle_conversion(shared_data: Path, members: dict[str, bytes]) -> None:
    converted = [json.loads(line) for line in (shared_data / CONVERTED).open(encoding="utf-8")]
    assert len(converted) == 1131
    cut_at_inner_rule = {"2004.02153", "2103.11058"}
    for row in converted:
        paper = _record(members[row["_source_path"]])
        assert paper.arxiv_id == row["id"]
        assert paper.title == normalize_space(row["title"])
        assert paper.categories == tuple(row["categories"].split())
        assert paper.versions is not None and len(paper.versions) == len(row["versions"])
        assert paper.version == len(row["versions"])
        assert [v.created for v in paper.versions] == [
            datetime.strptime(v["created"], "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
            for v in row["versions"]
        ]
        assert paper.comments == (normalize_space(row["comments"]) if row["comments"] else None)
        assert paper.doi == (normalize_space(row["doi"]) if row["doi"] else None)
        assert paper.license == row["license"]
        if row["id"] in cut_at_inner_rule:
            # The converter stopped at a LaTeX '\\' alone on a line inside the abstract.
            assert paper.abstract is not None
            assert paper.abstract.startswith(normalize_space(row["abstract"]))
            assert len(paper.abstract) > len(normalize_space(row["abstract"])) + 100
        else:
            assert paper.abstract == normalize_space(row["abstract"])


def test_gravitino_paper(members: dict[str, bytes]) -> None:
    paper = _record(members[GRAVITINO])
    assert paper.arxiv_id == "hep-th/9709111"
    assert paper.title == (
        "On the effective interactions of a light gravitino with matter fermions"
    )
    assert paper.authors == ("Andrea Brignole", "Ferruccio Feruglio", "Fabio Zwirner")
    assert paper.categories == ("hep-th", "hep-ph")
    assert paper.version == 3
    assert paper.versions == (
        Version(1, datetime(1997, 9, 16, 14, 44, 58, tzinfo=UTC)),
        Version(2, datetime(1997, 9, 23, 17, 34, 41, tzinfo=UTC)),
        Version(3, datetime(1997, 11, 3, 19, 27, 30, tzinfo=UTC)),
    )
    assert paper.published == datetime(1997, 9, 16, 14, 44, 58, tzinfo=UTC)
    assert paper.updated == datetime(1997, 11, 3, 19, 27, 30, tzinfo=UTC)
    assert paper.comments == (
        "12 pages, 1 figure, plain LaTeX. An important proof added in section 5. "
        "Final version to be published in JHEP"
    )
    assert paper.journal_ref == "JHEP 9711:001,1997"
    assert paper.doi == "10.1088/1126-6708/1997/11/001"
    assert paper.license is None
    assert paper.pdf_url == "https://arxiv.org/pdf/hep-th/9709111"
    assert paper.withdrawn is None
    assert paper.abstract is not None
    assert paper.abstract.startswith("If the gravitino is light and all the other supersymmetric")
    assert paper.abstract.endswith("on their possible phenomenological implications.")


def test_earlier_version_from_orig(members: dict[str, bytes]) -> None:
    paper = _record(members[PREFIX + "orig/hep-th/papers/9709/9709111v2.abs"])
    assert paper.arxiv_id == "hep-th/9709111"
    assert paper.version == 2
    assert paper.updated == datetime(1997, 9, 23, 17, 34, 41, tzinfo=UTC)
    # Old versions' files carry no Categories, DOI nor Journal-ref: unknown, not invented.
    assert paper.categories is None and paper.doi is None and paper.journal_ref is None
    assert paper.comments is not None and paper.comments.endswith("eqs.(17)-(20)")


def test_spot_checks(members: dict[str, bytes]) -> None:
    # Written before arXiv used UTF-8: read as Latin-1.
    bridgeland = _record(members[PREFIX + "ftp/arxiv/papers/1607/1607.08199.abs"])
    assert bridgeland.journal_ref == (
        "Épijournal de Géométrie Algébrique, Volume 1 (September 1, 2017) epiga:3255"
    )
    assert bridgeland.authors == (
        "Marcello Bernardara",
        "Emanuele Macr\\`i",
        "Benjamin Schmidt",
        "Xiaolei Zhao",
    )
    withdrawn = _record(members[PREFIX + "ftp/arxiv/papers/2101/2101.10016.abs"])
    assert withdrawn.withdrawn is True and withdrawn.version == 8
    assert withdrawn.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    keller_segel = _record(members[PREFIX + "ftp/arxiv/papers/2004/2004.02153.abs"])
    assert keller_segel.abstract is not None
    assert "u^\\kappa, \\\\ v_t = \\Delta v - v + u" in keller_segel.abstract
    assert keller_segel.abstract.endswith("collapse into a persistent Dirac distribution.")
    lhcb = _record(members[PREFIX + "ftp/arxiv/papers/2103/2103.11058.abs"])
    assert lhcb.authors is not None
    assert lhcb.authors[:3] == ("LHCb collaboration", "R. Aaij", "C. Abell\\'an Beteta")
    assert lhcb.authors[-1] == "G. Zunica"
    # The last file has no newline after its closing '\\'.
    sparsity = _record(members[PREFIX + "orig/arxiv/papers/0704/0704.0002v1.abs"])
    assert sparsity.abstract is not None
    assert sparsity.abstract.endswith("Gabow and Westermann and Hendrickson.")
    assert sparsity.categories == ("math.CO", "cs.CG")


def test_malformed_copies_are_rejected(members: dict[str, bytes]) -> None:
    good = members[GRAVITINO].decode()
    assert _one(b"") == Rejection("paper.abs", "file", "empty file")
    cases = {
        good.replace("Title: On the effective", "Titel: On the effective"): (
            "hep-th/9709111: no Title"
        ),
        good.replace("Tue, 23 Sep 1997", "Tue, 31 Sep 1997"): (
            "hep-th/9709111: line 6: unreadable date 'Tue, 31 Sep 1997 17:34:41 GMT'"
        ),
        good.replace("arXiv:hep-th/9709111", "arXiv:hep-th/97"): (
            "bad id line: not an arXiv id: 'hep-th/97'"
        ),
        good.replace("arXiv:hep-th/9709111\n", ""): "no 'arXiv:' id line in the header",
        good.replace("Title: On", "Title On"): (
            "line 9: not a 'Field: value' line: 'Title On the effective interactions of a light "
            "gravitino wit'"
        ),
        good.split("\\\\\n  If the gravitino")[0].replace("\\\\\n", ""): (
            "no header block: expected it between two '\\\\' lines"
        ),
    }
    for text, reason in cases.items():
        assert _one(text.encode()) == Rejection("paper.abs", "file", reason)


def test_tar_skips_other_members_and_reads_plain_tar(members: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in [
            ("README.txt", b"not an abs file"),
            ("a/9709111.abs", members[GRAVITINO]),
            ("a/broken.abs", b"garbage\n"),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    plain = buffer.getvalue()
    assert looks_like_tar(plain[:512])
    out = list(parse_abs_tar(io.BytesIO(plain), "two.tar"))
    assert [type(item) for item in out] == [PaperRecord, Rejection]
    assert out[1] == Rejection(
        "two.tar", "a/broken.abs", "no header block: expected it between two '\\\\' lines"
    )


def test_truncated_and_non_tar_archives(shared_data: Path) -> None:
    data = (shared_data / TAR).read_bytes()
    out = list(parse_abs_tar(io.BytesIO(data[: len(data) // 2]), "half.tar.gz"))
    assert sum(isinstance(item, PaperRecord) for item in out) > 300
    assert isinstance(out[-1], Rejection)
    assert out[-1].where == "archive"
    assert out[-1].reason.startswith("archive unreadable after tests/data/abs_files/")
    with pytest.raises(InvalidInput, match=r"not\.abs: not a tar or tar\.gz archive"):
        list(parse_abs_tar(io.BytesIO(b"plain text, no archive" * 50), "not.abs"))
    with pytest.raises(InvalidInput, match=r"empty\.tar"):
        list(parse_abs_tar(io.BytesIO(b""), "empty.tar"))


def test_looks_like(shared_data: Path, members: dict[str, bytes]) -> None:
    archive = (shared_data / TAR).read_bytes()
    assert looks_like_tar(archive[:512])
    assert not looks_like_tar(members[GRAVITINO])
    assert not looks_like_tar(gzip.compress(members[GRAVITINO]))
    assert looks_like_abs(members[GRAVITINO][:200])
    assert not looks_like_abs(members[MALFORMED])
    assert not looks_like_abs(archive[:512])
    assert not looks_like_abs((shared_data / CONVERTED).read_bytes()[:512])
