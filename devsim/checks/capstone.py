"""The capstone (lesson 08): Elite on three DORA keys with 8 people for the same work."""
from __future__ import annotations

from dataclasses import replace

from ..scenario import Scenario, presets, with_change_size
from .core import ClusterExercise

__all__ = ["Capstone"]


class Capstone(ClusterExercise):
    """Capstone: Elite on three keys on a tight headcount."""

    id, lesson, title = "capstone", "08", "Capstone: Elite on a budget"
    allowed_text = "design fields (not the work itself, the people's skills or the run)"
    max_people = 8
    need, need_keys = "elite", 3
    question = (
        "The board gives you **8 people** (the siloed organisation has 11) for the same work. "
        "Starting from `siloed`, **design an organisation that reaches Elite on at least three of "
        "the four DORA keys** (2019 clusters). You may change only the organisation's design "
        "(as in ex07).")
    hints = (
        "With fewer people every hour counts: which stages are manual work that automation or "
        "a different structure removes?",
        "Start from what worked in ex07 and shrink the teams: who do you still need, and how "
        "many product teams can 8 people make?",
        "One collaborative team of five developers, one tester and one ops engineer, plus one "
        "security engineer who reviews only 5% of changes by hand (scanning covers the rest, "
        "so the review queue stays short), peer review instead of a CAB, continuous delivery, "
        "the devsecops automation and changes of 8 person-hours: "
        "`answer = with_change_size(replace(ex.start, organisation='collaborative', "
        "on_call='you_build_it', n_teams=1, n_developers=5, n_testers=1, n_ops=1, n_security=1, "
        "approval='peer', release_interval_days=0, test_automation=0.8, "
        "deployment_automation=0.9, environment_automation=0.9, monitoring=0.9, "
        "security_scanning=0.9, security_review_share=0.05), 8)`",
    )
    success = ("Elite on three keys with 8 people: less waiting and less rework mean a smaller "
               "team delivers the same work, faster and more safely.")

    def starting_scenario(self) -> Scenario:
        return presets()["siloed"]

    def solution_scenario(self) -> Scenario:
        s = replace(self.start, name="capstone design", organisation="collaborative",
                    on_call="you_build_it", approval="peer", release_interval_days=0.0,
                    n_developers=5, n_testers=1, n_ops=1, n_security=1, n_teams=1,
                    test_automation=0.8, deployment_automation=0.9, environment_automation=0.9,
                    monitoring=0.9, security_scanning=0.9, security_review_share=0.05)
        return with_change_size(s, 8.0)

    def explanation(self) -> str:
        return ("One cross-functional team of seven plus a security engineer, continuous delivery, "
                "automated tests, deploys, environments, monitoring and scanning, and smaller "
                "changes.")
