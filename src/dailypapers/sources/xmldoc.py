"""Reading an XML answer: its root element, or InvalidInput naming the source and what is wrong."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dailypapers.errors import InvalidInput


def parse_xml(body: bytes, source: str, root_tag: str, what: str) -> ET.Element:
    """The root of ``body``, which must be a ``root_tag`` element (``{namespace}name``).

    ``what`` names the expected document in the error (``'an Atom feed'``); a body that is not
    well-formed XML, or whose root is another element, raises InvalidInput.
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise InvalidInput(f"{source}: not well-formed XML ({exc})") from exc
    if root.tag != root_tag:
        raise InvalidInput(f"{source}: not {what} (root element {root.tag!r})")
    return root
