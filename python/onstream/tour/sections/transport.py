"""Tour: optimal transport between the colour palettes of two bundled photographs, Sinkhorn
against Sinkhorn-Newton-Sparse to the same accuracy, and the colour transfer it gives."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl

from onstream.datasets import ocean_images
from onstream.ot import TransportResult, color_transfer, sinkhorn
from onstream.ot.color import palette
from onstream.tour.registry import Section, TourContext

REG = 1e-3
TOL = 1e-9


def run(ctx: TourContext) -> None:
    try:
        day, sunset = ocean_images()
    except ImportError as e:
        ctx.note(f"(skipped: {e})")
        return
    _, xs, wa = palette(day / 255.0, 16)
    _, ys, wb = palette(sunset / 255.0, 16)
    ctx.note(
        f"Two photographs of the sea (POT's example images): {len(xs)} and {len(ys)} occupied "
        f"colour bins on a 16³ RGB grid. Entropic OT between the two palettes, squared RGB "
        f"distance, reg = {REG}, solved to a marginal error of {TOL:g} on both sides."
    )
    runs: dict[str, tuple[TransportResult, float]] = {}
    for method in ("log", "sns"):
        t0 = time.perf_counter()
        res = sinkhorn(wa, wb, x=xs, y=ys, reg=REG, method=method, tol=TOL)
        runs[method] = (res, time.perf_counter() - t0)
    names = {"log": "Sinkhorn (log)", "sns": "SNS"}
    ctx.table(
        "Same problem, same accuracy",
        pl.DataFrame(
            [
                {
                    "method": names[m],
                    "iterations": r.n_iter,
                    "Newton": r.newton_iter,
                    "passes": r.passes,
                    "error": r.marginal_error,
                    "cost": r.cost,
                    "time (s)": t,
                }
                for m, (r, t) in runs.items()
            ]
        ),
        floatfmt="{:.3g}",
    )

    def convergence(ax: Any) -> None:
        for m, color in (("log", "tab:orange"), ("sns", "tab:blue")):
            res = runs[m][0]
            # The log holds the error each iteration started from; the last point is the result.
            work = [*res.log["work"].to_list(), res.work]
            err = [*res.log["marginal_error"].to_list(), res.marginal_error]
            ax.semilogy(work, err, color=color, label=names[m])
        ax.axhline(TOL, color="gray", lw=0.8, ls="--")
        ax.set_xscale("log")
        ax.set_xlabel("work (dense passes over the cost, sparse products included)")
        ax.set_ylabel("marginal error (L1)")
        ax.set_title(f"Palette OT, reg = {REG}: error against work")
        ax.legend(fontsize=8)

    ctx.plot("transport_convergence.png", convergence)
    small_day, small_sunset = day[::2, ::2], sunset[::2, ::2]
    recoloured = color_transfer(small_day, small_sunset, bins=16, reg=REG)

    def images(ax: Any) -> None:
        h = min(small_day.shape[0], small_sunset.shape[0])
        gap = np.full((h, 12, 3), 255, dtype=np.uint8)
        strip = np.concatenate([small_day[:h], gap, recoloured[:h], gap, small_sunset[:h]], axis=1)
        ax.imshow(strip)
        ax.set_axis_off()
        ax.set_title("day  →  day in the sunset's colours (OT colour transfer)  ←  sunset")

    ctx.plot("transport_colours.png", images)


SECTION = Section(
    key="transport", title="Optimal transport: Sinkhorn and Sinkhorn-Newton-Sparse", order=40,
    run=run,
)  # fmt: skip
