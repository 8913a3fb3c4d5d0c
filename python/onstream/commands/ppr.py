"""``onstream ppr EDGES --source S``: top personalized PageRank scores from an edge-list file."""

from __future__ import annotations

import argparse

from onstream.commands.registry import Command


def _add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "edges",
        help="edge list: SNAP text, CSV, or Graphs.jl .jlg (.gz ok); 'email-eu-core' for the "
        "bundled SNAP graph",
    )
    parser.add_argument("--source", type=int, required=True, help="source node (id as in the file)")
    parser.add_argument("--top", type=int, default=10, help="how many nodes to list")
    parser.add_argument("--alpha", type=float, default=0.15, help="teleport probability")
    parser.add_argument(
        "--method", default="power", choices=["push", "power", "montecarlo", "montecarlo_endpoint"]
    )
    parser.add_argument("--tol", type=float, default=1e-8, help="L1 error bound (exact methods)")
    parser.add_argument("--undirected", action="store_true", help="read edges both ways")


def _run(args: argparse.Namespace) -> int:
    import sys
    import time

    import numpy as np
    from rich.console import Console
    from rich.table import Table

    from onstream.datasets import email_eu_core
    from onstream.exceptions import OnstreamError
    from onstream.graph import Graph, ppr_top_k

    console = Console()
    try:
        if args.edges == "email-eu-core":
            g = Graph.from_polars(email_eu_core(), directed=not args.undirected)
            source = args.source
        else:
            g = Graph.read_edgelist(args.edges, directed=not args.undirected)
            labels = g.labels
            hits = np.flatnonzero(labels == args.source) if labels is not None else np.array([])
            if hits.size == 0:
                print(f"error: node {args.source} is not in {args.edges}", file=sys.stderr)
                return 2
            source = int(hits[0])
        t0 = time.perf_counter()
        top = ppr_top_k(g, source, args.top, args.alpha, method=args.method, tol=args.tol)
        elapsed = time.perf_counter() - t0
    except (OnstreamError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    table = Table(
        title=f"{args.edges}: {g.n_nodes:,} nodes, {g.n_edges:,} edges; PPR from {args.source}",
        title_justify="left",
    )
    for col in ("rank", "node", "score"):
        table.add_column(col, justify="right")
    for row in top.iter_rows(named=True):
        table.add_row(str(row["rank"]), str(row["node"]), f"{row['score']:.6f}")
    console.print(table)
    console.print(f"[dim]{args.method}, alpha={args.alpha}, {elapsed * 1e3:.1f} ms")
    return 0


COMMAND = Command(
    name="ppr", help="top personalized PageRank scores of a graph", add_arguments=_add, run=_run
)
