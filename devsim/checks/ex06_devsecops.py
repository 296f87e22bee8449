"""Exercise 06 (lesson 06, DevSecOps): shift security left without raising the cost per change."""
from __future__ import annotations

from dataclasses import replace

from ..scenario import Scenario, presets
from .core import ScenarioExercise, Target

__all__ = ["Ex06DevSecOps"]


class Ex06DevSecOps(ScenarioExercise):
    """Lesson 06: shift security left without making each change cost more."""

    id, lesson, title = "ex06", "06", "Shift security left, within budget"
    allowed = ("security_scanning", "security_review_share", "n_security")
    allowed_text = "security fields"
    targets = (
        Target("security_incidents_per_week", "<=", relative=0.5,
               look_at="Where in the life cycle can a flaw be caught, and how much of the work "
                       "does each check cover?"),
        Target("cost_per_change", "<=", relative=1.10,
               look_at="Cost per change is paid people-hours per delivered change: more people, "
                       "or a bottleneck that delivers fewer changes, both raise it."),
    )
    question = (
        "The `collaborative` preset sends 20% of its changes to a one-person security team for "
        "manual review. **Halve the security incidents per week without raising the cost per "
        "change by more than 10%**, changing only `security_scanning`, "
        "`security_review_share` and `n_security`.")
    hints = (
        "Compare two ways to catch a flaw: a person reviewing some changes at the end, or an "
        "automated scan in every pipeline run. What does each cost, and what does it cover?",
        "Reviewing every change by hand catches flaws, but one security engineer becomes a queue "
        "(look at lead time), and adding engineers raises the cost of every change.",
        "Automated scanning covers every change and costs no one's time: "
        "`answer = replace(ex.start, security_scanning=0.9)`",
    )
    success = ("Automated scanning checks every change inside the pipeline: security is built "
               "in, not added at the end, and nobody's time is spent on it.")

    def starting_scenario(self) -> Scenario:
        return presets()["collaborative"]

    def solution_scenario(self) -> Scenario:
        return replace(self.start, name="collaborative, scanning", security_scanning=0.9)

    def explanation(self) -> str:
        return ("Scan every change automatically (`security_scanning=0.9`) instead of reviewing "
                "by hand.")
