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

import sys

from typing import Any

from ..design import DEMAND_TOLERANCE, DESIGN_FIELDS, changed_fields, design_violations
from ..metrics import security_incidents_per_week
from ..scenario import ScenarioError
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
    "one_line_scenario_errors",
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
    one_line_scenario_errors()
    return {cls.id: cls(**kwargs) for cls in COURSE}


def one_line_scenario_errors() -> bool:
    """In a notebook, show an invalid scenario in an answer cell as the API's one line
    (``ScenarioError: n_ops: 0 is not allowed ...``) instead of a traceback.

    A learner's ``replace(ex.start, ...)`` that breaks a rule raises in their own cell, before
    any check runs; the message is the same one the checker and the command line give.
    Returns True when the handler was installed (only inside IPython; IPython is never
    imported here).
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False

    def show(shell, etype, evalue, tb, tb_offset=None):
        print(f"{etype.__name__}: {evalue}", file=sys.stderr)

    shell.set_custom_exc((ScenarioError,), show)
    return True
