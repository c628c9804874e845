#!/usr/bin/env bash
# make bench: our figures beside the peers' (NumPy, pandas, polars, h5py, and PyTorch where it is
# installed), measured in one run on one machine, since these machines are shared and noisy.
# Prints the RESULT lines as they come, then a table with ratios (scripts/bench_table.py).
#   scripts/bench.sh [DATA_DIR]  — DATA_DIR (about 2.6 GB with the streaming file) must be outside
#   the repository. BENCH_PEERS: the peer scripts (default ../shared/bench); BENCH_OUT: logs.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
DATA=${1:-/tmp/fit-bench-data}
export BENCH_PEERS=${BENCH_PEERS:-$(cd .. && pwd)/shared/bench}
PEERS=$BENCH_PEERS
OUT=${BENCH_OUT:-/tmp/fit-bench-results}
mkdir -p "$DATA" "$OUT"
DATA=$(cd "$DATA" && pwd -P)
case "$DATA/" in "$(pwd -P)/"*) echo "bench: $DATA is inside the repository; pick a folder outside it" >&2; exit 2;; esac
rm -f "$OUT"/*.log "$OUT"/*.err

# Both sides run with OpenBLAS choosing its own kernel, as the peers' RESULTS.md figures were
# measured (this VM's environment pins OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

python3 -c 'import numpy, h5py, pandas, polars, sklearn' 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check numpy h5py pandas polars scikit-learn \
  || exit 1
if [ ! -f "$DATA/meta.json" ]; then
  echo "bench: generating the data in $DATA (about 20 s)" >&2
  python3 "$PEERS/gen_data.py" "$DATA" >&2 || exit 1
fi

swift build -c release --product fit-bench >&2 || exit 1
swift build -c release --product fit >&2 || exit 1
BENCH=$(swift build -c release --show-bin-path)/fit-bench
FIT=$(swift build -c release --show-bin-path)/fit

have_torch=0
python3 -c 'import torch' 2>/dev/null && have_torch=1
impls=numpy; epoch_impls=numpy
if [ $have_torch = 1 ]; then impls=torch1,torch,numpy; epoch_impls=torch,numpy; fi

{
  echo "META date=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources || echo +dirty)"
  echo "META cpu=\"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\" cores=$(nproc) mem_gb=$(free -g | awk '/Mem:/{print $2}') kernel=$(uname -r)"
  echo "META swift=\"$(swift --version 2>&1 | head -1)\" python=$(python3 -c 'import platform; print(platform.python_version())')" \
       "numpy=$(python3 -c 'import numpy; print(numpy.__version__)') torch=$have_torch"
} | tee "$OUT/machine.log"

failed=()
logs=()
run() {
  local name=$1; shift
  echo "### $name: $*" >&2
  logs+=("$OUT/$name.log")
  "$@" 2>"$OUT/$name.err" | tee "$OUT/$name.log"
  local status=${PIPESTATUS[0]}
  if [ "$status" != 0 ]; then failed+=("$name (exit $status, see $OUT/$name.err)"); cat "$OUT/$name.err" >&2; fi
}
# Ours, then the peer on the same data, workload by workload, so drift hits both sides alike.
run fit_step      "$BENCH" step-latency --data "$DATA"
run peer_step     python3 "$PEERS/step_latency.py" --steps 20000 --warmup 2000 --reps 3 --impls "$impls" --dtypes float64
run fit_epoch     "$BENCH" epoch --data "$DATA"
run peer_epoch    python3 "$PEERS/epoch_throughput.py" "$DATA" --reps 3 --impls "$epoch_impls" --dtypes float64
run fit_accum     "$BENCH" accumulation --data "$DATA"
if [ $have_torch = 1 ]; then
  run peer_accum  python3 "$PEERS/accum.py" "$DATA" --steps 200 --reps 3
fi
run fit_adam      "$BENCH" adam-step --data "$DATA"
run fit_csv       "$BENCH" csv --data "$DATA"
run peer_csv      python3 "$PEERS/csv_load.py" "$DATA" --reps 3
run fit_hdf5      "$BENCH" hdf5 --data "$DATA"
if [ $have_torch = 1 ]; then
  run peer_hdf5   python3 "$PEERS/hdf5_epoch.py" "$DATA" --reps 3
else  # the io_only variants of hdf5_epoch.py, which cannot run without torch
  run peer_hdf5   python3 bench/hdf5_io_peer.py "$DATA" --reps 3
fi
run fit_closed    "$BENCH" closed-form --data "$DATA"
run peer_closed   python3 "$PEERS/closed_form.py" "$DATA" --reps 3
run fit_batch     bash bench/batch_speedup.sh "$FIT" "$DATA" 3

echo
python3 scripts/bench_table.py "${logs[@]}" | tee "$OUT/table.md"
[ $have_torch = 1 ] || echo "(PyTorch is not installed: no torch figures, and no peer for accum_*.)"
echo "logs and table: $OUT"
if ((${#failed[@]})); then
  printf 'bench: failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
