#!/usr/bin/env bash
# make bench: our figures beside the peers' (NumPy, and PyTorch where installed), measured in one
# run on one machine, since these machines are shared and noisy. Prints RESULT lines and a table.
#   scripts/bench.sh [DATA_DIR] — DATA_DIR must be outside the repository (about 1.5 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-/tmp/fit-bench-data}
PEERS=${BENCH_PEERS:-$(cd .. && pwd)/shared/bench}
OUT=${BENCH_OUT:-/tmp/fit-bench-results}
mkdir -p "$DATA" "$OUT"
rm -f "$OUT"/*.log

python3 -c 'import numpy, h5py, pandas, polars, sklearn' 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check numpy h5py pandas polars scikit-learn
[ -f "$DATA/meta.json" ] || python3 "$PEERS/gen_data.py" "$DATA"

swift build -c release --product fit-bench
BENCH=$(swift build -c release --show-bin-path)/fit-bench

impls=numpy
torch_impls=numpy
if python3 -c 'import torch' 2>/dev/null; then torch_impls=torch,numpy; impls=torch1,torch,numpy; fi

run() { local name=$1; shift; echo "### $name: $*" >&2; "$@" 2>"$OUT/$name.err" | tee "$OUT/$name.log"; }
# Ours first, then each peer on the same data, alternating so drift hits both sides alike.
run fit_step      "$BENCH" step-latency --data "$DATA"
run peer_step     python3 "$PEERS/step_latency.py" --steps 20000 --warmup 2000 --reps 3 --impls "$impls" --dtypes float64
run fit_epoch     "$BENCH" epoch --data "$DATA"
run peer_epoch    python3 "$PEERS/epoch_throughput.py" "$DATA" --reps 3 --impls "$torch_impls" --dtypes float64
run fit_accum     "$BENCH" accumulation --data "$DATA"
run fit_adam      "$BENCH" adam-step --data "$DATA"
run fit_csv       "$BENCH" csv --data "$DATA"
run peer_csv      python3 "$PEERS/csv_load.py" "$DATA" --reps 3
run fit_hdf5      "$BENCH" hdf5 --data "$DATA"
if python3 -c 'import torch' 2>/dev/null; then
  run peer_hdf5   python3 "$PEERS/hdf5_epoch.py" "$DATA" --reps 3
else  # the same h5py reads as hdf5_epoch.py's io_only variants, without its torch import
  run peer_hdf5   python3 bench/hdf5_io_peer.py "$DATA" --reps 3
fi
run fit_closed    "$BENCH" closed-form --data "$DATA"
run peer_closed   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "$PEERS/closed_form.py" "$DATA" --reps 3
python3 scripts/bench_table.py "$OUT"/*.log
