"""Streaming bandits (Chen Wang, ICML 2023): the memory bound, the paper's comparison with
uniform exploration, the ε-best guarantee, the state machine and its snapshots."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import onstream.bandits as bd
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from tests.streaming import assert_resumes


def _drive(alg: bd.StreamingBandit, means: np.ndarray, rng: np.random.Generator) -> float:
    """Runs the whole stream through the state machine with NumPy rewards; returns the regret."""
    best, regret = means.max(), 0.0

    def pulls(p: tuple[int, int] | None) -> None:
        nonlocal regret
        while p is not None:
            arm, n = p
            regret += n * (best - means[arm])
            alg.report(arm, float(rng.binomial(n, means[arm])), n)
            assert alg.stored <= alg.memory_bound
            p = alg.next_pull()

    for arm in range(means.size):
        if alg.committed is not None:
            break
        pulls(alg.push_arm(arm))
    if alg.committed is None:
        pulls(alg.finish())
    assert alg.committed is not None
    return float(regret + alg.remaining * (best - means[alg.committed]))


def test_the_state_machine_never_exceeds_its_memory_and_commits() -> None:
    means = bd.clear_cut_instance(3000, seed=1)
    for name in ("uniform", "naive", "log_star"):
        alg = bd.StreamingBandit(name, n_arms=means.size, horizon=10**10)
        _drive(alg, means, np.random.default_rng(0))
        assert alg.peak_stored <= alg.memory_bound
        assert alg.memory_bound == (2 if name != "log_star" else 4)
        assert alg.committed is not None
        assert means[alg.committed] >= means.max() - alg.epsilon


def test_log_star_has_less_regret_than_uniform_exploration_on_the_clear_cut_instance() -> None:
    # Section 6 of the paper: ε-best-then-commit beats uniform exploration (up to 70% less
    # regret there). Here: K = 2000, T = 1000 K², 20 replicates each.
    k = 2000
    means = bd.clear_cut_instance(k, seed=3)
    frame = bd.simulate_streaming(["uniform", "log_star"], means, 1000 * k**2, n_runs=20, seed=1)
    mean = frame.group_by("algorithm").agg(pl.col("regret").mean())
    r = dict(zip(mean["algorithm"], mean["regret"], strict=True))
    assert r["log_star"] < 0.9 * r["uniform"]
    assert (frame["peak_stored"] <= 4).all()
    # And the regret is within the O(K^(1/3) T^(2/3)) order the paper proves for all of them.
    scale = k ** (1 / 3) * (1000 * k**2) ** (2 / 3)
    assert r["log_star"] < scale


def test_simulation_agrees_with_the_state_machine_driven_from_python() -> None:
    # Same algorithm, independent reward draws: the mean regrets agree within noise.
    means = bd.mix_in_instance(500, seed=2)
    t = 10**8
    frame = bd.simulate_streaming("log_star", means, t, n_runs=30, seed=5)
    sim = float(frame["regret"].to_numpy().mean())
    rng = np.random.default_rng(11)
    by_hand = np.mean(
        [_drive(bd.StreamingBandit("log_star", 500, t), means, rng) for _ in range(30)]
    )
    assert abs(sim - by_hand) < 0.1 * by_hand


def test_streaming_objects_resume_exactly() -> None:
    means = bd.clear_cut_instance(400, seed=4)
    rng_seed = 3

    def make() -> bd.StreamingBandit:
        return bd.StreamingBandit("log_star", n_arms=400, horizon=10**8)

    def feed(alg: bd.StreamingBandit, arm: int) -> tuple[int, int] | None:
        rng = np.random.default_rng(rng_seed + arm)
        p = alg.push_arm(arm)
        first = p
        while p is not None:
            a, n = p
            alg.report(a, float(rng.binomial(n, means[a])), n)
            p = alg.next_pull()
        return first

    assert_resumes(make, feed, list(range(400)), cut=173, restore=bd.StreamingBandit.from_bytes)


def test_misuse_gets_a_clear_error() -> None:
    alg = bd.StreamingBandit("naive", n_arms=3, horizon=1000)
    p = alg.push_arm(0)
    assert p is not None
    with pytest.raises(InvalidParameterError, match="pending"):
        alg.push_arm(1)
    with pytest.raises(InvalidParameterError):
        alg.report(0, p[1] + 1.0, p[1])  # more than n rewards of at most 1
    with pytest.raises(InvalidParameterError):
        alg.report(0, float("nan"), p[1])
    with pytest.raises(InvalidParameterError):
        alg.report(2, 0.0, p[1])
    with pytest.raises(InvalidParameterError):
        bd.StreamingBandit("greedy", 3, 1000)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError):
        bd.StreamingBandit("naive", 10, 10)
    with pytest.raises(OutOfRangeError):
        bd.simulate_streaming("naive", [0.5, 1.5], 100)
