"""The bench harness: median timing, `case, ours, peer, ratio` rows, and the JSON record."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "benches" / "_harness.py"


def _harness() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_harness", HARNESS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def test_rows_ratio_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    h = _harness()
    out = tmp_path / "rows.json"
    bench = h.Bench("demo", ["--repeat", "3", "--json", str(out)])
    bench.header()
    row = bench.compare(
        "sleepy", lambda: time.sleep(0.002), "slower", lambda: time.sleep(0.02), note="n"
    )
    bench.finish()
    assert row.peer_s > row.ours_s > 0
    assert row.ratio == pytest.approx(row.peer_s / row.ours_s)
    assert 3.0 < row.ratio < 30.0  # 20 ms against 2 ms, with room for scheduler noise
    printed = capsys.readouterr().out
    assert "case" in printed
    assert "ratio" in printed
    assert "sleepy" in printed
    assert "slower" in printed
    record = json.loads(out.read_text())
    assert record["title"] == "demo"
    assert record["rows"][0]["case"] == "sleepy"
    assert record["rows"][0]["ratio"] == pytest.approx(row.ratio)


def test_median_ignores_the_warm_up_call() -> None:
    h = _harness()
    calls: list[float] = []

    def fn() -> None:
        calls.append(0.0)
        if len(calls) == 1:
            time.sleep(0.05)  # a slow first call (page faults, pool start-up) must not count

    assert h.median_time(fn, 3) < 0.02
    # Calls this short run until the rounds add up to MIN_TOTAL_S: at most MAX_ROUNDS of them.
    assert len(calls) == 1 + h.MAX_ROUNDS


def test_short_cases_run_more_rounds_long_ones_the_repeat_count() -> None:
    h = _harness()
    more = h._more_rounds
    assert more(2, 3, 10.0)  # fewer than --repeat rounds: always more
    assert not more(3, 3, h.MIN_TOTAL_S)  # --repeat rounds that add up: done
    assert more(3, 3, h.MIN_TOTAL_S / 2)  # short: more ...
    assert not more(h.MAX_ROUNDS, 3, 0.0)  # ... up to MAX_ROUNDS
    calls: list[float] = []

    def slow() -> None:
        calls.append(0.0)
        time.sleep(h.MIN_TOTAL_S / 2)

    h.median_time(slow, 3)
    assert len(calls) == 4  # the warm-up and --repeat rounds
