"""`onstream cachesim`: the table, the MRC plot, and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from onstream.cli import main
from onstream.datasets import sprite_trace
from onstream.paging import simulate


def test_cachesim_on_the_bundled_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "mrc.png"
    assert (
        main(["cachesim", "sprite", "--policies", "lru,lfd", "--sizes", "100", "--mrc", str(png)])
        == 0
    )
    out = capsys.readouterr().out
    want = simulate(sprite_trace(), ["lru", "lfd"], [100])
    for misses in want["misses"]:
        assert f"{misses:,}" in out
    assert png.stat().st_size > 1000


def test_cachesim_reports_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cachesim", str(tmp_path / "missing.txt")]) == 2
    assert "No such file" in capsys.readouterr().err
    assert main(["cachesim", "sprite", "--policies", "lru,nope"]) == 2
    assert "invalid policy" in capsys.readouterr().err
