"""Exercise 01 (lesson 01, the wall of confusion): where does a change wait longest?

The answer is a stage name typed by a learner; any word the value stream knows for a stage
(:meth:`devsim.valuestream.ValueStream.aliases`) counts. The waits come from
:func:`devsim.metrics.stage_times` over the event logs of the exercise's replications.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from ..experiment import run_logs
from ..metrics import stage_times
from ..registry import format_value
from ..scenario import Scenario, presets
from ..valuestream import VALUE_STREAM
from .core import CORRECT, INCORRECT, CheckResult, Exercise

__all__ = ["Ex01WallOfConfusion"]

_WAIT = "lead_time_hours"  # a wait reads as a duration, in the units lead time uses


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

    _waits: pd.Series | None = None

    def waits(self) -> pd.Series:
        """Mean wait per change in each stage over the exercise's replications (computed once).

        Returns
        -------
        pandas.Series
            Hours, indexed by stage (:func:`devsim.metrics.stage_times`), longest first.
        """
        if self._waits is None:
            tables = [stage_times(log) for log in run_logs(self.scenario(), self.n, self.seed)]
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
        word = answer.strip().lower()
        stage = VALUE_STREAM.aliases().get(word, word)
        if stage not in waits.index:
            return self._result(INCORRECT, f"{answer!r} is not a stage of the siloed pipeline; "
                                           f"the stages are: {', '.join(waits.index)}.")
        longest = float(waits.iloc[0])
        mine = float(waits[stage])
        if mine >= (1 - self.tolerance) * longest:
            runner = waits.index[1]
            return self._result(
                CORRECT, f"a change waits {format_value(_WAIT, mine)} in '{stage}' on average: "
                f"the release train holds finished work until its date. Next comes '{runner}' "
                f"({format_value(_WAIT, float(waits[runner]))}). Neither is anyone's work: "
                "it is time the organisation's structure adds.", (), waits.to_dict())
        return self._result(
            INCORRECT, f"a change waits {format_value(_WAIT, mine)} in '{stage}' on average, "
            f"but another stage holds it {longest / max(mine, 1e-9):.0f} times as long "
            f"({format_value(_WAIT, longest)}). Sort stage_times(log) by wait_hours and look "
            "at the waits that are not queues for people.", (), waits.to_dict())

    def _solution_text(self) -> str:
        waits = self.waits()
        return (
            f"Changes wait longest in **{waits.index[0]}**: "
            f"{format_value(_WAIT, float(waits.iloc[0]))} per change on average "
            f"(then {waits.index[1]}: {format_value(_WAIT, float(waits.iloc[1]))}).\n\n"
            "```python\nimport pandas as pd\nfrom devsim import presets, run, stage_times\n"
            f"tables = [stage_times(run(presets()['siloed'], seed={self.seed}, replication=r))\n"
            f"          for r in range({self.n})]\n"
            "waits = pd.concat(tables).groupby(level=0)['wait_hours'].mean()\n"
            "answer = waits.idxmax()\n```")
