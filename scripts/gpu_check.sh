#!/usr/bin/env bash
# One-shot GPU check for a lent CUDA machine (about 6 minutes on an H200; pass timeout_s=590):
#   1. the PINN step benchmark on CUDA (issue 21: whole-step CUDA graphs against our eager step, DeepXDE, JAX),
#   2. the GPU-marked tests (tests marked @pytest.mark.gpu),
#   3. alanine dipeptide and DHFR with PME on CUDA against OpenMM's CUDA platform (issue 18),
#   4. the FDTD throughput benchmark on CUDA: a 256^3 vacuum box with CPML against the GPU's measured bandwidth,
#   5. the MD throughput benchmark on CUDA (LJ in.lj, N = 4000 and 32000).
# Uses the machine's python3 (which has CUDA torch). What it lacks travels in .gpu/ (git-ignored; name it in the
# device tool's `carry`), made on a machine with the project's .venv by `bash scripts/gpu_check.sh --prepare`:
#   .gpu/site    pure-Python packages copied from .venv (hydra, omegaconf, antlr4, meshio, deepxde, skopt, pyaml)
#                and openmmtools' DHFR and alanine-dipeptide data files;
#   .gpu/wheels  openmm 8.6.1 (cp312) and openmm-cuda-13 8.6.1 (its CUDA 13 plugin: cuFFT 12 and NVRTC 13 come
#                from the nvidia-* wheels that torch's CUDA build already installed).
# Results go to $OUT (or ./gpu_results).
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--prepare" ]; then
  SP=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  rm -rf .gpu && mkdir -p .gpu/site/openmmtools/data .gpu/wheels
  for d in hydra omegaconf antlr4 meshio deepxde skopt pyaml; do cp -r "$SP/$d" .gpu/site/; done
  cp -r "$SP"/deepxde-*.dist-info .gpu/site/  # so the benchmark rows can name DeepXDE's version
  cp -r "$SP/openmmtools/data/dhfr" "$SP/openmmtools/data/alanine-dipeptide-explicit" .gpu/site/openmmtools/data/
  echo '"""Data files only, carried for scripts/gpu_check.sh."""' >.gpu/site/openmmtools/__init__.py
  find .gpu -name __pycache__ -prune -exec rm -rf {} \;
  tags=""
  for n in 17 27 28 31 34; do tags="$tags --platform manylinux_2_${n}_x86_64"; done
  # shellcheck disable=SC2086
  .venv/bin/python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    $tags -d .gpu/wheels openmm==8.6.1 openmm-cuda-13==8.6.1
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
  du -sh .gpu
  exit 0
fi
PY=${PYTHON:-python3}
OUT=${OUT:-gpu_results}
mkdir -p "$OUT"
if ls .gpu/wheels/*.whl >/dev/null 2>&1; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/wheels/*.whl
fi
export PYTHONPATH="$PWD:$PWD/.gpu/site:/tmp/site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
# the CUDA 13 libraries OpenMM's CUDA plugin links, from the nvidia-* wheels beside torch
NV_LIBS=$("$PY" - <<'EOF'
import glob, os
try:
    import nvidia
    roots = list(nvidia.__path__)
except ImportError:
    roots = []
dirs = {os.path.dirname(p) for r in roots for n in ("libcufft.so.12*", "libnvrtc.so.13*")
        for p in glob.glob(os.path.join(r, "**", n), recursive=True)}
print(":".join(sorted(dirs)))
EOF
)
export LD_LIBRARY_PATH="${NV_LIBS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
} 2>&1 | tee "$OUT/gpu.txt"
status=0
timeout 190 "$PY" benchmarks/pinn_step.py --device gpu --cases burgers,poisson --rounds 1 --warmup 30 --repeats 200 --force \
  --variants sciml_pynative_taylor,sciml_graph_taylor,sciml_graph_taylor_nocudagraph,sciml_pynative_taylor_cudagraph,deepxde,jax_jit \
  --json "$OUT/pinn_step_gpu.json" 2>&1 | tee "$OUT/pinn_step_gpu.log" || status=1
timeout 120 "$PY" -m pytest -q -p no:cacheprovider tests/sciml/test_gpu.py tests/sciml/test_step_graph.py \
  tests/solvers/test_md_gpu.py tests/solvers/test_fdtd_gpu.py 2>&1 | tee "$OUT/gpu_tests.log" || status=1
timeout 120 "$PY" benchmarks/md_bio.py --device cuda --systems alanine,dhfr --force --json "$OUT/md_bio_gpu.json" 2>&1 \
  | tee "$OUT/md_bio_gpu.log" || status=1
timeout 100 "$PY" benchmarks/fdtd.py --device cuda --n 256 --steps 200 --precisions float32,float64 --skip-peers \
  --bend-resolution 0 --force --json "$OUT/fdtd_gpu.json" 2>&1 | tee "$OUT/fdtd_gpu.log" || status=1
timeout 50 "$PY" benchmarks/md.py --device cuda --sizes 4000,32000 --steps 100 --skip-peers --force \
  --json "$OUT/md_gpu.json" 2>&1 | tee -a "$OUT/fdtd_gpu.log" || status=1
exit $status
