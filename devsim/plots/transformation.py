"""A transformation month by month (:func:`transformation_curve`): the J-curve as a figure.

Reads the table of :func:`devsim.experiment.transformation` (one row per month: ``month``,
``phase``, ``throughput_per_day``, ``cost_per_change``, ``cumulative_changes``, ...). The
"had we not changed" line continues the *before* phase's monthly delivery; the break-even
month (:func:`break_even_month`) is the first month after the dip in which the transformed
organisation's cumulative delivery is back level with that line.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..registry import column_title
from .base import FONT, GREY, OKABE_ITO, PALETTE, SMALL, new_figure, scale_or_plain, style, title

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["transformation_curve", "break_even_month", "counterfactual"]

_NEEDED = ("month", "phase", "throughput_per_day", "cost_per_change", "cumulative_changes")
#: Shading of each phase (light tints; the phase is also named on the chart).
_PHASE_COLOURS = {"before": "#EEEEEE", "building": "#FBE3C4", "after": "#D6ECF7"}
_PHASE_WORDS = {"before": "before", "building": "building", "after": "after"}


def _check(journey: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(journey, pd.DataFrame):
        raise TypeError(f"journey: expected the DataFrame of ds.transformation(...), got "
                        f"{type(journey).__name__}")
    missing = [c for c in _NEEDED if c not in journey.columns]
    if missing:
        raise ValueError(f"journey: columns {missing} are missing; pass the table that "
                         "ds.transformation(...) returns")
    if journey.empty or not (journey["phase"] == "before").any():
        raise ValueError("journey: needs at least one month of the 'before' phase")
    return journey.sort_values("month").reset_index(drop=True)


def counterfactual(journey: pd.DataFrame) -> pd.Series:
    """Cumulative changes had the organisation stayed as it was (the before phase's monthly
    delivery, every month), indexed like ``journey``."""
    j = _check(journey)
    before = j[j["phase"] == "before"]
    monthly = float(before["cumulative_changes"].diff().fillna(before["cumulative_changes"]).mean())
    return pd.Series(monthly * (j.index + 1), index=j.index, name="had we not changed")


def break_even_month(journey: pd.DataFrame) -> int | None:
    """The first month after the dip in which cumulative changes delivered are at least
    those of the "had we not changed" line; None if it never gets there within the table
    (or there was no dip to recover from)."""
    j = _check(journey)
    gap = j["cumulative_changes"] - counterfactual(j)
    behind = False
    for month, phase, g in zip(j["month"], j["phase"], gap):
        if phase == "before":
            continue
        if g < -1e-9:
            behind = True
        elif behind:
            return int(month)
    return None


def transformation_curve(journey: pd.DataFrame) -> "Figure":
    """Cumulative changes delivered, and people-cost per change, month by month.

    Top: the transformed organisation's cumulative changes against the "had we not
    changed" line (:func:`counterfactual`), the phases shaded and named, and the break-even
    month (:func:`break_even_month`) marked. Bottom: people-cost per change each month, the
    J-curve: up while building, down after.

    Parameters
    ----------
    journey : pandas.DataFrame
        From :func:`devsim.experiment.transformation`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    j = _check(journey)
    months = j["month"].astype(float).to_numpy()
    stay = counterfactual(j)
    even = break_even_month(j)
    fig = new_figure((10, 7), left=1.0, right=0.3, top=0.75, bottom=0.65, grid=(2, 1), hgap=0.7)
    ax = fig.add_subplot(2, 1, 1)
    ax2 = fig.add_subplot(2, 1, 2, sharex=ax)
    for a in (ax, ax2):
        style(a)
        for phase, grp in j.groupby("phase", sort=False):
            lo, hi = grp["month"].min() - 0.5, grp["month"].max() + 0.5
            a.axvspan(lo, hi, color=_PHASE_COLOURS.get(phase, "#F4F4F4"), lw=0, zorder=0)
    # Phase names along the top of the upper panel, in its axes' height coordinates.
    for phase, grp in j.groupby("phase", sort=False):
        mid = (grp["month"].min() + grp["month"].max()) / 2
        ax.text(mid, 0.97, _PHASE_WORDS.get(phase, str(phase)), transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=SMALL, color=GREY, fontstyle="italic")
    ax.plot(months, stay.to_numpy(), "--", color=GREY, lw=2, label="had we not changed")
    ax.plot(months, j["cumulative_changes"].to_numpy(), "-o", color=PALETTE[0], lw=2.5, ms=5,
            label="transformed organisation")
    if even is not None:
        y = float(j.loc[j["month"] == even, "cumulative_changes"].iloc[0])
        ax.axvline(even, color=OKABE_ITO["vermillion"], lw=1.5, ls=":")
        ax.annotate(f"break-even: month {even}", (even, y), xytext=(12, -28),
                    textcoords="offset points", fontsize=SMALL, color=OKABE_ITO["vermillion"],
                    fontweight="bold", arrowprops={"arrowstyle": "->",
                                                   "color": OKABE_ITO["vermillion"]})
        note = f"caught up in month {even}"
    else:
        note = "no break-even within these months"
    ax.set_ylabel("Changes delivered\n(cumulative)", fontsize=FONT)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=SMALL, frameon=False, loc="upper left", bbox_to_anchor=(0.0, 0.9))
    title(ax, f"A transformation month by month: worse first, then better ({note})")
    scale = scale_or_plain("cost_per_change", float(j["cost_per_change"].median()))
    ax2.plot(months, j["cost_per_change"].to_numpy() * scale[0], "-o", color=PALETTE[1], lw=2.5,
             ms=5)
    ax2.set_ylabel(column_title("cost_per_change", scale), fontsize=FONT)
    ax2.set_ylim(bottom=0)
    ax2.set_xlabel("Month (0 = the transformation starts)", fontsize=FONT)
    title(ax2, "People-cost per change each month (the J-curve)")
    ax2.set_xticks(months)
    return fig
