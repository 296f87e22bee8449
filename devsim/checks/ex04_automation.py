"""Exercise 04 (lesson 04, automation): automation alone brings failures and lead time down."""
from __future__ import annotations

from dataclasses import replace

from ..scenario import Scenario, field_info, presets
from .core import ScenarioExercise, Target

__all__ = ["Ex04Automation", "AUTOMATION_FIELDS"]

#: The fields of the automation group (the only ones this exercise lets change).
AUTOMATION_FIELDS = tuple(k for k, m in field_info().items() if m["group"] == "automation")


class Ex04Automation(ScenarioExercise):
    """Lesson 04: automation alone brings failures and lead time down."""

    id, lesson, title = "ex04", "04", "Automate the pipeline"
    allowed = AUTOMATION_FIELDS
    allowed_text = "automation fields"
    targets = (
        Target("change_failure_rate", "<=", value=0.15,
               look_at="Which automation catches defects before production, and which makes a "
                       "deploy itself fail less?"),
        Target("lead_time_hours", "<=", value=24.0,
               look_at="Look at stage_times(run(answer, seed=2026)): which stage still takes hours "
                       "of someone's work before each test run?"),
    )
    question = (
        "`ex.start` is a collaborative organisation that has automated nothing yet (the "
        "`collaborative` preset with the baseline's automation levels). **Change only automation "
        "fields** (`test_automation`, `deployment_automation`, `environment_automation`, "
        "`monitoring`, `security_scanning`) so that the change failure rate is at most 15% and "
        "the median lead time for changes is at most 24 hours.")
    hints = (
        "Run `ex.start` and look at `stage_times(log)`: where does a change spend its lead time, "
        "and which of those stages is manual work?",
        "Change failure rate counts deploys that fail or cause an incident: automated tests catch "
        "more defects, automated deploys fail less often. Lead time also includes waiting for a "
        "hand-built test environment.",
        "Raise test, deployment and environment automation to the collaborative preset's levels: "
        "`answer = replace(ex.start, test_automation=0.8, deployment_automation=0.9, "
        "environment_automation=0.9)`",
    )
    success = ("Automation takes the manual, error-prone steps out of both teams' hands: fewer "
               "defects reach production, deploys rarely fail, and nobody waits for an "
               "environment.")

    def starting_scenario(self) -> Scenario:
        defaults = {k: m["default"] for k, m in field_info().items() if m["group"] == "automation"}
        return replace(presets()["collaborative"], name="collaborative_manual", **defaults)

    def solution_scenario(self) -> Scenario:
        return replace(self.start, name="collaborative, automated", test_automation=0.8,
                       deployment_automation=0.9, environment_automation=0.9)

    def explanation(self) -> str:
        return ("Test automation catches defects before release, deployment automation makes "
                "deploys reliable, and self-service environments remove the wait for ops.")
