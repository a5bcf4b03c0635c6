"""Write the parsers' golden expected results in tests/golden, or check them.

For every recording a parser reads (../shared/data and tests/data, as tests/golden_records.py
lists them), parse it and write what the parser yields, field by field, beside the others in
tests/golden. A file whose content is unchanged is left as it is; a golden file whose recording is
gone is removed. With --check nothing is written: the differences are listed and the exit status
is 1 when there are any.

Usage: python scripts/golden.py [--check] [--shared-data DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

# The code that makes golden forms is the tests' own, so that both judge a parse the same way.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import golden_records as golden


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list differences, write nothing")
    parser.add_argument("--shared-data", type=Path, default=golden.SHARED_DATA, metavar="DIR")
    args = parser.parse_args(argv)
    shared: Path = args.shared_data
    if not shared.is_dir():
        # Without it every golden file of a shared recording would look stale.
        print(f"real recordings not found at {shared}", file=sys.stderr)
        return 2
    try:
        found = golden.recordings(shared, golden.TEST_DATA)
    except golden.GoldenError as exc:
        print(exc, file=sys.stderr)
        return 2

    problems = 0
    written: set[Path] = set()
    for recording in found:
        items, raised = golden.parse(recording, recording.file(shared, golden.TEST_DATA))
        document = golden.golden_document(recording, items, raised)
        path = golden.GOLDEN / recording.golden_name(len(items))
        written.add(path)
        old, lines = _golden(path)
        if old == document:
            continue
        if args.check:
            problems += 1
            if old is not None:
                lines = golden.differences(old, document, items, raised)
            print(f"{path.relative_to(golden.ROOT)}:")
            print("".join(f"  {line}\n" for line in lines), end="")
        else:
            golden.write(path, document)
            print(f"wrote {path.relative_to(golden.ROOT)} ({len(items)} items)")
    for path in golden.golden_files():
        if path not in written:
            problems += 1
            print(f"{path.relative_to(golden.ROOT)}: no recording has this golden file any more")
            if not args.check:
                path.unlink()
    return 1 if args.check and problems else 0


def _golden(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The golden file at ``path``, or None and why not."""
    if not path.exists():
        return None, ["no golden file"]
    try:
        return golden.read(path), []
    except (OSError, ValueError) as exc:  # a file broken by hand is written again, or reported
        return None, [f"unreadable golden file: {exc}"]


if __name__ == "__main__":
    sys.exit(main())
