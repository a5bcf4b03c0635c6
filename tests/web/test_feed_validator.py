"""Every kind of feed, served over HTTP, checked by the W3C Feed Validation Service's own checker
(``../shared/tools/validate-feed``): no error and no warning, the HTTP headers and each feed's
self link included."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from web.conftest import make_site, serving

pytest.importorskip("html5lib")
pytest.importorskip("rdflib")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_every_feed_validates_without_a_warning(shared_data: Path, tmp_path: Path) -> None:
    tool = shared_data.parent / "tools" / "validate-feed"
    if not tool.is_file():
        pytest.skip(f"no feed validator at {tool}")
    port = free_port()
    # The feeds' self links name the address they are served from, as behind a real site.
    site = make_site(tmp_path, base_url=f"http://127.0.0.1:{port}")
    try:
        paper = site.hub.recent_lists(1)[0]
        author = str(paper.authors[0]).replace(" ", "%20")  # type: ignore[index]
        feeds = [
            f"/feeds/{name}.{fmt}{query}"
            for fmt in ("atom", "rss")
            for name, query in (
                ("daily", ""),
                ("trending", "?window=week"),
                ("trending", "?window=month"),
                ("search", "?q=diffusion"),
                ("category/cs.CL", ""),
                (f"authors/{author}", ""),
            )
        ]
        with serving(site.app, port) as url:
            checked = subprocess.run(
                [sys.executable, str(tool), *(url + feed for feed in feeds)],
                capture_output=True,
                text=True,
                timeout=600,
            )
    finally:
        site.hub.close()
    report = checked.stdout + checked.stderr
    assert checked.returncode == 0, report
    assert report.count(": 0 errors, 0 warnings") == len(feeds), report
