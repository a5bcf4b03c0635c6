"""Reading possibly-gzipped byte streams, without seeking: the sniffed head, then the rest."""

from __future__ import annotations

import gzip
import io
import zlib
from typing import Any, BinaryIO, cast

GZIP_MAGIC = b"\x1f\x8b"


def gunzip_head(head: bytes) -> bytes:
    """The first bytes of a file, decompressed as far as they go when they start a gzip stream."""
    if not head.startswith(GZIP_MAGIC):
        return head
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
    except zlib.error:
        return b""


def open_maybe_gzip(stream: BinaryIO) -> BinaryIO:
    """``stream`` as a buffered binary stream, decompressed when it starts with the gzip magic."""
    head = stream.read(2)
    buffered = io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 16)
    if head == GZIP_MAGIC:
        return cast(BinaryIO, gzip.GzipFile(fileobj=buffered, mode="rb"))
    return cast(BinaryIO, buffered)


class _Prefixed(io.RawIOBase):
    """A stream whose first bytes were read to sniff its format: serves them, then the rest.

    Wrapping a private raw stream (rather than the caller's) keeps the caller's stream open when
    the buffered reader is closed or collected.
    """

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
