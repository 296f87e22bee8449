"""Metrics: pure functions of an :class:`~devsim.log.EventLog` (no simpy here).

Every function reads only the log's tables and its measurement window
(``start_hours`` to ``end_hours``), so it works as well on a real team's deploy and
incident records wrapped with :meth:`EventLog.from_frames`.

Definitions: DORA's, as dora.dev's guide to the DORA metrics gives them (see
:func:`dora_metrics`). A *deployment* is one batch of changes going out, its retries
included; it is *planned* unless it was made to fix a user-facing problem. Deployment
frequency counts planned deployments, so firefighting never makes an organisation look
faster; hotfixes and retries are counted beside it and by the rework rate. The change
failure rate is the share of planned deployments that needed immediate intervention.
Time to restore service (DORA 2019-2022) is measured over production incidents; failed
deployment recovery time (DORA 2023-) over failures that deployments caused.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd

from .log import EventLog
from .registry import DORA_KEYS, LABELS, metric
from .valuestream import STAGE_ORDER

__all__ = ["dora_metrics", "deployments", "releases", "flow_metrics", "summarise", "summarised",
           "stage_times", "utilisation", "wip_series", "security_incidents_per_week", "LABELS",
           "DORA_KEYS", "STAGE_ORDER"]

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


def deployments(log: EventLog) -> pd.DataFrame:
    """One row per deployment (a batch going out, its retries included), as DORA counts them.

    Columns: ``deployment`` (id), ``kind``, ``rework`` (unplanned: a hotfix, or only fixes),
    ``time`` (when its last attempt ended), ``attempts``, ``n_items``, ``failed_attempt``
    (an attempt was flagged failed), ``caused_incident`` (an incident is linked to one of
    its attempts: a rollback, or a change it carried failing later) and ``failed`` (either:
    it needed immediate intervention).
    """
    def make() -> pd.DataFrame:
        d = log.deploys
        if not len(d):
            return pd.DataFrame(columns=["deployment", "kind", "rework", "time", "attempts",
                                         "n_items", "failed_attempt", "caused_incident", "failed"])
        inc = log.incidents
        caused_by = set(inc["deploy_id"].dropna().astype(int)) if len(inc) else set()
        g = d.assign(caused=d["deploy_id"].isin(caused_by)).groupby("deployment", sort=True)
        out = g.agg(kind=("kind", "first"), rework=("rework", "first"), time=("time", "max"),
                    attempts=("attempt", "max"), n_items=("n_items", "first"),
                    failed_attempt=("failed", "any"), caused_incident=("caused", "any"))
        out["rework"] = out["rework"].astype(bool)
        out["failed"] = out["failed_attempt"] | out["caused_incident"]
        return out.reset_index()
    return log.derived("deployments", make)


def releases(log: EventLog) -> pd.DataFrame:
    """Every planned deployment of the run in time order: the release train as a time series.

    Reads :func:`deployments` (hotfixes and fix-only deployments left out). Unlike the
    one-number metrics it keeps the whole run, warm-up included, because the release
    cadence evolves from the first day; select ``time >= log.start_hours`` for the
    measurement window.

    Returns
    -------
    pandas.DataFrame
        One row per planned deployment: ``deployment`` (id), ``time`` (hours, when it
        reached production), ``day`` (``time / 24``), ``n_items`` (changes it carried),
        ``failed`` (it needed immediate intervention: a failed attempt, or an incident a
        change in it caused) and ``interval_days`` (days since the previous planned
        deployment; NaN for the first).

    See Also
    --------
    deployments : every deployment, hotfixes included.
    """
    dep = deployments(log)
    columns = ["deployment", "time", "day", "n_items", "failed", "interval_days"]
    if not len(dep):
        return pd.DataFrame(columns=columns)
    planned = dep[~dep["rework"].astype(bool)].sort_values(["time", "deployment"], kind="mergesort")
    time = planned["time"].astype(float)
    return pd.DataFrame({
        "deployment": planned["deployment"].to_numpy(),
        "time": time.to_numpy(),
        "day": (time / 24.0).to_numpy(),
        "n_items": planned["n_items"].astype(int).to_numpy(),
        "failed": planned["failed"].astype(bool).to_numpy(),
        "interval_days": (time.diff() / 24.0).to_numpy(),
    }, columns=columns)


def dora_metrics(log: EventLog) -> dict[str, float]:
    """DORA's keys as dora.dev's guide defines them (plus p90 and flow lead time).

    * deployment frequency: planned deployments (batches of planned changes reaching
      production; a retry is the same deployment) per day;
    * change failure rate: share of those planned deployments that needed immediate
      intervention (a failed attempt rolled back, or a change in it failing in production);
    * deployment rework rate: share of all deployments that were unplanned (hotfixes, and
      deployments holding only fixes);
    * failed deployment recovery time (``recovery_time_hours``, DORA 2023-): median time
      from a deployment's failure to recovery, over failures caused by deployments;
    * time to restore service (``time_to_restore_hours``, DORA 2019-2022): median time from
      a production incident to restored service (rollbacks of failed attempts excluded);
    * failures per change: production failures (failed attempts and incidents) per planned
      change delivered; unplanned and retried deploys per week are shown beside the
      frequency.

    Returns NaN for a metric with nothing to measure (no deployment, no incident).
    """
    days = _window_days(log)
    dep = deployments(log)
    dep = dep[_in_window(dep["time"], log)] if len(dep) else dep
    planned = dep[~dep["rework"]] if len(dep) else dep
    n_attempts = int(_in_window(log.deploys["time"], log).sum()) if len(log.deploys) else 0
    cfr = float(planned["failed"].mean()) if len(planned) else math.nan
    rework = float(dep["rework"].mean()) if len(dep) else math.nan
    done = _deployed_items(log)
    lead = (done["deployed"] - done["committed"]).to_numpy(dtype=float)
    flow = (done["deployed"] - done["arrival"]).to_numpy(dtype=float)
    incidents = log.incidents
    inc = incidents[_in_window(incidents["start"], log)] if len(incidents) else incidents
    duration = (inc["restored"] - inc["start"]) if len(inc) else pd.Series(dtype=float)
    service = duration[inc["cause"] != "failed_deploy"] if len(inc) else duration
    from_deploys = duration[inc["deploy_id"].notna()] if len(inc) else duration
    planned_changes = float(planned["n_items"].sum()) if len(planned) else 0.0
    if len(inc) and len(planned):
        attempts = log.deploys[log.deploys["deployment"].isin(planned["deployment"])]
        failures = int(inc["deploy_id"].isin(attempts["deploy_id"]).sum())
    else:
        failures = 0
    return {
        "deploy_frequency_per_day": len(planned) / days,
        "lead_time_hours": _pct(lead, 50),
        "lead_time_p90_hours": _pct(lead, 90),
        "flow_lead_time_hours": _pct(flow, 50),
        "flow_lead_time_p90_hours": _pct(flow, 90),
        "change_failure_rate": cfr,
        "time_to_restore_hours": _pct(service.dropna().to_numpy(dtype=float), 50),
        "recovery_time_hours": _pct(from_deploys.dropna().to_numpy(dtype=float), 50),
        "rework_rate": rework,
        "failures_per_change": failures / planned_changes if planned_changes else math.nan,
        "unplanned_deploys_per_week": (n_attempts - len(planned)) / days * 7.0,
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
