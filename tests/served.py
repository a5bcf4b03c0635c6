"""The site as it is deployed, for tests: `dailypapers serve` in its own processes over a demo
data dir, and Debian's nginx in front of it with a configuration of the test's own."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

if TYPE_CHECKING:
    from smtp_sink import Mailbox

README = Path(__file__).resolve().parents[1] / "README.md"
SECRET = "a test secret key of enough length"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {seconds} s:\n{log.read_text()[-4000:]}")


def demo_data(directory: Path, **settings: object) -> Path:
    """The demo's papers in ``directory`` (and in the database ``settings`` may name)."""
    command = [sys.executable, "-m", "dailypapers.cli", "demo", "--data-dir", str(directory)]
    subprocess.run(
        [*command, "--no-serve", "--keep-dates"],
        env=site_env(**settings),
        check=True,
        capture_output=True,
    )
    return directory


def site_env(**settings: object) -> dict[str, str]:
    """The environment a test's `dailypapers` processes run with: the shared secret key (so
    that a session made by one node is good on another), limits out of the way, ``settings``."""
    return {
        **os.environ,
        "DAILYPAPERS_SECRET_KEY": SECRET,
        "DAILYPAPERS_LIMIT_SIGNUP": "10000",
        "DAILYPAPERS_LIMIT_SIGNIN": "10000",
        "DAILYPAPERS_LIMIT_VOTES": "10000",
        **{f"DAILYPAPERS_{name.upper()}": str(value) for name, value in settings.items()},
    }


def launch(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``dailypapers ARGS`` in a process group of its own (its web workers with it), output
    to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dailypapers.cli", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def halt(process: subprocess.Popen[bytes], how: signal.Signals = signal.SIGTERM) -> None:
    """Stop ``process`` and its group: SIGTERM waits for a clean stop, SIGKILL is a crash."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, how)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with suppress(ProcessLookupError):  # a web worker left behind by the supervisor's crash
        os.killpg(process.pid, signal.SIGKILL)


def serving(
    data_dir: Path, port: int, workers: int = 2, **settings: object
) -> subprocess.Popen[bytes]:
    """`dailypapers serve --workers N` over ``data_dir`` on ``port``, answering by now."""
    log = data_dir.parent / f"serve-{port}.log"
    args = ["serve", "--data-dir", str(data_dir), "--port", str(port), "--workers", str(workers)]
    process = launch(args, site_env(**settings), log)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
    except BaseException:
        halt(process)
        raise
    return process


@contextmanager
def serve(data_dir: Path, workers: int = 2, **settings: object) -> Iterator[str]:
    """`dailypapers serve --workers N` over ``data_dir`` while the block runs; its URL."""
    port = free_port()
    process = serving(data_dir, port, workers, **settings)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        halt(process)


def readme_nginx() -> str:
    """The nginx configuration the README's Deployment section gives."""
    found = re.search(r"```nginx\n(.*?)```", README.read_text(), re.DOTALL)
    assert found, "README.md has no nginx configuration"
    return "\n".join(line.removeprefix("  ") for line in found.group(1).splitlines())


def need_nginx() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if Path(found).exists():
        return found
    if os.environ.get("DAILYPAPERS_REQUIRE_BROWSER"):  # CI installs it with Chromium
        pytest.fail("no nginx", pytrace=False)
    pytest.skip("no nginx")


@contextmanager
def nginx(directory: Path, site: str, upstreams: list[str]) -> Iterator[str]:
    """Debian's nginx with the README's configuration, its cache and files in ``directory``,
    in front of the sites at ``upstreams``, while the block runs; its URL."""
    binary = need_nginx()
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # The upstream's servers become ``upstreams``, with the options the README gives them.
    options = re.search(r"(?m)^    server \S+(.*);$", site).group(1)  # type: ignore[union-attr]
    servers = "".join(f"    server {url.removeprefix('http://')}{options};\n" for url in upstreams)
    site = re.sub(r"(?m)(^    server \S+.*;\n)+", servers, site, count=1)
    site = site.replace("/var/cache/nginx/dailypapers", str(directory / "cache"))
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    temp = " ".join(f"{kind}_temp_path {directory / kind};" for kind in ("proxy", "fastcgi"))
    config = directory / "nginx.conf"
    config.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {directory / 'nginx.pid'};\n"
        + f"error_log {directory / 'error.log'} warn;\n"
        + "events { worker_connections 512; }\n"
        + f"http {{\naccess_log off;\nclient_body_temp_path {directory / 'body'};\n"
        + f"{temp} uwsgi_temp_path {directory / 'uwsgi'}; scgi_temp_path {directory / 'scgi'};\n"
        + site
        + "\n}\n"
    )
    process = subprocess.Popen(
        [binary, "-p", str(directory), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=(directory / "stderr.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/healthz", process, directory / "error.log", 20)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


class Node:
    """One machine of a site: its data dir, `serve --workers 2` on a port of its own and a
    `worker`; stopped cleanly, killed, or started again on the same port."""

    def __init__(self, data_dir: Path, settings: dict[str, object]) -> None:
        self.data_dir = data_dir
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen[bytes]] = []

    def start_worker(self) -> None:
        log = self.data_dir.parent / f"worker-{self.port}.log"
        args = ["worker", "--data-dir", str(self.data_dir)]
        self.processes.append(launch(args, site_env(**self.settings), log))

    def start_site(self) -> None:
        self.processes.append(serving(self.data_dir, self.port, 2, **self.settings))

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        for process in self.processes:
            halt(process, how)
        self.processes.clear()

    def worker_log(self) -> str:
        return (self.data_dir.parent / f"worker-{self.port}.log").read_text()


def nodes(root: Path, count: int, **settings: object) -> list[Node]:
    """``count`` nodes of one site on the database ``settings`` name, their data dirs in
    ``root``; the first loads the demo's papers into the database. Not started yet."""
    made = []
    for number in range(count):
        data_dir = root / f"node{number}" / "data"
        data_dir.parent.mkdir(parents=True)
        if number == 0:
            demo_data(data_dir, **settings)
        else:
            init = ["init", "--data-dir", str(data_dir)]
            launch(init, site_env(**settings), data_dir.parent / "init.log").wait(60)
        made.append(Node(data_dir, settings))
    return made


@contextmanager
def balanced(root: Path, running: list[Node]) -> Iterator[str]:
    """Start ``running`` (their workers first and together, so that they race for jobs), put
    nginx with the README's configuration in front as their balancer while the block runs;
    the balancer's URL."""
    try:
        for node in running:
            node.start_worker()
        for node in running:
            node.start_site()
        with nginx(root / "nginx", readme_nginx(), [node.url for node in running]) as url:
            yield url
    finally:
        for node in running:
            node.stop()


def member(base: str, name: str, mailbox: Mailbox | None = None) -> tuple[httpx.Client, str]:
    """A new member signed up through ``base`` (the welcome shown; on a site that mails, the
    confirmation in ``mailbox`` followed): their client and their CSRF token."""
    client = httpx.Client(base_url=base, timeout=20)
    form = client.get("/signup").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    email = f"{name}@example.org"
    data = {"name": name, "email": email, "password": "a long password"}
    signed = client.post("/signup", data={**data, "csrf": csrf})
    if mailbox is not None:
        assert signed.status_code == 200 and "Check your inbox" in signed.text, signed.text
        deadline = time.monotonic() + 20
        while not mailbox.to(email):
            assert time.monotonic() < deadline, f"no confirmation reached {email}"
            time.sleep(0.05)
        link = urlsplit(mailbox.to(email)[-1].link("/confirm-address"))
        token = parse_qs(link.query)["token"][0]
        signed = client.post("/confirm-address", data={"token": token})
    assert signed.status_code == 303, signed.text
    page = client.get("/").text
    return client, re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


@dataclass
class Load:
    """What a mixed load met: each kind of request's latencies (s), and every failure."""

    seconds: float
    took: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)

    def rates(self) -> dict[str, dict[str, float]]:
        """Per kind of request: requests/s, p50 and p95 in ms."""
        out = {}
        for kind, took in sorted(self.took.items()):
            ordered = sorted(took)
            out[kind] = {
                "requests_s": round(len(took) / self.seconds, 1),
                "p50_ms": round(1000 * ordered[len(ordered) // 2], 1),
                "p95_ms": round(1000 * ordered[int(len(ordered) * 0.95)], 1),
            }
        return out


def mixed_load(
    base: str,
    papers: list[str],
    members: list[tuple[httpx.Client, str]],
    readers: int,
    seconds: float,
    pause_s: float = 0.0,
) -> Load:
    """Readers (the lists, search and paper pages) and ``members`` (a paper page, a vote on
    it, one time in five a comment) at once through ``base`` for ``seconds``, each thread
    sending its next request ``pause_s`` (on average) after the last is answered."""
    pages = ["/", "/trending", "/search?q=diffusion", *(f"/papers/{p}" for p in papers)]
    load = Load(seconds)
    stop = time.monotonic() + seconds

    def pause() -> None:
        if pause_s:
            time.sleep(random.uniform(0, 2 * pause_s))

    def timed(kind: str, send: Callable[[], httpx.Response]) -> None:
        started = time.perf_counter()
        try:
            response = send()
        except httpx.HTTPError as exc:
            load.errors.append(f"{kind}: {exc!r}")
            return
        load.took[kind].append(time.perf_counter() - started)
        if response.status_code >= 400:
            load.errors.append(f"{kind} {response.request.url}: {response.status_code}")

    def read() -> None:
        with httpx.Client(base_url=base, timeout=20) as client:
            while time.monotonic() < stop:
                timed("read", partial(client.get, random.choice(pages)))
                pause()

    def write(client: httpx.Client, csrf: str) -> None:
        while time.monotonic() < stop:
            paper = random.choice(papers)
            timed("member page", partial(client.get, f"/papers/{paper}"))
            vote = {"csrf": csrf, "on": random.choice("01")}
            timed("vote", partial(client.post, f"/papers/{paper}/upvote", data=vote))
            if random.random() < 0.2:
                said = {"csrf": csrf, "text": "Read under load."}
                timed("comment", partial(client.post, f"/papers/{paper}/comments", data=said))
            pause()

    threads = [threading.Thread(target=read) for _ in range(readers)]
    threads += [threading.Thread(target=write, args=pair) for pair in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return load
