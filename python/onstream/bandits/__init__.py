"""Multi-armed bandits: per-step policies, environments and parallel simulation in Rust.

Every policy has the same surface (:class:`Policy`): ``select`` / ``update`` one step at a time,
``select_batch`` / ``update_batch`` for delayed feedback, ``select_k`` for slates, masks, adding
and removing arms, and snapshots (pickle, ``to_bytes``, ``to_json``) that resume bit-for-bit.
"""

from onstream.bandits import ope
from onstream.bandits.env import Adversarial, Bernoulli, Environment, Gaussian, Switching
from onstream.bandits.groupwise import GroupwiseRegressor, group_matrix, groupwise_regret
from onstream.bandits.linear import LinearPolicy, LinTS, LinUCB
from onstream.bandits.lsd import LSDInstance, LSDLearner, LSDRelaxation, simulate_lsd
from onstream.bandits.policies import (
    EXP3,
    KLUCB,
    MOSS,
    UCB1,
    DiscountedUCB,
    EpsilonGreedy,
    GaussianThompsonSampling,
    SlidingWindowUCB,
    Softmax,
    ThompsonSampling,
    TsallisINF,
)
from onstream.bandits.policy import Policy
from onstream.bandits.relax import (
    ChebCB,
    LaplacianCosts,
    RelaxTuner,
    SorResult,
    laplacian_costs,
    sor,
)
from onstream.bandits.simulate import simulate
from onstream.bandits.streaming import (
    StreamingAlgorithm,
    StreamingBandit,
    clear_cut_instance,
    mix_in_instance,
    simulate_streaming,
)
from onstream.bandits.tallying import TallyingEliminator, TallyingEnv, simulate_tallying

__all__ = [
    "EXP3",
    "KLUCB",
    "MOSS",
    "UCB1",
    "Adversarial",
    "Bernoulli",
    "ChebCB",
    "DiscountedUCB",
    "Environment",
    "EpsilonGreedy",
    "Gaussian",
    "GaussianThompsonSampling",
    "GroupwiseRegressor",
    "LSDInstance",
    "LSDLearner",
    "LSDRelaxation",
    "LaplacianCosts",
    "LinTS",
    "LinUCB",
    "LinearPolicy",
    "Policy",
    "RelaxTuner",
    "SlidingWindowUCB",
    "Softmax",
    "SorResult",
    "StreamingAlgorithm",
    "StreamingBandit",
    "Switching",
    "TallyingEliminator",
    "TallyingEnv",
    "ThompsonSampling",
    "TsallisINF",
    "clear_cut_instance",
    "group_matrix",
    "groupwise_regret",
    "laplacian_costs",
    "mix_in_instance",
    "ope",
    "simulate",
    "simulate_lsd",
    "simulate_streaming",
    "simulate_tallying",
    "sor",
]
