#!/usr/bin/env python3
"""Our figures beside the peers' from one `make bench` run.

Reads the RESULT lines of the logs and prints a markdown table: per workload, each of our
implementations (impl=fit_swift, and variants named fit_swift_*) against each peer line of the
same name, with the ratio oriented so that above 1 means fit is better (peer ÷ ours for times,
sizes and errors; ours ÷ peer for rates), our extras (werr, exact, bound, ...) and, where the
issue set one, the aim and whether this run met it.

Usage: python3 scripts/bench_table.py LOG [LOG ...]
"""
import sys

OURS = "fit_swift"
RATES = {"rows/s", "MB/s", "GB/s", "GFLOP/s"}
LOWER_IS_BETTER = {"s", "s/epoch", "us/step", "ms/eff_step", "ns/param", "MB"}
STANDARD = ("name", "impl", "value", "unit", "min", "max", "n")

# (name prefix, peer impl prefix or None, test, label): the aims of the issues.
AIMS = [
    ("step_latency/", "numpy_manual", lambda ours, peer, r: r >= 5, "≥5× numpy"),
    ("epoch/sgd/float64/b256/", "numpy_manual", lambda ours, peer, r: ours <= 0.025 and r >= 3,
     "≤0.025 s and ≥3× numpy"),
    ("epoch/sgd/", None, lambda ours, peer, r: ours <= 0.025, "≤0.025 s"),
    ("csv_load/", "pandas", lambda ours, peer, r: r >= 1.2, "≥1.2× pandas"),
    ("hdf5/io_only/", "h5py", lambda ours, peer, r: r >= 1.0, "≥1× h5py"),
    ("optim/adam_step/", None, None, "≤2× the memory-traffic bound (see ratio_to_bound)"),
    ("batch/8runs/speedup_jobs2", None, lambda ours, peer, r: ours >= 1.8, "≥1.8× with 2 jobs"),
]


def parse(line):
    kv = {}
    for token in line.split()[1:]:
        key, _, value = token.partition("=")
        kv[key] = value
    return kv


def is_ours(row):
    return row["impl"] == OURS or row["impl"].startswith(OURS + "_")


def ratio(mine, peer):
    a, b = float(mine["value"]), float(peer["value"])
    if mine["unit"] != peer["unit"] or a == 0 or b == 0:
        return None
    if mine["unit"] in RATES:
        return a / b
    if mine["unit"] in LOWER_IS_BETTER:
        return b / a
    return None


def aim(mine, peer, r):
    if mine["impl"] != OURS:  # the aims are for fit's own path, not the diagnostic variants
        return ""
    for prefix, peer_prefix, test, label in AIMS:
        if not mine["name"].startswith(prefix):
            continue
        if peer_prefix is None:
            if test is None:
                return label
            return f"{label}: {'met' if test(float(mine['value']), None, None) else 'missed'}"
        if peer is None or not peer["impl"].startswith(peer_prefix):
            return ""
        if r is None:
            return label
        return f"{label}: {'met' if test(float(mine['value']), float(peer['value']), r) else 'missed'}"
    return ""


def main():
    rows = []
    for path in sys.argv[1:]:
        with open(path) as f:
            rows += [parse(line) for line in f if line.startswith("RESULT ")]
    names = []
    for r in rows:
        if is_ours(r) and r["name"] not in names:
            names.append(r["name"])
    print("| workload | fit impl | fit | peer | peer figure | ratio (>1: fit better) | aim | fit extras |")
    print("|---|---|---:|---|---:|---:|---|---|")
    for name in names:
        peers = [r for r in rows if r["name"] == name and not is_ours(r)]
        for mine in [r for r in rows if r["name"] == name and is_ours(r)]:
            extras = " ".join(f"{k}={v}" for k, v in mine.items() if k not in STANDARD)
            figure = f"{mine['value']} {mine['unit']}"
            if not peers:
                print(f"| {name} | {mine['impl']} | {figure} | (no peer in this run) | | | "
                      f"{aim(mine, None, None)} | {extras} |")
            for peer in peers:
                r = ratio(mine, peer)
                print(f"| {name} | {mine['impl']} | {figure} | {peer['impl']} | "
                      f"{peer['value']} {peer['unit']} | {'' if r is None else f'{r:.2f}×'} | "
                      f"{aim(mine, peer, r)} | {extras} |")


if __name__ == "__main__":
    main()
