"""Schemathesis, a tester nobody here wrote, against the live site: every API operation from
``/openapi.json``, with and without a token, its stateful links followed.

The site runs on uvicorn on loopback with the demo's papers, mail on (an SMTP server on loopback)
and arXiv replayed from recordings (an id it has no recording of gets arXiv's recorded answer to
an unknown id). Checks: no server error, no status the schema does not document, every answer
in the shape its schema gives (``web/shapes.py``), a wrong method answered 405 with the methods
the path takes, content types and headers as documented, and schema-violating requests refused.
Left out is ``positive_data_acceptance``: the schema cannot say every rule a valid request meets
(one of date, week and month; days from 1900 to 2999; what an arXiv id looks like inside a
body), so such requests get the documented 400 or 422.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from replay import ReplayServer, Reply
from smtp_sink import smtp_server
from web.conftest import make_site, serving

# Seconds each run may take; the two runs together stay within the suite's budget.
SECONDS = 70
CHECKS = ["--checks", "all", "--exclude-checks", "positive_data_acceptance"]


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[dict]:  # type: ignore[type-arg]
    recordings = shared_data / "arxiv-api-atom"
    unknown = json.loads((recordings / "id_0000.0000_s0_m100_8b51d9633a68.json").read_text())
    with ReplayServer() as arxiv, smtp_server() as mailbox:
        arxiv.load(recordings)
        arxiv.add(
            "GET",
            lambda path, _query: path == "/api/query",
            [Reply(unknown["status_code"], [("Content-Type", "application/atom+xml")],
                   unknown["body"].encode())],
        )  # fmt: skip
        site = make_site(
            tmp_path_factory.mktemp("fuzzed"),
            arxiv.url + "/api/query",
            smtp_url=mailbox.url,
            limit_subscribe=10**9,
            limit_confirmations=10**9,
        )
        member = site.hub.create_user("fuzzer", "fuzzer@example.org", "correct horse battery")
        token, _ = site.hub.create_token(member, "schemathesis")
        with serving(site.app) as url:
            yield {"url": url, "token": token}
        site.hub.close()


def schemathesis(url: str, *options: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
        *CHECKS, "--max-time", str(SECONDS), "--workers", "1", "--seed", "20261202",
        "--phases", "examples,coverage,fuzzing,stateful", "--no-color", *options,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=SECONDS * 4)


def _report(run: subprocess.CompletedProcess[str]) -> str:
    return run.stdout[-12_000:] + run.stderr[-2_000:]


def test_every_operation_with_a_token(live_site: dict) -> None:  # type: ignore[type-arg]
    run = schemathesis(live_site["url"], "--header", f"Authorization: Bearer {live_site['token']}")
    assert run.returncode == 0, _report(run)
    assert "Stateful" in run.stdout


def test_every_operation_without_a_token(live_site: dict) -> None:  # type: ignore[type-arg]
    run = schemathesis(live_site["url"])
    assert run.returncode == 0, _report(run)
