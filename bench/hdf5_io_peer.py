#!/usr/bin/env python3
"""h5py's side of the HDF5 streaming benchmark when PyTorch is not installed: exactly the io_only
variants of ../shared/bench/hdf5_epoch.py (4096-row slices of X and y, file in page cache, the
file opened inside the timed part), which that script can only run with torch importable. Prints
the same RESULT lines.

Usage: python3 bench/hdf5_io_peer.py DATA_DIR [--reps 3]   (BENCH_PEERS: the peer scripts)"""
import argparse
import os
import sys
import time

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("BENCH_PEERS", os.path.join(HERE, "..", "..", "shared", "bench")))
from _common import data_dir, env_meta, result  # noqa: E402

BS = 4096


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def stream(path):
    t0 = time.perf_counter()
    with h5py.File(path, "r") as f:
        X, y = f["X"], f["y"]
        for i in range(0, X.shape[0], BS):
            X[i:i + BS]
            y[i:i + BS]
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?", default=None)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    dd = a.data or data_dir([])
    env_meta()
    for layout, name in (("chunked", "lin_1m_32.h5"), ("contig", "lin_1m_32_contig.h5")):
        path = os.path.join(dd, name)
        warm(path)
        with h5py.File(path, "r") as f:
            mb = (f["X"].size + f["y"].size) * 8 / 1e6
        secs = [stream(path) for _ in range(a.reps)]
        result(f"hdf5/io_only/{layout}/b4096/1m_32", f"h5py{h5py.__version__}", secs, "s",
               mb_per_s=mb / sorted(secs)[len(secs) // 2])


if __name__ == "__main__":
    main()
