"""The exercise-check framework: verdicts, hints, solutions, targets and the base classes.

This module owns *how* an answer is judged; what each exercise asks (its question, hints,
targets and solution) lives in its own module beside this one, as Kaggle's learntools
keeps ``learntools/core/problem.py`` apart from each lesson's questions. Nothing here
names a particular exercise.

An exercise checks an answer and returns a :class:`CheckResult` in one of three states:

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
A scenario answer is run ``n`` times (default 10) with the base seed (default 2026) by
:func:`devsim.experiment.compare`, so replication *i* sees the same random numbers as
replication *i* of the starting scenario (common random numbers), and the same answer
always gets the same verdict. Each metric is the **mean over replications** of that run's
value (for lead time and time to restore, the run's median). A target is a bar on that
mean, never exact equality: either absolute ("lead time at most 24 h") or relative to the
starting scenario measured the same way ("at most half of the start's lead time"); a "do
not make it worse" target has a stated slack above the start (e.g. 2 percentage points of
change failure rate, about two standard errors of the difference at n = 10), so noise alone
does not fail a neutral change. A numeric answer is accepted within a relative margin (5%).
DORA-cluster goals (:class:`ClusterExercise`) classify those means by
:data:`devsim.dora.RULE`.

Constraints (which fields may change, headcount, no CAB) are checked before anything runs,
by the design rules of :mod:`devsim.design`, so a rule broken gets an immediate message
naming the field. Names, units and number text come from :mod:`devsim.registry`.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from ..classroom import ClassroomError, record
from ..design import (DESIGN_FIELDS, changed_fields, design_violations, format_field_value,
                      same_design)
from ..dora import RULE, bands, classify, keys
from ..experiment import DEFAULT_SEED, compare
from ..registry import format_value, metric
from ..scenario import Scenario, ScenarioError, field_info, resolve_scenario

__all__ = ["NOT_ATTEMPTED", "INCORRECT", "CORRECT", "STATUSES", "Measure", "CheckResult",
           "Hint", "Solution", "Target", "Exercise", "ScenarioExercise", "ClusterExercise",
           "KEY_ADVICE"]

NOT_ATTEMPTED, INCORRECT, CORRECT = "not_attempted", "incorrect", "correct"
STATUSES = (NOT_ATTEMPTED, INCORRECT, CORRECT)


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

    def _repr_html_(self) -> str:
        """The verdict in colour with a symbol (Okabe-Ito blue / vermillion / grey: safe for
        the common colour blindnesses, and never told by colour alone)."""
        colour, symbol = _LOOK[self.status]
        esc = lambda t: html.escape(str(t)).replace("\n", "<br>")  # noqa: E731
        out = [f'<div class="devsim-check devsim-{self.status}" style="border-left:6px solid '
               f'{colour};background:{_TINT[self.status]};padding:6px 10px;color:#111">'
               f'<b style="color:{colour}">{symbol} {esc(self._head().split(" ", 1)[1])}.</b> '
               f'{esc(self.message)}']
        if self.rows:
            has_start = any(r.start for r in self.rows)
            head = "<th></th><th>metric</th><th>yours</th>" + ("<th>start</th>" if has_start else "")
            out.append(f'<table style="margin-top:4px"><tr>{head}<th>target</th></tr>')
            for r in self.rows:
                c, sym = _LOOK[CORRECT if r.ok else INCORRECT]
                cells = (f'<td style="color:{c};font-weight:bold">{sym}</td><td>{esc(r.label)}</td>'
                         f"<td><b>{esc(r.yours)}</b></td>"
                         + (f"<td>{esc(r.start)}</td>" if has_start else "")
                         + f"<td>{esc(r.target)}</td>")
                out.append(f"<tr>{cells}</tr>")
            out.append("</table>")
        out.append("</div>")
        return "".join(out)

    def __repr__(self) -> str:
        return f"CheckResult(status={self.status!r}, exercise={self.exercise!r})"


# Colour and symbol of each verdict (Okabe-Ito), and a light tint for the background.
_LOOK = {CORRECT: ("#0072B2", "✓"), INCORRECT: ("#D55E00", "✗"), NOT_ATTEMPTED: ("#666666", "○")}
_TINT = {CORRECT: "#e5f1f8", INCORRECT: "#fbece5", NOT_ATTEMPTED: "#f2f2f2"}


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


# --- targets ------------------------------------------------------------------------------------

def _points(key: str, share: float) -> str:
    """A difference of two shares in percentage points ("3.8 percentage points")."""
    return f"{format_value(key, share, unit=False)} percentage points"


@dataclass(frozen=True)
class Target:
    """A bar a metric's mean over replications must meet.

    The bar is ``value`` (absolute) or ``relative`` x the starting scenario's mean, plus
    ``slack`` (an absolute allowance for noise, in the metric's unit). ``look_at`` is the
    teaching pointer shown when the bar is missed. ``metric`` is a key of
    :mod:`devsim.registry`, which names it and formats its numbers.
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
        try:
            metric(self.metric)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None

    @property
    def _is_share(self) -> bool:
        return metric(self.metric).kind == "share"

    def bar(self, start_mean: float | None) -> float:
        """The bar itself, in the metric's unit (needs the start's mean when relative)."""
        base = self.value if self.value is not None else self.relative * start_mean
        return base + self.slack if self.op == "<=" else base - self.slack

    def met(self, mean: float, start_mean: float | None) -> bool:
        """Whether ``mean`` clears the bar (a NaN mean never does)."""
        if mean is None or math.isnan(mean):
            return False
        bar = self.bar(start_mean)
        return mean <= bar if self.op == "<=" else mean >= bar

    def describe(self, start_mean: float | None) -> str:
        """The target in words: "at most 24.0 h", "at most 47% (the start's + 2.0 ...)"."""
        word = "at most" if self.op == "<=" else "at least"
        text = f"{word} {format_value(self.metric, self.bar(start_mean))}"
        if self.relative is None:
            return text
        how = "the start's" if self.relative == 1 else f"{self.relative:.0%} of the start's"
        if self.slack:
            sign = "+" if self.op == "<=" else "-"
            allowance = (_points(self.metric, self.slack) if self._is_share
                         else format_value(self.metric, self.slack))
            how += f" {sign} {allowance}"
        return f"{text} ({how})"

    def miss(self, mean: float, start_mean: float | None) -> str:
        """Why ``mean`` misses the bar, by how much, and where to look."""
        label = metric(self.metric).name
        if mean is None or math.isnan(mean):
            return (f"{label}: nothing to measure in any replication, so the target "
                    f"({self.describe(start_mean)}) cannot be met. {self.look_at}").strip()
        bar = self.bar(start_mean)
        gap = abs(mean - bar)
        side = "high" if self.op == "<=" else "low"
        if bar and gap / abs(bar) < 0.005:
            # "misses by 0.0 points (0% too high)" would read as a contradiction.
            return (f"{label} is {format_value(self.metric, mean)}; the target is "
                    f"{self.describe(start_mean)}: just too {side}, by less than 0.5%. "
                    f"{self.look_at}").strip()
        rel = f" ({gap / abs(bar):.0%} too {side})" if bar else ""
        by = _points(self.metric, gap) if self._is_share else format_value(self.metric, gap)
        return (f"{label} is {format_value(self.metric, mean)}; the target is "
                f"{self.describe(start_mean)}, so it misses by {by}{rel}. {self.look_at}").strip()


# --- the base classes ---------------------------------------------------------------------------

class Exercise:
    """One question: ``check(answer)``, ``hint(level)``, ``solution()``.

    Subclasses set ``id``, ``lesson``, ``title``, ``question`` and ``hints``, and implement
    ``_check``, ``_solution_text`` and :meth:`solution_answer`.

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
        self.attempts = 0      # checks of an answer so far (for the class view)
        self.hints_seen = 0    # the highest hint level asked for

    # What learners call -------------------------------------------------------------------------
    def check(self, answer: Any) -> CheckResult:
        """Judge ``answer``.

        Returns
        -------
        CheckResult
            ``not_attempted`` for a blank, else ``incorrect`` (with a reason) or ``correct``.
        """
        if self.is_blank(answer):
            result = self._result(NOT_ATTEMPTED, self._blank_message())
        else:
            result = self._check(answer)
        return self._recorded(result)

    def _recorded(self, result: CheckResult) -> CheckResult:
        """With ``DEVSIM_CLASS_DIR`` set, note the check for the trainer's class view (the
        exercise, the outcome, the most hints asked for); a folder that cannot take it adds
        one line to the message, and the check still counts."""
        self.attempts += 1
        try:
            record("check", {"lesson": self.lesson, "exercise": self.id, "status": result.status,
                             "attempt": self.attempts, "hints": self.hints_seen})
        except (ClassroomError, ValueError) as exc:
            return replace(result, message=f"{result.message}\n(not recorded for the class "
                                            f"view: {exc})")
        return result

    def hint(self, level: int = 1) -> Hint:
        """Hint number ``level`` (1 = a nudge; the last nearly gives the answer away).

        Raises
        ------
        ValueError
            For a level the exercise does not have.
        """
        k = len(self.hints)
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= k:
            raise ValueError(f"level: {level!r} is not allowed; this exercise has {k} hints "
                             f"(give 1 to {k})")
        self.hints_seen = max(self.hints_seen, level)
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

    def _measure(self, scenario: Scenario) -> dict[str, float]:
        """Mean of every metric over ``n`` replications (cached per scenario)."""
        key = replace(scenario, name="checked")
        if key not in self._cache:
            frame = compare([scenario], n=self.n, seed=self.seed, executor=self.executor,
                            progress=False).frame
            numeric = frame.drop(columns=["scenario", "replication", "seed"])
            self._cache[key] = {k: float(v) for k, v in numeric.mean(skipna=True).items()}
        return self._cache[key]


class ScenarioExercise(Exercise):
    """A design question: the answer is a Scenario that must meet targets under rules.

    The answer may also be a dict of changes to the starting scenario (``{"monitoring":
    0.9}``), a preset name or a YAML path. Subclasses set ``allowed`` (fields that may
    change), ``allowed_text``, ``targets``, ``success``, and optionally ``max_people`` and
    ``no_cab``; they implement :meth:`starting_scenario`, :meth:`solution_scenario` and
    :meth:`explanation`.
    """

    allowed: tuple[str, ...] = DESIGN_FIELDS
    allowed_text: str = "design fields"
    targets: tuple[Target, ...] = ()
    max_people: int | None = None
    no_cab: bool = False
    success: str = ""

    @property
    def start(self) -> Scenario:
        """The starting scenario (the blank answer)."""
        return self.starting_scenario()

    def starting_scenario(self) -> Scenario:
        """The scenario the learner starts from (the blank answer)."""
        raise NotImplementedError

    def is_blank(self, answer: Any) -> bool:
        """True for an untouched answer, an empty dict or the starting scenario itself."""
        if super().is_blank(answer):
            return True
        if isinstance(answer, Mapping) and not answer:
            return True
        return isinstance(answer, Scenario) and same_design(answer, self.start)

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
        values = self._measure(s)
        start_values = self._measure(self.start)   # shown beside yours, and relative targets
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
            rows.append(Measure(metric(t.metric).name, format_value(t.metric, mean),
                                format_value(t.metric, base) if base is not None else "",
                                t.describe(base), ok))
            if not ok:
                misses.append(t.miss(mean, base))
        return rows, misses

    def _solution_text(self) -> str:
        s = self.solution_scenario()
        changes = changed_fields(self.start, s)
        # One field a line: a long line would wrap mid-name in a narrow output area.
        args = "".join(f"    {k}={format_field_value(new)},\n" for k, (_, new) in changes.items())
        return (f"{self.explanation()}\n\n```python\nfrom dataclasses import replace\n"
                f"answer = replace(\n    ex.start,\n{args})\nex.check(answer)\n```")

    def explanation(self) -> str:
        """Why the solution works, in a sentence or two (the text above its code)."""
        return ""

    def solution_answer(self) -> Scenario:
        return self.solution_scenario()


#: What to look at when a DORA key misses its cluster (a :class:`ClusterExercise` miss).
KEY_ADVICE = {
    "deploy_frequency_per_day": "Deploys are limited by the release cadence and the CAB.",
    "lead_time_hours": "Look at stage_times(): which waits are handoffs, trains or meetings?",
    "time_to_restore_hours": "Look at who is paged and how failures are noticed.",
    "change_failure_rate": ("Look at how defects are caught before release and how deploys "
                            "are done."),
}


class ClusterExercise(ScenarioExercise):
    """A design question whose targets are DORA clusters of the four keys.

    ``need_keys`` of the year's four keys (:func:`devsim.dora.keys`) must reach the cluster
    ``need`` (or better) in the report ``year``, each key's mean over replications classified
    by :data:`devsim.dora.RULE`. ``key_advice`` says what to look at for a key that misses.
    """

    need: str = "high"       # the cluster a key must reach
    need_keys: int = 4       # how many keys must reach it
    key_advice: Mapping[str, str] = KEY_ADVICE
    targets = ()

    def _judge(self, values, start_values):
        table = bands(self.year)
        order = table["clusters"]
        goal = order.index(self.need) if self.need in order else len(order) - 1
        need = order[goal].capitalize() + (" or better" if goal else "")
        rows, short = [], []
        for k in keys(self.year):
            value = values.get(k, math.nan)
            c = classify(k, value, self.year)
            ok = c.cluster is not None and order.index(c.cluster) <= goal
            band = table[k][order[goal]]["text"]
            name, text = metric(k).name, format_value(k, value)
            start = start_values.get(k)
            start_text = (f"{format_value(k, start)} → {classify(k, start, self.year).label}"
                          if start is not None else "")
            rows.append(Measure(name, f"{text} → {c.label}", start_text, f"{need} ({band})", ok))
            if not ok:
                short.append(f"{name} is {text}, {c.label} (needs {band} for "
                             f"{order[goal].capitalize()}). {self.key_advice.get(k, '')}".strip())
        met = len(rows) - len(short)
        if met >= self.need_keys:
            return rows, []
        head = (f"{met} of {len(rows)} keys reach {need} in DORA {self.year}; "
                f"this exercise needs {self.need_keys}.")
        return rows, [head, *short, f"How a value is classified: {RULE}"]
