"""Versioned snapshots: the generic resume check, and refusal of unknown versions and bad bytes."""

from __future__ import annotations

import pickle
import struct

import numpy as np
import pytest

from onstream.exceptions import SnapshotError, SnapshotVersionError
from onstream.stream import Reservoir
from tests.streaming import assert_resumes


def _feed(r: Reservoir, chunk: np.ndarray[tuple[int], np.dtype[np.int64]]) -> object:
    r.push_many(chunk)
    return r.sample()


@pytest.mark.parametrize("cut", [0, 1, 5, 19])
def test_reservoir_resumes_bit_for_bit(cut: int) -> None:
    chunks = np.array_split(np.arange(20_000, dtype=np.int64), 20)
    assert_resumes(lambda: Reservoir(50, seed=9), _feed, chunks, cut, restore=Reservoir.from_bytes)


def test_snapshot_header_and_unknown_version() -> None:
    r = Reservoir(4, seed=1)
    r.push_many(np.arange(100))
    blob = r.to_bytes()
    assert blob[:8] == b"ONSTREAM"
    (version,) = struct.unpack_from("<I", blob, 8)
    assert version == 1
    future = blob[:8] + struct.pack("<I", version + 1) + blob[12:]
    with pytest.raises(SnapshotVersionError, match="format version 2; this build reads version 1"):
        Reservoir.from_bytes(future)


@pytest.mark.parametrize(
    "mangle", [lambda b: b[:-3], lambda b: b + b"\0", lambda b: b"XX" + b[2:], lambda b: b[:10]]
)
def test_damaged_bytes_are_refused(mangle: object) -> None:
    r = Reservoir(4, seed=1)
    r.push_many(np.arange(100))
    assert callable(mangle)
    with pytest.raises(SnapshotError):
        Reservoir.from_bytes(mangle(r.to_bytes()))


def test_pickle_of_the_native_object_too() -> None:
    from onstream import _core

    r = _core.Reservoir(3, 5)
    r.push_many(np.arange(50, dtype=np.int64))
    back = pickle.loads(pickle.dumps(r))
    assert back.to_bytes() == r.to_bytes()
