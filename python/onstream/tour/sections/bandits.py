"""Tour: bandit policies in simulation, the streaming bandits' regret against uniform exploration,
and off-policy evaluation on the Open Bandit Dataset."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

import onstream.bandits as bd
from onstream.bandits import ope
from onstream.datasets import obd_logs
from onstream.tour.registry import Section, TourContext


def _policies(ctx: TourContext) -> None:
    k, horizon, runs = 10, 20_000, 50
    means = np.linspace(0.3, 0.7, k)
    ctx.note(
        f"Classical policies on {k} Bernoulli arms (means 0.30 … 0.70), {horizon:,} steps, "
        f"{runs} replicates each, simulated in parallel in Rust. Pseudo-regret at the horizon; "
        "UCB1's line is Auer et al.'s Theorem 1 bound."
    )
    policies = [
        bd.EpsilonGreedy(k, epsilon=0.05),
        bd.UCB1(k),
        bd.KLUCB(k),
        bd.MOSS(k, horizon=horizon),
        bd.ThompsonSampling(k),
        bd.EXP3(k),
        bd.TsallisINF(k),
    ]
    frames = []
    with ctx.progress("bandit simulations", total=len(policies)) as advance:
        for p in policies:
            frames.append(bd.simulate(p, bd.Bernoulli(means), horizon, n_runs=runs, seed=7))
            advance(1)
    curves = pl.concat(frames)
    final = (
        curves.filter(pl.col("t") == horizon)
        .group_by("policy", maintain_order=True)
        .agg(
            pl.col("regret").mean().alias("mean regret"),
            pl.col("regret").std().alias("sd"),
        )
    )
    gaps = means.max() - means[:-1]
    auer = float((8 * np.log(horizon) / gaps).sum() + (1 + np.pi**2 / 3) * gaps.sum())
    ctx.table(f"Regret after {horizon:,} steps (UCB1 bound: {auer:,.0f})", final, "{:.1f}")

    def draw(ax: Any) -> None:
        mean = curves.group_by(["policy", "t"], maintain_order=True).agg(pl.col("regret").mean())
        for name in final["policy"]:
            c = mean.filter(pl.col("policy") == name)
            ax.plot(c["t"], c["regret"], label=name)
        ax.set_xlabel("step")
        ax.set_ylabel("mean pseudo-regret")
        ax.set_title(f"{k} Bernoulli arms, {runs} replicates")
        ax.legend(fontsize=8)

    ctx.plot("bandits_regret.png", draw)


def _streaming(ctx: TourContext) -> None:
    k = 5_000
    horizon = 1_000 * k**2
    ctx.note(
        f"Single-pass streaming bandits (Chen Wang, ICML 2023): {k:,} arms arrive once each, "
        f"T = {horizon:.1e} pulls, at most a few arms stored. The paper's claim: finding an "
        "ε-best arm and committing beats uniform exploration. 20 replicates per algorithm, exact "
        "batch rewards."
    )
    rows = []
    for name, means in (
        ("clear-cut", bd.clear_cut_instance(k, seed=1)),
        ("mix-in", bd.mix_in_instance(k, seed=1)),
    ):
        frame = bd.simulate_streaming(
            ["uniform", "naive", "log_star"], means, horizon, n_runs=20, seed=3
        )
        agg = frame.group_by("algorithm", maintain_order=True).agg(
            pl.col("regret").mean().alias("mean regret"),
            pl.col("peak_stored").max().alias("arms stored"),
            (pl.col("committed_mean") >= means.max() - (k / horizon) ** (1 / 3))
            .mean()
            .alias("ε-best share"),
        )
        base = float(agg.filter(pl.col("algorithm") == "uniform")["mean regret"][0])
        rows.append(
            agg.with_columns(
                pl.lit(name).alias("instance"),
                (pl.col("mean regret") / base).alias("vs uniform"),
            ).select(
                "instance", "algorithm", "mean regret", "vs uniform", "arms stored", "ε-best share"
            )
        )
    ctx.table("Streaming bandits: regret and memory", pl.concat(rows), "{:.3g}")


def _ope(ctx: TourContext) -> None:
    logs = obd_logs()
    ctx.note(
        "Off-policy evaluation on the Open Bandit Dataset sample (ZOZOTOWN): the click rate of "
        "the uniform-random recommender estimated from the Bernoulli-TS logs alone, against the "
        "rate the random logs measured on-policy. Clicks are rare (≈ 40 per 10,000), so the "
        "intervals are wide. DR uses each item's mean logged click rate as its reward model."
    )
    rows = []
    for campaign in ("all", "men", "women"):
        bts = logs.filter((pl.col("policy") == "bts") & (pl.col("campaign") == campaign))
        rnd = logs.filter((pl.col("policy") == "random") & (pl.col("campaign") == campaign))
        k = int(logs.filter(pl.col("campaign") == campaign)["item_id"].max()) + 1  # type: ignore[arg-type]
        pi = np.full((bts.height, k), 1.0 / k)
        model = ope.per_action_mean_model(bts["item_id"], bts["click"], k)
        est = ope.evaluate(
            bts,
            pi,
            action="item_id",
            reward="click",
            reward_model=model,
            estimators=["ips", "snips", "dr"],
        )
        truth = float(rnd["click"].cast(pl.Float64).mean())
        rows.append(
            est.select(
                pl.lit(campaign).alias("campaign"),
                "estimator",
                (pl.col("value") * 100).alias("CTR %"),
                (pl.col("ci_low") * 100).alias("95% low"),
                (pl.col("ci_high") * 100).alias("95% high"),
                pl.lit(truth * 100).alias("on-policy CTR %"),
            )
        )
    ctx.table("Random policy's click rate from BTS logs", pl.concat(rows), "{:.3f}")


def run(ctx: TourContext) -> None:
    _policies(ctx)
    _streaming(ctx)
    _ope(ctx)


SECTION = Section(
    key="bandits",
    title="Bandits: policies, streaming regret and off-policy evaluation",
    order=25,
    run=run,
)
