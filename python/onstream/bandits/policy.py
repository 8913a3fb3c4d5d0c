"""The surface every bandit policy shares: decide, learn, slates, arms, snapshots."""

from __future__ import annotations

import json
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt

from onstream import _core
from onstream._convert import float_array, index_array, positive_int, same_length
from onstream._random import normalize_seed
from onstream._streaming import Streaming
from onstream._typing import Seed
from onstream.exceptions import (
    DtypeError,
    InvalidParameterError,
    ShapeMismatchError,
    SnapshotError,
)

__all__ = ["Policy"]

P = TypeVar("P", bound="Policy")


def _arm_id(arm: object) -> int:
    if isinstance(arm, bool) or not isinstance(arm, (int, np.integer)):
        raise DtypeError(f"invalid arm: got {arm!r}, expected an integer id")
    if arm < 0:
        raise InvalidParameterError(f"invalid arm: got {arm}, expected an id >= 0")
    return int(arm)


def mask_array(mask: Any, n_arms: int) -> npt.NDArray[np.bool_]:
    """A decision's arm mask as a contiguous boolean array of length ``n_arms`` (NumPy, polars or a
    sequence); anything else raises :class:`DtypeError` or :class:`ShapeMismatchError`."""
    m = np.asarray(mask.to_numpy() if hasattr(mask, "to_numpy") else mask)
    if m.dtype != np.bool_:
        raise DtypeError(f"mask has dtype {m.dtype}, expected bool")
    if m.shape != (n_arms,):
        raise ShapeMismatchError(f"shape mismatch: mask has shape {m.shape}, expected ({n_arms},)")
    return np.ascontiguousarray(m)


def _subclasses() -> dict[str, type[Policy]]:
    """Every policy class by the rule it runs (the classes are defined after this module)."""
    out: dict[str, type[Policy]] = {}
    todo = list(Policy.__subclasses__())
    while todo:
        c = todo.pop()
        if c._variant:
            out[c._variant] = c
        todo.extend(c.__subclasses__())
    return out


def _reward(reward: object) -> float:
    if isinstance(reward, bool) or not isinstance(reward, (int, float, np.integer, np.floating)):
        raise DtypeError(f"invalid reward: got {reward!r}, expected a real number")
    return float(reward)


class Policy(Streaming):
    """A bandit policy over arms ``0 .. n_arms - 1``: :meth:`select` an arm, :meth:`update` it.

    Subclasses only say which rule they run and with what parameters; the state, the decisions
    and the snapshots live in the Rust core. Every policy pickles mid-stream (even between a
    decision and its update) and a restored copy continues bit-for-bit; :meth:`to_json` exports
    the same state as readable JSON.
    """

    _native: ClassVar[Any] = _core.Bandit
    #: The core's name for the rule a subclass runs (`Spec`'s variant); empty on `Policy` itself.
    _variant: ClassVar[str] = ""

    def _start(self, spec: dict[str, Any] | str, n_arms: int, seed: Seed) -> None:
        self._inner = _core.Bandit(
            json.dumps(spec), positive_int(n_arms, "n_arms"), normalize_seed(seed)
        )

    # -- decisions -------------------------------------------------------------------------
    def select(self, mask: Any = None) -> int:
        """The arm to play next, among live arms (and those ``mask`` allows, if given)."""
        if mask is None:
            arm: int = self._inner.select()
            return arm
        masked: int = self._inner.select(self._mask(mask))
        return masked

    def select_batch(self, n: int, mask: Any = None) -> npt.NDArray[np.int64]:
        """``n`` decisions from the current state, for requests that arrive before any reward
        (an index policy repeats its arm; a randomized policy draws ``n`` times)."""
        out: npt.NDArray[np.int64] = self._inner.select_batch(
            positive_int(n, "n"), None if mask is None else self._mask(mask)
        )
        return out

    def select_k(self, k: int, mask: Any = None) -> npt.NDArray[np.int64]:
        """``k`` distinct arms for one request (a slate), best first: the top ``k`` indices or
        posterior draws; for :class:`EXP3` and :class:`TsallisINF` a slate drawn with exact
        inclusion probabilities (Exp3.M's dependent rounding, Uchiya et al. 2010), by which the
        following ``update`` of each of its arms is importance-weighted, so the loss estimates
        stay unbiased; for the other randomized policies ``k`` draws without replacement."""
        out: npt.NDArray[np.int64] = self._inner.select_k(
            positive_int(k, "k"), None if mask is None else self._mask(mask)
        )
        return out

    # -- learning --------------------------------------------------------------------------
    def update(self, arm: int, reward: float) -> None:
        """Report the reward of one pull of ``arm``."""
        # The exact-type test keeps the common case to one comparison: this is the hot path.
        if type(arm) is not int or arm < 0:
            arm = _arm_id(arm)
        if type(reward) is not float:
            reward = _reward(reward)
        self._inner.update(arm, reward)

    def update_batch(self, arms: Any, rewards: Any) -> None:
        """Report many rewards in order (delayed feedback, replayed logs). Every pair is checked
        before any is applied, so an error leaves the policy unchanged."""
        a = index_array(arms, "arms", allow_empty=True)
        r = float_array(rewards, "rewards", allow_empty=True)
        same_length(arms=a, rewards=r)
        self._inner.update_batch(a, np.ascontiguousarray(r, dtype=np.float64))

    # -- arms ------------------------------------------------------------------------------
    def add_arm(self) -> int:
        """Add an arm and return its id (ids are never reused)."""
        arm: int = self._inner.add_arm()
        return arm

    def remove_arm(self, arm: int) -> None:
        """Retire ``arm``: it is never selected again (its statistics are kept)."""
        self._inner.remove_arm(_arm_id(arm))

    @property
    def n_arms(self) -> int:
        """Arms ever added (removed ones included: ids are stable)."""
        return int(self._inner.n_arms)

    @property
    def steps(self) -> int:
        """Rewards reported so far."""
        return int(self._inner.steps)

    def counts(self) -> npt.NDArray[np.uint64]:
        """Rewards reported per arm."""
        out: npt.NDArray[np.uint64] = self._inner.counts()
        return out

    def means(self) -> npt.NDArray[np.float64]:
        """Empirical mean reward per arm (0 for an arm never played)."""
        out: npt.NDArray[np.float64] = self._inner.means()
        return out

    def live(self) -> npt.NDArray[np.bool_]:
        """Which arms may still be selected."""
        out: npt.NDArray[np.bool_] = self._inner.live()
        return out

    # -- state -----------------------------------------------------------------------------
    def to_json(self) -> str:
        """The whole state as readable JSON (counts, sums, the rule's own state, the generator)."""
        text: str = self._inner.to_json()
        return text

    @classmethod
    def from_json(cls: type[P], text: str) -> P:
        """Restore a policy from :meth:`to_json` output (checked like a snapshot)."""
        return cls._wrap(_core.Bandit.from_json(str(text)))

    @classmethod
    def from_bytes(cls: type[P], data: bytes) -> P:
        """Restore a policy from :meth:`to_bytes` output. ``Policy.from_bytes`` returns the class
        the bytes hold; a subclass refuses another rule's bytes with
        :class:`~onstream.SnapshotError`."""
        return cls._wrap(_core.Bandit.from_bytes(bytes(data)))

    @classmethod
    def _wrap(cls: type[P], inner: Any) -> P:
        spec = json.loads(inner.spec_json())
        variant = next(iter(spec)) if isinstance(spec, dict) else str(spec)
        found = _subclasses().get(variant)
        if found is None:
            raise SnapshotError(f"the state holds an unknown bandit rule {variant!r}")
        if cls._variant and cls is not found:
            raise SnapshotError(f"the state holds a {found.__name__} policy, not a {cls.__name__}")
        obj = found.__new__(found)
        obj._inner = inner
        return obj  # type: ignore[return-value]

    def _mask(self, mask: Any) -> npt.NDArray[np.bool_]:
        return mask_array(mask, self.n_arms)

    def __repr__(self) -> str:
        spec = json.loads(self._inner.spec_json())
        if isinstance(spec, dict):
            ((_, params),) = spec.items()
            args = ", ".join(f"{k}={v!r}" for k, v in params.items())
        else:
            args = ""
        sep = ", " if args else ""
        return f"{type(self).__name__}(n_arms={self.n_arms}{sep}{args}, steps={self.steps})"
