"""The worker: each scheduled job runs once per fire time, in its subscribers' time zones, with
real fetches from recorded arXiv and Hugging Face answers and digests to a loopback SMTP server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from dailypapers.cli import main
from dailypapers.errors import ConfigError
from dailypapers.hub import Hub
from dailypapers.jobs import Worker
from dailypapers.jobs import worker as worker_module
from dailypapers.web import create_app
from mailing import mail_hub, subscribe_confirmed
from replay import ReplayServer, make_refused_url
from smtp_sink import Mailbox

LISTRECORDS = "oaipmh-listrecords---should-list-identifiers-from-arxiv.json"
UNKNOWN_ID = "id_0000.0000_s0_m100_8b51d9633a68.json"
# Tuesday 3 Feb 2026, 05:00 UTC: 06:00 in Paris, an hour before 06:00 in UTC.
PARIS_SIX = datetime(2026, 2, 3, 5, 0, 30, tzinfo=UTC)


@pytest.fixture
def sources(replay_server: ReplayServer, shared_data: Path, test_data: Path) -> ReplayServer:
    """arXiv's OAI-PMH and API, and Hugging Face's daily list, answering with recorded responses
    (the API knows none of the papers it is asked for)."""
    exchanges = json.loads((shared_data / "arxiv-oaipmh" / LISTRECORDS).read_text())
    page = str(exchanges[1]["response"]).encode()
    replay_server.add("GET", lambda path, query: path == "/oai2", [(200, {}, page)])
    unknown = json.loads((shared_data / "arxiv-api-atom" / UNKNOWN_ID).read_text())["body"].encode()
    replay_server.add("GET", lambda path, query: path == "/api/query", [(200, {}, unknown)])
    daily = (test_data / "hf_daily_api_sample.json").read_bytes()
    replay_server.add("GET", lambda path, query: path == "/api/daily_papers", [(200, {}, daily)])
    return replay_server


def _hub(tmp_path: Path, mailbox: Mailbox, sources: ReplayServer, **settings: Any) -> Hub:
    fetching = {
        "arxiv_oai_url": sources.url + "/oai2",
        "arxiv_api_url": sources.url + "/api/query",
        "hf_url": sources.url,
        "arxiv_pdf_url": sources.url + "/pdf/{id}",
    }
    return mail_hub(
        tmp_path, mailbox.url, arxiv_delay=0, fetch_retries=1, **{**fetching, **settings}
    )


def _digests(mailbox: Mailbox, address: str) -> list[str]:
    return [m.message["Subject"] for m in mailbox.to(address) if "trending" in m.message["Subject"]]


def test_each_job_runs_once_per_fire_time_in_each_zone(
    tmp_path: Path, mailbox: Mailbox, sources: ReplayServer
) -> None:
    with _hub(tmp_path, mailbox, sources) as hub:
        subscribe_confirmed(hub, mailbox, "london@example.org")
        subscribe_confirmed(hub, mailbox, "paris@example.org", timezone="Europe/Paris")
        worker = Worker(hub, index=False)

        ran = dict(worker.tick(PARIS_SIX))
        # First runs: the harvest starts three days before its fire time (Tue 3 Feb 01:30).
        assert ran["fetch-arxiv"]["cs"]["added"] == 2
        assert sources.log[0].param("from") == "2026-01-31"
        assert sources.log[0].param("set") == "cs"
        assert hub.find("1412.8544") is not None
        assert set(ran["fetch-hf"]) == {"2026-02-02", "2026-02-03"}
        # The listed papers came without arXiv's metadata (Hugging Face's, the demo's): the API
        # was asked for them, 100 at a time (it knew none of them here, so each waits a day).
        looked_up = [entry for entry in sources.log if entry.path == "/api/query"]
        asked = [str(entry.param("id_list")).split(",") for entry in looked_up]
        assert ran["enrich"]["requests"] == len(asked) and max(map(len, asked)) == 100
        assert sorted(ran["enrich"]["failed"]) == sorted(ident for ids in asked for ident in ids)
        assert {"2602.21193", "2602.12192"} <= set(ran["enrich"]["failed"])  # Hugging Face's
        # 06:00 in Paris: its daily digest, for Monday's list.
        assert ran["digest-daily@Europe/Paris"]["composed"] == 1
        assert _digests(mailbox, "paris@example.org") == [
            "Daily Papers — 12 trending papers for Mon 2 Feb"
        ]
        # UTC's last 06:00 was 23 hours ago: too late for that digest, it is not sent.
        assert "missed" in ran["digest-daily@UTC"]
        assert _digests(mailbox, "london@example.org") == []

        assert worker.tick(PARIS_SIX + timedelta(seconds=20)) == []  # all handled
        assert [name for name, _ in worker.tick(PARIS_SIX + timedelta(minutes=1))] == ["send"]
        later = dict(worker.tick(PARIS_SIX + timedelta(hours=1)))
        assert later["digest-daily@UTC"]["composed"] == 1
        assert "digest-daily@Europe/Paris" not in later
        assert _digests(mailbox, "london@example.org") == [
            "Daily Papers — 12 trending papers for Mon 2 Feb"
        ]
        assert len(_digests(mailbox, "paris@example.org")) == 1
        # Saturday: no daily digest (weekdays only; Friday's, missed, is not sent a day late).
        saturday = dict(worker.tick(datetime(2026, 2, 7, 6, 0, 30, tzinfo=UTC)))
        assert all("missed" in saturday[f"digest-daily@{zone}"] for zone in ("UTC", "Europe/Paris"))
        assert len(_digests(mailbox, "london@example.org")) == 1


def test_two_workers_at_once_run_a_job_once(
    tmp_path: Path, mailbox: Mailbox, sources: ReplayServer
) -> None:
    with _hub(tmp_path, mailbox, sources) as hub:
        subscribe_confirmed(hub, mailbox, "reader@example.org")
        other = Hub.open(hub.settings)
        workers = [Worker(hub, "one", index=False), Worker(other, "two", index=False)]
        six = datetime(2026, 2, 3, 6, 0, 10, tzinfo=UTC)
        results: dict[str, list[str]] = {}
        threads = [
            threading.Thread(
                target=lambda w=w: results.update({w.holder: [n for n, _ in w.tick(six)]})
            )
            for w in workers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        other.close()
        runs = results["one"] + results["two"]
        for job in ("fetch-arxiv", "fetch-hf", "digest-daily@UTC", "send"):
            assert runs.count(job) == 1, (job, results)
        assert len(_digests(mailbox, "reader@example.org")) == 1


def test_a_failed_job_is_tried_again_minutes_later_not_every_minute(
    tmp_path: Path, mailbox: Mailbox, sources: ReplayServer
) -> None:
    with _hub(tmp_path, mailbox, sources, hf_url=make_refused_url()) as hub:
        worker = Worker(hub, index=False)
        first = dict(worker.tick(PARIS_SIX))
        assert "error" in first["fetch-hf"] and "fetch-arxiv" in first
        assert "fetch-hf" not in dict(worker.tick(PARIS_SIX + timedelta(minutes=1)))
        again = dict(worker.tick(PARIS_SIX + timedelta(minutes=6)))
        assert "error" in again["fetch-hf"]
        (state,) = [s for s in hub.job_states() if s["name"] == "fetch-hf"]
        assert state["outcome"].startswith("failed:") and state["last_fire"] is None


def test_a_bad_schedule_stops_the_worker_at_start(tmp_path: Path, mailbox: Mailbox) -> None:
    with (
        mail_hub(tmp_path, mailbox.url, schedule_send="61 * * * *") as hub,
        pytest.raises(ConfigError, match=r"schedule_send: .*bad minute field"),
    ):
        Worker(hub)


def test_serve_with_worker_delivers_confirmations_from_the_web_process(
    tmp_path: Path, mailbox: Mailbox, sources: ReplayServer
) -> None:
    with _hub(tmp_path, mailbox, sources) as hub:
        # Queued, not sent: the worker's send job must deliver it.
        with hub.store.transaction() as tx:
            tx.outbox.request_subscription("reader@example.org", None, "daily", [], "UTC", _now())
        hub._queue_confirmation(hub.subscription_by_email("reader@example.org"), _now())  # type: ignore[arg-type]
        app = create_app(hub, hub.settings, worker=True)
        with TestClient(app) as client:
            assert client.get("/healthz").status_code == 200
            deadline = time.monotonic() + 30
            while not mailbox.to("reader@example.org"):
                assert time.monotonic() < deadline, "the worker sent nothing"
                time.sleep(0.05)
        assert mailbox.to("reader@example.org")[0].message["Subject"] == (
            "Confirm your Daily Papers digest"
        )


def test_the_cli_sends_previews_and_lists(
    tmp_path: Path,
    mailbox: Mailbox,
    sources: ReplayServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mail_hub(tmp_path, mailbox.url) as hub:
        subscribe_confirmed(hub, mailbox, "reader@example.org")
    monkeypatch.setenv("DAILYPAPERS_SMTP_URL", mailbox.url)
    monkeypatch.setenv("DAILYPAPERS_ARXIV_OAI_URL", sources.url + "/oai2")
    monkeypatch.setenv("DAILYPAPERS_ARXIV_API_URL", sources.url + "/api/query")
    monkeypatch.setenv("DAILYPAPERS_HF_URL", sources.url)
    monkeypatch.setenv("DAILYPAPERS_ARXIV_PDF_URL", sources.url + "/pdf/{id}")
    monkeypatch.setenv("DAILYPAPERS_ARXIV_DELAY", "0")
    monkeypatch.setenv("DAILYPAPERS_GITHUB_API_URL", sources.url)
    monkeypatch.setenv("DAILYPAPERS_GITHUB_DELAY", "0")
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "digest", "preview", "reader@example.org", "--date", "2026-02-04"]) == 0
    preview = capsys.readouterr().out
    assert "Subject: Daily Papers — 12 trending papers for Tue 3 Feb" in preview
    assert "1. " in preview
    assert main([*data, "digest", "send", "--date", "2026-02-04", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "composed": 1,
        "skipped": 0,
        "sent": 1,
        "retried": 0,
        "failed": 0,
    }
    assert main([*data, "subscriptions", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["email"] == "reader@example.org" and row["status"] == "active"
    assert main([*data, "subscriptions", "remove", "reader@example.org"]) == 0
    assert "unsubscribed reader@example.org" in capsys.readouterr().out
    assert main([*data, "digest", "preview", "nobody@example.org"]) == 4
    assert "no subscription for 'nobody@example.org'" in capsys.readouterr().err
    assert main([*data, "worker", "--once", "--json"]) == 0
    once = json.loads(capsys.readouterr().out)
    assert once["ran"]["fetch-arxiv"]["cs"]["added"] == 2 and once["indexed"] >= 2


def _now() -> datetime:
    return datetime.now(UTC)


def test_an_empty_schedule_switches_its_job_off(tmp_path: Path, mailbox: Mailbox) -> None:
    with mail_hub(tmp_path, mailbox.url, schedule_hf="", schedule_weekly_digest=" ") as hub:
        names = [job.name for job in Worker(hub, index=False).jobs()]
        assert names == [
            "fetch-arxiv",
            "enrich",
            "thumbnails",
            "stars",
            "digest-daily@UTC",
            "send",
        ]
        # The demo's worker fetches nothing.
        demo = [job.name for job in Worker(hub, index=False, fetch=False).jobs()]
        assert demo == ["digest-daily@UTC", "send"]
        assert hub.stats()["outbox"] == {}


def test_the_worker_process_stops_cleanly_on_sigterm(tmp_path: Path, mailbox: Mailbox) -> None:
    with mail_hub(tmp_path, mailbox.url) as hub:
        with hub.store.transaction() as tx:
            tx.outbox.request_subscription("reader@example.org", None, "daily", [], "UTC", _now())
        hub._queue_confirmation(hub.subscription_by_email("reader@example.org"), _now())  # type: ignore[arg-type]
    env = {
        **os.environ,
        "DAILYPAPERS_SMTP_URL": mailbox.url,
        "DAILYPAPERS_SCHEDULE_ARXIV": "",  # nothing to fetch from here
        "DAILYPAPERS_SCHEDULE_HF": "",
        "DAILYPAPERS_SCHEDULE_ENRICH": "",
        "DAILYPAPERS_SCHEDULE_THUMBNAILS": "",
        "DAILYPAPERS_SCHEDULE_STARS": "",
    }
    command = [sys.executable, "-m", "dailypapers.cli", "--data-dir", str(tmp_path), "worker"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert "worker for" in (process.stdout.readline() if process.stdout else "")
        deadline = time.monotonic() + 30
        while not mailbox.to("reader@example.org"):  # its first tick sends what waits
            assert time.monotonic() < deadline, "the worker sent nothing"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()


def test_a_running_job_keeps_its_lease_and_a_dead_workers_lapses(
    tmp_path: Path, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "LEASE", timedelta(seconds=2))
    monkeypatch.setattr(worker_module, "RENEW_EVERY_S", 0.1)
    off = {name: "" for name in ("schedule_hf", "schedule_arxiv", "schedule_enrich")}
    off["schedule_thumbnails"] = off["schedule_stars"] = ""
    with mail_hub(tmp_path, mailbox.url, **off) as hub:
        slow = Worker(hub, "slow", index=False)
        started = threading.Event()
        real_send = slow._send

        def slow_send(fire: datetime) -> dict[str, Any]:
            started.set()
            time.sleep(4.5)  # more than twice its lease
            return real_send(fire)

        monkeypatch.setattr(slow, "_send", slow_send)
        moment = _now()  # the real clock: the leases below are compared with it
        fire = moment.replace(second=0, microsecond=0)
        thread = threading.Thread(target=slow.tick, args=(moment,))
        thread.start()
        started.wait(10)
        time.sleep(2.5)  # past the first lease: renewed, still the slow worker's
        other = Worker(Hub.open(hub.settings), "other", index=False)
        assert not hub.claim_job("send", fire, "other", _now() + timedelta(1), _now())
        thread.join()
        # A worker killed mid-job stops renewing: once its lease lapses, another takes over.
        jobs, later = other.hub, fire + timedelta(minutes=10)
        assert jobs.claim_job("send", later, "dead", _now() + timedelta(seconds=1), _now())
        assert not jobs.claim_job("send", later, "other", _now() + timedelta(1), _now())
        time.sleep(1.1)
        assert jobs.claim_job("send", later, "other", _now() + timedelta(1), _now())
        other.hub.close()


def test_messages_composed_in_another_process_link_to_the_port_the_site_serves_on(
    tmp_path: Path, mailbox: Mailbox
) -> None:
    """`serve --port P` and `digest send` in two processes, no base_url set anywhere: every link
    of the digest, and List-Unsubscribe, reach the site at P."""
    import re
    import socket

    import httpx

    with mail_hub(tmp_path, mailbox.url) as hub:
        subscribe_confirmed(hub, mailbox, "far@example.org")
    mailbox.clear()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if not key.startswith("DAILYPAPERS_")}
    env["DAILYPAPERS_SMTP_URL"] = mailbox.url
    command = [sys.executable, "-m", "dailypapers.cli", "--data-dir", str(tmp_path)]
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.2)
        sent = subprocess.run(
            [*command, "digest", "send", "--date", "2026-02-04", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert sent.returncode == 0, sent.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
    (digest,) = mailbox.to("far@example.org")
    site = f"http://127.0.0.1:{port}/"
    links = re.findall(r'href="([^"]+)"', digest.html)
    assert links and all(link.startswith(site) for link in links if "arxiv.org" not in link)
    assert digest.message["List-Unsubscribe"].startswith(f"<{site}unsubscribe?token=")
    # And the unsubscribe link works against the site that served it.
    unsubscribe = digest.message["List-Unsubscribe"].split(",")[0].strip("<> ")
    assert unsubscribe.startswith(site)


def test_worker_once_exits_non_zero_naming_the_jobs_that_failed(
    tmp_path: Path,
    mailbox: Mailbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mail_hub(tmp_path, mailbox.url):
        pass
    nowhere = make_refused_url()  # arXiv and Hugging Face both unreachable
    for name, value in (
        ("SMTP_URL", mailbox.url),
        ("ARXIV_OAI_URL", nowhere + "/oai2"),
        ("ARXIV_API_URL", nowhere + "/api/query"),
        ("ARXIV_PDF_URL", nowhere + "/pdf/{id}"),
        ("HF_URL", nowhere),
        ("GITHUB_API_URL", nowhere),
        ("GITHUB_DELAY", "0"),
        ("ARXIV_DELAY", "0"),
        ("FETCH_RETRIES", "0"),
    ):
        monkeypatch.setenv(f"DAILYPAPERS_{name}", value)
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "worker", "--once", "--json"]) == 11
    out, err = capsys.readouterr()
    once = json.loads(out)
    assert once["failed"] == ["fetch-arxiv", "fetch-hf", "enrich", "thumbnails", "stars"]
    assert "could not reach" in once["ran"]["fetch-arxiv"]["error"]
    assert "could not reach" in once["ran"]["thumbnails"]["error"]
    # A look-up of 100 ids is told in a line, not a URL of 1,500 characters.
    assert len(once["ran"]["enrich"]["error"]) < 300
    assert "jobs failed: fetch-arxiv, fetch-hf, enrich, thumbnails, stars" in err
    # Failed runs wait before the next try: run again at once, nothing is due, nothing fails.
    assert main([*data, "worker", "--once"]) == 0


def test_a_digest_set_inside_the_spring_forward_gap_goes_out_that_morning(
    tmp_path: Path, mailbox: Mailbox, sources: ReplayServer
) -> None:
    """A 02:30 digest in Berlin: on 28 March 2027 the clocks jump from 02:00 to 03:00, and cron
    runs the job at 03:00; on 31 October 02:30 comes twice, and it runs once."""
    berlin = ZoneInfo("Europe/Berlin")
    for night in (datetime(2027, 3, 28, tzinfo=berlin), datetime(2027, 10, 31, tzinfo=berlin)):
        directory = tmp_path / night.strftime("%m")
        with _hub(
            directory, mailbox, sources, schedule_daily_digest="30 2 * * *", schedule_send=""
        ) as hub:
            subscribe_confirmed(
                hub, mailbox, f"berlin{night.month}@example.org", timezone="Europe/Berlin"
            )
            worker = Worker(hub, index=False, fetch=False)
            ran: list[datetime] = []
            moment = night.astimezone(UTC) - timedelta(hours=2)
            while moment < night.astimezone(UTC) + timedelta(hours=6):
                for name, outcome in worker.tick(moment):
                    if name == "digest-daily@Europe/Berlin" and "missed" not in outcome:
                        ran.append(moment)
                moment += timedelta(minutes=1)
            assert len(ran) == 1, ran
            wall = ran[0].astimezone(berlin)
            assert (wall.hour, wall.minute) == ((3, 0) if night.month == 3 else (2, 30))
