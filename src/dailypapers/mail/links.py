"""Signed, expiring tokens for the links in messages: confirm a subscription, manage or end it.

A token names the subscription and its address and is signed with the site's secret, so a forged
or altered one is refused, and one issued to an address no longer subscribed opens nothing.
"""

from __future__ import annotations

from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from dailypapers.errors import Forbidden, InvalidInput

# How long a link works: a confirmation is followed soon or not at all; the unsubscribe link of
# an old digest must still work when its reader finally wants out.
LIFETIMES = {"confirm": timedelta(days=7), "manage": timedelta(days=400)}


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in LIFETIMES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    return URLSafeTimedSerializer(secret, salt=f"dailypapers.subscription.{purpose}")


def make_token(secret: str, purpose: str, subscription_id: int, email: str) -> str:
    return str(_serializer(secret, purpose).dumps([subscription_id, email.strip().lower()]))


def read_token(secret: str, purpose: str, token: str) -> tuple[int, str]:
    """(subscription id, address) of a valid token; Forbidden when forged, InvalidInput when
    expired (the message says what to do instead)."""
    max_age = int(LIFETIMES[purpose].total_seconds())
    try:
        payload = _serializer(secret, purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        what = "confirmation" if purpose == "confirm" else "link"
        raise InvalidInput(
            f"this {what} has expired; subscribe again from any page to get a new one"
        ) from exc
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
