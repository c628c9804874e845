#!/usr/bin/env python3
"""Our figures beside the peers' from one `make bench` run: reads RESULT lines from the logs and
prints a markdown table with, per workload, our median, each peer's median and the ratio
(peer ÷ ours for times, ours ÷ peer for rates: above 1 means fit is faster).

Usage: python3 scripts/bench_table.py LOG [LOG ...]"""
import sys

OURS = "fit_swift"
RATES = ("rows/s", "MB/s", "GB/s", "GFLOP/s")


def parse(line):
    kv = {}
    for token in line.split()[1:]:
        key, _, value = token.partition("=")
        kv[key] = value
    return kv


def main():
    rows = []
    for path in sys.argv[1:]:
        for line in open(path):
            if line.startswith("RESULT "):
                rows.append(parse(line))
    ours = {r["name"]: r for r in rows if r["impl"] == OURS}
    print("| workload | fit (Swift) | peer | peer figure | ratio (>1: fit faster) |")
    print("|---|---:|---|---:|---:|")
    for name, mine in ours.items():
        peers = [r for r in rows if r["name"] == name and r["impl"] != OURS]
        extra = mine.get("note", "")
        if not peers:
            print(f"| {name} | {mine['value']} {mine['unit']} | (no peer in this run) | | {extra} |")
            continue
        for peer in peers:
            a, b = float(mine["value"]), float(peer["value"])
            ratio = (a / b) if mine["unit"] in RATES else (b / a)
            print(f"| {name} | {mine['value']} {mine['unit']} | {peer['impl']} | "
                  f"{peer['value']} {peer['unit']} | {ratio:.2f}× |")


if __name__ == "__main__":
    main()
