"""Errors cross the boundary as typed exceptions; a Rust panic is an exception, not a crash."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import onstream
from onstream import _core
from onstream import exceptions as exc


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (exc.InvalidParameterError, ValueError),
        (exc.DtypeError, TypeError),
        (exc.ShapeMismatchError, ValueError),
        (exc.NonFiniteError, ValueError),
        (exc.MissingValueError, ValueError),
        (exc.OutOfRangeError, IndexError),
        (exc.EmptyInputError, ValueError),
        (exc.BudgetExhaustedError, RuntimeError),
        (exc.SnapshotError, ValueError),
        (exc.SnapshotVersionError, ValueError),
        (exc.NumericalError, FloatingPointError),
        (exc.GpuUnavailableError, RuntimeError),
        (exc.InternalError, RuntimeError),
    ],
)
def test_every_error_is_also_the_matching_builtin(cls: type[Exception], builtin: type) -> None:
    assert issubclass(cls, exc.OnstreamError)
    assert issubclass(cls, builtin)
    assert getattr(onstream, cls.__name__) is cls


def test_core_errors_arrive_as_their_classes_with_clear_messages() -> None:
    with pytest.raises(exc.InvalidParameterError, match=r"invalid axis: got 2, expected 0 or 1"):
        _core.logsumexp(np.ones((2, 2)), 2)
    with pytest.raises(exc.NonFiniteError, match=r"non-finite value in x at index 1"):
        _core.logsumexp(np.array([[0.0, np.nan]]), 1)
    with pytest.raises(exc.EmptyInputError, match="x is empty"):
        _core.logsumexp(np.ones((0, 3)), 1)
    with pytest.raises(exc.InvalidParameterError, match="invalid k: got 0"):
        _core.Reservoir(0)
    with pytest.raises(exc.SnapshotError, match="snapshot header"):
        _core.Reservoir.from_bytes(b"garbage")


@pytest.mark.parametrize("where", ["pool", "here"])
def test_a_rust_panic_is_an_internal_error(where: str) -> None:
    with pytest.raises(exc.InternalError, match="deliberate panic"):
        _core._debug_panic(where)
    # The interpreter and the pool still work afterwards.
    assert np.allclose(_core.logsumexp(np.zeros((3, 4)), 1), np.log(4.0))


def test_a_panic_does_not_kill_the_process() -> None:
    code = (
        "import onstream\n"
        "try:\n"
        "    onstream._core._debug_panic('pool')\n"
        "except onstream.InternalError:\n"
        "    print('survived')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "survived"
