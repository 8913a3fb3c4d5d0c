"""``onstream.graph.ppr``: personalized PageRank, exact (power iteration, forward push) or by
random walks, as a NumPy vector or a top-k polars table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from onstream import _core
from onstream._convert import float_array, index_array, int_at_least, positive_float
from onstream._random import seed_or_entropy
from onstream._typing import Seed
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from onstream.graph.graph import Graph

__all__ = ["DanglingPolicy", "PprMethod", "personalization", "ppr", "ppr_top_k"]

PprMethod = Literal["power", "push", "montecarlo", "montecarlo_endpoint", "powerwalk"]
DanglingPolicy = Literal["personalization", "uniform", "self"]


def _node(v: Any, n: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise InvalidParameterError(f"invalid source: got {v!r}, expected a node id (int)")
    if not 0 <= int(v) < n:
        raise OutOfRangeError(f"source {v} is not a node: expected an id in [0, {n})")
    return int(v)


def personalization(graph: Graph, source_or_weights: Any) -> npt.NDArray[np.float64]:
    """The teleport distribution: one source node, a list of nodes (equal weights), a mapping
    node -> weight, or a weight per node (normalized to sum 1)."""
    n = graph.n_nodes
    p = np.zeros(n)
    if isinstance(source_or_weights, (int, np.integer)) and not isinstance(source_or_weights, bool):
        p[_node(source_or_weights, n)] = 1.0
        return p
    if isinstance(source_or_weights, Mapping):
        for k, w in source_or_weights.items():
            p[_node(k, n)] += float(w)
    else:
        arr = np.asarray(source_or_weights)
        if arr.dtype.kind in "iu" and arr.ndim == 1 and arr.size != n:
            np.add.at(p, index_array(arr, "personalization", n=n), 1.0)
        elif arr.dtype.kind in "iu" and arr.ndim == 1 and arr.size == n and arr.max(initial=0) > 1:
            raise InvalidParameterError(
                "ambiguous personalization: an int array as long as the graph; pass floats for "
                "per-node weights or a list of fewer node ids"
            )
        else:
            p = float_array(source_or_weights, "personalization").astype(np.float64)
            if p.size != n:
                raise InvalidParameterError(
                    f"personalization has {p.size} weights but the graph has {n} nodes"
                )
    if not np.isfinite(p).all() or (p < 0).any():
        raise InvalidParameterError("personalization weights must be finite and >= 0")
    total = p.sum()
    if total <= 0:
        raise InvalidParameterError("personalization has no weight")
    return np.ascontiguousarray(p / total)


def ppr(
    graph: Graph,
    source_or_weights: Any,
    alpha: float = 0.15,
    *,
    method: PprMethod = "power",
    tol: float = 1e-6,
    max_iter: int = 10_000,
    dangling: DanglingPolicy = "personalization",
    walks: int = 100_000,
    seed: Seed = 0,
    index: Any = None,
    steps: int = 10,
) -> npt.NDArray[np.float64]:
    """Personalized PageRank: the stationary law of a walk that restarts from the personalization
    with probability ``alpha`` at each step and otherwise follows an out-edge (with probability
    proportional to its weight).

    Methods:

    * ``"power"`` (default): power iteration pulling along in-edges, on all cores. When most
      edges run between strongly connected components (citation graphs, near-DAGs) and dangling
      mass returns to the personalization or stays, the components are solved one by one in
      topological order, the edges between them crossed once (found on the first call and
      kept with the graph).
    * ``"push"``: forward push (Andersen, Chung & Lang 2006) that turns into ordered sweeps once
      the active set is large (as PowerPush, Wu et al. 2021); sequential, and the faster choice
      when the answer is local (large ``alpha``, loose ``tol``).
    * ``"montecarlo"`` / ``"montecarlo_endpoint"``: ``walks`` random walks, full-path or end-point
      estimator (unbiased; error shrinks as 1/sqrt(walks)); reproducible from ``seed``.
    * ``"powerwalk"``: ``steps`` exact steps, then the fingerprints of a prebuilt
      :class:`~onstream.graph.PowerWalkIndex` passed as ``index`` (a single source; dangling mass
      to the source). For many sources use ``index.query`` directly.

    Global PageRank is the uniform personalization: ``ppr(g, np.ones(g.n_nodes))``.

    ``tol`` is an L1 bound on the error that the exact methods guarantee (networkx's ``tol`` is
    multiplied by the number of nodes). ``dangling`` says where a walk at a node without out-edges
    goes: ``"personalization"`` (networkx and igraph), ``"uniform"``, or ``"self"`` (it stays).
    """
    a = float(alpha)
    if not 0 < a < 1:
        raise InvalidParameterError(f"invalid alpha: got {alpha!r}, expected a value in (0, 1)")
    tol = positive_float(tol, "tol")
    walks = int_at_least(walks, "walks", 1)
    if method == "powerwalk":
        return _powerwalk(graph, source_or_weights, a, dangling, index, steps)
    p = personalization(graph, source_or_weights)
    out = _core.graph_ppr(
        graph._native, p, a, method, tol, int(max_iter), dangling, walks, seed_or_entropy(seed)
    )
    scores: npt.NDArray[np.float64] = out["scores"]
    return scores


def _powerwalk(
    graph: Graph, source: Any, alpha: float, dangling: str, index: Any, steps: int
) -> npt.NDArray[np.float64]:
    from onstream.graph.powerwalk import PowerWalkIndex

    if not isinstance(index, PowerWalkIndex) or index.graph is not graph:
        raise InvalidParameterError(
            "method='powerwalk' needs index=PowerWalkIndex.build(graph, ...) over this graph"
        )
    if abs(index.alpha - alpha) > 1e-15:
        raise InvalidParameterError(
            f"the index was built with alpha={index.alpha}, not alpha={alpha}"
        )
    if dangling != "personalization":
        raise InvalidParameterError("method='powerwalk' sends dangling mass to the source only")
    if isinstance(source, bool) or not isinstance(source, (int, np.integer)):
        raise InvalidParameterError("method='powerwalk' takes a single source node")
    return index.query_vector(int(source), steps=steps)


def ppr_top_k(
    graph: Graph,
    source_or_weights: Any,
    k: int = 10,
    alpha: float = 0.15,
    **kwargs: Any,
) -> pl.DataFrame:
    """The ``k`` highest-scoring nodes as a polars DataFrame: ``node`` (the file's id when the
    graph was relabelled), ``score`` and ``rank`` (1 = highest; ties broken by node number)."""
    k = int_at_least(k, "k", 1)
    scores = ppr(graph, source_or_weights, alpha, **kwargs)
    k = min(k, scores.size)
    top = np.argpartition(-scores, k - 1)[:k]
    order = top[np.lexsort((top, -scores[top]))]
    nodes = order if graph.labels is None else graph.labels[order]
    return pl.DataFrame(
        {"node": nodes.astype(np.int64), "score": scores[order], "rank": np.arange(1, k + 1)}
    )
