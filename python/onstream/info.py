"""What this installation is: versions, build profile, threads, GPU."""

from __future__ import annotations

import os
import platform
from typing import Any

from onstream import _core
from onstream.gpu.device import cupy_status

__all__ = ["build_info"]


def build_info() -> dict[str, Any]:
    """Version, build profile, thread pool, Python/NumPy/polars versions and GPU availability."""
    import numpy as np
    import polars as pl

    native = _core.build_info()
    usable, gpu = cupy_status()
    return {
        "onstream": native["version"],
        "build profile": native["profile"],
        "python": platform.python_version(),
        "numpy": np.__version__,
        "polars": pl.__version__,
        "threads": _core.pool_threads(),
        "ONSTREAM_MAX_THREADS": os.environ.get("ONSTREAM_MAX_THREADS", "(unset: all CPUs)"),
        "gpu": gpu if usable else f"none: {gpu}",
        "gpu kernels embedded": ", ".join(native["kernels"]),
    }
