"""Digests at scale: 10,000 subscribers with personal content, composed and sent to a local sink.

The store (SQLite by default) holds the demo's 783 real papers with their real embeddings.
Every subscriber is a member with an account: they upvoted 5 papers of one of 40 interests (a
trained model, stored, as the site keeps them), follow one search, and get the daily digest.
A digest is then: trending (12), For you (up to 6, by their model) and their saved search (up
to 6). An SMTP server (aiosmtpd) in another process on loopback accepts and counts them.

Timed: ``hub.send_digests`` (what ``dailypapers digest send`` runs: composing outbox rows with
rendered messages while a sender hands them to SMTP over one connection, each marked sent as it
goes); then, for the next day, ``compose_digests`` and ``send_due`` one after the other.

Usage: python benchmarks/digest_send.py [--subscribers 10000] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from dailypapers.config import load_settings
from dailypapers.hub import Hub
from dailypapers.store.tables import follows, reader_models, subscriptions, upvotes, users

DAY = date(2026, 2, 4)
NEXT_DAY = date(2026, 2, 5)
INTERESTS = 40
SEARCHES = ["video generation", "reinforcement learning", "agents", "diffusion", "benchmark"]


def sink(port: int, ready: Any, count: Any) -> None:
    """An SMTP server that accepts every message and counts it."""
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build(hub: Hub, subscribers: int) -> None:
    """Members and their subscriptions, written in bulk (the hub's own paths are timed, not this:
    a real installation gathers them over months)."""
    rng = random.Random(7)
    with hub.store.read() as tx:
        listed = tx.lists.between(date(2026, 1, 1), date(2026, 2, 3))
    prototypes = []
    for number in range(INTERESTS):
        member = hub.create_user(f"proto{number}", f"proto{number}@example.org", None)
        for paper in rng.sample(listed, 5):
            hub.vote(member, paper.id)
        hub.follow(member, "search", SEARCHES[number % len(SEARCHES)])
        prototypes.append(member.id)
    # Their models are trained a moment after their votes, as after a member's requests.
    if not hub.afterwards.idle(timeout=120):
        raise SystemExit("the prototypes' models were not trained within 2 minutes")
    now = datetime.now(UTC)
    with hub.store.engine.begin() as conn:
        models = {row.user_id: row for row in conn.execute(select(reader_models))}
        voted: dict[int, list[int]] = {}
        for row in conn.execute(select(upvotes.c.user_id, upvotes.c.paper_pk)):
            voted.setdefault(row.user_id, []).append(row.paper_pk)
        counts = {row.id: row.signals for row in conn.execute(select(users.c.id, users.c.signals))}
        first = max(counts) + 1
        people, votes, follow_rows, model_rows, subs = [], [], [], [], []
        for number in range(subscribers):
            user_id = first + number
            proto = prototypes[number % INTERESTS]
            people.append(
                {
                    "id": user_id,
                    "name": f"reader{number}",
                    "email": f"reader{number}@example.org",
                    "created_at": now,
                    "signals": counts[proto],
                }
            )
            votes += [
                {"user_id": user_id, "paper_pk": pk, "created_at": now} for pk in voted[proto]
            ]
            follow_rows.append(
                {
                    "user_id": user_id,
                    "kind": "search",
                    "value": SEARCHES[number % INTERESTS % len(SEARCHES)],
                    "created_at": now,
                }
            )
            model = models[proto]
            model_rows.append(
                {
                    "user_id": user_id,
                    "signals": model.signals,
                    "weights": model.weights,
                    "positives": model.positives,
                    "negatives": model.negatives,
                    "trained_at": now,
                }
            )
            subs.append(
                {
                    "email": f"reader{number}@example.org",
                    "email_key": f"reader{number}@example.org",
                    "user_id": user_id,
                    "frequency": "daily",
                    "topics": [],
                    "timezone": "UTC",
                    "status": "active",
                    "created_at": now,
                    "confirmed_at": now,
                }
            )
        for table, rows in (
            (users, people),
            (upvotes, votes),
            (follows, follow_rows),
            (reader_models, model_rows),
            (subscriptions, subs),
        ):
            for start in range(0, len(rows), 2000):
                conn.execute(insert(table), rows[start : start + 2000])
        # The prototypes themselves do not subscribe; their votes are not counted twice.
        conn.execute(update(users).where(users.c.id.in_(prototypes)).values(signals=0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    port = free_port()
    ready, count = multiprocessing.Event(), multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=sink, args=(port, ready, count), daemon=True)
    server.start()
    ready.wait(10)

    with tempfile.TemporaryDirectory() as tmp:
        settings = {
            "data_dir": Path(tmp),
            "database_url": args.database_url,
            "smtp_url": f"smtp://127.0.0.1:{port}",
            "base_url": "https://papers.example.org",
            "limit_votes": 10**9,
            "new_member_hours": 0,
        }
        hub, _ = Hub.init(load_settings(settings, {}))
        with hub:
            hub.load_demo()
            hub.index()
            started = time.perf_counter()
            build(hub, args.subscribers)
            built = time.perf_counter() - started

            # As `dailypapers digest send` does it: composing, with a sender running beside.
            started = time.perf_counter()
            both = hub.send_digests("daily", DAY)
            total = time.perf_counter() - started
            # The next day's digests, one step after the other, to see what each costs.
            started = time.perf_counter()
            composed = hub.compose_digests("daily", NEXT_DAY)
            compose_s = time.perf_counter() - started
            started = time.perf_counter()
            sent = hub.send_due()
            send_s = time.perf_counter() - started
            sizes = hub.stats()["outbox"]
    server.terminate()

    result = {
        "subscribers": args.subscribers,
        "database": "postgresql" if args.database_url else "sqlite",
        "setup_s": round(built, 1),
        "composed_and_sent": both["sent"],
        "total_s": round(total, 2),
        "messages_per_s": round(both["sent"] / total, 1),
        "next_day_composed": composed["composed"],
        "compose_s": round(compose_s, 2),
        "compose_per_s": round(composed["composed"] / compose_s, 1),
        "next_day_sent": sent["sent"],
        "send_s": round(send_s, 2),
        "send_per_s": round(sent["sent"] / send_s, 1),
        "received_by_sink": count.value,
        "outbox": sizes,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus",
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
