"""Tour: representative handwritten digits by facility location, and a summary of a sliding window
kept by the fully dynamic algorithm against recompute-greedy."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl

from onstream.datasets import digits
from onstream.submodular import DynamicMaximizer, FacilityLocation, FeatureBased, maximize
from onstream.tour.registry import Section, TourContext


def run(ctx: TourContext) -> None:
    images, labels = digits()
    x = images.reshape(len(images), -1).astype(np.float64)
    k = 10
    ctx.note(
        f"UCI handwritten digits (bundled): {len(x):,} images of 8 x 8 pixels. Facility location "
        f"with apricot's euclidean similarity picks {k} images that represent all the others."
    )
    fl = FacilityLocation.from_features(x)
    rows = []
    picks: dict[str, Any] = {}
    for opt in ("naive", "lazy", "stochastic", "sieve++"):
        t0 = time.perf_counter()
        sel = maximize(fl, k, opt, epsilon=0.05, seed=0)
        dt = time.perf_counter() - t0
        picks[opt] = sel
        rows.append(
            {
                "optimizer": opt,
                "time (ms)": 1e3 * dt,
                "f(S)": sel.value,
                "of greedy": sel.value / picks["naive"].value,
                "oracle calls": sel.oracle_calls,
                "labels picked": len(set(labels[sel.indices].tolist())),
            }
        )
    ctx.table(f"Choosing {k} representative digits", pl.DataFrame(rows))
    chosen = picks["lazy"].indices

    def draw_digits(ax: Any) -> None:
        strip = np.concatenate([images[i] for i in chosen], axis=1)
        ax.imshow(strip, cmap="gray_r", interpolation="nearest")
        ax.set_xticks(4 + 8 * np.arange(k), [str(labels[i]) for i in chosen])
        ax.set_yticks([])
        ax.set_title(f"{k} representative digits (lazy greedy, facility location), in pick order")

    ctx.plot("submodular_digits.png", draw_digits)

    # A stream of the images in their published order; the summary covers the last `window`.
    window, k2 = 300, 10
    stroke = FeatureBased(x / 16.0, "sqrt")
    dyn = DynamicMaximizer(stroke, k2, epsilon=0.1, seed=0)
    ref = DynamicMaximizer(stroke, k2, method="recompute")
    steps, dyn_v, ref_v = [], [], []
    with ctx.progress("sliding window over the digit stream", total=len(x)) as tick:
        for t in range(len(x)):
            for m in (dyn, ref):
                m.insert(t)
                if t >= window:
                    m.delete(t - window)
            if t % 10 == 0:
                steps.append(t)
                dyn_v.append(dyn.value)
                ref_v.append(ref.value)
            tick(1)
    ratio = np.array(dyn_v) / np.array(ref_v)
    updates = 2 * len(x) - window
    ctx.table(
        f"Sliding window of {window} images, k = {k2}, feature-based (sqrt of pixel mass)",
        pl.DataFrame(
            {
                "method": ["fully dynamic (Banihashem et al. 2023)", "recompute lazy greedy"],
                "oracle calls / update": [dyn.oracle_calls / updates, ref.oracle_calls / updates],
                "mean f(S)": [float(np.mean(dyn_v)), float(np.mean(ref_v))],
                "worst f(S) / greedy": [float(ratio.min()), 1.0],
            }
        ),
    )

    def draw_window(ax: Any) -> None:
        ax.plot(steps, ref_v, label="recompute greedy (1 - 1/e)", color="tab:gray")
        ax.plot(steps, dyn_v, label="fully dynamic (1/2 - eps)", color="tab:blue")
        ax.set_xlabel("images streamed")
        ax.set_ylabel("f(S) over the window")
        ax.set_title(f"Summary of a sliding window of {window} digits (k = {k2})")
        ax.legend(fontsize=8)

    ctx.plot("submodular_window.png", draw_window)


SECTION = Section(
    key="submodular", title="Submodular: representative digits and a dynamic summary", order=60,
    run=run,
)  # fmt: skip
