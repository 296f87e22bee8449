"""Exercise 05 (lesson 05, you build it, you run it): restore service faster."""
from __future__ import annotations

from dataclasses import replace

from ..scenario import Scenario, presets
from .core import ScenarioExercise, Target

__all__ = ["Ex05YouBuildItYouRunIt"]


class Ex05YouBuildItYouRunIt(ScenarioExercise):
    """Lesson 05: restore service faster by changing who is paged and how failures are seen.

    Most of a siloed restore passes before anyone works on it: users notice a failure hours
    later and their report waits in ops' ticket queue, where an alert pages at once. So
    monitoring is the large lever; paging the developers who built the change instead of
    ops saves only the triage without the change's context (escalation is a page, not a
    ticket). Paging the builders alone therefore misses the bar (the wrong answer); what it
    also does, beyond restore, is end ops' freeze after failed releases (lead time).
    """

    id, lesson, title = "ex05", "05", "You build it, you run it"
    allowed = ("on_call", "monitoring", "detect_hours_by_monitoring", "triage_person_hours",
               "no_code_fix_share", "diagnose_person_hours")
    allowed_text = ("fields about how incidents are handled (who is on call, monitoring, "
                    "the responders' own work)")
    targets = (
        Target("time_to_restore_hours", "<=", value=24.0,
               look_at="Split a restore into its parts: time until someone notices, time until "
                       "the right person works on it, and the fix itself. Which parts are long?"),
    )
    question = (
        "In the `siloed` preset, users notice most failures and report them to ops by ticket; "
        "ops triage without knowing the change and page developers when it needs code. **Cut "
        "the median time to restore service to at most 24 hours** (DORA's High bar) changing "
        "only how incidents are handled: `on_call`, `monitoring`, "
        "`detect_hours_by_monitoring`, `triage_person_hours`, `no_code_fix_share`, "
        "`diagnose_person_hours`.")
    hints = (
        "Look at `run(ex.start, seed=2026).incidents`: compare `start`, `detected` and "
        "`restored`. How long until anyone knows, and how long after that?",
        "A user's report waits in ops' ticket queue; an alert pages someone at once "
        "(`monitoring`: the share of failures an alert catches). Paging the developers who "
        "wrote the change instead of ops (`on_call='you_build_it'`) saves the triage without "
        "the change's context, a smaller part: try each alone and both together.",
        "`answer = replace(ex.start, on_call='you_build_it', monitoring=0.9)`",
    )
    success = ("Service is restored within a day, DORA's High bar. Compare with the solution "
               "(`ex.solution()`): noticing failures by alert, not by users' tickets, is most "
               "of the gain.")

    def starting_scenario(self) -> Scenario:
        return presets()["siloed"]

    def solution_scenario(self) -> Scenario:
        return replace(self.start, name="siloed, you build it", on_call="you_build_it",
                       monitoring=0.9)

    def explanation(self) -> str:
        return ("Let monitoring, not users, find failures (`monitoring=0.9`): most of the "
                "restore time was the wait until someone knew. Page the developers who built "
                "the change (`on_call='you_build_it'`): they triage with its context. Paging "
                "them alone barely moves restore time, but compare lead time: ops who no "
                "longer answer for every failure stop slowing the release train after one.")
