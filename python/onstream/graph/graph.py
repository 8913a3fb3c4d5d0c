"""``Graph``: an immutable weighted directed graph in CSR form (both directions), built once from
NumPy arrays, a polars DataFrame of edges or an edge-list file, and shared by every computation."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, int_array, positive_int
from onstream.exceptions import InvalidParameterError, ShapeMismatchError

__all__ = ["Graph"]


class Graph:
    """A weighted directed graph on nodes ``0 .. n_nodes - 1``.

    Parallel edges are kept and their weights add; self-loops are ordinary edges; an undirected
    graph stores each edge both ways. Nodes without outgoing weight are *dangling*: where a walk
    goes from there is chosen per computation (``dangling=`` of :func:`onstream.graph.ppr`).
    ``labels`` maps node numbers back to the ids of a file read with relabelling.
    """

    __slots__ = ("_native", "directed", "labels")

    def __init__(self, native: Any, directed: bool, labels: npt.NDArray[np.int64] | None) -> None:
        self._native = native
        self.directed = directed
        self.labels = labels

    @classmethod
    def from_edges(
        cls,
        src: Any,
        dst: Any,
        n_nodes: int | None = None,
        directed: bool = True,
        weights: Any = None,
    ) -> Graph:
        """The graph of edges ``src[k] -> dst[k]`` (node ids in ``[0, n_nodes)``; ``n_nodes``
        defaults to the largest id plus one), with optional nonnegative ``weights``."""
        s = int_array(src, "src", allow_empty=True).astype(np.int64, copy=False)
        d = int_array(dst, "dst", allow_empty=True).astype(np.int64, copy=False)
        if s.size != d.size:
            raise ShapeMismatchError(f"src has {s.size} edges but dst has {d.size}")
        w = None
        if weights is not None:
            w = float_array(weights, "weights", allow_empty=True).astype(np.float64, copy=False)
        n = None if n_nodes is None else positive_int(n_nodes, "n_nodes")
        native = _core.Graph.from_edges(s, d, n, bool(directed), w)
        return cls(native, bool(directed), None)

    @classmethod
    def from_polars(
        cls,
        edges: Any,
        src: str = "src",
        dst: str = "dst",
        weight: str | None = None,
        n_nodes: int | None = None,
        directed: bool = True,
    ) -> Graph:
        """The graph of a polars DataFrame with integer columns ``src`` and ``dst`` (and an
        optional weight column)."""
        for col in (src, dst, *([weight] if weight else [])):
            if col not in edges.columns:
                raise InvalidParameterError(f"the edge table has no column {col!r}")
        w = None if weight is None else edges[weight]
        return cls.from_edges(edges[src], edges[dst], n_nodes, directed, w)

    @classmethod
    def read_edgelist(cls, path: str | Path, directed: bool = True, relabel: bool = True) -> Graph:
        """Read an edge list: SNAP text (two ids per line, ``#`` comments, whitespace), CSV (with
        or without a ``src,dst`` header), or the LG format of Graphs.jl (``.jlg``); ``.gz`` is
        decompressed. A third column, if there is one, is the edge weight. With ``relabel`` the
        ids become ``0 .. n - 1`` in sorted order and ``labels`` keeps the originals; otherwise
        they must already be in ``[0, n)``.
        """
        p = Path(path)
        raw = p.read_bytes()
        if p.suffix == ".gz":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8")
        lines = text.splitlines()
        name = p.name.removesuffix(".gz")
        if name.endswith(".jlg") and lines:
            header = lines[0].split(",")
            if len(header) >= 3 and header[2].strip() == "u":
                directed = False
            lines = lines[1:]
        body = "\n".join(ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#"))
        if body and not body.lstrip()[0].isdigit() and body.lstrip()[0] != "-":
            body = body.split("\n", 1)[1] if "\n" in body else ""  # a header row
        if not body:
            raise InvalidParameterError(f"{p} has no edges")
        body = body.replace(",", " ")
        columns = len(body.split("\n", 1)[0].split())
        if columns < 2:
            raise InvalidParameterError(f"{p}: expected two ids per line")
        # One pass over the text: integer ids (exact beyond 2**53) and, if present, float weights.
        fields: list[tuple[str, type]] = [("src", np.int64), ("dst", np.int64)]
        if columns >= 3:
            fields.append(("weight", np.float64))
        try:
            table = np.loadtxt(io.StringIO(body), dtype=fields, usecols=range(len(fields)), ndmin=1)
        except ValueError as e:
            raise InvalidParameterError(f"{p}: not an edge list ({e})") from None
        src, dst = table["src"], table["dst"]
        weights = table["weight"] if columns >= 3 else None
        labels = None
        if relabel:
            labels, inverse = np.unique(np.concatenate([src, dst]), return_inverse=True)
            src, dst = inverse[: src.size], inverse[src.size :]
        n = None if labels is None else labels.size
        g = cls.from_edges(src, dst, n, directed, weights)
        g.labels = labels
        return g

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self._native.n_nodes)

    @property
    def n_edges(self) -> int:
        """Number of stored directed edges (an undirected edge counts twice, a self-loop once)."""
        return int(self._native.n_edges)

    def dangling(self) -> npt.NDArray[np.int64]:
        """The dangling nodes (no outgoing weight), ascending."""
        out: npt.NDArray[np.int64] = self._native.dangling()
        return out

    def out_degrees(self) -> npt.NDArray[np.int64]:
        """Stored out-edges per node."""
        out: npt.NDArray[np.int64] = self._native.out_degrees()
        return out

    def to_bytes(self) -> bytes:
        """The graph as a versioned snapshot (node labels are not included)."""
        out: bytes = self._native.to_bytes()
        return out

    @classmethod
    def from_bytes(cls, data: bytes, directed: bool = True) -> Graph:
        """A graph written by :meth:`to_bytes`."""
        return cls(_core.Graph.from_bytes(data), directed, None)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self.to_bytes(), self.directed, self.labels))

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        return f"Graph({kind}, n_nodes={self.n_nodes}, n_edges={self.n_edges})"


def _restore(data: bytes, directed: bool, labels: npt.NDArray[np.int64] | None) -> Graph:
    g = Graph.from_bytes(data, directed)
    g.labels = labels
    return g
