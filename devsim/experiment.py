"""Experiments: replications, comparisons and sweeps on common random numbers.

Replication *i* of every scenario runs with ``(seed, i)``, so two designs meet the same
arrivals, change sizes and dice (common random numbers) and a difference between them is
the design's, not chance's. Results are tidy: one row per (scenario, replication), one
column per metric.

Runs go to a process pool by default; the pool is created once and reused by later calls
(:func:`shutdown` closes it). Pass ``executor=`` any :class:`concurrent.futures.Executor`
(a ``dask.distributed`` client's ``get_executor()`` runs a sweep on a cluster), or
``executor="serial"`` to run in this process. Serial and parallel give identical numbers.
"""
from __future__ import annotations

import json
import math
import os
import statistics
import sys
import numbers
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from .log import EventLog
from .metrics import summarise
from .model import run
from .registry import DORA_KEYS, LABELS, summary_table
from .scenario import Scenario, ScenarioError, resolve_scenario, scenario_from_dict

__all__ = ["Results", "replicate", "compare", "sweep", "transformation", "combine", "mean_ci",
           "load_results", "shutdown", "MemoExecutor", "LogCache", "run_logs",
           "DEFAULT_SEED"]

DEFAULT_SEED = 2026
_POOL: ProcessPoolExecutor | None = None


def _pool() -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None:
        import multiprocessing as mp
        import sys

        # fork on Linux: workers start fast and a learner's script needs no __main__ guard
        # (forkserver and spawn re-import it). Workers only run devsim code, no kernel threads.
        ctx = mp.get_context("fork") if sys.platform.startswith("linux") else None
        _POOL = ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=ctx)
    return _POOL


def shutdown() -> None:
    """Close the shared process pool (a later call starts a new one)."""
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(cancel_futures=True)
        _POOL = None


class MemoExecutor(Executor):
    """An executor that remembers each task's result, so a task seen before is not run again.

    Tasks are keyed by function and arguments (a Scenario is hashable: it is frozen), which
    for devsim's runs means (scenario, seed, replication). ``inner`` does the real work:
    ``"serial"`` runs in this process, None uses devsim's shared process pool, or any
    :class:`concurrent.futures.Executor`. Between :meth:`begin` and :meth:`prune` the
    executor notes which tasks were asked for; :meth:`prune` forgets the others (the team
    files that changed or went away, say). Pass it as ``executor=`` to :func:`compare`,
    :func:`replicate` or :func:`sweep`: replication *i* of a scenario is then run once
    however many comparisons it takes part in.

    Attributes
    ----------
    runs : int
        Tasks actually executed (the rest came from memory).
    """

    def __init__(self, inner: Executor | str | None = None):
        if inner is not None and inner != "serial" and not isinstance(inner, Executor):
            raise ValueError(f"executor: {inner!r} is not allowed; give None, 'serial' or a "
                             "concurrent.futures.Executor")
        self._inner = inner
        self._done: dict[Any, Any] = {}
        self._pending: dict[Any, Future] = {}
        self._used: set = set()
        self.runs = 0

    def _harvest(self) -> None:
        for key, fut in list(self._pending.items()):
            if fut.done():
                del self._pending[key]
                if not fut.cancelled() and fut.exception() is None:
                    self._done[key] = fut.result()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        key = (fn, args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:  # not memorisable: just run it
            key = None
        self._harvest()
        if key is not None:
            self._used.add(key)
            if key in self._done:
                fut: Future = Future()
                fut.set_result(self._done[key])
                return fut
            if key in self._pending:
                return self._pending[key]
        self.runs += 1
        if self._inner == "serial":
            fut = Future()
            try:
                fut.set_result(fn(*args, **kwargs))
            except Exception as exc:  # noqa: BLE001 - handed to the caller via the future
                fut.set_exception(exc)
        else:
            fut = (self._inner or _pool()).submit(fn, *args, **kwargs)
        if key is not None:
            self._pending[key] = fut
        return fut

    def begin(self) -> None:
        """Start noting which tasks are asked for (see :meth:`prune`)."""
        self._used = set()

    def prune(self) -> None:
        """Forget every result not asked for since :meth:`begin`."""
        self._harvest()
        self._done = {k: v for k, v in self._done.items() if k in self._used}
        self._pending = {k: v for k, v in self._pending.items() if k in self._used}

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        # The inner executor belongs to its owner (often devsim's shared pool): leave it open.
        self._done.clear()
        self._pending.clear()


class LogCache:
    """The event logs of recent runs, kept so that a chart redrawn for the same run does not
    run the model again (a sandbox slider moved back, a projector refresh).

    ``logs.get(scenario, seed, replication)`` is :func:`devsim.model.run`'s log; the
    ``size`` most recently added runs are kept.
    """

    def __init__(self, size: int = 4):
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"size: {size!r} is not allowed; give a whole number >= 1")
        self.size = int(size)
        self._logs: dict[tuple[Scenario, int, int], EventLog] = {}
        self.runs = 0

    def get(self, scenario: Scenario, seed: int, replication: int = 0) -> EventLog:
        key = (scenario, int(seed), int(replication))
        if key not in self._logs:
            if len(self._logs) >= self.size:
                self._logs.pop(next(iter(self._logs)))
            self._logs[key] = run(scenario, seed=seed, replication=replication)
            self.runs += 1
        return self._logs[key]

    def clear(self) -> None:
        self._logs.clear()


def run_logs(scenario: Scenario | str, n: int = 1, seed: int = DEFAULT_SEED) -> list[EventLog]:
    """The event logs of replications 0 to ``n - 1`` of one scenario (run in this process).

    For analyses that need more than :func:`devsim.metrics.summarise` gives (stage times,
    a chart of one run); replication *i* is the same run as in :func:`compare`.
    """
    _check_n(n)
    _check_seed(seed)
    s = resolve_scenario(scenario)
    return [run(s, seed=seed, replication=r) for r in range(int(n))]


def _one(task: tuple[Scenario, int, int]) -> dict[str, float]:
    scenario, seed, replication = task
    return summarise(run(scenario, seed=seed, replication=replication))


# Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def _t975(df: int) -> float:
    if df <= 30:
        return _T975[df - 1]
    return 1.959964 + 2.4 / df  # within 0.002 of the exact quantile for df > 30


def mean_ci(values: Iterable[float]) -> tuple[float, float, float]:
    """Mean and 95% confidence interval (Student's t) of the non-NaN values.

    Returns (mean, low, high); the interval is NaN with fewer than two values.
    """
    v = [float(x) for x in values if x is not None and not math.isnan(float(x))]
    if not v:
        return math.nan, math.nan, math.nan
    m = statistics.fmean(v)
    if len(v) < 2:
        return m, math.nan, math.nan
    half = _t975(len(v) - 1) * statistics.stdev(v) / math.sqrt(len(v))
    return m, m - half, m + half


@dataclass
class Results:
    """Replications of one or more scenarios.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per (scenario, replication): ``scenario``, ``replication``, ``seed``, then
        one column per metric (see :data:`devsim.metrics.LABELS`); a sweep adds a column
        named after the swept field.
    scenarios : dict
        Scenario of every row's ``scenario`` label: enough, with ``seed``, to reproduce it.
    """

    frame: pd.DataFrame
    scenarios: dict[str, Scenario]
    seed: int
    labels: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(LABELS))

    def summary(self, metrics: Sequence[str] | None = None, by: str = "scenario") -> pd.DataFrame:
        """Mean and 95% CI per group: one row per (group, metric) with ``mean, ci_low, ci_high, n``."""
        metrics = list(metrics) if metrics else [c for c in self.frame.columns
                                                 if c not in ("scenario", "replication", "seed", by)]
        rows = []
        for key, grp in self.frame.groupby(by, sort=False):
            for m in metrics:
                mean, lo, hi = mean_ci(grp[m])
                rows.append({by: key, "metric": m, "mean": mean, "ci_low": lo, "ci_high": hi,
                             "n": int(grp[m].notna().sum())})
        return pd.DataFrame(rows)

    def table(self, metrics: Sequence[str] | None = None, by: str = "scenario") -> pd.DataFrame:
        """:meth:`summary` for people: one row per group, one column per metric named with its
        unit (:mod:`devsim.registry`), each cell ``"mean [95% CI]"`` in a readable unit.

        ``metrics`` defaults to DORA's five keys.
        """
        keys = list(metrics) if metrics else [k for k in DORA_KEYS if k in self.frame.columns]
        return summary_table(self.summary(keys, by=by), by=by)

    def difference(self, metric: str, a: str, b: str) -> tuple[float, float, float]:
        """Mean and 95% CI of ``b - a`` for ``metric``, paired by replication (CRN)."""
        f = self.frame
        pa = f[f["scenario"] == a].set_index("replication")[metric]
        pb = f[f["scenario"] == b].set_index("replication")[metric]
        return mean_ci((pb - pa).dropna())

    def to_dict(self) -> dict[str, Any]:
        return {"devsim_results": 1, "seed": self.seed,
                "scenarios": {k: s.to_dict() for k, s in self.scenarios.items()},
                "rows": json.loads(self.frame.to_json(orient="records"))}

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``.csv`` (scenarios and seed in ``#`` header lines) or ``.json``.

        An existing file is kept unless ``overwrite=True``.
        """
        path = Path(path)
        if path.suffix not in (".csv", ".json"):
            raise ValueError(f"path: {str(path)!r} must end in .csv or .json")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path}: already exists; pass overwrite=True to replace it")
        if path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")
        else:
            head = json.dumps({"seed": self.seed,
                               "scenarios": {k: s.to_dict() for k, s in self.scenarios.items()}})
            with path.open("w", encoding="utf-8", newline="") as fh:
                fh.write(f"# devsim results; reproduce with the scenarios and seed below\n# {head}\n")
                self.frame.to_csv(fh, index=False)
        return path


def load_results(path: str | Path) -> Results:
    """Read a file written by :meth:`Results.save`."""
    path = Path(path)
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        frame = pd.DataFrame(data["rows"])
    else:
        with path.open(encoding="utf-8") as fh:
            fh.readline()
            data = json.loads(fh.readline()[2:])
        frame = pd.read_csv(path, comment="#")
    scenarios = {k: scenario_from_dict(v) for k, v in data["scenarios"].items()}
    return Results(frame=frame, scenarios=scenarios, seed=int(data["seed"]))


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= 10_000:
        raise ValueError(f"n: {n!r} is not allowed; give a whole number of replications from 1 to 10000")
    return int(n)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed: {seed!r} is not allowed; give a whole number >= 0")
    return int(seed)


def _execute(tasks: list, executor, progress) -> list[dict[str, float]]:
    # By default a bar only where someone watches: a terminal or a notebook, not a CI log.
    show = progress if progress is not None else (
        len(tasks) >= 40 and (sys.stderr.isatty() or "ipykernel" in sys.modules))
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(tasks), desc="devsim runs", unit="run", leave=False)
    try:
        if executor == "serial" or (executor is None and len(tasks) == 1):
            out = []
            for t in tasks:
                out.append(_one(t))
                if bar is not None:
                    bar.update(1)
            return out
        if executor is not None and not isinstance(executor, Executor):
            raise ValueError(f"executor: {executor!r} is not allowed; give None, 'serial' or a "
                             "concurrent.futures.Executor")
        ex = executor or _pool()
        futures = [ex.submit(_one, t) for t in tasks]
        out = []
        for f in futures:  # in submission order: the same table serial or parallel
            out.append(f.result())
            if bar is not None:
                bar.update(1)
        return out
    finally:
        if bar is not None:
            bar.close()


def _label(s: Scenario, taken: dict) -> str:
    """A label unique within one experiment (a repeated name gets " (2)", " (3)", ...)."""
    name, k = s.name, 2
    while name in taken:
        name, k = f"{s.name} ({k})", k + 1
    return name


def compare(scenarios: Sequence[Scenario | str], n: int = 20, seed: int = DEFAULT_SEED, *,
            executor: Executor | str | None = None, progress: bool | None = None,
            extra: Sequence[dict] | None = None) -> Results:
    """Run each scenario ``n`` times on common random numbers.

    Parameters
    ----------
    scenarios : sequence of Scenario or str
        Scenarios, preset names or YAML paths.
    n : int
        Replications per scenario.
    seed : int
        Base seed; replication *i* uses ``(seed, i)`` in every scenario.
    executor : Executor, "serial" or None
        Where to run (None: the shared process pool; a single run stays in this process).
    progress : bool or None
        Show a progress bar (None: only for 40 runs or more).

    Returns
    -------
    Results
    """
    n = _check_n(n)
    seed = _check_seed(seed)
    resolved = [resolve_scenario(s) for s in scenarios]
    if not resolved:
        raise ValueError("scenarios: give at least one scenario")
    table: dict[str, Scenario] = {}
    labels = []
    for s in resolved:
        lab = _label(s, table)
        table[lab] = s
        labels.append(lab)
    tasks = [(s, seed, r) for s in resolved for r in range(n)]
    rows = _execute(tasks, executor, progress)
    records = []
    for i, (lab, row) in enumerate(zip([l for l in labels for _ in range(n)], rows)):
        rec = {"scenario": lab, "replication": i % n, "seed": seed}
        if extra is not None:
            rec.update(extra[i // n])
        rec.update(row)
        records.append(rec)
    return Results(frame=pd.DataFrame(records), scenarios=table, seed=seed)


def replicate(scenario: Scenario | str, n: int = 20, seed: int = DEFAULT_SEED, *,
              executor: Executor | str | None = None, progress: bool | None = None) -> Results:
    """Run one scenario ``n`` times; see :func:`compare`."""
    return compare([scenario], n=n, seed=seed, executor=executor, progress=progress)


def sweep(scenario: Scenario | str, field_name: str, values: Sequence[Any], n: int = 10,
          seed: int = DEFAULT_SEED, *, apply: Callable[[Scenario, Any], Scenario] | None = None,
          executor: Executor | str | None = None, progress: bool | None = None) -> Results:
    """Vary one field over ``values``, ``n`` replications each, on common random numbers.

    ``apply(scenario, value)`` builds each variant when setting the field alone is not
    enough (e.g. :func:`devsim.scenario.with_change_size` keeps demand constant).
    The result has a column named ``field_name`` holding the value.
    """
    base = resolve_scenario(scenario)
    values = list(values)
    if not values:
        raise ValueError(f"values: give at least one value for {field_name}")
    if apply is None:
        if field_name not in base.to_dict():
            raise ScenarioError(f"field: {field_name!r} is not a Scenario field")
        apply = lambda s, v: replace(s, **{field_name: v})  # noqa: E731
    variants = [replace(apply(base, v), name=f"{base.name} {field_name}={v}") for v in values]
    return compare(variants, n=n, seed=seed, executor=executor, progress=progress,
                   extra=[{field_name: v} for v in values])


def transformation(before: Scenario | str, after: Scenario | str, *, invest_share: float = 0.25,
                   invest_months: int = 3, months: int = 12, n: int = 10,
                   seed: int = DEFAULT_SEED, executor: Executor | str | None = None,
                   progress: bool | None = None) -> pd.DataFrame:
    """A transformation as three steady states laid out month by month.

    Until month 0 the organisation works as ``before``. For ``invest_months`` it still works
    the ``before`` way while ``invest_share`` of everyone's working week goes to building
    the new pipeline and learning the new ways (less capacity for delivery, same pay).
    From then on it works as ``after``. Each phase is a separate steady-state run (the model
    does not simulate the switch-over itself), so the table shows the direction and size of
    the dip, not its exact shape.

    Returns
    -------
    pandas.DataFrame
        One row per month (``month`` from -3 to ``months``) with ``phase``, the phase's mean
        ``throughput_per_day``, ``lead_time_hours``, ``change_failure_rate``,
        ``cost_per_change`` (everyone's paid hours x cost rate / changes delivered, per
        30-day month, investment time included), and the running totals
        ``cumulative_changes`` and ``cumulative_cost``.
    """
    a, b = resolve_scenario(before), resolve_scenario(after)
    if isinstance(invest_share, bool) or not isinstance(invest_share, (int, float)) \
            or not 0.0 <= invest_share <= 0.75:
        raise ValueError(f"invest_share: {invest_share!r} is not allowed; give a share from 0 to 0.75")
    if not isinstance(months, int) or not 1 <= months <= 120:
        raise ValueError(f"months: {months!r} is not allowed; give a whole number from 1 to 120")
    if not isinstance(invest_months, int) or not 0 <= invest_months <= months:
        raise ValueError(f"invest_months: {invest_months!r} is not allowed; give 0 to months ({months})")
    building = replace(a, name=f"{a.name} (building)",
                       work_hours_per_week=max(a.work_hours_per_week * (1 - invest_share), 10.0))
    phases = [(a, "before"), (building, "building"), (b, "after")]
    res = compare([s for s, _ in phases], n=n, seed=seed, executor=executor, progress=progress)
    means = res.frame.groupby("scenario", sort=False)[
        ["throughput_per_day", "lead_time_hours", "change_failure_rate"]].mean()
    labels = list(res.scenarios)
    rows = []
    total_changes = total_cost = 0.0
    for month in range(-3, months + 1):
        k = 0 if month < 0 else (1 if month < invest_months else 2)
        scenario, phase = phases[k]
        paid = b if k == 2 else a  # while building, people are paid their full week
        cost = paid.headcount * paid.work_hours_per_week * 30 / 7 * paid.cost_per_person_hour
        m = means.loc[labels[k]]
        changes = float(m["throughput_per_day"]) * 30
        total_changes += changes
        total_cost += cost
        rows.append({"month": month, "phase": phase, **m.to_dict(),
                     "cost_per_change": cost / changes if changes else math.nan,
                     "cumulative_changes": total_changes, "cumulative_cost": total_cost})
    return pd.DataFrame(rows)


def combine(*parts: Results) -> Results:
    """One Results from several (e.g. two sweeps drawn on the same axes).

    Scenario labels must not clash and all parts must share the seed, so the combined
    table is still on common random numbers.
    """
    if not parts:
        raise ValueError("parts: give at least one Results")
    seeds = {p.seed for p in parts}
    if len(seeds) > 1:
        raise ValueError(f"parts: seeds differ ({sorted(seeds)}); combine results of one seed")
    scenarios: dict[str, Scenario] = {}
    for p in parts:
        clash = set(scenarios) & set(p.scenarios)
        if clash:
            raise ValueError(f"parts: scenario label {sorted(clash)[0]!r} appears twice; rename one")
        scenarios.update(p.scenarios)
    frame = pd.concat([p.frame for p in parts], ignore_index=True)
    return Results(frame=frame, scenarios=scenarios, seed=parts[0].seed)
