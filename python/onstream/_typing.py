"""Type aliases shared by the facade's signatures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, TypeAlias, Union

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import polars as pl

#: Where dense work runs. ``"auto"`` picks and logs its choice; ``"cuda"`` never falls back.
Device: TypeAlias = Literal["auto", "cpu", "cuda"]

#: A seed for the portable generator; ``None`` draws one from the operating system.
Seed: TypeAlias = int | np.integer | None

#: Anything the conversion helpers turn into a 1-D numeric array.
ArrayLike1D: TypeAlias = Union[npt.NDArray[np.generic], "pl.Series", Sequence[float], Sequence[int]]

#: Anything the conversion helpers turn into a 2-D numeric array.
ArrayLike2D: TypeAlias = Union[npt.NDArray[np.generic], "pl.DataFrame", Sequence[Sequence[float]]]

FloatArray: TypeAlias = npt.NDArray[np.floating]
F64Array: TypeAlias = npt.NDArray[np.float64]
I64Array: TypeAlias = npt.NDArray[np.int64]
