"""Fetch from arXiv over HTTP: OAI-PMH harvests (ListRecords paging), API id look-ups, and a
paper's PDF (for its thumbnail)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import date

from dailypapers.errors import ConfigError, FetchError, InvalidInput, NotFound
from dailypapers.models import PaperRecord
from dailypapers.sources.arxiv_atom import AtomPage, parse_atom_page
from dailypapers.sources.http import HttpClient, Params, expect_status, shown
from dailypapers.sources.oaipmh import OaiPage, parse_oai_page

log = logging.getLogger(__name__)

# The arXiv API answers at most this many ids per id_list query without paging.
ID_CHUNK = 100
# Most papers' PDFs are a few MB; a thumbnail is not worth holding more than this in memory.
PDF_MAX_BYTES = 64 << 20


class OaiHarvester:
    """Pages of an OAI-PMH ListRecords harvest, following resumption tokens to the end.

    It keeps no state beyond the request in flight: the caller stores each page's records and
    its token (or latest datestamp) before asking for the next, so a killed harvest resumes from
    the stored token rather than starting again.
    """

    def __init__(
        self,
        client: HttpClient,
        base_url: str = "https://export.arxiv.org/oai2",
        metadata_prefix: str = "arXiv",
    ) -> None:
        self.client = client
        self.base_url = base_url
        self.metadata_prefix = metadata_prefix

    def pages(
        self,
        set_spec: str | None,
        from_date: date | None,
        resumption_token: str | None = None,
        *,
        until_date: date | None = None,
    ) -> Iterator[OaiPage]:
        """Lazily fetch and parse each page; with ``resumption_token`` the harvest resumes there
        (OAI-PMH forbids other arguments beside a token, so the others are then ignored)."""
        token = resumption_token
        while True:
            params: dict[str, str | int]
            if token:
                params = {"verb": "ListRecords", "resumptionToken": token}
            else:
                params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
                if from_date is not None:
                    params["from"] = from_date.isoformat()
                if until_date is not None:
                    params["until"] = until_date.isoformat()
                if set_spec:
                    params["set"] = set_spec
            response = expect_status(self.client.get(self.base_url, params=params))
            page = parse_oai_page(response.content, str(response.url))
            yield page
            if not page.resumption_token:
                return
            if page.resumption_token == token:
                # A server that hands back the token it was given would page forever.
                raise FetchError(f"{response.url} returned the same resumptionToken again")
            token = page.resumption_token


class ArxivApi:
    """The arXiv API (``export.arxiv.org/api/query``): look up papers by id, or search."""

    def __init__(
        self, client: HttpClient, base_url: str = "https://export.arxiv.org/api/query"
    ) -> None:
        self.client = client
        self.base_url = base_url

    def by_ids(self, ids: Sequence[str]) -> list[PaperRecord]:
        """The records of ``ids`` (versioned or not, old or new style) that arXiv knows; unknown
        ids are simply absent. A malformed id raises InvalidInput with arXiv's message."""
        records: list[PaperRecord] = []
        for first in range(0, len(ids), ID_CHUNK):
            chunk = ",".join(ids[first : first + ID_CHUNK])
            page = self._query(search_query="", id_list=chunk, start=0, size=ID_CHUNK)
            for rejection in page.rejections:
                log.warning(
                    "arXiv API %s %s: %s", rejection.source, rejection.where, rejection.reason
                )
            records.extend(page.records)
        return records

    def search(self, query: str, start: int = 0, max_results: int = 100) -> AtomPage:
        """One page of an arXiv search (``search_query`` syntax, e.g. ``cat:cs.CL AND ti:llm``)."""
        return self._query(search_query=query, id_list="", start=start, size=max_results)

    def _query(self, *, search_query: str, id_list: str, start: int, size: int) -> AtomPage:
        params: Params = {
            "search_query": search_query,
            "id_list": id_list,
            "sortBy": "relevance",
            "sortOrder": "descending",
            "start": start,
            "max_results": size,
        }
        # arXiv answers a malformed query with 400 and an Atom error entry the parser reports.
        response = expect_status(self.client.get(self.base_url, params=params), (200, 400))
        page = parse_atom_page(response.content, shown(response.url))
        if response.status_code != 200:
            raise FetchError(f"{shown(response.url)} answered HTTP {response.status_code}")
        return page


class ArxivPdfs:
    """Papers' PDFs, from a URL pattern whose ``{id}`` is the arXiv id with its version."""

    def __init__(self, client: HttpClient, url_pattern: str = "https://arxiv.org/pdf/{id}") -> None:
        if "{id}" not in url_pattern:
            raise ConfigError(f"arxiv_pdf_url: {url_pattern!r} has no {{id}} for the paper's id")
        self.client = client
        self.url_pattern = url_pattern

    def url(self, arxiv_id: str, version: int | None) -> str:
        """Where the PDF of ``arxiv_id`` (of ``version``, else the newest) is."""
        return self.url_pattern.replace("{id}", f"{arxiv_id}v{version}" if version else arxiv_id)

    def pdf(self, arxiv_id: str, version: int | None) -> bytes:
        """The PDF's bytes. What is the paper's: NotFound when arXiv has no PDF of it (404,
        410), InvalidInput when the answer is not a PDF or is over PDF_MAX_BYTES. What is
        arXiv's: FetchError when it cannot be reached or answers otherwise."""
        url = self.url(arxiv_id, version)
        response = self.client.get(url, max_bytes=PDF_MAX_BYTES)
        if response.status_code in (404, 410):
            raise NotFound(f"{response.url} answered HTTP {response.status_code}: no PDF")
        expect_status(response)
        if not response.content.lstrip(b"\r\n\t ").startswith(b"%PDF-"):
            kind = response.headers.get("Content-Type") or "no content type"
            raise InvalidInput(f"{response.url} answered {kind}, not a PDF")
        return response.content
