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


def _papers(ctx: TourContext) -> None:
    ctx.note(
        "Three more papers, each at reduced scale: Learning to Relax (Khodak et al., ICLR 2024) "
        "tunes SOR's ω over 1,500 shifted 5-point Laplacian systems from iteration counts alone; "
        "groupwise regret (Acharya et al., ICLR 2024) on 20,000 points in shape × colour groups; "
        "the LSD planner (Foussoul et al.) against the brute-force optimum of a 3-arm instance."
    )
    table = bd.laplacian_costs(1500, omegas=np.linspace(1.0, 1.95, 12), seed=3)
    costs = table.costs.astype(np.int64)
    tuner, cheb = bd.RelaxTuner(table.omegas, seed=1), bd.ChebCB(table.omegas, seed=2)
    spent_t = spent_c = 0
    with ctx.progress("tuning SOR", total=len(costs)) as advance:
        for t in range(len(costs)):
            arm = tuner.select()
            tuner.update(arm, float(costs[t, arm]))
            spent_t += int(costs[t, arm])
            shift = float(table.shifts[t])
            arm = cheb.select(shift)
            cheb.update(shift, arm, float(costs[t, arm]))
            spent_c += int(costs[t, arm])
            advance(1)
    best = int(costs.sum(axis=0).min())
    ctx.table(
        "SOR iterations over 1,500 systems (lower is better)",
        pl.DataFrame(
            {
                "policy": [
                    "best fixed ω (hindsight)",
                    "Tsallis-INF over the grid",
                    "ChebCB (context: the shift)",
                    "instance-optimal ω*",
                    "ω = 1 (Gauss-Seidel)",
                ],
                "iterations": [
                    best,
                    spent_t,
                    spent_c,
                    int(table.optimal.sum()),
                    int(costs[:, 0].sum()),
                ],
            }
        ).with_columns((pl.col("iterations") / best).alias("vs best fixed")),
        "{:.3g}",
    )

    rng = np.random.default_rng(1)
    n, d = 20_000, 4
    x = rng.uniform(-1, 1, (n, d))
    x[:, 0] = 1.0
    shape, colour = rng.integers(0, 3, n), rng.integers(0, 3, n)
    w_shape, w_colour = rng.normal(0, 1, (3, d)), rng.normal(0, 0.3, (3, d))
    y = (x * (w_shape[shape] + w_colour[colour])).sum(axis=1) + rng.normal(0, 0.1, n)
    y = (y - y.min()) / (y.max() - y.min())
    names = [f"shape {i}" for i in range(3)] + [f"colour {i}" for i in range(3)]
    groups = np.concatenate([shape[:, None] == np.arange(3), colour[:, None] == np.arange(3)], 1)
    ours = bd.GroupwiseRegressor(d, names).run(x, groups, y)
    one = bd.GroupwiseRegressor(d, 0).run(x, np.zeros((n, 0), dtype=bool), y)
    mixed = bd.groupwise_regret(x, groups, y, ours, names=names)
    single = bd.groupwise_regret(x, groups, y, one, names=names)
    ctx.table(
        "Groupwise regret against the best linear model per group",
        mixed.select("group", "n", pl.col("regret").alias("groupwise")).with_columns(
            single["regret"].alias("one global model")
        ),
        "{:.3g}",
    )

    r = np.sort(rng.random((3, 4)), axis=1)
    s = -np.sort(-rng.random((3, 4)) * r[:, -1:], axis=1)
    inst = bd.LSDInstance(r, s)
    opt = inst.optimum(120)
    planned = float(np.mean([inst.plan(120, seed=k)[1] for k in range(200)]))
    ctx.note(
        f"LSD, 3 arms, 120 rounds: optimum {opt:.2f} (dynamic programming), planner "
        f"{planned:.2f} on average ({planned / opt:.0%}; 1 − 1/e = 63%), LP bound "
        f"{inst.relax().value * 120:.2f}."
    )


def run(ctx: TourContext) -> None:
    _policies(ctx)
    _streaming(ctx)
    _ope(ctx)
    _papers(ctx)


SECTION = Section(
    key="bandits",
    title="Bandits: policies, streaming regret and off-policy evaluation",
    order=25,
    run=run,
)
