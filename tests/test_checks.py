"""The checkers check: the right answer passes, a wrong one fails with a reason, the blank
says "not attempted", and a broken rule says which field.

Speed and margins: the fast tests run every exercise with n=4 replications (seed 2026)
instead of the learners' n=10. That is safe because every solution and every wrong answer
used here clears its bar by a wide margin, measured at n=4 and n=10 with seeds 1, 77 and
2026 (worst case over those): ex03 lead time 0.44 of the start's (bar 0.50); ex04 lead
time 12 h (bar 24 h), change failure rate 5.6% (bar 15%); ex05 time to restore 21.7 h
(bar 24 h); ex06 security incidents 0.33 of the start's (bar 0.50), cost +1% (bar +10%);
ex07 every key High with the weakest, time to restore, at 4.9 h (bar 24 h); capstone
lead time 11.9 h (bar 24 h). Wrong answers miss by at least 10% (ex04 lead time 26.4 h,
bar 24 h, replication SD 0.6 h) and mostly by far more. ``test_solutions_pass_at_learner_n``
(marked slow) runs the learners' own setting.
"""
from __future__ import annotations

from dataclasses import replace

import pytest

from devsim.checks import (CheckResult, DESIGN_FIELDS, Ex03ReleaseCadence, Ex07GoalsAndMetrics,
                           Hint, Solution, Target, changed_fields, exercises)
from devsim.scenario import presets

N = 4

# Deliberately wrong answers (each a plausible learner mistake) and a word the reason
# must contain: the metric that missed.
WRONG = {
    "ex03": (dict(release_interval_days=14.0), "Lead time"),
    "ex04": (dict(test_automation=0.8, deployment_automation=0.9), "Lead time"),
    "ex05": (dict(ops_resolve_share=0.0), "Time to restore"),
    "ex06": (dict(security_review_share=1.0), "Cost per change"),
    "ex07": (dict(approval="peer"), "Change failure rate"),
    "capstone": (dict(approval="peer", n_developers=4, n_testers=2, n_ops=1, n_security=1),
                 "Deployment frequency"),
}
SCENARIO_IDS = list(WRONG)


@pytest.fixture(scope="module")
def ex():
    # One set for the module: each exercise caches the scenarios it has measured.
    return exercises(n=N)


def test_every_lesson_has_an_exercise():
    found = exercises()
    assert list(found) == ["ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07", "capstone"]
    assert {e.lesson for e in found.values()} >= {f"0{i}" for i in range(1, 8)}
    for e in found.values():
        assert e.n == 10 and e.seed == 2026
        assert e.question and e.title
        assert "**" in e._repr_markdown_()


@pytest.mark.parametrize("key", ["ex01", "ex02", *SCENARIO_IDS])
def test_solution_passes(ex, key):
    e = ex[key]
    result = e.check(e.solution_answer())
    assert result.status == "correct", str(result)
    assert result and result.correct
    if key != "capstone":  # the capstone needs three keys of four
        assert all(r.ok for r in result.rows), str(result)
    assert str(result).startswith("✓ Correct")
    assert "✓" in result._repr_markdown_()


@pytest.mark.parametrize("key", SCENARIO_IDS)
def test_wrong_answer_fails_with_a_reason_naming_the_metric(ex, key):
    e = ex[key]
    changes, metric = WRONG[key]
    result = e.check(replace(e.start, **changes))
    assert result.status == "incorrect", str(result)
    assert not result
    assert metric in result.message
    assert "✗" in str(result) and "✗" in result._repr_markdown_()
    assert result.rows and not all(r.ok for r in result.rows)
    assert f"mean of {N} replications, seed 2026" in result.message


@pytest.mark.parametrize("key", ["ex03", "ex04", "ex05", "ex06"])
def test_target_miss_says_by_how_much(ex, key):
    e = ex[key]
    changes, _ = WRONG[key]
    assert "misses by" in e.check(replace(e.start, **changes)).message


@pytest.mark.parametrize("key", ["ex01", "ex02", *SCENARIO_IDS])
@pytest.mark.parametrize("blank", [None, ..., "", "..."])
def test_blank_is_not_attempted(ex, key, blank):
    result = ex[key].check(blank)
    assert result.status == "not_attempted"
    assert "Not attempted yet" in str(result) and "Not attempted yet" in result._repr_markdown_()
    assert not result


@pytest.mark.parametrize("key", SCENARIO_IDS)
def test_starting_scenario_is_not_attempted(ex, key):
    e = ex[key]
    for blank in (e.start, replace(e.start, name="my answer"), {}):
        assert e.check(blank).status == "not_attempted"


def test_constraint_violations_are_explained_before_anything_runs():
    fresh = exercises(n=N)  # empty caches: a run would show up in them
    e3 = fresh["ex03"]
    msg = e3.check(replace(e3.start, approval="peer")).message
    assert "You changed approval ('cab' → 'peer')" in msg and "release_interval_days" in msg
    e4 = fresh["ex04"]
    msg = e4.check({"n_developers": 8}).message
    assert "You changed n_developers (6 → 8)" in msg and "automation fields" in msg
    e7 = fresh["ex07"]
    msg = e7.check(replace(e7.start, approval="peer", n_developers=8)).message
    assert "13 people" in msg and "budget is 12" in msg
    assert "no change advisory board" in e7.check(replace(e7.start, n_developers=5)).message
    msg = e7.check(replace(e7.start, approval="peer", change_size_person_hours=8.0)).message
    assert "with_change_size" in msg and "demand" in msg
    msg = e7.check(replace(e7.start, approval="peer", defect_rate_per_hour=0.0)).message
    assert "defect_rate_per_hour" in msg and "design fields" in msg
    assert all(not e._cache for e in fresh.values())


def test_batch_size_may_change_when_demand_is_kept():
    from devsim.scenario import with_change_size

    e7 = Ex07GoalsAndMetrics(n=N)
    s = with_change_size(replace(e7.start, approval="peer"), 8.0)
    from devsim.checks import design_violations
    assert design_violations(e7.start, s, max_people=12, no_cab=True) == []


def test_answer_forms(ex):
    e3 = ex["ex03"]
    as_dict = e3.check({"release_interval_days": 0.0})
    as_scenario = e3.check(e3.solution_scenario())
    assert as_dict.status == as_scenario.status == "correct"
    assert as_dict.values == as_scenario.values  # same seed, same replications
    bad = e3.check({"release_interval_days": -1})
    assert bad.status == "incorrect" and "release_interval_days" in bad.message
    assert "out of range" in bad.message
    assert "unknown field 'release_interval'" in e3.check({"release_interval": 1}).message
    assert "expected a Scenario" in e3.check(3.5).message


def test_ex01_wrong_stage_and_bad_names(ex):
    e = ex["ex01"]
    wrong = e.check("test")
    assert wrong.status == "incorrect" and "wait" in wrong.message and "'test'" in wrong.message
    unknown = e.check("coffee")
    assert unknown.status == "incorrect" and "not a stage" in unknown.message
    assert "release" in unknown.message  # lists the stages
    assert e.check(3).status == "incorrect"
    assert e.check("Release Train").status == "correct"  # names are forgiving


def test_ex02_margin_and_unit_mistakes(ex):
    e = ex["ex02"]
    want = e.expected()
    assert e.check(want * 1.04).status == "correct"
    assert e.check(want * 0.96).status == "correct"
    assert e.check(want * 1.06).status == "incorrect"
    hours = e.check(want * 24)
    assert hours.status == "incorrect" and "per day" in hours.message and "hours" in hours.message
    assert e.check("thirty").status == "incorrect"
    assert e.check(True).status == "incorrect"
    assert e.check(float("nan")).status == "incorrect"
    ok = e.check(round(want, 1))
    assert "measured a mean WIP" in ok.message


@pytest.mark.parametrize("key", ["ex01", "ex02", *SCENARIO_IDS])
def test_hints_are_tiered(key):
    e = exercises()[key]
    assert 2 <= len(e.hints) <= 3
    for level in range(1, len(e.hints) + 1):
        h = e.hint(level)
        assert isinstance(h, Hint) and h
        assert h._repr_markdown_().startswith(f"**Hint {level} of {len(e.hints)}:**")
    assert e.hint() == e.hint(1)
    for bad in (0, len(e.hints) + 1, "2"):
        with pytest.raises(ValueError, match="level"):
            e.hint(bad)


@pytest.mark.parametrize("key", SCENARIO_IDS)
def test_solution_text_builds_the_answer(key):
    e = exercises()[key]
    sol = e.solution()
    assert isinstance(sol, Solution)
    assert sol.scenario == e.solution_scenario()
    assert "replace(ex.start" in sol.text and "**Solution.**" in sol._repr_markdown_()
    for name in changed_fields(e.start, sol.scenario):
        assert f"{name}=" in sol.text


def test_solution_text_of_value_exercises(ex):
    assert "release" in ex["ex01"].solution().text
    assert f"{ex['ex02'].expected():.1f}" in ex["ex02"].solution().text


def test_check_does_not_change_the_answer(ex):
    e = ex["ex04"]
    answer = e.solution_scenario()
    before = answer.to_dict()
    e.check(answer)
    assert answer.to_dict() == before


def test_design_fields_exist():
    names = set(presets()["siloed"].to_dict())
    assert set(DESIGN_FIELDS) <= names


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="n: 0"):
        Ex03ReleaseCadence(n=0)
    with pytest.raises(ValueError, match="seed"):
        Ex03ReleaseCadence(seed=-1)
    with pytest.raises(ValueError, match="op"):
        Target("lead_time_hours", "<", value=1.0)
    with pytest.raises(ValueError, match="exactly one"):
        Target("lead_time_hours", "<=")
    with pytest.raises(ValueError, match="status"):
        CheckResult("maybe", "")


@pytest.mark.slow
@pytest.mark.parametrize("key", ["ex02", *SCENARIO_IDS])
def test_solutions_pass_at_learner_n(key):
    e = exercises()[key]
    assert e.check(e.solution_answer()).status == "correct"
    if key in WRONG:
        changes, _ = WRONG[key]
        assert e.check(replace(e.start, **changes)).status == "incorrect"
