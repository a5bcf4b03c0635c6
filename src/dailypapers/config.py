"""Typed settings: flags, then ``DAILYPAPERS_*`` environment, then ``dailypapers.toml``.

Every setting is declared once, with its type, default and help text, so the README's table
and the help come from the same declarations. Loading reads nothing but files of the data dir:
the TOML file, the secret key, and the address the site was last served at (``SERVED_FILE``,
written by ``serve``), which is the base URL of links when no setting names one, so that a
message composed by another process (``digest send``, the worker) links to the site.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dailypapers.errors import ConfigError

ENV_PREFIX = "DAILYPAPERS_"
CONFIG_FILE = "dailypapers.toml"
SECRET_FILE = "secret_key"
SERVED_FILE = "served_url"
T = TypeVar("T")
# How ``page_cache_mb`` is shared among what each serving process keeps (its help says so).
PAGE_CACHE_SHARES = {"responses": 0.3, "members": 0.3, "cards": 0.2, "lists": 0.2}
# Secrets that appear in examples and docs; a server started with one of them is not private.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "placeholder", "xxx"})


def setting(default: T, help: str) -> T:
    """A setting's default and what it is for (the README's table and ``--help`` say it)."""
    found: T = field(default=default, metadata={"help": help})
    return found


@dataclass(frozen=True)
class Settings:
    """Every setting of a dailypapers installation."""

    data_dir: Path = setting(
        Path("dailypapers-data"),
        "Directory holding the SQLite database, indexes, secret and dailypapers.toml.",
    )
    database_url: str = setting(
        "",
        "SQLAlchemy URL of the database; empty means a SQLite file in the data dir. "
        "Example: postgresql+psycopg://user:pass@host/dailypapers",
    )
    base_url: str = setting(
        "http://127.0.0.1:8000",
        "Public URL of the site, used in links, feeds and emails; when unset, "
        "http://HOST:PORT of `serve` (the address it last served at, recorded in the data "
        "dir, for the other commands).",
    )
    secret_key: str = setting(
        "",
        "Key that signs sessions and links. `dailypapers init` generates one into "
        "DATA_DIR/secret_key (mode 0600); the server refuses to start without a real one.",
    )
    host: str = setting("127.0.0.1", "Address `serve` listens on.")
    port: int = setting(8000, "Port `serve` listens on.")
    trusted_proxies: str = setting(
        "127.0.0.1",
        "Addresses of the reverse proxies or load balancers in front of `serve`, comma-separated "
        "(* for any): their X-Forwarded-For and X-Forwarded-Proto are believed, so that rate "
        "limits count clients, not the proxy.",
    )
    workers: int = setting(
        1,
        "Processes `serve` runs; each serves requests, and one at a time keeps the search "
        "indexes current.",
    )
    arxiv_oai_url: str = setting("https://export.arxiv.org/oai2", "arXiv OAI-PMH endpoint.")
    arxiv_api_url: str = setting("https://export.arxiv.org/api/query", "arXiv API endpoint.")
    arxiv_pdf_url: str = setting(
        "https://arxiv.org/pdf/{id}",
        "Where a paper's PDF is fetched for its thumbnail; `{id}` is its arXiv id with version.",
    )
    hf_url: str = setting("https://huggingface.co", "Hugging Face site for the daily list.")
    github_api_url: str = setting(
        "https://api.github.com", "GitHub's REST API, asked how many stars papers' code has."
    )
    github_token: str = setting(
        "",
        "A GitHub token (any, with no scopes): GitHub then allows 5,000 requests an hour "
        "instead of 60, and a run asks about up to 1,000 repositories instead of 50.",
    )
    github_delay: float = setting(1.0, "Seconds between requests to GitHub's API.")
    arxiv_delay: float = setting(
        3.0, "Seconds between requests to arXiv (its published limit is one per 3 s)."
    )
    fetch_retries: int = setting(4, "Retries of a transient fetch failure, with backoff.")
    trending_gravity: float = setting(
        1.8,
        "Trending is upvotes / (age in hours + offset) ^ gravity: how fast age pulls a paper down.",
    )
    trending_offset_hours: float = setting(2.0, "The trending formula's offset, in hours.")
    submissions_per_day: int = setting(10, "Papers one member may submit per day (UTC).")
    limit_signin: int = setting(20, "Sign-in attempts allowed per client address per 10 minutes.")
    limit_signup: int = setting(5, "Accounts one client address may create per hour.")
    limit_votes: int = setting(120, "Upvotes and un-votes one member may cast per minute.")
    limit_comments: int = setting(10, "Comments one member may post per minute.")
    limit_submits: int = setting(
        5,
        "Submission attempts one member may make per minute (each may ask arXiv), "
        "besides the daily quota.",
    )
    new_member_hours: int = setting(
        24,
        "Hours an account counts as new. A new account, or one whose address is not confirmed, "
        "has the *_new limits below, and its comments with links wait for a moderator.",
    )
    limit_votes_new: int = setting(30, "Upvotes and un-votes a new account may cast per minute.")
    limit_comments_new: int = setting(3, "Comments a new account may post per minute.")
    submissions_per_day_new: int = setting(2, "Papers a new account may submit per day (UTC).")
    blocklist: str = setting(
        "",
        "Words, phrases and domains, separated by commas or new lines, that hold a comment "
        "for a moderator (case-insensitive; a domain holds links to it and its subdomains).",
    )
    session_days: int = setting(30, "Days a sign-in lasts before the member signs in again.")
    cache_max_age: int = setting(
        30,
        "Seconds a browser or proxy may show a page every signed-out reader shares before it "
        "asks again (a vote reaches readers within this).",
    )
    page_cache_mb: int = setting(
        32,
        "Megabytes of rendered pages each serving process keeps: three tenths for the "
        "responses signed-out readers share, three tenths for the pages members share, a fifth "
        "for papers' cards, a fifth for the daily lists' papers as read (0 keeps none).",
    )
    smtp_url: str = setting(
        "",
        "SMTP server that sends digests and confirmations: smtp://user:pass@host:587"
        "?starttls=true, smtps://user:pass@host:465, or smtp://127.0.0.1:8025 for a "
        "server on this machine. Empty: the site sends no email and shows no subscribe box.",
    )
    mail_from: str = setting(
        "",
        "From address of messages, e.g. 'Daily Papers <papers@example.org>'; empty means "
        "papers@ the base URL's host. Unsubscribe requests by mail go to it too.",
    )
    timezone: str = setting(
        "UTC",
        "The site's time zone (IANA name): new subscriptions start in it, and `digest "
        "send` takes today in it.",
    )
    digest_size: int = setting(12, "Trending papers in a digest, at most.")
    smtp_connections: int = setting(
        2,
        "SMTP connections a sender uses at once. Each has one message in flight, which a "
        "crash at that moment may send twice (with the same Message-ID).",
    )
    bounce_limit: int = setting(3, "Hard bounces in a row after which a subscription is paused.")
    limit_subscribe: int = setting(
        10, "Subscription requests one client address may make per hour."
    )
    limit_confirmations: int = setting(
        3, "Confirmation messages sent to one address per day, at most."
    )
    schedule_arxiv: str = setting(
        "30 1 * * 1-5",
        "When the worker harvests arXiv (cron, UTC): after its announcement at 20:00 "
        "US Eastern, Sunday to Thursday. Any schedule left empty switches its job off.",
    )
    arxiv_sets: str = setting(
        "cs", "OAI sets the worker harvests, comma-separated (cs, math, physics:hep-th, ...)."
    )
    schedule_hf: str = setting(
        "15 * * * *",
        "When the worker fetches Hugging Face's daily list (cron, UTC); it fills during "
        "the day, so hourly.",
    )
    schedule_enrich: str = setting(
        "25 * * * *",
        "When the worker completes listed papers that lack arXiv's metadata (categories, "
        "dates, versions, ...) from arXiv's API (cron, UTC), at most 1,000 a run in requests "
        "of 100 ids.",
    )
    schedule_thumbnails: str = setting(
        "40 * * * *",
        "When the worker renders the thumbnails of newly listed papers from their PDFs "
        "(cron, UTC), at most 100 a run at arXiv's pace.",
    )
    schedule_stars: str = setting(
        "50 * * * *",
        "When the worker asks GitHub how many stars the code of listed papers has (cron, "
        "UTC): the most recently listed first, each repository at most once a day.",
    )
    schedule_daily_digest: str = setting(
        "0 6 * * 1-5",
        "When daily digests go out (cron, in each subscriber's time zone): weekdays 06:00.",
    )
    schedule_weekly_digest: str = setting(
        "0 6 * * 1", "When weekly digests go out (cron, in each subscriber's time zone)."
    )
    schedule_send: str = setting(
        "* * * * *",
        "When the worker sends what waits in the outbox (cron): confirmations, and "
        "messages a server deferred.",
    )
    max_line_bytes: int = setting(
        4 * 1024 * 1024,
        "Longest line a JSON Lines import reads, in bytes; a longer one is rejected (read "
        "past in pieces, in bounded memory) and the import goes on with the next.",
    )
    import_batch: int = setting(
        20_000,
        "Records per import transaction; each batch commits whole or not at all. Larger "
        "batches import faster (index pages are rewritten once per batch) and use more memory.",
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dailypapers.sqlite3').resolve()}"

    @property
    def secret_path(self) -> Path:
        return self.data_dir / SECRET_FILE

    def page_cache_bytes(self, part: str) -> int:
        """The bytes of ``page_cache_mb`` that ``part`` of what keeps pages may hold (one of
        PAGE_CACHE_SHARES: the readers' responses, the members' pages, the cards, the lists)."""
        return int((self.page_cache_mb << 20) * PAGE_CACHE_SHARES[part])

    @property
    def sender(self) -> str:
        """The From address of messages."""
        if self.mail_from:
            return self.mail_from
        host = urlsplit(self.base_url).hostname or "localhost"
        return f"Daily Papers <papers@{host}>"

    def require_secret(self) -> str:
        """The secret key, or ConfigError when it is missing or a placeholder."""
        if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < 16:
            raise ConfigError(
                "no real secret key: run `dailypapers init` to generate one, or set "
                "DAILYPAPERS_SECRET_KEY to a random string of at least 16 characters"
            )
        return self.secret_key


def setting_fields() -> list[tuple[str, type | str, Any, str]]:
    """(name, type, default, help) for every setting, in declaration order."""
    return [(f.name, f.type, f.default, f.metadata["help"]) for f in fields(Settings)]


def _coerce(name: str, raw: Any, where: str) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind in (Path, "Path"):
            return Path(str(raw)).expanduser()
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {name} must be {kind}, got {raw!r}") from exc


def load_settings(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from flags (highest), then the environment, then DATA_DIR/dailypapers.toml.

    The data dir itself comes from flags or the environment (it says where the TOML file is). The
    secret key, when set nowhere else, is read from DATA_DIR/secret_key, written by ``init``.
    """
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    environ = os.environ if environ is None else environ
    names = [f.name for f in fields(Settings)]
    from_env = {
        name: environ[ENV_PREFIX + name.upper()]
        for name in names
        if environ.get(ENV_PREFIX + name.upper()) is not None
    }
    data_dir = _coerce(
        "data_dir", flags.get("data_dir", from_env.get("data_dir", "dailypapers-data")), "data dir"
    )
    values: dict[str, Any] = {}
    toml_path = data_dir / CONFIG_FILE
    if toml_path.is_file():
        try:
            table = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{toml_path}: not valid TOML: {exc}") from exc
        for key, raw in table.items():
            if key not in names:
                raise ConfigError(f"{toml_path}: unknown setting {key!r}")
            values[key] = _coerce(key, raw, str(toml_path))
    for key, raw in from_env.items():
        values[key] = _coerce(key, raw, f"environment {ENV_PREFIX}{key.upper()}")
    for key, raw in flags.items():
        if key in names:
            values[key] = _coerce(key, raw, f"--{key.replace('_', '-')}")
    values["data_dir"] = data_dir
    if "base_url" not in values:
        served = data_dir / SERVED_FILE
        if "host" in values or "port" in values:
            # Links in pages and messages must reach this server when only where it listens
            # was set.
            values["base_url"] = listening_url(
                str(values.get("host", Settings.host)), int(values.get("port", Settings.port))
            )
        elif served.is_file():
            values["base_url"] = served.read_text(encoding="utf-8").strip() or Settings.base_url
    settings = replace(Settings(), **values)
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"timezone: no time zone named {settings.timezone!r}; use an IANA name like "
            "Europe/Paris"
        ) from exc
    if not settings.secret_key and settings.secret_path.is_file():
        settings = replace(settings, secret_key=settings.secret_path.read_text().strip())
    return settings


def listening_url(host: str, port: int) -> str:
    """``http://HOST:PORT`` of a server listening on ``host`` (any address: this machine's)."""
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}"


def record_served(settings: Settings) -> None:
    """Note in the data dir where ``serve`` listens: other processes' links reach it there
    when no ``base_url`` is set (see the module's docstring)."""
    path = settings.data_dir / SERVED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(listening_url(settings.host, settings.port) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def write_secret(settings: Settings) -> Settings:
    """Create DATA_DIR/secret_key (mode 0600) if absent; return settings carrying the secret."""
    path = settings.secret_path
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
    if settings.secret_key:
        return settings
    return replace(settings, secret_key=path.read_text().strip())
