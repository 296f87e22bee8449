"""Shared test set-up: a hypothesis profile, the process pool's clean-up, and log checks.

The checks are session fixtures that return functions (rather than a helper module) so the
model tests and the property tests apply the same rules without importing each other.
"""
from __future__ import annotations

import math
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

import devsim.experiment
import devsim.metrics

# Hypothesis also caches constants and unicode tables on disk: keep them in the temp folder,
# not in a .hypothesis folder in the repo.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "devsim-hypothesis")
# database=None: hypothesis keeps no example database, so no failing example is stored.
# deadline=None: a simulation run's duration depends on the example and on machine load.
settings.register_profile(
    "devsim", database=None, deadline=None, max_examples=40, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("devsim")


@pytest.fixture(scope="session", autouse=True)
def _close_process_pool():
    """Close devsim's shared process pool once every test has run."""
    yield
    devsim.experiment.shutdown()


@contextmanager
def _time_limit(seconds: int, what: str):
    """Fail (instead of hanging the suite) when ``what`` runs longer than ``seconds``.

    SIGALRM interrupts a simulation stuck in a zero-time loop, which no timeout inside
    SimPy would: the clock never moves.
    """
    def _raise(signum, frame):
        raise TimeoutError(f"{what} did not finish within {seconds} s (a loop in zero time?)")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session")
def time_limit():
    """``with time_limit(s, what): ...`` fails after ``s`` seconds (main thread, Linux)."""
    return _time_limit


def _assert_conserved(log) -> None:
    """Every change that arrived is either in production or still in progress at the end,
    and the item table agrees with the deploy table.

    Exact checks (counts and identical clock readings), no margin.
    """
    items, deploys, incidents = log.items, log.deploys, log.incidents
    end = log.end_hours
    n = len(items)
    # Item ids are a gap-free count: no change was lost or created twice.
    assert items["item_id"].tolist() == list(range(n))
    assert set(items["kind"]) <= {"feature", "fix"}
    assert (items["arrival"] >= 0).all() and (items["arrival"] <= end).all()

    done = items[items["deployed"].notna()]
    open_ = items[items["deployed"].isna()]
    assert len(done) + len(open_) == n
    # In production means: committed after arriving, deployed after committing, in the run.
    assert (done["committed"] >= done["arrival"]).all()
    assert (done["deployed"] >= done["committed"]).all()
    assert (done["deployed"] <= end).all()
    # Still in progress: the WIP count at the end of the run is exactly the open changes.
    wip = devsim.metrics.wip_series(log)
    if len(wip):
        assert int(wip["wip"].iloc[-1]) == len(open_)

    # A change reaches production only in a successful change or release deploy (hotfixes
    # repair changes that are already there), so those deploys carry exactly the deployed items,
    # fix items made after an automated rollback included.
    ok = deploys[~deploys["failed"].astype(bool) & (deploys["kind"] != "hotfix")]
    assert int(ok["n_items"].sum()) == len(done)
    assert set(done["deployed"]) <= set(ok["time"])
    for t, k in done.groupby("deployed").size().items():
        assert int(ok.loc[ok["time"] == t, "n_items"].sum()) == k

    # Every fix item comes from one automated rollback of an incident caused by a change.
    if len(incidents):
        rollbacks = incidents[(incidents["action"] == "rollback")
                              & (incidents["cause"] != "failed_deploy")]
        assert (items["kind"] == "fix").sum() == len(rollbacks)
        hotfix_incidents = (incidents["action"] == "hotfix").sum()
        ok_hotfix = (~deploys["failed"].astype(bool) & (deploys["kind"] == "hotfix")).sum()
        assert ok_hotfix == hotfix_incidents
        # Each failed deploy is rolled back and logged once (a rollback may still be running
        # when the clock stops, so some failed deploys may have no incident yet).
        failed_ids = set(deploys.loc[deploys["failed"].astype(bool), "deploy_id"])
        logged = incidents.loc[incidents["cause"] == "failed_deploy", "deploy_id"]
        assert logged.is_unique and set(logged) <= failed_ids
    else:
        assert (items["kind"] == "fix").sum() == 0

    stages = log.stages
    # Reported bug (test_model.test_tiny_stage_effort_records_a_start_time): a stage whose
    # effort is below the model's 1e-9 h threshold is logged with no start time. Tolerated
    # here, for such stages only, so the property tests can look for other problems.
    unstarted = stages["started"].isna()
    assert (stages.loc[unstarted, "effort_person_hours"] <= 1e-9).all()
    assert (stages.loc[unstarted, "work_hours"] == 0).all()
    stages = stages[~unstarted]
    assert (stages["started"] >= stages["queued"] - 1e-9).all()
    assert (stages["finished"] >= stages["started"] - 1e-9).all()
    assert (stages["work_hours"] >= -1e-9).all()
    # Work on a change can not outlast the time between its queueing and finishing.
    assert (stages["work_hours"] <= stages["finished"] - stages["queued"] + 1e-6).all()


@pytest.fixture(scope="session")
def assert_conserved():
    """The conservation check as a function: ``assert_conserved(log)``."""
    return _assert_conserved


_SHARES = ("change_failure_rate", "rework_rate", "flow_efficiency", "unplanned_work_share",
           "rework_work_share", "escaped_defect_rate")
_NEVER_NAN = ("deploy_frequency_per_day", "throughput_per_day", "mean_wip",
              "unplanned_work_share", "rework_work_share", "incidents_per_week",
              "security_incidents_per_week",
              "effort_person_hours_per_change", "people_hours_per_change", "cost_per_change",
              "deploys_per_week")


def _assert_metrics_in_range(m: dict, *, warmup_days: float) -> None:
    """Shares in [0, 1], times and counts >= 0; NaN only where there is nothing to measure."""
    for key, value in m.items():
        assert isinstance(value, float), f"{key}: {value!r} is not a float"
        if key in _NEVER_NAN:
            assert math.isfinite(value), f"{key}: {value} should always be a number"
        if math.isnan(value):
            continue
        assert value >= 0, f"{key}: {value} < 0"
        if key in _SHARES:
            assert value <= 1 + 1e-9, f"{key}: {value} > 1"
        if key.startswith("utilisation_") and warmup_days == 0:
            # With no warm-up every stage visit lies inside the window, so nobody can be busy
            # more than all the time. (With a warm-up, work started before the window is
            # counted whole; see the report.)
            assert value <= 1 + 1e-9, f"{key}: {value} > 1"
    for lo, hi in (("lead_time_hours", "lead_time_p90_hours"),
                   ("flow_lead_time_hours", "flow_lead_time_p90_hours")):
        if not (math.isnan(m[lo]) or math.isnan(m[hi])):
            assert m[lo] <= m[hi] + 1e-9
    # Every deploy attempt is either a planned deployment (the frequency) or counted beside it
    # (hotfixes, fix-only deployments, retries).
    assert np.isclose(m["deploys_per_week"],
                      7 * m["deploy_frequency_per_day"] + m["unplanned_deploys_per_week"],
                      rtol=1e-9)
    if "security_incidents_per_week" in m:
        assert m["security_incidents_per_week"] <= m["incidents_per_week"] + 1e-12


@pytest.fixture(scope="session")
def assert_metrics_in_range():
    """The range check as a function: ``assert_metrics_in_range(summary, warmup_days=...)``."""
    return _assert_metrics_in_range
