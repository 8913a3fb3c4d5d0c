"""Bench: bandit policies one step at a time (select + update from Python) against MABWiser (the
library a user would pick) and a hand-written NumPy UCB1; replicated simulation against a NumPy
UCB1 that runs many replicates in lock-step; the streaming bandits' regret against uniform
exploration (the paper's comparison, printed as a ratio of regrets, not times)."""

from __future__ import annotations

import math
import os
import sys
import time
from functools import partial
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Bench, median_time, optional

import onstream.bandits as bd


def ours_per_step(policy: bd.Policy, means: np.ndarray, steps: int) -> float:
    u = np.random.default_rng(0).random(steps).tolist()
    m = means.tolist()
    select, update = policy.select, policy.update
    t0 = time.perf_counter()
    for t in range(steps):
        arm = select()
        update(arm, 1.0 if u[t] < m[arm] else 0.0)
    return time.perf_counter() - t0


def numpy_ucb1_per_step(means: np.ndarray, steps: int) -> float:
    """UCB1 as a NumPy user writes it: arrays for counts and sums, one vector index per step."""
    k = means.size
    counts, sums = np.zeros(k), np.zeros(k)
    u = np.random.default_rng(0).random(steps)
    t0 = time.perf_counter()
    for t in range(steps):
        arm = t if t < k else int(np.argmax(sums / counts + np.sqrt(2 * math.log(t) / counts)))
        counts[arm] += 1
        sums[arm] += u[t] < means[arm]
    return time.perf_counter() - t0


def mabwiser_per_step(mab_mod: Any, policy: str, means: np.ndarray, steps: int) -> float:
    k = means.size
    lp = mab_mod.LearningPolicy
    learning = lp.UCB1(alpha=1.0) if policy == "ucb1" else lp.ThompsonSampling()
    mab = mab_mod.MAB(arms=list(range(k)), learning_policy=learning, seed=0)
    # Warm start with one pull per arm: MABWiser's UCB1 does not force initial exploration.
    mab.fit(decisions=list(range(k)), rewards=[0.0] * k)
    u = np.random.default_rng(0).random(steps)
    t0 = time.perf_counter()
    for t in range(steps):
        arm = mab.predict()
        mab.partial_fit([arm], [float(u[t] < means[arm])])
    return time.perf_counter() - t0


def numpy_ucb1_lockstep(means: np.ndarray, horizon: int, runs: int) -> None:
    """UCB1 over ``runs`` replicates at once: every step is a few (runs, K) array operations."""
    k = means.size
    rng = np.random.default_rng(1)
    counts = np.ones((runs, k))
    sums = (rng.random((runs, k)) < means).astype(float)
    rows = np.arange(runs)
    for t in range(k, horizon):
        arm = np.argmax(sums / counts + np.sqrt(2 * math.log(t) / counts), axis=1)
        counts[rows, arm] += 1
        sums[rows, arm] += rng.random(runs) < means[arm]


def per_step_rows(bench: Bench, mab_mod: Any) -> None:
    k = 100
    means = np.random.default_rng(3).uniform(0.1, 0.9, k)
    steps = 50_000 if bench.quick else 300_000
    peer_steps = 1_000 if bench.quick else 3_000
    for name, make in (
        ("ucb1", lambda: bd.UCB1(k, seed=0)),
        ("thompson", lambda: bd.ThompsonSampling(k, seed=0)),
    ):
        ours = min(ours_per_step(make(), means, steps) for _ in range(3)) / steps
        print(f"    -> onstream {name} per step: {1 / ours / 1e6:.2f} M steps/s (K = {k})")
        if mab_mod is not None:
            peer = mabwiser_per_step(mab_mod, name, means, peer_steps) / peer_steps
            bench.record(
                f"{name} K={k}, one step (select + update)",
                ours,
                "mabwiser",
                peer,
                note=f"per step; MABWiser timed over {peer_steps:,} steps "
                f"({1 / peer:,.0f} steps/s)",
            )
        if name == "ucb1":
            peer = min(numpy_ucb1_per_step(means, steps // 5) for _ in range(3)) / (steps // 5)
            bench.record(
                f"{name} K={k}, one step (select + update)",
                ours,
                "numpy per step",
                peer,
                note=f"per step ({1 / peer:,.0f} steps/s)",
            )


def simulation_rows(bench: Bench) -> None:
    for k in (10, 100):
        means = np.linspace(0.1, 0.9, k)
        horizon = 100_000 if bench.quick else 1_000_000
        runs = 16
        ours = median_time(
            partial(
                bd.simulate,
                bd.UCB1(k),
                bd.Bernoulli(means),
                horizon,
                n_runs=runs,
                seed=1,
                n_points=10,
            ),
            bench.args.repeat,
        )
        rate = runs * horizon / ours
        lock_runs, lock_h = 256, 20_000
        t0 = time.perf_counter()
        numpy_ucb1_lockstep(means, lock_h, lock_runs)
        peer = time.perf_counter() - t0
        peer_rate = lock_runs * lock_h / peer
        bench.record(
            f"UCB1 K={k} simulation, per replicate-step",
            1 / rate,
            "numpy lock-step",
            1 / peer_rate,
            note=f"onstream {rate / 1e6:.1f} M replicate-steps/s ({runs} x {horizon:,}); "
            f"numpy {peer_rate / 1e6:.2f} M ({lock_runs} x {lock_h:,})",
        )


def streaming_rows(quick: bool) -> None:
    print("# streaming bandits (Wang, ICML 2023): mean regret over 20 runs, ratio to uniform")
    for k in (1_000, 10_000) if quick else (1_000, 10_000, 50_000):
        t = 1_000 * k**2
        for instance, means in (
            ("clear-cut", bd.clear_cut_instance(k, seed=1)),
            ("mix-in", bd.mix_in_instance(k, seed=1)),
        ):
            t0 = time.perf_counter()
            frame = bd.simulate_streaming(
                ["uniform", "naive", "log_star"], means, t, n_runs=20, seed=2
            )
            secs = time.perf_counter() - t0
            r = {
                a: float(frame.filter(frame["algorithm"] == a)["regret"].to_numpy().mean())
                for a in ("uniform", "naive", "log_star")
            }
            print(
                f"K={k:>6,} T={t:.0e} {instance:<9}  uniform {r['uniform']:.3g}  "
                f"naive {r['naive'] / r['uniform']:.2f}x  log* {r['log_star'] / r['uniform']:.2f}x"
                f"  ({secs:.1f} s for 60 runs)"
            )


def main() -> None:
    bench = Bench("bandits: per-step policies and replicated simulation")
    bench.header()
    mab_mod = optional("mabwiser.mab")
    if mab_mod is None:
        print("mabwiser not installed: `make bench` installs requirements-bench.txt")
    per_step_rows(bench, mab_mod)
    simulation_rows(bench)
    bench.finish()
    streaming_rows(bench.quick)


if __name__ == "__main__":
    main()
