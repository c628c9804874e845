#!/usr/bin/env python3
"""Makes the small example data sets in this folder (already committed; rerun to check them).

    python3 data/make_data.py      (NumPy and h5py; seeded, so the files come out identical)

linear.csv   2000 rows, header x0,x1,x2,y:
             x0 ~ N(0, 1), x1 ~ N(5, 2²), x2 ~ U(0, 100)   (three very different scales)
             y  = 1.5·x0 − 2·x1 + 0.05·x2 + 3 + N(0, 0.1²)
poly.csv     1000 rows, header x,y:
             x ~ U(−2, 2),  y = 1 − 2x + 0.5x² + 0.3x³ + N(0, 0.05²)
linear.h5    4000 rows: /X float64 [4000, 4] in 512-row chunks, gzip level 4; /y float64 [4000]
             X ~ N(0, 1),  y = 2·x0 − 1·x1 + 0.5·x2 + 3·x3 − 1 + N(0, 0.1²)
             attributes on /: true_weights, true_bias

Floats are written in shortest round-trip form (Python's repr), so every value reads back exactly.
"""
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write_csv(path, header, columns):
    with open(path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in zip(*columns):
            f.write(",".join(repr(float(v)) for v in row) + "\n")


def main():
    rng = np.random.default_rng(2026)
    n = 2000
    x0 = rng.standard_normal(n)
    x1 = rng.normal(5, 2, n)
    x2 = rng.uniform(0, 100, n)
    y = 1.5 * x0 - 2 * x1 + 0.05 * x2 + 3 + rng.normal(0, 0.1, n)
    write_csv(os.path.join(HERE, "linear.csv"), ["x0", "x1", "x2", "y"], [x0, x1, x2, y])

    rng = np.random.default_rng(2027)
    n = 1000
    x = rng.uniform(-2, 2, n)
    y = 1 - 2 * x + 0.5 * x**2 + 0.3 * x**3 + rng.normal(0, 0.05, n)
    write_csv(os.path.join(HERE, "poly.csv"), ["x", "y"], [x, y])

    rng = np.random.default_rng(2028)
    n = 4000
    w = np.array([2.0, -1.0, 0.5, 3.0])
    X = rng.standard_normal((n, 4))
    y = X @ w - 1 + rng.normal(0, 0.1, n)
    with h5py.File(os.path.join(HERE, "linear.h5"), "w", track_order=True) as f:
        f.create_dataset("X", data=X, chunks=(512, 4), compression="gzip", compression_opts=4)
        f.create_dataset("y", data=y, chunks=(512,), compression="gzip", compression_opts=4)
        f.attrs["true_weights"] = w
        f.attrs["true_bias"] = -1.0


if __name__ == "__main__":
    main()
