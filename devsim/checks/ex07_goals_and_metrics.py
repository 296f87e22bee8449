"""Exercise 07 (lesson 07, goals and metrics): High on all four DORA keys, 12 people, no CAB."""
from __future__ import annotations

from dataclasses import replace

from ..scenario import Scenario, presets
from .core import ClusterExercise

__all__ = ["Ex07GoalsAndMetrics"]


class Ex07GoalsAndMetrics(ClusterExercise):
    """Lesson 07: a concrete goal in DORA's terms: High on all four keys."""

    id, lesson, title = "ex07", "07", "A goal you can measure: High on all four keys"
    allowed_text = "design fields (not the work itself, the people's skills or the run)"
    max_people, no_cab = 12, True
    need, need_keys = "high", 4
    question = (
        "Starting from the `siloed` preset, **design an organisation that is High or better on "
        "all four DORA keys** (2019 clusters) with at most 12 people and no change advisory "
        "board. You may change the organisation's design (structure, staffing, approval, "
        "automation, release cadence, security reviews, batch size with `with_change_size`), not "
        "the work, the people's skills or the run length.")
    hints = (
        "Check where siloed falls short: `classify_all(replicate(ex.start, n=5).frame.mean("
        "numeric_only=True))`. Each key fails for a different reason.",
        "Deploy frequency needs a short release cadence and no CAB; change failure rate needs "
        "automated tests and deploys; time to restore needs failures caught early and rolled "
        "back by the pipeline; lead time needs fewer handoffs: with all of that but four "
        "separate teams, each change still waits in their queues (`stage_times()`).",
        "The collaborative preset reaches High or better on all four keys with the same 11 people "
        "(cross-functional teams, peer review, continuous delivery and automation): "
        "`answer = presets()['collaborative']`",
    )
    success = ("Every key is High or better: a concrete goal, measured, instead of a vague "
               "'do DevOps'.")

    def starting_scenario(self) -> Scenario:
        return presets()["siloed"]

    def solution_scenario(self) -> Scenario:
        return replace(presets()["collaborative"], name="collaborative design")

    def explanation(self) -> str:
        return ("Cross-functional product teams that build, test, deploy and run their own "
                "changes, continuously delivered with automation, and peer review instead of a CAB "
                "(the `collaborative` preset).")
