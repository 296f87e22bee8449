"""How long a learner waits after releasing a sandbox slider.

Measures, for the default one-year ``collaborative`` preset against the ``siloed``
baseline, the time from setting a slider's value (what the browser sends on release) to the
end of the callback: the scenario built, the model run, the metrics, the dashboard drawn and
rendered to the PNG the browser receives. The baseline is cached after the first update, as
in a lesson. Goals (2 cores): median <= 0.5 s with 1 replication, <= 1.5 s with 10.

It also splits the time of an update into model runs and metrics, building the dashboard
figure and rendering it (wall time and this process's CPU time: on a shared machine the CPU
time of a 1-replication update is close to what the wall time would be on an idle one).

Run: ``.venv/bin/python benchmarks/bench_widgets.py [--moves 12] [--skip-10]``
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time

import matplotlib

matplotlib.use("Agg")  # a script: no display; the widgets never import pyplot anyway

from devsim import display, experiment, plots, summarise  # noqa: E402
from devsim.model import run  # noqa: E402
from devsim.widgets import Sandbox  # noqa: E402

GOALS = {1: 0.5, 10: 1.5}
SEED = 2026


def _moves(k: int) -> list[float]:
    # Distinct test-automation shares on the slider grid, away from the preset's 0.8, so
    # every move is a real change (nothing cached on the scenario side).
    grid = [round(0.05 * i, 2) for i in range(21) if round(0.05 * i, 2) != 0.8]
    return [grid[(7 * i) % len(grid)] for i in range(k)]


class _Timer:
    """Wraps the calls one update makes, to split its time (wall and this process's CPU)."""

    def __init__(self):
        self.parts: dict[str, list[float]] = {}

    def wrap(self, owner, attr: str, label: str) -> None:
        inner = getattr(owner, attr)

        def timed(*args, **kwargs):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.parts.setdefault(label, []).append(time.perf_counter() - t0)
                self.parts.setdefault(label + " (cpu)", []).append(time.process_time() - c0)

        setattr(owner, attr, timed)


def measure(n: int, moves: int, dashboard: str = "tiles"
            ) -> tuple[list[float], list[float], dict[str, float], Sandbox]:
    """Wall and CPU seconds from slider release to the end of the callback, per move."""
    box = Sandbox("collaborative", "siloed", n=n, seed=SEED, dashboard=dashboard)
    if not box.status.value.startswith("updated"):
        raise SystemExit(f"sandbox failed to start: {box.status.value}")
    slider = box.controls["test_automation"]
    slider.value = 0.75  # warm-up: pool workers started, caches filled, fonts loaded
    timer = _Timer()
    saved = (experiment.compare, plots.dora_dashboard, display.figure_bundle,
             plots.dora_tiles_html)
    timer.wrap(experiment, "compare", "model runs + metrics (experiment.compare)")
    timer.wrap(plots, "dora_tiles_html", "HTML tiles (plots.dora_tiles_html)")
    timer.wrap(plots, "dora_dashboard", "dashboard figure (plots.dora_dashboard)")
    timer.wrap(display, "figure_bundle", "PNG rendering (savefig)")
    walls, cpus = [], []
    try:
        for v in _moves(moves):
            t0, c0 = time.perf_counter(), time.process_time()
            slider.value = v
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            if not box.status.value.startswith("updated"):
                raise SystemExit(f"update failed: {box.status.value}")
    finally:
        (experiment.compare, plots.dora_dashboard, display.figure_bundle,
         plots.dora_tiles_html) = saved
    parts = {k: sum(v) / len(walls) for k, v in timer.parts.items()}
    return walls, cpus, parts, box


def split_model(scenario, repeats: int = 5) -> dict[str, float]:
    """Median wall seconds of one model run and of its metrics, timed apart."""
    runs, mets = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        log = run(scenario, seed=SEED, replication=0)
        t1 = time.perf_counter()
        summarise(log)
        runs.append(t1 - t0)
        mets.append(time.perf_counter() - t1)
    return {"model.run": statistics.median(runs), "metrics.summarise": statistics.median(mets)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--moves", type=int, default=12, help="slider moves per setting (>= 10)")
    ap.add_argument("--skip-10", action="store_true", help="only measure 1 replication")
    args = ap.parse_args(argv)
    if args.moves < 10:
        ap.error("--moves: give at least 10")

    print("devsim sandbox: slider release -> updated dashboard (HTML tiles, the default; "
          "the figure dashboard rendered to PNG for comparison)")
    print(f"date     {dt.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine  {platform.node()} | {platform.machine()} | {os.cpu_count()} cpus | "
          f"{platform.platform()} | Python {platform.python_version()}")
    try:
        load = os.getloadavg()
        print(f"load     {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min; other jobs "
              "share the machine)")
    except OSError:
        pass
    print("scenario collaborative (one year) vs siloed baseline (cached), seed 2026")
    settings = [(1, "tiles")] + ([] if args.skip_10 else [(10, "tiles")]) + [(1, "figure")]
    missed = False
    for n, dashboard in settings:
        walls, cpus, parts, box = measure(n, args.moves, dashboard)
        med = statistics.median(walls)
        ok = med <= GOALS[n]
        if dashboard == "tiles":
            missed |= not ok
        else:
            print("figure dashboard (Sandbox(..., dashboard='figure')), for comparison:")
        print(f"n={n:<3} median {med:.3f} s  min {min(walls):.3f}  max {max(walls):.3f}  "
              f"over {len(walls)} moves  goal <= {GOALS[n]} s  {'PASS' if ok else 'MISS'}")
        print(f"      this process's CPU per move: median {statistics.median(cpus):.3f} s"
              + ("  (the runs are in pool workers, not counted)" if n > 1 else
                 "  (~ the wall time on an idle machine)"))
        print("      mean per move, wall (cpu):")
        for k in [k for k in parts if not k.endswith("(cpu)")]:
            print(f"        {k:<44} {parts[k]:.3f} s ({parts[k + ' (cpu)']:.3f} s)")
        rest = statistics.mean(walls) - sum(v for k, v in parts.items() if not k.endswith("(cpu)"))
        print(f"        {'rest (controls, status, results table)':<44} {rest:.3f} s")
        if n == 1:
            for k, v in split_model(box.scenario).items():
                print(f"      one {k:<20} {v:.3f} s (median of 5, timed apart)")
    experiment.shutdown()
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
