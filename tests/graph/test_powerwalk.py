"""PowerWalk against exact PPR on a real graph: the error falls as (1 - alpha)^T with the exact
steps, top-k precision, determinism, snapshots and bad input."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from onstream.datasets import email_eu_core
from onstream.exceptions import InvalidParameterError, OutOfRangeError, SnapshotError
from onstream.graph import Graph, PowerWalkIndex, ppr


@pytest.fixture(scope="module")
def graph() -> Graph:
    return Graph.from_polars(email_eu_core())


@pytest.fixture(scope="module")
def index(graph: Graph) -> PowerWalkIndex:
    return PowerWalkIndex.build(graph, walks_per_node=32, alpha=0.15, seed=5)


def test_error_falls_as_the_exact_steps_grow(graph: Graph, index: PowerWalkIndex) -> None:
    sources = np.argsort(-graph.out_degrees())[:20]
    exact = {int(s): ppr(graph, int(s), tol=1e-12) for s in sources}
    means = []
    for steps in (0, 2, 4, 8):
        errs = [np.abs(index.query_vector(int(s), steps) - exact[int(s)]).sum() for s in sources]
        means.append(float(np.mean(errs)))
    # The fingerprints reach the answer through f_T, whose mass is (1 - alpha)^T; the error also
    # averages over more fingerprints as T grows, so it falls at least that fast (with slack).
    for (t0, e0), (t1, e1) in zip(
        zip((0, 2, 4), means[:-1], strict=True), zip((2, 4, 8), means[1:], strict=True),
        strict=True,
    ):  # fmt: skip
        assert e1 <= e0 * 0.85 ** (t1 - t0) * 1.25, means
    assert means[-1] < 0.05


def test_top_k_precision_and_table(graph: Graph, index: PowerWalkIndex) -> None:
    sources = [160, 7, 100]
    table = index.query(sources, k=20, steps=6)
    assert table.columns == ["source", "node", "score", "rank"]
    assert table.height == 60
    hits = 0
    for s in sources:
        exact = ppr(graph, s, tol=1e-12)
        want = set(np.argsort(-exact)[:20].tolist())
        got = set(table.filter(table["source"] == s)["node"].to_list())
        hits += len(want & got)
    assert hits / 60 >= 0.9


def test_indexes_are_reproducible_and_pickle(graph: Graph, index: PowerWalkIndex) -> None:
    again = PowerWalkIndex.build(graph, walks_per_node=32, alpha=0.15, seed=5)
    assert again.query([160, 7], k=10).equals(index.query([160, 7], k=10))
    restored = pickle.loads(pickle.dumps(index))
    assert restored.query([160], k=10).equals(index.query([160], k=10))
    g2 = pickle.loads(pickle.dumps(graph))
    assert (g2.n_nodes, g2.n_edges) == (graph.n_nodes, graph.n_edges)
    np.testing.assert_array_equal(ppr(g2, 3, tol=1e-10), ppr(graph, 3, tol=1e-10))
    assert index.nnz > graph.n_nodes
    other = Graph.from_edges([0, 1], [1, 0])
    with pytest.raises(SnapshotError):
        PowerWalkIndex.from_bytes(index.to_bytes(), other)
    with pytest.raises(SnapshotError):
        PowerWalkIndex.from_bytes(b"garbage", graph)


def test_bad_input(graph: Graph, index: PowerWalkIndex) -> None:
    with pytest.raises(OutOfRangeError):
        index.query([5000])
    with pytest.raises(OutOfRangeError):
        index.query_vector(-1)
    with pytest.raises(InvalidParameterError):
        index.query([1], k=0)
    with pytest.raises(InvalidParameterError):
        PowerWalkIndex.build(graph, walks_per_node=0)
    with pytest.raises(InvalidParameterError):
        PowerWalkIndex.build(graph, alpha=1.5)


def test_pruned_queries_stay_close_to_exact(graph: Graph, index: PowerWalkIndex) -> None:
    # Stopping small flows early into their fingerprints keeps the estimate unbiased: the error
    # against exact PPR grows only by the fingerprints' noise on the pruned mass.
    exact = ppr(graph, 160, tol=1e-12)
    full = np.abs(index.query_vector(160, steps=10) - exact).sum()
    pruned = np.abs(index.query_vector(160, steps=10, prune=1e-3) - exact).sum()
    assert pruned < 0.1
    assert pruned < 3 * full + 0.02
    with pytest.raises(InvalidParameterError, match="prune"):
        index.query([1], prune=2.0)


def test_partitioned_build_is_independent_of_the_partitioning(graph: Graph) -> None:
    one = PowerWalkIndex.build(graph, walks_per_node=8, seed=2, partitions=1)
    five = PowerWalkIndex.build(graph, walks_per_node=8, seed=2, partitions=5)
    assert one.to_bytes() == five.to_bytes()
    exact = ppr(graph, 160, tol=1e-12)
    assert np.abs(five.query_vector(160, steps=10) - exact).sum() < 0.1
    with pytest.raises(InvalidParameterError, match="n_parts"):
        PowerWalkIndex.build(graph, partitions=10**6)


def test_ppr_method_powerwalk_uses_a_prebuilt_index(graph: Graph, index: PowerWalkIndex) -> None:
    got = ppr(graph, 160, method="powerwalk", index=index, steps=8)
    np.testing.assert_array_equal(got, index.query_vector(160, steps=8))
    with pytest.raises(InvalidParameterError, match="needs index"):
        ppr(graph, 160, method="powerwalk")
    with pytest.raises(InvalidParameterError, match="alpha"):
        ppr(graph, 160, alpha=0.2, method="powerwalk", index=index)
