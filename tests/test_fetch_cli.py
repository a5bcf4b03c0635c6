"""`dailypapers fetch ...` end to end against a loopback server replaying real responses."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dailypapers.cli import main
from replay import ReplayServer

LISTRECORDS = "oaipmh-listrecords---should-list-identifiers-from-arxiv.json"
PAGES = 8


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("DAILYPAPERS_"):
            monkeypatch.delenv(name)


def oai_pages(shared_data: Path, count: int) -> list[bytes]:
    """``count`` ListRecords pages made from the recorded one: its two real records on each page,
    re-numbered per page, each page ending with the token of the next (the last with none)."""
    exchanges = json.loads((shared_data / "arxiv-oaipmh" / LISTRECORDS).read_text())
    body = str(exchanges[1]["response"])
    head, tail = body[: body.index("<record>")], body[body.index("</ListRecords>") :]
    records = "".join(re.findall(r"<record>.*?</record>", body, re.DOTALL))
    pages = []
    for number in range(count):
        renumbered = records.replace("1412.8544", f"1412.{8600 + number}").replace(
            "hep-th/9504118", f"hep-th/95041{number:02d}"
        )
        token = f"page-{number + 1}" if number + 1 < count else ""
        marker = f'<resumptionToken cursor="{2 * number}">{token}</resumptionToken>'
        pages.append(f"{head}{renumbered}{marker}{tail}".encode())
    return pages


def serve_harvest(server: ReplayServer, pages: list[bytes]) -> None:
    server.add(
        "GET",
        "/oai2?verb=ListRecords&metadataPrefix=arXiv&from=2015-01-01&set=cs",
        [(200, {}, pages[0])],
    )
    for number, page in enumerate(pages[1:], 1):
        server.add(
            "GET", f"/oai2?verb=ListRecords&resumptionToken=page-{number}", [(200, {}, page)]
        )


def fetch(data: Path, server: ReplayServer, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DAILYPAPERS_ARXIV_OAI_URL": server.url + "/oai2",
        "DAILYPAPERS_ARXIV_DELAY": "0.25",
    }
    command = [sys.executable, "-m", "dailypapers.cli", "--data-dir", str(data), "fetch", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)


def test_kill_during_harvest_then_resume(
    replay_server: ReplayServer, shared_data: Path, tmp_path: Path
) -> None:
    serve_harvest(replay_server, oai_pages(shared_data, PAGES))
    child = fetch(tmp_path, replay_server, "arxiv", "--set", "cs", "--from", "2015-01-01", "--json")
    deadline = time.monotonic() + 60
    while len(replay_server.log) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed_after = len(replay_server.log)
    assert 4 <= killed_after < PAGES

    rerun = fetch(tmp_path, replay_server, "arxiv", "--set", "cs", "--json")
    out, _ = rerun.communicate(timeout=60)
    assert rerun.returncode == 0
    report = json.loads(out)
    assert report["resumed"] is True
    resumed_from = replay_server.log[killed_after].param("resumptionToken")
    assert resumed_from is not None
    # It resumes at the page after the last one committed: at most the page in flight is re-read.
    assert int(resumed_from.split("-")[1]) >= killed_after - 1
    with subprocess.Popen(
        [sys.executable, "-m", "dailypapers.cli", "--data-dir", str(tmp_path), "stats", "--json"],
        stdout=subprocess.PIPE,
        text=True,
    ) as stats:
        assert json.loads(stats.communicate()[0])["papers"] == 2 * PAGES


def test_next_harvest_starts_from_the_newest_datestamp(
    replay_server: ReplayServer,
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pages = oai_pages(shared_data, 2)
    serve_harvest(replay_server, pages)
    replay_server.add(
        "GET",
        "/oai2?verb=ListRecords&metadataPrefix=arXiv&from=2015-01-03&set=cs",
        [(200, {}, pages[1])],
    )
    monkeypatch.setenv("DAILYPAPERS_ARXIV_OAI_URL", replay_server.url + "/oai2")
    monkeypatch.setenv("DAILYPAPERS_ARXIV_DELAY", "0")
    args = ["--data-dir", str(tmp_path), "fetch", "arxiv", "--set", "cs", "--json"]
    assert main([*args, "--from", "2015-01-01"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["pages"], first["added"], first["datestamp"]) == (2, 4, "2015-01-03")
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["pages"], second["added"], second["unchanged"]) == (1, 0, 2)
    assert replay_server.log[-1].param("from") == "2015-01-03"


def test_fetch_arxiv_ids_stores_the_papers(
    replay_server: ReplayServer,
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    replay_server.load(shared_data / "arxiv-api-atom")
    monkeypatch.setenv("DAILYPAPERS_ARXIV_API_URL", replay_server.url + "/api/query")
    monkeypatch.setenv("DAILYPAPERS_ARXIV_DELAY", "0")
    data = ["--data-dir", str(tmp_path)]
    code = main([*data, "fetch", "arxiv-ids", "https://arxiv.org/abs/1605.08386", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert (code, summary["added"]) == (0, 1)
    assert main([*data, "show", "1605.08386", "--json"]) == 0
    paper = json.loads(capsys.readouterr().out)
    assert paper["title"] == "Heat-bath random walks with Markov bases"
    assert paper["version"] == 1
    # An id arXiv does not know is reported, and the exit code says so.
    code = main([*data, "fetch", "arxiv-ids", "0000.0000", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 3 and summary["errors"][0]["reason"] == "arXiv has no such paper"


def test_fetch_arxiv_ids_bad_id_and_unreachable(
    refused_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DAILYPAPERS_ARXIV_API_URL", refused_url + "/api/query")
    monkeypatch.setenv("DAILYPAPERS_ARXIV_DELAY", "0")
    monkeypatch.setenv("DAILYPAPERS_FETCH_RETRIES", "1")
    code = main(["--data-dir", str(tmp_path), "fetch", "arxiv-ids", "abc"])
    assert code == 2 and "not an arXiv id" in capsys.readouterr().err
    code = main(["--data-dir", str(tmp_path), "fetch", "arxiv-ids", "1605.08386"])
    err = capsys.readouterr().err
    assert code == 6
    assert "could not reach" in err and "connection refused" in err


def test_fetch_hf_daily_fills_the_listing(
    replay_server: ReplayServer,
    test_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = (test_data / "hf_daily_api_sample.json").read_bytes()
    replay_server.add("GET", lambda path, query: path == "/api/daily_papers", [(200, {}, body)])
    monkeypatch.setenv("DAILYPAPERS_HF_URL", replay_server.url)
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "fetch", "hf-daily", "--date", "2026-02-25", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 3
    assert replay_server.log[0].param("date") == "2026-02-25"
    assert "dailypapers/" in replay_server.log[0].headers["user-agent"]
    assert main([*data, "show", "2602.21193", "--json"]) == 0
    paper = json.loads(capsys.readouterr().out)
    assert paper["listings"][0]["rank"] == 1


def test_an_expired_token_restarts_the_harvest(
    replay_server: ReplayServer,
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pages = oai_pages(shared_data, 2)
    expired = pages[0].split(b"<ListRecords>")[0] + (
        b'<error code="badResumptionToken">The value of the resumptionToken argument is invalid'
        b" or expired.</error></OAI-PMH>"
    )
    replay_server.add(
        "GET",
        "/oai2?verb=ListRecords&metadataPrefix=arXiv&from=2015-01-01&set=cs",
        [(200, {}, pages[0]), (200, {}, pages[0])],
    )
    # The first run is cut off after page 1 (the server fails on page 2); by the time it is
    # resumed the token has expired.
    replay_server.add(
        "GET",
        "/oai2?verb=ListRecords&resumptionToken=page-1",
        [(503, {}, b"down"), (200, {}, expired), (200, {}, pages[1])],
    )
    monkeypatch.setenv("DAILYPAPERS_ARXIV_OAI_URL", replay_server.url + "/oai2")
    monkeypatch.setenv("DAILYPAPERS_ARXIV_DELAY", "0")
    monkeypatch.setenv("DAILYPAPERS_FETCH_RETRIES", "0")
    args = ["--data-dir", str(tmp_path), "fetch", "arxiv", "--set", "cs", "--json"]
    assert main([*args, "--from", "2015-01-01"]) == 6
    assert "HTTP 503" in capsys.readouterr().err
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["resumed"], report["restarted"], report["pages"]) == (True, True, 2)
    assert (report["added"], report["unchanged"]) == (2, 2)
