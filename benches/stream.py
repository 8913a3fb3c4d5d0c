"""Bench: reservoir sampling of a stream, onstream (Algorithm L) against what a user would write
instead: NumPy's ``Generator.choice`` on the materialized stream, and Algorithm R in Python."""

from __future__ import annotations

import os
import random
import sys
from functools import partial

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Bench

from onstream.datasets import sprite_trace
from onstream.stream import Reservoir


def algorithm_r(items: list[int], k: int, rnd: random.Random) -> list[int]:
    sample = items[:k]
    for i in range(k, len(items)):
        j = rnd.randrange(i + 1)
        if j < k:
            sample[j] = items[i]
    return sample


def main() -> None:
    bench = Bench("stream: reservoir sampling")
    bench.header()
    trace = sprite_trace()
    stream = np.tile(trace, 1 if bench.quick else 20)
    as_list = stream.tolist()
    for k in (100, 10_000):

        def ours(k: int = k) -> None:
            r = Reservoir(k, seed=1)
            r.push_many(stream)

        bench.compare(
            f"{len(stream):,} items, k={k}",
            ours,
            "numpy choice",
            partial(np.random.default_rng(1).choice, stream, k, replace=False),
            note="peer needs the whole stream in memory",
        )
        bench.compare(
            f"{len(stream):,} items, k={k}",
            ours,
            "python Algorithm R",
            partial(algorithm_r, as_list, k, random.Random(1)),
        )
    bench.finish()


if __name__ == "__main__":
    main()
