"""Metrics (devsim.metrics) on a hand-built event log: every number worked out by hand.

No simulation here. The log below is small enough to check with pencil and paper; each
test spells out the arithmetic in a comment and compares exactly (or to 1e-12 where a
division is involved). Definitions are today's (see the module docstring of metrics).

The window is [100, 340) hours: 240 hours = 10 days. Times are hours from the start.

Items (``deployed`` NaN = still in progress at the end)::

    id  kind     arrival committed deployed  escaped
    0   feature    50      90       110       no      arrived in the warm-up, deployed inside
    1   feature   120     150       160       yes
    2   feature   130     200       230       no
    3   fix       200     210       220       no
    4   feature   300     335       NaN       no      in progress
    5   feature    10      40        60       no      done before the window: not counted
    6   feature   320     330       NaN       no      still deploying at the end

Deploys (in the window: 0-4; 5 is before it, 6 exactly at its end, which is outside)::

    id  kind    time  failed  rework
    0   change  110   no      no
    1   change  160   no      no       caused incident 0
    2   change  175   yes     no       its rollback is incident 1
    3   change  220   no      yes      holds only the fix item 3
    4   change  230   no      no
    5   change   60   no      no       caused incident 3 (before the window)
    6   hotfix  340   no      yes

Incidents::

    id  deploy  cause          start  restored
    0   1       defect          180    190      10 h
    1   2       failed_deploy   175    177       2 h
    2   NaN     security        250    NaN       not restored yet
    3   5       defect           90    140      started before the window: not counted
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from devsim.log import DEPLOY_COLUMNS, INCIDENT_COLUMNS, ITEM_COLUMNS, STAGE_COLUMNS, EventLog
from devsim.metrics import (dora_metrics, flow_metrics, releases, security_incidents_per_week,
                            stage_times, summarise, utilisation, wip_series)

NAN = math.nan
START, END = 100.0, 340.0          # 10 days
CAPACITY = {"dev": 2, "ops": 1, "qa": 1, "security": 1}
HEADCOUNT = 5

ITEMS = [
    # item_id, kind, team, size, arrival, committed, deployed, defective, security_flaw, escaped
    (0, "feature", "dev", 8.0, 50.0, 90.0, 110.0, False, False, False),
    (1, "feature", "dev", 6.0, 120.0, 150.0, 160.0, True, False, True),
    (2, "feature", "dev", 10.0, 130.0, 200.0, 230.0, True, True, False),
    (3, "fix", "dev", 2.0, 200.0, 210.0, 220.0, False, False, False),
    (4, "feature", "dev", 5.0, 300.0, 335.0, NAN, False, False, False),
    (5, "feature", "dev", 4.0, 10.0, 40.0, 60.0, True, False, True),
    (6, "feature", "dev", 2.0, 320.0, 330.0, NAN, False, False, False),
]

STAGES = [
    # item_id, stage, team, queued, started, finished, effort, work_hours, work_type
    (0, "develop", "dev", 50.0, 60.0, 90.0, 8.0, 30.0, "planned"),        # r0 before window
    (0, "deploy", "ops", 90.0, 95.0, 110.0, 2.0, 15.0, "planned"),        # r1 straddles start
    (1, "develop", "dev", 120.0, 130.0, 150.0, 6.0, 20.0, "planned"),     # r2
    (1, "pipeline", "pipeline", 150.0, 150.0, 152.0, 0.0, 2.0, "planned"),  # r3
    (1, "deploy", "ops", 152.0, 155.0, 160.0, 1.0, 5.0, "planned"),       # r4 person ...
    (1, "deploy", "pipeline", 152.0, 158.0, 160.0, 0.0, 2.0, "planned"),  # r5 ... + pipeline
    (1, "triage", "ops", 185.0, 185.0, 188.0, 3.0, 3.0, "unplanned"),     # r6 incident work
    (2, "develop", "dev", 130.0, 140.0, 180.0, 10.0, 40.0, "planned"),    # r7
    (2, "test", "qa", 180.0, 185.0, 190.0, 2.0, 5.0, "planned"),          # r8
    (2, "fix", "dev", 190.0, 190.0, 200.0, 4.0, 10.0, "rework"),          # r9
    (2, "deploy", "ops", 200.0, 220.0, 230.0, 1.0, 10.0, "planned"),      # r10
    (3, "develop", "dev", 200.0, 200.0, 210.0, 2.0, 10.0, "planned"),     # r11
    (3, "deploy", "pipeline", 210.0, 215.0, 220.0, 0.0, 5.0, "planned"),  # r12
    (4, "develop", "dev", 300.0, 310.0, 335.0, 5.0, 25.0, "planned"),     # r13
    (5, "develop", "dev", 10.0, 10.0, 40.0, 4.0, 30.0, "planned"),        # r14 before window
    (6, "develop", "dev", 320.0, 320.0, 330.0, 2.0, 10.0, "planned"),     # r15
    (6, "deploy", "ops", 330.0, 330.0, 345.0, 2.0, 15.0, "planned"),      # r16 straddles end
]

DEPLOYS = [
    # deploy_id, kind, started, time, n_items, failed, rework
    (0, "change", 105.0, 110.0, 1, False, False),
    (1, "change", 155.0, 160.0, 1, False, False),
    (2, "change", 170.0, 175.0, 0, True, False),
    (3, "change", 215.0, 220.0, 1, False, True),
    (4, "change", 225.0, 230.0, 1, False, False),
    (5, "change", 55.0, 60.0, 1, False, False),
    (6, "hotfix", 335.0, 340.0, 0, False, True),
]

INCIDENTS = [
    # incident_id, item_id, deploy_id, cause, start, detected, restored, responder, action
    (0, 1, 1, "defect", 180.0, 185.0, 190.0, "ops", "hotfix"),
    (1, NAN, 2, "failed_deploy", 175.0, 175.0, 177.0, "ops", "rollback"),
    (2, 2, NAN, "security", 250.0, 260.0, NAN, "security", "hotfix"),
    (3, 5, 5, "defect", 90.0, 100.0, 140.0, "ops", "ops_fix"),
]


# Tables as a real team would have them: no lineage, and each deploy row its own deployment
# (EventLog.from_frames fills those columns).
_ITEM_COLUMNS = [c for c in ITEM_COLUMNS if c != "lineage"]
_DEPLOY_COLUMNS = [c for c in DEPLOY_COLUMNS if c not in ("deployment", "attempt")]


def _frames(items=ITEMS, stages=STAGES, deploys=DEPLOYS, incidents=INCIDENTS):
    return dict(items=pd.DataFrame.from_records(items, columns=_ITEM_COLUMNS),
                stages=pd.DataFrame.from_records(stages, columns=list(STAGE_COLUMNS)),
                deploys=pd.DataFrame.from_records(deploys, columns=_DEPLOY_COLUMNS),
                incidents=pd.DataFrame.from_records(incidents, columns=list(INCIDENT_COLUMNS)))


def _log(**tables) -> EventLog:
    return EventLog.from_frames(**_frames(**tables), start_hours=START, end_hours=END,
                                capacity=CAPACITY, headcount=HEADCOUNT,
                                work_hours_per_week=40.0, cost_per_person_hour=100.0)


@pytest.fixture
def log() -> EventLog:
    return _log()


# --- DORA keys --------------------------------------------------------------------------------

def test_deployment_frequency_counts_planned_deployments_inside_the_window(log):
    # Deployments 0-4 lie in [100, 340); 5 (t=60) is before, 6 (t=340) on the open end.
    # Planned: 0, 1, 2, 4 (3 holds only a fix: rework). 4 / 10 days = 0.4 per day; the
    # failed deploy 2 is a deployment too (a real team's record with no retry of it).
    # Beside it: 5 attempts - 4 planned = 1 other deploy in 10 days = 0.7 a week.
    m = dora_metrics(log)
    assert m["deploy_frequency_per_day"] == pytest.approx(0.4, rel=1e-12)
    assert m["unplanned_deploys_per_week"] == pytest.approx(0.7, rel=1e-12)
    assert flow_metrics(log)["deploys_per_week"] == pytest.approx(3.5, rel=1e-12)


def test_a_retried_deployment_counts_once_and_as_failed():
    # Deploy 2 failed and was retried as deploy 7 (same deployment, attempt 2): one planned
    # deployment, which needed intervention.
    rows = [(*r[:1], r[0], 1, *r[1:]) for r in DEPLOYS]
    rows.append((7, 2, 2, "change", 176.0, 180.0, 0, False, False))
    frames = _frames()
    frames["deploys"] = pd.DataFrame.from_records(rows, columns=list(DEPLOY_COLUMNS))
    m = dora_metrics(EventLog.from_frames(**frames, start_hours=START, end_hours=END,
                                          capacity=CAPACITY, headcount=HEADCOUNT))
    assert m["deploy_frequency_per_day"] == pytest.approx(0.4, rel=1e-12)
    assert m["change_failure_rate"] == pytest.approx(0.5, rel=1e-12)
    # 6 attempts in the window, 4 planned deployments: 2 others in 10 days.
    assert m["unplanned_deploys_per_week"] == pytest.approx(1.4, rel=1e-12)


def test_lead_time_median_and_p90_from_commit_and_from_arrival(log):
    # Delivered in the window: items 0, 1, 2, 3 (5 deployed at 60, 4 and 6 not yet).
    # commit -> production: 20, 10, 30, 10 -> sorted 10, 10, 20, 30:
    #   median (10+20)/2 = 15; p90 (numpy, linear) at rank 0.9*3 = 2.7: 20 + 0.7*10 = 27.
    # arrival -> production: 60, 40, 100, 20 -> sorted 20, 40, 60, 100:
    #   median 50; p90 at rank 2.7: 60 + 0.7*40 = 88.
    m = dora_metrics(log)
    assert m["lead_time_hours"] == pytest.approx(15.0, rel=1e-12)
    assert m["lead_time_p90_hours"] == pytest.approx(27.0, rel=1e-12)
    assert m["flow_lead_time_hours"] == pytest.approx(50.0, rel=1e-12)
    assert m["flow_lead_time_p90_hours"] == pytest.approx(88.0, rel=1e-12)


def test_change_failure_rate_counts_planned_deployments_that_needed_intervention(log):
    # Planned deployments in the window: 0, 1, 2, 4. Deploy 1 caused incident 0, deploy 2
    # failed (its rollback is incident 1); deploy 5 caused incident 3 but lies outside.
    # The rework deployment 3 is not in the denominator. 2 / 4 = 0.5.
    assert dora_metrics(log)["change_failure_rate"] == pytest.approx(0.5, rel=1e-12)
    # Without incident 0, deploy 1 is a success: 1 / 4.
    fewer = _log(incidents=[r for r in INCIDENTS if r[0] != 0])
    assert dora_metrics(fewer)["change_failure_rate"] == pytest.approx(0.25, rel=1e-12)
    # Without the failed flag, deploy 2 still failed: an incident (its rollback) is linked.
    unflagged = _log(deploys=[(*r[:5], False, r[6]) for r in DEPLOYS])
    assert dora_metrics(unflagged)["change_failure_rate"] == pytest.approx(0.5, rel=1e-12)


def test_failures_per_change_counts_incidents_of_planned_deployments(log):
    # Planned deployments 0, 1, 2, 4 carried 1 + 1 + 0 + 1 = 3 changes; incidents linked to
    # them: 0 (deploy 1) and 1 (deploy 2). 2 / 3.
    assert dora_metrics(log)["failures_per_change"] == pytest.approx(2 / 3, rel=1e-12)


def test_time_to_restore_is_the_median_over_service_incidents_in_the_window(log):
    # Incidents starting in the window: 0 (defect, 10 h), 1 (a failed deploy's rollback: not
    # a service incident, left out), 2 (not restored: left out). Median: 10.
    # Incident 3 (50 h) started before the window.
    assert dora_metrics(log)["time_to_restore_hours"] == pytest.approx(10.0, rel=1e-12)


def test_recovery_time_is_the_median_over_failures_caused_by_deployments(log):
    # Failed deployment recovery time (DORA 2023-): incidents linked to a deployment in the
    # window: 0 (10 h) and 1 (2 h); 2 has no deploy and no restore. Median 6.
    assert dora_metrics(log)["recovery_time_hours"] == pytest.approx(6.0, rel=1e-12)


def test_rework_rate_is_the_share_of_unplanned_deploys(log):
    # Deploy 3 (only a fix) is rework; hotfix 6 is too but lies on the window's end. 1 / 5.
    assert dora_metrics(log)["rework_rate"] == pytest.approx(0.2, rel=1e-12)


# --- flow ---------------------------------------------------------------------------------------

def test_releases_are_the_planned_deployments_of_the_whole_run_in_time_order(log):
    # Planned (not rework): 5 (t=60, before the window, caused incident 3), 0 (110), 1 (160,
    # caused incident 0), 2 (175, a failed attempt, 0 changes), 4 (230). 3 and 6 are rework.
    rel = releases(log)
    assert list(rel.columns) == ["deployment", "time", "day", "n_items", "failed",
                                 "interval_days"]
    assert rel["deployment"].tolist() == [5, 0, 1, 2, 4]
    assert rel["time"].tolist() == [60.0, 110.0, 160.0, 175.0, 230.0]
    assert rel["day"].tolist() == [2.5, 110 / 24, 160 / 24, 175 / 24, 230 / 24]
    assert rel["n_items"].tolist() == [1, 1, 1, 0, 1]
    assert rel["failed"].tolist() == [True, False, True, True, False]
    assert math.isnan(rel["interval_days"].iloc[0])
    assert rel["interval_days"].iloc[1:].tolist() == pytest.approx([50 / 24, 50 / 24, 15 / 24,
                                                                     55 / 24], abs=1e-12)


def test_releases_of_a_log_without_deploys_is_an_empty_table():
    rel = releases(_log(deploys=[], incidents=[]))
    assert rel.empty and "interval_days" in rel.columns


def test_throughput_and_mean_flow_time(log):
    # 4 changes delivered in 10 days = 0.4 per day; flow times 60, 40, 100, 20: mean 55.
    m = flow_metrics(log)
    assert m["throughput_per_day"] == pytest.approx(0.4, rel=1e-12)
    assert m["mean_flow_time_hours"] == pytest.approx(55.0, rel=1e-12)


def test_mean_wip_is_the_exact_time_average_over_the_window(log):
    # Time each change spends in the system, clipped to [100, 340] (in progress = until 340):
    # 0: 100-110 = 10, 1: 40, 2: 100, 3: 20, 4: 300-340 = 40, 5: 0 (done at 60), 6: 20.
    # Sum 230 change-hours / 240 hours.
    assert flow_metrics(log)["mean_wip"] == pytest.approx(230 / 240, rel=1e-12)


def test_flow_efficiency_is_worked_time_over_flow_time(log):
    # Planned stage rows of the delivered items 0-3 (the triage row r6 is unplanned):
    # 30+15 + 20+2+5+2 + 40+5+10+10 + 10+5 = 154 hours worked (work before the window
    # included: the measure follows the change). Flow times sum to 220. 154 / 220 = 0.7.
    assert flow_metrics(log)["flow_efficiency"] == pytest.approx(0.7, rel=1e-12)


def test_unplanned_and_rework_shares_of_effort_finished_in_the_window(log):
    # Effort of stage rows finishing in [100, 340) (not r0, r14 before; not r16 at 345):
    # 2+6+0+1+0+3+10+2+4+1+2+0+5+2 = 38 person-hours; unplanned (triage) 3, rework (fix) 4.
    m = flow_metrics(log)
    assert m["unplanned_work_share"] == pytest.approx(3 / 38, rel=1e-12)
    assert m["rework_work_share"] == pytest.approx(4 / 38, rel=1e-12)


def test_escaped_defect_rate_is_the_share_of_delivered_features(log):
    # Delivered features 0, 1, 2 (the fix 3 does not count); only 1 escaped. Item 5 escaped
    # too but was delivered before the window.
    assert flow_metrics(log)["escaped_defect_rate"] == pytest.approx(1 / 3, rel=1e-12)


def test_incident_rates_per_week(log):
    # Incidents starting in the window: 0, 1, 2 -> 3 in 10 days = 2.1 per week; one of them
    # (2) security -> 0.7 per week.
    m = flow_metrics(log)
    assert m["incidents_per_week"] == pytest.approx(2.1, rel=1e-12)
    assert m["security_incidents_per_week"] == pytest.approx(0.7, rel=1e-12)
    assert security_incidents_per_week(log) == pytest.approx(0.7, rel=1e-12)


def test_effort_people_hours_and_cost_per_delivered_feature(log):
    # 38 person-hours of effort over 3 delivered features. Paid: 5 people x 40 h/week x
    # 10/7 weeks = 2000/7 person-hours; per feature 2000/21; at 100 per hour 200000/21.
    m = flow_metrics(log)
    assert m["effort_person_hours_per_change"] == pytest.approx(38 / 3, rel=1e-12)
    assert m["people_hours_per_change"] == pytest.approx(2000 / 21, rel=1e-12)
    assert m["cost_per_change"] == pytest.approx(200000 / 21, rel=1e-12)


# --- utilisation, stage times, WIP series ----------------------------------------------------

def test_utilisation_clips_work_to_the_window(log):
    # Work of a row = [finished - work_hours, finished], clipped to [100, 340]:
    # dev: r0 and r14 end before 100 (0), r2 20, r7 40, r9 10, r11 10, r13 25, r15 10 = 115
    #      over 2 people x 240 h;
    # ops: r1 100-110 = 10 (5 h in the warm-up dropped), r4 5, r6 3, r10 10,
    #      r16 330-340 = 10 (5 h after the end dropped) = 38 over 240 h;
    # qa: r8 5 over 240 h; security: no work. Pipelines have no capacity, so no entry.
    u = utilisation(log)
    assert set(u) == set(CAPACITY)
    assert u["dev"] == pytest.approx(115 / 480, rel=1e-12)
    assert u["ops"] == pytest.approx(38 / 240, rel=1e-12)
    assert u["qa"] == pytest.approx(5 / 240, rel=1e-12)
    assert u["security"] == 0.0


def test_stage_times_wait_work_and_visits_per_delivered_change(log):
    # Planned rows of items 0-3; wait = finished - queued - work_hours. Divided by 4 changes.
    # develop: wait 10+10+10+0 = 30, work 30+20+40+10 = 100, 4 people rows  -> 7.5, 25, 1
    # fix:     wait 0, work 10, 1 row                                          -> 0, 2.5, 0.25
    # pipeline: wait 0, work 2, no people row: 1 pipeline row                  -> 0, 0.5, 0.25
    # test:    wait 5, work 5, 1 row                                           -> 1.25, 1.25, 0.25
    # deploy:  wait 5+3+6+20+5 = 39, work 15+5+2+10+5 = 37; 3 people rows (a person and a
    #          pipeline on one deploy are one visit)                           -> 9.75, 9.25, 0.75
    # The unplanned triage row is not part of any change's path.
    t = stage_times(log)
    assert list(t.index) == ["develop", "fix", "pipeline", "test", "deploy"]  # flow order
    assert list(t.columns) == ["wait_hours", "work_hours", "visits"]
    expected = pd.DataFrame(
        {"wait_hours": [7.5, 0.0, 0.0, 1.25, 9.75], "work_hours": [25.0, 2.5, 0.5, 1.25, 9.25],
         "visits": [1.0, 0.25, 0.25, 0.25, 0.75]}, index=t.index)
    pd.testing.assert_frame_equal(t, expected, check_exact=False, rtol=1e-12, check_names=False)


def test_stage_times_puts_an_unknown_stage_after_the_known_ones():
    # A real team's "canary" stage: not in the course's value stream, kept, and placed last.
    # Wait 208 - 205 - 2 = 1, work 2, one visit; over the 4 delivered changes.
    extra = (3, "canary", "ops", 205.0, 206.0, 208.0, 1.0, 2.0, "planned")
    t = stage_times(_log(stages=[extra] + STAGES))
    assert list(t.index) == ["develop", "fix", "pipeline", "test", "deploy", "canary"]
    assert t.loc["canary"].tolist() == pytest.approx([0.25, 0.5, 0.25], rel=1e-12)


def test_wip_series_steps_at_every_arrival_and_deployment(log):
    # Arrivals +1 at 10, 50, 120, 130, 200, 300, 320; deployments -1 at 60, 110, 160, 220, 230.
    w = wip_series(log)
    assert w["time"].tolist() == [10, 50, 60, 110, 120, 130, 160, 200, 220, 230, 300, 320]
    assert w["wip"].tolist() == [1, 2, 1, 0, 1, 2, 1, 2, 1, 0, 1, 2]
    assert w["wip"].iloc[-1] == 2  # items 4 and 6 are still in progress


# --- everything at once, and nothing to measure ----------------------------------------------

def test_summarise_is_dora_plus_flow_plus_utilisation_per_team(log):
    s = summarise(log)
    dora, flow = dora_metrics(log), flow_metrics(log)
    util = {f"utilisation_{t}": u for t, u in utilisation(log).items()}
    keys = list(s)
    # DORA's keys first, then the flow metrics, utilisation per team last (metrics added
    # with @summarised, if any, sit between flow and utilisation).
    assert keys[:len(dora) + len(flow)] == list(dora) + list(flow)
    assert keys[-len(util):] == list(util)
    assert {k: s[k] for k in [*dora, *flow, *util]} == pytest.approx(
        {**dora, **flow, **util}, rel=1e-12, nan_ok=True)
    assert {"utilisation_dev", "utilisation_ops", "utilisation_qa", "utilisation_security"} <= set(s)
    assert all(isinstance(v, float) for v in s.values())


def test_an_empty_log_gives_nan_where_nothing_is_measurable():
    """No change, deploy or incident: rates are 0, medians and shares of nothing are NaN."""
    empty = EventLog.from_frames(start_hours=0.0, end_hours=240.0, capacity={"dev": 2},
                                 headcount=2, cost_per_person_hour=100.0)
    s = summarise(empty)
    nan = {"lead_time_hours", "lead_time_p90_hours", "flow_lead_time_hours",
           "flow_lead_time_p90_hours", "change_failure_rate", "time_to_restore_hours",
           "recovery_time_hours", "failures_per_change",
           "rework_rate", "mean_flow_time_hours", "flow_efficiency", "escaped_defect_rate"}
    assert {k for k, v in s.items() if math.isnan(v)} == nan
    zero = {"deploy_frequency_per_day", "throughput_per_day", "mean_wip", "unplanned_work_share",
            "rework_work_share", "incidents_per_week", "security_incidents_per_week",
            "effort_person_hours_per_change", "deploys_per_week", "utilisation_dev",
            "unplanned_deploys_per_week"}
    assert {k for k, v in s.items() if v == 0.0} == zero
    # People are paid whether or not anything ships: 2 x 40 h x 10/7 weeks, over max(0, 1).
    assert s["people_hours_per_change"] == pytest.approx(800 / 7, rel=1e-12)
    assert s["cost_per_change"] == pytest.approx(80000 / 7, rel=1e-12)
    assert len(wip_series(empty)) == 0 and len(stage_times(empty)) == 0


def test_deploys_but_no_incident_gives_zero_failures_and_no_restore_time():
    m = dora_metrics(_log(incidents=[]))
    # Only deploy 2's own failed flag is left: 1 of 4 planned deployments. Nothing to
    # restore: NaN.
    assert m["change_failure_rate"] == pytest.approx(0.25, rel=1e-12)
    assert math.isnan(m["time_to_restore_hours"])
    assert np.isfinite(m["lead_time_hours"])
