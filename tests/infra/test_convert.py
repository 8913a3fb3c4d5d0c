"""Input conversion: NumPy, polars and sequences in; clear errors for each kind of bad input."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from onstream._convert import float_array, index_array, int_array, same_length, to_frame
from onstream.exceptions import (
    DtypeError,
    EmptyInputError,
    MissingValueError,
    NonFiniteError,
    OutOfRangeError,
    ShapeMismatchError,
)


def test_matching_contiguous_numpy_is_not_copied() -> None:
    x = np.arange(10, dtype=np.float64)
    assert float_array(x, "x") is x
    ids = np.arange(10, dtype=np.int64)
    assert index_array(ids, "ids") is ids


def test_non_contiguous_and_other_dtypes_are_converted() -> None:
    x = np.arange(20, dtype=np.float64)[::2]
    out = float_array(x, "x")
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, x)
    assert float_array(np.arange(3, dtype=np.int32), "x").dtype == np.float64
    f32 = np.ones(3, dtype=np.float32)
    f64_or_32 = (np.dtype(np.float64), np.dtype(np.float32))
    assert float_array(f32, "x", dtypes=f64_or_32) is f32
    assert float_array(f32, "x").dtype == np.float64


def test_polars_series_and_frames() -> None:
    s = pl.Series("a", [1.5, 2.5, 3.5])
    np.testing.assert_array_equal(float_array(s, "a"), [1.5, 2.5, 3.5])
    ids = pl.Series("ids", [3, 1, 2], dtype=pl.UInt32)
    out = index_array(ids, "ids", n=4)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [3, 1, 2])
    df = pl.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    m = float_array(df, "m", ndim=2)
    assert m.flags.c_contiguous
    np.testing.assert_array_equal(m, [[1.0, 3.0], [2.0, 4.0]])


def test_polars_nulls_are_refused() -> None:
    with pytest.raises(MissingValueError, match="a has 1 null values"):
        float_array(pl.Series("a", [1.0, None]), "a")
    with pytest.raises(MissingValueError, match="m has 2 null values"):
        float_array(pl.DataFrame({"a": [1.0, None], "b": [None, 4.0]}), "m", ndim=2)


def test_sequences() -> None:
    np.testing.assert_array_equal(float_array([1, 2, 3], "x"), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(float_array([[1, 2], [3, 4]], "x", ndim=2), [[1, 2], [3, 4]])
    with pytest.raises(DtypeError, match="cannot be read as an array"):
        float_array([[1, 2], [3]], "x", ndim=2)


@pytest.mark.parametrize(
    "bad", [np.array(["a", "b"]), np.array([True, False]), np.array([1j]), [object()]]
)
def test_wrong_dtypes_name_the_argument(bad: object) -> None:
    with pytest.raises(DtypeError, match=r"^weights has dtype"):
        float_array(bad, "weights")


def test_nan_and_inf() -> None:
    with pytest.raises(NonFiniteError, match=r"x has NaN at index \(2,\)"):
        float_array([0.0, 1.0, np.nan], "x")
    with pytest.raises(NonFiniteError, match="x has inf at index"):
        float_array([0.0, np.inf], "x")
    assert float_array([0.0, np.inf], "x", allow_inf=True)[1] == np.inf
    assert float_array([0.0, -np.inf], "x", allow_neg_inf=True)[1] == -np.inf
    with pytest.raises(NonFiniteError):
        float_array([0.0, np.inf], "x", allow_neg_inf=True)


def test_empty_and_shape() -> None:
    with pytest.raises(EmptyInputError, match="x is empty"):
        float_array([], "x")
    assert float_array([], "x", allow_empty=True).size == 0
    with pytest.raises(ShapeMismatchError, match="got 1-D"):
        float_array([1.0], "x", ndim=2)


def test_ids_out_of_range_and_floats() -> None:
    with pytest.raises(
        OutOfRangeError, match=r"ids out of range at index 1: got -1, expected >= 0"
    ):
        index_array([0, -1], "ids")
    with pytest.raises(OutOfRangeError, match=r"at index 2: got 5, expected < 5"):
        index_array([0, 4, 5], "ids", n=5)
    with pytest.raises(DtypeError, match="expected integers"):
        index_array([0.0, 1.0], "ids")
    with pytest.raises(OutOfRangeError, match="does not fit int64"):
        int_array(np.array([2**63], dtype=np.uint64), "ids")


def test_same_length_names_the_culprits() -> None:
    assert same_length(a=np.zeros(3), b=np.zeros(3)) == 3
    with pytest.raises(ShapeMismatchError, match="src has 3, dst has 2"):
        same_length(src=np.zeros(3), dst=np.zeros(2))


def test_to_frame_keeps_values_and_dtypes() -> None:
    df = to_frame({"node": np.array([1, 2], dtype=np.int64), "score": np.array([0.5, 0.25])})
    assert df.schema == pl.Schema({"node": pl.Int64, "score": pl.Float64})
    assert df.rows() == [(1, 0.5), (2, 0.25)]


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64, np.int16, np.int64, np.uint8]),
        shape=hnp.array_shapes(min_dims=1, max_dims=1, min_side=1, max_side=50),
        elements={"allow_nan": False, "allow_infinity": False},
    )
)
def test_finite_real_input_roundtrips_exactly(
    x: np.ndarray[tuple[int], np.dtype[np.generic]],
) -> None:
    out = float_array(x, "x", dtypes=(np.dtype(np.float64), np.dtype(np.float32)))
    assert out.flags.c_contiguous
    assert out.dtype in (np.float64, np.float32)
    np.testing.assert_array_equal(out, x.astype(out.dtype))
    np.testing.assert_array_equal(float_array(pl.Series(x), "x"), x.astype(np.float64))


def test_count_float_and_seed_helpers() -> None:
    from onstream._convert import int_at_least, positive_float
    from onstream._random import seed_or_entropy
    from onstream.exceptions import InvalidParameterError

    assert int_at_least(np.int64(0), "k", 0) == 0
    for bad in (True, 1.5, -1, "3"):
        with pytest.raises(InvalidParameterError, match=r"invalid k: .* expected an integer >= 0"):
            int_at_least(bad, "k", 0)
    assert positive_float(np.float32(0.5), "reg") == 0.5
    for bad_f in (0.0, -1.0, float("nan"), float("inf"), "x", None, True):
        with pytest.raises(InvalidParameterError, match="invalid reg"):
            positive_float(bad_f, "reg")
    assert seed_or_entropy(7) == 7
    assert 0 <= seed_or_entropy(None) < 2**64
    with pytest.raises(InvalidParameterError):
        seed_or_entropy(-1)
