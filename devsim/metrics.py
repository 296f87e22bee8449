"""Metrics: pure functions of an :class:`~devsim.log.EventLog` (no simpy here).

Every function reads only the log's tables and its measurement window
(``start_hours`` to ``end_hours``), so it works as well on a real team's deploy and
incident records wrapped with :meth:`EventLog.from_frames`.

Definitions (DORA's, as in dora.dev's "DORA metrics" guide):

* deployment frequency: deployments to production per day (failed ones included);
* lead time for changes: from commit (development first finished) to running in
  production; the flow lead time runs from the change's arrival in the backlog;
* change failure rate: share of deployments that failed or caused a production incident;
* time to restore: from failure to restored service (median of incidents);
* deployment rework rate: share of deployments that were unplanned, made to fix a
  user-facing problem (hotfixes, and deploys holding only fixes).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd

from .log import EventLog
from .registry import DORA_KEYS, LABELS, metric
from .valuestream import STAGE_ORDER

__all__ = ["dora_metrics", "flow_metrics", "summarise", "summarised", "stage_times",
           "utilisation", "wip_series", "security_incidents_per_week", "LABELS", "DORA_KEYS",
           "STAGE_ORDER"]

# One-number metrics added with @summarised (beyond the DORA and flow families below).
_SUMMARISED: dict[str, Callable[[EventLog], float]] = {}


def summarised(key: str):
    """Decorator: make a function ``f(log) -> float`` a column of :func:`summarise`.

    ``key`` must have an entry in :mod:`devsim.registry` (its name, unit and which direction
    is better), so that every table, tile and check can show it. Adding a metric is that
    entry plus a function here.
    """
    metric(key)  # a key without a registry entry fails here, naming the metrics

    def decorate(function: Callable[[EventLog], float]) -> Callable[[EventLog], float]:
        _SUMMARISED[key] = function
        return function
    return decorate


def _window_days(log: EventLog) -> float:
    return (log.end_hours - log.start_hours) / 24.0


def _in_window(times: pd.Series, log: EventLog) -> pd.Series:
    return (times >= log.start_hours) & (times < log.end_hours)


def _deployed_items(log: EventLog) -> pd.DataFrame:
    items = log.items
    return log.derived("done", lambda: items[_in_window(items["deployed"], log)])


def dora_metrics(log: EventLog) -> dict[str, float]:
    """DORA's five keys (plus the 90th percentile and the flow lead time).

    Returns NaN for a metric with nothing to measure (no deploy, no incident).
    """
    days = _window_days(log)
    deploys = log.deploys[_in_window(log.deploys["time"], log)]
    incidents = log.incidents
    n_deploys = len(deploys)
    caused = set(incidents["deploy_id"].dropna().astype(int)) if len(incidents) else set()
    if n_deploys:
        failed = deploys["failed"].astype(bool) | deploys["deploy_id"].isin(caused)
        cfr = float(failed.mean())
        rework = float(deploys["rework"].astype(bool).mean())
    else:
        cfr = rework = math.nan
    done = _deployed_items(log)
    lead = (done["deployed"] - done["committed"]).to_numpy(dtype=float)
    flow = (done["deployed"] - done["arrival"]).to_numpy(dtype=float)
    inc = incidents[_in_window(incidents["start"], log)] if len(incidents) else incidents
    restore = (inc["restored"] - inc["start"]).dropna().to_numpy(dtype=float)
    return {
        "deploy_frequency_per_day": n_deploys / days,
        "lead_time_hours": _pct(lead, 50),
        "lead_time_p90_hours": _pct(lead, 90),
        "flow_lead_time_hours": _pct(flow, 50),
        "flow_lead_time_p90_hours": _pct(flow, 90),
        "change_failure_rate": cfr,
        "time_to_restore_hours": _pct(restore, 50),
        "rework_rate": rework,
    }


def _pct(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else math.nan


def wip_series(log: EventLog) -> pd.DataFrame:
    """Changes in progress (arrived, not yet in production) at every change of that count."""
    items = log.items
    ups = pd.DataFrame({"time": items["arrival"], "delta": 1})
    downs = pd.DataFrame({"time": items["deployed"].dropna(), "delta": -1})
    ev = pd.concat([ups, downs]).sort_values("time", kind="mergesort")
    ev["wip"] = ev["delta"].cumsum()
    return ev[["time", "wip"]].reset_index(drop=True)


def _mean_wip(log: EventLog) -> float:
    """Time-average of changes in the system over the window (exact integral)."""
    items = log.items
    a, b = log.start_hours, log.end_hours
    lo = items["arrival"].clip(lower=a, upper=b).to_numpy(dtype=float)
    hi = items["deployed"].fillna(b).clip(lower=a, upper=b).to_numpy(dtype=float)
    return float(np.sum(np.maximum(hi - lo, 0.0)) / (b - a))


def _effort_in_window(log: EventLog) -> pd.DataFrame:
    st = log.stages
    return log.derived("effort", lambda: st[_in_window(st["finished"], log)])


def utilisation(log: EventLog) -> dict[str, float]:
    """Share of each team's time spent working (person-time busy / people x window).

    Each stage's work is taken as ending when the stage finished and clipped to the window,
    so work that began during the warm-up is not counted in full.
    """
    st = log.stages
    a, b = log.start_hours, log.end_hours
    end = st["finished"].clip(upper=b)
    begin = (st["finished"] - st["work_hours"]).clip(lower=a)
    st = st.assign(work_hours=(end - begin).clip(lower=0.0))
    busy = st.groupby("team")["work_hours"].sum()
    span = b - a
    return {team: float(busy.get(team, 0.0)) / (n * span) for team, n in log.capacity.items()}


def stage_times(log: EventLog) -> pd.DataFrame:
    """Where a change's time goes: mean wait and work hours per delivered change, per stage.

    One row per stage in flow order, columns ``wait_hours``, ``work_hours``, ``visits``
    (stage visits per change; above 1 means rework loops).
    """
    done = _deployed_items(log)
    n = max(len(done), 1)
    st = log.stages
    st = st[st["item_id"].isin(done["item_id"]) & (st["work_type"] != "unplanned")]
    st = st.assign(wait=(st["finished"] - st["queued"]) - st["work_hours"],
                   person=(st["team"] != "pipeline").astype(float))
    # Pipeline and people rows of one stage add up (a deploy = a person plus a pipeline);
    # a visit is a people row, or a pipeline row where the stage has no people.
    g = st.groupby("stage").agg(wait_hours=("wait", "sum"), work_hours=("work_hours", "sum"),
                                people=("person", "sum"), rows=("item_id", "size"))
    g["visits"] = g["people"].where(g["people"] > 0, g["rows"])
    g = g[["wait_hours", "work_hours", "visits"]] / n
    flow_order = log.stream.order
    order = [s for s in flow_order if s in g.index] + [s for s in g.index if s not in flow_order]
    return g.loc[order]


def flow_metrics(log: EventLog) -> dict[str, float]:
    """Throughput, WIP, flow efficiency, unplanned work, escaped defects, cost."""
    days = _window_days(log)
    done = _deployed_items(log)
    features = done[done["kind"] == "feature"]
    n_done = len(done)
    flow = (done["deployed"] - done["arrival"]).to_numpy(dtype=float)
    st = log.stages
    planned_rows = st[st["item_id"].isin(done["item_id"]) & (st["work_type"] != "unplanned")]
    worked = float(planned_rows["work_hours"].sum())
    eff = _effort_in_window(log)
    total_effort = float(eff["effort_person_hours"].sum())
    by_type = eff.groupby("work_type")["effort_person_hours"].sum()
    inc = log.incidents
    n_inc = int(_in_window(inc["start"], log).sum()) if len(inc) else 0
    paid = log.headcount * log.work_hours_per_week * days / 7.0
    n_feat = max(len(features), 1)
    return {
        "throughput_per_day": n_done / days,
        "mean_wip": _mean_wip(log),
        "mean_flow_time_hours": float(flow.mean()) if n_done else math.nan,
        "flow_efficiency": worked / float(flow.sum()) if n_done and flow.sum() > 0 else math.nan,
        "unplanned_work_share": float(by_type.get("unplanned", 0.0)) / total_effort if total_effort else 0.0,
        "rework_work_share": float(by_type.get("rework", 0.0)) / total_effort if total_effort else 0.0,
        "escaped_defect_rate": float(features["escaped"].astype(bool).mean()) if len(features) else math.nan,
        "incidents_per_week": n_inc / days * 7.0,
        "security_incidents_per_week": security_incidents_per_week(log),
        "effort_person_hours_per_change": total_effort / n_feat,
        "people_hours_per_change": paid / n_feat,
        "cost_per_change": paid / n_feat * log.cost_per_person_hour,
        "deploys_per_week": int(_in_window(log.deploys["time"], log).sum()) / days * 7.0,
    }


def security_incidents_per_week(log: EventLog) -> float:
    """Production incidents caused by an escaped security flaw, per week of the window."""
    inc = log.incidents
    if not len(inc):
        return 0.0
    inside = _in_window(inc["start"], log)
    return float(((inc["cause"] == "security") & inside).sum()) / _window_days(log) * 7.0


def summarise(log: EventLog) -> dict[str, float]:
    """Every scalar metric of one run (DORA keys, flow metrics, utilisation per team)."""
    out = dora_metrics(log)
    out.update(flow_metrics(log))
    out.update({key: function(log) for key, function in _SUMMARISED.items() if key not in out})
    out.update({f"utilisation_{team}": u for team, u in utilisation(log).items()})
    return out
