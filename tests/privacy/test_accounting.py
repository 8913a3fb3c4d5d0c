"""Accounting: the conversions of Bun & Steinke (TCC 2016) and a budget that never overspends."""

from __future__ import annotations

import math
import pickle

import pytest

from onstream.exceptions import BudgetExhaustedError, InvalidParameterError
from onstream.privacy import Budget, ContinualCounter, pure_to_zcdp, zcdp_to_approx


def test_conversions() -> None:
    assert pure_to_zcdp(0.3) == pytest.approx(0.045)
    for rho, delta in [(0.1, 1e-5), (2.0, 1e-9)]:
        assert zcdp_to_approx(rho, delta) == pytest.approx(
            rho + 2 * math.sqrt(rho * math.log(1 / delta))
        )
    with pytest.raises(InvalidParameterError, match="invalid delta"):
        zcdp_to_approx(0.1, 1.5)
    with pytest.raises(InvalidParameterError, match="invalid epsilon"):
        pure_to_zcdp(-1.0)


def test_budget_composition_and_refusal() -> None:
    b = Budget(rho=1.0)
    b.spend(epsilon=1.0)  # charged 0.5
    b.spend(rho=0.25)
    with pytest.raises(BudgetExhaustedError, match="over the budget"):
        b.spend(rho=0.3)
    assert b.spent == {"rho": pytest.approx(0.75)}
    assert b.spends == 2
    restored = pickle.loads(pickle.dumps(b))
    assert restored.spent == b.spent
    with pytest.raises(InvalidParameterError, match="budget's unit"):
        Budget(epsilon=1.0).spend(rho=0.1)
    with pytest.raises(InvalidParameterError, match="privacy parameters"):
        Budget(epsilon=1.0, rho=1.0)


def test_counters_charge_their_budget_before_building() -> None:
    b = Budget(epsilon=1.5)
    ContinualCounter(100, epsilon=1.0, budget=b)
    with pytest.raises(BudgetExhaustedError):
        ContinualCounter(100, epsilon=1.0, budget=b)
    assert b.spent == {"epsilon": pytest.approx(1.0)}
    z = Budget(rho=1.0)
    ContinualCounter(10, rho=0.4, budget=z)
    ContinualCounter(10, epsilon=1.0, budget=z)  # 0.5 in zCDP units
    assert z.spent == {"rho": pytest.approx(0.9)}
