"""Serving processes: ``serve --workers N`` runs N of them, each listening on a socket of its own.

Each worker binds the address with ``SO_REUSEPORT``, so the kernel hands every new connection to
one worker's socket by the connection's hash. With one socket shared by all (uvicorn's own
``workers``), every idle worker wakes for a connection and the first to wake takes every
connection waiting, up to the backlog: a burst of new connections (a load balancer's pool, a
page's images, a benchmark's 50) landed on one worker while the others idled (measured in
docs/benchmarks.md). The supervisor holds the address bound (not listening) so that no other
program takes it, starts a worker again when one dies, and stops them all on SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

log = logging.getLogger(__name__)

APP = "dailypapers.web.asgi:create"
BACKLOG = 2048
# How long a worker has to finish its requests once told to stop, before it is killed.
STOP_S = 30.0


def balanced() -> bool:
    """Whether the kernel shares connections among sockets of one address (Linux does; other
    systems' ``SO_REUSEPORT`` gives them all to one, and there uvicorn's own workers serve)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` that other such sockets may share (OSError when
    something else holds the address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # connections of a socket that names it, and with Nagle on, a response written in pieces
    # waits 40 ms for the client's delayed ACK on a kept-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _bound(options: dict[str, Any]) -> socket.socket | None:
    """A socket bound to the address ``options`` name; None, said on stderr, when it is taken."""
    try:
        return reuse_port_socket(options["host"], options["port"])
    except OSError as exc:
        where = f"{options['host']}:{options['port']}"
        print(f"dailypapers: cannot listen on {where}: {exc}", file=sys.stderr)
        return None


def _serve_one(options: dict[str, Any]) -> None:
    """One worker: its own socket (asyncio makes it listen, with uvicorn's backlog), the app
    built from the environment."""
    sock = _bound(options)
    if sock is None:
        sys.exit(STARTUP_FAILURE)
    config = uvicorn.Config(APP, factory=True, log_level="warning", backlog=BACKLOG, **options)
    uvicorn.Server(config).run(sockets=[sock])


def run(count: int, options: dict[str, Any]) -> int:
    """Serve with ``count`` workers until SIGTERM or SIGINT; 1 when a worker cannot start."""
    held = _bound(options)
    if held is None:
        return 1
    # Port 0 asks for any free port: the workers all listen on the one it gave.
    options = {**options, "port": held.getsockname()[1]}
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, frame: stop.set())

    def start() -> BaseProcess:
        process = spawn.Process(target=_serve_one, args=(options,), daemon=False)
        process.start()
        return process

    workers = [start() for _ in range(count)]
    failed = False
    try:
        while not stop.wait(0.5):
            for index, process in enumerate(workers):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("a worker could not start: stopping")
                    failed = True
                    stop.set()
                    break
                ended = (process.pid, process.exitcode)
                log.warning("worker %s ended (exit %s): starting another", *ended)
                workers[index] = start()
    finally:
        for process in workers:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes what it was answering
        for process in workers:
            process.join(STOP_S)
            if process.is_alive():
                process.kill()
                process.join()
        held.close()
    return 1 if failed else 0
