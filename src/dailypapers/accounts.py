"""Accounts without I/O: what a valid name, email and password are, password hashes, API tokens.

Email addresses are read by ``email-validator`` (RFC 5321/5322 as mail servers apply them) and
kept in one canonical form, the plain ASCII addr-spec with its domain lower-cased: no comment,
display name, quoting or control character survives, so the address stored, counted by the
rate limits and mailed is one and the same.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile: 64 MiB, 3 passes). API tokens are random, shown once, and stored only as SHA-256 hashes:
a token is 32 random bytes, so a fast hash is enough, and it lets a request find its token by an
index look-up.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email

from dailypapers.errors import InvalidInput, InvalidValue
from dailypapers.models import ROLES

TOKEN_PREFIX = "dp_"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
# A ban: a suspension until a day that does not come.
BANNED = datetime(9999, 12, 31, tzinfo=UTC)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9]$")
MAX_EMAIL = 254  # RFC 5321's limit on a path, less its angle brackets
# Names that would read as the site speaking, or collide with routes.
RESERVED = frozenset({"admin", "api", "dailypapers", "feeds", "papers", "root", "static", "system"})

_hasher = PasswordHasher()


# ``@name`` in a member's text: a member's name, not inside a word or an address.
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9])")
MAX_MENTIONS = 10


def mentioned(text: str) -> list[str]:
    """The names ``text`` mentions with ``@name``, each once, the first MAX_MENTIONS."""
    return list(dict.fromkeys(_MENTION.findall(text)))[:MAX_MENTIONS]


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise InvalidInput(
            "a user name is 3 to 40 letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit"
        )
    if name.lower() in RESERVED:
        raise InvalidInput(f"the name {name!r} is reserved")
    return name


def check_email(email: str) -> str:
    """The canonical form of ``email`` (see above); InvalidValue saying what is wrong with it.

    Whether the domain receives mail is not asked here (no DNS on a request): the confirmation
    message is that test.
    """
    typed = email.strip(" \t\r\n")
    shown = typed if len(typed) <= 80 else typed[:77] + "..."
    if len(typed) > MAX_EMAIL:
        raise InvalidValue(f"{shown!r} is not an email address: longer than {MAX_EMAIL} characters")
    try:
        valid = validate_email(typed, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidValue(f"{shown!r} is not an email address: {exc}") from None
    return str(valid.ascii_email)


def suspension(until: datetime) -> str:
    """How long a suspension lasts, in words: "for good", or "until 10 December 2026 12:00 UTC"."""
    return "for good" if until >= BANNED else f"until {until:%d %B %Y %H:%M} UTC"


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"a role is one of {', '.join(ROLES)}, not {role!r}")
    return role


def password_stamp(password_hash: str | None) -> str:
    """A short fingerprint of the member's password hash: a reset link carries it, so that
    the link stops working once the password has changed (it is used, or the member set one)."""
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; False for an account that has no password."""
    if not password_hash:
        # Spend the same time as a real check, so timing does not tell which names exist.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with older parameters than today's (rehash at next sign-in)."""
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> tuple[str, str, str]:
    """A fresh API token: (the token to show once, the hash to store, a prefix to list)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token), token[:10]


def new_session_token() -> tuple[str, str]:
    """A fresh sign-in session token: (the token the cookie carries, the hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()
