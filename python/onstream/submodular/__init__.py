"""Monotone submodular maximization under a cardinality constraint.

* Objectives with incremental state: :class:`FacilityLocation` (dense float32 kernel or
  similarities on the fly), :class:`WeightedCoverage`, :class:`FeatureBased`, :class:`GraphCut`,
  :class:`SaturatedCoverage`, :class:`LogDeterminant`, and weighted sums of them
  (:class:`Mixture`); :class:`CallbackObjective` for a Python set function.
* :func:`maximize`: naive, lazy and stochastic greedy, Sieve-Streaming and Sieve-Streaming++.
* :class:`DynamicMaximizer`: the fully dynamic algorithm of Banihashem et al. (ICML 2023) through
  insertions and deletions, or recompute-greedy as the quality reference.
"""

from onstream.submodular.dynamic import DynamicMaximizer, DynamicMethod
from onstream.submodular.maximize import Optimizer, Selection, maximize
from onstream.submodular.objectives import (
    CallbackObjective,
    Concave,
    FacilityLocation,
    FeatureBased,
    GraphCut,
    LogDeterminant,
    Metric,
    Mixture,
    Objective,
    SaturatedCoverage,
    WeightedCoverage,
)

__all__ = [
    "CallbackObjective",
    "Concave",
    "DynamicMaximizer",
    "DynamicMethod",
    "FacilityLocation",
    "FeatureBased",
    "GraphCut",
    "LogDeterminant",
    "Metric",
    "Mixture",
    "Objective",
    "Optimizer",
    "SaturatedCoverage",
    "Selection",
    "WeightedCoverage",
    "maximize",
]
