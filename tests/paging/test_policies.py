"""Every deterministic policy's per-request hits equal an independent Python reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onstream.datasets import sprite_trace
from onstream.paging import POLICIES, Cache, simulate
from tests.paging.reference import REFERENCES, lfd_heap

traces = st.lists(st.integers(0, 12), min_size=1, max_size=200)


@pytest.mark.parametrize("policy", sorted(REFERENCES))
@settings(max_examples=60, deadline=None)
@given(trace=traces, k=st.integers(1, 8))
def test_hit_mask_matches_reference(policy: str, trace: list[int], k: int) -> None:
    frame, mask = simulate(trace, [policy], [k], return_mask=True)
    want = REFERENCES[policy](trace, k)
    assert mask[0].tolist() == want
    assert frame["hits"][0] == sum(want)


@pytest.mark.parametrize("policy", ["lru", "fifo", "clock", "lfu", "sieve", "arc"])
def test_reference_agreement_on_real_data(policy: str) -> None:
    trace = sprite_trace()[:4000].tolist()
    _, mask = simulate(trace, [policy], [64], return_mask=True)
    assert mask[0].tolist() == REFERENCES[policy](trace, 64)


@pytest.mark.parametrize("policy", ["lru", "fifo", "clock", "lfu", "sieve", "arc", "marker"])
def test_online_cache_equals_batch_simulation(policy: str) -> None:
    trace = sprite_trace()[:20_000]
    frame, mask = simulate(trace, [policy], [100], return_mask=True, seed=5)
    cache = Cache(policy, 100, seed=None if policy != "marker" else 5)
    if policy == "marker":
        # Batch cells draw from their own stream; only the rate must agree.
        got = cache.access_many(trace)
        assert abs(got.mean() - mask[0].mean()) < 0.02
        return
    np.testing.assert_array_equal(cache.access_many(trace), mask[0])
    assert cache.hits == frame["hits"][0]


@pytest.mark.parametrize("spread", [1, 85_000, 2**40])
def test_long_arc_cells_split_between_threads_equal_one_online_cache(spread: int) -> None:
    # Past 2**20 requests one ARC cell runs on two threads by time partitioning, when the pool
    # has them (dense ids in an array, sparse ones in a hash table with 32- or 64-bit keys); the
    # online cache is the list-based ARC, one request after another.
    rng = np.random.default_rng(3)
    trace = (rng.zipf(1.2, 1_200_000) % 50_000).astype(np.uint64) * np.uint64(spread)
    trace += np.uint64(7 if spread > 1 else 0)
    frame, mask = simulate(trace, ["arc"], [300], return_mask=True)
    cache = Cache("arc", 300)
    np.testing.assert_array_equal(cache.access_many(trace), mask[0])
    assert cache.hits == frame["hits"][0]


@settings(max_examples=200, deadline=None)
@given(trace=traces, k=st.integers(1, 8))
def test_heap_belady_equals_the_plain_one(trace: list[int], k: int) -> None:
    assert lfd_heap(trace, k) == REFERENCES["lfd"](trace, k)


def test_long_lfd_cells_split_between_threads_equal_a_heap_belady() -> None:
    # Past 2**20 requests one LFD cell runs on two threads by time partitioning, when the pool
    # has them; the reference is Belady in plain Python.
    rng = np.random.default_rng(4)
    trace = (rng.zipf(1.1, 1_100_000) % 80_000).astype(np.uint64)
    frame, mask = simulate(trace, ["lfd"], [300], return_mask=True)
    np.testing.assert_array_equal(mask[0], lfd_heap(trace.tolist(), 300))
    assert frame["hits"][0] == mask[0].sum()


def test_lfd_is_never_beaten_and_policies_order_sensibly() -> None:
    frame = simulate(sprite_trace(), POLICIES, [50, 500, 2000], seed=1)
    for size in (50, 500, 2000):
        rows = frame.filter(frame["size"] == size)
        best = rows["misses"].min()
        assert rows.filter(rows["policy"] == "lfd")["misses"][0] == best
    lru = frame.filter(frame["policy"] == "lru")["miss_ratio"].to_list()
    assert lru == sorted(lru, reverse=True)  # LRU is a stack algorithm: bigger never hurts


def test_marker_is_reproducible_and_cells_are_independent() -> None:
    trace = sprite_trace()[:30_000]
    a = simulate(trace, ["marker"], [100, 200], seed=3)
    b = simulate(trace, ["lru", "marker"], [200, 100], seed=3)
    assert (
        a.filter(a["size"] == 100)["hits"][0]
        == b.filter((b["policy"] == "marker") & (b["size"] == 100))["hits"][0]
    )
    c = simulate(trace, ["marker"], [100, 200], seed=4)
    assert a["hits"].to_list() != c["hits"].to_list()


def test_aliases_and_case() -> None:
    t = [1, 2, 3, 1, 2, 3]
    a = simulate(t, ["Belady", "OPT", "lfd"], [2])
    assert a["policy"].to_list() == ["lfd", "lfd", "lfd"]
    assert len(set(a["hits"].to_list())) == 1


def test_result_frame_columns_types_and_cells() -> None:
    import polars as pl

    trace = sprite_trace()[:3000]
    policies, sizes = ["lru", "discard", "blind_oracle"], [16, 128]
    frame, mask = simulate(trace, policies, sizes, return_mask=True)
    assert frame.schema == pl.Schema(
        {
            "policy": pl.String, "size": pl.Int64, "requests": pl.Int64, "hits": pl.Int64,
            "misses": pl.Int64, "miss_ratio": pl.Float64, "eta0": pl.Int64, "eta1": pl.Int64,
            "l1_error": pl.Float64,
        }
    )  # fmt: skip
    # Policies outer, sizes inner; every count from the cell's own hit mask.
    assert frame["policy"].to_list() == [p for p in policies for _ in sizes]
    assert frame["size"].to_list() == sizes * len(policies)
    assert (frame["requests"] == len(trace)).all()
    assert frame["hits"].to_list() == mask.sum(axis=1).tolist()
    assert (frame["hits"] + frame["misses"] == len(trace)).all()
    # The correctly rounded quotient (NumPy's and Python's division; polars' Series division can
    # differ in the last bit).
    assert frame["miss_ratio"].to_list() == (frame["misses"].to_numpy() / len(trace)).tolist()
    # Prediction errors only where the policy saw predictions: exact ones by default.
    assert frame["eta0"].to_list() == [None, None, 0, 0, None, None]
    assert frame["eta1"].to_list() == [None, None, 0, 0, None, None]
    assert frame["l1_error"].to_list() == [None, None, None, None, 0.0, 0.0]


@pytest.mark.parametrize("sizes", [[50, 400], [400]])
@pytest.mark.parametrize("policy", POLICIES)
def test_hits_do_not_depend_on_how_ids_are_numbered(policy: str, sizes: list[int]) -> None:
    # Small ids are kept as they are; spread far apart they are renumbered first, or for one LRU,
    # FIFO or ARC cell kept in a hash table: different paths (and routines) through simulate().
    # Spread within 32 bits, the hash tables have narrow keys.
    trace = sprite_trace()[:20_000].astype(np.uint64)
    kept, kept_mask = simulate(trace, [policy], sizes, return_mask=True)
    for factor in (3 * 2**17, 2**40):
        spread = trace * np.uint64(factor) + np.uint64(12345)
        renumbered, renumbered_mask = simulate(spread, [policy], sizes, return_mask=True)
        assert kept["hits"].to_list() == renumbered["hits"].to_list()
        assert (kept_mask == renumbered_mask).all()
