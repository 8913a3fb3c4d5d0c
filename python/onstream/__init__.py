"""onstream: streaming and combinatorial algorithms from recent papers, with Rust cores (PyO3 +
rayon), CUDA kernels (CuPy) and this typed facade.

Subpackages, one per domain (each mirrors ``rust/onstream-core/src/<domain>/``):

* :mod:`onstream.dense`: dense kernels with CPU and CUDA paths (log-sum-exp, for optimal transport).
* :mod:`onstream.graph`: graphs and personalized PageRank (push, power iteration, random walks).
* :mod:`onstream.ot`: entropic optimal transport (Sinkhorn, Sinkhorn-Newton-Sparse), CPU and CUDA.
* :mod:`onstream.paging`: cache eviction policies, Belady, trace simulation, miss-ratio curves.
* :mod:`onstream.privacy`: exact differential-privacy noise on a CSPRNG.
* :mod:`onstream.stream`: general streaming summaries (reservoir sampling).
* :mod:`onstream.datasets`: small real datasets bundled in the wheel.
* :mod:`onstream.gpu`: kernel loading and ``device=`` selection.
* :mod:`onstream.exceptions`: the error classes (each also a builtin such as ``ValueError``).

Conventions: ``seed=`` takes an int in ``[0, 2**64)`` (same numbers on every platform) or ``None``;
arrays may be NumPy, polars or Python sequences; long calls release the GIL and run on a private
thread pool sized by ``ONSTREAM_MAX_THREADS``; streaming objects pickle and resume exactly.
Run ``onstream info`` and ``onstream tour`` from a shell.
"""

from onstream import _core, datasets, dense, exceptions, gpu, graph, ot, paging, privacy, stream
from onstream.exceptions import (
    BudgetExhaustedError,
    DtypeError,
    EmptyInputError,
    GpuUnavailableError,
    InternalError,
    InvalidParameterError,
    MissingValueError,
    NonFiniteError,
    NumericalError,
    OnstreamError,
    OutOfRangeError,
    ShapeMismatchError,
    SnapshotError,
    SnapshotVersionError,
)
from onstream.info import build_info

__version__: str = _core.__version__

__all__ = [
    "BudgetExhaustedError",
    "DtypeError",
    "EmptyInputError",
    "GpuUnavailableError",
    "InternalError",
    "InvalidParameterError",
    "MissingValueError",
    "NonFiniteError",
    "NumericalError",
    "OnstreamError",
    "OutOfRangeError",
    "ShapeMismatchError",
    "SnapshotError",
    "SnapshotVersionError",
    "__version__",
    "build_info",
    "datasets",
    "dense",
    "exceptions",
    "gpu",
    "graph",
    "ot",
    "paging",
    "privacy",
    "stream",
]
