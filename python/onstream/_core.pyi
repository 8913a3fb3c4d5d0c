# Stubs of the native module onstream._core (rust/onstream-py). Checked against the binary by
# `python -m mypy.stubtest onstream._core` in `make test`.
from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "Budget",
    "Cache",
    "ContinualCounter",
    "Graph",
    "H2OCache",
    "PowerWalkIndex",
    "Reservoir",
    "__version__",
    "_debug_panic",
    "_rng_u64",
    "build_info",
    "graph_ppr",
    "graph_sa_srrw_least_squares",
    "graph_srrw_averages",
    "graph_srrw_walk",
    "kernel_names",
    "kernel_source",
    "logsumexp",
    "ot_dense_plan",
    "ot_evaluate",
    "ot_solve",
    "paging_lru_hits_all_sizes",
    "paging_next_arrival",
    "paging_next_use",
    "paging_prediction_bits",
    "paging_simulate",
    "pool_threads",
    "privacy_discrete_gaussian",
    "privacy_discrete_laplace",
    "privacy_pure_to_zcdp",
    "privacy_zcdp_to_approx",
]

__version__: str

def build_info() -> dict[str, Any]: ...
def pool_threads() -> int: ...
def _debug_panic(where_: str) -> None: ...
def _rng_u64(seed: int, stream: int, n: int) -> npt.NDArray[np.uint64]: ...
def kernel_names() -> list[str]: ...
def kernel_source(name: str) -> str: ...
def logsumexp(x: npt.NDArray[np.floating], axis: int) -> npt.NDArray[np.floating]: ...
def ot_solve(
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    cost: npt.NDArray[np.float64] | None,
    x: npt.NDArray[np.float64] | None,
    y: npt.NDArray[np.float64] | None,
    reg: float,
    method: str,
    tol: float,
    max_iter: int,
    eps_scaling: float | None,
    warmup: int,
    keep_drop: float,
    max_keep: int,
    stored_kernel: bool,
) -> dict[str, Any]: ...
def ot_dense_plan(
    cost: npt.NDArray[np.float64] | None,
    x: npt.NDArray[np.float64] | None,
    y: npt.NDArray[np.float64] | None,
    f: npt.NDArray[np.float64],
    g: npt.NDArray[np.float64],
    reg: float,
) -> npt.NDArray[np.float64]: ...
def ot_evaluate(
    cost: npt.NDArray[np.float64] | None,
    x: npt.NDArray[np.float64] | None,
    y: npt.NDArray[np.float64] | None,
    f: npt.NDArray[np.float64],
    g: npt.NDArray[np.float64],
    reg: float,
    keep_drop: float | None,
    max_keep: int,
) -> dict[str, Any]: ...

@final
class Reservoir:
    def __new__(cls, k: int, seed: int | None = None) -> Reservoir: ...
    def push(self, item: int) -> None: ...
    def push_many(self, items: npt.NDArray[np.int64]) -> None: ...
    def sample(self) -> npt.NDArray[np.int64]: ...
    @property
    def capacity(self) -> int: ...
    @property
    def seen(self) -> int: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> Reservoir: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

def privacy_discrete_laplace(
    num: int, den: int, size: int, insecure_seed: int | None = None
) -> npt.NDArray[np.int64]: ...
def privacy_discrete_gaussian(
    num: int, den: int, size: int, insecure_seed: int | None = None
) -> npt.NDArray[np.int64]: ...
def paging_simulate(
    ids: npt.NDArray[np.uint64],
    policies: list[str],
    sizes: list[int],
    seed: int,
    want_mask: bool = False,
    discard: dict[int, npt.NDArray[np.bool_]] | None = None,
    phase: dict[int, npt.NDArray[np.bool_]] | None = None,
    next_arrival: npt.NDArray[np.float64] | None = None,
    noise: tuple[float, float, float] | None = None,
) -> dict[str, Any]: ...
def paging_prediction_bits(
    ids: npt.NDArray[np.uint64], kind: str, k: int, wrong0: float, wrong1: float, seed: int
) -> npt.NDArray[np.bool_]: ...
def paging_next_arrival(
    ids: npt.NDArray[np.uint64], sigma: float, seed: int
) -> npt.NDArray[np.float64]: ...
def paging_lru_hits_all_sizes(ids: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]: ...
def paging_next_use(ids: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]: ...

@final
class Cache:
    def __new__(cls, policy: str, capacity: int, seed: int | None = None) -> Cache: ...
    def access(self, key: int) -> bool: ...
    def access_many(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]: ...
    @property
    def policy(self) -> str: ...
    @property
    def capacity(self) -> int: ...
    @property
    def hits(self) -> int: ...
    @property
    def misses(self) -> int: ...
    def __len__(self) -> int: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> Cache: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

@final
class H2OCache:
    def __new__(cls, n_heads: int, heavy: int, recent: int, variant: str) -> H2OCache: ...
    def append(self, n: int) -> None: ...
    def update(self, attn: npt.NDArray[np.floating]) -> npt.NDArray[np.bool_]: ...
    def positions(self) -> npt.NDArray[np.uint64]: ...
    def scores(self) -> npt.NDArray[np.float64]: ...
    @property
    def kept(self) -> int: ...
    @property
    def n_heads(self) -> int: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> H2OCache: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

@final
class ContinualCounter:
    def __new__(
        cls,
        mechanism: str,
        horizon: int,
        noise: str,
        num: int,
        den: int,
        insecure_seed: int | None = None,
    ) -> ContinualCounter: ...
    def step(self, x: int) -> float: ...
    def release(self, xs: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]: ...
    def variance_at(self, t: int) -> float: ...
    def node_variance(self) -> float: ...
    @property
    def steps(self) -> int: ...
    @property
    def horizon(self) -> int: ...
    @property
    def insecure(self) -> bool: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> ContinualCounter: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

def privacy_pure_to_zcdp(epsilon: float) -> float: ...
def privacy_zcdp_to_approx(rho: float, delta: float) -> float: ...

@final
class Budget:
    def __new__(
        cls, epsilon: float | None = None, delta: float | None = None, rho: float | None = None
    ) -> Budget: ...
    def spend(
        self, epsilon: float | None = None, delta: float | None = None, rho: float | None = None
    ) -> None: ...
    def total(self) -> dict[str, float]: ...
    def spent(self) -> dict[str, float]: ...
    @property
    def spends(self) -> int: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> Budget: ...
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

@final
class Graph:
    @staticmethod
    def from_edges(
        src: npt.NDArray[np.int64],
        dst: npt.NDArray[np.int64],
        n_nodes: int | None,
        directed: bool,
        weights: npt.NDArray[np.float64] | None,
    ) -> Graph: ...
    @property
    def n_nodes(self) -> int: ...
    @property
    def n_edges(self) -> int: ...
    def dangling(self) -> npt.NDArray[np.int64]: ...
    def out_degrees(self) -> npt.NDArray[np.int64]: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> Graph: ...

@final
class PowerWalkIndex:
    @staticmethod
    def build(
        graph: Graph, walks: int, alpha: float, seed: int, partitions: int | None = None
    ) -> PowerWalkIndex: ...
    @staticmethod
    def from_parts(graph: Graph, fingerprints: bytes) -> PowerWalkIndex: ...
    def fingerprint_bytes(self) -> bytes: ...
    @property
    def nnz(self) -> int: ...
    @property
    def alpha(self) -> float: ...
    @property
    def walks_per_node(self) -> int: ...
    def query(
        self, sources: npt.NDArray[np.int64], k: int, steps: int, prune: float
    ) -> dict[str, npt.NDArray[Any]]: ...
    def query_dense(self, source: int, steps: int, prune: float) -> npt.NDArray[np.float64]: ...

def graph_ppr(
    graph: Graph,
    p: npt.NDArray[np.float64],
    alpha: float,
    method: str,
    tol: float,
    max_iter: int,
    dangling: str,
    walks: int,
    seed: int,
) -> dict[str, Any]: ...
def graph_srrw_walk(
    graph: Graph,
    alpha: float,
    target_name: str,
    weights: npt.NDArray[np.float64] | None,
    steps: int,
    start: int,
    seed: int,
) -> npt.NDArray[np.int64]: ...
def graph_srrw_averages(
    graph: Graph,
    values: npt.NDArray[np.float64],
    alpha: float,
    target_name: str,
    weights: npt.NDArray[np.float64] | None,
    start: int,
    steps: int,
    runs: int,
    seed: int,
) -> npt.NDArray[np.float64]: ...
def graph_sa_srrw_least_squares(
    graph: Graph,
    features: npt.NDArray[np.float64],
    labels: npt.NDArray[np.float64],
    alpha: float,
    target_name: str,
    weights: npt.NDArray[np.float64] | None,
    start: int,
    steps: int,
    gamma_exponent: float,
    beta_exponent: float,
    beta0: float,
    runs: int,
    seed: int,
) -> npt.NDArray[np.float64]: ...
