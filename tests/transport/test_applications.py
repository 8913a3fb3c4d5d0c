"""Wasserstein distances and colour transfer against exact OT (POT's network simplex) and closed
forms."""

from __future__ import annotations

import importlib
import math
from typing import Any

import numpy as np
import pytest

import onstream
from onstream.exceptions import InvalidParameterError, OutOfRangeError, ShapeMismatchError
from onstream.ot import color_transfer, wasserstein_images, wasserstein_points
from tests.transport.reference import random_weights

# POT, the reference solver; imported by name because mypy would resolve "ot" to onstream.ot.
pot: Any = importlib.import_module("ot")


def test_point_distances_sit_within_the_entropic_bound_of_the_exact_ones() -> None:
    rng = np.random.default_rng(30)
    x, y = rng.random((40, 3)), rng.random((50, 3)) + 0.3
    a, b = random_weights(40, 31), random_weights(50, 32)
    reg = 1e-4
    bound = reg * math.log(40 * 50)
    w2_exact = float(pot.emd2(a, b, pot.dist(x, y)))
    w2 = wasserstein_points(x, y, a, b, reg=reg, p=2)
    assert w2_exact - 1e-9 <= w2**2 <= w2_exact + bound
    w1_exact = float(pot.emd2(a, b, pot.dist(x, y, metric="euclidean")))
    w1 = wasserstein_points(x, y, a, b, reg=reg, p=1)
    assert w1_exact - 1e-9 <= w1 <= w1_exact + bound
    with pytest.raises(InvalidParameterError, match="invalid p"):
        wasserstein_points(x, y, reg=reg, p=3)


def test_a_translated_image_is_as_far_as_the_translation() -> None:
    # Moving a density rigidly by t is an optimal plan for the squared cost: W2 = |t| exactly.
    img = np.zeros((24, 24))
    img[5:11, 4:9] = 1.0
    img[7, 6] = 3.0
    moved = np.roll(img, (3, 4), axis=(0, 1))
    reg = 1e-5
    w2 = wasserstein_images(img, moved, reg=reg)
    exact = math.hypot(3, 4) / 24
    nnz = int((img > 0).sum())
    # The plan meets its marginals to tol = 1e-9, so the cost may undershoot by about that much.
    assert exact**2 - 1e-8 <= w2**2 <= exact**2 + reg * math.log(nnz * nnz)
    assert wasserstein_images(img, img, reg=reg) == pytest.approx(0.0, abs=1e-3)
    with pytest.raises(OutOfRangeError, match="negative"):
        wasserstein_images(-img, img, reg=reg)
    with pytest.raises(InvalidParameterError, match="no mass"):
        wasserstein_images(np.zeros((3, 3)), img, reg=reg)


def test_colour_transfer_takes_on_the_target_palette() -> None:
    day, sunset = onstream.datasets.ocean_images()
    day, sunset = day[::6, ::6], sunset[::6, ::6]  # keep the test quick
    out = color_transfer(day, sunset, bins=12, reg=1e-3)
    assert out.shape == day.shape
    assert out.dtype == np.uint8
    before = np.abs(day.reshape(-1, 3).mean(0) - sunset.reshape(-1, 3).mean(0)).max()
    after = np.abs(out.reshape(-1, 3).mean(0) - sunset.reshape(-1, 3).mean(0)).max()
    assert before > 50
    assert after < 8, (before, after)
    same = color_transfer(day, day, bins=12, reg=1e-5)
    assert np.abs(same.astype(int) - day.astype(int)).mean() < 2.0
    floats = color_transfer(day / 255.0, sunset / 255.0, bins=12, reg=1e-3)
    assert floats.dtype == np.float64
    np.testing.assert_allclose(floats * 255, out, atol=1.0)


def test_colour_transfer_bad_input() -> None:
    img = np.zeros((4, 4, 3), dtype=np.uint8)
    with pytest.raises(ShapeMismatchError):
        color_transfer(np.zeros((4, 4)), img)
    with pytest.raises(InvalidParameterError, match="bins"):
        color_transfer(img, img, bins=1)
    with pytest.raises(InvalidParameterError, match=r"outside \[0, 1\]"):
        color_transfer(np.full((2, 2, 3), 2.0), img)
