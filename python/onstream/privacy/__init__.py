"""Differential privacy: exact noise on a cryptographically secure generator.

* :func:`discrete_laplace` and :func:`discrete_gaussian` draw exactly from their distributions
  (Canonne, Kamath & Steinke, NeurIPS 2020), with integer arithmetic only: no floating-point
  rounding for an attacker to read (Mironov, CCS 2012).
* Noise comes from ChaCha20 keyed by the operating system. Seeds are refused unless passed as
  ``insecure_seed=``, which returns a :class:`NonPrivateArray` whose repr says so: for tests only.

* :class:`ContinualCounter` releases a running count at every step (binary tree or online
  Honaker), with the exact variance of every release.
* :class:`ContinualHistogram` releases running counts of d categories.
* :class:`ContinualMaxSum` releases the largest of d running counts and its index (Jain et al.,
  ICML 2023, the √d route).
* :func:`continual_counts` does it per group over a time-ordered polars DataFrame.
* :func:`epsilon_lower_bound` audits a mechanism: the ε its outputs on adjacent inputs prove.
* :class:`Budget` composes costs (ε-DP, (ε, δ)-DP, ρ-zCDP) and refuses to overspend.
"""

from onstream.privacy.accounting import Budget, pure_to_zcdp, zcdp_to_approx
from onstream.privacy.audit import epsilon_lower_bound
from onstream.privacy.counter import ContinualCounter
from onstream.privacy.frames import continual_counts
from onstream.privacy.histogram import ContinualHistogram
from onstream.privacy.maxsum import ContinualMaxSum, DriftPlan, drift_plan
from onstream.privacy.noise import NonPrivateArray, discrete_gaussian, discrete_laplace

__all__ = [
    "Budget",
    "ContinualCounter",
    "ContinualHistogram",
    "ContinualMaxSum",
    "DriftPlan",
    "NonPrivateArray",
    "continual_counts",
    "discrete_gaussian",
    "discrete_laplace",
    "drift_plan",
    "epsilon_lower_bound",
    "pure_to_zcdp",
    "zcdp_to_approx",
]
