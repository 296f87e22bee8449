"""The event log (devsim.log): its tables, and EventLog.from_frames for records from elsewhere.

``from_frames`` is what makes the README's promise true: the metric functions read a real
team's deploy and incident records as they read a simulated run.
"""
from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from devsim import presets, run
from devsim.dora import classify_all, overall_cluster
from devsim.log import DEPLOY_COLUMNS, INCIDENT_COLUMNS, ITEM_COLUMNS, STAGE_COLUMNS, EventLog
from devsim.metrics import dora_metrics, stage_times, summarise

TABLES = {"items": ITEM_COLUMNS, "stages": STAGE_COLUMNS, "deploys": DEPLOY_COLUMNS,
          "incidents": INCIDENT_COLUMNS}


def _rewrap(log: EventLog) -> EventLog:
    """The log's four tables, passed through from_frames as a real team's export would be."""
    return EventLog.from_frames(
        **{t: getattr(log, t).copy() for t in TABLES}, start_hours=log.start_hours,
        end_hours=log.end_hours, capacity=log.capacity, headcount=log.headcount,
        work_hours_per_week=log.work_hours_per_week, cost_per_person_hour=log.cost_per_person_hour)


@pytest.mark.parametrize("name", ["siloed", "collaborative"])
def test_a_runs_tables_rewrapped_give_the_same_metrics(name):
    """Model log -> four DataFrames -> from_frames -> summarise: the same numbers (exact)."""
    s = replace(presets()[name], horizon_days=90.0, warmup_days=15.0)
    log = run(s, seed=31)
    for table, columns in TABLES.items():
        assert tuple(getattr(log, table).columns) == tuple(columns), table
    assert len(log.items) > 10 and len(log.deploys) > 0
    back = _rewrap(log)
    expected, got = summarise(log), summarise(back)
    assert list(got) == list(expected)
    assert got == pytest.approx(expected, rel=0, abs=0, nan_ok=True)
    pd.testing.assert_frame_equal(stage_times(back), stage_times(log), check_exact=True)


def test_from_frames_copies_the_capacity_it_is_given():
    capacity = {"dev": 3}
    log = EventLog.from_frames(start_hours=0.0, end_hours=24.0, capacity=capacity)
    capacity["dev"] = 99
    assert log.capacity == {"dev": 3}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_missing_columns_are_named_in_the_error(table):
    # lineage, deployment and attempt may be missing (from_frames fills them); the rest not.
    columns = [c for c in TABLES[table] if c not in ("lineage", "deployment", "attempt")]
    dropped = [columns[1], columns[-1]]
    frame = pd.DataFrame(columns=[c for c in columns if c not in dropped])
    with pytest.raises(ValueError) as info:
        EventLog.from_frames(**{table: frame}, start_hours=0.0, end_hours=24.0)
    message = str(info.value)
    assert message.startswith(f"{table}:"), message
    assert all(c in message for c in dropped), message
    # Only the missing ones are named.
    assert columns[0] not in message.split(":", 1)[1]


def test_missing_tables_are_empty_with_their_columns():
    log = EventLog.from_frames(start_hours=0.0, end_hours=48.0)
    for table, columns in TABLES.items():
        frame = getattr(log, table)
        assert len(frame) == 0 and tuple(frame.columns) == tuple(columns), table
    assert log.capacity == {} and log.headcount == 0


def test_extra_columns_of_a_real_export_are_kept_and_ignored():
    deploys = pd.DataFrame({"deploy_id": [0, 1], "kind": ["change", "change"],
                            "started": [1.0, 30.0], "time": [2.0, 31.0], "n_items": [1, 2],
                            "failed": [False, True], "rework": [False, False],
                            "commit_sha": ["a1b2", "c3d4"]})
    log = EventLog.from_frames(deploys=deploys, start_hours=0.0, end_hours=48.0)
    assert "commit_sha" in log.deploys.columns
    m = dora_metrics(log)
    assert m["deploy_frequency_per_day"] == pytest.approx(1.0, rel=1e-12)  # 2 in 2 days
    assert m["change_failure_rate"] == pytest.approx(0.5, rel=1e-12)


# --- a real team's records: deploys and incidents, no stages, no items -------------------------

def _real_team() -> EventLog:
    """Four weeks of a team's deploy log and incident log, times in hours since Monday 00:00.

    One deploy every second day at 10:00 (14 deploys). Deploy 3 failed and was rolled back in
    1.5 h; deploy 9 failed too, unnoticed by users (no incident); deploy 6 went out fine but
    caused an outage restored in 4 h; one incident had no deploy behind it (a certificate
    expired), restored in 0.5 h.
    """
    times = [48.0 * k + 10.0 for k in range(14)]
    deploys = pd.DataFrame({
        "deploy_id": range(14), "kind": "change", "started": [t - 0.25 for t in times],
        "time": times, "n_items": 1, "failed": [k in (3, 9) for k in range(14)],
        "rework": False})
    incidents = pd.DataFrame({
        "incident_id": [0, 1, 2], "item_id": [math.nan] * 3, "deploy_id": [3, 6, math.nan],
        "cause": ["failed_deploy", "defect", "defect"],
        "start": [times[3], times[6] + 20.0, 400.0],
        "detected": [times[3], times[6] + 21.0, 400.2],
        "restored": [times[3] + 1.5, times[6] + 24.0, 400.5],
        "responder": "on-call", "action": ["rollback", "hotfix", "ops_fix"]})
    return EventLog.from_frames(deploys=deploys, incidents=incidents, start_hours=0.0,
                                end_hours=28 * 24.0)


def test_a_real_teams_deploy_and_incident_log_gives_the_dora_keys_it_can():
    log = _real_team()
    m = dora_metrics(log)
    # 14 deploys in 28 days.
    assert m["deploy_frequency_per_day"] == pytest.approx(0.5, rel=1e-12)
    # Failed: 3 and 9 (flagged), 6 (caused an incident): 3 of 14.
    assert m["change_failure_rate"] == pytest.approx(3 / 14, rel=1e-12)
    # Time to restore service: incidents 1 (4 h) and 2 (0.5 h); the rollback of a failed
    # deploy is not a service incident. Median 2.25.
    assert m["time_to_restore_hours"] == pytest.approx(2.25, rel=1e-12)
    # Failed deployment recovery time: failures linked to a deploy, 0 (1.5 h) and 1 (4 h).
    assert m["recovery_time_hours"] == pytest.approx(2.75, rel=1e-12)
    assert m["rework_rate"] == 0.0
    # No commit or arrival times in the export: no lead time, said as NaN, not as 0.
    assert math.isnan(m["lead_time_hours"]) and math.isnan(m["flow_lead_time_hours"])


def test_a_real_teams_log_is_summarised_and_classified():
    """The whole pipeline (summarise, classify) runs on the export; what has no data is NaN."""
    s = summarise(_real_team())
    assert s["incidents_per_week"] == pytest.approx(3 / 4, rel=1e-12)
    assert s["deploys_per_week"] == pytest.approx(3.5, rel=1e-12)
    assert math.isnan(s["mean_flow_time_hours"]) and s["throughput_per_day"] == 0.0
    classes = classify_all(s, 2019)
    # 2019 bands: 0.5/day is High ("daily to weekly"), 21% change failure is in the gap after
    # 0-15% so Low, 2.25 h to restore is High ("< 1 day"); no lead time, no cluster.
    assert {k: c.cluster for k, c in classes.items()} == {
        "deploy_frequency_per_day": "high", "lead_time_hours": None,
        "time_to_restore_hours": "high", "change_failure_rate": "low"}
    assert overall_cluster(classes, 2019) == "low"


# --- named rows -------------------------------------------------------------------------------

def test_a_row_with_a_misnamed_column_fails_where_it_is_built():
    from devsim.log import StageRow

    fields = dict(item_id=0, stage="develop", team="dev", queued=0.0, started=0.0,
                  finished=1.0, effort_person_hours=1.0, work_hours=1.0, work_type="planned")
    assert StageRow(**fields)._fields == STAGE_COLUMNS
    wrong = dict(fields)
    wrong["effort_hours"] = wrong.pop("effort_person_hours")
    with pytest.raises(TypeError, match="effort_hours|effort_person_hours"):
        StageRow(**wrong)


def test_every_column_the_metrics_read_is_a_field_of_a_row():
    """A field renamed in devsim.log but not in devsim.metrics (or the reverse) fails here."""
    import re
    from pathlib import Path

    import devsim.metrics

    source = Path(devsim.metrics.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'\[\s*"([a-z_]+)"\s*\]', source))
    columns = set(ITEM_COLUMNS) | set(STAGE_COLUMNS) | set(DEPLOY_COLUMNS) | set(INCIDENT_COLUMNS)
    # columns metrics make themselves (stage_times, wip_series)
    derived = {"wait", "person", "people", "rows", "visits", "delta", "wip", "time",
               "failed_attempt", "caused_incident"}   # deployments()
    unknown = sorted(read - columns - derived)
    assert not unknown, f"devsim/metrics.py reads columns no row has: {unknown}"
    assert {"deployed", "committed", "finished", "work_type", "restored"} <= read
