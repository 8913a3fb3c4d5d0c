"""MRC against simulation, trace readers against the files' own metadata, and bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from onstream import _core
from onstream.datasets import sprite_trace
from onstream.exceptions import (
    DtypeError,
    EmptyInputError,
    InvalidParameterError,
    OutOfRangeError,
    SnapshotError,
)
from onstream.paging import Cache, as_trace, mrc, read_oracle_general, read_text_trace, simulate
from tests.streaming import assert_resumes

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "cache_traces"
ORACLE = SHARED / "cloudPhysicsIO.oracleGeneral.bin"


def test_mrc_equals_lru_simulation_at_every_size_on_real_data() -> None:
    trace = sprite_trace()[:40_000]
    curve = mrc(trace)
    sizes = curve["size"].to_list()
    assert sizes[0] == 1
    assert sizes[-1] == len(np.unique(trace))
    probe = [*sizes[:: max(1, len(sizes) // 40)], sizes[-1]]
    sim = simulate(trace, ["lru"], probe)
    want = dict(zip(sim["size"], sim["misses"], strict=True))
    got = dict(zip(curve["size"], curve["misses"], strict=True))
    for k in probe:
        assert got[k] == want[k], k
    assert curve["miss_ratio"].is_sorted(descending=True)


def test_mrc_selected_sizes_beyond_the_universe() -> None:
    curve = mrc([1, 2, 1, 3, 1, 2], sizes=[1, 2, 100])
    assert curve["misses"].to_list() == [6, 4, 3]  # k=1: no request repeats its predecessor


def test_next_use_matches_a_scan_for_kept_and_renumbered_ids() -> None:
    """Small ids are read as they are and sparse ones renumbered; both give the times a scan
    forward from each request finds."""
    rng = np.random.default_rng(3)
    small = rng.integers(0, 40, 500).astype(np.uint64)
    never = np.iinfo(np.uint64).max
    for ids in (small, (small << np.uint64(40)) ^ np.uint64(0x5BD1E995)):
        want = [
            next((u for u in range(t + 1, len(ids)) if ids[u] == ids[t]), never)
            for t in range(len(ids))
        ]
        assert _core.paging_next_use(ids).tolist() == want


@pytest.mark.skipif(not ORACLE.exists(), reason="shared data not present")
def test_oracle_general_reader_and_next_use_agree_with_libcachesim() -> None:
    frame = read_oracle_general(ORACLE)
    assert frame.height == 113_872
    assert frame["id"].n_unique() == 48_974
    ours = _core.paging_next_use(as_trace(frame["id"]))
    # libCacheSim stores the next request's 1-based index, or -1 for none.
    theirs = frame["next"].to_numpy()
    never = ours == np.iinfo(np.uint64).max
    np.testing.assert_array_equal(never, theirs == -1)
    np.testing.assert_array_equal(ours[~never].astype(np.int64) + 1, theirs[~never])


def test_text_trace_reader(tmp_path: Path) -> None:
    p = tmp_path / "t.txt.gz"
    with gzip.open(p, "wt") as f:
        f.write("5\n\n7\n*\n5\n")
    np.testing.assert_array_equal(read_text_trace(p), [5, 7, 5])
    bad = tmp_path / "bad.txt"
    bad.write_text("1\nx\n")
    with pytest.raises(InvalidParameterError, match="invalid trace file"):
        read_text_trace(bad)


def test_polars_column_as_trace() -> None:
    s = pl.Series("id", [3, 1, 3], dtype=pl.UInt32)
    assert simulate(s, ["lru"], [1])["hits"][0] == 0
    assert simulate(s, ["lru"], [2])["hits"][0] == 1


@pytest.mark.parametrize("policy", ["lru", "arc", "lfu", "sieve", "clock", "marker"])
def test_cache_resumes_bit_for_bit(policy: str) -> None:
    chunks = np.array_split(sprite_trace()[:30_000].astype(np.uint64), 12)

    def feed(c: Cache, chunk: np.ndarray[tuple[int], np.dtype[np.uint64]]) -> object:
        return c.access_many(chunk)

    assert_resumes(lambda: Cache(policy, 300, seed=8), feed, chunks, 5, restore=Cache.from_bytes)


def test_bad_input() -> None:
    with pytest.raises(InvalidParameterError, match="invalid size: got -1"):
        simulate([1, 2], ["lru"], [-1])
    with pytest.raises(InvalidParameterError, match="invalid size: got 0"):
        simulate([1, 2], ["lru"], [0])
    with pytest.raises(EmptyInputError, match="trace is empty"):
        simulate([], ["lru"], [2])
    with pytest.raises(InvalidParameterError, match=r'invalid policy: got "lruu", expected one of'):
        simulate([1], ["lruu"], [2])
    with pytest.raises(OutOfRangeError, match="trace out of range at index 1: got -4"):
        simulate([1, -4], ["lru"], [2])
    with pytest.raises(DtypeError, match="expected integer ids"):
        simulate([1.5, 2.0], ["lru"], [2])
    with pytest.raises(InvalidParameterError, match="reads the future or per-request predictions"):
        Cache("lfd", 10)
    with pytest.raises(InvalidParameterError, match="invalid capacity"):
        Cache("lru", 0)
    with pytest.raises(InvalidParameterError, match="invalid key"):
        Cache("lru", 2).access(-1)
    with pytest.raises(SnapshotError, match=r"not a paging\.Cache"):
        Cache.from_bytes(_core.Reservoir(2, 1).to_bytes())


def test_sizes_far_beyond_the_universe_cost_no_memory() -> None:
    """A size near the largest allowed once made policies reserve per-slot arrays for it (tens
    of GB: the process aborted). A cache that never fills only takes cold misses."""
    from onstream.paging import POLICIES

    trace = np.arange(1000, dtype=np.uint64) % 37
    huge = 2**31 - 2
    frame = simulate(trace, list(POLICIES), [huge, 37])
    assert frame["misses"].to_list() == [37] * (2 * len(POLICIES))
    for policy in ("lru", "fifo", "clock", "lfu", "arc", "sieve", "marker"):
        cache = Cache(policy, huge)
        assert [cache.access(k) for k in (5, 5, 6)] == [False, True, False]
