#!/usr/bin/env bash
# One-shot GPU check for a lent CUDA machine (finishes in a few minutes):
#   1. the GPU-marked tests (tests marked @pytest.mark.gpu),
#   2. the PINN step benchmark with --device gpu,
#   3. the FDTD throughput benchmark on CUDA (128^3 vacuum box with CPML, float32),
#   4. the MD throughput benchmark on CUDA (LJ in.lj, N = 4000 and 32000).
# Uses the machine's python3 (which has CUDA torch). Packages it lacks (hydra-core, omegaconf,
# antlr4-python3-runtime, meshio) can be carried as wheels in .whl/ (see the device tool's README).
# Results go to $OUT (or ./gpu_results).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-gpu_results}
mkdir -p "$OUT"
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
"$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" | tee -a "$OUT/gpu.txt"
status=0
timeout 240 "$PY" -m pytest -q -m gpu -p no:cacheprovider tests 2>&1 | tee "$OUT/gpu_tests.log" || status=1
timeout 240 "$PY" benchmarks/pinn_step.py --device gpu --rounds 1 --warmup 20 --repeats 50 \
  --variants sciml_pynative_autograd,sciml_pynative_taylor,sciml_graph_taylor,deepxde \
  --json "$OUT/pinn_step_gpu.json" 2>&1 | tee "$OUT/pinn_step_gpu.log" || status=1
timeout 300 "$PY" benchmarks/fdtd.py --device cuda --n 128 --steps 200 --skip-peers \
  --json "$OUT/fdtd_gpu.json" 2>&1 | tee "$OUT/fdtd_gpu.log" || status=1
timeout 300 "$PY" benchmarks/md.py --device cuda --sizes 4000,32000 --steps 100 --skip-peers \
  --json "$OUT/md_gpu.json" 2>&1 | tee "$OUT/md_gpu.log" || status=1
exit $status
