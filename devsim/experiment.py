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

import difflib
import json
import math
import numbers
import os
import sys
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple, Sequence

import numpy as np
import pandas as pd

from .log import EventLog
from .metrics import summarise
from .model import run
from .registry import DORA_KEYS, LABELS, format_difference, summary_table
from .registry import metric as metric_entry
from .stats import mean_ci
from .scenario import Scenario, ScenarioError, field_info, resolve_scenario, scenario_from_dict
from .yamlsafe import short_repr as _short

__all__ = ["Results", "replicate", "compare", "sweep", "transformation", "combine", "mean_ci",
           "load_results", "shutdown", "MemoExecutor", "LogCache", "run_logs", "Verdict",
           "DEFAULT_SEED", "estimate_seconds"]

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
        if not isinstance(scenario, Scenario):
            raise TypeError(f"scenario: expected a Scenario, got {type(scenario).__name__}")
        key = (scenario, _check_seed(seed), _check_replication(replication))
        seed, replication = key[1], key[2]
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
    n = _check_n(n)
    seed = _check_seed(seed)
    s = resolve_scenario(scenario)
    return [run(s, seed=seed, replication=r) for r in range(n)]


def _one(task: tuple[Scenario, int, int], progress=None) -> dict[str, float]:
    scenario, seed, replication = task
    return summarise(run(scenario, seed=seed, replication=replication, progress=progress))


#: CPU seconds of the model per stage visit of a change in a run of up to 2,000 changes,
#: and how much that grows per tenfold more changes in the run (the log and the changes
#: stay in memory, so a long run gets slower per change), both fitted from
#: ``benchmarks/bench_model.py --growth-only`` on a 2-core machine (benchmarks/README.md,
#: "Growth"); see :func:`estimate_seconds`.
SECONDS_PER_STAGE_VISIT = 5.5e-6
GROWTH_PER_DECADE = 0.8
#: A bar by default when the runs are expected to take longer than this (seconds) ...
PROGRESS_AFTER_SECONDS = 5.0
#: ... or when there are at least this many runs.
PROGRESS_FROM_RUNS = 40


def _stage_visits(s: Scenario) -> float:
    """Stage visits a change makes on its way, roughly, from the Scenario alone (fixes after
    a failed check, handoffs and incidents left out: they are in the fitted constant)."""
    visits = 2.0  # develop, deploy
    visits += s.approval != "none" and s.review_person_hours > 0
    visits += s.environment_person_hours * (1 - s.environment_automation) > 0
    visits += s.pipeline_hours > 0
    visits += s.manual_test_ratio * (1 - s.test_automation) > 0
    visits += s.approval == "cab"
    visits += s.release_interval_days > 0
    visits += s.deployment_automation > 0 and s.deploy_pipeline_hours > 0
    if s.n_security > 0 and s.security_review_person_hours > 0:
        visits += s.security_review_share
    return float(visits)


def estimate_seconds(scenario: Scenario | str) -> float:
    """How long one run of ``scenario`` is expected to take, in seconds of one core.

    The model's work grows with the changes that arrive (``arrival_rate_per_day x
    horizon_days``) times the stage visits each makes, and a little faster than that for
    long runs; the constants :data:`SECONDS_PER_STAGE_VISIT` and :data:`GROWTH_PER_DECADE`
    come from the benchmark (``benchmarks/README.md``, "Growth"). Headcount and product
    teams cost nothing measurable at a fixed demand. An estimate, within about 30% on an
    idle machine (a busy one is slower): it decides whether a progress bar is worth
    showing and what to expect.

    Examples
    --------
    >>> estimate_seconds("siloed") < 1
    True
    """
    s = resolve_scenario(scenario)
    changes = s.arrival_rate_per_day * s.horizon_days
    growth = 1.0 + GROWTH_PER_DECADE * math.log10(max(changes, 2000.0) / 2000.0)
    return changes * _stage_visits(s) * SECONDS_PER_STAGE_VISIT * growth


class Verdict(NamedTuple):
    """A comparison worded as far as its confidence interval allows (:meth:`Results.verdict`)."""

    word: str            # "higher", "lower" or "no clear difference"
    better: bool | None  # by the metric's better direction; None when unclear
    text: str            # the difference and its 95% CI, in a readable unit
    mean: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.word} ({self.text})"


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

    def _metric_columns(self, by: str = "scenario") -> list[str]:
        # Numbers only: a sweep over a choice field (approval) adds a column of words.
        return [c for c in self.frame.columns if c not in ("scenario", "replication", "seed", by)
                and pd.api.types.is_numeric_dtype(self.frame[c])]

    def _check_metrics(self, metrics, by: str) -> list[str]:
        cols = self._metric_columns(by)
        if isinstance(metrics, str):
            metrics = [metrics]
        try:
            metrics = list(metrics)
        except TypeError:
            raise TypeError(f"metrics: expected a list of metric names, got "
                            f"{type(metrics).__name__}") from None
        for m in metrics:
            if not isinstance(m, str) or m not in cols:
                raise ValueError(f"metric: {_short(m)} is not in these results; choose from "
                                 f"{', '.join(cols)}")
        return metrics

    def _check_by(self, by: str) -> None:
        if not isinstance(by, str) or by not in self.frame.columns:
            raise ValueError(f"by: {_short(by)} is not a column of these results; choose from "
                             f"{', '.join(map(str, self.frame.columns))}")

    def summary(self, metrics: Sequence[str] | None = None, by: str = "scenario") -> pd.DataFrame:
        """Mean and 95% CI per group: one row per (group, metric) with ``mean, ci_low, ci_high, n``.

        Raises
        ------
        ValueError
            If a metric or ``by`` is not a column of the results (the message lists them).
        """
        self._check_by(by)
        metrics = self._check_metrics(metrics, by) if metrics is not None else []
        metrics = metrics or self._metric_columns(by)
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
        """Mean and 95% CI of ``b - a`` for ``metric``, paired by replication (CRN).

        Raises
        ------
        ValueError
            If ``metric``, ``a`` or ``b`` is not in the results (the message lists the
            choices).
        """
        self._check_metrics([metric], "scenario")
        labels = list(dict.fromkeys(self.frame["scenario"]))
        for arg, label in (("a", a), ("b", b)):
            if not isinstance(label, str) or label not in labels:
                raise ValueError(f"{arg}: {_short(label)} is not a scenario of these results; "
                                 f"choose from {', '.join(map(str, labels))}")
        f = self.frame
        pa = f[f["scenario"] == a].set_index("replication")[metric]
        pb = f[f["scenario"] == b].set_index("replication")[metric]
        return mean_ci((pb - pa).dropna())

    def verdict(self, metric: str, a: str, b: str) -> "Verdict":
        """How ``b`` compares with ``a`` on ``metric``, worded only as far as the paired 95% CI
        allows: "higher"/"lower" when the CI of ``b - a`` excludes 0, else "no clear
        difference". Lessons use it for every comparative claim.

        Returns
        -------
        Verdict
            ``word``, ``better`` (True/False by the metric's better direction, None when
            unclear or the metric has no better direction), ``text`` (the difference and its
            CI, e.g. ``"-23 pts [-43, -3]"``) and the numbers.
        """
        mean, lo, hi = self.difference(metric, a, b)
        if math.isnan(lo) or math.isnan(hi) or lo <= 0 <= hi:
            word, better = "no clear difference", None
        else:
            word = "higher" if mean > 0 else "lower"
            direction = metric_entry(metric).better
            better = None if not direction else (word == direction)
        return Verdict(word, better, format_difference(metric, mean, lo, hi), mean, lo, hi)

    def to_dict(self) -> dict[str, Any]:
        """Seed, scenarios and rows as plain JSON values.

        Floats are Python floats (``json`` writes them with ``repr``, so they read back bit
        for bit); NaN becomes ``null``; ``columns`` records each column's dtype so
        :func:`load_results` rebuilds the same frame.
        """
        rows = []
        for rec in self.frame.to_dict(orient="records"):
            rows.append({str(k): _plain(v) for k, v in rec.items()})
        return {"devsim_results": 1, "seed": self.seed,
                "scenarios": {k: s.to_dict() for k, s in self.scenarios.items()},
                "columns": [[str(c), str(t)] for c, t in self.frame.dtypes.items()],
                "rows": rows}

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``.csv`` (scenarios and seed in ``#`` header lines) or ``.json``.

        Both read back with :func:`load_results` to the same numbers, bit for bit.

        Raises
        ------
        ValueError
            If ``path`` does not end in .csv or .json, or is a folder.
        FileExistsError
            If the file exists and ``overwrite`` is False (the file is left untouched).
        FileNotFoundError
            If the folder does not exist (the message names it).
        """
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path: expected a file name, got {type(path).__name__}")
        path = Path(path)
        if path.suffix not in (".csv", ".json"):
            raise ValueError(f"path: {_short(str(path))} must end in .csv or .json")
        if path.is_dir():
            raise ValueError(f"path: {_short(str(path))} is a folder; give a file name ending "
                             "in .csv or .json")
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path}: already exists; pass overwrite=True to replace it")
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise FileNotFoundError(f"{path}: the folder '{folder}' does not exist; create it "
                                    "first")
        mode = "w" if overwrite else "x"  # "x": never replace a file that appeared meanwhile
        if path.suffix == ".json":
            with path.open(mode, encoding="utf-8") as fh:
                fh.write(json.dumps(self.to_dict(), indent=1))
        else:
            head = json.dumps({"seed": self.seed,
                               "scenarios": {k: s.to_dict() for k, s in self.scenarios.items()}})
            with path.open(mode, encoding="utf-8", newline="") as fh:
                fh.write(f"{_CSV_MARK}; reproduce with the scenarios and seed below\n# {head}\n")
                self.frame.to_csv(fh, index=False)
        return path


_CSV_MARK = "# devsim results"
_NEEDED = ("scenario", "replication", "seed")


def _plain(value: Any) -> Any:
    """A JSON value: numpy scalars as Python ones, NaN as null."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def load_results(path: str | Path) -> Results:
    """Read a file written by :meth:`Results.save`.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is a folder, does not end in .csv or .json, or is not a devsim results
        file (empty, not UTF-8, truncated, another program's): one message naming the file
        and what was expected.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a file name, got {type(path).__name__}")
    path = Path(path)
    if path.suffix not in (".csv", ".json"):
        raise ValueError(f"path: {_short(str(path))} must end in .csv or .json")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such results file")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder, not a results file")
    expected = (f"expected a devsim results {path.suffix[1:].upper()} file written by "
                "Results.save or devsim export")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: is not UTF-8 text; {expected}") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        if path.suffix == ".json":
            data, frame = _read_json(text)
        else:
            data, frame = _read_csv(text)
        seed = data.get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise _Bad(f"its seed is {_short(seed)}, not a whole number >= 0")
        raw = data.get("scenarios")
        if not isinstance(raw, dict) or not raw:
            raise _Bad("it has no scenarios")
        scenarios = {}
        for label, values in raw.items():
            try:
                scenarios[str(label)] = scenario_from_dict(values, source=f"scenario {label!r}")
            except (ScenarioError, TypeError) as exc:
                raise _Bad(" ".join(str(exc).split())) from None
        missing = [c for c in _NEEDED if c not in frame.columns]
        if missing:
            raise _Bad(f"its table has no {missing[0]!r} column")
        unknown = set(frame["scenario"].astype(str)) - set(scenarios)
        if unknown:
            raise _Bad(f"a row names scenario {_short(sorted(unknown)[0])}, which the file "
                       "does not describe")
    except _Bad as bad:
        raise ValueError(f"{path}: {expected}; {bad}") from None
    return Results(frame=frame, scenarios=scenarios, seed=seed)


class _Bad(Exception):
    """What is wrong inside a results file (load_results adds the file and what it wanted)."""


def _read_json(text: str) -> tuple[dict, pd.DataFrame]:
    if not text.strip():
        raise _Bad("it is empty")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise _Bad(f"it is not valid JSON{where} (truncated?)") from None
    if not isinstance(data, dict) or "devsim_results" not in data:
        raise _Bad("it has no devsim_results mark")
    rows = data.get("rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise _Bad("its rows are not a list of records")
    columns = data.get("columns")
    if columns is None:  # files from before dtypes were recorded
        return data, pd.DataFrame(rows)
    if not (isinstance(columns, list) and all(isinstance(c, list) and len(c) == 2
                                              and all(isinstance(x, str) for x in c)
                                              for c in columns)):
        raise _Bad("its columns are not a list of [name, dtype] pairs")
    names = [c[0] for c in columns]
    frame = pd.DataFrame(rows, columns=names)
    for name, dtype in columns:
        if dtype in ("float64", "int64", "bool"):
            try:
                frame[name] = frame[name].astype(dtype)
            except (TypeError, ValueError):
                raise _Bad(f"its column {_short(name)} does not hold {dtype} values") from None
    return data, frame


def _read_csv(text: str) -> tuple[dict, pd.DataFrame]:
    import io

    if not text.strip():
        raise _Bad("it is empty")
    lines = text.split("\n", 2)
    if not lines[0].startswith(_CSV_MARK) or len(lines) < 3 or not lines[1].startswith("# "):
        raise _Bad(f"its first line is not '{_CSV_MARK}; ...' followed by '# {{seed and "
                   "scenarios}}'")
    try:
        data = json.loads(lines[1][2:])
    except (json.JSONDecodeError, RecursionError):
        raise _Bad("its second line is not the JSON of the seed and scenarios") from None
    if not isinstance(data, dict):
        raise _Bad("its second line is not the JSON of the seed and scenarios")
    if not text.endswith("\n"):
        raise _Bad("its last row is cut short (truncated?)")
    try:
        frame = pd.read_csv(io.StringIO(lines[2]))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _Bad(f"its table cannot be read ({' '.join(str(exc).split())[:100]})") from None
    return data, frame


def _whole(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (numpy's included, never a bool)."""
    if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_"):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    return None


def _check_n(n: int) -> int:
    v = _whole(n)
    if v is None or not 1 <= v <= 10_000:
        raise ValueError(f"n: {_short(n)} is not allowed; give a whole number of replications "
                         "from 1 to 10000")
    return v


def _check_seed(seed: int) -> int:
    v = _whole(seed)
    if v is None or v < 0:
        raise ValueError(f"seed: {_short(seed)} is not allowed; give a whole number >= 0")
    return v


def _check_replication(replication: int) -> int:
    v = _whole(replication)
    if v is None or v < 0:
        raise ValueError(f"replication: {_short(replication)} is not allowed; give a whole "
                         "number >= 0")
    return v


def _check_executor(executor: Any) -> None:
    if executor is not None and executor != "serial" and not isinstance(executor, Executor):
        raise ValueError(f"executor: {_short(executor)} is not allowed; give None, 'serial' or "
                         "a concurrent.futures.Executor")


def _check_progress(progress: Any) -> None:
    if progress is not None and not isinstance(progress, bool):
        raise ValueError(f"progress: {_short(progress)} is not allowed; give True, False or "
                         "None")


def _check_scenarios(scenarios: Any, name: str = "scenarios") -> list:
    if isinstance(scenarios, (str, os.PathLike, Scenario)):
        raise TypeError(f"{name}: expected a list of scenarios, got one "
                        f"({_short(scenarios)}); put it in a list")
    try:
        return list(scenarios)
    except TypeError:
        raise TypeError(f"{name}: expected a list of scenarios, got "
                        f"{type(scenarios).__name__}") from None


def _watched() -> bool:
    """Someone may be watching: a terminal on stderr, or a notebook kernel (not a CI log)."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        tty = False
    return tty or "ipykernel" in sys.modules


def _workers(executor) -> int:
    return 1 if executor == "serial" else (os.cpu_count() or 2)


def _progress_bar(tasks: list, workers: int, in_process: bool, expected: float):
    """A tqdm bar that says what it is: days of the one run, or runs of several."""
    from tqdm import tqdm

    names = list(dict.fromkeys(t[0].name for t in tasks))
    what = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    days = sorted({t[0].horizon_days for t in tasks})
    span = f"{days[0]:g} days" if len(days) == 1 else f"{days[0]:g}-{days[-1]:g} days"
    if len(tasks) == 1:
        bar = tqdm(total=days[0], desc=f"devsim: simulating {what}, {span}", unit="day",
                   leave=False, file=sys.stderr,
                   bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} days "
                              "[{elapsed}<{remaining}{postfix}]")
    else:
        n_fmt = "{n:.1f}" if in_process else "{n:.0f}"
        bar = tqdm(total=len(tasks), desc=f"devsim: simulating {what}, {span}, "
                   f"{len(tasks)} runs", unit="run", leave=False, file=sys.stderr,
                   bar_format="{l_bar}{bar}| " + n_fmt + "/{total} runs "
                              "[{elapsed}<{remaining}{postfix}]")
    if not in_process and expected >= 10:
        # No progress until the first run ends: say up front what to expect.
        minutes = expected / 60
        bar.set_postfix_str(f"expected about {minutes:.0f} min" if minutes >= 1.5
                            else f"expected about {expected:.0f} s")
    return bar


def _execute(tasks: list, executor, progress, fn: Callable | None = None) -> list:
    # By default a bar only where someone watches (a terminal or a notebook, not a CI log
    # or a pipe), and only for work long enough to wait for: many runs, or runs whose
    # estimated cost (estimate_seconds) is over PROGRESS_AFTER_SECONDS.
    fn = fn or _one
    in_process = executor == "serial" or (executor is None and len(tasks) == 1)
    workers = 1 if in_process else _workers(executor)
    show = progress
    expected = 0.0
    if progress is None or progress is True:
        expected = sum(estimate_seconds(t[0]) for t in tasks) / min(workers, len(tasks))
    if progress is None:
        show = _watched() and (len(tasks) >= PROGRESS_FROM_RUNS
                               or expected > PROGRESS_AFTER_SECONDS)
    bar = _progress_bar(tasks, workers, in_process, expected) if show else None
    try:
        if in_process:
            out = []
            for i, t in enumerate(tasks):
                report = None
                if bar is not None:
                    scale = bar.total if len(tasks) == 1 else 1.0
                    report = (lambda f, i=i, scale=scale:  # noqa: E731
                              bar.update((i + f) * scale - bar.n))
                out.append(fn(t, report))
            return out
        if executor is not None and not isinstance(executor, Executor):
            raise ValueError(f"executor: {executor!r} is not allowed; give None, 'serial' or a "
                             "concurrent.futures.Executor")
        ex = executor or _pool()
        futures = [ex.submit(fn, t) for t in tasks]
        if bar is not None:
            from concurrent.futures import FIRST_COMPLETED, wait

            pending = set(futures)
            while pending:
                # A time-out keeps the bar's clock ticking while a long run is under way.
                done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
                if done:
                    bar.set_postfix_str("", refresh=False)
                    bar.update(len(done))
                else:
                    bar.refresh()
                if any(not f.cancelled() and f.exception() is not None for f in done):
                    break
        # In submission order: the same table serial or parallel.
        return [f.result() for f in futures]
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
        A tqdm bar on stderr with its estimate of the time left: over the days of the run
        when there is one run, else over the runs. None (default): only where someone
        watches (stderr is a terminal, or a notebook) and only for 40 runs or more or work
        expected to take over 5 s (:func:`estimate_seconds`); never in a CI log or a pipe.
        True: always; False: never.

    Returns
    -------
    Results
    """
    n = _check_n(n)
    seed = _check_seed(seed)
    _check_executor(executor)
    _check_progress(progress)
    resolved = [resolve_scenario(s) for s in _check_scenarios(scenarios)]
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
    _check_n(n)
    _check_seed(seed)
    _check_executor(executor)
    _check_progress(progress)
    base = resolve_scenario(scenario)
    if not isinstance(field_name, str) or field_name not in field_info() or field_name == "name":
        valid = [k for k in field_info() if k != "name"]
        close = difflib.get_close_matches(field_name, valid, n=1) \
            if isinstance(field_name, str) else []
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ScenarioError(f"field_name: {_short(field_name)} is not a Scenario field{hint}")
    if isinstance(values, (str, bytes)):
        raise TypeError(f"values: expected a list of values for {field_name}, got the text "
                        f"{_short(values)}")
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"values: expected a list of values for {field_name}, got "
                        f"{type(values).__name__}") from None
    if not values:
        raise ValueError(f"values: give at least one value for {field_name}")
    if apply is not None and not callable(apply):
        raise TypeError(f"apply: expected a function (scenario, value) -> Scenario, got "
                        f"{_short(apply)}")
    if apply is None:
        apply = lambda s, v: replace(s, **{field_name: v})  # noqa: E731
    variants = [replace(apply(base, v), name=f"{base.name} {field_name}={v}") for v in values]
    return compare(variants, n=n, seed=seed, executor=executor, progress=progress,
                   extra=[{field_name: v} for v in values])


#: Columns of :func:`transformation`'s table that hold one run's week (the rest are labels
#: and running totals).
JOURNEY_WEEK_COLUMNS = ("changes", "lead_time_hours", "effort_person_hours",
                        "invested_person_hours", "person_hours", "test_automation",
                        "deployment_automation", "environment_automation")
_AUTOMATION_FIELDS = ("test_automation", "deployment_automation", "environment_automation")


def journey_weeks(log: EventLog, weeks: int) -> pd.DataFrame:
    """One run of a transformation, week by week from the end of its warm-up.

    Week *k* (from 1) covers hours ``[start + 168 (k - 1), start + 168 k)`` of the run, where
    ``start`` is the end of the warm-up (``log.start_hours``), when the investment begins.

    Parameters
    ----------
    log : EventLog
        A run of :func:`devsim.model.run` (its ``meta`` holds the scenario, and with
        ``improvement_share`` > 0 the ``automation_steps`` the run built and ``improvement``:
        when it started and stopped investing, and the person-hours per hour it invested).
    weeks : int
        Weeks to report.

    Returns
    -------
    pandas.DataFrame
        One row per week: ``week``; ``changes`` (features that reached production that
        week); ``lead_time_hours`` (median commit-to-production time of every change deployed
        that week, NaN in a week without one); ``effort_person_hours`` (the effort of every
        stage row that finished that week: planned, rework and unplanned work);
        ``invested_person_hours`` (hours spent building automation that week: everyone's
        working week times ``improvement_share``, from the end of the warm-up until the last
        automation step); ``person_hours`` (the two together); and the three automation
        levels at the week's end.
    """
    start = log.start_hours
    edges = start + 168.0 * np.arange(weeks + 1)
    out = pd.DataFrame({"week": np.arange(1, weeks + 1)})

    def week_of(times: pd.Series) -> pd.Series:
        return np.floor((times - start) / 168.0).astype("int64") + 1

    items = log.items
    done = items[items["deployed"].notna()]
    done = done.assign(week=week_of(done["deployed"]),
                       lead=done["deployed"] - done["committed"])
    done = done[(done["week"] >= 1) & (done["week"] <= weeks)]
    features = done[done["kind"] == "feature"]
    out["changes"] = features.groupby("week").size().reindex(out["week"], fill_value=0).to_numpy()
    out["lead_time_hours"] = done.groupby("week")["lead"].median().reindex(out["week"]).to_numpy()
    st = log.stages
    st = st.assign(week=week_of(st["finished"]))
    st = st[(st["week"] >= 1) & (st["week"] <= weeks)]
    out["effort_person_hours"] = (st.groupby("week")["effort_person_hours"].sum()
                                  .reindex(out["week"], fill_value=0.0).to_numpy())
    scenario = log.meta["scenario"]
    steps = list(log.meta.get("automation_steps", []))
    # The model logs when it invested and at what rate; still building at the end: the end.
    spent = log.meta.get("improvement") or {}
    rate = float(spent.get("person_hours_per_hour", 0.0))
    begin = spent.get("start") if spent.get("start") is not None else log.end_hours
    until = spent.get("end") if spent.get("end") is not None else log.end_hours
    out["invested_person_hours"] = np.clip(np.minimum(edges[1:], until)
                                           - np.maximum(edges[:-1], begin), 0.0, None) * rate
    out["person_hours"] = out["effort_person_hours"] + out["invested_person_hours"]
    for name in _AUTOMATION_FIELDS:
        level = np.full(weeks, float(scenario[name]))
        for step in steps:
            if step["field"] == name:
                level[edges[1:] >= step["time"]] = step["level"]
        out[name] = level
    return out


def _journey_task(task: tuple[Scenario, int, int, int], progress=None) -> pd.DataFrame:
    scenario, seed, replication, weeks = task
    return journey_weeks(run(scenario, seed=seed, replication=replication, progress=progress),
                         weeks)


#: Longest transformation, in months of 30 days (the Scenario allows 3,650 simulated days).
MAX_JOURNEY_MONTHS = 120


def transformation(before: Scenario | str, after: Any = None, *, invest_share: float = 0.25,
                   invest_months: Any = None, months: int = 24, n: int = 10,
                   seed: int = DEFAULT_SEED, executor: Executor | str | None = None,
                   progress: bool | None = None) -> pd.DataFrame:
    """One organisation followed week by week while it builds its own automation, against
    itself not investing, on common random numbers.

    From the end of the warm-up the *investing* organisation (``before`` with
    ``improvement_share=invest_share``) spends that share of everyone's working week
    building automation: its planned work slows by the same share, and every
    ``automation_step_person_hours`` invested raises the lowest of test, deployment and
    environment automation by 0.1 until each is built; then the investment stops and the
    time returns to delivery. Automation then cuts the effort each change needs (manual
    tests, environments, deploys, failed deploys, rework) and the toil. The *baseline* is the
    same organisation with ``improvement_share=0``: nothing improves. Replication *i* of both
    runs on the same random numbers, so the gap between the curves is the investment's.

    Nothing of the "after" state is an input: the dip (its depth, how long it lasts) and the
    break-even week emerge from ``invest_share`` and the effort per step.

    **Cost** is people's time spent: the effort of every stage row of the event log that
    finished in the week (planned work, rework and unplanned work), plus the hours invested
    in automation, times ``cost_per_person_hour``. **Cost per change** is cumulative: the
    cost so far over the changes (features) delivered so far. **Break-even**
    (:func:`devsim.plots.transformation.break_even`): the first week from which the
    investing organisation's cumulative cost per change stays at or below the baseline's
    until the end of the run, after having been above it; per replication, and on the mean
    over replications.

    Parameters
    ----------
    before : Scenario or str
        The organisation as it is (a preset name, a YAML file or a Scenario). Its own
        ``improvement_share`` is replaced by ``invest_share`` (investing) and 0 (baseline);
        ``horizon_days`` becomes ``warmup_days + 30 * months``.
    after, invest_months
        Removed: the state after is no longer an input (the organisation builds it) and the
        investment ends when the automation is built. Passing either raises TypeError.
    invest_share : float
        Share of everyone's working week spent building automation, 0 to 0.75. With 0 the
        two organisations are the same: identical curves, no dip, no break-even.
    months : int
        Months of 30 days followed after the warm-up (whole weeks are reported).
    n, seed, executor, progress
        As in :func:`compare`.

    Returns
    -------
    pandas.DataFrame
        One row per ``organisation`` (``"investing"`` or ``"baseline"``), ``replication`` and
        ``week``, with :data:`JOURNEY_WEEK_COLUMNS` (see :func:`journey_weeks`), ``cost``
        (the week's person-hours times the cost rate) and the running totals
        ``cumulative_changes``, ``cumulative_person_hours``, ``cumulative_cost``,
        ``person_hours_per_change`` and ``cost_per_change`` (NaN before the first change is
        delivered). ``attrs`` holds ``scenario``, ``invest_share``, ``months``, ``weeks``,
        ``n``, ``seed``, ``cost_per_person_hour`` and ``automation_step_person_hours``.

    See Also
    --------
    devsim.plots.transformation_curve : the figure, with the break-even week marked.
    devsim.plots.transformation.break_even : the break-even week and its uncertainty.
    """
    if after is not None:
        raise TypeError("after: transformation no longer takes an 'after' scenario; the "
                        "organisation builds its own automation (improvement_share, "
                        "automation_step_person_hours): give only before and invest_share")
    if invest_months is not None:
        raise TypeError("invest_months: no longer used; the investment runs until the "
                        "automation is built (automation_step_person_hours per step of 0.1): "
                        "leave it out")
    n = _check_n(n)
    seed = _check_seed(seed)
    _check_executor(executor)
    _check_progress(progress)
    a = resolve_scenario(before)
    if isinstance(invest_share, bool) or not isinstance(invest_share, numbers.Real) \
            or not 0.0 <= float(invest_share) <= 0.75:
        raise ValueError(f"invest_share: {_short(invest_share)} is not allowed; give a share "
                         "from 0 to 0.75")
    invest_share = float(invest_share)
    longest = min(MAX_JOURNEY_MONTHS, int((3650 - a.warmup_days) // 30))
    m = _whole(months)
    if m is None or not 1 <= m <= longest:
        raise ValueError(f"months: {_short(months)} is not allowed; give a whole number from 1 "
                         f"to {longest}" + (f" (with a warm-up of {a.warmup_days:g} days)"
                                            if longest < MAX_JOURNEY_MONTHS else ""))
    months = m
    weeks = 30 * months // 7
    baseline = replace(a, name=f"{a.name} (not investing)", improvement_share=0.0,
                       horizon_days=a.warmup_days + 30.0 * months)
    investing = replace(baseline, name=f"{a.name} (investing {invest_share:.0%})",
                        improvement_share=invest_share)
    arms = (("investing", investing), ("baseline", baseline))
    tasks = [(s, seed, r, weeks) for _, s in arms for r in range(n)]
    tables = _execute(tasks, executor, progress, fn=_journey_task)
    parts = []
    for i, table in enumerate(tables):
        label = arms[i // n][0]
        parts.append(table.assign(organisation=label, replication=i % n))
    j = pd.concat(parts, ignore_index=True)
    j.insert(0, "organisation", j.pop("organisation"))
    j.insert(1, "invest_share", np.where(j["organisation"] == "investing", invest_share, 0.0))
    j.insert(2, "replication", j.pop("replication"))
    rate = a.cost_per_person_hour
    j["cost"] = j["person_hours"] * rate
    g = j.groupby(["organisation", "replication"], sort=False)
    j["cumulative_changes"] = g["changes"].cumsum()
    j["cumulative_person_hours"] = g["person_hours"].cumsum()
    j["cumulative_cost"] = j["cumulative_person_hours"] * rate
    delivered = j["cumulative_changes"].where(j["cumulative_changes"] > 0)
    j["person_hours_per_change"] = j["cumulative_person_hours"] / delivered
    j["cost_per_change"] = j["person_hours_per_change"] * rate
    j.attrs.update(scenario=a.name, invest_share=invest_share, months=months, weeks=weeks, n=n,
                   seed=seed, cost_per_person_hour=rate,
                   automation_step_person_hours=a.automation_step_person_hours)
    return j


def combine(*parts: Results) -> Results:
    """One Results from several (e.g. two sweeps drawn on the same axes).

    Scenario labels must not clash and all parts must share the seed, so the combined
    table is still on common random numbers.
    """
    if not parts:
        raise ValueError("parts: give at least one Results")
    for p in parts:
        if not isinstance(p, Results):
            raise TypeError(f"parts: expected Results, got {type(p).__name__}")
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
