"""Functional, extreme-value and deterministic tests of the model (devsim.model.run).

Each test states what it compares with and its margin. "Exact" means equal counts or equal
floating-point clock readings; sums of durations are compared to 1e-9 relative, the
rounding of adding the same numbers in another order.
"""
from __future__ import annotations

import copy
import math
from dataclasses import replace

import pandas as pd
import pytest

from devsim import Scenario, ScenarioError, compare, presets, run, summarise

TABLES = ("items", "stages", "deploys", "incidents")


def _short(s: Scenario, days: float = 120.0, warmup: float = 20.0) -> Scenario:
    return replace(s, horizon_days=days, warmup_days=warmup)


# --- functional -------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(presets()))
def test_items_are_conserved_in_every_preset(name, assert_conserved, assert_metrics_in_range):
    """Every arrived change is deployed or still in progress; items agree with deploys.

    Exact counts (see ``assert_conserved`` in conftest).
    """
    s = _short(presets()[name], days=200.0, warmup=30.0)
    log = run(s, seed=11)
    assert len(log.items) > 20 and len(log.deploys) > 0
    assert_conserved(log)
    assert_metrics_in_range(summarise(log), warmup_days=s.warmup_days)


@pytest.mark.parametrize("name", ["siloed", "collaborative"])
def test_same_seed_gives_identical_logs(name):
    """Same (scenario, seed, replication): identical tables, row for row (exact)."""
    s = _short(presets()[name])
    a, b = run(s, seed=5, replication=2), run(s, seed=5, replication=2)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)
    assert a.meta == b.meta
    # And the seed matters: another replication gives another history.
    c = run(s, seed=5, replication=3)
    assert not a.items["arrival"].equals(c.items["arrival"])


def test_serial_and_process_pool_give_identical_results():
    """compare(..., executor='serial') equals the default process pool, cell for cell."""
    scenarios = [_short(presets()["siloed"]), _short(presets()["collaborative"])]
    serial = compare(scenarios, n=3, seed=2026, executor="serial", progress=False)
    pooled = compare(scenarios, n=3, seed=2026, progress=False)
    pd.testing.assert_frame_equal(serial.frame, pooled.frame, check_exact=True)


@pytest.mark.parametrize("name", sorted(presets()))
def test_run_does_not_change_its_scenario(name):
    """A run leaves the Scenario as it was: same dict, same hash (exact)."""
    s = _short(presets()[name])
    before, digest, twin = s.to_dict(), hash(s), copy.deepcopy(s)
    log = run(s, seed=3)
    summarise(log)
    compare([s], n=2, seed=3, executor="serial", progress=False)
    assert s.to_dict() == before
    assert hash(s) == digest
    assert s == twin
    assert log.meta["scenario"] == before


def test_run_rejects_bad_arguments():
    with pytest.raises(TypeError, match="scenario"):
        run({"name": "x"}, seed=1)
    for bad in (-1, 1.5, True, "1"):
        with pytest.raises(ValueError, match="seed"):
            run(Scenario(), seed=bad)


def test_run_length_and_window():
    """The log's window is (warm-up, horizon) in hours; nothing happens after the horizon."""
    s = _short(presets()["collaborative"], days=90.0, warmup=10.0)
    log = run(s, seed=1)
    assert (log.start_hours, log.end_hours) == (240.0, 2160.0)
    assert log.items["arrival"].max() <= 2160.0
    assert log.stages["finished"].max() <= 2160.0
    assert log.deploys["time"].max() <= 2160.0


# --- extreme values ---------------------------------------------------------------------

NO_DEFECTS = dict(defect_rate_per_hour=0.0, security_flaw_rate_per_hour=0.0)
#: Unplanned work no planned change causes, switched off.
NO_BACKGROUND = dict(background_incidents_per_month=0.0)
NO_UNPLANNED = dict(NO_BACKGROUND, toil_person_hours_per_week=0.0,
                    support_person_hours_per_week=0.0, minor_defects_per_defect=0.0)
NO_DEPLOY_FAILURES = dict(manual_deploy_failure=0.0, automated_deploy_failure=0.0)


@pytest.mark.parametrize("name", ["siloed", "collaborative"])
def test_zero_defects_leaves_only_failed_deploy_incidents(name, assert_conserved):
    """Without defects or flaws, the only production failures are failed deploys (exact)."""
    # Deploys fail often here so that a few failures happen even among monthly releases.
    s = replace(_short(presets()[name], days=200.0), manual_deploy_failure=0.5,
                automated_deploy_failure=0.2, **NO_DEFECTS, **NO_BACKGROUND)
    log = run(s, seed=4)
    assert_conserved(log)
    assert not log.items["defective"].any() and not log.items["security_flaw"].any()
    assert not log.items["escaped"].any()
    assert len(log.incidents) > 0  # failed deploys still happen ...
    assert set(log.incidents["cause"]) == {"failed_deploy"}  # ... and nothing else
    assert (log.items["kind"] == "feature").all()  # no incident, so no fix item


@pytest.mark.parametrize("name", ["siloed", "collaborative"])
def test_zero_defects_and_no_failed_deploys_gives_zero_failure_rate(name, assert_conserved):
    """Nothing can fail: change failure rate and rework rate exactly 0, no incidents."""
    s = replace(_short(presets()[name], days=200.0), **NO_DEFECTS, **NO_DEPLOY_FAILURES,
                **NO_UNPLANNED, clarification_share=0.0)
    log = run(s, seed=4)
    assert_conserved(log)
    m = summarise(log)
    assert len(log.incidents) == 0
    assert m["change_failure_rate"] == 0.0
    assert m["rework_rate"] == 0.0
    assert math.isnan(m["time_to_restore_hours"])  # nothing to restore
    assert m["incidents_per_week"] == 0.0
    assert m["unplanned_work_share"] == 0.0
    assert m["rework_work_share"] == 0.0


@pytest.mark.parametrize("organisation", ["siloed", "collaborative"])
def test_one_person_in_each_team_runs(organisation, assert_conserved, assert_metrics_in_range):
    """The smallest organisation (one person per team) runs and delivers."""
    if organisation == "siloed":
        s = Scenario(organisation="siloed", n_developers=1, n_testers=1, n_ops=1, n_security=1,
                     arrival_rate_per_day=0.15)
    else:
        # Three teams of one person each (developer, tester and ops become generalists).
        s = Scenario(organisation="collaborative", on_call="you_build_it", n_developers=1,
                     n_testers=1, n_ops=1, n_teams=3, n_security=1, arrival_rate_per_day=0.3,
                     release_interval_days=0.0)
    s = _short(s, days=365.0, warmup=0.0)
    log = run(s, seed=8)
    assert_conserved(log)
    m = summarise(log)
    assert_metrics_in_range(m, warmup_days=0.0)
    assert m["throughput_per_day"] > 0 and m["deploy_frequency_per_day"] > 0
    assert all(n == 1 for n in log.capacity.values())


AUTOMATION = ("test_automation", "deployment_automation", "environment_automation",
              "monitoring", "security_scanning")


def test_no_automation_runs_by_hand(assert_conserved, assert_metrics_in_range):
    """All automation 0: every deploy is done by a person, no deploy pipeline, no alerts."""
    s = _short(replace(presets()["siloed"], **{f: 0.0 for f in AUTOMATION}), days=365.0)
    log = run(s, seed=9)
    assert_conserved(log)
    assert_metrics_in_range(summarise(log), warmup_days=s.warmup_days)
    st = log.stages
    deploy_rows = st[st["stage"] == "deploy"]
    assert len(deploy_rows) > 0 and (deploy_rows["team"] != "pipeline").all()
    assert {"test", "environment"} <= set(st["stage"])
    # Without deployment automation an incident is never fixed by an automated rollback.
    real = log.incidents[log.incidents["cause"] != "failed_deploy"]
    assert len(real) > 0 and not (real["action"] == "rollback").any()
    assert (log.items["kind"] == "feature").all()


def test_full_automation_needs_no_manual_steps(assert_conserved, assert_metrics_in_range):
    """All automation 1: no manual test, environment or deploy work; every incident is
    caught by monitoring and restored by an automated rollback, or by the first responder
    where it needs no code: never by a hotfix (exact)."""
    s = _short(replace(presets()["collaborative"], **{f: 1.0 for f in AUTOMATION}), days=365.0)
    log = run(s, seed=9)
    assert_conserved(log)
    assert_metrics_in_range(summarise(log), warmup_days=s.warmup_days)
    st = log.stages
    assert not {"test", "environment"} & set(st["stage"])
    assert (st.loc[st["stage"] == "deploy", "team"] == "pipeline").all()
    inc = log.incidents[log.incidents["cause"] != "operational"]  # not caused by a change
    assert len(inc) > 0
    assert set(inc["action"]) <= {"rollback", "no_code_fix"} and "rollback" in set(inc["action"])
    # Alerts fire after detect_hours_by_monitoring on average (0.1 h): users (12 h) never report.
    real = inc[inc["cause"] != "failed_deploy"]
    assert (real["detected"] - real["start"]).mean() < 1.0


# --- deterministic: fixed sizes, no variability, no waiting ------------------------------

def _deterministic(organisation: str) -> Scenario:
    """Fixed sizes, no defects or failures, no handoff delay, and teams so large that no
    change ever queues: every duration follows from the parameters."""
    extra = dict(on_call="you_build_it", n_teams=1) if organisation == "collaborative" else {}
    return Scenario(
        name="deterministic", organisation=organisation, change_size_distribution="fixed",
        change_size_person_hours=16.0, arrival_rate_per_day=0.5, n_developers=40, n_testers=20,
        n_ops=20, n_security=20, handoff_delay_hours=0.0, approval="peer",
        review_person_hours=1.0, environment_person_hours=4.0, environment_automation=0.5,
        pipeline_hours=0.5, test_automation=0.5, manual_test_ratio=0.5,
        security_review_share=1.0, security_review_person_hours=4.0, deploy_person_hours=3.0,
        deployment_automation=0.5, deploy_pipeline_hours=0.25, release_interval_days=0.0,
        work_hours_per_week=40.0, horizon_days=200.0, warmup_days=20.0,
        clarification_share=0.0, **NO_DEFECTS, **NO_DEPLOY_FAILURES, **NO_UNPLANNED, **extra)


@pytest.mark.parametrize("organisation", ["siloed", "collaborative"])
def test_deterministic_lead_time_is_the_sum_of_the_stages(organisation, assert_conserved):
    """Lead time = the sum of the stage durations computed from the parameters.

    Planned effort e occupies a person for e * 168 / work_hours_per_week calendar hours;
    pipelines run on the clock. Margin: 1e-9 relative (float rounding only).
    """
    s = _deterministic(organisation)
    log = run(s, seed=2026)
    assert_conserved(log)
    people = log.stages[log.stages["team"] != "pipeline"]
    # Precondition: nobody ever waited, so the sum of the stages is the whole story.
    assert (people["started"] == people["queued"]).all()

    f = 168.0 / s.work_hours_per_week
    size = s.change_size_person_hours
    after_commit = (
        f * s.review_person_hours
        + f * s.environment_person_hours * (1 - s.environment_automation)
        + s.pipeline_hours
        + f * s.manual_test_ratio * size * (1 - s.test_automation)
        + f * s.security_review_person_hours
        + f * s.deploy_person_hours * (1 - s.deployment_automation)
        + s.deploy_pipeline_hours)
    develop = f * size
    assert after_commit == pytest.approx(4.2 * 12.5 + 0.75)  # the arithmetic, spelled out

    done = log.items[log.items["deployed"].notna()]
    assert len(done) > 50
    lead = (done["deployed"] - done["committed"]).to_numpy()
    flow = (done["deployed"] - done["arrival"]).to_numpy()
    assert lead == pytest.approx([after_commit] * len(done), rel=1e-9)
    assert flow == pytest.approx([develop + after_commit] * len(done), rel=1e-9)

    m = summarise(log)
    assert m["lead_time_hours"] == pytest.approx(after_commit, rel=1e-9)
    assert m["lead_time_p90_hours"] == pytest.approx(after_commit, rel=1e-9)
    assert m["flow_lead_time_hours"] == pytest.approx(develop + after_commit, rel=1e-9)
    # Every deploy succeeds and nothing fails in production.
    assert m["change_failure_rate"] == 0.0 and len(log.incidents) == 0
    # Nobody waits and each stage runs once: all of the flow time is work.
    assert m["flow_efficiency"] == pytest.approx(1.0, rel=1e-9)


# --- inputs that once hung the model or disagreed with validation --------------------

@pytest.mark.parametrize("kwargs", [
    dict(deploy_person_hours=0.0, deployment_automation=0.0, manual_deploy_failure=1.0),
    dict(deploy_pipeline_hours=0.0, deployment_automation=1.0, automated_deploy_failure=1.0),
], ids=["manual", "automated"])
def test_certain_deploy_failure_in_zero_time_does_not_hang(kwargs, time_limit):
    """Either the Scenario is refused with a message naming a field, or the run ends."""
    with time_limit(3, "run() with deploys that always fail in zero time"):
        try:
            s = replace(presets()["collaborative"], horizon_days=20.0, warmup_days=0.0, **kwargs)
        except ScenarioError as exc:
            assert any(k in str(exc) for k in kwargs)
            return
        log = run(s, seed=1)
    assert log.end_hours == 480.0


def test_tiny_release_interval_does_not_hang(time_limit):
    """Either the Scenario is refused naming release_interval_days, or the run ends."""
    with time_limit(3, "run() with a release train every 1e-7 days"):
        try:
            s = replace(presets()["siloed"], release_interval_days=1e-7, horizon_days=20.0,
                        warmup_days=0.0)
        except ScenarioError as exc:
            assert "release_interval_days" in str(exc)
            return
        log = run(s, seed=1)
    assert log.end_hours == 480.0


def test_tiny_stage_effort_records_a_start_time():
    """A stage with a positive but negligible effort (manual testing 1e-12 h per dev hour)
    is still logged with a start time."""
    s = Scenario(manual_test_ratio=1e-12, horizon_days=60.0, warmup_days=0.0)
    log = run(s, seed=1)
    tests = log.stages[log.stages["stage"] == "test"]
    assert len(tests) > 0
    assert tests["started"].notna().all()


def test_validation_and_model_agree_on_manual_testing():
    """Either the Scenario is refused naming n_testers, or it runs."""
    try:
        s = Scenario(n_testers=0, manual_test_ratio=5e-324, test_automation=0.5,
                     horizon_days=30.0, warmup_days=0.0)
    except ScenarioError as exc:
        assert "n_testers" in str(exc)
        return
    assert len(run(s, seed=1).items) > 0
