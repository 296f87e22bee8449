"""Exercise checkers: one class per question, with ``check``, tiered ``hint`` and ``solution``.

Laid out as Kaggle's learntools keeps its check framework apart from each lesson's
questions:

* :mod:`devsim.checks.core`: the framework (verdicts, targets, the base classes) and how
  stochastic answers are judged;
* one module per exercise (``ex01_wall_of_confusion`` ... ``ex07_goals_and_metrics``,
  ``capstone``): its question, hints, targets and verified solution;
* this module: the course's exercises in order (:func:`exercises`) and the public names.

The design rules an answer must keep (:data:`DESIGN_FIELDS`, :func:`design_violations`)
live in :mod:`devsim.design` and are re-exported here.

A notebook cell stays thin::

    from devsim.checks import exercises
    ex = exercises()["ex03"]
    ex.check(answer)
"""
from __future__ import annotations

from typing import Any

from ..design import DEMAND_TOLERANCE, DESIGN_FIELDS, changed_fields, design_violations
from ..metrics import security_incidents_per_week
from .capstone import Capstone
from .core import (STATUSES, CheckResult, ClusterExercise, Exercise, Hint, Measure,
                   ScenarioExercise, Solution, Target)
from .ex01_wall_of_confusion import Ex01WallOfConfusion
from .ex02_littles_law import Ex02LittlesLaw
from .ex03_release_cadence import Ex03ReleaseCadence
from .ex04_automation import Ex04Automation
from .ex05_you_build_it import Ex05YouBuildItYouRunIt
from .ex06_devsecops import Ex06DevSecOps
from .ex07_goals_and_metrics import Ex07GoalsAndMetrics

__all__ = [
    "CheckResult", "Hint", "Solution", "Exercise", "ScenarioExercise", "ClusterExercise",
    "Target", "Measure", "Ex01WallOfConfusion", "Ex02LittlesLaw", "Ex03ReleaseCadence",
    "Ex04Automation", "Ex05YouBuildItYouRunIt", "Ex06DevSecOps", "Ex07GoalsAndMetrics",
    "Capstone", "exercises", "changed_fields", "design_violations", "DESIGN_FIELDS",
    "DEMAND_TOLERANCE", "STATUSES", "security_incidents_per_week", "COURSE",
]

#: The course's exercises in lesson order.
COURSE: tuple[type[Exercise], ...] = (
    Ex01WallOfConfusion, Ex02LittlesLaw, Ex03ReleaseCadence, Ex04Automation,
    Ex05YouBuildItYouRunIt, Ex06DevSecOps, Ex07GoalsAndMetrics, Capstone)


def exercises(**kwargs: Any) -> dict[str, Exercise]:
    """Every exercise of the course, by id, in lesson order.

    Parameters
    ----------
    **kwargs
        ``n``, ``seed`` and ``executor``, passed to every exercise (see :class:`Exercise`).

    Returns
    -------
    dict of str to Exercise
        ``"ex01"`` ... ``"ex07"``, ``"capstone"``.
    """
    return {cls.id: cls(**kwargs) for cls in COURSE}
