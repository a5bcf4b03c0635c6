"""Signed, expiring tokens for the links in messages: confirm a subscription, manage or end it,
confirm a member's address or a new one, reset a password.

A token names what it is for (its subject: a subscription or a member) and a stamp of that
subject's state when it was issued (the address, or the password's fingerprint), and is signed
with the site's secret: a forged or altered one is refused, and one whose stamp no longer
matches (the subscription moved to another address, the password changed since) opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from dailypapers.errors import Forbidden, InvalidInput


@dataclass(frozen=True, slots=True)
class Purpose:
    salt: str
    lifetime: timedelta
    expired: str  # what the reader of an expired link is told to do


# How long a link works: a confirmation is followed soon or not at all; the unsubscribe link of
# an old digest must still work when its reader finally wants out; a password reset is a key
# to the account, good for an hour.
PURPOSES = {
    "confirm": Purpose(
        "dailypapers.subscription.confirm",
        timedelta(days=7),
        "this confirmation has expired; subscribe again from any page to get a new one",
    ),
    "manage": Purpose(
        "dailypapers.subscription.manage",
        timedelta(days=400),
        "this link has expired; subscribe again from any page to get a new one",
    ),
    "address": Purpose(
        "dailypapers.account.address",
        timedelta(days=7),
        "this confirmation has expired; sign in and ask for a new one on your profile",
    ),
    "change": Purpose(
        "dailypapers.account.change",
        timedelta(days=1),
        "this link has expired (they last a day); change the address again in your settings",
    ),
    "reset": Purpose(
        "dailypapers.account.reset",
        timedelta(hours=1),
        "this reset link has expired (they last an hour); ask for a new one",
    ),
}


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeTimedSerializer(secret, salt=PURPOSES[purpose].salt)


def make_token(secret: str, purpose: str, subject_id: int, stamp: str) -> str:
    """A token for ``purpose`` naming ``subject_id`` in the state ``stamp`` (an address is
    compared in lower case)."""
    return str(_serializer(secret, purpose).dumps([subject_id, stamp.strip().lower()]))


def read_token(secret: str, purpose: str, token: str) -> tuple[int, str]:
    """(subject id, stamp) of a valid token; Forbidden when forged, InvalidInput when expired
    (the message says what to do instead)."""
    max_age = int(PURPOSES[purpose].lifetime.total_seconds())
    try:
        payload = _serializer(secret, purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidInput(PURPOSES[purpose].expired) from exc
    except BadSignature as exc:
        raise Forbidden("this link is not valid (it was altered or cut short)") from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or not isinstance(payload[1], str)
    ):
        raise Forbidden("this link is not valid")
    return payload[0], payload[1]
