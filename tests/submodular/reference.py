"""Independent references for the submodular tests: objective values straight from their
definitions in NumPy, and the optimum by brute force."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


def euclidean_kernel(x: F64) -> F64:
    """apricot's euclidean similarity: max D² − D² over all pairs."""
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    return np.asarray(d2.max() - d2)


def cosine_kernel(x: F64) -> F64:
    """apricot's cosine similarity: the squared cosine."""
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray((u @ u.T) ** 2)


def facility_value(kernel: F64, ids: Sequence[int]) -> float:
    """Σ_i max_{j ∈ S} kernel[i, j] (0 for the empty set)."""
    if not len(ids):
        return 0.0
    return float(kernel[:, list(ids)].max(axis=1).sum())


def coverage_value(sets: Sequence[Sequence[int]], weights: F64, ids: Sequence[int]) -> float:
    covered = set().union(*(set(sets[j]) for j in ids)) if len(ids) else set()
    return float(sum(weights[u] for u in covered))


def feature_value(m: F64, phi: Callable[[F64], F64], ids: Sequence[int]) -> float:
    return float(phi(m[list(ids)].sum(axis=0)).sum()) if len(ids) else float(phi(m[0] * 0).sum())


def brute_force(value: Callable[[Sequence[int]], float], present: Sequence[int], k: int) -> float:
    """The best value over all subsets of ``present`` with at most ``k`` elements."""
    best = value([])
    for r in range(1, min(k, len(present)) + 1):
        for combo in itertools.combinations(present, r):
            best = max(best, value(combo))
    return best


def random_sets(n: int, items: int, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    return [sorted(set(rng.integers(0, items, rng.integers(1, 6)).tolist())) for _ in range(n)]
