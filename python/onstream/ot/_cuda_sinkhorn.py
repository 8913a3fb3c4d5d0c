"""The CUDA path of :func:`onstream.ot.sinkhorn`: log-domain Sinkhorn sweeps driven from Python
over the fused kernels of ``gpu/sinkhorn.cu`` (the iterates of the CPU's fused sweeps), and the
entry point that runs ``method="log"`` or hands ``"sns"`` to :mod:`onstream.ot._cuda_sns`.

Each sweep is two kernel launches and a few cupy element-wise ops; the only host synchronization
per sweep is the marginal-error check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onstream.exceptions import InvalidParameterError
from onstream.ot._cuda import Device, Tally, host
from onstream.ot.problem import make_problem
from onstream.ot.result import TransportResult

__all__ = ["Swept", "schedule", "sinkhorn", "sweeps"]

#: Sweeps per ε-scaling stage (the CPU path's ``SWEEPS_PER_STAGE``).
SWEEPS_PER_STAGE = 2


def schedule(max_cost: float, eps: float, theta: float) -> list[float]:
    """The ε of each scaling stage above the target: ``max_cost·θ^k`` while that exceeds ``eps``."""
    out: list[float] = []
    e = max_cost
    while e > eps and len(out) < 200:
        out.append(e)
        e *= theta
    return out


@dataclass
class Swept:
    """Where a round of sweeps ended: potentials whose columns are exact, the row violation and
    whether it met the tolerance."""

    f: Any
    g: Any
    err: float
    done: bool


def _sweep_until(
    dev: Device, f: Any, g: Any, eps: float, tol: float, budget: int, stage: str, tally: Tally
) -> Swept:
    cp = dev.cp
    inv = 1.0 / eps
    err = float("inf")
    for _ in range(budget):
        lse = dev.lse_rows(g, inv)
        tally.passes += 1
        err = float(cp.abs(cp.exp(f * inv + lse) - dev.a).sum())
        if err <= tol:
            return Swept(f, g, err, True)
        f = eps * (dev.log_a - lse)
        g = eps * (dev.log_b - dev.lse_cols(f, inv))
        tally.passes += 1
        tally.record(stage, eps, err)
    return Swept(f, g, err, False)


def sweeps(
    dev: Device,
    f: Any,
    g: Any,
    *,
    eps: float,
    tol: float,
    until: int,
    scaling: float | None,
    stage: str,
    tally: Tally,
) -> Swept:
    """Sweeps from ``(f, g)`` at ``eps`` until the row violation is at most ``tol`` or ``until``
    iterations ran in all (counted in ``tally``), after ε-scaling stages when ``scaling`` is given.
    Out of iterations, the returned state is measured once more."""
    if scaling is not None:
        for e in schedule(dev.max_cost(), eps, scaling):
            left = min(SWEEPS_PER_STAGE, max(until - tally.iter, 0))
            s = _sweep_until(dev, f, g, e, 0.0, left, "scaling", tally)
            f, g = s.f, s.g
    s = _sweep_until(dev, f, g, eps, tol, max(until - tally.iter, 0), stage, tally)
    if s.done:
        return s
    cp, inv = dev.cp, 1.0 / eps
    lse = dev.lse_rows(s.g, inv)
    tally.passes += 1
    err = float(cp.abs(cp.exp(s.f * inv + lse) - dev.a).sum())
    return Swept(s.f, s.g, err, err <= tol)


def sinkhorn(
    a: Any,
    b: Any,
    cost: Any,
    x: Any,
    y: Any,
    *,
    reg: float,
    method: str,
    tol: float,
    max_iter: int,
    eps_scaling: float | None,
    warmup: int,
    keep_drop: float,
    max_keep: int,
) -> TransportResult:
    """:func:`onstream.ot.sinkhorn` on the current CUDA device (``"log"`` and ``"sns"``)."""
    if method not in ("log", "sns"):
        raise InvalidParameterError(
            f"invalid method for device='cuda': got {method!r}; the CUDA path runs 'log' and "
            "'sns' (run the kernel-domain 'sinkhorn' with device='cpu')"
        )
    from onstream.ot import _cuda_sns
    from onstream.ot.sinkhorn import finish_device

    p = make_problem(host(a), host(b), host(cost), host(x), host(y))
    dev = Device.from_problem(p)
    tally = Tally()
    if method == "sns":
        f, g, err = _cuda_sns.run(
            dev, reg=reg, tol=tol, max_iter=max_iter, scaling=eps_scaling, warmup=warmup,
            drop=keep_drop, max_keep=max_keep, tally=tally,
        )  # fmt: skip
    else:
        cp = dev.cp
        zeros = (cp.zeros(dev.n, dtype=cp.float64), cp.zeros(dev.m, dtype=cp.float64))
        s = sweeps(dev, *zeros, eps=reg, tol=tol, until=max_iter, scaling=eps_scaling,
                   stage="sinkhorn", tally=tally)  # fmt: skip
        f, g, err = s.f, s.g, s.err
    out = tally.outcome(f, g, err, tol)
    return finish_device(p, dev, out, reg=reg, method=method, f=f, g=g)
