"""Tour: reservoir sampling over the bundled sprite cache trace."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from onstream.datasets import sprite_trace
from onstream.stream import Reservoir
from onstream.tour.registry import Section, TourContext


def run(ctx: TourContext) -> None:
    trace = sprite_trace()
    n, k, runs = len(trace), 1000, 300
    ctx.note(
        f"A uniform sample of k = {k} of the {n:,} requests of the LIRS sprite trace (Algorithm L, "
        f"Li 1994), repeated with {runs} seeds. Each request is kept with probability k/N, so each "
        "tenth of the trace should hold a tenth of every sample, and the sample's block popularity "
        "should track the trace's."
    )
    positions = np.arange(n, dtype=np.int64)
    per_decile = np.zeros(10)
    with ctx.progress("reservoir samples", total=runs) as advance:
        for seed in range(runs):
            r = Reservoir(k, seed=seed)
            r.push_many(positions)
            per_decile += np.bincount(r.sample() * 10 // n, minlength=10)
            advance(1)
    mean = per_decile / runs
    sd = np.sqrt(k * 0.1 * 0.9 * (n - k) / (n - 1) / runs)
    ctx.table(
        "Items per tenth of the trace, mean over seeds (expected k/10)",
        pl.DataFrame(
            {
                "tenth": [f"{d + 1}" for d in range(10)],
                "mean in sample": mean,
                "expected": np.full(10, k / 10),
                "z": (mean - k / 10) / sd,
            }
        ),
        floatfmt="{:.2f}",
    )

    r = Reservoir(k, seed=2024)
    r.push_many(trace)
    blocks, full_counts = np.unique(trace, return_counts=True)
    order = np.argsort(-full_counts)
    sample_blocks, sample_counts = np.unique(r.sample(), return_counts=True)
    est = np.zeros(len(blocks))
    est[np.searchsorted(blocks, sample_blocks)] = sample_counts * n / k
    top = order[:8]
    ctx.table(
        "Most requested blocks: true count and the estimate from one sample",
        pl.DataFrame(
            {
                "block": blocks[top],
                "requests": full_counts[top],
                "estimate (count × N/k)": est[top],
            }
        ),
        floatfmt="{:.0f}",
    )

    def draw(ax: Any) -> None:
        ranks = np.arange(1, len(blocks) + 1)
        ax.loglog(ranks, full_counts[order] / n, label="whole trace")
        nz = est[order] > 0
        ax.loglog(ranks[nz], est[order][nz] / n, ".", ms=3, label=f"one sample of {k}")
        ax.set_xlabel("block rank")
        ax.set_ylabel("share of requests")
        ax.set_title("sprite trace popularity")
        ax.legend()

    ctx.plot("reservoir_popularity.png", draw)


SECTION = Section(key="stream", title="Streaming: reservoir sampling", order=10, run=run)
