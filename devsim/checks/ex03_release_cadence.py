"""Exercise 03 (lesson 03, small batches): halve lead time by releasing more often."""
from __future__ import annotations

from dataclasses import replace

from ..scenario import Scenario, presets
from .core import ScenarioExercise, Target

__all__ = ["Ex03ReleaseCadence"]


class Ex03ReleaseCadence(ScenarioExercise):
    """Lesson 03: halve lead time by releasing more often, without more failures."""

    id, lesson, title = "ex03", "03", "Smaller batches: release more often"
    allowed = ("release_interval_days",)
    allowed_text = "the release cadence"
    cfr_slack = 0.02
    targets = (
        Target("lead_time_hours", "<=", relative=0.5,
               look_at="A finished change waits for the next release: how long is that, "
                       "on average?"),
        Target("change_failure_rate", "<=", relative=1.0, slack=cfr_slack,
               look_at="Fewer, bigger releases bundle more changes per deploy, so one bad change "
                       "fails the whole deploy."),
    )
    question = (
        "The `siloed` organisation ships a release train every 28 days. **Change only "
        "`release_interval_days`** so that the median lead time for changes is at most half of "
        "siloed's, without raising the change failure rate (at most 2 percentage points above "
        "siloed's). `ex.start` is the siloed preset.")
    hints = (
        "A change that is ready waits for the next train: on average about half the interval. "
        "What does that wait do to lead time, and how many changes does each deploy carry?",
        "Try a few values: `sweep(ex.start, 'release_interval_days', [28, 14, 7, 3, 1, 0], n=5)` "
        "and compare `lead_time_hours` and `change_failure_rate` in `.summary()`.",
        "Release trains every few days halve the lead time; deploying each change on its own "
        "does too, and lowers the change failure rate as well: "
        "`answer = replace(ex.start, release_interval_days=0)`",
    )
    success = ("Smaller, more frequent releases cut the lead time and the change failure rate "
               "together: speed and quality are not a trade-off here. The weekly CAB is now the "
               "longest wait.")

    def starting_scenario(self) -> Scenario:
        return presets()["siloed"]

    def solution_scenario(self) -> Scenario:
        return replace(self.start, name="siloed, continuous delivery", release_interval_days=0.0)

    def explanation(self) -> str:
        return ("Deploy every change on its own (`release_interval_days=0`): no change waits for "
                "a train, and a failed deploy holds one change instead of a month of them.")
