"""The generic check every streaming object passes: pickle mid-stream, restore, continue, and
match an uninterrupted run step for step and byte for byte."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar


class Snapshotable(Protocol):
    def to_bytes(self) -> bytes: ...


T = TypeVar("T", bound=Snapshotable)
C = TypeVar("C")


def assert_resumes(
    make: Callable[[], T],
    feed: Callable[[T, C], object],
    chunks: Sequence[C],
    cut: int,
    restore: Callable[[bytes], T] | None = None,
) -> None:
    """Feed ``chunks[:cut]``, checkpoint (pickle, and ``restore(to_bytes())`` when given), feed the
    rest to the original, the copies and a fresh uninterrupted run; every step's return value and
    the final states must agree exactly."""
    uninterrupted = make()
    for chunk in chunks[:cut]:
        feed(uninterrupted, chunk)
    original = make()
    for chunk in chunks[:cut]:
        feed(original, chunk)
    copies = [pickle.loads(pickle.dumps(original))]
    if restore is not None:
        copies.append(restore(original.to_bytes()))
    for copy in copies:
        assert copy.to_bytes() == original.to_bytes(), "restored state differs from the original"
    for step, chunk in enumerate(chunks[cut:], start=cut):
        want = feed(uninterrupted, chunk)
        for obj in [original, *copies]:
            got = feed(obj, chunk)
            assert _same(got, want), f"step {step}: {got!r} != {want!r}"
    final = uninterrupted.to_bytes()
    for obj in [original, *copies]:
        assert obj.to_bytes() == final, "final state differs from the uninterrupted run"


def _same(a: object, b: object) -> bool:
    import numpy as np

    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    return a == b
