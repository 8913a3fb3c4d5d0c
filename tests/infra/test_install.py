"""`pip install .` from a clone gives a working install in a fresh virtual environment."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_pip_install_from_the_source_tree(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    # Share the project's cargo cache so the build is incremental; pip still runs the real
    # PEP 517 build through maturin in an isolated environment.
    env = {**os.environ, "CARGO_TARGET_DIR": str(REPO / "target" / "pip-install")}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", str(REPO)],
        check=True,
        env=env,
        timeout=1500,
        cwd=tmp_path,
    )
    kernels = sorted(p.stem for p in (REPO / "gpu").glob("*.cu"))
    code = (
        "import numpy as np, onstream, pickle\n"
        "from importlib import resources\n"
        "assert onstream.build_info()['build profile'] == 'release'\n"
        f"assert onstream.gpu.kernel_names() == {kernels!r}\n"
        "assert len(onstream.datasets.sprite_trace()) == 133_996  # data files are in the wheel\n"
        "assert onstream.datasets.obd_clicks().height == 60_000\n"
        "assert onstream.datasets.bakeries_cafes().height == 13\n"
        "data = resources.files('onstream.datasets').joinpath('data')\n"
        "assert data.joinpath('ocean_sunset.jpg').read_bytes()[:2] == b'\\xff\\xd8'\n"
        "r = onstream.ot.sinkhorn(None, None, np.eye(3), reg=0.1, method='sns')\n"
        "assert r.converged\n"
        "print(float(onstream.dense.logsumexp(np.zeros((1, 4)))[0]))\n"
    )
    out = subprocess.run(
        [str(py), "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert abs(float(out.stdout) - 1.3862943611198906) < 1e-12
    info = subprocess.run(
        [str(env_dir / "bin" / "onstream"), "info"], capture_output=True, text=True, env=env
    )
    assert info.returncode == 0, info.stderr
    assert sys.version_info >= (3, 10)
