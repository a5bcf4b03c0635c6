"""Images: an identicon for every member, a title card for every paper, and papers' first pages.

Identicons and title cards are small SVG documents the site draws from what they stand for alone
(a name; a paper's id and title), so any process draws the same image and a cache may keep it.
A paper's card is its thumbnail until its first page is rendered (``hub/thumbnails.py``), whose
WebP image is served under its content's hash, for good.
"""

from __future__ import annotations

import hashlib
import textwrap
from html import escape

from fastapi import APIRouter
from fastapi.responses import Response

from dailypapers.models import Paper
from dailypapers.thumbnails import MEDIA_TYPE
from dailypapers.web.deps import HubDep
from dailypapers.wire import TITLE_CARD

SVG = "image/svg+xml"
# An identicon depends on the name alone, a first page's URL on its content; a title card
# changes only when a title is corrected.
IMMUTABLE = "public, max-age=31536000, immutable"
CARD_CACHE = "public, max-age=86400"
CARD_WIDTH, CARD_HEIGHT = TITLE_CARD
CARD_LINE_CHARS, CARD_LINES = 30, 5

router = APIRouter(include_in_schema=False)


def _hue(digest: bytes) -> int:
    return int.from_bytes(digest[:2], "big") % 360


def identicon(name: str) -> str:
    """A 5 x 5 mirrored grid in a colour of its own, drawn from the SHA-256 of ``name``."""
    digest = hashlib.sha256(name.encode()).digest()
    bits = int.from_bytes(digest[2:6], "big")
    cells = []
    for row in range(5):
        for column in range(3):
            if bits >> (row * 3 + column) & 1:
                cells += [(column, row), (4 - column, row)] if column < 2 else [(column, row)]
    rects = "".join(f'<rect x="{x}" y="{y}" width="1" height="1"/>' for x, y in cells)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="48" '
        f'height="48"><rect x="-0.5" y="-0.5" width="6" height="6" fill="#f3f4f6"/>'
        f'<g fill="hsl({_hue(digest)} 55% 45%)">{rects}</g></svg>'
    )


def title_card(paper: Paper) -> str:
    """The paper's title on a card of its own colour, with its id below."""
    digest = hashlib.sha256(paper.id.encode()).digest()
    lines = textwrap.wrap(paper.title, CARD_LINE_CHARS) or [paper.id]
    if len(lines) > CARD_LINES:
        lines = [
            *lines[: CARD_LINES - 1],
            textwrap.shorten(" ".join(lines[CARD_LINES - 1 :]), CARD_LINE_CHARS, placeholder=" …"),
        ]
    text = "".join(
        f'<text x="28" y="{56 + 36 * number}">{escape(line)}</text>'
        for number, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CARD_WIDTH} {CARD_HEIGHT}" '
        f'width="{CARD_WIDTH}" height="{CARD_HEIGHT}" role="img" '
        f'aria-label="{escape(paper.title)}">'
        f'<rect width="{CARD_WIDTH}" height="{CARD_HEIGHT}" fill="hsl({_hue(digest)} 45% 94%)"/>'
        f'<g font-family="system-ui, sans-serif" font-size="26" font-weight="600" '
        f'fill="#1f2937">{text}</g>'
        f'<text x="28" y="{CARD_HEIGHT - 24}" font-family="system-ui, sans-serif" '
        f'font-size="18" fill="#4b5563">{escape(paper.id)}</text></svg>'
    )


@router.get("/avatars/{name}.svg")
def avatar(name: str) -> Response:
    return Response(identicon(name), media_type=SVG, headers={"cache-control": IMMUTABLE})


@router.get("/thumbnails/{digest}.webp")
def first_page(digest: str, hub: HubDep) -> Response:
    # Named by its content: what this URL answers never changes.
    headers = {"cache-control": IMMUTABLE, "etag": f'"{digest}"'}
    return Response(hub.thumbnail_image(digest), media_type=MEDIA_TYPE, headers=headers)


@router.get("/thumbnails/{ident:path}.svg")
def thumbnail(ident: str, hub: HubDep) -> Response:
    card = title_card(hub.paper(ident))
    return Response(card, media_type=SVG, headers={"cache-control": CARD_CACHE})
