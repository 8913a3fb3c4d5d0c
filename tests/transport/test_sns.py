"""Sinkhorn-Newton-Sparse against the claims of Tang et al. (ICLR 2024) and the shared notes."""

from __future__ import annotations

import numpy as np

from onstream.ot import sinkhorn
from tests.transport.reference import clouds


def test_sns_reaches_1e9_in_fewer_passes_than_sinkhorn_needs_for_1e6() -> None:
    # The 2-D point-cloud problem at reg = 1e-3 (cost normalized to max 1), scaled down from the
    # bench's n = 2000 to keep the test short.
    x, y = clouds(500, 500, seed=0)
    sns = sinkhorn(None, None, x=x, y=y, reg=1e-3, method="sns", tol=1e-9)
    log = sinkhorn(None, None, x=x, y=y, reg=1e-3, method="log", tol=1e-6)
    assert sns.converged
    assert sns.marginal_error <= 1e-9
    assert log.converged
    assert sns.passes < log.passes / 5, (sns.passes, log.passes)
    assert sns.work < log.passes, (sns.work, log.passes)
    assert sns.newton_iter <= 15


def test_random_assignment_converges_like_the_paper() -> None:
    # Tang et al., Table 1: n = 500, C ~ U[0, 1], eta = 1/reg = 1200; SNS takes 20 Sinkhorn + 9
    # Newton steps to machine accuracy where Sinkhorn takes tens of thousands of sweeps.
    rng = np.random.default_rng(1)
    c = rng.random((500, 500))
    res = sinkhorn(None, None, c, reg=1 / 1200, method="sns", tol=1e-12)
    assert res.converged
    assert res.marginal_error <= 1e-12
    assert res.sinkhorn_iter == 20
    assert res.newton_iter <= 15  # 9 here, as in the paper
    # Superlinear at the end: each of the last steps cuts the error by 10× or more.
    errs = res.log.filter(res.log["stage"] == "newton")["marginal_error"].to_numpy()
    assert errs[-1] < errs[-2] / 10 < errs[-3] / 100
    capped = sinkhorn(None, None, c, reg=1 / 1200, method="log", tol=1e-12, max_iter=2000)
    assert not capped.converged


def test_a_sparser_hessian_needs_more_newton_steps() -> None:
    # The paper's lambda = 2/n keeps about two entries a row; on a diffuse 2-D plan that makes
    # Newton linear (shared notes, section 2.2). Mass-based keeping does not.
    x, y = clouds(300, 300, seed=2)
    by_mass = sinkhorn(None, None, x=x, y=y, reg=1e-3, method="sns", tol=1e-9)
    two = sinkhorn(None, None, x=x, y=y, reg=1e-3, method="sns", tol=1e-9, max_keep=2)
    assert by_mass.converged
    assert two.converged
    assert two.newton_iter > 2 * by_mass.newton_iter


def test_stalled_newton_falls_back_to_sinkhorn_and_still_converges() -> None:
    x, y = clouds(200, 200, seed=3)
    res = sinkhorn(None, None, x=x, y=y, reg=1e-3, method="sns", tol=1e-9, max_keep=1)
    assert res.converged
    assert "fallback" in res.log["stage"].to_list()
