"""Golden expected results of the parsers: which recordings they cover and each item's golden form.

Beside every recording a parser reads, ``tests/golden/`` holds what the parser yields for it, field
by field, as JSON. ``tests/sources/test_golden.py`` parses each recording again and compares;
``scripts/golden.py`` writes the files. Both turn parsed items into golden form with
``golden_document`` here, and compare with ``differences``.

The golden files live in the project, most recordings do not (``../shared/data``, whose README
says what may be copied in). So long free text (abstracts, comments) is kept only as a digest and
its length; for the recordings that may not be copied at all, every text taken from them is.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import gzip
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dailypapers.errors import InvalidInput
from dailypapers.models import Listing, Notice, PaperRecord, Rejection, Version
from dailypapers.sources.formats import parser_for

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = ROOT / "tests" / "data"

# How a golden file names the folder its recording is in, relative to the project root.
SHARED = "../shared/data"
PROJECT = "tests/data"
# The project's own samples get a folder of their own among the golden files.
PROJECT_GOLDEN = "tests-data"

# The folders of ../shared/data that hold recordings a parser reads: every file in them (but
# licences and READMEs) must match a rule below and have a golden file.
SHARED_FOLDERS = (
    "seeds",
    "arxiv-api-atom/xml",
    "arxiv-oaipmh/xml",
    "arxiv-kaggle",
    "arxiv-abs",
    "hf-papers",
)


@dataclass(frozen=True)
class Rule:
    """Which parser reads the files matching ``pattern``, and how much of their text may be kept."""

    pattern: str
    format: str
    # The data README says the file may not be copied into the project: no text from it is kept.
    restricted: bool = False


SHARED_RULES = (
    Rule("seeds/*.txt", "hf-page"),
    Rule("arxiv-api-atom/xml/*.xml", "arxiv-atom"),
    # Every body, not only the ListRecords and GetRecord ones: the golden files also pin that the
    # parser yields nothing for header lists and refuses Identify, ListSets and the like.
    Rule("arxiv-oaipmh/xml/*.xml", "oai-pmh", restricted=True),
    Rule("arxiv-kaggle/*.jsonl", "kaggle"),
    Rule("arxiv-abs/*.tar.gz", "abs"),
    Rule("hf-papers/misaki-wang_*.jsonl", "hf-archive"),
    Rule("hf-papers/lianghsun_*.jsonl", "hf-archive", restricted=True),
    Rule("hf-papers/*feed_history*.jsonl.gz", "hf-feed"),
)
PROJECT_RULES = (
    Rule("*.xml", "oai-pmh"),
    Rule("*.json", "hf-daily"),
)

# The day each saved HF page was saved: its dates without a year are in that day's year.
PAGE_DATES = {
    "seeds/000_a698594fd367af3c.txt": date(2025, 10, 29),
    "seeds/001_ab32788f6e812e41.txt": date(2025, 10, 31),
    "seeds/002_f535a4afee1ab158.txt": date(2025, 12, 10),
}

# Free text of a record: kept as digest and length, never as written.
LONG_TEXT = frozenset({"abstract", "comments"})
# Text a restricted recording gives besides: a digest too. What stays is ids, numbers, dates,
# categories, DOIs, licences and links.
RECORDING_TEXT = frozenset({"title", "authors", "journal_ref", "reason", "raises"})

# Golden files of more items than this are gzipped, to keep the folder small.
GZIP_ABOVE = 500


class GoldenError(Exception):
    """A recording the golden files cannot cover as they stand (no rule, no page date)."""


@dataclass(frozen=True)
class Recording:
    """One recording a parser reads, and how it is parsed."""

    base: str  # SHARED or PROJECT
    path: str  # relative to base, with "/"
    format: str
    page_date: date | None = None
    restricted: bool = False

    def file(self, shared_data: Path = SHARED_DATA, test_data: Path = TEST_DATA) -> Path:
        return (shared_data if self.base == SHARED else test_data) / self.path

    def golden_name(self, items: int) -> str:
        """The golden file's path in ``tests/golden``: the recording's own path, plus .json."""
        folder = "" if self.base == SHARED else PROJECT_GOLDEN + "/"
        return f"{folder}{self.path}.json" + (".gz" if items > GZIP_ABOVE else "")


def recordings(
    shared_data: Path | None = SHARED_DATA, test_data: Path = TEST_DATA
) -> list[Recording]:
    """Every recording a parser reads, in ``../shared/data`` (unless None) and ``tests/data``."""
    found = [_recording(PROJECT, path, test_data, PROJECT_RULES) for path in _files(test_data)]
    if shared_data is not None:
        for folder in SHARED_FOLDERS:
            for path in _files(shared_data / folder):
                found.append(_recording(SHARED, path, shared_data, SHARED_RULES))
    return sorted(found, key=lambda r: (r.base, r.path))


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.startswith(("LICENSE", "README")):
            yield path


def _recording(base: str, path: Path, root: Path, rules: Sequence[Rule]) -> Recording:
    relative = path.relative_to(root).as_posix()
    rule = next((r for r in rules if fnmatch.fnmatch(relative, r.pattern)), None)
    if rule is None:
        raise GoldenError(f"{base}/{relative}: no rule says which parser reads it")
    page_date = None
    if rule.format == "hf-page":
        if relative not in PAGE_DATES:
            raise GoldenError(f"{base}/{relative}: the day the page was saved is not in PAGE_DATES")
        page_date = PAGE_DATES[relative]
    return Recording(base, relative, rule.format, page_date, rule.restricted)


def recording_of(document: dict[str, Any]) -> Recording:
    """The recording a golden document describes, read back from its header."""
    page_date = document["page_date"]
    return Recording(
        base=document["base"],
        path=document["recording"],
        format=document["format"],
        page_date=date.fromisoformat(page_date) if page_date else None,
        restricted=document["text"] == "digests",
    )


# -- parsing and golden form ------------------------------------------------------------------

Item = PaperRecord | Rejection | Notice


def parse(recording: Recording, file: Path) -> tuple[list[Item], InvalidInput | None]:
    """What the recording's parser yields for ``file``, and the refusal it ended with, if any."""
    items: list[Item] = []
    parser = parser_for(recording.format, recording.page_date)
    try:
        with file.open("rb") as stream:
            items.extend(parser(stream, recording.path))
    except InvalidInput as exc:  # the parser's refusal of the whole file is part of its answer
        return items, exc
    return items, None


def golden_document(
    recording: Recording, items: Sequence[Item], raised: Exception | None
) -> dict[str, Any]:
    """The golden file's content for what a parser made of ``recording``."""
    return {
        "recording": recording.path,
        "base": recording.base,
        "format": recording.format,
        "page_date": recording.page_date.isoformat() if recording.page_date else None,
        "text": "digests" if recording.restricted else "facts",
        "items": [golden_item(item, recording.restricted) for item in items],
        "raises": None if raised is None else _kept("raises", str(raised), recording.restricted),
    }


def golden_item(item: Item, restricted: bool) -> dict[str, Any]:
    """One parsed item in golden form: ``{"record": ...}``, ``{"rejection": ...}`` or
    ``{"notice": ...}``, with every field of it."""
    if isinstance(item, PaperRecord):
        record = {
            field.name: _kept(field.name, getattr(item, field.name), restricted)
            for field in dataclasses.fields(PaperRecord)
        }
        return {"record": record}
    kind = "rejection" if isinstance(item, Rejection) else "notice"
    return {kind: {name: _kept(name, value, restricted) for name, value in item.as_dict().items()}}


def _kept(name: str, value: Any, restricted: bool) -> Any:
    if value is None:
        return None
    if name in LONG_TEXT or (restricted and name in RECORDING_TEXT):
        return digest("\n".join(value) if isinstance(value, tuple) else value)
    return _plain(value)


def digest(text: str) -> dict[str, Any]:
    """Text as golden files keep it: a digest (16 hex digits of its SHA-256) and its length."""
    return {"sha256": hashlib.sha256(text.encode()).hexdigest()[:16], "chars": len(text)}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Version):
        return {"version": value.version, "created": _plain(value.created)}
    if isinstance(value, Listing):
        return {
            field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


# -- files ------------------------------------------------------------------------------------


def dumps(document: dict[str, Any]) -> str:
    """The golden file's text: one item a line (keys sorted), so a diff shows which items moved."""
    lines = ["{"]
    for key in sorted(document):
        if key == "items":
            continue
        lines.append(f"  {json.dumps(key)}: {_compact(document[key])},")
    items = [f"    {_compact(item)}" for item in document["items"]]
    lines.append('  "items": [' + ("\n" + ",\n".join(items) + "\n  ]" if items else "]"))
    return "\n".join(lines) + "\n}\n"


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = dumps(document).encode()
    # No timestamp in the gzip header: the same results give the same bytes.
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def read(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    document: dict[str, Any] = json.loads(gzip.decompress(data) if path.suffix == ".gz" else data)
    return document


def golden_files(golden: Path = GOLDEN) -> list[Path]:
    return sorted(p for p in golden.rglob("*") if p.name.endswith((".json", ".json.gz")))


# -- comparing --------------------------------------------------------------------------------


def differences(
    expected: dict[str, Any],
    actual: dict[str, Any],
    items: Sequence[Item] = (),
    raised: Exception | None = None,
    limit: int = 5,
) -> list[str]:
    """What differs between two golden documents: the header, then item by item, field by field
    (the first ``limit`` differing items). ``items`` and ``raised`` are the parse ``actual`` was
    made of; with them a text kept as a digest is shown as it reads now."""
    found = []
    for key in sorted(expected.keys() | actual.keys()):
        old, new = expected.get(key), actual.get(key)
        if key != "items" and old != new:
            line = f"{key}: golden {_compact(old)}, now {_compact(new)}"
            if key == "raises" and isinstance(new, dict) and raised is not None:
                line += f" (now reads {str(raised)[:160]!r})"
            found.append(line)
    old, new = expected["items"], actual["items"]
    if len(old) != len(new):
        found.append(f"{len(old)} items golden, {len(new)} now")
    pairs = _unequal(old, new) if old != new else []
    for golden_at, now_at in pairs[:limit]:
        found.extend(
            _item_differences(
                golden_at,
                now_at,
                None if golden_at is None else old[golden_at],
                None if now_at is None else new[now_at],
                items[now_at] if now_at is not None and now_at < len(items) else None,
            )
        )
    if len(pairs) > limit:
        found.append(f"... and {len(pairs) - limit} more items differ")
    return found


def _unequal(old: list[Any], new: list[Any]) -> list[tuple[int | None, int | None]]:
    """The places of the items that differ, golden and now, matched up by what names them (arXiv
    id, title, place): an item the parser no longer yields, or yields anew, stands alone, so the
    items after it do not all differ."""
    matcher = difflib.SequenceMatcher(
        None, [_name(item) for item in old], [_name(item) for item in new], autojunk=False
    )
    pairs: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        common = min(i2 - i1, j2 - j1)
        pairs += [(i1 + k, j1 + k) for k in range(common) if old[i1 + k] != new[j1 + k]]
        if tag != "equal":
            pairs += [(i, None) for i in range(i1 + common, i2)]
            pairs += [(None, j) for j in range(j1 + common, j2)]
    return pairs  # in the order of the items


# Fields in the order messages list them: the record's own, then a rejection's or notice's.
_FIELD_ORDER = [f.name for f in dataclasses.fields(PaperRecord)] + ["source", "where", "reason"]


def _field_place(name: str) -> tuple[int, str]:
    return (_FIELD_ORDER.index(name) if name in _FIELD_ORDER else len(_FIELD_ORDER), name)


def _item_differences(
    golden_at: int | None,
    now_at: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    parsed: Item | None,
) -> list[str]:
    if before is None or after is None:
        where = f"item {now_at} now" if before is None else f"golden item {golden_at}"
        return [f"{where} ({_name(before or after)}) only: {_compact(before or after)}"]
    label = f"item {golden_at}" + ("" if golden_at == now_at else f" (now {now_at})")
    label += f" ({_name(before)})"
    ((kind, fields_before),) = before.items()
    ((kind_now, fields_after),) = after.items()
    if kind != kind_now:
        return [f"{label}: golden {_compact(before)}, now {_compact(after)}"]
    names = fields_before.keys() | fields_after.keys()
    lines = []
    for name in sorted(names, key=_field_place):
        old, new = fields_before.get(name), fields_after.get(name)
        if old == new:
            continue
        line = f"{label} {kind} field {name!r}: golden {_compact(old)}, now {_compact(new)}"
        raw = _raw(parsed, name) if isinstance(new, dict) and "sha256" in new else None
        if raw is not None:
            line += f" (now reads {raw[:80]!r})"
        lines.append(line)
    return lines


def _name(item: dict[str, Any] | None) -> str:
    """How an item is named in a message: its arXiv id, else its title, else where it was."""
    if item is None:
        return "none"
    ((kind, fields),) = item.items()
    if kind != "record":
        return f"{kind} at {fields.get('where')!r}"
    if fields.get("arxiv_id"):
        return str(fields["arxiv_id"])
    title = fields.get("title")
    return f"title {title[:60]!r}" if isinstance(title, str) else f"title {_compact(title)}"


def _raw(parsed: Item | None, name: str) -> str | None:
    """The text a digest was made of, as the parser gave it now."""
    value = getattr(parsed, name, None) if parsed is not None else None
    if isinstance(value, tuple):
        return "\n".join(map(str, value))
    return value if isinstance(value, str) else None
