"""Independent references for the OT tests: the exact linear program (scipy HiGHS) and small
generated problems."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from onstream._typing import F64Array


def exact_ot(a: F64Array, b: F64Array, cost: F64Array) -> float:
    """The optimal transport cost by linear programming."""
    n, m = cost.shape
    rows = np.kron(np.eye(n), np.ones((1, m)))
    cols = np.kron(np.ones((1, n)), np.eye(m))
    res = linprog(
        cost.ravel(),
        A_eq=np.vstack([rows, cols]),
        b_eq=np.concatenate([a, b]),
        bounds=(0, None),
        method="highs",
    )
    assert res.status == 0, res.message
    return float(res.fun)


def clouds(n: int, m: int, seed: int) -> tuple[F64Array, F64Array]:
    """Uniform points in the unit square, scaled so the largest squared distance is 1 (the
    normalization of the shared notes' POT measurements)."""
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, 2)), rng.random((m, 2))
    c = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    s = float(np.sqrt(c.max()))
    return x / s, y / s


def sq_cost(x: F64Array, y: F64Array) -> F64Array:
    out: F64Array = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    return out


def random_weights(n: int, seed: int) -> F64Array:
    w = np.random.default_rng(seed).random(n) + 0.2
    out: F64Array = w / w.sum()
    return out
