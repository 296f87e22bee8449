"""Exercise checkers: one class per question, with ``check``, tiered ``hint`` and ``solution``.

In the style of Kaggle's learntools (``learntools/core/problem.py``): an exercise checks an
answer and returns a :class:`CheckResult` in one of three states,

* ``"not_attempted"``: the answer is ``None``, the placeholder ``...`` (Ellipsis), an empty
  text, or a Scenario equal to the exercise's starting scenario (only the name changed);
* ``"incorrect"``: with a reason that teaches: which rule or metric missed, by how much,
  and what to look at next;
* ``"correct"``: with what the answer shows.

A notebook cell stays thin::

    from devsim.checks import exercises
    ex = exercises()["ex03"]
    ex                       # shows the question
    answer = ex.start        # the starting scenario; change it with dataclasses.replace
    ex.check(answer)         # ✓ / ✗ / not attempted yet, with the numbers
    ex.hint()                # ex.hint(2), ex.hint(3): the last one nearly gives it away
    ex.solution()            # a verified solution (text and, for design questions, a Scenario)

How stochastic answers are judged
---------------------------------
A scenario answer is run ``n`` times (default 10) with the base seed (default 2026), so
replication *i* sees the same random numbers as replication *i* of the starting scenario
(common random numbers), and the same answer always gets the same verdict. Each metric is
the **mean over replications** of that run's value (for lead time and time to restore, the
run's median). A target is a bar on that mean, never exact equality: either absolute
("lead time at most 24 h") or relative to the starting scenario measured the same way
("at most half of the start's lead time"); a "do not make it worse" target has a stated
slack above the start (e.g. 2 percentage points of change failure rate, about two standard
errors of the difference at n = 10), so noise alone does not fail a neutral change.
A numeric answer is accepted within a relative margin (5%).

Constraints (which fields may change, headcount, no CAB) are checked before anything runs,
so a rule broken gets an immediate message naming the field.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from .dora import KEYS, RULE, bands, classify
from .experiment import DEFAULT_SEED, compare
from .metrics import LABELS, stage_times, summarise
from .metrics import security_incidents_per_week  # noqa: F401 - part of this module's API
from .model import run
from .scenario import (Scenario, ScenarioError, field_info, presets, resolve_scenario,
                       with_change_size)

__all__ = [
    "CheckResult", "Hint", "Solution", "Exercise", "ScenarioExercise", "Target",
    "Ex01WallOfConfusion", "Ex02LittlesLaw", "Ex03ReleaseCadence", "Ex04Automation",
    "Ex05YouBuildItYouRunIt", "Ex06DevSecOps", "Ex07GoalsAndMetrics", "Capstone",
    "exercises", "changed_fields", "design_violations", "DESIGN_FIELDS", "STATUSES",
    "security_incidents_per_week",
]

NOT_ATTEMPTED, INCORRECT, CORRECT = "not_attempted", "incorrect", "correct"
STATUSES = (NOT_ATTEMPTED, INCORRECT, CORRECT)

#: Fields an organisation *chooses* (its design): structure, staffing, approval, automation,
#: release cadence, how many changes get a manual security review, and the batch size (as
#: long as the demand, arrival rate x change size, stays the same). Every other field
#: describes the work, the people's skills, the users or the run, and is part of the
#: challenge, not of the answer.
DESIGN_FIELDS = (
    "organisation", "n_developers", "n_testers", "n_ops", "n_security", "n_teams", "wip_limit",
    "on_call", "approval", "cab_interval_days", "test_automation", "deployment_automation",
    "environment_automation", "monitoring", "security_scanning", "release_interval_days",
    "security_review_share", "change_size_person_hours",
)

#: Relative tolerance on demand (arrival rate x change size) when the batch size changes.
DEMAND_TOLERANCE = 0.01

_EXTRA_LABELS = {"security_incidents_per_week": ("Security incidents", "per week")}


# --- results, hints, solutions ---------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    """One line of a check's table: a metric, your value, the start's, the target, met or not."""

    label: str
    yours: str
    start: str
    target: str
    ok: bool


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer.

    Attributes
    ----------
    status : str
        ``"not_attempted"``, ``"incorrect"`` or ``"correct"``.
    message : str
        What the verdict means for the learner (the reason, when incorrect).
    exercise : str
        Id of the exercise (``"ex03"``).
    rows : tuple of Measure
        The metrics that were judged, with the targets (empty when nothing ran).
    values : dict
        Mean of every measured metric over the replications, for plots or further checks.
    """

    status: str
    message: str
    exercise: str = ""
    rows: tuple[Measure, ...] = ()
    values: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status: {self.status!r} is not allowed; choose one of "
                             + ", ".join(STATUSES))

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.correct

    def _head(self) -> str:
        return {CORRECT: "✓ Correct", INCORRECT: "✗ Not yet",
                NOT_ATTEMPTED: "Not attempted yet"}[self.status]

    def __str__(self) -> str:
        lines = [f"{self._head()}: {self.message}"]
        if self.rows:
            w = max(len(r.label) for r in self.rows)
            for r in self.rows:
                start = f" (start {r.start})" if r.start else ""
                target = f"; target {r.target}" if r.target else ""
                mark = "✓" if r.ok else "✗"
                lines.append(f"  {mark} {r.label:<{w}}  {r.yours}{start}{target}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        text = f"**{self._head()}.** {_md(self.message)}"
        if self.rows:
            has_start = any(r.start for r in self.rows)
            head = "| | metric | yours |" + (" start |" if has_start else "") + " target |"
            sep = "|---|---|---|" + ("---|" if has_start else "") + "---|"
            body = [f"| {'✓' if r.ok else '✗'} | {_md(r.label)} | {_md(r.yours)} |"
                    + (f" {_md(r.start)} |" if has_start else "") + f" {_md(r.target)} |"
                    for r in self.rows]
            text += "\n\n" + "\n".join([head, sep, *body])
        return text

    def __repr__(self) -> str:
        return f"CheckResult(status={self.status!r}, exercise={self.exercise!r})"


def _md(text: str) -> str:
    # Learner-facing text may hold <, > and | (targets such as "<= 24 h").
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", "  \n")


class Hint(str):
    """A hint (a ``str``) that notebooks show as Markdown."""

    level: int = 1
    of: int = 1

    def _repr_markdown_(self) -> str:
        return f"**Hint {self.level} of {self.of}:** {self}"


def _hint(text: str, level: int, of: int) -> Hint:
    h = Hint(text)
    h.level, h.of = level, of
    return h


@dataclass(frozen=True)
class Solution:
    """A verified solution: its explanation, the answer that passes, and a Scenario if any."""

    exercise: str
    text: str
    answer: Any
    scenario: Scenario | None = None

    def __str__(self) -> str:
        return f"Solution ({self.exercise}):\n{self.text}"

    def _repr_markdown_(self) -> str:
        return f"**Solution.** {self.text}"


# --- helpers shared with the leaderboard ------------------------------------------------------

def changed_fields(start: Scenario, answer: Scenario) -> dict[str, tuple[Any, Any]]:
    """Fields whose value differs between two scenarios (``name`` ignored): name -> (old, new)."""
    a, b = start.to_dict(), answer.to_dict()
    return {k: (a[k], b[k]) for k in a if k != "name" and a[k] != b[k]}


def _same_design(a: Scenario, b: Scenario) -> bool:
    return not changed_fields(a, b)


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return repr(v) if isinstance(v, str) else str(v)


def design_violations(start: Scenario, answer: Scenario, *,
                      allowed: Sequence[str] = DESIGN_FIELDS, allowed_text: str = "design fields",
                      max_people: int | None = None, no_cab: bool = False) -> list[str]:
    """Why ``answer`` breaks an exercise's (or a challenge's) rules; empty when it does not.

    Parameters
    ----------
    start : Scenario
        What the learner started from; fields outside ``allowed`` must keep its values.
    answer : Scenario
        The learner's (or team's) scenario.
    allowed : sequence of str
        Fields that may change. ``change_size_person_hours`` in it also allows
        ``arrival_rate_per_day`` to change, provided the demand (arrival rate x change size)
        stays within :data:`DEMAND_TOLERANCE` of the start's.
    allowed_text : str
        How a message names the allowed set ("automation fields").
    max_people : int or None
        Headcount budget.
    no_cab : bool
        Refuse ``approval='cab'``.

    Returns
    -------
    list of str
        One teaching sentence per broken rule.
    """
    out = []
    changes = changed_fields(start, answer)
    size_ok = "change_size_person_hours" in allowed
    batch = {"arrival_rate_per_day", "change_size_person_hours"}
    bad = [k for k in changes if k not in allowed and not (size_ok and k in batch)]
    if bad:
        what = ", ".join(f"{k} ({_fmt_value(changes[k][0])} → {_fmt_value(changes[k][1])})"
                         for k in bad)
        names = ", ".join(a for a in allowed)
        out.append(f"You changed {what}, but this exercise allows only {allowed_text}: {names}.")
    if size_ok and batch & set(changes):
        d0, d1 = start.demand_person_hours_per_day, answer.demand_person_hours_per_day
        if abs(d1 - d0) > DEMAND_TOLERANCE * d0:
            out.append(
                f"Your demand is {d1:g} person-hours/day (arrival_rate_per_day x "
                f"change_size_person_hours) but the organisation must deliver {d0:g}: changing the "
                "batch size must not change the amount of work. Use "
                f"with_change_size(s, {answer.change_size_person_hours:g}), which adjusts the "
                "arrival rate for you.")
    if max_people is not None and answer.headcount > max_people:
        out.append(
            f"Your organisation has {answer.headcount} people "
            f"(n_developers {answer.n_developers} + "
            f"n_testers {answer.n_testers} + n_ops {answer.n_ops} + n_security "
            f"{answer.n_security}); the budget is {max_people}.")
    if no_cab and answer.approval == "cab":
        out.append("approval is 'cab': this exercise asks for no change advisory board "
                   "(choose 'peer' or 'none').")
    return out


def _label(metric: str) -> tuple[str, str]:
    return LABELS.get(metric) or _EXTRA_LABELS.get(metric) or (metric, "")


def _fmt(metric: str, value: float, *, short: bool = False) -> str:
    """A metric value with its unit, rounded for reading (``short``: no days in brackets)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a (nothing to measure)"
    unit = _label(metric)[1]
    if unit == "hours":
        text = f"{value:.1f} h"
        return text + (f" ({value / 24:.1f} days)" if value >= 48 and not short else "")
    if unit.startswith("share"):
        return f"{100 * value:.1f}%"
    if unit == "currency":
        return f"{value:,.0f}"
    if unit in ("deploys/day", "changes/day"):
        return f"{value:.2f}/day"
    if unit == "per week":
        return f"{value:.2f}/week"
    return f"{value:.3g} {unit}".strip()


# --- targets ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A bar a metric's mean over replications must meet.

    The bar is ``value`` (absolute) or ``relative`` x the starting scenario's mean, plus
    ``slack`` (an absolute allowance for noise, in the metric's unit). ``look_at`` is the
    teaching pointer shown when the bar is missed.
    """

    metric: str
    op: str  # "<=" or ">="
    value: float | None = None
    relative: float | None = None
    slack: float = 0.0
    look_at: str = ""

    def __post_init__(self) -> None:
        if self.op not in ("<=", ">="):
            raise ValueError(f"op: {self.op!r} is not allowed; choose '<=' or '>='")
        if (self.value is None) == (self.relative is None):
            raise ValueError("Target: give exactly one of value= or relative=")

    def bar(self, start_mean: float | None) -> float:
        base = self.value if self.value is not None else self.relative * start_mean
        return base + self.slack if self.op == "<=" else base - self.slack

    def met(self, mean: float, start_mean: float | None) -> bool:
        if mean is None or math.isnan(mean):
            return False
        bar = self.bar(start_mean)
        return mean <= bar if self.op == "<=" else mean >= bar

    def describe(self, start_mean: float | None) -> str:
        word = "at most" if self.op == "<=" else "at least"
        text = f"{word} {_fmt(self.metric, self.bar(start_mean), short=True)}"
        if self.relative is None:
            return text
        how = "the start's" if self.relative == 1 else f"{self.relative:.0%} of the start's"
        if self.slack:
            sign = "+" if self.op == "<=" else "-"
            unit = _label(self.metric)[1]
            allowance = (f"{100 * self.slack:g} percentage points" if unit.startswith("share")
                         else _fmt(self.metric, self.slack, short=True))
            how += f" {sign} {allowance}"
        return f"{text} ({how})"

    def miss(self, mean: float, start_mean: float | None) -> str:
        label = _label(self.metric)[0]
        if mean is None or math.isnan(mean):
            return (f"{label}: nothing to measure in any replication, so the target "
                    f"({self.describe(start_mean)}) cannot be met. {self.look_at}").strip()
        bar = self.bar(start_mean)
        gap = abs(mean - bar)
        side = "high" if self.op == "<=" else "low"
        if bar and gap / abs(bar) < 0.005:
            # "misses by 0.0 points (0% too high)" would read as a contradiction.
            return (f"{label} is {_fmt(self.metric, mean)}; the target is "
                    f"{self.describe(start_mean)}: just too {side}, by less than 0.5%. "
                    f"{self.look_at}").strip()
        rel = f" ({gap / abs(bar):.0%} too {side})" if bar else ""
        by = (f"{100 * gap:.1f} percentage points" if _label(self.metric)[1].startswith("share")
              else _fmt(self.metric, gap, short=True))
        return (f"{label} is {_fmt(self.metric, mean)}; the target is {self.describe(start_mean)}, "
                f"so it misses by {by}{rel}. {self.look_at}").strip()


# --- the base classes ---------------------------------------------------------------------------

class Exercise:
    """One question: ``check(answer)``, ``hint(level)``, ``solution()``.

    Parameters
    ----------
    n : int, optional
        Replications per scenario when checking (default: the class's, usually 10).
    seed : int, optional
        Base seed (default 2026). Replication *i* of every scenario uses ``(seed, i)``.
    executor : optional
        Passed to :func:`devsim.experiment.compare` (``"serial"`` runs in this process).
    """

    id: str = ""
    lesson: str = ""
    title: str = ""
    question: str = ""
    hints: tuple[str, ...] = ()
    n: int = 10
    seed: int = DEFAULT_SEED
    year: int = 2019

    def __init__(self, *, n: int | None = None, seed: int | None = None, executor: Any = None):
        if n is not None:
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1000:
                raise ValueError(f"n: {n!r} is not allowed; give a whole number of replications "
                                 "from 1 to 1000")
            self.n = n
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise ValueError(f"seed: {seed!r} is not allowed; give a whole number >= 0")
            self.seed = seed
        self.executor = executor
        self._cache: dict[Scenario, dict[str, float]] = {}

    # What learners call -------------------------------------------------------------------------
    def check(self, answer: Any) -> CheckResult:
        """Judge ``answer``; see the module docstring for the three outcomes."""
        if self.is_blank(answer):
            return self._result(NOT_ATTEMPTED, self._blank_message())
        return self._check(answer)

    def hint(self, level: int = 1) -> Hint:
        """Hint number ``level`` (1 = a nudge; the last nearly gives the answer away)."""
        k = len(self.hints)
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= k:
            raise ValueError(f"level: {level!r} is not allowed; this exercise has {k} hints "
                             f"(give 1 to {k})")
        return _hint(self.hints[level - 1], level, k)

    def solution(self) -> Solution:
        """A verified solution (its answer passes :meth:`check`; the tests check that)."""
        return Solution(self.id, self._solution_text(), self.solution_answer(),
                        self.solution_scenario())

    def solution_answer(self) -> Any:
        """An answer that passes :meth:`check`."""
        raise NotImplementedError

    def solution_scenario(self) -> Scenario | None:
        """The Scenario of the solution (for a question about a scenario, that scenario)."""
        return None

    def is_blank(self, answer: Any) -> bool:
        """True for an untouched answer: None, ``...``, or empty text."""
        if answer is None or answer is Ellipsis:
            return True
        return isinstance(answer, str) and answer.strip() in ("", "...")

    # Display -------------------------------------------------------------------------------
    def _repr_markdown_(self) -> str:
        return f"**{self.title}** ({self.id}, lesson {self.lesson})\n\n{self.question}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}: {self.title}>"

    # For subclasses ------------------------------------------------------------------------
    def _check(self, answer: Any) -> CheckResult:
        raise NotImplementedError

    def _solution_text(self) -> str:
        raise NotImplementedError

    def _blank_message(self) -> str:
        return "replace the `...` with your answer, then run the cell again."

    def _result(self, status: str, message: str, rows=(), values=None) -> CheckResult:
        return CheckResult(status, message, self.id, tuple(rows), dict(values or {}))

    def _measure(self, scenario: Scenario,
                 extra: Mapping[str, Callable] | None = None) -> dict[str, float]:
        """Mean of every metric over ``n`` replications (cached per scenario)."""
        key = replace(scenario, name="checked")
        if key not in self._cache:
            if extra:
                # Metrics that summarise() lacks need the logs: run here, same (seed, i) pairs.
                rows = []
                for r in range(self.n):
                    log = run(scenario, seed=self.seed, replication=r)
                    row = summarise(log)
                    row.update({k: f(log) for k, f in extra.items()})
                    rows.append(row)
                frame = pd.DataFrame(rows)
            else:
                frame = compare([scenario], n=self.n, seed=self.seed, executor=self.executor,
                                progress=False).frame
            numeric = frame.drop(columns=[c for c in ("scenario", "replication", "seed")
                                          if c in frame.columns])
            self._cache[key] = {k: float(v) for k, v in numeric.mean(skipna=True).items()}
        return self._cache[key]


class ScenarioExercise(Exercise):
    """A design question: the answer is a Scenario that must meet targets under rules.

    The answer may also be a dict of changes to the starting scenario (``{"monitoring":
    0.9}``), a preset name or a YAML path. Subclasses set ``allowed`` (fields that may
    change), ``allowed_text``, ``targets``, and optionally ``max_people`` and ``no_cab``.
    """

    allowed: tuple[str, ...] = DESIGN_FIELDS
    allowed_text: str = "design fields"
    targets: tuple[Target, ...] = ()
    max_people: int | None = None
    no_cab: bool = False
    extra_metrics: Mapping[str, Callable] | None = None
    success: str = ""

    @property
    def start(self) -> Scenario:
        """The starting scenario (the blank answer)."""
        return self.starting_scenario()

    def starting_scenario(self) -> Scenario:
        raise NotImplementedError

    def is_blank(self, answer: Any) -> bool:
        if super().is_blank(answer):
            return True
        if isinstance(answer, Mapping) and not answer:
            return True
        return isinstance(answer, Scenario) and _same_design(answer, self.start)

    def _blank_message(self) -> str:
        return ("your answer is still the starting scenario. Change it with "
                "`replace(ex.start, field=value)` (from dataclasses), then check again.")

    def _coerce(self, answer: Any) -> Scenario:
        if isinstance(answer, Scenario):
            return answer
        if isinstance(answer, Mapping):
            unknown = [k for k in answer if k not in field_info()]
            if unknown:
                raise ScenarioError(f"unknown field {unknown[0]!r}; see field_info() for the "
                                    "fields of a Scenario")
            return replace(self.start, **dict(answer))
        if isinstance(answer, (str, Path)):
            return resolve_scenario(str(answer))
        raise ScenarioError(f"expected a Scenario (or a dict of changes to ex.start), got "
                            f"{type(answer).__name__}")

    def _check(self, answer: Any) -> CheckResult:
        try:
            s = self._coerce(answer)
        except (ScenarioError, TypeError) as exc:
            return self._result(INCORRECT, f"your answer is not a valid scenario: {exc}")
        if self.is_blank(s):
            return self._result(NOT_ATTEMPTED, self._blank_message())
        broken = design_violations(self.start, s, allowed=self.allowed,
                                   allowed_text=self.allowed_text, max_people=self.max_people,
                                   no_cab=self.no_cab)
        if broken:
            return self._result(INCORRECT, "\n".join(broken))
        values = self._measure(s, self.extra_metrics)
        start_values = self._measure(self.start, self.extra_metrics) \
            if any(t.relative is not None for t in self.targets) else {}
        rows, misses = self._judge(values, start_values)
        where = f"(mean of {self.n} replications, seed {self.seed})"
        if misses:
            return self._result(INCORRECT, "\n".join(misses) + f"\n{where}", rows, values)
        return self._result(CORRECT, f"{self.success} {where}".strip(), rows, values)

    def _judge(self, values: Mapping[str, float], start_values: Mapping[str, float]):
        rows, misses = [], []
        for t in self.targets:
            mean, base = values.get(t.metric, math.nan), start_values.get(t.metric)
            ok = t.met(mean, base)
            rows.append(Measure(_label(t.metric)[0], _fmt(t.metric, mean),
                                _fmt(t.metric, base) if base is not None else "",
                                t.describe(base), ok))
            if not ok:
                misses.append(t.miss(mean, base))
        return rows, misses

    def _solution_text(self) -> str:
        s = self.solution_scenario()
        changes = changed_fields(self.start, s)
        args = ", ".join(f"{k}={_fmt_value(new)}" for k, (_, new) in changes.items())
        return (f"{self.explanation()}\n\n```python\nfrom dataclasses import replace\n"
                f"answer = replace(ex.start, {args})\nex.check(answer)\n```")

    def explanation(self) -> str:
        return ""

    def solution_answer(self) -> Scenario:
        return self.solution_scenario()


_AUTOMATION_FIELDS = tuple(k for k, m in field_info().items() if m["group"] == "automation")


# --- the exercises --------------------------------------------------------------------------------

_STAGE_ALIASES = {"release train": "release", "train": "release", "testing": "test", "qa": "test",
                  "change advisory board": "cab", "cab meeting": "cab", "approval": "cab",
                  "development": "develop", "dev": "develop", "code review": "review",
                  "security review": "security", "deployment": "deploy"}


class Ex01WallOfConfusion(Exercise):
    """Lesson 01: where does a change wait longest in the siloed organisation?"""

    id, lesson, title = "ex01", "01", "Where does a change wait?"
    question = (
        "In the `siloed` preset, a change passes develop, review, test, security, CAB, release "
        "and deploy, often handed from one team to the next. **In which stage does a change "
        "wait longest** (mean `wait_hours` per change, over the exercise's replications)? "
        "Answer with the stage name as text, e.g. `answer = \"review\"`.")
    hints = (
        "Run the siloed preset and look at `stage_times(log)`: one row per stage with the hours "
        "a change waits and works there.",
        "Sort by `wait_hours`. Waiting is everything in a stage that is not work: tickets waiting "
        "for pickup, queues, and scheduled events such as meetings and release dates.",
        "The largest wait is a scheduled one: the siloed organisation ships on a release train "
        "every 28 days, so a finished change waits for the next train. The stage is called "
        "`\"release\"`.",
    )
    tolerance = 0.05  # a stage within 5% of the longest wait also counts (a tie, not an error)

    def scenario(self) -> Scenario:
        return presets()["siloed"]

    def solution_scenario(self) -> Scenario:
        return self.scenario()

    def waits(self) -> pd.Series:
        """Mean wait hours per change in each stage, longest first (computed once)."""
        if getattr(self, "_waits", None) is None:
            tables = [stage_times(run(self.scenario(), seed=self.seed, replication=r))
                      for r in range(self.n)]
            waits = pd.concat(tables).groupby(level=0)["wait_hours"].mean()
            self._waits = waits.sort_values(ascending=False)
        return self._waits

    def solution_answer(self) -> str:
        return str(self.waits().index[0])

    def _check(self, answer: Any) -> CheckResult:
        if not isinstance(answer, str):
            return self._result(INCORRECT, f"give the stage name as text (e.g. \"review\"), not a "
                                           f"{type(answer).__name__}.")
        waits = self.waits()
        stage = _STAGE_ALIASES.get(answer.strip().lower(), answer.strip().lower())
        if stage not in waits.index:
            return self._result(INCORRECT, f"{answer!r} is not a stage of the siloed pipeline; "
                                           f"the stages are: {', '.join(waits.index)}.")
        top, longest = waits.index[0], float(waits.iloc[0])
        mine = float(waits[stage])
        rows = ()
        if mine >= (1 - self.tolerance) * longest:
            runner = waits.index[1]
            return self._result(
                CORRECT, f"a change waits {_fmt('lead_time_hours', mine)} in '{stage}' on average: "
                f"the release train holds finished work until its date. Next comes '{runner}' "
                f"({_fmt('lead_time_hours', float(waits[runner]))}). Neither is anyone's work: "
                "it is time the organisation's structure adds.", rows, waits.to_dict())
        return self._result(
            INCORRECT, f"a change waits {_fmt('lead_time_hours', mine)} in '{stage}' on average, "
            f"but another stage holds it {longest / max(mine, 1e-9):.0f} times as long "
            f"({_fmt('lead_time_hours', longest)}). Sort stage_times(log) by wait_hours and look "
            "at the waits that are not queues for people.", (), waits.to_dict())

    def _solution_text(self) -> str:
        waits = self.waits()
        return (
            f"Changes wait longest in **{waits.index[0]}**: "
            f"{_fmt('lead_time_hours', float(waits.iloc[0]))} per change on average "
            f"(then {waits.index[1]}: {_fmt('lead_time_hours', float(waits.iloc[1]))}).\n\n"
            "```python\nimport pandas as pd\nfrom devsim import presets, run, stage_times\n"
            f"tables = [stage_times(run(presets()['siloed'], seed={self.seed}, replication=r))\n"
            f"          for r in range({self.n})]\n"
            "waits = pd.concat(tables).groupby(level=0)['wait_hours'].mean()\n"
            "answer = waits.idxmax()\n```")


class Ex02LittlesLaw(Exercise):
    """Lesson 02: Little's law, L = lambda W, on the siloed organisation."""

    id, lesson, title = "ex02", "02", "Little's law: how much work is in progress?"
    question = (
        "Little's law says that in a stable system the mean number of items inside, L, equals "
        "the throughput λ times the mean time each item spends inside, W. `ex.givens()` gives "
        "the siloed organisation's throughput (changes per day) and mean flow time from backlog "
        "to production (hours), over the exercise's replications. **Compute the mean number "
        "of changes in progress** and give it as a number.")
    hints = (
        "L = λ × W. Take λ and W from `ex.givens()`.",
        "Mind the units: λ is per day, W is in hours. Convert one of them so that the units "
        "cancel and L is a plain number of changes.",
        "`g = ex.givens(); answer = g['throughput_per_day'] * g['mean_flow_time_hours'] / 24`",
    )
    margin = 0.05

    def scenario(self) -> Scenario:
        return presets()["siloed"]

    def solution_scenario(self) -> Scenario:
        return self.scenario()

    def givens(self) -> dict[str, float]:
        """The siloed organisation's mean throughput (per day) and flow time (hours)."""
        v = self._measure(self.scenario())
        return {"throughput_per_day": v["throughput_per_day"],
                "mean_flow_time_hours": v["mean_flow_time_hours"]}

    def expected(self) -> float:
        g = self.givens()
        return g["throughput_per_day"] * g["mean_flow_time_hours"] / 24.0

    def solution_answer(self) -> float:
        return self.expected()

    def _check(self, answer: Any) -> CheckResult:
        try:
            x = float(answer) if not isinstance(answer, (bool, str)) else math.nan
        except (TypeError, ValueError):
            x = math.nan
        if not math.isfinite(x):
            return self._result(INCORRECT, f"give a number (changes in progress), not {answer!r}.")
        want = self.expected()
        measured = self._measure(self.scenario())["mean_wip"]
        g = self.givens()
        row = Measure("mean WIP (changes)", f"{x:.3g}", "", f"{want:.3g} ± {self.margin:.0%}",
                      abs(x - want) <= self.margin * want)
        if row.ok:
            return self._result(
                CORRECT, f"L = {g['throughput_per_day']:.3f}/day × "
                f"{g['mean_flow_time_hours']:.0f} h ÷ 24 h/day = {want:.1f} changes. "
                "The simulation "
                f"measured a mean WIP of {measured:.1f} directly: Little's law holds within "
                f"{abs(measured - want) / measured:.0%} (the gap is changes still inside at the "
                "edges "
                "of the measurement window).", [row], {"expected": want, "measured_wip": measured})
        ratio = x / want if want else math.inf
        if abs(ratio - 24) <= 24 * self.margin:
            why = ("that is 24 times too many: λ is per day but W is in hours. Convert W to days "
                   "(divide by 24) before multiplying.")
        elif abs(ratio - 1 / 24) <= self.margin / 24:
            why = "that is 24 times too few: convert the units once, not twice."
        elif x > 0 and abs(1 / ratio - 1) <= self.margin:
            why = "that looks like W / λ or λ / W; Little's law multiplies them: L = λ × W."
        else:
            why = (f"that is {abs(ratio - 1):.0%} {'above' if ratio > 1 else 'below'} λ × W. "
                   "Multiply the throughput (per day) by the flow time (in days).")
        return self._result(INCORRECT, f"{x:g} changes: {why}", [row])

    def _solution_text(self) -> str:
        g = self.givens()
        return (f"L = λ × W = {g['throughput_per_day']:.3f} changes/day × "
                f"{g['mean_flow_time_hours']:.1f} h ÷ 24 h/day = "
                f"**{self.expected():.1f} changes**."
                "\n\n```python\ng = ex.givens()\n"
                "answer = g['throughput_per_day'] * g['mean_flow_time_hours'] / 24\n```")


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
        "Release trains every few days halve the lead time; `release_interval_days=0` (each "
        "change deploys on its own) does too, and lowers the change failure rate as well.",
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


class Ex04Automation(ScenarioExercise):
    """Lesson 04: automation alone brings failures and lead time down."""

    id, lesson, title = "ex04", "04", "Automate the pipeline"
    allowed = _AUTOMATION_FIELDS
    allowed_text = "automation fields"
    targets = (
        Target("change_failure_rate", "<=", value=0.15,
               look_at="Which automation catches defects before production, and which makes a "
                       "deploy itself fail less?"),
        Target("lead_time_hours", "<=", value=24.0,
               look_at="Look at stage_times(run(answer, seed=2026)): which stage still takes hours "
                       "of someone's work before each test run?"),
    )
    question = (
        "`ex.start` is a collaborative organisation that has automated nothing yet (the "
        "`collaborative` preset with the baseline's automation levels). **Change only automation "
        "fields** (`test_automation`, `deployment_automation`, `environment_automation`, "
        "`monitoring`, `security_scanning`) so that the change failure rate is at most 15% and "
        "the median lead time for changes is at most 24 hours.")
    hints = (
        "Run `ex.start` and look at `stage_times(log)`: where does a change spend its lead time, "
        "and which of those stages is manual work?",
        "Change failure rate counts deploys that fail or cause an incident: automated tests catch "
        "more defects, automated deploys fail less often. Lead time also includes waiting for a "
        "hand-built test environment.",
        "Raise `test_automation` to 0.8, `deployment_automation` to 0.9 and "
        "`environment_automation` to 0.9 (the levels of the collaborative preset).",
    )
    success = ("Automation takes the manual, error-prone steps out of both teams' hands: fewer "
               "defects reach production, deploys rarely fail, and nobody waits for an "
               "environment.")

    def starting_scenario(self) -> Scenario:
        defaults = {k: m["default"] for k, m in field_info().items() if m["group"] == "automation"}
        return replace(presets()["collaborative"], name="collaborative_manual", **defaults)

    def solution_scenario(self) -> Scenario:
        return replace(self.start, name="collaborative, automated", test_automation=0.8,
                       deployment_automation=0.9, environment_automation=0.9)

    def explanation(self) -> str:
        return ("Test automation catches defects before release, deployment automation makes "
                "deploys reliable, and self-service environments remove the wait for ops.")


class Ex05YouBuildItYouRunIt(ScenarioExercise):
    """Lesson 05: restore service faster by changing who is paged and how failures are seen."""

    id, lesson, title = "ex05", "05", "You build it, you run it"
    allowed = ("on_call", "monitoring", "detect_hours_by_monitoring", "triage_person_hours",
               "ops_resolve_share", "diagnose_person_hours")
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
        "`monitoring`, `detect_hours_by_monitoring`, `triage_person_hours`, `ops_resolve_share`, "
        "`diagnose_person_hours`.")
    hints = (
        "Look at `run(ex.start, seed=2026).incidents`: compare `start`, `detected` and "
        "`restored`. How long until anyone knows, and how long after that?",
        "Two levers: notice failures by alert instead of by user complaint (`monitoring`), and "
        "page the developers who wrote the change instead of routing a ticket through ops "
        "(`on_call='you_build_it'`).",
        "`replace(ex.start, on_call='you_build_it', monitoring=0.9)`",
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


class Ex06DevSecOps(ScenarioExercise):
    """Lesson 06: shift security left without making each change cost more."""

    id, lesson, title = "ex06", "06", "Shift security left, within budget"
    allowed = ("security_scanning", "security_review_share", "n_security")
    allowed_text = "security fields"
    extra_metrics = {"security_incidents_per_week": security_incidents_per_week}
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
        "`replace(ex.start, security_scanning=0.9)`: automated scanning covers every change and "
        "costs no one's time.",
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


class _ClusterExercise(ScenarioExercise):
    """Targets are DORA clusters of the four keys (see :data:`devsim.dora.RULE`)."""

    need: str = "high"       # the cluster a key must reach
    need_keys: int = 4       # how many keys must reach it
    targets = ()

    def _judge(self, values, start_values):
        order = bands(self.year)["clusters"]
        goal = order.index(self.need) if self.need in order else len(order) - 1
        need = order[goal].capitalize() + (" or better" if goal else "")
        classes = {k: classify(k, values.get(k, math.nan), self.year) for k in KEYS}
        rows, short = [], []
        for k, c in classes.items():
            ok = c.cluster is not None and order.index(c.cluster) <= goal
            rows.append(Measure(_label(k)[0], f"{_fmt(k, values.get(k, math.nan))} → {c.label}",
                                "", f"{need} ({bands(self.year)[k][order[goal]]['text']})", ok))
            if not ok:
                short.append(f"{_label(k)[0]} is {_fmt(k, values.get(k, math.nan))}, "
                             f"{c.label} (needs {bands(self.year)[k][order[goal]]['text']} for "
                             f"{order[goal].capitalize()}). {_KEY_ADVICE[k]}")
        met = len(rows) - len(short)
        if met >= self.need_keys:
            return rows, []
        head = (f"{met} of 4 keys reach {need} in DORA {self.year}; "
                f"this exercise needs {self.need_keys}.")
        return rows, [head, *short, f"How a value is classified: {RULE}"]


_KEY_ADVICE = {
    "deploy_frequency_per_day": "Deploys are limited by the release cadence and the CAB.",
    "lead_time_hours": "Look at stage_times(): which waits are handoffs, trains or meetings?",
    "time_to_restore_hours": "Look at who is paged and how failures are noticed.",
    "change_failure_rate": ("Look at how defects are caught before release and how deploys "
                            "are done."),
}


class Ex07GoalsAndMetrics(_ClusterExercise):
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
        "Deploy frequency and lead time need a short release cadence and no CAB; change failure "
        "rate needs automated testing and deploys; time to restore needs the people who build a "
        "change to run it.",
        "The `collaborative` preset reaches High on all four keys with 11 people: cross-functional "
        "teams, peer review, continuous delivery and automation.",
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


class Capstone(_ClusterExercise):
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
        "Five developers, one tester, one ops engineer and one security engineer in a single "
        "collaborative team, with the automation of the `devsecops` preset, continuous delivery "
        "and changes of 8 person-hours.",
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


_CLASSES = (Ex01WallOfConfusion, Ex02LittlesLaw, Ex03ReleaseCadence, Ex04Automation,
            Ex05YouBuildItYouRunIt, Ex06DevSecOps, Ex07GoalsAndMetrics, Capstone)


def exercises(**kwargs: Any) -> dict[str, Exercise]:
    """Every exercise, by id (``"ex01"`` ... ``"ex07"``, ``"capstone"``).

    Keyword arguments (``n``, ``seed``, ``executor``) go to every exercise.
    """
    return {cls.id: cls(**kwargs) for cls in _CLASSES}
