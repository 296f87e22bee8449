"""The value stream as data: the stages a change meets, in order, and who does each.

The model walks :data:`VALUE_STREAM` to move a change from idea to production; the metrics
order :func:`devsim.metrics.stage_times` by it; the charts (value stream map, the board of
a run) and the exercise checks read stage names and aliases from it. Adding a stage = one
:class:`Stage` entry here + its behaviour in the model (a plain work stage needs none: the
model's generic ``"work"`` step runs any stage that states its ``effort``).

Kinds of stage
--------------
``queue``
    waiting for a slot (the WIP limit), no one works.
``work``
    people of a team work on the change (planned effort, pre-empted by incident work).
``automated``
    a pipeline runs on the clock, no queue (pipelines scale out).
``gate``
    a decision taken at a meeting (the change advisory board).
``schedule``
    waiting for a date (the release train).

Teams per organisation: ``dev``, ``qa``, ``ops`` and ``security`` are the siloed
organisation's teams; ``own`` is the change's own product team in the collaborative one;
``pipeline`` is a machine; ``None`` means no one (a queue or a schedule).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

__all__ = ["Stage", "ValueStream", "VALUE_STREAM", "STAGE_ORDER", "MILESTONES", "KINDS",
           "ORGANISATIONS"]

KINDS = ("queue", "work", "automated", "gate", "schedule")
ORGANISATIONS = ("siloed", "collaborative")


@dataclass(frozen=True)
class Stage:
    """One stage of the value stream.

    Attributes
    ----------
    key : str
        Name in the event log (``stages.stage``).
    label : str
        How charts and messages name it.
    kind : str
        One of :data:`KINDS`.
    teams : mapping
        Organisation -> team that does it (see the module docstring).
    step : str or None
        The model behaviour that a change's path runs for this stage, or None for a stage
        that another step enters (a fix after a failed check, the tests inside the build
        step, the deploy inside a release). Several stages may share one step.
    aliases : tuple of str
        Other words people use for it ("qa", "testing"), for answers typed by learners.
    effort : callable, optional
        For the generic ``"work"`` step: ``effort(scenario, change_size) -> person-hours``.
    incident : bool
        Part of incident response (unplanned work), not of a change's planned path.
    """

    key: str
    label: str
    kind: str
    teams: Mapping[str, str | None]
    step: str | None = None
    aliases: tuple[str, ...] = ()
    effort: Callable[..., float] | None = field(default=None, compare=False)
    incident: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: {self.kind!r} is not allowed; choose one of {', '.join(KINDS)}")
        missing = [o for o in ORGANISATIONS if o not in self.teams]
        if missing:
            raise ValueError(f"teams: stage {self.key!r} names no team for {', '.join(missing)}")
        if self.step == "work" and self.effort is None:
            raise ValueError(f"effort: stage {self.key!r} uses the generic 'work' step, which "
                             "needs effort(scenario, change_size)")

    def team(self, organisation: str) -> str | None:
        return self.teams[organisation]


def _both(siloed: str | None, collaborative: str | None = "own") -> dict[str, str | None]:
    return {"siloed": siloed, "collaborative": collaborative}


@dataclass(frozen=True)
class ValueStream:
    """The stages of a change's path in flow order, and the stages of incident response."""

    stages: tuple[Stage, ...]

    def __post_init__(self) -> None:
        keys = [s.key for s in self.stages]
        dup = {k for k in keys if keys.count(k) > 1}
        if dup:
            raise ValueError(f"stages: {sorted(dup)[0]!r} appears twice")

    @property
    def order(self) -> tuple[str, ...]:
        """Planned stages in the order a change meets them."""
        return tuple(s.key for s in self.stages if not s.incident)

    @property
    def path(self) -> tuple[Stage, ...]:
        """The stages whose step the model runs, one per step, in order."""
        seen, out = set(), []
        for s in self.stages:
            if s.step is not None and not s.incident and s.step not in seen:
                seen.add(s.step if s.step != "work" else s.key)
                out.append(s)
        return tuple(out)

    def __getitem__(self, key: str) -> Stage:
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(f"stage: {key!r} is not a stage; stages are {', '.join(x.key for x in self.stages)}")

    def routing(self, organisation: str) -> dict[str, str | None]:
        """Stage -> team for one organisation."""
        return {s.key: s.team(organisation) for s in self.stages}

    def aliases(self) -> dict[str, str]:
        """Every word for a planned stage (its key, label and aliases, lower case) -> its key."""
        out = {}
        for s in self.stages:
            if s.incident:
                continue
            for word in (s.key, s.label, *s.aliases):
                out.setdefault(word.lower(), s.key)
        return out

    def label(self, key: str) -> str:
        try:
            return self[key].label
        except KeyError:
            return key

    def insert(self, stage: Stage, *, after: str) -> "ValueStream":
        """A copy with ``stage`` placed after the stage ``after``."""
        i = [s.key for s in self.stages].index(self[after].key)
        return replace(self, stages=self.stages[:i + 1] + (stage,) + self.stages[i + 1:])


#: The course's value stream, from idea to production, then incident response.
VALUE_STREAM = ValueStream(stages=(
    Stage("backlog", "backlog (WIP limit)", "queue", _both(None, None), step="wip",
          aliases=("queue", "wip")),
    Stage("develop", "develop", "work", _both("dev"), step="develop",
          aliases=("development", "dev", "coding", "code")),
    Stage("review", "code review", "work", _both("dev"), step="review",
          aliases=("peer review", "pull request")),
    Stage("fix", "fix", "work", _both("dev"), aliases=("rework", "bug fix")),
    # A ticket that lost its context goes back to the team that sent it (the model names it).
    Stage("clarify", "clarification", "work", _both("dev"), aliases=("clarification",)),
    Stage("environment", "test environment", "work", _both("ops"), step="environment",
          aliases=("environments", "provisioning")),
    Stage("pipeline", "build and test pipeline", "automated", _both("pipeline", "pipeline"),
          step="build_and_test", aliases=("build", "ci")),
    Stage("test", "testing", "work", _both("qa"), aliases=("qa", "tests", "manual testing")),
    Stage("security", "security review", "work", _both("security", "security"), step="security",
          aliases=("security team",)),
    Stage("cab_prep", "CAB paperwork", "work", _both("dev")),
    Stage("cab", "change advisory board", "gate", _both(None, None), step="cab",
          aliases=("cab meeting", "approval", "change approval")),
    Stage("release", "release train", "schedule", _both(None, None), step="release",
          aliases=("train",)),
    Stage("deploy", "deploy", "work", _both("ops"), aliases=("deployment", "release to production")),
    # Incident response (unplanned work). With on_call='you_build_it' the change's developers
    # take triage instead (the model decides that from the Scenario).
    Stage("triage", "triage", "work", _both("ops"), incident=True),
    Stage("no_code_fix", "fix without code (restart, config)", "work", _both("ops"),
          incident=True),
    Stage("diagnose", "diagnosis", "work", _both("dev"), incident=True),
    Stage("hotfix", "hotfix", "work", _both("dev"), incident=True),
    Stage("rollback", "rollback", "work", _both("ops"), incident=True),
    Stage("emergency_approval", "emergency change approval", "gate", _both(None, None),
          incident=True),
    # Unplanned work no planned change causes (the model names the team each time).
    Stage("minor_fix", "minor defect fix", "work", _both("dev"), incident=True),
    Stage("toil", "operational toil", "work", _both("ops"), incident=True),
    Stage("support", "support requests", "work", _both("ops"), incident=True),
))

#: Planned stages in flow order.
STAGE_ORDER: tuple[str, ...] = VALUE_STREAM.order

#: Points a change passes that are columns of the item table, not stages (for the CFD).
MILESTONES: dict[str, str] = {"arrived": "arrival", "committed": "committed",
                              "developed": "committed", "deployed": "deployed"}
