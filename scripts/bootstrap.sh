#!/usr/bin/env bash
# Set up .venv with sciml and its dependencies on a fresh machine (idempotent, fast when done).
#
#   TORCH_SPEC       torch requirement to install when no torch is present (default torch==2.13.0, CPU)
#   TORCH_INDEX_URL  wheel index for a CUDA build, e.g. https://download.pytorch.org/whl/cu126
#   SCIML_ASCEND=1   also install torch_npu (Ascend NPU; needs the CANN toolkit)
#   SCIML_EXTRAS     pip extras to install (default "test"; "test,peers" adds DeepXDE, JAX, PhiFlow for benchmarks)
#   PYTHON           interpreter used to create the venv (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${SCIML_VENV:-.venv}
EXTRAS=${SCIML_EXTRAS:-test}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
VPY="$VENV/bin/python"

if ! "$VPY" -c "import torch" >/dev/null 2>&1; then
  echo "bootstrap: installing $TORCH_SPEC" >&2
  if [ -n "${TORCH_INDEX_URL:-}" ]; then
    "$VPY" -m pip install -q "$TORCH_SPEC" --index-url "$TORCH_INDEX_URL"
  else
    "$VPY" -m pip install -q "$TORCH_SPEC"
  fi
fi
if [ "${SCIML_ASCEND:-0}" = "1" ] && ! "$VPY" -c "import torch_npu" >/dev/null 2>&1; then
  "$VPY" -m pip install -q torch_npu
fi

# reinstall the package only when its metadata or the requested extras change
stamp="$VENV/.sciml-install-$(cat pyproject.toml | sha256sum | cut -c1-16)-${EXTRAS//,/_}"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing sciml[$EXTRAS]" >&2
  "$VPY" -m pip install -q -e ".[$EXTRAS]"
  rm -f "$VENV"/.sciml-install-* && touch "$stamp"
fi
