"""Bench: submodular maximization, onstream against apricot, and the fully dynamic algorithm
against recompute-greedy.

Rows:

* facility location, k = 100 from n = 20,000 points of N(0, 1)^32 (the shared notes' setup):
  apricot's lazy optimizer from the raw features (euclidean, its kernel built inside) against
  ours with similarities on the fly and with the stored float32 kernel. Each run is a child
  process (so its peak resident memory is its own; time is measured inside the child, imports and
  apricot's numba compilation excluded); the selections must agree.
* stochastic greedy against apricot's stochastic optimizer on the same input (one run each).
* dynamic: a sliding window of n/10 over a stream of n weighted-coverage sets, n = 10^3, 10^4,
  10^5: once the window is full, time and oracle calls per update (an insertion or a deletion)
  for the dynamic algorithm against Lattanzi et al.'s and against recompute-greedy (timed on its
  first 2000 updates at 10^5,
  where a full run would take minutes; said so in the row). The growth of calls per update is
  fitted against log n.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
import warnings
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _harness import Bench, optional

from onstream.submodular import DynamicMaximizer, FacilityLocation, WeightedCoverage, maximize


def features(n: int, d: int = 32) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((n, d))


def child(which: str, n: int, k: int) -> None:
    """One facility-location run; prints a JSON line (seconds, peak RSS bytes, picks)."""
    x = features(n)
    if which.startswith("apricot"):
        warnings.filterwarnings("ignore")
        apricot = optional("apricot")
        optimizer = which.split("-")[1]
        # numba compiles apricot's kernels on first use: a small fit first, so the timed run is
        # apricot's steady state (its compile time is not what we compare).
        apricot.FacilityLocationSelection(5, metric="euclidean", optimizer=optimizer).fit(x[:200])
    t0 = time.perf_counter()
    if which.startswith("apricot"):
        sel = apricot.FacilityLocationSelection(
            k, metric="euclidean", optimizer=optimizer, random_state=0
        ).fit(x)
        picks = np.asarray(sel.ranking).tolist()
        value = float(np.asarray(sel.gains).sum())
    else:
        store = which == "ours-stored"
        obj = FacilityLocation.from_features(x, store=store)
        s = maximize(obj, k, "stochastic" if which == "ours-stochastic" else "lazy", epsilon=0.01)
        picks, value = s.indices.tolist(), s.value
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "rss": rss, "picks": picks, "value": value}))


def run_child(which: str, n: int, k: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", which, str(n), str(k)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def facility(bench: Bench) -> None:
    n, k = (5000, 50) if bench.quick else (20000, 100)
    if optional("apricot") is None:
        print("# apricot is not installed (pip install apricot-select scikit-learn); skipped")
        return
    peer = run_child("apricot-lazy", n, k)
    for which, note in (("ours-fly", "on the fly"), ("ours-stored", "stored float32 kernel")):
        ours = run_child(which, n, k)
        same = ours["picks"] == peer["picks"]
        bench.record(
            f"facility n={n} d=32 k={k} lazy", ours["seconds"], "apricot lazy", peer["seconds"],
            note=f"{note}; peak RSS {ours['rss'] / 2**30:.2f} GiB vs {peer['rss'] / 2**30:.2f} "
            f"GiB ({peer['rss'] / ours['rss']:.1f}x less); same picks: {same}",
        )  # fmt: skip
    peer_s = run_child("apricot-stochastic", n, k)
    ours_s = run_child("ours-stochastic", n, k)
    bench.record(
        f"facility n={n} d=32 k={k} stochastic", ours_s["seconds"], "apricot stochastic",
        peer_s["seconds"],
        note=f"value {ours_s['value'] / peer['value']:.4f} (ours) and "
        f"{peer_s['value'] / peer['value']:.4f} (apricot) of lazy greedy's",
    )  # fmt: skip


def window_stream(n: int) -> tuple[WeightedCoverage, int]:
    rng = np.random.default_rng(1)
    sets = [rng.integers(0, n // 2, 4).tolist() for _ in range(n)]
    return WeightedCoverage(sets, rng.random(n // 2)), max(n // 10, 1)


def steady_window(
    m: DynamicMaximizer, n: int, window: int, limit: int | None
) -> tuple[int, float, int]:
    """Fills the window (untimed, one call), then slides it to the end of the stream (or for
    `limit` updates): returns (updates, seconds, oracle calls) of the sliding."""
    m.insert(np.arange(window))
    calls0, updates, t0 = m.oracle_calls, 0, time.perf_counter()
    for t in range(window, n):
        m.insert(t)
        m.delete(t - window)
        updates += 2
        if limit is not None and updates >= limit:
            break
    return updates, time.perf_counter() - t0, m.oracle_calls - calls0


def dynamic(bench: Bench) -> None:
    k, eps = 20, 0.2
    sizes = (1000, 10000) if bench.quick else (1000, 10000, 100000)
    logs, calls = [], []
    for n in sizes:
        obj, window = window_stream(n)
        dyn = DynamicMaximizer(obj, k, eps, seed=0)
        up, secs, c = steady_window(dyn, n, window, None)
        per = c / up
        logs.append(math.log(n))
        calls.append(per)
        lat = DynamicMaximizer(obj, k, eps, seed=0, method="lattanzi")
        lup, lsecs, lc = steady_window(lat, n, window, None)
        bench.record(
            f"dynamic window {window} of n={n} k={k}", secs / up, "Lattanzi et al. 2020",
            lsecs / lup,
            note=f"per update; oracle calls/update {per:,.0f} vs {lc / lup:,.0f}; value "
            f"{dyn.value:.1f} vs {lat.value:.1f}",
        )  # fmt: skip
        rec = DynamicMaximizer(obj, k, method="recompute")
        limit = None if n <= 10000 else 2000
        rup, rsecs, rc = steady_window(rec, n, window, limit)
        note = "" if limit is None else f"; recompute timed on {rup} updates"
        bench.record(
            f"dynamic window {window} of n={n} k={k}", secs / up, "recompute-greedy", rsecs / rup,
            note=f"per update; {up / secs:,.0f} updates/s; oracle calls/update {per:,.0f} vs "
            f"{rc / rup:,.0f}; value {dyn.value:.1f} vs {rec.value:.1f}{note}",
        )  # fmt: skip
    slope = np.polyfit(np.log(logs), np.log(calls), 1)[0]
    print(
        f"# dynamic: oracle calls per update {', '.join(f'{c:,.0f}' for c in calls)} at n = "
        f"{', '.join(f'{n:,}' for n in sizes)}; fit calls ~ (log n)^{slope:.2f} "
        f"(linear growth in n would be a factor {sizes[-1] / sizes[0]:,.0f})"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    bench = Bench("submodular: onstream vs apricot, dynamic vs recompute-greedy")
    bench.header()
    facility(bench)
    dynamic(bench)
    bench.finish()


if __name__ == "__main__":
    main()
