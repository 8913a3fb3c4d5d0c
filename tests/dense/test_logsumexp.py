"""log-sum-exp against SciPy (the independent reference), on the CPU and, where present, the GPU."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import logsumexp as scipy_lse

from onstream.dense import logsumexp
from onstream.exceptions import EmptyInputError, InvalidParameterError, NonFiniteError

Matrix = np.ndarray[Any, np.dtype[np.floating]]


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32]),
        shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=30),
        elements=st.floats(-1e4, 1e4, width=32),
    ),
    st.sampled_from([0, 1]),
)
def test_matches_scipy(x: Matrix, axis: int) -> None:
    got = logsumexp(x, axis=axis, device="cpu")
    want = scipy_lse(x.astype(np.float64), axis=axis)
    assert got.dtype == x.dtype
    rtol = 1e-6 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol)


def test_large_magnitudes_do_not_overflow() -> None:
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0]])
    np.testing.assert_allclose(logsumexp(x), [1000 + np.log(2), -1000 + np.log(2)])


def test_infinities() -> None:
    x = np.array([[-np.inf, -np.inf], [0.0, np.inf], [-np.inf, 0.0]])
    np.testing.assert_array_equal(logsumexp(x, axis=1), scipy_lse(x, axis=1))
    np.testing.assert_array_equal(logsumexp(x, axis=0), scipy_lse(x, axis=0))
    np.testing.assert_array_equal(logsumexp(x, axis=0), [0.0, np.inf])


def test_inputs_from_polars_and_lists() -> None:
    df = pl.DataFrame({"a": [0.0, 1.0], "b": [2.0, 3.0]})
    np.testing.assert_allclose(logsumexp(df, axis=1), scipy_lse(df.to_numpy(), axis=1))
    np.testing.assert_allclose(logsumexp([[0, 0, 0]]), [np.log(3.0)])


def test_bad_input() -> None:
    with pytest.raises(NonFiniteError, match="NaN"):
        logsumexp([[0.0, np.nan]])
    with pytest.raises(EmptyInputError):
        logsumexp(np.zeros((0, 2)))
    with pytest.raises(InvalidParameterError, match="invalid axis"):
        logsumexp(np.zeros((2, 2)), axis=2)
    with pytest.raises(InvalidParameterError, match="invalid device"):
        logsumexp(np.zeros((2, 2)), device="gpu")  # type: ignore[arg-type]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("shape", [(1, 1), (7, 1000), (1000, 7), (513, 257), (3, 70_000)])
def test_cuda_kernel_matches_cpu_path(
    dtype: type[np.floating], axis: int, shape: tuple[int, int]
) -> None:
    import cupy

    rng = np.random.default_rng(3)
    x = (rng.normal(size=shape) * 50).astype(dtype)
    x[0, 0] = -np.inf
    cpu = logsumexp(x, axis=axis, device="cpu")
    gpu_from_host = logsumexp(x, axis=axis, device="cuda")
    gpu_native = logsumexp(cupy.asarray(x), axis=axis, device="auto")
    assert isinstance(gpu_native, cupy.ndarray)
    assert gpu_from_host.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(gpu_from_host, cpu, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(cupy.asnumpy(gpu_native), cpu, rtol=rtol, atol=rtol)


@pytest.mark.gpu
def test_cuda_infinities_match_cpu() -> None:
    x = np.array([[-np.inf, -np.inf], [0.0, np.inf], [-np.inf, 0.0]])
    for axis in (0, 1):
        np.testing.assert_array_equal(
            logsumexp(x, axis=axis, device="cuda"), logsumexp(x, axis=axis, device="cpu")
        )
