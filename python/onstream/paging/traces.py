"""Cache traces in: libCacheSim's ``oracleGeneral`` binary, plain-text ids, any integer column."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from onstream._convert import id_array
from onstream.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import polars as pl

__all__ = ["ORACLE_GENERAL", "as_trace", "read_oracle_general", "read_text_trace"]

#: libCacheSim's ``oracleGeneral`` record: 24 packed little-endian bytes per request.
ORACLE_GENERAL = np.dtype([("ts", "<u4"), ("id", "<u8"), ("size", "<u4"), ("next", "<i8")])


def as_trace(x: Any) -> npt.NDArray[np.uint64]:
    """A trace of request ids as ``uint64``: from NumPy, a polars Series or a Python sequence."""
    return id_array(x, "trace")


def read_oracle_general(path: str | Path) -> pl.DataFrame:
    """Read a libCacheSim ``oracleGeneral`` file (optionally ``.gz``/``.zst``-free plain binary).

    Returns a DataFrame with ``ts`` (seconds), ``id``, ``size`` (bytes) and ``next`` (libCacheSim's
    1-based index of the next request to the same id, or -1), one row per request; no copy of the
    records beyond reading the file.
    """
    import polars as pl

    p = Path(path)
    raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    if len(raw) % ORACLE_GENERAL.itemsize:
        raise InvalidParameterError(
            f"invalid path: {p} has {len(raw)} bytes, not a multiple of the "
            f"{ORACLE_GENERAL.itemsize}-byte oracleGeneral record"
        )
    rec = np.frombuffer(raw, dtype=ORACLE_GENERAL)
    return pl.DataFrame({name: rec[name] for name in ORACLE_GENERAL.names or ()})


def read_text_trace(path: str | Path) -> npt.NDArray[np.uint64]:
    """Read one integer id per line (``.gz`` allowed); blank lines and ``*`` markers are skipped."""
    p = Path(path)
    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt") as f:
        tokens = [t for t in f.read().split() if t != "*"]
    try:
        values = np.array([int(t) for t in tokens], dtype=np.int64)
    except ValueError as e:
        raise InvalidParameterError(f"invalid trace file {p}: {e}") from e
    return as_trace(values)
