"""Flow charts of runs: cumulative flow, the lead-time distribution, the value stream map
and utilisation.

Each takes one or more event logs (:class:`devsim.log.EventLog`) and reads its numbers from
:mod:`devsim.metrics`; stage order comes from the log's value stream (``log.stream``, else
:data:`devsim.valuestream.VALUE_STREAM`), so a log made with an extra stage draws it in place.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from ..log import EventLog
from ..metrics import dora_metrics, flow_metrics, stage_times, utilisation
from ..registry import format_value, scale_for, unit_words, value_parts
from ..valuestream import MILESTONES
from .base import (FONT, GREY, OKABE_ITO, PALETTE, SMALL, as_logs, flow_order, isnan,
                   new_figure, plain_log_axis, style, text_inches, tint, title)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["cumulative_flow", "lead_time_distribution", "value_stream_map", "utilisation_chart"]


# --- cumulative flow ---------------------------------------------------------------------------

_CFD_DEFAULT = ("arrived", "committed", "tested", "deployed")
# "tested" is the CFD's word for having passed the test stage.
_TESTED, _TEST_STAGE = "tested", "test"


def _reach_times(log: EventLog, stage: str) -> np.ndarray:
    """When each item (in ``log.items`` order) reached ``stage`` (NaN: not yet)."""
    items = log.items
    if stage in MILESTONES:
        return items[MILESTONES[stage]].to_numpy(dtype=float)
    st = log.stages
    st = st[(st["stage"] == stage) & (st["work_type"] != "unplanned")]
    # The last visit: a change that failed a test and came back has passed it only then.
    done = st.groupby("item_id")["finished"].max()
    return items["item_id"].map(done).to_numpy(dtype=float)


def cumulative_flow(log: EventLog, *, stages: Sequence[str] | None = None) -> "Figure":
    """Cumulative flow diagram: how many changes have reached each stage, over time.

    The vertical gap between two lines is the work between those stages at that moment
    (work in progress); the horizontal gap is roughly the time a change spends there.

    Parameters
    ----------
    log : EventLog
        One run.
    stages : sequence of str, optional
        In flow order. A milestone of :data:`devsim.valuestream.MILESTONES` (``"arrived"``,
        ``"committed"`` (alias ``"developed"``), ``"deployed"``), or any stage name in
        ``log.stages`` (counted when a change finished its last visit there). Default:
        arrived, committed, tested (if the log has a test stage), deployed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    present = set(log.stages["stage"].unique()) if len(log.stages) else set()
    has_test = _TEST_STAGE in present
    if stages is None:
        stages = [s for s in _CFD_DEFAULT if s != _TESTED or has_test]
    stages = list(stages)
    allowed = list(MILESTONES) + flow_order(log, present) + [_TESTED]
    for s in stages:
        if s not in allowed or (s == _TESTED and not has_test):
            raise ValueError(f"stages: {s!r} is not allowed; choose from {', '.join(allowed)}")
    if not stages:
        raise ValueError("stages: give at least one stage")
    times = [_reach_times(log, _TEST_STAGE if s == _TESTED else s) for s in stages]
    # A change counts as having reached a stage once it reached any later one, so the lines
    # never cross (a fix may skip the test stage, say).
    for i in range(len(times) - 2, -1, -1):
        times[i] = np.fmin(times[i], times[i + 1])
    end = float(log.end_hours)
    grid = np.linspace(0.0, end, 600)
    counts = [np.searchsorted(np.sort(t[~np.isnan(t)]), grid, side="right") for t in times]
    days = grid / 24.0

    fig = new_figure((11, 5), left=0.85, bottom=0.65)
    ax = fig.add_subplot()
    style(ax)
    fills = [OKABE_ITO[c] for c in ("sky_blue", "orange", "reddish_purple", "yellow",
                                    "bluish_green", "vermillion")]
    for i in range(len(stages) - 1):
        ax.fill_between(days, counts[i + 1], counts[i], color=tint(fills[i % len(fills)], 0.45),
                        lw=0, step="post",
                        label=f"between {stages[i]} and {stages[i + 1]} (in progress)")
    for i, (s, c) in enumerate(zip(stages, counts)):
        ax.step(days, c, where="post", color=PALETTE[i % len(PALETTE)], lw=2,
                label=f"{s} ({int(c[-1])} by day {end / 24:.0f})")
    if log.start_hours > 0:
        ax.axvspan(0, log.start_hours / 24.0, color="#DDDDDD", zorder=0, lw=0)
        # Upright text would not fit a short warm-up's band; along it, it does.
        ax.text(log.start_hours / 48.0, 0.6, "warm-up (not measured)", ha="center", va="center",
                rotation=90, transform=ax.get_xaxis_transform(), fontsize=SMALL, color=GREY)
    ax.set_xlim(0, end / 24.0)
    ax.set_ylim(0, max(1, int(counts[0][-1]) * 1.05))
    ax.set_xlabel("time (days since the start of the run)", fontsize=FONT)
    ax.set_ylabel("changes (cumulative count)", fontsize=FONT)
    title(ax, "Cumulative flow: vertical gap = work in progress, "
              "horizontal gap = time between stages")
    handles, names = ax.get_legend_handles_labels()
    # Lines first (what each curve is), then the bands between them.
    n = len(stages)
    order = list(range(n - 1, 2 * n - 1)) + list(range(n - 1))
    ax.legend([handles[i] for i in order], [names[i] for i in order], loc="lower right",
              fontsize=SMALL, frameon=False)
    return fig


# --- lead time distribution --------------------------------------------------------------------

def _delivered(log: EventLog) -> pd.DataFrame:
    items = log.items
    d = items["deployed"]
    return items[(d >= log.start_hours) & (d < log.end_hours)]


def lead_time_distribution(logs, *, labels: Sequence[str] | None = None,
                           which: str = "lead_time") -> "Figure":
    """Distribution (ECDF) of lead time for changes, with the median and 90th percentile.

    Parameters
    ----------
    logs : EventLog, dict of {label: EventLog}, or sequence of EventLog
        One run, or several to compare on the same axes.
    labels : sequence of str, optional
        Curve names (default: the dict keys, or each log's scenario name).
    which : {"lead_time", "flow"}
        ``"lead_time"``: DORA's lead time for changes, commit to production.
        ``"flow"``: from the change's arrival in the backlog to production.

    Returns
    -------
    matplotlib.figure.Figure
        The marked median and 90th percentile equal :func:`devsim.metrics.dora_metrics`'s
        ``lead_time_hours`` and ``lead_time_p90_hours`` (``flow_...`` for ``"flow"``),
        written as the registry writes them.
    """
    if which not in ("lead_time", "flow"):
        raise ValueError(f"which: {which!r} is not allowed; choose 'lead_time' or 'flow'")
    runs = as_logs(logs, labels, "logs")
    start_col = "committed" if which == "lead_time" else "arrival"
    key = "lead_time_hours" if which == "lead_time" else "flow_lead_time_hours"
    p90_key = key.replace("_hours", "_p90_hours")
    data, marks = {}, {}
    for lab, log in runs.items():
        done = _delivered(log)
        data[lab] = np.sort((done["deployed"] - done[start_col]).to_numpy(dtype=float))
        m = dora_metrics(log)
        marks[lab] = (m[key], m[p90_key])
    medians = [v[0] for v in marks.values() if not isnan(v[0])]
    scale = scale_for(key, max(medians) if medians else float("nan"))
    f, unit = scale[0], unit_words(key, scale=scale)
    positive = np.concatenate([v[v > 0] for v in data.values()] + [np.array([])]) * f
    log_x = len(positive) >= 2 and positive.max() / positive.min() > 100

    fig = new_figure((10, 5), left=0.85, right=0.3, bottom=1.05)
    ax = fig.add_subplot()
    style(ax)
    crowded = len(data) > 2  # labels beside the markers would collide: values go in the legend
    for i, (lab, values) in enumerate(data.items()):
        colour = PALETTE[i % len(PALETTE)]
        n = len(values)
        if n == 0:
            ax.plot([], [], color=colour, lw=2.5, label=f"{lab}: no change deployed")
            continue
        x = values * f
        y = np.arange(1, n + 1) / n * 100.0
        texts = {}
        for q, value in zip((50, 90), marks[lab]):
            if not isnan(value):
                number, words = value_parts(key, value)
                texts[q] = f"{'median' if q == 50 else '90th pct'} {number} {words}"
        label = f"{lab} ({n} changes)"
        if crowded and texts:
            label += ": " + ", ".join(texts[q] for q in sorted(texts))
        ax.step(np.r_[x[0], x], np.r_[0.0, y], where="post", color=colour, lw=2.5, label=label)
        for q, (value, marker) in zip((50, 90), zip(marks[lab], ("o", "D"))):
            if isnan(value):
                continue
            ax.plot([value * f], [q], marker=marker, color=colour, ms=9, mec="black", zorder=4)
            if crowded:
                continue
            ax.annotate(texts[q], (value * f, q),
                        xytext=(8, -14 if q == 50 else 8), textcoords="offset points",
                        fontsize=SMALL, color="black", fontweight="bold",
                        bbox=dict(boxstyle="round,pad=0.2", facecolor="white",
                                  edgecolor=colour, alpha=0.9))
    for q in (50, 90):
        ax.axhline(q, color=GREY, lw=1, ls=":", zorder=1)
    if not any(len(v) for v in data.values()):
        ax.set_xlim(0, 1)
        ax.text(0.5, 0.7, "no change deployed in the measured window", transform=ax.transAxes,
                ha="center", va="center", fontsize=FONT, color=GREY)
    if log_x:
        ax.set_xscale("log")
        plain_log_axis(ax.xaxis)
        ax.set_xlim(positive.min() / 1.5, positive.max() * 2.5)  # room for the labels
    what = ("lead time for changes, commit to production" if which == "lead_time"
            else "flow lead time, backlog to production")
    ax.set_xlabel(f"{what} ({unit}{', log scale' if log_x else ''})", fontsize=FONT)
    ax.set_ylabel("changes delivered within this time (%)", fontsize=FONT)
    ax.set_ylim(0, 102)
    title(ax, f"Distribution of {what.split(',')[0]}: circle = median, diamond = 90th percentile")
    if crowded:  # one legend line per curve, carrying its median and 90th percentile
        fig.set_size_inches(10, 5 + 0.25 * len(data))
        fig.subplots_adjust(bottom=(0.55 + 0.25 * len(data)) / (5 + 0.25 * len(data)))
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0),
               ncols=1 if crowded else min(len(data), 4), fontsize=SMALL, frameon=False)
    return fig


# --- value stream map --------------------------------------------------------------------------

# The map's axis is in hours whatever the size of a bar, so every bar reads against it.
_HOURS = (1.0, " h")


def value_stream_map(log_or_logs, *, labels: Sequence[str] | None = None) -> "Figure":
    """Where a change's time goes: wait and work hours per stage, in flow order.

    From :func:`devsim.metrics.stage_times` (mean per delivered change), one bar per stage
    of the log's value stream (``log.stream``), labelled with the stage key; the title gives
    the flow efficiency (:func:`devsim.metrics.flow_metrics`: time worked / flow time).

    Parameters
    ----------
    log_or_logs : EventLog, dict of {label: EventLog}, or sequence of EventLog
        One run, or several (e.g. two organisations) drawn one above the other on a
        shared time axis.
    labels : sequence of str, optional
        Panel names (default: the dict keys, or each log's scenario name).

    Returns
    -------
    matplotlib.figure.Figure
    """
    runs = as_logs(log_or_logs, labels, "log_or_logs")
    tables = {}
    for lab, log in runs.items():
        t = stage_times(log)
        tables[lab] = t.loc[flow_order(log, t.index)]
    flows = {lab: flow_metrics(log) for lab, log in runs.items()}
    heights = [max(len(t), 1) for t in tables.values()]
    ticks = [s + " (×0.0)" for t in tables.values() for s in t.index]
    fig = new_figure((11, 1.45 + 0.3 * sum(heights) + 0.5 * len(runs)),
                     left=0.45 + text_inches(ticks), right=0.3, top=0.4, bottom=1.05,
                     grid=(len(runs), 1), hgap=0.5)
    axes = fig.subplots(len(runs), 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": [h + 2.2 for h in heights]})[:, 0]
    work_c, wait_c = OKABE_ITO["blue"], OKABE_ITO["orange"]
    top = max([float((t["wait_hours"] + t["work_hours"]).max()) for t in tables.values() if len(t)]
              + [1.0])
    for ax, (lab, t) in zip(axes, tables.items()):
        style(ax)
        y = np.arange(len(t))
        work = t["work_hours"].to_numpy(dtype=float)
        wait = t["wait_hours"].to_numpy(dtype=float)
        ax.barh(y, work, color=work_c, label="work (someone or a pipeline busy on it)")
        ax.barh(y, wait, left=work, color=tint(wait_c, 0.55), edgecolor=wait_c, hatch="//",
                lw=0.8, label="wait (queue, hand-off, approval, release train)")
        for yi, a, b in zip(y, work, wait):
            ax.text(a + b + top * 0.01, yi, format_value("mean_flow_time_hours", a + b,
                                                         scale=_HOURS),
                    va="center", fontsize=SMALL)
        visits = t["visits"].to_numpy(dtype=float)
        names = [s if abs(v - 1.0) < 0.05 else f"{s} (×{v:.1f})" for s, v in zip(t.index, visits)]
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_ylabel("stage, in flow order", fontsize=FONT)
        fm = flows[lab]
        efficiency = format_value("flow_efficiency", fm["flow_efficiency"])
        flow_time = format_value("mean_flow_time_hours", fm["mean_flow_time_hours"])
        title(ax, f"{lab}: flow efficiency {efficiency}; mean flow time {flow_time}")
        if not len(t):
            ax.text(0.5, 0.5, "no change delivered in this run", transform=ax.transAxes,
                    ha="center", va="center", fontsize=FONT, color=GREY)
    axes[-1].set_xlim(0, top * 1.12)
    axes[-1].set_xlabel("hours per delivered change (mean);  (×n): visits per change, "
                        "above 1 = rework loops", fontsize=FONT)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center",
               bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=SMALL, frameon=False)
    return fig


# --- utilisation -------------------------------------------------------------------------------

def utilisation_chart(log: EventLog) -> "Figure":
    """Utilisation per team, and the share of effort spent on rework and unplanned work.

    Parameters
    ----------
    log : EventLog
        One run.

    Returns
    -------
    matplotlib.figure.Figure
        Left: busy time per team as % of its people's time (:func:`devsim.metrics.utilisation`).
        Right: hands-on effort by type (:func:`devsim.metrics.flow_metrics`).
    """
    util = utilisation(log)
    fm = flow_metrics(log)
    fig = new_figure((11, 4.6), left=0.8, right=0.2, bottom=1.3, grid=(1, 2), wgap=1.0)
    ax, ax2 = fig.subplots(1, 2, width_ratios=[3, 2])
    for a in (ax, ax2):
        style(a)
    teams = list(util)
    vals = [util[t] * 100.0 for t in teams]
    x = np.arange(len(teams))
    ax.bar(x, vals, color=OKABE_ITO["blue"], width=0.65)
    for xi, team, v in zip(x, teams, vals):
        ax.text(xi, v + 1.5, format_value(f"utilisation_{team}", util[team]), ha="center",
                va="bottom", fontsize=FONT, fontweight="bold")
    ax.set_xticks(x, [f"{t}\n{log.capacity[t]} {'person' if log.capacity[t] == 1 else 'people'}"
                      for t in teams])
    ax.axhline(80, color=GREY, ls="--", lw=1.2)
    ax.text(len(teams) - 0.5, 81, "80%: above this, queues grow fast", ha="right",
            va="bottom", fontsize=SMALL, color=GREY)
    ax.set_ylim(0, max(100.0, max(vals + [0]) * 1.12))
    ax.set_xlim(-0.6, len(teams) - 0.4)
    ax.set_ylabel("utilisation (% of the team's time busy)", fontsize=FONT)
    ax.set_xlabel("team (headcount)", fontsize=FONT)
    title(ax, "Utilisation per team")

    un, rw = fm["unplanned_work_share"], fm["rework_work_share"]
    kinds = ["rework\n(defects before\nrelease)", "unplanned\n(incidents,\nhotfixes)", "both"]
    shares = [("rework_work_share", rw), ("unplanned_work_share", un),
              ("rework_work_share", rw + un)]
    heights = [v * 100.0 for _, v in shares]
    cols = [OKABE_ITO["orange"], OKABE_ITO["vermillion"], OKABE_ITO["reddish_purple"]]
    ax2.bar(range(3), heights, color=cols, width=0.6)
    for xi, ((key, v), h) in enumerate(zip(shares, heights)):
        ax2.text(xi, h + 0.6, format_value(key, v), ha="center", va="bottom", fontsize=FONT,
                 fontweight="bold")
    ax2.axhline(20, color=GREY, ls="--", lw=1.2)
    ax2.text(2.45, 20.5, "DORA 2018 survey: ~20%", ha="right", va="bottom", fontsize=SMALL,
             color=GREY)
    ax2.set_xticks(range(3), kinds)
    ax2.set_xlim(-0.55, 2.55)
    ax2.set_ylim(0, max(30.0, max(heights) * 1.2))
    ax2.set_ylabel("share of hands-on effort (%)", fontsize=FONT)
    ax2.set_xlabel("kind of work (the rest is new, planned work)", fontsize=FONT)
    title(ax2, "Effort not on new work")
    return fig
