"""Validation: the model against queueing theory, published findings and its own past.

* Erlang C: a one-stage reduction of the model is an M/M/c queue; its mean wait must match
  the textbook formula (computed here, independently of devsim).
* Little's law: mean work in progress = throughput x mean flow time.
* Directional effects on common random numbers: the paired difference of replication *i*
  of two designs, with a 95% CI that must exclude zero in the stated direction.
* Calibration: the presets land in the DORA 2019 clusters the course claims for them, and a
  Flickr-sized collaborative organisation deploys 10+ times a day.
* Golden back-test: the presets' results equal the CSVs in ``tests/golden``.

Every test states its comparison and its margin. The classification rule itself is tested
in test_dora.py.
"""
from __future__ import annotations

import importlib.util
import math
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from devsim import Scenario, compare, flow_metrics, presets, run
from devsim.dora import KEYS, classify
from devsim.experiment import mean_ci
from devsim.metrics import wip_series

SEED = 2026
N_REPS = 20


# --- Erlang C (M/M/c) --------------------------------------------------------------------

def erlang_c_wait(arrival_rate: float, service_rate: float, c: int) -> float:
    """Mean time in queue Wq of an M/M/c queue (Erlang C), independent of devsim.

    Wq = C(c, a) / (c mu - lambda), with a = lambda / mu and
    C(c, a) = (a^c / c!) / (1 - rho) / (sum_{k<c} a^k / k! + (a^c / c!) / (1 - rho)).
    """
    a = arrival_rate / service_rate
    rho = a / c
    assert rho < 1, "unstable queue"
    top = a ** c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * service_rate - arrival_rate)


def test_erlang_c_formula_matches_closed_forms():
    """The helper reproduces M/M/1 (Wq = rho / (mu - lambda)) and M/M/2
    (Wq = rho^2 / (mu (1 - rho^2))) to 1e-12."""
    for lam, mu in ((0.5, 1.0), (0.85, 2.0), (3.0, 4.0)):
        rho = lam / mu
        assert erlang_c_wait(lam, mu, 1) == pytest.approx(rho / (mu - lam), rel=1e-12)
        rho2 = lam / (2 * mu)
        assert erlang_c_wait(lam, mu, 2) == pytest.approx(rho2 ** 2 / (mu * (1 - rho2 ** 2)),
                                                          rel=1e-12)


MMC_SERVERS = 2
MMC_SERVICE_HOURS = 1.0  # mean change size = mean service time (work_hours_per_week = 168)


def mmc_scenario(rho: float, c: int = MMC_SERVERS) -> Scenario:
    """The model reduced to one stage: c developers, exponential work, nothing else.

    Everything after development takes no time and never fails; a person works round the
    clock (168 h/week), so a change of size s person-hours occupies a developer s hours.
    """
    arrivals_per_hour = rho * c / MMC_SERVICE_HOURS
    return Scenario(
        name=f"M/M/{c} rho={rho}", organisation="siloed", approval="none",
        environment_person_hours=0.0, manual_test_ratio=0.0, pipeline_hours=0.0,
        security_review_share=0.0, deploy_person_hours=0.0, deploy_pipeline_hours=0.0,
        automated_deploy_failure=0.0, manual_deploy_failure=0.0, deployment_automation=1.0,
        defect_rate_per_hour=0.0, security_flaw_rate_per_hour=0.0, release_interval_days=0.0,
        work_hours_per_week=168.0, change_size_distribution="exponential",
        change_size_person_hours=MMC_SERVICE_HOURS, n_developers=c,
        arrival_rate_per_day=arrivals_per_hour * 24.0,
        # ~8,000 changes per run at rho = 0.85; the warm-up drops the empty start.
        horizon_days=200.0, warmup_days=20.0)


def mean_develop_wait(task: tuple[Scenario, int, int]) -> float:
    """Mean queueing delay (started - queued) at 'develop' of changes that arrived after
    the warm-up, in one run."""
    scenario, seed, replication = task
    log = run(scenario, seed=seed, replication=replication)
    st, items = log.stages, log.items
    dev = st[st["stage"] == "develop"].merge(items[["item_id", "arrival"]], on="item_id")
    dev = dev[dev["arrival"] >= log.start_hours]
    return float((dev["started"] - dev["queued"]).mean())


@pytest.mark.slow
def test_mmc_mean_wait_matches_erlang_c():
    """Mean wait in an M/M/2 queue at rho = 0.5, 0.7, 0.85 versus Erlang C.

    Margin: the formula's Wq must lie inside the 95% CI (Student's t) of the mean of
    20 replications; the CI half-width must also be under 12% of Wq, so the test has the
    power to see a wrong queue discipline or service time.
    """
    rhos = (0.5, 0.7, 0.85)
    tasks = [(mmc_scenario(rho), SEED, r) for rho in rhos for r in range(N_REPS)]
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("fork")) as pool:
        waits = list(pool.map(mean_develop_wait, tasks))
    for i, rho in enumerate(rhos):
        sample = waits[i * N_REPS:(i + 1) * N_REPS]
        mean, lo, hi = mean_ci(sample)
        lam = rho * MMC_SERVERS / MMC_SERVICE_HOURS
        theory = erlang_c_wait(lam, 1.0 / MMC_SERVICE_HOURS, MMC_SERVERS)
        msg = (f"rho={rho}: Erlang C Wq={theory:.4f} h, simulated {mean:.4f} h "
               f"(95% CI {lo:.4f} to {hi:.4f}, {N_REPS} replications)")
        assert lo <= theory <= hi, msg
        assert (hi - lo) / 2 < 0.12 * theory, "CI too wide to test anything: " + msg


# --- Little's law ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["collaborative", "siloed"])
def test_littles_law(name):
    """L = lambda W over four years: mean WIP versus throughput x mean flow time.

    Margin 2% (the window's edges: changes in progress when it opens and closes).
    Also checks mean_wip against an independent integral of the WIP step function (1e-9).
    """
    s = replace(presets()[name], horizon_days=4 * 365.0, warmup_days=60.0)
    log = run(s, seed=SEED)
    f = flow_metrics(log)
    l_from_flow = f["throughput_per_day"] / 24.0 * f["mean_flow_time_hours"]
    assert f["mean_wip"] == pytest.approx(l_from_flow, rel=0.02), (
        f"{name}: mean WIP {f['mean_wip']:.3f}, throughput x flow time {l_from_flow:.3f}")

    # The time-average of the WIP step function, summed step by step over the window.
    w = wip_series(log)
    a, b = log.start_hours, log.end_hours
    times = np.clip(np.append(w["time"].to_numpy(), b), a, b)
    area = float(np.sum(np.diff(times) * w["wip"].to_numpy()))
    assert f["mean_wip"] == pytest.approx(area / (b - a), rel=1e-9)


# --- directional effects on common random numbers ----------------------------------------

@pytest.fixture(scope="module")
def crn():
    """Twenty replications of the presets and one-field variants, on common random numbers."""
    p = presets()
    sil, col = p["siloed"], p["collaborative"]
    scenarios = [
        sil,
        replace(sil, name="siloed weekly release", release_interval_days=7.0),
        replace(sil, name="siloed slow handoffs", handoff_delay_hours=32.0),
        replace(sil, name="siloed good monitoring", monitoring=0.9),
        replace(sil, name="siloed test automation 0.8", test_automation=0.8),
        replace(sil, name="siloed deployment automation 0.9", deployment_automation=0.9),
        replace(sil, name="siloed release every 56 days", release_interval_days=56.0),
        col,
        replace(col, name="collaborative test automation 0.2", test_automation=0.2),
        replace(col, name="collaborative deployment automation 0.2", deployment_automation=0.2),
        replace(col, name="collaborative weekly release", release_interval_days=7.0),
        replace(col, name="collaborative monitoring 0.2", monitoring=0.2),
        p["collaborative_cab"],
        replace(sil, name="siloed twice the defects", defect_rate_per_hour=0.04),
        replace(sil, name="siloed no slowdown", release_slowdown_days=0.0),
        *_same_practices(),
    ]
    return compare(scenarios, n=N_REPS, seed=SEED, progress=False)


def _same_practices() -> list[Scenario]:
    """Siloed and collaborative structure with every practice equal (collaborative's
    automation, peer review, continuous delivery, change size and security review share),
    tickets picked up at once (handoff_delay_hours 0); and the siloed one with each
    structural mechanism switched off in turn."""
    col = presets()["collaborative"]
    practices = {f: getattr(col, f) for f in (
        "test_automation", "deployment_automation", "environment_automation", "monitoring",
        "approval", "release_interval_days", "change_size_person_hours",
        "arrival_rate_per_day", "security_review_share")}
    sil = replace(presets()["siloed"], name="siloed structure, delay 0", handoff_delay_hours=0.0,
                  **practices)
    return [
        replace(col, name="collaborative structure, delay 0", handoff_delay_hours=0.0),
        sil,
        replace(sil, name="siloed structure, delay 0, no clarification", clarification_share=0.0),
        replace(sil, name="siloed structure, delay 0, context does not matter",
                no_context_factor=1.0),
    ]


def _diff(results, metric, a, b):
    mean, lo, hi = results.difference(metric, a, b)
    return mean, lo, hi, f"{metric}: ({b}) - ({a}) = {mean:.4g}, 95% CI {lo:.4g} to {hi:.4g}"


# DORA's capability findings, each checked on both organisations as a paired 95% CI on
# common random numbers. "Does not raise" = the CI does not lie above zero (lo <= 0);
# "does not lower" = it does not lie below zero (hi >= 0); "shortens" = it lies below zero.
# The README's validation table lists each with its margin.

@pytest.mark.slow
@pytest.mark.parametrize("less, more", [
    ("siloed", "siloed test automation 0.8"),
    ("collaborative test automation 0.2", "collaborative"),
])
def test_more_test_automation_does_not_raise_change_failure_rate(crn, less, more):
    """DORA (continuous testing): test automation improves stability. More of it lets fewer
    defects escape (CI below zero) and does not raise the change failure rate."""
    mean, lo, hi, msg = _diff(crn, "escaped_defect_rate", less, more)
    assert hi < 0, msg
    mean, lo, hi, msg = _diff(crn, "change_failure_rate", less, more)
    assert lo <= 0, msg


@pytest.mark.slow
@pytest.mark.parametrize("less, more", [
    ("siloed", "siloed deployment automation 0.9"),
    ("collaborative deployment automation 0.2", "collaborative"),
])
def test_more_deployment_automation_neither_raises_failures_nor_lowers_frequency(crn, less, more):
    """DORA (deployment automation): it neither raises the change failure rate nor lowers
    the deployment frequency. Behind siloed's train the margin is one release in the
    window: the train departs on the same day either way, and a manual deploy that takes
    a day or two longer can move the first release from the warm-up into the window."""
    mean, lo, hi, msg = _diff(crn, "change_failure_rate", less, more)
    assert lo <= 0, msg
    mean, lo, hi, msg = _diff(crn, "deploy_frequency_per_day", less, more)
    one_release = 1 / (presets()["siloed"].horizon_days - presets()["siloed"].warmup_days)
    assert hi >= (-one_release if less == "siloed" else 0), msg


@pytest.mark.slow
@pytest.mark.parametrize("shorter, longer", [
    ("siloed", "siloed release every 56 days"),
    ("collaborative", "collaborative weekly release"),
])
def test_a_longer_release_interval_neither_lowers_failures_nor_shortens_lead_time(
        crn, shorter, longer):
    """DORA (small batches): bigger, rarer releases do not fail less, and take longer."""
    mean, lo, hi, msg = _diff(crn, "change_failure_rate", shorter, longer)
    assert hi >= 0, msg
    mean, lo, hi, msg = _diff(crn, "lead_time_hours", shorter, longer)
    assert lo > 0, msg


@pytest.mark.slow
@pytest.mark.parametrize("worse, better", [
    ("siloed", "siloed good monitoring"),
    ("collaborative monitoring 0.2", "collaborative"),
])
def test_better_monitoring_shortens_time_to_restore(crn, worse, better):
    """DORA (monitoring and observability): failures are noticed sooner, so service is
    restored sooner (paired CI below zero)."""
    mean, lo, hi, msg = _diff(crn, "time_to_restore_hours", worse, better)
    assert hi < 0, msg


@pytest.mark.slow
def test_test_automation_behind_a_release_train_removes_hotfixes(crn):
    """Siloed (monthly train), test automation 0.2 -> 0.8: fewer defects escape, so fewer
    hotfix deploys are needed (rework rate and unplanned deploys fall; CIs below zero),
    and the planned deployment frequency does not fall (CI not below zero): releases fail
    less often, so ops slow the train less."""
    low, high = "siloed", "siloed test automation 0.8"
    for metric in ("escaped_defect_rate", "rework_rate", "unplanned_deploys_per_week"):
        mean, lo, hi, msg = _diff(crn, metric, low, high)
        assert hi < 0, msg
    mean, lo, hi, msg = _diff(crn, "deploy_frequency_per_day", low, high)
    assert hi >= 0, msg


@pytest.mark.slow
def test_longer_release_interval_means_fewer_deploys_and_longer_lead_time(crn):
    """Release train every 7 -> 28 days: fewer deploys, longer lead time (CIs exclude 0)."""
    mean, lo, hi, msg = _diff(crn, "deploy_frequency_per_day", "siloed weekly release", "siloed")
    assert hi < 0, msg
    mean, lo, hi, msg = _diff(crn, "lead_time_hours", "siloed weekly release", "siloed")
    assert lo > 0, msg


@pytest.mark.slow
def test_more_handoff_delay_means_longer_lead_time(crn):
    """Ticket pickup delay 16 -> 32 hours: longer lead time (CI above zero)."""
    for metric in ("lead_time_hours", "flow_lead_time_hours"):
        mean, lo, hi, msg = _diff(crn, metric, "siloed", "siloed slow handoffs")
        assert lo > 0, msg


@pytest.mark.slow
def test_cab_slows_delivery_without_lowering_change_failure_rate(crn):
    """Adding a CAB to collaborative: lead time longer (CI above zero) and the change
    failure rate not lower by more than 1 percentage point (the paired CI's lower end above
    -0.01), as DORA 2019 found for external approval, although the board catches defects
    (cab_detection > 0): approved changes go out together at its window."""
    assert presets()["collaborative_cab"].cab_detection > 0
    mean, lo, hi, msg = _diff(crn, "lead_time_hours", "collaborative", "collaborative_cab")
    assert lo > 0, msg
    mean, lo, hi, msg = _diff(crn, "change_failure_rate", "collaborative", "collaborative_cab")
    assert lo > -0.01, msg


# --- calibration against DORA 2019 --------------------------------------------------------

def _cluster_means(results, scenario):
    f = results.frame
    means = f[f["scenario"] == scenario][list(KEYS)].mean()
    return {k: classify(k, float(means[k]), 2019) for k in KEYS}


@pytest.mark.slow
@pytest.mark.parametrize("name, allowed", [
    ("siloed", {"low", "medium"}),
    ("collaborative", {"elite", "high"}),
])
def test_presets_land_in_their_dora_2019_clusters(crn, name, allowed):
    """Mean of 20 replications of each key, classified by devsim.dora (2019 bands):
    siloed is Low or Medium on all four keys, collaborative Elite or High."""
    classes = _cluster_means(crn, name)
    shown = ", ".join(f"{k}={c.value:.4g} ({c.cluster})" for k, c in classes.items())
    assert all(c.cluster in allowed for c in classes.values()), f"{name}: {shown}"


@pytest.mark.slow
def test_a_flickr_sized_team_deploys_ten_times_a_day():
    """About 20 engineers in small changes reach 10+ deploys a day (Allspaw and Hammond,
    "10+ deploys per day", Velocity 2009).

    The organisation: 16 developers, 2 testers and 2 ops in 4 product teams, plus one
    security engineer; the devsecops preset's practices (collaborative, scanning in the
    pipeline, manual security review for 5% of changes: a 4-hour review of every 4-hour
    change would need more security staff than Flickr had). Changes of 4 person-hours
    arriving 12 a day (48 person-hours a day, 60-70% of the teams' working time):
    each engineer ships a small change every day or two.

    Margin: the 95% CI of the mean over 20 replications of 120 days lies above 10 a day;
    every team is below 90% busy, so the rate is sustainable, not a backlog draining.
    """
    s = replace(presets()["devsecops"], name="flickr", n_developers=16, n_testers=2, n_ops=2,
                n_teams=4, n_security=1, change_size_person_hours=4.0,
                arrival_rate_per_day=12.0, horizon_days=120.0, warmup_days=20.0)
    results = compare([s], n=N_REPS, seed=SEED, progress=False)
    mean, lo, hi = mean_ci(results.frame["deploy_frequency_per_day"])
    assert lo >= 10.0, f"deploys per day {mean:.2f} (95% CI {lo:.2f} to {hi:.2f})"
    busy = results.frame.filter(like="utilisation_").mean()
    assert (busy < 0.9).all(), busy.to_dict()


# --- golden back-test ---------------------------------------------------------------------

GOLDEN = Path(__file__).resolve().parent / "golden"


def _load_make_golden():
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(presets()))
def test_presets_match_golden_results(name):
    """Three replications of each preset at seed 2026 equal tests/golden/<preset>.csv.

    Both sides rounded to 6 significant digits, then compared with rtol 1e-9.
    """
    mg = _load_make_golden()
    path = mg.golden_path(name)
    again = "rerun `.venv/bin/python tests/golden/make_golden.py` and review the CSV diff"
    assert path.is_file(), f"{path} is missing: {again}"
    expected = pd.read_csv(path)
    actual = mg.golden_frame(name)
    hint = (f"Results of preset {name!r} differ from {path.name}. If the change to the model "
            f"or metrics was intended, {again}; otherwise a change altered results by accident.")
    assert list(actual.columns) == list(expected.columns), (
        f"{hint}\nColumns now: {list(actual.columns)}\nin the file: {list(expected.columns)}")
    try:
        pd.testing.assert_frame_equal(actual, expected, check_dtype=False, check_exact=False,
                                      rtol=1e-9, atol=0.0)
    except AssertionError as exc:
        difference = str(exc)
    else:
        return
    pytest.fail(f"{hint}\n{difference}")


# --- common random numbers per change ------------------------------------------------------

#: The paired 95% CI of a difference must be at most this share of the CI the same runs give
#: unpaired: common random numbers per change must pay for themselves.
PAIRED_OVER_UNPAIRED = 0.8


@pytest.mark.slow
def test_the_same_arrival_meets_the_same_dice_in_every_scenario():
    """Per-item defect flags of siloed and siloed_automated agree on >= 95% of the changes
    that arrive in both runs (the whole year, warm-up included): a change's draws are keyed
    by its lineage, so rollbacks and fixes elsewhere cannot shift them."""
    p = presets()
    a = run(p["siloed"], seed=SEED).items.set_index("lineage")
    b = run(p["siloed_automated"], seed=SEED).items.set_index("lineage")
    both = a.index.intersection(b.index)
    assert len(both) > 300
    for flag in ("defective", "security_flaw"):
        agree = float((a.loc[both, flag] == b.loc[both, flag]).mean())
        assert agree >= 0.95, f"{flag}: {agree:.1%} of {len(both)} changes agree"
    # The fixes spawned by a change carry its lineage: "17/fix0" fixes change 17.
    fixes = b[b["kind"] == "fix"].index
    assert len(fixes) and all("/fix" in str(x) for x in fixes)


@pytest.mark.slow
def test_lineage_streams_narrow_the_paired_interval():
    """siloed -> siloed_automated with a steady train (release_slowdown_days 0: the slowdown
    loop gives the two different release schedules, so their lead times share little):
    the paired CI half-width of the lead-time difference is at most 80% of the unpaired."""
    p = presets()
    a, b = (replace(p[n], release_slowdown_days=0.0) for n in ("siloed", "siloed_automated"))
    r = compare([a, b], n=20, seed=2026, progress=False)
    mean, lo, hi = r.difference("lead_time_hours", "siloed", "siloed_automated")
    f = r.frame
    x, y = (f.loc[f["scenario"] == n, "lead_time_hours"].to_numpy() for n in ("siloed",
                                                                             "siloed_automated"))
    from devsim.stats import t975
    unpaired = t975(len(x) - 1) * math.sqrt(x.var(ddof=1) / len(x)
                                                          + y.var(ddof=1) / len(y))
    assert (hi - lo) / 2 <= PAIRED_OVER_UNPAIRED * unpaired, (mean, lo, hi, unpaired)


# --- mechanisms behind the lessons' claims (issue 10) ------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name, low, high", [("siloed", 0.25, 0.30), ("collaborative", 0.15, 0.22)])
def test_unplanned_work_and_rework_take_the_share_dora_reports(crn, name, low, high):
    """Unplanned work plus rework, as a share of all effort (mean of 20 replications):
    25-30% siloed, 15-22% collaborative. DORA 2016: 27% for low performers, 21% for high;
    2018: about 20% for every cluster."""
    f = crn.frame
    share = (f["unplanned_work_share"] + f["rework_work_share"])[f["scenario"] == name].mean()
    assert low <= share <= high, f"{name}: unplanned + rework {share:.3f}"


@pytest.mark.slow
def test_firefighting_slows_delivery():
    """Doubling the defect rate in siloed lengthens lead time (paired CI above 0), and the
    unplanned work it brings is part of why: without minor defects' fix work the same
    doubling costs less (the difference of the two effects' CI above 0)."""
    sil = presets()["siloed"]
    quiet = replace(sil, name="siloed, no minor defects", minor_defects_per_defect=0.0)
    scenarios = [sil, replace(sil, name="twice", defect_rate_per_hour=0.04), quiet,
                 replace(quiet, name="quiet twice", defect_rate_per_hour=0.04)]
    r = compare(scenarios, n=N_REPS, seed=SEED, progress=False)
    mean, lo, hi, msg = _diff(r, "lead_time_hours", "siloed", "twice")
    assert lo > 0, msg
    f = r.frame.pivot_table(index="replication", columns="scenario", values="lead_time_hours")
    extra = (f["twice"] - f["siloed"]) - (f["quiet twice"] - f["siloed, no minor defects"])
    m, lo, hi = mean_ci(extra)
    assert m > 0, f"lead time added by minor defects' fix work: {m:.3g} h [{lo:.3g}, {hi:.3g}]"


@pytest.mark.slow
def test_structure_matters_beyond_ticket_delay(crn):
    """Every practice equal and tickets picked up at once: the siloed structure still has
    the longer lead time and time to restore (paired CIs above 0). Switching off the
    clarification round trips shrinks the lead-time gap; with context not mattering, the
    time-to-restore gap closes (its CI includes 0)."""
    col, sil = "collaborative structure, delay 0", "siloed structure, delay 0"
    for metric in ("lead_time_hours", "time_to_restore_hours"):
        mean, lo, hi, msg = _diff(crn, metric, col, sil)
        assert lo > 0, msg
    mean, lo, hi, msg = _diff(crn, "lead_time_hours", sil + ", no clarification", sil)
    assert lo > 0, msg
    mean, lo, hi, msg = _diff(crn, "time_to_restore_hours", col,
                              sil + ", context does not matter")
    assert lo <= 0 <= hi or abs(mean) < 0.25, msg


@pytest.mark.slow
def test_ops_slowdown_is_a_reinforcing_loop(crn):
    """Where ops answer failed releases by slowing the train (siloed), releases grow and
    fail more often: with the slowdown on, lead time and change failure rate are higher
    (paired CIs above 0) than with it off."""
    for metric in ("lead_time_hours", "change_failure_rate"):
        mean, lo, hi, msg = _diff(crn, metric, "siloed no slowdown", "siloed")
        assert lo > 0, msg


# --- the earned J-curve (lesson 06) ---------------------------------------------------------

#: Two years after the warm-up: the horizon within which the investment must pay back.
J_CURVE_MONTHS = 24
J_CURVE_REPS = 10


def test_j_curve_break_even():
    """siloed investing 25% of everyone's week in automation, against itself not investing,
    10 replications on common random numbers over two years (devsim.transformation).

    Compared with the J-curve of transformation (State of DevOps Reports 2017 and 2018: teams
    part-way through automating do more manual work for a while): worse before better, and
    nothing for free. Margins: a dip (at its bottom the paired 95% CI of the
    investing organisation's extra cumulative cost lies above 0), every replication breaks
    even within the two years (its cumulative cost per change stays at or below the
    baseline's from some week on), the mean curve too; with invest_share 0 the two
    organisations are the same run and there is no break-even.
    """
    from devsim import transformation
    from devsim.plots.transformation import break_even, break_even_weeks, dip

    journey = transformation("siloed", invest_share=0.25, months=J_CURVE_MONTHS,
                             n=J_CURVE_REPS, seed=SEED, progress=False)
    low = dip(journey)
    assert low.week is not None and low.cost_low > 0, low
    weeks = break_even_weeks(journey)
    assert weeks.notna().all(), f"replications without a break-even: {weeks.tolist()}"
    even = break_even(journey)
    assert even.week is not None and even.week <= journey.attrs["weeks"], even
    assert even.broke_even == J_CURVE_REPS and even.high <= journey.attrs["weeks"], even
    assert low.week < even.week, "the dip comes before the break-even"

    nothing = transformation("siloed", invest_share=0.0, months=J_CURVE_MONTHS, n=2,
                             seed=SEED, progress=False)
    cols = ["week", "changes", "person_hours", "cost_per_change", "test_automation"]
    a = nothing[nothing["organisation"] == "investing"][cols].reset_index(drop=True)
    b = nothing[nothing["organisation"] == "baseline"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert break_even(nothing).week is None and dip(nothing).week is None
