"""The pool: GIL released during batch work, safe under concurrent Python threads and after fork,
sized by ONSTREAM_MAX_THREADS."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from onstream import _core
from onstream.dense import logsumexp


def _matrix(seed: int, n: int = 300) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.random.default_rng(seed).normal(size=(n, n))


def test_concurrent_python_threads_get_their_own_results() -> None:
    inputs = [_matrix(s) for s in range(16)]
    serial = [logsumexp(x, axis=s % 2, device="cpu") for s, x in enumerate(inputs)]
    with ThreadPoolExecutor(max_workers=8) as ex:
        parallel = list(
            ex.map(lambda sx: logsumexp(sx[1], axis=sx[0] % 2, device="cpu"), enumerate(inputs))
        )
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(a, b)


def test_batch_work_releases_the_gil() -> None:
    # While one thread is inside a long native call, another Python thread must keep running.
    x = _matrix(0, 3000)
    started, done = threading.Event(), threading.Event()

    def work() -> None:
        started.set()
        for _ in range(5):
            logsumexp(x, axis=0, device="cpu")
        done.set()

    t = threading.Thread(target=work)
    t.start()
    started.wait()
    ticks = 0
    while not done.is_set():
        ticks += 1
    t.join()
    assert ticks > 1000, f"only {ticks} Python steps ran during the native call"


def _child(x: np.ndarray[Any, Any], queue: Any) -> None:
    queue.put((_core.pool_threads(), logsumexp(x, axis=0, device="cpu")))


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_work_after_fork_runs_sequentially_and_does_not_hang() -> None:
    x = _matrix(1)
    parent = logsumexp(x, axis=0, device="cpu")  # the pool now has live threads
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(x, queue))
    proc.start()
    threads, child = queue.get(timeout=60)
    proc.join(timeout=60)
    assert proc.exitcode == 0
    assert threads == 1
    np.testing.assert_array_equal(child, parent)


@pytest.mark.parametrize("n", ["1", "3"])
def test_pool_size_follows_the_environment(n: str) -> None:
    env = {**os.environ, "ONSTREAM_MAX_THREADS": n}
    code = "from onstream import _core; print(_core.pool_threads())"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == n
