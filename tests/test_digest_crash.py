"""kill -9 in the middle of sending 1,000 digests, then a rerun: each one delivered exactly once.

Exactly once by Message-ID: the message in flight in each sender when it died (handed to SMTP,
not yet marked sent) may arrive twice, the same bytes under the same Message-ID, which receivers
recognise as one message. Every other digest arrives once, and none is lost. A sender keeps
``smtp_connections`` messages in flight (two by default).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from dailypapers.config import Settings
from dailypapers.store import Store
from mailing import add_subscribers, mail_hub
from smtp_sink import Mailbox

SUBSCRIBERS = 1000
TUESDAY = "2026-02-04"


def _send(data_dir: Path, db_url: str, smtp_url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DAILYPAPERS_DATABASE_URL": db_url,
        "DAILYPAPERS_SMTP_URL": smtp_url,
        "DAILYPAPERS_BASE_URL": "https://papers.example.org",
    }
    command = [sys.executable, "-m", "dailypapers.cli", "--data-dir", str(data_dir)]
    command += ["digest", "send", "--date", TUESDAY, "--json"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)


def test_a_sender_killed_mid_run_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, db_url: str, mailbox: Mailbox
) -> None:
    with mail_hub(tmp_path, mailbox.url, db_url) as hub:
        add_subscribers(hub, SUBSCRIBERS)

    first = _send(tmp_path, db_url, mailbox.url)
    deadline = time.monotonic() + 120
    while len(mailbox.received) < SUBSCRIBERS // 3:
        assert first.poll() is None, "the sender finished before it could be killed"
        assert time.monotonic() < deadline, "the sender sent too little"
        time.sleep(0.005)
    first.send_signal(signal.SIGKILL)
    first.wait()
    delivered_before = len(mailbox.received)
    assert delivered_before < SUBSCRIBERS

    rerun = _send(tmp_path, db_url, mailbox.url)
    out, _ = rerun.communicate(timeout=300)
    counts = json.loads(out)
    # The kill came after composing (all rows were queued): the rerun only sends the rest.
    assert counts["composed"] == 0 and counts["failed"] == 0
    senders = Settings.smtp_connections
    left = SUBSCRIBERS - delivered_before
    assert left <= counts["sent"] <= left + senders

    received = list(mailbox.received)
    by_id = Counter(m.message["Message-ID"] for m in received)
    assert len(by_id) == SUBSCRIBERS  # every digest arrived
    assert {r for m in received for r in m.recipients} == {
        f"r{n}@example.org" for n in range(SUBSCRIBERS)
    }
    repeated = [mid for mid, count in by_id.items() if count > 1]
    assert len(repeated) <= senders and all(by_id[mid] == 2 for mid in repeated)
    for mid in repeated:  # one in flight: the same message, byte for byte
        copies = {m.raw for m in received if m.message["Message-ID"] == mid}
        assert len(copies) == 1

    # A third run finds nothing left to do.
    third = _send(tmp_path, db_url, mailbox.url)
    out, _ = third.communicate(timeout=120)
    assert json.loads(out) == {"composed": 0, "skipped": 0, "sent": 0, "retried": 0, "failed": 0}
    store = Store(db_url)
    with store.read() as tx:
        assert tx.outbox.counts("daily:" + TUESDAY) == {"sent": SUBSCRIBERS}
    store.close()
