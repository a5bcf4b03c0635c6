"""Parsing a file in a child process, so that parsing and storing run on two cores at once.

A bulk import spends about as long parsing as storing. The child parses and sends pickled chunks
of records through a pipe. A reader thread here keeps up to ``ahead`` records waiting, so the
child goes on parsing while the parent stores a whole batch; that bound keeps memory in check.
A parent that dies (even by SIGKILL) closes the pipe, so the child's next send fails and it exits.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import queue
import threading
from collections.abc import Callable, Iterator
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TypeVar

from dailypapers.errors import DailyPapersError
from dailypapers.models import Notice, PaperRecord, Rejection
from dailypapers.sources.checks import checked
from dailypapers.sources.formats import parser_for
from dailypapers.sources.streams import MAX_LINE_BYTES

T = TypeVar("T")
CHUNK = 500  # records per message: about 600 KB pickled, less than one pipe buffer
PIPE_BYTES = 1 << 20


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def parse_in_background(
    path: Path,
    fmt: str,
    prepare: Callable[[PaperRecord], T],
    page_date: date | None = None,
    ahead: int = 20_000,
    max_line: int = MAX_LINE_BYTES,
) -> Iterator[T | Rejection | Notice]:
    """The items ``parser_for(fmt)`` yields for ``path``, parsed in a forked child process.

    The child also checks each record (``checks.py``) and applies ``prepare`` to it, so that
    work leaves the parent too.
    Errors the parser raises (InvalidInput, OSError) are raised here, after the items before
    them. Closing the iterator early stops the child.
    """
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    _widen(writer)
    arguments = (path, fmt, prepare, page_date, max_line, reader, writer)
    child = context.Process(target=_parse, args=arguments, daemon=True)
    child.start()
    writer.close()
    chunks: queue.Queue[bytes | None] = queue.Queue(max(2, ahead // CHUNK))
    stop = threading.Event()
    thread = threading.Thread(target=_receive, args=(reader, chunks, stop), daemon=True)
    thread.start()
    try:
        while True:
            message = chunks.get()
            if message is None:
                child.join()
                raise DailyPapersError(
                    f"{path}: the parser process stopped unexpectedly (exit code {child.exitcode})"
                )
            kind, payload = pickle.loads(message)
            if kind == "items":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                break
    finally:
        stop.set()
        if child.is_alive():
            child.terminate()
        child.join()
        thread.join()
        reader.close()


def _widen(pipe: Connection) -> None:
    """Give the pipe a 1 MB buffer where Linux allows (the default is 64 KB).

    The receiving thread needs the GIL back after every read; while the parent is busy storing
    that takes up to a switch interval (5 ms), so a chunk read in 64 KB pieces arrived at a
    fraction of the speed the child parsed it.
    """
    # Not on Linux, or under a lower system limit, the default buffer still works.
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _receive(reader: Connection, chunks: queue.Queue[bytes | None], stop: threading.Event) -> None:
    """Move messages from the pipe to the queue (recv waits without holding the GIL)."""
    message: bytes | None = b""
    while message is not None and not stop.is_set():
        try:
            message = reader.recv_bytes()
        except (EOFError, OSError):
            message = None  # the end of input (after "done" it is never read)
        while not stop.is_set():
            try:
                chunks.put(message, timeout=0.1)
                break
            except queue.Full:
                continue


def _parse(
    path: Path,
    fmt: str,
    prepare: Callable[[PaperRecord], object],
    page_date: date | None,
    max_line: int,
    reader: Connection,
    writer: Connection,
) -> None:
    reader.close()  # so that the parent's death is the pipe's end
    try:
        chunk: list[object] = []
        with path.open("rb") as stream:
            parse = parser_for(fmt, page_date, max_line)
            for item in checked(parse(stream, str(path)), str(path)):
                chunk.append(prepare(item) if isinstance(item, PaperRecord) else item)
                if len(chunk) >= CHUNK:
                    writer.send_bytes(pickle.dumps(("items", chunk), pickle.HIGHEST_PROTOCOL))
                    chunk = []
        writer.send_bytes(pickle.dumps(("items", chunk), pickle.HIGHEST_PROTOCOL))
        writer.send_bytes(pickle.dumps(("done", None)))
    except (BrokenPipeError, KeyboardInterrupt):
        return
    except (DailyPapersError, OSError) as exc:
        writer.send_bytes(pickle.dumps(("error", exc)))
    finally:
        writer.close()
