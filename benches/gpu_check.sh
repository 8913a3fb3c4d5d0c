#!/usr/bin/env bash
# The GPU half of the checks in one run, for a machine with a CUDA device, cupy and onstream
# installed (a built wheel, or `pip install onstream[cuda]`): the GPU-marked tests, the NVRTC and
# plumbing tests, then benches/gpu.py. A GPU is often lent for minutes only, so this is one
# prepared command whose logs all land in one folder, and a failing step does not stop the next.
# Usage: benches/gpu_check.sh [OUT_DIR]   (default: bench-results/gpu; PYTHON picks the interpreter)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-results/gpu}
py=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
{
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
    "$py" -c 'import cupy, numpy, onstream; print("cupy", cupy.__version__, "numpy",
numpy.__version__, "onstream", onstream.__version__, "from", onstream.__file__)'
} 2>&1 | tee "$out/gpu-env.txt"
status=0
# Only the files that hold GPU tests: the others may import peers (POT, apricot) that a GPU
# machine need not have, and a module that fails to import stops the whole collection.
mapfile -t files < <(grep -rl --include='test_*.py' 'pytest.mark.gpu' tests | sort)
timeout 300 "$py" -m pytest -p no:cacheprovider -q -rs -m gpu "${files[@]}" \
    2>&1 | tee "$out/gpu-tests.log" || status=1
timeout 120 "$py" -m pytest -p no:cacheprovider -q -rs tests/infra/test_gpu.py \
    2>&1 | tee -a "$out/gpu-tests.log" || status=1
timeout 420 "$py" benches/gpu.py --json "$out/gpu-bench.json" \
    2>&1 | tee "$out/gpu-bench.log" || status=1
exit $status
