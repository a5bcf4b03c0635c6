"""Things held open until closed (an index, a connection, a hub): ``with`` closes them, however
its block ends."""

from __future__ import annotations

from typing import Self


class Closing:
    """A ``with`` statement's protocol over ``close``, which a subclass defines."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
