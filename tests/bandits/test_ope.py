"""Off-policy estimators against the known value of a target policy on simulated logs, and
against the on-policy click rate of the Open Bandit Dataset's random logs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from onstream.bandits import ope
from onstream.datasets import obd_logs
from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError


def _simulated_logs(n: int, seed: int) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, float]:
    """Contexts in 0..C-1, K actions, Bernoulli rewards θ[x, a]; a softmax logging policy and a
    different target policy; the truth is E_x Σ_a π(a|x) θ[x, a]."""
    rng = np.random.default_rng(seed)
    c, k = 6, 5
    theta = rng.uniform(0.05, 0.6, (c, k))
    logit = rng.normal(0, 1, (c, k))
    mu = np.exp(logit) / np.exp(logit).sum(axis=1, keepdims=True)
    target = np.roll(mu, 2, axis=1) * 0.7 + 0.3 / k
    x = rng.integers(0, c, n)
    u = rng.random(n)[:, None]
    a = (u > mu[x].cumsum(axis=1)).sum(axis=1)
    r = (rng.random(n) < theta[x, a]).astype(float)
    logs = pl.DataFrame({"action": a, "reward": r, "propensity": mu[x, a]})
    truth = float((target * theta).sum(axis=1).mean())
    return logs, target[x], theta[x], truth


def test_every_estimator_covers_the_true_value() -> None:
    logs, pi, q_true, truth = _simulated_logs(200_000, seed=1)
    q_rough = ope.per_action_mean_model(logs["action"], logs["reward"], 5)
    est = ope.evaluate(logs, pi, reward_model=q_rough)
    for row in est.iter_rows(named=True):
        if row["estimator"] == "DM":
            continue  # a context-free model is biased here; DR corrects it (below)
        assert abs(row["value"] - truth) < 4 * row["std_error"], row
    # DM with the true model is exact up to sampling of contexts; DR with it has less variance
    # than IPS (Dudík et al. 2011, section 3).
    exact = ope.evaluate(logs, pi, reward_model=q_true)
    by = {r["estimator"]: r for r in exact.iter_rows(named=True)}
    assert abs(by["DM"]["value"] - truth) < 4 * by["DM"]["std_error"] + 1e-3
    assert by["DR"]["std_error"] < by["IPS"]["std_error"]
    dm_rough = est.filter(pl.col("estimator") == "DM")["value"][0]
    assert abs(by["DR"]["value"] - truth) < abs(dm_rough - truth) + 4 * by["DR"]["std_error"]


def test_ips_with_logged_action_probabilities_only() -> None:
    logs, pi, _, truth = _simulated_logs(100_000, seed=2)
    logged = pi[np.arange(logs.height), logs["action"].to_numpy()]
    est = ope.evaluate(logs.with_columns(target=logged), "target", estimators=["ips", "snips"])
    assert est["estimator"].to_list() == ["IPS", "SNIPS"]
    for row in est.iter_rows(named=True):
        assert abs(row["value"] - truth) < 4 * row["std_error"]
    clipped = ope.evaluate(logs, logged, estimators=["ips"], max_weight=1.0)
    assert clipped["value"][0] < est["value"][0]  # clipping trades bias for variance


def test_open_bandit_dataset_random_policy_value_from_bts_logs() -> None:
    # The value of the uniform-random policy, estimated from the Bernoulli-TS logs, against its
    # on-policy click rate in the random logs of the same campaign (both noisy: ~40 clicks each).
    logs = obd_logs()
    for campaign, k in (("all", 80), ("men", 34)):
        bts = logs.filter((pl.col("policy") == "bts") & (pl.col("campaign") == campaign))
        rnd = logs.filter((pl.col("policy") == "random") & (pl.col("campaign") == campaign))
        truth = float(rnd["click"].mean())  # type: ignore[arg-type]
        truth_se = float(rnd["click"].std()) / np.sqrt(rnd.height)  # type: ignore[arg-type]
        pi = np.full((bts.height, k), 1.0 / k)
        est = ope.evaluate(bts, pi, action="item_id", reward="click", estimators=["ips", "snips"])
        for row in est.iter_rows(named=True):
            gap = abs(row["value"] - truth)
            assert gap < 4 * np.hypot(row["std_error"], truth_se), (campaign, row, truth)


def test_bad_logs_get_a_clear_error() -> None:
    logs, pi, _, _ = _simulated_logs(100, seed=3)
    with pytest.raises(InvalidParameterError, match="column"):
        ope.evaluate(logs.drop("propensity"), pi, estimators=["ips"])
    with pytest.raises(OutOfRangeError):
        ope.evaluate(logs.with_columns(propensity=0.0), pi, estimators=["ips"])
    with pytest.raises(ShapeMismatchError):
        ope.evaluate(logs, pi[:50], estimators=["ips"])
    with pytest.raises(InvalidParameterError):
        ope.evaluate(logs, pi, estimators=["dm"])  # no reward model
    with pytest.raises(InvalidParameterError):
        ope.evaluate(logs, pi * 2, estimators=["ips"])  # rows do not sum to 1
    with pytest.raises(InvalidParameterError):
        ope.evaluate(logs, pi, estimators=["magic"])
    with pytest.raises(OutOfRangeError):
        ope.evaluate(logs.with_columns(action=pl.lit(9)), pi, estimators=["ips"])
