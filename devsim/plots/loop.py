"""The wall of confusion as a feedback loop, month by month (:func:`release_loop`).

Where ops own stability and not delivery, a failed release makes them slow the train down;
a longer interval puts more changes in the next release, which fails more often. The
series here read that loop from event logs: per planned deployment its time, size and
outcome (:func:`devsim.metrics.releases`), averaged per period (a month, a quarter) over
replications with 95% confidence intervals (:func:`release_loop_series`), and drawn as
three panels on one time axis: the interval between releases, the changes per release
and the change failure rate.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from ..experiment import mean_ci
from ..log import EventLog
from ..metrics import releases
from ..registry import column_title
from .base import FONT, GREY, PALETTE, SMALL, clip_ci, new_figure, scale_or_plain, style, title

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["release_loop", "release_loop_series", "PERIOD_DAYS"]

#: Days in each named period: a simulated year of 365 days is 12 months or 4 quarters.
PERIOD_DAYS: dict[str, float] = {"week": 7.0, "month": 365.0 / 12, "quarter": 365.0 / 4}

#: The columns of :func:`release_loop_series` (each measure: mean, then its CI bounds).
SERIES_COLUMNS = ("scenario", "period", "start_day", "end_day", "replications", "n",
                  "releases", "interval_days", "interval_low", "interval_high",
                  "size", "size_low", "size_high", "cfr", "cfr_low", "cfr_high",
                  "planned_interval_days")


def _period_days(period) -> tuple[float, str]:
    if isinstance(period, str):
        if period not in PERIOD_DAYS:
            raise ValueError(f"period: {period!r} is not allowed; choose one of "
                             f"{', '.join(PERIOD_DAYS)} or give a number of days")
        return PERIOD_DAYS[period], period
    if isinstance(period, bool) or not isinstance(period, (int, float)) \
            or not math.isfinite(period) or period <= 0:
        raise ValueError(f"period: {period!r} is not allowed; give 'week', 'month', 'quarter' "
                         "or a number of days above 0")
    return float(period), f"{float(period):g} days"


def _label(log: EventLog, fallback: str) -> str:
    return log.meta.get("scenario", {}).get("name") or fallback


def _replications(logs) -> dict[str, list[EventLog]]:
    """``{label: [EventLog, ...]}`` from one log, the logs of one scenario's replications,
    or a mapping of labels to either."""
    what = ("logs: expected an EventLog, a list of the EventLogs of one scenario's "
            "replications, or a dict {label: EventLog or list of EventLogs}")
    if isinstance(logs, EventLog):
        logs = [logs]
    if isinstance(logs, Mapping):
        out = {str(k): [v] if isinstance(v, EventLog) else v for k, v in logs.items()}
    elif isinstance(logs, Sequence) and not isinstance(logs, str):
        logs = list(logs)
        first = logs[0] if logs and isinstance(logs[0], EventLog) else None
        out = {_label(first, "run") if first is not None else "run": logs}
    else:
        raise ValueError(f"{what}, got {type(logs).__name__}")
    if not out:
        raise ValueError(f"{what}; got none")
    for label, runs in out.items():
        if isinstance(runs, str) or not isinstance(runs, Sequence) or not runs or \
                not all(isinstance(r, EventLog) for r in runs):
            raise ValueError(f"{what}; {label!r} holds {type(runs).__name__}")
    return {label: list(runs) for label, runs in out.items()}


def release_loop_series(logs, *, period: str | float = "month") -> pd.DataFrame:
    """The release loop per period, over replications: interval, release size, failure rate.

    Each replication's planned deployments (:func:`devsim.metrics.releases`, the whole run
    from day 0) are put in the period in which they reached production; per replication and
    period come the mean interval since the previous release, the mean changes per release
    and the share of releases that failed; over replications, each one's mean and 95% CI
    (:func:`devsim.experiment.mean_ci`). A replication with no release in a period has no
    value there (it is left out, not counted as 0); ``n`` says how many had one.

    Parameters
    ----------
    logs : EventLog, list of EventLog, or dict
        One run; the runs of one scenario's replications (e.g.
        :func:`devsim.experiment.run_logs`); or ``{label: EventLog or list of EventLogs}``
        for several scenarios. A list is labelled with the first log's scenario name.
    period : {"month", "quarter", "week"} or float
        The period's length: a twelfth or a quarter of a 365-day year, a week, or a number
        of days.

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, period) from the run's start to its end: ``scenario``,
        ``period`` (1 = the first), ``start_day``, ``end_day``, ``replications``, ``n``
        (replications with a release in the period), ``releases`` (mean releases per
        replication, 0 counted), ``interval_days``, ``size`` (changes per release) and
        ``cfr`` (change failure rate, a share), each with ``_low`` and ``_high`` bounds, and
        ``planned_interval_days`` (the scenario's release train interval, NaN if unknown).
    """
    days, _ = _period_days(period)
    rows = []
    for label, runs in _replications(logs).items():
        end_day = max(float(log.end_hours) for log in runs) / 24.0
        n_periods = max(1, int(math.ceil(end_day / days - 1e-9)))
        per_run = []
        for log in runs:
            rel = releases(log)
            k = np.floor(rel["day"].to_numpy(dtype=float) / days).astype(int)
            per_run.append(rel.assign(period=np.minimum(k, n_periods - 1) + 1))
        planned = [log.meta.get("scenario", {}).get("release_interval_days") for log in runs]
        planned = float(planned[0]) if planned and planned[0] is not None else math.nan
        for p in range(1, n_periods + 1):
            counts, intervals, sizes, cfrs = [], [], [], []
            for rel in per_run:
                here = rel[rel["period"] == p]
                counts.append(len(here))
                intervals.append(float(here["interval_days"].mean()) if len(here) else math.nan)
                sizes.append(float(here["n_items"].mean()) if len(here) else math.nan)
                cfrs.append(float(here["failed"].mean()) if len(here) else math.nan)
            row = {"scenario": label, "period": p, "start_day": (p - 1) * days,
                   "end_day": min(p * days, end_day), "replications": len(runs),
                   "n": int(sum(c > 0 for c in counts)),
                   "releases": float(np.mean(counts))}
            for name, values in (("interval", intervals), ("size", sizes), ("cfr", cfrs)):
                mean, lo, hi = mean_ci(values)
                key = "interval_days" if name == "interval" else name
                row.update({key: mean, f"{name}_low": lo, f"{name}_high": hi})
            row["planned_interval_days"] = planned
            rows.append(row)
    return pd.DataFrame(rows, columns=list(SERIES_COLUMNS))


def release_loop(logs, *, period: str | float = "month") -> "Figure":
    """The release loop as three panels on one time axis, one line per scenario.

    Top: days between releases (the train's planned interval dashed); middle: changes per
    release; bottom: the change failure rate. Each line is the mean over replications per
    period, its band the 95% CI (:func:`release_loop_series`); a period in which no
    replication released has no point.

    Parameters
    ----------
    logs : EventLog, list of EventLog, dict, or pandas.DataFrame
        What :func:`release_loop_series` takes, or the table it returns.
    period : {"month", "quarter", "week"} or float
        The period of the series (ignored when a table is given).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(logs, pd.DataFrame):
        missing = [c for c in SERIES_COLUMNS if c not in logs.columns]
        if missing:
            raise ValueError(f"logs: the table lacks columns {missing}; pass the table that "
                             "plots.release_loop_series(...) returns, or the event logs")
        series = logs
        span = (series["end_day"] - series["start_day"]).max() if len(series) else math.nan
        word = next((w for w, d in PERIOD_DAYS.items() if abs(d - span) < 1e-6), None)
    else:
        _, word = _period_days(period)
        series = release_loop_series(logs, period=period)
    if word not in PERIOD_DAYS:
        word = "period"
    labels = list(dict.fromkeys(series["scenario"]))
    fig = new_figure((10, 9), left=1.05, right=0.3, top=0.75, bottom=0.7, grid=(3, 1), hgap=0.55)
    axes = [fig.add_subplot(3, 1, 1)]
    axes += [fig.add_subplot(3, 1, i, sharex=axes[0]) for i in (2, 3)]
    cfr_scale = scale_or_plain("change_failure_rate", 0.5)
    panels = (
        ("interval_days", "interval", 1.0, "Days since the\nprevious release",
         "Days between releases (dashed: the train's planned interval)"),
        ("size", "size", 1.0, "Changes per\nrelease",
         "Changes per release"),
        ("cfr", "cfr", cfr_scale[0], column_title("change_failure_rate", cfr_scale),
         "Change failure rate: releases that needed intervention"),
    )
    for ax, (col, stem, factor, ylabel, heading) in zip(axes, panels):
        style(ax)
        for i, label in enumerate(labels):
            s = series[series["scenario"] == label]
            colour = PALETTE[i % len(PALETTE)]
            x = s["period"].to_numpy(dtype=float)
            y = s[col].to_numpy(dtype=float) * factor
            lo = s[f"{stem}_low"].to_numpy(dtype=float)
            hi = s[f"{stem}_high"].to_numpy(dtype=float)
            if stem == "cfr":
                bounds = [clip_ci("change_failure_rate", a, b) for a, b in zip(lo, hi)]
                lo = np.array([b[0] for b in bounds]) * factor
                hi = np.array([b[1] for b in bounds]) * factor
            else:
                lo = np.maximum(lo, 0.0) * factor
                hi = hi * factor
            ok = np.isfinite(y)
            band = ok & np.isfinite(lo) & np.isfinite(hi)
            if band.any():
                ax.fill_between(x, np.where(band, lo, np.nan), np.where(band, hi, np.nan),
                                color=colour, alpha=0.22, lw=0, zorder=1)
            ax.plot(x[ok], y[ok], "-", color=colour, lw=2.4, ms=5, zorder=3, label=label,
                    marker="osD^v*"[i % 6])
        ax.set_ylabel(ylabel, fontsize=FONT)
        ax.set_ylim(bottom=0)
        title(ax, heading)
    planned = series.drop_duplicates("scenario")["planned_interval_days"]
    planned = planned[planned > 0].unique()  # no train, no planned interval
    for j, days in enumerate(sorted(planned)):
        axes[0].axhline(days, color=GREY, ls="--", lw=1.5, zorder=2,
                        label="planned interval" if j == 0 else None)
    if len(series) and series["cfr"].notna().any():
        axes[2].set_ylim(0, 105 if cfr_scale[0] == 100.0 else 1.05)
    axes[0].legend(fontsize=SMALL, frameon=False, loc="upper left")
    for ax in axes[:2]:
        ax.tick_params(labelbottom=False)
    n_periods = int(series["period"].max()) if len(series) else 1
    step = max(1, int(math.ceil(n_periods / 13)))  # at most 13 labels fit a projector
    axes[2].set_xticks(range(1, n_periods + 1, step))
    axes[2].set_xlim(0.5, n_periods + 0.5)
    axes[2].set_xlabel(f"{word.capitalize()} of the run (1 = the first)", fontsize=FONT)
    reps = sorted(set(series["replications"].astype(int))) if len(series) else [0]
    runs = f"{reps[0]} run{'s' if reps[0] != 1 else ''}" if len(reps) == 1 else \
        f"{reps[0]}-{reps[-1]} runs"
    fig.suptitle(f"The release loop {word} by {word}: mean of {runs} per scenario, shaded 95% CI",
                 fontsize=FONT, x=0.02, ha="left", y=0.985)
    return fig
