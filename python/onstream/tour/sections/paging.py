"""Tour: eviction policies and LRU's miss-ratio curve on the bundled sprite trace."""

from __future__ import annotations

import time
from typing import Any

import polars as pl

from onstream.datasets import sprite_trace
from onstream.paging import POLICIES, mrc, simulate
from onstream.tour.registry import Section, TourContext


def run(ctx: TourContext) -> None:
    trace = sprite_trace()
    sizes = [50, 100, 200, 500, 1000, 2000]
    ctx.note(
        f"Every policy at {len(sizes)} cache sizes over the LIRS sprite trace "
        f"({len(trace):,} requests, {len(set(trace.tolist())):,} blocks), simulated in Rust with "
        "the grid's cells in parallel. LFD (Belady) is the offline optimum: no policy beats it."
    )
    t0 = time.perf_counter()
    frame = simulate(trace, POLICIES, sizes, seed=0)
    elapsed = time.perf_counter() - t0
    wide = frame.pivot(on="size", index="policy", values="miss_ratio")
    ctx.table("Miss ratio by policy (rows) and cache size (columns)", wide, floatfmt="{:.3f}")
    rate = int(frame["requests"].sum()) / elapsed / 1e6
    ctx.note(f"{len(frame)} simulations, {rate:.1f} M requests/s in all.")

    t0 = time.perf_counter()
    curve = mrc(trace)
    t_mrc = time.perf_counter() - t0
    ctx.note(
        f"LRU's miss-ratio curve at all {curve.height:,} sizes in one pass "
        f"(Mattson stack distances): {1e3 * t_mrc:.0f} ms."
    )

    def draw(ax: Any) -> None:
        ax.plot(curve["size"], curve["miss_ratio"], color="black", lw=1, label="LRU (all sizes)")
        for policy in ("fifo", "arc", "sieve", "lfu", "lfd"):
            rows = frame.filter(pl.col("policy") == policy)
            ax.plot(rows["size"], rows["miss_ratio"], "o--", ms=4, label=policy)
        ax.set_xscale("log")
        ax.set_xlim(10, curve.height)
        ax.set_xlabel("cache size (blocks)")
        ax.set_ylabel("miss ratio")
        ax.set_title("sprite trace")
        ax.legend(fontsize=8)

    ctx.plot("paging_mrc.png", draw)


SECTION = Section(key="paging", title="Paging: eviction policies", order=20, run=run)
