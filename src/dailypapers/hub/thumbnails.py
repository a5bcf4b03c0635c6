"""The hub's thumbnails: listed papers' first pages rendered from their PDFs, and the images.

A paper's image is kept in the store by content (so every node of a site serves it) and, once a
node has served or made it, as a file of its data dir named by that content, which never changes.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dailypapers.errors import InvalidInput, NotFound
from dailypapers.files import replace_durably
from dailypapers.hub.base import HubBase
from dailypapers.models import Thumbnail
from dailypapers.sources.arxiv_fetch import ArxivPdfs
from dailypapers.store import Wanted
from dailypapers.thumbnails import render_first_page

log = logging.getLogger(__name__)

# Papers one run renders at most: at arXiv's pace (3 s a request) about five minutes.
BATCH = 100
DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass
class ThumbnailReport:
    """What a run did: the papers rendered, and why each other one was not."""

    rendered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"rendered": len(self.rendered), "failed": self.failed}


class Thumbnailing(HubBase):
    """The part of the hub that makes and keeps papers' thumbnails."""

    def fetch_thumbnails(
        self, refs: Sequence[str] = (), limit: int = BATCH, now: datetime | None = None
    ) -> ThumbnailReport:
        """Render the first page of each paper ``refs`` names (again, if it has one); without
        ``refs``, of up to ``limit`` listed papers that have none, the most recently listed
        first. PDFs are fetched one at a time at arXiv's pace (``arxiv_delay``) from
        ``arxiv_pdf_url``. A paper whose PDF is missing or does not render is noted in the
        report and, in the store, tried again later (after a day, then less often).

        Raises NotFound when a ref names no paper, FetchError when arXiv cannot be reached or
        refuses (the papers not yet tried wait for the next run), ConfigError for an
        ``arxiv_pdf_url`` without ``{id}``."""
        now = now or datetime.now(UTC)
        report = ThumbnailReport()
        wanted = self._papers_to_fetch(
            refs,
            lambda tx: tx.thumbnails.wanting(now, limit),
            report.failed,
            "not an arXiv paper: no PDF to render",
            lambda tx, pks: tx.papers.arxiv_named(pks),
        )
        with self._client(self.settings.arxiv_delay) as client:
            pdfs = ArxivPdfs(client, self.settings.arxiv_pdf_url)
            for item in wanted:
                self._render(pdfs, item, now, report)
        return report

    def _render(
        self, pdfs: ArxivPdfs, item: Wanted, now: datetime, report: ThumbnailReport
    ) -> None:
        try:
            pdf = pdfs.pdf(item.arxiv_id, item.version)
            rendered = render_first_page(pdf, pdfs.url(item.arxiv_id, item.version))
        except (NotFound, InvalidInput) as exc:  # the paper's; arXiv's own failures stop the run
            with self.store.transaction() as tx:
                retry_at = tx.thumbnails.failed(item.pk, str(exc), now)
            log.warning("no thumbnail for %s until %s: %s", item.arxiv_id, retry_at, exc)
            report.failed[item.arxiv_id] = str(exc)
            return
        self._keep_file(rendered.digest, rendered.data)
        thumbnail = Thumbnail(rendered.digest, rendered.width, rendered.height)
        with self.store.transaction() as tx:
            tx.thumbnails.save(item.pk, thumbnail, rendered.data, now)
        report.rendered.append(item.arxiv_id)

    def thumbnail_image(self, digest: str) -> bytes:
        """The WebP image of content ``digest``: this node's file, else the store's copy (then
        kept as the file). Raises NotFound for a digest no image has."""
        if not DIGEST.fullmatch(digest):
            raise NotFound(f"no thumbnail {digest!r}")
        path = self._image_path(digest)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        with self.store.read() as tx:
            data = tx.thumbnails.image(digest)
        if data is None:
            raise NotFound(f"no thumbnail {digest}")
        self._keep_file(digest, data)
        return data

    def _image_path(self, digest: str) -> Path:
        return self.settings.data_dir / "thumbnails" / digest[:2] / f"{digest}.webp"

    def _keep_file(self, digest: str, data: bytes) -> None:
        """Write the image's file whole or not at all: a reader never sees half of one."""
        path = self._image_path(digest)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
            written = Path(out.name)
            try:
                out.write(data)
            except BaseException:
                written.unlink()
                raise
        replace_durably(written, path)
