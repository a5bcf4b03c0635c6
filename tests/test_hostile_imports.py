"""Hostile records imported, then read back through every surface: nothing freezes, leaks or breaks.

The records are real ones (HF's daily_papers API, tests/data) with one field each turned into an
attack seen against the running site: a 75 KB abstract of unclosed formulas, script links, control
characters, markup in the title.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from dailypapers.cli import main
from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.web import create_app
from dailypapers.web.feeds import atom, rss
from dailypapers.wire import paper_markdown
from papers import a_paper

BOMB = "\\( " * 25000
SCRIPT_LINKS = {
    "githubRepo": "javascript:alert(document.cookie)",
    "projectPage": "data:text/html,<script>alert(1)</script>",
}


def hostile_items(test_data: Path) -> list[dict[str, Any]]:
    items = json.loads((test_data / "hf_daily_api_sample.json").read_text())
    bomb, links, controls = (copy.deepcopy(item) for item in items[:3])
    bomb["paper"]["summary"] = BOMB
    links["paper"].update(SCRIPT_LINKS)
    links["paper"]["title"] = (
        "<script>alert(1)</script> [click](javascript:alert(2)) " + (links["paper"]["title"])
    )
    controls["paper"]["summary"] = "Control\x01 characters\x0b here \ud800" + (
        controls["paper"]["summary"] or ""
    )
    return [bomb, links, controls]


@dataclass
class Hostile:
    hub: Hub
    client: TestClient
    ids: list[str]
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, test_data: Path) -> Iterator[Hostile]:
    directory = tmp_path_factory.mktemp("hostile")
    items = hostile_items(test_data)
    path = directory / "daily.json"
    # ensure_ascii keeps the lone surrogate as the escape a real JSON file would carry.
    path.write_text(json.dumps(items), encoding="utf-8")
    hub, _ = Hub.init(load_settings({"data_dir": directory / "data"}, {}))
    summary = hub.import_files([path]).as_dict()
    hub.index(semantic=False)
    app = create_app(hub, hub.settings, background_index=False, recheck_s=0)
    yield Hostile(hub, TestClient(app), [item["paper"]["id"] for item in items], summary)
    hub.close()


def test_the_report_rejects_the_oversized_record_and_notes_dropped_links(
    hostile: Hostile,
) -> None:
    summary = hostile.summary
    assert (summary["added"], summary["rejected"]) == (2, 1)
    [error] = summary["errors"]
    assert error["where"] == hostile.ids[0] and "74,999 characters" in error["reason"]
    assert [(w["where"], w["reason"].split()[0]) for w in summary["warnings"]] == [
        (hostile.ids[1], "github_repo"),
        (hostile.ids[1], "project_page"),
    ]
    assert hostile.hub.find(hostile.ids[0]) is None


def test_the_cli_exits_3_and_prints_the_warnings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, test_data: Path
) -> None:
    path = tmp_path / "daily.json"
    path.write_text(json.dumps(hostile_items(test_data)))
    code = main(["--data-dir", str(tmp_path / "d"), "import", str(path)])
    out, err = capsys.readouterr()
    assert code == 3
    assert "added 2, updated 0, unchanged 0, rejected 1" in out
    assert f"warning {path} ({hostile_items(test_data)[1]['paper']['id']}): github_repo" in err


def test_no_surface_hands_out_a_script_link_or_markup(hostile: Hostile) -> None:
    paper_id = hostile.ids[1]
    client = hostile.client
    api = client.get(f"/api/papers/{paper_id}").json()
    assert api["githubRepo"] is None and api["projectPage"] is None
    for item in client.get("/api/daily_papers", params={"date": "2026-02-25"}).json():
        for link in (item["paper"]["githubRepo"], item["paper"]["projectPage"]):
            assert link is None or link.startswith("https://"), link
    page = client.get(f"/papers/{paper_id}").text
    assert not re.search(r"""(href|src)=["']?(javascript|data|vbscript):""", page)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    markdown = client.get(f"/papers/{paper_id}.md").text
    html = MarkdownIt("commonmark").render(markdown)
    assert "<script" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text


def test_control_characters_never_reach_a_feed(hostile: Hostile) -> None:
    client = hostile.client
    paper = client.get(f"/api/papers/{hostile.ids[2]}").json()
    assert paper["summary"].startswith("Control characters here ")
    for path in (
        "/feeds/daily.atom",
        "/feeds/daily.rss",
        "/feeds/search.rss?q=%01abc",
        "/feeds/search.atom?q=control%0b%01",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        ET.fromstring(response.content)  # expat: strict, refuses any control character


# -- properties of the renderers -----------------------------------------------------------------

# Text shaped like what an attacker writes into a title or an abstract.
hostile_text = st.lists(
    st.one_of(
        st.text(),
        st.sampled_from(
            [
                "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>",
                "[x](javascript:alert(1))",
                "[x][r]\n\n[r]: javascript:alert(1)",
                "<javascript:alert(1)>",
                "<!-- x -->",
                "![i](data:text/html,x)",
                "\\](javascript:x)",
                "`<b>`",
                "$x<y$",
                "\n\n<div>\n",
            ]
        ),
    ),
    max_size=6,
).map("".join)


LINK = re.compile(r'<a href="([^"]*)"')


@given(hostile_text, hostile_text, hostile_text, hostile_text)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_markdown_of_any_paper_renders_no_html_and_only_web_links(
    title: str, abstract: str, author: str, link: str
) -> None:
    markdown = paper_markdown(a_paper(title, abstract, author, link), "http://127.0.0.1:8000")
    tokens = MarkdownIt("commonmark").parse(markdown)
    inline = [child for token in tokens for child in (token.children or [])]
    assert not [t for t in tokens + inline if t.type in ("html_block", "html_inline")]
    for token in inline:
        if token.type == "link_open":
            assert str(token.attrs["href"]).startswith(("https://", "http://")), token.attrs


@given(hostile_text, hostile_text, hostile_text, st.text())
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_every_feed_of_any_text_is_well_formed_xml(
    title: str, abstract: str, author: str, query: str
) -> None:
    papers = [a_paper(title, abstract, author, "javascript:x")]
    base = "http://127.0.0.1:8000"
    for body in (
        atom(f"Papers about {query}", base + "/feeds/x", base + "/", papers, base),
        rss(f"Papers about {query}", base + "/feeds/x", base + "/", papers, base, query),
    ):
        ET.fromstring(body)


def test_the_bomb_abstract_already_stored_renders_at_once(hostile: Hostile) -> None:
    # A row stored before the limits existed: the page must not freeze on it either.
    from sqlalchemy import update

    from dailypapers.store.tables import papers

    paper_id = hostile.ids[2]
    with hostile.hub.store.engine.begin() as conn:
        conn.execute(update(papers).where(papers.c.arxiv_id == paper_id).values(abstract=BOMB))
    started = time.perf_counter()
    response = hostile.client.get(f"/papers/{paper_id}")
    assert response.status_code == 200 and time.perf_counter() - started < 5


# -- files that break off, and lines without end ---------------------------------------------------


def complete_lines(compressed: bytes) -> int:
    """How many whole lines the (possibly cut) gzip data holds, as zlib itself reads it."""
    data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(compressed)
    return data.count(b"\n")


@pytest.mark.parametrize("size", ["small", "large"])
def test_a_gzip_file_cut_short_stores_every_complete_record_before_the_cut(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shared_data: Path, size: str
) -> None:
    lines = (shared_data / KAGGLE).read_bytes()
    if size == "large":  # past 8 MB the file is parsed in a second process
        lines = renumbered(lines, copies=60)
    compressed = gzip.compress(lines)
    cut = compressed[: len(compressed) // 8]
    whole = complete_lines(cut)
    assert 10 < whole < lines.count(b"\n")
    path = tmp_path / "kaggle.jsonl.gz"
    path.write_bytes(cut)
    code = main(["--data-dir", str(tmp_path / "d"), "import", str(path), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 3
    assert summary["added"] == whole and summary["rejected"] == 1
    [error] = summary["errors"]
    assert error["source"] == str(path) and error["where"] == f"line {whole + 1}"
    assert "cut short" in error["reason"] and "the lines before it are read" in error["reason"]


def test_a_damaged_gzip_file_stores_what_came_before_the_damage(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shared_data: Path
) -> None:
    compressed = bytearray(gzip.compress((shared_data / KAGGLE).read_bytes()))
    compressed[len(compressed) // 2 :] = b"\xff" * (len(compressed) - len(compressed) // 2)
    path = tmp_path / "damaged.jsonl.gz"
    path.write_bytes(compressed)
    code = main(["--data-dir", str(tmp_path / "d"), "import", str(path), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 3 and summary["added"] > 10 and summary["rejected"] == 1
    assert "damaged" in summary["errors"][0]["reason"]


def test_a_line_without_end_is_one_rejection_read_in_bounded_memory(
    tmp_path: Path, shared_data: Path
) -> None:
    good = (shared_data / KAGGLE).read_bytes().splitlines(keepends=True)
    path = tmp_path / "long-line.jsonl"
    with path.open("wb") as out:
        out.writelines(good[:50])
        giant = 1 << 30  # a gibibyte, written as a hole: no disk, but read as a gibibyte
        out.truncate(out.tell() + giant)
        out.seek(0, 2)
        out.write(b"\n")
        out.writelines(good[50:100])
    report = subprocess.run(
        [sys.executable, "-c", MEASURED_IMPORT, str(tmp_path / "d"), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report.returncode == 3, report.stderr
    summary = json.loads(report.stdout.splitlines()[-1])
    assert summary["added"] == 100 and summary["rejected"] == 1
    [error] = summary["errors"]
    assert error["where"] == "line 51" and f"{giant:,} bytes, over the limit" in error["reason"]
    peak_mb = int(report.stderr.split()[-1]) / 1024
    assert peak_mb < 400, f"the import held {peak_mb:.0f} MB"


KAGGLE = "arxiv-kaggle/wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"
# The import, then the largest resident set of it and of its parsing child, in KB (on stderr).
# Its own from /proc (Linux carries ru_maxrss over exec, so RUSAGE_SELF would be pytest's).
MEASURED_IMPORT = """
import re, resource, sys
from dailypapers.cli import main
code = main(["--data-dir", sys.argv[1], "import", sys.argv[2], "--format", "kaggle", "--json"])
status = open("/proc/self/status").read()
own = int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
print(max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), file=sys.stderr)
sys.exit(code)
"""


def renumbered(lines: bytes, copies: int) -> bytes:
    """``copies`` of the real lines, each copy's ids made new, so that every line is a paper."""
    out = []
    for copy_number in range(copies):
        for number, line in enumerate(lines.splitlines()):
            record = json.loads(line)
            record["id"] = f"{2001 + copy_number // 99:04d}.{copy_number % 99:02d}{number:03d}"
            out.append(json.dumps(record).encode())
    return b"\n".join(out) + b"\n"
