"""kill -9 in the middle of an import loses nothing, and the rerun completes it (SQLite, PG)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from dailypapers.store.tables import papers

RECORDS = 20_000


def renumbered(sample: Path, out: Path, count: int) -> None:
    """``count`` copies of the real Kaggle records, each with a fresh id and a distinct title."""
    rows = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    with out.open("w", encoding="utf-8") as target:
        for i in range(count):
            row = dict(rows[i % len(rows)])
            row["id"] = f"2201.{i + 1:05d}"
            row["title"] = f"{row['title']} ({i // len(rows)})"
            target.write(json.dumps(row) + "\n")


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains ``text`` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit() and text in command:
            found.append(int(entry.name))
    return found


def _import(data: Path, data_dir: Path, db_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DAILYPAPERS_DATABASE_URL": db_url, "DAILYPAPERS_IMPORT_BATCH": "500"}
    command = [sys.executable, "-m", "dailypapers.cli", "--data-dir", str(data_dir)]
    command += ["import", "--format", "kaggle", "--json", str(data)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)


def test_kill_during_import_then_rerun(shared_data: Path, tmp_path: Path, db_url: str) -> None:
    sample = shared_data / "arxiv-kaggle" / "wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"
    data = tmp_path / "records.jsonl"
    renumbered(sample, data, RECORDS)
    engine = create_engine(db_url)
    child = _import(data, tmp_path / "data", db_url)
    stored = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with engine.connect() as conn:
                stored = conn.execute(select(func.count()).select_from(papers)).scalar_one()
        except Exception:  # the schema may not exist yet
            stored = 0
        if stored >= 2_000:
            break
        time.sleep(0.02)
    assert child.poll() is None, "the import finished before it could be killed; use more records"
    child.send_signal(signal.SIGKILL)
    child.wait()
    # The forked parser process notices its parent is gone and exits too.
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(data)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_mentioning(str(data)) == []

    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        survived = conn.execute(select(func.count()).select_from(papers)).scalar_one()
        # Batches are whole: what survived is a multiple of the batch size, every row complete.
        assert 0 < survived < RECORDS and survived % 500 == 0
        incomplete = conn.execute(
            text("SELECT count(*) FROM papers WHERE abstract IS NULL OR authors IS NULL")
        ).scalar_one()
        assert incomplete == 0

    rerun = _import(data, tmp_path / "data", db_url)
    out, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0
    summary = json.loads(out)
    assert summary["added"] == RECORDS - survived
    assert summary["unchanged"] == survived
    assert summary["rejected"] == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(papers)).scalar_one() == RECORDS
    engine.dispose()
