"""Run ours and a peer on the same inputs in one process; print ``case, ours, peer, ratio``.

``ratio`` is peer time over our time: above 1 means onstream is faster. Each time is the median of
at least ``--repeat`` runs after one warm-up, and of more for short cases, until the runs add up to
``MIN_TOTAL_S`` (at most ``MAX_ROUNDS``): of five sub-millisecond runs on a shared VM, one or two
can be twice as slow as the rest, which moves the median of five but not of a hundred. A
comparison alternates the two sides run by run, so that both see the same machine (a shared VM's
speed can change by 2x from one second to the next, and timing one side after the other would put
that change into the ratio). ``--json PATH`` also writes the rows for tracking.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Bench", "Row", "median_time", "optional", "paired_times"]


def optional(name: str) -> Any:
    """A peer package, or None when it is not installed (`make bench` installs them all); loaded
    by name so that type checking does not depend on which peers this machine has."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


@dataclass(frozen=True)
class Row:
    case: str
    peer: str
    ours_s: float
    peer_s: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.peer_s / self.ours_s if self.ours_s > 0 else float("inf")


#: Seconds of timed runs a case takes at least, when ``--repeat`` runs take less.
MIN_TOTAL_S = 0.25

#: Timed rounds a case takes at most.
MAX_ROUNDS = 200


def _more_rounds(done: int, repeat: int, spent: float) -> bool:
    return done < repeat or (spent < MIN_TOTAL_S and done < MAX_ROUNDS)


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up: first-call costs (page faults, pool start-up) are not what we measure
    times: list[float] = []
    spent = 0.0
    while _more_rounds(len(times), repeat, spent):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        spent += times[-1]
    return statistics.median(times)


def paired_times(
    ours: Callable[[], Any], peer: Callable[[], Any], repeat: int
) -> tuple[float, float]:
    """Median times of ``ours`` and ``peer``, run alternately (ours first on even rounds, the peer
    first on odd ones, so neither always runs in the other's wake) after one warm-up each."""
    ours()
    peer()
    times: tuple[list[float], list[float]] = ([], [])
    rounds, spent = 0, 0.0
    while _more_rounds(rounds, repeat, spent):
        for side in (0, 1) if rounds % 2 == 0 else (1, 0):
            fn = ours if side == 0 else peer
            t0 = time.perf_counter()
            fn()
            times[side].append(time.perf_counter() - t0)
            spent += times[side][-1]
        rounds += 1
    return statistics.median(times[0]), statistics.median(times[1])


@dataclass
class Bench:
    """Collects rows for one bench script and reports them."""

    title: str
    argv: Sequence[str] | None = None
    rows: list[Row] = field(default_factory=list)

    def __post_init__(self) -> None:
        parser = argparse.ArgumentParser(description=self.title)
        parser.add_argument("--repeat", type=int, default=5, help="timed runs per case, at least")
        parser.add_argument("--json", type=Path, help="also write the rows here")
        parser.add_argument("--quick", action="store_true", help="small cases only")
        self.args = parser.parse_args(self.argv)

    @property
    def quick(self) -> bool:
        return bool(self.args.quick)

    def compare(
        self,
        case: str,
        ours: Callable[[], Any],
        peer_name: str,
        peer: Callable[[], Any],
        note: str = "",
    ) -> Row:
        ours_s, peer_s = paired_times(ours, peer, self.args.repeat)
        return self.record(case, ours_s, peer_name, peer_s, note)

    def record(
        self, case: str, ours_s: float, peer_name: str, peer_s: float, note: str = ""
    ) -> Row:
        """Add a row timed by the caller (runs too long to repeat, or extrapolated peers: say so
        in ``note``)."""
        row = Row(case=case, peer=peer_name, ours_s=ours_s, peer_s=peer_s, note=note)
        self.rows.append(row)
        print(
            f"{row.case:<40} {1e3 * row.ours_s:>10.3f} {1e3 * row.peer_s:>10.3f} "
            f"{row.ratio:>7.2f}x  {row.peer}{'  ' + row.note if row.note else ''}",
            flush=True,
        )
        return row

    def header(self) -> None:
        print(f"# {self.title} ({platform.machine()}, Python {platform.python_version()})")
        print(f"{'case':<40} {'ours ms':>10} {'peer ms':>10} {'ratio':>8}  peer")

    def finish(self) -> None:
        if self.args.json:
            self.args.json.parent.mkdir(parents=True, exist_ok=True)
            payload = {
                "title": self.title,
                "rows": [{**asdict(r), "ratio": r.ratio} for r in self.rows],
            }
            self.args.json.write_text(json.dumps(payload, indent=2))
            print(f"wrote {self.args.json}")
