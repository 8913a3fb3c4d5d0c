"""Continual histograms: exact variance with the doubled sensitivity, unbiased counts on real
clicks per campaign, input errors."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from onstream.datasets import obd_clicks
from onstream.exceptions import InvalidParameterError, OutOfRangeError
from onstream.privacy import ContinualHistogram


def test_variance_uses_twice_the_single_counter_sensitivity() -> None:
    horizon, eps = 100, 0.5
    h = ContinualHistogram(5, horizon, epsilon=eps, mechanism="binary")
    levels = (horizon - 1).bit_length() + 1
    b = math.ceil(Fraction(2 * levels) / Fraction(eps) * 2**20) / 2**20
    node = stats.dlaplace(1 / b).var()
    for t in (1, 37, 100):
        assert h.variance(t) == pytest.approx(bin(t).count("1") * node, rel=1e-12)


def test_counts_per_campaign_on_real_clicks() -> None:
    frame = obd_clicks()
    names = sorted(set(frame["campaign"]))
    code = {n: i for i, n in enumerate(names)}
    cats = np.where(frame["click"].to_numpy() == 1, [code[c] for c in frame["campaign"]], -1)
    truth = np.stack([np.cumsum(cats == j) for j in range(len(names))], axis=1)
    zs = []
    for seed in range(8):
        h = ContinualHistogram(len(names), len(cats), rho=1.0, insecure_seed=seed)
        out = h.release(cats)
        assert out.shape == (len(cats), len(names))
        zs.append((out[-1] - truth[-1]) / math.sqrt(h.variance()))
    z = np.concatenate(zs)
    assert abs(float(z.mean())) < 6 / math.sqrt(len(z))  # unbiased: mean z within 6 standard errors
    assert float((np.abs(z) < 4).mean()) == 1.0


def test_step_and_bad_input() -> None:
    h = ContinualHistogram(3, 4, epsilon=1.0, insecure_seed=1)
    assert h.step(2).shape == (3,)
    assert h.step(-1).shape == (3,)
    assert h.steps == 2
    with pytest.raises(OutOfRangeError, match=r"expected -1\.\.2"):
        h.release([0, 3])
    with pytest.raises(InvalidParameterError, match="exactly one of epsilon or rho"):
        ContinualHistogram(3, 4)
    with pytest.raises(InvalidParameterError, match="invalid d"):
        ContinualHistogram(0, 4, rho=1.0)
