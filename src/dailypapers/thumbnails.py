"""A PDF's first page as a small WebP image, rendered by PDFium in a child process.

PDFium is C++ reading bytes from the internet: a hostile or broken file may make it crash, loop
or ask for gigabytes. So each file is rendered by ``python -m dailypapers.thumbnails`` with
limits on its memory and CPU and a deadline, and only its image comes back: whatever the file
does, the caller gets either a checked image or :class:`InvalidInput` saying why not.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass

from dailypapers.errors import InvalidInput

WIDTH = 480  # pixels: twice the widest place a page shows one (240 CSS px beside the abstract)
QUALITY = 70  # WebP: a page of text stays legible at 40-55 KB
TIMEOUT_S = 30.0
MEMORY_BYTES = 1 << 30  # the child's address space, beyond which PDFium's allocations fail
CPU_SECONDS = 20
MAX_PAGE_RATIO = 3.0  # height / width beyond which a "page" is a banner or a scroll, cut there
MEDIA_TYPE = "image/webp"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered first page: WebP bytes, their SHA-256 (the file's name) and size in pixels."""

    data: bytes
    digest: str
    width: int
    height: int


def render_first_page(pdf: bytes, where: str, timeout: float = TIMEOUT_S) -> Rendered:
    """``pdf``'s first page, ``WIDTH`` pixels wide; InvalidInput naming ``where`` when the bytes
    are not a PDF that PDFium renders within the limits."""
    if not pdf.lstrip(b"\r\n\t ").startswith(b"%PDF-"):
        raise InvalidInput(f"{where}: not a PDF (it does not start with %PDF-)")
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=pdf,
            capture_output=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except subprocess.TimeoutExpired:
        raise InvalidInput(f"{where}: rendering its first page took over {timeout:g} s") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        told = reason[-1] if reason else f"the renderer stopped (exit code {done.returncode})"
        raise InvalidInput(f"{where}: could not render its first page ({told})")
    return checked(done.stdout, where)


def checked(data: bytes, where: str) -> Rendered:
    """The image the child wrote, after making sure it is one WebP of the size it should be."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput(f"{where}: the renderer wrote no image ({exc})") from None
    if kind != "WEBP" or width != WIDTH or not 0 < height <= WIDTH * MAX_PAGE_RATIO:
        raise InvalidInput(f"{where}: the renderer wrote a {kind} of {width} x {height} pixels")
    return Rendered(data, hashlib.sha256(data).hexdigest(), width, height)


def _limit_self() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _render(pdf: bytes) -> bytes:
    """The child's work: the first page at ``WIDTH`` pixels, its top kept if it is very tall."""
    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(pdf)
    try:
        if len(document) == 0:
            raise ValueError("the PDF has no pages")
        page = document[0]
        page_width, page_height = page.get_size()
        if page_width <= 0 or page_height <= 0:
            raise ValueError(f"its first page measures {page_width} x {page_height} points")
        scale = WIDTH / page_width
        height = min(round(page_height * scale), round(WIDTH * MAX_PAGE_RATIO))
        # Rendered at the kept size only: a page of absurd points cannot ask for a huge bitmap.
        bitmap = page.render(scale=scale, crop=(0, max(0.0, page_height - height / scale), 0, 0))
        image = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    if image.width != WIDTH:  # rounding of the page's points: one pixel either way
        image = image.resize(
            (WIDTH, round(image.height * WIDTH / image.width)), Image.Resampling.LANCZOS
        )
    out = io.BytesIO()
    image.save(out, "WEBP", quality=QUALITY, method=4)
    return out.getvalue()


def main() -> int:
    """Read a PDF on stdin, write its first page as WebP on stdout; a reason on stderr if not."""
    _limit_self()
    try:
        sys.stdout.buffer.write(_render(sys.stdin.buffer.read()))
    except MemoryError:
        print("it needs more memory than a thumbnail may take", file=sys.stderr)
        return 2
    except Exception as exc:  # PDFium's errors name their cause; anything else is the file's too
        print(str(exc) or type(exc).__name__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
