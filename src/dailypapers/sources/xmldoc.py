"""Reading an XML answer: its root element, or InvalidInput naming the source and what is wrong;
and the text of its elements."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import TypeVar

from dailypapers.errors import InvalidInput
from dailypapers.models import normalize_space

T = TypeVar("T")


def parse_xml(body: bytes, source: str, root_tag: str, what: str) -> ET.Element:
    """The root of ``body``, which must be a ``root_tag`` element (``{namespace}name``).

    ``what`` names the expected document in the error (``'an Atom feed'``); a body that is not
    well-formed XML, declares an encoding that cannot be read (unknown, not for text, or
    multi-byte), or whose root is another element, raises InvalidInput.
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise InvalidInput(f"{source}: not well-formed XML ({exc})") from exc
    except (LookupError, ValueError) as exc:  # an encoding it declares that cannot be read
        raise InvalidInput(
            f"{source}: its XML declaration names an unreadable encoding ({exc})"
        ) from exc
    if root.tag != root_tag:
        raise InvalidInput(f"{source}: not {what} (root element {root.tag!r})")
    return root


def child_text(element: ET.Element, tag: str) -> str | None:
    """Whitespace-normalised text of a child, None when absent or empty."""
    found = element.find(tag)
    if found is None:
        return None
    return normalize_space("".join(found.itertext())) or None


def child_value(element: ET.Element, tag: str, parse: Callable[[str], T], what: str) -> T | None:
    """``parse`` of a child's text, None when absent; ValueError naming the child and ``what``
    it should hold when ``parse`` refuses the text."""
    text = child_text(element, tag)
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"<{tag.split('}')[-1]}> is not {what}: {text!r}") from None
