"""Bandit policies against independent references: hand-written index rules, closed-form
probabilities, Monte Carlo posteriors, the papers' regret bounds; snapshots and bad input."""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Callable

import numpy as np
import pytest
from scipy import stats

import onstream.bandits as bd
from onstream.exceptions import (
    DtypeError,
    EmptyInputError,
    InvalidParameterError,
    NonFiniteError,
    OutOfRangeError,
    ShapeMismatchError,
    SnapshotError,
)
from tests.streaming import assert_resumes

# A fixed reward table: deterministic index policies must choose exactly as a hand-written
# reference that reads the same table.
K = 4
STEPS = 400
TABLE = np.random.default_rng(5).random((STEPS, K)) * np.array([0.4, 0.6, 0.5, 0.7])


def _reference_run(
    index: Callable[[np.ndarray, np.ndarray, int, list[tuple[int, float]]], np.ndarray],
) -> list[int]:
    counts, sums = np.zeros(K), np.zeros(K)
    history: list[tuple[int, float]] = []
    arms = []
    for t in range(STEPS):
        if (counts == 0).any():
            idx = np.where(counts == 0, np.inf, 0.0)
        else:
            idx = index(counts, sums, t, history)
        arm = int(np.argmax(idx))
        r = float(TABLE[t, arm])
        counts[arm] += 1
        sums[arm] += r
        history.append((arm, r))
        arms.append(arm)
    return arms


def _run(policy: bd.Policy) -> list[int]:
    arms = []
    for t in range(STEPS):
        arm = policy.select()
        policy.update(arm, float(TABLE[t, arm]))
        arms.append(arm)
    return arms


def _kl(p: float, q: float) -> float:
    out = 0.0
    if p > 0:
        out += p * math.log(p / q)
    if p < 1:
        out += (1 - p) * math.log((1 - p) / (1 - q))
    return out


def _kl_upper(p: float, n: float, level: float) -> float:
    lo, hi = p, 1.0
    for _ in range(100):  # bisection: independent of the core's Newton iteration
        mid = (lo + hi) / 2
        if n * _kl(p, mid) > level:
            hi = mid
        else:
            lo = mid
    return lo


REFERENCES: dict[str, tuple[Callable[[], bd.Policy], Callable[..., np.ndarray]]] = {
    "ucb1": (
        lambda: bd.UCB1(K, alpha=0.7),
        lambda c, s, t, h: s / c + np.sqrt(2 * 0.7 * math.log(t) / c),
    ),
    "moss": (
        lambda: bd.MOSS(K, horizon=STEPS),
        lambda c, s, t, h: s / c + np.sqrt(np.maximum(np.log(STEPS / (K * c)), 0) / c),
    ),
    "klucb": (
        lambda: bd.KLUCB(K),
        lambda c, s, t, h: np.array([_kl_upper(s[i] / c[i], c[i], math.log(t)) for i in range(K)]),
    ),
    "discounted": (
        lambda: bd.DiscountedUCB(K, gamma=0.97, xi=0.5, scale=1.0),
        lambda c, s, t, h: _discounted_index(h, 0.97, 0.5),
    ),
    "window": (
        lambda: bd.SlidingWindowUCB(K, window=60, xi=0.5),
        lambda c, s, t, h: _window_index(h, t, 60, 0.5),
    ),
}


def _discounted_index(history: list[tuple[int, float]], gamma: float, xi: float) -> np.ndarray:
    t = len(history)
    w = gamma ** (t - 1 - np.arange(t))
    arms = np.array([a for a, _ in history])
    rew = np.array([r for _, r in history])
    n = np.array([w[arms == i].sum() for i in range(K)])
    x = np.array([(w * rew)[arms == i].sum() for i in range(K)])
    with np.errstate(divide="ignore", invalid="ignore"):
        idx = x / n + 2 * np.sqrt(xi * math.log(max(n.sum(), 1.0)) / n)
    return np.where(n > 0, idx, np.inf)


def _window_index(history: list[tuple[int, float]], t: int, window: int, xi: float) -> np.ndarray:
    recent = history[-window:]
    arms = np.array([a for a, _ in recent])
    rew = np.array([r for _, r in recent])
    n = np.array([(arms == i).sum() for i in range(K)], dtype=float)
    x = np.array([rew[arms == i].sum() for i in range(K)])
    with np.errstate(divide="ignore", invalid="ignore"):
        idx = x / n + np.sqrt(xi * math.log(max(min(t, window), 1)) / n)
    return np.where(n > 0, idx, np.inf)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_index_policies_choose_as_a_hand_written_reference(name: str) -> None:
    make, index = REFERENCES[name]
    ours = _run(make())
    ref = _reference_run(index)
    # Float ties can resolve differently only where two indices agree to ~1e-15; none here.
    assert ours == ref


def test_exp3_probabilities_and_importance_weights_follow_the_formula() -> None:
    p = bd.EXP3(5, horizon=1000, seed=3)
    eta = math.sqrt(2 * math.log(5) / (1000 * 5))
    losses = np.zeros(5)
    rng = np.random.default_rng(0)
    for _ in range(200):
        arm = p.select()
        state = json.loads(p.to_json())["rule"]["Exp3"]["losses"]
        probs = np.array(state["last_p"])
        want = np.exp(-eta * (losses - losses.min()))
        np.testing.assert_allclose(probs, want / want.sum(), rtol=1e-12)
        r = float(rng.random())
        p.update(arm, r)
        losses[arm] += (1 - r) / probs[arm]
        got = json.loads(p.to_json())["rule"]["Exp3"]["losses"]["sums"]
        np.testing.assert_allclose(got, losses)


def test_tsallis_inf_probabilities_have_the_half_tsallis_form() -> None:
    # p_i = 4 / (η (L_i − x))², so 2/sqrt(p_i) − 2/sqrt(p_j) = η (L_i − L_j), and Σ p = 1.
    p = bd.TsallisINF(4, seed=1)
    rng = np.random.default_rng(1)
    for t in range(1, 150):
        arm = p.select()
        rule = json.loads(p.to_json())["rule"]["TsallisInf"]["losses"]
        probs, losses = np.array(rule["last_p"]), np.array(rule["sums"])
        eta = 2 / math.sqrt(t)
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)
        lhs = 2 / np.sqrt(probs) - 2 / np.sqrt(probs[0])
        np.testing.assert_allclose(lhs, eta * (losses - losses[0]), atol=1e-8)
        p.update(arm, float(rng.random() < 0.3 + 0.1 * arm))


def test_thompson_sampling_picks_each_arm_with_its_posterior_probability() -> None:
    # With the state fixed, a batch of decisions are independent posterior draws: arm i is chosen
    # with P(Beta_i is the largest), which a NumPy Monte Carlo estimates independently.
    p = bd.ThompsonSampling(3, seed=2)
    p.update_batch(
        [0] * 10 + [1] * 12 + [2] * 8, [1] * 6 + [0] * 4 + [1] * 8 + [0] * 4 + [1] * 4 + [0] * 4
    )
    n = 40_000
    picks = np.bincount(p.select_batch(n), minlength=3)
    rng = np.random.default_rng(0)
    draws = np.stack([rng.beta(7, 5, 10**6), rng.beta(9, 5, 10**6), rng.beta(5, 5, 10**6)])
    probs = np.bincount(draws.argmax(axis=0), minlength=3) / 10**6
    chi2 = float(((picks - n * probs) ** 2 / (n * probs)).sum())
    assert stats.chi2.sf(chi2, 2) > 1e-4, (picks / n, probs)


def test_gaussian_thompson_draws_have_the_posterior_law() -> None:
    # One arm alone is always chosen; two arms with equal posteriors split evenly; the posterior
    # of an arm with n rewards summing to s is N(s/(n+1), σ²/(n+1)).
    p = bd.GaussianThompsonSampling(2, sigma=2.0, seed=4)
    p.update_batch([0] * 9 + [1] * 9, [1.0] * 9 + [1.0] * 9)
    picks = np.bincount(p.select_batch(20_000), minlength=2)
    assert stats.binomtest(int(picks[0]), 20_000, 0.5).pvalue > 1e-4


def test_softmax_and_epsilon_greedy_choose_with_their_probabilities() -> None:
    soft = bd.Softmax(3, temperature=0.5, seed=1)
    soft.update_batch([0, 1, 2], [0.2, 0.8, 0.5])
    want = np.exp(np.array([0.2, 0.8, 0.5]) / 0.5)
    want /= want.sum()
    n = 30_000
    picks = np.bincount(soft.select_batch(n), minlength=3)
    assert stats.chisquare(picks, n * want).pvalue > 1e-4
    eg = bd.EpsilonGreedy(4, epsilon=0.2, seed=1)
    eg.update_batch([0, 1, 2, 3], [0.1, 0.9, 0.3, 0.2])
    picks = np.bincount(eg.select_batch(n), minlength=4)
    want = np.full(4, 0.05)
    want[1] += 0.8
    assert stats.chisquare(picks, n * want).pvalue > 1e-4


ALL: list[Callable[[], bd.Policy]] = [
    lambda: bd.EpsilonGreedy(5, seed=1),
    lambda: bd.Softmax(5, seed=1),
    lambda: bd.UCB1(5, seed=1),
    lambda: bd.KLUCB(5, seed=1),
    lambda: bd.MOSS(5, horizon=500, seed=1),
    lambda: bd.ThompsonSampling(5, seed=1),
    lambda: bd.GaussianThompsonSampling(5, seed=1),
    lambda: bd.EXP3(5, seed=1),
    lambda: bd.TsallisINF(5, seed=1),
    lambda: bd.DiscountedUCB(5, seed=1),
    lambda: bd.SlidingWindowUCB(5, window=30, seed=1),
]


@pytest.mark.parametrize("make", ALL)
def test_every_policy_resumes_bit_for_bit(make: Callable[[], bd.Policy]) -> None:
    rng = np.random.default_rng(9)
    rewards = rng.random((300, 5)) < np.linspace(0.2, 0.7, 5)

    def feed(p: bd.Policy, t: int) -> int:
        arm = p.select()
        p.update(arm, float(rewards[t, arm]))
        return arm

    assert_resumes(make, feed, list(range(300)), cut=137, restore=type(make()).from_bytes)
    # JSON round trip, also between a decision and its update.
    p = make()
    for t in range(50):
        feed(p, t)
    arm = p.select()
    q = type(p).from_json(p.to_json())
    assert q.to_bytes() == p.to_bytes()
    p.update(arm, 1.0)
    q.update(arm, 1.0)
    assert [feed(p, t) for t in range(50, 120)] == [feed(q, t) for t in range(50, 120)]
    assert "steps=" in repr(p)


def test_masks_slates_and_arm_changes() -> None:
    p = bd.UCB1(4, seed=0)
    mask = np.array([False, True, False, True])
    for _ in range(50):
        arm = p.select(mask)
        assert arm in (1, 3)
        p.update(arm, 1.0 if arm == 3 else 0.0)
    slate = p.select_k(3)
    assert len(set(slate.tolist())) == 3
    assert slate[0] in (0, 2)  # unplayed arms rank first
    p.remove_arm(3)
    assert not p.live()[3]
    assert all(p.select() != 3 for _ in range(20))
    new = p.add_arm()
    assert new == 4
    assert p.n_arms == 5
    assert p.select() == 0  # unplayed arms first, lowest id
    batch = p.select_batch(5)
    assert batch.tolist() == [0] * 5  # an index policy repeats its arm within a batch


def test_bad_input_gets_a_clear_error() -> None:
    p = bd.UCB1(3, seed=0)
    with pytest.raises(NonFiniteError):
        p.update(0, float("nan"))
    with pytest.raises(OutOfRangeError):
        p.update(3, 0.5)
    with pytest.raises(InvalidParameterError):
        p.update(-1, 0.5)
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
        p.update(0, 2.0)
    with pytest.raises(DtypeError):
        p.update("a", 0.5)  # type: ignore[arg-type]
    with pytest.raises(DtypeError):
        p.update(0, "x")  # type: ignore[arg-type]
    with pytest.raises(EmptyInputError):
        p.select(np.zeros(3, dtype=bool))
    with pytest.raises(ShapeMismatchError):
        p.select(np.ones(4, dtype=bool))
    with pytest.raises(DtypeError):
        p.select(np.ones(3, dtype=np.int64))
    with pytest.raises(ShapeMismatchError):
        p.update_batch([0, 1], [0.5])
    with pytest.raises(NonFiniteError):
        p.update_batch([0, 1], [0.5, float("inf")])
    assert p.steps == 0  # nothing above changed the state
    with pytest.raises(InvalidParameterError):
        bd.UCB1(0)
    with pytest.raises(InvalidParameterError):
        bd.EpsilonGreedy(3, epsilon=1.5)
    with pytest.raises(InvalidParameterError):
        bd.MOSS(3, horizon=0)
    with pytest.raises(InvalidParameterError):
        bd.DiscountedUCB(3, gamma=1.0)
    with pytest.raises(SnapshotError):
        bd.UCB1.from_bytes(b"garbage")
    with pytest.raises(SnapshotError):
        bd.UCB1.from_json("{}")
    # Another rule's state is refused by name; the base class restores whichever rule it holds.
    with pytest.raises(SnapshotError, match="UCB1 policy, not a EXP3"):
        bd.EXP3.from_bytes(p.to_bytes())
    with pytest.raises(SnapshotError, match="not a KLUCB"):
        bd.KLUCB.from_json(p.to_json())
    restored = bd.Policy.from_bytes(bd.TsallisINF(3, seed=1).to_bytes())
    assert type(restored) is bd.TsallisINF
    q = bd.UCB1(2)
    q.remove_arm(0)
    with pytest.raises(InvalidParameterError):
        q.remove_arm(1)  # the last live arm
    assert pickle.loads(pickle.dumps(q)) == q
