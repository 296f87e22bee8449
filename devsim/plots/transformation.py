"""A transformation week by week (:func:`transformation_curve`): the earned J-curve as a figure.

Reads the table of :func:`devsim.experiment.transformation`: one organisation that builds
its own automation (*investing*) and the same organisation not investing (*baseline*), on
common random numbers, one row per organisation, replication and week. Nothing about the
state after the transformation is an input; the dip and the break-even week come out of
the runs.

**Break-even** (:func:`break_even`): the cumulative cost per change of a week is the
person-hours spent so far (the effort of every stage row, planned, rework and unplanned,
plus the hours invested in automation) times the cost rate, over the changes delivered so
far. The break-even week is the first week from which the investing organisation's
cumulative cost per change stays at or below the baseline's until the end of the run,
after having been above it (the dip). It is found per replication (paired: replication *i*
of both organisations meets the same arrivals and dice) and on the mean over replications;
with no investment the two curves are the same and there is no dip, so no break-even.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from ..experiment import mean_ci
from ..registry import column_title
from .base import FONT, GREY, OKABE_ITO, SMALL, new_figure, scale_or_plain, style, title

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["transformation_curve", "break_even", "break_even_week", "break_even_weeks",
           "BreakEven", "Dip", "dip", "by_phase", "built_weeks", "headline",
           "journey_summary"]

_NEEDED = ("organisation", "replication", "week", "changes", "person_hours",
           "cumulative_person_hours", "cumulative_changes", "cost_per_change")
_ORGS = ("investing", "baseline")
_COLOURS = {"investing": OKABE_ITO["blue"], "baseline": GREY}
_WORDS = {"investing": "investing", "baseline": "not investing"}
#: A difference within this share of the baseline counts as "at" it (rounding only).
_TOLERANCE = 1e-9


class BreakEven(NamedTuple):
    """When the investment paid back (:func:`break_even`); weeks count from the end of the
    warm-up, when the investment starts (week 1)."""

    week: int | None        # on the mean over replications; None: no dip, or not within the run
    mean: float             # mean of the replications' own break-even weeks (those that have one)
    low: float              # its 95% CI (NaN with fewer than two)
    high: float
    broke_even: int         # replications that broke even within the run
    n: int                  # replications


class Dip(NamedTuple):
    """The bottom of the dip (:func:`dip`): the week in which the investing organisation is
    furthest behind, in cumulative cost (person-hours spent so far, investment included,
    times the cost rate) over the baseline's; paired means over replications with 95% CIs."""

    week: int | None        # None: never behind (nothing invested)
    cost: float             # extra cumulative cost that week (currency)
    cost_low: float
    cost_high: float
    share: float            # ... as a share of the baseline's cumulative cost that week
    per_change: float       # extra cumulative cost per change delivered, that week
    per_change_low: float
    per_change_high: float


def _check(journey: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(journey, pd.DataFrame):
        raise TypeError(f"journey: expected the DataFrame of ds.transformation(...), got "
                        f"{type(journey).__name__}")
    missing = [c for c in _NEEDED if c not in journey.columns]
    if missing:
        raise ValueError(f"journey: columns {missing} are missing; pass the table that "
                         "ds.transformation(...) returns")
    found = set(journey["organisation"])
    if not set(_ORGS) <= found:
        raise ValueError(f"journey: needs the organisations 'investing' and 'baseline', found "
                         f"{sorted(map(str, found))}")
    return journey


def _wide(journey: pd.DataFrame, column: str, org: str) -> pd.DataFrame:
    """Weeks x replications of one organisation's ``column``."""
    part = journey[journey["organisation"] == org]
    return part.pivot(index="week", columns="replication", values=column).sort_index()


def journey_summary(journey: pd.DataFrame, column: str = "cost_per_change") -> pd.DataFrame:
    """Per week: each organisation's mean of ``column`` over replications with its 95% CI,
    and the paired difference (investing minus baseline) with its 95% CI.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``week``; columns ``investing``, ``investing_low``, ``investing_high``,
        ``baseline``, ``baseline_low``, ``baseline_high``, ``difference``,
        ``difference_low``, ``difference_high``.
    """
    j = _check(journey)
    if column not in j.columns:
        raise ValueError(f"column: {column!r} is not a column of the journey; give one of "
                         f"{[c for c in j.columns if c not in ('organisation', 'week')]}")
    frames = {org: _wide(j, column, org) for org in _ORGS}
    frames["difference"] = frames["investing"] - frames["baseline"]
    out = {}
    for name, wide in frames.items():
        stats = [mean_ci(row) for row in wide.to_numpy(dtype=float)]
        out[name] = [s[0] for s in stats]
        out[f"{name}_low"] = [s[1] for s in stats]
        out[f"{name}_high"] = [s[2] for s in stats]
    return pd.DataFrame(out, index=frames["investing"].index)


def _crossing(weeks: np.ndarray, d: np.ndarray, scale: np.ndarray) -> int | None:
    """First week from which ``d`` stays at or below 0, after having been above it."""
    tol = _TOLERANCE * np.where(np.isfinite(scale), np.abs(scale), 1.0)
    defined = np.isfinite(d)
    above = defined & (d > tol)
    if not above.any():
        return None
    last_above = int(np.flatnonzero(above)[-1])
    later = np.flatnonzero(defined[last_above + 1:])
    return int(weeks[last_above + 1 + later[0]]) if len(later) else None


def break_even_weeks(journey: pd.DataFrame) -> pd.Series:
    """Each replication's own break-even week (NaN: no dip, or no break-even within the run),
    indexed by replication. See the module docstring for the definition."""
    j = _check(journey)
    inv, base = _wide(j, "cost_per_change", "investing"), _wide(j, "cost_per_change", "baseline")
    weeks = inv.index.to_numpy()
    out = {}
    for r in inv.columns:
        week = _crossing(weeks, (inv[r] - base[r]).to_numpy(dtype=float),
                         base[r].to_numpy(dtype=float))
        out[r] = math.nan if week is None else float(week)
    return pd.Series(out, name="break_even_week", dtype=float).rename_axis("replication")


def break_even_week(journey: pd.DataFrame) -> int | None:
    """The break-even week of the mean curves: the first week from which the mean paired
    difference of cumulative cost per change (investing minus baseline) stays at or below 0,
    after having been above it. None: no dip (nothing invested), or no break-even within
    the run."""
    j = _check(journey)
    inv, base = _wide(j, "cost_per_change", "investing"), _wide(j, "cost_per_change", "baseline")
    d = (inv - base).mean(axis=1, skipna=False).to_numpy(dtype=float)
    return _crossing(inv.index.to_numpy(), d, base.mean(axis=1).to_numpy(dtype=float))


def break_even(journey: pd.DataFrame) -> BreakEven:
    """The break-even week with its uncertainty across replications.

    ``week`` is :func:`break_even_week` (the mean curves, as drawn); ``mean``, ``low`` and
    ``high`` are the mean of the replications' own break-even weeks
    (:func:`break_even_weeks`) and its 95% confidence interval, over the ``broke_even``
    replications of ``n`` that broke even within the run.
    """
    per = break_even_weeks(journey)
    mean, low, high = mean_ci(per.dropna())
    return BreakEven(week=break_even_week(journey), mean=mean, low=low, high=high,
                     broke_even=int(per.notna().sum()), n=int(len(per)))


def dip(journey: pd.DataFrame) -> Dip:
    """The bottom of the dip: the week in which the investing organisation's cumulative cost
    exceeds the baseline's the most (mean paired difference), with that excess, its 95% CI,
    its share of the baseline's cumulative cost, and the excess in cost per change delivered
    so far that week. ``week`` is None when the investing organisation is never behind."""
    j = _check(journey)
    cost = journey_summary(j, "cumulative_cost")
    diff = cost["difference"]
    if not (diff > _TOLERANCE * cost["baseline"].abs()).any():
        return Dip(None, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    week = int(diff.idxmax())
    row = cost.loc[week]
    per = journey_summary(j, "cost_per_change").loc[week]
    return Dip(week=week, cost=float(row["difference"]), cost_low=float(row["difference_low"]),
               cost_high=float(row["difference_high"]),
               share=float(row["difference"] / row["baseline"]),
               per_change=float(per["difference"]), per_change_low=float(per["difference_low"]),
               per_change_high=float(per["difference_high"]))


def built_weeks(journey: pd.DataFrame) -> pd.Series:
    """Each replication's week in which the investing organisation finished building (its
    last week with hours invested), NaN if it was still building when the run ended or
    never invested; indexed by replication."""
    j = _check(journey)
    invested = _wide(j, "invested_person_hours", "investing")
    out = {}
    for r in invested.columns:
        weeks = invested.index[(invested[r] > 0).to_numpy()]
        done = len(weeks) and weeks[-1] < invested.index[-1]
        out[r] = float(weeks[-1]) if done else math.nan
    return pd.Series(out, name="built_week", dtype=float).rename_axis("replication")


def _phase_masks(invested: pd.Series) -> dict[str, np.ndarray]:
    building = (invested > 0).to_numpy()
    after = np.zeros_like(building)
    if building.any():
        after[np.flatnonzero(building)[-1] + 1:] = True
    return {"building": building, "after": after}


def by_phase(journey: pd.DataFrame, column: str = "person_hours") -> pd.DataFrame:
    """The weekly ``column`` averaged over the weeks the investing organisation was
    building (``invested_person_hours`` > 0) and over the weeks after, each replication's
    own weeks for both organisations (paired), then over replications. Weeks without a
    value (lead time in a week nothing was deployed) are skipped.

    Returns
    -------
    pandas.DataFrame
        Rows ``building`` and ``after`` (NaN where the phase has no weeks: nothing invested,
        or still building at the end); columns ``investing``, ``baseline``, ``difference``
        (paired mean, investing minus baseline), ``difference_low``, ``difference_high``
        (its 95% CI) and ``weeks`` (mean weeks in the phase).
    """
    j = _check(journey)
    if column not in j.columns:
        raise ValueError(f"column: {column!r} is not a column of the journey")
    invested = _wide(j, "invested_person_hours", "investing")
    inv, base = _wide(j, column, "investing"), _wide(j, column, "baseline")
    values: dict[str, dict[str, list]] = {p: {"a": [], "b": [], "d": [], "w": []}
                                          for p in ("building", "after")}
    for r in invested.columns:
        x, y = inv[r].to_numpy(dtype=float), base[r].to_numpy(dtype=float)
        for phase, mask in _phase_masks(invested[r]).items():
            v = values[phase]
            v["w"].append(float(mask.sum()))
            ok = mask & np.isfinite(x) & np.isfinite(y)
            if ok.any():
                v["a"].append(float(x[ok].mean()))
                v["b"].append(float(y[ok].mean()))
                v["d"].append(float((x[ok] - y[ok]).mean()))
    rows = {}
    for phase, v in values.items():
        m, lo, hi = mean_ci(v["d"])
        rows[phase] = {"investing": mean_ci(v["a"])[0], "baseline": mean_ci(v["b"])[0],
                       "difference": m, "difference_low": lo, "difference_high": hi,
                       "weeks": float(np.mean(v["w"])) if v["w"] else math.nan}
    return pd.DataFrame.from_dict(rows, orient="index")


def _share(journey: pd.DataFrame) -> float:
    share = journey.attrs.get("invest_share")
    if share is None and "invest_share" in journey.columns:
        share = journey.loc[journey["organisation"] == "investing", "invest_share"].iloc[0]
    return math.nan if share is None else float(share)


def headline(journey: pd.DataFrame) -> dict[str, float | int]:
    """The numbers a lesson quotes about one transformation, in one dict: ``invest_share``,
    ``built_week`` (mean over replications, NaN if any was still building), the changes
    delivered a week while building by each organisation, the bottom of the dip
    (:func:`dip`: ``dip_week``, ``dip_share`` of the baseline's cumulative cost), and the
    break-even (:func:`break_even`: ``break_even_week``, ``break_even_low``,
    ``break_even_high``, ``broke_even`` of ``n``)."""
    j = _check(journey)
    built = built_weeks(j)
    changes = by_phase(j, "changes").loc["building"]
    d, even = dip(j), break_even(j)
    return {"invest_share": _share(j),
            "built_week": float(built.mean()) if built.notna().all() else math.nan,
            "changes_building_investing": float(changes["investing"]),
            "changes_building_baseline": float(changes["baseline"]),
            "dip_week": math.nan if d.week is None else float(d.week),
            "dip_share": d.share,
            "break_even_week": math.nan if even.week is None else float(even.week),
            "break_even_low": even.low, "break_even_high": even.high,
            "broke_even": even.broke_even, "n": even.n}


def _band(ax, weeks, summary: pd.DataFrame, org: str, scale: float, label: str) -> None:
    colour = _COLOURS[org]
    y = summary[org].to_numpy(dtype=float) * scale
    lo = summary[f"{org}_low"].to_numpy(dtype=float) * scale
    hi = summary[f"{org}_high"].to_numpy(dtype=float) * scale
    ax.plot(weeks, y, "-", color=colour, lw=2.5 if org == "investing" else 2.0, label=label)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.fill_between(weeks[ok], lo[ok], hi[ok], color=colour, alpha=0.2, lw=0)


def transformation_curve(journey: pd.DataFrame) -> "Figure":
    """The earned J-curve: cost per change and person-hours spent, week by week, for the
    organisation that invests in automation and for the same organisation not investing.

    Top: cumulative cost per change delivered (person-hours spent so far, investment
    included, times the cost rate, over the changes delivered so far), the mean over
    replications with its 95% CI band for each organisation, and the break-even week
    (:func:`break_even`) marked with a vertical line, its label and the 95% CI of the
    replications' mean break-even week. Bottom: person-hours spent each week (4-week rolling
    mean, 95% CI band): the investment on top of the work while building, less work once
    automation is built (the mean week it was built is marked).

    Parameters
    ----------
    journey : pandas.DataFrame
        From :func:`devsim.experiment.transformation`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    j = _check(journey)
    summary = journey_summary(j)
    summary = summary[summary["investing"].notna() & summary["baseline"].notna()]
    weeks = summary.index.to_numpy(dtype=float)
    even = break_even(j)
    share = _share(j)
    invest_word = (f"investing {share:.0%} of everyone's week" if math.isfinite(share)
                   else "investing")
    fig = new_figure((10, 7.6), left=1.2, right=0.3, top=0.75, bottom=0.7, grid=(2, 1),
                     hgap=0.85)
    ax = fig.add_subplot(2, 1, 1)
    ax2 = fig.add_subplot(2, 1, 2, sharex=ax)
    style(ax)
    style(ax2)
    ref = float(np.nanmedian(summary["baseline"])) if len(summary) else math.nan
    factor, unit = scale_or_plain("cost_per_change", ref)
    _band(ax, weeks, summary, "baseline", factor, "not investing (same people, same work)")
    _band(ax, weeks, summary, "investing", factor, invest_word)
    red = OKABE_ITO["vermillion"]
    if even.week is not None:
        if math.isfinite(even.low) and math.isfinite(even.high):
            ax.axvspan(even.low, even.high, color=red, alpha=0.12, lw=0,
                       label="95% CI of the break-even week")
        for a in (ax, ax2):
            a.axvline(even.week, color=red, lw=1.8, ls="--")
        ax.text(even.week, 0.97, f" break-even: week {even.week}",
                transform=ax.get_xaxis_transform(), ha="left", va="top", fontsize=SMALL,
                color=red, fontweight="bold")
        note = f"break-even in week {even.week}"
    elif share == 0:
        note = "nothing invested: the two curves are one"
    else:
        note = "no break-even within these weeks"
    ax.set_ylabel(column_title("cost_per_change", (factor, unit)) + "\nso far", fontsize=FONT)
    # The first weeks divide by the few changes of the first releases: the axis is scaled
    # to the weeks after the first eighth, so the rest of the curve stays readable.
    settled = summary.iloc[len(summary) // 8:]
    bounds = settled[["investing_low", "baseline_low", "investing_high", "baseline_high",
                      "investing", "baseline"]].to_numpy(dtype=float) * factor
    if np.isfinite(bounds).any():
        low, high = np.min(bounds[np.isfinite(bounds)]), np.max(bounds[np.isfinite(bounds)])
        if high > low:
            pad = 0.08 * (high - low)
            ax.set_ylim(max(0.0, low - pad), high + 3 * pad)
    ax.legend(fontsize=SMALL, frameon=False, loc="upper right", bbox_to_anchor=(1.0, 0.9))
    title(ax, f"Cost per change delivered so far ({note})")
    for org in ("baseline", "investing"):
        rolled = _wide(j, "person_hours", org).rolling(4, min_periods=1).mean()
        stats = np.array([mean_ci(row) for row in rolled.to_numpy(dtype=float)])
        w = rolled.index.to_numpy(dtype=float)
        ax2.plot(w, stats[:, 0], "-", color=_COLOURS[org],
                 lw=2.5 if org == "investing" else 2.0, label=_WORDS[org])
        ok = np.isfinite(stats[:, 1]) & np.isfinite(stats[:, 2])
        if ok.any():
            ax2.fill_between(w[ok], stats[ok, 1], stats[ok, 2], color=_COLOURS[org], alpha=0.2,
                             lw=0)
    built_each = built_weeks(j)
    built = float(built_each.mean()) if built_each.notna().all() else math.nan
    if math.isfinite(built):
        ax2.axvline(built, color=GREY, lw=1.2, ls=":")
        ax2.text(built, 0.04, f" automation built (week {built:.0f})",
                 transform=ax2.get_xaxis_transform(), ha="left", va="bottom", fontsize=SMALL,
                 color=GREY)
    ax2.set_ylim(bottom=0, top=ax2.get_ylim()[1] * 1.25)
    ax2.set_ylabel("Person-hours spent\na week", fontsize=FONT)
    ax2.set_xlabel("Week (1 = the investment starts, after the warm-up)", fontsize=FONT)
    ax2.legend(fontsize=SMALL, frameon=False, loc="upper left", ncol=2)
    title(ax2, "Work plus investment each week (4-week average)")
    return fig
