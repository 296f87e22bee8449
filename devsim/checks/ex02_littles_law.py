"""Exercise 02 (lesson 02, Little's law): how much work is in progress, L = lambda W?"""
from __future__ import annotations

import math
from typing import Any

from ..registry import format_value, metric
from ..scenario import Scenario, presets
from .core import CORRECT, INCORRECT, CheckResult, Exercise, Measure

__all__ = ["Ex02LittlesLaw"]

_WIP = "mean_wip"  # the answer is a mean number of changes in progress, as this metric


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
        """The siloed organisation's throughput and flow time, means over the replications.

        Returns
        -------
        dict
            ``throughput_per_day`` (changes per day) and ``mean_flow_time_hours`` (hours).
        """
        v = self._measure(self.scenario())
        return {"throughput_per_day": v["throughput_per_day"],
                "mean_flow_time_hours": v["mean_flow_time_hours"]}

    def expected(self) -> float:
        """L = λ × W from :meth:`givens` (changes in progress)."""
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
        row = Measure(metric(_WIP).name, format_value(_WIP, x), "",
                      f"{format_value(_WIP, want)} ± {self.margin:.0%}",
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
