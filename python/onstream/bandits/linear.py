"""Linear contextual bandits: LinUCB and linear Thompson sampling, one ridge model per arm."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, index_array, positive_float, positive_int
from onstream._random import normalize_seed
from onstream._streaming import Streaming
from onstream._typing import Seed
from onstream.bandits.policy import mask_array
from onstream.exceptions import DtypeError, InvalidParameterError, ShapeMismatchError

__all__ = ["LinTS", "LinUCB", "LinearPolicy"]


class LinearPolicy(Streaming):
    """A contextual policy over arms ``0 .. n_arms - 1`` and contexts of ``n_features`` reals.

    Arm ``a`` keeps the ridge statistics ``A_a = ridge·I + Σ x xᵀ`` and ``b_a = Σ r x`` of the
    contexts it was played in, as a Cholesky factor updated in ``O(d²)`` per reward. Contexts
    enter as NumPy arrays or polars Series (one row per decision for the batch forms).
    """

    _native: ClassVar[Any] = _core.LinearBandit

    def _start(
        self, rule: str, param: float, n_arms: int, n_features: int, ridge: float, seed: Seed
    ) -> None:
        self._inner = _core.LinearBandit(
            rule,
            param,
            positive_int(n_arms, "n_arms"),
            positive_int(n_features, "n_features"),
            positive_float(ridge, "ridge"),
            normalize_seed(seed),
        )

    def _x(self, context: Any) -> npt.NDArray[np.float64]:
        return np.asarray(float_array(context, "context"), dtype=np.float64)

    def _mask(self, mask: Any) -> npt.NDArray[np.bool_] | None:
        return None if mask is None else mask_array(mask, self.n_arms)

    def select(self, context: Any, mask: Any = None) -> int:
        """The arm to play for ``context`` (a vector of ``n_features`` reals)."""
        arm: int = self._inner.select(self._x(context), self._mask(mask))
        return arm

    def select_batch(self, contexts: Any, mask: Any = None) -> npt.NDArray[np.int64]:
        """One decision per row of ``contexts`` (``(n, n_features)``), all from the current
        state."""
        x = np.asarray(float_array(contexts, "contexts", ndim=2), dtype=np.float64)
        out: npt.NDArray[np.int64] = self._inner.select_batch(x, self._mask(mask))
        return out

    def scores(self, context: Any, mask: Any = None) -> npt.NDArray[np.float64]:
        """Every arm's score for ``context`` (UCB index, or one posterior draw for LinTS)."""
        out: npt.NDArray[np.float64] = self._inner.scores(self._x(context), self._mask(mask))
        return out

    def update(self, arm: int, reward: float, context: Any) -> None:
        """Report the reward of ``arm`` played in ``context``."""
        if isinstance(arm, bool) or not isinstance(arm, (int, np.integer)) or arm < 0:
            raise InvalidParameterError(f"invalid arm: got {arm!r}, expected an id >= 0")
        if isinstance(reward, bool) or not isinstance(
            reward, (int, float, np.integer, np.floating)
        ):
            raise DtypeError(f"invalid reward: got {reward!r}, expected a real number")
        self._inner.update(int(arm), float(reward), self._x(context))

    def update_batch(self, arms: Any, rewards: Any, contexts: Any) -> None:
        """Report many rewards in order; everything is checked before anything is applied."""
        a = index_array(arms, "arms", n=self.n_arms, allow_empty=True)
        r = np.asarray(float_array(rewards, "rewards", allow_empty=True), dtype=np.float64)
        x = np.asarray(
            float_array(contexts, "contexts", ndim=2, allow_empty=True), dtype=np.float64
        )
        if not (a.size == r.size == x.shape[0]):
            raise ShapeMismatchError(
                f"shape mismatch: {a.size} arms, {r.size} rewards, {x.shape[0]} contexts"
            )
        if x.size and x.shape[1] != self.n_features:
            raise ShapeMismatchError(
                f"contexts have {x.shape[1]} columns, expected {self.n_features}"
            )
        for arm, reward, row in zip(a.tolist(), r.tolist(), x, strict=True):
            self._inner.update(arm, reward, row)

    def theta(self, arm: int) -> npt.NDArray[np.float64]:
        """The ridge estimate ``A_a⁻¹ b_a`` of arm ``arm``'s weights."""
        out: npt.NDArray[np.float64] = self._inner.theta(int(arm))
        return out

    def counts(self) -> npt.NDArray[np.uint64]:
        out: npt.NDArray[np.uint64] = self._inner.counts()
        return out

    def add_arm(self) -> int:
        """Add an arm with a fresh model; returns its id."""
        return int(self._inner.add_arm())

    def remove_arm(self, arm: int) -> None:
        """Retire ``arm``: it is never selected again."""
        self._inner.remove_arm(int(arm))

    @property
    def n_arms(self) -> int:
        return int(self._inner.n_arms)

    @property
    def n_features(self) -> int:
        return int(self._inner.n_features)

    @property
    def steps(self) -> int:
        return int(self._inner.steps)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(n_arms={self.n_arms}, n_features={self.n_features}, "
            f"steps={self.steps})"
        )


class LinUCB(LinearPolicy):
    """LinUCB with disjoint models: the arm of largest ``θ̂_aᵀx + alpha sqrt(xᵀ A_a⁻¹ x)``.

    Li, Chu, Langford and Schapire, "A contextual-bandit approach to personalized news article
    recommendation", WWW 2010, algorithm 1 (``ridge = 1`` there).
    """

    def __init__(
        self,
        n_arms: int,
        n_features: int,
        *,
        alpha: float = 1.0,
        ridge: float = 1.0,
        seed: Seed = None,
    ) -> None:
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not alpha >= 0:
            raise InvalidParameterError(f"invalid alpha: got {alpha!r}, expected a value >= 0")
        self._start("ucb", float(alpha), n_arms, n_features, ridge, seed)


class LinTS(LinearPolicy):
    """Linear Thompson sampling: the arm of largest ``θ̃_aᵀx``, ``θ̃_a ~ N(θ̂_a, v² A_a⁻¹)``.

    Agrawal and Goyal, "Thompson sampling for contextual bandits with linear payoffs", ICML 2013,
    algorithm 1, here with one model per arm (as MABWiser and OBP do); their analysis takes
    ``v = R sqrt(24 d ln(1/δ) / ε)``, and smaller ``v`` explores less.
    """

    def __init__(
        self, n_arms: int, n_features: int, *, v: float = 0.5, ridge: float = 1.0, seed: Seed = None
    ) -> None:
        self._start("thompson", positive_float(v, "v"), n_arms, n_features, ridge, seed)
