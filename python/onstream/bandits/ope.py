"""Off-policy evaluation: the value of a target policy estimated from another policy's logs.

Each estimator averages one term per logged row, so its standard error is the sample standard
deviation of the terms over ``sqrt(n)`` (SNIPS: by the delta method); the intervals are normal.
DM's standard error covers only the spread of its terms over rows, not the reward model's own
error (a context-free model gives a zero-width interval): read it as a lower bound.

- IPS (Horvitz and Thompson, JASA 1952): ``mean(w_i r_i)`` with ``w_i = π(a_i|x_i) / μ(a_i|x_i)``.
- SNIPS (Swaminathan and Joachims, "The self-normalized estimator for counterfactual
  learning", NeurIPS 2015): ``Σ w_i r_i / Σ w_i``.
- DM: ``mean(Σ_a π(a|x_i) q̂(x_i, a))`` for a reward model ``q̂``.
- DR (Dudík, Langford and Li, "Doubly robust policy evaluation and learning", ICML 2011):
  ``mean(Σ_a π(a|x_i) q̂(x_i, a) + w_i (r_i − q̂(x_i, a_i)))``, unbiased if either the
  propensities or the model are right.

The arithmetic is a few vectorized passes over the rows: NumPy runs it at memory speed, so
there is no native core here.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from onstream._convert import float_array, index_array, probability_array, same_length
from onstream.exceptions import InvalidParameterError, ShapeMismatchError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["ESTIMATORS", "evaluate", "per_action_mean_model"]

#: The estimators :func:`evaluate` knows, in its default order.
ESTIMATORS = ("ips", "snips", "dm", "dr")

F64 = npt.NDArray[np.float64]


def _column(logs: Any, name: str) -> Any:
    if name not in logs.columns:
        raise InvalidParameterError(f"logs has no column {name!r} (columns: {logs.columns})")
    return logs[name]


def per_action_mean_model(actions: Any, rewards: Any, n_actions: int) -> F64:
    """The simplest reward model for DM and DR: each action's mean logged reward (the overall
    mean for actions never logged), as a ``(n_actions,)`` vector to broadcast over rows."""
    a = index_array(actions, "actions", n=n_actions)
    r = np.asarray(float_array(rewards, "rewards"), dtype=np.float64)
    same_length(actions=a, rewards=r)
    counts = np.bincount(a, minlength=n_actions).astype(np.float64)
    sums = np.bincount(a, weights=r, minlength=n_actions)
    overall = float(r.mean())
    return np.where(counts > 0, sums / np.maximum(counts, 1.0), overall)


def evaluate(
    logs: pl.DataFrame,
    target: Any,
    *,
    action: str = "action",
    reward: str = "reward",
    propensity: str = "propensity",
    reward_model: Any = None,
    estimators: Sequence[str] = ESTIMATORS,
    max_weight: float | None = None,
    confidence: float = 0.95,
) -> pl.DataFrame:
    """Estimates of a target policy's value from logged bandit feedback.

    Parameters
    ----------
    logs:
        A ``polars.DataFrame`` with one row per logged decision: the ``action`` taken (an id
        ``0 .. K-1``), its ``reward`` and the logging policy's ``propensity`` for it (in (0, 1]).
    target:
        The target policy: an ``(n, K)`` array of ``π(a | x_i)`` (each row a distribution), or
        an ``(n,)`` array (or a column name) of the probabilities of the logged actions only,
        which is enough for IPS and SNIPS.
    reward_model:
        ``q̂(x_i, a)`` for DM and DR: an ``(n, K)`` array, or a ``(K,)`` vector shared by all rows
        (:func:`per_action_mean_model`). Needs ``target`` as a full ``(n, K)`` array.
    max_weight:
        Clip importance weights at this value (biased, lower variance); ``None`` keeps them.

    Returns a ``polars.DataFrame`` with ``estimator``, ``value``, ``std_error``, ``ci_low``,
    ``ci_high`` (normal interval at ``confidence``) and ``n``.
    """
    import polars as pl

    names = [str(e).lower() for e in estimators]
    unknown = [e for e in names if e not in ESTIMATORS]
    if unknown or not names:
        raise InvalidParameterError(
            f"invalid estimators: got {list(estimators)!r}, expected some of {ESTIMATORS}"
        )
    if not 0 < confidence < 1:
        raise InvalidParameterError(f"invalid confidence: got {confidence!r}, expected (0, 1)")
    mu = probability_array(_column(logs, propensity), propensity, ndim=1, positive=True)
    r = np.asarray(float_array(_column(logs, reward), reward), dtype=np.float64)
    raw_actions = _column(logs, action)
    n = same_length(propensity=mu, reward=r)

    if isinstance(target, str):
        target = _column(logs, target)
    t = np.asarray(target.to_numpy() if hasattr(target, "to_numpy") else target)
    if t.ndim == 2:
        pi = probability_array(t, "target", ndim=2)
        if pi.shape[0] != n:
            raise ShapeMismatchError(f"shape mismatch: target has {pi.shape[0]} rows, logs {n}")
        sums = pi.sum(axis=1)
        if not np.allclose(sums, 1.0, atol=1e-6):
            i = int(np.argmax(np.abs(sums - 1.0)))
            raise InvalidParameterError(f"target row {i} sums to {sums[i]}, expected 1")
        k = pi.shape[1]
        a = index_array(raw_actions, action, n=k)
        pi_logged = pi[np.arange(n), a]
    else:
        pi = None
        k = 0
        a = index_array(raw_actions, action)
        pi_logged = probability_array(t, "target", ndim=1)
        same_length(target=pi_logged, reward=r)

    w = pi_logged / mu
    if max_weight is not None:
        if not max_weight > 0:
            raise InvalidParameterError(f"invalid max_weight: got {max_weight!r}, expected > 0")
        w = np.minimum(w, max_weight)

    q: F64 | None = None
    if "dm" in names or "dr" in names:
        if pi is None:
            raise InvalidParameterError(
                "DM and DR need the target policy as an (n, K) array of action probabilities"
            )
        if reward_model is None:
            raise InvalidParameterError("DM and DR need a reward_model (see per_action_mean_model)")
        qm = np.asarray(float_array(reward_model, "reward_model", ndim=None), dtype=np.float64)
        if qm.ndim == 1 and qm.shape[0] == k:
            qm = np.broadcast_to(qm, (n, k))
        if qm.shape != (n, k):
            raise ShapeMismatchError(
                f"shape mismatch: reward_model has shape {qm.shape}, expected ({n}, {k}) or ({k},)"
            )
        q = qm

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    rows: list[tuple[str, float, float]] = []
    for name in names:
        if name == "ips":
            terms = w * r
            value = float(terms.mean())
        elif name == "snips":
            wsum = float(w.sum())
            value = float((w * r).sum() / wsum) if wsum > 0 else float("nan")
            # Delta method: the influence of row i is w_i (r_i − V) / mean(w).
            terms = w * (r - value) / (wsum / n) if wsum > 0 else np.full(n, np.nan)
        else:
            assert q is not None
            assert pi is not None
            direct = (pi * q).sum(axis=1)
            terms = direct if name == "dm" else direct + w * (r - q[np.arange(n), a])
            value = float(terms.mean())
        se = float(terms.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        rows.append((name.upper(), value, se))
    return pl.DataFrame(
        {
            "estimator": [x[0] for x in rows],
            "value": [x[1] for x in rows],
            "std_error": [x[2] for x in rows],
            "ci_low": [x[1] - z * x[2] for x in rows],
            "ci_high": [x[1] + z * x[2] for x in rows],
            "n": [n] * len(rows),
        }
    )
