"""Reward environments for :func:`~onstream.bandits.simulate`; the draws happen in Rust."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from onstream._convert import float_array, positive_float, probability_array
from onstream.exceptions import InvalidParameterError, ShapeMismatchError

__all__ = ["Adversarial", "Bernoulli", "Environment", "Gaussian", "Switching"]

_NO_STARTS = np.zeros(0, dtype=np.uint64)


class Environment:
    """Base of the environments: what the simulator needs to rebuild one in Rust."""

    kind: str

    @property
    def n_arms(self) -> int:
        raise NotImplementedError

    def _native(self) -> tuple[str, npt.NDArray[np.float64], npt.NDArray[np.uint64], float]:
        raise NotImplementedError


@dataclass(frozen=True)
class Bernoulli(Environment):
    """Arm ``i`` pays 1 with probability ``means[i]``, else 0. Regret is the pseudo-regret
    ``Σ_t (μ* − μ_{a_t})``."""

    means: Any
    _m: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)
    kind = "bernoulli"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_m", probability_array(self.means, "means", ndim=None).ravel())

    @property
    def n_arms(self) -> int:
        return int(self._m.size)

    def _native(self) -> tuple[str, npt.NDArray[np.float64], npt.NDArray[np.uint64], float]:
        return self.kind, self._m.reshape(1, -1), _NO_STARTS, 0.0


@dataclass(frozen=True)
class Gaussian(Environment):
    """Arm ``i`` pays ``N(means[i], sigma²)``."""

    means: Any
    sigma: float = 1.0
    _m: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)
    kind = "gaussian"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_m", np.asarray(float_array(self.means, "means"), np.float64))
        positive_float(self.sigma, "sigma")

    @property
    def n_arms(self) -> int:
        return int(self._m.size)

    def _native(self) -> tuple[str, npt.NDArray[np.float64], npt.NDArray[np.uint64], float]:
        return self.kind, self._m.reshape(1, -1), _NO_STARTS, float(self.sigma)


@dataclass(frozen=True)
class Switching(Environment):
    """Bernoulli arms whose means change at given steps: row ``s`` of ``means`` holds from step
    ``starts[s]`` (``starts[0] = 0``, increasing) until the next start."""

    means: Any
    starts: Any
    _m: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _s: npt.NDArray[np.uint64] = field(init=False, repr=False, compare=False)
    kind = "switching"

    def __post_init__(self) -> None:
        m = probability_array(self.means, "means", ndim=None)
        if m.ndim != 2:
            raise ShapeMismatchError(f"means has shape {m.shape}, expected (segments, arms)")
        s = np.asarray(self.starts)
        if s.dtype.kind not in "iu" or s.ndim != 1 or s.size != m.shape[0]:
            raise ShapeMismatchError(
                f"starts must be {m.shape[0]} integers (one per row of means), got {s!r}"
            )
        if s[0] != 0 or np.any(np.diff(s) <= 0):
            raise InvalidParameterError(f"invalid starts: got {s}, expected increasing from 0")
        object.__setattr__(self, "_m", np.ascontiguousarray(m))
        object.__setattr__(self, "_s", s.astype(np.uint64))

    @property
    def n_arms(self) -> int:
        return int(self._m.shape[1])

    def _native(self) -> tuple[str, npt.NDArray[np.float64], npt.NDArray[np.uint64], float]:
        return self.kind, self._m, self._s, 0.0


@dataclass(frozen=True)
class Adversarial(Environment):
    """An oblivious adversary: ``rewards[t, i]`` is what arm ``i`` pays at step ``t``. Regret is
    measured against the best fixed arm in hindsight."""

    rewards: Any
    _r: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)
    kind = "adversarial"

    def __post_init__(self) -> None:
        r = float_array(self.rewards, "rewards", ndim=2)
        object.__setattr__(self, "_r", np.ascontiguousarray(r, dtype=np.float64))

    @property
    def n_arms(self) -> int:
        return int(self._r.shape[1])

    def _native(self) -> tuple[str, npt.NDArray[np.float64], npt.NDArray[np.uint64], float]:
        return self.kind, self._r, _NO_STARTS, 0.0
