"""Benchmark of the devsim model: prints figures next to their goals (never a timed test).

Five measurements, taken side by side in one run so that they share the machine's state:

(a) wall time of one simulated year (``horizon_days=365``) of every preset, median over
    replications 0..n-1, with the number of SimPy events and changes per run;
(b) SimPy events per second of the model as a ratio to a bare SimPy program with the same
    arrivals and the same number of stage visits per change (request, timeout, release on a
    ``simpy.Resource`` per stage); model and bare runs alternate (A B A B ...) so that
    machine noise hits both, and the ratio is the median of the per-pair ratios;
(c) 30 replications (run + :func:`devsim.summarise`, as an experiment does) in this
    process versus a 2-process ``ProcessPoolExecutor``, warmed up first, and again with the
    pool's start-up included;
(d) scale: 10x the arrivals and 10x every headcount (and product team count) versus the
    original scenario;
(e) growth: run time against the changes per run (arrival rate x horizon, 1, 2, 4 and 8
    times the preset's year, grown by horizon and by arrival rate with headcount in step)
    and against headcount and product teams at a fixed demand, with the fitted cost per
    1,000 changes, the cost :func:`devsim.experiment.estimate_seconds` predicts, and one
    simulated year of the largest organisation the Scenario allows (500 developers in 50
    teams, 200 changes a day) extrapolated to its 10-year horizon.

Events are counted on a separate run of the same (scenario, seed, replication), with
``env.step`` wrapped on that run's environment only, so timed runs carry no counting
overhead; runs are deterministic, so the count is that of the timed run. The model's
events per second use the whole :func:`devsim.run` (set-up, simulation, item table).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_model.py             # full run, about two minutes
    .venv/bin/python benchmarks/bench_model.py --quick     # smoke mode, a few seconds
    .venv/bin/python benchmarks/bench_model.py --json out.json --profile

``--profile`` adds a cProfile of five collaborative years (top 25 by own time). The exit
status is 0 whatever the figures: goals are reported, not enforced, because a shared
machine makes wall time too noisy to fail a build on.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import gc
import io
import json
import os
import platform
import pstats
import random
import statistics
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import replace
from pathlib import Path

import simpy

import devsim
from devsim.experiment import _one as _replication_task
from devsim.model import _Model, _teams
from devsim.valuestream import VALUE_STREAM

SEED = 2026
HOURS_PER_DAY = 24.0

GOAL_YEAR_MS = 100.0          # (a) at most, per simulated year of a preset
GOAL_EVENT_RATIO = 0.7        # (b) at least, model events/s over bare SimPy events/s
GOAL_SPEEDUP = 1.7            # (c) at least, 2 processes over serial
GOAL_SCALE_RATIO = 11.0       # (d) at most, time of the x10 scenario over the original
SCALE = 10

FULL = dict(reps=7, horizon_days=365.0, n_parallel=30, parallel_rounds=3, scale_pairs=3,
            scale_presets=("siloed", "collaborative"), scale_horizon_days=365.0,
            growth_reps=3, growth_presets=("siloed", "collaborative"), growth_days=365.0,
            growth=(1, 2, 4, 8), headcount=(1, 2, 5, 10), large_days=365.0)
# Smoke mode runs every code path on short horizons; its figures are not held to the goals.
QUICK = dict(reps=1, horizon_days=60.0, n_parallel=4, parallel_rounds=1, scale_pairs=1,
             scale_presets=("collaborative",), scale_horizon_days=60.0,
             growth_reps=1, growth_presets=("collaborative",), growth_days=30.0,
             growth=(1, 2), headcount=(1, 2), large_days=2.0)


# --- measurement helpers -------------------------------------------------------------------

def _timed(fn, *args, **kwargs):
    """(seconds, result) of one call; a collection first so no earlier garbage is paid for."""
    return _timed_cpu(fn, *args, **kwargs)[::2]


def _timed_cpu(fn, *args, **kwargs):
    """(wall seconds, CPU seconds of this process, result) of one call.

    CPU time leaves out the time other programs held the core, so on a busy machine it is
    the steadier of the two; the goals are on wall time.
    """
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, time.process_time() - c0, out


def _count_steps(env: simpy.Environment, until: float) -> int:
    """Run ``env`` to ``until`` and return how many events it processed."""
    n = 0
    step = env.step

    def counting_step():
        nonlocal n
        n += 1
        step()

    env.step = counting_step  # on this instance only: other environments are untouched
    env.run(until=until)
    return n


def _model_events(scenario, seed: int, replication: int) -> tuple[int, int, int]:
    """(events, changes, stage visits) of one run, counted on a separate, identical run."""
    model = _Model(scenario, seed, replication, VALUE_STREAM)
    n = _count_steps(model.env, scenario.horizon_days * HOURS_PER_DAY)
    model.finish()
    return n, len(model.log.item_rows), len(model.log.stage_rows)


def _bare_env(n_stages: int, arrivals_per_hour: float, capacity: int, horizon_hours: float,
              seed: int, preemptive: bool = False, visits: list | None = None) -> simpy.Environment:
    """A bare SimPy flow: Poisson arrivals, each item visits ``n_stages`` resources in turn.

    Service times are exponential with a mean that keeps every stage half busy, so queues
    form but stay stable, as in the model. ``visits[0]`` counts finished stage visits.
    """
    env = simpy.Environment()
    rnd = random.Random(seed)
    kind = simpy.PreemptiveResource if preemptive else simpy.Resource
    stages = [kind(env, capacity=capacity) for _ in range(n_stages)]
    service_rate = arrivals_per_hour / (0.5 * capacity)

    def item():
        for res in stages:
            req = res.request(priority=1) if preemptive else res.request()
            yield req
            yield env.timeout(rnd.expovariate(service_rate))
            res.release(req)
            if visits is not None:  # only on the counting run; one test per visit otherwise
                visits[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rnd.expovariate(arrivals_per_hour))
            env.process(item())

    env.process(arrivals())
    return env


def _bare_run(spec: dict, seed: int, preemptive: bool = False) -> None:
    env = _bare_env(seed=seed, preemptive=preemptive, **spec)
    env.run(until=spec["horizon_hours"])


def _bare_events(spec: dict, seed: int, preemptive: bool = False) -> tuple[int, int]:
    """(events, stage visits) of one bare run."""
    visits = [0]
    env = _bare_env(seed=seed, preemptive=preemptive, visits=visits, **spec)
    return _count_steps(env, spec["horizon_hours"]), visits[0]


def _median(values) -> float:
    return statistics.median(values) if values else float("nan")


def _verdict(value: float, goal: float, at_most: bool) -> str:
    ok = value <= goal if at_most else value >= goal
    return "PASS" if ok else "MISS"


def _with_horizon(s, days: float):
    """``s`` run for ``days`` (the preset's warm-up, cut to a quarter of a short run)."""
    return replace(s, horizon_days=days, warmup_days=min(s.warmup_days, days / 4))


def _scaled(s, k: int = SCALE):
    """``s`` with k times the arrivals and k times every headcount (and product teams)."""
    kw = dict(arrival_rate_per_day=s.arrival_rate_per_day * k, n_developers=s.n_developers * k,
              n_testers=s.n_testers * k, n_ops=s.n_ops * k, n_security=s.n_security * k)
    if s.organisation == "collaborative":
        kw["n_teams"] = s.n_teams * k
    if s.wip_limit > 0:
        kw["wip_limit"] = s.wip_limit * k
    return replace(s, name=f"{s.name} x{k}", **kw)


# --- the machine ---------------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_revision() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                             capture_output=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                "devsim"], cwd=root,
                               text=True, capture_output=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{rev or 'unknown'}{' + uncommitted devsim changes' if dirty else ''}"


def _load() -> str:
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "n/a"


def machine() -> dict:
    """Date, CPU, cores and versions, to paste next to the figures."""
    import numpy
    import pandas

    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return dict(date=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                cpu=_cpu_model(), processor=platform.processor() or "(empty)",
                cores=os.cpu_count(), usable_cores=affinity, load_start=_load(),
                python=platform.python_version(), simpy=simpy.__version__,
                numpy=numpy.__version__, pandas=pandas.__version__, devsim=_git_revision(),
                platform=platform.platform())


# --- (a) and (b): one year per preset, and events/s against bare SimPy -------------------------

def bench_presets(reps: int, horizon_days: float = 365.0, out=print) -> dict:
    """(a) one simulated year per preset and (b) events/s ratio to bare SimPy, interleaved.

    Every figure is kept in wall time (the goals) and in CPU time of this process (the
    steadier one on a busy machine).
    """
    results = {}
    for name, preset in devsim.presets().items():
        s = _with_horizon(preset, horizon_days)
        horizon = s.horizon_days * HOURS_PER_DAY
        wall = {"model": [], "bare": [], "pre": [], "metrics": []}
        cpu = {"model": [], "bare": [], "pre": [], "metrics": []}
        events, items, visits, bare_ev, bare_visits, pre_ev = [], [], [], [], [], []
        for rep in range(reps):
            n_ev, n_items, n_visits = _model_events(s, SEED, rep)
            spec = dict(n_stages=max(1, round(n_visits / max(n_items, 1))),
                        arrivals_per_hour=s.arrival_rate_per_day / HOURS_PER_DAY,
                        capacity=max(_teams(s).values()), horizon_hours=horizon)
            bare_seed = SEED * 1000 + rep
            b_ev, b_visits = _bare_events(spec, bare_seed)
            p_ev, _ = _bare_events(spec, bare_seed, preemptive=True)
            events.append(n_ev)
            items.append(n_items)
            visits.append(n_visits)
            bare_ev.append(b_ev)
            bare_visits.append(b_visits)
            pre_ev.append(p_ev)
            # A B C, A B C ...: model, bare, bare on PreemptiveResource, then the metrics.
            for key, fn, args in (("model", devsim.run, (s, SEED, rep)),
                                  ("bare", _bare_run, (spec, bare_seed)),
                                  ("pre", _bare_run, (spec, bare_seed, True))):
                w, c, res = _timed_cpu(fn, *args)
                wall[key].append(w)
                cpu[key].append(c)
                if key == "model":
                    log = res
            w, c, _ = _timed_cpu(devsim.summarise, log)
            wall["metrics"].append(w)
            cpu["metrics"].append(c)
            if len(log.stage_rows) != n_visits:
                out(f"  warning: {name} rep {rep}: the counted run differs from the timed run")

        def ratio(times, num, den_key, den):
            """Median over pairs of (model rate) / (bare rate), rates = count / time."""
            return _median([(a / ta) / (b / tb) for a, ta, b, tb
                            in zip(num, times["model"], den, times[den_key])])

        results[name] = dict(
            reps=reps, events=round(_median(events)), changes=round(_median(items)),
            stage_visits=round(_median(visits)), n_stages=spec["n_stages"],
            bare_events=round(_median(bare_ev)),
            year_ms=_median(wall["model"]) * 1e3, year_ms_min=min(wall["model"]) * 1e3,
            year_ms_max=max(wall["model"]) * 1e3, year_cpu_ms=_median(cpu["model"]) * 1e3,
            summarise_ms=_median(wall["metrics"]) * 1e3,
            summarise_cpu_ms=_median(cpu["metrics"]) * 1e3,
            model_events_per_s=_median([e / t for e, t in zip(events, wall["model"])]),
            bare_events_per_s=_median([e / t for e, t in zip(bare_ev, wall["bare"])]),
            bare_preemptive_events_per_s=_median([e / t for e, t in zip(pre_ev, wall["pre"])]),
            event_ratio=ratio(wall, events, "bare", bare_ev),
            event_ratio_cpu=ratio(cpu, events, "bare", bare_ev),
            event_ratio_vs_preemptive=ratio(wall, events, "pre", pre_ev),
            visit_ratio=ratio(wall, visits, "bare", bare_visits),
            visit_ratio_cpu=ratio(cpu, visits, "bare", bare_visits))
    return results


# --- (c) serial versus two processes --------------------------------------------------------

def _warm_up(pool: ProcessPoolExecutor) -> None:
    """Start both workers and run devsim once in each, so timing starts with a ready pool."""
    wait([pool.submit(time.sleep, 0.2) for _ in range(2)])
    short = replace(devsim.presets()["collaborative"], horizon_days=20.0, warmup_days=5.0)
    wait([pool.submit(_replication_task, (short, SEED, r)) for r in range(2)])


def _cpu_seconds(pids) -> float:
    """User + system CPU seconds used so far by the processes ``pids`` (Linux; else NaN)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def bench_parallel(n: int, rounds: int, preset: str = "collaborative") -> dict:
    """(c) ``n`` replications serial, on a warm 2-process pool, and on a cold one.

    The CPU share (CPU seconds the runs got per wall second, per process) shows how much of
    the machine other work took: 1.0 means a whole core each.
    """
    s = devsim.presets()[preset]
    serial, warm, cold, share_serial, share_warm = [], [], [], [], []
    identical = True
    for _ in range(rounds):
        t, serial_cpu, ref = _timed_cpu(devsim.replicate, s, n=n, seed=SEED, executor="serial",
                                        progress=False)
        share_serial.append(serial_cpu / t)
        serial.append(t)
        with ProcessPoolExecutor(2) as pool:
            _warm_up(pool)
            pids = list(pool._processes)  # private, but only read, for the CPU share
            c0 = _cpu_seconds(pids)
            t, res = _timed(devsim.replicate, s, n=n, seed=SEED, executor=pool, progress=False)
            share_warm.append((_cpu_seconds(pids) - c0) / t / len(pids))
            warm.append(t)
        identical = identical and res.frame.equals(ref.frame)

        def cold_run():
            with ProcessPoolExecutor(2) as pool:
                return devsim.replicate(s, n=n, seed=SEED, executor=pool, progress=False)

        t, _ = _timed(cold_run)
        cold.append(t)
    speedups = [a / b for a, b in zip(serial, warm)]
    speedups_cold = [a / b for a, b in zip(serial, cold)]
    return dict(preset=preset, n=n, rounds=rounds, serial_s=_median(serial),
                warm_s=_median(warm), cold_s=_median(cold), speedup=_median(speedups),
                speedup_cold=_median(speedups_cold),
                identical=identical, cpu_share_serial=_median(share_serial),
                cpu_share_workers=_median(share_warm))


# --- (d) scale ---------------------------------------------------------------------------

def bench_scale(presets: tuple, pairs: int, horizon_days: float) -> dict:
    """(d) the x10 scenario against the original, alternating, median of ``pairs``."""
    out = {}
    for name in presets:
        base = _with_horizon(devsim.presets()[name], horizon_days)
        big = _scaled(base)
        ev_base, _, _ = _model_events(base, SEED, 0)
        ev_big, _, _ = _model_events(big, SEED, 0)
        runs = {"base": [], "big": []}
        for _ in range(pairs):
            runs["base"].append(_timed_cpu(devsim.run, base, SEED, 0)[:2])
            runs["big"].append(_timed_cpu(devsim.run, big, SEED, 0)[:2])
        wall_ratio = _median([b[0] / a[0] for a, b in zip(runs["base"], runs["big"])])
        cpu_ratio = _median([b[1] / a[1] for a, b in zip(runs["base"], runs["big"])])
        out[name] = dict(horizon_days=horizon_days, pairs=pairs,
                         base_ms=_median([w for w, _ in runs["base"]]) * 1e3,
                         scaled_ms=_median([w for w, _ in runs["big"]]) * 1e3,
                         time_ratio=wall_ratio, time_ratio_cpu=cpu_ratio,
                         events_base=ev_base, events_scaled=ev_big, event_ratio=ev_big / ev_base,
                         cost_per_event_ratio=cpu_ratio / (ev_big / ev_base))
    return out


# --- (e) growth ---------------------------------------------------------------------------

def _headcount(s, k: int):
    """``s`` with k times every headcount and product team (capped at the fields' maxima)."""
    from devsim.scenario import field_info

    info = field_info()
    kw = {f: min(getattr(s, f) * k, int(info[f]["max"]))
          for f in ("n_developers", "n_testers", "n_ops", "n_security")}
    if s.organisation == "collaborative":
        kw["n_teams"] = min(s.n_teams * k, int(info["n_teams"]["max"]))
    return replace(s, name=f"{s.name} people x{k}", **kw)


def large_scenario(days: float = 3650.0):
    """The largest organisation the Scenario allows, as issue 14 measured it: the
    collaborative preset with 500 developers in 50 product teams and 200 changes a day."""
    base = devsim.presets()["collaborative"]
    return replace(base, name="large", n_developers=500, n_teams=50, arrival_rate_per_day=200.0,
                   horizon_days=days, warmup_days=min(base.warmup_days, days / 4))


def _fit_per_change(rows) -> float:
    """Seconds per change, least squares through the origin of time against changes."""
    num = sum(r["changes"] * r["cpu_s"] for r in rows)
    den = sum(r["changes"] ** 2 for r in rows)
    return num / den if den else float("nan")


def bench_growth(presets: tuple, reps: int, days: float, growth: tuple, headcount: tuple,
                 large_days: float) -> dict:
    """(e) run time against changes per run and against headcount, median of ``reps``.

    Changes per run grow by ``growth`` two ways: the horizon (same organisation, longer) and
    the arrival rate with every headcount in step (same load, bigger organisation).
    Headcount grows by ``headcount`` at the preset's demand. Variants of one preset run in
    rounds (A B C ..., A B C ...) so that machine noise hits them alike.
    """
    from devsim.experiment import estimate_seconds

    out = {}
    for name in presets:
        base = _with_horizon(devsim.presets()[name], days)
        variants = []
        for k in growth:
            variants.append(("horizon", k, _with_horizon(base, days * k)))
        for k in growth[1:]:
            variants.append(("rate+people", k, _scaled(base, k)))
        for k in headcount[1:]:
            variants.append(("people", k, _headcount(base, k)))
        times = {i: ([], []) for i in range(len(variants))}
        changes = {}
        for rep in range(reps):
            for i, (_, _, s) in enumerate(variants):
                w, c, log = _timed_cpu(devsim.run, s, SEED, rep)
                times[i][0].append(w)
                times[i][1].append(c)
                changes.setdefault(i, len(log.item_rows))
        rows = []
        for i, (how, k, s) in enumerate(variants):
            rows.append(dict(how=how, k=k, days=s.horizon_days, rate=s.arrival_rate_per_day,
                             headcount=s.headcount, teams=s.n_teams, changes=changes[i],
                             wall_s=_median(times[i][0]), cpu_s=_median(times[i][1]),
                             estimate_s=estimate_seconds(s)))
        ref = rows[0]
        for r in rows:
            r["time_x"] = r["cpu_s"] / ref["cpu_s"]
            r["changes_x"] = r["changes"] / ref["changes"]
            r["ms_per_1000"] = r["cpu_s"] / r["changes"] * 1e6 if r["changes"] else float("nan")
        demand = [r for r in rows if r["how"] != "people"]
        out[name] = dict(rows=rows, s_per_change=_fit_per_change(demand))
    big = large_scenario(large_days)
    w, c, log = _timed_cpu(devsim.run, big, SEED, 0)
    n = len(log.item_rows)
    full = large_scenario()
    out["large"] = dict(days=large_days, wall_s=w, cpu_s=c, changes=n, headcount=big.headcount,
                        ms_per_1000=c / n * 1e6 if n else float("nan"),
                        estimate_s=estimate_seconds(big),
                        full_days=full.horizon_days, full_estimate_s=estimate_seconds(full),
                        full_extrapolated_s=c * full.horizon_days / large_days)
    return out


# --- profile ---------------------------------------------------------------------------

def profile(preset: str = "collaborative", top: int = 25, reps: int = 5) -> str:
    """cProfile of ``reps`` simulated years of ``preset``: the ``top`` functions by own time.

    Timed in CPU seconds and over several replications, so that a pause of the process (a
    busy machine) does not put an innocent function at the top.
    """
    s = devsim.presets()[preset]
    prof = cProfile.Profile(time.process_time)
    gc.collect()
    for rep in range(reps):
        prof.enable()
        devsim.run(s, SEED, rep)
        prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# --- report ----------------------------------------------------------------------------

def _report_a_to_d(figures: dict, cfg: dict, p, _both) -> None:
    """The lines of (a) to (d)."""
    pre = figures["presets"]
    p("")
    what = ("one simulated year (365 days)" if cfg["horizon_days"] == 365.0
            else f"{cfg['horizon_days']:.0f} simulated days")
    p(f"(a) {what} per preset, median of {cfg['reps']} replication(s); "
      f"goal <= {GOAL_YEAR_MS:.0f} ms a year")
    p(f"  {'preset':<18}{'wall ms':>8}{'min-max':>10}{'CPU ms':>8}{'events':>8}{'changes':>8}"
      f"{'summarise ms wall/CPU':>23}   goal")
    for name, r in pre.items():
        span = f"{r['year_ms_min']:.0f}-{r['year_ms_max']:.0f}"
        verdict = _both(_verdict(r["year_ms"], GOAL_YEAR_MS, True),
                        _verdict(r["year_cpu_ms"], GOAL_YEAR_MS, True))
        summ = f"{r['summarise_ms']:.0f}/{r['summarise_cpu_ms']:.0f}"
        p(f"  {name:<18}{r['year_ms']:>8.1f}{span:>10}{r['year_cpu_ms']:>8.1f}{r['events']:>8}"
          f"{r['changes']:>8}{summ:>23}   {verdict}")
    p("")
    p(f"(b) events/s, model vs bare SimPy (same arrivals, same stage visits per change, "
      f"request/timeout/release on Resources), median of {cfg['reps']} interleaved pair(s); "
      f"goal ratio >= {GOAL_EVENT_RATIO}")
    p(f"  {'preset':<18}{'stages':>7}{'model ev/s':>11}{'bare ev/s':>10}{'ratio':>6}"
      f"{'CPU ratio':>10}   {'goal':<17}| stage visits/s ratio; vs PreemptiveResource")
    for name, r in pre.items():
        verdict = _both(_verdict(r["event_ratio"], GOAL_EVENT_RATIO, False),
                        _verdict(r["event_ratio_cpu"], GOAL_EVENT_RATIO, False))
        p(f"  {name:<18}{r['n_stages']:>7}{r['model_events_per_s']:>11,.0f}"
          f"{r['bare_events_per_s']:>10,.0f}{r['event_ratio']:>6.2f}{r['event_ratio_cpu']:>10.2f}"
          f"   {verdict:<17}| {r['visit_ratio']:.2f} (CPU {r['visit_ratio_cpu']:.2f}); "
          f"{r['event_ratio_vs_preemptive']:.2f}")
    ev_per_visit = _median([r["events"] / r["stage_visits"] for r in pre.values()])
    p(f"  (the model spends {ev_per_visit:.1f} events per stage visit, the bare loop about 3: "
      "a ratio of stage visits/s compares the same work)")

    par = figures["parallel"]
    p("")
    p(f"(c) {par['n']} replications of {par['preset']} (run + summarise), median of "
      f"{par['rounds']} round(s); goal speed-up >= {GOAL_SPEEDUP}x")
    p(f"  serial                          {par['serial_s']:7.2f} s   (CPU share "
      f"{par['cpu_share_serial']:.2f} of a core)")
    p(f"  2 processes, warm pool          {par['warm_s']:7.2f} s   speed-up {par['speedup']:.2f}x"
      f"   {_both(_verdict(par['speedup'], GOAL_SPEEDUP, False))}   (CPU share "
      f"{par['cpu_share_workers']:.2f} of a core per worker)")
    p(f"  2 processes, start-up included  {par['cold_s']:7.2f} s   speed-up "
      f"{par['speedup_cold']:.2f}x   (info: pool start-up and shutdown in the time)")
    p(f"  parallel results identical to serial: {'yes' if par['identical'] else 'NO'}")

    sc = figures["scale"]
    p("")
    p(f"(d) scale: x{SCALE} arrivals and x{SCALE} headcount (and product teams), "
      f"{cfg['scale_horizon_days']:.0f} days, median of {cfg['scale_pairs']} pair(s); "
      f"goal time ratio <= {GOAL_SCALE_RATIO:.0f}x")
    p(f"  {'preset':<18}{'base ms':>8}{f'x{SCALE} ms':>8}{'events x':>9}{'time x':>7}"
      f"{'CPU x':>6}{'CPU/event x':>12}   goal")
    for name, r in sc.items():
        verdict = _both(_verdict(r["time_ratio"], GOAL_SCALE_RATIO, True),
                        _verdict(r["time_ratio_cpu"], GOAL_SCALE_RATIO, True))
        p(f"  {name:<18}{r['base_ms']:>8.0f}{r['scaled_ms']:>8.0f}{r['event_ratio']:>9.1f}"
          f"{r['time_ratio']:>7.1f}{r['time_ratio_cpu']:>6.1f}{r['cost_per_event_ratio']:>12.2f}"
          f"   {verdict}")


def report(figures: dict, p=print) -> None:
    """Print the figures of :func:`main` as a compact text report."""
    info, cfg = figures["machine"], figures["config"]
    smoke = figures["quick"]

    def _both(wall_verdict: str, cpu_verdict: str = "") -> str:
        if smoke:
            return "-"
        if cpu_verdict and cpu_verdict != wall_verdict:
            return f"{wall_verdict} (CPU: {cpu_verdict})"
        return wall_verdict

    p(f"devsim model benchmark ({'quick smoke mode' if figures['quick'] else 'full'}), "
      f"{info['date']}")
    p(f"  CPU {info['cpu']} | processor() {info['processor']} | cores {info['cores']} "
      f"(usable {info['usable_cores']}) | load avg {info['load_start']} at start, "
      f"{info['load_end']} at end")
    p(f"  Python {info['python']} | SimPy {info['simpy']} | numpy {info['numpy']} | "
      f"pandas {info['pandas']} | devsim at {info['devsim']}")
    load = float(info["load_start"].split()[0]) if info["load_start"] != "n/a" else 0.0
    if smoke:
        p("  quick smoke mode: short runs, figures not held to the goals")
    if load > (info["usable_cores"] or 1) * 0.75:
        p("  note: the machine was busy, so wall times are inflated; CPU columns (time this "
          "process ran) are steadier")

    if "presets" in figures:  # not with --growth-only
        _report_a_to_d(figures, cfg, p, _both)
    gr = figures["growth"]
    p("")
    p(f"(e) growth, CPU time of one run (median of {cfg['growth_reps']}), x = ratio to the "
      f"preset's {cfg['growth_days']:.0f} days; estimate = experiment.estimate_seconds")
    p(f"  {'preset':<14}{'grown by':<12}{'k':>3}{'days':>6}{'/day':>6}{'people':>7}{'teams':>6}"
      f"{'changes':>9}{'changes x':>10}{'CPU s':>8}{'time x':>7}{'ms/1000':>8}{'estimate s':>11}")
    for name, g in gr.items():
        if name == "large":
            continue
        for r in g["rows"]:
            p(f"  {name:<14}{r['how']:<12}{r['k']:>3}{r['days']:>6.0f}{r['rate']:>6g}"
              f"{r['headcount']:>7}{r['teams']:>6}{r['changes']:>9,}{r['changes_x']:>10.1f}"
              f"{r['cpu_s']:>8.2f}{r['time_x']:>7.1f}{r['ms_per_1000']:>8.0f}"
              f"{r['estimate_s']:>11.2f}")
        p(f"  {name}: fitted cost {g['s_per_change'] * 1e6:.0f} ms per 1,000 changes "
          "(time against changes, through the origin, demand rows)")
    lg = gr["large"]
    p(f"  large (500 developers in 50 teams, {lg['headcount']} people, 200 changes a day), "
      f"{lg['days']:.0f} days: {lg['changes']:,} changes in {lg['cpu_s']:.1f} s CPU "
      f"({lg['wall_s']:.1f} s wall), {lg['ms_per_1000']:.0f} ms per 1,000 changes; "
      f"estimate {lg['estimate_s']:.1f} s")
    p(f"  the same for {lg['full_days']:.0f} days: this year x {lg['full_days'] / lg['days']:.0f} "
      f"= {lg['full_extrapolated_s'] / 60:.1f} min; estimate_seconds (which adds the slow-down "
      f"of long runs) {lg['full_estimate_s'] / 60:.1f} min")
    p("")
    p(f"benchmark took {figures['elapsed_s']:.0f} s")
    if "profile" in figures:
        p("")
        p("cProfile of 5 collaborative years (replications 0-4, CPU time), top 25 by own time:")
        p(figures["profile"].rstrip())


def main(argv=None) -> dict:
    """Run the benchmark, print the report and return the figures (as written by ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--growth-only", action="store_true",
                    help="measure only (e), the growth of run time (about a minute)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke mode: one replication per figure, a few seconds in all")
    ap.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    ap.add_argument("--profile", action="store_true",
                    help="append a cProfile of 5 collaborative years (top 25 by own time)")
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    t_start = time.perf_counter()
    info = machine()
    figures = dict(machine=info, quick=args.quick, config=dict(cfg),
                   goals=dict(year_ms=GOAL_YEAR_MS, event_ratio=GOAL_EVENT_RATIO,
                              speedup=GOAL_SPEEDUP, scale_ratio=GOAL_SCALE_RATIO))
    if not args.growth_only:
        figures["presets"] = bench_presets(cfg["reps"], cfg["horizon_days"])
        figures["parallel"] = bench_parallel(cfg["n_parallel"], cfg["parallel_rounds"])
        figures["scale"] = bench_scale(cfg["scale_presets"], cfg["scale_pairs"],
                                       cfg["scale_horizon_days"])
    figures["growth"] = bench_growth(cfg["growth_presets"], cfg["growth_reps"],
                                     cfg["growth_days"], cfg["growth"], cfg["headcount"],
                                     cfg["large_days"])
    if args.profile:
        figures["profile"] = profile()
    info["load_end"] = _load()
    figures["elapsed_s"] = time.perf_counter() - t_start
    report(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
        print(f"figures written to {args.json}")
    return figures


if __name__ == "__main__":
    main()
