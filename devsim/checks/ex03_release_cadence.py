"""Exercise 03 (lesson 03, small batches): halve lead time by releasing more often, and fail
less."""
from __future__ import annotations

from dataclasses import replace

from ..scenario import Scenario, presets
from .core import ScenarioExercise, Target

__all__ = ["Ex03ReleaseCadence"]


class Ex03ReleaseCadence(ScenarioExercise):
    """Lesson 03: halve lead time by releasing more often, and fail less as well.

    The change failure rate's bar is a cut, not a "no worse" guard: siloed's monthly
    releases fail nearly every time (each carries dozens of changes), so a guard of "the
    start's + 2 percentage points" could hardly fail. Where ops own stability, a failed
    release makes them stretch the next interval (``release_slowdown_days``): a shorter
    train still fails most releases and drifts back towards monthly, so changing only the
    cadence, removing the train is what halves lead time (each change then goes out at
    the CAB's weekly change window).
    """

    id, lesson, title = "ex03", "03", "Smaller batches: release more often"
    allowed = ("release_interval_days",)
    allowed_text = "the release cadence"
    cfr_share = 0.75
    targets = (
        Target("lead_time_hours", "<=", relative=0.5,
               look_at="A finished change waits for the next release, and after a failed "
                       "release ops make the next one wait longer: how many releases a year "
                       "does your answer really make?"),
        Target("change_failure_rate", "<=", relative=cfr_share,
               look_at="Fewer, bigger releases bundle more changes per deploy, so one bad change "
                       "fails the whole deploy."),
    )
    question = (
        "The `siloed` organisation ships a release train every 28 days. **Change only "
        "`release_interval_days`** so that the median lead time for changes is at most half of "
        "siloed's and the change failure rate at most three quarters of siloed's. `ex.start` "
        "is the siloed preset.")
    hints = (
        "A change that is ready waits for the next train: on average about half the interval. "
        "What does that wait do to lead time, and how many changes does each deploy carry?",
        "Try a few values: `sweep(ex.start, 'release_interval_days', [28, 14, 7, 3, 1, 0], n=5)` "
        "and compare `lead_time_hours`, `change_failure_rate` and `deploy_frequency_per_day` "
        "in `.summary()`. Does a shorter train really deploy more often?",
        "A shorter train still fails most of its releases, and ops, who own stability, answer "
        "each failed release by stretching the next interval (`release_slowdown_days`): the "
        "train drifts back towards monthly. Without a train there is nothing to stretch: each "
        "change goes out at the CAB's next weekly change window, with that week's other "
        "approved changes: `answer = replace(ex.start, release_interval_days=0)`",
    )
    success = ("Smaller, more frequent releases cut the lead time and the change failure rate "
               "together: speed and quality are not a trade-off here. With no train, ops have "
               "none to slow down after a failure; the weekly CAB is now the longest wait.")

    def starting_scenario(self) -> Scenario:
        return presets()["siloed"]

    def solution_scenario(self) -> Scenario:
        return replace(self.start, name="siloed, no release train", release_interval_days=0.0)

    def explanation(self) -> str:
        return ("Drop the train (`release_interval_days=0`): a change no longer waits for a "
                "monthly release but goes out at the CAB's next weekly change window with that "
                "week's approvals (a week's changes per deploy, not a month's or more), and "
                "ops have no train to stretch after a failed release. A shorter train is not "
                "enough: it still fails often, and each failure makes ops lengthen it again.")
