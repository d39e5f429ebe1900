#!/usr/bin/env bash
# Install every peer the benchmarks compare against (Debian/Ubuntu, as root). See benchmarks/README.md.
#   bash benchmarks/install_peers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Python peers (DeepXDE, JAX, PhiFlow, neuraloperator, the fdtd package, ASE, torchmd) into .venv
SCIML_EXTRAS=test,peers bash scripts/bootstrap.sh

# Meep (serial, double precision) and LAMMPS with its OPT package, from Debian
apt-get update -qq
apt-get install -y -qq python3-meep lammps openmpi-bin python3-mpi4py libhdf5-openmpi-103-1

# Meep's MPI build conflicts with the serial package, so unpack it beside it instead of installing it
prefix=/opt/meep-mpi
if [ ! -d "$prefix/usr/lib/python3/dist-packages/meep" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download libmeep-mpi-default30 python3-meep-mpi-default)
  mkdir -p "$prefix"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$prefix"; done
  rm -rf "$tmp"
fi
LD_LIBRARY_PATH=$prefix/usr/lib/x86_64-linux-gnu PYTHONPATH=$prefix/usr/lib/python3/dist-packages \
  mpirun --allow-run-as-root --oversubscribe -np 2 /usr/bin/python3 -c \
  "import meep as mp; mp.am_master() and print('Meep MPI', mp.__version__, 'on', mp.count_processors(), 'processes')"
lmp -h | grep -A3 "Installed packages" | tr -s ' ' | head -4
