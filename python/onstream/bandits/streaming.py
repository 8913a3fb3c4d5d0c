"""Single-pass streaming bandits with bounded arm memory (Chen Wang, ICML 2023)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import positive_int, probability_array
from onstream._random import seed_or_entropy
from onstream._streaming import Streaming
from onstream._typing import Seed
from onstream.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "StreamingAlgorithm",
    "StreamingBandit",
    "clear_cut_instance",
    "mix_in_instance",
    "simulate_streaming",
]

#: ``"uniform"``: uniform exploration (the baseline); ``"naive"``: the single-arm-memory ε-best
#: algorithm; ``"log_star"``: the O(log* K)-memory ε-best algorithm.
StreamingAlgorithm = Literal["uniform", "naive", "log_star"]
_ALGORITHMS = ("uniform", "naive", "log_star")


def _algorithm(name: object) -> str:
    if name not in _ALGORITHMS:
        raise InvalidParameterError(
            f"invalid algorithm: got {name!r}, expected one of {', '.join(_ALGORITHMS)}"
        )
    return str(name)


class StreamingBandit(Streaming):
    """Regret minimization over a stream of ``n_arms`` arms with ``horizon`` pulls in all.

    Chen Wang, "Tight regret bounds for single-pass streaming multi-armed bandits", ICML 2023.
    Arms arrive one at a time, an arm can be pulled only while stored, and a discarded arm never
    returns. Each algorithm finds an ε-best arm in one pass, ``ε = (K/T)^(1/3)``, and commits to
    it for the pulls left (the paper's ε-best-then-commit):

    - ``"uniform"``: every arm ``(T/K)^(2/3) ln(T)^(1/3)`` times, keep the better of king and
      newcomer; regret ``O(K^(1/3) T^(2/3) log^(1/3) T)``; 2 stored arms.
    - ``"naive"``: every arm ``ln(K)/ε²`` times (the paper's single-arm-memory algorithm for
      expected regret); ``O(K^(1/3) T^(2/3) log K)``; 2 stored arms.
    - ``"log_star"``: levels of kings with budgets that promote a level's king to the next
      (Assadi and Wang, STOC 2020); optimal ``O(K^(1/3) T^(2/3))``; ``log*(K) + 2`` stored
      arms at most.

    The object never stores more than :attr:`memory_bound` arms (:attr:`peak_stored` says how
    many it did). Usage::

        alg = StreamingBandit("log_star", n_arms=K, horizon=T)
        for arm in arm_stream:
            pull = alg.push_arm(arm)
            while pull is not None:
                arm_id, n = pull
                alg.report(arm_id, pull_arm_n_times(arm_id, n), n)
                pull = alg.next_pull()
        pull = alg.finish()
        ...  # carry out the final pulls the same way
        best = alg.committed  # play it for the alg.remaining pulls left
    """

    _native: ClassVar[Any] = _core.StreamingBandit

    def __init__(self, algorithm: StreamingAlgorithm, n_arms: int, horizon: int) -> None:
        self._inner = _core.StreamingBandit(
            _algorithm(algorithm), positive_int(n_arms, "n_arms"), positive_int(horizon, "horizon")
        )

    def push_arm(self, arm: int) -> tuple[int, int] | None:
        """An arm arrives; returns the pull ``(arm, n)`` to carry out (``None`` if the horizon is
        already spent and the arm is dropped)."""
        if isinstance(arm, bool) or not isinstance(arm, (int, np.integer)) or arm < 0:
            raise InvalidParameterError(f"invalid arm: got {arm!r}, expected an id >= 0")
        a, n = self._inner.push_arm(int(arm))
        return None if n == 0 else (int(a), int(n))

    def report(self, arm: int, reward_sum: float, n: int) -> None:
        """Report the sum of the ``n`` rewards (each in [0, 1]) of the pending pull."""
        self._inner.report(int(arm), float(reward_sum), int(n))

    def next_pull(self) -> tuple[int, int] | None:
        """The pull to carry out now, if any."""
        p = self._inner.next_pull()
        return None if p is None else (int(p[0]), int(p[1]))

    def finish(self) -> tuple[int, int] | None:
        """End of the stream: the first final pull, if the algorithm evaluates its kings."""
        p = self._inner.finish()
        return None if p is None else (int(p[0]), int(p[1]))

    @property
    def committed(self) -> int | None:
        """The arm to play for the :attr:`remaining` pulls, once decided."""
        c = self._inner.committed
        return None if c is None else int(c)

    @property
    def remaining(self) -> int:
        return int(self._inner.remaining)

    @property
    def epsilon(self) -> float:
        return float(self._inner.epsilon)

    @property
    def memory_bound(self) -> int:
        """The most arms the algorithm can store at once."""
        return int(self._inner.memory_bound)

    @property
    def stored(self) -> int:
        return int(self._inner.stored)

    @property
    def peak_stored(self) -> int:
        return int(self._inner.peak_stored)

    @property
    def pulls_used(self) -> int:
        return int(self._inner.pulls_used)

    def __repr__(self) -> str:
        return (
            f"StreamingBandit(stored={self.stored}/{self.memory_bound}, "
            f"pulls_used={self.pulls_used}, committed={self.committed})"
        )


def clear_cut_instance(n_arms: int, *, seed: Seed = None) -> npt.NDArray[np.float64]:
    """The paper's "clear-cut" instance: ``n_arms − 1`` means from N(0.5, 0.1²) truncated to
    [0, 0.8] and one arm at 0.82, at a random position of the stream."""
    k = positive_int(n_arms, "n_arms")
    rng = np.random.default_rng(seed_or_entropy(seed))
    out = np.empty(0)
    while out.size < k:
        m = rng.normal(0.5, 0.1, size=2 * k)
        out = np.concatenate([out, m[(m >= 0) & (m <= 0.8)]])
    out = out[:k]
    out[rng.integers(k)] = 0.82
    return out


def mix_in_instance(n_arms: int, *, seed: Seed = None) -> npt.NDArray[np.float64]:
    """The paper's "mix-in" instance: means uniform on [0, 1]."""
    rng = np.random.default_rng(seed_or_entropy(seed))
    return rng.random(positive_int(n_arms, "n_arms"))


def simulate_streaming(
    algorithms: StreamingAlgorithm | Sequence[StreamingAlgorithm],
    means: Any,
    horizon: int,
    *,
    n_runs: int = 20,
    seed: Seed = None,
) -> pl.DataFrame:
    """Replicates of streaming algorithms over Bernoulli arms arriving in the order of ``means``.

    Batches of ``n`` pulls pay exact Binomial(n, μ) rewards, so horizons of 10¹² pulls cost no
    more than small ones. Returns one row per (algorithm, run): ``regret`` (expected regret of
    all ``horizon`` pulls), ``committed`` (stream position of the arm committed to),
    ``committed_mean``, ``exploration`` (pulls before committing) and ``peak_stored``.
    """
    import polars as pl

    names = [algorithms] if isinstance(algorithms, str) else list(algorithms)
    m = probability_array(means, "means")
    base = seed_or_entropy(seed)
    frames = []
    for name in names:
        d = _core.bandits_simulate_streaming(
            _algorithm(name),
            m,
            positive_int(horizon, "horizon"),
            positive_int(n_runs, "n_runs"),
            base,
        )
        committed = d["committed"]
        found = committed < m.size
        frames.append(
            pl.DataFrame(
                {
                    "algorithm": name,
                    "run": np.arange(committed.size, dtype=np.uint32),
                    "regret": d["regret"],
                    "committed": committed,
                    "committed_mean": np.where(found, m[np.minimum(committed, m.size - 1)], np.nan),
                    "exploration": d["exploration"],
                    "peak_stored": d["peak_stored"],
                }
            )
        )
    return pl.concat(frames)
