#!/usr/bin/env bash
# Train the two zoo FNOs on a lent CUDA machine with the published schedule (issue 21, neural operators):
# Li et al. 2021, "Fourier Neural Operator for Parametric PDEs" (ICLR), Adam at lr 1e-3, weight decay 1e-4,
# batch 20, 500 epochs, the rate halved every 100 epochs, 1000 training and 200 test samples.
#   1. generates the Darcy (85^2) and Burgers (nu = 0.1, 1024 points) datasets with sciml's own solvers, on the
#      machine's CPU cores (1200 samples each; about 90 s on 2 cores, so seconds on 16);
#   2. runs `sciml run experiment=fno_darcy` and `experiment=fno_burgers` on the GPU with that schedule.
# The run folders (metrics.json, the safetensors weights, the loss plot) land in $OUT/<experiment>. Back on a CPU
# machine, copy each folder to benchmarks/runs/operators/<experiment> and run `python scripts/train_zoo.py --only
# darcy_fno` (or burgers_fno): it packages the weights and re-evaluates them on the CPU for the card. Ship them only
# if they beat the current card (Darcy 0.0161, Burgers 0.00237; published bars 0.0108 and 0.0016).
#
# Needs what scripts/gpu_check.sh needs: `bash scripts/gpu_check.sh --prepare` here, then the device tool with
# carry [".gpu"] and timeout_s 590. Smoke test on a CPU (tiny sizes): DEVICE=cpu EPOCHS=1 SAMPLES=48 NTRAIN=32
# NTEST=8 PY=.venv/bin/python bash scripts/gpu_train_operators.sh
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
OUT=${OUT:-gpu_results}
DEVICE=${DEVICE:-gpu}
EPOCHS=${EPOCHS:-500}
SAMPLES=${SAMPLES:-1200}
NTRAIN=${NTRAIN:-1000}
NTEST=${NTEST:-200}
DATA=${DATA:-/tmp/sciml_operator_data}
PROCS=${PROCS:-$(nproc)}
DECAY=$((EPOCHS / 5 > 0 ? EPOCHS / 5 : 1))
mkdir -p "$OUT" "$DATA"
export PYTHONPATH="$PWD:$PWD/.gpu/site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
status=0
for spec in "darcy fno_darcy 280" "burgers_nu0.1 fno_burgers 200"; do
  read -r dataset experiment budget <<<"$spec"
  timeout 90 "$PY" -m sciml.cli.main generate dataset="$dataset" dataset.samples="$SAMPLES" \
    dataset.processes="$PROCS" dataset.path="$DATA/$dataset" 2>&1 | tr '\r' '\n' | tail -1 | tee -a "$OUT/operators.log"
  start=$SECONDS
  # the budget keeps both runs inside one 590 s call; a run cut short leaves its log (epoch times) for the next try
  timeout "$budget" "$PY" -m sciml.cli.main run experiment="$experiment" device="$DEVICE" \
    operator.epochs="$EPOCHS" operator.decay_every_epochs="$DECAY" operator.gamma=0.5 \
    operator.n_train="$NTRAIN" operator.n_test="$NTEST" dataset.samples="$SAMPLES" dataset.path="$DATA/$dataset" \
    trainer.progress_bar=false hydra.run.dir="$OUT/$experiment" >"$OUT/$experiment.log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || status=1
  echo "$experiment: exit $rc after $((SECONDS - start)) s (124: cut at $budget s)" | tee -a "$OUT/operators.log"
  if [ -f "$OUT/$experiment/metrics.json" ]; then
    "$PY" -c "import json,sys; m=json.load(open(sys.argv[1])); print({k: v for k, v in m.items() if 'l2' in k})" \
      "$OUT/$experiment/metrics.json" | tee -a "$OUT/operators.log"
  else
    tail -5 "$OUT/$experiment.log" | tee -a "$OUT/operators.log"
  fi
done
exit $status
