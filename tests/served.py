"""The site as it is deployed, for tests: `dailypapers serve` in its own processes over a demo
data dir, and Debian's nginx in front of it with a configuration of the test's own."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest

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
        [*command, "--no-serve"], env=site_env(**settings), check=True, capture_output=True
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
