"""LinUCB and linear Thompson sampling against a NumPy reference with explicit inverses, the
LinTS posterior's closed form, and regret on a linear environment."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import onstream.bandits as bd
from onstream.exceptions import (
    EmptyInputError,
    InvalidParameterError,
    NonFiniteError,
    OutOfRangeError,
    ShapeMismatchError,
)
from tests.streaming import assert_resumes

K, D = 4, 3


def _problem(steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1, (K, D))
    x = rng.normal(0, 1, (steps, D))
    rewards = x @ theta.T + rng.normal(0, 0.1, (steps, K))
    return x, rewards


def test_linucb_chooses_as_a_reference_with_explicit_inverses() -> None:
    x, rewards = _problem(300, 1)
    alpha, ridge = 0.8, 2.0
    a_inv = np.stack([np.eye(D) / ridge] * K)
    b = np.zeros((K, D))
    ours = bd.LinUCB(K, D, alpha=alpha, ridge=ridge)
    for t in range(300):
        theta = np.einsum("kij,kj->ki", a_inv, b)
        idx = theta @ x[t] + alpha * np.sqrt(np.einsum("i,kij,j->k", x[t], a_inv, x[t]))
        want = int(np.argmax(idx))
        np.testing.assert_allclose(ours.scores(x[t]), idx, rtol=1e-9, atol=1e-12)
        arm = ours.select(x[t])
        assert arm == want
        r = float(rewards[t, arm])
        ours.update(arm, r, x[t])
        v = a_inv[arm] @ x[t]
        a_inv[arm] -= np.outer(v, v) / (1 + x[t] @ v)  # Sherman–Morrison
        b[arm] += r * x[t]
    for arm in range(K):
        np.testing.assert_allclose(ours.theta(arm), a_inv[arm] @ b[arm], rtol=1e-8, atol=1e-10)


def test_lints_scores_have_the_posterior_law() -> None:
    # The score of arm a is θ̃ᵀx with θ̃ ~ N(θ̂, v² A⁻¹): normal with mean θ̂ᵀx and variance
    # v² xᵀA⁻¹x. Kolmogorov–Smirnov against that law, computed with NumPy.
    x, rewards = _problem(60, 2)
    v, ridge = 0.7, 1.0
    p = bd.LinTS(K, D, v=v, ridge=ridge, seed=3)
    a = np.stack([np.eye(D) * ridge] * K)
    b = np.zeros((K, D))
    for t in range(60):
        arm = t % K
        p.update(arm, float(rewards[t, arm]), x[t])
        a[arm] += np.outer(x[t], x[t])
        b[arm] += rewards[t, arm] * x[t]
    ctx = np.array([0.3, -1.0, 0.5])
    draws = np.stack([p.scores(ctx) for _ in range(4000)])
    for arm in range(K):
        inv = np.linalg.inv(a[arm])
        mean = ctx @ inv @ b[arm]
        sd = v * np.sqrt(ctx @ inv @ ctx)
        assert stats.kstest(draws[:, arm], "norm", args=(mean, sd)).pvalue > 1e-4


@pytest.mark.parametrize(
    "make", [lambda: bd.LinUCB(K, D, alpha=0.5), lambda: bd.LinTS(K, D, seed=1)]
)
def test_linear_policies_learn_the_best_arm_per_context(make: object) -> None:
    steps = 3000
    x, rewards = _problem(steps, 4)
    p = make()  # type: ignore[operator]
    regret = np.zeros(steps)
    for t in range(steps):
        arm = p.select(x[t])
        p.update(arm, float(rewards[t, arm]), x[t])
        regret[t] = rewards[t].max() - rewards[t, arm]
    # The best fixed arm leaves a large per-step gap; the learned policy's late gap is small.
    fixed = (rewards.max(axis=1) - rewards[:, rewards.mean(axis=0).argmax()]).mean()
    assert regret[-1000:].mean() < 0.1 * fixed


def test_linear_policies_resume_and_refuse_bad_input() -> None:
    x, rewards = _problem(200, 5)

    def feed(p: bd.LinearPolicy, t: int) -> int:
        arm = p.select(x[t])
        p.update(arm, float(rewards[t, arm]), x[t])
        return arm

    assert_resumes(lambda: bd.LinTS(K, D, seed=2), feed, list(range(200)), 90, bd.LinTS.from_bytes)
    assert_resumes(
        lambda: bd.LinUCB(K, D, seed=0), feed, list(range(200)), 90, bd.LinUCB.from_bytes
    )
    p = bd.LinUCB(K, D)
    p.update_batch([0, 1], [1.0, 0.5], x[:2])
    assert p.counts().tolist() == [1, 1, 0, 0]
    assert p.select_batch(x[:5]).shape == (5,)
    with pytest.raises(ShapeMismatchError):
        p.select(np.ones(D + 1))
    with pytest.raises(NonFiniteError):
        p.select(np.array([0.0, np.nan, 1.0]))
    with pytest.raises(OutOfRangeError):
        p.update(K, 1.0, x[0])
    with pytest.raises(NonFiniteError):
        p.update(0, float("inf"), x[0])
    with pytest.raises(ShapeMismatchError):
        p.update_batch([0, 1], [1.0], x[:2])
    with pytest.raises(EmptyInputError):
        p.select(x[0], np.zeros(K, dtype=bool))
    with pytest.raises(InvalidParameterError):
        bd.LinUCB(K, 0)
    with pytest.raises(InvalidParameterError):
        bd.LinTS(K, D, v=0.0)
    with pytest.raises(InvalidParameterError):
        bd.LinUCB(K, D, alpha=-1.0)
