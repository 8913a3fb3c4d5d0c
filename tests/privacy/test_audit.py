"""The auditor passes the real mechanisms at their claimed ε and flags under-noised ones."""

from __future__ import annotations

import numpy as np
import pytest

from onstream.exceptions import InvalidParameterError
from onstream.privacy import ContinualCounter, discrete_laplace, epsilon_lower_bound

RUNS = 20_000


def _counter_outputs(stream: list[int], epsilon: float, seed0: int) -> np.ndarray:
    """The binary counter's first release, over many independent runs (seeded for the test)."""
    return np.array(
        [
            ContinualCounter(
                4, mechanism="binary", epsilon=epsilon, insecure_seed=seed0 + r
            ).release(stream)[0]
            for r in range(RUNS)
        ]
    )


def test_laplace_noise_passes_at_its_epsilon() -> None:
    eps = 1.0
    # Seeded, so that the auditor's designed 0.1% false-alarm rate cannot fail a CI run.
    a = 0 + discrete_laplace(1 / eps, 200_000, insecure_seed=1)
    b = 1 + discrete_laplace(1 / eps, 200_000, insecure_seed=2)
    bound = epsilon_lower_bound(a, b)
    assert bound <= eps
    assert bound > 0.6 * eps  # and the auditor is not toothless: it proves most of it


def test_real_counter_passes_and_under_noised_counter_is_flagged() -> None:
    claimed = 1.0
    zero, one = [0, 0, 0, 0], [1, 0, 0, 0]
    honest = epsilon_lower_bound(
        _counter_outputs(zero, claimed, 0), _counter_outputs(one, claimed, RUNS)
    )
    assert honest <= claimed
    # Built with 10x the epsilon it claims: a tenth of the noise.
    cheat = epsilon_lower_bound(
        _counter_outputs(zero, 10 * claimed, 0), _counter_outputs(one, 10 * claimed, RUNS)
    )
    assert cheat > claimed


def test_bad_input() -> None:
    with pytest.raises(InvalidParameterError, match="invalid outputs"):
        epsilon_lower_bound([], [1])
    with pytest.raises(InvalidParameterError, match="invalid alpha"):
        epsilon_lower_bound([1], [1], alpha=0)
    assert epsilon_lower_bound([1, 2], [1, 2], min_count=10) == 0.0
