"""Unit-size paging: eviction policies, Belady's optimum, simulation over traces, miss-ratio curves.

* :func:`simulate` runs a grid of (policy, cache size) cells over a trace in Rust, in parallel,
  and returns a polars DataFrame.
* :func:`mrc` gives LRU's miss ratio at every cache size in one pass (Mattson stack distances).
* :class:`Cache` is a per-request cache for use in programs (``access(key) -> bool``), picklable
  mid-stream.
* :class:`H2OCache` is H2O's KV-cache eviction (heavy hitters + recent window, per head).
* :mod:`onstream.paging.traces` reads libCacheSim ``oracleGeneral`` files and plain-text id traces.

Policies, by name: ``lru``, ``fifo``, ``clock``, ``lfu`` (ties: least recently used), ``arc``,
``sieve``, ``marker`` (randomized), ``lfd`` (Belady's offline optimum; aliases ``belady``, ``opt``),
and the learning-augmented ones of :data:`PREDICTIVE`, fed by :class:`Predictions`: one-bit
discard and phase predictions (Antoniadis et al., "Paging with Succinct Predictions", ICML 2023),
BlindOracle (Wei, APPROX 2020), each with a robust combination.
"""

from onstream.paging.cache import Cache
from onstream.paging.h2o import H2OCache
from onstream.paging.mrc import mrc
from onstream.paging.predictions import Predictions, discard_bits, next_arrivals, phase_bits
from onstream.paging.simulate import CLASSICAL, POLICIES, PREDICTIVE, simulate
from onstream.paging.traces import as_trace, read_oracle_general, read_text_trace

__all__ = [
    "CLASSICAL",
    "POLICIES",
    "PREDICTIVE",
    "Cache",
    "H2OCache",
    "Predictions",
    "as_trace",
    "discard_bits",
    "mrc",
    "next_arrivals",
    "phase_bits",
    "read_oracle_general",
    "read_text_trace",
    "simulate",
]
