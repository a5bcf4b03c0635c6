"""The `dailypapers` command: builds Settings, then a Hub, then dispatches to one hub call.

Exit codes: 0 success; 2 bad usage or configuration; 3 an import rejected some records; 11 a
job of ``worker --once`` failed; other codes come from the error tree (4 not found, 6 a fetch
failed, 7 the database is unavailable).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dailypapers import __version__
from dailypapers.config import ENV_PREFIX, Settings, load_settings, record_served
from dailypapers.errors import DailyPapersError, InvalidInput, NotFound
from dailypapers.models import ROLES, ImportSummary
from dailypapers.search import SEARCH_SORTS
from dailypapers.sources.formats import FORMATS
from dailypapers.wire import paper_json, subscription_json

if TYPE_CHECKING:
    # The hub (the store, the indexes, the web) is imported by the commands that use it, so
    # that --help and --version answer at once.
    from dailypapers.hub import Hub

EXIT_REJECTED = 3
EXIT_JOBS_FAILED = 11
# Seconds `serve` keeps an idle kept-alive connection open.
KEEP_ALIVE_S = 75
_MARK = re.compile(r"</?mark>")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


Command = Callable[[str, str], argparse.ArgumentParser]


def build_parser() -> argparse.ArgumentParser:
    # The global flags are accepted before or after the command; SUPPRESS keeps a subcommand's
    # absent flag from overwriting one given before it.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--data-dir", type=Path, help="data directory (DAILYPAPERS_DATA_DIR)")
    common.add_argument("--database-url", help="database URL (DAILYPAPERS_DATABASE_URL)")
    common.add_argument("--base-url", help="public URL of the site (DAILYPAPERS_BASE_URL)")

    parser = argparse.ArgumentParser(
        prog="dailypapers",
        description="A self-hostable Daily Papers hub.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"dailypapers {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text, parents=[common])

    command("init", "create the data dir, its secret key and the database schema")
    for group in (_paper_commands, _search_commands, _member_commands, _mail_commands):
        group(command, common)
    _running_commands(command, common)
    return parser


def _paper_commands(command: Command, common: argparse.ArgumentParser) -> None:
    """import, fetch"""
    imp = command("import", "import papers from files")
    imp.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imp.add_argument(
        "--format",
        default="auto",
        choices=["auto", *FORMATS],
        help="file format (default: detected from the content)",
    )
    imp.add_argument("--page-date", type=_day, help="date of a saved HF page (YYYY-MM-DD)")
    imp.add_argument("--json", action="store_true", help="print the summary as JSON")

    fetch = command("fetch", "fetch papers from arXiv or Hugging Face")
    sources = fetch.add_subparsers(dest="source", required=True, metavar="SOURCE")
    arxiv = sources.add_parser(
        "arxiv", help="incremental OAI-PMH harvest of arXiv", parents=[common]
    )
    arxiv.add_argument("--set", dest="set_spec", help="OAI set, e.g. cs or physics:hep-th")
    arxiv.add_argument("--from", dest="from_date", type=_day, help="harvest from this date on")
    arxiv.add_argument(
        "--metadata-prefix", default="arXiv", choices=["arXiv", "arXivRaw"], help="OAI format"
    )
    arxiv.add_argument("--json", action="store_true")
    ids = sources.add_parser("arxiv-ids", help="fetch papers by arXiv id or URL", parents=[common])
    ids.add_argument("ids", nargs="+", metavar="ID")
    ids.add_argument("--json", action="store_true")
    hf = sources.add_parser(
        "hf-daily", help="Hugging Face's daily list for a date", parents=[common]
    )
    hf.add_argument("--date", dest="day", type=_day, help="the day (default: today, UTC)")
    hf.add_argument("--json", action="store_true")
    # The fetches over listed papers: the papers named, else those the fetch wants.
    for name, told, again, limit, default in (
        (
            "enrich",
            "complete papers with arXiv's metadata (default: listed papers lacking it)",
            "these papers, even if complete",
            1000,
            "1000",
        ),
        (
            "thumbnails",
            "render papers' first pages from their PDFs (default: listed papers lacking one)",
            "these papers, even if rendered",
            100,
            "100",
        ),
        (
            "stars",
            "ask GitHub how many stars papers' code has (default: listed papers due)",
            "these papers, even if asked lately",
            None,
            "50, or 1,000 with github_token",
        ),
    ):
        listed = sources.add_parser(name, help=told, parents=[common])
        listed.add_argument("ids", nargs="*", metavar="ID", help=again)
        listed.add_argument(
            "--limit",
            type=int,
            default=limit,
            help=f"papers at most, without IDs (default: {default})",
        )
        listed.add_argument("--json", action="store_true")


def _search_commands(command: Command, common: argparse.ArgumentParser) -> None:
    """index, search, eval, similar"""
    index = command("index", "bring the search index up to date with the store")
    index.add_argument("--rebuild", action="store_true", help="rebuild it from scratch")
    index.add_argument(
        "--lexical-only", action="store_true", help="leave the vector index (and embedding) out"
    )

    search = command("search", "search papers by words, phrases, author: and cat:")
    search.add_argument("query", metavar="QUERY")
    search.add_argument(
        "--mode",
        choices=["lexical", "semantic", "hybrid"],
        help="ranking: words, meaning, or both (default: hybrid with the 'semantic' extra "
        "installed, else lexical)",
    )
    search.add_argument("--limit", type=int, default=10, help="hits to show (default 10)")
    search.add_argument(
        "--sort",
        default="relevance",
        choices=SEARCH_SORTS,
        help="order of the hits: relevance (default), or the most relevant by newest or upvotes",
    )
    search.add_argument("--category", action="append", default=[], help="only this category")
    search.add_argument("--from", dest="date_from", type=_day, help="published on or after")
    search.add_argument("--to", dest="date_to", type=_day, help="published on or before")
    search.add_argument("--min-upvotes", type=int, help="at least this many upvotes")
    search.add_argument("--json", action="store_true")

    evaluate = command("eval", "measure search quality on a benchmark dataset")
    benchmarks = evaluate.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    beir = benchmarks.add_parser(
        "beir", help="a BEIR-layout dataset (corpus.jsonl, queries.jsonl, qrels/)", parents=[common]
    )
    beir.add_argument("directory", type=Path, metavar="DIR")
    beir.add_argument("--split", default="test", help="qrels split (default: test)")
    beir.add_argument(
        "--mode",
        default="lexical",
        choices=["lexical", "semantic", "hybrid"],
        help="ranking (semantic and hybrid need the 'semantic' extra)",
    )
    beir.add_argument("--json", action="store_true")

    similar = command("similar", "papers nearest in meaning to a paper")
    similar.add_argument("id", metavar="ID", help="arXiv id, arXiv/HF URL, or local id")
    similar.add_argument("--limit", type=int, default=10)
    similar.add_argument("--json", action="store_true")


def _member_commands(command: Command, common: argparse.ArgumentParser) -> None:
    """user, token"""
    user = command("user", "manage members")
    users = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = users.add_parser("add", help="create a member", parents=[common])
    add.add_argument("name", metavar="NAME")
    add.add_argument("--email", required=True)
    secret = add.add_mutually_exclusive_group()
    secret.add_argument("--password", help="their password (visible to other local users)")
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.add_argument("--admin", action="store_true", help="make them an admin")
    new_password = users.add_parser(
        "password", help="set a member's password (ends their sessions)", parents=[common]
    )
    new_password.add_argument("name", metavar="NAME")
    secret = new_password.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password", help="the new password (visible to other local users)")
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    role = users.add_parser(
        "role", help="make a member a member, moderator or admin", parents=[common]
    )
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", choices=ROLES, metavar="ROLE", help=" | ".join(ROLES))

    token = command("token", "personal API tokens for the write API")
    tokens = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = tokens.add_parser("create", help="print a new token for a member", parents=[common])
    create.add_argument("name", metavar="NAME", help="the member")
    create.add_argument("--label", default="cli", help="what the token is for (default: cli)")
    revoke = tokens.add_parser("revoke", help="revoke a member's token", parents=[common])
    revoke.add_argument("name", metavar="NAME", help="the member")
    revoke.add_argument("token", metavar="TOKEN", help="the token's label, id or first characters")


def _mail_commands(command: Command, common: argparse.ArgumentParser) -> None:
    """digest, subscriptions"""
    digest = command("digest", "email digests: compose and send them, or preview one")
    digests = digest.add_subparsers(dest="action", required=True, metavar="ACTION")
    send = digests.add_parser(
        "send", help="compose the digests due and send everything waiting", parents=[common]
    )
    preview = digests.add_parser(
        "preview", help="print what a subscriber would get (nothing is sent)", parents=[common]
    )
    preview.add_argument("email", metavar="EMAIL")
    preview.add_argument("--html", action="store_true", help="print the HTML part instead")
    for sub in (send, preview):
        sub.add_argument("--period", default="daily", choices=["daily", "weekly"])
        sub.add_argument(
            "--date", dest="day", type=_day, help="the digest's day (default: today, site's zone)"
        )
    send.add_argument("--json", action="store_true")

    subs = command("subscriptions", "list or end email subscriptions")
    subs_actions = subs.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = subs_actions.add_parser("list", help="every subscription", parents=[common])
    listing.add_argument("--json", action="store_true")
    remove = subs_actions.add_parser(
        "remove", help="unsubscribe an address (a request by mail, say)", parents=[common]
    )
    remove.add_argument("email", metavar="EMAIL")


def _running_commands(command: Command, common: argparse.ArgumentParser) -> None:
    """worker, stats, show, serve, demo"""
    worker = command(
        "worker", "run the scheduled jobs: fetching, indexing, digests (see schedule_* settings)"
    )
    worker.add_argument(
        "--once", action="store_true", help="run what is due now, catch the indexes up, and exit"
    )
    worker.add_argument("--json", action="store_true", help="with --once: print what ran as JSON")

    stats = command("stats", "counts of what the hub holds")
    stats.add_argument("--json", action="store_true")

    admin = command("admin", "what an admin checks")
    admin_actions = admin.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = admin_actions.add_parser(
        "status",
        help="papers, members, jobs, outbox, index lag, moderation queue, disk",
        parents=[common],
    )
    status.add_argument("--json", action="store_true")

    agent = command("mcp", "answer an AI agent's MCP client on stdin and stdout")
    agent.add_argument(
        "--token",
        default=os.environ.get("DAILYPAPERS_TOKEN"),
        help="API token of the member the personal tools act for (DAILYPAPERS_TOKEN)",
    )

    show = command("show", "show one paper")
    show.add_argument("id", metavar="ID", help="arXiv id, arXiv/HF URL, or local id")
    show.add_argument("--json", action="store_true", help="HF /api/papers/{id} JSON")

    for name, help_text in (
        ("serve", "serve the site"),
        ("demo", "import the bundled demo papers into the data dir and serve them"),
    ):
        serve = command(name, help_text)
        serve.add_argument("--host", help="address to listen on (DAILYPAPERS_HOST)")
        serve.add_argument("--port", type=int, help="port to listen on (DAILYPAPERS_PORT)")
        serve.add_argument(
            "--workers", type=int, help="server processes (DAILYPAPERS_WORKERS, default 1)"
        )
        if name == "demo":
            serve.add_argument(
                "--no-serve", action="store_true", help="import the demo data and exit"
            )
            serve.add_argument(
                "--keep-dates",
                action="store_true",
                help="keep the dataset's dates (February 2026) rather than end its lists today",
            )
        else:
            serve.add_argument(
                "--with-worker",
                action="store_true",
                help="also run the scheduled jobs in this process (small installations)",
            )


def _settings(args: argparse.Namespace) -> Settings:
    flags = {
        key: getattr(args, key, None)
        for key in ("data_dir", "database_url", "base_url", "host", "port", "workers")
    }
    return load_settings(flags)


def _print_summary(
    summary: ImportSummary, as_json: bool, extra: dict[str, Any] | None = None
) -> int:
    if as_json:
        print(json.dumps({**(extra or {}), **summary.as_dict()}))
    else:
        for key, value in (extra or {}).items():
            print(f"{key}: {value}")
        print(
            f"added {summary.added}, updated {summary.updated}, "
            f"unchanged {summary.unchanged}, rejected {summary.rejected}"
        )
        for error in summary.errors[:20]:
            print(f"  rejected {error.source} ({error.where}): {error.reason}", file=sys.stderr)
        if len(summary.errors) > 20:
            print(f"  ... and {len(summary.errors) - 20} more", file=sys.stderr)
        for notice in summary.warnings[:20]:
            print(f"  warning {notice.source} ({notice.where}): {notice.reason}", file=sys.stderr)
        if len(summary.warnings) > 20:
            print(f"  ... and {len(summary.warnings) - 20} more warnings", file=sys.stderr)
    return EXIT_REJECTED if summary.rejected else 0


def _print_mapping(values: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps(values))
    else:
        for key, value in values.items():
            print(f"{key}: {value}")
    return 0


def _print_status(status: dict[str, Any], as_json: bool) -> int:
    """The admin's status: JSON, or a line per fact; 1 when something needs a look (a job that
    failed, a message that could not be sent)."""
    attention = status["outbox"]["failed"] > 0 or any(job["failed"] for job in status["jobs"])
    if as_json:
        print(json.dumps(status))
        return 1 if attention else 0
    outbox, lag = status["outbox"], status["index_lag"]
    print(f"papers: {status['papers']:,} ({status['removed_papers']} removed)")
    print(f"members: {status['members']:,}")
    print(f"upvotes: {status['upvotes']:,}, comments: {status['comments']:,}")
    print(
        f"waiting for a moderator: {status['open_reports']} reports, "
        f"{status['held_comments']} held comments, {status['pending_claims']} author claims"
    )
    print(
        f"outbox: {outbox['queued']} queued, {outbox['retrying']} retrying, "
        f"{outbox['failed']} failed, {outbox['sent']:,} sent"
    )
    print(f"index lag: {lag['lexical']} papers (lexical), {lag['semantic']} (semantic)")
    shown = status["thumbnails"]
    print(f"thumbnails: {shown['rendered']:,} rendered, {shown['failed']} failing")
    known = status["arxiv_metadata"]
    print(f"arXiv metadata: {known['lacking']:,} listed papers lacking, {known['failed']} failing")
    starred = status["github_stars"]
    print(
        f"GitHub stars: {starred['counted']:,} of {starred['linked']:,} listed papers with "
        f"a GitHub link, {starred['failed']} failing"
    )
    print(f"disk: {status['disk_bytes'] / 1e6:,.1f} MB in the data dir ({status['database']})")
    for job in status["jobs"]:
        state = "FAILED" if job["failed"] else "running" if job["running"] else "ok"
        print(
            f"job {job['name']}: {state}, last run for {job['last_fire'] or 'never'}, "
            f"finished {job['finished_at'] or 'never'}: {job['outcome'] or ''}"
        )
    if not status["jobs"]:
        print("jobs: none has run (start `dailypapers worker`)")
    return 1 if attention else 0


def _progress_printer() -> Any:
    if not sys.stderr.isatty():
        return None

    def show(summary: ImportSummary) -> None:
        done = summary.added + summary.updated + summary.unchanged
        print(f"\r{done:,} records stored, {summary.rejected:,} rejected", end="", file=sys.stderr)

    return show


def _count_printer(what: str) -> Any:
    if not sys.stderr.isatty():
        return None

    def show(done: int) -> None:
        print(f"\r{done:,} {what}", end="", file=sys.stderr)

    return show


def _catch_up(hub: Hub, semantic: bool | None = None) -> None:
    """Bring the search indexes up to the store, showing the work on a terminal (embedding the
    papers of a large import takes a while)."""
    shown = _count_printer("papers indexed or embedded to bring the search index up to date")
    moved = False

    def progress(done: int) -> None:
        nonlocal moved
        moved = True
        if shown is not None:
            shown(done)

    hub.index(progress=progress, semantic=semantic)
    if moved and shown is not None:
        print(file=sys.stderr)


def _search(hub: Hub, args: argparse.Namespace) -> int:
    from dailypapers.hub import LexicalFilters, embedding_available

    filters = LexicalFilters(
        published_from=args.date_from,
        published_to=args.date_to,
        categories=tuple(args.category),
        min_upvotes=args.min_upvotes,
    )
    mode = args.mode or ("hybrid" if embedding_available() else "lexical")
    _catch_up(hub, semantic=mode != "lexical")  # a search sees every stored paper
    hits = hub.search(args.query, args.limit, filters, mode, args.sort)
    return _print_hits(hits, args, mode, args.query)


def _print_hits(hits: list[Any], args: argparse.Namespace, mode: str, query: str) -> int:
    if args.json:
        found = [
            {
                "score": round(hit.score, 4),
                "titleSnippet": hit.title_snippet,
                "abstractSnippet": hit.abstract_snippet,
                "paper": paper_json(hit.paper),
            }
            for hit in hits
        ]
        print(json.dumps({"query": query, "mode": mode, "hits": found}))
        return 0
    if not hits:
        print(f"no papers match {query!r}")
    for number, hit in enumerate(hits, 1):
        title = _MARK.sub("", html.unescape(hit.title_snippet)) or hit.paper.title
        print(f"{number:>3}. {title}  [{hit.paper.id}]")
    return 0


def _show_text(paper: dict[str, Any]) -> None:
    print(paper["title"])
    print(f"id: {paper['id']}" + (f"  v{paper['version']}" if paper["version"] else ""))
    names = [a["name"] for a in paper["authors"]]
    if names:
        print("authors: " + ", ".join(names))
    elif paper["authorCount"]:
        print(f"authors: {paper['authorCount']} (names unknown)")
    for label, key in (
        ("categories", "categories"),
        ("published", "publishedAt"),
        ("updated", "updatedAt"),
        ("upvotes", "upvotes"),
        ("code", "githubRepo"),
        ("project", "projectPage"),
        ("journal", "journalRef"),
        ("doi", "doi"),
    ):
        value = paper[key]
        if value not in (None, [], ""):
            print(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
    if paper["summary"]:
        print()
        print(paper["summary"])


def run(args: argparse.Namespace) -> int:
    from dailypapers.hub import Hub

    settings = _settings(args)
    if args.command == "init":
        hub, changed = Hub.init(settings)
        with hub:
            print(
                f"{'initialised' if changed else 'already initialised'}: {settings.data_dir} "
                f"({hub.store.dialect})"
            )
        return 0
    if args.command == "demo":
        return _demo(settings, args)
    if args.command == "serve":
        settings.require_secret()  # before anything touches the data dir
    with Hub.open(settings) as hub:
        if args.command == "import":
            summary = hub.import_files(args.paths, args.format, args.page_date, _progress_printer())
            if sys.stderr.isatty():
                print(file=sys.stderr)
            return _print_summary(summary, args.json)
        if args.command == "fetch":
            return _fetch(hub, args)
        if args.command == "index":
            semantic = False if args.lexical_only else None
            done = hub.index(args.rebuild, _count_printer("papers indexed or embedded"), semantic)
            if sys.stderr.isatty():
                print(file=sys.stderr)
            print(f"indexed {done} papers; the index is at change {hub.lexical.watermark}")
            return 0
        if args.command == "eval":
            return _print_mapping(hub.eval_beir(args.directory, args.split, args.mode), args.json)
        if args.command == "search":
            return _search(hub, args)
        if args.command == "similar":
            _catch_up(hub)  # a one-off command sees every stored paper
            return _print_hits(hub.similar(args.id, args.limit), args, "similar", args.id)
        if args.command == "user":
            return _user_command(hub, args)
        if args.command == "token":
            return _token(hub, args)
        if args.command == "stats":
            return _print_mapping(hub.stats(), args.json)
        if args.command == "admin":
            return _print_status(hub.site_status(), args.json)
        if args.command == "show":
            paper = paper_json(hub.paper(args.id))
            if args.json:
                print(json.dumps(paper, ensure_ascii=False))
            else:
                _show_text(paper)
            return 0
        if args.command == "digest":
            return _digest(hub, args)
        if args.command == "subscriptions":
            return _subscriptions(hub, args)
        if args.command == "worker":
            return _worker(hub, args)
        if args.command == "mcp":
            from dailypapers.web import agents

            agents.build(hub, settings.base_url, args.token).run("stdio")
            return 0
        if args.command == "serve":
            return _serve(hub, settings, args.with_worker)
    raise InvalidInput(f"unknown command {args.command!r}")


def _user_command(hub: Hub, args: argparse.Namespace) -> int:
    if args.action == "role":
        user = hub.set_role(args.name, args.role)
        print(f"{user.name} is now {'an' if user.role == 'admin' else 'a'} {user.role}")
        return 0
    password = args.password
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if args.action == "password":
        ended = hub.set_password(args.name, password)
        print(f"new password set for {args.name}; {ended} session(s) ended")
        return 0
    user = hub.create_user(args.name, args.email, password, "admin" if args.admin else "member")
    print(
        f"created {user.role} {user.name} <{user.email}>" + ("" if password else " (no password)")
    )
    return 0


def _token(hub: Hub, args: argparse.Namespace) -> int:
    user = hub.user_named(args.name)
    if args.action == "create":
        secret, _ = hub.create_token(user, args.label)
        print(secret)
        return 0
    count = hub.revoke_token(user, args.token)
    print(f"revoked {count} token{'s' if count != 1 else ''} of {user.name}")
    return 0


def _fetch(hub: Hub, args: argparse.Namespace) -> int:
    summary_keys = ImportSummary().as_dict().keys()
    if args.source == "arxiv":
        report = hub.fetch_arxiv(
            args.set_spec, args.from_date, args.metadata_prefix, _progress_printer()
        )
        extra = {key: value for key, value in report.as_dict().items() if key not in summary_keys}
        return _print_summary(report.summary, args.json, extra)
    if args.source == "arxiv-ids":
        return _print_summary(hub.fetch_arxiv_ids(args.ids), args.json)
    if args.source == "thumbnails":
        made = hub.fetch_thumbnails(args.ids, args.limit)
        return _print_run({"rendered": made.rendered}, made.failed, made.as_dict(), args.json)
    if args.source == "enrich":
        done = hub.fetch_enrich(args.ids, args.limit)
        return _print_run({"enriched": done.enriched}, done.failed, done.as_dict(), args.json)
    if args.source == "stars":
        asked = hub.fetch_stars(args.ids, args.limit)
        counted = {"changed": asked.changed, "unchanged": asked.unchanged}
        code = _print_run(counted, asked.failed, asked.as_dict(), args.json)
        if asked.stopped:
            if not args.json:
                print(f"stopped: {asked.stopped}")
            return 1
        return code
    return _print_summary(hub.fetch_hf_daily(args.day), args.json)


def _print_run(
    done: dict[str, list[str]], failed: dict[str, str], shown: dict[str, object], as_json: bool
) -> int:
    """What a run over papers did (made, and why each other one was not); 1 when one failed."""
    if as_json:
        print(json.dumps(shown))
    else:
        for what, idents in done.items():
            print(f"{what}: {len(idents)}")
        for ident, reason in failed.items():
            print(f"failed: {ident}: {reason}")
    return 1 if failed else 0


def _digest(hub: Hub, args: argparse.Namespace) -> int:
    if args.action == "send":
        counts = hub.send_digests(args.period, args.day or hub.today())
        return _print_mapping(counts, args.json)
    digest, message = hub.preview_digest(args.email, args.period, args.day)
    print(f"To: {message['To']}")
    print(f"Subject: {message['Subject']}")
    print()
    part = message.get_body(("html",) if args.html else ("plain",))
    if not digest.sections:
        print("(nothing new for this subscriber: no digest would be sent)")
    elif part is not None:
        print(part.get_content(), end="")
    return 0


def _subscriptions(hub: Hub, args: argparse.Namespace) -> int:
    if args.action == "remove":
        found = hub.subscription_by_email(args.email)
        if found is None:
            raise NotFound(f"no subscription for {args.email!r}")
        hub.end_subscription(found)
        print(f"unsubscribed {found.email}")
        return 0
    rows = hub.subscriptions()
    if args.json:
        print(json.dumps([subscription_json(row) for row in rows]))
        return 0
    for row in rows:
        topics = f" topics: {', '.join(row.topics)}" if row.topics else ""
        print(f"{row.email}  {row.status}  {row.frequency}  {row.timezone}{topics}")
    return 0


def _worker(hub: Hub, args: argparse.Namespace) -> int:
    import logging
    import signal

    from dailypapers.jobs import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    worker = Worker(hub, index=not args.once)
    if args.once:
        ran = worker.tick()
        indexed = hub.index()
        failed = [name for name, outcome in ran if "error" in outcome]
        if args.json:
            print(json.dumps({"ran": dict(ran), "indexed": indexed, "failed": failed}))
        else:
            for name, outcome in ran:
                print(f"{name}: {json.dumps(outcome)}")
            print(f"indexed {indexed} papers")
        if failed:
            print(f"dailypapers: error: jobs failed: {', '.join(failed)}", file=sys.stderr)
            return EXIT_JOBS_FAILED
        return 0

    def stop(_signum: int, _frame: Any) -> None:
        worker.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    print(f"worker for {hub.settings.data_dir} ({hub.store.dialect}); Ctrl-C stops it", flush=True)
    try:
        worker.run()
    except KeyboardInterrupt:
        worker.stop(timeout=0)
    return 0


def _serve(hub: Hub, settings: Settings, with_worker: bool = False, fetch: bool = True) -> int:
    import uvicorn

    from dailypapers.web import create_app

    settings.require_secret()
    record_served(settings)
    # The embedding model is exported once here (not by each worker at once), and each worker
    # loads it before it takes a request, so that no search waits for it. With workers, this
    # process only supervises them: the model is exported in a child that exits.
    if settings.workers > 1:
        import multiprocessing

        child = multiprocessing.get_context("spawn").Process(target=_warm, args=(settings,))
        child.start()
        child.join()
    else:
        _warm(settings, hub)
    print(f"serving {settings.data_dir} at http://{settings.host}:{settings.port}/", flush=True)
    # The client's address from the reverse proxies the settings trust (for rate limits).
    options = {
        "host": settings.host,
        "port": settings.port,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
        # Longer than a proxy keeps an idle connection to us (nginx: 60 s), so that we never
        # close one the moment it sends a request on it, which it cannot retry if it was a POST.
        "timeout_keep_alive": KEEP_ALIVE_S,
    }
    if settings.workers > 1:
        # Read by glibc as each worker starts, before any thread has an arena of its own (the
        # worker's own mallopt comes after the model's threads made theirs; web/app.py).
        os.environ.setdefault("MALLOC_ARENA_MAX", "2")
        # Worker processes build their own hub from the environment: hand them the settings.
        if with_worker:
            os.environ[ENV_PREFIX + "SERVE_WORKER"] = "fetch" if fetch else "no-fetch"
        for name in ("data_dir", "database_url", "base_url", "secret_key"):
            value = getattr(settings, name)
            if value:
                os.environ[ENV_PREFIX + name.upper()] = str(value)
        hub.close()
        from dailypapers.web import workers

        if workers.balanced():
            return workers.run(settings.workers, options)
        uvicorn.run(
            "dailypapers.web.asgi:create",
            factory=True,
            workers=settings.workers,
            log_level="warning",
            **options,  # type: ignore[arg-type]
        )
        return 0
    app = create_app(hub, settings, worker=with_worker, fetch=fetch, serving=True)
    uvicorn.run(app, log_level="info", **options)  # type: ignore[arg-type]
    return 0


def _warm(settings: Settings, hub: Hub | None = None) -> None:
    """Load the embedding model (exporting it the first time), or say why search by meaning is
    off."""
    from dailypapers.hub import Hub

    try:
        if hub is None:
            with Hub.open(settings) as opened:
                opened.warm()
        else:
            hub.warm()
    except DailyPapersError as exc:
        print(f"dailypapers: search by meaning is off: {exc}", file=sys.stderr)


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from dailypapers.hub import Hub

    hub, _ = Hub.init(settings)
    with hub:
        today = None if args.keep_dates else datetime.now(UTC).date()
        summary = hub.load_demo(_progress_printer(), today)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(
            f"demo data in {settings.data_dir}: {summary.added} papers added, "
            f"{summary.updated} updated, {summary.unchanged} unchanged"
        )
        if args.no_serve:
            return 0
        # The worker sends mail (with DAILYPAPERS_SMTP_URL set) and keeps the indexes; the demo
        # fetches nothing, so its papers stay the bundled ones.
        return _serve(hub, hub.settings, with_worker=True, fetch=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run(args)
    except DailyPapersError as exc:
        print(f"dailypapers: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dailypapers: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
