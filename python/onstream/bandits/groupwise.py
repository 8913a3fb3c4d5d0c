"""Online regression with groupwise regret (Acharya, Arunachaleswaran, Kannan, Roth, Ziani, ICLR
2024): per-group ridge learners mixed by sleeping-experts AdaNormalHedge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, positive_float, positive_int
from onstream._streaming import Streaming
from onstream.exceptions import DtypeError, InvalidParameterError, ShapeMismatchError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["GroupwiseRegressor", "group_matrix", "groupwise_regret"]

ALWAYS_ON = "always-on"


def group_matrix(
    frame: pl.DataFrame, groups: Mapping[str, Any] | Sequence[str]
) -> tuple[list[str], npt.NDArray[np.bool_]]:
    """Group membership as an ``(n, G)`` boolean matrix from a polars DataFrame: either names of
    boolean columns, or a mapping ``name -> polars expression`` (``{"smoker": pl.col("smoker")
    == "yes", "young": pl.col("age") < 30}``) evaluated on ``frame``."""
    import polars as pl

    if isinstance(groups, Mapping):
        names = [str(k) for k in groups]
        cols = frame.select(*[v.alias(k) for k, v in groups.items()])
    else:
        names = [str(k) for k in groups]
        cols = frame.select(names)
    bad = [c for c, t in zip(cols.columns, cols.dtypes, strict=True) if t != pl.Boolean]
    if bad:
        raise DtypeError(f"groups {bad} are not boolean")
    if cols.null_count().sum_horizontal().item() > 0:
        raise InvalidParameterError("group membership has nulls; fill them first")
    return names, np.ascontiguousarray(cols.to_numpy(), dtype=np.bool_)


def _groups(groups: Any, n: int, g: int) -> npt.NDArray[np.bool_]:
    m = np.asarray(groups.to_numpy() if hasattr(groups, "to_numpy") else groups)
    if m.dtype != np.bool_:
        raise DtypeError(f"groups have dtype {m.dtype}, expected bool")
    if m.shape != (n, g):
        raise ShapeMismatchError(f"shape mismatch: groups have shape {m.shape}, expected {(n, g)}")
    return m


class GroupwiseRegressor(Streaming):
    """Online linear regression that competes with the best linear model on every group.

    Acharya, Arunachaleswaran, Kannan, Roth and Ziani, "Oracle efficient algorithms for groupwise
    regret", ICLR 2024. Each group (a subset of the inputs, groups may overlap) has an online ridge
    regressor; for each point, the experts of the groups it belongs to are awake and
    AdaNormalHedge (Luo and Schapire, COLT 2015) mixes their predictions. For every group, the
    squared-loss regret on that group's points against the best linear model for the group in
    hindsight is the ridge learner's regret plus ``O(sqrt(T_g log G))``; time per point is linear
    in the number of awake groups. Losses should be in [0, 1] (scale ``y``) for that guarantee.

    Parameters
    ----------
    n_features:
        Length of ``x``.
    groups:
        The group names (or how many groups).
    always_on:
        Add a group every point belongs to (recommended by the paper's experiments: it makes the
        learner at least as good as one global model).
    """

    _native: ClassVar[Any] = _core.GroupwiseRegressor

    def __init__(
        self,
        n_features: int,
        groups: Sequence[str] | int,
        *,
        ridge: float = 1.0,
        always_on: bool = True,
    ) -> None:
        if isinstance(groups, int):
            names = [f"g{i}" for i in range(int(groups))]
        else:
            names = [str(g) for g in groups]
        self._always_on = bool(always_on)
        if self._always_on:
            names.append(ALWAYS_ON)
        if not names:
            raise InvalidParameterError("no groups: give some or keep always_on=True")
        self._names = names
        self._inner = _core.GroupwiseRegressor(
            positive_int(n_features, "n_features"), len(names), positive_float(ridge, "ridge")
        )

    # Streaming's snapshot restore builds the object without __init__: the names live in the
    # facade, so they are pickled beside the native state.
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_restore, (self._inner.to_bytes(), self._names, self._always_on))

    @property
    def group_names(self) -> list[str]:
        """The groups, the always-on one last when present."""
        return list(self._names)

    @property
    def n_features(self) -> int:
        return int(self._inner.n_features)

    @property
    def steps(self) -> int:
        return int(self._inner.steps)

    def _row(self, groups: Any) -> npt.NDArray[np.bool_]:
        user = len(self._names) - int(self._always_on)
        m = _groups(np.asarray(groups).reshape(1, -1), 1, user)[0]
        return np.append(m, True) if self._always_on else np.ascontiguousarray(m)

    def _x(self, x: Any) -> npt.NDArray[np.float64]:
        return np.asarray(float_array(x, "x"), dtype=np.float64)

    def predict(self, x: Any, groups: Any) -> float:
        """The prediction for one point ``x`` belonging to ``groups`` (one boolean per group)."""
        return float(self._inner.predict(self._x(x), self._row(groups)))

    def weights(self, x: Any, groups: Any) -> npt.NDArray[np.float64]:
        """The mixture's weight on each group's expert for this point (0 for sleeping groups)."""
        out: npt.NDArray[np.float64] = self._inner.weights(self._x(x), self._row(groups))
        return out

    def update(self, x: Any, groups: Any, y: float) -> float:
        """Predict one point, then learn its label; returns the prediction made before ``y``."""
        return float(self._inner.update(self._x(x), self._row(groups), float(y)))

    def run(self, x: Any, groups: Any, y: Any) -> npt.NDArray[np.float64]:
        """Process ``n`` points in order (``x``: ``(n, d)``, ``groups``: ``(n, G)`` booleans or a
        polars DataFrame of boolean columns, ``y``: ``(n,)``); returns each prediction made
        before its label was seen. Runs in Rust with the interpreter released."""
        xs = np.asarray(float_array(x, "x", ndim=2), dtype=np.float64)
        ys = np.asarray(float_array(y, "y"), dtype=np.float64)
        n = xs.shape[0]
        if ys.size != n:
            raise ShapeMismatchError(f"shape mismatch: x has {n} rows, y has {ys.size}")
        user = len(self._names) - int(self._always_on)
        g = _groups(groups, n, user)
        if self._always_on:
            g = np.concatenate([g, np.ones((n, 1), dtype=np.bool_)], axis=1)
        out: npt.NDArray[np.float64] = self._inner.run(xs, np.ascontiguousarray(g), ys)
        return out

    def __repr__(self) -> str:
        return f"GroupwiseRegressor(groups={self._names}, steps={self.steps})"


def _restore(data: bytes, names: list[str], always_on: bool) -> GroupwiseRegressor:
    obj = GroupwiseRegressor.__new__(GroupwiseRegressor)
    obj._inner = _core.GroupwiseRegressor.from_bytes(data)
    obj._names = list(names)
    obj._always_on = always_on
    return obj


def groupwise_regret(
    x: Any,
    groups: Any,
    y: Any,
    predictions: Any,
    *,
    names: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Per group: points, the predictions' squared loss, the loss of the best linear model for
    that group in hindsight (least squares on the group's points), and their difference, the
    groupwise regret. An ``always-on`` row covers every point."""
    import polars as pl

    xs = np.asarray(float_array(x, "x", ndim=2), dtype=np.float64)
    ys = np.asarray(float_array(y, "y"), dtype=np.float64)
    ps = np.asarray(float_array(predictions, "predictions"), dtype=np.float64)
    n = xs.shape[0]
    if not ys.size == ps.size == n:
        raise ShapeMismatchError(
            f"shape mismatch: {n} rows of x, {ys.size} y, {ps.size} predictions"
        )
    g = np.asarray(groups.to_numpy() if hasattr(groups, "to_numpy") else groups)
    g = _groups(g, n, g.shape[1] if g.ndim == 2 else -1)
    labels = list(names) if names is not None else [f"g{i}" for i in range(g.shape[1])]
    if len(labels) != g.shape[1]:
        raise ShapeMismatchError(f"{len(labels)} names for {g.shape[1]} groups")
    g = np.concatenate([g, np.ones((n, 1), dtype=np.bool_)], axis=1)
    labels.append(ALWAYS_ON)
    rows = []
    for j, name in enumerate(labels):
        m = g[:, j]
        if not m.any():
            rows.append((name, 0, 0.0, 0.0))
            continue
        theta, *_ = np.linalg.lstsq(xs[m], ys[m], rcond=None)
        best = float(((xs[m] @ theta - ys[m]) ** 2).sum())
        loss = float(((ps[m] - ys[m]) ** 2).sum())
        rows.append((name, int(m.sum()), loss, best))
    return pl.DataFrame(
        {
            "group": [r[0] for r in rows],
            "n": [r[1] for r in rows],
            "loss": [r[2] for r in rows],
            "best_linear_loss": [r[3] for r in rows],
            "regret": [r[2] - r[3] for r in rows],
        }
    )
