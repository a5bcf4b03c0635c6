"""Every page, signed out and in, and the mail the site sends, checked by the Nu HTML checker
(``vnu.jar``, the W3C's validator; npm's ``vnu-jar``, run by Java): no error.

``.ci/run`` installs the checker; elsewhere set ``DAILYPAPERS_VNU_JAR`` to a ``vnu.jar`` (the
test is skipped without one, and fails without one when ``DAILYPAPERS_REQUIRE_BROWSER`` is set,
as in CI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mailing import subscribe_confirmed
from smtp_sink import Mailbox
from web.conftest import Site, mailing_fixtures, person

ROOT = Path(__file__).resolve().parents[2]
JAR = Path(
    os.environ.get("DAILYPAPERS_VNU_JAR")
    or ROOT / ".ci" / "node" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)
JAVA = shutil.which("java")
if not (JAR.is_file() and JAVA):
    if os.environ.get("DAILYPAPERS_REQUIRE_BROWSER"):
        raise RuntimeError(f"the Nu HTML checker is missing: no {JAR} or no java")
    pytest.skip("the Nu HTML checker (vnu.jar and java) is not installed", allow_module_level=True)

# What a page is made of does not hang on the database: SQLite alone.
mailbox, site = mailing_fixtures("html", ("sqlite",))


def nu_errors(documents: dict[str, bytes], directory: Path) -> list[str]:
    """The checker's errors in ``documents`` (name: HTML), each with its document's name."""
    names = {}
    for number, (name, html) in enumerate(documents.items()):
        path = directory / f"{number}.html"
        path.write_bytes(html)
        names[path.name] = name
    ran = subprocess.run(
        [str(JAVA), "-jar", str(JAR), "--format", "json", "--errors-only", *names],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=directory,
    )
    report = json.loads(ran.stderr or ran.stdout)
    assert report["messages"] or ran.returncode == 0, ran
    return [
        f"{names.get(message.get('url', '').rsplit('/', 1)[-1], message.get('url'))}: "
        f"{message['message']} ({message.get('extract', '').strip()[:80]!r})"
        for message in report["messages"]
        if message.get("type") == "error"
    ]


def test_pages_and_mail_are_valid_html(site: Site, mailbox: Mailbox, tmp_path: Path) -> None:
    hub = site.hub
    admin, admin_name = person(site, "admin")
    _, reader_name = person(site)
    paper = hub.recent_lists(1)[0]
    author = paper.authors[0]  # type: ignore[index]
    mine = hub.comment(hub.user_named(admin_name), paper.id, "What a figure 3.")
    hub.comment(hub.user_named(reader_name), paper.id, f"@{admin_name} agreed.", mine.id)
    hub.claim_author(hub.user_named(reader_name), paper.id, author)
    anyone = site.client()
    signed_out = [
        "/",
        "/?view=compact",
        "/?week=2026-W08",
        "/?month=2026-02",
        "/trending",
        "/search",
        "/search?q=diffusion",
        f"/papers/{paper.id}",
        f"/authors/{author}",
        f"/comments/{mine.id}",
        f"/users/{admin_name}",
        "/docs",
        "/signin",
        "/signup",
        "/forgot-password",
        "/subscribe",
        "/nowhere",
    ]
    signed_in = [
        "/",
        f"/papers/{paper.id}",
        f"/authors/{author}",
        "/search?q=diffusion",
        "/for-you",
        "/reading-list",
        "/following",
        f"/users/{admin_name}",
        f"/users/{admin_name}/collections",
        "/notifications",
        "/moderation",
        "/admin",
        "/submit",
        "/settings/email",
    ]
    documents: dict[str, bytes] = {}
    for who, client, paths in (("reader", anyone, signed_out), ("admin", admin, signed_in)):
        for path in paths:
            answer = client.get(path)
            assert answer.status_code in (200, 404), (who, path, answer.status_code)
            assert answer.headers["content-type"].startswith("text/html"), (who, path)
            documents[f"{who} {path}"] = answer.content
    # The mail: a notification, a confirmation, a digest.
    hub.send_due()
    subscribe_confirmed(hub, mailbox, f"{admin_name}@example.org", user=hub.user_named(admin_name))
    hub.send_digests("daily", hub.latest_day())  # type: ignore[arg-type]
    for received in mailbox.received:
        html = received.message.get_body(("html",))
        if html is not None:
            documents[f"mail {received.message['Subject']}"] = html.get_content().encode()
    assert any(name.startswith("mail Daily Papers —") for name in documents)
    assert any("mentioned" in name or "reply" in name for name in documents)
    assert not (errors := nu_errors(documents, tmp_path)), "\n".join(errors)
