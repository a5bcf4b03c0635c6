"""Files written so that a crash at any moment leaves the old file or the new one, whole."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def replace_durably(temporary: Path, path: Path) -> None:
    """Move the written file ``temporary`` over ``path``: its bytes reach the disk first, then
    the rename, then the directory entry that makes the rename last."""
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_json(path: Path, data: Any) -> None:
    """``data`` as the JSON file ``path``, replaced durably."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    replace_durably(temporary, path)
