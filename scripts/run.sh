#!/usr/bin/env bash
# Set up (if needed) and run an experiment: `bash scripts/run.sh [hydra overrides]`.
# With no arguments this is the default experiment (configs/config.yaml → burgers_pinn).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/sciml run "$@"
