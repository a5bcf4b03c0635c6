"""Every parser, fed hypothesis' mutations of the real recordings: cut short, bytes flipped, junk
put in, a field of the wrong type, a huge value. Never a traceback: a file that is no longer its
format is one InvalidInput naming it; a bad record is one rejection saying where; every record
the mutation did not touch comes out as it did from the recording.
"""

from __future__ import annotations

import copy
import dataclasses
import gzip
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHARED_DATA as DATA
from conftest import missing_recordings
from dailypapers.config import load_settings
from dailypapers.errors import InvalidInput
from dailypapers.hub import Hub
from dailypapers.models import PaperRecord, Rejection
from dailypapers.sources.checks import check
from dailypapers.sources.formats import parser_for

if (why := missing_recordings()) is not None:
    pytest.skip(why, allow_module_level=True)

KAGGLE = DATA / "arxiv-kaggle" / "wanng-ide_arxiv-metadata-oai-snapshot_first200.jsonl"
ARCHIVE = DATA / "hf-papers" / "misaki-wang_hf_bot_2026-02.jsonl"
FEED = DATA / "hf-papers" / "michaelmarkert_rss_hf_papers_feed_history.jsonl.gz"
DAILY = Path(__file__).resolve().parents[1] / "data" / "hf_daily_api_sample.json"

# (format, the recording's bytes): a few dozen records each, so hypothesis can try many.
RECORDINGS: dict[str, bytes] = {
    "kaggle": b"".join(KAGGLE.read_bytes().splitlines(keepends=True)[:40]),
    "hf-archive": b"".join(ARCHIVE.read_bytes().splitlines(keepends=True)[:40]),
    "hf-feed": b"".join(gzip.decompress(FEED.read_bytes()).splitlines(keepends=True)[:40]),
    "hf-daily": DAILY.read_bytes(),
    "arxiv-atom": (
        DATA / "arxiv-api-atom" / "xml" / "q_testing_s0_m10_bc5a6c384fe9.xml"
    ).read_bytes(),
    "oai-pmh": (
        DATA
        / "arxiv-oaipmh"
        / "xml"
        / "oaipmh-listrecords---should-list-identifiers-from-arxiv__1.xml"
    ).read_bytes(),
    "hf-page": (DATA / "seeds" / "002_f535a4afee1ab158.txt").read_bytes(),
}
JSON_LINES = ("kaggle", "hf-archive", "hf-feed")
SOURCE = "mutated"


def parse(fmt: str, data: bytes) -> list[PaperRecord | Rejection]:
    """Every item the parser yields, each record through the import's checks; InvalidInput
    (a file no longer its format) is the one error allowed out."""
    page_date = None
    if fmt == "hf-page":
        from datetime import date

        page_date = date(2025, 12, 10)
    out: list[PaperRecord | Rejection] = []
    for item in parser_for(fmt, page_date, max_line=64 * 1024)(io.BytesIO(data), SOURCE):
        if isinstance(item, PaperRecord):
            checked, _ = check(item, SOURCE)
            out.append(checked)
        else:
            assert isinstance(item, Rejection) and item.where and item.reason, item
            out.append(item)
    return out


def parse_or_refuse(fmt: str, data: bytes) -> list[PaperRecord | Rejection] | None:
    try:
        return parse(fmt, data)
    except InvalidInput as exc:
        assert str(exc).startswith(SOURCE), exc  # names the file
        return None


# -- mutations of the bytes ------------------------------------------------------------------------


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(st.sampled_from(sorted(RECORDINGS)))
    data = bytearray(RECORDINGS[fmt])
    if draw(st.booleans()):
        data = bytearray(gzip.compress(bytes(data)))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cut", "flip", "junk", "delete"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "cut":
            del data[at:]
        elif kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "junk":
            junk = draw(
                st.binary(min_size=1, max_size=64) | st.sampled_from([b"\x00" * 9, b"\n\n"])
            )
            data[at:at] = junk
        else:
            del data[at : at + draw(st.integers(1, 200))]
    return fmt, bytes(data)


@given(damaged())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_damaged_bytes_never_raise_anything_but_a_named_refusal(case: tuple[str, bytes]) -> None:
    fmt, data = case
    parse_or_refuse(fmt, data)


# -- mutations of one record -----------------------------------------------------------------------

WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.just("x" * 100_000),
    st.just("\x00\x01\ud800"),
    st.just("javascript:alert(1)"),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just([[[[[[[[[[[]]]]]]]]]]]),
)


def same_record(now: PaperRecord | Rejection, was: PaperRecord | Rejection) -> bool:
    """Equal, but for a listing's rank: a line that cannot be read holds no place on its list,
    so the ranks after it move up by one."""
    records = isinstance(now, PaperRecord) and isinstance(was, PaperRecord)
    if records and now.listing and was.listing:
        return dataclasses.replace(now, listing=was.listing) == was
    return now == was


@given(st.sampled_from(JSON_LINES), st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_one_bad_line_is_one_rejection_and_every_other_record_is_kept(
    fmt: str, data: st.DataObject
) -> None:
    lines = RECORDINGS[fmt].splitlines(keepends=True)
    number = data.draw(st.integers(0, len(lines) - 1))
    record = json.loads(lines[number])
    key = data.draw(st.sampled_from(sorted(record)))
    record[key] = data.draw(WRONG_VALUES)
    mutated = [*lines[:number], json.dumps(record).encode() + b"\n", *lines[number + 1 :]]
    before = parse(fmt, b"".join(lines))
    after = parse(fmt, b"".join(mutated))
    # The line's own item changed, into another record or one rejection naming it.
    assert len(after) == len(before)
    for index, (was, now) in enumerate(zip(before, after, strict=True)):
        if index == number:
            # Refused by the parser (at its line) or by the import's checks (by its id).
            places = (f"line {number + 1}", getattr(was, "arxiv_id", None))
            assert isinstance(now, PaperRecord) or now.where in places, now
        else:
            assert same_record(now, was), index


@given(st.data())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_one_bad_entry_of_a_daily_list_is_one_rejection(data: st.DataObject) -> None:
    items = json.loads(RECORDINGS["hf-daily"])
    number = data.draw(st.integers(0, len(items) - 1))
    mutated = copy.deepcopy(items)
    target = data.draw(st.sampled_from(["item", "paper"]))
    holder = mutated[number] if target == "item" else mutated[number]["paper"]
    holder[data.draw(st.sampled_from(sorted(holder)))] = data.draw(WRONG_VALUES)
    before = parse("hf-daily", json.dumps(items).encode())
    after = parse("hf-daily", json.dumps(mutated).encode())
    assert len(after) == len(before)
    for index, (was, now) in enumerate(zip(before, after, strict=True)):
        if index == number:
            places = (f"entry {number + 1}", getattr(was, "arxiv_id", None))
            assert isinstance(now, PaperRecord) or now.where in places, now
        else:
            assert same_record(now, was), index


def _abs_archive(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, body in members:
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
    return out.getvalue()


def _real_abs_members(count: int) -> list[tuple[str, bytes]]:
    members: list[tuple[str, bytes]] = []
    with tarfile.open(DATA / "arxiv-abs" / "arxiv-browse_test_abs_files.tar.gz") as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".abs") and "0509037" not in member.name:
                handle = archive.extractfile(member)
                assert handle is not None
                members.append((member.name, handle.read()))
            if len(members) == count:
                break
    return members


ABS_MEMBERS = _real_abs_members(20)


@given(st.integers(0, len(ABS_MEMBERS) - 1), st.binary(max_size=300), st.integers(0, 2000))
@settings(max_examples=150, deadline=None)
def test_one_bad_abs_file_in_an_archive_is_one_rejection(number: int, junk: bytes, at: int) -> None:
    name, body = ABS_MEMBERS[number]
    mutated = [*ABS_MEMBERS]
    mutated[number] = (name, body[:at] + junk + body[at + len(junk) :])
    before = parse_or_refuse("abs", _abs_archive(ABS_MEMBERS))
    after = parse_or_refuse("abs", _abs_archive(mutated))
    assert before is not None and after is not None and len(after) == len(before)
    for index, (was, now) in enumerate(zip(before, after, strict=True)):
        if index == number:
            assert isinstance(now, PaperRecord) or now.where in (name, getattr(was, "arxiv_id", 0))
        else:
            assert now == was


# -- through the hub, into a real store ---------------------------------------------------------


@pytest.fixture(scope="module")
def hubs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    made: list[Hub] = []

    def fresh() -> Hub:
        hub, _ = Hub.init(load_settings({"data_dir": tmp_path_factory.mktemp("mutated")}, {}))
        made.append(hub)
        return hub

    yield fresh
    for hub in made:
        hub.close()


@given(st.data())
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_every_good_record_of_a_damaged_file_is_stored(hubs: Any, data: st.DataObject) -> None:
    lines = RECORDINGS["kaggle"].splitlines(keepends=True)
    bad = data.draw(st.sets(st.integers(0, len(lines) - 1), max_size=5))
    mutated = [
        b"{" + line[: len(line) // 2] + b"\n" if i in bad else line for i, line in enumerate(lines)
    ]
    hub = hubs()
    summary = hub.import_stream(io.BytesIO(b"".join(mutated)), SOURCE, "kaggle")
    assert summary.rejected == len(bad)
    assert sorted(e.where for e in summary.errors) == sorted(f"line {i + 1}" for i in bad)
    good = [json.loads(line)["id"] for i, line in enumerate(lines) if i not in bad]
    assert summary.added == len(good)
    assert all(hub.find(arxiv_id) is not None for arxiv_id in good)
