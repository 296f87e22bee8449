"""Benchmark of ``devsim.measure`` on a large team's records (issue 13's scale goal).

Writes Four Keys' three tables for 100,000 deploys and 1,000,000 changes (ten changes per
deploy, two years, 2% failed deploys, 3,000 incidents of which half list change ids, a few
duplicate rows), then measures them in a fresh Python process and prints the wall time of
``measure()`` (reading, the event log, the keys, 1,000 bootstrap resamples and the monthly
trend), the whole command's time, and the process's peak memory (``ru_maxrss``, which
counts everything the process held, the interpreter and pandas included).

Goal: at most 10 s and under 2 GB on 2 cores.

Run::

    .venv/bin/python benchmarks/bench_measure.py            # full size
    .venv/bin/python benchmarks/bench_measure.py --quick    # 1/20 of the size, a few seconds
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

GOAL_S, GOAL_BYTES = 10.0, 2 * 1024 ** 3

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import devsim
t1 = time.perf_counter()
c1 = time.process_time()
m = devsim.measure(sys.argv[1])
t2 = time.perf_counter()
cpu = time.process_time() - c1
text = m.table()
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "measure_s": t2 - t1, "measure_cpu_s": cpu, "table_s": t3 - t2,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "deploys": m.counts["deploys"], "changes": m.counts["changes"],
                  "incidents": m.counts["incidents"], "skipped": int(len(m.records.problems)),
                  "lead_time_hours": m.values["lead_time_hours"],
                  "change_failure_rate": m.values["change_failure_rate"]}))
"""


def write_records(folder: Path, n_deploys: int, changes_per_deploy: int = 10,
                  seed: int = 13) -> dict:
    """Four Keys' tables of a synthetic team (numpy, no loop over rows)."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2023-01-01T00:00:00Z")
    span_h = 2 * 365 * 24.0
    dep_h = np.sort(rng.uniform(0, span_h, n_deploys))
    n_changes = n_deploys * changes_per_deploy
    deploy_of = np.repeat(np.arange(n_deploys), changes_per_deploy)
    lead_h = rng.lognormal(np.log(20), 1.0, n_changes)
    change_h = dep_h[deploy_of] - lead_h
    change_ids = pd.Series(np.arange(n_changes)).map("c{}".format)
    deploy_ids = pd.Series(np.arange(n_deploys)).map("d{}".format)
    iso = lambda h: (t0 + pd.to_timedelta(h, unit="h")).strftime("%Y-%m-%dT%H:%M:%S%z")  # noqa: E731
    lists = change_ids.groupby(deploy_of).agg(";".join)
    failed = rng.random(n_deploys) < 0.02
    deployments = pd.DataFrame({"deploy_id": deploy_ids, "time_created": iso(dep_h),
                                "changes": lists.to_numpy(),
                                "result": np.where(failed, "failure", "success"),
                                "environment": "production"})
    deployments = pd.concat([deployments, deployments.sample(50, random_state=1)])  # duplicates
    deployments.to_csv(folder / "deployments.csv", index=False)
    pd.DataFrame({"change_id": change_ids, "time_created": iso(change_h)}).to_csv(
        folder / "changes.csv", index=False)
    n_inc = 3000
    inc_h = np.sort(rng.uniform(24, span_h, n_inc))
    restore_h = rng.lognormal(np.log(2), 1.0, n_inc)
    linked = np.where(rng.random(n_inc) < 0.5,
                      change_ids.to_numpy()[rng.integers(0, n_changes, n_inc)], "")
    pd.DataFrame({"incident_id": [f"i{i}" for i in range(n_inc)], "time_created": iso(inc_h),
                  "time_resolved": iso(inc_h + restore_h), "changes": linked}).to_csv(
        folder / "incidents.csv", index=False)
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    return {"deploys": n_deploys, "changes": n_changes, "incidents": n_inc, "bytes": sizes}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1/20 of the size")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    n = 5_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        made = write_records(folder, n)
        gen_s = time.perf_counter() - t
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], capture_output=True,
                             text=True, check=True)
        wall = time.perf_counter() - t
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    fig.update(command_s=wall, generate_s=gen_s, made=made)
    peak = fig["maxrss_kib"] * 1024
    print(f"devsim measure benchmark ({'quick' if args.quick else 'full'}), "
          f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')}")
    print(f"  {platform.processor() or platform.machine()} | cores {os.cpu_count()} | load avg "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} | Python {platform.python_version()}"
          f" | pandas {pd.__version__} | numpy {np.__version__}")
    mb = sum(made["bytes"].values()) / 1e6
    print(f"  input: {made['deploys']:,} deploys (+50 duplicate rows), {made['changes']:,} "
          f"changes, {made['incidents']:,} incidents; {mb:,.0f} MB of CSV (written in "
          f"{gen_s:.1f} s)")
    ok_t = fig["measure_s"] <= GOAL_S
    ok_m = peak < GOAL_BYTES
    goal = (lambda ok: "PASS" if ok else "MISS") if not args.quick else (lambda ok: "-")
    print(f"  measure(): {fig['measure_s']:.2f} s wall ({fig['measure_cpu_s']:.2f} s CPU)   goal "
          f"<= {GOAL_S:.0f} s   {goal(ok_t)}")
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    if load > 0.75:
        print(f"  (load average {load:.1f} per core: other work held the cores, so wall time is "
              "inflated; CPU time is what an idle machine would show)")
    print(f"  peak memory of the process: {peak / 2**20:,.0f} MiB   goal < 2048 MiB   "
          f"{goal(ok_m)}")
    print(f"  whole command (start Python, import devsim {fig['import_s']:.2f} s, measure, "
          f"table {fig['table_s']:.2f} s): {wall:.2f} s")
    print(f"  counted: {fig['deploys']:,} deploys, {fig['changes']:,} changes, "
          f"{fig['incidents']:,} incidents; lead time {fig['lead_time_hours']:.1f} h, CFR "
          f"{fig['change_failure_rate']:.3f}")
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=2), encoding="utf-8")
    return fig


if __name__ == "__main__":
    main()
