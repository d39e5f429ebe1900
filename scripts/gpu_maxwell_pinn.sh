#!/usr/bin/env bash
# maxwell2d_pinn variants trained side by side on one lent CUDA GPU (each a plain `sciml run` with overrides),
# plus the FDTD GPU tests. Results (run folders with metrics.json and checkpoints) go to $OUT/<variant>.
# Usage on the device machine: OUT=... bash scripts/gpu_maxwell_pinn.sh [seconds per run, default 470]
# Run folders stay in /tmp/maxwell_runs (the device tool returns only a few files); $OUT gets, per variant, the
# log, metrics.json, config.yaml and the last checkpoint's weights, flattened.
# Timing on an H200 (2026-11-27, five variants side by side): the default config took 412 s (8000 Adam steps in
# 113 s, 2000 L-BFGS steps in 300 s: the line search's small evaluations do not fill the GPU); 20000 Adam steps
# at 32000 points (64 x 5) took 250 s, and 4000 L-BFGS steps did not finish in the remaining 220 s.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-gpu_results}
LIMIT=${1:-470}
mkdir -p "$OUT"
if [ -d .whl ] && ls .whl/*.whl >/dev/null 2>&1; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 OMP_NUM_THREADS=2
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
LONG="model.width=64 model.depth=5 optimizer.steps=20000 optimizer.gamma=0.9998 optimizer.lbfgs_steps=500 sampling.n_interior=32000 sampling.resample_every=1000"
RUNS_DIR=/tmp/maxwell_runs
SHARP="problem.width=0.03 problem.frequency=3.0 problem.tau=0.12"
declare -A RUNS=(
  [base]=""
  [long]="$LONG"
  [long_focus]="$LONG sampling.n_focus=4000"
  [sharp_focus]="$LONG sampling.n_focus=4000 $SHARP"
  [sharp_focus_wide]="$LONG sampling.n_focus=8000 $SHARP model.width=96"
)
for name in "${!RUNS[@]}"; do
  timeout "$LIMIT" "$PY" -m sciml.cli.main run experiment=maxwell2d_pinn device=gpu trainer.progress_bar=false \
    ${RUNS[$name]} hydra.run.dir="$RUNS_DIR/$name" > "$OUT/$name.log" 2>&1 &
done
timeout 200 "$PY" -m pytest -q -m gpu -p no:cacheprovider tests/solvers/test_fdtd_gpu.py > "$OUT/fdtd_gpu_tests.log" 2>&1 &
wait
tail -n 3 "$OUT/fdtd_gpu_tests.log"
for name in "${!RUNS[@]}"; do
  echo "== $name: ${RUNS[$name]}"
  grep -E "phase|relative L2" "$OUT/$name.log" | tail -n 4
  run="$RUNS_DIR/$name"
  [ -f "$run/metrics.json" ] && grep -E '"(wall_seconds|rel_l2_|exact_rel_l2_)' "$run/metrics.json"
  for f in metrics.json config.yaml; do [ -f "$run/$f" ] && cp "$run/$f" "$OUT/${name}_$f"; done
  last=$(ls -d "$run"/checkpoints/*/ 2>/dev/null | sort | tail -n 1)
  [ -n "$last" ] && cp "$last/model.safetensors" "$OUT/${name}_model.safetensors"
done
