"""The smooth binary mechanism and the (banded) square-root factorization: exact variance against
independent computations (brute-force tree shapes, NumPy triangular solves, the notes' closed
form), against simulation, the auditor, bad input and snapshots."""

from __future__ import annotations

import math
import pickle
from fractions import Fraction
from typing import Literal

import numpy as np
import pytest
from scipy import linalg, stats

from onstream.exceptions import BudgetExhaustedError, InvalidParameterError
from onstream.privacy import ContinualCounter, epsilon_lower_bound


def _f(n: int) -> np.ndarray:
    """Coefficients of (1 - z)^(-1/2): C(2k, k) / 4^k."""
    k = np.arange(1, n)
    out = np.ones(n)
    out[1:] = np.cumprod((2 * k - 1) / (2 * k))
    return out


def _smooth_shape(horizon: int, laplace: bool) -> tuple[int, int]:
    """Brute force over trees: C(h, k) > horizon, least k(h-k) (times h-k for Laplace)."""
    best = None
    for h in range(1, 45):
        for k in range(1, h):
            if math.comb(h, k) > horizon:
                cost = k * (h - k) ** (2 if laplace else 1)
                if best is None or cost < best[0]:
                    best = (cost, h, k)
    assert best is not None
    return best[1], best[2]


def _round_up(x: Fraction) -> float:
    return math.ceil(x * 2**20) / 2**20


def _dgauss_var(sigma2: float) -> float:
    y = np.arange(-int(40 * math.sqrt(sigma2)) - 40, int(40 * math.sqrt(sigma2)) + 41)
    w = np.exp(-(y.astype(float) ** 2) / (2 * sigma2))
    return float((w * y**2).sum() / w.sum())


@pytest.mark.parametrize("horizon", [1, 10, 1000, 1 << 20])
def test_smooth_variance_is_k_nodes_at_every_step(horizon: int) -> None:
    h, k = _smooth_shape(horizon, laplace=False)
    c = ContinualCounter(horizon, mechanism="smooth", rho=0.5)
    node = _dgauss_var(_round_up(Fraction(h - k) / 1))
    for t in {1, horizon // 3 or 1, horizon}:
        assert c.variance(t) == pytest.approx(k * node, rel=1e-12)
    h, k = _smooth_shape(horizon, laplace=True)
    lap = ContinualCounter(horizon, mechanism="smooth", epsilon=0.5)
    node = stats.dlaplace(1 / _round_up(Fraction(h - k) / Fraction(0.5))).var()
    assert lap.variance(1) == pytest.approx(k * node, rel=1e-12)


def test_smooth_beats_binary_worst_case_by_the_papers_factor() -> None:
    # Andersson & Pagh: about a quarter of the binary mechanism's worst variance, identical at
    # every step. At T = 2**20: 130 units against binary's 420 (notes' table, units 1/(2ρ)).
    horizon = 1 << 20
    smooth = ContinualCounter(horizon, mechanism="smooth", rho=0.5)
    binary = ContinualCounter(horizon, mechanism="binary", rho=0.5)
    worst_binary = max(binary.variance(t) for t in (horizon - 1, (1 << 19) - 1))
    assert smooth.variance(1) == pytest.approx(130, rel=1e-5)
    assert worst_binary == pytest.approx(420, rel=1e-5)
    assert smooth.variance(1) < worst_binary / 3


def test_sqrt_variance_is_the_closed_form_and_the_notes_table() -> None:
    # Var_t = S(T)·S(t)/(2ρ), S(n) = Σ_{k<n} f(k)²; at T = 2**10 the notes give max 10.71 and
    # mean 9.67 for ρ = 1/2. Our factor is rounded to a 2**-20 grid: equal to 1e-4.
    horizon = 1 << 10
    c = ContinualCounter(horizon, mechanism="sqrt", rho=0.5)
    s = np.cumsum(_f(horizon) ** 2)
    ours = np.array([c.variance(t) for t in range(1, horizon + 1)])
    np.testing.assert_allclose(ours, s[-1] * s, rtol=1e-4)
    assert ours.max() == pytest.approx(10.71, abs=5e-3)
    assert ours.mean() == pytest.approx(9.67, abs=5e-3)
    m = linalg.toeplitz(_f(64), np.zeros(64))
    np.testing.assert_allclose(m @ m, np.tril(np.ones((64, 64))), atol=1e-12)


@pytest.mark.parametrize(("horizon", "band"), [(200, 8), (200, 50), (64, 64)])
def test_banded_variance_against_a_triangular_solve(horizon: int, band: int) -> None:
    # The mechanism on the integer grid: R̃ = banded Toeplitz of round(f·2^20), noise σ² =
    # ⌈Δ²/(2ρ)⌉ with Δ² the largest squared column norm; the release error is A·R̃⁻¹·Z.
    rho = 0.3
    q = np.round(_f(band) * 2**20)
    r = linalg.toeplitz(np.r_[q, np.zeros(horizon - band)][:horizon], np.zeros(horizon))
    d2 = int(max((r[:, j] ** 2).sum() for j in range(horizon)))
    sigma2 = math.ceil(Fraction(d2) / (2 * Fraction(rho)))
    err = np.tril(np.ones((horizon, horizon))) @ linalg.solve_triangular(
        r, np.eye(horizon), lower=True
    )
    want = sigma2 * (err**2).sum(axis=1)
    c = ContinualCounter(horizon, mechanism="banded_sqrt", band=band, rho=rho)
    got = np.array([c.variance(t) for t in range(1, horizon + 1)])
    np.testing.assert_allclose(got, want, rtol=1e-9)


@pytest.mark.parametrize("mechanism", ["smooth", "sqrt", "banded_sqrt"])
def test_simulated_variance_matches(
    mechanism: Literal["smooth", "sqrt", "banded_sqrt"],
) -> None:
    horizon, runs = 40, 1500
    band = 6 if mechanism == "banded_sqrt" else None
    outs = np.array(
        [
            ContinualCounter(
                horizon, mechanism=mechanism, rho=0.5, insecure_seed=r, band=band
            ).release(np.zeros(horizon, dtype=np.uint8))
            for r in range(runs)
        ]
    )
    c = ContinualCounter(horizon, mechanism=mechanism, rho=0.5, band=band)
    for t in (1, 2, 17, 40):
        exact = c.variance(t)
        emp = float((outs[:, t - 1] ** 2).mean())
        assert abs(emp / exact - 1) < 6 * math.sqrt(2 / runs), (t, emp, exact)


def test_counts_are_unbiased_on_a_real_shaped_stream() -> None:
    rng = np.random.default_rng(5)
    xs = (rng.random(3000) < 0.1).astype(np.uint8)
    truth = np.cumsum(xs)
    for mechanism in ("smooth", "sqrt", "banded_sqrt"):
        z = []
        for seed in range(30):
            c = ContinualCounter(3000, mechanism=mechanism, rho=1.0, insecure_seed=seed)
            z.append((c.release(xs)[-1] - truth[-1]) / math.sqrt(c.variance()))
        # 30 standardized errors: mean within 4/sqrt(30), spread near 1.
        assert abs(float(np.mean(z))) < 4 / math.sqrt(30), mechanism
        assert 0.5 < float(np.std(z)) < 1.6, mechanism


def test_auditor_passes_the_smooth_counter_and_flags_it_under_noised() -> None:
    runs = 20_000

    def outs(stream: list[int], epsilon: float, seed0: int) -> np.ndarray:
        return np.array(
            [
                ContinualCounter(
                    4, mechanism="smooth", epsilon=epsilon, insecure_seed=seed0 + r
                ).release(stream)[-1]
                for r in range(runs)
            ]
        )

    zero, one = [0, 0, 0, 0], [1, 0, 0, 0]
    assert epsilon_lower_bound(outs(zero, 1.0, 0), outs(one, 1.0, runs)) <= 1.0
    assert epsilon_lower_bound(outs(zero, 10.0, 0), outs(one, 10.0, runs)) > 1.0


def test_bad_input() -> None:
    with pytest.raises(InvalidParameterError, match="Gaussian noise; give rho"):
        ContinualCounter(10, mechanism="sqrt", epsilon=1.0)
    with pytest.raises(InvalidParameterError, match="only mechanism='banded_sqrt'"):
        ContinualCounter(10, mechanism="sqrt", rho=1.0, band=4)
    with pytest.raises(InvalidParameterError, match="invalid band"):
        ContinualCounter(10, mechanism="banded_sqrt", rho=1.0, band=0)
    with pytest.raises(InvalidParameterError, match="invalid rho"):
        ContinualCounter(10, mechanism="banded_sqrt", rho=-1.0)
    with pytest.raises(InvalidParameterError, match="invalid mechanism"):
        ContinualCounter(10, mechanism="ternary", rho=1.0)  # type: ignore[arg-type]
    c = ContinualCounter(2, mechanism="smooth", rho=1.0)
    c.release([1, 1])
    with pytest.raises(BudgetExhaustedError):
        c.step(0)


@pytest.mark.parametrize("mechanism", ["smooth", "sqrt", "banded_sqrt"])
def test_snapshots_keep_counts_not_the_generator(
    mechanism: Literal["smooth", "sqrt", "banded_sqrt"],
) -> None:
    xs = np.ones(300, dtype=np.uint8)
    c = ContinualCounter(300, mechanism=mechanism, rho=8.0, insecure_seed=1)
    c.release(xs[:120])
    restored = pickle.loads(pickle.dumps(c))
    assert restored.steps == 120
    assert restored.mechanism == mechanism
    assert f"mechanism={mechanism!r}" in repr(restored)
    assert restored.insecure
    assert restored == c
    assert restored.variance(300) == c.variance(300)
    a, b = c.release(xs[120:]), restored.release(xs[120:])
    assert not np.array_equal(a, b)  # fresh noise after a restore
    assert abs(float(b[-1]) - 300) < 8 * math.sqrt(restored.variance())
