"""Personalized PageRank against a dense linear solve on a real graph, walks against their
confidence intervals, and the input paths."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from onstream import _core
from onstream.cli import main
from onstream.datasets import email_eu_core
from onstream.exceptions import EmptyInputError, InvalidParameterError, OutOfRangeError
from onstream.graph import DanglingPolicy, Graph, PprMethod, personalization, ppr, ppr_top_k

POLICIES: list[DanglingPolicy] = ["personalization", "uniform", "self"]
EXACT: list[PprMethod] = ["power", "push"]


def reference(
    src: np.ndarray, dst: np.ndarray, n: int, p: np.ndarray, alpha: float, dangling: str,
    weights: np.ndarray | None = None,
) -> np.ndarray:  # fmt: skip
    """Solve (I - (1 - alpha) T^T) pi = alpha p with a dense transition matrix T."""
    t = np.zeros((n, n))
    np.add.at(t, (src, dst), 1.0 if weights is None else weights)
    out = t.sum(1)
    dang = out == 0
    t[~dang] /= out[~dang, None]
    fill = {"personalization": p, "uniform": np.full(n, 1 / n)}
    for d in np.flatnonzero(dang):
        if dangling == "self":
            t[d, d] = 1.0
        else:
            t[d] = fill[dangling]
    return np.linalg.solve(np.eye(n) - (1 - alpha) * t.T, alpha * p)


@pytest.fixture(scope="module")
def email() -> tuple[Graph, np.ndarray, np.ndarray]:
    edges = email_eu_core()
    src, dst = edges["src"].to_numpy(), edges["dst"].to_numpy()
    return Graph.from_edges(src, dst), src, dst


@pytest.mark.parametrize("method", EXACT)
@pytest.mark.parametrize("dangling", POLICIES)
def test_exact_methods_meet_their_l1_tolerance(
    email: tuple[Graph, np.ndarray, np.ndarray], method: PprMethod, dangling: DanglingPolicy
) -> None:
    g, src, dst = email
    assert g.dangling().size > 0  # 137 nodes without out-edges, and 642 self-loops
    sources = {7: 0.5, 100: 0.3, 900: 0.2}
    p = personalization(g, sources)
    want = reference(src, dst, g.n_nodes, p, 0.15, dangling)
    for tol in (1e-4, 1e-9):
        got = ppr(g, sources, method=method, tol=tol, dangling=dangling)
        assert np.abs(got - want).sum() <= tol


def test_undirected_and_weighted_graphs() -> None:
    rng = np.random.default_rng(3)
    src, dst = rng.integers(0, 40, 120), rng.integers(0, 40, 120)
    w = rng.random(120) * 3
    g = Graph.from_edges(src, dst, n_nodes=45, weights=w)
    p = personalization(g, 4)
    want = reference(src, dst, 45, p, 0.2, "personalization", weights=w)
    np.testing.assert_allclose(ppr(g, 4, 0.2, tol=1e-11), want, atol=1e-11)
    u = Graph.from_edges(src, dst, directed=False)
    both_src = np.concatenate([src, dst[src != dst]])
    both_dst = np.concatenate([dst, src[src != dst]])
    want_u = reference(both_src, both_dst, u.n_nodes, personalization(u, 4), 0.2, "uniform")
    got_u = ppr(u, 4, 0.2, method="power", tol=1e-11, dangling="uniform")
    np.testing.assert_allclose(got_u, want_u, atol=1e-11)


@pytest.mark.parametrize("dangling", ["personalization", "self"])
def test_power_by_components_on_a_citation_like_graph(dangling: DanglingPolicy) -> None:
    # Papers cite earlier ones, a few cite later ones (cycles), some cite nothing (dangling):
    # most edges run between strongly connected components, so power solves them one by one.
    rng = np.random.default_rng(5)
    n = 300
    src = np.repeat(np.arange(1, n), rng.integers(0, 5, n - 1))
    dst = (rng.random(src.size) * src).astype(np.int64)
    back = rng.integers(0, n - 8, 25)
    # Cycles of two and three nodes within reach of the sources.
    cycles = np.array([[n - 1, 200], [200, 199], [199, 200], [n - 40, 150], [150, 149],
                       [149, 148], [148, 150]])  # fmt: skip
    src = np.concatenate([src, back, cycles[:, 0]])
    dst = np.concatenate([dst, back + rng.integers(1, 8, 25), cycles[:, 1]])
    g = Graph.from_edges(src, dst, n_nodes=n)
    sources = {n - 1: 0.6, n - 40: 0.4}
    p = personalization(g, sources)
    want = reference(src, dst, n, p, 0.15, dangling)
    for tol in (1e-4, 1e-9):
        got = ppr(g, sources, tol=tol, dangling=dangling)
        assert np.abs(got - want).sum() <= tol
    # Steps ran inside the cycles only: fewer edges pulled than a whole-graph sweep per step.
    out = _core.graph_ppr(g._native, p, 0.15, "power", 1e-9, 10_000, dangling, 1, 0)
    assert out["iterations"] > 1
    assert out["edge_work"] < out["iterations"] * g.n_edges / 10


@pytest.mark.parametrize("method", ["montecarlo", "montecarlo_endpoint"])
def test_walk_estimates_are_unbiased_within_their_confidence_intervals(method: PprMethod) -> None:
    rng = np.random.default_rng(4)
    src, dst = rng.integers(0, 25, 70), rng.integers(0, 25, 70)
    g = Graph.from_edges(src, dst)
    want = reference(src, dst, 25, personalization(g, 2), 0.2, "personalization")
    walks = 400_000
    got = ppr(g, 2, 0.2, method=method, walks=walks, seed=11)
    sd = np.sqrt(want * (1 - want) / walks)  # end-point counts are binomial; full-path is tighter
    assert (np.abs(got - want) <= 5 * sd + 1e-12).all()
    assert np.array_equal(got, ppr(g, 2, 0.2, method=method, walks=walks, seed=11))


def test_top_k_table_and_file_inputs(tmp_path: Path) -> None:
    edges = "# a comment\n10 20\n20 30\n30 10\n10 40\n"
    (tmp_path / "g.txt").write_text(edges)
    (tmp_path / "g.csv").write_text("src,dst\n" + edges.split("\n", 1)[1].replace(" ", ","))
    (tmp_path / "g.jlg.gz").write_bytes(gzip.compress(b"4,4,d,graph,1,Int64,simplegraph\n"
                                                      b"1,2\n2,3\n3,1\n1,4\n"))  # fmt: skip
    frames = []
    for name in ("g.txt", "g.csv", "g.jlg.gz"):
        g = Graph.read_edgelist(tmp_path / name)
        assert (g.n_nodes, g.n_edges) == (4, 4)
        source = 0
        frames.append(ppr_top_k(g, source, k=3, tol=1e-12))
    top = frames[0]
    assert top.columns == ["node", "score", "rank"]
    assert top["rank"].to_list() == [1, 2, 3]
    # 10 -> 20, 10 -> 40 split evenly (40 is dangling), 20 -> 30: 20 and 40 tie, broken by number.
    assert top["node"].to_list() == [10, 20, 40]
    assert (np.diff(top["score"].to_numpy()) <= 0).all()
    np.testing.assert_allclose(frames[2]["score"].to_numpy(), top["score"].to_numpy())
    assert frames[2]["node"].to_list() == [1, 2, 4]
    # A third column is the weight (as in the shared email-Eu-core.csv): against from_edges.
    (tmp_path / "w.txt").write_text("10 20 1.0\n20 30 2.5\n30 10 1.0\n10 40 3.0\n")
    g = Graph.read_edgelist(tmp_path / "w.txt")
    want = Graph.from_edges([0, 1, 2, 0], [1, 2, 0, 3], weights=[1.0, 2.5, 1.0, 3.0])
    np.testing.assert_allclose(ppr(g, 0, tol=1e-12), ppr(want, 0, tol=1e-12))
    # Text that is no edge list is a clear error, not a parser's traceback.
    (tmp_path / "bad.txt").write_text("1 2\n2 x\n")
    with pytest.raises(InvalidParameterError, match="not an edge list"):
        Graph.read_edgelist(tmp_path / "bad.txt")
    (tmp_path / "one.txt").write_text("1\n2\n")
    with pytest.raises(InvalidParameterError, match="two ids"):
        Graph.read_edgelist(tmp_path / "one.txt")


def test_cli_lists_the_top_nodes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["ppr", "email-eu-core", "--source", "7", "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert "email-eu-core" in out
    assert "power, alpha=0.15" in out
    (tmp_path / "g.txt").write_text("1 2\n2 3\n")
    assert main(["ppr", str(tmp_path / "g.txt"), "--source", "99"]) == 2
    assert "not in" in capsys.readouterr().err


def test_bad_input_gets_clear_errors(email: tuple[Graph, np.ndarray, np.ndarray]) -> None:
    g = email[0]
    with pytest.raises(OutOfRangeError, match="not a node"):
        ppr(g, 5000)
    with pytest.raises(InvalidParameterError, match="alpha"):
        ppr(g, 1, alpha=1.0)
    with pytest.raises(InvalidParameterError, match="alpha"):
        ppr(g, 1, alpha=0.0)
    with pytest.raises(EmptyInputError):
        Graph.from_edges([], [])
    with pytest.raises(OutOfRangeError, match="weights"):
        Graph.from_edges([0, 1], [1, 0], weights=[1.0, -2.0])
    with pytest.raises(OutOfRangeError, match="node id"):
        Graph.from_edges([0, 5], [1, 0], n_nodes=3)
    with pytest.raises(InvalidParameterError, match="method"):
        ppr(g, 1, method="magic")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="dangling"):
        ppr(g, 1, dangling="drop")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="no weight"):
        ppr(g, {1: 0.0})
