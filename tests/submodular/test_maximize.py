"""The greedy family and the sieves against brute force, against each other and against apricot."""

from __future__ import annotations

import math

import numpy as np
import pytest

from onstream.exceptions import InvalidParameterError, NonFiniteError
from onstream.submodular import (
    CallbackObjective,
    DynamicMaximizer,
    FacilityLocation,
    FeatureBased,
    Mixture,
    Objective,
    WeightedCoverage,
    maximize,
)
from tests.submodular.reference import brute_force, random_sets

GREEDY_BOUND = 1 - 1 / math.e


def small_objectives(seed: int) -> dict[str, Objective]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((12, 3))
    return {
        "facility": FacilityLocation.from_features(x),
        "facility-cosine": FacilityLocation.from_features(x, "cosine", store=False),
        "coverage": WeightedCoverage(random_sets(12, 15, seed), rng.random(15)),
        "features": FeatureBased(rng.random((12, 5)), "sqrt"),
    }


@pytest.mark.parametrize("seed", range(4))
def test_lazy_greedy_picks_what_naive_greedy_picks(seed: int) -> None:
    for obj in small_objectives(seed).values():
        for k in (1, 4, 12):
            lazy, naive = maximize(obj, k, "lazy"), maximize(obj, k, "naive")
            np.testing.assert_array_equal(lazy.indices, naive.indices)
            assert lazy.value == pytest.approx(naive.value)
            assert lazy.oracle_calls <= naive.oracle_calls


@pytest.mark.parametrize("seed", range(4))
def test_greedy_and_sieves_meet_their_bounds_against_brute_force(seed: int) -> None:
    eps = 0.1
    for obj in small_objectives(seed).values():
        for k in (2, 3):
            opt = brute_force(obj.value, range(12), k)
            greedy = maximize(obj, k, "lazy")
            # float32 similarities: values agree to about 1e-7 relative.
            assert GREEDY_BOUND * opt * (1 - 1e-6) <= greedy.value <= opt * (1 + 1e-6)
            assert greedy.value == pytest.approx(obj.value(greedy.indices))
            assert greedy.gains.sum() == pytest.approx(greedy.value)
            for sieve in ("sieve", "sieve++"):
                got = maximize(obj, k, sieve, epsilon=eps)
                assert len(got.indices) <= k
                assert got.value >= (0.5 - eps) * opt * (1 - 1e-6)


def test_stochastic_greedy_meets_its_bound_on_average() -> None:
    eps = 0.1
    for obj in small_objectives(9).values():
        k = 3
        opt = brute_force(obj.value, range(12), k)
        values = [maximize(obj, k, "stochastic", epsilon=eps, seed=s).value for s in range(100)]
        assert np.mean(values) >= (GREEDY_BOUND - eps) * opt
    # Reproducible: the same seed gives the same picks.
    obj = small_objectives(1)["coverage"]
    a = maximize(obj, 4, "stochastic", seed=5)
    b = maximize(obj, 4, "stochastic", seed=5)
    np.testing.assert_array_equal(a.indices, b.indices)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("optimizer", ["naive", "lazy"])
def test_exact_greedy_selects_what_apricot_selects(metric: str, optimizer: str) -> None:
    apricot = pytest.importorskip("apricot")
    x = np.random.default_rng(11).standard_normal((400, 6))
    theirs = apricot.FacilityLocationSelection(30, metric=metric, optimizer=optimizer).fit(x)
    for store in (True, False):
        obj = FacilityLocation.from_features(x, metric, store=store)  # type: ignore[arg-type]
        ours = maximize(obj, 30, optimizer)  # type: ignore[arg-type]
        np.testing.assert_array_equal(ours.indices, np.asarray(theirs.ranking))
        np.testing.assert_allclose(ours.gains, np.asarray(theirs.gains), rtol=1e-4)


@pytest.mark.filterwarnings("ignore")
def test_a_precomputed_kernel_selects_what_apricot_selects() -> None:
    apricot = pytest.importorskip("apricot")
    x = np.random.default_rng(12).random((200, 4))
    kernel = np.exp(-((x[:, None] - x[None]) ** 2).sum(-1))
    theirs = apricot.FacilityLocationSelection(15, metric="precomputed").fit(kernel)
    ours = maximize(FacilityLocation.from_kernel(kernel), 15)
    np.testing.assert_array_equal(ours.indices, np.asarray(theirs.ranking))


def test_selection_as_a_table() -> None:
    sel = maximize(small_objectives(0)["coverage"], 3)
    t = sel.to_polars()
    assert t.columns == ["rank", "index", "gain", "value"]
    assert t["value"][-1] == pytest.approx(sel.value)


def test_bad_arguments_are_clear_errors() -> None:
    obj = small_objectives(0)["facility"]
    for k in (0, -1, 13, 2.5, True):
        with pytest.raises(InvalidParameterError, match="k"):
            maximize(obj, k)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="optimizer"):
        maximize(obj, 2, "best")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="epsilon"):
        maximize(obj, 2, "stochastic", epsilon=1.5)
    with pytest.raises(InvalidParameterError, match="objective"):
        maximize(np.eye(3), 2)  # type: ignore[arg-type]
    with pytest.raises(NonFiniteError):
        FacilityLocation.from_features(np.full((3, 2), np.inf))


def test_a_python_callback_objective_runs_every_optimizer() -> None:
    cov = small_objectives(3)["coverage"]
    calls = []

    def value(ids: np.ndarray) -> float:
        calls.append(len(ids))
        return cov.value(ids)

    cb = CallbackObjective(value, 12)
    for opt in ("naive", "lazy", "stochastic", "sieve++"):
        ours = maximize(cb, 3, opt, seed=1)
        ref = maximize(cov, 3, opt, seed=1)
        np.testing.assert_array_equal(ours.indices, ref.indices)
        assert ours.value == pytest.approx(ref.value)
    assert calls
    dyn = DynamicMaximizer(Mixture([cb, cov], weights=[1.0, 1.0]), 3, 0.2)
    dyn.insert(np.arange(12))
    assert dyn.value == pytest.approx(2 * cov.value(dyn.solution().indices))


def test_a_failing_callback_raises_its_error() -> None:
    def value(ids: np.ndarray) -> float:
        if len(ids) >= 2:
            raise RuntimeError("boom")
        return float(len(ids))

    with pytest.raises(RuntimeError, match="boom"):
        maximize(CallbackObjective(value, 5), 3)
    with pytest.raises(NonFiniteError, match="callback value"):
        maximize(CallbackObjective(lambda ids: float("nan") if len(ids) else 0.0, 5), 2)
    with pytest.raises(InvalidParameterError, match="callable"):
        CallbackObjective(3, 5)  # type: ignore[arg-type]
