"""Exercise 05 (lesson 05, you build it, you run it): restore service faster."""
from __future__ import annotations

from dataclasses import replace

from ..scenario import Scenario, presets
from .core import ScenarioExercise, Target

__all__ = ["Ex05YouBuildItYouRunIt"]


class Ex05YouBuildItYouRunIt(ScenarioExercise):
    """Lesson 05: restore service faster by changing who is paged and how failures are seen."""

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
        "In the `siloed` preset, users notice most failures, ops are paged first and pass the "
        "incident to developers by ticket. **Cut the median time to restore service to at most "
        "24 hours** (DORA's High bar) changing only how incidents are handled: `on_call`, "
        "`monitoring`, `detect_hours_by_monitoring`, `triage_person_hours`, `no_code_fix_share`, "
        "`diagnose_person_hours`.")
    hints = (
        "Look at `run(ex.start, seed=2026).incidents`: compare `start`, `detected` and "
        "`restored`. How long until anyone knows, and how long after that?",
        "Two levers: notice failures by alert instead of by user complaint (`monitoring`), and "
        "page the developers who wrote the change instead of routing a ticket through ops "
        "(`on_call='you_build_it'`).",
        "`answer = replace(ex.start, on_call='you_build_it', monitoring=0.9)`",
    )
    success = ("Alerts catch failures in minutes instead of hours, and the people who wrote the "
               "change are paged directly: no ticket waits between ops and dev.")

    def starting_scenario(self) -> Scenario:
        return presets()["siloed"]

    def solution_scenario(self) -> Scenario:
        return replace(self.start, name="siloed, you build it", on_call="you_build_it",
                       monitoring=0.9)

    def explanation(self) -> str:
        return ("Page the developers who built the change (`on_call='you_build_it'`) and let "
                "monitoring, not users, find failures (`monitoring=0.9`).")
