"""``device="auto" | "cpu" | "cuda"``: what each means, decided in one place.

* ``"cpu"``: the Rust path.
* ``"cuda"``: the CuPy path; without cupy or a device, :class:`~onstream.GpuUnavailableError`
  saying why. Never a silent swap to the CPU.
* ``"auto"``: ``"cuda"`` when the input already lives on the GPU, ``"cpu"`` otherwise (copying a
  host array to the device and back costs more than the kernels save for one call). The choice is
  logged at INFO level on the ``onstream.gpu`` logger.
"""

from __future__ import annotations

import functools
import logging
from typing import Literal

from onstream._typing import Device
from onstream.exceptions import GpuUnavailableError, InvalidParameterError

__all__ = ["cupy_status", "gpu_available", "resolve_device"]

log = logging.getLogger("onstream.gpu")


@functools.cache
def cupy_status() -> tuple[bool, str]:
    """``(usable, reason)``: whether cupy imports and sees a CUDA device, and why not."""
    try:
        import cupy
    except ImportError as e:
        return False, f"cupy is not installed ({e}); install onstream[cuda]"
    try:
        if not cupy.is_available():
            return False, "cupy is installed but finds no CUDA device or driver"
        name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
        label = name.decode() if isinstance(name, bytes) else str(name)
    except Exception as e:
        return False, f"cupy cannot use the GPU: {e}"
    return True, f"cupy {cupy.__version__} on {label}"


def gpu_available() -> bool:
    """True when cupy imports and a CUDA device answers."""
    return cupy_status()[0]


def _on_gpu(x: object) -> bool:
    return hasattr(x, "__cuda_array_interface__")


def resolve_device(device: Device, data: object = None) -> Literal["cpu", "cuda"]:
    """Turn a ``device=`` argument into ``"cpu"`` or ``"cuda"``, or raise a clear error."""
    if device == "cpu":
        if _on_gpu(data):
            raise InvalidParameterError(
                "invalid device: got 'cpu' for an array that lives on the GPU; "
                "expected 'cuda' or 'auto' (or copy the array to host first)"
            )
        return "cpu"
    if device == "cuda":
        usable, reason = cupy_status()
        if not usable:
            raise GpuUnavailableError(f"device='cuda' was requested but {reason}")
        return "cuda"
    if device == "auto":
        chosen: Literal["cpu", "cuda"] = "cuda" if _on_gpu(data) and gpu_available() else "cpu"
        log.info("device='auto' chose %s (%s)", chosen, cupy_status()[1])
        return chosen
    raise InvalidParameterError(f"invalid device: got {device!r}, expected 'auto', 'cpu' or 'cuda'")
