"""Text every layer judges the same way: characters no reader needs, links to the web, and the
key an author's name is known by.

Imports remove the characters before storing; searches remove them from the query; feeds and
pages rely on stored text having none. Only ``http`` and ``https`` links are stored or shown:
``javascript:``, ``data:`` or ``vbscript:`` in a link run code in whoever follows it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# C0 controls but tab, newline and return; DEL and the C1 controls; lone surrogates (a JSON
# "\ud800" decodes to one, and no UTF-8 encoder takes it); the noncharacters U+FFFE and U+FFFF.
# XML 1.0 cannot carry most of them, and no text is worse without any of them.
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Nothing a browser would strip or stop at: whitespace and controls inside a link.
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")
# The common case, read without a URL parser: http(s)://host[:port] and a path with nothing in
# it that could hide another scheme or host.
_PLAIN_WEB = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d{1,5})?(?:[/?#][^\s\x00-\x1f\x7f\\]*)?\Z")
# A link in a member's text, as the site shows it (comments link these): up to the first
# space, quote or angle bracket, without the punctuation that ends a sentence.
LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
MAX_URL = 2000
WEB_SCHEMES = frozenset({"http", "https"})


def has_unwanted(text: str) -> bool:
    """Whether ``text`` holds a character ``clean`` would remove."""
    return _UNWANTED.search(text) is not None


def clean(text: str) -> str:
    """``text`` without control characters (tab, newline and return stay), lone surrogates and
    the noncharacters U+FFFE and U+FFFF."""
    if _UNWANTED.search(text) is None:
        return text
    return _UNWANTED.sub("", text)


def web_url(url: str | None) -> str | None:
    """``url`` (trimmed) when it is an absolute http(s) URL with a host, else None."""
    if not url:
        return None
    url = url.strip()
    if len(url) > MAX_URL:
        return None
    if _PLAIN_WEB.match(url):
        return url
    if _NOT_IN_URL.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # an unbalanced IPv6 bracket, say
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        return None
    return url


# What tells one author's name from another's: letters and digits, in order, split into words.
_NAME_PARTS = re.compile(r"[^\W_]+")
# Latin letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ħ": "h",
        "ı": "i",
        "ŀ": "l",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ð": "d",
    }
)


def name_key(name: str) -> str:
    """The key an author's name is found by: accents, case, punctuation and spacing folded
    ("José  García-López" and "jose garcia lopez" are one author); "" for a name with no
    letters or digits."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_NAME_PARTS.findall(bare.casefold().translate(_UNDECOMPOSED)))
