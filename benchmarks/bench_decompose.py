"""Time ``devsim.decompose`` at the size a lesson and the projector's debrief use.

Goal (issue "The lessons' claims emerge from mechanisms"): 7 groups, 5 replications, on 2
cores, in at most 30 s. Two organisations that differ in all seven groups of
:data:`devsim.design.DESIGN_GROUPS` give 2**7 = 128 mixtures x 5 replications = 640 runs.

Run: ``.venv/bin/python benchmarks/bench_decompose.py [--repeats 2]``; prints each run's
wall time, the runs per second and the shares of lead time.
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import devsim as ds
from devsim.experiment import shutdown


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("-n", type=int, default=5)
    args = ap.parse_args()
    p = ds.presets()
    a = p["siloed"]
    # collaborative, with the same headcount split differently: all seven groups differ.
    b = replace(p["collaborative"], name="collaborative, 7 devs 1 tester", n_developers=7,
                n_testers=1)
    print(f"devsim.decompose: {a.name} -> {b.name}, n={args.n}, {os.cpu_count()} cores")
    ds.compare([a], n=2, progress=False)  # start the process pool outside the timing
    for i in range(args.repeats):
        t0 = time.perf_counter()
        shares = ds.decompose(a, b, ["lead_time_hours"], n=args.n, progress=False)
        wall = time.perf_counter() - t0
        groups = int((shares["group"] != "total").sum())
        runs = 2 ** groups * args.n
        print(f"run {i + 1}: {groups} groups, {runs} runs in {wall:.1f} s "
              f"({runs / wall:.0f} runs/s); goal <= 30 s: {'met' if wall <= 30 else 'MISSED'}")
    print(shares[["group", "mean", "ci_low", "ci_high"]].round(1).to_string(index=False))
    shutdown()


if __name__ == "__main__":
    main()
