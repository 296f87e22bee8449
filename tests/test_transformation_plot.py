"""Lesson 06's earned J-curve (devsim.plots.transformation, devsim.experiment.transformation)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import devsim as ds  # noqa: E402
from devsim import plots  # noqa: E402
from devsim.plots.transformation import (break_even, break_even_week,  # noqa: E402
                                         break_even_weeks, built_weeks, by_phase, dip,
                                         headline, journey_summary)

SEED = 2026


def _journey(investing: list[list[float]], baseline: list[float], changes: float = 10.0,
             invested: list[float] | None = None) -> pd.DataFrame:
    """A hand-made journey: person-hours a week per replication of the investing
    organisation, one baseline shared by all replications, ``changes`` a week for both."""
    rows = []
    for r, spent in enumerate(investing):
        for org, hours in (("investing", spent), ("baseline", baseline)):
            total_h = total_c = 0.0
            for w, h in enumerate(hours, start=1):
                total_h += h
                total_c += changes
                inv = (invested[w - 1] if invested else 0.0) if org == "investing" else 0.0
                rows.append({"organisation": org, "invest_share": 0.25 if org == "investing"
                             else 0.0, "replication": r, "week": w, "changes": changes,
                             "lead_time_hours": 100.0 + (inv > 0) * 50.0,
                             "person_hours": h, "invested_person_hours": inv,
                             "cumulative_changes": total_c, "cumulative_person_hours": total_h,
                             "cumulative_cost": total_h * 100.0,
                             "cost_per_change": total_h * 100.0 / total_c})
    return pd.DataFrame(rows)


BASE = [100.0] * 12
# 150 a week while building (weeks 1-4), then 60: cumulative 600 + 60 (w - 4) against
# 100 w, level in week 9. With 50 after building: level in week 8.
SLOW = [150.0] * 4 + [60.0] * 8
FAST = [150.0] * 4 + [50.0] * 8
BUILDING = [50.0] * 4 + [0.0] * 8


def test_break_even_is_the_first_week_from_which_investing_stays_at_or_below():
    j = _journey([SLOW, FAST], BASE, invested=BUILDING)
    assert break_even_weeks(j).tolist() == [9.0, 8.0]
    # the mean difference 380 - 45 w per change x 10 is at or below 0 from week 9
    assert break_even_week(j) == 9
    even = break_even(j)
    assert (even.week, even.mean, even.broke_even, even.n) == (9, 8.5, 2, 2)
    assert even.low < 8.5 < even.high


def test_a_late_relapse_moves_break_even_later_and_none_is_none():
    relapse = SLOW[:10] + [300.0, 60.0]   # above again in week 11, back at or below in 12?
    j = _journey([relapse], BASE)
    # cumulative: week 10: 960 vs 1000; week 11: 1260 vs 1100; week 12: 1320 vs 1200
    assert break_even_week(j) is None, "above at the end: no break-even within the run"
    back = SLOW[:10] + [120.0, 0.0]        # 1080 vs 1100, 1080 vs 1200: never above again
    assert break_even_week(_journey([back], BASE)) == 9
    assert break_even_week(_journey([BASE], BASE)) is None, "no dip, nothing to pay back"
    assert break_even_week(_journey([[150.0] * 12], BASE)) is None, "never pays back"
    assert np.isnan(break_even_weeks(_journey([BASE], BASE)).iloc[0])


def test_dip_phases_and_headline_on_a_hand_made_journey():
    j = _journey([SLOW, FAST], BASE, invested=BUILDING)
    d = dip(j)
    assert d.week == 4 and d.cost == pytest.approx(200 * 100.0)
    assert d.share == pytest.approx(0.5) and d.per_change == pytest.approx(200 * 100.0 / 40)
    phases = by_phase(j, "person_hours")
    assert phases.loc["building", "difference"] == pytest.approx(50.0)
    assert phases.loc["after", "difference"] == pytest.approx(-45.0)
    assert phases.loc["building", "weeks"] == 4 and phases.loc["after", "weeks"] == 8
    assert built_weeks(j).tolist() == [4.0, 4.0]
    h = headline(j)
    assert h["built_week"] == 4 and h["break_even_week"] == 9 and h["broke_even"] == 2
    assert h["dip_week"] == 4 and h["invest_share"] == 0.25
    s = journey_summary(j)
    assert s.loc[9, "difference"] == pytest.approx((0 + -50 * 100 / 90) / 2)


def test_the_figure_marks_break_even_and_the_building_weeks():
    fig = plots.transformation_curve(_journey([SLOW, FAST], BASE, invested=BUILDING))
    top, bottom = fig.axes
    assert any("break-even: week 9" in t.get_text() for t in top.texts)
    assert "break-even in week 9" in top.get_title(loc="left")
    assert any("automation built (week 4)" in t.get_text() for t in bottom.texts)
    labels = [line.get_label() for line in top.get_lines()]
    assert any(lab.startswith("not investing") for lab in labels)
    assert any(lab.startswith("investing 25%") for lab in labels)
    assert "Cost per change" in top.get_ylabel()
    assert bottom.get_xlabel().startswith("Week")
    # the break-even line is drawn on both panels
    assert sum(1 for line in top.get_lines() + bottom.get_lines()
               if list(line.get_xdata()) == [9, 9]) == 2


def test_no_break_even_is_said_in_the_title():
    fig = plots.transformation_curve(_journey([[150.0] * 12], BASE))
    assert "no break-even" in fig.axes[0].get_title(loc="left")


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="^journey: expected the DataFrame"):
        plots.transformation_curve([1, 2])
    with pytest.raises(ValueError, match="^journey: columns .* are missing"):
        plots.transformation_curve(pd.DataFrame({"week": [0]}))
    j = _journey([SLOW], BASE)
    with pytest.raises(ValueError, match="^journey: needs the organisations"):
        break_even(j[j["organisation"] == "investing"])
    with pytest.raises(ValueError, match="^column: 'nosuch'"):
        journey_summary(j, "nosuch")


# --- on the model ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nothing():
    return ds.transformation("siloed", invest_share=0.0, months=6, n=2, seed=SEED,
                             executor="serial", progress=False)


@pytest.fixture(scope="module")
def quarter():
    return ds.transformation("siloed", invest_share=0.25, months=24, n=3, seed=SEED,
                             progress=False)


def test_with_no_investment_the_two_curves_are_one(nothing):
    """invest_share 0: the same organisation twice on common random numbers, identical in
    every column; automation stays where it was; no dip, no break-even."""
    inv = nothing[nothing["organisation"] == "investing"].drop(
        columns=["organisation", "invest_share"]).reset_index(drop=True)
    base = nothing[nothing["organisation"] == "baseline"].drop(
        columns=["organisation", "invest_share"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(inv, base)
    assert (inv["invested_person_hours"] == 0).all()
    assert (inv["test_automation"] == 0.2).all() and (inv["environment_automation"] == 0.1).all()
    assert break_even(nothing).week is None and dip(nothing).week is None
    assert "nothing invested" in plots.transformation_curve(nothing).axes[0].get_title(loc="left")


def test_investing_dips_first_then_automation_rises_and_pays_back(quarter):
    """With a quarter of everyone's week invested the investing organisation's cost per
    change is above the baseline's while it builds (paired CI above 0), its automation
    rises to 0.9 and its weekly effort falls below the baseline's once built."""
    d = dip(quarter)
    assert d.week is not None and d.cost_low > 0 and d.per_change_low > 0
    early = journey_summary(quarter).loc[5:40]
    assert (early["difference"] > 0).all(), "cost per change above the baseline's while building"
    assert (early["difference_low"] > 0).mean() > 0.6, "and its paired CI above 0 in most weeks"
    inv = quarter[quarter["organisation"] == "investing"]
    last = inv[inv["week"] == inv["week"].max()]
    for k in ("test_automation", "deployment_automation", "environment_automation"):
        assert np.allclose(last[k], 0.9), k
        assert inv.groupby("replication")[k].apply(lambda s: s.is_monotonic_increasing).all()
    phases = by_phase(quarter, "person_hours")
    assert phases.loc["building", "difference_low"] > 0
    assert phases.loc["after", "difference_high"] < 0
    assert break_even(quarter).week is not None
