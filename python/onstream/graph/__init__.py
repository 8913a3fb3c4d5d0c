"""Graphs and personalized PageRank.

* :class:`Graph`: CSR graph from NumPy arrays, a polars DataFrame or an edge-list file.
* :func:`ppr`, :func:`ppr_top_k`: personalized PageRank by forward push, power iteration or
  random walks, with an L1 tolerance that is a guarantee and documented dangling-node semantics.
* :class:`PowerWalkIndex`: PowerWalk fingerprints and batched top-k queries.
* :func:`srrw_walk`, :func:`srrw_average`: self-repellent random walks sampling a target measure;
  :func:`sa_srrw_least_squares`: token SGD driven by one (SA-SRRW).
"""

from onstream.graph.graph import Graph
from onstream.graph.powerwalk import PowerWalkIndex
from onstream.graph.ppr import DanglingPolicy, PprMethod, personalization, ppr, ppr_top_k
from onstream.graph.srrw import sa_srrw_least_squares, srrw_average, srrw_walk

__all__ = [
    "DanglingPolicy",
    "Graph",
    "PowerWalkIndex",
    "PprMethod",
    "personalization",
    "ppr",
    "ppr_top_k",
    "sa_srrw_least_squares",
    "srrw_average",
    "srrw_walk",
]
