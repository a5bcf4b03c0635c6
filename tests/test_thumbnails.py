"""The first-page renderer on real arXiv PDFs, on made-up pages of every shape, and on broken and
hostile bytes: an image of the promised size, or InvalidInput saying why not, never anything
else and never past its deadline."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pypdfium2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from dailypapers.errors import InvalidInput
from dailypapers.thumbnails import MAX_PAGE_RATIO, WIDTH, render_first_page

PDFS = ("2304.02623v1.pdf", "2302.07302v1.pdf")


def made_pdf(*pages: tuple[float, float]) -> bytes:
    """A PDF of blank pages of these sizes in points, written by PDFium itself."""
    document = pypdfium2.PdfDocument.new()
    for width, height in pages:
        document.new_page(width, height)
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def real_pdf(shared_data: Path) -> bytes:
    return (shared_data / "arxiv-pdf" / PDFS[0]).read_bytes()


@pytest.mark.parametrize("name", PDFS)
def test_real_papers_render_to_a_small_legible_webp(shared_data: Path, name: str) -> None:
    rendered = render_first_page((shared_data / "arxiv-pdf" / name).read_bytes(), name)
    image = Image.open(io.BytesIO(rendered.data))
    assert (image.format, image.size) == ("WEBP", (WIDTH, rendered.height))
    # US Letter (612 x 792 points) at 480 pixels wide.
    assert rendered.height == round(792 * WIDTH / 612)
    assert 10_000 < len(rendered.data) < 120_000
    # A page of text: mostly white, with dark ink on it.
    grey = image.convert("L")
    histogram = grey.histogram()
    pixels = image.width * image.height
    assert sum(histogram[230:]) > 0.6 * pixels
    assert sum(histogram[:100]) > 0.01 * pixels
    # The same bytes every time: the image's name is its content's hash.
    assert render_first_page((shared_data / "arxiv-pdf" / name).read_bytes(), name) == rendered


def test_pages_of_any_shape_are_cut_to_the_promised_size() -> None:
    wide = render_first_page(made_pdf((2000, 500)), "wide")
    assert (wide.width, wide.height) == (WIDTH, 120)
    # A scroll-like page keeps its top, at most three widths tall.
    tall = render_first_page(made_pdf((300, 30_000)), "tall")
    assert (tall.width, tall.height) == (WIDTH, WIDTH * MAX_PAGE_RATIO)
    # Huge in points, and only the first of several pages is drawn.
    huge = render_first_page(made_pdf((14_400, 14_400), (10, 10)), "huge")
    assert (huge.width, huge.height) == (WIDTH, WIDTH)


@pytest.mark.parametrize(
    ("pdf", "reason"),
    [
        (b"", "not a PDF"),
        (b"<!DOCTYPE html><title>404</title>", "not a PDF"),
        (b"%PDF-1.7\n% nothing after the header\n", "could not render"),
        (made_pdf(), "could not render its first page"),
    ],
    ids=["empty", "html", "header-only", "no-pages"],
)
def test_what_is_not_a_renderable_pdf_says_why(pdf: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput, match=r"^where: ") as raised:
        render_first_page(pdf, "where")
    assert reason in str(raised.value)


def test_a_cut_off_download_is_refused(real_pdf: bytes) -> None:
    with pytest.raises(InvalidInput, match="could not render"):
        render_first_page(real_pdf[: len(real_pdf) // 2], "half")


def test_a_renderer_past_its_deadline_is_stopped(real_pdf: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(InvalidInput, match=r"took over 0\.05 s"):
        render_first_page(real_pdf, "slow", timeout=0.05)
    assert time.monotonic() - started < 5


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_damaged_pdfs_give_an_image_or_a_reason(real_pdf: bytes, data: st.DataObject) -> None:
    """Bytes of a real paper overwritten here and there (as a flaky download or a hostile file
    would): each either renders to the promised size or is refused with a reason."""
    damaged = bytearray(real_pdf)
    for _ in range(data.draw(st.integers(1, 8), label="damages")):
        at = data.draw(st.integers(0, len(damaged) - 1), label="at")
        piece = data.draw(st.binary(min_size=1, max_size=64), label="bytes")
        damaged[at : at + len(piece)] = piece
    try:
        rendered = render_first_page(bytes(damaged), "damaged")
    except InvalidInput as exc:
        assert str(exc).startswith("damaged: ")
    else:
        assert rendered.width == WIDTH
        assert 0 < rendered.height <= WIDTH * MAX_PAGE_RATIO
