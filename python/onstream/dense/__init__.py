"""Dense numerical kernels with a Rust CPU path and a CUDA path (``gpu/``)."""

from onstream.dense.logsumexp import logsumexp

__all__ = ["logsumexp"]
