"""Exact samplers against their exact distributions (SciPy's dlaplace; the discrete Gaussian pmf
normalized numerically), with chi-square and Kolmogorov-Smirnov tests at tight critical values, in
the style of OpenDP's sampler tests."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from onstream.exceptions import InvalidParameterError
from onstream.privacy import NonPrivateArray, discrete_gaussian, discrete_laplace

N = 200_000


def _chi2_ok(samples: np.ndarray, pmf: np.ndarray, support: np.ndarray) -> None:
    """Chi-square over bins expecting >= 20 samples, tails pooled; z = 6 bound."""
    expected = pmf * len(samples)
    observed = np.array([(samples == y).sum() for y in support], dtype=float)
    keep = expected >= 20
    tail_e = len(samples) - expected[keep].sum()
    tail_o = len(samples) - observed[keep].sum()
    chi2 = float((((observed[keep] - expected[keep]) ** 2) / expected[keep]).sum())
    bins = int(keep.sum())
    if tail_e >= 1:
        chi2 += (tail_o - tail_e) ** 2 / tail_e
        bins += 1
    dof = bins - 1
    if dof == 0:
        # A point mass in effect (tiny scales): everything observed where everything is expected.
        assert chi2 < 1e-6, chi2
        return
    assert chi2 < dof + 6 * math.sqrt(2 * dof), (chi2, dof)


def _ks_ok(samples: np.ndarray, cdf: np.ndarray, support: np.ndarray) -> None:
    """Largest CDF gap against the critical value at p = 1e-6."""
    ecdf = np.searchsorted(np.sort(samples), support, side="right") / len(samples)
    gap = float(np.abs(ecdf - cdf).max())
    assert gap < math.sqrt(-math.log(1e-6 / 2) / (2 * len(samples))), gap


@pytest.mark.parametrize("scale", [0.05, 0.5, 1.0, Fraction(7, 3), 12.5])
def test_discrete_laplace_is_exact(scale: float | Fraction) -> None:
    x = discrete_laplace(scale, N, insecure_seed=11)
    dist = stats.dlaplace(1 / float(scale))
    width = int(40 * float(scale)) + 5
    support = np.arange(-width, width + 1)
    _chi2_ok(x, dist.pmf(support), support)
    _ks_ok(x, dist.cdf(support), support)


# 4.2307... is diffprivlib's σ for ε = 1, δ = 1e-6: a float whose σ² needs a 2**40 denominator.
@pytest.mark.parametrize("sigma", [0.3, 1.0, 2.5, 30.0, 4.230779647827148])
def test_discrete_gaussian_is_exact(sigma: float) -> None:
    x = discrete_gaussian(sigma, N, insecure_seed=12)
    s2 = float(Fraction(sigma).limit_denominator(1 << 20) ** 2)
    width = int(12 * sigma) + 5
    support = np.arange(-width, width + 1)
    weights = np.exp(-(support.astype(float) ** 2) / (2 * s2))
    pmf = weights / weights.sum()
    _chi2_ok(x, pmf, support)
    _ks_ok(x, np.cumsum(pmf), support)


def test_huge_scale_variance() -> None:
    b = 1e6
    x = discrete_laplace(b, N, insecure_seed=1).astype(float)
    a = math.exp(-1 / b)
    var = 2 * a / (1 - a) ** 2
    # The sample variance of a Laplace-like law has relative sd about sqrt(5/N) ~ 0.5%.
    assert abs(x.var() / var - 1) < 0.04
    # A float σ far above 512 keeps fewer fractional bits so that σ² fits the exact sampler.
    sigma = 123_456.789
    g = discrete_gaussian(sigma, N, insecure_seed=3).astype(float)
    assert abs(g.var() / sigma**2 - 1) < 0.04


def test_draws_are_independent_across_chunk_boundaries() -> None:
    x = discrete_laplace(3.0, 1 << 16, insecure_seed=2).astype(float)
    r = np.corrcoef(x[:-1], x[1:])[0, 1]
    assert abs(r) < 6 / math.sqrt(len(x))


def test_seeds_only_through_the_insecure_door() -> None:
    a = discrete_laplace(1.0, 1000, insecure_seed=5)
    b = discrete_laplace(1.0, 1000, insecure_seed=5)
    np.testing.assert_array_equal(a, b)
    assert isinstance(a, NonPrivateArray)
    assert "NonPrivateArray(insecure_seed=5" in repr(a)
    head = a[:10]
    assert isinstance(head, NonPrivateArray)  # slices stay marked
    assert head.insecure_seed == 5
    c, d = discrete_laplace(1.0, 1000), discrete_laplace(1.0, 1000)
    assert not isinstance(c, NonPrivateArray)
    assert not np.array_equal(c, d)
    assert discrete_gaussian(2.0).shape == (1,)


def test_bad_parameters() -> None:
    for bad in (0, -1.0, float("nan"), float("inf"), True, "1"):
        with pytest.raises(InvalidParameterError, match="invalid scale"):
            discrete_laplace(bad, 3)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="invalid sigma"):
        discrete_gaussian(Fraction(1, 1 << 30), 3)
    with pytest.raises(InvalidParameterError, match="invalid size"):
        discrete_laplace(1.0, -2)
    with pytest.raises(InvalidParameterError, match="invalid insecure_seed"):
        discrete_laplace(1.0, 2, insecure_seed=-1)
