"""Accounts without I/O: what a valid name, email and password are, password hashes, API tokens.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile: 64 MiB, 3 passes). API tokens are random, shown once, and stored only as SHA-256 hashes:
a token is 32 random bytes, so a fast hash is enough, and it lets a request find its token by an
index look-up.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dailypapers.errors import InvalidInput

TOKEN_PREFIX = "dp_"
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9]$")
# Deliberately loose: one @, something either side, a dot in the domain. The confirmation mail
# (digests) is the real test of an address.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Names that would read as the site speaking, or collide with routes.
RESERVED = frozenset({"admin", "api", "dailypapers", "feeds", "papers", "root", "static", "system"})

_hasher = PasswordHasher()


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
    email = email.strip()
    if len(email) > 320 or not _EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address")
    return email


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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()
