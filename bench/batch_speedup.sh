#!/usr/bin/env bash
# fit batch's parallel speed-up: the same batch of 8 small runs with --jobs 1 and with --jobs 2,
# wall time of each (median of REPS), and their ratio. Prints RESULT lines like the peers'.
# The runs: configs/linear.json's model and optimizer on lin_100k_16.h5 (100k rows, 16
# features; from gen_data.py), 5 epochs of batch 256, over a grid of 4 learning rates × 2
# micro-batch sizes, with the default checkpointing (every epoch, and the best).
#   bench/batch_speedup.sh FIT_BINARY DATA_DIR [REPS]
set -euo pipefail
FIT=$1
DATA=$2
REPS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
run() {  # jobs -> seconds
  local jobs=$1 start end
  rm -rf "$WORK/out"
  start=$(date +%s.%N)
  "$FIT" batch --config "$ROOT/configs/linear.json" --quiet --jobs "$jobs" --out "$WORK/out" \
    --set "data.path=$DATA/lin_100k_16.h5" --set data.features=null --set data.targets=null \
    --set training.epochs=5 --set training.batchSize=256 --set training.earlyStopping=null \
    --set 'output.checkpointEvery={"epochs": 1}' \
    --grid optimizer.lr=0.05,0.02,0.01,0.005 --grid training.microBatchSize=64,256 >/dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f\n", b - a}' 
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one=$(for _ in $(seq "$REPS"); do run 1; done | median)
two=$(for _ in $(seq "$REPS"); do run 2; done | median)
printf 'RESULT name=batch/8runs/jobs1 impl=fit_swift value=%.4f unit=s min=%.4f max=%.4f n=%d\n' "$one" "$one" "$one" "$REPS"
printf 'RESULT name=batch/8runs/jobs2 impl=fit_swift value=%.4f unit=s min=%.4f max=%.4f n=%d\n' "$two" "$two" "$two" "$REPS"
speedup=$(awk -v a="$one" -v b="$two" 'BEGIN {printf "%.3f", a / b}')
printf 'RESULT name=batch/8runs/speedup_jobs2 impl=fit_swift value=%s unit=x min=%s max=%s n=%d\n' \
  "$speedup" "$speedup" "$speedup" "$REPS"
