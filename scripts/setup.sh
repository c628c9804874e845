#!/usr/bin/env bash
# Installs what building and testing fit needs on a fresh Debian machine, and nothing that is
# already there: the C libraries (OpenBLAS, HDF5) from apt, and NumPy + h5py (+ pandas and
# PyTables, for files written by DataFrame.to_hdf) from pip for the interop tests that read our
# files with an independent implementation and write files as users do, SciPy for the tests
# that check our reference optima against its solvers, and scikit-learn for the tests that state
# the loss options in its terms (Ridge, HuberRegressor).
set -euo pipefail

need_apt=()
pkg-config --exists openblas 2>/dev/null || need_apt+=(libopenblas-dev)
pkg-config --exists hdf5 2>/dev/null || need_apt+=(libhdf5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]} with apt-get"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" pkg-config >/dev/null
fi

if ! python3 -c 'import numpy, h5py, pandas, tables' 2>/dev/null; then
  echo "setup: installing numpy, h5py, pandas and tables with pip"
  python3 -m pip install --quiet --disable-pip-version-check numpy h5py pandas tables \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
      numpy h5py pandas tables
fi

if ! python3 -c 'import scipy' 2>/dev/null; then
  echo "setup: installing scipy with pip"
  python3 -m pip install --quiet --disable-pip-version-check scipy \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages scipy
fi

if ! python3 -c 'import sklearn' 2>/dev/null; then
  echo "setup: installing scikit-learn with pip"
  python3 -m pip install --quiet --disable-pip-version-check scikit-learn \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
      scikit-learn
fi
