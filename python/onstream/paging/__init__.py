"""Unit-size paging: eviction policies, Belady's optimum, simulation over traces, miss-ratio curves.

* :func:`simulate` runs a grid of (policy, cache size) cells over a trace in Rust, in parallel,
  and returns a polars DataFrame.
* :func:`mrc` gives LRU's miss ratio at every cache size in one pass (Mattson stack distances).
* :class:`Cache` is a per-request cache for use in programs (``access(key) -> bool``), picklable
  mid-stream.
* :mod:`onstream.paging.traces` reads libCacheSim ``oracleGeneral`` files and plain-text id traces.

Policies, by name: ``lru``, ``fifo``, ``clock``, ``lfu`` (ties: least recently used), ``arc``,
``sieve``, ``marker`` (randomized), ``lfd`` (Belady's offline optimum; aliases ``belady``, ``opt``).
"""

from onstream.paging.cache import Cache
from onstream.paging.mrc import mrc
from onstream.paging.simulate import POLICIES, simulate
from onstream.paging.traces import as_trace, read_oracle_general, read_text_trace

__all__ = [
    "POLICIES",
    "Cache",
    "as_trace",
    "mrc",
    "read_oracle_general",
    "read_text_trace",
    "simulate",
]
