"""Self-repellent random walks on the undirected email graph: the visit measure converges to the
target and the variance of graph averages falls with alpha (Doshi et al., ICML 2023)."""

from __future__ import annotations

import numpy as np
import pytest

from onstream.datasets import email_eu_core
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from onstream.graph import Graph, sa_srrw_least_squares, srrw_average, srrw_walk


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph.from_polars(email_eu_core(), directed=False)


@pytest.mark.parametrize("target", ["uniform", "degree"])
def test_visit_measure_converges_to_the_target(graph: Graph, target: str) -> None:
    path = srrw_walk(graph, 5.0, target, 400_000, seed=1)
    assert path.size == 400_001
    visits = np.bincount(path, minlength=graph.n_nodes) / path.size
    deg = graph.out_degrees().astype(float)
    mu = deg / deg.sum() if target == "degree" else np.full(graph.n_nodes, 1 / graph.n_nodes)
    assert 0.5 * np.abs(visits - mu).sum() < 0.05


def test_custom_target_weights(graph: Graph) -> None:
    w = np.ones(graph.n_nodes)
    w[:100] = 5.0
    path = srrw_walk(graph, 3.0, w, 300_000, seed=2)
    share = np.isin(path, np.arange(100)).mean()
    assert share == pytest.approx(500 / (500 + graph.n_nodes - 100), abs=0.03)


def test_variance_of_averages_falls_with_alpha(graph: Graph) -> None:
    values = (np.arange(graph.n_nodes) % 7 == 0).astype(float)
    truth = values.mean()
    est = {a: srrw_average(graph, values, a, steps=5000, runs=120, seed=3) for a in (0.0, 5.0)}
    for a, e in est.items():
        assert abs(e.mean() - truth) < 0.02, a
    assert est[5.0].var() < 0.6 * est[0.0].var()
    again = srrw_average(graph, values, 5.0, steps=5000, runs=120, seed=3)
    assert np.array_equal(again, est[5.0])


def test_bad_input(graph: Graph) -> None:
    directed = Graph.from_polars(email_eu_core())
    with pytest.raises(InvalidParameterError, match="undirected"):
        srrw_walk(directed, 1.0, steps=10)
    with pytest.raises(InvalidParameterError, match="alpha"):
        srrw_walk(graph, -1.0, steps=10)
    with pytest.raises(OutOfRangeError):
        srrw_walk(graph, 1.0, steps=10, start=5000)
    with pytest.raises(InvalidParameterError, match="target"):
        srrw_walk(graph, 1.0, "pagerank", 10)
    with pytest.raises(OutOfRangeError, match="target"):
        srrw_walk(graph, 1.0, np.zeros(graph.n_nodes), 10)
    with pytest.raises(InvalidParameterError, match="isolated"):
        srrw_walk(Graph.from_edges([0], [1], n_nodes=3, directed=False), 1.0, steps=10)


def test_sa_srrw_least_squares_converges_with_less_error_for_larger_alpha(graph: Graph) -> None:
    # Hu, Doshi & Eun (ICLR 2024): SGD driven by the SRRW has an asymptotic covariance that falls
    # with alpha (theta on the slower timescale: beta_exponent > gamma_exponent).
    rng = np.random.default_rng(0)
    x = rng.normal(size=(graph.n_nodes, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.5 * rng.normal(size=graph.n_nodes)
    star = np.linalg.lstsq(x, y, rcond=None)[0]  # the uniform-weighted optimum
    mse = {}
    for alpha in (0.0, 5.0):
        theta = sa_srrw_least_squares(graph, x, y, alpha, steps=10_000, runs=60, beta0=0.5, seed=1)
        assert theta.shape == (60, 3)
        mse[alpha] = float(((theta - star) ** 2).sum(axis=1).mean())
    assert mse[0.0] < 0.01
    assert mse[5.0] < 0.3 * mse[0.0], mse
    with pytest.raises(InvalidParameterError, match="exponent"):
        sa_srrw_least_squares(graph, x, y, 1.0, steps=10, gamma_exponent=0.3)
