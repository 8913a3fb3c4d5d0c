"""The objectives' values against their definitions, and bad input."""

from __future__ import annotations

import pickle

import numpy as np
import polars as pl
import pytest

from onstream.exceptions import (
    DtypeError,
    InvalidParameterError,
    NonFiniteError,
    OnstreamError,
    OutOfRangeError,
)
from onstream.submodular import (
    FacilityLocation,
    FeatureBased,
    GraphCut,
    LogDeterminant,
    Mixture,
    SaturatedCoverage,
    WeightedCoverage,
)
from tests.submodular.reference import (
    cosine_kernel,
    coverage_value,
    euclidean_kernel,
    facility_value,
    feature_value,
    random_sets,
)

SUBSETS = [[], [0], [3, 1], [5, 2, 7], list(range(10))]


@pytest.mark.parametrize("store", [True, False])
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_facility_location_from_features_matches_its_definition(metric: str, store: bool) -> None:
    x = np.random.default_rng(0).standard_normal((30, 4))
    fl = FacilityLocation.from_features(x, metric, store=store)  # type: ignore[arg-type]
    assert fl.stored is store
    kernel = euclidean_kernel(x) if metric == "euclidean" else cosine_kernel(x)
    for ids in SUBSETS:
        want = facility_value(kernel, ids)
        assert fl.value(ids) == pytest.approx(want, rel=1e-5, abs=1e-6)


def test_facility_location_from_a_kernel_points_by_candidates() -> None:
    k = np.random.default_rng(1).random((7, 12))  # 7 points, 12 candidates
    fl = FacilityLocation.from_kernel(k)
    assert len(fl) == 12
    for ids in [[0], [11, 3], [4, 5, 6]]:
        assert fl.value(ids) == pytest.approx(facility_value(k, ids), rel=1e-6)


def test_weighted_coverage_matches_its_definition() -> None:
    sets = random_sets(15, 20, seed=2)
    w = np.random.default_rng(3).random(20)
    for cov in (WeightedCoverage(sets, w), WeightedCoverage(pl.Series(sets), w)):
        for ids in SUBSETS:
            assert cov.value(ids) == pytest.approx(coverage_value(sets, w, ids))
    unweighted = WeightedCoverage([[0, 1], [1, 2], [5]])
    assert unweighted.value([0, 1]) == 3.0
    assert unweighted.value([0, 1, 2]) == 4.0


@pytest.mark.parametrize(
    ("name", "phi"),
    [("sqrt", np.sqrt), ("log1p", np.log1p), ("saturate", lambda v: v / (1 + v))],
)
def test_feature_based_matches_its_definition(name: str, phi: object) -> None:
    m = np.random.default_rng(4).random((12, 6))
    fb = FeatureBased(m, name)  # type: ignore[arg-type]
    for ids in SUBSETS:
        assert fb.value(ids) == pytest.approx(feature_value(m, phi, ids))  # type: ignore[arg-type]


def test_objectives_pickle_and_take_polars() -> None:
    x = np.random.default_rng(5).random((20, 3))
    frame = pl.DataFrame(x, schema=["a", "b", "c"])
    for obj in (
        FacilityLocation.from_features(frame),
        FacilityLocation.from_kernel(x @ x.T),
        WeightedCoverage(random_sets(8, 10, 6)),
        FeatureBased(x, "log1p", weights=np.arange(1.0, 4.0)),
    ):
        back = pickle.loads(pickle.dumps(obj))
        assert back.value([0, 2, 5]) == obj.value([0, 2, 5])


def test_bad_input_is_a_clear_error() -> None:
    x = np.random.default_rng(7).random((5, 2))
    bad = x.copy()
    bad[2, 1] = np.nan
    with pytest.raises(NonFiniteError):
        FacilityLocation.from_features(bad)
    with pytest.raises(InvalidParameterError, match="metric"):
        FacilityLocation.from_features(x, "manhattan")  # type: ignore[arg-type]
    with pytest.raises(DtypeError):
        FacilityLocation.from_features(x.astype(str))
    with pytest.raises(OutOfRangeError, match="kernel"):
        FacilityLocation.from_kernel(-x @ x.T)
    with pytest.raises(OutOfRangeError):
        WeightedCoverage([[0, -1]])
    with pytest.raises(OnstreamError):
        WeightedCoverage([[0, 5]], weights=np.ones(3))  # item 5 has no weight
    with pytest.raises(OutOfRangeError, match="features"):
        FeatureBased(-x)
    with pytest.raises(InvalidParameterError, match="concave"):
        FeatureBased(x, "cube")  # type: ignore[arg-type]
    with pytest.raises(OutOfRangeError):
        FacilityLocation.from_features(x).value([0, 5])
    with pytest.raises(TypeError, match="from_features"):
        FacilityLocation()


def _gaussian_kernel(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).random((n, 2))
    return np.asarray(np.exp(-((x[:, None] - x[None]) ** 2).sum(-1) / 0.1))


def test_graph_cut_and_saturated_coverage_match_their_definitions() -> None:
    k = _gaussian_kernel(15, 8)
    cut, sat = GraphCut(k, lam=0.3), SaturatedCoverage(k, alpha=0.2)
    for ids in SUBSETS:
        sub = k[:, ids] if ids else np.zeros((15, 0))
        want_cut = sub.sum() - 0.3 * k[np.ix_(ids, ids)].sum()
        want_sat = np.minimum(sub.sum(1), 0.2 * k.sum(1)).sum()
        assert cut.value(ids) == pytest.approx(want_cut, rel=1e-5, abs=1e-6)
        assert sat.value(ids) == pytest.approx(want_sat, rel=1e-5, abs=1e-6)


def test_a_mixture_is_the_weighted_sum_of_its_components() -> None:
    x = np.random.default_rng(9).random((15, 3))
    parts = [FacilityLocation.from_features(x), GraphCut(_gaussian_kernel(15, 1))]
    mix = Mixture(parts, weights=[0.25, 2.0])
    for ids in SUBSETS:
        want = 0.25 * parts[0].value(ids) + 2.0 * parts[1].value(ids)
        assert mix.value(ids) == pytest.approx(want, rel=1e-6)
    assert pickle.loads(pickle.dumps(mix)).value([1, 2]) == mix.value([1, 2])


def test_kernel_objectives_refuse_bad_kernels() -> None:
    k = _gaussian_kernel(6, 2)
    with pytest.raises(InvalidParameterError, match="lambda"):
        GraphCut(k, lam=0.8)
    with pytest.raises(InvalidParameterError, match="alpha"):
        SaturatedCoverage(k, alpha=0.0)
    asym = k.copy()
    asym[0, 1] += 1
    with pytest.raises(OutOfRangeError, match="symmetric"):
        GraphCut(asym)
    with pytest.raises(OnstreamError):
        SaturatedCoverage(k[:, :4])
    with pytest.raises(OnstreamError):
        Mixture([GraphCut(k), FacilityLocation.from_features(np.eye(5))])
    with pytest.raises(OnstreamError):
        Mixture([GraphCut(k)], weights=[-1.0])


def test_log_determinant_matches_numpy() -> None:
    k = _gaussian_kernel(12, 3)
    f = LogDeterminant(k, alpha=3.0)
    for ids in SUBSETS[:4]:
        want = np.linalg.slogdet(np.eye(len(ids)) + 3.0 * k[np.ix_(ids, ids)])[1] if ids else 0.0
        assert f.value(ids) == pytest.approx(want, abs=1e-9)
    bad = k.copy()
    bad[0, 1] = bad[1, 0] = 10.0
    with pytest.raises(OutOfRangeError, match="semidefinite"):
        LogDeterminant(bad)


def test_knn_and_sparse_kernels_keep_only_the_nearest_similarities() -> None:
    import scipy.sparse

    x = np.random.default_rng(13).standard_normal((25, 3))
    dense = euclidean_kernel(x)
    m = 5
    keep = np.zeros_like(dense)
    for i in range(25):
        top = np.argsort(-dense[i], kind="stable")[:m]
        keep[i, top] = dense[i, top]
    knn = FacilityLocation.from_features(x, n_neighbors=m)
    sparse = FacilityLocation.from_kernel(scipy.sparse.csr_matrix(keep))
    for ids in SUBSETS:
        want = facility_value(keep, ids)
        assert knn.value(ids) == pytest.approx(want, rel=1e-5, abs=1e-6)
        assert sparse.value(ids) == pytest.approx(want, rel=1e-5, abs=1e-6)
    assert knn.stored
    assert pickle.loads(pickle.dumps(sparse)).value([1, 2]) == sparse.value([1, 2])
    with pytest.raises(InvalidParameterError, match="n_neighbors"):
        FacilityLocation.from_features(x, n_neighbors=0)
