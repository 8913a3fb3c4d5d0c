"""Tour: personalized PageRank on the bundled SNAP email graph, exact against random walks."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import polars as pl

from onstream.datasets import email_eu_core
from onstream.graph import Graph, PprMethod, ppr, ppr_top_k
from onstream.tour.registry import Section, TourContext


def run(ctx: TourContext) -> None:
    g = Graph.from_polars(email_eu_core())
    source = int(np.argmax(g.out_degrees()))
    ctx.note(
        f"SNAP email-Eu-core: {g.n_nodes:,} people, {g.n_edges:,} directed emails, "
        f"{g.dangling().size} people who never send (dangling). Personalized PageRank from the "
        f"most active sender (node {source}), teleport probability 0.15."
    )
    exact = ppr(g, source, tol=1e-12)
    truth = set(np.argsort(-exact)[:10].tolist())
    rows = []
    runs: list[tuple[str, PprMethod, dict[str, Any]]] = [
        ("power iteration, L1 <= 1e-8", "power", {"tol": 1e-8}),
        ("forward push, L1 <= 1e-8", "push", {"tol": 1e-8}),
        ("Monte Carlo, 10^5 walks (full path)", "montecarlo", {"walks": 100_000}),
        ("Monte Carlo, 10^5 walks (end point)", "montecarlo_endpoint", {"walks": 100_000}),
    ]
    for label, method, kw in runs:
        t0 = time.perf_counter()
        est = ppr(g, source, method=method, seed=1, **kw)
        dt = time.perf_counter() - t0
        top = set(np.argsort(-est)[:10].tolist())
        rows.append(
            {
                "method": label,
                "time (ms)": 1e3 * dt,
                "L1 error": float(np.abs(est - exact).sum()),
                "top-10 overlap": len(top & truth) / 10,
            }
        )
    ctx.table("Exact and walk-based PPR against a 1e-12 reference", pl.DataFrame(rows))
    ctx.table("Top 10 from the most active sender", ppr_top_k(g, source, 10, tol=1e-10))
    walks = np.array([1_000, 3_000, 10_000, 30_000, 100_000, 300_000])
    errors = {
        m: [float(np.abs(ppr(g, source, method=m, walks=int(w), seed=2) - exact).sum())
            for w in walks]
        for m in ("montecarlo", "montecarlo_endpoint")
    }  # fmt: skip

    def draw(ax: Any) -> None:
        for m, color in (("montecarlo", "tab:blue"), ("montecarlo_endpoint", "tab:orange")):
            label = "full path" if m == "montecarlo" else "end point"
            ax.loglog(walks, errors[m], "o-", color=color, label=label)
        ref = errors["montecarlo_endpoint"][0] * np.sqrt(walks[0] / walks)
        ax.loglog(walks, ref, "--", color="gray", lw=0.8, label="1/sqrt(walks)")
        ax.set_xlabel("walks")
        ax.set_ylabel("L1 error against exact PPR")
        ax.set_title("Monte Carlo PPR on email-Eu-core: error falls as 1/sqrt(walks)")
        ax.legend(fontsize=8)

    ctx.plot("graph_ppr_walks.png", draw)


SECTION = Section(key="graph", title="Graphs: personalized PageRank", order=50, run=run)
