"""Bench: entropic OT, onstream (Rust, all threads) against POT in the same process (this file is
not called ot.py: that name would shadow POT's package when run as a script).

The problem of the shared notes (§2.1): n = m = 2000 uniform 2-D points, squared Euclidean cost
divided by its maximum, uniform weights, reg 1e-2 and 1e-3. Rows:

* per iteration: our log-domain sweeps (on the stored stabilized kernel, and fused exponential
  passes with nothing stored) against POT's ``sinkhorn_log`` (10 sweeps each, setup included);
* to POT's accuracy: POT's ``sinkhorn`` runs to its own stopping rule (column L2 error 1e-6,
  checked every 10 sweeps); ours (kernel, log and SNS) then run to the L1 marginal error POT
  reached;
* SNS to 1e-9 against POT ``sinkhorn`` to 1e-9 (single timed runs), and against ``sinkhorn_log``
  extrapolated from its time per sweep and the sweeps ``sinkhorn`` needed (the same iterates; a
  real run would take many minutes);
* the paper's random-assignment case (n = 500, C ~ U[0, 1], eta = 1200): SNS iterations against
  Sinkhorn's to 1e-9, and the dense-pass count of SNS to 1e-9 against Sinkhorn's to 1e-6.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Bench, optional

from onstream import _core
from onstream.ot import Method, sinkhorn

ot: Any = optional("ot")
METHODS: tuple[Method, ...] = ("sinkhorn", "log", "sns")


def problem(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x, y = rng.random((n, 2)), rng.random((n, 2))
    c = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    s = float(np.sqrt(c.max()))
    return x / s, y / s, c / c.max(), np.full(n, 1.0 / n)


def l1_error(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    return float(max(np.abs(p.sum(1) - a).sum(), np.abs(p.sum(0) - b).sum()))


def once(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def at_reg(bench: Bench, n: int, reg: float) -> None:
    """Every row for one regularization."""
    x, y, c, a = problem(n)
    sweeps = 10
    for stored in (True, False):
        bench.compare(
            f"n={n} reg={reg:g} {sweeps} log sweeps, {'stored' if stored else 'fused'}",
            partial(sinkhorn, a, a, c, reg=reg, method="log", tol=1e-300, max_iter=sweeps,
                    store_kernel=stored),
            "POT sinkhorn_log",
            partial(ot.sinkhorn, a, a, c, reg, method="sinkhorn_log", numItermax=sweeps,
                    stopThr=0.0),
            note="stabilized kernel" if stored else "exp passes, nothing n×m stored",
        )  # fmt: skip
    pot_s, (plan, log) = once(
        lambda: ot.sinkhorn(a, a, c, reg, stopThr=1e-6, numItermax=100_000, log=True)
    )
    target = l1_error(plan, a, a)
    pot_iters = int(log["niter"])
    for method in METHODS:
        ours_s, res = once(partial(sinkhorn, a, a, c, reg=reg, method=method, tol=target))
        bench.record(
            f"n={n} reg={reg:g} {method} to POT's error",
            ours_s,
            "POT sinkhorn",
            pot_s,
            note=f"L1 {target:.1e}: {res.n_iter} vs {pot_iters} it, {res.passes} passes",
        )
    ours_s, res = once(lambda: sinkhorn(None, None, x=x, y=y, reg=reg, method="sns", tol=1e-9))
    pot_s, (plan, log) = once(
        lambda: ot.sinkhorn(a, a, c, reg, stopThr=1e-9 / np.sqrt(n), numItermax=100_000,
                            log=True)
    )  # fmt: skip
    pot_iters = int(log["niter"])
    bench.record(
        f"n={n} reg={reg:g} sns to 1e-9 (points)",
        ours_s,
        "POT sinkhorn",
        pot_s,
        note=f"{res.n_iter} it ({res.newton_iter} Newton), {res.passes} passes vs {pot_iters} "
        f"it; POT L1 {l1_error(plan, a, a):.1e}",
    )
    per_sweep, _ = once(
        lambda: ot.sinkhorn(a, a, c, reg, method="sinkhorn_log", numItermax=5, stopThr=0.0)
    )
    bench.record(
        f"n={n} reg={reg:g} sns to 1e-9 (points)",
        ours_s,
        "POT sinkhorn_log",
        per_sweep / 5 * pot_iters,
        note=f"extrapolated: {pot_iters} sweeps at {1e3 * per_sweep / 5:.0f} ms",
    )


def main() -> None:
    bench = Bench("ot: Sinkhorn and SNS vs POT")
    bench.header()
    print(f"# threads: {_core.pool_threads()}")
    if ot is None:
        print("# POT is not installed (pip install pot); nothing to compare")
        return
    n = 500 if bench.quick else 2000
    x, y, _, _ = problem(n)
    for reg in (1e-2, 1e-3):
        at_reg(bench, n, reg)
    m = 200 if bench.quick else 500
    cost = np.random.default_rng(1).random((m, m))
    sns = sinkhorn(None, None, cost, reg=1 / 1200, method="sns", tol=1e-9)
    log_s, log = once(lambda: sinkhorn(None, None, cost, reg=1 / 1200, method="log", tol=1e-9))
    print(
        f"# random assignment n={m} eta=1200 to 1e-9: SNS {sns.n_iter} iterations "
        f"({sns.sinkhorn_iter} Sinkhorn + {sns.newton_iter} Newton, {sns.passes} passes); "
        f"Sinkhorn {log.n_iter} iterations ({log.passes} passes, {log_s:.1f} s)"
    )
    sns1, sk6 = (
        sinkhorn(None, None, x=x, y=y, reg=1e-3, method="sns", tol=1e-9),
        sinkhorn(None, None, x=x, y=y, reg=1e-3, method="log", tol=1e-6),
    )
    print(
        f"# n={n} reg=1e-3 points: SNS to 1e-9 in {sns1.passes} dense passes "
        f"({sns1.work:.0f} with the sparse products); Sinkhorn to 1e-6 in {sk6.passes}"
    )
    bench.finish()


if __name__ == "__main__":
    main()
