"""The CUDA path of onstream.ot.sinkhorn against the CPU path (skipped without a GPU)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from onstream.exceptions import GpuUnavailableError, InvalidParameterError
from onstream.gpu import cupy_status
from onstream.ot import SparsePlan, sinkhorn
from tests.transport.reference import clouds, random_weights, sq_cost


def _problem(kind: str) -> dict[str, Any]:
    x, y = clouds(300, 200, seed=21)
    a, b = random_weights(300, 22), random_weights(200, 23)
    if kind == "dense":
        return {"a": a, "b": b, "cost": sq_cost(x, y)}
    return {"a": a, "b": b, "x": x, "y": y}


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["dense", "clouds"])
@pytest.mark.parametrize("scaling", [None, 0.5])
def test_cuda_log_sinkhorn_matches_the_cpu(kind: str, scaling: float | None) -> None:
    p = _problem(kind)
    kw: dict[str, Any] = {"reg": 1e-2, "method": "log", "tol": 1e-10, "eps_scaling": scaling}
    cpu = sinkhorn(**p, **kw, device="cpu")
    gpu = sinkhorn(**p, **kw, device="cuda")
    assert gpu.device == "cuda"
    assert gpu.converged
    assert abs(gpu.n_iter - cpu.n_iter) <= 2
    np.testing.assert_allclose(gpu.f, cpu.f, atol=1e-9)
    np.testing.assert_allclose(gpu.g, cpu.g, atol=1e-9)
    assert gpu.cost == pytest.approx(cpu.cost, rel=1e-9)
    np.testing.assert_allclose(gpu.dense_plan(), cpu.dense_plan(), atol=1e-10)


@pytest.mark.gpu
def test_cupy_input_runs_on_the_gpu_with_auto() -> None:
    import cupy

    p = _problem("clouds")
    res = sinkhorn(p["a"], p["b"], x=cupy.asarray(p["x"]), y=cupy.asarray(p["y"]), reg=1e-2)
    assert res.device == "cuda"
    assert res.converged


@pytest.mark.gpu
def test_cuda_refuses_the_kernel_domain_method() -> None:
    with pytest.raises(InvalidParameterError, match="the CUDA path runs 'log' and 'sns'"):
        sinkhorn(**_problem("dense"), reg=1e-2, method="sinkhorn", device="cuda")


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["dense", "clouds"])
@pytest.mark.parametrize("reg", [1e-2, 1e-3])
def test_cuda_sns_matches_the_cpu(kind: str, reg: float) -> None:
    p = _problem(kind)
    cpu = sinkhorn(**p, reg=reg, method="sns", tol=1e-10, device="cpu")
    gpu = sinkhorn(**p, reg=reg, method="sns", tol=1e-10, device="cuda")
    assert gpu.device == "cuda"
    assert gpu.converged
    assert gpu.marginal_error <= 1e-10
    assert gpu.sinkhorn_iter == cpu.sinkhorn_iter  # the same 20 warm-up sweeps
    assert abs(gpu.newton_iter - cpu.newton_iter) <= 3
    assert gpu.cg_iter > 0
    # Two solutions within 1e-10 of the marginals: the same plan to that accuracy (the potentials
    # may differ by a constant shift between f and g).
    assert np.abs(gpu.dense_plan() - cpu.dense_plan()).sum() <= 1e-8
    assert gpu.cost == pytest.approx(cpu.cost, rel=1e-8)
    assert isinstance(gpu.plan, SparsePlan)
    assert isinstance(cpu.plan, SparsePlan)
    assert gpu.plan.nnz == pytest.approx(cpu.plan.nnz, rel=0.05)


@pytest.mark.gpu
def test_cuda_sns_needs_few_passes_at_small_reg() -> None:
    # The claim of tests/transport/test_sns.py on the GPU: 1e-9 with SNS in fewer dense passes
    # (sparsification passes counted) than Sinkhorn needs for 1e-6.
    x, y = clouds(500, 500, seed=0)
    sns = sinkhorn(None, None, x=x, y=y, reg=1e-3, method="sns", tol=1e-9, device="cuda")
    log = sinkhorn(None, None, x=x, y=y, reg=1e-3, method="log", tol=1e-6, device="cuda")
    assert sns.converged
    assert log.converged
    assert sns.passes < log.passes / 5, (sns.passes, log.passes)


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["dense", "clouds"])
@pytest.mark.parametrize(("drop", "cap"), [(1e-4, None), (1e-2, None), (1e-6, 5)])
def test_sparsify_kernel_against_an_exact_sort(kind: str, drop: float, cap: int | None) -> None:
    import cupy

    from onstream import _core
    from onstream.ot._cuda import _BINS, Device
    from onstream.ot.problem import make_problem

    p = _problem(kind)
    prob = make_problem(p["a"], p["b"], p.get("cost"), p.get("x"), p.get("y"))
    dev = Device.from_problem(prob)
    reg = 1e-2
    rng = np.random.default_rng(5)
    f, g = 0.05 * rng.standard_normal(300), 0.05 * rng.standard_normal(200)
    fd, gd = cupy.asarray(f), cupy.asarray(g)
    s = dev.sparsify(fd, gd, dev.lse_rows(gd, 1 / reg), 1 / reg, drop,
                     2**63 - 1 if cap is None else cap)  # fmt: skip
    indptr, indices, data = (cupy.asnumpy(v) for v in (s.indptr, s.indices, s.data))
    plan = _core.ot_dense_plan(**prob.core_args(), f=f, g=g, reg=reg)
    slack = np.exp((np.log(200) - np.log(drop) + 1) / _BINS) * (1 + 1e-12)
    for i in range(300):
        row = plan[i]
        kept = indices[indptr[i] : indptr[i + 1]]
        assert (np.diff(kept) > 0).all()  # sorted, no slot written twice, none left empty
        np.testing.assert_allclose(data[indptr[i] : indptr[i + 1]], row[kept], rtol=1e-12)
        # The exact answer: sort the row, keep the fewest heaviest entries that leave out at most
        # `drop` of its mass (or the `cap` heaviest).
        order = np.argsort(-row)
        tail = np.cumsum(row[order][::-1])[::-1]  # tail[k] = mass of all but the k heaviest
        need = int(np.argmax(np.append(tail, 0.0) <= drop * row.sum()))
        if cap is not None:
            assert min(need, cap) <= len(kept) <= cap
            need = min(need, cap)
        # Everything the exact answer keeps is kept (but under a cap, ties within one bin), and
        # nothing kept is lighter than the lightest needed entry by more than one bin.
        lightest = row[order[need - 1]]
        assert row[kept].min() * slack >= lightest
        if cap is None:
            assert set(order[:need].tolist()) <= set(kept.tolist())
            left_out = np.setdiff1d(np.arange(200), kept)
            assert row[left_out].sum() <= drop * row.sum() * (1 + 1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["dense", "clouds"])
# One slab and many; row counts off the 8 row lanes and the 64-row slab, columns off the 32-wide
# tile; a single row or column.
@pytest.mark.parametrize(
    ("n", "m"), [(1, 40), (40, 1), (7, 33), (300, 200), (5000, 70), (130, 9000)]
)
def test_device_lse_against_scipy(kind: str, n: int, m: int) -> None:
    import cupy
    from scipy.special import logsumexp

    from onstream.ot._cuda import Device

    x, y = clouds(n, m, seed=n + m)
    w_a, w_b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    dev = Device(w_a, w_b, cost=sq_cost(x, y)) if kind == "dense" else Device(w_a, w_b, x=x, y=y)
    rng = np.random.default_rng(n * m)
    f, g = 0.05 * rng.standard_normal(n), 0.05 * rng.standard_normal(m)
    c, inv = sq_cost(x, y), 1 / 3e-3
    rows = cupy.asnumpy(dev.lse_rows(cupy.asarray(g), inv))
    cols = cupy.asnumpy(dev.lse_cols(cupy.asarray(f), inv))
    np.testing.assert_allclose(
        rows, logsumexp((g[None, :] - c) * inv, axis=1), rtol=1e-12, atol=1e-10
    )
    np.testing.assert_allclose(
        cols, logsumexp((f[:, None] - c) * inv, axis=0), rtol=1e-12, atol=1e-10
    )


@pytest.mark.skipif(cupy_status()[0], reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    with pytest.raises(GpuUnavailableError, match="device='cuda' was requested"):
        sinkhorn(**_problem("dense"), reg=1e-2, device="cuda")
