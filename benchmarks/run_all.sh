#!/usr/bin/env bash
# Every benchmark, one after another, on a quiet machine (each refuses to write when the load says it was not).
#   bash benchmarks/run_all.sh            # ~40 min on 2 cores; then: python benchmarks/make_tables.py
# The operator accuracy part (hours) and the PINN suite (hours) are not rerun here; see benchmarks/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
R=benchmarks/results
$PY benchmarks/fdtd.py --threads 1 --n 64 --json $R/fdtd_64_1thread.json
$PY benchmarks/fdtd.py --threads 1 --n 128 --json $R/fdtd_128_1thread.json
$PY benchmarks/fdtd.py --threads 2 --n 128 --json $R/fdtd_128_2threads.json
$PY benchmarks/md.py --threads 2 --json $R/md.json
$PY benchmarks/md_bio.py --threads 2 --json $R/md_bio.json
$PY benchmarks/pinn_step.py --threads 1 --json $R/pinn_step.json
$PY benchmarks/pinn_time_to_accuracy.py --threads 2 --cap 400
$PY benchmarks/grid_solvers.py --threads 1 --json $R/grid_solvers.json
$PY benchmarks/operators.py --threads 1 --parts throughput,data --json $R/operators.json
$PY benchmarks/scaling.py --json $R/scaling.json
$PY benchmarks/zoo.py --threads 1 --json $R/zoo.json
$PY benchmarks/make_tables.py
