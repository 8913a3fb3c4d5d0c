"""GPU plumbing: kernel sources, the memoized ``cupy.RawModule`` loader, device selection.

cupy is imported lazily (never at ``import onstream``). Kernel sources live in ``gpu/<name>.cu`` in
the repository and are embedded in the extension; ``ONSTREAM_GPU_DIR`` makes the loader read the
files from a folder instead, for iterating on a GPU machine without rebuilding.
"""

from onstream.gpu.device import cupy_status, gpu_available, resolve_device
from onstream.gpu.loader import KernelSpec, get_function, kernel_names, kernel_spec

__all__ = [
    "KernelSpec",
    "cupy_status",
    "get_function",
    "gpu_available",
    "kernel_names",
    "kernel_spec",
    "resolve_device",
]
