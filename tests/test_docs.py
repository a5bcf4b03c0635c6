"""The README's settings table says what the code does: every setting is in it, every row names a
setting that exists, with its environment variable and, where the table gives one, its default."""

from __future__ import annotations

import re
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from dailypapers.config import ENV_PREFIX, Settings

README = Path(__file__).resolve().parents[1] / "README.md"
_CODE = re.compile(r"`([^`]+)`")
# A default the table describes rather than spells out names a part of the installation.
_DESCRIBED = ("HOST", "PORT", "DATA_DIR")


def _rows() -> list[tuple[list[str], list[str], str]]:
    """(settings, environment variables, default cell) of each row of the settings table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows.append((_CODE.findall(cells[0]), _CODE.findall(cells[1]), cells[2]))
    return rows


def _default(name: str) -> Any:
    (found,) = [f for f in fields(Settings) if f.name == name]
    assert found.default is not MISSING
    return found.default


def test_every_setting_is_in_the_readme_and_every_row_is_a_setting() -> None:
    documented = [name for names, _, _ in _rows() for name in names]
    assert len(documented) == len(set(documented)), "a setting has two rows"
    assert set(documented) == {f.name for f in fields(Settings)}


def test_each_row_names_the_environment_variable_of_its_settings() -> None:
    for names, variables, _ in _rows():
        assert variables == [ENV_PREFIX + name.upper() for name in names], names


def test_the_defaults_the_table_spells_out_are_the_real_ones() -> None:
    checked = 0
    for names, _, cell in _rows():
        shown = _CODE.findall(cell)
        if len(shown) != len(names) or any(word in cell for word in _DESCRIBED):
            continue  # described in words ("SQLite file in the data dir", "empty: no email")
        for name, text in zip(names, shown, strict=True):
            assert text.removeprefix("./") == str(_default(name)), name
            checked += 1
    assert checked >= 25  # most rows spell their default out
