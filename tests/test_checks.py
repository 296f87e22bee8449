"""The checkers check: the right answer passes, a wrong one fails with a reason, the blank
says "not attempted", and a broken rule says which field.

Speed and margins: the fast tests run every exercise with n=4 replications (seed 2026)
instead of the learners' n=10. That is safe because every solution and every wrong answer
used here clears its bar by a wide margin, measured at n=4 and n=10 with seeds 1, 77 and
2026 (worst case over those): ex03 lead time 0.42 of the start's (bar 0.50), change
failure rate 0.59 of the start's (bar 0.75); ex04 lead time 12.7 h (bar 24 h), change
failure rate 6.3% (bar 15%); ex05 time to restore 15.7 h (bar 24 h; a run's median is
mostly near 2 h or 20-26 h, so the mean over runs varies); ex06 security incidents
0.32 of the start's (bar 0.50), cost +0% (bar +10%); ex07 every key High with the
weakest, time to restore, at 2.1 h (bar 24 h); capstone lead time 12.9 h (bar 24 h).
Wrong answers miss by at least 20%: ex03 lead time 0.87 of the start's (bar 0.50);
ex04 lead time 29.6 h (bar 24 h, replication SD 2.5 h); ex05 time to restore 29.5 h
(bar 24 h); ex06 cost +57% (bar +10%); ex07 and the capstone miss by far more.
``test_solutions_pass_at_learner_n`` (marked slow) runs the learners' own setting.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from devsim import checks, design
from devsim.checks import (CheckResult, DESIGN_FIELDS, Ex01WallOfConfusion, Ex03ReleaseCadence,
                           Ex07GoalsAndMetrics, Hint, Solution, Target, changed_fields, exercises,
                           security_incidents_per_week)
from devsim.metrics import stage_times, summarise
from devsim.model import run
from devsim.registry import format_value, metric
from devsim.scenario import presets
from devsim.valuestream import VALUE_STREAM

N = 4

# Deliberately wrong answers (each a plausible learner mistake) and a word the reason
# must contain: the metric that missed.
WRONG = {
    "ex03": (dict(release_interval_days=14.0), "Lead time"),
    "ex04": (dict(test_automation=0.8, deployment_automation=0.9), "Lead time"),
    "ex05": (dict(on_call="you_build_it"), "Time to restore"),
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
    assert "**Solution.**" in sol._repr_markdown_()
    for name in changed_fields(e.start, sol.scenario):
        assert f"{name}=" in sol.text
    # The code, run as given, builds the solution; one field a line, so nothing wraps.
    code = sol.text.split("```python\n", 1)[1].split("```", 1)[0]
    assert max(len(line) for line in code.splitlines()) <= 79
    space = {"ex": e}
    exec(code.replace("ex.check(answer)", ""), space)  # noqa: S102 - the course's own text
    assert not changed_fields(space["answer"], sol.scenario)


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
    with pytest.raises(ValueError, match="lead_time_hour"):
        Target("lead_time_hour", "<=", value=24.0)  # a typo, not a metric of the registry
    with pytest.raises(ValueError, match="status"):
        CheckResult("maybe", "")


# --- one home for each concept: the checks read the registry, the value stream, experiment ----

def test_numbers_and_names_come_from_the_registry(ex):
    e = ex["ex03"]
    result = e.check(replace(e.start, **WRONG["ex03"][0]))
    for target, row in zip(e.targets, result.rows):
        assert row.label == metric(target.metric).name
        assert row.yours == format_value(target.metric, result.values[target.metric])
    lead = format_value("lead_time_hours", result.values["lead_time_hours"])
    assert lead.endswith(" days")  # about 38 days: the unit a person would use
    assert f"Lead time for changes (median) is {lead};" in result.message
    # A longer train fails both targets: the change failure rate's miss is a gap between two
    # shares, told in percentage points.
    slower = e.check(replace(e.start, release_interval_days=56.0))
    assert not slower.correct and "percentage points" in slower.message
    wip = ex["ex02"].check(ex["ex02"].expected()).rows[0]
    assert wip.label == metric("mean_wip").name and wip.yours.endswith(" changes")


def test_every_word_for_a_stage_counts(ex):
    e = ex["ex01"]
    words = {w for w, stage in VALUE_STREAM.aliases().items() if stage == "release"}
    assert {"release", "release train", "train"} <= words
    for word in words:
        assert e.check(word.upper()).status == "correct", word
    for word in ("qa", "testing", "manual testing"):
        result = e.check(word)
        assert result.status == "incorrect" and "'test'" in result.message, word


def test_measures_are_means_over_the_same_replications_as_a_run():
    e = exercises(n=2, executor="serial")["ex06"]
    logs = [run(e.start, seed=2026, replication=r) for r in range(2)]
    rows = [summarise(log) for log in logs]
    measured = e._measure(e.start)
    assert set(measured) == set(rows[0])
    for key in ("security_incidents_per_week", "cost_per_change", "lead_time_hours"):
        assert measured[key] == pytest.approx(sum(r[key] for r in rows) / 2, rel=1e-12)
    assert measured["security_incidents_per_week"] == pytest.approx(
        sum(security_incidents_per_week(log) for log in logs) / 2, rel=1e-12)


def test_ex01_waits_are_the_replications_stage_times():
    e = Ex01WallOfConfusion(n=2)
    tables = [stage_times(run(e.scenario(), seed=2026, replication=r)) for r in range(2)]
    expected = pd.concat(tables).groupby(level=0)["wait_hours"].mean()
    got = e.waits()
    assert list(got) == sorted(got, reverse=True)
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index())


def test_public_names_are_kept():
    names = ("CheckResult", "Hint", "Solution", "Exercise", "ScenarioExercise", "Target",
             "Measure", "Ex01WallOfConfusion", "Ex02LittlesLaw", "Ex03ReleaseCadence",
             "Ex04Automation", "Ex05YouBuildItYouRunIt", "Ex06DevSecOps",
             "Ex07GoalsAndMetrics", "Capstone", "exercises", "changed_fields",
             "design_violations", "DESIGN_FIELDS", "STATUSES", "security_incidents_per_week")
    for name in names:
        assert name in checks.__all__ and hasattr(checks, name), name
    assert callable(checks.exercises)
    assert checks.DESIGN_FIELDS is design.DESIGN_FIELDS
    assert checks.design_violations is design.design_violations


CHECKS_DIR = Path(checks.__file__).parent


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            yield node.level, node.module or "", [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield 0, a.name, []


@pytest.mark.parametrize("path", sorted(CHECKS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_checks_import_public_names_and_no_display_libraries(path):
    for level, module, names in _imports(path):
        assert module.split(".")[0] not in ("matplotlib", "ipywidgets", "simpy"), module
        if level >= 1 or module.startswith("devsim"):
            private = [n for n in names if n.startswith("_") and n != "__future__"]
            assert not private, f"{path.name} imports {private} from {module}"


def test_the_framework_names_no_exercise_and_each_exercise_has_its_module():
    tree = ast.parse((CHECKS_DIR / "core.py").read_text(encoding="utf-8"))
    tree.body = tree.body[1:]  # the module docstring may show a usage example
    code = ast.unparse(tree)
    for cls in checks.COURSE:
        assert cls.__name__ not in code and repr(cls.id) not in code, cls.__name__
        module = cls.__module__.rsplit(".", 1)[1]
        assert module != "core" and module != "exercises"
        others = [c for c in checks.COURSE if c is not cls and c.__module__ == cls.__module__]
        assert not others, f"{module} holds more than one exercise"


def test_importing_checks_loads_no_plotting_or_widgets():
    code = ("import sys, devsim.checks; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.parametrize("key", ["ex02", *SCENARIO_IDS])
def test_solutions_pass_at_learner_n(key):
    e = exercises()[key]
    assert e.check(e.solution_answer()).status == "correct"
    if key in WRONG:
        changes, _ = WRONG[key]
        assert e.check(replace(e.start, **changes)).status == "incorrect"


# --- hints followed literally ------------------------------------------------------------------

def _code_of_last_hint(e) -> str:
    import re

    spans = re.findall(r"`([^`]+)`", e.hints[-1])
    assert spans, f"{e.id}: the last hint gives no code to follow"
    return spans[-1]


@pytest.mark.slow
@pytest.mark.parametrize("key", ["ex01", "ex02", "ex03", "ex04", "ex05", "ex06", "ex07",
                                 "capstone"])
def test_the_last_hint_followed_literally_is_correct(ex, key):
    """A learner who types the last hint's code gets "correct" (the capstone's hint once left
    out the peer review and the security share, and failed)."""
    from devsim import presets, with_change_size

    e = ex[key]
    code = _code_of_last_hint(e)
    space = {"ex": e, "replace": replace, "presets": presets, "with_change_size": with_change_size}
    if "answer =" in code:
        exec(code, space)  # noqa: S102 - the course's own hint text
        answer = space["answer"]
    else:
        answer = eval(code, space)  # noqa: S307
    result = e.check(answer)
    assert result.correct, f"{key}: following `{code}` gives: {result}"


def test_the_verdict_is_coloured_with_a_symbol(ex):
    e = ex["ex05"]
    right = e.check(e.solution_answer())._repr_html_()
    wrong = e.check(replace(e.start, no_code_fix_share=0.0))._repr_html_()
    blank = e.check(...)._repr_html_()
    assert "#0072B2" in right and "✓" in right
    assert "#D55E00" in wrong and "✗" in wrong
    assert "○" in blank and "devsim-not_attempted" in blank


def test_a_cluster_exercise_shows_the_start_beside_yours(ex):
    e = ex["ex07"]
    rows = e.check(replace(e.start, approval="peer")).rows
    assert all(r.start and "→" in r.start for r in rows)


def test_a_check_is_recorded_for_the_class_view_only_when_asked(ex, tmp_path, monkeypatch):
    import json

    e = ex["ex01"]
    monkeypatch.delenv("DEVSIM_CLASS_DIR", raising=False)
    e.check("test")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv("DEVSIM_CLASS_DIR", str(tmp_path))
    monkeypatch.setenv("DEVSIM_LEARNER", "team-a")
    e.hint(2)
    result = e.check("release")
    assert result.correct
    (record,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert record["kind"] == "check" and record["exercise"] == "ex01"
    assert record["status"] == "correct" and record["hints"] == 2 and record["learner"] == "team-a"
    monkeypatch.setenv("DEVSIM_CLASS_DIR", str(tmp_path / "missing"))
    again = e.check("release")
    assert again.correct and "not recorded for the class view" in again.message
