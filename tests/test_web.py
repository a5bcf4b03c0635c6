"""The first page and the paper JSON, over HTTP through the ASGI app; serve's secret check."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dailypapers.cli import main
from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    settings = load_settings({"data_dir": tmp_path_factory.mktemp("web")}, {})
    hub, _ = Hub.init(settings)
    hub.load_demo()
    return TestClient(create_app(hub, hub.settings))


def test_front_page_lists_the_latest_day(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Friday 27 February 2026" in page.text
    assert page.text.count("<article>") == 28
    earlier = client.get("/", params={"date": "2026-02-02"})
    assert "PaperBanana: Automating Academic Illustration for AI Scientists" in earlier.text
    assert "▲ 188" in earlier.text


def test_paper_json_and_problem_details(client: TestClient) -> None:
    paper = client.get("/api/papers/2601.23265")
    assert paper.status_code == 200
    body = paper.json()
    assert body["id"] == "2601.23265" and body["upvotes"] == 188
    assert body["authors"][0] == {"name": "Dawei Zhu", "hidden": False}
    missing = client.get("/api/papers/2401.99999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404
    bad = client.get("/api/papers/nonsense")
    assert bad.status_code == 400


def test_serve_refuses_to_start_without_a_real_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DAILYPAPERS_SECRET_KEY", "change-me")
    assert main(["--data-dir", str(tmp_path), "serve"]) == 2
    assert "no real secret key" in capsys.readouterr().err
