"""The console script: `onstream info` and `onstream tour`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from onstream.cli import main
from onstream.tour import discover_sections

ONSTREAM = shutil.which("onstream", path=str(Path(sys.executable).parent)) or "onstream"


def test_info_reports_build_threads_and_gpu(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for key in ("onstream", "build profile", "threads", "gpu", "logsumexp"):
        assert key in out


def test_tour_registry_discovers_the_sections() -> None:
    keys = [s.key for s in discover_sections()]
    assert keys[0] == "infrastructure"
    assert {"stream", "paging", "privacy", "transport", "graph"} <= set(keys)


def test_unknown_section_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tour", "--only", "nope"]) == 2
    assert "invalid --only" in capsys.readouterr().err


def test_the_whole_tour_runs_and_writes_its_outputs(tmp_path: Path) -> None:
    out = tmp_path / "tour"
    env = {**os.environ, "COLUMNS": "120"}
    run = subprocess.run(
        [ONSTREAM, "tour", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    summary = (out / "README.md").read_text()
    assert summary.startswith("# onstream tour")
    for section in discover_sections():
        assert f"## {section.title}" in summary
    assert (out / "logsumexp.png").stat().st_size > 1000
    assert (out / "reservoir_popularity.png").stat().st_size > 1000
    assert (out / "paging_mrc.png").stat().st_size > 1000
    assert (out / "privacy_counter.png").stat().st_size > 1000
    assert (out / "transport_colours.png").stat().st_size > 1000
    assert (out / "graph_ppr_walks.png").stat().st_size > 1000
    assert "Tour done" in run.stdout
