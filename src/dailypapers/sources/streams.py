"""Reading possibly-gzipped byte streams, without seeking, in bounded memory.

A gzip stream that is cut short or damaged gives every byte decompressed before the damage, then
``CutShort`` (an InvalidInput) saying where: an import stores the complete records before it.
JSON Lines are read a line at a time with a cap on a line's length; a longer line is skipped in
pieces and reported as that line, and the lines after it are read as usual. A file read whole
(one JSON or XML document) has a cap too.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from typing import Any, BinaryIO, cast

from dailypapers.errors import InvalidInput
from dailypapers.models import Rejection

GZIP_MAGIC = b"\x1f\x8b"
# The longest line a JSON Lines import reads (the `max_line_bytes` setting's default): a real
# record is a few kilobytes.
MAX_LINE_BYTES = 4 * 1024 * 1024
# The largest document read whole: an API answer or a saved page is well under a megabyte.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
_READ = 1 << 16


class CutShort(InvalidInput):
    """The input breaks off (a gzip stream cut short or damaged); what came before was read."""


def gunzip_head(head: bytes) -> bytes:
    """The first bytes of a file, decompressed as far as they go when they start a gzip stream."""
    if not head.startswith(GZIP_MAGIC):
        return head
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out: list[bytes] = []
    # In small pieces, so that damage further on leaves what came before it.
    for start in range(0, len(head), 4096):
        try:
            out.append(inflate.decompress(head[start : start + 4096]))
        except zlib.error:
            break
    return b"".join(out)


def open_maybe_gzip(stream: BinaryIO) -> BinaryIO:
    """``stream`` as a buffered binary stream, decompressed when it starts with the gzip magic."""
    head = stream.read(2)
    raw: io.RawIOBase = _Prefixed(head, stream)
    if head == GZIP_MAGIC:
        raw = _Gunzip(io.BufferedReader(raw, buffer_size=_READ))
    return cast(BinaryIO, io.BufferedReader(raw, buffer_size=_READ))


def json_lines(
    stream: BinaryIO, source: str, max_line: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | Rejection]]:
    """(line number, line) for each line of ``stream`` (gzip or not), or a Rejection in the
    line's place when it is longer than ``max_line`` bytes, or where the input breaks off (the
    last item then)."""
    lines = open_maybe_gzip(stream)
    number = 0
    while True:
        number += 1
        try:
            line = lines.readline(max_line + 1)
            if len(line) > max_line and not line.endswith(b"\n"):
                length = len(line) + _skip_line(lines)
                reason = (
                    f"the line has {length:,} bytes, over the limit of {max_line:,} "
                    "(the max_line_bytes setting); the lines after it are read"
                )
                yield number, Rejection(source, f"line {number}", reason)
                continue
        except CutShort as exc:
            yield (
                number,
                Rejection(source, f"line {number}", f"{exc}; the lines before it are read"),
            )
            return
        if not line:
            return
        yield number, line


def _skip_line(lines: BinaryIO) -> int:
    """Read past the rest of a line, a piece at a time; how many bytes it had (its end left out)."""
    skipped = 0
    while piece := lines.readline(_READ):
        if piece.endswith(b"\n"):
            return skipped + len(piece) - 1
        skipped += len(piece)
    return skipped


def read_document(stream: BinaryIO, source: str, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The whole of ``stream`` (decompressed when gzip), or InvalidInput when it is larger than
    ``limit`` bytes or breaks off."""
    try:
        data = open_maybe_gzip(stream).read(limit + 1)
    except CutShort as exc:
        raise InvalidInput(f"{source}: {exc}") from None
    if len(data) > limit:
        raise InvalidInput(f"{source}: larger than {limit // (1 << 20)} MB, more than one answer")
    return data


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


class _Gunzip(io.RawIOBase):
    """The decompressed bytes of a gzip stream (of one or more members), produced no more than a
    buffer at a time however much one compressed byte expands to.

    Unlike ``gzip.GzipFile``, which drops what it decompressed in the read that found the end
    missing, it hands over every byte before the damage, and then raises ``CutShort``.
    """

    def __init__(self, compressed: BinaryIO) -> None:
        self._in = compressed
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""  # compressed input not yet consumed
        self._done = False
        self._started = False  # whether the current member has begun
        self._out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._done:
            if not self._pending:
                self._pending = self._in.read(_READ)
                if not self._pending:
                    if self._started:
                        raise CutShort(
                            f"the file is cut short: its gzip stream ends before its end, after "
                            f"{self._out:,} bytes of data"
                        )
                    self._done = True
                    break
            self._started = True
            try:
                data = self._inflate.decompress(self._pending, len(buffer))
            except zlib.error as exc:
                raise CutShort(
                    f"the file's gzip data is damaged after {self._out:,} bytes of data ({exc})"
                ) from None
            self._pending = self._inflate.unconsumed_tail
            if self._inflate.eof:
                self._next_member()
            if data:
                self._out += len(data)
                buffer[: len(data)] = data
                return len(data)
        return 0

    def _next_member(self) -> None:
        rest = self._inflate.unused_data + self._pending
        self._pending = b""
        if not rest:
            rest = self._in.read(_READ)
        if not rest:
            self._done = True
            return
        if rest[:1] == GZIP_MAGIC[:1]:  # gzip allows members one after another
            self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            self._pending = rest
            self._started = False
            return
        # Zero bytes may pad the end; anything else is not part of the stream.
        while not rest.strip(b"\x00"):
            rest = self._in.read(_READ)
            if not rest:
                self._done = True
                return
        raise CutShort(f"the file has bytes after its gzip stream, after {self._out:,} bytes")
