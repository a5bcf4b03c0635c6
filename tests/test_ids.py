"""arXiv ids and paper URLs."""

from __future__ import annotations

import pytest

from dailypapers.errors import InvalidInput
from dailypapers.ids import is_arxiv_id, parse_reference, split_version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2501.00001", ("2501.00001", None)),
        ("2501.00001v3", ("2501.00001", 3)),
        ("0808.05394", ("0808.05394", None)),
        ("arXiv:1706.03762v7", ("1706.03762", 7)),
        ("quant-ph/0201082v1", ("quant-ph/0201082", 1)),
        ("math.GT/0309136", ("math.GT/0309136", None)),
        ("https://arxiv.org/abs/2104.12255v1", ("2104.12255", 1)),
        ("https://arxiv.org/pdf/2104.12255", ("2104.12255", None)),
        ("http://arxiv.org/abs/astro-ph/0601001", ("astro-ph/0601001", None)),
        ("https://huggingface.co/papers/2601.23265", ("2601.23265", None)),
        ("  https://hf.co/papers/2601.23265?x=1 ", ("2601.23265", None)),
    ],
)
def test_references(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize("text", ["abc", "2501.1", "https://example.org/", "1706.03762vX", ""])
def test_not_ids(text: str) -> None:
    assert not is_arxiv_id(text)
    with pytest.raises(InvalidInput, match="not an arXiv id"):
        parse_reference(text)
    with pytest.raises(InvalidInput):
        split_version(text)
