"""Self-repellent random walks (Doshi, Hu & Eun, ICML 2023; the walker of Hu, Doshi & Eun, ICLR
2024): sampling a target measure on a graph with lower variance than the base random walk."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, int_at_least
from onstream._random import seed_or_entropy
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from onstream.graph.graph import Graph

__all__ = ["sa_srrw_least_squares", "srrw_average", "srrw_walk"]


def _args(graph: Graph, alpha: float, target: Any, start: int) -> tuple[str, Any, int]:
    if graph.directed:
        raise InvalidParameterError(
            "self-repellent walks need an undirected graph (a reversible base chain): "
            "build it with directed=False"
        )
    if not (math.isfinite(float(alpha)) and float(alpha) >= 0):
        raise InvalidParameterError(f"invalid alpha: got {alpha!r}, expected a finite value >= 0")
    if isinstance(start, bool) or not isinstance(start, (int, np.integer)):
        raise InvalidParameterError(f"invalid start: got {start!r}, expected a node id")
    if not 0 <= int(start) < graph.n_nodes:
        raise OutOfRangeError(
            f"start {start} is not a node: expected an id in [0, {graph.n_nodes})"
        )
    if isinstance(target, str):
        if target not in ("uniform", "degree"):
            raise InvalidParameterError(
                f"invalid target: got {target!r}, expected 'uniform', 'degree' or weights"
            )
        return target, None, int(start)
    w = float_array(target, "target").astype(np.float64, copy=False)
    return "weights", w, int(start)


def srrw_walk(
    graph: Graph,
    alpha: float,
    target: Any = "uniform",
    steps: int = 10_000,
    *,
    start: int = 0,
    seed: Any = 0,
) -> npt.NDArray[np.int64]:
    """The trajectory (``steps + 1`` nodes, the start first) of a self-repellent random walk.

    The next node is drawn with probability ``P_ij * (x_j / mu_j) ** -alpha`` (normalized), where
    ``x`` is the walk's own visit measure, ``mu`` the ``target`` (``"uniform"``, ``"degree"`` or
    positive weights per node) and ``P`` a base chain with stationary law ``mu`` (the simple random
    walk for ``"degree"``, Metropolis–Hastings otherwise). ``alpha = 0`` is the base chain; larger
    ``alpha`` repels the walk from over-visited nodes, and the visit measure still converges to
    ``mu`` with smaller variance. The graph must be undirected with no isolated nodes.
    """
    name, weights, s0 = _args(graph, alpha, target, start)
    steps = int_at_least(steps, "steps", 0)
    out: npt.NDArray[np.int64] = _core.graph_srrw_walk(
        graph._native, float(alpha), name, weights, int(steps), s0, seed_or_entropy(seed)
    )
    return out


def srrw_average(
    graph: Graph,
    values: Any,
    alpha: float,
    target: Any = "uniform",
    steps: int = 10_000,
    *,
    runs: int = 1,
    start: int = 0,
    seed: Any = 0,
) -> npt.NDArray[np.float64]:
    """Estimates of the ``target``-weighted average of ``values`` (one per node): the average of
    ``values`` along ``runs`` independent self-repellent walks of ``steps`` steps (walkers in
    parallel, reproducible from ``seed``). Returns one estimate per run."""
    name, weights, s0 = _args(graph, alpha, target, start)
    vals = float_array(values, "values").astype(np.float64, copy=False)
    steps, runs = int_at_least(steps, "steps", 0), int_at_least(runs, "runs", 1)
    out: npt.NDArray[np.float64] = _core.graph_srrw_averages(
        graph._native,
        vals,
        float(alpha),
        name,
        weights,
        s0,
        int(steps),
        int(runs),
        seed_or_entropy(seed),
    )
    return out


def sa_srrw_least_squares(
    graph: Graph,
    features: Any,
    labels: Any,
    alpha: float,
    target: Any = "uniform",
    steps: int = 10_000,
    *,
    runs: int = 1,
    gamma_exponent: float = 0.6,
    beta_exponent: float = 0.9,
    beta0: float = 1.0,
    start: int = 0,
    seed: Any = 0,
) -> npt.NDArray[np.float64]:
    """SA-SRRW (Hu, Doshi & Eun, ICLR 2024): token-based SGD on a graph whose nodes hold
    least-squares losses ``(features[i] @ theta - labels[i]) ** 2 / 2``; the token walks by the
    generalized self-repellent walk (occupation step ``(n+1) ** -gamma_exponent``) and updates
    ``theta`` with step ``beta0 * (n+1) ** -beta_exponent`` at every node it visits. Minimizes the
    ``target``-weighted average loss. The paper's variance reduction in ``alpha`` needs
    ``beta_exponent > gamma_exponent`` (theta on the slower timescale). Returns the final
    ``theta`` of each of ``runs`` independent tokens, shape ``(runs, d)``; ``alpha=0`` is SGD driven
    by the base chain."""
    name, weights, s0 = _args(graph, alpha, target, start)
    x = float_array(features, "features", ndim=2).astype(np.float64, copy=False)
    y = float_array(labels, "labels").astype(np.float64, copy=False)
    steps, runs = int_at_least(steps, "steps", 1), int_at_least(runs, "runs", 1)
    out: npt.NDArray[np.float64] = _core.graph_sa_srrw_least_squares(
        graph._native, x, y, float(alpha), name, weights, s0, int(steps),
        float(gamma_exponent), float(beta_exponent), float(beta0), int(runs), seed_or_entropy(seed),
    )  # fmt: skip
    return out
