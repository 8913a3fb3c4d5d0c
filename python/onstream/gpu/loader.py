"""Kernel sources and the ``cupy.RawModule`` cache.

A kernel file declares its template instantiations on a line of its own::

    // onstream-names: lse_rows<float> lse_rows<double>

so a new kernel is a new file in ``gpu/`` and nothing else: the extension embeds it (build.rs), the
loader compiles it with those name expressions, and the NVRTC test compiles it for sm_80 and sm_90.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onstream import _core
from onstream.exceptions import InvalidParameterError

__all__ = ["NVRTC_OPTIONS", "KernelSpec", "get_function", "kernel_names", "kernel_spec"]

#: Options every kernel is compiled with, on the GPU (cupy) and in the NVRTC test alike.
NVRTC_OPTIONS: tuple[str, ...] = ("-std=c++17",)

_NAMES_LINE = re.compile(r"^//\s*onstream-names:(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class KernelSpec:
    """One ``gpu/<name>.cu``: its source (with a ``#line`` header) and what to instantiate."""

    name: str
    source: str
    name_expressions: tuple[str, ...]
    options: tuple[str, ...] = NVRTC_OPTIONS


def kernel_names() -> list[str]:
    """Names of the embedded kernel files, ``gpu/<name>.cu`` without the suffix."""
    return list(_core.kernel_names())


def _read_source(name: str) -> str:
    override = os.environ.get("ONSTREAM_GPU_DIR")
    if override:
        path = Path(override) / f"{name}.cu"
        if not path.is_file():
            raise InvalidParameterError(
                f"invalid kernel name: ONSTREAM_GPU_DIR={override!r} has no {name}.cu"
            )
        return path.read_text(encoding="utf-8")
    return _core.kernel_source(name)


def kernel_spec(name: str) -> KernelSpec:
    """The source and name expressions of ``gpu/<name>.cu``."""
    raw = _read_source(name)
    names = tuple(n for m in _NAMES_LINE.findall(raw) for n in m.split())
    # #line makes compiler messages point at the repository file, not at an anonymous string.
    source = f'#line 1 "gpu/{name}.cu"\n{raw}'
    return KernelSpec(name=name, source=source, name_expressions=names)


@functools.cache
def _module(name: str, device_id: int, override: str | None) -> Any:
    import cupy

    spec = kernel_spec(name)
    with cupy.cuda.Device(device_id):
        return cupy.RawModule(
            code=spec.source, options=spec.options, name_expressions=spec.name_expressions
        )


def get_function(name: str, expression: str) -> Any:
    """The compiled kernel ``expression`` (e.g. ``"lse_rows<float>"``) of ``gpu/<name>.cu`` for the
    current device; each module is compiled once per device and per source override."""
    import cupy

    device_id = int(cupy.cuda.runtime.getDevice())
    module = _module(name, device_id, os.environ.get("ONSTREAM_GPU_DIR"))
    return module.get_function(expression)
