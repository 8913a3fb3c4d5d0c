"""Bench: paging simulation against libCacheSim (C, the simulator researchers use), and online
caches against lru-dict and cachetools, on a 10 M-request Zipf trace and the real traces.

Every row also checks that the two sides agree (miss counts); libCacheSim runs from an
oracleGeneral file written beforehand, as it takes no arrays.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Bench, median_time, optional, paired_times

from onstream import _core
from onstream.datasets import sprite_trace
from onstream.paging import Cache, H2OCache, mrc, read_oracle_general, simulate

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cache_traces"
LCS_NAMES = {"lru": "LRU", "fifo": "FIFO", "arc": "ARC", "lfd": "Belady", "clock": "Clock"}


def zipf_trace(n: int, universe: int, alpha: float, seed: int) -> np.ndarray[Any, Any]:
    """Zipf(alpha) over `universe` ids by inverse CDF (numpy's zipf needs alpha > 1)."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, universe + 1) ** alpha
    cdf = np.cumsum(weights) / weights.sum()
    ranks = np.searchsorted(cdf, rng.random(n))
    perm = rng.permutation(universe)  # popular ids are not small ids
    return perm[ranks].astype(np.uint64)


def write_oracle_general(ids: np.ndarray[Any, Any], path: str) -> None:
    nxt = _core.paging_next_use(ids)
    rec = np.zeros(len(ids), dtype=[("ts", "<u4"), ("id", "<u8"), ("size", "<u4"), ("next", "<i8")])
    rec["ts"] = np.arange(len(ids)) // 1000
    rec["id"] = ids
    rec["size"] = 1
    never = nxt == np.iinfo(np.uint64).max
    rec["next"] = np.where(never, -1, nxt.astype(np.int64) + 1)
    rec.tofile(path)


def lcs_runner(path: str, policy: str, k: int) -> Callable[[], float] | None:
    lcs = optional("libcachesim")
    if lcs is None:
        return None

    def run() -> float:
        reader = lcs.TraceReader(
            trace=path,
            trace_type=lcs.TraceType.ORACLE_GENERAL_TRACE,
            reader_init_params=lcs.ReaderInitParam(ignore_obj_size=True),
        )
        cache = getattr(lcs, LCS_NAMES[policy])(cache_size=k, hashpower=16)
        miss_ratio, _ = cache.process_trace(reader)
        return float(miss_ratio)

    return run


def simulation_rows(bench: Bench, name: str, ids: np.ndarray[Any, Any], k: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.oracleGeneral.bin")
        write_oracle_general(ids, path)
        for policy in ("lru", "fifo", "arc", "clock", "lfd"):
            ours_ratio = float(simulate(ids, [policy], [k])["miss_ratio"][0])

            def ours(policy: str = policy) -> None:
                simulate(ids, [policy], [k])

            peer = lcs_runner(path, policy, k)
            if peer is None:
                print(f"{name} {policy}: libcachesim not installed, skipped")
                continue
            theirs = peer()
            row = bench.compare(
                f"{name} k={k} {policy}",
                ours,
                "libcachesim",
                peer,
                note=f"miss {ours_ratio:.4f} vs {theirs:.4f}; ours {len(ids) / 1e6:.1f}M req",
            )
            rate = len(ids) / row.ours_s / 1e6
            one = one_thread_seconds(ids, policy, k, bench.args.repeat)
            # Two threads when the renumbering overlaps the simulation (key-only policies on
            # traces whose ids do not fit a small direct table); LFD needs next-use times first.
            print(
                f"    -> onstream {rate:.1f} M req/s on the pool; "
                f"{len(ids) / one / 1e6:.1f} M req/s on one thread"
            )


ONE_THREAD = """
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
from _harness import median_time
from onstream.paging import simulate
ids = np.load(sys.argv[2])
print(median_time(lambda: simulate(ids, [sys.argv[3]], [int(sys.argv[4])]), int(sys.argv[5])))
"""


def one_thread_seconds(ids: np.ndarray[Any, Any], policy: str, k: int, repeat: int) -> float:
    """One simulation's median time in a child process whose pool has a single thread (the pool's
    size is fixed when it is first used)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ids.npy")
        np.save(path, ids)
        args = [os.path.dirname(__file__), path, policy, str(k), str(repeat)]
        out = subprocess.run(
            [sys.executable, "-c", ONE_THREAD, *args],
            env={**os.environ, "ONSTREAM_MAX_THREADS": "1"},
            capture_output=True,
            text=True,
            check=True,
        )
        return float(out.stdout.strip().splitlines()[-1])


def online_rows(bench: Bench, ids: np.ndarray[Any, Any], k: int) -> None:
    keys = ids[:1_000_000].tolist()

    def ours() -> None:
        access = Cache("lru", k).access
        for key in keys:
            access(key)

    lru_dict_module = optional("lru")
    if lru_dict_module is not None:

        def lru_dict() -> None:
            d: Any = lru_dict_module.LRU(k)
            for key in keys:
                if key not in d:
                    d[key] = True
                else:
                    d[key]

        bench.compare("online LRU access(), 1M keys", ours, "lru-dict", lru_dict)
    cachetools = optional("cachetools")
    if cachetools is None:
        return

    def cachetools_lru() -> None:
        c = cachetools.LRUCache(k)
        for key in keys:
            if c.get(key) is None:
                c[key] = True

    bench.compare("online LRU access(), 1M keys", ours, "cachetools", cachetools_lru)
    rate = len(keys) / median_time(ours, 3) / 1e6
    print(f"    -> onstream Cache.access {rate:.2f} M req/s from Python")


def numpy_h2o_run(attn: list[np.ndarray[Any, Any]], heavy: int, recent: int) -> None:
    """H2O as one would write it with NumPy: per-step column sums, argpartition per head."""
    heads = attn[0].shape[0]
    scores = np.zeros((heads, 0))
    for a in attn:
        scores = np.concatenate([scores, np.zeros((heads, 1))], axis=1)
        scores += a[:, :, : scores.shape[1]].sum(axis=1)
        n = scores.shape[1]
        if n > heavy + recent:
            old = n - recent
            top = np.argpartition(-scores[:, :old], heavy - 1, axis=1)[:, :heavy]
            top.sort(axis=1)
            scores = np.concatenate(
                [np.take_along_axis(scores[:, :old], top, axis=1), scores[:, old:]], axis=1
            )


def h2o_rows(bench: Bench) -> None:
    heads, heavy, recent, steps = 32, 128, 128, 400 if bench.quick else 2000
    rng = np.random.default_rng(0)
    attn = [rng.dirichlet(np.ones(heavy + recent + 1), size=(heads, 1)) for _ in range(steps)]

    def ours() -> None:
        c = H2OCache(heavy, recent, n_heads=heads)
        for a in attn:
            c.append(1)
            c.update(a[:, :, : c.kept])

    bench.compare(
        f"H2O {heads} heads, budget {heavy}+{recent}, {steps} steps",
        ours,
        "numpy",
        lambda: numpy_h2o_run(attn, heavy, recent),
    )


def main() -> None:
    bench = Bench("paging: simulation and online caches")
    bench.header()
    n = 1_000_000 if bench.quick else 10_000_000
    t0 = time.perf_counter()
    zipf = zipf_trace(n, 1_000_000, 1.0, seed=0)
    print(f"# Zipf(1.0) trace: {n:,} requests over 1M ids ({time.perf_counter() - t0:.1f} s)")
    simulation_rows(bench, f"zipf {n // 1_000_000}M", zipf, 1000)
    simulation_rows(bench, "sprite", sprite_trace().astype(np.uint64), 1000)
    oracle = SHARED / "cloudPhysicsIO.oracleGeneral.bin"
    if oracle.exists():
        cloud = read_oracle_general(oracle)["id"].to_numpy()
        simulation_rows(bench, "cloudPhysics", cloud, 1000)

    t_mrc, t_lru = paired_times(
        lambda: mrc(zipf, sizes=[1000]),
        lambda: simulate(zipf, ["lru"], [1000]),
        bench.args.repeat,
    )
    print(
        f"all-sizes MRC {t_mrc:.3f} s vs one LRU simulation {t_lru:.3f} s: "
        f"{t_mrc / t_lru:.2f}x the time of one size"
    )
    online_rows(bench, zipf, 1000)
    h2o_rows(bench)
    bench.finish()


if __name__ == "__main__":
    main()
