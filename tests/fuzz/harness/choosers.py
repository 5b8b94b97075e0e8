"""Where a mutator's choices come from: a seeded RNG (the long run) or Hypothesis draws
(the short run, so a failure shrinks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Chooser(Protocol):
    """Where a mutator's choices come from (a seeded RNG, or Hypothesis draws)."""

    def below(self, n: int) -> int:
        """An integer in ``[0, n)`` (0 when ``n <= 1``)."""
        ...

    def raw(self, size: int) -> bytes:
        """``size`` arbitrary bytes."""
        ...


class RandomChooser:
    def __init__(self, seed: str) -> None:
        import random

        self._rng = random.Random(seed)

    def below(self, n: int) -> int:
        return self._rng.randrange(n) if n > 1 else 0

    def raw(self, size: int) -> bytes:
        return self._rng.randbytes(size)


def pick(items: Sequence[Any], c: Chooser) -> Any:
    return items[c.below(len(items))]


class DrawChooser:
    """Choices drawn from Hypothesis, so a failing input shrinks to fewer, smaller edits."""

    def __init__(self, data: Any) -> None:  # hypothesis.strategies.DataObject
        from hypothesis import strategies as st

        self._data = data
        self._st = st

    def below(self, n: int) -> int:
        return 0 if n <= 1 else int(self._data.draw(self._st.integers(0, n - 1)))

    def raw(self, size: int) -> bytes:
        return bytes(self._data.draw(self._st.binary(min_size=size, max_size=size)))
