"""GPU plumbing: embedded sources, the ONSTREAM_GPU_DIR override, device selection, and every
kernel compiled by NVRTC for sm_80 and sm_90 without a GPU or driver."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import onstream
from onstream.exceptions import GpuUnavailableError, InvalidParameterError
from onstream.gpu import cupy_status, kernel_names, kernel_spec, resolve_device

REPO = Path(__file__).resolve().parents[2]


def test_every_gpu_file_is_embedded_verbatim() -> None:
    on_disk = sorted(p.stem for p in (REPO / "gpu").glob("*.cu"))
    assert kernel_names() == on_disk
    for name in on_disk:
        assert onstream._core.kernel_source(name) == (REPO / "gpu" / f"{name}.cu").read_text()


def test_spec_has_line_directive_and_name_expressions() -> None:
    spec = kernel_spec("logsumexp")
    assert spec.source.startswith('#line 1 "gpu/logsumexp.cu"\n')
    assert spec.name_expressions == (
        "lse_rows<float>",
        "lse_rows<double>",
        "lse_cols<float>",
        "lse_cols<double>",
    )


def test_gpu_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "logsumexp.cu").write_text("// onstream-names: k<float>\n// edited\n")
    monkeypatch.setenv("ONSTREAM_GPU_DIR", str(tmp_path))
    spec = kernel_spec("logsumexp")
    assert "// edited" in spec.source
    assert spec.name_expressions == ("k<float>",)
    with pytest.raises(InvalidParameterError, match=r"has no missing\.cu"):
        kernel_spec("missing")


def test_device_selection(caplog: pytest.LogCaptureFixture) -> None:
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(InvalidParameterError, match="expected 'auto', 'cpu' or 'cuda'"):
        resolve_device("tpu")  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="onstream.gpu"):
        assert resolve_device("auto", np.zeros(3)) == "cpu"
    assert "device='auto' chose cpu" in caplog.text


@pytest.mark.skipif(cupy_status()[0], reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_error_not_a_fallback() -> None:
    with pytest.raises(GpuUnavailableError, match="device='cuda' was requested but"):
        onstream.dense.logsumexp(np.zeros((2, 2)), device="cuda")


@pytest.mark.parametrize("arch", ["compute_80", "compute_90"])
@pytest.mark.parametrize("name", kernel_names())
def test_kernel_compiles_with_nvrtc(name: str, arch: str) -> None:
    nvrtc = pytest.importorskip("cuda.bindings.nvrtc")
    spec = kernel_spec(name)
    err, prog = nvrtc.nvrtcCreateProgram(spec.source.encode(), f"{name}.cu".encode(), 0, [], [])
    assert err == nvrtc.nvrtcResult.NVRTC_SUCCESS
    try:
        for expr in spec.name_expressions:
            (err,) = nvrtc.nvrtcAddNameExpression(prog, expr.encode())
            assert err == nvrtc.nvrtcResult.NVRTC_SUCCESS
        options = [f"--gpu-architecture={arch}".encode(), *(o.encode() for o in spec.options)]
        (err,) = nvrtc.nvrtcCompileProgram(prog, len(options), options)
        _, size = nvrtc.nvrtcGetProgramLogSize(prog)
        log = b" " * size
        nvrtc.nvrtcGetProgramLog(prog, log)
        assert err == nvrtc.nvrtcResult.NVRTC_SUCCESS, log.decode(errors="replace")
        for expr in spec.name_expressions:
            err, lowered = nvrtc.nvrtcGetLoweredName(prog, expr.encode())
            assert err == nvrtc.nvrtcResult.NVRTC_SUCCESS
            assert lowered.startswith(b"_Z")
        err, ptx_size = nvrtc.nvrtcGetPTXSize(prog)
        assert ptx_size > 100
    finally:
        nvrtc.nvrtcDestroyProgram(prog)
