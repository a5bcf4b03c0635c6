"""Fetch one day of the Hugging Face Daily Papers list from its JSON API, page by page."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from datetime import date

from dailypapers.models import PaperRecord, Rejection
from dailypapers.sources.hf_daily import parse_hf_daily
from dailypapers.sources.http import HttpClient, Params, expect_status

# The most HF serves per page; a page this full may have a successor.
MAX_PAGE_SIZE = 100


class HfDaily:
    """``GET {base_url}/api/daily_papers?date=YYYY-MM-DD``, following pages (``limit``, ``p``)."""

    def __init__(
        self,
        client: HttpClient,
        base_url: str = "https://huggingface.co",
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}, not {page_size}")
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size

    def daily(self, day: date) -> list[PaperRecord | Rejection]:
        """Every paper listed on ``day`` in the list's order (ranks counted across pages), and
        the entries that were refused."""
        items: list[PaperRecord | Rejection] = []
        # The parser ranks items by their place on the page; later pages continue the count.
        ranked: Counter[date] = Counter()
        previous: list[PaperRecord | Rejection] | None = None
        page_number = 0
        while True:
            params: Params = {"date": day.isoformat(), "limit": self.page_size, "p": page_number}
            response = self.client.get(f"{self.base_url}/api/daily_papers", params=params)
            expect_status(response)
            page = list(parse_hf_daily(io.BytesIO(response.content), str(response.url)))
            if page and page == previous:
                # A server that ignores ``p`` would hand back the same full page for ever.
                break
            previous = page
            for item in page:
                items.append(_continue_rank(item, ranked))
            if len(page) < self.page_size:
                return items
            page_number += 1
        return items


def _continue_rank(item: PaperRecord | Rejection, ranked: Counter[date]) -> PaperRecord | Rejection:
    if isinstance(item, Rejection) or item.listing is None or item.listing.rank is None:
        return item
    listing = item.listing
    offset = ranked[listing.date]
    ranked[listing.date] += 1
    return dataclasses.replace(item, listing=dataclasses.replace(listing, rank=offset + 1))
