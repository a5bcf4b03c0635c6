"""Every recording a parser reads, parsed again and compared with its golden file, field by field.

The golden files in tests/golden hold what each parser yields for each recording of
../shared/data and tests/data (see tests/golden_records.py for what they keep and leave out).
When a parser is meant to change its output, `python scripts/golden.py` writes them again and the
diff shows what changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import golden_records as golden

GOLDEN_FILES = golden.golden_files()


def _name(path: Path) -> str:
    return path.relative_to(golden.GOLDEN).as_posix()


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=_name)
def test_parser_still_yields_the_golden_items(path: Path, request: pytest.FixtureRequest) -> None:
    expected = golden.read(path)
    recording = golden.recording_of(expected)
    if recording.base == golden.SHARED:
        folder: Path = request.getfixturevalue("shared_data")
        file = recording.file(shared_data=folder)
    else:
        file = recording.file(test_data=request.getfixturevalue("test_data"))
    items, raised = golden.parse(recording, file)
    actual = golden.golden_document(recording, items, raised)
    found = golden.differences(expected, actual, items, raised)
    if found:
        pytest.fail(
            f"{recording.base}/{recording.path} no longer parses as {_name(path)} says"
            " (if the change is meant, run `python scripts/golden.py`):\n" + "\n".join(found),
            pytrace=False,
        )


def test_every_recording_has_its_golden_file(shared_data: Path, test_data: Path) -> None:
    """A new recording, or one now read differently (format, page date), needs its golden file."""
    expected = {golden.recording_of(golden.read(path)) for path in GOLDEN_FILES}
    found = set(golden.recordings(shared_data, test_data))
    missing = sorted(f"{r.base}/{r.path} as {r.format}" for r in found - expected)
    stale = sorted(f"{r.base}/{r.path} as {r.format}" for r in expected - found)
    assert not missing and not stale, (
        f"recordings without a golden file: {missing}; golden files of no recording: {stale}"
        " (run `python scripts/golden.py`)"
    )


def test_the_project_samples_have_golden_files_without_shared_data(test_data: Path) -> None:
    """The samples in tests/data are covered even where ../shared/data is absent."""
    expected = {golden.recording_of(golden.read(path)) for path in GOLDEN_FILES}
    assert set(golden.recordings(None, test_data)) <= expected


def test_golden_files_keep_no_free_text() -> None:
    """Abstracts and comments are kept as digests only; from recordings that may not be copied
    into the project, titles, authors and messages too."""
    for path in GOLDEN_FILES:
        document = golden.read(path)
        hidden = set(golden.LONG_TEXT)
        if document["text"] == "digests":
            hidden |= golden.RECORDING_TEXT
            assert document["raises"] is None or "sha256" in document["raises"], _name(path)
        for number, item in enumerate(document["items"]):
            ((_, fields),) = item.items()
            for name in hidden & fields.keys():
                value = fields[name]
                assert value is None or set(value) == {"sha256", "chars"}, (_name(path), number)
