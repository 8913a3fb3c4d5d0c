"""Submodular objectives with incremental state (the Rust core keeps, per candidate set, what a
marginal gain needs, so a gain costs one row read, never a recomputation of ``f``).

Every objective is immutable once built, pickles by its inputs, and accepts NumPy arrays or
polars DataFrames/Series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, index_array, int_array, positive_int
from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError

__all__ = [
    "CallbackObjective",
    "Concave",
    "FacilityLocation",
    "FeatureBased",
    "GraphCut",
    "LogDeterminant",
    "Metric",
    "Mixture",
    "Objective",
    "SaturatedCoverage",
    "WeightedCoverage",
]

Metric = Literal["euclidean", "cosine"]
Concave = Literal["sqrt", "log1p", "saturate"]

#: Largest kernel ``FacilityLocation.from_features(store=None)`` stores, in entries (1 GiB of
#: float32); above it similarities are computed on the fly.
KERNEL_BUDGET = 2**28


class Objective:
    """Base of the objectives: the native object, its size, ``value(ids)`` and pickling."""

    _native: Any
    _args: tuple[Any, ...]

    def __len__(self) -> int:
        return len(self._native)

    def value(self, ids: object) -> float:
        """``f(S)`` for the element ids in ``ids`` (duplicates count once)."""
        a = index_array(ids, "ids", n=len(self), allow_empty=True)
        return float(self._native.value(a))

    def __reduce__(self) -> tuple[Any, ...]:
        # An objective pickles as its constructor's arguments (the native object is rebuilt).
        return (type(self), self._args)


class FacilityLocation(Objective):
    """Facility location, ``f(S) = Σ_i max_{j ∈ S} s(i, j)``: how well the chosen elements
    represent every point (exemplar-based summarization, k-medoids' submodular cousin).

    Build it :meth:`from_features` (similarities as apricot defines them, so selections can be
    compared) or :meth:`from_kernel`.
    """

    def __init__(self) -> None:
        raise TypeError("use FacilityLocation.from_features(...) or FacilityLocation.from_kernel()")

    @classmethod
    def from_features(
        cls,
        x: object,
        metric: Metric = "euclidean",
        *,
        store: bool | None = None,
        n_neighbors: int | None = None,
    ) -> FacilityLocation:
        """Every row of ``x`` (``n × d``) is a point and a candidate.

        ``metric="euclidean"``: ``s(i, j) = max D² − D²(i, j)`` with the maximum over all pairs
        (apricot's ``FacilityLocationSelection(metric="euclidean")``); ``"cosine"``: the squared
        cosine similarity (apricot's ``"cosine"``). ``store=True`` builds the dense float32
        ``n × n`` kernel once (fast gains, ``4n²`` bytes); ``False`` computes a similarity row per
        gain from the features (no ``n²`` memory); ``None`` stores when the kernel fits
        ``KERNEL_BUDGET`` entries. ``n_neighbors=m`` keeps instead a sparse k-nearest-neighbour
        kernel: each point's similarity to its ``m`` most similar points (itself included), 0
        elsewhere (apricot's ``n_neighbors``), so memory and gains are ``O(n·m)``. Building costs
        one pass over all pairs in every case (the euclidean maximum needs it).
        """
        a = float_array(x, "x", ndim=2).astype(np.float64, copy=False)
        if metric not in ("euclidean", "cosine"):
            raise InvalidParameterError(
                f"invalid metric: got {metric!r}, expected 'euclidean' or 'cosine'"
            )
        obj = cls.__new__(cls)
        if n_neighbors is not None:
            m = positive_int(n_neighbors, "n_neighbors")
            obj._native = _core.SubmodularObjective.facility_from_features_knn(a, metric, m)
            obj._args = ("knn", a, metric, m)
            return obj
        if store is None:
            store = a.shape[0] ** 2 <= KERNEL_BUDGET
        obj._native = _core.SubmodularObjective.facility_from_features(a, metric, bool(store))
        obj._args = ("features", a, metric, bool(store))
        return obj

    @classmethod
    def from_kernel(cls, kernel: object) -> FacilityLocation:
        """From a similarity matrix, points by candidates (``kernel[i, j] = s(i, j)``), finite
        and nonnegative: dense (stored as float32) or a SciPy sparse matrix (its nonzeros only;
        every other similarity is 0)."""
        obj = cls.__new__(cls)
        if hasattr(kernel, "tocsr") and hasattr(kernel, "nnz"):
            csr = kernel.tocsr()
            csr.sum_duplicates()
            n_points, n_cand = (int(v) for v in csr.shape)
            indptr = np.ascontiguousarray(csr.indptr, dtype=np.int64)
            indices = np.ascontiguousarray(csr.indices, dtype=np.int64)
            data = float_array(csr.data, "kernel", allow_empty=True).astype(np.float64)
            obj._native = _core.SubmodularObjective.facility_from_sparse(
                indptr, indices, data, n_points, n_cand
            )
            obj._args = ("kernel", kernel)
            return obj
        a = float_array(kernel, "kernel", ndim=2).astype(np.float64, copy=False)
        obj._native = _core.SubmodularObjective.facility_from_kernel(a)
        obj._args = ("kernel", a)
        return obj

    @property
    def stored(self) -> bool:
        """Whether the similarities are stored, densely or sparsely (rather than computed on the
        fly)."""
        return bool(self._native.stored)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FacilityLocation._rebuild, self._args)

    @classmethod
    def _rebuild(cls, *args: Any) -> FacilityLocation:
        if args[0] == "kernel":
            return cls.from_kernel(args[1])
        if args[0] == "knn":
            return cls.from_features(args[1], args[2], n_neighbors=args[3])
        return cls.from_features(args[1], args[2], store=args[3])


class WeightedCoverage(Objective):
    """Weighted coverage, ``f(S) = Σ_{u covered by S} w_u``: candidate ``j`` covers a set of
    items, each item counts once (max coverage, sensor placement, influence by reachability)."""

    def __init__(self, sets: object, weights: object = None) -> None:
        """``sets``: one array of item ids per candidate (a list of arrays, or a polars Series of
        lists), or a pair ``(indptr, items)`` in CSR form. ``weights``: one per item, finite and
        nonnegative (default 1; without weights the items are ``0..max id``)."""
        indptr, items = _csr(sets)
        w = None
        if weights is not None:
            w = float_array(weights, "weights", allow_empty=True).astype(np.float64, copy=False)
        self._native = _core.SubmodularObjective.coverage(indptr, items, w)
        self._args = ((indptr, items), w)


class FeatureBased(Objective):
    """Feature-based, ``f(S) = Σ_u w_u φ(Σ_{j ∈ S} m_ju)`` with nonnegative features ``m``
    (``n × U``) and a concave ``φ``: ``"sqrt"``, ``"log1p"`` or ``"saturate"`` (``x/(1+x)``).
    Rewards covering many features, with diminishing returns on each (Wei et al. 2014)."""

    def __init__(self, features: object, concave: Concave = "sqrt", weights: object = None) -> None:
        m = float_array(features, "features", ndim=2).astype(np.float64, copy=False)
        if concave not in ("sqrt", "log1p", "saturate"):
            raise InvalidParameterError(
                f"invalid concave: got {concave!r}, expected 'sqrt', 'log1p' or 'saturate'"
            )
        w = None
        if weights is not None:
            w = float_array(weights, "weights").astype(np.float64, copy=False)
        self._native = _core.SubmodularObjective.feature_based(m, concave, w)
        self._args = (m, concave, w)


def _square_kernel(kernel: object) -> npt.NDArray[np.float64]:
    a = float_array(kernel, "kernel", ndim=2).astype(np.float64, copy=False)
    if a.shape[0] != a.shape[1]:
        raise ShapeMismatchError(f"kernel has shape {a.shape}, expected a square matrix")
    return a


class GraphCut(Objective):
    """Graph cut, ``f(S) = Σ_{i ∈ V, j ∈ S} s_ij − λ Σ_{i, j ∈ S} s_ij`` over a symmetric
    nonnegative similarity kernel (Lin & Bilmes 2011): representative and non-redundant.
    Monotone for ``lam <= 1/2``, which is required. A gain costs constant time."""

    def __init__(self, kernel: object, lam: float = 0.5) -> None:
        a = _square_kernel(kernel)
        self._native = _core.SubmodularObjective.graph_cut(a, float(lam))
        self._args = (a, float(lam))


class SaturatedCoverage(Objective):
    """Saturated coverage, ``f(S) = Σ_i min(Σ_{j ∈ S} s_ij, α Σ_{j ∈ V} s_ij)`` over a
    symmetric nonnegative kernel (Lin & Bilmes 2011): each point counts its similarity to the
    set up to a fraction ``alpha`` of its similarity to everything."""

    def __init__(self, kernel: object, alpha: float = 0.1) -> None:
        a = _square_kernel(kernel)
        self._native = _core.SubmodularObjective.saturated_coverage(a, float(alpha))
        self._args = (a, float(alpha))


class LogDeterminant(Objective):
    """Log-determinant, ``f(S) = log det(I + alpha K_S)`` for a positive semidefinite kernel ``K``
    (the MAP objective of a determinantal point process: diverse sets). Gains are constant time
    from an incremental Cholesky factorization (Chen, Zhang & Zhou, NeurIPS 2018), whose state
    holds ``|S|`` numbers per element. Symmetry and ``|K_ij| <= sqrt(K_ii K_jj)`` are checked;
    positive semidefiniteness beyond that is the caller's to ensure (a Gram or RBF matrix is)."""

    def __init__(self, kernel: object, alpha: float = 1.0) -> None:
        a = _square_kernel(kernel)
        self._native = _core.SubmodularObjective.log_determinant(a, float(alpha))
        self._args = (a, float(alpha))


class CallbackObjective(Objective):
    """A set function of your own: ``value(ids) -> float`` over the elements ``0..n`` (``ids``
    an ``int64`` array; ``value`` of an empty array is ``f(∅)``). It must be monotone
    submodular for the optimizers' guarantees to hold (they are not checked).

    **GIL cost.** Every marginal gain is one Python call (``f(S)`` is kept between calls), made
    under the GIL: gain sweeps that run on all cores for the built-in objectives run one at a
    time here, and each call costs microseconds of interpreter overhead on top of ``value``. Use
    it to prototype; move a hot objective into the core. An exception raised by ``value`` (or a
    non-finite result) is re-raised when the optimizer returns. Not picklable unless ``value``
    is.
    """

    def __init__(self, value: Callable[[npt.NDArray[np.int64]], float], n: int) -> None:
        if not callable(value):
            raise InvalidParameterError(
                f"invalid value: got {type(value).__name__}, expected a callable"
            )
        n = positive_int(n, "n")
        self._native = _core.SubmodularObjective.callback(value, n)
        self._args = (value, n)


class Mixture(Objective):
    """``f(S) = Σ_m w_m f_m(S)`` with nonnegative weights, over objectives of the same elements
    (the components are shared, not copied)."""

    def __init__(self, components: list[Objective], weights: object = None) -> None:
        if not components or not all(isinstance(c, Objective) for c in components):
            raise InvalidParameterError(
                "invalid components: expected a non-empty list of onstream.submodular objectives"
            )
        n = len(components[0])
        if any(len(c) != n for c in components):
            raise ShapeMismatchError(
                f"mixture components differ in size: {[len(c) for c in components]}"
            )
        w = (
            np.ones(len(components))
            if weights is None
            else float_array(weights, "weights").astype(np.float64, copy=False)
        )
        if len(w) != len(components):
            raise ShapeMismatchError(
                f"weights has {len(w)} entries for {len(components)} components"
            )
        self._native = _core.SubmodularObjective.mixture(
            [float(v) for v in w], [c._native for c in components]
        )
        self._args = (list(components), w)


def _csr(sets: object) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    if isinstance(sets, tuple) and len(sets) == 2:
        indptr = np.ascontiguousarray(int_array(sets[0], "indptr"), dtype=np.int64)
        items = np.ascontiguousarray(int_array(sets[1], "items", allow_empty=True), dtype=np.int64)
        return indptr, items
    if hasattr(sets, "to_list") and not isinstance(sets, list):
        sets = sets.to_list()
    if not isinstance(sets, (list, tuple)) or not sets:
        raise InvalidParameterError(
            "invalid sets: expected a non-empty list of item-id arrays or (indptr, items)"
        )
    arrays = [int_array(s, f"sets[{i}]", allow_empty=True) for i, s in enumerate(sets)]
    for i, arr in enumerate(arrays):
        if arr.size and arr.min() < 0:
            raise OutOfRangeError(f"sets[{i}] has a negative item id")
    lengths = np.array([a.size for a in arrays], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    items = np.concatenate(arrays).astype(np.int64) if indptr[-1] else np.zeros(0, np.int64)
    return indptr, items
