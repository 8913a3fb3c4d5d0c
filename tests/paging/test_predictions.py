"""Prediction generators against plain-Python truth, and the learning-augmented policies on real
data against the guarantees their papers state."""

from __future__ import annotations

import math

import numpy as np
import pytest

from onstream.datasets import sprite_trace
from onstream.exceptions import (
    DtypeError,
    InvalidParameterError,
    ShapeMismatchError,
)
from onstream.paging import (
    PREDICTIVE,
    Cache,
    Predictions,
    discard_bits,
    next_arrivals,
    phase_bits,
    simulate,
)


def _lfd_discard_labels(trace: list[int], k: int) -> list[bool]:
    """Request t's label is 1 iff Belady evicts its page before the page's next request."""
    cache: set[int] = set()
    last: dict[int, int] = {}
    labels = [False] * len(trace)

    def next_use(y: int, t: int) -> float:
        for u in range(t + 1, len(trace)):
            if trace[u] == y:
                return u
        return math.inf

    for t, x in enumerate(trace):
        if x not in cache:
            if len(cache) == k:
                victim = max(cache, key=lambda y: next_use(y, t))
                cache.remove(victim)
                labels[last[victim]] = True
            cache.add(x)
        last[x] = t
    return labels


def test_discard_bits_match_belady_where_ties_cannot_matter() -> None:
    trace = sprite_trace()[:1500].tolist()
    k = 40
    ours = discard_bits(trace, k)
    want = _lfd_discard_labels(trace, k)
    nxt = next_arrivals(trace)
    finite = np.isfinite(nxt)
    assert finite.sum() > 1000
    np.testing.assert_array_equal(ours[finite], np.array(want)[finite])


def test_phase_bits_match_the_definition() -> None:
    trace = sprite_trace()[:3000].tolist()
    k = 50
    phase, seen, phases = 0, set[int](), []
    for x in trace:
        if x not in seen and len(seen) == k:
            phase, seen = phase + 1, set()
        seen.add(x)
        phases.append(phase)
    in_phase: dict[int, set[int]] = {}
    for x, p in zip(trace, phases, strict=True):
        in_phase.setdefault(p, set()).add(x)
    want = [x in in_phase.get(p + 1, set()) for x, p in zip(trace, phases, strict=True)]
    np.testing.assert_array_equal(phase_bits(trace, k), want)


def test_next_arrivals_exact_and_noisy() -> None:
    trace = [3, 1, 3, 2, 1]
    np.testing.assert_array_equal(next_arrivals(trace), [2, 4, np.inf, np.inf, np.inf])
    noisy = next_arrivals(sprite_trace(), sigma=0.5, seed=3)
    exact = next_arrivals(sprite_trace())
    finite = np.isfinite(exact)
    excess = noisy[finite] - exact[finite]
    # lognormal(0, 0.5): median 1, mean exp(0.125).
    assert abs(float(np.median(excess)) - 1.0) < 0.02
    assert abs(float(excess.mean()) - math.exp(0.125)) < 0.02


def test_noise_rates_and_reproducibility() -> None:
    trace = sprite_trace()
    truth = discard_bits(trace, 100)
    noisy = discard_bits(trace, 100, wrong0=0.2, wrong1=0.05, seed=9)
    assert abs(float((~noisy[truth]).mean()) - 0.2) < 0.01
    assert abs(float(noisy[~truth].mean()) - 0.05) < 0.01
    np.testing.assert_array_equal(noisy, discard_bits(trace, 100, wrong0=0.2, wrong1=0.05, seed=9))
    # simulate's own generated bits are the same bits for the same seed.
    own = simulate(
        trace, ["discard"], [100], seed=9, predictions=Predictions(wrong0=0.2, wrong1=0.05)
    )
    given = simulate(trace, ["discard"], [100], predictions=Predictions(discard=noisy))
    assert own["misses"][0] == given["misses"][0]
    assert own["eta0"][0] == int((~noisy & truth).sum())
    assert own["eta1"][0] == int((noisy & ~truth).sum())


def test_marking_algorithms_with_exact_predictions_are_2_competitive_on_real_data() -> None:
    trace = sprite_trace()
    marking = ("predictive_marker", "lmarker", "lnonmarker", "mark_predict")
    frame = simulate(trace, ["lfd", *marking], [200], seed=4)
    misses = dict(zip(frame["policy"], frame["misses"], strict=True))
    for policy in marking:
        assert misses["lfd"] <= misses[policy] <= 2 * misses["lfd"] + 200, (policy, misses)


def test_perfect_predictions_are_optimal_on_real_data() -> None:
    trace = sprite_trace()
    frame = simulate(trace, ["lfd", "discard", "discard_random", "blind_oracle"], [100, 1000])
    for size in (100, 1000):
        rows = frame.filter(frame["size"] == size)
        assert rows["misses"].n_unique() == 1, rows


def test_robust_versions_survive_adversarial_predictions() -> None:
    trace = sprite_trace()
    k = 200
    bad = Predictions(wrong0=1.0, wrong1=1.0, sigma=12.0)
    frame = simulate(trace, ["lru", "marker", *PREDICTIVE], [k], seed=2, predictions=bad)
    misses = dict(zip(frame["policy"], frame["misses"], strict=True))
    slack = k * (math.ceil(math.log2(len(trace))) + 2)
    assert misses["discard_robust"] <= 4 * misses["lru"] + slack
    assert misses["discard_random_robust"] <= 4 * misses["marker"] + slack
    assert misses["blind_oracle_robust"] <= 4 * misses["lru"] + slack
    # ...whereas following the bad bits alone is far worse than LRU here.
    assert misses["discard"] > misses["lru"]


def test_bad_prediction_input() -> None:
    trace = [1, 2, 3, 1]
    with pytest.raises(ShapeMismatchError, match="discard has 3, trace has 4"):
        simulate(trace, ["discard"], [2], predictions=Predictions(discard=[True, False, True]))
    with pytest.raises(DtypeError, match="expected bool"):
        simulate(trace, ["discard"], [2], predictions=Predictions(discard=[1, 0, 1, 0]))
    with pytest.raises(InvalidParameterError, match=r"invalid wrong0: got 1\.5"):
        simulate(trace, ["discard"], [2], predictions=Predictions(wrong0=1.5))
    with pytest.raises(InvalidParameterError, match="they depend on the cache size"):
        simulate(trace, ["discard"], [2, 3], predictions=Predictions(discard={2: [True] * 4}))
    with pytest.raises(InvalidParameterError, match="times must be >= 0"):
        simulate(trace, ["blind_oracle"], [2], predictions=Predictions(next_arrival=[-1.0] * 4))
    with pytest.raises(InvalidParameterError, match="per-request predictions"):
        Cache("discard", 10)
    with pytest.raises(InvalidParameterError, match="invalid sigma"):
        next_arrivals(trace, sigma=-1.0)
