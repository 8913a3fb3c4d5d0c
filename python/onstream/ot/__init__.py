"""Entropic optimal transport: Sinkhorn (kernel and log domain, ε-scaling) and
Sinkhorn-Newton-Sparse (Tang et al., ICLR 2024), on dense costs or point clouds, with a CUDA path.

* :func:`sinkhorn`: the solver; returns a :class:`TransportResult`.
* :func:`wasserstein_points`, :func:`wasserstein_images`: entropic Wasserstein distances between
  point clouds and between 2-D histograms (images).
* :func:`color_transfer`: recolour an image with the palette of another, through the OT plan
  between their colour distributions.
"""

from onstream.ot.color import color_transfer
from onstream.ot.distances import wasserstein_images, wasserstein_points
from onstream.ot.result import SparsePlan, TransportResult
from onstream.ot.sinkhorn import Method, sinkhorn

__all__ = [
    "Method",
    "SparsePlan",
    "TransportResult",
    "color_transfer",
    "sinkhorn",
    "wasserstein_images",
    "wasserstein_points",
]
