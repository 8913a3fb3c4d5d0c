"""Tour: eviction policies and LRU's miss-ratio curve on the bundled sprite trace."""

from __future__ import annotations

import time
from typing import Any

import polars as pl

from onstream.datasets import sprite_trace
from onstream.paging import CLASSICAL, Predictions, mrc, simulate
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
    frame = simulate(trace, CLASSICAL, sizes, seed=0)
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
    _predictions(ctx, trace)


SWEEP = (
    "lru",
    "marker",
    "lfd",
    "discard",
    "discard_random",
    "discard_robust",
    "mark_predict",
    "blind_oracle",
    "blind_oracle_robust",
    "predictive_marker",
    "lmarker",
    "lnonmarker",
)


def _predictions(ctx: TourContext, trace: Any) -> None:
    k = 200
    rates = [0.0, 0.02, 0.05, 0.1, 0.2, 0.4, 0.7, 1.0]
    ctx.note(
        f"Learning-augmented paging at k = {k}: each request carries a prediction, corrupted at a "
        "growing rate (bits flipped with probability p, both ways; next-arrival times get "
        "lognormal noise with sigma = 10p). With exact predictions the discard-bit algorithms "
        "(Antoniadis et al., ICML 2023) and BlindOracle match Belady; as predictions degrade "
        "they slide towards, and the robust combinations never far past, LRU and Marker."
    )
    rows = []
    with ctx.progress("prediction error sweep", total=len(rates)) as advance:
        for p in rates:
            spec = Predictions(wrong0=p, wrong1=p, sigma=10 * p)
            f = simulate(trace, SWEEP, [k], seed=1, predictions=spec)
            rows.append({"p": p, **dict(zip(f["policy"], f["miss_ratio"], strict=True))})
            advance(1)
    sweep = pl.DataFrame(rows)
    shown = [0.0, 0.05, 0.2, 0.4, 1.0]
    by_policy = pl.DataFrame(
        {"policy": list(SWEEP)}
        | {f"p={p:g}": [r[q] for q in SWEEP] for r in rows if (p := r["p"]) in shown}
    )
    ctx.table(f"Miss ratio against prediction error p (k = {k})", by_policy, floatfmt="{:.3f}")

    def draw(ax: Any) -> None:
        styles = {"lru": "k--", "marker": "k:", "lfd": "k-"}
        for policy in SWEEP:
            ax.plot(sweep["p"], sweep[policy], styles.get(policy, "o-"), ms=3, label=policy)
        ax.set_xlabel("prediction error rate p")
        ax.set_ylabel("miss ratio")
        ax.set_title(f"Consistency and robustness, sprite trace, k = {k}")
        ax.legend(fontsize=7, ncol=2)

    ctx.plot("paging_predictions.png", draw)


SECTION = Section(key="paging", title="Paging: eviction policies", order=20, run=run)
