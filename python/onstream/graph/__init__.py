"""Graphs and personalized PageRank.

* :class:`Graph`: CSR graph from NumPy arrays, a polars DataFrame or an edge-list file.
* :func:`ppr`, :func:`ppr_top_k`: personalized PageRank by forward push, power iteration or
  random walks, with an L1 tolerance that is a guarantee and documented dangling-node semantics.
"""

from onstream.graph.graph import Graph
from onstream.graph.ppr import DanglingPolicy, PprMethod, personalization, ppr, ppr_top_k

__all__ = ["DanglingPolicy", "Graph", "PprMethod", "personalization", "ppr", "ppr_top_k"]
