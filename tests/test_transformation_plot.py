"""Lesson 06's transformation figure (devsim.plots.transformation)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from devsim import plots  # noqa: E402
from devsim.plots.transformation import break_even_month, counterfactual  # noqa: E402


def _journey(monthly=(30, 30, 30, 25, 25, 25, 60, 60, 60), invest=3):
    rows, total = [], 0.0
    for i, changes in enumerate(monthly):
        month = i - 3
        phase = "before" if month < 0 else ("building" if month < invest else "after")
        total += changes
        rows.append({"month": month, "phase": phase, "throughput_per_day": changes / 30,
                     "lead_time_hours": 10.0, "change_failure_rate": 0.1,
                     "cost_per_change": 6000 * 30 / changes, "cumulative_changes": total,
                     "cumulative_cost": 6000 * 30 * (i + 1)})
    return pd.DataFrame(rows)


def test_the_counterfactual_continues_the_before_phase():
    assert counterfactual(_journey()).tolist() == [30 * k for k in range(1, 10)]


def test_break_even_is_the_first_month_back_on_the_line():
    # cumulative from month 0: 115, 140, 165, 225 against 120, 150, 180, 210: behind while
    # building, level again in month 3.
    assert break_even_month(_journey()) == 3
    late = _journey((30, 30, 30, 10, 10, 10, 60, 60, 60))   # 180, 240 vs 210, 240: level in 4
    assert break_even_month(late) == 4
    assert break_even_month(_journey((30, 30, 30, 25, 25, 25, 30, 30, 30))) is None
    assert break_even_month(_journey((30,) * 9)) is None, "no dip, nothing to recover"


def test_the_figure_marks_phases_and_break_even():
    fig = plots.transformation_curve(_journey())
    top, bottom = fig.axes
    texts = [t.get_text() for t in top.texts]
    assert {"before", "building", "after"} <= set(texts)
    assert any("break-even: month 3" in t for t in texts)
    assert "month 3" in top.get_title(loc="left")
    labels = [line.get_label() for line in top.get_lines()]
    assert "had we not changed" in labels and "transformed organisation" in labels
    assert "Cost per change" in bottom.get_ylabel()
    assert bottom.get_xlabel().startswith("Month")


def test_no_break_even_is_said_in_the_title():
    fig = plots.transformation_curve(_journey((30, 30, 30, 25, 25, 25, 30, 30, 30)))
    assert "no break-even" in fig.axes[0].get_title(loc="left")


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="journey"):
        plots.transformation_curve([1, 2])
    with pytest.raises(ValueError, match="missing"):
        plots.transformation_curve(pd.DataFrame({"month": [0]}))


def test_on_a_real_transformation():
    import devsim as ds

    journey = ds.transformation("siloed", "collaborative", invest_share=0.25, invest_months=3,
                                months=6, n=2, seed=1, executor="serial", progress=False)
    even = break_even_month(journey)
    assert even is not None and 0 <= even <= 6
    assert plots.transformation_curve(journey).axes
