"""Differential privacy: exact noise on a cryptographically secure generator.

* :func:`discrete_laplace` and :func:`discrete_gaussian` draw exactly from their distributions
  (Canonne, Kamath & Steinke, NeurIPS 2020), with integer arithmetic only: no floating-point
  rounding for an attacker to read (Mironov, CCS 2012).
* Noise comes from ChaCha20 keyed by the operating system. Seeds are refused unless passed as
  ``insecure_seed=``, which returns a :class:`NonPrivateArray` whose repr says so: for tests only.

Continual counters and continual max/selection (the privacy issue) build on these samplers.
"""

from onstream.privacy.noise import NonPrivateArray, discrete_gaussian, discrete_laplace

__all__ = ["NonPrivateArray", "discrete_gaussian", "discrete_laplace"]
