"""``PowerWalkIndex``: PowerWalk's fingerprint index and batched top-k queries (Liu, Li, Lui &
Cheng, CIKM 2016)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from onstream import _core
from onstream._convert import int_array, int_at_least
from onstream._random import normalize_seed
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from onstream.graph.graph import Graph

__all__ = ["PowerWalkIndex"]


def _prune(value: float) -> float:
    v = float(value)
    if not 0 <= v < 1:
        raise InvalidParameterError(f"invalid prune: got {value!r}, expected a value in [0, 1)")
    return v


class PowerWalkIndex:
    """Monte Carlo fingerprints of every vertex, for fast approximate personalized PageRank.

    A fingerprint is the full-path estimate of the vertex's PPR from ``walks_per_node`` walks
    (walks stop with probability ``alpha`` per step and at dangling nodes). A query takes ``steps``
    exact steps of the decomposition ``pi_s = alpha * sum_{t<T} f_t + sum_v f_T(v) pi_v`` from the
    source and then combines the fingerprints of where the flow arrived, so their error is scaled
    by ``(1 - alpha) ** steps``. Scores are PPR with dangling mass returned to the source
    (networkx's and igraph's convention). Sources in a batch run in parallel; results do not depend
    on the thread count.
    """

    __slots__ = ("_native", "graph")

    def __init__(self, native: Any, graph: Graph) -> None:
        self._native = native
        self.graph = graph

    @classmethod
    def build(
        cls,
        graph: Graph,
        walks_per_node: int = 16,
        alpha: float = 0.15,
        seed: Any = 0,
        partitions: int | None = None,
    ) -> PowerWalkIndex:
        """Run ``walks_per_node`` walks from every vertex (in parallel, reproducible from
        ``seed``).

        ``partitions=k`` builds through the engine-agnostic superstep driver instead: the graph is
        cut into ``k`` node blocks and walkers move between them as messages, as a distributed
        driver would run it (``rust/onstream-core/src/graph/partition.rs``). Its fingerprints are
        the same for every ``k`` (each walker's randomness is positioned by source, walk and step),
        though not the same draws as the default build."""
        walks = int_at_least(walks_per_node, "walks_per_node", 1)
        s = normalize_seed(seed)
        if s is None:
            raise InvalidParameterError("seed=None: give an int seed so the index is reproducible")
        a = float(alpha)
        if not 0 < a < 1:
            raise InvalidParameterError(f"invalid alpha: got {alpha!r}, expected a value in (0, 1)")
        parts = None if partitions is None else int_at_least(partitions, "partitions", 1)
        return cls(_core.PowerWalkIndex.build(graph._native, walks, a, s, parts), graph)

    @property
    def alpha(self) -> float:
        """Teleport probability of the walks (queries use the same)."""
        return float(self._native.alpha)

    @property
    def walks_per_node(self) -> int:
        """Walks run from each vertex."""
        return int(self._native.walks_per_node)

    @property
    def nnz(self) -> int:
        """Stored fingerprint entries (about ``n * walks_per_node / alpha`` at most)."""
        return int(self._native.nnz)

    def query(
        self, sources: Any, k: int = 100, steps: int = 10, prune: float = 1e-4
    ) -> pl.DataFrame:
        """Top-``k`` PPR of each source: a polars DataFrame with ``source``, ``node``, ``score``,
        ``rank`` (1 = highest; ties broken by node number), node ids as in ``graph.labels`` when
        the graph was relabelled.

        Flow below ``prune`` stops before ``steps`` and takes its fingerprint at once (the
        decomposition holds for any stopping rule, so the estimate stays unbiased; PowerWalk's
        released query drops such flow instead). ``prune=0`` runs every step."""
        k = int_at_least(k, "k", 1)
        steps = int_at_least(steps, "steps", 0)
        if isinstance(sources, (int, np.integer)) and not isinstance(sources, bool):
            sources = [int(sources)]
        src = int_array(sources, "sources").astype(np.int64, copy=False)
        out = self._native.query(src, k, steps, _prune(prune))
        labels = self.graph.labels
        node, source = out["node"], out["source"]
        if labels is not None:
            node, source = labels[node], labels[source]
        return pl.DataFrame(
            {"source": source, "node": node, "score": out["score"], "rank": out["rank"]}
        )

    def query_vector(
        self, source: int, steps: int = 10, prune: float = 0.0
    ) -> npt.NDArray[np.float64]:
        """The whole estimated PPR vector of one source (``prune`` as in :meth:`query`)."""
        n = self.graph.n_nodes
        if isinstance(source, bool) or not isinstance(source, (int, np.integer)):
            raise InvalidParameterError(f"invalid source: got {source!r}, expected a node id")
        if not 0 <= int(source) < n:
            raise OutOfRangeError(f"source {source} is not a node: expected an id in [0, {n})")
        steps = int_at_least(steps, "steps", 0)
        out: npt.NDArray[np.float64] = self._native.query_dense(int(source), steps, _prune(prune))
        return out

    def to_bytes(self) -> bytes:
        """The fingerprints as a versioned snapshot (restore with the same graph)."""
        out: bytes = self._native.fingerprint_bytes()
        return out

    @classmethod
    def from_bytes(cls, data: bytes, graph: Graph) -> PowerWalkIndex:
        """An index written by :meth:`to_bytes`, over the graph it was built on."""
        return cls(_core.PowerWalkIndex.from_parts(graph._native, data), graph)

    def __reduce__(self) -> tuple[Any, ...]:
        return (PowerWalkIndex.from_bytes, (self.to_bytes(), self.graph))

    def __repr__(self) -> str:
        return (
            f"PowerWalkIndex({self.graph!r}, walks_per_node={self.walks_per_node}, "
            f"alpha={self.alpha}, nnz={self.nnz})"
        )
