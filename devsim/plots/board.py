"""The board of one run at one moment (:func:`step_through`), for a time slider.

Columns are the stages of the log's value stream (``log.stream``, else
:data:`devsim.valuestream.VALUE_STREAM`) in flow order, then incident work.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..log import EventLog
from .base import FONT, OKABE_ITO, SMALL, flow_order, new_figure, style, title

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["step_through"]

_PER_ROW = 3          # markers per row in one board column
_UNPLANNED = "incident work"


def _board_columns(log: EventLog) -> list[str]:
    st = log.stages
    planned = st.loc[st["work_type"] != "unplanned", "stage"].unique()
    cols = flow_order(log, planned)
    if (st["work_type"] == "unplanned").any():
        cols.append(_UNPLANNED)
    return cols


def _max_overlap(queued: np.ndarray, finished: np.ndarray) -> int:
    if len(queued) == 0:
        return 0
    times = np.concatenate([queued, finished])
    delta = np.concatenate([np.ones(len(queued)), -np.ones(len(finished))])
    order = np.lexsort((delta, times))  # a leaver before a joiner at the same instant
    return int(np.cumsum(delta[order]).max())


def _check_time(log: EventLog, t_hours) -> float:
    message = (f"t_hours: {t_hours!r} is not allowed; give a number of hours from 0 "
               f"to {log.end_hours:g}")
    try:
        t = float(t_hours)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not (0.0 <= t <= float(log.end_hours)):
        raise ValueError(message)
    return t


def step_through(log: EventLog, t_hours: float) -> "Figure":
    """A board of the run at one moment: which stage each change in progress is in.

    One column per stage in flow order (plus incident work when the run has any); each
    change is a marker, a filled blue circle while someone works on it and an orange
    square while it waits. Made to be redrawn from a time slider: the axes keep the same
    size for every ``t_hours`` of one log.

    Parameters
    ----------
    log : EventLog
        One run.
    t_hours : float
        The moment, in hours since the start of the run (0 to ``log.end_hours``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _check_time(log, t_hours)
    st = log.stages
    cols = _board_columns(log)
    stage_key = np.where(st["work_type"].to_numpy() == "unplanned", _UNPLANNED,
                         st["stage"].to_numpy(dtype=object))
    queued = st["queued"].to_numpy(dtype=float)
    started = st["started"].to_numpy(dtype=float)
    finished = st["finished"].to_numpy(dtype=float)
    live = (queued <= t) & (t < finished)
    now = pd.DataFrame({"item_id": st["item_id"].to_numpy()[live], "stage": stage_key[live],
                        "working": started[live] <= t})
    # Person and pipeline rows of one stage overlap rarely; a change shows once per stage.
    now = now.sort_values("working", ascending=False).drop_duplicates(["item_id", "stage"])

    # Fixed height for this log, so a slider does not make the board jump.
    rows_needed = 1
    for c in cols:
        mask = stage_key == c
        most = _max_overlap(queued[mask], finished[mask])
        rows_needed = max(rows_needed, math.ceil(most / _PER_ROW))
    rows_needed = min(rows_needed, 40)

    items = log.items
    deployed = int((items["deployed"] <= t).sum())
    arrived = int((items["arrival"] <= t).sum())
    inc = log.incidents
    open_inc = int(((inc["start"] <= t) & ~(inc["restored"] <= t)).sum()) if len(inc) else 0

    height, top_in, bottom_in = 5.4, 0.45, 1.55
    fig = new_figure((max(8.0, 0.95 * len(cols) + 1.5), height), left=0.85, right=0.2,
                     top=top_in, bottom=bottom_in)
    # Room above the markers for two lines of counts (0.5 inch), whatever the row count.
    head = 0.5 / (height - top_in - bottom_in)
    y_top = (rows_needed + 0.2) / (1 - head)
    ax = fig.add_subplot()
    style(ax)
    work_c, wait_c = OKABE_ITO["blue"], OKABE_ITO["orange"]
    wx, wy, qx, qy = [], [], [], []
    for ci, c in enumerate(cols):
        here = now[now["stage"] == c]
        flags = here["working"].to_numpy(dtype=bool)
        n_work, n_wait = int(flags.sum()), int((~flags).sum())
        cap = rows_needed * _PER_ROW
        for k, working in enumerate(sorted(flags, reverse=True)[:cap]):
            x = ci + (k % _PER_ROW - (_PER_ROW - 1) / 2) * 0.24
            y = k // _PER_ROW + 0.5
            (wx if working else qx).append(x)
            (wy if working else qy).append(y)
        more = len(flags) - cap
        label = (f"{n_work} work\n{n_wait} wait" if n_work or n_wait else "") + (
            f"\n(+{more} more)" if more > 0 else "")
        ax.text(ci, y_top, label, ha="center", va="top", fontsize=SMALL)
    # Alternate column shading in one call (axvspan per column is slow on a slider).
    ax.bar(range(0, len(cols), 2), y_top, width=1.0, color="#F2F2F2", zorder=0, lw=0)
    ax.scatter(wx, wy, s=90, marker="o", color=work_c, edgecolor="black", lw=0.6, zorder=3,
               label="being worked on")
    ax.scatter(qx, qy, s=80, marker="s", color=wait_c, edgecolor="black", lw=0.6, zorder=3,
               label="waiting")
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylim(0, y_top)
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right", rotation_mode="anchor")
    yt = [r for r in range(0, rows_needed + 1, max(1, rows_needed // 5))]
    ax.set_yticks(yt, [str(r * _PER_ROW) for r in yt])
    ax.set_ylabel(f"changes in stage (count, {_PER_ROW} per row)", fontsize=FONT)
    ax.set_xlabel("stage (flow order; incident work is unplanned)", fontsize=FONT)
    in_progress = arrived - deployed
    title(ax, f"Day {t / 24:.1f}: {in_progress} change{'s' if in_progress != 1 else ''} in "
              f"progress, {deployed} deployed so far, {open_inc} incident"
              f"{'s' if open_inc != 1 else ''} open")
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=SMALL,
               frameon=False)
    return fig
