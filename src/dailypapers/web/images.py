"""Images: an identicon for every member, a title card for every paper, and papers' first pages.

Identicons and title cards are small SVG documents the site draws from what they stand for alone
(a name; a paper's id and title), so any process draws the same image and a cache may keep it.
A paper's card is its thumbnail until its first page is rendered (``hub/thumbnails.py``), whose
WebP image is served under its content's hash, for good. Link previews (Open Graph) want a
raster image of 1200 x 630: the same card drawn as a PNG by Pillow.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from functools import cache, lru_cache
from html import escape
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response
from PIL import Image, ImageDraw, ImageFont

from dailypapers.models import Paper
from dailypapers.thumbnails import MEDIA_TYPE
from dailypapers.web.deps import HubDep
from dailypapers.wire import SHARE_CARD, TITLE_CARD

SVG = "image/svg+xml"
# An identicon depends on the name alone, a first page's URL on its content; a title card
# changes only when a title is corrected.
IMMUTABLE = "public, max-age=31536000, immutable"
CARD_CACHE = "public, max-age=86400"
CARD_WIDTH, CARD_HEIGHT = TITLE_CARD
CARD_LINE_CHARS, CARD_LINES = 30, 5
# What link previews ask for (Open Graph's large image): 1.91 to 1.
SHARE_WIDTH, SHARE_HEIGHT = SHARE_CARD
SHARE_MARGIN, SHARE_TITLE_PX, SHARE_LINES = 72, 58, 5
# DejaVu where the system has it (Debian's fonts-dejavu-core: most scripts and math signs),
# else the font Pillow carries (Latin only).
FONTS = Path("/usr/share/fonts/truetype/dejavu")

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


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(bold: bool, size: int) -> Font:
    path = FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _wrapped(text: str, font: Font, width: int) -> list[str]:
    """``text`` in lines no wider than ``width`` pixels, at most SHARE_LINES (the last cut)."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > SHARE_LINES:
        last = " ".join(lines[SHARE_LINES - 1 :])
        while last and font.getlength(last + " …") > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines = [*lines[: SHARE_LINES - 1], last + " …"]
    return lines


def share_card(paper: Paper) -> bytes:
    """The title card as a PNG of 1200 x 630 pixels, for link previews."""
    return _share_card(paper.id, paper.title)


# A shared link brings every preview of it within minutes: each card is drawn once (15 ms).
@lru_cache(maxsize=128)
def _share_card(ident: str, title: str, site: str = "Daily Papers") -> bytes:
    digest = hashlib.sha256(ident.encode()).digest()
    image = Image.new("RGB", (SHARE_WIDTH, SHARE_HEIGHT), f"hsl({_hue(digest)}, 45%, 94%)")
    draw = ImageDraw.Draw(image)
    heading = _font(True, SHARE_TITLE_PX)
    y = SHARE_MARGIN
    for line in _wrapped(title, heading, SHARE_WIDTH - 2 * SHARE_MARGIN) or [ident]:
        draw.text((SHARE_MARGIN, y), line, font=heading, fill="#1f2937")
        y += round(SHARE_TITLE_PX * 1.25)
    small = _font(False, 30)
    bottom = SHARE_HEIGHT - SHARE_MARGIN - 30
    draw.text((SHARE_MARGIN, bottom), ident, font=small, fill="#4b5563")
    width = small.getlength(site)
    draw.text((SHARE_WIDTH - SHARE_MARGIN - width, bottom), site, font=small, fill="#4b5563")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@router.get("/avatars/{name}.svg")
def avatar(name: str) -> Response:
    return Response(identicon(name), media_type=SVG, headers={"cache-control": IMMUTABLE})


@router.get("/thumbnails/{digest}.webp")
def first_page(digest: str, hub: HubDep) -> Response:
    # Named by its content: what this URL answers never changes.
    headers = {"cache-control": IMMUTABLE, "etag": f'"{digest}"'}
    return Response(hub.thumbnail_image(digest), media_type=MEDIA_TYPE, headers=headers)


@router.get("/thumbnails/{ident:path}.png")
def share_image(ident: str, hub: HubDep) -> Response:
    card = share_card(hub.paper(ident))
    return Response(card, media_type="image/png", headers={"cache-control": CARD_CACHE})


@router.get("/thumbnails/{ident:path}.svg")
def thumbnail(ident: str, hub: HubDep) -> Response:
    card = title_card(hub.paper(ident))
    return Response(card, media_type=SVG, headers={"cache-control": CARD_CACHE})
