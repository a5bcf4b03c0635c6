"""The hub: the one facade that combines store, sources, search, ranking and mail (``core.py``)."""

from __future__ import annotations

from dailypapers.hub.authors import AuthorPage
from dailypapers.hub.base import MAX_COMMENT, NO_MODEL
from dailypapers.hub.community import Profile
from dailypapers.hub.core import Hub
from dailypapers.hub.enriching import EnrichReport
from dailypapers.hub.ingesting import HarvestReport
from dailypapers.hub.lists import LIST_SORTS, PaperList, Trending
from dailypapers.hub.mailing import check_topics
from dailypapers.hub.personal import Marks
from dailypapers.hub.search import SearchHit
from dailypapers.hub.thumbnails import ThumbnailReport
from dailypapers.search import SEARCH_MODES, SEARCH_SORTS, embedding
from dailypapers.search.lexical import LexicalFilters
from dailypapers.sources.formats import FORMATS

__all__ = [
    "FORMATS",
    "LIST_SORTS",
    "MAX_COMMENT",
    "NO_MODEL",
    "SEARCH_MODES",
    "SEARCH_SORTS",
    "AuthorPage",
    "EnrichReport",
    "HarvestReport",
    "Hub",
    "LexicalFilters",
    "Marks",
    "PaperList",
    "Profile",
    "SearchHit",
    "ThumbnailReport",
    "Trending",
    "check_topics",
    "embedding_available",
]

embedding_available = embedding.available
