"""The CUDA path of onstream.ot.sinkhorn against the CPU path (skipped without a GPU)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from onstream.exceptions import GpuUnavailableError, InvalidParameterError
from onstream.gpu import cupy_status
from onstream.ot import sinkhorn
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
def test_cuda_runs_only_the_log_method() -> None:
    with pytest.raises(InvalidParameterError, match="the CUDA path runs 'log'"):
        sinkhorn(**_problem("dense"), reg=1e-2, method="sns", device="cuda")


@pytest.mark.skipif(cupy_status()[0], reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    with pytest.raises(GpuUnavailableError, match="device='cuda' was requested"):
        sinkhorn(**_problem("dense"), reg=1e-2, device="cuda")
