"""The OAI-PMH parser against recorded export.arxiv.org/oai2 answers and an arXivRaw sample."""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from dailypapers.errors import InvalidInput
from dailypapers.models import PaperRecord, Rejection, Version
from dailypapers.sources.oaipmh import (
    OaiPage,
    arxiv_id_from_oai,
    looks_like_oai,
    parse_oai_page,
    parse_oai_pmh,
)

GETRECORD = "oaipmh-getrecord---should-get-a-record"
LISTRECORDS = "oaipmh-listrecords---should-list-identifiers-from-arxiv"
LISTIDS = "oaipmh-listidentifiers---should-list-identifiers-from-arxiv"
EXLIBRIS = "oaipmh-listidentifiers---should-list-identifiers-with-resumption-token-from-exlibris"
GULBENKIAN = (
    "oaipmh-listidentifiers---should-list-identifiers-with-resumption-token-from-gulbenkian"
)
RAW_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    '<request verb="ListRecords" metadataPrefix="arXivRaw">http://export.arxiv.org/oai2</request>'
    "<ListRecords>"
)


@pytest.fixture(scope="module")
def oai_dir(shared_data: Path) -> Path:
    return shared_data / "arxiv-oaipmh"


def _body(oai_dir: Path, name: str, page: int = 0) -> bytes:
    return (oai_dir / "xml" / f"{name}__{page}.xml").read_bytes()


def _page(oai_dir: Path, name: str, page: int = 0) -> OaiPage:
    return parse_oai_page(_body(oai_dir, name, page), f"{name}__{page}.xml")


def _kochen_specker() -> PaperRecord:
    """1412.8544 exactly as its GetRecord and ListRecords recordings describe it."""
    return PaperRecord(
        title="A Kochen-Specker system has at least 22 vectors (extended abstract)",
        arxiv_id="1412.8544",
        abstract=(
            "At the heart of the Conway-Kochen Free Will theorem and Kochen and Specker's argument"
            " against non-contextual hidden variable theories is the existence of a Kochen-Specker"
            " (KS) system: a set of points on the sphere that has no 0,1-coloring such that at most"
            " one of two orthogonal points are colored 1 and of three pairwise orthogonal points"
            " exactly one is colored 1. In public lectures, Conway encouraged the search for small"
            " KS systems. At the time of writing, the smallest known KS system has 31 vectors."
            " Arends, Ouaknine and Wampler have shown that a KS system has at least 18 vectors, by"
            " reducing the problem to the existence of graphs with a topological embeddability and"
            " non-colorability property. The bottleneck in their search proved to be the sheer"
            " number of graphs on more than 17 vertices and deciding embeddability. Continuing"
            " their effort, we prove a restriction on the class of graphs we need to consider and"
            " develop a more practical decision procedure for embeddability to improve the lower"
            " bound to 22."
        ),
        authors=("Sander Uijlen", "Bas Westerbaan"),
        categories=("cs.DM",),
        published=datetime(2014, 12, 29, tzinfo=UTC),
        comments="In Proceedings QPL 2014, arXiv:1412.8102",
        journal_ref="EPTCS 172, 2014, pp. 154-164",
        doi="10.4204/EPTCS.172.11",
        license="http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    )


def test_getrecord_gives_the_exact_record(oai_dir: Path) -> None:
    page = _page(oai_dir, GETRECORD)
    assert page.records == [_kochen_specker()]
    assert page.rejections == []
    assert page.identifiers == ["oai:arXiv.org:1412.8544"]
    assert page.latest_datestamp == date(2015, 1, 3)
    assert (page.resumption_token, page.complete_list_size, page.cursor) == (None, None, None)
    assert page.deleted == []


def test_listrecords_recording_after_a_503(oai_dir: Path) -> None:
    busy, answer = json.loads((oai_dir / f"{LISTRECORDS}.json").read_text())
    assert (busy["status"], answer["status"]) == (503, 200)
    with pytest.raises(InvalidInput, match="not an OAI-PMH response"):
        parse_oai_page(busy["response"].encode(), busy["path"])
    page = parse_oai_page(answer["response"].encode(), answer["path"])
    assert answer["response"].encode() == _body(oai_dir, LISTRECORDS, 1)
    first, second = page.records
    assert first == _kochen_specker()
    assert second.arxiv_id == "hep-th/9504118" and second.version is None
    assert second.title == "Discrete Mathematics and Physics on the Planck-Scale"
    assert second.authors == ("M. Requardt",)
    assert second.categories == ("hep-th",)
    assert second.published == datetime(1995, 4, 24, tzinfo=UTC)
    assert second.updated is None
    assert second.comments == "21 pages, Latex"
    assert (second.journal_ref, second.doi, second.license) == (None, None, None)
    assert second.abstract is not None
    assert second.abstract.startswith("Starting from the hypothesis that both physics,")
    assert "a '{\\it cellular network}' consisting of cells" in second.abstract
    assert 'the "strength" of the bonds' in second.abstract
    assert page.identifiers == ["oai:arXiv.org:1412.8544", "oai:arXiv.org:hep-th/9504118"]
    assert page.latest_datestamp == date(2015, 1, 3)
    assert page.resumption_token is None


def test_listidentifiers_from_arxiv(oai_dir: Path) -> None:
    page = _page(oai_dir, LISTIDS)
    assert (page.records, page.rejections) == ([], [])
    assert len(page.identifiers) == 86
    assert page.identifiers[0] == "oai:arXiv.org:0705.4175"
    assert page.identifiers[-1] == "oai:arXiv.org:quant-ph/0506115"
    assert page.latest_datestamp == date(2009, 1, 2)
    assert page.resumption_token is None


def test_resumption_token_paging_exlibris(oai_dir: Path) -> None:
    first, last = _page(oai_dir, EXLIBRIS, 0), _page(oai_dir, EXLIBRIS, 1)
    token = "2017-01-01@2017-01-03@oai_komplett@marc21@15180036410002201"
    assert (first.resumption_token, first.complete_list_size, first.cursor) == (token, None, None)
    assert f'resumptionToken="{token}"'.encode() in _body(oai_dir, EXLIBRIS, 1)
    assert (last.resumption_token, last.complete_list_size, last.cursor) == (None, None, None)
    assert (len(first.identifiers), len(last.identifiers)) == (100, 10)
    assert first.identifiers[0] == "oai:urm_publish:999919950860302201"
    assert first.latest_datestamp == last.latest_datestamp == date(2017, 1, 2)


def test_resumption_token_paging_gulbenkian_with_a_deleted_record(oai_dir: Path) -> None:
    first, last = _page(oai_dir, GULBENKIAN, 0), _page(oai_dir, GULBENKIAN, 1)
    token = "oai_dc/2016-01-01T00:00:00Z/2017-01-01T00:00:00Z//100"
    assert (first.resumption_token, first.complete_list_size, first.cursor) == (token, 154, 0)
    # The last page carries an empty token: the list is complete.
    assert (last.resumption_token, last.complete_list_size, last.cursor) == (None, 154, 1)
    assert len(first.identifiers) + len(last.identifiers) == 154
    assert last.deleted == ["oai:arca.igc.gulbenkian.pt:10400.7/663"]
    assert "oai:arca.igc.gulbenkian.pt:10400.7/663" in last.identifiers
    assert first.latest_datestamp == date(2016, 8, 6)
    assert last.latest_datestamp == date(2017, 1, 1)


def _with_error(oai_dir: Path, error: str) -> bytes:
    """The real GetRecord answer with its payload swapped for an OAI-PMH error element."""
    body = _body(oai_dir, GETRECORD).decode()
    return re.sub(r"<GetRecord>.*</GetRecord>", error, body, flags=re.DOTALL).encode()


def test_oai_errors_raise_invalid_input_with_code_and_text(oai_dir: Path) -> None:
    missing = _with_error(
        oai_dir, '<error code="idDoesNotExist">No matching identifier in arXiv</error>'
    )
    with pytest.raises(
        InvalidInput, match=r"^lolcat\.xml: OAI-PMH error idDoesNotExist: No matching identifier"
    ):
        parse_oai_page(missing, "lolcat.xml")
    with pytest.raises(InvalidInput, match="idDoesNotExist"):
        list(parse_oai_pmh(io.BytesIO(missing), "lolcat.xml"))
    for code in ("badArgument", "badResumptionToken", "cannotDisseminateFormat", "badVerb"):
        with pytest.raises(InvalidInput, match=f"OAI-PMH error {code}$"):
            parse_oai_page(_with_error(oai_dir, f'<error code="{code}"/>'), "e.xml")


def test_no_records_match_is_an_empty_page(oai_dir: Path) -> None:
    body = _with_error(oai_dir, '<error code="noRecordsMatch">No records in that range</error>')
    page = parse_oai_page(body, "empty.xml")
    assert page == OaiPage([], [], None, None, None, None)
    assert list(parse_oai_pmh(io.BytesIO(body), "empty.xml")) == []


def test_arxivraw_sample_gives_versions_and_withdrawal(test_data: Path) -> None:
    page = parse_oai_page((test_data / "oai_arxivraw_sample.xml").read_bytes(), "raw.xml")
    assert page.rejections == []
    assert page.latest_datestamp == date(2014, 6, 23)
    single, revised, withdrawn = page.records

    assert (single.arxiv_id, single.version) == ("0704.0046", 1)
    assert single.title == "A limit relation for entropy and channel capacity per unit cost"
    assert single.authors == ("I. Csiszar", "F. Hiai", "D. Petz")
    assert single.categories == ("quant-ph", "cs.IT", "math.IT")
    v1 = datetime(2007, 4, 1, 16, 37, 36, tzinfo=UTC)
    assert single.versions == (Version(1, v1),)
    assert single.published == single.updated == v1
    assert single.journal_ref == "J. Math. Phys. 48(2007), 092102."
    assert single.doi == "10.1063/1.2779138"
    assert single.comments == "LATEX file, 11 pages"
    assert (single.license, single.withdrawn) == (None, None)

    assert (revised.arxiv_id, revised.version) == ("1005.4373", 2)
    assert revised.versions == (
        Version(1, datetime(2010, 5, 24, 16, 40, 19, tzinfo=UTC)),
        Version(2, datetime(2011, 2, 2, 20, 36, 10, tzinfo=UTC)),
    )
    assert revised.published == datetime(2010, 5, 24, 16, 40, 19, tzinfo=UTC)
    assert revised.updated == datetime(2011, 2, 2, 20, 36, 10, tzinfo=UTC)
    assert revised.authors == ("Renaud Coulangeon", 'Achill Sch\\"urmann')
    assert revised.categories == ("math.MG", "math-ph", "math.MP", "math.NT")
    assert revised.comments == "16 pages; incorporated referee comments"
    assert revised.abstract is not None
    assert "$\\mathsf{A}_2$, $\\mathsf{D}_4$, $\\mathsf{E}_8$" in revised.abstract
    assert revised.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert revised.withdrawn is None

    assert (withdrawn.arxiv_id, withdrawn.version, withdrawn.withdrawn) == ("0906.3336", 2, True)
    assert withdrawn.authors == ("Guangyue Huang", "Bingqing Ma")
    assert withdrawn.comments == "This paper has been withdrawn"


def _mysql_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text)


def _raw_record(rows: list[dict[str, Any]]) -> str:
    """One arXivRaw record as arXiv renders it from the database rows of one paper."""
    current = rows[-1]

    def element(tag: str, value: object) -> str:
        return f"<{tag}>{escape(_mysql_unescape(str(value)))}</{tag}>" if value else ""

    versions = "".join(
        f'<version version="v{row["version"]}"><date>'
        f"{datetime.strptime(row['created'], '%Y-%m-%d %H:%M:%S'):%a, %d %b %Y %H:%M:%S} GMT"
        f"</date><size>{row['source_size'] or 0}</size></version>"
        for row in rows
    )
    fields = [("title", "title"), ("authors", "authors"), ("categories", "abs_categories")]
    fields += [("comments", "comments"), ("journal-ref", "journal_ref"), ("doi", "doi")]
    fields += [("license", "license"), ("abstract", "abstract")]
    return (
        f"<record><header><identifier>oai:arXiv.org:{current['paper_id']}</identifier>"
        f"<datestamp>{current['updated'][:10]}</datestamp></header><metadata>"
        f'<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>{current["paper_id"]}</id>'
        + versions
        + "".join(element(tag, current[key]) for tag, key in fields)
        + "</arXivRaw></metadata></record>"
    )


def test_every_paper_of_arxivs_test_database_as_arxivraw(shared_data: Path) -> None:
    """All 510 papers: version history intact, and withdrawn exactly where arXiv says so."""
    papers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    path = shared_data / "arxiv-oaipmh-testdb" / "arXiv_metadata_versions.jsonl"
    for line in path.read_text().splitlines():
        row = json.loads(line)
        papers[row["paper_id"]].append(row)
    histories = [sorted(rows, key=lambda r: r["version"]) for rows in papers.values()]
    body = RAW_HEAD + "".join(map(_raw_record, histories)) + "</ListRecords></OAI-PMH>"
    page = parse_oai_page(body.encode(), path.name)
    assert page.rejections == []
    assert len(page.records) == len(histories) == 510
    for record, rows in zip(page.records, histories, strict=True):
        assert record.arxiv_id == rows[0]["paper_id"]
        assert record.versions is not None
        assert [v.version for v in record.versions] == [r["version"] for r in rows]
        assert record.version == rows[-1]["version"]
        assert record.published is not None
        assert record.published.strftime("%Y-%m-%d %H:%M:%S") == rows[0]["created"]
        assert record.withdrawn == (True if rows[-1]["is_withdrawn"] else None), record.arxiv_id
        assert record.authors, record.arxiv_id
    assert sum(bool(r.withdrawn) for r in page.records) == 7


def test_broken_records_are_rejected_by_position(oai_dir: Path, test_data: Path) -> None:
    body = _body(oai_dir, LISTRECORDS, 1).decode()
    no_id = body.replace("<id>1412.8544</id>", "", 1)
    page = parse_oai_page(no_id.encode(), "listrecords.xml")
    assert [r.arxiv_id for r in page.records] == ["hep-th/9504118"]
    assert page.rejections == [
        Rejection("listrecords.xml", "record 1", "oai:arXiv.org:1412.8544: no <id>")
    ]

    bad_id = body.replace("<id>hep-th/9504118</id>", "<id>hep-th/95#04118</id>", 1)
    (rejection,) = parse_oai_page(bad_id.encode(), "x.xml").rejections
    assert rejection.where == "record 2"
    assert rejection.reason.startswith("oai:arXiv.org:hep-th/9504118: bad <id>: not an arXiv id")

    no_title = re.sub(r"<title>[^<]*</title>", "<title> </title>", body, count=1)
    (rejection,) = parse_oai_page(no_title.encode(), "x.xml").rejections
    assert (rejection.where, rejection.reason) == (
        "record 1",
        "oai:arXiv.org:1412.8544: no <title>",
    )

    bad_day = body.replace("<created>1995-04-24</created>", "<created>24/04/1995</created>")
    (rejection,) = parse_oai_page(bad_day.encode(), "x.xml").rejections
    assert (
        rejection.where == "record 2"
        and "is not a YYYY-MM-DD date: '24/04/1995'" in rejection.reason
    )

    other_format = re.sub(
        r"<metadata>.*?</metadata>",
        '<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/></metadata>',
        body,
        count=1,
        flags=re.DOTALL,
    )
    (rejection,) = parse_oai_page(other_format.encode(), "x.xml").rejections
    assert rejection.where == "record 1"
    assert "is neither arXiv nor arXivRaw" in rejection.reason

    raw = (test_data / "oai_arxivraw_sample.xml").read_text()
    raw = raw.replace("Wed, 2 Feb 2011 20:36:10 GMT", "the second of February", 1)
    raw = raw.replace('<version version="v2"><date>Fri', "<version><date>Fri", 1)
    items = list(parse_oai_pmh(io.BytesIO(raw.encode()), "raw.xml"))
    assert [i.arxiv_id for i in items if isinstance(i, PaperRecord)] == ["0704.0046"]
    assert [(r.where, r.reason) for r in items if isinstance(r, Rejection)] == [
        (
            "record 2",
            "oai:arXiv.org:1005.4373: v2 <date> is not an RFC 2822 date: 'the second of February'",
        ),
        ("record 3", "oai:arXiv.org:0906.3336: <version> has no version=\"vN\" attribute (got '')"),
    ]


def test_unreadable_files_raise_with_the_source(oai_dir: Path) -> None:
    with pytest.raises(InvalidInput, match=r"^dump\.txt: not well-formed XML"):
        parse_oai_page(b"verb=ListRecords", "dump.txt")
    with pytest.raises(InvalidInput, match=r"verb Identify\) has no ListRecords"):
        _page(oai_dir, "oaipmh-identify---should-identify-arxiv")


def test_looks_like_oai(oai_dir: Path, shared_data: Path) -> None:
    for path in (oai_dir / "xml").glob("*.xml"):
        assert looks_like_oai(path.read_bytes()[:1024]), path.name
    for path in (shared_data / "arxiv-api-atom" / "xml").glob("*.xml"):
        assert not looks_like_oai(path.read_bytes()[:1024]), path.name


def test_arxiv_id_from_oai() -> None:
    assert arxiv_id_from_oai("oai:arXiv.org:hep-th/9504118") == "hep-th/9504118"
    assert arxiv_id_from_oai("oai:arXiv.org:1412.8544") == "1412.8544"
    assert arxiv_id_from_oai("oai:arca.igc.gulbenkian.pt:10400.7/663") is None
