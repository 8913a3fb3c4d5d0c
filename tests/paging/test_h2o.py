"""H2O against a plain NumPy reference, on softmax attention of random logits with heavy hitters."""

from __future__ import annotations

import numpy as np
import pytest

from onstream.exceptions import InvalidParameterError, NonFiniteError, ShapeMismatchError
from onstream.paging import H2OCache
from tests.streaming import assert_resumes


class ReferenceH2O:
    """The rule as the paper states it, written with NumPy: scores += column sums; keep the
    last `recent` plus the top `heavy` older tokens (stable order: older loses ties)."""

    def __init__(self, heads: int, heavy: int, recent: int) -> None:
        self.heavy, self.recent = heavy, recent
        self.pos = [np.empty(0, dtype=np.int64) for _ in range(heads)]
        self.score = [np.empty(0) for _ in range(heads)]
        self.next = 0

    def append(self, n: int) -> None:
        new = np.arange(self.next, self.next + n)
        self.next += n
        self.pos = [np.concatenate([p, new]) for p in self.pos]
        self.score = [np.concatenate([s, np.zeros(n)]) for s in self.score]

    def update(self, attn: np.ndarray) -> np.ndarray:
        keeps = []
        for h in range(len(self.pos)):
            s = self.score[h] + attn[h].sum(axis=0)
            n = len(s)
            keep = np.ones(n, dtype=bool)
            if n > self.heavy + self.recent:
                old = n - self.recent
                # Sort old tokens by score descending, newer first among ties.
                order = sorted(range(old), key=lambda i: (-s[i], -i))
                keep[old:] = True
                keep[:old] = False
                keep[order[: self.heavy]] = True
            self.pos[h], self.score[h] = self.pos[h][keep], s[keep]
            keeps.append(keep)
        return np.array(keeps)


def _attention(rng: np.random.Generator, heads: int, q: int, n: int) -> np.ndarray:
    logits = rng.normal(size=(heads, q, n))
    logits[..., : min(n, 3)] += 3.0  # the first tokens are heavy hitters, as in real models
    w = np.exp(logits - logits.max(axis=-1, keepdims=True))
    out: np.ndarray = w / w.sum(axis=-1, keepdims=True)
    return out


@pytest.mark.parametrize("variant", ["topk", "argmin"])
@pytest.mark.parametrize(("heavy", "recent", "chunk"), [(4, 8, 1), (0, 5, 2), (6, 0, 1), (3, 3, 4)])
def test_matches_numpy_reference(variant: str, heavy: int, recent: int, chunk: int) -> None:
    rng = np.random.default_rng(heavy * 100 + recent * 10 + chunk)
    heads = 3
    ours = H2OCache(heavy, recent, n_heads=heads, variant=variant)  # type: ignore[arg-type]
    ref = ReferenceH2O(heads, heavy, recent)
    for _ in range(60):
        ours.append(chunk)
        ref.append(chunk)
        attn = _attention(rng, heads, chunk, ours.kept)
        keep = ours.update(attn.astype(np.float32))
        np.testing.assert_array_equal(keep, ref.update(attn.astype(np.float32).astype(np.float64)))
        np.testing.assert_array_equal(ours.positions(), np.array(ref.pos))
        np.testing.assert_allclose(ours.scores(), np.array(ref.score), rtol=1e-6)
        assert ours.kept <= heavy + recent


def test_heavy_hitters_retain_more_attention_than_a_recent_window_alone() -> None:
    # Same budget: H2O (heavy + recent) keeps more of the attention mass than recent-only.
    rng = np.random.default_rng(0)
    budget, steps = 16, 200
    h2o = H2OCache(budget // 2, budget // 2)
    window = H2OCache(0, budget)
    logits_bias = rng.gamma(0.3, 3.0, size=steps)  # some tokens are persistently important
    kept_mass = {"h2o": 0.0, "window": 0.0}
    for t in range(steps):
        for name, cache in (("h2o", h2o), ("window", window)):
            cache.append(1)
            pos = cache.positions()[0].astype(int)
            logits = logits_bias[pos] + rng.normal(size=len(pos)) * 0.5
            full = logits_bias[: t + 1] + 0.0
            w = np.exp(logits - logits.max())
            cache.update((w / w.sum())[None, None, :])
            kept_mass[name] += float(np.exp(logits_bias[pos]).sum() / np.exp(full).sum())
    assert kept_mass["h2o"] > kept_mass["window"] * 1.2


def test_resumes_after_pickle() -> None:
    rng = np.random.default_rng(5)
    attn = [_attention(rng, 2, 1, min(t + 1, 7)) for t in range(40)]

    def feed(c: H2OCache, a: np.ndarray) -> object:
        c.append(1)
        # Use attention sized to what the cache holds (the reference sequence is long enough).
        return c.update(a[..., : c.kept] / a[..., : c.kept].sum(axis=-1, keepdims=True))

    chunks = [np.resize(a, (2, 1, 8)) for a in attn]
    assert_resumes(lambda: H2OCache(3, 4, n_heads=2), feed, chunks, 17, restore=H2OCache.from_bytes)


def test_bad_input() -> None:
    with pytest.raises(InvalidParameterError, match="positive budget"):
        H2OCache(0, 0)
    with pytest.raises(InvalidParameterError, match="invalid n_heads"):
        H2OCache(1, 1, n_heads=0)
    with pytest.raises(InvalidParameterError, match="invalid variant"):
        H2OCache(1, 1, variant="best")  # type: ignore[arg-type]
    c = H2OCache(1, 1, n_heads=2)
    c.append(3)
    with pytest.raises(ShapeMismatchError, match=r"expected \(2, queries, 3\)"):
        c.update(np.ones((2, 1, 4)))
    with pytest.raises(NonFiniteError):
        c.update(np.full((2, 1, 3), np.nan))
