"""The classical bandit policies, one class each, all with the :class:`Policy` surface."""

from __future__ import annotations

from typing import ClassVar

from onstream._convert import positive_float, positive_int
from onstream._typing import Seed
from onstream.bandits.policy import Policy
from onstream.exceptions import InvalidParameterError

__all__ = [
    "EXP3",
    "KLUCB",
    "MOSS",
    "UCB1",
    "DiscountedUCB",
    "EpsilonGreedy",
    "GaussianThompsonSampling",
    "SlidingWindowUCB",
    "Softmax",
    "ThompsonSampling",
    "TsallisINF",
]


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(f"invalid {name}: got {value!r}, expected a number")
    return float(value)


class EpsilonGreedy(Policy):
    """With probability ``epsilon`` a uniformly random arm, otherwise the best empirical mean.

    The textbook rule (Sutton and Barto, *Reinforcement Learning*, 2nd ed., section 2.2; analysed
    by Auer, Cesa-Bianchi and Fischer, Machine Learning 2002). Every arm is tried once before
    the greedy step repeats one. Regret grows linearly with a fixed ``epsilon``.
    """

    _variant: ClassVar[str] = "EpsilonGreedy"

    def __init__(self, n_arms: int, *, epsilon: float = 0.1, seed: Seed = None) -> None:
        self._start({"EpsilonGreedy": {"epsilon": _number(epsilon, "epsilon")}}, n_arms, seed)


class Softmax(Policy):
    """Boltzmann exploration: arm ``i`` with probability ∝ ``exp(mean_i / temperature)``.

    Sutton and Barto, section 13.1. Unplayed arms are tried first.
    """

    _variant: ClassVar[str] = "Softmax"

    def __init__(self, n_arms: int, *, temperature: float = 0.1, seed: Seed = None) -> None:
        t = positive_float(temperature, "temperature")
        self._start({"Softmax": {"temperature": t}}, n_arms, seed)


class UCB1(Policy):
    """UCB1: the arm of largest ``mean_i + sqrt(2 alpha ln t / n_i)``; rewards in [0, 1].

    Auer, Cesa-Bianchi and Fischer, "Finite-time analysis of the multiarmed bandit problem",
    Machine Learning 47, 2002. With ``alpha = 1`` (the paper's index) Theorem 1 bounds the
    expected regret after ``T`` steps by ``Σ 8 ln T / Δ_i + (1 + π²/3) Σ Δ_i``.
    """

    _variant: ClassVar[str] = "Ucb1"

    def __init__(self, n_arms: int, *, alpha: float = 1.0, seed: Seed = None) -> None:
        self._start({"Ucb1": {"alpha": positive_float(alpha, "alpha")}}, n_arms, seed)


class KLUCB(Policy):
    """KL-UCB for rewards in [0, 1]: arm ``i``'s index is the largest ``q`` with
    ``n_i kl(mean_i, q) <= ln t + c ln ln t``.

    Garivier and Cappé, "The KL-UCB algorithm for bounded stochastic bandits and beyond",
    COLT 2011. Asymptotically optimal for Bernoulli arms (Theorem 2, with ``c = 3``); ``c = 0``,
    the default, is the variant of the paper's experiments.
    """

    _variant: ClassVar[str] = "KlUcb"

    def __init__(self, n_arms: int, *, c: float = 0.0, seed: Seed = None) -> None:
        self._start({"KlUcb": {"c": _number(c, "c")}}, n_arms, seed)


class MOSS(Policy):
    """MOSS for a known horizon ``T``: index ``mean_i + sqrt(max(ln(T / (K n_i)), 0) / n_i)``.

    Audibert and Bubeck, "Minimax policies for adversarial and stochastic bandits", COLT 2009.
    Theorem 5: expected regret at most ``49 sqrt(T K)``, whatever the gaps.
    """

    _variant: ClassVar[str] = "Moss"

    def __init__(self, n_arms: int, *, horizon: int, seed: Seed = None) -> None:
        self._start({"Moss": {"horizon": positive_int(horizon, "horizon")}}, n_arms, seed)


class ThompsonSampling(Policy):
    """Beta–Bernoulli Thompson sampling with a Beta(``prior_a``, ``prior_b``) prior.

    Agrawal and Goyal, "Analysis of Thompson sampling for the multi-armed bandit problem",
    COLT 2012. A reward ``r`` in [0, 1] counts as a Bernoulli(``r``) success (their algorithm 2),
    so 0/1 rewards are used as they are and fractional ones keep the guarantee.
    """

    _variant: ClassVar[str] = "BetaThompson"

    def __init__(
        self, n_arms: int, *, prior_a: float = 1.0, prior_b: float = 1.0, seed: Seed = None
    ) -> None:
        a = positive_float(prior_a, "prior_a")
        b = positive_float(prior_b, "prior_b")
        self._start({"BetaThompson": {"prior_a": a, "prior_b": b}}, n_arms, seed)


class GaussianThompsonSampling(Policy):
    """Gaussian Thompson sampling: draws ``N(sum_i / (n_i + 1), sigma² / (n_i + 1))`` per arm.

    Agrawal and Goyal, "Further optimal regret bounds for Thompson sampling", AISTATS 2013
    (``sigma = 1`` there; Theorem 1.3: ``O(sqrt(K T ln K))``). Any real rewards.
    """

    _variant: ClassVar[str] = "GaussianThompson"

    def __init__(self, n_arms: int, *, sigma: float = 1.0, seed: Seed = None) -> None:
        self._start({"GaussianThompson": {"sigma": positive_float(sigma, "sigma")}}, n_arms, seed)


class EXP3(Policy):
    """EXP3 for adversarial rewards in [0, 1].

    Loss form of Bubeck and Cesa-Bianchi, *Regret analysis of stochastic and nonstochastic
    multi-armed bandit problems*, 2012, section 3.1: probabilities ∝ ``exp(-eta L̂_i)`` over
    importance-weighted losses. Theorem 3.1: pseudo-regret at most ``sqrt(2 T K ln K)`` with a
    known ``horizon``, ``2 sqrt(T K ln K)`` anytime (``horizon=None``).
    """

    _variant: ClassVar[str] = "Exp3"

    def __init__(self, n_arms: int, *, horizon: int | None = None, seed: Seed = None) -> None:
        h = None if horizon is None else positive_int(horizon, "horizon")
        self._start({"Exp3": {"horizon": h}}, n_arms, seed)


class TsallisINF(Policy):
    """Tsallis-INF (½-Tsallis entropy): best of both worlds, rewards in [0, 1].

    Zimmert and Seldin, "Tsallis-INF: an optimal algorithm for stochastic and adversarial
    bandits", JMLR 22, 2021, algorithm 1 with ``α = 1/2``, ``η_t = 2/sqrt(t)`` and importance
    weighting. Theorem 1: adversarial pseudo-regret at most ``4 sqrt(K T) + 1``; logarithmic in
    the stochastic regime.
    """

    _variant: ClassVar[str] = "TsallisInf"

    def __init__(self, n_arms: int, *, seed: Seed = None) -> None:
        self._start("TsallisInf", n_arms, seed)


class DiscountedUCB(Policy):
    """Discounted UCB for rewards whose means switch: forgets with factor ``gamma`` per step.

    Garivier and Moulines, "On upper-confidence bound policies for switching bandit problems",
    ALT 2011, section 2: index ``X̄(γ) + 2 scale sqrt(xi ln n(γ) / N(γ))``. Theorem 3 takes
    ``gamma = 1 - sqrt(Υ/T) / (4 scale)`` for ``Υ`` switches in ``T`` steps.
    """

    _variant: ClassVar[str] = "DiscountedUcb"

    def __init__(
        self,
        n_arms: int,
        *,
        gamma: float = 0.99,
        xi: float = 0.6,
        scale: float = 1.0,
        seed: Seed = None,
    ) -> None:
        spec = {
            "DiscountedUcb": {
                "gamma": _number(gamma, "gamma"),
                "xi": positive_float(xi, "xi"),
                "scale": positive_float(scale, "scale"),
            }
        }
        self._start(spec, n_arms, seed)


class SlidingWindowUCB(Policy):
    """Sliding-window UCB: UCB over the last ``window`` rewards only.

    Garivier and Moulines, ALT 2011, section 3: index ``X̄(τ) + scale sqrt(xi ln min(t, τ) /
    N(τ))``. Theorem 7 takes ``window ≈ 2 scale sqrt(T ln T / Υ)`` for ``Υ`` switches.
    """

    _variant: ClassVar[str] = "SlidingWindowUcb"

    def __init__(
        self,
        n_arms: int,
        *,
        window: int = 1000,
        xi: float = 0.6,
        scale: float = 1.0,
        seed: Seed = None,
    ) -> None:
        spec = {
            "SlidingWindowUcb": {
                "window": positive_int(window, "window"),
                "xi": positive_float(xi, "xi"),
                "scale": positive_float(scale, "scale"),
            }
        }
        self._start(spec, n_arms, seed)
