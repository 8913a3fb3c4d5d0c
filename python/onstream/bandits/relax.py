"""Learning to relax (Khodak, Chow, Balcan, Talwalkar, ICLR 2024): tune the SOR relaxation ω
over a sequence of linear systems from iteration counts alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, positive_float, positive_int
from onstream._random import normalize_seed, seed_or_entropy
from onstream._streaming import Streaming
from onstream._typing import Seed
from onstream.exceptions import InvalidParameterError, ShapeMismatchError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["ChebCB", "LaplacianCosts", "RelaxTuner", "SorResult", "laplacian_costs", "sor"]

#: The paper's grid for the contextual experiments: 20 points on [1, 1.95].
DEFAULT_OMEGAS = np.linspace(1.0, 1.95, 20)


@dataclass(frozen=True)
class SorResult:
    """The solution, the sweeps it took, and whether the tolerance was reached."""

    x: npt.NDArray[np.float64]
    iterations: int
    converged: bool


def sor(a: Any, b: Any, omega: float, *, tol: float = 1e-8, max_iter: int = 10_000) -> SorResult:
    """Solve ``a x = b`` by successive over-relaxation from ``x = 0``, stopping at relative
    residual ``tol`` (the paper's 1e-8) or after ``max_iter`` sweeps. ``a`` is a SciPy sparse
    matrix (any format; converted to CSR) or a dense square array, with a non-zero diagonal."""
    if hasattr(a, "tocsr"):
        csr = a.tocsr()
        csr.sort_indices()
        n = int(csr.shape[0])
        if csr.shape != (n, n):
            raise ShapeMismatchError(f"a has shape {csr.shape}, expected a square matrix")
        indptr = np.asarray(csr.indptr, dtype=np.int64)
        indices = np.asarray(csr.indices, dtype=np.int64)
        data = np.asarray(float_array(csr.data, "a"), dtype=np.float64)
    else:
        dense = np.asarray(float_array(a, "a", ndim=2), dtype=np.float64)
        n = dense.shape[0]
        if dense.shape != (n, n):
            raise ShapeMismatchError(f"a has shape {dense.shape}, expected a square matrix")
        rows, cols = np.nonzero(dense)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)
        indices = cols.astype(np.int64)
        data = dense[rows, cols]
    rhs = np.asarray(float_array(b, "b"), dtype=np.float64)
    x, iterations, converged = _core.bandits_sor(
        n,
        indptr,
        indices,
        data,
        rhs,
        float(omega),
        positive_float(tol, "tol"),
        positive_int(max_iter, "max_iter"),
    )
    return SorResult(x=x, iterations=int(iterations), converged=bool(converged))


@dataclass(frozen=True)
class LaplacianCosts:
    """Instances of the paper's family and every grid point's SOR iterations on each."""

    omegas: npt.NDArray[np.float64]
    #: The diagonal shift ``c_t`` of each instance (the contextual bandit's context).
    shifts: npt.NDArray[np.float64]
    #: ``costs[t, i]``: iterations of ``omegas[i]`` on instance ``t``.
    costs: npt.NDArray[np.uint64]
    #: Iterations at the instance-optimal ω*(A_t) = 2 / (1 + sqrt(1 − ρ_J²)).
    optimal: npt.NDArray[np.uint64]

    def best_fixed(self) -> int:
        """The grid index with the least total iterations in hindsight."""
        return int(self.costs.sum(axis=0).argmin())

    def to_polars(self) -> pl.DataFrame:
        """One row per (instance, ω): ``instance``, ``shift``, ``omega``, ``iterations``."""
        import polars as pl

        t, k = self.costs.shape
        return pl.DataFrame(
            {
                "instance": np.repeat(np.arange(t, dtype=np.uint32), k),
                "shift": np.repeat(self.shifts, k),
                "omega": np.tile(self.omegas, t),
                "iterations": self.costs.ravel(),
            }
        )


def laplacian_costs(
    n_instances: int,
    *,
    m: int = 10,
    variance: Literal["high", "low"] = "high",
    omegas: Any = None,
    tol: float = 1e-8,
    max_iter: int = 10_000,
    seed: Seed = None,
) -> LaplacianCosts:
    """The paper's instance family and its cost table, solved in parallel in Rust.

    ``A_t = L + c_t I`` with ``L`` the 5-point Laplacian of an ``m × m`` interior grid (the paper:
    ``m = 10``, ``n = 100``), ``c_t = −0.15 + 0.6 Beta(0.5, 1.5)`` (``variance="high"``) or
    ``Beta(2, 6)`` (``"low"``), and Gaussian ``b_t``. Every grid point is run on every instance,
    so a tuner can then be replayed on the table exactly as if it had run the solver itself.
    """
    shapes = {"high": (0.5, 1.5), "low": (2.0, 6.0)}
    if variance not in shapes:
        raise InvalidParameterError(f"invalid variance: got {variance!r}, expected high or low")
    grid = DEFAULT_OMEGAS if omegas is None else np.asarray(float_array(omegas, "omegas"))
    a, b = shapes[variance]
    d = _core.bandits_laplacian_costs(
        positive_int(m, "m"),
        positive_int(n_instances, "n_instances"),
        a,
        b,
        np.ascontiguousarray(grid, dtype=np.float64),
        positive_float(tol, "tol"),
        positive_int(max_iter, "max_iter"),
        seed_or_entropy(seed),
    )
    return LaplacianCosts(
        omegas=np.array(grid, dtype=np.float64),
        shifts=d["shifts"],
        costs=d["costs"],
        optimal=d["optimal"],
    )


def _grid(omegas: Any) -> list[float]:
    grid = DEFAULT_OMEGAS if omegas is None else float_array(omegas, "omegas")
    return [float(w) for w in np.asarray(grid)]


class RelaxTuner(Streaming):
    """Tsallis-INF over a grid of relaxations, the paper's non-contextual learner (section 3).

    Each instance: :meth:`select` a grid index, solve with ``omegas[i]``, :meth:`update` with the
    iteration count. Losses are the counts scaled by their running mean, so no bound on them is
    needed; the total iterations approach those of the best fixed ω in hindsight.
    """

    _native: ClassVar[Any] = _core.RelaxTuner

    def __init__(self, omegas: Any = None, *, seed: Seed = None) -> None:
        self._inner = _core.RelaxTuner(_grid(omegas), normalize_seed(seed))

    def select(self) -> int:
        """The grid index for the next instance."""
        return int(self._inner.select())

    def update(self, arm: int, iterations: float) -> None:
        """Report the iterations grid point ``arm`` took on the latest instance."""
        self._inner.update(int(arm), float(iterations))

    def probabilities(self) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = self._inner.probabilities()
        return out

    @property
    def omegas(self) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = self._inner.omegas()
        return out

    @property
    def steps(self) -> int:
        return int(self._inner.steps)


class ChebCB(Streaming):
    """ChebCB, the paper's contextual learner (section 4), for a scalar context such as the
    diagonal shift of ``A + cI``.

    Each grid point regresses its cost (scaled by the running mean) on Chebyshev polynomials
    ``T_0 … T_{degree−1}`` of the context mapped from ``context_range`` to [−1, 1]; decisions
    weight the predictions by inverse gaps, ``p_i = 1 / (K + γ_t (ŷ_i − ŷ_min))``, with
    ``γ_t = gamma · sqrt(K t)`` (the anytime SquareCB rate). Ridge regression stands in for the
    paper's bounded least squares, and the γ schedule was not checked against its text.
    """

    _native: ClassVar[Any] = _core.ChebCb

    def __init__(
        self,
        omegas: Any = None,
        *,
        degree: int = 6,
        context_range: tuple[float, float] = (-0.15, 0.65),
        gamma: float = 1.0,
        seed: Seed = None,
    ) -> None:
        lo, hi = (float(v) for v in context_range)
        self._inner = _core.ChebCb(
            _grid(omegas),
            positive_int(degree, "degree"),
            lo,
            hi,
            positive_float(gamma, "gamma"),
            normalize_seed(seed),
        )

    def select(self, context: float) -> int:
        """The grid index for an instance with this context."""
        return int(self._inner.select(float(context)))

    def update(self, context: float, arm: int, iterations: float) -> None:
        """Report the iterations grid point ``arm`` took on an instance with ``context``."""
        self._inner.update(float(context), int(arm), float(iterations))

    def probabilities(self, context: float) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = self._inner.probabilities(float(context))
        return out

    def predictions(self, context: float) -> npt.NDArray[np.float64]:
        """Each grid point's predicted scaled cost for ``context``."""
        out: npt.NDArray[np.float64] = self._inner.predictions(float(context))
        return out
